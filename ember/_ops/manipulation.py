"""Shape and index manipulation: flip, roll, rot90, repeat, repeat_interleave, tile, movedim,
gather/scatter (and their _add/_reduce forms), index_select/add/copy/fill, masked_select/scatter,
take, take_along_dim, meshgrid, broadcast_tensors, diag, diag_embed, diagonal (a view), trace,
tril/triu and their index forms.

Each forward is a few vectorised NumPy calls; each backward is written with ember ops (gather and
scatter_add are each other's backward, as are index_select and index_add), so double backward works.

Example:
    >>> x = ember.arange(6.).view(2, 3)
    >>> x.gather(1, ember.tensor([[2], [0]]))     # tensor([[2.], [3.]])
"""
import warnings
import numpy as np
from .._backend import is_host as _is_host  # (a recorded host array too: ember.compile)
from .._backend import widened_scatter, add_rows_in_rounds
from .. import _dtype as D
from .._tensor import Tensor, _wrap, _gm, _wrap_dim
from ._core import record, backward_op, norm_dims, finish, parse_size, broadcast_shapes_or_raise, grad_for
from ._core import type_name as _cap
from .shape import make_view, permute
from ..amp import autocast_mode as _amp
from .._backend import array_module as _xp, as_strided as _as_strided, asarray_like as _like, is_device_array as _is_dev

__all__ = ['flip', 'fliplr', 'flipud', 'roll', 'rot90', 'repeat_interleave', 'tile', 'movedim', 'moveaxis', 'gather',
           'scatter', 'scatter_add', 'scatter_reduce', 'index_select', 'index_add', 'index_reduce', 'index_copy',
           'index_fill',
           'masked_select', 'masked_scatter', 'take', 'take_along_dim', 'meshgrid', 'broadcast_tensors', 'diag',
           'diag_embed', 'diagonal', 'trace', 'tril', 'triu', 'tril_indices', 'triu_indices']


from ._core import needs_grad as _ng  # noqa: E402  (grad mode on and some tensor requires grad)


def _c(a, dtype=None):
    """``a`` as a C-contiguous array owning its memory (0-d stays 0-d, unlike np.ascontiguousarray)."""
    if _is_host(a):
        if dtype is not None:
            a = a.astype(dtype, copy=False)
    elif _is_dev(a):                            # a device array (CuPy has no implicit conversion)
        if dtype is not None:
            a = a.astype(dtype, copy=False)
    else:
        a = np.asarray(a, dtype=dtype)
    return a if a.flags.c_contiguous and a.flags.owndata else a.copy(order='C')


def _new(arr, like):
    return _wrap(_c(arr), like.dtype, like._device)


def _zeros(shape, like):
    return _wrap(_xp(like._data).zeros(shape, like._data.dtype), like.dtype, like._device)


def _same_device(input, *others):
    """torch's error for a tensor argument (index, src, mask) on another device than ``input``."""
    for o in others:
        if isinstance(o, Tensor) and o._device is not input._device:
            from ._core import check_device
            check_device(input, o)


def _ufunc_at(ufunc, r, idx, v):
    """``ufunc.at(r, idx, v)`` (unbuffered: repeated indices all apply) on either backend."""
    if _is_host(r):
        if ufunc is np.add and type(idx) is np.ndarray and idx.ndim == 1 and r.ndim and r.flags.c_contiguous and \
                type(v) is np.ndarray and v.shape == idx.shape + r.shape[1:] and idx.size >= 64 and idx.min() >= 0 \
                and add_rows_in_rounds(r.reshape(r.shape[0], -1), idx, v.reshape(idx.size, -1)):
            return      # (whole rows added in rounds, in order of occurrence: add.at's sums, not its speed)
        ufunc.at(r, idx, v)
        return
    import cupyx
    v = np.broadcast_to(v, r[idx].shape) if hasattr(v, 'shape') else v
    if ufunc is not np.multiply and widened_scatter('add' if ufunc is np.add else 'max', r, idx, v,
                                                    lambda w, i, x: _ufunc_at(ufunc, w, i, x)):
        return
    if ufunc is np.add:
        cupyx.scatter_add(r, idx, v)
    elif ufunc is np.maximum:
        cupyx.scatter_max(r, idx, v)
    elif ufunc is np.minimum:
        cupyx.scatter_min(r, idx, v)
    else:       # multiply: no CuPy kernel; apply the first pending occurrence of each target per round
        xp = _xp(r)
        lin = xp.ravel_multi_index(tuple(np.broadcast_to(a, r[idx].shape) for a in
                                         np.broadcast_arrays(*idx)), r.shape).reshape(-1) if type(idx) is tuple \
            else idx.reshape(-1)
        vals = np.broadcast_to(v, lin.shape if type(idx) is not tuple else r[idx].shape).reshape(-1)
        flat = r.reshape(-1)                    # r is C-contiguous (a fresh copy) here
        while lin.size:
            u, first = xp.unique(lin, return_index=True)
            flat[u] = ufunc(flat[u], vals[first])
            keep = xp.ones(lin.shape, bool)
            keep[first] = False
            lin, vals = lin[keep], vals[keep]


def _cast(g, dt):
    return g if g.dtype is dt or dt._cat < 2 else g.to(dt)


# ---------------------------------------------------------------- flip / roll / rot90
@backward_op('FlipBackward0')
def _flip_bw(node, g):
    return (flip(g, node._args),)


def flip(input, dims):
    dims = norm_dims((dims,) if isinstance(dims, (int, np.integer)) else dims, input._data.ndim)
    t = _new(np.flip(input._data, dims) if dims and input._data.ndim else input._data.copy(), input)
    if _ng(input):
        record(_flip_bw, t, (input,), (), dims)
    return t


def fliplr(input):
    if input._data.ndim < 2:
        raise RuntimeError('Input must be >= 2-d.')
    return flip(input, (1,))


def flipud(input):
    if input._data.ndim < 1:
        raise RuntimeError('Input must be >= 1-d.')
    return flip(input, (0,))


@backward_op('RollBackward0')
def _roll_bw(node, g):
    shifts, dims = node._args
    return (roll(g, tuple(-s for s in shifts), dims),)


