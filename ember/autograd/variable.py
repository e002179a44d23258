"""``Variable``: the pre-0.4 wrapper, kept as torch keeps it. ``Variable(t, requires_grad=...)``
returns a tensor: a new leaf sharing ``t``'s memory; ``isinstance(x, Variable)`` holds for every
tensor."""
import warnings

__all__ = ['Variable']


class VariableMeta(type):
    def __instancecheck__(cls, other):
        from .._tensor import Tensor
        return isinstance(other, Tensor)


class Variable(metaclass=VariableMeta):
    """Legacy: ``Variable(data, requires_grad=False)`` is ``data.detach().requires_grad_(requires_grad)``."""

    def __new__(cls, data=None, requires_grad=False, volatile=False):
        from .._tensor import Tensor
        import ember
        if volatile:
            warnings.warn('volatile was removed and now has no effect. Use `with torch.no_grad():` instead.',
                          stacklevel=2)
        if data is None:            # (the legacy constructor ignores the default device: a CPU tensor)
            data = ember.tensor([], device='cpu')
        if not isinstance(data, Tensor):
            raise TypeError(f'Variable data has to be a tensor, but got {type(data).__name__}')
        t = data.detach()
        if requires_grad:
            if t.dtype._cat < 2:
                raise RuntimeError('Only Tensors of floating point and complex dtype can require gradients')
            t._rg = True
        return t
