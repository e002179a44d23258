"""Reductions: sum, mean, prod, max/min (values and indices), amax/amin, argmax/argmin, std/var
(and their ``_mean`` forms), all/any, logsumexp, cumsum and norm.

Each op reduces with one NumPy call and records one graph node whose backward is written with
ember ops, so double backward works. ``dim`` may be an int, a tuple/list of ints (an empty one
means every dim) or None; a 0-d tensor accepts dim 0 and -1. Result dtypes follow PyTorch: sum,
prod and cumsum of bool or integer tensors give int64; mean, std, var, logsumexp and norm need
(or, for logsumexp, produce) floating point; all/any give bool (uint8 for uint8 input).

Example:
    >>> x = ember.tensor([[1., 5.], [7., 2.]], requires_grad=True)
    >>> x.sum(1)                  # tensor([6., 9.], grad_fn=<SumBackward1>)
    >>> ember.max(x, dim=1)       # torch.return_types.max(values=tensor([5., 7.]), indices=tensor([1, 0]))
"""
import operator
import warnings
import numpy as np
from .. import _dtype as D
from .. import return_types as _rt
from .._tensor import Tensor, _wrap, _gm
from ._core import record, backward_op, as_array
from .._backend import array_module
from ._core import type_name as _cap, finish as _finish
from ..amp import autocast_mode as _amp  # (autocast: the float32-list ops)

__all__ = ['sum', 'mean', 'prod', 'max', 'min', 'amax', 'amin', 'argmax', 'argmin', 'std', 'var', 'std_mean',
           'var_mean', 'all', 'any', 'logsumexp', 'cumsum', 'norm']

_default = D._default
_builtin_max = max


class _NoDim:
    """The default of ``dim``: "not given", which torch treats as another overload (a full
    reduction recorded as e.g. SumBackward0 rather than SumBackward1)."""
    __slots__ = ()

    def __repr__(self):
        return 'None'


_NODIM = _NoDim()
_INT = (int, np.integer)


# ---------------------------------------------------------------- helpers
def _dims(dim, ndim, fname):
    """Reduced dims as a sorted tuple of non-negative ints; None means every dim."""
    if dim is None:
        return None
    if isinstance(dim, _INT) and not isinstance(dim, bool):
        n = ndim if ndim else 1
        if dim < -n or dim >= n:
            raise IndexError(f'Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})')
        return (dim + n if dim < 0 else int(dim),)
    if isinstance(dim, (tuple, list)):
        if len(dim) == 0:
            return None
        n = ndim if ndim else 1
        out = []
        for i, d in enumerate(dim):
            try:
                d = operator.index(d)
            except TypeError:
                raise TypeError(f"{fname}(): argument 'dim' must be tuple of ints, but found element of type "
                                f'{type(d).__name__} at pos {i}') from None
            if d < -n or d >= n:
                raise IndexError(f'Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {d})')
            w = d + n if d < 0 else d
            if w in out:
                raise RuntimeError(f'dim {w} appears multiple times in the list of dims')
            out.append(w)
        return tuple(sorted(out))
    if isinstance(dim, Tensor) and dim._data.ndim == 0 and dim.dtype._cat == 1:
        return _dims(int(dim), ndim, fname)
    raise TypeError(f"{fname}(): argument 'dim' must be tuple of ints, not {type(dim).__name__}")


def _axis(dims, ndim):
    """The NumPy axis for reduced ``dims`` (None: all dims, and always for a 0-d array)."""
    if dims is None or ndim == 0:
        return None
    return dims


def _kshape(shape, dims):
    """The keepdim shape: reduced dims become 1."""
    if dims is None:
        return (1,) * len(shape)
    return tuple(1 if i in dims else s for i, s in enumerate(shape))


def _count(shape, dims):
    n = 1
    for i, s in enumerate(shape):
        if dims is None or i in dims:
            n *= s
    return n


def _expand_back(g, shape, kshape, dt):
    """A gradient of the reduced output, made the input's shape (and dtype) again."""
    if g._data.shape != kshape:
        g = g.reshape(kshape)
    if kshape != shape:
        g = g.expand(shape)
    if g.dtype is not dt:
        g = g.to(dt)
    return g


def _to_kshape(t, kshape):
    return t if t._data.shape == kshape else t.reshape(kshape)


def _no_keepdim(fname):
    return TypeError(f'{fname}() received an invalid combination of arguments - got (keepdim=bool, ), but expected '
                     'one of: keepdim needs dim')


def _check_dtype_arg(dtype, fname, input=None):
    if dtype is not None and not isinstance(dtype, D.dtype):
        raise TypeError(f"{fname}(): argument 'dtype' must be torch.dtype, not {type(dtype).__name__}")
    if input is not None and dtype._cat < 2 and input._rg and _gm.enabled:
        raise RuntimeError(f'Autograd not support dtype: {_cap(dtype)}')


def _acc(npd):
    """Accumulation dtype: float16 sums in float32, as torch does on the CPU."""
    return np.float32 if npd == np.float16 else npd


def _where(cond, a, b):
    from .pointwise import where
    return where(cond, a, b)


