"""Shape ops. Views (``view``, ``reshape`` when it can, ``permute``, ``transpose``, ``squeeze``,
``unsqueeze``, ``expand``, ``narrow``, ``select``, ``unbind``, ``split``, ``chunk``, ``flatten``)
share memory and the version counter with their base; ``cat`` and ``stack`` copy.

A view remembers how it was made (``_extra['view']``: parent, method, args) so that an in-place
op on it can be replayed on the base for autograd (see inplace.py).

Example:
    >>> x = ember.arange(6); v = x.view(2, 3); v[0, 0] = 7; x[0]    # tensor(7)
"""
import numpy as np
from .. import _dtype as D
from .._tensor import Tensor, _wrap, _gm, _wrap_dim, Size
from ._core import record, backward_op, norm_dims, parse_size, check_device, as_array
from .._backend import as_strided as _as_strided, array_module


def make_view(src, arr, cls, args, how):
    """A tensor viewing ``arr`` (memory of ``src``), with node ``cls`` when grad is on."""
    v = _wrap(arr, src.dtype, src._device)
    vc = src._vc
    if vc is None:
        vc = src._vc = [0]
    v._vc = vc
    b = src._base
    v._base = src if b is None else b
    e = src._extra
    v._extra = {'view': (src, how), 'inference': True} if e and e.get('inference') else {'view': (src, how)}
    if src._rg:
        if _gm.enabled:
            record(cls, v, (src,), (), args)
        else:       # (torch: a view made under no_grad of a tensor that requires grad still requires grad)
            v._rg = True
    return v


def _infer_shape(shape, numel):
    shape = list(shape)
    neg = [i for i, s in enumerate(shape) if s == -1]
    if len(neg) > 1:
        raise RuntimeError('only one dimension can be inferred')
    for s in shape:
        if s < -1:
            raise RuntimeError(f'invalid shape dimension {s}')
    known = 1
    for s in shape:
        if s != -1:
            known *= s
    if neg:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape[neg[0]] = numel // known
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return tuple(shape)


@backward_op('ViewBackward0')
def _view_bw(node, g):
    return (g.reshape(node._args),)


@backward_op('UnsafeViewBackward0')
def _unsafe_view_bw(node, g):
    return (g.reshape(node._args),)


@backward_op('ReshapeAliasBackward0')
def _reshape_alias_bw(node, g):
    return (g.reshape(node._args),)


def is_standard(a):
    """True when ``a`` has exactly the C-contiguous strides, size-1 axes included."""
    s = a.itemsize
    shp, st = a.shape, a.strides
    for d in range(a.ndim - 1, -1, -1):
        if st[d] != s:
            return False
        s *= shp[d]
    return True


def _view_array(t, shape):
    """``t``'s array viewed with ``shape`` and the strides torch gives (its computeStride), or
    None when no view exists."""
    a = t._data
    if a.flags.c_contiguous and (1 not in a.shape or not a.size or is_standard(a)):
        # contiguous strides in, contiguous strides out (NumPy keeps the strides of an unchanged
        # shape and may keep odd ones of size-1 axes: go through 1-D)
        return a.reshape(-1).reshape(shape) if 1 in shape else a.reshape(shape)
    st = _compute_stride(a.shape, t.stride(), shape)
    if st is None:
        return None
    isz = a.itemsize
    return _as_strided(a, shape, [x * isz for x in st])


def _compute_stride(oldshape, oldstride, newshape):
    """torch's computeStride: strides for viewing (oldshape, oldstride) as newshape, or None."""
    newstride = [0] * len(newshape)
    view_d = len(newshape) - 1
    chunk_base_stride = oldstride[-1]
    tensor_numel = view_numel = 1
    for tensor_d in range(len(oldshape) - 1, -1, -1):
        tensor_numel *= oldshape[tensor_d]
        if tensor_d == 0 or (oldshape[tensor_d - 1] != 1 and
                             oldstride[tensor_d - 1] != tensor_numel * chunk_base_stride):
            while view_d >= 0 and (view_numel < tensor_numel or newshape[view_d] == 1):
                newstride[view_d] = view_numel * chunk_base_stride
                view_numel *= newshape[view_d]
                view_d -= 1
            if view_numel != tensor_numel:
                return None
            if tensor_d > 0:
                chunk_base_stride = oldstride[tensor_d - 1]
                tensor_numel = view_numel = 1
    return None if view_d != -1 else newstride


