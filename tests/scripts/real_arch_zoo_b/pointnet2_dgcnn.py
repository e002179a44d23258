"""Point-cloud building blocks as yanx27/Pointnet_Pointnet2_pytorch and WangYueFt/dgcnn write them:
square_distance via matmul + sums, index_points with a repeated batch index, farthest_point_sample
(torch.max over a running distance, randint start), query_ball_point (sort, masking with N, repeat),
sample_and_group with Conv2d over [B, C, nsample, npoint], DGCNN's knn via pairwise distance + topk and
get_graph_feature (idx_base, view / contiguous / repeat, cat of x_j - x_i and x_i), LeakyReLU(0.2) and
max over neighbours, a few Adam steps, eval and a BytesIO state_dict round trip."""
import io

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


def square_distance(src, dst):
    B, N, _ = src.shape
    _, M, _ = dst.shape
    dist = -2 * torch.matmul(src, dst.permute(0, 2, 1))
    dist += torch.sum(src ** 2, -1).view(B, N, 1)
    dist += torch.sum(dst ** 2, -1).view(B, 1, M)
    return dist


def index_points(points, idx):
    device = points.device
    B = points.shape[0]
    view_shape = list(idx.shape)
    view_shape[1:] = [1] * (len(view_shape) - 1)
    repeat_shape = list(idx.shape)
    repeat_shape[0] = 1
    batch_indices = torch.arange(B, dtype=torch.long).to(device).view(view_shape).repeat(repeat_shape)
    new_points = points[batch_indices, idx, :]
    return new_points


def farthest_point_sample(xyz, npoint):
    device = xyz.device
    B, N, C = xyz.shape
    centroids = torch.zeros(B, npoint, dtype=torch.long).to(device)
    distance = torch.ones(B, N).to(device) * 1e10
    farthest = torch.randint(0, N, (B,), dtype=torch.long).to(device)
    batch_indices = torch.arange(B, dtype=torch.long).to(device)
    for i in range(npoint):
        centroids[:, i] = farthest
        centroid = xyz[batch_indices, farthest, :].view(B, 1, 3)
        dist = torch.sum((xyz - centroid) ** 2, -1)
        mask = dist < distance
        distance[mask] = dist[mask]
        farthest = torch.max(distance, -1)[1]
    return centroids


def query_ball_point(radius, nsample, xyz, new_xyz):
    device = xyz.device
    B, N, C = xyz.shape
    _, S, _ = new_xyz.shape
    group_idx = torch.arange(N, dtype=torch.long).to(device).view(1, 1, N).repeat([B, S, 1])
    sqrdists = square_distance(new_xyz, xyz)
    group_idx[sqrdists > radius ** 2] = N
    group_idx = group_idx.sort(dim=-1)[0][:, :, :nsample]
    group_first = group_idx[:, :, 0].view(B, S, 1).repeat([1, 1, nsample])
    mask = group_idx == N
    group_idx[mask] = group_first[mask]
    return group_idx


def sample_and_group(npoint, radius, nsample, xyz, points):
    B, N, C = xyz.shape
    S = npoint
    fps_idx = farthest_point_sample(xyz, npoint)  # [B, npoint, C]
    new_xyz = index_points(xyz, fps_idx)
    idx = query_ball_point(radius, nsample, xyz, new_xyz)
    grouped_xyz = index_points(xyz, idx)  # [B, npoint, nsample, C]
    grouped_xyz_norm = grouped_xyz - new_xyz.view(B, S, 1, C)
    if points is not None:
        grouped_points = index_points(points, idx)
        new_points = torch.cat([grouped_xyz_norm, grouped_points], dim=-1)  # [B, npoint, nsample, C+D]
    else:
        new_points = grouped_xyz_norm
    return new_xyz, new_points


class PointNetSetAbstraction(nn.Module):
    def __init__(self, npoint, radius, nsample, in_channel, mlp):
        super(PointNetSetAbstraction, self).__init__()
        self.npoint = npoint
        self.radius = radius
        self.nsample = nsample
        self.mlp_convs = nn.ModuleList()
        self.mlp_bns = nn.ModuleList()
        last_channel = in_channel
        for out_channel in mlp:
            self.mlp_convs.append(nn.Conv2d(last_channel, out_channel, 1))
            self.mlp_bns.append(nn.BatchNorm2d(out_channel))
            last_channel = out_channel

    def forward(self, xyz, points):
        xyz = xyz.permute(0, 2, 1)
        if points is not None:
            points = points.permute(0, 2, 1)
        new_xyz, new_points = sample_and_group(self.npoint, self.radius, self.nsample, xyz, points)
        new_points = new_points.permute(0, 3, 2, 1)  # [B, C+D, nsample,npoint]
        for i, conv in enumerate(self.mlp_convs):
            bn = self.mlp_bns[i]
            new_points = F.relu(bn(conv(new_points)))
        new_points = torch.max(new_points, 2)[0]
        new_xyz = new_xyz.permute(0, 2, 1)
        return new_xyz, new_points


def knn(x, k):
    inner = -2 * torch.matmul(x.transpose(2, 1), x)
    xx = torch.sum(x ** 2, dim=1, keepdim=True)
    pairwise_distance = -xx - inner - xx.transpose(2, 1)
    idx = pairwise_distance.topk(k=k, dim=-1)[1]   # (batch_size, num_points, k)
    return idx


