"""``torch.fft`` on ``numpy.fft`` (``cupy.fft`` for CuPy arrays), with autograd.

Every transform is built from four differentiable steps, each with its adjoint as backward
(the gradient convention of torch for complex tensors: the adjoint under the real inner
product Re(sum(conj(u) * v))):

* ``_resize``: zero-pad or trim along dims (the ``n`` / ``s`` arguments); adjoint: the reverse;
* ``_c2c``: complex-to-complex DFT (fft/ifft with a norm); adjoint: the other direction with the
  dual norm (backward <-> forward, ortho <-> ortho);
* ``_r2c``: real-to-complex, onesided on the last dim (rfft); adjoint: zero-pad the half
  spectrum, inverse c2c with the dual norm, real part;
* ``_c2r``: onesided complex-to-real (irfft); adjoint as torch's fft_c2r_backward: r2c with the
  dual norm and the entries 1 .. n - (n//2 + 1) of the last dim doubled.

Example:
    >>> ember.fft.rfft(ember.tensor([1., 2., 3., 4.]))     # tensor([10.+0.j, -2.+2.j, -2.+0.j])
"""
import numpy as np
from . import _dtype as D
from ._tensor import Tensor, _wrap, _gm, _wrap_dim
from ._backend import array_module
from ._ops._core import record, backward_op, as_array, finish as _finish, type_name as _cap

__all__ = ['fft', 'ifft', 'rfft', 'irfft', 'hfft', 'ihfft', 'fft2', 'ifft2', 'rfft2', 'irfft2', 'hfft2', 'ihfft2',
           'fftn', 'ifftn', 'rfftn', 'irfftn', 'hfftn', 'ihfftn', 'fftfreq', 'rfftfreq', 'fftshift', 'ifftshift']

_DUAL = {'backward': 'forward', 'forward': 'backward', 'ortho': 'ortho'}


def _norm(norm):
    if norm is None:
        return 'backward'
    if norm not in _DUAL:
        raise RuntimeError(f'Invalid normalization mode: "{norm}"')
    return norm


def _fftmod(a):
    xp = array_module(a)
    return xp.fft


def _check_tensor(x, name):
    if not isinstance(x, Tensor):
        raise TypeError(f"fft_{name}(): argument 'input' (position 1) must be Tensor, not {type(x).__name__}")


def _to_complex(x):
    """x as a complex tensor (integers through the default float dtype), differentiably."""
    dt = x.dtype
    if dt._cat == 3:
        return x
    if dt._cat < 2:
        dt = D._default[0]
    return x.to(dt.to_complex())


def _to_real_float(x, name):
    dt = x.dtype
    if dt._cat == 3:
        raise RuntimeError(f'{name} expects a real input tensor, but got {_cap(dt)}')
    if dt._cat < 2:
        return x.to(D._default[0])
    return x


# ---------------------------------------------------------------- the four steps
def _resize_array(a, dims, sizes):
    xp = array_module(a)
    for d, n in zip(dims, sizes):
        cur = a.shape[d]
        if n < cur:
            a = a[(slice(None),) * d + (slice(0, n),)]
        elif n > cur:
            pad = [(0, 0)] * a.ndim
            pad[d] = (0, n - cur)
            a = xp.pad(a, pad)
    return a


@backward_op('ConstantPadNdBackward0')
def _resize_bw(node, g):
    dims, old = node._args
    return (_resize(g, dims, old),)


def _resize(x, dims, sizes):
    old = tuple(x._data.shape[d] for d in dims)
    if old == tuple(sizes):
        return x
    t = _wrap(np.ascontiguousarray(_resize_array(x._data, dims, sizes)) if type(x._data) is np.ndarray
              else _resize_array(x._data, dims, sizes).copy(), x.dtype, x._device)
    if _gm.enabled and x._rg:
        record(_resize_bw, t, (x,), (), (dims, old))
    return t


@backward_op('FftC2CBackward0')
def _c2c_bw(node, g):
    dims, norm, forward = node._args
    return (_c2c(_to_complex(g), dims, _DUAL[norm], not forward),)


