"""facebookresearch/ConvNeXt: Block (depthwise 7x7 conv, permute to channels-last, LayerNorm, pointwise
Linear MLP with GELU, layer-scale gamma, permute back, DropPath residual), the channels_first LayerNorm
written by hand (mean / pow / sqrt), timm's drop_path with torch.rand + floor_ (and bernoulli_ form),
linearly increasing stochastic depth rates via torch.linspace, trunc_normal_ init, downsampling layers,
head init scaling, AdamW with a warmup-cosine LambdaLR, EMA of weights, eval / no_grad and BytesIO."""
import copy
import io
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


def drop_path(x, drop_prob: float = 0., training: bool = False, scale_by_keep: bool = True):
    if drop_prob == 0. or not training:
        return x
    keep_prob = 1 - drop_prob
    shape = (x.shape[0],) + (1,) * (x.ndim - 1)  # work with diff dim tensors, not just 2D ConvNets
    random_tensor = x.new_empty(shape).bernoulli_(keep_prob)
    if keep_prob > 0.0 and scale_by_keep:
        random_tensor.div_(keep_prob)
    return x * random_tensor


def drop_path_floor(x, drop_prob, training):
    # the older timm / DeiT form
    if drop_prob == 0. or not training:
        return x
    keep_prob = 1 - drop_prob
    shape = (x.shape[0],) + (1,) * (x.ndim - 1)
    random_tensor = keep_prob + torch.rand(shape, dtype=x.dtype, device=x.device)
    random_tensor.floor_()  # binarize
    output = x.div(keep_prob) * random_tensor
    return output


class DropPath(nn.Module):
    def __init__(self, drop_prob: float = 0., scale_by_keep: bool = True):
        super(DropPath, self).__init__()
        self.drop_prob = drop_prob
        self.scale_by_keep = scale_by_keep

    def forward(self, x):
        return drop_path(x, self.drop_prob, self.training, self.scale_by_keep)

    def extra_repr(self):
        return f'drop_prob={round(self.drop_prob, 3):0.3f}'


class LayerNorm(nn.Module):
    def __init__(self, normalized_shape, eps=1e-6, data_format="channels_last"):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(normalized_shape))
        self.bias = nn.Parameter(torch.zeros(normalized_shape))
        self.eps = eps
        self.data_format = data_format
        if self.data_format not in ["channels_last", "channels_first"]:
            raise NotImplementedError
        self.normalized_shape = (normalized_shape, )

    def forward(self, x):
        if self.data_format == "channels_last":
            return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        elif self.data_format == "channels_first":
            u = x.mean(1, keepdim=True)
            s = (x - u).pow(2).mean(1, keepdim=True)
            x = (x - u) / torch.sqrt(s + self.eps)
            x = self.weight[:, None, None] * x + self.bias[:, None, None]
            return x


class Block(nn.Module):
    def __init__(self, dim, drop_path=0., layer_scale_init_value=1e-6):
        super().__init__()
        self.dwconv = nn.Conv2d(dim, dim, kernel_size=7, padding=3, groups=dim)  # depthwise conv
        self.norm = LayerNorm(dim, eps=1e-6)
        self.pwconv1 = nn.Linear(dim, 4 * dim)  # pointwise/1x1 convs, implemented with linear layers
        self.act = nn.GELU()
        self.pwconv2 = nn.Linear(4 * dim, dim)
        self.gamma = nn.Parameter(layer_scale_init_value * torch.ones((dim)),
                                  requires_grad=True) if layer_scale_init_value > 0 else None
        self.drop_path = DropPath(drop_path) if drop_path > 0. else nn.Identity()

    def forward(self, x):
        input = x
        x = self.dwconv(x)
        x = x.permute(0, 2, 3, 1)  # (N, C, H, W) -> (N, H, W, C)
        x = self.norm(x)
        x = self.pwconv1(x)
        x = self.act(x)
        x = self.pwconv2(x)
        if self.gamma is not None:
            x = self.gamma * x
        x = x.permute(0, 3, 1, 2)  # (N, H, W, C) -> (N, C, H, W)
        x = input + self.drop_path(x)
        return x


