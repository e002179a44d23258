"""Indexing: ``t[idx]`` and ``t[idx] = v`` with ints, slices, None, Ellipsis, integer and
boolean tensors/lists; ``index_put``, ``nonzero``, ``masked_fill``.

Basic indexing gives a view; advanced indexing a copy. The gradient of reading ``t[idx]`` is
the output gradient put back into zeros at ``idx`` (summed where indices repeat).

Example:
    >>> x = ember.arange(6.).view(2, 3); x[:, 1]        # tensor([1., 4.])
"""
import numpy as np
from .._backend import is_host as _is_host  # (a recorded host array too: ember.compile)
from .._backend import where as _bwhere
from .. import _dtype as D
from .._tensor import Tensor, _wrap, _gm
from ._core import record, backward_op, sum_to, as_array, check_scalar_fits
from .shape import make_view
from .._backend import as_strided as _as_strided, is_array as _is_arr, is_device_array as _is_dev, asarray_like, scatter_add, data_ptr
from .._backend import add_rows_in_rounds


def _seq_as_tuple(idx):
    """torch (after NumPy): a short list holding a sequence, slice, tensor, None or Ellipsis is a
    tuple of indices (x[[[0, 1], [1, 0]]] is x[[0, 1], [1, 0]])."""
    if len(idx) >= 32:
        return False
    for i in idx:
        if isinstance(i, (list, tuple, slice, Tensor, np.ndarray)) or i is None or i is Ellipsis:
            return True
    return False


def _convert(idx, like=None):
    """(numpy index, is_basic) from a torch-style index. Index arrays are put on the backend of
    ``like`` (the indexed array): a CPU index may index a CUDA tensor, as in torch."""
    if type(idx) is not tuple:
        if type(idx) is list and _seq_as_tuple(idx):
            import warnings
            warnings.warn('Using a non-tuple sequence for multidimensional indexing is deprecated and will be changed '
                          'in pytorch 2.9; use x[tuple(seq)] instead of x[seq]. In pytorch 2.9 this will be interpreted '
                          'as tensor index, x[torch.tensor(seq)], which will result either in an error or a different '
                          'result', UserWarning, stacklevel=3)
            idx = tuple(idx)
        else:
            idx = (idx,)
    out, basic = [], True
    for i in idx:
        ti = type(i)
        if ti is int or ti is slice or i is None or i is Ellipsis:
            if ti is slice and i.step is not None and (i.step if not isinstance(i.step, Tensor) else int(i.step)) <= 0:
                raise ValueError('step must be greater than zero')
            if ti is slice and any(isinstance(x, Tensor) for x in (i.start, i.stop, i.step)):
                i = slice(*(int(x) if isinstance(x, Tensor) else x for x in (i.start, i.stop, i.step)))
            out.append(i)
        elif isinstance(i, Tensor):
            if i._data.ndim == 0 and i.dtype._cat == 1 and i.dtype is not D.uint8:
                out.append(int(i))      # torch: a 0-d integer tensor selects, as an int (a view)
                continue
            if i.dtype is D.bool_ or i.dtype is D.uint8:
                if i.dtype is D.uint8:
                    import warnings
                    warnings.warn('indexing with dtype torch.uint8 is now deprecated, please use a dtype torch.bool '
                                  'instead.', UserWarning, stacklevel=3)
                out.append(i._data.astype(bool))
            elif i.dtype is D.int64 or i.dtype is D.int32:
                out.append(i._data)
            else:
                raise IndexError('tensors used as indices must be long, int, byte or bool tensors')
            basic = False
        elif ti is bool:
            out.append(np.array(i))
            basic = False
        elif isinstance(i, (np.integer,)):
            out.append(int(i))
        elif isinstance(i, (list, tuple, range, np.ndarray)):
            if isinstance(i, np.ndarray):
                a = i
            else:
                # a sequence becomes an index tensor: long unless it holds only bools (torch converts floats)
                a = np.asarray([int(x) if isinstance(x, Tensor) else x for x in i])
                if a.dtype.kind != 'b':
                    a = a.astype(np.int64)
            if a.dtype.kind == 'f':
                raise IndexError('tensors used as indices must be long, int, byte or bool tensors')
            out.append(a)
            basic = False
        elif _is_dev(i):                # a device index array (the advanced part of a split index)
            out.append(i)
            basic = False
        elif ti is str:
            raise TypeError("new(): invalid data type 'str'")
        else:
            raise IndexError('only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are '
                             'valid indices (got ' + ti.__name__ + ')')
    if not basic and like is not None and not _is_host(like):
        out = [asarray_like(i, like) if _is_host(i) else i for i in out]
    elif not basic and like is not None:
        for i in out:
            if _is_dev(i):
                raise RuntimeError('indices should be either on cpu or on the same device as the indexed tensor (cpu)')
    return tuple(out), basic