def roll(input, shifts, dims=None):
    shifts = (shifts,) if isinstance(shifts, (int, np.integer)) else tuple(shifts)
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(f'shifts and dimensions must align. shifts: {len(shifts)}, dims:0')
        r = np.roll(input._data.reshape(-1), shifts[0]).reshape(input._data.shape)
        ndims = None
    else:
        dims = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
        if len(shifts) != len(dims):
            raise RuntimeError(f'shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}')
        if input._data.ndim == 0:
            raise IndexError(f'Dimension specified as {dims[0]} but tensor has no dimensions')
        ndims = tuple(_wrap_dim(d, input._data.ndim) for d in dims)
        r = np.roll(input._data, shifts, ndims) if input._data.ndim else input._data.copy()
    t = _new(r, input)
    if _ng(input):
        record(_roll_bw, t, (input,), (), (shifts, ndims))
    return t


@backward_op('Rot90Backward0')
def _rot90_bw(node, g):
    k, dims = node._args
    return (rot90(g, -k, dims),)


def rot90(input, k=1, dims=(0, 1)):
    dims = tuple(dims)
    nd = input._data.ndim
    if len(dims) != 2:
        raise RuntimeError(f'expected total rotation dims == 2, but got dims = {len(dims)}')
    if nd < 2:
        raise RuntimeError(f'expected total dims >= 2, but got total dims = {nd}')
    a, b = _wrap_dim(dims[0], nd), _wrap_dim(dims[1], nd)
    if a == b:
        raise RuntimeError(f'expected rotation dims to be different, but got dim0 = {a} and dim1 = {b}')
    t = _new(np.rot90(input._data, k, (a, b)), input)
    if _ng(input):
        record(_rot90_bw, t, (input,), (), (k, (a, b)))
    return t


# ---------------------------------------------------------------- repeat / tile / repeat_interleave / movedim
@backward_op('RepeatBackward0')
def _repeat_bw(node, g):
    reps, shape = node._args
    lead = len(reps) - len(shape)
    full = (1,) * lead + tuple(shape)
    inter, sdims = [], []
    for i, (r, s) in enumerate(zip(reps, full)):
        if r != 1:
            sdims.append(len(inter))
            inter.append(r)
        inter.append(s)
    if sdims:
        g = g.reshape(inter).sum(sdims)
    return (g.reshape(shape),)


def repeat(self, *sizes):
    reps = parse_size(sizes, 'repeat')
    x = self._data
    if len(reps) < x.ndim:
        raise RuntimeError('Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor')
    t = _new(np.tile(x.reshape((1,) * (len(reps) - x.ndim) + x.shape), reps), self)
    if _ng(self):
        record(_repeat_bw, t, (self,), (), (reps, x.shape))
    return t


def tile(input, *args, **kwargs):
    """``tile(x, dims)``; as a method also ``x.tile(2, 1)`` (dims as separate ints)."""
    dims = kwargs.pop('dims') if 'dims' in kwargs else (args[0] if len(args) == 1 else args)
    if kwargs:
        raise TypeError(f"tile() got an unexpected keyword argument '{next(iter(kwargs))}'")
    dims = (int(dims),) if isinstance(dims, (int, np.integer)) else tuple(dims)
    nd = input._data.ndim
    if len(dims) < nd:
        dims = (1,) * (nd - len(dims)) + dims
    return repeat(input, dims)


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    if repeats is None:              # repeat_interleave(repeats): indices repeated
        r = input._data
        if r.ndim > 1:
            raise RuntimeError('repeat_interleave only accept 1D vector as repeat')
        if input.dtype not in (D.int64, D.int32):
            raise NotImplementedError(f'"repeat_interleave_cpu" not implemented for \'{_cap(input.dtype)}\'')
        if r.size and r.min() < 0:
            raise RuntimeError('repeats can not be negative')
        return _wrap(_repeat_arange(r.reshape(-1), r.size).astype(r.dtype, copy=False), input.dtype, input._device)
    x = input
    if dim is None:
        x = x.reshape(-1)
        d = 0
    else:
        d = _wrap_dim(dim, x._data.ndim)
    if x._data.ndim == 0:
        x = x.reshape(1)
    n = x._data.shape[d]
    if isinstance(repeats, Tensor):
        if repeats._data.ndim > 1:
            raise RuntimeError('repeats must be 0-dim or 1-dim tensor')
        if repeats.dtype not in (D.int64, D.int32):
            raise NotImplementedError(f'"repeat_interleave_cpu" not implemented for \'{_cap(repeats.dtype)}\'')
        if repeats._data.ndim == 0:
            repeats = int(repeats)
    if isinstance(repeats, (int, np.integer)):
        if repeats < 0:
            raise RuntimeError('repeats can not be negative')
        shp = x._data.shape
        e = x.unsqueeze(d + 1).expand(shp[:d + 1] + (int(repeats),) + shp[d + 1:]).contiguous()
        return e.view(shp[:d] + (n * int(repeats),) + shp[d + 1:])
    r = repeats._data
    if r.ndim != 1:
        raise RuntimeError('repeat_interleave only accept 1D vector as repeat')
    if r.shape[0] != n:
        raise RuntimeError(f'repeats must have the same size as input along dim, but got repeats.size(0) = '
                           f'{r.shape[0]} and input.size({d}) = {n}')
    if r.size and r.min() < 0:
        raise RuntimeError('repeats can not be negative')
    _same_device(input, repeats)
    idx = _wrap(_repeat_arange(r, n).astype(np.int64, copy=False), D.int64, input._device)
    return index_select(x, d, idx)


def _repeat_arange(r, n):
    """``repeat(arange(n), r)``: CuPy's repeat takes no array of repeats, so on the device each
    output position finds its source by a search in the running total."""
    if _is_host(r):
        return np.repeat(np.arange(n, dtype=r.dtype), r)
    xp = _xp(r)
    c = xp.cumsum(r)
    total = int(c[-1]) if n else 0              # the output's length (one synchronisation)
    return xp.searchsorted(c, xp.arange(total), side='right')


