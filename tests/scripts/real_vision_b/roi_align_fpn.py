"""A feature pyramid network with its top-down path written with F.interpolate (nearest with
size / scale_factor, bilinear with and without align_corners, antialias=True downsampling), RoIAlign
written with F.affine_grid + F.grid_sample (the Spatial-Transformer trick used by repos without
torchvision.ops), level assignment of RoIs (FPN paper eq. 1) and gradients through the whole path."""
from collections import OrderedDict

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
torch.set_printoptions(precision=4)


class FeaturePyramidNetwork(nn.Module):
    def __init__(self, in_channels_list, out_channels, upsample_mode="nearest"):
        super().__init__()
        self.inner_blocks = nn.ModuleList()
        self.layer_blocks = nn.ModuleList()
        for in_channels in in_channels_list:
            self.inner_blocks.append(nn.Conv2d(in_channels, out_channels, 1))
            self.layer_blocks.append(nn.Conv2d(out_channels, out_channels, 3, padding=1))
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_uniform_(m.weight, a=1)
                nn.init.constant_(m.bias, 0)
        self.upsample_mode = upsample_mode

    def forward(self, x):
        names = list(x.keys())
        x = list(x.values())
        last_inner = self.inner_blocks[-1](x[-1])
        results = [self.layer_blocks[-1](last_inner)]
        for idx in range(len(x) - 2, -1, -1):
            inner_lateral = self.inner_blocks[idx](x[idx])
            feat_shape = inner_lateral.shape[-2:]
            if self.upsample_mode == "nearest":
                inner_top_down = F.interpolate(last_inner, size=feat_shape, mode="nearest")
            else:
                inner_top_down = F.interpolate(last_inner, size=feat_shape, mode="bilinear", align_corners=False)
            last_inner = inner_lateral + inner_top_down
            results.insert(0, self.layer_blocks[idx](last_inner))
        # LastLevelMaxPool
        names.append("pool")
        results.append(F.max_pool2d(results[-1], 1, 2, 0))
        return OrderedDict([(k, v) for k, v in zip(names, results)])


class Backbone(nn.Module):
    def __init__(self):
        super().__init__()
        self.c2 = nn.Sequential(nn.Conv2d(3, 8, 3, 2, 1), nn.ReLU(inplace=True))
        self.c3 = nn.Sequential(nn.Conv2d(8, 12, 3, 2, 1), nn.ReLU(inplace=True))
        self.c4 = nn.Sequential(nn.Conv2d(12, 16, 3, 2, 1), nn.ReLU(inplace=True))

    def forward(self, x):
        c2 = self.c2(x)
        c3 = self.c3(c2)
        c4 = self.c4(c3)
        return OrderedDict(c2=c2, c3=c3, c4=c4)


def roi_align(features, rois, output_size, spatial_scale, aligned=True):
    """rois: (K, 5) = (batch_idx, x1, y1, x2, y2) in image coordinates."""
    n, c, h, w = features.shape
    offset = 0.5 if aligned else 0.0
    idx = rois[:, 0].long()
    x1 = rois[:, 1] * spatial_scale - offset
    y1 = rois[:, 2] * spatial_scale - offset
    x2 = rois[:, 3] * spatial_scale - offset
    y2 = rois[:, 4] * spatial_scale - offset
    # affine map from the output grid [-1, 1] to the box, in normalized input coords (align_corners=False)
    theta = torch.zeros(len(rois), 2, 3, dtype=features.dtype)
    theta[:, 0, 0] = (x2 - x1) / w
    theta[:, 0, 2] = (x1 + x2 + 1) / w - 1
    theta[:, 1, 1] = (y2 - y1) / h
    theta[:, 1, 2] = (y1 + y2 + 1) / h - 1
    grid = F.affine_grid(theta, (len(rois), c, *output_size), align_corners=False)
    return F.grid_sample(features[idx], grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def map_levels(boxes, k_min=2, k_max=4, canonical_scale=32, canonical_level=3, eps=1e-6):
    s = torch.sqrt((boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1]))
    target_lvls = torch.floor(canonical_level + torch.log2(s / canonical_scale) + eps)
    target_lvls = torch.clamp(target_lvls, min=k_min, max=k_max)
    return (target_lvls.to(torch.int64) - k_min).to(torch.int64)


# --- interpolate modes on a tiny map, values printed
x = torch.arange(16, dtype=torch.float32).view(1, 1, 4, 4)
print("nearest x2:\n", F.interpolate(x, scale_factor=2, mode="nearest")[0, 0, :3])
print("nearest-exact 3x3:\n", F.interpolate(x, size=(3, 3), mode="nearest-exact")[0, 0])
print("nearest 3x5:\n", F.interpolate(x, size=(3, 5), mode="nearest")[0, 0])
print("bilinear ac=False:\n", F.interpolate(x, size=(3, 3), mode="bilinear", align_corners=False)[0, 0])
print("bilinear ac=True:\n", F.interpolate(x, size=(3, 3), mode="bilinear", align_corners=True)[0, 0])
print("bilinear scale 1.5:\n", F.interpolate(x, scale_factor=1.5, mode="bilinear")[0, 0, 0])
print("bilinear recompute:\n",
      F.interpolate(x, scale_factor=1.7, mode="bilinear", recompute_scale_factor=True)[0, 0, 0])