def _check_bounds(a, np_idx):
    """CuPy wraps out-of-range integer indices around; raise the IndexError NumPy raises (device
    arrays only: one synchronising check per index array)."""
    consuming = sum(1 if not _is_arr(i) else max(i.ndim, 1) if i.dtype == bool else 1
                    for i in np_idx if i is not None and i is not Ellipsis)
    ax = 0
    for i in np_idx:
        if i is None:
            continue
        if i is Ellipsis:
            ax += a.ndim - consuming
            continue
        if _is_arr(i) and i.dtype == bool:
            ax += max(i.ndim, 1)
            continue
        if type(i) is int and ax < a.ndim and not -a.shape[ax] <= i < a.shape[ax]:
            # (CuPy raises too, with its own wording and axis count: raise NumPy's, mapped to torch's)
            raise _index_error(IndexError(f'index {i} is out of bounds for axis {ax} with size {a.shape[ax]}'),
                               a.shape, np_idx)
        if _is_arr(i) and i.size and ax < a.ndim:
            n = a.shape[ax]
            if bool(((i < -n) | (i >= n)).any()):
                mx, mn = int(i.max()), int(i.min())
                bad = mx if mx >= n else mn
                raise _index_error(IndexError(f'index {bad} is out of bounds for axis {ax} with size {n}'),
                                   a.shape, np_idx)
        ax += 1


def _index_error(e, shape, np_idx=()):
    """torch's IndexError for NumPy's: an int index names its position in the index tuple."""
    msg = str(e)
    import re
    m = re.match(r'too many indices for array: array is (\d+)-dimensional', msg)
    if m:
        return IndexError(f'too many indices for tensor of dimension {m.group(1)}')
    m = re.match(r'[Ii]ndex (-?\d+) is out of bounds for axis (\d+) with size (\d+)', msg)
    if m:
        bad, axis, size = int(m.group(1)), int(m.group(2)), m.group(3)
        dim = axis
        src, ints, nones = 0, 0, 0
        consuming = sum(1 if not _is_arr(i) else max(i.ndim, 1) if i.dtype == bool else 1
                        for i in np_idx if i is not None and i is not Ellipsis)
        for pos, i in enumerate(np_idx):
            if i is None:
                nones += 1
                continue
            width = len(shape) - consuming if i is Ellipsis else \
                (max(i.ndim, 1) if _is_arr(i) and i.dtype == bool else 1)
            if src <= axis < src + width:
                # an int is reported by its place in the index; an index array by its dim after the basic indexing
                dim = pos if type(i) is int else axis - ints + nones
                break
            src += width
            ints += type(i) is int
        return IndexError(f'index {bad} is out of bounds for dimension {dim} with size {size}')
    m = re.match(r'boolean index did not match indexed array along axis (\d+)', msg)
    if m:
        axis, src = int(m.group(1)), 0
        consuming = sum(max(i.ndim, 1) if _is_arr(i) and i.dtype == bool else 1
                        for i in np_idx if i is not None and i is not Ellipsis)
        for i in np_idx:
            if i is None:
                continue
            width = len(shape) - consuming if i is Ellipsis else max(i.ndim, 1) if _is_arr(i) and i.dtype == bool else 1
            if _is_arr(i) and i.dtype == bool and src <= axis < src + width:
                return IndexError(f'The shape of the mask {list(i.shape)} at index {axis - src} does not match the '
                                  f'shape of the indexed tensor {list(shape)} at index {axis}')
            src += width
    return IndexError(msg)


