"""State-dict plumbing that checkpoint-compatibility code relies on: get_extra_state/set_extra_state,
tied (shared) submodules and remove_duplicate, state_dict(prefix=..., keep_vars=True), _metadata
versions, load_state_dict pre-hooks that rename legacy keys and post-hooks that see the
incompatible keys, state_dict post-hooks, parametrizations (a symmetric constraint, weight_norm,
spectral_norm) and how they rename keys, remove_parametrizations, fuse_conv_bn_eval for export,
and the error messages of the registration APIs."""
from collections import OrderedDict

import torch
import torch.nn as nn
import torch.nn.utils.parametrize as P
from torch.nn.utils.fusion import fuse_conv_bn_eval, fuse_linear_bn_eval

torch.manual_seed(0)


def attempt(label, fn):
    try:
        out = fn()
        print(f'{label}: ok', out if out is not None else '')
    except Exception as e:  # noqa: BLE001 - we print whatever PyTorch raises
        print(f'{label}: {type(e).__name__}: {str(e)[:120]}')


class TiedLM(nn.Module):
    """Embedding and output projection share one weight (GPT-2 style)."""

    version = 2

    def __init__(self, vocab=6, dim=4):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.proj = nn.Linear(dim, vocab, bias=False)
        self.proj.weight = self.embed.weight
        self.encoder = nn.Linear(dim, dim)
        self.enc_alias = self.encoder
        self.register_buffer('temperature', torch.tensor(1.0))
        self.register_buffer('unused', None)
        self.register_parameter('optional_bias', None)
        self.tokenizer_cfg = {'lowercase': True, 'vocab': vocab}

    def get_extra_state(self):
        return {'tokenizer': dict(self.tokenizer_cfg), 'format': 3}

    def set_extra_state(self, state):
        print('  set_extra_state got:', state)
        self.tokenizer_cfg = state['tokenizer']

    def forward(self, ids):
        return self.proj(torch.tanh(self.encoder(self.embed(ids)))) / self.temperature


m = TiedLM()
print(m)
sd = m.state_dict()
print('state_dict keys:', list(sd))
print('extra state:', sd['_extra_state'])
print('tied in sd (same storage):', sd['embed.weight'].data_ptr() == sd['proj.weight'].data_ptr())
print('named_parameters:', [n for n, _ in m.named_parameters()])
print('with duplicates:', [n for n, _ in m.named_parameters(remove_duplicate=False)])
print('named_modules:', [n for n, _ in m.named_modules()])
print('named_modules dup:', [n for n, _ in m.named_modules(remove_duplicate=False)])
print('param count (unique):', sum(p.numel() for p in m.parameters()))
print('_metadata:', sd._metadata)
print('prefixed:', list(m.state_dict(prefix='model.'))[:3])
kv = m.state_dict(keep_vars=True)
print('keep_vars types:', type(kv['encoder.weight']).__name__, kv['encoder.weight'].requires_grad,
      type(sd['encoder.weight']).__name__, sd['encoder.weight'].requires_grad)

m2 = TiedLM()
m2.tokenizer_cfg = {}
print(m2.load_state_dict(sd))
print('tokenizer restored:', m2.tokenizer_cfg)
ids = torch.tensor([[0, 3, 5]])
print('same logits:', torch.allclose(m(ids), m2(ids)))

print('=== registration errors')
attempt('assign tensor to submodule', lambda: setattr(m, 'encoder', torch.ones(2)))
attempt('dotted name', lambda: m.add_module('a.b', nn.ReLU()))
attempt('empty name', lambda: m.add_module('', nn.ReLU()))
attempt('buffer over attribute', lambda: m.register_buffer('encoder', torch.ones(1)))
attempt('plain tensor as parameter', lambda: m.register_parameter('w', torch.ones(1)))
attempt('get_submodule', lambda: m.get_submodule('encoder.missing'))
attempt('get_parameter', lambda: m.get_parameter('encoder.missing'))
attempt('get_buffer on param', lambda: m.get_buffer('encoder.weight'))
attempt('get_buffer', lambda: m.get_buffer('temperature'))
m.register_module('act', nn.GELU())
print('after register_module:', [n for n, _ in m.named_children()])
del m.act
print('after del:', hasattr(m, 'act'), [n for n, _ in m.named_children()])

