"""fxia22/pointnet.pytorch style PointNet: STN3d / STNkd T-Nets (Conv1d on points, max over points,
identity added via torch.eye(...).view(1, k*k).repeat(batchsize, 1)), torch.bmm of points by the
predicted transform, global feature via torch.max(x, 2, keepdim=True), segmentation head concatenating
the global feature repeated over points, feature_transform_regularizer (||I - A A^T||), NLL loss over
log_softmax, Adam + StepLR, eval / no_grad accuracy and a BytesIO checkpoint."""
import io

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class STN3d(nn.Module):
    def __init__(self, width=16):
        super(STN3d, self).__init__()
        self.conv1 = torch.nn.Conv1d(3, width, 1)
        self.conv2 = torch.nn.Conv1d(width, width * 2, 1)
        self.conv3 = torch.nn.Conv1d(width * 2, width * 4, 1)
        self.fc1 = nn.Linear(width * 4, width * 2)
        self.fc2 = nn.Linear(width * 2, width)
        self.fc3 = nn.Linear(width, 9)
        self.relu = nn.ReLU()
        self.bn1 = nn.BatchNorm1d(width)
        self.bn2 = nn.BatchNorm1d(width * 2)
        self.bn3 = nn.BatchNorm1d(width * 4)
        self.bn4 = nn.BatchNorm1d(width * 2)
        self.bn5 = nn.BatchNorm1d(width)
        self.width = width

    def forward(self, x):
        batchsize = x.size()[0]
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.relu(self.bn2(self.conv2(x)))
        x = F.relu(self.bn3(self.conv3(x)))
        x = torch.max(x, 2, keepdim=True)[0]
        x = x.view(-1, self.width * 4)
        x = F.relu(self.bn4(self.fc1(x)))
        x = F.relu(self.bn5(self.fc2(x)))
        x = self.fc3(x)
        iden = torch.from_numpy(__import__('numpy').array([1, 0, 0, 0, 1, 0, 0, 0, 1]).astype('float32')).view(
            1, 9).repeat(batchsize, 1)
        x = x + iden
        x = x.view(-1, 3, 3)
        return x


class STNkd(nn.Module):
    def __init__(self, k=16):
        super(STNkd, self).__init__()
        self.conv1 = torch.nn.Conv1d(k, 32, 1)
        self.conv2 = torch.nn.Conv1d(32, 64, 1)
        self.fc1 = nn.Linear(64, 32)
        self.fc3 = nn.Linear(32, k * k)
        self.bn1 = nn.BatchNorm1d(32)
        self.bn2 = nn.BatchNorm1d(64)
        self.k = k
        # identity init: the transform starts as the identity
        nn.init.zeros_(self.fc3.weight)
        nn.init.zeros_(self.fc3.bias)

    def forward(self, x):
        batchsize = x.size()[0]
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.relu(self.bn2(self.conv2(x)))
        x = torch.max(x, 2, keepdim=True)[0]
        x = x.view(-1, 64)
        x = self.fc3(F.relu(self.fc1(x)))
        iden = torch.eye(self.k).flatten().view(1, self.k * self.k).repeat(batchsize, 1)
        x = x + iden
        return x.view(-1, self.k, self.k)


class PointNetfeat(nn.Module):
    def __init__(self, global_feat=True, feature_transform=False):
        super(PointNetfeat, self).__init__()
        self.stn = STN3d()
        self.conv1 = torch.nn.Conv1d(3, 16, 1)
        self.conv2 = torch.nn.Conv1d(16, 32, 1)
        self.conv3 = torch.nn.Conv1d(32, 64, 1)
        self.bn1 = nn.BatchNorm1d(16)
        self.bn2 = nn.BatchNorm1d(32)
        self.bn3 = nn.BatchNorm1d(64)
        self.global_feat = global_feat
        self.feature_transform = feature_transform
        if self.feature_transform:
            self.fstn = STNkd(k=16)

    def forward(self, x):
        n_pts = x.size()[2]
        trans = self.stn(x)
        x = x.transpose(2, 1)
        x = torch.bmm(x, trans)
        x = x.transpose(2, 1)
        x = F.relu(self.bn1(self.conv1(x)))
        if self.feature_transform:
            trans_feat = self.fstn(x)
            x = x.transpose(2, 1)
            x = torch.bmm(x, trans_feat)
            x = x.transpose(2, 1)
        else:
            trans_feat = None
        pointfeat = x
        x = F.relu(self.bn2(self.conv2(x)))
        x = self.bn3(self.conv3(x))
        x, idx = torch.max(x, 2, keepdim=True)
        x = x.view(-1, 64)
        if self.global_feat:
            return x, trans, trans_feat, idx
        x = x.view(-1, 64, 1).repeat(1, 1, n_pts)
        return torch.cat([x, pointfeat], 1), trans, trans_feat, idx


class PointNetCls(nn.Module):
    def __init__(self, k=4, feature_transform=False):
        super(PointNetCls, self).__init__()
        self.feature_transform = feature_transform
        self.feat = PointNetfeat(global_feat=True, feature_transform=feature_transform)
        self.fc1 = nn.Linear(64, 32)
        self.fc3 = nn.Linear(32, k)
        self.dropout = nn.Dropout(p=0.3)
        self.bn1 = nn.BatchNorm1d(32)
        self.relu = nn.ReLU()

    def forward(self, x):
        x, trans, trans_feat, _ = self.feat(x)
        x = F.relu(self.bn1(self.dropout(self.fc1(x))))
        x = self.fc3(x)
        return F.log_softmax(x, dim=1), trans, trans_feat