def _none_strides(self, r, np_idx):
    """torch applies an index left to right: a None makes an axis with the stride that unsqueeze
    gives at that point (size * stride of the axis there). NumPy gives 0; set torch's."""
    shp = self._data.shape
    st = self.stride()
    consuming = sum(1 for i in np_idx if i is not None and i is not Ellipsis)
    want, src = [], 0
    for i in np_idx:
        if i is None:
            want.append(shp[src] * st[src] if src < len(shp) else 1)
        elif i is Ellipsis:
            k = len(shp) - consuming
            want.extend([None] * k)
            src += k
        else:
            if type(i) is not int:
                want.append(None)
            src += 1
    isz = r.itemsize
    strides = tuple([r.strides[k] if w is None else w * isz for k, w in enumerate(want)]) + r.strides[len(want):]
    if r.flags.c_contiguous:
        std, s = [], isz
        for n in reversed(r.shape):
            std.append(s)
            s *= n
        if strides == tuple(reversed(std)):
            return r.reshape(-1).reshape(r.shape)     # the contiguous strides: cheaper than as_strided
    return _as_strided(r, r.shape, strides)


def _name_for(idx):
    for i in reversed(idx):
        if type(i) is int:
            return _select_bw
        if type(i) is slice:
            if i != slice(None):
                return _slice_bw
        elif i is None:
            return _unsq_bw
    return _alias_bw


def _putback(node, g):
    shape, idx = node._args
    z = zeros(shape, dtype=g.dtype, device=g._device)
    z[idx] = g
    return (z,)


_select_bw = backward_op('SelectBackward0')(_putback)
_slice_bw = backward_op('SliceBackward0')(_putback)
_unsq_bw = backward_op('UnsqueezeBackward0')(_putback)
_alias_bw = backward_op('AliasBackward0')(_putback)


def _add_rows(r, np_idx, v):
    """``np.add.at(r, np_idx, v)`` through ``add_rows_in_rounds`` (same sums, in rounds) when the
    index is one 1-D integer array on the first dim and v has the rows' full shape (the backward
    of ``w[idx]``); False otherwise, having done nothing."""
    i = np_idx[0] if type(np_idx) is tuple and len(np_idx) == 1 else np_idx
    if type(i) is not np.ndarray or i.ndim != 1 or i.dtype.kind not in 'iu' or type(r) is not np.ndarray or \
            not r.flags.c_contiguous or r.ndim < 1 or type(v) is not np.ndarray or v.shape != i.shape + r.shape[1:]:
        return False
    if i.size and (i.min() < -r.shape[0] or i.max() >= r.shape[0]):
        return False                    # (add.at raises the IndexError)
    flat = np.where(i < 0, i + r.shape[0], i) if i.size and i.min() < 0 else i
    return add_rows_in_rounds(r.reshape(r.shape[0], -1), flat.astype(np.int64, copy=False),
                              np.ascontiguousarray(v).reshape(i.size, -1))


@backward_op('IndexBackward0')
def _index_bw(node, g):
    shape, idx = node._args
    return (index_put(zeros(shape, dtype=g.dtype, device=g._device), idx, g, accumulate=True),)


def _basic_first(np_idx):
    """torch applies the basic part of a mixed index first (ints select, slices, None) and the
    index arrays then on that view: (basic index, advanced index on its result)."""
    first, second = [], []
    for i in np_idx:
        if _is_arr(i):
            first.extend([slice(None)] * (i.ndim if i.dtype == bool else 1))
            second.append(i)
        else:
            first.append(i)
            if type(i) is not int:
                second.append(i if i is Ellipsis else slice(None))
    return tuple(first), tuple(second)


def _has_basic_part(np_idx):
    for i in np_idx:
        if type(i) is int or i is None or (type(i) is slice and i != slice(None)):
            return True
    return False


def empty_slice_offset(v):
    """The storage offset torch gives ``v``, an empty view made by basic indexing (NumPy leaves an
    empty slice's pointer where its parent's is), or None for another kind of view."""
    src, how = v._extra['view']
    if type(how) is not tuple or how[0] != 'getitem':
        return None
    idx, shape, strides = how[1], src._data.shape, src.stride()
    off, d = src.storage_offset(), 0
    for i in idx:
        if i is None:
            continue
        if i is Ellipsis:
            d += len(shape) - sum(j is not None and j is not Ellipsis for j in idx)
        elif type(i) is slice:
            off += i.indices(shape[d])[0] * strides[d]
            d += 1
        else:
            off += (int(i) % shape[d] if shape[d] else 0) * strides[d]
            d += 1
    return off