def movedim(input, source, destination):
    nd = input._data.ndim
    if isinstance(source, (int, np.integer)) != isinstance(destination, (int, np.integer)):
        raise TypeError(f'movedim() received an invalid combination of arguments - got '
                        f'({type(source).__name__}, {type(destination).__name__}), but expected one of:\n'
                        ' * (int source, int destination)\n * (tuple of ints source, tuple of ints destination)')
    src = (source,) if isinstance(source, (int, np.integer)) else tuple(source)
    dst = (destination,) if isinstance(destination, (int, np.integer)) else tuple(destination)
    if len(src) != len(dst):
        raise RuntimeError(f'movedim: Invalid source or destination dims: source ({list(src)} dims) should contain '
                           f'the same number of dims as destination ({list(dst)} dims)')
    ws, wd = tuple(_wrap_dim(int(k), nd) for k in src), tuple(_wrap_dim(int(k), nd) for k in dst)
    for name, given, w in (('source', src, ws), ('destination', dst, wd)):
        if len(set(w)) != len(w):
            raise RuntimeError(f'movedim: repeated dim in `{name}` ({list(given)})')
    src, dst = ws, wd
    if not nd:
        return permute(input, ())
    perm = [-1] * nd
    for s, d in zip(src, dst):
        perm[d] = s
    rest = iter(i for i in range(nd) if i not in src)
    perm = [p if p >= 0 else next(rest) for p in perm]
    return permute(input, tuple(perm)) if nd else permute(input, ())


moveaxis = movedim


# ---------------------------------------------------------------- gather / scatter
def _check_index(index, fname, vector=False):
    if not isinstance(index, Tensor):
        raise TypeError(f"{fname}(): argument 'index' must be Tensor, not {type(index).__name__}")
    if index.dtype is not D.int64 and index.dtype is not D.int32:
        raise RuntimeError(f'{fname}(): Expected dtype int32 or int64 for index' if vector else
                           f'{fname}(): Expected dtype int32/int64 for index')


def _gs_check(x, dim, idx, fname, src=None):
    """torch's shape/range checks of gather/scatter; returns (dim, index array)."""
    nd = max(x.ndim, 1)
    d = _wrap_dim(dim, x.ndim)
    i = idx._data
    if i.ndim != x.ndim and not (i.ndim <= 1 and x.ndim <= 1):
        raise RuntimeError('Index tensor must have the same number of dimensions as '
                           + ('input tensor' if fname == 'gather' else 'self tensor'))
    if src is not None and i.ndim != src.ndim and not (i.ndim <= 1 and src.ndim <= 1):
        raise RuntimeError('Index tensor must have the same number of dimensions as src tensor')
    xs = x.shape if x.ndim else (1,)
    ish = i.shape if i.ndim else (1,)
    if i.size:
        for k in range(nd):
            if k != d and ish[k] > xs[k]:
                raise RuntimeError(f'Size does not match at dimension {k} expected index {list(i.shape)} to be no larger '
                                   f'than self {list(x.shape)} apart from dimension {d}')
            if src is not None and ish[k] > (src.shape if src.ndim else (1,))[k]:
                raise RuntimeError(f'Expected index {list(i.shape)} to be no larger than self {list(x.shape)} apart '
                                   f'from dimension {d} and to be no larger size than src {list(src.shape)}')
        bad = (i < 0) | (i >= xs[d])
        if bad.any():
            raise RuntimeError(f'index {int(i[bad].reshape(-1)[0])} is out of bounds for dimension {d} with size {xs[d]}')
    return d, i


def _full_index(i, d):
    """The tuple of index arrays addressing self at (index along d, position elsewhere)."""
    if not i.ndim:
        return (i,)
    xp = _xp(i)
    grids = [xp.arange(n).reshape((1,) * k + (n,) + (1,) * (i.ndim - k - 1)) for k, n in enumerate(i.shape)]
    grids[d] = i
    return tuple(grids)


def _crop(a, shape):
    return a[tuple(slice(0, s) for s in shape)] if a.ndim else a


@backward_op('GatherBackward0')
def _gather_bw(node, g):
    (index,) = node.saved()
    d, shape, dt = node._args
    return (_cast(scatter_add(_zeros(shape, g), d, index, g), dt),)


def gather(input, dim, index, *, sparse_grad=False, out=None):
    _same_device(input, index)
    _check_index(index, 'gather')
    x = input._data
    d, i = _gs_check(x, dim, index, 'gather')
    if x.ndim == 0:
        r = np.broadcast_to(x, i.shape).copy()
    else:
        crop = [slice(0, s) if k != d else slice(None) for k, s in enumerate(i.shape)]
        r = np.take_along_axis(x[tuple(crop)], i.reshape(i.shape) if i.ndim else i.reshape(1), d).reshape(i.shape)
    t = _new(r, input)
    if _ng(input):
        record(_gather_bw, t, (input,), (index,), (d, x.shape, input.dtype))
    return finish(t, out)


def _scatter_np(x, d, i, v, how):
    r = x.copy()
    if r.ndim == 0:
        r = r.reshape(1)
        i = i.reshape(-1)
        if not hasattr(v, 'ndim') or v.ndim == 0:
            v = np.broadcast_to(_like(v, r, r.dtype), i.shape)
        else:
            v = v.reshape(-1)
    if _is_host(v) and not _is_host(r):
        v = _like(v, r)
    if hasattr(v, 'ndim') and v.ndim:
        v = _crop(v, i.shape)
    if i.size:
        idx = _full_index(i.reshape(i.shape) if i.ndim else i.reshape(1), d)
        if how is None:
            r[idx] = v
        elif how == 'add':
            _ufunc_at(np.add, r, idx, np.broadcast_to(v, i.shape))
        elif how == 'multiply':
            _ufunc_at(np.multiply, r, idx, np.broadcast_to(v, i.shape))
        elif how == 'amax':
            _ufunc_at(np.maximum, r, idx, np.broadcast_to(v, i.shape))
        elif how == 'amin':
            _ufunc_at(np.minimum, r, idx, np.broadcast_to(v, i.shape))
    return r.reshape(x.shape)


