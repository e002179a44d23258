"""Channel / spatial attention blocks and normalisation layers as vision repos write them:
Squeeze-and-Excitation (Linear and 1x1-conv forms), CBAM (channel attention with avg+max pooling,
spatial attention on channel mean/max), ECA with a 1-D conv over channels, a ConvNeXt-style
LayerNorm2d (channels_first) next to nn.LayerNorm on permuted maps, and BatchNorm / GroupNorm /
InstanceNorm (affine, track_running_stats) compared in train and eval modes, with state_dict keys."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
torch.set_printoptions(precision=4, sci_mode=False)


class SqueezeExcitation(nn.Module):
    def __init__(self, input_channels, squeeze_channels, activation=nn.ReLU, scale_activation=nn.Sigmoid):
        super().__init__()
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(input_channels, squeeze_channels, 1)
        self.fc2 = nn.Conv2d(squeeze_channels, input_channels, 1)
        self.activation = activation()
        self.scale_activation = scale_activation()

    def _scale(self, x):
        scale = self.avgpool(x)
        scale = self.fc1(scale)
        scale = self.activation(scale)
        scale = self.fc2(scale)
        return self.scale_activation(scale)

    def forward(self, x):
        return self._scale(x) * x


class SELayer(nn.Module):
    def __init__(self, channel, reduction=4):
        super().__init__()
        self.avg_pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Sequential(nn.Linear(channel, channel // reduction, bias=False), nn.ReLU(inplace=True),
                                nn.Linear(channel // reduction, channel, bias=False), nn.Sigmoid())

    def forward(self, x):
        b, c, _, _ = x.size()
        y = self.avg_pool(x).view(b, c)
        y = self.fc(y).view(b, c, 1, 1)
        return x * y.expand_as(x)


class ChannelAttention(nn.Module):
    def __init__(self, in_planes, ratio=4):
        super().__init__()
        self.avg_pool = nn.AdaptiveAvgPool2d(1)
        self.max_pool = nn.AdaptiveMaxPool2d(1)
        self.fc = nn.Sequential(nn.Conv2d(in_planes, in_planes // ratio, 1, bias=False), nn.ReLU(),
                                nn.Conv2d(in_planes // ratio, in_planes, 1, bias=False))
        self.sigmoid = nn.Sigmoid()

    def forward(self, x):
        return self.sigmoid(self.fc(self.avg_pool(x)) + self.fc(self.max_pool(x)))


class SpatialAttention(nn.Module):
    def __init__(self, kernel_size=7):
        super().__init__()
        assert kernel_size in (3, 7), "kernel size must be 3 or 7"
        self.conv1 = nn.Conv2d(2, 1, kernel_size, padding=kernel_size // 2, bias=False)
        self.sigmoid = nn.Sigmoid()

    def forward(self, x):
        avg_out = torch.mean(x, dim=1, keepdim=True)
        max_out, _ = torch.max(x, dim=1, keepdim=True)
        return self.sigmoid(self.conv1(torch.cat([avg_out, max_out], dim=1)))


class CBAM(nn.Module):
    def __init__(self, c, k=7):
        super().__init__()
        self.ca = ChannelAttention(c)
        self.sa = SpatialAttention(k)

    def forward(self, x):
        x = x * self.ca(x)
        return x * self.sa(x)


class ECA(nn.Module):
    def __init__(self, channels, gamma=2, b=1):
        super().__init__()
        t = int(abs((math.log(channels, 2) + b) / gamma))
        k = t if t % 2 else t + 1
        self.avg_pool = nn.AdaptiveAvgPool2d(1)
        self.conv = nn.Conv1d(1, 1, kernel_size=k, padding=(k - 1) // 2, bias=False)

    def forward(self, x):
        y = self.avg_pool(x)
        y = self.conv(y.squeeze(-1).transpose(-1, -2)).transpose(-1, -2).unsqueeze(-1)
        return x * y.sigmoid().expand_as(x)


class LayerNorm2d(nn.Module):
    def __init__(self, normalized_shape, eps=1e-6, data_format="channels_first"):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(normalized_shape))
        self.bias = nn.Parameter(torch.zeros(normalized_shape))
        self.eps = eps
        self.data_format = data_format
        self.normalized_shape = (normalized_shape,)

    def forward(self, x):
        if self.data_format == "channels_last":
            return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        u = x.mean(1, keepdim=True)
        s = (x - u).pow(2).mean(1, keepdim=True)
        x = (x - u) / torch.sqrt(s + self.eps)
        return self.weight[:, None, None] * x + self.bias[:, None, None]

    def extra_repr(self):
        return f"{self.normalized_shape}, eps={self.eps}, data_format={self.data_format}"


x = torch.randn(2, 8, 6, 6)
for blk in [SqueezeExcitation(8, 2), SELayer(8), CBAM(8), CBAM(8, 3), ECA(8)]:
    y = blk(x)
    print(type(blk).__name__, tuple(y.shape), f"{y.mean().item():.5f} {y.std().item():.5f}",
          sum(p.numel() for p in blk.parameters()))
print(ECA(64).conv)
ca = ChannelAttention(8)(x)
sa = SpatialAttention()(x)
print("ca:", ca.shape, ca.flatten()[:4], "sa:", sa.shape, sa[0, 0, 0])

ln2d = LayerNorm2d(8)
print(ln2d)
ref = nn.LayerNorm(8, eps=1e-6)
a = ln2d(x)
b = ref(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
print("LayerNorm2d == permuted LayerNorm:", torch.allclose(a, b, atol=1e-5), (a - b).abs().max() < 1e-5)
print("channels_last LN:", LayerNorm2d(8, data_format="channels_last")(x.permute(0, 2, 3, 1)).shape)
print("LN no affine:", nn.LayerNorm([6, 6], elementwise_affine=False)(x)[0, 0, 0])
print("LN bias=False:", nn.LayerNorm(6, bias=False), [n for n, _ in nn.LayerNorm(6, bias=False).named_parameters()])

norms = {
    "bn": nn.BatchNorm2d(8),
    "bn_nostats": nn.BatchNorm2d(8, track_running_stats=False),
    "bn_mom_none": nn.BatchNorm2d(8, momentum=None),
    "gn": nn.GroupNorm(4, 8),
    "gn1_layer": nn.GroupNorm(1, 8),
    "in": nn.InstanceNorm2d(8),
    "in_affine_stats": nn.InstanceNorm2d(8, affine=True, track_running_stats=True),
    "ln2d": LayerNorm2d(8),
}
for name, m in norms.items():
    with torch.no_grad():
        for p in m.parameters():
            p.uniform_(0.5, 1.5)
    m.train()
    outs = [m(x * (i + 1) + i) for i in range(3)]
    m.eval()
    ev = m(x)
    keys = list(m.state_dict().keys())
    rm = getattr(m, "running_mean", None)
    print(f"{name}: {m}")
    print(f"  train mean {outs[-1].mean().item():.5f} std {outs[-1].std().item():.5f} | "
          f"eval mean {ev.mean().item():.5f}"
          f" std {ev.std().item():.5f} | keys {keys}")
    if rm is not None:
        print("  running_mean", rm[:3], "running_var", m.running_var[:3], "tracked", m.num_batches_tracked)

# BN folding into the preceding conv (deploy-time fusion)
conv = nn.Conv2d(8, 4, 3, padding=1, bias=False)
bn = nn.BatchNorm2d(4)
bn.train()
for _ in range(3):
    bn(conv(torch.randn(4, 8, 6, 6)))
bn.eval()
w = conv.weight * (bn.weight / torch.sqrt(bn.running_var + bn.eps)).reshape(-1, 1, 1, 1)
bias = bn.bias - bn.running_mean * bn.weight / torch.sqrt(bn.running_var + bn.eps)
fused = F.conv2d(x, w, bias, padding=1)
print("fused == conv+bn:", torch.allclose(fused, bn(conv(x)), atol=1e-5))

# SyncBatchNorm conversion on CPU (module swap only) and errors
print(nn.BatchNorm1d(3)(torch.randn(4, 3, 5)).shape, nn.BatchNorm3d(2)(torch.randn(2, 2, 3, 3, 3)).shape)
for fn in [lambda: nn.BatchNorm2d(8)(torch.randn(8, 6, 6)), lambda: nn.GroupNorm(3, 8),
           lambda: nn.BatchNorm2d(8)(torch.randn(1, 8, 1, 1)), lambda: nn.InstanceNorm2d(8)(torch.randn(2, 8, 1, 1)),
           lambda: F.group_norm(x, 3)]:
    try:
        fn()
    except (ValueError, RuntimeError) as e:
        print(type(e).__name__ + ":", e)
inorm = nn.InstanceNorm1d(4)
print("instance 1d unbatched:", inorm(torch.randn(4, 6)).shape)

# train a CBAM block a few steps
model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.GroupNorm(2, 8), nn.SiLU(), CBAM(8, 3), SELayer(8),
                      nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 3))
opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
data, target = torch.randn(6, 3, 8, 8), torch.tensor([0, 1, 2, 0, 1, 2])
for step in range(4):
    loss = F.cross_entropy(model(data), target)
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(f"step {step} loss {loss.item():.5f} sa-grad {model[3].sa.conv1.weight.grad.norm():.5f}")