print("bicubic:\n", F.interpolate(x, size=(5, 5), mode="bicubic", align_corners=False)[0, 0, 1])
img = torch.rand(1, 3, 16, 16)
aa = F.interpolate(img, size=(5, 7), mode="bilinear", antialias=True, align_corners=False)
na = F.interpolate(img, size=(5, 7), mode="bilinear", antialias=False, align_corners=False)
print("antialias:", aa.shape, aa[0, 0, 0], (aa - na).abs().max())
print("antialias bicubic:", F.interpolate(img, scale_factor=0.5, mode="bicubic", antialias=True)[0, 1, 2])
print("area:", F.interpolate(img, size=(5, 5), mode="area")[0, 2, 0])
print("linear 1d:", F.interpolate(torch.arange(5.0).view(1, 1, 5), size=8, mode="linear"))
up = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True)
print(up, up(x).shape)
try:
    F.interpolate(x, size=(3, 3), mode="nearest", align_corners=True)
except ValueError as e:
    print("ValueError:", e)
try:
    F.interpolate(x, size=3, scale_factor=2.0)
except ValueError as e:
    print("ValueError:", e)

# --- FPN forward / backward
backbone = Backbone()
images = torch.rand(2, 3, 32, 32)
feats = backbone(images)
print({k: tuple(v.shape) for k, v in feats.items()})
for mode in ("nearest", "bilinear"):
    torch.manual_seed(1)
    fpn = FeaturePyramidNetwork([8, 12, 16], 8, upsample_mode=mode)
    outs = fpn(feats)
    print(mode, {k: tuple(v.shape) for k, v in outs.items()})
    print(mode, "means:", [round(v.mean().item(), 4) for v in outs.values()])

# --- RoIAlign on the pyramid
rois_img = torch.tensor([[0, 2.0, 3.0, 10.0, 12.0], [0, 0.0, 0.0, 31.0, 31.0], [1, 5.5, 6.5, 21.0, 14.0],
                         [1, 12.0, 12.0, 20.0, 28.0], [0, 1.0, 1.0, 5.0, 5.0]])
lvls = map_levels(rois_img[:, 1:], k_min=0, k_max=2, canonical_scale=16, canonical_level=1)
print("levels:", lvls)
scales = [1 / 2, 1 / 4, 1 / 8]
levels = list(outs.values())[:3]
pooled = torch.zeros(len(rois_img), 8, 3, 3)
for lvl, (feat, scale) in enumerate(zip(levels, scales)):
    idx_in_level = torch.where(lvls == lvl)[0]
    if idx_in_level.numel() == 0:
        continue
    pooled[idx_in_level] = roi_align(feat, rois_img[idx_in_level], (3, 3), scale).to(pooled.dtype)
print("pooled:", pooled.shape, pooled.sum(dim=(1, 2, 3)))
print("pooled[2,0]:\n", pooled[2, 0])

# identity box: RoIAlign of the whole map equals the map resampled with bilinear
feat = torch.arange(36, dtype=torch.float32).view(1, 1, 6, 6)
whole = roi_align(feat, torch.tensor([[0, 0.0, 0.0, 6.0, 6.0]]), (6, 6), 1.0)
print("identity max err:", (whole - feat).abs().max())
print("half box:\n", roi_align(feat, torch.tensor([[0, 0.0, 0.0, 3.0, 3.0]]), (2, 2), 1.0)[0, 0])
print("aligned=False:\n", roi_align(feat, torch.tensor([[0, 1.0, 1.0, 4.0, 4.0]]), (2, 2), 1.0, aligned=False)[0, 0])
print("border padding:\n", F.grid_sample(feat, torch.tensor([[[[-1.2, -1.2], [1.2, 1.0]]]]), padding_mode="border",
                                          align_corners=True))
print("reflection:\n", F.grid_sample(feat, torch.tensor([[[[-1.2, 0.3], [1.3, 0.9]]]]), padding_mode="reflection",
                                      align_corners=False))
print("nearest sample:\n", F.grid_sample(feat, torch.tensor([[[[0.1, 0.2], [-0.5, 0.7]]]]), mode="nearest",
                                          align_corners=False))

# gradients through RoIAlign into the backbone
head = nn.Linear(8 * 9, 4)
opt = torch.optim.Adam(list(backbone.parameters()) + list(fpn.parameters()) + list(head.parameters()), lr=1e-3)
target = torch.randn(len(rois_img), 4)
for step in range(3):
    outs = fpn(backbone(images))
    feat = outs["c3"]
    r = roi_align(feat, rois_img, (3, 3), 1 / 4)
    pred = head(r.flatten(1))
    loss = F.smooth_l1_loss(pred, target, beta=1 / 9)
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(f"step {step}: loss {loss.item():.5f} grad c2 {backbone.c2[0].weight.grad.norm():.5f}")