def _pad_to(g, shape, name='ScatterBackward0'):
    """The src gradient (the index's shape); torch's engine refuses it when src is larger."""
    if tuple(g.shape) != tuple(shape):
        raise RuntimeError(f'Function {name} returned an invalid gradient at index 1 - got {list(g.shape)} but '
                           f'expected shape compatible with {list(shape)}')
    return g


@backward_op('ScatterBackward0')
def _scatter_src_bw(node, g):
    (index,) = node.saved()
    d, sshape, dt, sdt = node._args
    ns, nv = node.next_functions
    gs = scatter(g, d, index, 0) if ns[0] is not None else None
    gv = _cast(_pad_to(gather(g, d, index), sshape), sdt) if nv[0] is not None else None
    return gs, gv


@backward_op('ScatterBackward1')
def _scatter_val_bw(node, g):
    (index,) = node.saved()
    return (scatter(g, node._args, index, 0),)


@backward_op('NotImplemented')
def _not_impl_bw(node, g):
    raise RuntimeError('the derivative for \'scatter\' with \'reduce\' is not implemented')


def scatter(input, dim, index, src=None, value=None, *, reduce=None, out=None):
    _same_device(input, index, src)
    if src is None:
        src = value
    _check_index(index, 'scatter')
    x = input._data
    is_t = isinstance(src, Tensor)
    d, i = _gs_check(x, dim, index, 'scatter', src._data if is_t else None)
    if is_t:
        if src.dtype is not input.dtype:
            raise RuntimeError(f'scatter(): Expected self.dtype to be equal to src.dtype')
        if reduce is not None:
            from ._core import warn_once
            warn_once('The reduce argument of torch.scatter with Tensor src is deprecated and will be removed in a '
                      'future PyTorch release. Use torch.scatter_reduce instead for more reduction options.', stacklevel=4)
    if reduce is not None and reduce not in ('add', 'multiply'):
        raise RuntimeError('reduce argument must be either add or multiply.')
    if is_t:
        v = src._data
    else:
        v = np.asarray(src).astype(x.dtype)
    t = _new(_scatter_np(x, d, i, v, reduce), input)
    if _ng(input, src):
        if reduce is not None:
            record(_not_impl_bw, t, (input, src) if is_t else (input,), (), None)
        elif is_t:
            record(_scatter_src_bw, t, (input, src), (index,), (d, src._data.shape, input.dtype, src.dtype))
        else:
            record(_scatter_val_bw, t, (input,), (index,), d)
    return finish(t, out)


@backward_op('ScatterAddBackward0')
def _scatter_add_bw(node, g):
    (index,) = node.saved()
    d, sshape = node._args
    ns, nv = node.next_functions
    gv = _pad_to(gather(g, d, index), sshape, 'ScatterAddBackward0') if nv[0] is not None else None
    return (g if ns[0] is not None else None), gv


def scatter_add(input, dim, index, src, *, out=None):
    _same_device(input, index, src)
    _check_index(index, 'scatter_add')
    x = input._data
    d, i = _gs_check(x, dim, index, 'scatter_add', src._data)
    if src.dtype is not input.dtype:
        raise RuntimeError('scatter(): Expected self.dtype to be equal to src.dtype')
    t = _new(_scatter_np(x, d, i, src._data, 'add'), input)
    if _ng(input, src):
        record(_scatter_add_bw, t, (input, src), (index,), (d, src._data.shape))
    return finish(t, out)


_REDUCES = ('sum', 'prod', 'mean', 'amax', 'amin')


