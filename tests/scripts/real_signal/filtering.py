"""Signal filtering as scientific code does it: a windowed-sinc FIR low-pass designed with
torch.sinc and torch.hamming_window, applied with F.conv1d (padding='same', groups) and with
FFT multiplication, frequency response from rfft, a one-pole IIR loop, torch.diff derivatives
(prepend/append, n=2), cumsum integration, torch.trapezoid / cumulative_trapezoid with x= and dx=."""
import math

import torch
import torch.nn.functional as F

torch.manual_seed(17)
fs = 200.0
t = torch.arange(256, dtype=torch.float64) / fs
clean = torch.sin(2 * math.pi * 5 * t)
noisy = clean + 0.4 * torch.sin(2 * math.pi * 60 * t) + 0.1 * torch.randn(256, dtype=torch.float64)

print('--- fir design')
numtaps, cutoff = 31, 20.0 / (fs / 2)
n = torch.arange(numtaps, dtype=torch.float64) - (numtaps - 1) / 2
h = cutoff * torch.sinc(cutoff * n) * torch.hamming_window(numtaps, periodic=False, dtype=torch.float64)
h = h / h.sum()
print(h.shape, h.dtype, f'{h.sum().item():.6f}', f'{h[15].item():.6f}', torch.allclose(h, h.flip(0)))
H = torch.fft.rfft(h, n=512)
freqs = torch.fft.rfftfreq(512, d=1 / fs, dtype=torch.float64)
gain_db = 20 * torch.log10(H.abs().clamp(min=1e-12))
for f0 in [0.0, 5.0, 20.0, 60.0]:
    i = int((freqs - f0).abs().argmin())
    print(f'gain at {f0:.0f} Hz {gain_db[i].item():.3f} dB')

print('--- apply')
x = noisy.view(1, 1, -1)
y_conv = F.conv1d(x, h.flip(0).view(1, 1, -1), padding='same').view(-1)
L = 256 + numtaps - 1
y_fft = torch.fft.irfft(torch.fft.rfft(noisy, n=L) * torch.fft.rfft(h, n=L), n=L)[15:15 + 256]
print(y_conv.shape, (y_conv - y_fft).abs().max().item() < 1e-10)
mid = slice(40, 216)
print(f'err noisy {(noisy[mid] - clean[mid]).pow(2).mean().item():.5f} filtered '
      f'{(y_conv[mid] - clean[mid]).pow(2).mean().item():.5f}')
bank = torch.stack([h, torch.ones(numtaps, dtype=torch.float64) / numtaps])
multi = F.conv1d(x.expand(1, 2, -1), bank.unsqueeze(1), groups=2, padding=15)
print(multi.shape, f'{multi[0, 1, 100].item():.6f}', f'{noisy[85:116].mean().item():.6f}')

print('--- iir')
alpha = 0.2
ys = []
prev = torch.zeros((), dtype=torch.float64)
for v in noisy[:50]:
    prev = alpha * v + (1 - alpha) * prev
    ys.append(prev)
ema = torch.stack(ys)
print(ema.shape, f'{ema[-1].item():.6f}', f'{ema.mean().item():.6f}')

print('--- diff / integrate')
d1 = torch.diff(clean) * fs
d2 = torch.diff(clean, n=2) * fs ** 2
print(d1.shape, d2.shape, f'{d1[:3].tolist()[0]:.5f}', f'{(2 * math.pi * 5):.5f}')
dp = torch.diff(clean, prepend=clean[:1], append=clean[-1:])
print(dp.shape, dp[0].item(), dp[-1].item())
m = torch.arange(12.).view(3, 4) ** 2
print(torch.diff(m, dim=0), torch.diff(m, dim=1, n=2))
print(torch.diff(torch.tensor([True, False, False, True])))
area_cumsum = torch.cumsum(clean, 0) / fs
print(f'cumsum {area_cumsum[-1].item():.6f}', f'{area_cumsum[19].item():.6f}')
print(f'trapz dx {torch.trapezoid(clean, dx=1 / fs).item():.6f} x {torch.trapezoid(clean, t).item():.6f}')
ct = torch.cumulative_trapezoid(clean, t)
print(ct.shape, f'{ct[18].item():.6f}', f'{(1 - math.cos(2 * math.pi * 5 * t[19].item())) / (2 * math.pi * 5):.6f}')
print(torch.trapezoid(m), torch.trapezoid(m, dim=0), torch.cumulative_trapezoid(m, dx=0.5, dim=1))
xs = torch.tensor([0.0, 0.5, 2.0, 3.0])
print(torch.trapezoid(torch.tensor([1.0, 2.0, 0.0, 4.0]), x=xs), torch.cumulative_trapezoid(xs ** 2, x=xs))
yg = torch.linspace(0, 1, 11, requires_grad=True)
torch.trapezoid(yg ** 2, dx=0.1).backward()
print(yg.grad)
