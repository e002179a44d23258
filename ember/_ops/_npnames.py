"""NumPy's argument names, as torch takes them: every op with a ``dim`` also takes ``axis``, and
with a ``keepdim`` also ``keepdims`` (torch's argument parser maps them: ``x.sum(axis=1,
keepdims=True)``, ``torch.cat(ts, axis=0)``). Wrapped once at import, for the ``ember.*``
functions and the Tensor methods whose signature names ``dim`` or ``keepdim``."""
import functools
import inspect
import types

_ALIASES = (('axis', 'dim'), ('keepdims', 'keepdim'))


def _renamed(k, name):
    for np_name, torch_name in _ALIASES:
        if np_name in k:
            if torch_name in k:
                raise TypeError(f"{name}() received an invalid combination of arguments: both '{np_name}' and "
                                f"'{torch_name}'")
            k[torch_name] = k.pop(np_name)
    return k


def numpy_names(fn):
    """``fn`` taking ``axis=``/``keepdims=`` for its ``dim``/``keepdim``; ``fn`` itself where it
    has neither (or names ``axis`` itself)."""
    if not isinstance(fn, types.FunctionType) or getattr(fn, '_numpy_names', False):
        return fn
    # the parameter names from the code object (inspect.signature costs ~10x more, at import)
    f = inspect.unwrap(fn)
    code = getattr(f, '__code__', None)
    if code is None or code.co_flags & inspect.CO_VARKEYWORDS:
        return fn
    params = set(code.co_varnames[:code.co_argcount + code.co_kwonlyargcount])
    if not ({'dim', 'keepdim'} & params) or {'axis', 'keepdims'} & params:
        return fn
    name = fn.__name__

    @functools.wraps(fn)
    def op(*args, **kwargs):
        if kwargs and ('axis' in kwargs or 'keepdims' in kwargs):
            kwargs = _renamed(kwargs, name)
        return fn(*args, **kwargs)
    op._numpy_names = True
    return op


def apply(namespace, cls):
    for n, f in list(namespace.items()):
        if not n.startswith('_') and isinstance(f, types.FunctionType):
            namespace[n] = numpy_names(f)
    for n, f in list(vars(cls).items()):
        if not n.startswith('__') and isinstance(f, types.FunctionType):
            setattr(cls, n, numpy_names(f))