def _c2c(x, dims, norm, forward):
    a = x._data
    f = _fftmod(a)
    r = (f.fftn if forward else f.ifftn)(a, axes=dims, norm=norm) if dims else a.copy()
    t = _wrap(as_array(r).astype(x.dtype.np, copy=False), x.dtype, x._device)
    if _gm.enabled and x._rg:
        record(_c2c_bw, t, (x,), (), (dims, norm, forward))
    return t


@backward_op('FftR2CBackward0')
def _r2c_bw(node, g):
    dims, norm, n_last = node._args
    g = _to_complex(g)
    full = _resize(g, (dims[-1],), (n_last,))           # the discarded half: zero gradient
    from ._ops.complex import real
    return (real(_c2c(full, dims, _DUAL[norm], False)).clone(),)


def _r2c(x, dims, norm):
    """rfftn of real x over ``dims`` (the last one onesided)."""
    a = x._data
    cdt = x.dtype.to_complex()
    r = _fftmod(a).rfftn(a, axes=dims, norm=norm)
    t = _wrap(as_array(r).astype(cdt.np, copy=False), cdt, x._device)
    if _gm.enabled and x._rg:
        record(_r2c_bw, t, (x,), (), (dims, norm, a.shape[dims[-1]]))
    return t


@backward_op('FftC2RBackward0')
def _c2r_bw(node, g):
    dims, norm, n_last = node._args
    gi = _r2c(g, dims, _DUAL[norm])
    m = gi._data.shape[dims[-1]]
    double = n_last - m
    if double > 0:
        shape = [1] * gi._data.ndim
        shape[dims[-1]] = m
        w = np.ones(m, dtype=gi.dtype.to_real().np)
        w[1:1 + double] = 2
        xp = array_module(gi._data)
        gi = gi * _wrap(xp.asarray(w.reshape(shape)), gi.dtype.to_real(), gi._device)
    return (gi,)


def _c2r(x, dims, n_last, norm):
    """irfftn of the onesided complex x (last dim n_last // 2 + 1 long) to a real output whose
    last dim is n_last."""
    a = x._data
    rdt = x.dtype.to_real()
    s = [a.shape[d] for d in dims[:-1]] + [n_last]
    r = _fftmod(a).irfftn(a, s=s, axes=dims, norm=norm)
    t = _wrap(as_array(r).astype(rdt.np, copy=False), rdt, x._device)
    if _gm.enabled and x._rg:
        record(_c2r_bw, t, (x,), (), (dims, norm, n_last))
    return t


# ---------------------------------------------------------------- argument handling
def _dims_sizes(x, s, dim, name):
    """(dims, sizes) for the n-dimensional transforms, with torch's rules."""
    nd = x._data.ndim
    if dim is not None:
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
        dims = tuple(_wrap_dim(d, nd) for d in dims)
        if len(set(dims)) != len(dims):
            raise RuntimeError(f'{name} dims must be unique')
        if s is not None and len(s) != len(dims):
            raise RuntimeError('When given, dim and shape arguments must have the same length')
    elif s is not None:
        if len(s) > nd:
            raise RuntimeError(f'Got shape with {len(s)} values but input tensor only has {nd} dimensions.')
        dims = tuple(range(nd - len(s), nd))
    else:
        dims = tuple(range(nd))
    if s is None:
        sizes = [x._data.shape[d] for d in dims]
    else:
        sizes = [x._data.shape[d] if n == -1 else int(n) for d, n in zip(dims, s)]
    for n in sizes:
        if n < 1:
            raise RuntimeError(f'Invalid number of data points ({n}) specified')
    return dims, sizes


def _one_dim(x, n, dim, name):
    _check_tensor(x, name)
    if x._data.ndim == 0:
        raise IndexError('Dimension specified as 0 but tensor has no dimensions')
    d = _wrap_dim(dim, x._data.ndim)
    size = x._data.shape[d] if n is None else int(n)
    if size < 1:
        raise RuntimeError(f'Invalid number of data points ({size}) specified')
    return d, size