def getitem(self, idx):
    # fast path: one int or slice on a tensor
    np_idx, basic = _convert(idx, self._data)
    if not basic and int in map(type, np_idx):
        # an int splits the index arrays from each other for NumPy (their dims go first), not for torch
        first, second = _basic_first(np_idx)
        return getitem(getitem(self, first), second)
    if not _is_host(self._data):
        _check_bounds(self._data, np_idx)
    try:
        r = self._data[np_idx]
    except IndexError as e:
        raise _index_error(e, self._data.shape, np_idx) from None
    if basic:
        if not _is_host(r) and (not _is_dev(r) or (r.ndim == 0 and Ellipsis not in np_idx)):
            # a 0-d view, not a scalar or a copy
            r = self._data[np_idx + (Ellipsis,)] if Ellipsis not in np_idx else as_array(r)
        if None in np_idx and r.size:
            r = _none_strides(self, r, np_idx)
        return make_view(self, r, _slice_bw if type(idx) is slice else _name_for(np_idx), (self._data.shape, np_idx),
                         ('getitem', np_idx))
    t = _wrap(as_array(r), self.dtype, self._device)
    if _gm.enabled and self._rg:
        record(_index_bw, t, (self,), (), (self._data.shape, np_idx))
    return t


@backward_op('IndexPutBackward0')
def _index_put_bw(node, g):
    idx, accumulate, vshape, vdtype = node._args
    ns, nv = node.next_functions
    gs = gv = None
    if ns[0] is not None:
        if accumulate:
            gs = g
        else:
            gs = g.clone()
            prev = _gm.enabled
            gs[idx] = 0
    if nv[0] is not None:
        gv = sum_to(g[idx], vshape)
        if gv.dtype is not vdtype:
            gv = gv.to(vdtype)
    return gs, gv


def index_put(input, indices, values, accumulate=False):
    """A copy of ``input`` with ``values`` put at ``indices`` (added when ``accumulate``)."""
    np_idx = indices if _is_np_index(indices) else _convert(indices, input._data)[0]
    if not isinstance(values, Tensor):
        from .creation import tensor
        values = tensor(values, dtype=input.dtype, device=input._device)
    elif values._device is not input._device:
        if values._data.ndim == 0 and values._device.type == 'cpu':
            values = values.to(input._device)       # torch: a 0-d CPU tensor joins as a number
        else:
            from ._core import check_device
            check_device(input, values)
    if not _is_host(input._data):
        _check_bounds(input._data, np_idx)
    r = input._data.copy()
    v = values._data if values.dtype is input.dtype else values._data.astype(input.dtype.np)
    try:
        if accumulate:
            if _is_host(r):
                if not _add_rows(r, np_idx, v):
                    np.add.at(r, np_idx, v)
            else:
                scatter_add(r, np_idx, np.broadcast_to(v, r[np_idx].shape))
        else:
            r[np_idx] = v
    except IndexError as e:
        raise _index_error(e, input._data.shape, np_idx) from None
    except ValueError:
        target = input._data[np_idx].shape
        raise RuntimeError(f'shape mismatch: value tensor of shape {list(values.shape)} cannot be broadcast to '
                           f'indexing result of shape {list(target)}') from None
    if values.dtype is not input.dtype:
        from ._core import type_name as _cap
        raise RuntimeError(f'Index put requires the source and destination dtypes match, got {_cap(input.dtype)} for '
                           f'the destination and {_cap(values.dtype)} for the source.')
    t = _wrap(r, input.dtype, input._device)
    if _gm.enabled and (input._rg or values._rg):
        record(_index_put_bw, t, (input, values), (), (np_idx, accumulate, values._data.shape, values.dtype))
    return t


def _is_np_index(idx):
    return type(idx) is tuple and all(type(i) in (int, slice, np.ndarray) or i is None or i is Ellipsis or _is_dev(i)
                                      for i in idx)


def index_put_(self, indices, values, accumulate=False):
    from .inplace import apply_inplace
    return apply_inplace(self, index_put, (indices, values, accumulate), {})


def _is_single_mask(np_idx):
    return len(np_idx) == 1 and _is_arr(np_idx[0]) and np_idx[0].dtype == bool


