"""Fourier-domain layers as in neural-operator and spectral-pooling code: an FNO-style SpectralConv2d
(rfft2, torch.einsum with complex weights on the low modes of an out_ft buffer, irfft2 with s=),
a 1D spectral conv, random Fourier features, and spectral pooling by cropping fftshift-ed
spectra; a small FNO trained a few steps with Adam."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(21)


class SpectralConv2d(nn.Module):
    def __init__(self, cin, cout, modes1, modes2):
        super().__init__()
        self.cout, self.m1, self.m2 = cout, modes1, modes2
        scale = 1 / (cin * cout)
        self.weights1 = nn.Parameter(scale * torch.rand(cin, cout, modes1, modes2, dtype=torch.cfloat))
        self.weights2 = nn.Parameter(scale * torch.rand(cin, cout, modes1, modes2, dtype=torch.cfloat))

    def forward(self, x):
        b, _, h, w = x.shape
        x_ft = torch.fft.rfft2(x)
        out_ft = torch.zeros(b, self.cout, h, w // 2 + 1, dtype=torch.cfloat, device=x.device)
        mul = lambda a, w: torch.einsum('bixy,ioxy->boxy', a, w)  # noqa: E731
        out_ft[:, :, :self.m1, :self.m2] = mul(x_ft[:, :, :self.m1, :self.m2], self.weights1)
        out_ft[:, :, -self.m1:, :self.m2] = mul(x_ft[:, :, -self.m1:, :self.m2], self.weights2)
        return torch.fft.irfft2(out_ft, s=(h, w))


class SpectralConv1d(nn.Module):
    def __init__(self, c, modes):
        super().__init__()
        self.modes = modes
        self.weight = nn.Parameter(torch.randn(c, c, modes, dtype=torch.cfloat) / c)

    def forward(self, x):
        x_ft = torch.fft.rfft(x, norm='ortho')
        out = torch.zeros_like(x_ft)
        out[..., :self.modes] = torch.einsum('bix,iox->box', x_ft[..., :self.modes], self.weight)
        return torch.fft.irfft(out, n=x.size(-1), norm='ortho')


class FNO2d(nn.Module):
    def __init__(self, width=6, modes=3):
        super().__init__()
        self.lift = nn.Conv2d(3, width, 1)
        self.spec = nn.ModuleList(SpectralConv2d(width, width, modes, modes) for _ in range(2))
        self.w = nn.ModuleList(nn.Conv2d(width, width, 1) for _ in range(2))
        self.proj = nn.Conv2d(width, 1, 1)

    def forward(self, a):
        b, _, h, w = a.shape
        gy, gx = torch.meshgrid(torch.linspace(0, 1, h), torch.linspace(0, 1, w), indexing='ij')
        x = torch.cat([a, gx.expand(b, 1, h, w), gy.expand(b, 1, h, w)], dim=1)
        x = self.lift(x)
        for i, (s, w_) in enumerate(zip(self.spec, self.w)):
            x = s(x) + w_(x)
            if i == 0:
                x = F.gelu(x)
        return self.proj(x)


print('--- spectral conv')
layer = SpectralConv2d(2, 3, 3, 2)
x = torch.randn(2, 2, 8, 8)
y = layer(x)
print(y.shape, y.dtype, f'{y.sum().item():.6f}', f'{y.std().item():.6f}')
y.pow(2).sum().backward()
g = layer.weights1.grad
print(g.dtype, g.shape, f'{g.abs().sum().item():.5f} {layer.weights2.grad.real.sum().item():.5f}')
s1 = SpectralConv1d(2, 4)
u = torch.randn(3, 2, 16, requires_grad=True)
v = s1(u)
v.sum().backward()
print(v.shape, f'{v.abs().mean().item():.6f}', f'{u.grad.norm().item():.6f}')

print('--- fourier features')
B = torch.randn(2, 8) * 3.0
pts = torch.rand(5, 2)
proj = 2 * math.pi * pts @ B
feats = torch.cat([torch.sin(proj), torch.cos(proj)], dim=-1)
print(feats.shape, f'{feats.pow(2).sum(-1).mean().item():.5f}', f'{feats[0, :3].tolist()[0]:.5f}')

print('--- spectral pooling')
img = torch.randn(1, 2, 8, 8, requires_grad=True)
spec = torch.fft.fftshift(torch.fft.fft2(img, norm='ortho'), dim=(-2, -1))
crop = spec[..., 2:6, 2:6]
pooled = torch.fft.ifft2(torch.fft.ifftshift(crop, dim=(-2, -1)), norm='ortho').real
print(pooled.shape, f'{pooled.sum().item():.5f}', f'{img.sum().item() / 4:.5f}')
pooled.abs().sum().backward()
print(f'{img.grad.abs().sum().item():.5f}', img.grad.dtype)
lowpass = torch.fft.irfft2(torch.fft.rfft2(img.detach())[..., :4, :3], s=(8, 8))
print(lowpass.shape, f'{lowpass.std().item():.5f}')

print('--- train fno')
torch.manual_seed(0)
model = FNO2d()
a = torch.randn(4, 1, 8, 8)
target = torch.fft.irfft2(torch.fft.rfft2(a) * 0.5, s=(8, 8))
opt = torch.optim.Adam(model.parameters(), lr=5e-3)
for step in range(6):
    loss = F.mse_loss(model(a), target)
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(f'step {step} loss {loss.item():.6f}')
print(sum(p.numel() for p in model.parameters()), [p.dtype for p in model.spec[0].parameters()])
