"""Tensor methods and torch functions real programs reach for that are spelled with other ops:
in-place forms (``addmm_``, ``cumsum_``, ``nextafter_``, ``igamma_``, ``igammac_``, ``as_strided_``),
element-wise Python callables (``apply_``, ``map_``, ``map2_``), the deprecated ``resize``/``resize_as``
and ``qr``, ``nonzero_static``, layout queries (``dim_order``, ``is_set_to``, ``output_nr``) and the
attributes torch answers with constants on a strided CPU/CUDA tensor (``is_xla``, ``volatile``, ...).

Example:
    >>> ember.tensor([0, 1, 0, 2]).nonzero_static(size=3)     # tensor([[1], [3], [-1]])
"""
import warnings

import numpy as np

from .._tensor import Tensor
from ._core import warn_once, meta_name
from . import inplace as IP


def _cumsum_(self, dim, *, dtype=None):
    from .reduction import cumsum
    if dtype is not None and dtype is not self.dtype:      # (as cumprod_: torch refuses another dtype)
        raise RuntimeError(f'Bad in-place call: input tensor dtype {str(self.dtype)[6:]} and output tensor dtype '
                           f'{str(dtype)[6:]} should match')
    return IP.apply_inplace(self, lambda t, d: cumsum(t, d, dtype=self.dtype), (dim,), {})


def prelu(self, weight):
    from ..nn import functional as F
    return F.prelu(self, weight)


def hardshrink(self, lambd=0.5):
    from ..nn import functional as F
    return F.hardshrink(self, lambd)


def _no_grad_callable(self, name):
    if self.requires_grad:
        raise RuntimeError(f"Can't call {name}() on Variable that requires grad. Use var.detach().{name}() instead.")
    if self.device.type != 'cpu':
        raise RuntimeError(f'{name} is only implemented on CPU tensors')


def _map_values(self, arrays, fn, name):
    _no_grad_callable(self, name)
    out = self._data
    flat = [_expand(a, out.shape) for a in arrays]
    cast = _caster(self.dtype.np)
    for idx in np.ndindex(out.shape):
        out[idx] = cast(fn(out[idx].item(), *(a[idx].item() for a in flat)))
    return self          # (torch's apply_/map_ leave the version counter as it was)


def _caster(npdt):
    import numbers
    kind, t = npdt.kind, npdt.type

    def real(r):
        if not isinstance(r, numbers.Real):
            raise TypeError(f'must be real number, not {type(r).__name__}')
        return t(r)

    def integer(r):
        if not isinstance(r, numbers.Real):
            raise TypeError(f"'{type(r).__name__}' object cannot be interpreted as an integer")
        return t(int(r))
    return real if kind == 'f' else integer if kind in 'iu' else t


def _expand(a, shape):
    if a.ndim > len(shape):
        raise RuntimeError(f'The number of sizes provided ({len(shape)}) must be greater or equal to the number of '
                           f'dimensions in the tensor ({a.ndim})')
    for i in range(1, a.ndim + 1):
        if a.shape[-i] != shape[-i] and a.shape[-i] != 1:
            raise RuntimeError(f'The expanded size of the tensor ({shape[-i]}) must match the existing size '
                               f'({a.shape[-i]}) at non-singleton dimension {len(shape) - i}.  Target sizes: '
                               f'{list(shape)}.  Tensor sizes: {list(a.shape)}')
    return np.broadcast_to(a, shape)


def apply_(self, callable):
    """Apply a Python function to each element in place (CPU, no grad), as ``torch.Tensor.apply_``."""
    return _map_values(self, (), callable, 'apply_')


def map_(self, tensor, callable):
    """``self[i] = callable(self[i], tensor[i])`` (``tensor`` broadcast to ``self``), in place."""
    _check_map_dtype(self, tensor)
    return _map_values(self, (tensor._data,), callable, 'map_')


def map2_(self, x, y, callable):
    _check_map_dtype(self, x)
    _check_map_dtype(self, y)
    return _map_values(self, (x._data, y._data), callable, 'map2_')


def _check_map_dtype(self, other):
    if not isinstance(other, Tensor):
        raise TypeError(f'map_(): argument must be Tensor, not {type(other).__name__}')
    if other.dtype is not self.dtype:
        raise TypeError(f'map_: expected {self.type()} for argument #1 \'other\' (got {other.type()})')


def _resize_autograd(self, sizes, what):
    warnings.warn(f'non-inplace {what} is deprecated', UserWarning, stacklevel=3)
    n = 1
    for s in sizes:
        n *= s
    if self.numel() != n:
        raise RuntimeError(f"requested resize to {'x'.join(map(str, sizes))} ({n} elements in total), but the given "
                           f"tensor has a size of {'x'.join(map(str, self.shape))} ({self.numel()} elements). "
                           "autograd's resize can only change the shape of a given tensor, while preserving the "
                           "number of elements. ")
    return self.contiguous().view(*sizes)


