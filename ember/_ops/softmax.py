"""softmax and log_softmax along one dim (``torch.softmax``, ``Tensor.log_softmax``, and the
kernels of ``nn.functional.softmax/log_softmax/softmin/cross_entropy``).

The forward is one stable NumPy pass (the max is subtracted before ``exp``); each records one
node, SoftmaxBackward0 / LogSoftmaxBackward0, that saves the output and differentiates with
ember ops (so double backward works), or on the bare arrays when no graph is being built.
``dtype``: the input is cast to it first (integer inputs need it, as in torch).

Example:
    >>> ember.tensor([[1., 2., 3.]]).softmax(1)      # tensor([[0.0900, 0.2447, 0.6652]])
"""
import numpy as np
from ._core import as_array
from .._tensor import Tensor, _wrap, _gm, _wrap_dim
from ._core import record, backward_op
from ._core import type_name as _cap
from ..amp import autocast_mode as _amp  # (autocast: the float32-list ops)

__all__ = ['softmax', 'log_softmax']


def _prep(input, dim, dtype, kernel):
    if not isinstance(input, Tensor):
        raise TypeError(f"{kernel}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    if dtype is not None and dtype is not input.dtype:
        input = input.to(dtype)
    x = input._data
    if dim is None:
        raise TypeError(f"{kernel}() missing required argument 'dim'")
    d = _wrap_dim(int(dim), x.ndim)
    dt = input.dtype
    if dt._cat != 2:                    # integer, bool, complex: torch has no kernel
        last = x.ndim == 0 or d == x.ndim - 1
        raise NotImplementedError(f'"{kernel}_{"lastdim_" if last else ""}kernel_impl" not implemented for '
                                  f"'{_cap(dt)}'")
    return input, x, (d if x.ndim else None), dt


def _shifted(x, ax):
    """x - max(x) along ax (rows of -inf or +inf give nan, as in torch)."""
    if x.dtype == np.float16:
        x = x.astype(np.float32)
    if x.size == 0:
        return x
    # (ndarray.max/sum are the ufunc reductions behind a Python wrapper: ~0.3 us each)
    if type(x) is not np.ndarray:
        return x - x.max(axis=ax, keepdims=True)
    if ax in (-1, x.ndim - 1) and x.flags.c_contiguous:
        c = x.shape[-1]
        if x.dtype == np.float32 and x.size >= 65536 and 16 <= c <= 96:
            return x - _row_max_f32(x)
        if c <= 48 and x.size >= 32 * c:
            return x - _row_max_short(x)
    return x - _max_reduce(x, ax, None, None, True)


def _row_max_short(x):
    """The max along the short last axis of a C-contiguous array (keepdims), reduced over the
    first axis of a transposed copy: NumPy's float max-reduce pays ~80 ns a row (its per-row
    NaN handling), so rows of up to ~48 elements are faster as that many contiguous passes plus
    the copy: (64, 10) 5.5 -> 1.8 us, (1000, 10) ~100 -> ~10 us. A max is the same in any order."""
    c = x.shape[-1]
    return _max_reduce(x.reshape(-1, c).T.copy(), 0, None, None, False).reshape(x.shape[:-1] + (1,))


_max_reduce, _sum_reduce = np.maximum.reduce, np.add.reduce
_LOW31 = np.int32(0x7fffffff)


def _row_max_f32(x):
    """The max along the last axis of a C-contiguous float32 array (keepdims), through int32
    keys that order as the floats do (a negative float's magnitude bits flipped). NumPy's float
    max-reduce costs ~50 ns a row (NaN handling per row), its int32 one ~20: (8192, 32) 442 -> 266
    us, (4096, 64) 273 -> 165 us; from ~128 elements a row on the float reduce is faster. The same
    max, except that a row holding a NaN whose sign bit is set may give another value than NaN:
    its softmax row is NaN either way (x - max is NaN there, so is the row's sum)."""
    b = x.view(np.int32)
    k = b >> 31
    k &= _LOW31
    k ^= b
    m = _max_reduce(k, -1, None, None, True)
    s = m >> 31
    s &= _LOW31
    m ^= s
    return m.view(np.float32)


# ---------------------------------------------------------------- softmax
@backward_op('SoftmaxBackward0')
def _softmax_bw(node, g):
    (y,) = node.saved()
    ax = node._args
    if _gm.enabled:
        return (y * (g - (g * y).sum(ax if ax is not None else (), keepdim=True)),)
    ga, ya = g._data, y._data
    gy = ga * ya
    r = ya * (ga - (gy.sum(axis=ax, keepdims=True) if ga.ndim else gy))
    return (_wrap(as_array(r).astype(ga.dtype, copy=False), g.dtype, g._device),)


def softmax(input, dim=None, dtype=None, *, _stacklevel=None):
    """exp(x) / sum(exp(x)) along ``dim``; each slice along ``dim`` sums to 1."""
    if _amp.active:     # autocast: float16 runs in float32 on CUDA (ember/amp/autocast_mode.py)
        input, = _amp.higher_op('softmax', input, dtype=dtype)
    input, x, ax, dt = _prep(input, dim, dtype, 'softmax')
    e = np.exp(_shifted(x, ax))
    e /= e.sum(axis=ax, keepdims=True)
    t = _wrap(e.astype(dt.np, copy=False), dt, input._device)
    if _gm.enabled and input._rg:
        record(_softmax_bw, t, (input,), (t,), ax)
    return t


# ---------------------------------------------------------------- log_softmax
@backward_op('LogSoftmaxBackward0')
def _log_softmax_bw(node, g):
    (y,) = node.saved()
    ax = node._args
    if _gm.enabled:
        return (g - y.exp() * g.sum(ax if ax is not None else (), keepdim=True),)
    ga, ya = g._data, y._data
    r = ga - np.exp(ya) * ((_sum_reduce(ga, ax, None, None, True) if type(ga) is np.ndarray else
                            ga.sum(axis=ax, keepdims=True)) if ga.ndim else ga)
    return (_wrap(as_array(r).astype(ga.dtype, copy=False), g.dtype, g._device),)


def log_softmax_array(x, ax):
    """log_softmax of an array along ``ax`` (float16 computed in float32)."""
    s = _shifted(x, ax)
    if s.size == 0:
        return s
    e = np.exp(s)
    return s - np.log(_sum_reduce(e, ax, None, None, True) if type(e) is np.ndarray else e.sum(axis=ax, keepdims=True))


def log_softmax(input, dim=None, dtype=None, *, _stacklevel=None):
    """log(softmax(x)) along ``dim``, computed as x - max - log(sum(exp(x - max)))."""
    if _amp.active:     # autocast: float16 runs in float32 on CUDA (ember/amp/autocast_mode.py)
        input, = _amp.higher_op('log_softmax', input, dtype=dtype)
    input, x, ax, dt = _prep(input, dim, dtype, 'log_softmax')
    r = log_softmax_array(x, ax)
    t = _wrap(as_array(r).astype(dt.np, copy=False), dt, input._device)
    if _gm.enabled and input._rg:
        record(_log_softmax_bw, t, (input,), (t,), ax)
    return t