# ---------------------------------------------------------------- sum / mean
@backward_op('SumBackward0')
def _sum0_bw(node, g):
    shape, kshape, dt = node._args
    return (_expand_back(g, shape, kshape, dt),)


@backward_op('SumBackward1')
def _sum1_bw(node, g):
    shape, kshape, dt = node._args
    return (_expand_back(g, shape, kshape, dt),)


def _sum_dtype(input, dtype, fname):
    """The result dtype of sum/prod/cumsum: ``dtype`` if given, else bool and integers give int64."""
    if dtype is None:
        return D.int64 if input.dtype._cat < 2 else input.dtype
    _check_dtype_arg(dtype, fname, input)
    return dtype


def sum(input, dim=_NODIM, keepdim=False, *, dtype=None, out=None):
    """Sum over ``dim`` (all dims by default). Bool and integer tensors sum to int64.

    Example: ``ember.tensor([[1, 2], [3, 4]]).sum(0)`` is ``tensor([4, 6])``."""
    x = input._data
    dt = _sum_dtype(input, dtype, 'sum')
    if dtype is not None and x.dtype is not dt.np:
        x = x.astype(dt.np)
    if dim is _NODIM:
        if keepdim:
            raise _no_keepdim('sum')
        dims = None
        r = x.sum(dtype=_acc(dt.np))
    else:
        dims = _dims(dim, x.ndim, 'sum')
        r = x.sum(axis=_axis(dims, x.ndim), dtype=_acc(dt.np), keepdims=keepdim)
    if type(r) is not np.ndarray:
        r = as_array(r)
    if r.dtype is not dt.np:
        r = r.astype(dt.np)
    t = _wrap(r, dt, input._device)
    if _gm.enabled and input._rg:
        record(_sum0_bw if dim is _NODIM else _sum1_bw, t, (input,), (),
               (x.shape, _kshape(x.shape, dims), input.dtype))
    return _finish(t, out)


@backward_op('MeanBackward0')
def _mean0_bw(node, g):
    shape, kshape, dt, n = node._args
    return (_expand_back(g / n, shape, kshape, dt),)


@backward_op('MeanBackward1')
def _mean1_bw(node, g):
    shape, kshape, dt, n = node._args
    return (_expand_back(g / n, shape, kshape, dt),)


def mean(input, dim=_NODIM, keepdim=False, *, dtype=None, out=None):
    """Arithmetic mean over ``dim``; needs a floating input or a floating ``dtype``."""
    x = input._data
    if dtype is None:
        dt = input.dtype
        if dt._cat < 2:
            raise RuntimeError('mean(): could not infer output dtype. Input dtype must be either a floating point or '
                               f'complex dtype. Got: {_cap(dt)}')
    else:
        _check_dtype_arg(dtype, 'mean')
        dt = dtype
        if dt._cat < 2:
            raise RuntimeError('mean(): could not infer output dtype. Optional dtype must be either a floating point '
                               f'or complex dtype. Got: {_cap(dt)}')
        if x.dtype is not dt.np:
            x = x.astype(dt.np)
    dims = None if dim is _NODIM else _dims(dim, x.ndim, 'mean')
    n = _count(x.shape, dims) if x.ndim else 1
    if dim is _NODIM and keepdim:
        raise _no_keepdim('mean')
    r = as_array(np.true_divide(x.sum(axis=_axis(dims, x.ndim), dtype=_acc(dt.np), keepdims=keepdim), n))
    if r.dtype is not dt.np:
        r = r.astype(dt.np)
    t = _wrap(r, dt, input._device)
    if _gm.enabled and input._rg:
        record(_mean0_bw if dim is _NODIM else _mean1_bw, t, (input,), (),
               (x.shape, _kshape(x.shape, dims), input.dtype, n))
    return _finish(t, out)


# ---------------------------------------------------------------- prod
def _prod_grad(g, x, dims, shape, kshape, dt):
    """d prod / d x_i = product of the other elements, exact where some are zero."""
    gk = _expand_back(g, shape, kshape, g.dtype) if g._data.shape != kshape else g
    if x.dtype is not g.dtype:
        x = x.to(g.dtype)
    z = x == 0
    xs = _where(z, 1., x)
    if dims is None:
        pn = xs.prod()
        cz = z.sum()
    else:
        d = dims[0]
        pn = xs.prod(d, keepdim=True)
        cz = z.sum(d, keepdim=True)
    others = _where(cz == 0, pn / xs, _where(z & (cz == 1), pn, 0.))
    r = gk * others
    if r.dtype is not dt:
        r = r.to(dt)
    return r


@backward_op('ProdBackward0')
def _prod0_bw(node, g):
    (x,) = node.saved()
    shape, kshape, dt = node._args
    return (_prod_grad(g, x, None, shape, kshape, dt),)


@backward_op('ProdBackward1')
def _prod1_bw(node, g):
    (x,) = node.saved()
    dims, shape, kshape, dt = node._args
    if x._data.ndim == 0:
        dims = None
    return (_prod_grad(g, x, dims, shape, kshape, dt),)