def resize(self, *sizes):
    """Deprecated: a view (or copy, when not contiguous) of ``self`` with ``sizes``, same number of elements."""
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = tuple(sizes[0])
    return _resize_autograd(self, tuple(sizes), 'resize')


def resize_as(self, tensor):
    return _resize_autograd(self, tuple(tensor.shape), 'resize_as')


def as_strided_(self, size, stride, storage_offset=None):
    from . import _restride
    from .strided import as_strided
    return _restride(self, lambda t: as_strided(t, size, stride, storage_offset), 'AsStridedBackward1')


def output_nr(self):
    return self._out if self.grad_fn is not None else 0


def is_set_to(self, tensor):
    """True when both tensors use the same memory with the same offset, sizes and strides."""
    return (self._storage_root()._data is tensor._storage_root()._data or
            self._storage_root().data_ptr() == tensor._storage_root().data_ptr()) and \
        self.storage_offset() == tensor.storage_offset() and tuple(self.shape) == tuple(tensor.shape) and \
        tuple(self.stride()) == tuple(tensor.stride())


def set_(self, source=None, storage_offset=0, size=None, stride=None):
    """Make ``self`` use ``source``'s memory (a tensor: its sizes and strides too; a storage: at
    ``storage_offset`` with ``size`` and ``stride``); no source: an empty tensor. Writes through one
    show in the other.

    Example:
        >>> b = ember.zeros(4).set_(a)     # b is a (2, 3) alias of a
    """
    from ..storage import TypedStorage, UntypedStorage, _flat
    IP.check_inplace(self)
    if source is None:
        self._data = self._data[:0].reshape(0) if self._data.size else self._data.reshape(0)
        self._vc, self._base = None, None
        self._bump()
        return self
    if isinstance(source, (TypedStorage, UntypedStorage)):
        root = source._root
    elif isinstance(source, Tensor):
        root = source
    else:
        raise TypeError(f'set_() received an invalid combination of arguments - got ({type(source).__name__}, ...)')
    if root.dtype is not self.dtype and not isinstance(source, UntypedStorage):
        raise RuntimeError(f'Could not set tensor of type {meta_name(root.dtype)} to a tensor of type '
                           f'{meta_name(self.dtype)}')
    if root._device != self._device:
        raise RuntimeError(f'Attempted to set the storage of a tensor on device "{self.device}" to a storage on '
                           f'different device "{root.device}".  This is no longer allowed; the devices must match.')
    if isinstance(source, Tensor) and size is None and stride is None and not storage_offset:
        data = source._data
    else:
        flat = _flat(root._storage_root() if isinstance(source, Tensor) else root)
        if isinstance(source, UntypedStorage):
            flat = flat.view(np.uint8).view(self.dtype.np)
        if size is None:
            size = tuple(source.shape) if isinstance(source, Tensor) else (flat.size - storage_offset,)
        size = tuple(size)
        if stride is None or len(stride) == 0:
            stride, acc = [], 1
            for n in reversed(size):
                stride.insert(0, acc)
                acc *= max(n, 1)
        item = flat.itemsize
        data = np.lib.stride_tricks.as_strided(flat[storage_offset:], size, tuple(st * item for st in stride))
    owner = root._storage_root()
    if owner._vc is None:           # one version counter for every alias of the memory, as views share
        owner._vc = [0]
    self._data, self._vc, self._base = data, owner._vc, None
    e = self._ex()
    e.pop('view', None)
    e['root'] = owner
    self._bump()
    return self


def as_subclass(self, cls):
    """A ``cls`` instance with ``self``'s data (changes show in both), attached to the autograd graph.

    Example:
        >>> class MyTensor(ember.Tensor): pass
        >>> ember.ones(2).as_subclass(MyTensor)      # MyTensor([1., 1.])
    """
    if not (isinstance(cls, type) and issubclass(cls, Tensor)):
        raise TypeError('Creating a Tensor subclass from a class that does not inherit from Tensor is not possible. '
                        'Make sure your class inherits from Tensor.')
    from .._tensor import _new
    from ._core import record
    t = _new(cls)
    t._data, t.dtype, t._device = self._data, self.dtype, self._device
    t._rg, t.grad_fn, t._out, t._grad, t._vc, t._base = False, None, 0, None, self._vc, None
    t._extra = {'root': self._storage_root()}
    if self._rg:
        from ..autograd import grad_mode
        if grad_mode.state.enabled:
            t._rg = True
            record(_alias_node(), t, (self,))
    return t