class ConvNeXt(nn.Module):
    def __init__(self, in_chans=3, num_classes=10, depths=[2, 2], dims=[16, 32], drop_path_rate=0.2,
                 layer_scale_init_value=1e-6, head_init_scale=1.):
        super().__init__()
        self.downsample_layers = nn.ModuleList()
        stem = nn.Sequential(nn.Conv2d(in_chans, dims[0], kernel_size=4, stride=4),
                             LayerNorm(dims[0], eps=1e-6, data_format="channels_first"))
        self.downsample_layers.append(stem)
        for i in range(len(dims) - 1):
            downsample_layer = nn.Sequential(
                LayerNorm(dims[i], eps=1e-6, data_format="channels_first"),
                nn.Conv2d(dims[i], dims[i + 1], kernel_size=2, stride=2),
            )
            self.downsample_layers.append(downsample_layer)
        self.stages = nn.ModuleList()
        dp_rates = [x.item() for x in torch.linspace(0, drop_path_rate, sum(depths))]
        cur = 0
        for i in range(len(dims)):
            stage = nn.Sequential(*[Block(dim=dims[i], drop_path=dp_rates[cur + j],
                                          layer_scale_init_value=layer_scale_init_value) for j in range(depths[i])])
            self.stages.append(stage)
            cur += depths[i]
        self.norm = nn.LayerNorm(dims[-1], eps=1e-6)  # final norm layer
        self.head = nn.Linear(dims[-1], num_classes)
        self.apply(self._init_weights)
        self.head.weight.data.mul_(head_init_scale)
        self.head.bias.data.mul_(head_init_scale)

    def _init_weights(self, m):
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.trunc_normal_(m.weight, std=.02)
            nn.init.constant_(m.bias, 0)

    def forward_features(self, x):
        for i in range(len(self.stages)):
            x = self.downsample_layers[i](x)
            x = self.stages[i](x)
        return self.norm(x.mean([-2, -1]))  # global average pooling, (N, C, H, W) -> (N, C)

    def forward(self, x):
        return self.head(self.forward_features(x))


# drop path statistics
x = torch.ones(8, 3, 2, 2)
torch.manual_seed(1)
dp = drop_path(x, 0.5, training=True)
print('kept samples', dp[:, 0, 0, 0].tolist())
torch.manual_seed(1)
dpf = drop_path_floor(x, 0.25, True)
print('floor form', dpf[:, 0, 0, 0].tolist(), dpf.dtype)
print('eval identity', drop_path(x, 0.5, training=False) is x)
r = torch.rand(4) + 0.7
print('floor_', r.floor_().tolist(), r.dtype)

print('dp rates', [round(v.item(), 4) for v in torch.linspace(0, 0.2, 4)])

# the channels_first LayerNorm agrees with F.layer_norm over a permuted tensor
ln_cf = LayerNorm(6, data_format="channels_first")
with torch.no_grad():
    ln_cf.weight.copy_(torch.linspace(0.5, 1.5, 6))
    ln_cf.bias.fill_(0.1)
t = torch.randn(2, 6, 3, 4)
ref = F.layer_norm(t.permute(0, 2, 3, 1), (6,), ln_cf.weight, ln_cf.bias, 1e-6).permute(0, 3, 1, 2)
print('cf == cl', torch.allclose(ln_cf(t), ref, atol=1e-5), ref.is_contiguous(), ref.stride())
try:
    LayerNorm(4, data_format="nhwc")
except NotImplementedError as e:
    print('NotImplementedError', repr(e))

torch.manual_seed(2)
model = ConvNeXt()
print('params', sum(p.numel() for p in model.parameters()))
print(model.stages[1][1])
print([type(b.drop_path).__name__ for s in model.stages for b in s])
print('gamma', model.stages[0][0].gamma[:3], model.stages[0][0].gamma.requires_grad)

ema = copy.deepcopy(model)
for p in ema.parameters():
    p.requires_grad_(False)

opt = torch.optim.AdamW(model.parameters(), lr=4e-3, weight_decay=0.05)
warmup, total = 2, 8
sched = torch.optim.lr_scheduler.LambdaLR(
    opt, lambda s: (s + 1) / warmup if s < warmup else 0.5 * (1 + math.cos(math.pi * (s - warmup) / (total - warmup))))
imgs = torch.randn(6, 3, 32, 32)
labels = torch.tensor([0, 1, 2, 3, 4, 5])
crit = nn.CrossEntropyLoss(label_smoothing=0.1)
torch.manual_seed(3)
model.train()
for step in range(total):
    out = model(imgs)
    loss = crit(out, labels)
    opt.zero_grad()
    loss.backward()
    opt.step()
    sched.step()
    with torch.no_grad():
        for pe, pm in zip(ema.parameters(), model.parameters()):
            pe.mul_(0.9).add_(pm.detach(), alpha=0.1)
    print(f'step {step} loss {loss.item():.5f} lr {sched.get_last_lr()[0]:.6f} '
          f'gamma {model.stages[0][0].gamma.abs().mean().item():.6f}')

model.eval()
ema.eval()
with torch.no_grad():
    a, b = model(imgs), ema(imgs)
print('model vs ema', a.argmax(1).tolist(), b.argmax(1).tolist(), round((a - b).abs().max().item(), 5))
print('grad-free ema', all(not p.requires_grad for p in ema.parameters()), ema.head.weight.grad)

buf = io.BytesIO()
torch.save({'model': model.state_dict(), 'model_ema': ema.state_dict(), 'step': total}, buf)
buf.seek(0)
ck = torch.load(buf, map_location='cpu', weights_only=True)
fresh = ConvNeXt()
msg = fresh.load_state_dict(ck['model_ema'], strict=True)
print(msg, ck['step'], sorted(ck.keys()))
fresh.eval()
with torch.no_grad():
    print('ema restored', torch.equal(fresh(imgs), b))
