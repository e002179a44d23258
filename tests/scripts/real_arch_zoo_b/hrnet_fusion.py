"""HRNet (HRNet/HRNet-Image-Classification) style HighResolutionModule: parallel branches of BasicBlocks
at several resolutions, fuse layers with 1x1 conv + BN + nn.Upsample(scale_factor=2**(j-i), mode='nearest')
for lower-resolution inputs and chains of stride-2 3x3 convs for higher ones, a transition layer that
adds a branch, a segmentation-style head upsampling all branches with F.interpolate(bilinear,
align_corners=False) and concatenating, SGD with poly LR, eval and a BytesIO state_dict round trip."""
import io

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
BN_MOMENTUM = 0.1


def conv3x3(in_planes, out_planes, stride=1):
    return nn.Conv2d(in_planes, out_planes, kernel_size=3, stride=stride, padding=1, bias=False)


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super(BasicBlock, self).__init__()
        self.conv1 = conv3x3(inplanes, planes, stride)
        self.bn1 = nn.BatchNorm2d(planes, momentum=BN_MOMENTUM)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = nn.BatchNorm2d(planes, momentum=BN_MOMENTUM)
        self.downsample = downsample

    def forward(self, x):
        residual = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.downsample is not None:
            residual = self.downsample(x)
        out += residual
        return self.relu(out)


class HighResolutionModule(nn.Module):
    def __init__(self, num_branches, blocks, num_blocks, num_inchannels, num_channels, multi_scale_output=True):
        super(HighResolutionModule, self).__init__()
        self._check_branches(num_branches, num_blocks, num_inchannels, num_channels)
        self.num_inchannels = num_inchannels
        self.num_branches = num_branches
        self.multi_scale_output = multi_scale_output
        self.branches = self._make_branches(num_branches, blocks, num_blocks, num_channels)
        self.fuse_layers = self._make_fuse_layers()
        self.relu = nn.ReLU(False)

    def _check_branches(self, num_branches, num_blocks, num_inchannels, num_channels):
        if num_branches != len(num_blocks):
            error_msg = 'NUM_BRANCHES({}) <> NUM_BLOCKS({})'.format(num_branches, len(num_blocks))
            raise ValueError(error_msg)
        if num_branches != len(num_channels):
            raise ValueError('NUM_BRANCHES({}) <> NUM_CHANNELS({})'.format(num_branches, len(num_channels)))

    def _make_one_branch(self, branch_index, block, num_blocks, num_channels):
        layers = [block(self.num_inchannels[branch_index], num_channels[branch_index])]
        self.num_inchannels[branch_index] = num_channels[branch_index] * block.expansion
        for i in range(1, num_blocks[branch_index]):
            layers.append(block(self.num_inchannels[branch_index], num_channels[branch_index]))
        return nn.Sequential(*layers)

    def _make_branches(self, num_branches, block, num_blocks, num_channels):
        return nn.ModuleList([self._make_one_branch(i, block, num_blocks, num_channels) for i in range(num_branches)])

    def _make_fuse_layers(self):
        if self.num_branches == 1:
            return None
        num_branches = self.num_branches
        num_inchannels = self.num_inchannels
        fuse_layers = []
        for i in range(num_branches if self.multi_scale_output else 1):
            fuse_layer = []
            for j in range(num_branches):
                if j > i:
                    fuse_layer.append(nn.Sequential(
                        nn.Conv2d(num_inchannels[j], num_inchannels[i], 1, 1, 0, bias=False),
                        nn.BatchNorm2d(num_inchannels[i], momentum=BN_MOMENTUM),
                        nn.Upsample(scale_factor=2 ** (j - i), mode='nearest')))
                elif j == i:
                    fuse_layer.append(None)
                else:
                    conv3x3s = []
                    for k in range(i - j):
                        if k == i - j - 1:
                            num_outchannels_conv3x3 = num_inchannels[i]
                            conv3x3s.append(nn.Sequential(
                                nn.Conv2d(num_inchannels[j], num_outchannels_conv3x3, 3, 2, 1, bias=False),
                                nn.BatchNorm2d(num_outchannels_conv3x3, momentum=BN_MOMENTUM)))
                        else:
                            num_outchannels_conv3x3 = num_inchannels[j]
                            conv3x3s.append(nn.Sequential(
                                nn.Conv2d(num_inchannels[j], num_outchannels_conv3x3, 3, 2, 1, bias=False),
                                nn.BatchNorm2d(num_outchannels_conv3x3, momentum=BN_MOMENTUM),
                                nn.ReLU(False)))
                    fuse_layer.append(nn.Sequential(*conv3x3s))
            fuse_layers.append(nn.ModuleList(fuse_layer))
        return nn.ModuleList(fuse_layers)

    def get_num_inchannels(self):
        return self.num_inchannels

    def forward(self, x):
        if self.num_branches == 1:
            return [self.branches[0](x[0])]
        for i in range(self.num_branches):
            x[i] = self.branches[i](x[i])
        x_fuse = []
        for i in range(len(self.fuse_layers)):
            y = x[0] if i == 0 else self.fuse_layers[i][0](x[0])
            for j in range(1, self.num_branches):
                if i == j:
                    y = y + x[j]
                else:
                    y = y + self.fuse_layers[i][j](x[j])
            x_fuse.append(self.relu(y))
        return x_fuse