def prod(input, dim=_NODIM, keepdim=False, *, dtype=None, out=None):
    """Product of all elements, or along one int ``dim``. Bool and integers give int64."""
    if _amp.active:     # autocast: float16 runs in float32 (ember/amp/autocast_mode.py)
        input, = _amp.higher_op('prod', input, dtype=dtype)
    x = input._data
    dt = _sum_dtype(input, dtype, 'prod')
    if x.dtype is not dt.np:
        x = x.astype(dt.np)
    if dim is _NODIM:
        if keepdim:
            raise _no_keepdim('prod')
        dims = None
        r = x.prod(dtype=_acc(dt.np))
    else:
        if not isinstance(dim, _INT) or isinstance(dim, bool):
            raise TypeError(f'prod() received an invalid combination of arguments - got ({type(dim).__name__}), but '
                            'expected one of:\n * (Tensor input, *, torch.dtype dtype = None)\n'
                            ' * (Tensor input, int dim, bool keepdim = False, *, torch.dtype dtype = None)')
        dims = _dims(dim, x.ndim, 'prod')
        r = x.prod(axis=_axis(dims, x.ndim), dtype=_acc(dt.np), keepdims=keepdim)
    r = as_array(r)
    if r.dtype is not dt.np:
        r = r.astype(dt.np)
    t = _wrap(r, dt, input._device)
    if _gm.enabled and input._rg:
        ks = _kshape(x.shape, dims)
        if dim is _NODIM:
            record(_prod0_bw, t, (input,), (input,), (x.shape, ks, input.dtype))
        else:
            record(_prod1_bw, t, (input,), (input,), (dims, x.shape, ks, input.dtype))
    return _finish(t, out)


# ---------------------------------------------------------------- max / min / amax / amin / argmax / argmin
def _evenly_bw(node, g):
    # full max/min: the gradient is shared evenly among the elements equal to the result
    x, res = node.saved()
    dt = node._args
    mask = (x != x) if bool(res._data != res._data) else (x == res)
    r = _where(mask, g / mask.sum(), 0.)
    return (r if r.dtype is dt else r.to(dt),)


_max_full_bw = backward_op('MaxBackward1')(_evenly_bw)
_min_full_bw = backward_op('MinBackward1')(_evenly_bw)


def _index_bw(node, g):
    # max/min along a dim: the gradient goes to the returned index
    idx, d, shape, kshape, dt = node._args
    if len(shape) == 0:
        return (g if g.dtype is dt else g.to(dt),)
    gk = _to_kshape(g, kshape)
    ar = array_module(idx).arange(shape[d]).reshape([-1 if i == d else 1 for i in range(len(shape))])
    mask = _wrap(ar == idx.reshape(kshape), D.bool_, g._device)
    r = _where(mask, gk, 0.)
    return (r if r.dtype is dt else r.to(dt),)


_max_dim_bw = backward_op('MaxBackward0')(_index_bw)
_min_dim_bw = backward_op('MinBackward0')(_index_bw)


def _amax_bw(node, g):
    x, res = node.saved()
    dims, shape, kshape, dt = node._args
    gk = _to_kshape(g, kshape)
    mask = x == _to_kshape(res, kshape)
    cnt = mask.sum() if dims is None or len(shape) == 0 else mask.sum(dims, keepdim=True)
    r = (gk / cnt) * mask
    return (r if r.dtype is dt else r.to(dt),)


_amax_bw_cls = backward_op('AmaxBackward0')(_amax_bw)
_amin_bw_cls = backward_op('AminBackward0')(_amax_bw)


def _empty_full(fname):
    return RuntimeError(f'{fname}(): Expected reduction dim to be specified for input.numel() == 0. Specify the '
                        "reduction dim with the 'dim' argument.")


def _full_extreme(input, is_max, out):
    x = input._data
    fname = 'max' if is_max else 'min'
    if x.size == 0:
        raise _empty_full(fname)
    r = as_array(x.max() if is_max else x.min())
    t = _wrap(r, input.dtype, input._device)
    if _gm.enabled and input._rg:
        record(_max_full_bw if is_max else _min_full_bw, t, (input,), (input, t), input.dtype)
    return _finish(t, out)


def _dim_extreme(input, dim, keepdim, is_max, out):
    x = input._data
    fname = 'max' if is_max else 'min'
    if not isinstance(dim, _INT) or isinstance(dim, bool):
        raise TypeError(f'{fname}() received an invalid combination of arguments - got ({type(dim).__name__}), but '
                        'expected one of:\n * (Tensor input, *, Tensor out = None)\n'
                        ' * (Tensor input, Tensor other, *, Tensor out = None)\n'
                        ' * (Tensor input, int dim, bool keepdim = False, *, tuple of Tensors out = None)')
    (d,) = _dims(dim, x.ndim, fname)
    if x.ndim == 0:
        vals = x.copy()
        idx = np.zeros_like(x, dtype=np.int64)
    else:
        if x.shape[d] == 0:
            raise IndexError(f'{fname}(): Expected reduction dim {d} to have non-zero size.')
        idx = (x.argmax if is_max else x.argmin)(axis=d, keepdims=True)
        vals = np.take_along_axis(x, idx, axis=d)
        if not keepdim:
            vals = vals.squeeze(d)
            idx = idx.squeeze(d)
        if idx.dtype != np.int64:
            idx = idx.astype(np.int64)
    v = _wrap(vals, input.dtype, input._device)
    i = _wrap(idx, D.int64, input._device)
    if _gm.enabled and input._rg:
        ks = _kshape(x.shape, (d,))
        record(_max_dim_bw if is_max else _min_dim_bw, v, (input,), (),
               (idx, d, x.shape, ks, input.dtype))
    res = _rt.max(v, i) if is_max else _rt.min(v, i)
    if out is not None:
        ov, oi = out
        _finish(v, ov)
        _finish(i, oi)
        return (_rt.max_out if is_max else _rt.min_out)(ov, oi)
    return res