def view(self, *shape):
    """A view with a new shape; raises if the memory layout does not allow one."""
    if len(shape) == 1 and isinstance(shape[0], D.dtype):
        return _view_dtype(self, shape[0])
    shape = _infer_shape(parse_size(shape, 'view', True), self._data.size)
    arr = _view_array(self, shape)
    if arr is None:
        raise RuntimeError('view size is not compatible with input tensor\'s size and stride (at least one dimension '
                           'spans across two contiguous subspaces). Use .reshape(...) instead.')
    return make_view(self, arr, _view_bw, self._data.shape, ('view', shape))


def _view_dtype(self, dt):
    a = self._data
    if (dt is D.bfloat16) is not (self.dtype is D.bfloat16):
        # (a bfloat16 tensor's memory is float32: ember/_bf16.py)
        raise NotImplementedError(f'ember: view({dt!r}) of a {self.dtype!r} tensor (a bit reinterpretation to or '
                                  'from bfloat16) is not supported; ember stores bfloat16 values as float32')
    if dt.itemsize != self.dtype.itemsize:
        src, dst = self.dtype._legacy[:-6], dt._legacy[:-6]
        if a.ndim == 0:
            raise RuntimeError(f'self.dim() cannot be 0 to view {src} as {dst} (different element sizes)')
        if a.shape[-1] > 1 and a.strides[-1] != a.itemsize:
            raise RuntimeError(f'self.stride(-1) must be 1 to view {src} as {dst} (different element sizes), but got '
                               f'{a.strides[-1] // a.itemsize}')
        ratio = dt.itemsize // self.dtype.itemsize
        if ratio and a.shape[-1] % ratio:
            raise RuntimeError(f'self.size(-1) must be divisible by {ratio} to view {src} as {dst} (different element '
                               f'sizes), but got {a.shape[-1]}')
    # torch's view(dtype) is not differentiable and not an autograd view (no _base, never requires
    # grad); it shares the memory and the version counter
    v = _wrap(a.view(dt.np), dt, self._device)
    vc = self._vc
    if vc is None:
        vc = self._vc = [0]
    v._vc = vc
    return v


def view_as(self, other):
    return view(self, other.shape)


def reshape(input, *shape):
    """A view when the layout allows, else a copy."""
    shape = _infer_shape(parse_size(shape, 'reshape', True), input._data.size)
    arr = _view_array(input, shape)
    if arr is None:
        t = _wrap(np.reshape(input._data, shape), input.dtype, input._device)
        if _gm.enabled and input._rg:
            record(_unsafe_view_bw, t, (input,), (), input._data.shape)
        return t
    # torch views a contiguous input (ViewBackward0), else aliases it with the computed strides
    return make_view(input, arr, _view_bw if input._data.flags.c_contiguous else _reshape_alias_bw,
                     input._data.shape, ('view', shape))


def reshape_as(self, other):
    return reshape(self, other.shape)


def flatten(input, start_dim=0, end_dim=-1):
    nd = input._data.ndim
    if nd == 0:
        return reshape(input, 1)
    s, e = _wrap_dim(start_dim, nd), _wrap_dim(end_dim, nd)
    if s > e:
        raise RuntimeError('flatten() has invalid args: start_dim cannot come after end_dim')
    if s == e:
        return input
    shp = input._data.shape
    n = 1
    for d in shp[s:e + 1]:
        n *= d
    return reshape(input, shp[:s] + (n,) + shp[e + 1:])


def unflatten(input, dim, sizes):
    d = _wrap_dim(dim, input._data.ndim)
    shp = input._data.shape
    sizes = _infer_shape(sizes, shp[d]) if -1 in sizes else tuple(sizes)
    if int(np.prod(sizes)) != shp[d]:
        raise RuntimeError(f'unflatten: Provided sizes {list(sizes)} don\'t multiply up to the size of dim {dim} '
                           f'({shp[d]}) in the input tensor')
    return view(input, shp[:d] + tuple(sizes) + shp[d + 1:])     # splitting one dim always has a view


