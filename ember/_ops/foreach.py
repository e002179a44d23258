"""``torch._foreach_*``: one op applied to each tensor of a list (``torch._foreach_lerp_(target_params,
params, tau)`` and ``_foreach_mul_``/``_foreach_add_`` for polyak target-network updates in RL code),
written as a loop over the tensors. List arguments pair up with the tensors; numbers and single
tensors apply to all of them. The in-place forms answer their first argument, the others a tuple.

Example:
    >>> ember._foreach_lerp_(list(target.parameters()), list(online.parameters()), 0.005)
"""
import sys

_UNARY = ('abs', 'acos', 'asin', 'atan', 'ceil', 'cos', 'cosh', 'erf', 'erfc', 'exp', 'expm1', 'floor', 'frac',
          'lgamma', 'log', 'log10', 'log1p', 'log2', 'neg', 'reciprocal', 'round', 'rsqrt', 'sigmoid', 'sign', 'sin',
          'sinh', 'sqrt', 'tan', 'tanh', 'trunc')
_OTHERS = ('add', 'sub', 'mul', 'div', 'pow', 'clamp_min', 'clamp_max', 'maximum', 'minimum', 'lerp', 'addcmul',
           'addcdiv')
_NO_METHOD_INPLACE = ('maximum', 'minimum')


def _check(tensors, *lists):
    if not isinstance(tensors, (list, tuple)) or not tensors:
        raise RuntimeError('Tensor list must have at least one tensor.')
    for other in lists:
        if isinstance(other, (list, tuple)) and len(other) != len(tensors):
            raise RuntimeError(f'Tensor lists must have the same number of tensors, got {len(tensors)} and '
                               f'{len(other)}')


def _nth(arg, i):
    return arg[i] if isinstance(arg, (list, tuple)) else arg


def _make(name, inplace):
    def fn(self, *args, **kwargs):
        _check(self, *args)
        out = []
        for i, t in enumerate(self):
            a = [_nth(x, i) for x in args]
            if name in _NO_METHOD_INPLACE and a and not hasattr(a[0], 'shape'):
                # a number (``_foreach_maximum(grads, eps)``): torch clamps
                op = 'clamp_min' if name == 'maximum' else 'clamp_max'
                out.append(getattr(t, op + ('_' if inplace else ''))(*a, **kwargs))
                continue
            if not inplace:
                out.append(getattr(t, name)(*a, **kwargs))
            elif name in _NO_METHOD_INPLACE:
                t.copy_(getattr(t, name)(*a, **kwargs))
            else:
                getattr(t, name + '_')(*a, **kwargs)
        return self if inplace else tuple(out)
    fn.__name__ = fn.__qualname__ = f'_foreach_{name}' + ('_' if inplace else '')
    return fn


_mod = sys.modules[__name__]
__all__ = []
for _name in _UNARY + _OTHERS:
    for _ip in (False, True):
        _f = _make(_name, _ip)
        setattr(_mod, _f.__name__, _f)
        __all__.append(_f.__name__)


def _foreach_zero_(self):
    _check(self)
    for t in self:
        t.zero_()
    return self


def _foreach_copy_(self, src, non_blocking=False):
    _check(self, src)
    for t, s in zip(self, src):
        t.copy_(s, non_blocking=non_blocking)
    return self


def _foreach_clone(self):
    _check(self)
    return tuple(t.clone() for t in self)


def _foreach_norm(self, ord=2, dtype=None):
    _check(self)
    from .reduction import vector_norm     # (over all elements, as torch's)
    return tuple(vector_norm(t, ord, dtype=dtype) for t in self)


def _foreach_max(self):
    _check(self)
    return tuple(t.max() for t in self)


__all__ += ['_foreach_zero_', '_foreach_copy_', '_foreach_clone', '_foreach_norm', '_foreach_max']