def get_graph_feature(x, k=4, idx=None):
    batch_size = x.size(0)
    num_points = x.size(2)
    x = x.view(batch_size, -1, num_points)
    if idx is None:
        idx = knn(x, k=k)   # (batch_size, num_points, k)
    idx_base = torch.arange(0, batch_size).view(-1, 1, 1) * num_points
    idx = idx + idx_base
    idx = idx.view(-1)
    _, num_dims, _ = x.size()
    x = x.transpose(2, 1).contiguous()
    feature = x.view(batch_size * num_points, -1)[idx, :]
    feature = feature.view(batch_size, num_points, k, num_dims)
    x = x.view(batch_size, num_points, 1, num_dims).repeat(1, 1, k, 1)
    feature = torch.cat((feature - x, x), dim=3).permute(0, 3, 1, 2).contiguous()
    return feature


class TinyDGCNN(nn.Module):
    def __init__(self, k=4, emb=32, num_classes=3):
        super().__init__()
        self.k = k
        self.conv1 = nn.Sequential(nn.Conv2d(6, 16, kernel_size=1, bias=False), nn.BatchNorm2d(16),
                                   nn.LeakyReLU(negative_slope=0.2))
        self.conv2 = nn.Sequential(nn.Conv2d(32, 16, kernel_size=1, bias=False), nn.BatchNorm2d(16),
                                   nn.LeakyReLU(negative_slope=0.2))
        self.conv5 = nn.Sequential(nn.Conv1d(32, emb, kernel_size=1, bias=False), nn.BatchNorm1d(emb),
                                   nn.LeakyReLU(negative_slope=0.2))
        self.linear = nn.Linear(emb * 2, num_classes)

    def forward(self, x):
        x = get_graph_feature(x, k=self.k)
        x1 = self.conv1(x).max(dim=-1, keepdim=False)[0]
        x = get_graph_feature(x1, k=self.k)
        x2 = self.conv2(x).max(dim=-1, keepdim=False)[0]
        x = self.conv5(torch.cat((x1, x2), dim=1))
        x1 = F.adaptive_max_pool1d(x, 1).view(x.size(0), -1)
        x2 = F.adaptive_avg_pool1d(x, 1).view(x.size(0), -1)
        return self.linear(torch.cat((x1, x2), 1))


g = torch.Generator().manual_seed(1)
xyz = torch.rand(2, 32, 3, generator=g)
d = square_distance(xyz, xyz[:, :5])
print('sqdist', d.shape, torch.allclose(d, torch.cdist(xyz, xyz[:, :5]) ** 2, atol=1e-5), d.diagonal(dim1=1, dim2=2)[0].abs().max() < 1e-6)
torch.manual_seed(2)
fps = farthest_point_sample(xyz, 6)
print('fps', fps.tolist())
print('fps unique', [len(set(r)) for r in fps.tolist()])
new_xyz = index_points(xyz, fps)
print('index_points', new_xyz.shape, torch.equal(new_xyz[1, 2], xyz[1, fps[1, 2]]))
gi = query_ball_point(0.3, 4, xyz, new_xyz)
print('ball', gi.shape, gi[0].tolist())
grouped = index_points(xyz, gi)
print('grouped', grouped.shape, (grouped - new_xyz[:, :, None]).norm(dim=-1).max().item() <= 0.3 + 1e-6)

torch.manual_seed(3)
sa = PointNetSetAbstraction(npoint=8, radius=0.4, nsample=6, in_channel=3 + 2, mlp=[8, 16])
feats = torch.randn(2, 2, 32)
torch.manual_seed(4)
nx, npnt = sa(xyz.permute(0, 2, 1), feats)
print('SA', nx.shape, npnt.shape, round(npnt.mean().item(), 5))

pts = xyz.permute(0, 2, 1)
idx = knn(pts, 4)
print('knn', idx.shape, idx[0, :3].tolist(), 'self first', bool((idx[:, :, 0] == torch.arange(32)).all()))
gf = get_graph_feature(pts, k=4)
print('graph feature', gf.shape, gf.is_contiguous(), gf[0, 3:, 0, 0].tolist() == pts[0, :, 0].tolist())

torch.manual_seed(5)
net = TinyDGCNN()
print('params', sum(p.numel() for p in net.parameters()))
clouds = torch.cat([torch.rand(4, 3, 24, generator=g), torch.randn(4, 3, 24, generator=g) * 0.3,
                    torch.rand(4, 3, 24, generator=g) * torch.tensor([1., 1., 0.05]).view(1, 3, 1)])
labels = torch.arange(3).repeat_interleave(4)
opt = torch.optim.Adam(net.parameters(), lr=3e-3, weight_decay=1e-4)
for epoch in range(4):
    net.train()
    logits = net(clouds)
    loss = F.cross_entropy(logits, labels, label_smoothing=0.2)
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(f'epoch {epoch} loss {loss.item():.5f} acc {(logits.argmax(1) == labels).float().mean().item():.4f}')
net.eval()
with torch.no_grad():
    logits = net(clouds)
print('eval', logits.argmax(1).tolist(), logits.softmax(1).max(1)[0][:3])
buf = io.BytesIO()
torch.save(net.state_dict(), buf)
buf.seek(0)
n2 = TinyDGCNN()
n2.load_state_dict(torch.load(buf))
n2.eval()
with torch.no_grad():
    print('restored', torch.equal(n2(clouds), logits))