@backward_op('PermuteBackward0')
def _permute_bw(node, g):
    return (g.permute(tuple(np.argsort(node._args))),)


def permute(input, *dims):
    nd = input._data.ndim
    if not dims:
        raise TypeError('permute() missing 1 required positional arguments: "dims"')
    dims = dims[0] if len(dims) == 1 and not isinstance(dims[0], (int, np.integer)) else dims
    if len(dims) != nd:
        raise RuntimeError(f'permute(sparse_coo): number of dimensions in the tensor input does not match the length '
                           f'of the desired ordering of dimensions i.e. input.dim() = {nd} is not equal to len(dims) = {len(dims)}')
    dims = tuple(_wrap_dim(d, nd) for d in dims)
    if len(set(dims)) != nd:
        raise RuntimeError('permute(): duplicate dims are not allowed.')
    return make_view(input, input._data.transpose(dims), _permute_bw, dims, ('permute', dims))


@backward_op('TransposeBackward0')
def _transpose_bw(node, g):
    a, b = node._args
    return (g.transpose(a, b),)


def transpose(input, dim0, dim1):
    nd = input._data.ndim
    a, b = _wrap_dim(dim0, nd), _wrap_dim(dim1, nd)
    return make_view(input, np.swapaxes(input._data, a, b), _transpose_bw, (a, b), ('transpose', (a, b)))


swapaxes = swapdims = transpose


@backward_op('TBackward0')
def _t_bw(node, g):
    return (g.t(),)


def t(input):
    nd = input._data.ndim
    if nd > 2:
        raise RuntimeError(f't() expects a tensor with <= 2 dimensions, but self is {nd}D')
    return make_view(input, input._data.T, _t_bw, None, ('t', ()))


from ._core import warn_once as _warn_once  # noqa: E402


def T(self):
    nd = self._data.ndim
    if nd != 2:
        _warn_once('Tensor.T is deprecated on 0-D tensors. This function is the identity in these cases.' if nd == 0
                   else 'The use of `x.T` on tensors of dimension other than 2 to reverse their shape is deprecated '
                   'and it will throw an error in a future release. Consider `x.mT` to transpose batches of '
                   'matrices or `x.permute(*torch.arange(x.ndim - 1, -1, -1))` to reverse the dimensions of a '
                   'tensor.')
    return permute(self, tuple(range(nd - 1, -1, -1)))


def mT(self):
    nd = self._data.ndim
    if nd < 2:
        if nd == 0:
            _warn_once('Tensor.mT is deprecated on 0-D tensors. This function is the identity in these cases.')
            return permute(self, ())
        raise RuntimeError(f'tensor.mT is only supported on matrices or batches of matrices. Got {nd}-D tensor.')
    return transpose(self, -2, -1)


def H(self):
    """The conjugate transpose of a matrix (real dtypes: the transpose)."""
    nd = self._data.ndim
    if nd == 0:
        return permute(self, ())
    if nd != 2:
        raise RuntimeError(f'tensor.H is only supported on matrices (2-D tensors). Got {nd}-D tensor.' +
                           (' For batches of matrices, consider using tensor.mH' if nd > 2 else ''))
    return transpose(self, 0, 1)


def mH(self):
    nd = self._data.ndim
    if nd == 0:
        return permute(self, ())
    if nd < 2:
        raise RuntimeError(f'tensor.mH is only supported on matrices or batches of matrices. Got {nd}-D tensor.')
    return transpose(self, -2, -1)


@backward_op('SqueezeBackward0')
def _squeeze0_bw(node, g):
    return (g.reshape(node._args),)


@backward_op('SqueezeBackward1')
def _squeeze1_bw(node, g):
    return (g.reshape(node._args),)


@backward_op('SqueezeBackward2')
def _squeeze2_bw(node, g):
    return (g.reshape(node._args),)


