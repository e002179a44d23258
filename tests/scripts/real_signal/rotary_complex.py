"""Llama-style rotary position embeddings with complex numbers, as in Meta's reference code:
precompute_freqs_cis with torch.outer and torch.polar, reshape_for_broadcast, apply_rotary_emb via
view_as_complex / view_as_real and type_as, causal attention forward and backward, gradients of the
complex path compared with the real (rotate_half) formulation, and relative-position invariance."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(7)


def precompute_freqs_cis(dim, end, theta=10000.0):
    freqs = 1.0 / (theta ** (torch.arange(0, dim, 2)[: (dim // 2)].float() / dim))
    t = torch.arange(end, device=freqs.device, dtype=torch.float32)
    freqs = torch.outer(t, freqs).float()
    return torch.polar(torch.ones_like(freqs), freqs)


def reshape_for_broadcast(freqs_cis, x):
    ndim = x.ndim
    assert freqs_cis.shape == (x.shape[1], x.shape[-1])
    shape = [d if i == 1 or i == ndim - 1 else 1 for i, d in enumerate(x.shape)]
    return freqs_cis.view(*shape)


def apply_rotary_emb(xq, xk, freqs_cis):
    xq_ = torch.view_as_complex(xq.float().reshape(*xq.shape[:-1], -1, 2))
    xk_ = torch.view_as_complex(xk.float().reshape(*xk.shape[:-1], -1, 2))
    freqs_cis = reshape_for_broadcast(freqs_cis, xq_)
    xq_out = torch.view_as_real(xq_ * freqs_cis).flatten(3)
    xk_out = torch.view_as_real(xk_ * freqs_cis).flatten(3)
    return xq_out.type_as(xq), xk_out.type_as(xk)


def rotate_half_rope(x, cos, sin):
    x1, x2 = x[..., 0::2], x[..., 1::2]
    out = torch.stack([x1 * cos - x2 * sin, x1 * sin + x2 * cos], dim=-1)
    return out.flatten(-2)


print('--- freqs_cis')
fc = precompute_freqs_cis(8, 6)
print(fc.shape, fc.dtype, fc.abs().max().item(), f'{fc.angle()[5].tolist()[0]:.5f}')
print(fc[1])
print(torch.view_as_real(fc).shape, fc.real.dtype, f'{fc.imag.sum().item():.5f}')
print(torch.polar(torch.tensor([2.0]), torch.tensor([torch.pi / 2])).real.abs().item() < 1e-6)


class Attention(nn.Module):
    def __init__(self, dim=16, n_heads=2):
        super().__init__()
        self.h, self.hd = n_heads, dim // n_heads
        self.wq = nn.Linear(dim, dim, bias=False)
        self.wk = nn.Linear(dim, dim, bias=False)
        self.wv = nn.Linear(dim, dim, bias=False)
        self.wo = nn.Linear(dim, dim, bias=False)

    def forward(self, x, freqs_cis, complex_path=True):
        b, s, _ = x.shape
        q = self.wq(x).view(b, s, self.h, self.hd)
        k = self.wk(x).view(b, s, self.h, self.hd)
        v = self.wv(x).view(b, s, self.h, self.hd)
        if complex_path:
            q, k = apply_rotary_emb(q, k, freqs_cis=freqs_cis)
        else:
            cos = freqs_cis.real[None, :, None, :]
            sin = freqs_cis.imag[None, :, None, :]
            q, k = rotate_half_rope(q, cos, sin), rotate_half_rope(k, cos, sin)
        q, k, v = (z.transpose(1, 2) for z in (q, k, v))
        scores = q @ k.transpose(-2, -1) / self.hd ** 0.5
        mask = torch.full((s, s), float('-inf')).triu(1)
        out = F.softmax(scores + mask, dim=-1) @ v
        return self.wo(out.transpose(1, 2).reshape(b, s, -1))


print('--- attention')
attn = Attention()
x = torch.randn(2, 6, 16)
fc = precompute_freqs_cis(8, 6)
y1 = attn(x, fc)
y1.pow(2).mean().backward()
g1 = [p.grad.clone() for p in attn.parameters()]
attn.zero_grad()
y2 = attn(x, fc, complex_path=False)
y2.pow(2).mean().backward()
g2 = [p.grad.clone() for p in attn.parameters()]
print(y1.shape, f'{y1.sum().item():.5f}', (y1 - y2).abs().max().item() < 1e-5)
print([f'{g.norm().item():.5f}' for g in g1], all(torch.allclose(a, b, atol=1e-6) for a, b in zip(g1, g2)))

print('--- gradients through complex')
q = torch.randn(1, 4, 1, 8, requires_grad=True)
k = torch.randn(1, 4, 1, 8, requires_grad=True)
fc4 = precompute_freqs_cis(8, 4)
qo, ko = apply_rotary_emb(q, k, fc4)
(qo * ko).sum().backward()
print(f'{q.grad.sum().item():.5f} {k.grad.abs().sum().item():.5f}', qo.dtype, qo.shape)
print(f'norm kept {(qo.norm(dim=-1) - q.norm(dim=-1)).abs().max().item() < 1e-5}')
zq = torch.randn(3, 4, dtype=torch.cfloat, requires_grad=True)
rot = zq * fc4[:3, :4]
loss = (rot.abs() ** 2).sum() + rot.real.sum()
loss.backward()
print(zq.grad.dtype, zq.grad.shape, f'{zq.grad.real.sum().item():.5f} {zq.grad.imag.sum().item():.5f}')
print('--- relative positions')
qv, kv = torch.randn(8), torch.randn(8)
fc10 = precompute_freqs_cis(8, 10)
dots = []
for m, n in [(2, 0), (5, 3), (9, 7)]:
    qm = torch.view_as_complex(qv.view(-1, 2)) * fc10[m]
    kn = torch.view_as_complex(kv.view(-1, 2)) * fc10[n]
    dots.append((qm * kn.conj()).real.sum().item())
print(f'{dots[0]:.4f}', max(dots) - min(dots) < 1e-4)
