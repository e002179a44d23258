"""Window functions (``torch.hann_window`` ... ``torch.kaiser_window``) and the short-time Fourier
transform (``torch.stft`` / ``torch.istft``), as torch's ATen composites: the windows are computed
in their dtype with torch's formulas; stft and istft are built from differentiable ember ops
(F.pad, unfold, ember.fft, index_add), so they have autograd for free.

Example:
    >>> ember.hann_window(4)                      # tensor([0.0000, 0.5000, 1.0000, 0.5000])
"""
import math
import warnings

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor

from ._core import warn_once as _warn_once  # noqa: E402  (torch's stft / istft warnings are TORCH_WARN_ONCE)


__all__ = ['hann_window', 'hamming_window', 'blackman_window', 'bartlett_window', 'kaiser_window', 'stft', 'istft']


def _window(name, window_length, periodic, dtype, device, requires_grad, body):
    from .creation import _as_dtype, tensor
    if not isinstance(window_length, int) or isinstance(window_length, bool):
        raise TypeError(f"{name}(): argument 'window_length' (position 1) must be int, "
                        f"not {type(window_length).__name__}")
    if window_length < 0:
        raise RuntimeError(f'{name} requires non-negative window_length, got window_length={window_length}')
    dt = _as_dtype(dtype) if dtype is not None else D._default[0]
    if dt._cat != 2:
        raise RuntimeError(f'{name} expects floating point dtypes, got: {dt}')
    if window_length == 0:
        arr = np.zeros(0, dt.np)
    elif window_length == 1:
        arr = np.ones(1, dt.np)
    else:
        n = window_length + 1 if periodic else window_length
        f = np.dtype(dt.np).type
        arr = np.asarray(body(np.arange(n, dtype=f), n, f), dtype=f)[:window_length]
    return tensor(arr, dtype=dt, device=device, requires_grad=requires_grad)


def _cosine_sum(alpha, beta):
    def body(k, n, f):
        return np.cos(k * f(2 * math.pi / (n - 1))) * f(-beta) + f(alpha)
    return body


def hann_window(window_length, periodic=True, *, dtype=None, layout=None, device=None, requires_grad=False,
                pin_memory=False):
    return _window('hann_window', window_length, periodic, dtype, device, requires_grad, _cosine_sum(0.5, 0.5))


def hamming_window(window_length, periodic=True, alpha=0.54, beta=0.46, *, dtype=None, layout=None, device=None,
                   requires_grad=False, pin_memory=False):
    return _window('hamming_window', window_length, periodic, dtype, device, requires_grad, _cosine_sum(alpha, beta))


def blackman_window(window_length, periodic=True, *, dtype=None, layout=None, device=None, requires_grad=False,
                    pin_memory=False):
    def body(k, n, f):
        w = k * f(math.pi / (n - 1))
        return np.cos(w * f(4)) * f(0.08) - np.cos(w * f(2)) * f(0.5) + f(0.42)
    return _window('blackman_window', window_length, periodic, dtype, device, requires_grad, body)


def bartlett_window(window_length, periodic=True, *, dtype=None, layout=None, device=None, requires_grad=False,
                    pin_memory=False):
    def body(k, n, f):
        w = k * f(2.0 / (n - 1))
        half = ((n - 1) >> 1) + 1
        w[half:] = f(2) - w[half:]
        return w
    return _window('bartlett_window', window_length, periodic, dtype, device, requires_grad, body)


def kaiser_window(window_length, periodic=True, beta=12.0, *, dtype=None, layout=None, device=None,
                  requires_grad=False, pin_memory=False):
    def body(k, n, f):
        alpha = (n - 1) / 2.0
        x = k.astype(np.float64)
        return np.i0(beta * np.sqrt(np.abs(1 - ((x - alpha) / alpha) ** 2))) / np.i0(beta)
    return _window('kaiser_window', window_length, periodic, dtype, device, requires_grad, body)


# ---------------------------------------------------------------- stft / istft
def _full_window(window, n_fft, win_length, like):
    """The window padded on both sides to n_fft (ones when None), as torch's stft."""
    from .creation import ones
    import ember.nn.functional as F
    if window is None:
        window = ones(win_length, dtype=like.dtype.to_real() if like.dtype._cat == 3 else like.dtype,
                      device=like.device)
    elif window.dim() != 1 or window.shape[0] != win_length:
        raise RuntimeError(f'stft: expected a 1D window tensor of size equal to win_length={win_length}, '
                           f'but got window with size {list(window.shape)}')
    if win_length < n_fft:
        left = (n_fft - win_length) // 2
        window = F.pad(window, (left, n_fft - win_length - left))
    return window


