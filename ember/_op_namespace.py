"""``torch.ops``: operators by namespace. ``torch.ops.aten.<name>`` is ember's function of that name
(``torch.ops.aten.add.Tensor(a, b)``); ``torch.ops.<ns>.<name>`` an operator a script defined with
``torch.library`` (ember/library.py). Overloads (``.default``, ``.Tensor``, ``.Scalar``, ...) all
call the same function: ember's functions take every overload's arguments.

Example:
    >>> ember.ops.aten.mul.Tensor(ember.ones(2), 3)          # tensor([3., 3.])
"""

__all__ = ['ops', 'OpOverloadPacket', 'OpOverload']


class OpOverload:
    """One overload of an operator (``torch.ops.aten.add.Tensor``)."""

    def __init__(self, packet, overload):
        self._packet = packet
        self._overloadname = overload
        self.__name__ = f'{packet._name}.{overload}'

    def __call__(self, *args, **kwargs):
        return self._packet._fn(*args, **kwargs)

    @property
    def overloadpacket(self):
        return self._packet

    def name(self):
        return f'{self._packet._ns}::{self._packet._name}' + ('' if self._overloadname == 'default'
                                                               else '.' + self._overloadname)

    def __str__(self):
        return f'{self._packet._ns}.{self._packet._name}.{self._overloadname}'

    def __repr__(self):
        return f"<OpOverload(op='{self._packet._ns}.{self._packet._name}', overload='{self._overloadname}')>"


class OpOverloadPacket:
    """An operator with all its overloads (``torch.ops.aten.add``); calling it calls the operator."""

    def __init__(self, ns, name, fn):
        self._ns, self._name, self._fn = ns, name, fn
        self.__name__ = name

    def __call__(self, *args, **kwargs):
        return self._fn(*args, **kwargs)

    def __getattr__(self, overload):
        if overload.startswith('__'):
            raise AttributeError(overload)
        o = OpOverload(self, overload)
        setattr(self, overload, o)
        return o

    def overloads(self):
        return ['default']

    def __str__(self):
        return f'{self._ns}.{self._name}'

    def __repr__(self):
        return f"<OpOverloadPacket(op='{self._ns}.{self._name}')>"


def _aten(name):
    """ember's function for the ATen operator ``name`` (torch-level, then Tensor method, then
    torch.nn.functional), or None."""
    import ember
    from ember import Tensor
    if name.endswith('_') and hasattr(Tensor, name):     # in-place: Tensor.add_(self, ...)
        return getattr(Tensor, name)
    for where in (ember, Tensor):
        fn = getattr(where, name, None)
        if callable(fn) and not isinstance(fn, type):
            return fn
    from ember.nn import functional as F
    fn = getattr(F, name, None)
    return fn if callable(fn) else None


class _OpNamespace:
    def __init__(self, name):
        self._name = name

    def __getattr__(self, op):
        if op.startswith('__'):
            raise AttributeError(op)
        from .library import _REGISTRY
        custom = _REGISTRY.get(f'{self._name}::{op}')
        if custom is not None:
            fn = custom
        elif self._name == 'aten':
            fn = _aten(op)
        else:
            fn = None
        if fn is None:
            raise AttributeError(f"'_OpNamespace' '{self._name}' object has no attribute '{op}'")
        packet = OpOverloadPacket(self._name, op, fn)
        if self._name == 'aten':        # (a custom op's packet is remade: a later registration may replace it)
            setattr(self, op, packet)
        return packet

    def __repr__(self):
        return f"<module 'torch.ops.{self._name}' from 'torch.ops'>"


class _Ops:
    """``torch.ops``: a namespace per attribute."""
    __name__ = 'torch.ops'

    def __getattr__(self, ns):
        if ns.startswith('__'):
            raise AttributeError(ns)
        space = _OpNamespace(ns)
        setattr(self, ns, space)
        return space

    def load_library(self, path):
        raise OSError(f'ember cannot load compiled operator libraries ({path}): define the operators in Python '
                      'with torch.library.custom_op')

    def import_module(self, module):
        import importlib
        importlib.import_module(module)


ops = _Ops()
