"""nn.Module plumbing: named_modules / named_children / modules() / apply traversal and custom init,
register_buffer(persistent=False) and state_dict keys, nn.ModuleDict / ModuleList / ParameterList /
ParameterDict, copy.deepcopy of models, requires_grad_(False) freezing, train / eval flags, repr of
a composite model, parameters_to_vector / vector_to_parameters, clip_grad_value_ / clip_grad_norm_,
get_submodule / get_parameter, hooks counting calls, zero_grad(set_to_none)."""
import copy

import torch
import torch.nn as nn
from torch.nn.utils import clip_grad_norm_, clip_grad_value_, parameters_to_vector, vector_to_parameters

torch.manual_seed(0)


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(c)
        self.act = nn.ReLU(inplace=True)
        self.register_buffer('scale', torch.ones(1))
        self.register_buffer('cache', torch.zeros(2), persistent=False)

    def forward(self, x):
        return self.act(self.bn(self.conv(x))) * self.scale + x


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 4, 1)
        self.blocks = nn.ModuleList([Block(4), Block(4)])
        self.heads = nn.ModuleDict({'cls': nn.Linear(4, 2), 'reg': nn.Linear(4, 1)})
        self.extra = nn.ParameterList([nn.Parameter(torch.zeros(2)), nn.Parameter(torch.ones(3))])
        self.pdict = nn.ParameterDict({'alpha': nn.Parameter(torch.tensor(0.5))})
        self.drop = nn.Dropout(0.5)

    def forward(self, x):
        x = self.stem(x)
        for b in self.blocks:
            x = b(x)
        x = self.drop(x.mean((2, 3)))
        return self.heads['cls'](x) * self.pdict['alpha'], self.heads['reg'](x)


net = Net()
print(net)
print('named_children', [n for n, _ in net.named_children()])
print('named_modules', [n for n, _ in net.named_modules()])
print('module types', [type(m).__name__ for m in net.modules()][:6])
print('params', [(n, tuple(p.shape)) for n, p in net.named_parameters()])
print('buffers', [n for n, _ in net.named_buffers()])
print('state keys', list(net.state_dict().keys()))
print('count', sum(p.numel() for p in net.parameters()), sum(p.numel() for p in net.parameters() if p.requires_grad))


def init_weights(m):
    if isinstance(m, nn.Conv2d):
        nn.init.kaiming_normal_(m.weight, mode='fan_out', nonlinearity='relu')
        if m.bias is not None:
            nn.init.zeros_(m.bias)
    elif isinstance(m, nn.Linear):
        nn.init.xavier_uniform_(m.weight)
        nn.init.constant_(m.bias, 0.1)
    elif isinstance(m, nn.BatchNorm2d):
        nn.init.ones_(m.weight)
        nn.init.zeros_(m.bias)


net.apply(init_weights)
print('after init', round(net.stem.weight.std().item(), 4), net.heads['reg'].bias.item())
print('get_submodule', type(net.get_submodule('blocks.1.bn')).__name__, tuple(net.get_parameter('heads.cls.weight').shape))
print('get_buffer', net.get_buffer('blocks.0.scale').tolist())

x = torch.randn(2, 3, 5, 5)
net.train()
print('training flags', net.training, net.blocks[0].bn.training, net.drop.training)
out_cls, out_reg = net(x)
(out_cls.sum() + out_reg.sum()).backward()
vec = parameters_to_vector(net.parameters())
print('vector', vec.shape, round(vec.sum().item(), 4))
gn = clip_grad_norm_(net.parameters(), max_norm=0.5)
print('grad norm before clip', round(gn.item(), 4))
clip_grad_value_(net.parameters(), clip_value=0.01)
print('max abs grad', round(max(p.grad.abs().max().item() for p in net.parameters() if p.grad is not None), 6))
vector_to_parameters(torch.zeros_like(vec), net.parameters())
print('zeroed', parameters_to_vector(net.parameters()).abs().sum().item())
net.zero_grad()
print('grads none', all(p.grad is None for p in net.parameters()))

net.apply(init_weights)
net.eval()
print('eval flags', net.training, net.blocks[0].bn.training, net.drop.training)
clone = copy.deepcopy(net)
print('deepcopy distinct', clone.stem.weight is not net.stem.weight, torch.equal(clone.stem.weight, net.stem.weight))
with torch.no_grad():
    a = net(x)[0]
    clone.stem.weight.add_(1.0)
    b = net(x)[0]
print('deepcopy independent', torch.equal(a, b))

net.requires_grad_(False)
net.heads.requires_grad_(True)
print('trainable', [n for n, p in net.named_parameters() if p.requires_grad])
print('bn running', net.blocks[0].bn.running_mean.requires_grad, net.blocks[0].bn.num_batches_tracked.dtype)

sd = net.state_dict()
fresh = Net()
res = fresh.load_state_dict(sd)
print('load', res.missing_keys, res.unexpected_keys)
del sd['blocks.0.scale']
sd['bogus'] = torch.zeros(1)
res = fresh.load_state_dict(sd, strict=False)
print('non-strict', res.missing_keys, res.unexpected_keys)
try:
    fresh.load_state_dict(sd)
except RuntimeError as e:
    print('strict error', str(e).splitlines()[0])

calls = []
h = net.blocks[0].register_forward_hook(lambda m, i, o: calls.append(tuple(o.shape)))
hp = net.stem.register_forward_pre_hook(lambda m, i: calls.append('pre'))
net(x)
h.remove()
hp.remove()
net(x)
print('hook calls', calls)
print('half', net.half().stem.weight.dtype, net.float().stem.weight.dtype)
print('double buffers', net.double().blocks[0].scale.dtype, net.blocks[0].bn.num_batches_tracked.dtype)
print('extra repr', nn.Linear(3, 2, bias=False).extra_repr(), '|', nn.Conv2d(1, 2, 3, stride=2).extra_repr())
print('ModuleDict', list(net.heads.keys()), len(net.blocks), 'alpha' in net.pdict, len(net.extra))
net.heads.update({'aux': nn.Identity()})
net.blocks.append(nn.Identity())
net.extra.append(nn.Parameter(torch.zeros(1)))
print('after update', list(net.heads.keys()), len(net.blocks), len(list(net.extra.parameters())))
print(net.heads)
print(net.extra)
print(net.pdict)

# magnitude pruning of the heads (torch.nn.utils.prune): masks, the reparametrisation, removal
import torch.nn.utils.prune as prune
torch.manual_seed(1)
small = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 3))
prune.l1_unstructured(small[0], 'weight', amount=0.5)
prune.ln_structured(small[2], 'weight', amount=1, n=2, dim=0)
print('pruned params', [n for n, _ in small.named_parameters()])
print('masks', [n for n, _ in small.named_buffers()], int(small[0].weight_mask.sum()), small[2].weight_mask.sum(1).tolist())
prune.global_unstructured([(small[0], 'bias'), (small[2], 'bias')], pruning_method=prune.L1Unstructured, amount=3)
print('global', int((small[0].bias == 0).sum() + (small[2].bias == 0).sum()), prune.is_pruned(small))
for mod in (small[0], small[2]):
    for name in ('weight', 'bias'):
        prune.remove(mod, name)
print('after remove', sorted(small.state_dict().keys()), prune.is_pruned(small),
      round(sum((p == 0).sum().item() for p in small.parameters()) / sum(p.numel() for p in small.parameters()), 4))
