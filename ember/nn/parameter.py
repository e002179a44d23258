"""``Parameter`` and ``Buffer``: the tensors a Module registers (``torch.nn.parameter``).

A ``Parameter`` is a Tensor subclass that shares the memory of the tensor it is made from and
requires grad by default; assigning one to a Module attribute registers it, so it shows up in
``parameters()``. ``Buffer`` marks a plain tensor to be registered as a buffer on assignment.

Example:
    >>> p = nn.Parameter(ember.ones(2))
    >>> p                                  # Parameter containing:\\ntensor([1., 1.], requires_grad=True)
    >>> class M(nn.Module):
    ...     def __init__(self):
    ...         super().__init__(); self.w = p; self.running = nn.Buffer(ember.zeros(2))
"""
from collections import OrderedDict

from .._tensor import Tensor

__all__ = ['Parameter', 'UninitializedParameter', 'is_lazy', 'Buffer', 'UninitializedBuffer',
           'UninitializedTensorMixin']


def _alias(cls, data, requires_grad):
    """A ``cls`` instance sharing ``data``'s memory and version counter, outside any graph
    (torch's ``Tensor._make_subclass``)."""
    t = object.__new__(cls)
    t._data = data._data
    t.dtype = data.dtype
    t._device = data._device
    t.grad_fn = None
    t._out = 0
    t._grad = None
    t._vc = data._shared_vc()
    t._base = None
    t._extra = {'root': data._storage_root()}
    t._rg = False
    if requires_grad:
        if data.dtype._cat < 2:
            raise RuntimeError('Only Tensors of floating point and complex dtype can require gradients')
        t._rg = True
    return t


class Parameter(Tensor):
    """A Tensor that is a module parameter (``torch.nn.Parameter``).

    Args:
        data (Tensor): the parameter's value (shared, not copied). Default: ``ember.empty(0)``.
        requires_grad (bool): whether the parameter requires gradient. Default: ``True``.
    """
    _is_param = True

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            from .._ops.creation import empty
            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f'_make_subclass(): argument \'data\' (position 2) must be Tensor, not '
                            f'{type(data).__name__}')
        return _alias(cls, data, requires_grad)

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(self.data.clone(), self.requires_grad)
        memo[id(self)] = result
        return result

    def __repr__(self):
        return 'Parameter containing:\n' + Tensor.__repr__(self)

    __str__ = __repr__

    def __reduce_ex__(self, proto):
        return (_rebuild_parameter, (self.data, self.requires_grad, OrderedDict()))


def _rebuild_parameter(data, requires_grad, backward_hooks):
    return Parameter(data, requires_grad)


class UninitializedTensorMixin:
    """The state of a lazy module's parameter before the first forward: no shape yet."""
    __slots__ = ()

    def materialize(self, shape, device=None, dtype=None):
        """Give the tensor ``shape`` (uninitialised memory) and turn it into ``cls_to_become``."""
        from .._ops.creation import empty
        if device is None:
            device = self.data.device
        if dtype is None:
            dtype = self.data.dtype
        self.data = empty(shape, device=device, dtype=dtype)
        self.__class__ = self.cls_to_become

    @property
    def shape(self):
        raise RuntimeError("Can't access the shape of an uninitialized parameter or buffer. This error usually "
                           'happens in `load_state_dict` when trying to load an uninitialized parameter into an '
                           'initialized one. Call `forward` to initialize the parameters before accessing their '
                           'attributes.')

    def share_memory_(self):
        raise RuntimeError("Can't share memory on an uninitialized parameter or buffer. Call `forward` to "
                           'initialize the parameters before calling `module.share_memory()`.')

    def __repr__(self):
        return f'<{self.__class__.__name__}>'

    __str__ = __repr__

    def __reduce_ex__(self, proto):
        return (self.__class__, (self.requires_grad,))


def is_lazy(param):
    """True for a lazy module's parameter or buffer that has not been materialized yet."""
    return isinstance(param, UninitializedTensorMixin)


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    """A parameter whose shape is decided by the first forward of a lazy module."""
    cls_to_become = Parameter

    def __new__(cls, requires_grad=True, device=None, dtype=None):
        from .._ops.creation import empty
        return _alias(cls, empty(0, device=device, dtype=dtype), requires_grad)

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(self.requires_grad, self.data.device, self.data.dtype)
        memo[id(self)] = result
        return result


class _BufferMeta(type(Tensor)):      # (Tensor's metaclass gives its <class 'torch...'> repr)
    def __instancecheck__(cls, instance):
        if cls is Buffer:
            e = getattr(instance, '_extra', None) if isinstance(instance, Tensor) else None
            if e and e.get('is_buffer'):
                return True
        return super().__instancecheck__(instance)


class Buffer(Tensor, metaclass=_BufferMeta):
    """Marks a tensor to be registered as a buffer when assigned to a Module attribute.

    ``Buffer(data, persistent=True)`` returns a plain Tensor (detached from ``data``, sharing its
    memory); ``persistent=False`` keeps it out of ``state_dict``.
    """

    def __new__(cls, data=None, *, persistent=True):
        if data is None:
            from .._ops.creation import empty
            data = empty(0)
        t = data.detach().requires_grad_(data.requires_grad)
        e = t._ex()
        e['is_buffer'] = True
        e['persistent'] = persistent
        return t


class UninitializedBuffer(UninitializedTensorMixin, Tensor):
    """A buffer whose shape is decided by the first forward of a lazy module."""
    __slots__ = ()
    cls_to_become = Tensor

    def __new__(cls, requires_grad=False, device=None, dtype=None, persistent=True):
        from .._ops.creation import empty
        t = _alias(cls, empty(0, device=device, dtype=dtype), requires_grad)
        t._extra.update(is_buffer=True, persistent=persistent)
        return t
