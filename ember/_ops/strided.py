"""``torch.as_strided`` / ``Tensor.as_strided`` (a view with explicit sizes, strides in elements
and a storage offset) and ``torch.empty_strided``; plus small aliases torch has under other
names (``narrow_copy``, ``unsafe_chunk``/``unsafe_split``, ``igamma``/``igammac``, ``is_signed``,
``get_device``, ``share_memory_``/``is_shared``).

as_strided here views tensors that own C-contiguous memory (the usual ``x.as_strided(...)`` of a
fresh tensor), or views of such tensors (then sizes, strides and offset address the base's storage,
as in torch): the result may overlap itself (sliding windows), and its gradient adds each
element's share back to the position it came from.

Example:
    >>> ember.arange(6.).as_strided((2, 3), (1, 2))     # tensor([[0., 2., 4.], [1., 3., 5.]])
"""
import numpy as np

from .. import _backend

from .._tensor import Tensor, _wrap
from ._core import backward_op, parse_size
from .._backend import array_module


def _flat_positions(size, stride, offset, xp):
    """The storage position of each element of the strided view (an int64 array of ``size``)."""
    pos = xp.full(tuple(size), offset, dtype=np.int64)
    for d, (n, s) in enumerate(zip(size, stride)):
        shape = [1] * len(size)
        shape[d] = n
        pos = pos + (xp.arange(n, dtype=np.int64) * s).reshape(shape)
    return pos


@backward_op('AsStridedBackward0')
def _as_strided_bw(node, g):
    shape, size, stride, offset, geom = node._args
    ga = g._data
    xp = array_module(ga)
    n = 1
    for s in shape:
        n *= s
    pos = _flat_positions(size, stride, offset, xp).reshape(-1)
    acc = xp.zeros(n, dtype=ga.dtype)
    if pos.size:
        np.add.at(acc, pos, ga.reshape(-1)) if xp is np else xp.add.at(acc, pos, ga.reshape(-1))
    if geom is not None:        # the input was a view: its elements sit at these storage positions
        return (_wrap(acc[_flat_positions(*geom, xp)], g.dtype, g._device),)
    return (_wrap(acc.reshape(shape), g.dtype, g._device),)


def _spans_its_buffer(a):
    """Whether host array ``a`` (a view, e.g. a reshape of a fresh buffer as randn makes) covers its
    base's memory from its first byte to its last: then its own offsets are the storage's."""
    b = a.base
    return isinstance(b, np.ndarray) and b.nbytes == a.nbytes and \
        b.__array_interface__['data'][0] == a.__array_interface__['data'][0]


def _same_memory(a, b):
    """Whether arrays ``a`` and ``b`` lie on the same bytes (a reshape of a whole contiguous tensor)."""
    return type(a) is type(b) and a.nbytes == b.nbytes and b.flags.c_contiguous and _backend.data_ptr(a) == \
        _backend.data_ptr(b)


def as_strided(input, size, stride, storage_offset=None):
    """A view of ``input``'s memory with ``size``, ``stride`` (in elements) and ``storage_offset``."""
    size = tuple(parse_size((size,), 'as_strided'))
    stride = tuple(int(s) for s in stride)
    if len(size) != len(stride):
        raise RuntimeError('mismatch in length of strides and shape')
    if any(s < 0 for s in stride):
        raise RuntimeError('as_strided: Negative strides are not supported at the moment, got strides: '
                           f'{list(stride)}')
    off = input.storage_offset() if storage_offset is None else int(storage_offset)
    root = input._storage_root()
    a = input._data
    geom = None
    if root is not input and not (a.flags.c_contiguous and _same_memory(a, root._data)):
        # a view: sizes, strides and offset address its base's storage
        geom = (tuple(a.shape), input.stride(), input.storage_offset())
        a = root._data
    if not a.flags.c_contiguous or \
            (type(a) is np.ndarray and not a.flags.owndata and not _spans_its_buffer(a)):
        raise NotImplementedError('ember: as_strided of a view or of a non-contiguous tensor is not implemented '
                                  '(call .contiguous() first, or use unfold)')
    numel = a.size
    need = off + sum((n - 1) * s for n, s in zip(size, stride)) + 1 if all(size) else 0
    if need > numel or off < 0:
        raise RuntimeError(f'setStorage: sizes {list(size)}, strides {list(stride)}, storage offset {off}, and '
                           f'itemsize {input.dtype.itemsize} requiring a storage size of '
                           f'{need * input.dtype.itemsize} are out of bounds for storage of size '
                           f'{numel * input.dtype.itemsize}')
    it = a.itemsize
    flat = a.reshape(-1)
    xp = array_module(a)
    v = xp.lib.stride_tricks.as_strided(flat[off:] if numel else flat, shape=size,
                                        strides=tuple(s * it for s in stride))
    from .shape import make_view
    return make_view(input, v, _as_strided_bw, (tuple(a.shape), size, stride, off, geom),
                     ('as_strided', (size, stride, off)))


def empty_strided(size, stride, *, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    """An uninitialised tensor of ``size`` with the given ``stride`` (elements)."""
    from .creation import empty
    from .shape import _NoGrad
    size = tuple(parse_size((size,), 'as_strided'))
    stride = tuple(int(s) for s in stride)
    need = sum((n - 1) * s for n, s in zip(size, stride)) + 1 if all(size) else 0
    base = empty(need, dtype=dtype, device=device)
    with _NoGrad():
        t = as_strided(base, size, stride, 0) if size else base.reshape(())
    # (a fresh tensor with those strides: its own storage, not a view in autograd's sense)
    t._base = None
    t._extra = None
    if requires_grad:
        t.requires_grad_(True)
    return t


def narrow_copy(input, dim, start, length):
    """``narrow`` copied into new memory."""
    return input.narrow(dim, start, length).clone()


def unsafe_chunk(input, chunks, dim=0):
    return input.chunk(chunks, dim)


def unsafe_split(input, split_size, dim=0):
    return input.split(split_size, dim)


def is_signed(input):
    return input.is_signed()


def get_device(input):
    return input.get_device()


def share_memory_(self):
    """torch moves the storage to shared memory for torch.multiprocessing; ember's processes share
    nothing this way, so it only marks the tensor (``is_shared()`` then True) and returns it."""
    e = self._extra
    if e is None:
        self._extra = {'shared': True}
    else:
        e['shared'] = True
    return self


def is_shared(self):
    e = self._extra
    return bool(e and e.get('shared'))


def bind():
    """Attach the Tensor methods (called by ember/_ops/__init__.py)."""
    from .special import gammainc, gammaincc
    Tensor.as_strided = as_strided
    Tensor.narrow_copy = narrow_copy
    Tensor.unsafe_chunk = unsafe_chunk
    Tensor.unsafe_split = unsafe_split
    Tensor.share_memory_ = share_memory_
    Tensor.is_shared = is_shared
    Tensor.igamma = gammainc
    Tensor.igammac = gammaincc