def _max_min(input, dim, keepdim, other, out, is_max):
    if other is not None:
        dim = other
    if isinstance(input, Tensor) and input.dtype._cat == 3 and not isinstance(dim, Tensor):
        name = 'max' if is_max else 'min'
        if dim is _NODIM:
            _refuse_complex(input, f'{name}_all')
        _refuse_complex(input, runtime=f'{name}(): does not support complex input')
    if isinstance(dim, Tensor):
        from .pointwise import maximum, minimum
        return (maximum if is_max else minimum)(input, dim, out=out)
    if dim is _NODIM:
        return _full_extreme(input, is_max, out)
    return _dim_extreme(input, dim, keepdim, is_max, out)


def _refuse_complex(input, kernel=None, runtime=None):
    """torch's refusal of a complex input for an op that orders values: NotImplementedError naming
    ATen's kernel, or a RuntimeError with torch's message."""
    if kernel is not None:
        raise NotImplementedError(f'"{kernel}" not implemented for \'{_cap(input.dtype)}\'')
    raise RuntimeError(runtime)


def max(input, dim=_NODIM, keepdim=False, *, other=None, out=None):
    """``max(x)``: the largest element (NaN if any). ``max(x, dim, keepdim=False)``: a named tuple
    ``(values, indices)`` along ``dim``. ``max(x, y)`` with a tensor ``y``: elementwise maximum."""
    return _max_min(input, dim, keepdim, other, out, True)


def min(input, dim=_NODIM, keepdim=False, *, other=None, out=None):
    """``min(x)``, ``min(x, dim)`` (values, indices) or elementwise ``min(x, y)``; see ``max``."""
    return _max_min(input, dim, keepdim, other, out, False)


def _amaxmin(input, dim, keepdim, out, is_max):
    x = input._data
    if input.dtype._cat == 3:
        _refuse_complex(input, 'max_values_cpu' if is_max else 'min_values_cpu')
    fname = 'amax' if is_max else 'amin'
    dims = _dims(dim, x.ndim, fname)
    if x.size == 0:
        if dims is None:
            raise _empty_full(fname)
        raw = (dim,) if isinstance(dim, _INT) else tuple(dim)
        for d, w in zip(raw, [_dims(r, x.ndim, fname)[0] for r in raw]):
            if x.ndim and x.shape[w] == 0:
                raise IndexError(f'{fname}(): Expected reduction dim {d} to have non-zero size.')
    f = x.max if is_max else x.min
    r = as_array(f(axis=_axis(dims, x.ndim), keepdims=keepdim))
    t = _wrap(r, input.dtype, input._device)
    if _gm.enabled and input._rg:
        record(_amax_bw_cls if is_max else _amin_bw_cls, t, (input,), (input, t),
               (dims, x.shape, _kshape(x.shape, dims), input.dtype))
    return _finish(t, out)


def amax(input, dim=(), keepdim=False, *, out=None):
    """Largest values over ``dim`` (all dims by default); the gradient is shared among ties."""
    return _amaxmin(input, dim, keepdim, out, True)


def amin(input, dim=(), keepdim=False, *, out=None):
    """Smallest values over ``dim`` (all dims by default); the gradient is shared among ties."""
    return _amaxmin(input, dim, keepdim, out, False)


def _arg(input, dim, keepdim, out, is_max):
    x = input._data
    fname = 'argmax' if is_max else 'argmin'
    if input.dtype is D.bool_:
        raise RuntimeError(f'{fname}(): does not support bool input')
    if input.dtype._cat == 3:
        _refuse_complex(input, runtime=f'{fname}(): does not support complex input')
    if dim is None:
        if x.size == 0:
            raise IndexError(f'{fname}(): Expected reduction dim to be specified for input.numel() == 0.')
        r = (x.argmax if is_max else x.argmin)()
        r = as_array(r).astype(np.int64, copy=False)
        if keepdim:
            r = r.reshape((1,) * x.ndim)
    else:
        if not isinstance(dim, _INT) or isinstance(dim, bool):
            raise TypeError(f"{fname}(): argument 'dim' (position 1) must be int, not {type(dim).__name__}")
        (d,) = _dims(dim, x.ndim, fname)
        if x.ndim == 0:
            r = np.zeros_like(x, dtype=np.int64)
        else:
            if x.shape[d] == 0:
                raise IndexError(f'{fname}(): Expected reduction dim {d} to have non-zero size.')
            r = (x.argmax if is_max else x.argmin)(axis=d, keepdims=keepdim)
            r = as_array(r)
            if r.dtype != np.int64:
                r = r.astype(np.int64)
    return _finish(_wrap(r, D.int64, input._device), out)