@backward_op('ScatterReduceBackward0')
def _scatter_reduce_bw(node, g):
    from .pointwise import where
    x, index, src, res = node.saved()
    d, reduce, include_self = node._args
    if reduce == 'sum':
        gs, gv = g, gather(g, d, index)
    elif reduce == 'mean':
        n = (x.new_ones if include_self else x.new_zeros)(x.shape)
        n = scatter_add(n, d, index, src.new_ones(src.shape))
        n = n.masked_fill(n == 0, 1)
        gs = g / n
        gv = gather(gs, d, index)
    elif reduce == 'prod':
        mself = x.masked_fill(x == 0, 1)
        mres = scatter_reduce(mself, d, index, src, 'prod', include_self=include_self)
        gs = g * mres / mself
        szero = src == 0
        nz = gather(scatter_add(x.new_zeros(x.shape), d, index, szero.to(x.dtype)), d, index)
        single = szero & (nz == 1)
        msrc = src.masked_fill(single, 1)
        mres2 = scatter_reduce(x, d, index, msrc, 'prod', include_self=include_self)
        gv = where(single, gather(g * mres2, d, index), gather(g * res, d, index) / src.masked_fill(szero, 1))
    else:
        val = gather(res, d, index)
        sir = (x == res).to(x.dtype)
        srcr = (src == val).to(x.dtype)
        ndist = scatter_add(sir, d, index, srcr)
        gd = g / ndist
        gs = sir * gd
        gv = srcr * gather(gd, d, index)
    if not include_self:
        gs = scatter(gs, d, index, 0)
    return gs, _pad_to(gv, src.shape, 'ScatterReduceBackward0')


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True, out=None):
    _same_device(input, index, src)
    _check_index(index, 'scatter_reduce')
    reduce = {'max': 'amax', 'min': 'amin'}.get(reduce, reduce)
    if reduce not in _REDUCES:
        raise RuntimeError(f'reduce argument must be either sum, prod, mean, amax or amin, got {reduce}')
    x = input._data
    d, i = _gs_check(x, dim, index, 'scatter_reduce', src._data)
    if src.dtype is not input.dtype:
        raise RuntimeError('scatter_reduce(): Expected self.dtype to be equal to src.dtype')
    base = x
    if not include_self and i.size:
        dt = x.dtype
        if reduce in ('sum', 'mean'):
            init = 0
        elif reduce == 'prod':
            init = 1
        elif dt.kind == 'f':
            init = -np.inf if reduce == 'amax' else np.inf
        elif dt.kind == 'b':
            init = reduce == 'amin'
        else:
            init = np.iinfo(dt).min if reduce == 'amax' else np.iinfo(dt).max
        base = _scatter_np(x, d, i, np.asarray(init).astype(dt), None)
    how = {'sum': 'add', 'mean': 'add', 'prod': 'multiply', 'amax': 'amax', 'amin': 'amin'}[reduce]
    r = _scatter_np(base, d, i, src._data, how)
    if reduce == 'mean':
        xp = _xp(x)
        cnt = xp.ones(x.shape, np.int64) if include_self else xp.zeros(x.shape, np.int64)
        cnt = _scatter_np(cnt, d, i, xp.ones(i.shape, np.int64), 'add')
        cnt = np.maximum(cnt, 1)
        r = (r / cnt).astype(x.dtype) if x.dtype.kind == 'f' else (r // cnt).astype(x.dtype)
    t = _new(r, input)
    if _ng(input, src):
        record(_scatter_reduce_bw, t, (input, src), (input, index, src, t), (d, reduce, include_self))
    return finish(t, out)


# ---------------------------------------------------------------- index_select / index_add / index_copy / index_fill
def _idx_vec(index, fname, size, nd):
    """index_select/index_reduce's index as an int64 vector; torch refuses a negative index there."""
    _check_index(index, fname, vector=True)
    i = index._data
    if i.ndim > 1:
        raise IndexError(f'{fname}(): Index is supposed to be a vector')
    i = i.reshape(-1).astype(np.int64, copy=False)
    if i.size and (i.min() < 0 or i.max() >= size):
        raise IndexError('index out of range in self')
    return i


def _first_out_of_bounds(i, lo, size, d, err, prefix=''):
    """Raise ``err`` naming the first index outside [lo, size) of dim ``d``, as torch's kernels do."""
    bad = (i < lo) | (i >= size)
    if i.size and bad.any():
        raise err(f'{prefix}index {int(i[bad][0])} is out of bounds for dimension {d} with size {size}')


def _index_add_checks(input, d, index, source, fname):
    """torch's checks of index_add/index_reduce (index_func_meta_impl), in its order; the int64 index vector."""
    x, i = input._data, index._data
    if i.ndim > 1:
        raise IndexError(f'{fname}_(): Index is supposed to be a vector, but got dim: {i.ndim} with type: '
                         f'{_cap(index.dtype)} and size: {list(i.shape)}')
    if index.dtype is not D.int64 and index.dtype is not D.int32:
        raise RuntimeError(f'{fname}_(): Expected dtype int32/int64 for index but got: {_cap(index.dtype)}')
    if source.dtype is not input.dtype:
        raise RuntimeError(f'{fname}_(): self ({_cap(input.dtype)}) and source ({_cap(source.dtype)}) must have the '
                           'same scalar type')
    s = source._data
    if d != 0 and d >= s.ndim:
        raise RuntimeError(f'{fname}_(): Indexing dim {d} is out of bounds of the source tensor with dim {s.ndim}')
    if i.size != (s.shape[d] if s.ndim else 1):
        raise RuntimeError(f'{fname}_(): Number of indices ({i.size}) should be equal to source.size(dim): '
                           f'({s.shape[d]}), for dim: {d}')
    xs, ss = list(x.shape), list(s.shape)
    if x.ndim and s.ndim:
        del xs[d], ss[d]
    if xs != ss:
        raise RuntimeError('source tensor shape must match self tensor shape, excluding the specified dimension. Got '
                           f'self.shape = {list(x.shape)} source.shape = {list(s.shape)}')
    return i.reshape(-1).astype(np.int64, copy=False)


@backward_op('IndexSelectBackward0')
def _index_select_bw(node, g):
    (index,) = node.saved()
    d, shape, dt = node._args
    return (_cast(index_add(_zeros(shape, g), d, index, g), dt),)


def index_select(input, dim, index, *, out=None):
    _same_device(input, index)
    x = input._data
    d = _wrap_dim(dim, x.ndim)
    xs = x if x.ndim else x.reshape(1)
    if x.ndim == 0 and index._data.size != 1:
        raise RuntimeError(f'index_select(): Index to scalar can have only 1 value, got {index._data.size} value(s)')
    i = _idx_vec(index, 'index_select', xs.shape[d], x.ndim)
    r = np.take(xs, i, axis=d)
    if x.ndim == 0:
        r = r.reshape(())
    t = _new(r, input)
    if _ng(input):
        record(_index_select_bw, t, (input,), (index,), (d, x.shape, input.dtype))
    return finish(t, out)


@backward_op('IndexAddBackward0')
def _index_add_bw(node, g):
    (index,) = node.saved()
    d, alpha, sshape = node._args
    ns, nv = node.next_functions
    gv = None
    if nv[0] is not None:
        gv = index_select(g, d, index) if g._data.ndim else g.reshape(1)
        if alpha != 1:
            gv = gv * alpha
        gv = gv.reshape(sshape)
    return (g if ns[0] is not None else None), gv


def index_add(input, dim, index, source, *, alpha=1, out=None):
    _same_device(input, index, source)
    x = input._data
    d = _wrap_dim(dim, x.ndim)
    xs = x if x.ndim else x.reshape(1)
    i = _index_add_checks(input, d, index, source, 'index_add')
    _first_out_of_bounds(i, 0, xs.shape[d], d, RuntimeError)       # (torch refuses a negative index here)
    r = xs.copy()
    s = source._data.reshape(xs.shape[:d] + (len(i),) + xs.shape[d + 1:])
    if alpha != 1:
        s = (s * alpha).astype(x.dtype)
    _ufunc_at(np.add, np.moveaxis(r, d, 0), i, np.moveaxis(s, d, 0))
    t = _new(r.reshape(x.shape), input)
    if _ng(input, source):
        record(_index_add_bw, t, (input, source), (index,), (d, alpha, source._data.shape))
    return finish(t, out)


def index_reduce(input, dim, index, source, reduce, *, include_self=True, out=None):
    """torch.index_reduce: reduce rows of ``source`` into ``input`` at ``index`` along ``dim`` (GNN max/mean
    pooling); a scatter_reduce with the index vector spread over source's shape."""
    if reduce not in ('prod', 'mean', 'amax', 'amin'):
        raise RuntimeError(f'index_reduce(): Expected reduce to be one of prod, mean, amax or amin but got {reduce}.')
    _same_device(input, index, source)
    x = input._data
    d = _wrap_dim(dim, x.ndim)
    xs = x if x.ndim else x.reshape(1)
    i = _index_add_checks(input, d, index, source, 'index_reduce')
    from ._core import warn_once
    warn_once('index_reduce() is in beta and the API may change at any time.', stacklevel=4)
    if i.size and (i.min() < 0 or i.max() >= xs.shape[d]):
        raise IndexError('index out of range in self')
    src = source if source._data.ndim == x.ndim else source.reshape(x.shape[:d] + (len(i),) + x.shape[d + 1:])
    idx = index.reshape((1,) * d + (-1,) + (1,) * (x.ndim - d - 1)).expand(src.shape)
    t = scatter_reduce(input.detach(), d, idx, src.detach(), reduce, include_self=include_self)
    if _ng(input, src):
        record(_index_reduce_bw, t, (input, src), (input, idx, src, t), (d, reduce, include_self))
    return finish(t, out)


from ..autograd.graph import node_class as _node_class  # noqa: E402
_index_reduce_bw = _node_class('IndexReduceBackward0', _scatter_reduce_bw._backward)


@backward_op('IndexCopyBackward0')
def _index_copy_bw(node, g):
    (index,) = node.saved()
    d, sshape = node._args
    ns, nv = node.next_functions
    gs = index_fill(g, d, index, 0) if ns[0] is not None else None
    gv = (index_select(g, d, index) if g._data.ndim else g.reshape(1)).reshape(sshape) if nv[0] is not None else None
    return gs, gv


def index_copy(input, dim, index, source, *, out=None):
    _same_device(input, index, source)
    x = input._data
    d = _wrap_dim(dim, x.ndim)
    xs = x if x.ndim else x.reshape(1)
    # torch's checks (index_copy_meta), in its order
    i, sd = index._data, source._data
    if i.ndim > 1:
        raise IndexError(f'index_copy_(): Index should have dimension 1 or 0 (got {i.ndim})')
    if sd.ndim == 0 and i.size != 1:
        raise IndexError(f'index_copy_(): When source is scalar, index should have one element (got {i.size})')
    if sd.ndim != x.ndim and sd.ndim and x.ndim:
        raise IndexError('index_copy_(): When source and destination are not scalars, their dimensionality must '
                         f'match. Source dimensionality ({sd.ndim}), destination dimensionality ({x.ndim})')
    if index.dtype is not D.int64:
        raise RuntimeError(f'index_copy_(): Expected a long tensor for index, but got {_cap(index.dtype)}')
    if source.dtype is not input.dtype:
        raise RuntimeError(f'index_copy_(): self and source expected to have the same dtype, but got (self) '
                           f'{_cap(input.dtype)} and (source) {_cap(source.dtype)}')
    xsl, ssl = list(x.shape), list(sd.shape)
    if xsl:
        del xsl[d]
    if ssl:
        del ssl[d]
    if xsl != ssl:
        raise RuntimeError(f'index_copy_(): Source/destination tensor must have same slice shapes. Destination slice '
                           f'shape: {" ".join(map(str, xsl))} at dimension {d} and source slice shape: '
                           f'{" ".join(map(str, ssl))} at dimension 0.')
    if sd.ndim and i.size != sd.shape[d]:
        raise IndexError(f'index_copy_(): Number of indices ({i.size}) should be equal to source.size(dim) '
                         f'({sd.shape[d]})')
    i = i.reshape(-1)
    _first_out_of_bounds(i, 0, xs.shape[d], d, IndexError, 'index_copy_(): ')   # (no negative index either)
    r = xs.copy()
    s = source._data.reshape(xs.shape[:d] + (len(i),) + xs.shape[d + 1:])
    np.moveaxis(r, d, 0)[i] = np.moveaxis(s, d, 0)
    t = _new(r.reshape(x.shape), input)
    if _ng(input, source):
        record(_index_copy_bw, t, (input, source), (index,), (d, source._data.shape))
    return finish(t, out)


@backward_op('IndexFillBackward0')
def _index_fill_bw(node, g):
    (index,) = node.saved()
    return (index_fill(g, node._args, index, 0),)


@backward_op('IndexFillBackward1')
def _index_fill1_bw(node, g):
    (index,) = node.saved()
    d = node._args
    ns, nv = node.next_functions
    gs = index_fill(g, d, index, 0) if ns[0] is not None else None
    gv = (index_select(g, d, index) if g._data.ndim else g).sum() if nv[0] is not None else None
    return gs, gv


def index_fill(input, dim, index, value):
    _same_device(input, index)
    x = input._data
    d = _wrap_dim(dim, x.ndim)
    xs = x if x.ndim else x.reshape(1)
    if index.dtype is not D.int64:
        raise IndexError('index_fill_(): Expected dtype int64 for index.')
    i = index._data
    if i.ndim > 1:
        raise RuntimeError('Index has to be a vector/scalar')
    i = i.reshape(-1)
    _first_out_of_bounds(i, -xs.shape[d], xs.shape[d], d, IndexError)    # (a negative index counts from the end)
    i = np.where(i < 0, i + xs.shape[d], i)
    is_t = isinstance(value, Tensor)
    if is_t and value._data.ndim:
        raise RuntimeError(f'index_fill_ only supports a 0-dimensional value tensor, but got tensor with '
                           f'{value._data.ndim} dimension(s).')
    r = xs.copy()
    np.moveaxis(r, d, 0)[i] = value._data if is_t else value
    t = _new(r.reshape(x.shape), input)
    if _ng(input, value):
        if is_t:
            record(_index_fill1_bw, t, (input, value), (index,), d)
        else:
            record(_index_fill_bw, t, (input,), (index,), d)
    return t


# ---------------------------------------------------------------- masked_select / masked_scatter / take
def _check_mask(mask, fname):
    if mask.dtype is not D.bool_:
        raise RuntimeError(f'{fname}: expected BoolTensor for mask')


@backward_op('MaskedSelectBackward0')
def _masked_select_bw(node, g):
    (mask,) = node.saved()
    shape, bshape, dt = node._args
    z = masked_scatter(_zeros(bshape, g), mask.expand(bshape), g)
    return (_cast(grad_for(z, shape, dt), dt),)


def masked_select(input, mask, *, out=None):
    _same_device(input, mask)
    _check_mask(mask, 'masked_select')
    bs = broadcast_shapes_or_raise(mask._data.shape, input._data.shape)   # (torch's message names the mask 'a')
    r = np.broadcast_to(input._data, bs)[np.broadcast_to(mask._data, bs)]
    t = _new(r, input)
    if _ng(input):
        record(_masked_select_bw, t, (input,), (mask,), (input._data.shape, bs, input.dtype))
    return finish(t, out)


@backward_op('MaskedScatterBackward0')
def _masked_scatter_bw(node, g):
    (mask,) = node.saved()
    sshape, = node._args
    ns, nv = node.next_functions
    m = mask.expand(g.shape)
    gs = g.masked_fill(m, 0) if ns[0] is not None else None
    gv = None
    if nv[0] is not None:
        sel = masked_select(g, m)
        n = int(np.prod(sshape))
        if sel.shape[0] < n:
            from .shape import cat
            sel = cat([sel, _zeros((n - sel.shape[0],), g)])
        gv = sel.reshape(sshape)
    return gs, gv


def masked_scatter(input, mask, source):
    _same_device(input, mask, source)
    _check_mask(mask, 'masked_scatter_')
    if source.dtype is not input.dtype:
        raise RuntimeError(f'masked_scatter: expected self and source to have same dtypes but got '
                           f'{_cap(input.dtype)} and {_cap(source.dtype)}')
    bs = broadcast_shapes_or_raise(mask._data.shape, input._data.shape)   # (torch's message names the mask 'a')
    m = np.broadcast_to(mask._data, bs)
    n = int(m.sum())
    s = source._data.reshape(-1)
    if s.size < n:
        raise RuntimeError('Number of elements of source < number of ones in mask')
    r = np.broadcast_to(input._data, bs).copy()
    r[m] = s[:n]
    t = _new(r, input)
    if _ng(input, source):
        record(_masked_scatter_bw, t, (input, source), (mask,), (source._data.shape,))
    return t


@backward_op('TakeBackward0')
def _take_bw(node, g):
    (idx,) = node.saved()
    shape, dt = node._args
    n = int(np.prod(shape))
    z = index_add(_zeros((n,), g), 0, idx, g.reshape(-1))
    return (_cast(z.reshape(shape), dt),)


def take(input, index, *, out=None):
    _same_device(input, index)
    if index.dtype is not D.int64:
        raise RuntimeError(f'take(): Expected a long tensor for index, but got {_cap(index.dtype)}')
    x = input._data
    n = x.size
    i = index._data
    if i.size:
        bad = (i < -n) | (i >= n)
        if bad.any():
            raise IndexError(f'out of range: tried to access index {int(i[bad].flat[0])} on a tensor of {n} elements.')
    i = np.where(i < 0, i + n, i)
    t = _new(x.reshape(-1)[i], input)
    if _ng(input):
        record(_take_bw, t, (input,), (_wrap(i.reshape(-1), D.int64, input._device),), (x.shape, input.dtype))
    return finish(t, out)


def take_along_dim(input, indices, dim=None, *, out=None):
    _same_device(input, indices)
    if indices.dtype not in (D.int64,):
        raise RuntimeError(f'torch.take_along_dim(): dtype of indices should be int64 but got {_cap(indices.dtype)}')
    if dim is None:
        return finish(gather(input.view(-1), 0, indices.view(-1)), out)
    x, i = input._data, indices._data
    d = _wrap_dim(dim, x.ndim)
    if x.ndim != i.ndim:
        raise RuntimeError(f'torch.take_along_dim(): input and indices should have the same number of dimensions, '
                           f'but got {x.ndim} dimensions for input, and {i.ndim} dimensions for indices')
    xs, is_ = list(x.shape), list(i.shape)
    xs[d] = is_[d] = 1
    bs = list(broadcast_shapes_or_raise(tuple(xs), tuple(is_)))
    bx, bi = list(bs), list(bs)
    bx[d], bi[d] = x.shape[d], i.shape[d]
    return finish(gather(input.expand(bx), d, indices.expand(bi)), out)


# ---------------------------------------------------------------- meshgrid / broadcast_tensors
def meshgrid(*tensors, indexing=None):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        from .shape import _warn_once
        _warn_once('torch.meshgrid: in an upcoming release, it will be required to pass the indexing argument.')
        indexing = 'ij'
    if indexing not in ('ij', 'xy'):
        raise RuntimeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: {indexing}')
    if not tensors:
        raise RuntimeError('torch.meshgrid expects a non-empty TensorList')
    for t in tensors:
        if t._data.ndim > 1:
            raise RuntimeError(f'torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: {t}')
    ts = list(tensors)
    swap = indexing == 'xy' and len(ts) >= 2
    if swap:
        ts[0], ts[1] = ts[1], ts[0]
    shape = tuple(t._data.size for t in ts)
    out = []
    for k, t in enumerate(ts):
        s = [1] * len(ts)
        s[k] = -1
        out.append(t.reshape(s).expand(shape))
    if swap:
        out[0], out[1] = out[1], out[0]
    return tuple(out)


def broadcast_tensors(*tensors):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    shape = ()
    for t in tensors:
        shape = broadcast_shapes_or_raise(shape, t._data.shape)
    return tuple(t if t._data.shape == shape else t.expand(shape) for t in tensors)


# ---------------------------------------------------------------- diagonal family
def _diag_view(a, offset, d1, d2):
    """A writable strided view of the diagonal of ``a`` over dims (d1, d2), as the last dim."""
    b = np.moveaxis(a, (d1, d2), (-2, -1))
    b = b[..., :, offset:] if offset >= 0 else b[..., -offset:, :]
    n = max(0, min(b.shape[-2], b.shape[-1]))
    return _as_strided(b, b.shape[:-2] + (n,), b.strides[:-2] + (b.strides[-2] + b.strides[-1],))


def _diag_args(nd, offset, dim1, dim2):
    d1, d2 = _wrap_dim(dim1, nd), _wrap_dim(dim2, nd)
    if d1 == d2:
        raise RuntimeError(f'diagonal dimensions cannot be identical {dim1}, {dim2}')
    return d1, d2


@backward_op('DiagonalBackwardBackward0')
def _diag_scatter_bw(node, g):
    offset, d1, d2 = node._args[1:]
    return (diagonal(g, offset, d1, d2),)


def _diag_scatter(g, shape, offset, d1, d2):
    """zeros of ``shape`` with ``g`` on the diagonal (torch's diagonal_backward); differentiable."""
    z = _xp(g._data).zeros(shape, g._data.dtype)
    _diag_view(z, offset, d1, d2)[...] = g._data
    t = _wrap(z, g.dtype, g._device)
    if _ng(g):
        record(_diag_scatter_bw, t, (g,), (), (shape, offset, d1, d2))
    return t


def _diagonal_bw(node, g):
    shape, offset, d1, d2, dt = node._args
    return (_cast(_diag_scatter(g, shape, offset, d1, d2), dt),)


_diagonal_bw_cls = backward_op('DiagonalBackward0')(_diagonal_bw)
_diagonal_copy_bw_cls = backward_op('DiagonalBackward0_copy')(_diagonal_bw)


def diagonal(input, offset=0, dim1=0, dim2=1):
    x = input._data
    if x.ndim < 2:
        raise RuntimeError(f'diagonal dimensions cannot be identical {dim1}, {dim2}') if x.ndim < 1 else \
            IndexError(f'Dimension out of range (expected to be in range of [-1, 0], but got {dim2 if dim2 not in (0, -1) else dim1})')
    d1, d2 = _diag_args(x.ndim, offset, dim1, dim2)
    return make_view(input, _diag_view(x, offset, d1, d2), _diagonal_bw_cls, (x.shape, offset, d1, d2, input.dtype),
                     ('diagonal', (offset, d1, d2)))


@backward_op('DiagEmbedBackward0')
def _diag_embed_bw(node, g):
    offset, d1, d2 = node._args
    return (diagonal(g, offset, d1, d2),)


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    x = input._data
    nd = x.ndim + 1
    d1, d2 = _diag_args(nd, offset, dim1, dim2)
    n = (x.shape[-1] if x.ndim else 1) + abs(offset)
    shape = list(x.shape[:-1])
    for k in sorted((d1, d2)):
        shape.insert(k, n)
    z = _xp(x).zeros(shape, x.dtype)
    _diag_view(z, offset, d1, d2)[...] = x
    t = _wrap(z, input.dtype, input._device)
    if _ng(input):
        record(_diag_embed_bw, t, (input,), (), (offset, d1, d2))
    return t


def diag(input, diagonal=0, *, out=None):
    nd = input._data.ndim
    if nd == 1:
        return finish(diag_embed(input, diagonal, 0, 1), out)
    if nd != 2:
        raise RuntimeError(f'diag(): Supports 1D or 2D tensors. Got {nd}D')
    x = input._data
    t = _new(_diag_view(x, diagonal, 0, 1), input)
    if _ng(input):
        record(_diagonal_copy_bw_cls, t, (input,), (), (x.shape, diagonal, 0, 1, input.dtype))
    return finish(t, out)


@backward_op('TraceBackward0')
def _trace_bw(node, g):
    shape, dt = node._args
    eye = _xp(g._data).zeros(shape, g._data.dtype)
    _diag_view(eye, 0, 0, 1)[...] = 1
    return (_cast(g * _wrap(eye, g.dtype, g._device), dt),)


def trace(input):
    if _amp.active:     # autocast: on torch's CPU "float32" list
        input, = _amp.higher_op('trace', input)
    x = input._data
    if x.ndim != 2:
        raise RuntimeError(f'trace: expected a matrix, but got tensor with dim {x.ndim}')
    dt = D.int64 if input.dtype._cat < 2 else input.dtype
    r = np.trace(x)
    t = _wrap(np.asarray(r, dtype=dt.np) if _is_host(x) else r.astype(dt.np), dt, input._device)
    if _ng(input):
        record(_trace_bw, t, (input,), (), (x.shape, input.dtype))
    return t


@backward_op('TrilBackward0')
def _tril_bw(node, g):
    return (tril(g, node._args),)


@backward_op('TriuBackward0')
def _triu_bw(node, g):
    return (triu(g, node._args),)


def _tri(input, diagonal, out, lower):
    x = input._data
    name = 'tril' if lower else 'triu'
    if x.ndim < 2:
        raise RuntimeError(f'{name}: input tensor must have at least 2 dimensions')
    t = _new((np.tril if lower else np.triu)(x, diagonal), input)
    if _ng(input):
        record(_tril_bw if lower else _triu_bw, t, (input,), (), diagonal)
    return finish(t, out)


def tril(input, diagonal=0, *, out=None):
    return _tri(input, diagonal, out, True)


def triu(input, diagonal=0, *, out=None):
    return _tri(input, diagonal, out, False)


def _tri_indices(row, col, offset, dtype, device, lower):
    from .._device import CPU, as_device
    if row < 0 or col < 0:
        raise RuntimeError(f'row must be non-negative, got{row}' if row < 0 else f'col must be non-negative, got{col}')
    dtype = dtype or D.int64
    r, c = (np.tril_indices if lower else np.triu_indices)(row, offset, col)
    dev = as_device(device)
    r = np.stack([r, c]).astype(dtype.np).reshape(2, -1)
    if dev.type != 'cpu':
        from .._backend import to_device
        r = to_device(r, dev)
    return _wrap(r, dtype, dev)


def tril_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    return _tri_indices(row, col, offset, dtype, device, True)


def triu_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    return _tri_indices(row, col, offset, dtype, device, False)
