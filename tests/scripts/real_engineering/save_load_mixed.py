"""Mixed engineering utilities: torch.save/torch.load through io.BytesIO with nested checkpoint dicts,
map_location (string, torch.device, callable, dict), weights_only=True with plain containers (and its
refusal of arbitrary classes), shared storage preserved across a save, views saved with their base,
torch.utils.checkpoint.checkpoint(use_reentrant=False) matching the plain forward and backward, and
torch.autocast on CPU with float16 when this torch supports it."""
import collections
import io
import pickle

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.checkpoint import checkpoint, checkpoint_sequential

torch.manual_seed(0)


class Block(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.ln = nn.LayerNorm(d)
        self.fc1 = nn.Linear(d, 2 * d)
        self.fc2 = nn.Linear(2 * d, d)

    def forward(self, x):
        return x + self.fc2(F.gelu(self.fc1(self.ln(x))))


class Net(nn.Module):
    def __init__(self, d=6, n=3, use_ckpt=False):
        super().__init__()
        self.blocks = nn.ModuleList(Block(d) for _ in range(n))
        self.out = nn.Linear(d, 1)
        self.use_ckpt = use_ckpt

    def forward(self, x):
        for blk in self.blocks:
            x = checkpoint(blk, x, use_reentrant=False) if self.use_ckpt else blk(x)
        return self.out(x)


def roundtrip(obj, **load_kw):
    buf = io.BytesIO()
    torch.save(obj, buf)
    size = buf.tell()
    buf.seek(0)
    return torch.load(buf, **load_kw), size > 0


print('=== nested checkpoint through BytesIO')
model = Net()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
x = torch.randn(5, 6)
model(x).pow(2).mean().backward()
opt.step()
ckpt = {
    'epoch': 7,
    'model': model.state_dict(),
    'optimizer': opt.state_dict(),
    'metrics': {'val_loss': [0.9, 0.7, 0.65], 'best': (0.65, 6)},
    'config': {'d': 6, 'n': 3, 'name': 'net', 'flags': [True, False, None]},
    'extra': {'ints': torch.arange(4, dtype=torch.int16), 'mask': torch.tensor([True, False]),
              'half': torch.tensor([1.5, -2.25], dtype=torch.float16), 'cplx': torch.tensor([1 + 2j])},
}
loaded, ok = roundtrip(ckpt)
print('wrote bytes:', ok, 'top keys:', list(loaded))
print('model keys == :', list(loaded['model']) == list(ckpt['model']))
print('type of model sd:', type(loaded['model']).__name__)
print('all equal:', all(torch.equal(loaded['model'][k], v) for k, v in ckpt['model'].items()))
print('optimizer param_groups:', loaded['optimizer']['param_groups'][0]['params'], loaded['optimizer']['param_groups'][0]['lr'])
print('optimizer step:', loaded['optimizer']['state'][0]['step'])
print('metrics:', loaded['metrics'], 'config:', loaded['config'])
for k, v in loaded['extra'].items():
    print(' extra', k, v.dtype, v)
fresh = Net()
print(fresh.load_state_dict(loaded['model']))
opt2 = torch.optim.Adam(fresh.parameters(), lr=1e-3)
opt2.load_state_dict(loaded['optimizer'])
print('outputs equal after restore:', torch.equal(fresh(x), model(x)))

print('=== map_location variants')
t = {'w': torch.randn(2, 2), 'nested': [torch.ones(1), {'b': torch.zeros(2)}]}
for ml in ['cpu', torch.device('cpu'), lambda storage, loc: storage, {'cpu': 'cpu'}]:
    out, _ = roundtrip(t, map_location=ml)
    print(type(ml).__name__, out['w'].device, out['nested'][1]['b'].device, torch.equal(out['w'], t['w']))

print('=== weights_only=True')
plain = {'a': torch.tensor([1.0, 2.0]), 'b': [1, 2.5, 'x', None, True], 'c': (torch.zeros(2, dtype=torch.long),),
         'od': collections.OrderedDict(k=torch.ones(1)), 'd': {'e': {'f': 3}}}
out, _ = roundtrip(plain, weights_only=True)
print(out)
print('tuple kept:', type(out['c']).__name__, 'OrderedDict kept:', type(out['od']).__name__)


class Custom:
    def __init__(self):
        self.v = 3


try:
    roundtrip({'obj': Custom()}, weights_only=True)
except pickle.UnpicklingError as e:
    print('UnpicklingError raised:', 'weights_only' in str(e).lower() or 'Weights only' in str(e))
obj, _ = roundtrip({'obj': Custom()}, weights_only=False)
print('weights_only=False loads custom:', type(obj['obj']).__name__, obj['obj'].v)

print('=== shared storage and views')
base = torch.arange(6.0)
view = base[2:5]
shared = {'base': base, 'view': view, 'again': base}
out, _ = roundtrip(shared)
out['base'][3] = 100.0
print('view sees base write:', out['view'], 'same object:', out['again'] is out['base'])
print('view offset/stride:', out['view'].storage_offset(), out['view'].stride())
p = nn.Parameter(torch.ones(2))
outp, _ = roundtrip({'p': p})
print('Parameter round trip:', type(outp['p']).__name__, outp['p'].requires_grad)
rg, _ = roundtrip(torch.ones(2, requires_grad=True))
print('requires_grad tensor:', rg.requires_grad, rg.is_leaf)

print('=== activation checkpointing (use_reentrant=False)')
torch.manual_seed(1)
plain_net = Net()
ck_net = Net(use_ckpt=True)
ck_net.load_state_dict(plain_net.state_dict())
inp = torch.randn(4, 6, requires_grad=True)
y1 = plain_net(inp).sum()
y1.backward()
g_plain = [p.grad.clone() for p in plain_net.parameters()]
gi_plain = inp.grad.clone()
inp.grad = None
y2 = ck_net(inp).sum()
print('grad_fn of checkpointed out:', type(y2.grad_fn).__name__)
y2.backward()
print('loss plain %.6f ckpt %.6f' % (y1.item(), y2.item()))
print('param grads close:', all(torch.allclose(a, p.grad, atol=1e-6) for a, p in zip(g_plain, ck_net.parameters())))
print('input grad close:', torch.allclose(gi_plain, inp.grad, atol=1e-6))
print('first block fc1 grad:', ck_net.blocks[0].fc1.bias.grad)
seq = nn.Sequential(*[Block(6) for _ in range(4)])
inp2 = torch.randn(3, 6, requires_grad=True)
out_seq = checkpoint_sequential(seq, 2, inp2, use_reentrant=False)
out_seq.sum().backward()
print('checkpoint_sequential out:', out_seq.shape, 'input grad norm %.5f' % inp2.grad.norm().item())
print('matches plain:', torch.allclose(out_seq, seq(inp2), atol=1e-6))


def fn_with_kwargs(a, b, scale=1.0):
    return (a * b).sin() * scale


a = torch.randn(3, requires_grad=True)
b = torch.randn(3, requires_grad=True)
r = checkpoint(fn_with_kwargs, a, b, scale=2.0, use_reentrant=False)
r.sum().backward()
print('kwargs checkpoint grads:', a.grad, b.grad)

print('=== autocast on CPU')
lin = nn.Linear(4, 3)
xi = torch.randn(2, 4)
with torch.autocast(device_type='cpu', dtype=torch.float16):
    yo = lin(xi)
    print('inside autocast enabled:', torch.is_autocast_enabled('cpu'), 'dtype:', torch.get_autocast_dtype('cpu'))
    soft = torch.softmax(yo, dim=-1)
print('linear out dtype:', yo.dtype, 'softmax dtype:', soft.dtype)
print('values close to fp32:', torch.allclose(yo.float(), lin(xi), atol=1e-2))
print('outside:', torch.is_autocast_enabled('cpu'))
with torch.autocast('cpu', dtype=torch.float16, enabled=False):
    print('disabled autocast dtype:', lin(xi).dtype)
