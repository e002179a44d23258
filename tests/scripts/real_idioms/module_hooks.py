"""Module hooks as feature-extraction, debugging and checkpoint-surgery code uses them:
forward pre-hooks (with_kwargs, input rewriting), forward hooks (capturing features, replacing
outputs, always_call), full backward hooks and backward pre-hooks (grad scaling), global-style
hook bookkeeping with handles, state_dict / load_state_dict hooks (prefix renaming, legacy keys)."""
from collections import OrderedDict

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1)
        self.bn = nn.BatchNorm2d(c)

    def forward(self, x, scale=1.0):
        return F.relu(self.bn(self.conv(x))) * scale + x


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.block1 = Block(8)
        self.block2 = Block(8)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(8, 4)

    def forward(self, x):
        x = self.stem(x)
        x = self.block1(x, scale=0.5)
        x = self.block2(x)
        return self.fc(torch.flatten(self.pool(x), 1))


net = Net()
x = torch.randn(2, 3, 8, 8)

print('--- feature extraction with forward hooks')
features = {}


def get_activation(name):
    def hook(module, inp, out):
        features[name] = out.detach()
    return hook


handles = [getattr(net, n).register_forward_hook(get_activation(n)) for n in ('stem', 'block1', 'block2', 'pool')]
out = net(x)
for k, v in features.items():
    print(k, tuple(v.shape), v.dtype, f'{v.mean().item():.5f}')
print(out)
for h in handles:
    h.remove()
features.clear()
net(x)
print('after remove:', len(features), len(net.stem._forward_hooks))

print('--- forward pre-hook with kwargs')


def pre_hook_kwargs(module, args, kwargs):
    print('  pre-hook args', [tuple(a.shape) for a in args], 'kwargs', kwargs)
    kwargs = dict(kwargs)
    kwargs['scale'] = kwargs.get('scale', 1.0) * 2
    return args, kwargs


def pre_hook_plain(module, args):
    print('  plain pre-hook', type(module).__name__, len(args))
    return (args[0] * 0 + 1,)


h1 = net.block1.register_forward_pre_hook(pre_hook_kwargs, with_kwargs=True)
out_a = net(x)
h1.remove()
h2 = net.fc.register_forward_pre_hook(pre_hook_plain)
out_b = net(x)
print(out_b)
h2.remove()
print(torch.allclose(net(x), out), torch.allclose(out_a, out))

print('--- forward hook replacing the output, with_kwargs, prepend')
order = []
net.fc.register_forward_hook(lambda m, i, o: order.append('first'))
hh = net.fc.register_forward_hook(lambda m, i, o: (order.append('prepended'), None)[1], prepend=True)
hk = net.block2.register_forward_hook(lambda m, a, kw, o: o.clamp(max=0.5), with_kwargs=True)
o2 = net(x)
print(order, features.get('block2') is None)
print(o2)
hk.remove()
hh.remove()
net.fc._forward_hooks.clear()

print('--- backward hooks')
grads = {}


def bwd_hook(module, grad_input, grad_output):
    grads[type(module).__name__] = ([None if g is None else tuple(g.shape) for g in grad_input],
                                    [tuple(g.shape) for g in grad_output])
    print(f'  bwd {type(module).__name__}: gin norm',
          [None if g is None else round(g.norm().item(), 4) for g in grad_input],
          'gout norm', [round(g.norm().item(), 4) for g in grad_output])


def bwd_pre_hook(module, grad_output):
    print('  bwd pre', type(module).__name__, [round(g.norm().item(), 4) for g in grad_output])
    return (grad_output[0] * 10,)


hb = [net.fc.register_full_backward_hook(bwd_hook), net.block2.register_full_backward_hook(bwd_hook),
      net.fc.register_full_backward_pre_hook(bwd_pre_hook)]
net.zero_grad()
xin = x.clone().requires_grad_()
loss = F.cross_entropy(net(xin), torch.tensor([1, 3]))
loss.backward()
print(grads)
print(f'loss {loss.item():.6f} fc.bias.grad', net.fc.bias.grad)
print('input grad norm', round(xin.grad.norm().item(), 5))
for h in hb:
    h.remove()


def clip_grad_hook(module, grad_input, grad_output):
    return tuple(None if g is None else g.clamp(-1e-3, 1e-3) for g in grad_input)


net.zero_grad()
hc = net.block1.register_full_backward_hook(clip_grad_hook)
xin = x.clone().requires_grad_()
net(xin).sum().backward()
print('clipped input grad max', round(xin.grad.abs().max().item(), 6))
hc.remove()

print('--- tensor hooks on parameters')
counts = {'n': 0}


def param_hook(g):
    counts['n'] += 1
    return g * 0.5


