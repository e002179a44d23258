"""``ember.overrides`` (``torch.overrides``): the ``__torch_function__`` protocol's helpers, for
libraries that check ``has_torch_function(args)`` and hand a call to an argument's type.

ember's own Tensor does not dispatch through ``__torch_function__``: a tensor-like object (any
type that defines it, a Tensor subclass included) gets the call only where code asks, as below.

Example:
    >>> def f(x):
    ...     if has_torch_function((x,)):
    ...         return handle_torch_function(f, (x,), x)
    ...     return x + 1
"""
import functools

__all__ = ['get_ignored_functions', 'get_overridable_functions', 'get_testing_overrides', 'handle_torch_function',
           'has_torch_function', 'resolve_name', 'is_tensor_like', 'is_tensor_method_or_property',
           'wrap_torch_function', 'enable_reentrant_dispatch', 'redispatch_function']


def _overloaded(relevant_args):
    """The arguments whose types define ``__torch_function__``, one per type, subclasses before
    their bases (torch's order)."""
    types, args = [], []
    for a in relevant_args:
        t = type(a)
        if t in types or not hasattr(t, '__torch_function__'):
            continue
        i = len(args)
        for j, other in enumerate(types):
            if issubclass(t, other):
                i = j
                break
        types.insert(i, t)
        args.insert(i, a)
    return args, types


def has_torch_function(relevant_args):
    """True when an argument's type defines ``__torch_function__``."""
    return any(hasattr(type(a), '__torch_function__') for a in relevant_args)


def has_torch_function_unary(arg):
    return hasattr(type(arg), '__torch_function__')


def has_torch_function_variadic(*args):
    return has_torch_function(args)


def handle_torch_function(public_api, relevant_args, *args, **kwargs):
    """Call the ``__torch_function__`` of the overloaded arguments in turn until one does not
    return NotImplemented (torch's protocol); TypeError when none handles the call."""
    overloaded, types = _overloaded(relevant_args)
    for a in overloaded:
        result = type(a).__torch_function__(public_api, tuple(types), args, kwargs)
        if result is not NotImplemented:
            return result
    raise TypeError(f"no implementation found for '{resolve_name(public_api) or public_api.__qualname__}' on "
                    f"types that implement __torch_function__: {[type(a) for a in overloaded]}")


def is_tensor_like(inp):
    """A Tensor, or an object whose type defines ``__torch_function__``."""
    from ._tensor import Tensor
    return type(inp) is Tensor or isinstance(inp, Tensor) or hasattr(type(inp), '__torch_function__')


def is_tensor_method_or_property(func):
    from ._tensor import Tensor
    return func in vars(Tensor).values() or getattr(func, '__name__', None) in vars(Tensor)


def resolve_name(f):
    """'torch.add', 'torch.Tensor.add', 'torch.nn.functional.relu': the public name of an API function."""
    import ember
    from ._tensor import Tensor
    name = getattr(f, '__name__', None)
    if name is None:
        return None
    # (ember's torch.add and Tensor.add are often one function object: the torch-level name wins)
    if getattr(ember, name, None) is f:
        return f'torch.{name}'
    if getattr(Tensor, name, None) is f or vars(Tensor).get(name) is f:
        return f'torch.Tensor.{name}'
    from .nn import functional as F
    if getattr(F, name, None) is f:
        return f'torch.nn.functional.{name}'
    module = getattr(f, '__module__', None)
    if module:
        return module.replace('ember', 'torch', 1) + '.' + getattr(f, '__qualname__', name) \
            if module.startswith('ember') else None
    return None


def get_ignored_functions():
    """Public functions that cannot be overridden by ``__torch_function__`` (none are listed)."""
    return set()


def get_overridable_functions():
    """{namespace: [functions]} of the public API ``__torch_function__`` may override."""
    import ember
    from ._tensor import Tensor
    from .nn import functional as F
    out = {}
    for ns in (ember, F, Tensor):
        out[ns] = [v for k, v in vars(ns).items() if not k.startswith('_') and callable(v) and not isinstance(v, type)]
    return out


def get_testing_overrides():
    """{function: dummy} for every overridable function, the dummy returning -1 (torch's testing aid)."""
    return {f: (lambda *a, **k: -1) for fs in get_overridable_functions().values() for f in fs}


def wrap_torch_function(dispatcher):
    """Decorator: the function hands its call to ``__torch_function__`` when ``dispatcher(*args,
    **kwargs)`` names an argument that has one."""
    def inner(func):
        @functools.wraps(func)
        def wrapped(*args, **kwargs):
            relevant = dispatcher(*args, **kwargs)
            if has_torch_function(relevant):
                return handle_torch_function(wrapped, relevant, *args, **kwargs)
            return func(*args, **kwargs)
        return wrapped
    return inner


class enable_reentrant_dispatch:
    """Context manager kept for torch's API (ember has no dispatcher to re-enter)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def redispatch_function(func, *args, **kwargs):
    return func(*args, **kwargs)