def argmax(input, dim=None, keepdim=False, *, out=None):
    """Index of the largest value (of the flattened tensor when ``dim`` is None); first of ties, NaN wins."""
    return _arg(input, dim, keepdim, out, True)


def argmin(input, dim=None, keepdim=False, *, out=None):
    """Index of the smallest value; see ``argmax``."""
    return _arg(input, dim, keepdim, out, False)


# ---------------------------------------------------------------- var / std (and _mean)
def _parse_var_args(fname, dim, unbiased, keepdim, correction):
    if isinstance(dim, bool):           # var(x, False): the legacy (input, unbiased) overload
        if unbiased is not None:
            raise TypeError(f'{fname}() received an invalid combination of arguments - got (bool, bool)')
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError(f'{fname}() received an invalid combination of arguments - got (correction=Number, '
                        'unbiased=bool): only one of "unbiased" and "correction" may be given')
    if correction is None:
        correction = 0 if unbiased is not None and not unbiased else 1
    return dim, keepdim, correction


def _var_forward(input, dim, correction, keepdim, fname, opname):
    x = input._data
    if input.dtype._cat < 2:
        raise RuntimeError(f'{fname} only support floating point and complex dtypes')
    dims = _dims(dim, x.ndim, opname)
    ax = _axis(dims, x.ndim)
    n = _count(x.shape, dims) if x.ndim else 1
    acc = _acc(x.dtype)
    s = x.sum(axis=ax, dtype=acc, keepdims=True)
    m = np.true_divide(s, n)
    dev = x - m if acc is x.dtype else x.astype(acc) - m
    ss = np.multiply(dev, dev).sum(axis=ax, keepdims=keepdim)
    dof = n - correction
    if dof <= 0:        # (std_mean/var_mean warn under their own name; their other messages are std's/var's)
        warnings.warn(f'{fname if fname.endswith("_mean") else opname}(): degrees of freedom is <= 0. Correction '
                      'should be strictly less than the reduction '
                      'factor (input numel divided by output numel).', UserWarning, stacklevel=4)
    var = as_array(np.true_divide(ss, _builtin_max(dof, 0)))
    if not keepdim:
        m = m.reshape(var.shape)
    return dims, n, dof, var, as_array(m)


def _var_grad(g, x, dims, shape, kshape, dof):
    """Gradient of var(x) over dims for the reduced-shape gradient g."""
    gk = _to_kshape(g, kshape)
    if len(shape) == 0 or dims is None:
        xm = x.mean()
    else:
        xm = x.mean(dims, keepdim=True)
    if dof <= 0:
        return gk * _where(x == xm, float('nan'), float('inf'))
    return gk * (2.0 / dof) * (x - xm)


def _std_grad(g, x, res, dims, shape, kshape, dof):
    gv = _where(res == 0, 0., g / (res * 2))
    return _var_grad(gv, x, dims, shape, kshape, dof)


@backward_op('VarBackward0')
def _var_bw(node, g):
    (x,) = node.saved()
    dims, shape, kshape, dof = node._args
    return (_var_grad(g, x, dims, shape, kshape, dof),)


@backward_op('StdBackward0')
def _std_bw(node, g):
    x, res = node.saved()
    dims, shape, kshape, dof = node._args
    return (_std_grad(g, x, res, dims, shape, kshape, dof),)


def _mean_part(gm, shape, kshape, n, dt):
    return _expand_back(gm / n, shape, kshape, dt)


@backward_op('VarMeanBackward0', multi_output=True)
def _var_mean_bw(node, *grads):
    (x,) = node.saved()
    dims, shape, kshape, dof, n = node._args
    gv = grads[0] if len(grads) > 0 else None
    gm = grads[1] if len(grads) > 1 else None
    r = None
    if gv is not None:
        r = _var_grad(gv, x, dims, shape, kshape, dof)
    if gm is not None:
        p = _mean_part(gm, shape, kshape, n, x.dtype)
        r = p if r is None else r + p
    return (r,)


@backward_op('StdMeanBackward0', multi_output=True)
def _std_mean_bw(node, *grads):
    x, res = node.saved()
    dims, shape, kshape, dof, n = node._args
    gs = grads[0] if len(grads) > 0 else None
    gm = grads[1] if len(grads) > 1 else None
    r = None
    if gs is not None:
        r = _std_grad(gs, x, res, dims, shape, kshape, dof)
    if gm is not None:
        p = _mean_part(gm, shape, kshape, n, x.dtype)
        r = p if r is None else r + p
    return (r,)


def _complex_var(input, dim, unbiased, keepdim, correction):
    """var of a complex tensor: torch's real result, E|z - mean|^2 with the correction, i.e. the
    variances of the real and imaginary parts added (differentiable through the part views)."""
    return (_var_std(input.real, dim, unbiased, keepdim, correction, None, False) +
            _var_std(input.imag, dim, unbiased, keepdim, correction, None, False))