def stft(input, n_fft, hop_length=None, win_length=None, window=None, center=True, pad_mode='reflect',
         normalized=False, onesided=None, return_complex=None, align_to_window=None):
    import ember.nn.functional as F
    from .. import fft as _fft
    from .complex import view_as_real
    if window is None:
        _warn_once('A window was not provided. A rectangular window will be applied,which is known to '
                   'cause spectral leakage. Other windows such as torch.hann_window or torch.hamming_window '
                   'are recommended to reduce spectral leakage.To suppress this warning and use a rectangular '
                   'window, explicitly set `window=torch.ones(n_fft, device=<device>)`.')
    cplx = input.dtype._cat == 3 or (window is not None and window.dtype._cat == 3)
    if return_complex is None:
        if not cplx:
            raise RuntimeError('stft requires the return_complex parameter be given for real inputs, and will '
                               'further require that return_complex=True in a future PyTorch release.')
        return_complex = True
    if input.dim() not in (1, 2):
        raise RuntimeError(f'stft: expected a 1D or 2D tensor, but got {input.dim()}D tensor')
    hop_length = n_fft // 4 if hop_length is None else hop_length
    win_length = n_fft if win_length is None else win_length
    x = input if input.dim() == 2 else input.unsqueeze(0)
    if center:
        pad = n_fft // 2
        x = F.pad(x.unsqueeze(1), (pad, pad), mode=pad_mode).squeeze(1)
    length = x.shape[-1]
    if n_fft <= 0 or n_fft > length:
        raise RuntimeError(f'stft: expected 0 < n_fft <= {length}, but got n_fft={n_fft}')
    if hop_length <= 0:
        raise RuntimeError(f'stft: expected hop_length > 0, but got hop_length={hop_length}')
    if win_length <= 0 or win_length > n_fft:
        raise RuntimeError(f'stft: expected 0 < win_length <= n_fft, but got win_length={win_length}')
    window = _full_window(window, n_fft, win_length, x)
    frames = x.unfold(-1, n_fft, hop_length) * window          # (B, n_frames, n_fft)
    norm = 'ortho' if normalized else 'backward'
    onesided = (not cplx) if onesided is None else onesided
    if onesided:
        if cplx:
            raise RuntimeError('Cannot have onesided output if window or input is complex')
        out = _fft.rfft(frames, dim=-1, norm=norm)
    else:
        out = _fft.fft(frames, dim=-1, norm=norm)
    out = out.transpose(1, 2)
    if input.dim() == 1:
        out = out.squeeze(0)
    if not return_complex:
        return view_as_real(out)
    return out


def istft(input, n_fft, hop_length=None, win_length=None, window=None, center=True, normalized=False,
          onesided=None, length=None, return_complex=False):
    from .. import fft as _fft
    from .creation import arange, zeros
    if input.dtype._cat != 3:
        raise RuntimeError('istft requires a complex-valued input tensor matching the output from stft with '
                           'return_complex=True.')
    if input.dim() not in (2, 3):
        raise RuntimeError(f'istft: expected a tensor with 2 or 3 dimensions of complex, but got {input.dim()}')
    hop_length = n_fft // 4 if hop_length is None else hop_length
    win_length = n_fft if win_length is None else win_length
    x = input if input.dim() == 3 else input.unsqueeze(0)
    n_freq, n_frames = x.shape[-2], x.shape[-1]
    onesided = (n_freq != n_fft) if onesided is None else onesided
    if onesided:
        if n_fft // 2 + 1 != n_freq:
            raise RuntimeError('istft: expected the frequency dimension (3rd to the last) of the input tensor to '
                               'match n_fft / 2 + 1 when onesided=True, but got ' + str(n_freq))
    elif n_fft != n_freq:
        raise RuntimeError('istft: expected the frequency dimension (3rd to the last) of the input tensor to '
                           'match n_fft when onesided=False, but got ' + str(n_freq))
    if return_complex and onesided:
        raise RuntimeError('cannot have onesided output if window or input is complex')
    real_dt = x.dtype.to_real()
    if window is None:
        from .creation import ones
        _warn_once('A window was not provided. A rectangular window will be applied.Please provide the same '
                   'window used by stft to make the inversion lossless.To suppress this warning and use a '
                   'rectangular window, explicitly set `window=torch.ones(n_fft, device=<device>)`.')
        window = ones(win_length, dtype=real_dt, device=x.device)
    window = _full_window(window, n_fft, win_length, x)
    norm = 'ortho' if normalized else 'backward'
    frames = x.transpose(1, 2)                                    # (B, n_frames, n_freq)
    if onesided:
        frames = _fft.irfft(frames, n=n_fft, dim=-1, norm=norm)
    else:
        frames = _fft.ifft(frames, n=n_fft, dim=-1, norm=norm)
        if not return_complex:
            frames = frames.real
    frames = frames * window
    expected = n_fft + hop_length * (n_frames - 1)
    idx = arange(n_fft, device=x.device)[None, :] + hop_length * arange(n_frames, device=x.device)[:, None]
    idx = idx.reshape(-1)
    y = zeros(x.shape[0], expected, dtype=frames.dtype, device=x.device)
    y = y.index_add(1, idx, frames.reshape(x.shape[0], -1))
    wsq = (window * window).real if window.dtype._cat == 3 else window * window
    env = zeros(expected, dtype=wsq.dtype, device=x.device).index_add(0, idx, wsq.repeat(n_frames))
    start = n_fft // 2 if center else 0
    if length is not None:
        end = start + length
    elif center:
        end = expected - n_fft // 2
    else:
        end = expected
    y = y[:, start:min(end, expected)]
    env = env[start:min(end, expected)]
    if bool((env.abs().min() < 1e-11).item()):
        raise RuntimeError('istft(...): window overlap add min: ' + str(env.abs().min().item()))
    y = y / env
    if length is not None and end > expected:
        import ember.nn.functional as F
        _warn_once('The length of signal is shorter than the length parameter. Result is being padded with '
                   'zeros in the tail. Please check your center and hop_length settings.')
        y = F.pad(y, (0, end - expected))
    if input.dim() == 2:
        y = y.squeeze(0)
    return y


def _tensor_stft(self, n_fft, hop_length=None, win_length=None, window=None, center=True, pad_mode='reflect',
                 normalized=False, onesided=None, return_complex=None, align_to_window=None):
    return stft(self, n_fft, hop_length, win_length, window, center, pad_mode, normalized, onesided, return_complex)


def _tensor_istft(self, n_fft, hop_length=None, win_length=None, window=None, center=True, normalized=False,
                  onesided=None, length=None, return_complex=False):
    return istft(self, n_fft, hop_length, win_length, window, center, normalized, onesided, length, return_complex)


Tensor.stft = _tensor_stft
Tensor.istft = _tensor_istft