def squeeze(input, dim=None):
    shp = input._data.shape
    if dim is None:
        new = tuple(s for s in shp if s != 1)
        cls = _squeeze0_bw
    else:
        dims = norm_dims(dim, input._data.ndim) if input._data.ndim else ()
        new = tuple(s for i, s in enumerate(shp) if not (i in dims and s == 1))
        cls = _squeeze1_bw if isinstance(dim, (int, np.integer)) else _squeeze2_bw
    if len(new) == len(shp):
        arr = input._data[...]
    else:       # index the squeezed axes with 0: the other axes keep their strides exactly
        arr = input._data[tuple([0 if s == 1 and (dim is None or i in dims) else slice(None)
                                 for i, s in enumerate(shp)] + [Ellipsis])]      # (Ellipsis: a 0-d view, not a scalar)
    return make_view(input, arr, cls, shp, ('squeeze', (dim,)))


@backward_op('UnsqueezeBackward0')
def _unsqueeze_bw(node, g):
    return (g.squeeze(node._args),)


def unsqueeze(input, dim):
    a = input._data
    d = _wrap_dim(dim, a.ndim + 1)
    shp = a.shape
    new = shp[:d] + (1,) + shp[d:]
    if a.flags.c_contiguous and (1 not in shp or is_standard(a)):
        arr = a.reshape(-1).reshape(new)         # torch's strides here are the contiguous ones
    else:                                        # the new axis: size * stride of the axis it precedes
        st = input.stride()
        isz = a.itemsize
        arr = _as_strided(
            a, new, [x * isz for x in st[:d] + ((shp[d] * st[d]) if d < len(shp) else 1,) + st[d:]])
    return make_view(input, arr, _unsqueeze_bw, d, ('unsqueeze', (d,)))


@backward_op('ExpandBackward0')
def _expand_bw(node, g):
    return (sum_to(g, node._args),)


def expand(input, *sizes):
    sizes = parse_size(sizes, 'expand', True)
    shp = input._data.shape
    if len(sizes) < len(shp):
        raise RuntimeError(f'expand(torch.{input.dtype._legacy}{{{list(shp)}}}, size={list(sizes)}): the number of sizes provided '
                           f'({len(sizes)}) must be greater or equal to the number of dimensions in the tensor ({len(shp)})')
    lead = len(sizes) - len(shp)
    target = [0] * len(sizes)
    for i in range(len(sizes) - 1, -1, -1):     # torch reports the rightmost bad dim
        s = sizes[i]
        if i < lead:
            if s == -1:
                raise RuntimeError(f'The expanded size of the tensor (-1) isn\'t allowed in a leading, non-existing dimension {i}')
        else:
            cur = shp[i - lead]
            if s == -1:
                s = cur
            if cur != s and cur != 1:
                raise RuntimeError(f'The expanded size of the tensor ({s}) must match the existing size ({cur}) at '
                                   f'non-singleton dimension {i}.  Target sizes: {list(sizes)}.  Tensor sizes: {list(shp)}')
        target[i] = s
    target = tuple(target)
    # a writable view with stride 0 on the stretched axes (torch lets fill_ and t[i] = v write into
    # it; ops that would write one element twice refuse: inplace.write)
    a = input._data
    st = (0,) * lead + tuple(0 if c == 1 and s != 1 else x for c, s, x in zip(shp, target[lead:], a.strides))
    arr = _as_strided(a, target, st)
    return make_view(input, arr, _expand_bw, shp, ('expand', (target,)))


def expand_as(self, other):
    return expand(self, other.shape)


def broadcast_to(input, shape):
    return expand(input, shape)


@backward_op('SliceBackward0')
def _slice_bw(node, g):
    shape, dim, start, stop, step = node._args
    return (_slice_scatter(g, shape, dim, start, stop, step),)


def _slice_scatter(g, shape, dim, start, stop, step):
    z = zeros(shape, dtype=g.dtype, device=g._device)
    idx = (slice(None),) * dim + (slice(start, stop, step),)
    z[idx] = g
    return z