print('=== load hooks: renaming legacy keys')


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 3)
        self.register_load_state_dict_pre_hook(self._upgrade)
        self.register_load_state_dict_post_hook(self._report)

    @staticmethod
    def _upgrade(module, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs):
        for old, new in (('dense.weight', 'fc.weight'), ('dense.bias', 'fc.bias')):
            if prefix + old in state_dict:
                print(f'  upgrading {prefix + old} -> {prefix + new} (version {local_metadata.get("version")})')
                state_dict[prefix + new] = state_dict.pop(prefix + old)

    @staticmethod
    def _report(module, incompatible_keys):
        print('  post-hook sees missing:', incompatible_keys.missing_keys, 'unexpected:', incompatible_keys.unexpected_keys)


outer = nn.Sequential(Block(), Block())
legacy = OrderedDict()
for i in range(2):
    legacy[f'{i}.dense.weight'] = torch.eye(3) * (i + 1)
    legacy[f'{i}.dense.bias'] = torch.zeros(3)
legacy['2.stray'] = torch.ones(1)
res = outer.load_state_dict(legacy, strict=False)
print('result:', res)
print('block 1 weight diag:', outer[1].fc.weight.diagonal())
outer[0].register_state_dict_post_hook(lambda mod, sd, prefix, meta: sd.__setitem__(prefix + 'tag', torch.tensor(7)))
print('keys with post hook:', list(outer.state_dict()))

print('=== parametrizations')


class Symmetric(nn.Module):
    def forward(self, X):
        return X.triu() + X.triu(1).transpose(-1, -2)

    def right_inverse(self, S):
        return S.triu()


class Doubled(nn.Module):
    def forward(self, X):
        return 2 * X


layer = nn.Linear(3, 3)
P.register_parametrization(layer, 'weight', Symmetric())
print(layer)
print('symmetric:', torch.allclose(layer.weight, layer.weight.T), 'parametrized:', P.is_parametrized(layer),
      P.is_parametrized(layer, 'bias'))
print('keys:', list(layer.state_dict()))
print('original is leaf param:', type(layer.parametrizations.weight.original).__name__)
with P.cached():
    w1 = layer.weight
    w2 = layer.weight
    print('cached same object:', w1 is w2)
layer.weight = torch.tensor([[1.0, 2.0, 3.0], [2.0, 4.0, 5.0], [3.0, 5.0, 6.0]])
print('after assigning through right_inverse:', layer.parametrizations.weight.original)
print('weight now:', layer.weight)
dbl = nn.Linear(2, 2)
P.register_parametrization(dbl, 'weight', Doubled())
P.register_parametrization(dbl, 'weight', Doubled())
print('stacked parametrizations:', dbl.parametrizations.weight, torch.allclose(dbl.weight, 4 * dbl.parametrizations.weight.original))
attempt('assign without right_inverse', lambda: setattr(dbl, 'weight', torch.zeros(2, 2)))
P.remove_parametrizations(dbl, 'weight', leave_parametrized=False)
print('removed (original kept):', type(dbl.weight).__name__, list(dbl.state_dict()))
P.remove_parametrizations(layer, 'weight', leave_parametrized=True)
print(layer, list(layer.state_dict()))
wn = nn.utils.parametrizations.weight_norm(nn.Linear(3, 2), dim=0)
print('weight_norm keys:', list(wn.state_dict()))
print('g:', wn.parametrizations.weight.original0.squeeze(), 'row norms:', wn.weight.norm(dim=1))
sn = nn.utils.parametrizations.spectral_norm(nn.Linear(4, 3))
print('spectral_norm keys:', list(sn.state_dict()))
sn.eval()
print('sigma(W) ~ 1:', round(torch.linalg.matrix_norm(sn.weight.detach(), 2).item(), 3))

print('=== fusion for export')
conv, bn = nn.Conv2d(2, 3, 3, bias=False).eval(), nn.BatchNorm2d(3).eval()
with torch.no_grad():
    bn.running_mean.uniform_(-0.5, 0.5)
    bn.running_var.uniform_(0.5, 1.5)
    bn.weight.uniform_(0.5, 1.5)
fused = fuse_conv_bn_eval(conv, bn)
x = torch.randn(1, 2, 5, 5)
print(fused, 'has bias now:', fused.bias is not None)
print('max abs diff:', (fused(x) - bn(conv(x))).abs().max().item() < 1e-5)
lin, bn1 = nn.Linear(4, 3).eval(), nn.BatchNorm1d(3).eval()
with torch.no_grad():
    bn1.running_var.fill_(2.0)
fl = fuse_linear_bn_eval(lin, bn1)
xi = torch.randn(2, 4)
print('linear+bn fused close:', torch.allclose(fl(xi), bn1(lin(xi)), atol=1e-6), fl.weight.shape)
