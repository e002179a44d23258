"""``ember.storage`` (``torch.storage``): the memory behind tensors, as older PyTorch code reads it.

``tensor.storage()`` is a :class:`TypedStorage`: the elements of the memory the tensor views (all of
it, not only the view's part), indexable and writable, with ``data_ptr``, ``size``, ``tolist``,
``fill_``, ... ; ``tensor.untyped_storage()`` the same memory as bytes. ``torch.FloatStorage(n)``
and its siblings make fresh storages. (torch marks TypedStorage deprecated and warns once.)

Example:
    >>> x = ember.arange(6.).reshape(2, 3)[:, 1:]
    >>> s = x.storage(); len(s), s[1]                   # (6, 1.0): the whole memory
"""
import warnings

import numpy as np

from . import _dtype as D

__all__ = ['TypedStorage', 'UntypedStorage']

_DEPRECATED = ('TypedStorage is deprecated. It will be removed in the future and UntypedStorage will be the only '
               'storage class. This should only matter to you if you are using storages directly.  To access '
               'UntypedStorage directly, use tensor.untyped_storage() instead of tensor.storage()')
_warned = [False]


def _warn():
    if not _warned[0]:
        _warned[0] = True
        warnings.warn(_DEPRECATED, UserWarning, stacklevel=3)


def _flat(root):
    """The root tensor's memory as a 1-D array (a view when the memory is one contiguous run)."""
    a = root._data
    return a.reshape(-1) if a.flags.c_contiguous else a.ravel(order='K')


class UntypedStorage:
    """The bytes of a tensor's memory (``tensor.untyped_storage()``)."""

    def __init__(self, root):
        self._root = root

    def data_ptr(self):
        return self._root.data_ptr()

    def nbytes(self):
        return self._root._data.nbytes

    def size(self):
        return self.nbytes()

    __len__ = size

    @property
    def device(self):
        return self._root.device

    def element_size(self):
        return 1

    def tolist(self):
        return list(_flat(self._root).view(np.uint8).tolist()) if self._root._data.size else []

    def __repr__(self):
        body = '\n'.join(f' {v}' for v in self.tolist())
        return f'{body}\n[torch.storage.UntypedStorage(device={self.device}) of size {self.nbytes()}]'


class TypedStorage:
    """The elements of a tensor's memory (``tensor.storage()``), or a fresh one
    (``TypedStorage(n, dtype=...)``, ``FloatStorage([1, 2])``)."""
    is_sparse = False

    def __init__(self, *args, dtype=None, device=None, wrap_storage=None, _root=None):
        _warn()
        if _root is None:
            from ._ops import creation as C
            dt = dtype if dtype is not None else getattr(type(self), '_dtype', None) or D.get_default_dtype()
            if len(args) == 1 and not isinstance(args[0], int):
                _root = C.tensor(list(args[0]), dtype=dt, device=device)
            else:
                _root = C.empty(*(args or (0,)), dtype=dt, device=device).reshape(-1)
        self._root = _root

    # -- what it is
    @property
    def dtype(self):
        return self._root.dtype

    @property
    def device(self):
        return self._root.device

    @property
    def is_cuda(self):
        return self._root.is_cuda

    def size(self):
        return self._root._data.size

    def __len__(self):
        return self.size()

    def element_size(self):
        return self.dtype.itemsize

    def nbytes(self):
        return self._root._data.nbytes

    def data_ptr(self):
        return self._root.data_ptr()

    def is_shared(self):
        return False

    def is_pinned(self, device='cuda'):
        return False

    def type(self, dtype=None, non_blocking=False):
        if dtype is None:
            return ('torch.cuda.' if self.is_cuda else 'torch.') + self.dtype._legacy[:-6] + 'Storage'
        raise NotImplementedError('TypedStorage.type(dtype): use tensor.to(dtype) instead')

    def untyped(self):
        return UntypedStorage(self._root)

    def _untyped_storage(self):
        return self.untyped()

    # -- the elements
    def _index(self, idx):
        if not isinstance(idx, (int, np.integer)) or isinstance(idx, bool):
            raise RuntimeError(f'can\'t index a {type(self)} with {type(idx)}')
        n = self.size()
        if not -n <= idx < n:
            raise IndexError(f'index {idx} out of range for storage of size {n}')
        return int(idx) % n if n else 0

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            raise RuntimeError('slices are only supported in UntypedStorage.__getitem__')
        return _flat(self._root)[self._index(idx)].item()

    def __setitem__(self, idx, value):
        flat = _flat(self._root)
        if isinstance(idx, slice):
            flat[idx] = value
        else:
            flat[self._index(idx)] = value
        self._root._bump()

    def __iter__(self):
        return iter(self.tolist())

    def tolist(self):
        return _flat(self._root).tolist()

    def fill_(self, value):
        _flat(self._root)[...] = value
        self._root._bump()
        return self

    def copy_(self, source, non_blocking=None):
        _flat(self._root)[...] = np.asarray(source.tolist(), dtype=self.dtype.np)
        self._root._bump()
        return self

    def clone(self):
        return TypedStorage(_root=self._root.detach().clone().reshape(-1))

    def cpu(self):
        return self if not self.is_cuda else TypedStorage(_root=self._root.detach().cpu().reshape(-1))

    def __repr__(self):
        vals = self.tolist()
        fmt = (lambda v: f' {v}') if self.dtype._cat >= 2 else (lambda v: f' {v}')
        body = '\n'.join(fmt(v) for v in vals)
        head = f'{body}\n' if vals else ''
        return f'{head}[torch.storage.TypedStorage(dtype={self.dtype}, device={self.device}) of size {len(vals)}]'

    __str__ = __repr__


def _legacy_storage(name, dt):
    cls = type(name, (TypedStorage,), {'_dtype': dt, '__module__': 'torch'})
    return cls


FloatStorage = _legacy_storage('FloatStorage', D.float32)
DoubleStorage = _legacy_storage('DoubleStorage', D.float64)
HalfStorage = _legacy_storage('HalfStorage', D.float16)
LongStorage = _legacy_storage('LongStorage', D.int64)
IntStorage = _legacy_storage('IntStorage', D.int32)
ShortStorage = _legacy_storage('ShortStorage', D.int16)
CharStorage = _legacy_storage('CharStorage', D.int8)
ByteStorage = _legacy_storage('ByteStorage', D.uint8)
BoolStorage = _legacy_storage('BoolStorage', D.bool_)
ComplexFloatStorage = _legacy_storage('ComplexFloatStorage', D.complex64)
ComplexDoubleStorage = _legacy_storage('ComplexDoubleStorage', D.complex128)
_LEGACY = {c._dtype: c for c in (FloatStorage, DoubleStorage, HalfStorage, LongStorage, IntStorage, ShortStorage,
                                 CharStorage, ByteStorage, BoolStorage, ComplexFloatStorage, ComplexDoubleStorage)}


def storage_of(tensor):
    """``tensor.storage()``."""
    return TypedStorage(_root=tensor._storage_root())


def storage_type_of(tensor):
    """``tensor.storage_type()``: the legacy class of the tensor's dtype (torch.FloatStorage, ...)."""
    return _LEGACY[tensor.dtype]


def is_storage(obj):
    return isinstance(obj, (TypedStorage, UntypedStorage))