def setitem(self, idx, value):
    from .inplace import check_inplace, apply_inplace
    if not isinstance(value, (Tensor, int, float, bool, np.number, np.bool_)):
        t = type(value)
        if t is complex:        # (a complex number into a real tensor: torch's conversion error)
            if self.dtype._cat != 3:
                c = {'float32': 'float', 'float64': 'double', 'float16': 'c10::Half', 'int64': 'int64_t',
                     'int32': 'int', 'int16': 'int16_t', 'int8': 'int8_t', 'uint8': 'uint8_t', 'bool': 'bool'}
                raise RuntimeError(f'value cannot be converted to type {c[self.dtype.name]} without overflow')
        else:
            name = t.__name__ if t.__module__ == 'builtins' else f'{t.__module__}.{t.__name__}'
            raise TypeError(f"can't assign a {name} to a torch.{self.dtype._legacy}")     # (the CPU name, on CUDA too)
    if not isinstance(value, Tensor):
        check_scalar_fits(value, self.dtype)
    np_idx, basic = _convert(idx, self._data)
    if isinstance(value, Tensor) and value._data.ndim and value._data.shape[0] == 1:
        # torch drops the value's leading size-1 dimensions first (dones[t] = torch.Tensor([d])):
        # only where that changes anything, i.e. the value has more dimensions than the target
        # (a value the same shape as its target, maybe its own memory, stays as it is)
        nd = self._data[np_idx].ndim
        if value._data.ndim > nd:
            shape = tuple(value.shape)
            while len(shape) > nd and shape[0] == 1:
                shape = shape[1:]
            value = value.reshape(shape)
    if _gm.enabled and self._rg and self.grad_fn is None and not (self._extra and 'fw_hidden' in self._extra):
        # torch writes through a view for basic indexing other than x[:] / x[...]: its refusal says so
        if basic and any(not (i is Ellipsis or i == slice(None)) for i in np_idx):
            raise RuntimeError('a view of a leaf Variable that requires grad is being used in an in-place operation.')
    if not basic and _has_basic_part(np_idx):
        # as torch: the index arrays write into the view that the basic part makes (CopySlices)
        first, second = _basic_first(np_idx)
        return setitem(getitem(self, first), second, value)
    check_inplace(self)
    if isinstance(value, Tensor) and value._device is not self._device and (basic or value._data.ndim == 0):
        value = value.to(self._device)      # torch: a write through a view copies across devices
    if (not basic and isinstance(value, Tensor) and value.dtype is not self.dtype and self._device.type == 'cuda'
            and any(_is_arr(i) and i.dtype == bool for i in np_idx)):
        # torch's CUDA masked write takes no cast (its CPU one does)
        from ._core import type_name
        raise RuntimeError(f'Index put requires the source and destination dtypes match, got '
                           f'{type_name(self.dtype)} for the destination and {type_name(value.dtype)} for the source.')
    if _gm.enabled and (self._rg or (isinstance(value, Tensor) and value._rg)):
        if basic:
            # a write through a view: the base's history becomes CopySlices, as in torch
            from .shape import copy_
            if not isinstance(value, Tensor):
                from .creation import tensor
                value = tensor(value, dtype=self.dtype, device=self._device)
            copy_(getitem(self, idx), value)
        else:
            apply_inplace(self, index_put, (np_idx, value), {})
        return
    if isinstance(value, Tensor):
        if value._device is not self._device:
            from ._core import check_device
            check_device(self, value)
        v = value._data
        if not basic:
            if value._data.size == 1 and value._data.ndim <= 1 and _is_single_mask(np_idx):
                v = value.item()            # torch: masked_fill_ with the value as a number
                check_scalar_fits(v, self.dtype)
            elif value.dtype is not self.dtype:
                index_put(self, np_idx, value)      # torch's shape and dtype errors
        elif v.size and np.may_share_memory(v, self._data):
            _check_overlap(self._data[np_idx], v)
    elif isinstance(value, (int, float, bool, np.number)):
        v = value
    else:
        from .creation import tensor
        v = tensor(value)._data
    if not basic and not _is_host(self._data):
        _check_bounds(self._data, np_idx)
    if self.dtype is D.bfloat16:
        from .._bf16 import round_bf16
        v = round_bf16(v)
    try:
        self._data[np_idx] = v
    except IndexError as e:
        raise _index_error(e, self._data.shape, np_idx) from None
    except ValueError:
        target = self._data[np_idx].shape
        raise RuntimeError(f'shape mismatch: value tensor of shape {list(np.shape(v))} cannot be broadcast to '
                           f'indexing result of shape {list(target)}') from None
    except OverflowError:
        self._data[np_idx] = np.asarray(v).astype(self.dtype.np)[()]
    self._bump()


