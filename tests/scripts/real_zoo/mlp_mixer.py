"""MLP-Mixer (google-research / timm style) without einops: patch stem Conv2d, rearranges written as
flatten/transpose/permute/reshape, MixerBlock with token- and channel-mixing Mlp, timm's own
trunc_normal_ (uniform_ + erfinv_ + clamp_), lecun_normal_ via _calculate_fan_in_and_fan_out,
named_apply-style init with module names, forward hooks collecting features, Lion-free AdamW steps."""
import math
import warnings
from functools import partial

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(8)


def _trunc_normal_(tensor, mean, std, a, b):
    def norm_cdf(x):
        return (1. + math.erf(x / math.sqrt(2.))) / 2.
    if (mean < a - 2 * std) or (mean > b + 2 * std):
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. "
                      "The distribution of values may be incorrect.", stacklevel=2)
    l = norm_cdf((a - mean) / std)
    u = norm_cdf((b - mean) / std)
    tensor.uniform_(2 * l - 1, 2 * u - 1)
    tensor.erfinv_()
    tensor.mul_(std * math.sqrt(2.))
    tensor.add_(mean)
    tensor.clamp_(min=a, max=b)
    return tensor


def trunc_normal_(tensor, mean=0., std=1., a=-2., b=2.):
    with torch.no_grad():
        return _trunc_normal_(tensor, mean, std, a, b)


def variance_scaling_(tensor, scale=1.0, mode='fan_in', distribution='normal'):
    fan_in, fan_out = nn.init._calculate_fan_in_and_fan_out(tensor)
    if mode == 'fan_in':
        denom = fan_in
    elif mode == 'fan_out':
        denom = fan_out
    elif mode == 'fan_avg':
        denom = (fan_in + fan_out) / 2
    variance = scale / denom
    if distribution == "truncated_normal":
        trunc_normal_(tensor, std=math.sqrt(variance) / .87962566103423978)
    elif distribution == "normal":
        with torch.no_grad():
            tensor.normal_(std=math.sqrt(variance))
    elif distribution == "uniform":
        bound = math.sqrt(3 * variance)
        with torch.no_grad():
            tensor.uniform_(-bound, bound)
    else:
        raise ValueError(f"invalid distribution {distribution}")


def lecun_normal_(tensor):
    variance_scaling_(tensor, mode='fan_in', distribution='truncated_normal')


def named_apply(fn, module, name='', depth_first=True, include_root=False):
    if not depth_first and include_root:
        fn(module=module, name=name)
    for child_name, child_module in module.named_children():
        child_name = '.'.join((name, child_name)) if name else child_name
        named_apply(fn=fn, module=child_module, name=child_name, depth_first=depth_first, include_root=True)
    if depth_first and include_root:
        fn(module=module, name=name)
    return module


class Mlp(nn.Module):
    def __init__(self, in_features, hidden_features=None, out_features=None, act_layer=nn.GELU, drop=0.):
        super().__init__()
        out_features = out_features or in_features
        hidden_features = hidden_features or in_features
        self.fc1 = nn.Linear(in_features, hidden_features)
        self.act = act_layer()
        self.drop1 = nn.Dropout(drop)
        self.fc2 = nn.Linear(hidden_features, out_features)
        self.drop2 = nn.Dropout(drop)

    def forward(self, x):
        return self.drop2(self.fc2(self.drop1(self.act(self.fc1(x)))))


class MixerBlock(nn.Module):
    def __init__(self, dim, seq_len, mlp_ratio=(0.5, 4.0), mlp_layer=Mlp,
                 norm_layer=partial(nn.LayerNorm, eps=1e-6), act_layer=nn.GELU, drop=0.):
        super().__init__()
        tokens_dim, channels_dim = [int(x * dim) for x in mlp_ratio]
        self.norm1 = norm_layer(dim)
        self.mlp_tokens = mlp_layer(seq_len, tokens_dim, act_layer=act_layer, drop=drop)
        self.norm2 = norm_layer(dim)
        self.mlp_channels = mlp_layer(dim, channels_dim, act_layer=act_layer, drop=drop)

    def forward(self, x):
        x = x + self.mlp_tokens(self.norm1(x).transpose(1, 2)).transpose(1, 2)
        x = x + self.mlp_channels(self.norm2(x))
        return x


class MlpMixer(nn.Module):
    def __init__(self, num_classes=4, img_size=16, in_chans=3, patch_size=4, num_blocks=3, embed_dim=16,
                 mlp_ratio=(0.5, 4.0), drop_rate=0., nlhb=False, global_pool='avg'):
        super().__init__()
        self.num_classes = num_classes
        self.global_pool = global_pool
        self.num_features = self.embed_dim = embed_dim
        self.grid = img_size // patch_size
        self.stem = nn.Conv2d(in_chans, embed_dim, kernel_size=patch_size, stride=patch_size)
        num_patches = self.grid * self.grid
        self.blocks = nn.Sequential(*[MixerBlock(embed_dim, num_patches, mlp_ratio, drop=drop_rate)
                                      for _ in range(num_blocks)])
        self.norm = nn.LayerNorm(embed_dim, eps=1e-6)
        self.head = nn.Linear(embed_dim, self.num_classes) if num_classes > 0 else nn.Identity()
        self.init_weights(nlhb=nlhb)

    @torch.jit.ignore
    def init_weights(self, nlhb=False):
        head_bias = -math.log(self.num_classes) if nlhb else 0.
        named_apply(partial(_init_weights, head_bias=head_bias), module=self)

    def forward_features(self, x):
        x = self.stem(x)
        x = x.flatten(2).transpose(1, 2)     # 'b c h w -> b (h w) c'
        x = self.blocks(x)
        x = self.norm(x)
        return x

    def forward(self, x):
        x = self.forward_features(x)
        if self.global_pool == 'avg':
            x = x.mean(dim=1)
        return self.head(x)