def narrow(input, dim, start, length):
    nd = input._data.ndim
    if not nd:
        raise RuntimeError('narrow() cannot be applied to a 0-dim tensor.')
    d = _wrap_dim(dim, nd)
    if isinstance(start, Tensor):
        start = int(start)
    size = input._data.shape[d]
    if length < 0:
        raise RuntimeError('narrow(): length must be non-negative.')
    if not -size <= start <= size:
        raise IndexError(f'start out of range (expected to be in range of [{-size}, {size}], but got {start})')
    if start < 0:
        start += size
    if start + length > size:
        raise RuntimeError(f'start ({start}) + length ({length}) exceeds dimension size ({size}).')
    idx = (slice(None),) * d + (slice(start, start + length),)
    return make_view(input, input._data[idx], _slice_bw, (input._data.shape, d, start, start + length, 1),
                     ('narrow', (d, start, length)))


@backward_op('SelectBackward0')
def _select_bw(node, g):
    shape, dim, index = node._args
    z = zeros(shape, dtype=g.dtype, device=g._device)
    z[(slice(None),) * dim + (index,)] = g
    return (z,)


def select(input, dim, index):
    nd = input._data.ndim
    if nd == 0:
        raise IndexError('select() cannot be applied to a 0-dim tensor.')
    d = _wrap_dim(dim, nd)
    size = input._data.shape[d]
    if isinstance(index, Tensor):
        index = int(index)
    if not -size <= index < size:
        raise IndexError(f'select(): index {index} out of range for tensor of size {list(input._data.shape)} at '
                         f'dimension {d}')
    if index < 0:
        index += size
    return make_view(input, input._data[(slice(None),) * d + (index, Ellipsis)], _select_bw, (input._data.shape, d, index),
                     ('select', (d, index)))


@backward_op('UnbindBackward0', multi_output=True)
def _unbind_bw(node, *grads):
    shape, dim = node._args
    sub = shape[:dim] + shape[dim + 1:]
    like = next((g for g in grads if g is not None), None)
    if like is None:
        return (None,)
    grads += (None,) * (shape[dim] - len(grads))      # the engine passes grads up to the last used output
    gs = [g if g is not None else zeros(sub, dtype=like.dtype, device=like._device) for g in grads]
    return (stack(gs, dim),)


def unbind(input, dim=0):
    nd = input._data.ndim
    if nd == 0:
        raise IndexError('Dimension specified as 0 but tensor has no dimensions')
    d = _wrap_dim(dim, nd)
    outs = []
    with _NoGrad():
        for i in range(input._data.shape[d]):
            outs.append(select(input, d, i))
    if _gm.enabled and input._rg:
        record(_unbind_bw, tuple(outs), (input,), (), (input._data.shape, d))
    return tuple(outs)


def _split_backward(node, *grads):
    shape, dim, sizes = node._args
    gs = []
    like = next((g for g in grads if g is not None), None)
    if like is None:
        return (None,)
    grads += (None,) * (len(sizes) - len(grads))      # the engine passes grads up to the last used output
    for g, s in zip(grads, sizes):
        if g is None:
            sh = list(shape)
            sh[dim] = s
            g = zeros(sh, dtype=like.dtype, device=like._device)
        gs.append(g)
    return (cat(gs, dim),)


_split_bw = backward_op('SplitBackward0', multi_output=True)(_split_backward)
_split_sizes_bw = backward_op('SplitWithSizesBackward0', multi_output=True)(_split_backward)


def split(tensor, split_size_or_sections, dim=0):
    """Pieces of ``split_size`` along ``dim`` (the last may be smaller), or of the given sizes."""
    nd = tensor._data.ndim
    d = _wrap_dim(dim, nd)
    n = tensor._data.shape[d]
    if isinstance(split_size_or_sections, (int, np.integer)):
        s = int(split_size_or_sections)
        if s < 0:
            raise RuntimeError(f'split expects split_size be non-negative, but got split_size={s}')
        if s == 0 and n != 0:
            raise RuntimeError(f'split_size can only be 0 if dimension size is 0, but got dimension size of {n}')
        sizes = [min(s, n - i) for i in range(0, n, s)] if n else [0]
        cls = _split_bw
    else:
        sizes = [int(x) for x in split_size_or_sections]
        if sum(sizes) != n:
            raise RuntimeError(f'split_with_sizes expects split_sizes to sum exactly to {n} (input tensor\'s size at '
                               f'dimension {d}), but got split_sizes={sizes}')
        cls = _split_sizes_bw
    outs, start = [], 0
    with _NoGrad():
        for s in sizes:
            outs.append(narrow(tensor, d, start, s))
            start += s
    if _gm.enabled and tensor._rg:
        record(cls, tuple(outs), (tensor,), (), (tensor._data.shape, d, sizes))
    return tuple(outs)