def _make_subclass(cls, data, require_grad=False, dispatch_strides=False, dispatch_device=False,
                   device_for_backend_keys=None):
    """``Tensor._make_subclass(cls, data, require_grad)``: a ``cls`` leaf sharing ``data``'s memory
    (how Parameter-like subclasses build themselves in ``__new__``)."""
    if not (isinstance(cls, type) and issubclass(cls, Tensor)):
        raise TypeError(f"cls must be a type (got {type(cls).__name__})")
    from .._tensor import _new
    t = _new(cls)
    t._data, t.dtype, t._device = data._data, data.dtype, data._device
    t.grad_fn, t._out, t._grad, t._vc, t._base = None, 0, None, data._vc, None
    t._rg = False
    t._extra = {'root': data._storage_root()}
    if require_grad:
        t.requires_grad_(True)
    return t


_ALIAS = []


def _alias_node():
    if not _ALIAS:
        from ..autograd.graph import node_class
        _ALIAS.append(node_class('AliasBackward0', lambda node, g: (g,)))
    return _ALIAS[0]


def dim_order(self, *, ambiguity_check=False):
    """The dims from outermost to innermost in memory (sorted by stride, largest first)."""
    if not isinstance(ambiguity_check, bool):
        raise TypeError('ambiguity_check must be a bool or a list of memory formats')
    st = self.stride()
    return tuple(sorted(range(self.dim()), key=lambda d: -st[d]))


def nonzero_static(input, *, size, fill_value=-1):
    """``nonzero`` padded (with ``fill_value``) or cut to exactly ``size`` rows."""
    if size < 0:
        raise RuntimeError(f'nonzero_static: \'size\' must be an non-negative integer, but got {size}')
    from .indexing import nonzero
    nz = nonzero(input)
    n = nz.shape[0]
    if n >= size:
        return nz[:size].clone()
    from .creation import full
    from .shape import cat
    pad = full((size - n, nz.shape[1]), fill_value, dtype=nz.dtype, device=nz.device)
    return cat([nz, pad], 0)


def qr(input, some=True, *, out=None):
    """Deprecated ``torch.qr``: ``linalg.qr(input, 'reduced' if some else 'complete')``."""
    warn_once("torch.qr is deprecated in favor of torch.linalg.qr and will be removed in a future PyTorch release.\n"
              "The boolean parameter 'some' has been replaced with a string parameter 'mode'.\n"
              "Q, R = torch.qr(A, some)\nshould be replaced with\n"
              "Q, R = torch.linalg.qr(A, 'reduced' if some else 'complete')")
    from .. import linalg, return_types
    q, r = linalg.qr(input, 'reduced' if some else 'complete')
    if out is not None:
        out[0].resize_(q.shape).copy_(q)
        out[1].resize_(r.shape).copy_(r)
        q, r = out
    return return_types.qr((q, r))


def record_stream(self, stream):
    """Marks the memory as used by ``stream`` (ember's allocator frees at once; nothing to record)."""
    from .. import cuda
    if not isinstance(stream, getattr(cuda, 'Stream', ())):
        raise RuntimeError('unknown parameter type')


def to_dense(self, dtype=None, *, masked_grad=None):
    """A strided tensor is already dense: ``self`` (or ``self.to(dtype)``)."""
    return self if dtype is None else self.to(dtype)


def _volatile_get(self):
    warnings.warn('volatile was removed (Variable.volatile is always False)', UserWarning, stacklevel=2)
    return False


def _volatile_set(self, value):
    warnings.warn('volatile was removed and now has no effect. Use `with torch.no_grad():` instead.', UserWarning,
                  stacklevel=2)


def bind():
    """Attach the Tensor methods (called by ember/_ops/__init__.py)."""
    from . import linalg as L, composite as EX
    from .special import gammainc, gammaincc
    T = Tensor
    T.addmm_ = IP.make_inplace(L.addmm)
    T.cumsum_ = _cumsum_
    T.prelu, T.hardshrink = prelu, hardshrink
    T.nextafter_ = IP.make_inplace(EX.nextafter)
    T.igamma_ = IP.make_inplace(gammainc)
    T.igammac_ = IP.make_inplace(gammaincc)
    T.apply_, T.map_, T.map2_ = apply_, map_, map2_
    T.resize, T.resize_as = resize, resize_as
    T.as_strided_ = as_strided_
    T.output_nr = property(output_nr)
    T.is_set_to = is_set_to
    T.set_, T.as_subclass = set_, as_subclass
    T._make_subclass = staticmethod(_make_subclass)
    T.const_data_ptr = T.data_ptr
    T.dim_order = dim_order
    T.nonzero_static = nonzero_static
    T.qr = qr
    T.record_stream = record_stream
    T.to_dense = to_dense
    for n in ('is_sparse_csr', 'is_xla', 'is_xpu', 'is_mps', 'is_ipu', 'is_maia', 'is_mtia', 'is_vulkan'):
        setattr(T, n, property(lambda self: False))
    T.volatile = property(_volatile_get, _volatile_set)
    T.name = property(lambda self: None)
