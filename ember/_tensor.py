"""The Tensor: one backend array plus autograd metadata.

A Tensor holds ``_data`` (a NumPy array on the CPU), its ``dtype`` and device, and, when it
takes part in autograd, ``grad_fn`` (the node that made it) or, for a leaf, ``.grad``. Views
share the array memory and the version counter ``_vc`` with their ``_base``. Ops live in
``ember/_ops``; they are bound here as methods by ``ember/_ops/__init__.py``.

Example:
    >>> x = ember.tensor([[1., 2.], [3., 4.]], requires_grad=True)
    >>> (x * x).sum().backward(); x.grad          # tensor([[2., 4.], [6., 8.]])
"""
import warnings
import numpy as np
from . import _dtype as D
from ._device import CPU, device as _device_cls
from .autograd import grad_mode
from .autograd.graph import AccumulateGrad
from ._backend import data_ptr as _data_ptr

__all__ = ['Tensor']

_new = object.__new__
_gm = grad_mode.state


def _warn_scalar_rg():
    # torch's float(t) / complex(t) (not .item() / int()) warn once per process on a tensor that
    # requires grad while grad mode is on
    from ._ops._core import warn_once
    warn_once('Converting a tensor with requires_grad=True to a scalar may lead to unexpected behavior.\n'
              'Consider using tensor.detach() first.', stacklevel=4)
# set once forward AD has made a private leaf (ember/autograd/forward_ad.py): from then on
# requires_grad, is_leaf and repr look past the graphs that exist only to read tangents
_FW_USED = [False]


class _TorchClassRepr(type):
    """The metaclass of Tensor and Size, for their repr only: ``print(type(x))`` shows
    <class 'torch.Tensor'> (and <class 'torch.nn.parameter.Parameter'>), as PyTorch's classes do.
    A script's own subclasses keep Python's repr."""
    def __repr__(cls):
        module = cls.__module__
        if module == 'ember' or module.startswith('ember.'):
            module = 'torch' if module == 'ember._tensor' else 'torch' + module[5:]
            return f"<class '{module}.{cls.__qualname__}'>"
        return super().__repr__()


class Size(tuple, metaclass=_TorchClassRepr):
    """``torch.Size``: a tuple of ints that prints as ``torch.Size([2, 3])``."""
    __slots__ = ()

    def __repr__(self):
        return f'torch.Size({list(self)})'

    __str__ = __repr__

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, i):
        r = tuple.__getitem__(self, i)
        return Size(r) if isinstance(i, slice) else r

    def __add__(self, other):
        return Size(tuple.__add__(self, tuple(other)))

    def __radd__(self, other):
        return Size(tuple(other) + tuple(self))


def suggest_memory_format(a):
    """torch's suggest_memory_format of array ``a``: 'torch.channels_last' ('_3d') when its strides
    order the dims channels-last (ambiguous size-1 cases fall back to contiguous, as in torch)."""
    nd = a.ndim
    if nd not in (4, 5):
        return 'torch.contiguous_format'
    sizes, strides = a.shape, a.strides
    if strides[1] == 0:
        return 'torch.contiguous_format'
    low = 0
    for d in ((1, 3, 2, 0) if nd == 4 else (1, 4, 3, 2, 0)):
        if sizes[d] == 0 or strides[d] < low or (d == 0 and low == strides[1]):
            return 'torch.contiguous_format'
        low = strides[d] * (sizes[d] if sizes[d] > 1 else 1)
    return 'torch.channels_last' if nd == 4 else 'torch.channels_last_3d'


def _channels_last_contiguous(a, nd):
    """torch's is_channels_last(_3d)_contiguous: strides growing in the order C, W, H, (D,) N, size-1
    dims skipped; only for 4-D (5-D) arrays."""
    if a.ndim != nd:
        return False
    expected = a.itemsize
    for d in ((1, 3, 2, 0) if nd == 4 else (1, 4, 3, 2, 0)):
        n = a.shape[d]
        if n != 1:
            if a.strides[d] != expected:
                return False
            expected *= n
    return True


