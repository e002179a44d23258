"""Window functions and spectral utilities as DSP code uses them: torch.hann_window, hamming_window,
blackman_window, bartlett_window and kaiser_window (periodic and symmetric, float64), the scipy-style
torch.signal.windows, coherent and noise gains, fftshift / fftfreq for a centred spectrum, spectral
leakage of a windowed tone, and an rfft-based FFT convolution checked against F.conv1d."""
import torch
import torch.nn.functional as F

torch.manual_seed(5)
torch.set_printoptions(precision=5)
print('--- windows')
for fn in [torch.hann_window, torch.hamming_window, torch.blackman_window, torch.bartlett_window,
           torch.kaiser_window]:
    p = fn(8)
    s = fn(8, periodic=False, dtype=torch.float64)
    print(fn.__name__, p.dtype, s.dtype, p.shape)
    print(p)
    print(s)
    print(f'  sym symmetric {torch.allclose(s, s.flip(0))} coherent gain {p.mean().item():.5f}',
          f'enbw {(len(p) * (p ** 2).sum() / p.sum() ** 2).item():.5f}')
print(torch.hann_window(1), torch.hann_window(0), torch.hamming_window(6, False, alpha=0.5, beta=0.5))
print(torch.kaiser_window(7, periodic=False, beta=5.0))
print(torch.allclose(torch.hann_window(9)[:8], torch.hann_window(8, periodic=False)[:8]) is False,
      torch.allclose(torch.hann_window(8), torch.hann_window(9, periodic=False)[:-1]))
try:
    torch.hann_window(-1)
except RuntimeError as e:
    print('RuntimeError', str(e).split(',')[0])

print('--- torch.signal.windows')
import torch.signal  # noqa: E402
W = torch.signal.windows
for name in ['hann', 'hamming', 'blackman', 'bartlett', 'cosine', 'nuttall']:
    print(name, getattr(W, name)(7), getattr(W, name)(6, sym=False)[:3])
print(W.gaussian(7, std=1.5), W.kaiser(6, beta=8.0, dtype=torch.float64))
print(W.exponential(5, tau=2.0), W.general_hamming(5, alpha=0.6), W.general_cosine(5, a=[0.5, 0.3, 0.2]))
print(torch.allclose(W.hann(8, sym=False), torch.hann_window(8), atol=1e-6))
try:
    W.gaussian(4, std=-1.0)
except ValueError as e:
    print('ValueError', e)

print('--- fftshift / fftfreq')
fs = 100.0
n = 16
f = torch.fft.fftfreq(n, d=1 / fs)
print(f)
print(torch.fft.fftshift(f), torch.fft.ifftshift(torch.fft.fftshift(f)).equal(f))
print(torch.fft.rfftfreq(n, 1 / fs), torch.fft.fftfreq(5, dtype=torch.float64))
tt = torch.arange(n) / fs
tone = torch.cos(2 * torch.pi * 12.5 * tt)
for wname, w in [('rect', torch.ones(n)), ('hann', torch.hann_window(n)), ('blackman', torch.blackman_window(n))]:
    spec = torch.fft.fftshift(torch.fft.fft(tone * w))
    mag = spec.abs() / w.sum()
    print(wname, [round(v, 4) for v in mag.tolist()[8:12]], torch.fft.fftshift(f)[mag.argmax()].item())
img = torch.randn(4, 6)
sh = torch.fft.fftshift(img, dim=(-2, -1))
print(sh[2, 3].item() == img[0, 0].item(), torch.fft.ifftshift(sh, dim=(0, 1)).equal(img))
print(torch.fft.fftshift(torch.arange(10).reshape(2, 5), dim=1))

print('--- fft convolution')
sig = torch.randn(3, 1, 50)
kernel = torch.randn(1, 1, 9)
ref = F.conv1d(sig, kernel.flip(-1))           # conv1d is a correlation: flip for a true convolution
L = sig.shape[-1] + kernel.shape[-1] - 1
nfft = 1 << (L - 1).bit_length()
full = torch.fft.irfft(torch.fft.rfft(sig, n=nfft) * torch.fft.rfft(kernel, n=nfft), n=nfft)[..., :L]
valid = full[..., kernel.shape[-1] - 1:sig.shape[-1]]
print(nfft, full.shape, valid.shape, ref.shape, (valid - ref).abs().max().item() < 1e-4)
same = F.conv1d(sig, kernel.flip(-1), padding=4)
print((full[..., 4:4 + 50] - same).abs().max().item() < 1e-4)
circ = torch.fft.ifft(torch.fft.fft(sig.squeeze(1)) * torch.fft.fft(kernel.squeeze(1), n=50)).real
print(circ.shape, f'{circ.sum().item():.4f}', f'{(sig.sum(-1) * kernel.sum()).sum().item():.4f}')
x = torch.randn(64, dtype=torch.float64)
r = torch.fft.irfft(torch.fft.rfft(x).abs() ** 2, n=64)
print(f'autocorr {r[0].item():.6f} {(x * x).sum().item():.6f}', torch.argmax(r[1:]).item() >= 0)
