"""Mixed precision and activation checkpointing on the CPU, as a training loop wires them:
torch.autocast('cpu', dtype=torch.float16) (which ops come out float16, which float32: matmuls,
convs, einsum, prelu vs losses, reflection padding, 3-d pooling), a small CycleGAN-style residual
block under autocast, torch.amp.GradScaler('cpu') with unscale_ + clip_grad_norm_, the autocast
decorator form, and torch.utils.checkpoint (dropout RNG replayed, the use_reentrant warning,
reentrant vs non-reentrant graphs)."""
import warnings

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.checkpoint import checkpoint

torch.manual_seed(0)
x = torch.randn(2, 4)
w = torch.randn(3, 4)
img = torch.randn(1, 2, 6, 6)
vol = torch.randn(1, 2, 4, 4, 4)
seq = torch.randn(2, 5, 8)

print('=== op dtypes under autocast(cpu, float16)')
ops = {
    'matmul': lambda: x @ w.t(),
    'linear': lambda: F.linear(x, w),
    'addmm': lambda: torch.addmm(torch.zeros(3), x, w.t()),
    'bmm': lambda: torch.bmm(seq, seq.transpose(1, 2)),
    'einsum contraction': lambda: torch.einsum('bik,bjk->bij', seq, seq),
    'einsum outer': lambda: torch.einsum('i,j->ij', x[0], x[1]),
    'conv2d': lambda: F.conv2d(img, torch.randn(3, 2, 3, 3)),
    'prelu': lambda: F.prelu(x, torch.tensor([0.2])),
    'sdpa': lambda: F.scaled_dot_product_attention(seq[None], seq[None], seq[None]),
    'softmax': lambda: F.softmax(x, -1),
    'layer_norm': lambda: F.layer_norm(x, (4,)),
    'relu': lambda: torch.relu(x @ w.t()),
    'cross_entropy': lambda: F.cross_entropy(x @ w.t(), torch.tensor([0, 2])),
    'mse_loss': lambda: F.mse_loss(x @ w.t(), torch.zeros(2, 3)),
    'reflect pad of fp16': lambda: F.pad(F.conv2d(img, torch.randn(2, 2, 1, 1)), (1, 1, 1, 1), mode='reflect'),
    'replicate pad of fp16': lambda: F.pad((x @ w.t())[None], (2, 2), mode='replicate'),
    'avg_pool3d of fp16': lambda: F.avg_pool3d(F.conv3d(vol, torch.randn(2, 2, 1, 1, 1)), 2),
    'avg_pool2d of fp16': lambda: F.avg_pool2d(F.conv2d(img, torch.randn(2, 2, 1, 1)), 2),
    'cdist': lambda: torch.cdist(x @ w.t(), x @ w.t()),
    'add fp16+fp32': lambda: (x @ w.t()) + torch.ones(3),
    'cat fp16,fp32': lambda: torch.cat([x @ w.t(), torch.ones(1, 3)]),
    'double stays': lambda: x.double() @ w.double().t(),
}
with torch.autocast(device_type='cpu', dtype=torch.float16):
    print('enabled:', torch.is_autocast_enabled('cpu'), 'dtype:', torch.get_autocast_dtype('cpu'))
    for name, fn in ops.items():
        out = fn()
        print(f'  {name:22s} -> {out.dtype}')
print('outside:', torch.is_autocast_enabled('cpu'), (x @ w.t()).dtype)

print('=== residual block with reflection padding')


class ResnetBlock(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.block = nn.Sequential(
            nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3), nn.InstanceNorm2d(dim), nn.ReLU(True),
            nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3), nn.InstanceNorm2d(dim))

    def forward(self, x):
        return x + self.block(x)


block = ResnetBlock(2)
feats = {}
for i, layer in enumerate(block.block):
    layer.register_forward_hook(lambda m, inp, out, i=i: feats.__setitem__(f'{i}:{type(m).__name__}', out.dtype))
with torch.autocast('cpu', dtype=torch.float16):
    y = block(img)
print('per-layer dtypes:', feats)
print('block out:', y.dtype, tuple(y.shape))
with torch.no_grad():
    ref = block(img)
print('close to fp32 (atol 2e-2):', torch.allclose(y.float(), ref, atol=2e-2))

print('=== GradScaler on the CPU')
torch.manual_seed(1)
model = nn.Sequential(nn.Linear(4, 16), nn.PReLU(), nn.Linear(16, 3))
opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
scaler = torch.amp.GradScaler('cpu', init_scale=2.0 ** 10, growth_interval=2)
data, target = torch.randn(16, 4), torch.randint(0, 3, (16,))
for step in range(4):
    opt.zero_grad(set_to_none=True)
    with torch.autocast('cpu', dtype=torch.float16):
        logits = model(data)
        loss = F.cross_entropy(logits, target)
    scaled = scaler.scale(loss)
    scaled.backward()
    print(f'step {step}: logits {logits.dtype} loss {loss.dtype} {loss.item():.4f} scaled {scaled.item():.1f}')
    print('   grad dtype:', model[0].weight.grad.dtype, 'scaled grad norm: %.2f' % model[0].weight.grad.norm().item())
    scaler.unscale_(opt)
    gn = nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    print('   unscaled total norm: %.4f' % gn.item())
    scaler.step(opt)
    scaler.update()
    print('   scale now:', scaler.get_scale())
print('scaler state:', scaler.state_dict())


@torch.autocast('cpu', dtype=torch.float16)
def project(a, b):
    return a @ b


print('decorated:', project(x, w.t()).dtype)
with torch.autocast('cpu', dtype=torch.float16, enabled=False):
    print('enabled=False:', (x @ w.t()).dtype)

print('=== activation checkpointing')
torch.manual_seed(0)
net = nn.Sequential(nn.Linear(4, 8), nn.GELU(), nn.Dropout(0.5), nn.Linear(8, 1))
inp = torch.randn(3, 4, requires_grad=True)
torch.manual_seed(5)
out_ck = checkpoint(net, inp, use_reentrant=False)
out_ck.sum().backward()
g_ck = inp.grad.clone()
inp.grad = None
torch.manual_seed(5)
out_plain = net(inp)
out_plain.sum().backward()
print('dropout replayed, same output:', torch.equal(out_ck, out_plain), 'same grad:', torch.equal(g_ck, inp.grad))
print('grad:', g_ck)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter('always')
    checkpoint(net, inp)
    print('warnings without use_reentrant:', len(caught), str(caught[0].message)[:70] if caught else '')
r = checkpoint(net, inp, use_reentrant=True)
print('reentrant grad_fn:', type(r.grad_fn).__name__)
nr = checkpoint(net, inp, use_reentrant=False)
print('non-reentrant grad_fn:', type(nr.grad_fn).__name__)
try:
    checkpoint(net, inp, use_reentrant=False, bogus=1)
except TypeError as e:
    print('TypeError:', e)
with torch.autocast('cpu', dtype=torch.float16):
    ck16 = checkpoint(net[0], inp, use_reentrant=False)
ck16.float().sum().backward()
print('checkpoint under autocast:', ck16.dtype, 'input grad dtype:', inp.grad.dtype)