class TinyHRNet(nn.Module):
    def __init__(self, num_classes=3):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, 2, 1, bias=False), nn.BatchNorm2d(8), nn.ReLU(inplace=True))
        self.transition1 = nn.ModuleList([
            nn.Sequential(nn.Conv2d(8, 8, 3, 1, 1, bias=False), nn.BatchNorm2d(8), nn.ReLU(inplace=True)),
            nn.Sequential(nn.Conv2d(8, 16, 3, 2, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU(inplace=True))])
        self.stage2 = HighResolutionModule(2, BasicBlock, [1, 1], [8, 16], [8, 16])
        self.transition2 = nn.Sequential(nn.Conv2d(16, 32, 3, 2, 1, bias=False), nn.BatchNorm2d(32),
                                         nn.ReLU(inplace=True))
        self.stage3 = HighResolutionModule(3, BasicBlock, [1, 1, 1], [8, 16, 32], [8, 16, 32])
        self.last_layer = nn.Sequential(nn.Conv2d(56, 16, 1), nn.BatchNorm2d(16), nn.ReLU(inplace=True),
                                        nn.Conv2d(16, num_classes, 1))

    def forward(self, x):
        x = self.stem(x)
        xs = [t(x) for t in self.transition1]
        ys = self.stage2(xs)
        ys = ys + [self.transition2(ys[-1])]
        ys = self.stage3(ys)
        h, w = ys[0].size(2), ys[0].size(3)
        feats = [ys[0]] + [F.interpolate(y, size=(h, w), mode='bilinear', align_corners=False) for y in ys[1:]]
        return self.last_layer(torch.cat(feats, 1)), ys


try:
    HighResolutionModule(2, BasicBlock, [1], [8, 16], [8, 16])
except ValueError as e:
    print('ValueError:', e)

m = HighResolutionModule(3, BasicBlock, [1, 1, 1], [4, 8, 16], [4, 8, 16])
print(m.fuse_layers[0][2])
print(m.fuse_layers[2][0])
print('fuse None', [[type(f).__name__ for f in row] for row in m.fuse_layers])
xs = [torch.randn(2, 4, 16, 16), torch.randn(2, 8, 8, 8), torch.randn(2, 16, 4, 4)]
outs = m(list(xs))
print('fused', [tuple(o.shape) for o in outs], [round(o.mean().item(), 5) for o in outs])
single = HighResolutionModule(3, BasicBlock, [1, 1, 1], [4, 8, 16], [4, 8, 16], multi_scale_output=False)
print('single scale', len(single(list(xs))), len(single.fuse_layers))

up = nn.Upsample(scale_factor=4, mode='nearest')
print(up, up(torch.arange(4.).view(1, 1, 2, 2))[0, 0, :2])
print('interp sizes', F.interpolate(torch.randn(1, 2, 5, 7), size=(10, 13), mode='bilinear', align_corners=False).shape,
      F.interpolate(torch.randn(1, 2, 5, 7), scale_factor=1.5, mode='nearest').shape)

torch.manual_seed(1)
net = TinyHRNet()
print('params', sum(p.numel() for p in net.parameters()))
img = torch.randn(2, 3, 32, 32)
seg = (img[:, 0] > 0).long() + (img[:, 1] > 0.5).long()
seg_small = F.interpolate(seg[:, None].float(), size=(16, 16), mode='nearest')[:, 0].long()
print('seg target', seg_small.shape, seg_small.dtype, torch.bincount(seg_small.flatten(), minlength=3).tolist())
base_lr, max_iter = 0.05, 6
opt = torch.optim.SGD(net.parameters(), lr=base_lr, momentum=0.9, weight_decay=5e-4, nesterov=False)
crit = nn.CrossEntropyLoss(ignore_index=255)
for it in range(max_iter):
    logits, ys = net(img)
    loss = crit(logits, seg_small)
    opt.zero_grad()
    loss.backward()
    opt.step()
    lr = base_lr * ((1 - float(it) / max_iter) ** 0.9)
    for pg in opt.param_groups:
        pg['lr'] = lr
    print(f'it {it} loss {loss.item():.5f} lr {lr:.5f} shapes {[tuple(y.shape[2:]) for y in ys]}')

net.eval()
with torch.no_grad():
    logits, _ = net(img)
    full = F.interpolate(logits, size=img.shape[2:], mode='bilinear', align_corners=False)
    pred = full.argmax(1)
print('pred', full.shape, torch.bincount(pred.flatten(), minlength=3).tolist())
pix_acc = (F.interpolate(logits, size=(16, 16)).argmax(1) == seg_small).float().mean()
print('pixel acc', round(pix_acc.item(), 4))

buf = io.BytesIO()
torch.save(net.state_dict(), buf)
buf.seek(0)
n2 = TinyHRNet()
sd = torch.load(buf)
print(len(sd), [k for k in sd if 'fuse_layers.2.0' in k][:4])
n2.load_state_dict(sd)
n2.eval()
with torch.no_grad():
    print('restored', torch.equal(n2(img)[0], logits))