def _init_weights(module: nn.Module, name: str, head_bias: float = 0., flax=False):
    if isinstance(module, nn.Linear):
        if name.startswith('head'):
            nn.init.zeros_(module.weight)
            nn.init.constant_(module.bias, head_bias)
        else:
            if flax:
                lecun_normal_(module.weight)
                if module.bias is not None:
                    nn.init.zeros_(module.bias)
            else:
                nn.init.xavier_uniform_(module.weight)
                if module.bias is not None:
                    if 'mlp' in name:
                        nn.init.normal_(module.bias, std=1e-6)
                    else:
                        nn.init.zeros_(module.bias)
    elif isinstance(module, nn.Conv2d):
        lecun_normal_(module.weight)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, (nn.LayerNorm, nn.BatchNorm2d, nn.GroupNorm)):
        nn.init.ones_(module.weight)
        nn.init.zeros_(module.bias)
    elif hasattr(module, 'init_weights'):
        module.init_weights()


# rearranges written by hand: 'b c (h p1) (w p2) -> b (h w) (p1 p2 c)' and back
img = torch.arange(2 * 3 * 4 * 4, dtype=torch.float32).reshape(2, 3, 4, 4)
p = 2
b, c, H, W = img.shape
patches = img.reshape(b, c, H // p, p, W // p, p).permute(0, 2, 4, 3, 5, 1).reshape(b, (H // p) * (W // p), p * p * c)
print(patches.shape, patches[0, 1])
back = patches.reshape(b, H // p, W // p, p, p, c).permute(0, 5, 1, 3, 2, 4).reshape(b, c, H, W)
print(torch.equal(back, img))
unf = F.unfold(img, kernel_size=p, stride=p).transpose(1, 2)
print(unf.shape, unf[0, 1])

t = torch.empty(1000)
trunc_normal_(t, std=0.5, a=-1.0, b=1.0)
print("timm trunc_normal %.4f %.4f %.4f %.4f" % (t.mean().item(), t.std().item(), t.min().item(), t.max().item()))
w = torch.empty(8, 3, 4, 4)
print(nn.init._calculate_fan_in_and_fan_out(w))
lecun_normal_(w)
print("lecun %.4f" % w.std().item())
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    trunc_normal_(torch.empty(3), mean=5.0)
    print([str(x.message)[:40] for x in caught])

model = MlpMixer()
print(model)
print("params", sum(p.numel() for p in model.parameters()))
print([(n, tuple(p.shape)) for n, p in model.named_parameters() if n.startswith(("stem", "blocks.0", "head"))])
print(list(model.state_dict())[-6:])
print(model.head.weight.abs().sum().item(), "%.3e" % model.blocks[0].mlp_tokens.fc1.bias.std().item())
print("xavier std %.4f" % model.blocks[1].mlp_channels.fc2.weight.std().item())

features = {}


def hook(name):
    def fn(module, inp, out):
        features[name] = out.detach()
    return fn


handles = [blk.register_forward_hook(hook(f"block{i}")) for i, blk in enumerate(model.blocks)]
x = torch.randn(4, 3, 16, 16)
y = torch.tensor([0, 1, 2, 3])
out = model(x)
print({k: tuple(v.shape) for k, v in features.items()})
print(features["block2"][0, 0, :4])
for h in handles:
    h.remove()
features.clear()
model(x)
print(len(features))

opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=0.05)
for step in range(3):
    loss = F.cross_entropy(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(step, "%.6f" % loss.item())
print(opt.state_dict()["param_groups"][0]["params"][:5], len(opt.state_dict()["state"]))
print(sorted(opt.state_dict()["state"][0].keys()), opt.state_dict()["state"][0]["step"])
model.eval()
with torch.no_grad():
    print(model(x).softmax(-1))

torch.manual_seed(8)
flax_model = MlpMixer(nlhb=True)
named_apply(partial(_init_weights, head_bias=-math.log(4), flax=True), flax_model)
print(flax_model.head.bias, "%.4f" % flax_model.blocks[0].mlp_tokens.fc1.weight.std().item())

# multi-label fine-tuning head with BCE-with-logits (printed as the script's loss)
torch.manual_seed(9)
multi = MlpMixer(num_classes=3)
named_apply(partial(_init_weights, head_bias=0.), multi)
nn.init.normal_(multi.head.weight, std=0.02)
targets = torch.tensor([[1., 0., 1.], [0., 0., 1.], [1., 1., 0.], [0., 1., 0.]])
crit = nn.BCEWithLogitsLoss(pos_weight=torch.tensor([1.0, 2.0, 0.5]))
opt = torch.optim.SGD(multi.parameters(), lr=0.5, momentum=0.9)
for step in range(3):
    logits = multi(x)
    loss = crit(logits, targets)
    print(loss)
    opt.zero_grad()
    loss.backward()
    opt.step()
print(F.binary_cross_entropy(torch.sigmoid(logits), targets, reduction='none')[0])
print(F.smooth_l1_loss(logits, targets, beta=0.5), F.huber_loss(logits, targets, delta=2.0))
