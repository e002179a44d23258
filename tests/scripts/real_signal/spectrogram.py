"""Spectrograms as audio code writes them without torchaudio: torch.stft / torch.istft with
return_complex=True and a Hann window (center, pad_mode, normalized, onesided), magnitude and phase,
a mel filterbank built by hand (HTK mel scale, triangular filters), log-mel features with a clamp,
perfect reconstruction through istft, and a few iterations of Griffin-Lim."""
import math

import torch

torch.manual_seed(3)
sr, n_fft, hop = 8000, 64, 16
t = torch.arange(0, 1024) / sr
wave = 0.6 * torch.sin(2 * math.pi * 440 * t) + 0.3 * torch.sin(2 * math.pi * 1250 * t) + 0.05 * torch.randn(t.shape)
window = torch.hann_window(n_fft)
print('--- stft')
spec = torch.stft(wave, n_fft=n_fft, hop_length=hop, window=window, return_complex=True)
print(spec.shape, spec.dtype, spec.is_complex())
mag, phase = spec.abs(), spec.angle()
print(mag.dtype, phase.dtype, f'{mag.sum().item():.3f}', f'{mag.max().item():.4f}')
peak_bins = mag.mean(dim=1).topk(2).indices.sort().values
freqs = torch.fft.rfftfreq(n_fft, d=1 / sr)
print('peaks', peak_bins.tolist(), freqs[peak_bins].tolist())
power = spec.real ** 2 + spec.imag ** 2
print(f'power {power.sum().item():.3f} vs {(mag ** 2).sum().item():.3f}')
for center, mode, normalized in [(True, 'constant', False), (False, 'reflect', True), (True, 'replicate', True)]:
    s = torch.stft(wave, n_fft, hop, window=window, center=center, pad_mode=mode, normalized=normalized,
                   return_complex=True)
    print(center, mode, normalized, tuple(s.shape), f'{s.abs().mean().item():.5f}')
two = torch.stft(wave, n_fft, hop, window=window, onesided=False, return_complex=True)
print('twosided', two.shape, (two[1:n_fft // 2] - two[n_fft // 2 + 1:].flip(0).conj()).abs().max().item() < 1e-4)
batch = torch.stack([wave, wave.flip(0)])
bs = batch.stft(n_fft, hop_length=hop, win_length=48, window=torch.hann_window(48), return_complex=True)
print('batched', bs.shape, f'{bs.abs().sum().item():.3f}')

print('--- mel')


def hz_to_mel(f):
    return 2595.0 * math.log10(1.0 + f / 700.0)


def mel_filterbank(n_mels, n_fft, sr, fmin=0.0, fmax=None):
    fmax = fmax or sr / 2
    mels = torch.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2)
    hz = 700.0 * (10 ** (mels / 2595.0) - 1.0)
    fft_freqs = torch.linspace(0, sr / 2, n_fft // 2 + 1)
    lower = (fft_freqs[None, :] - hz[:-2, None]) / (hz[1:-1] - hz[:-2])[:, None]
    upper = (hz[2:, None] - fft_freqs[None, :]) / (hz[2:] - hz[1:-1])[:, None]
    return torch.clamp(torch.minimum(lower, upper), min=0.0)


fb = mel_filterbank(12, n_fft, sr)
print(fb.shape, f'{fb.sum().item():.4f}', (fb > 0).sum(dim=1).tolist())
mel = fb @ power
logmel = torch.log10(torch.clamp(mel, min=1e-10))
logmel = torch.maximum(logmel, logmel.max() - 8.0)
print(mel.shape, f'{logmel.mean().item():.4f} {logmel.min().item():.4f} {logmel.max().item():.4f}')
db = 10 * torch.log10(mag.clamp(min=1e-5) ** 2)
print(f'db {db.mean().item():.3f}', db.argmax(dim=0)[:6].tolist())

print('--- istft')
rec = torch.istft(spec, n_fft, hop_length=hop, window=window, length=wave.numel())
print(rec.shape, rec.dtype, f'{(rec - wave).abs().max().item() < 1e-5}')
rec2 = torch.istft(spec[:, :40], n_fft, hop, window=window)
print(rec2.shape, f'{(rec2 - wave[:rec2.numel()]).abs().max().item() < 1e-5}')
sn = torch.stft(wave, n_fft, hop, window=window, normalized=True, return_complex=True)
rn = torch.istft(sn, n_fft, hop, window=window, normalized=True, length=1000)
print(rn.shape, f'{(rn - wave[:1000]).abs().max().item() < 1e-5}')

print('--- griffin-lim')
target = mag.clone()
angles = torch.exp(2j * math.pi * torch.rand(target.shape))
print(angles.dtype, f'{angles.abs().mean().item():.5f}')
for it in range(6):
    est = torch.istft(target * angles, n_fft, hop, window=window, length=wave.numel())
    rebuilt = torch.stft(est, n_fft, hop, window=window, return_complex=True)
    angles = rebuilt / rebuilt.abs().clamp(min=1e-8)
    err = (rebuilt.abs() - target).norm() / target.norm()
    print(f'iter {it} spectral convergence {err.item():.4f}')
print(est.shape, f'{est.std().item():.4f}')
x = wave.clone().requires_grad_(True)
loss = torch.stft(x, n_fft, hop, window=window, return_complex=True).abs().pow(2).mean()
loss.backward()
print(f'grad {loss.item():.5f} {x.grad.norm().item():.5f} {x.grad[:3].tolist()[0]:.6f}')