ph = net.fc.weight.register_hook(param_hook)
net.zero_grad()
net(x).sum().backward()
g1 = net.fc.weight.grad.clone()
ph.remove()
net.zero_grad()
net(x).sum().backward()
print(counts, torch.allclose(g1 * 2, net.fc.weight.grad))
if hasattr(net.fc.weight, 'register_post_accumulate_grad_hook'):
    acc = []
    pa = net.fc.bias.register_post_accumulate_grad_hook(lambda p: acc.append(p.grad.sum().item()))
    net(x).sum().backward()
    pa.remove()
    print('post-accumulate', [round(a, 4) for a in acc])

print('--- state_dict hooks')


def sd_post_hook(module, state_dict, prefix, local_metadata):
    for k in list(state_dict):
        if k.startswith(prefix + 'bn.num_batches'):
            del state_dict[k]


for m in (net.block1, net.block2):
    m._register_state_dict_hook(sd_post_hook)
sd = net.state_dict()
print(len(sd), [k for k in sd if 'num_batches' in k])
print(list(sd)[:6])
net.register_state_dict_pre_hook(lambda module, prefix, keep_vars: print('  state_dict pre-hook', repr(prefix), keep_vars))
sd = net.state_dict()


def load_pre_hook(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs):
    # legacy checkpoint: 'head.*' was renamed to 'fc.*'
    for k in list(state_dict):
        if k.startswith(prefix + 'head.'):
            state_dict[prefix + 'fc.' + k[len(prefix) + 5:]] = state_dict.pop(k)


def load_post_hook(module, incompatible_keys):
    print('  post-hook missing', sorted(incompatible_keys.missing_keys)[:3], 'unexpected', incompatible_keys.unexpected_keys)
    incompatible_keys.missing_keys[:] = [k for k in incompatible_keys.missing_keys if 'num_batches' not in k]


net._register_load_state_dict_pre_hook(load_pre_hook)
net.register_load_state_dict_post_hook(load_post_hook)
legacy = OrderedDict((('head.' + k[3:]) if k.startswith('fc.') else k, v.clone()) for k, v in sd.items())
legacy['head.weight'].fill_(0.25)
res = net.load_state_dict(legacy)
print(res)
print(net.fc.weight[0])
print(type(res).__name__, res.missing_keys, res.unexpected_keys)

print('--- parameter counting and a hook-based summary')
total = sum(p.numel() for p in net.parameters())
trainable = sum(p.numel() for p in net.parameters() if p.requires_grad)
buffers = sum(b.numel() for b in net.buffers())
print(f'total {total:,} trainable {trainable:,} buffers {buffers}')
rows = []


def summary_hook(module, inp, out):
    cls = type(module).__name__
    n = sum(p.numel() for p in module.parameters(recurse=False))
    rows.append((f'{cls}-{len(rows) + 1}', list(out.shape), n))


hs = [m.register_forward_hook(summary_hook) for m in net.modules() if not list(m.children())]
with torch.no_grad():
    net(torch.zeros(1, 3, 8, 8))
for h in hs:
    h.remove()
print(f"{'Layer (type)':>20} {'Output Shape':>22} {'Param #':>10}")
for name, shape, n in rows:
    print(f'{name:>20} {str(shape):>22} {n:>10,}')
print('rows', len(rows), 'params in rows', sum(r[2] for r in rows))

print('--- global module hooks, always_call, public state-dict hooks, optimizer hooks')
calls = []
gh = nn.modules.module.register_module_forward_hook(lambda mod, i, o: calls.append(type(mod).__name__))
with torch.no_grad():
    net.block1(torch.zeros(1, 8, 4, 4))
gh.remove()
print(calls)


class Boom(nn.Module):
    def forward(self, x):
        raise ValueError('boom')


boom, seen = Boom(), []
boom.register_forward_hook(lambda mod, i, o: seen.append(o), always_call=True)
try:
    boom(torch.ones(1))
except ValueError as e:
    print('ValueError:', e, 'hook saw', seen)
lin = nn.Linear(3, 2)
lin.register_state_dict_post_hook(lambda mod, sd, prefix, lm: sd.__setitem__(prefix + 'extra', torch.tensor(1.0)))
print(list(lin.state_dict()))


def public_load_pre(module, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs):
    state_dict.pop(prefix + 'extra', None)


lin.register_load_state_dict_pre_hook(public_load_pre)
print(lin.load_state_dict(lin.state_dict()))
opt = torch.optim.SGD(lin.parameters(), lr=0.1)
log = []
h1 = opt.register_step_pre_hook(lambda o, args, kwargs: log.append(('pre', len(o.param_groups))))
h2 = opt.register_step_post_hook(lambda o, args, kwargs: log.append(('post', o.state_dict()['param_groups'][0]['lr'])))
lin(torch.ones(2, 3)).sum().backward()
opt.step()
h1.remove()
h2.remove()
opt.step()
print(log)