def chunk(input, chunks, dim=0):
    if chunks <= 0:
        raise RuntimeError(f'chunk expects `chunks` to be greater than 0, got: {chunks}')
    d = _wrap_dim(dim, input._data.ndim)
    n = input._data.shape[d]
    size = -(-n // chunks) if n else 0
    if size == 0:
        return split(input, [0] * min(chunks, 1) if n == 0 else [], d) if n else tuple(
            narrow(input, d, 0, 0) for _ in range(chunks))
    return split(input, size, d)


def tensor_split(input, indices_or_sections, dim=0):
    if not input._data.ndim:
        raise RuntimeError('tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims')
    if isinstance(indices_or_sections, Tensor):
        t = indices_or_sections
        if t.dtype is not D.int64:
            raise RuntimeError(f'tensor_split expected tensor_indices_or_sections to have dtype of long, but got '
                               f'{_cap(t.dtype)}')
        if t._data.ndim > 1:
            raise RuntimeError('tensor_split expected tensor_indices_or_sections to be a zero-dimensional or '
                               f'one-dimensional tensor, but got a tensor with {t._data.ndim} dims')
        indices_or_sections = t.tolist()        # a 0-d tensor: a number of sections
    d = _wrap_dim(dim, input._data.ndim)
    n = input._data.shape[d]
    if isinstance(indices_or_sections, (int, np.integer)):
        k = int(indices_or_sections)
        if k <= 0:
            raise RuntimeError(f'number of sections must be larger than 0, got {k}')
        q, r = divmod(n, k)
        bounds = [0]
        for i in range(k):
            bounds.append(bounds[-1] + q + (i < r))
    else:
        # (an index is a slice bound: a negative one counts from the end)
        bounds = [0] + [min(max(int(i) + n if int(i) < 0 else int(i), 0), n) for i in indices_or_sections] + [n]
    # piece k is [bounds[k], bounds[k + 1]), empty when they decrease
    return tuple(narrow(input, d, a, max(b - a, 0)) for a, b in zip(bounds, bounds[1:]))


class _NoGrad:
    def __enter__(self):
        self.prev = _gm.enabled
        _gm.enabled = False

    def __exit__(self, *a):
        _gm.enabled = self.prev


# ---------------------------------------------------------------- cat / stack
@backward_op('CatBackward0')
def _cat_bw(node, g):
    dim, sizes, dtypes = node._args
    outs, start = [], 0
    for s, dt in zip(sizes, dtypes):
        if s is None:       # a skipped legacy empty tensor: an empty gradient of its shape (0,)
            outs.append(zeros((0,), dtype=dt, device=g._device))
            continue
        piece = g.narrow(dim, start, s)
        if piece.dtype is not dt:
            piece = piece.to(dt)
        outs.append(piece)
        start += s
    return tuple(outs)


def _joined_dtype(tensors):
    """The promoted dtype of tensors joined by cat/stack; all must be on the first one's device."""
    t0 = tensors[0]
    dt, dev = t0.dtype, t0._device
    for t in tensors:
        if t.dtype is not dt:
            dt = D.promote_types(dt, t.dtype)
        if t._device is not dev:
            check_device(t0, t)
    return dt


def _joined_layout(r, arrays):
    """NumPy's concatenate keeps its inputs' common memory order (stacked transposes come out
    transposed); torch's cat/stack answer row-major unless the inputs suggest channels-last."""
    from .._tensor import suggest_memory_format
    if all(suggest_memory_format(a) == 'torch.contiguous_format' for a in arrays):
        return array_module(r).ascontiguousarray(r)
    return r


def cat(tensors, dim=0, *, out=None):
    """Join tensors along an existing dim; dtypes promote. Example: ``cat([a, b], 1)``."""
    if isinstance(tensors, Tensor):
        raise TypeError("cat(): argument 'tensors' (position 1) must be tuple of Tensors, not Tensor")
    tensors = list(tensors)
    if not tensors:
        raise ValueError('torch.cat(): expected a non-empty list of Tensors')
    if not all(type(t) is Tensor for t in tensors):
        for i, t in enumerate(tensors):
            if not isinstance(t, Tensor):
                raise TypeError(f'expected Tensor as element {i} in argument 0, but got {type(t).__name__}')
    # legacy: 1-D empty tensors are skipped
    ref = next((t for t in tensors if not (t._data.ndim == 1 and t._data.shape[0] == 0)), tensors[0])
    nd = ref._data.ndim
    if nd == 0:
        raise RuntimeError('zero-dimensional tensor (at position 0) cannot be concatenated')
    d = _wrap_dim(dim, nd)
    dt = _joined_dtype(tensors)
    rs = ref._data.shape
    pre, post = rs[:d], rs[d + 1:]
    arrays, used = [], []
    for i, t in enumerate(tensors):
        a = t._data
        sh = a.shape
        if len(sh) != nd or sh[:d] != pre or sh[d + 1:] != post:
            if len(sh) == 1 and sh[0] == 0 and nd != 1:
                used.append(None)
                continue
            if len(sh) != nd:
                raise RuntimeError(f'Tensors must have same number of dimensions: got {nd} and {a.ndim}')
            for k in range(nd):
                if k != d and sh[k] != rs[k]:
                    raise RuntimeError(f'Sizes of tensors must match except in dimension {d}. Expected size '
                                       f'{rs[k]} but got size {sh[k]} for tensor number {i} in the list.')
        arrays.append(a if t.dtype is dt else a.astype(dt.np))
        used.append(sh[d])
    r = np.concatenate(arrays, axis=d) if arrays else array_module(tensors[0]._data).empty((0,), dt.np)
    if not r.flags.c_contiguous:
        r = _joined_layout(r, arrays)
    res = _wrap(r, dt, tensors[0]._device)
    if _gm.enabled and any(t._rg for t in tensors):
        record(_cat_bw, res, tensors, (), (d, used, [t.dtype for t in tensors]))
    if out is not None:
        return copy_out(out, _check_cat_out(res, out))
    return res


def _check_cat_out(res, out):
    if isinstance(out, Tensor) and res.dtype._cat > out.dtype._cat:
        raise TypeError(f"torch.cat(): input types can't be cast to the desired output type {_cap(out.dtype)}")
    return res


concat = concatenate = cat


@backward_op('StackBackward0')
def _stack_bw(node, g):
    dim, dtypes = node._args
    return tuple(x if x.dtype is dt else x.to(dt) for x, dt in zip(g.unbind(dim), dtypes))


def stack(tensors, dim=0, *, out=None):
    """Join same-shaped tensors along a new dim."""
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError('stack expects a non-empty TensorList')
    s0 = tensors[0]._data.shape
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f'expected Tensor as element {i} in argument 0, but got {type(t).__name__}')
        if t._data.shape != s0:
            raise RuntimeError(f'stack expects each tensor to be equal size, but got {list(s0)} at entry 0 and '
                               f'{list(t._data.shape)} at entry {i}')
    d = _wrap_dim(dim, len(s0) + 1)
    dt = _joined_dtype(tensors)
    arrays = [t._data if t.dtype is dt else t._data.astype(dt.np) for t in tensors]
    if d == 0 and s0 and type(arrays[0]) is np.ndarray:
        # np.stack's own checks and expand_dims cost ~0.4 us an array: along a new first axis the
        # same array is one concatenate seen with the new shape (shapes are equal: checked above)
        r = np.concatenate(arrays).reshape((len(arrays),) + s0)
    else:
        r = np.stack(arrays, axis=d)
    if not r.flags.c_contiguous:
        r = _joined_layout(r, arrays)
    res = _wrap(r, dt, tensors[0]._device)
    if _gm.enabled and any(t._rg for t in tensors):
        record(_stack_bw, res, tensors, (), (d, [t.dtype for t in tensors]))
    if out is not None:
        return copy_out(out, _check_cat_out(res, out))
    return res