class Tensor(metaclass=_TorchClassRepr):
    """A multi-dimensional array with autograd (``torch.Tensor``).

    ``ember.Tensor()`` is an empty float tensor; ``ember.Tensor(2, 3)`` an uninitialised one of
    shape (2, 3); ``ember.Tensor([1, 2])`` a float tensor of that data.
    """
    __slots__ = ('_data', 'dtype', '_device', '_rg', 'grad_fn', '_out', '_grad', '_vc', '_base',
                 '_extra', '__weakref__')
    __array_priority__ = 1000    # so `ndarray + Tensor` defers to Tensor.__radd__

    def __new__(cls, *args, device=None):
        from ._ops import creation
        return creation._legacy_new(cls, D.get_default_dtype(), args, device)

    # ------------------------------------------------------------------ basic attributes
    @property
    def shape(self):
        return Size(self._data.shape)

    def size(self, dim=None):
        if dim is None:
            return Size(self._data.shape)
        if not self._data.ndim:
            raise IndexError(f'Dimension specified as {dim} but tensor has no dimensions')
        return self._data.shape[_wrap_dim(dim, self._data.ndim)]

    def dim(self):
        return self._data.ndim

    ndimension = dim

    @property
    def ndim(self):
        return self._data.ndim

    def numel(self):
        return self._data.size

    nelement = numel

    def element_size(self):
        return self.dtype.itemsize

    @property
    def itemsize(self):
        return self.dtype.itemsize

    @property
    def nbytes(self):
        return self._data.size * self.dtype.itemsize

    @property
    def device(self):
        return self._device

    @property
    def is_cuda(self):
        return self._device.type == 'cuda'

    @property
    def is_cpu(self):
        return self._device.type == 'cpu'

    is_sparse = False
    is_quantized = False
    is_mkldnn = False
    is_nested = False
    layout = 'torch.strided'

    @property
    def is_meta(self):
        return self._device.type == 'meta'

    def get_device(self):
        return -1 if self._device.type == 'cpu' else self._device.index

    def is_floating_point(self):
        return self.dtype.is_floating_point

    def is_complex(self):
        return self.dtype.is_complex

    def is_signed(self):
        return self.dtype.is_signed

    def is_inference(self):
        return bool(self._extra and self._extra.get('inference'))

    # ------------------------------------------------------------------ memory layout
    def stride(self, dim=None):
        """Strides in elements: the array's, which the view ops keep equal to torch's (an
        unsqueezed axis, an expanded one). NumPy gives an empty array zero strides; torch's
        are the contiguous ones."""
        a = self._data
        isz = a.itemsize
        st = [s // isz for s in a.strides]
        if not a.size and 0 in st:
            shp = a.shape
            nxt = 1
            for d in range(a.ndim - 1, -1, -1):
                if st[d] == 0:
                    st[d] = nxt
                nxt = st[d] * (shp[d] or 1)
        st = tuple(st)
        if dim is None:
            return st
        if not a.ndim:
            raise IndexError(f'Dimension specified as {dim} but tensor has no dimensions')
        return st[_wrap_dim(dim, a.ndim)]

    def is_contiguous(self, memory_format=None):
        if memory_format is None or memory_format == 'torch.contiguous_format':
            return self._data.flags.c_contiguous
        if memory_format == 'torch.channels_last' or memory_format == 'torch.channels_last_3d':
            return _channels_last_contiguous(self._data, 4 if memory_format == 'torch.channels_last' else 5)
        return self._data.flags.c_contiguous

    def data_ptr(self):
        return _data_ptr(self._data) if self._data.size else 0

    def __dlpack__(self, *, stream=None, max_version=None, dl_device=None, copy=None):
        """The DLPack capsule of this tensor's memory (what ``from_dlpack`` of other libraries takes)."""
        if self._rg:
            raise BufferError("Can't export tensors that require gradient, use tensor.detach()")
        kw = {'stream': stream} if self._device.type == 'cuda' and stream not in (None, -1) else {}
        if max_version is not None:
            kw['max_version'] = max_version
        if copy is not None:
            kw['copy'] = copy
        return self._data.__dlpack__(**kw)

    def __dlpack_device__(self):
        return self._data.__dlpack_device__()

    def _storage_root(self):
        """The tensor that owns the memory: a view's ``_base``; for ``detach()``/``.data`` (no
        ``_base`` in torch) the root kept in ``_extra['root']``."""
        t = self
        while True:
            b = t._base
            if b is None:
                e = t._extra
                b = e.get('root') if e else None
                if b is None:
                    return t
            t = b

    def storage_offset(self):
        root = self._storage_root()
        if root is self:
            return 0
        if not self._data.size and self._extra and 'view' in self._extra:
            # NumPy does not advance the pointer of an empty slice; torch's offset still counts its start
            from ._ops.indexing import empty_slice_offset
            off = empty_slice_offset(self)
            if off is not None:
                return off
        return (_data_ptr(self._data) - _data_ptr(root._data)) // self._data.itemsize

    def untyped_storage(self):
        from .storage import UntypedStorage
        return UntypedStorage(self._storage_root())

    def storage(self):
        """The elements of the memory this tensor views (torch's deprecated TypedStorage)."""
        from .storage import storage_of
        return storage_of(self)

    def storage_type(self):
        from .storage import storage_type_of
        return storage_type_of(self)

    def _is_view(self):
        return self._base is not None

    @property
    def _version(self):
        vc = self._vc
        return vc[0] if vc is not None else 0

    def _bump(self):
        """Record an in-place change (shared with every view of the same storage)."""
        e = self._extra
        if e and 'inference' in e:
            # torch's inference tensors keep no version counter, and change only in inference mode
            if not _grad_state.inference:
                raise RuntimeError(INFERENCE_INPLACE)
            return
        vc = self._vc
        if vc is None:
            self._vc = [1]
        else:
            vc[0] += 1

    # ------------------------------------------------------------------ autograd attributes
    @property
    def requires_grad(self):
        if self._rg and _FW_USED[0] and (self.grad_fn is not None or self._extra):
            # forward AD: a result whose graph exists only to read tangents does not require grad
            from .autograd.forward_ad import _visible_requires_grad
            return _visible_requires_grad(self)
        return self._rg

    @requires_grad.setter
    def requires_grad(self, flag):
        if flag and self.grad_fn is not None:
            raise RuntimeError('you can only change requires_grad flags of leaf variables.')
        if flag and self.grad_fn is None and self.dtype._cat < 2:
            raise RuntimeError('only Tensors of floating point and complex dtype can require gradients')
        self.requires_grad_(flag)

    def requires_grad_(self, requires_grad=True):
        requires_grad = bool(requires_grad)
        if self.grad_fn is not None:
            if not requires_grad:
                raise RuntimeError('you can only change requires_grad flags of leaf variables. If you want to use '
                                   'a computed variable in a subgraph that doesn\'t require differentiation use '
                                   'var_no_grad = var.detach().')
            return self
        if requires_grad and self.dtype._cat < 2:
            raise RuntimeError('only Tensors of floating point dtype can require gradients')
        self._rg = requires_grad
        return self

    @property
    def is_leaf(self):
        if _FW_USED[0] and self.grad_fn is not None:
            from .autograd.forward_ad import _is_hidden_result
            return _is_hidden_result(self)
        return self.grad_fn is None

    @property
    def grad(self):
        if self.grad_fn is not None and not (self._extra and self._extra.get('retains_grad')):
            warnings.warn(
                'The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute '
                "won't be populated during autograd.backward(). If you indeed want the .grad field to be populated "
                'for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor '
                'by mistake, make sure you access the leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 '
                'for more information.', UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f'assigned grad expected to be a Tensor or None but got grad of type {type(value).__name__}')
            if value.dtype is not self.dtype:
                raise RuntimeError(f'assigned grad has data of a different type')
            if value._device is not self._device:
                raise RuntimeError('assigned grad has data located on a different device')
            if value.shape != self.shape:
                raise RuntimeError('assigned grad has data of a different size')
        self._grad = value

    @grad.deleter
    def grad(self):
        self._grad = None

    @property
    def retains_grad(self):
        return bool(self._extra and self._extra.get('retains_grad'))

    def retain_grad(self):
        """Keep ``.grad`` for this non-leaf after backward."""
        if not self._rg:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is None or self.retains_grad:
            return
        extra = self._ex()
        extra['retains_grad'] = True
        import weakref
        ref = weakref.ref(self)

        def keep(g):
            t = ref()
            if t is None:
                return
            if t._grad is None:
                t._grad = _wrap(g._data.copy(), g.dtype, g._device) if not g._rg else g
            else:
                t._grad = t._grad + g
        self.grad_fn._tensor_hook(self._out, keep, retain=True)

    def register_hook(self, hook):
        """``hook(grad) -> Tensor or None`` runs when this tensor's gradient is computed."""
        if not self._rg:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            return self.grad_fn._tensor_hook(self._out, hook)
        hooks = self._ex().setdefault('hooks', [])
        hooks.append(hook)
        from .autograd.graph import _RemovableHandle
        return _RemovableHandle(hooks, hook)

    def register_post_accumulate_grad_hook(self, hook):
        if self.grad_fn is not None:
            raise RuntimeError('post accumulate grad hooks cannot be registered on non-leaf tensors')
        hooks = self._ex().setdefault('post_hooks', [])
        hooks.append(hook)
        from .autograd.graph import _RemovableHandle
        return _RemovableHandle(hooks, hook)

    def _ex(self):
        e = self._extra
        if e is None:
            e = self._extra = {}
        return e

    def _accumulator(self):
        e = self._ex()
        acc = e.get('acc')
        if acc is None:
            acc = e['acc'] = AccumulateGrad(self)
        return acc

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate the gradient of this tensor into the leaves' ``.grad``."""
        from .autograd import engine
        engine.backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def detach(self):
        """A tensor sharing storage with self, outside the graph."""
        t = _wrap(self._data, self.dtype, self._device)
        t._vc = self._shared_vc()
        t._extra = {'root': self._storage_root()}     # not a view (torch: no _base), same storage
        return t

    def detach_(self):
        if self._base is not None and self._extra and 'view' in self._extra:
            raise RuntimeError("Can't detach views in-place. Use detach() instead. If you are using "
                               'DistributedDataParallel (DDP) for training, and gradient_as_bucket_view is set as '
                               'True, gradients are views of DDP buckets, and hence detach_() cannot be called on '
                               'these gradients. To fix this error, please refer to the Optimizer.zero_grad() '
                               'function in torch/optim/optimizer.py as the solution.')
        self.grad_fn = None
        self._rg = False
        self._out = 0
        return self

    def _shared_vc(self):
        vc = self._vc
        if vc is None:
            vc = self._vc = [0]
        return vc

    @property
    def data(self):
        t = _wrap(self._data, self.dtype, self._device)
        t._vc = [0]          # torch: .data shares storage but not the version counter
        t._extra = {'root': self._storage_root()}
        return t

    @data.setter
    def data(self, value):
        if not isinstance(value, Tensor):
            raise TypeError(f'data must be a Tensor, not {type(value).__name__}')
        self._data = value._data
        self.dtype = value.dtype
        self._device = value._device

    # ------------------------------------------------------------------ conversion to Python / NumPy
    def item(self):
        if self._data.size != 1:
            raise RuntimeError(f'a Tensor with {self._data.size} elements cannot be converted to Scalar')
        if self._device is not CPU:
            _no_meta_value(self)
        return self._data.reshape(-1)[0].item()

    def tolist(self):
        if self._device is not CPU and self._device.type == 'meta':
            raise NotImplementedError('Cannot copy out of meta tensor; no data!')
        return self._host().tolist()

    def numpy(self, *, force=False):
        """The tensor's NumPy array, sharing memory with it."""
        if not force:
            self._check_numpy()
        if self.dtype is D.bfloat16:
            raise TypeError('Got unsupported ScalarType BFloat16')
        if self._device.type != 'cpu':
            return self._host()
        d = self._data
        if type(d) is not np.ndarray:       # (ember.compile recording: the array leaves ember; run eagerly)
            raise AttributeError('Tensor.numpy() inside a compiled call')
        return d

    def _host(self):
        d = self._data
        return d if type(d) is np.ndarray else d.get()

    def _check_numpy(self):
        # torch's order (seen on torch's CUDA build): a tensor off the CPU (no implicit copy to the
        # host), then one that requires grad while grad mode is on; np.asarray(t) and np.array(t)
        # go through the same checks
        if self._device.type != 'cpu':
            raise TypeError(f"can't convert {self._device} device type tensor to numpy. Use Tensor.cpu() to "
                            'copy the tensor to host memory first.')
        if self._rg and _gm.enabled:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")

    def __array__(self, dtype=None, copy=None):
        self._check_numpy()
        if self.dtype is D.bfloat16:
            raise TypeError('Got unsupported ScalarType BFloat16')
        a = self._data
        if copy:            # np.array(t): a copy; np.asarray(t): shares memory when it can
            return a.astype(dtype or a.dtype, copy=True)
        return a if dtype is None else a.astype(dtype, copy=False)

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError('len() of a 0-d tensor')
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError('iteration over a 0-d tensor')
        return iter(self.unbind(0))

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError('Boolean value of Tensor with no values is ambiguous' if self._data.size == 0 else
                               'Boolean value of Tensor with more than one value is ambiguous')
        if self._device is not CPU:
            _no_meta_value(self)
        return bool(self._data.reshape(-1)[0])

    def __float__(self):
        if self._rg and _gm.enabled:
            _warn_scalar_rg()
        if self._data.size != 1:
            raise ValueError('only one element tensors can be converted to Python scalars')
        if self.dtype._cat == 3:
            raise RuntimeError('value cannot be converted to type double without overflow')
        if self._device is not CPU:
            _no_meta_value(self)
        return float(self._data.reshape(-1)[0])

    def __int__(self):
        if self._data.size != 1:
            raise ValueError('only one element tensors can be converted to Python scalars')
        if self.dtype._cat == 3:
            raise RuntimeError('value cannot be converted to type int64_t without overflow')
        if self._device is not CPU:
            _no_meta_value(self)
        return int(self._data.reshape(-1)[0])

    def __index__(self):
        if self.dtype.is_floating_point or self._data.size != 1:
            raise TypeError('only integer tensors of a single element can be converted to an index')
        return int(self._data.reshape(-1)[0])

    def __complex__(self):
        if self._rg and _gm.enabled:
            _warn_scalar_rg()
        return complex(self.item())

    def __contains__(self, element):
        if isinstance(element, (Tensor, int, float, bool)):
            return bool(np.any((self == element)._data))
        raise RuntimeError(f'Tensor.__contains__ only supports Tensor or scalar, but you passed in a '
                           f'{type(element)}.')

    __hash__ = object.__hash__

    def __repr__(self, *, tensor_contents=None):
        from ._tensor_str import format_tensor
        dev = None if self._device.type == 'cpu' else str(self._device)
        gf = self.grad_fn
        rg, tangent = self._rg, None
        if _FW_USED[0] and rg:          # forward AD: torch prints the tangent, and no hidden graph
            from .autograd import forward_ad
            if forward_ad._is_hidden_result(self):
                gf, rg = None, False
            tangent = forward_ad.unpack_dual(self).tangent
        return format_tensor(self._host(), dtype_name=self.dtype.name, device_str=dev,
                             requires_grad=rg, grad_fn_name=None if gf is None else gf.name().rsplit('::', 1)[-1],
                             default_dtype_name=D.get_default_dtype().name, tangent=tangent,
                             meta=self._device.type == 'meta', tensor_name=_repr_prefix(type(self)))

    __str__ = __repr__

    def __format__(self, spec):
        # torch formats only a plain 0-d Tensor as its number: a Parameter or a user subclass
        # (f'{param}' in a distribution's repr) or a meta tensor goes to object.__format__, str()
        # for '' and a TypeError for a format spec (ember's own QTensor / sparse classes are plain)
        if self._data.ndim == 0 and (type(self) is Tensor or (type(self).__module__.startswith('ember.')
                                                              and not getattr(self, '_is_param', False))):
            if self._device.type != 'meta':
                return self.item().__format__(spec)
        return object.__format__(self, spec)

    def __reduce_ex__(self, proto):
        return (_rebuild, (self._host(), self.dtype.name, str(self._device), self._rg))

    def __deepcopy__(self, memo):
        if self.grad_fn is not None:
            raise RuntimeError('Only Tensors created explicitly by the user (graph leaves) support the deepcopy '
                               'protocol at the moment.  If you were attempting to deepcopy a module, this may be '
                               'because of a torch.nn.utils.weight_norm usage, see '
                               'https://github.com/pytorch/pytorch/pull/103001')
        t = _wrap(self._data.copy(), self.dtype, self._device)
        t._rg = self._rg
        if type(self) is not Tensor:
            new = type(self).__new__(type(self), t, self._rg) if _is_param(self) else t
            t = new
        if self._grad is not None:
            t._grad = self._grad.__deepcopy__(memo)
        memo[id(self)] = t
        return t

    # the legacy type string: 'torch.FloatTensor'
    def type(self, dtype=None, non_blocking=False, **kwargs):
        from ._ops import creation
        if dtype is None:
            prefix = 'torch.' if self._device.type == 'cpu' else 'torch.cuda.'
            return prefix + self.dtype._legacy
        return creation._to_type(self, dtype)


def _is_param(t):
    return getattr(type(t), '_is_param', False)


def _rebuild(arr, dtype_name, dev, rg):
    t = _wrap(np.array(arr), D._NAMES[dtype_name], CPU)
    if dev != 'cpu':
        t = t.to(dev)
    t._rg = rg
    return t


def _no_meta_value(t):
    """torch's refusal to read the value of a meta tensor (it has none; ember keeps a placeholder)."""
    if t._device.type == 'meta':
        raise RuntimeError('Tensor.item() cannot be called on meta tensors')


def _repr_prefix(cls):
    """'tensor', or a script's Tensor subclass's own name (torch prints ``MyTensor([1., 2.])``)."""
    return 'tensor' if cls is Tensor or cls.__module__.startswith('ember') else cls.__name__


def _wrap(data, dtype, device=CPU):
    """A new leaf Tensor around a backend array (the fast constructor every op uses)."""
    t = _new(Tensor)
    if dtype is _BF16:          # (emulated bfloat16: every result rounded here, ember/_bf16.py)
        data = _round_bf16(data)
    t._data = data
    t.dtype = dtype
    t._device = device
    t._rg = False
    t.grad_fn = None
    t._out = 0
    t._grad = None
    t._vc = None
    t._base = None
    # a tensor made under inference_mode reports is_inference() (torch's inference tensors)
    t._extra = {'inference': True} if _grad_state.inference else None
    return t


_grad_state = grad_mode.state
_BF16 = D.bfloat16
from ._bf16 import round_bf16 as _round_bf16  # noqa: E402
INFERENCE_INPLACE = ('Inplace update to inference tensor outside InferenceMode is not allowed.You can make a clone '
                     'to get a normal tensor before doing inplace update.See https://github.com/pytorch/rfcs/pull/17 for '
                     'more details.')


def _ones_like_data(a):
    return np.ones_like(a)


def _wrap_dim(dim, ndim):
    """A dim in range(ndim) from a possibly negative dim, with torch's IndexError."""
    n = ndim if ndim > 0 else 1
    if dim < -n or dim >= n:
        raise IndexError(f'Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})')
    return dim + n if dim < 0 else dim


from .autograd import graph as _graph  # noqa: E402
_graph._Tensor = Tensor      # lets Node.saved() tell saved tensors from saved numbers cheaply