def _var_std(input, dim, unbiased, keepdim, correction, out, is_std):
    fname = 'std' if is_std else 'var'
    if isinstance(input, Tensor) and input.dtype._cat == 3:
        v = _complex_var(input, dim, unbiased, keepdim, correction)
        return _finish(v.sqrt() if is_std else v, out)
    dim, keepdim, correction = _parse_var_args(fname, dim, unbiased, keepdim, correction)
    dims, n, dof, v, _ = _var_forward(input, dim, correction, keepdim, 'std and var', fname)
    r = np.sqrt(v) if is_std else v
    if r.dtype is not input.dtype.np:
        r = r.astype(input.dtype.np)
    t = _wrap(as_array(r), input.dtype, input._device)
    if _gm.enabled and input._rg:
        shape = input._data.shape
        args = (dims, shape, _kshape(shape, dims), dof)
        if is_std:
            record(_std_bw, t, (input,), (input, t), args)
        else:
            record(_var_bw, t, (input,), (input,), args)
    return _finish(t, out)


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    """Variance over ``dim`` with Bessel's ``correction`` (default 1; ``unbiased=False`` means 0).

    Example: ``ember.tensor([1., 2., 3., 4.]).var()`` is ``tensor(1.6667)``."""
    return _var_std(input, dim, unbiased, keepdim, correction, out, False)


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    """Standard deviation: ``sqrt(var(...))``, same arguments as ``var``."""
    return _var_std(input, dim, unbiased, keepdim, correction, out, True)


def _var_std_mean(input, dim, unbiased, keepdim, correction, is_std):
    fname = 'std_mean' if is_std else 'var_mean'
    if isinstance(input, Tensor) and input.dtype._cat == 3:
        v = _var_std(input, dim, unbiased, keepdim, correction, None, is_std)
        d, kd, _ = _parse_var_args(fname, dim, unbiased, keepdim, correction)
        if d is None:
            m = input.mean()
            return v, (m.reshape((1,) * input.dim()) if kd else m)
        return v, input.mean(d, keepdim=kd)
    dim, keepdim, correction = _parse_var_args(fname, dim, unbiased, keepdim, correction)
    dims, n, dof, v, m = _var_forward(input, dim, correction, keepdim, fname, 'std' if is_std else 'var')
    r = np.sqrt(v) if is_std else v
    dt = input.dtype
    t = _wrap(as_array(r.astype(dt.np, copy=False)), dt, input._device)
    mt = _wrap(as_array(m.astype(dt.np, copy=False)), dt, input._device)
    if _gm.enabled and input._rg:
        shape = input._data.shape
        args = (dims, shape, _kshape(shape, dims), dof, n)
        if is_std:
            record(_std_mean_bw, (t, mt), (input,), (input, t), args)
        else:
            record(_var_mean_bw, (t, mt), (input,), (input,), args)
    return t, mt


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """``(var, mean)`` over ``dim`` in one pass; arguments as ``var``."""
    return _var_std_mean(input, dim, unbiased, keepdim, correction, False)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """``(std, mean)`` over ``dim``; arguments as ``std``."""
    return _var_std_mean(input, dim, unbiased, keepdim, correction, True)


# ---------------------------------------------------------------- all / any
def _all_any(input, dim, keepdim, out, f, fname):
    x = input._data
    dims = _dims(dim, x.ndim, fname)
    r = as_array((x.all if f is np.all else x.any)(axis=_axis(dims, x.ndim), keepdims=keepdim))
    if input.dtype is D.uint8:
        return _finish(_wrap(r.astype(np.uint8), D.uint8, input._device), out)
    return _finish(_wrap(r, D.bool_, input._device), out)


def all(input, dim=None, keepdim=False, *, out=None):
    """True where every element over ``dim`` is nonzero (a uint8 tensor gives uint8)."""
    return _all_any(input, dim, keepdim, out, np.all, 'all')


def any(input, dim=None, keepdim=False, *, out=None):
    """True where some element over ``dim`` is nonzero (a uint8 tensor gives uint8)."""
    return _all_any(input, dim, keepdim, out, np.any, 'any')


# ---------------------------------------------------------------- logsumexp
@backward_op('LogsumexpBackward0')
def _lse_bw(node, g):
    x, res = node.saved()
    kshape, dt = node._args
    r = _to_kshape(g, kshape) * (x - _to_kshape(res, kshape)).exp()
    return (r if r.dtype is dt else r.to(dt),)


def _logsumexp_reduced(x, ax, keepdim, dt):
    """float16/bfloat16 logsumexp as torch's composite computes it: (x - max).exp_(), a sum
    accumulated in float32, .log_().add_(max), each step rounded to the dtype."""
    if dt.np == np.float16:
        def rnd(a):
            return a.astype(np.float16).astype(np.float32)
    else:
        from .._bf16 import round_bf16 as rnd
    xf = x.astype(np.float32)
    m = xf.max(axis=ax, keepdims=True)
    m = np.where(np.isinf(m), np.float32(0), m)
    s = rnd(rnd(np.exp(rnd(xf - m))).sum(axis=ax, keepdims=keepdim, dtype=np.float32))
    return rnd(rnd(np.log(s)) + (m if keepdim or x.ndim == 0 else m.reshape(s.shape)))