def hstack(tensors, *, out=None):
    ts = [t if t.dim() else t.reshape(1) for t in tensors]
    return cat(ts, 0 if ts[0].dim() == 1 else 1, out=out)


def vstack(tensors, *, out=None):
    ts = [t if t.dim() >= 2 else t.reshape(1, -1) for t in tensors]
    return cat(ts, 0, out=out)


# ---------------------------------------------------------------- copy_ and out=
@backward_op('CopyBackwards')
def _copy_bw(node, g):
    shape, dt, dev = node._args
    gs = sum_to(g, shape)
    if gs.dtype is not dt or gs._device is not dev:
        gs = gs.to(device=dev, dtype=dt)
    return (zeros_like(g), gs if dt._cat >= 2 else None)      # self's old value: overwritten


_copy_bw.name = lambda self: 'torch::autograd::CopyBackwards'     # torch's C++ name for this node


def copy_(self, src, non_blocking=False):
    """Copy ``src`` into self (broadcast, cast, across devices)."""
    from .inplace import apply_inplace
    if not isinstance(src, Tensor):
        src = Tensor.__new__  # noqa: keeps the name for the error below
        raise TypeError('copy_(): argument \'other\' must be Tensor')
    return apply_inplace(self, _copy_fn, (src,), {})


def _copy_fn(self, src):
    b = broadcast_shapes_or_raise(self._data.shape, src._data.shape)      # torch's message names the dim
    if b != self._data.shape:
        raise RuntimeError(f"output with shape {list(self._data.shape)} doesn't match the broadcast shape {list(b)}")
    data = src._data if src._device is self._device else (src._host() if self._device.type == 'cpu' else
                                                          src.to(self._device)._data)
    r = np.broadcast_to(data, self._data.shape).astype(self.dtype.np, copy=True)
    t = _wrap(r, self.dtype, self._device)
    if _gm.enabled and (self._rg or src._rg):
        record(_copy_bw, t, (self, src), (), (src._data.shape, src.dtype, src._device))
    return t


