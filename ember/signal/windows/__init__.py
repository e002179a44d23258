"""``torch.signal.windows``: scipy-style window functions (``sym=True`` gives a symmetric window,
``sym=False`` a periodic one), computed as torch's torch/signal/windows/windows.py does, from
linspace and pointwise ops in the requested dtype.

Example:
    >>> ember.signal.windows.hann(5)          # tensor([0.0000, 0.5000, 1.0000, 0.5000, 0.0000])
"""
import math
from collections.abc import Iterable

import ember as _t

__all__ = ['bartlett', 'blackman', 'cosine', 'exponential', 'gaussian', 'general_cosine', 'general_hamming',
           'hamming', 'hann', 'kaiser', 'nuttall']


def _checks(name, M, dtype, layout):
    if M < 0:
        raise ValueError(f'{name} requires non-negative window length, got M={M}')
    if layout is not None and layout is not _t.strided:
        raise ValueError(f'{name} is implemented for strided tensors only, got: {layout}')
    if dtype not in (_t.float32, _t.float64):
        raise ValueError(f'{name} expects float32 or float64 dtypes, got: {dtype}')


def _trivial(M, dtype, device, requires_grad, one=True):
    if M == 0:
        return _t.empty((0,), dtype=dtype, device=device, requires_grad=requires_grad)
    if M == 1 and one:
        return _t.ones((1,), dtype=dtype, device=device, requires_grad=requires_grad)
    return None


def _lin(start, end, M, dtype, device, requires_grad):
    return _t.linspace(start, end, M, dtype=dtype, device=device, requires_grad=requires_grad)


def exponential(M, *, center=None, tau=1.0, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    dtype = dtype or _t.get_default_dtype()
    _checks('exponential', M, dtype, layout)
    if tau <= 0:
        raise ValueError(f'Tau must be positive, got: {tau} instead.')
    if sym and center is not None:
        raise ValueError('Center must be None for symmetric windows')
    t = _trivial(M, dtype, device, requires_grad, one=False)
    if t is not None:
        return t
    if center is None:
        center = (M if not sym and M > 1 else M - 1) / 2.0
    c = 1 / tau
    return _t.exp(-_t.abs(_lin(-center * c, (-center + (M - 1)) * c, M, dtype, device, requires_grad)))


def cosine(M, *, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    dtype = dtype or _t.get_default_dtype()
    _checks('cosine', M, dtype, layout)
    t = _trivial(M, dtype, device, requires_grad, one=False)
    if t is not None:
        return t
    c = math.pi / (M + 1 if not sym and M > 1 else M)
    return _t.sin(_lin(0.5 * c, (0.5 + (M - 1)) * c, M, dtype, device, requires_grad))


def gaussian(M, *, std=1.0, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    dtype = dtype or _t.get_default_dtype()
    _checks('gaussian', M, dtype, layout)
    if std <= 0:
        raise ValueError(f'Standard deviation must be positive, got: {std} instead.')
    t = _trivial(M, dtype, device, requires_grad, one=False)
    if t is not None:
        return t
    start = -(M if not sym and M > 1 else M - 1) / 2.0
    c = 1 / (std * math.sqrt(2))
    k = _lin(start * c, (start + (M - 1)) * c, M, dtype, device, requires_grad)
    return _t.exp(-(k ** 2))


def kaiser(M, *, beta=12.0, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    dtype = dtype or _t.get_default_dtype()
    _checks('kaiser', M, dtype, layout)
    if beta < 0:
        raise ValueError(f'beta must be non-negative, got: {beta} instead.')
    t = _trivial(M, dtype, device, requires_grad)
    if t is not None:
        return t
    beta = _t.tensor(beta, dtype=dtype, device=device)
    start = -beta
    c = 2.0 * beta / (M if not sym else M - 1)
    end = _t.minimum(beta, start + (M - 1) * c)
    k = _lin(start.item(), end.item(), M, dtype, device, requires_grad)
    return _t.i0(_t.sqrt(beta * beta - _t.pow(k, 2))) / _t.i0(beta)


def general_cosine(M, *, a, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    dtype = dtype or _t.get_default_dtype()
    _checks('general_cosine', M, dtype, layout)
    t = _trivial(M, dtype, device, requires_grad)
    if t is not None:
        return t
    if not isinstance(a, Iterable):
        raise TypeError('Coefficients must be a list/tuple')
    if not a:
        raise ValueError('Coefficients cannot be empty')
    c = 2 * math.pi / (M if not sym else M - 1)
    k = _lin(0, (M - 1) * c, M, dtype, device, requires_grad)
    a_i = _t.tensor([(-1) ** i * w for i, w in enumerate(a)], device=device, dtype=dtype, requires_grad=requires_grad)
    i = _t.arange(a_i.shape[0], dtype=a_i.dtype, device=a_i.device, requires_grad=a_i.requires_grad)
    return (a_i.unsqueeze(-1) * _t.cos(i.unsqueeze(-1) * k)).sum(0)


def general_hamming(M, *, alpha=0.54, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    return general_cosine(M, a=[alpha, 1.0 - alpha], sym=sym, dtype=dtype, layout=layout, device=device,
                          requires_grad=requires_grad)


def hamming(M, *, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    return general_hamming(M, sym=sym, dtype=dtype, layout=layout, device=device, requires_grad=requires_grad)


def hann(M, *, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    return general_hamming(M, alpha=0.5, sym=sym, dtype=dtype, layout=layout, device=device,
                           requires_grad=requires_grad)


def blackman(M, *, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    dtype = dtype or _t.get_default_dtype()
    _checks('blackman', M, dtype, layout)
    return general_cosine(M, a=[0.42, 0.5, 0.08], sym=sym, dtype=dtype, layout=layout, device=device,
                          requires_grad=requires_grad)


def bartlett(M, *, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    dtype = dtype or _t.get_default_dtype()
    _checks('bartlett', M, dtype, layout)
    t = _trivial(M, dtype, device, requires_grad)
    if t is not None:
        return t
    c = 2 / (M if not sym else M - 1)
    return 1 - _t.abs(_lin(-1, -1 + (M - 1) * c, M, dtype, device, requires_grad))


def nuttall(M, *, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    return general_cosine(M, a=[0.3635819, 0.4891775, 0.1365995, 0.0106411], sym=sym, dtype=dtype, layout=layout,
                          device=device, requires_grad=requires_grad)