def _check_overlap(dst, src):
    """torch refuses a copy between dense tensors whose memory partly overlaps (x[1:] = x[:-1])."""
    if isinstance(dst, np.generic):     # a single element (N[i, j] += 1): a copy, not a view
        return
    if dst.shape == src.shape and dst.strides == src.strides and \
            data_ptr(dst) == data_ptr(src):
        return
    dense = (dst.flags.c_contiguous or dst.flags.f_contiguous) and (src.flags.c_contiguous or src.flags.f_contiguous)
    if dense and np.shares_memory(dst, src):
        raise RuntimeError('unsupported operation: some elements of the input tensor and the written-to tensor refer '
                           'to a single memory location. Please clone() the tensor before performing the operation.')


def nonzero(input, *, as_tuple=False, out=None):
    nz = np.nonzero(input._data) if input._data.ndim else np.nonzero(input._data.reshape(1))
    if as_tuple:
        return tuple(_wrap(a.astype(np.int64), D.int64, input._device) for a in nz)
    if input._data.ndim == 0:   # as torch: one (empty) row of indices when the scalar is nonzero, none when it is zero
        return _wrap(np.zeros_like(input._data, np.int64, shape=(len(nz[0]), 0)), D.int64, input._device)
    return _wrap(np.stack(nz, axis=1).astype(np.int64) if nz else np.zeros_like(input._data, np.int64, shape=(0, 0)), D.int64,
                 input._device)


def argwhere(input):
    return nonzero(input)


@backward_op('MaskedFillBackward0')
def _masked_fill_bw(node, g):
    (mask,) = node.saved()
    return (g.masked_fill(mask, 0), None)


@backward_op('MaskedFillBackward1')
def _masked_fill_tensor_bw(node, g):
    (mask,) = node.saved()
    gv = None
    if node.next_functions[1][0] is not None:       # the value: the gradient summed where it was put
        gv = g.masked_fill(mask.logical_not(), 0).sum()
        if gv.dtype is not node._args:
            gv = gv.to(node._args)
    return (g.masked_fill(mask, 0), gv)


def masked_fill(input, mask, value):
    """``input`` with ``value`` where ``mask`` is True (mask broadcasts)."""
    if mask.dtype is not D.bool_:
        from .pointwise import _MMN         # (torch names the C++ type: 'long int', 'float')
        raise RuntimeError(f'masked_fill_ only supports boolean masks, but got mask with dtype {_MMN[mask.dtype.name]}')
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError(f'masked_fill_ only supports a 0-dimensional value tensor, but got tensor with '
                               f'{value._data.ndim} dimension(s).')
        if value._device is not input._device:     # torch takes a 0-d tensor of any device here
            v = np.asarray(value.item()).astype(input.dtype.np)
        else:
            v = value._data.astype(input.dtype.np)
    else:
        v = np.asarray(value).astype(input.dtype.np)
    if not _is_host(input._data) and _is_host(v):
        v = v[()]                   # a NumPy scalar: CuPy refuses host arrays
    if mask._device is not input._device:
        from ._core import check_device
        check_device(input, mask)
    from ._core import broadcast_shapes_or_raise
    s = broadcast_shapes_or_raise(mask._data.shape, input._data.shape)   # (torch's message names the mask 'a')
    if s != input._data.shape:
        raise RuntimeError(f"output with shape {list(input._data.shape)} doesn't match the broadcast shape {list(s)}")
    t = _wrap(_bwhere(mask._data, v, input._data), input.dtype, input._device)
    if isinstance(value, Tensor):
        if _gm.enabled and (input._rg or value._rg):
            record(_masked_fill_tensor_bw, t, (input, value), (mask,), value.dtype)
    elif _gm.enabled and input._rg:
        record(_masked_fill_bw, t, (input, None), (mask,))
    return t


from .creation import zeros  # noqa: E402  (for the backward functions; bound once, not per call)