def copy_out(out, result):
    """Write ``result`` into the user's ``out=`` tensor, resizing it as torch does."""
    if not isinstance(out, Tensor):
        raise TypeError(f'argument \'out\' must be Tensor, not {type(out).__name__}')
    if _gm.enabled and (result._rg or out._rg):
        raise RuntimeError('functions with out=... arguments don\'t support automatic differentiation, but one of '
                           'the arguments requires grad.')
    if result.dtype._cat > out.dtype._cat:
        raise RuntimeError(f'result type {_cap(result.dtype)} can\'t be cast to the desired output type '
                           f'{_cap(out.dtype)}')
    if out._data.shape != result._data.shape:
        if out._data.size:
            import warnings
            warnings.warn(f'An output with one or more elements was resized since it had shape {list(out._data.shape)}, '
                          f'which does not match the required output shape {list(result._data.shape)}. This behavior is '
                          'deprecated, and in a future PyTorch release outputs will not be resized unless they have '
                          'zero elements. You can explicitly reuse an out tensor t by resizing it, inplace, to zero '
                          'elements with t.resize_(0).', UserWarning, stacklevel=3)
        out._data = array_module(out._data).empty(result._data.shape, out.dtype.np)
    np.copyto(out._data, result._data if out.dtype is not D.bfloat16 else round_bf16(result._data), casting='unsafe')
    out._bump()
    return out


# (bound after the definitions above, once this module exists: the backward functions used to
# import these at every call, ~0.5-1 us each)
from ._core import sum_to, broadcast_shapes_or_raise, type_name as _cap  # noqa: E402
from .creation import zeros, zeros_like  # noqa: E402
from .._bf16 import round_bf16  # noqa: E402