# ---------------------------------------------------------------- 1-D transforms
def fft(input, n=None, dim=-1, norm=None, *, out=None):
    """The discrete Fourier transform along ``dim`` (zero-padded or trimmed to ``n``)."""
    d, size = _one_dim(input, n, dim, 'fft')
    x = _resize(_to_complex(input), (d,), (size,))
    return _finish(_c2c(x, (d,), _norm(norm), True), out)


def ifft(input, n=None, dim=-1, norm=None, *, out=None):
    """The inverse discrete Fourier transform along ``dim``."""
    d, size = _one_dim(input, n, dim, 'ifft')
    x = _resize(_to_complex(input), (d,), (size,))
    return _finish(_c2c(x, (d,), _norm(norm), False), out)


def rfft(input, n=None, dim=-1, norm=None, *, out=None):
    """The onesided transform of a real signal: n // 2 + 1 frequencies."""
    d, size = _one_dim(input, n, dim, 'rfft')
    x = _resize(_to_real_float(input, 'rfft'), (d,), (size,))
    return _finish(_r2c(x, (d,), _norm(norm)), out)


def irfft(input, n=None, dim=-1, norm=None, *, out=None):
    """The inverse of rfft: a real signal of length ``n`` (default 2 * (m - 1))."""
    _check_tensor(input, 'irfft')
    if input._data.ndim == 0:
        raise IndexError('Dimension specified as 0 but tensor has no dimensions')
    d = _wrap_dim(dim, input._data.ndim)
    size = 2 * (input._data.shape[d] - 1) if n is None else int(n)
    if size < 1:
        raise RuntimeError(f'Invalid number of data points ({size}) specified')
    x = _resize(_to_complex(input), (d,), (size // 2 + 1,))
    return _finish(_c2r(x, (d,), size, _norm(norm)), out)


def hfft(input, n=None, dim=-1, norm=None, *, out=None):
    """The transform of a Hermitian-symmetric signal given by its first half: a real spectrum."""
    _check_tensor(input, 'hfft')
    if input._data.ndim == 0:
        raise IndexError('Dimension specified as 0 but tensor has no dimensions')
    d = _wrap_dim(dim, input._data.ndim)
    size = 2 * (input._data.shape[d] - 1) if n is None else int(n)
    if size < 1:
        raise RuntimeError(f'Invalid number of data points ({size}) specified')
    from ._ops.complex import conj
    x = _resize(conj(_to_complex(input)), (d,), (size // 2 + 1,))
    return _finish(_c2r(x, (d,), size, _DUAL[_norm(norm)]), out)


def ihfft(input, n=None, dim=-1, norm=None, *, out=None):
    """The inverse of hfft: the onesided half of a Hermitian signal from a real one."""
    d, size = _one_dim(input, n, dim, 'ihfft')
    x = _resize(_to_real_float(input, 'ihfft'), (d,), (size,))
    from ._ops.complex import conj
    return _finish(conj(_r2c(x, (d,), _DUAL[_norm(norm)])), out)


# ---------------------------------------------------------------- n-D transforms
def fftn(input, s=None, dim=None, norm=None, *, out=None):
    """The DFT over ``dim`` (default: all dims, or the last len(s))."""
    _check_tensor(input, 'fftn')
    dims, sizes = _dims_sizes(input, s, dim, 'fftn')
    x = _resize(_to_complex(input), dims, sizes)
    return _finish(_c2c(x, dims, _norm(norm), True), out)


def ifftn(input, s=None, dim=None, norm=None, *, out=None):
    _check_tensor(input, 'ifftn')
    dims, sizes = _dims_sizes(input, s, dim, 'ifftn')
    x = _resize(_to_complex(input), dims, sizes)
    return _finish(_c2c(x, dims, _norm(norm), False), out)


def rfftn(input, s=None, dim=None, norm=None, *, out=None):
    _check_tensor(input, 'rfftn')
    x = _to_real_float(input, 'rfftn')
    dims, sizes = _dims_sizes(x, s, dim, 'rfftn')
    if not dims:
        raise RuntimeError('rfftn must transform at least one axis')
    x = _resize(x, dims, sizes)
    return _finish(_r2c(x, dims, _norm(norm)), out)


def irfftn(input, s=None, dim=None, norm=None, *, out=None):
    _check_tensor(input, 'irfftn')
    dims, sizes = _dims_sizes(input, s, dim, 'irfftn')
    if not dims:
        raise RuntimeError('irfftn must transform at least one axis')
    last = 2 * (input._data.shape[dims[-1]] - 1) if s is None or s[-1] == -1 else int(s[-1])
    if last < 1:
        raise RuntimeError(f'Invalid number of data points ({last}) specified')
    sizes = list(sizes[:-1]) + [last // 2 + 1]
    x = _resize(_to_complex(input), dims, sizes)
    return _finish(_c2r(x, dims, last, _norm(norm)), out)


def hfftn(input, s=None, dim=None, norm=None, *, out=None):
    from ._ops.complex import conj
    _check_tensor(input, 'hfftn')
    dims, sizes = _dims_sizes(input, s, dim, 'hfftn')
    last = 2 * (input._data.shape[dims[-1]] - 1) if s is None or s[-1] == -1 else int(s[-1])
    sizes = list(sizes[:-1]) + [last // 2 + 1]
    x = _resize(conj(_to_complex(input)), dims, sizes)
    # (hfftn = irfftn of the conjugate with the dual norm, over the last dim first)
    return _finish(_c2r(x, dims, last, _DUAL[_norm(norm)]), out)


def ihfftn(input, s=None, dim=None, norm=None, *, out=None):
    from ._ops.complex import conj
    _check_tensor(input, 'ihfftn')
    x = _to_real_float(input, 'ihfftn')
    dims, sizes = _dims_sizes(x, s, dim, 'ihfftn')
    x = _resize(x, dims, sizes)
    return _finish(conj(_r2c(x, dims, _DUAL[_norm(norm)])), out)


def fft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    return fftn(input, s, dim, norm, out=out)


def ifft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    return ifftn(input, s, dim, norm, out=out)


def rfft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    return rfftn(input, s, dim, norm, out=out)


def irfft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    return irfftn(input, s, dim, norm, out=out)


def hfft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    return hfftn(input, s, dim, norm, out=out)


def ihfft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    return ihfftn(input, s, dim, norm, out=out)


# ---------------------------------------------------------------- helpers
def _freq(n, d, dtype, device, requires_grad, half):
    from ._ops.creation import _as_dtype
    from ._device import as_device
    from ._backend import module_for
    dt = _as_dtype(dtype) if dtype is not None else D._default[0]
    dev = as_device(device)
    r = np.fft.rfftfreq(n, d) if half else np.fft.fftfreq(n, d)
    arr = module_for(dev).asarray(r.astype(dt.np))
    t = _wrap(arr, dt, dev)
    if requires_grad:
        t.requires_grad_(True)
    return t


def fftfreq(n, d=1.0, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """The sample frequencies of an n-point fft: [0, 1, ..., -2, -1] / (d * n)."""
    return _finish(_freq(n, d, dtype, device, requires_grad, False), out)


def rfftfreq(n, d=1.0, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """The sample frequencies of an n-point rfft: [0, 1, ..., n // 2] / (d * n)."""
    return _finish(_freq(n, d, dtype, device, requires_grad, True), out)


def _shift(input, dim, sign):
    from ._ops.manipulation import roll
    nd = input._data.ndim
    if dim is None:
        dims = tuple(range(nd))
    else:
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
        dims = tuple(_wrap_dim(d, nd) for d in dims)
    if not dims:
        return input.clone()
    shifts = tuple((input._data.shape[d] // 2) * sign for d in dims)
    return roll(input, shifts, dims)


def fftshift(input, dim=None):
    """The zero frequency moved to the center (a roll by n // 2 along ``dim``)."""
    return _shift(input, dim, 1)


def ifftshift(input, dim=None):
    """The inverse of fftshift (a roll by -(n // 2))."""
    return _shift(input, dim, -1)