def logsumexp(input, dim=_NODIM, keepdim=False, *, out=None):
    """``log(sum(exp(x)))`` over ``dim``, computed without overflow. Integer input gives the
    default float dtype."""
    if dim is _NODIM:
        raise TypeError('logsumexp() missing 1 required positional arguments: "dim"')
    if _amp.active:     # autocast: float16 runs in float32 on CUDA (ember/amp/autocast_mode.py)
        input, = _amp.higher_op('logsumexp', input)
    x = input._data
    dt = input.dtype
    if dt._cat < 2:
        dt = _default[0]
        x = x.astype(dt.np)
    dims = _dims(dim, x.ndim, 'logsumexp')
    if dims is None and not keepdim and x.ndim and isinstance(dim, (tuple, list)):
        raise RuntimeError(f"output with shape [] doesn't match the broadcast shape {[1] * x.ndim}")
    ax = _axis(dims, x.ndim)
    if x.size and dt.itemsize == 2 and dt._cat == 2:
        r = _logsumexp_reduced(x, ax, keepdim, dt)
    elif x.size:
        m = x.max(axis=ax, keepdims=True)
        if not np.isfinite(m).all():
            m = np.where(np.isinf(m), 0, m).astype(x.dtype, copy=False)
        r = np.log(np.exp(x - m).sum(axis=ax, keepdims=keepdim))
        r += m if keepdim or x.ndim == 0 else m.reshape(r.shape)
    else:
        r = np.log(np.exp(x).sum(axis=ax, keepdims=keepdim))
    r = as_array(r).astype(dt.np, copy=False)
    t = _wrap(r, dt, input._device)
    if _gm.enabled and input._rg:
        record(_lse_bw, t, (input,), (input, t), (_kshape(x.shape, dims), input.dtype))
    return _finish(t, out)


# ---------------------------------------------------------------- cumsum
def _rev_cumsum_np(x, d):
    return np.flip(np.cumsum(np.flip(x, d), axis=d), d)


@backward_op('FlipBackward0')
def _rev_cumsum_bw(node, g):
    return (cumsum(g, node._args),)


def _rev_cumsum(g, d):
    """sum_{j >= i} g_j along d (the gradient of cumsum); differentiable."""
    t = _wrap(array_module(g._data).ascontiguousarray(_rev_cumsum_np(g._data, d)), g.dtype, g._device)
    if _gm.enabled and g._rg:
        record(_rev_cumsum_bw, t, (g,), (), d)
    return t


@backward_op('CumsumBackward0')
def _cumsum_bw(node, g):
    d, dt = node._args
    x = g._data
    if x.ndim == 0 or x.size <= 1 or x.shape[d] == 1:
        r = g
    else:
        r = _rev_cumsum(g, d)
    return (r if r.dtype is dt else r.to(dt),)


def cumsum(input, dim=_NODIM, *, dtype=None, out=None):
    """Cumulative sum along ``dim``. Bool and integer tensors give int64 unless ``dtype`` is given."""
    if dim is _NODIM:
        raise TypeError('cumsum() missing 1 required positional arguments: "dim"')
    if _amp.active:     # autocast: float16 runs in float32 on CUDA (ember/amp/autocast_mode.py)
        input, = _amp.higher_op('cumsum', input, dtype=dtype)
    x = input._data
    if dtype is D.bool_:
        raise NotImplementedError('"cumsum_out_cpu" not implemented for \'Bool\'')
    dt = _sum_dtype(input, dtype, 'cumsum')
    if dtype is not None and x.dtype is not dt.np:
        x = x.astype(dt.np)
    (d,) = _dims(dim, x.ndim, 'cumsum') if not isinstance(dim, bool) else (dim,)
    if x.ndim == 0:
        r = x.astype(dt.np, copy=True)
    else:
        r = np.cumsum(x, axis=d, dtype=_acc(dt.np))
        if r.dtype is not dt.np:
            r = r.astype(dt.np)
    t = _wrap(r, dt, input._device)
    if _gm.enabled and input._rg:
        record(_cumsum_bw, t, (input,), (), (d, input.dtype))
    return _finish(t, out)


# ---------------------------------------------------------------- norm
def _ord_str(p):
    if p == float('inf'):
        return 'inf'
    if p == float('-inf'):
        return '-inf'
    return repr(p)