class PointNetDenseCls(nn.Module):
    def __init__(self, k=3):
        super(PointNetDenseCls, self).__init__()
        self.k = k
        self.feat = PointNetfeat(global_feat=False)
        self.conv1 = torch.nn.Conv1d(80, 32, 1)
        self.conv2 = torch.nn.Conv1d(32, self.k, 1)

    def forward(self, x):
        batchsize = x.size()[0]
        n_pts = x.size()[2]
        x, trans, trans_feat, _ = self.feat(x)
        x = self.conv2(F.relu(self.conv1(x)))
        x = x.transpose(2, 1).contiguous()
        x = F.log_softmax(x.view(-1, self.k), dim=-1)
        x = x.view(batchsize, n_pts, self.k)
        return x, trans, trans_feat


def feature_transform_regularizer(trans):
    d = trans.size()[1]
    I = torch.eye(d)[None, :, :]
    loss = torch.mean(torch.norm(torch.bmm(trans, trans.transpose(2, 1)) - I, dim=(1, 2)))
    return loss


def make_clouds(n, pts, g):
    # 4 classes: sphere, cube surface, plane, line (+ noise)
    clouds, labels = [], []
    for i in range(n):
        c = i % 4
        if c == 0:
            p = torch.randn(pts, 3, generator=g)
            p = p / p.norm(dim=1, keepdim=True)
        elif c == 1:
            p = torch.rand(pts, 3, generator=g) * 2 - 1
            ax = torch.randint(0, 3, (pts,), generator=g)
            p[torch.arange(pts), ax] = torch.sign(p[torch.arange(pts), ax])
        elif c == 2:
            p = torch.rand(pts, 3, generator=g) * 2 - 1
            p[:, 2] = 0.05 * torch.randn(pts, generator=g)
        else:
            t = torch.linspace(-1, 1, pts)
            p = torch.stack([t, 0.5 * t, -t], 1) + 0.02 * torch.randn(pts, 3, generator=g)
        clouds.append(p.t())
        labels.append(c)
    return torch.stack(clouds), torch.tensor(labels)


g = torch.Generator().manual_seed(42)
points, target = make_clouds(16, 64, g)
print('points', points.shape, points.dtype, target.tolist()[:8])
print('centroid', points.mean(2)[:2])

sim_data = torch.rand(4, 3, 50)
trans = STN3d()(sim_data)
print('stn', trans.size(), 'loss', round(feature_transform_regularizer(trans).item(), 4))
stnk = STNkd(k=16)
t16 = stnk(torch.rand(4, 16, 50))
print('stn16 identity at init', torch.allclose(t16, torch.eye(16).expand(4, 16, 16)),
      feature_transform_regularizer(t16).item())
pf = PointNetfeat(global_feat=True)
out, _, _, idx = pf(sim_data)
print('global feat', out.size(), idx.shape, idx.dtype, int(idx.max()) < 50)
seg_feat, _, _, _ = PointNetfeat(global_feat=False)(sim_data)
print('point feat', seg_feat.size())

# permutation invariance of the max-pooled global feature (eval mode: fixed BN statistics)
pf.eval()
perm = torch.randperm(50)
with torch.no_grad():
    g1 = pf(sim_data)[0]
    g2 = pf(sim_data[:, :, perm])[0]
print('perm invariant', torch.allclose(g1, g2, atol=1e-6))

torch.manual_seed(5)
classifier = PointNetCls(k=4, feature_transform=True)
print('params', sum(p.numel() for p in classifier.parameters()))
optimizer = torch.optim.Adam(classifier.parameters(), lr=0.001, betas=(0.9, 0.999))
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=3, gamma=0.5)
for epoch in range(6):
    classifier.train()
    optimizer.zero_grad()
    pred, trans, trans_feat = classifier(points)
    loss = F.nll_loss(pred, target)
    reg = feature_transform_regularizer(trans_feat)
    loss = loss + reg * 0.001
    loss.backward()
    optimizer.step()
    scheduler.step()
    pred_choice = pred.data.max(1)[1]
    correct = pred_choice.eq(target.data).cpu().sum()
    print('[%d] train loss: %f accuracy: %f reg: %.6f' % (epoch, loss.item(), correct.item() / float(points.size(0)),
                                                          reg.item()))

classifier.eval()
with torch.no_grad():
    pred, _, _ = classifier(points)
    print('eval acc', (pred.argmax(1) == target).float().mean().item(), pred.exp().sum(1)[:3])

seg = PointNetDenseCls(k=3)
seg_target = (points[:, 2] > 0).long() + (points[:, 0] > 0.5).long()
opt = torch.optim.SGD(seg.parameters(), lr=0.05, momentum=0.9)
for it in range(3):
    pred, _, _ = seg(points)
    pred = pred.view(-1, 3)
    loss = F.nll_loss(pred, seg_target.view(-1))
    opt.zero_grad()
    loss.backward()
    opt.step()
    print('seg it', it, round(loss.item(), 5), pred.shape)

buf = io.BytesIO()
torch.save(classifier.state_dict(), buf)
buf.seek(0)
c2 = PointNetCls(k=4, feature_transform=True)
c2.load_state_dict(torch.load(buf))
c2.eval()
with torch.no_grad():
    print('restored', torch.equal(c2(points)[0], classifier(points)[0]))
print([k for k in c2.state_dict() if k.startswith('feat.fstn')][:5])