@backward_op('LinalgVectorNormBackward0')
def _vnorm_bw(node, g):
    x, res = node.saved()
    p, dims, kshape, dt = node._args
    if p == 0:
        return (None,)
    from .pointwise import sign
    if x.dtype is not g.dtype:
        x = x.to(g.dtype)
    gk = _to_kshape(g, kshape)
    nk = _to_kshape(res, kshape)
    if p == 1:
        r = sign(x) * gk
    elif p == 2:
        r = gk * _where(nk == 0, 0., x / nk)
    elif p == float('inf') or p == float('-inf'):
        a = x.abs()
        mask = (a == nk) | (a != a)
        cnt = mask.sum() if dims is None or x._data.ndim == 0 else mask.sum(dims, keepdim=True)
        r = sign(x) * ((gk / cnt) * mask)
    elif p < 1:
        scaled = sign(x) * _where(x == 0, 0., x.abs() ** (p - 1))
        r = scaled * gk * nk ** (1 - p)
    elif p < 2:
        scaled = sign(x) * x.abs() ** (p - 1)
        r = scaled * _where(nk == 0, 0., gk / nk ** (p - 1))
    else:
        scaled = x * x.abs() ** (p - 2)
        r = scaled * _where(nk == 0, 0., gk / nk ** (p - 1))
    return (r if r.dtype is dt else r.to(dt),)


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None, out=None):
    """``torch.linalg.vector_norm``: the ``ord``-norm of the elements over ``dim`` (all by default)."""
    input = x
    if _amp.active:     # autocast: float16 runs in float32 on CUDA (ember/amp/autocast_mode.py)
        input, = _amp.higher_op('norm', input, dtype=dtype)
    a = input._data
    if input.dtype._cat < 2:
        raise RuntimeError('linalg.vector_norm: Expected a floating point or complex tensor as input. '
                           f'Got {_cap(input.dtype)}')
    if input.dtype._cat == 3:           # a norm of |z|: real, of the matching real dtype
        return vector_norm(input.abs(), ord, dim, keepdim, dtype=None if dtype is None else dtype.to_real(), out=out)
    dt = input.dtype
    if dtype is not None:
        _check_dtype_arg(dtype, 'linalg_vector_norm')
        if dtype._cat < 2:
            raise RuntimeError(f'linalg.vector_norm: dtype should be floating point or complex, but got {_cap(dtype)}')
        if D.promote_types(dt, dtype) is not dtype:
            raise RuntimeError(f'linalg.vector_norm: the dtype of the input ({_cap(dt)}) should be convertible without '
                               f'narrowing to the specified dtype ({_cap(dtype)})')
        dt = dtype
        if a.dtype is not dt.np:
            a = a.astype(dt.np)
    if isinstance(ord, bool) or not isinstance(ord, (int, float, np.integer, np.floating)):
        raise TypeError(f"linalg_vector_norm(): argument 'ord' must be Number, not {type(ord).__name__}")
    p = float(ord)
    dims = _dims(dim, a.ndim, 'linalg_vector_norm')
    isinf = p == float('inf') or p == float('-inf')
    if a.size == 0 and (isinf or p < 0):
        if dims is None:
            raise RuntimeError(f'linalg.vector_norm cannot compute the {_ord_str(ord)} norm on an empty tensor because '
                               'the operation does not have an identity')
        raw = (dim,) if isinstance(dim, _INT) else tuple(dim)
        for d in raw:
            if a.ndim and a.shape[_dims(d, a.ndim, 'linalg_vector_norm')[0]] == 0:
                raise RuntimeError(f'linalg.vector_norm cannot compute the {_ord_str(ord)} norm on the dimension {d}'
                                   'because this dimension is empty and the operation does not have an identity')
    ax = _axis(dims, a.ndim)
    acc = _acc(a.dtype)
    if p == 2:
        s = np.multiply(a, a, dtype=acc).sum(axis=ax, keepdims=keepdim)
        r = np.sqrt(s)
    elif p == 1:
        r = np.abs(a).sum(axis=ax, dtype=acc, keepdims=keepdim)
    elif p == float('inf'):
        r = np.abs(a).max(axis=ax, keepdims=keepdim)
    elif p == float('-inf'):
        r = np.abs(a).min(axis=ax, keepdims=keepdim)
    elif p == 0:
        r = (a != 0).sum(axis=ax, dtype=acc, keepdims=keepdim)
    else:
        r = np.power(np.power(np.abs(a).astype(acc, copy=False), p).sum(axis=ax, keepdims=keepdim), 1.0 / p)
    r = as_array(r).astype(dt.np, copy=False)
    t = _wrap(r, dt, input._device)
    if _gm.enabled and input._rg:
        record(_vnorm_bw, t, (input,), (input, t), (p, dims, _kshape(a.shape, dims), input.dtype))
    return _finish(t, out)


def norm(input, p='fro', dim=None, keepdim=False, out=None, dtype=None):
    """``torch.norm``: the vector ``p``-norm over ``dim`` (all elements by default); 'fro' is the
    2-norm. Supported ``p``: any number, inf, -inf, 'fro'. Example: ``ember.tensor([3., 4.]).norm()``
    is ``tensor(5.)``."""
    if isinstance(p, str):
        if p == 'fro' and (dim is None or isinstance(dim, _INT) or len(dim) <= 2):
            return vector_norm(input, 2, dim, keepdim, dtype=dtype, out=out)
        dims = list(range(input._data.ndim)) if dim is None else ([dim] if isinstance(dim, _INT) else list(dim))
        if p not in ('fro', 'nuc'):
            raise RuntimeError(f'linalg.matrix_norm: Order {p} not supported.')
        if len(dims) != 2:
            raise RuntimeError(f'linalg.matrix_norm: dim must be a 2-tuple. Got {" ".join(str(d) for d in dims)}')
        raise NotImplementedError("ember: the nuclear norm (p='nuc') is not implemented")
    return vector_norm(input, 2.0 if p is None else p, dim, keepdim, dtype=dtype, out=out)
