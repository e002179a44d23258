"""``ember.jit``: TorchScript's entry points as pass-throughs (ember has no TorchScript compiler).

``script(obj)`` returns ``obj`` itself and ``trace(func, example_inputs)`` returns ``func`` after
calling it once on the example inputs (so a call that fails fails here, as tracing would); both
behave as the original when called. The decorators (``ignore``, ``unused``, ``export``,
``interface``) return what they decorate; ``is_scripting()`` and ``is_tracing()`` are False;
``save(m, f)`` writes the module or function with ``ember.save`` (pickled: loading needs its
class importable, as for any whole-module save) and ``load(f)`` reads such a file back (a trusted
file, as TorchScript archives are code); archives written by torch's TorchScript cannot be read.
For compiled speed see ``ember.compile``.

Example:
    >>> m = ember.jit.script(nn.Linear(3, 2)); m(ember.ones(1, 3)).shape      # torch.Size([1, 2])
    >>> f = ember.jit.trace(lambda x: x * 2, ember.ones(2)); f(ember.ones(3))   # tensor([2., 2., 2.])
"""
import collections
import sys
import typing
import warnings

__all__ = ['script', 'trace', 'trace_module', 'save', 'load', 'ignore', 'unused', 'export', 'interface',
           'is_scripting', 'is_tracing', 'Final', 'annotate', 'Attribute', 'ScriptModule', 'ScriptFunction',
           'fork', 'wait', 'freeze', 'optimize_for_inference', 'enable_onednn_fusion', 'onednn_fusion_enabled',
           'set_fusion_strategy', 'strict_fusion', 'optimized_execution', 'isinstance', 'script_if_tracing', 'Error',
           'CompilationUnit']

Final = typing.Final


def _deprecated(name, instead='`torch.compile` or `torch.export`'):
    # torch 2.13's text, attributed (stacklevel 1) to this module as torch's is to its own:
    # hidden under Python's default filters, shown by pytest
    if sys.version_info >= (3, 14):
        msg = f'`torch.jit.{name}` is not supported in Python 3.14+ and may break. Please switch to {instead}.'
    else:
        msg = f'`torch.jit.{name}` is deprecated. Please switch to {instead}.'
    warnings.warn(msg, DeprecationWarning)
_builtin_isinstance = isinstance


class Error(RuntimeError):
    """``torch.jit.Error``."""


class ScriptModule:
    """``torch.jit.ScriptModule``: never made by ember (``script`` returns the module itself)."""


class ScriptFunction:
    """``torch.jit.ScriptFunction``: never made by ember (``script`` returns the function itself)."""


class CompilationUnit:
    def __init__(self, lang=None, _frames_up=0):
        raise NotImplementedError('ember.jit.CompilationUnit: ember has no TorchScript compiler')


Attribute = collections.namedtuple('Attribute', ['value', 'type'])


def script(obj, optimize=None, _frames_up=0, _rcb=None, example_inputs=None):
    """``torch.jit.script``: ``obj`` unchanged (a module, function or class runs as eager Python)."""
    _deprecated('script')
    if optimize is not None:
        warnings.warn('`optimize` is deprecated and has no effect. Use `with torch.jit.optimized_execution()` '
                      'instead', FutureWarning, stacklevel=2)
    return obj


def _as_tuple(example_inputs):
    from ._tensor import Tensor
    return (example_inputs,) if _builtin_isinstance(example_inputs, Tensor) else tuple(example_inputs)


def trace(func, example_inputs=None, optimize=None, check_trace=True, check_inputs=None, check_tolerance=1e-5,
          strict=True, _force_outplace=False, _module_class=None, _compilation_unit=None,
          example_kwarg_inputs=None, _store_inputs=True):
    """``torch.jit.trace``: calls ``func`` on ``example_inputs`` (a tensor or a tuple of them;
    ``example_kwarg_inputs`` a dict) once, under no_grad as torch's tracer leaves no graph, and
    returns ``func``, which then runs as eager Python for any input."""
    from .autograd import no_grad
    _deprecated('trace')
    if example_inputs is None and example_kwarg_inputs is None:
        raise RuntimeError('example_kwarg_inputs or example_inputs must be provided to trace')
    with no_grad():
        if example_kwarg_inputs is not None:
            func(**example_kwarg_inputs)
        else:
            func(*_as_tuple(example_inputs))
    return func


def trace_module(mod, inputs, optimize=None, check_trace=True, check_inputs=None, check_tolerance=1e-5,
                 strict=True, _force_outplace=False, _module_class=None, _compilation_unit=None,
                 example_inputs_is_kwarg=False, _store_inputs=True):
    """``torch.jit.trace_module``: calls each named method of ``mod`` on its inputs; returns ``mod``."""
    _deprecated('trace_method')
    if not _builtin_isinstance(inputs, dict):
        raise AttributeError('expected a dictionary of (method_name, input) pairs')
    from .autograd import no_grad
    with no_grad():
        for name, args in inputs.items():
            method = getattr(mod, name)
            method(**args) if example_inputs_is_kwarg else method(*_as_tuple(args))
    return mod


_JIT_MARK = 'ember.jit archive'


def save(m, f, _extra_files=None):
    """``torch.jit.save``: ``m`` (what ``script``/``trace`` returned: the module or function
    itself) written with ``ember.save``; ``_extra_files`` (name -> str or bytes) kept with it."""
    _deprecated('save', '`torch.export`')
    from .serialization import save as _save
    _save({_JIT_MARK: m, 'extra_files': dict(_extra_files or {})}, f)


def load(f, map_location=None, _extra_files=None, _restore_shapes=False):
    """``torch.jit.load`` of a file ``ember.jit.save`` wrote: the module (its parameters on
    ``map_location``); ``_extra_files`` (a dict of names) is filled in as torch does. A file is
    unpickled, so load only trusted ones (TorchScript archives are programs too)."""
    _deprecated('load', '`torch.export`')
    from .serialization import load as _load
    import os
    if isinstance(f, (str, os.PathLike)) and not os.path.exists(f):
        raise ValueError(f'The provided filename {os.fspath(f)} does not exist')
    try:
        obj = _load(f, map_location=map_location, weights_only=False)
    except Exception as e:
        raise RuntimeError('ember.jit.load: not an archive written by ember.jit.save (TorchScript archives '
                           f'written by torch cannot be read: ember has no TorchScript): {e}') from e
    if not (_builtin_isinstance(obj, dict) and _JIT_MARK in obj):
        raise RuntimeError('ember.jit.load: not an archive written by ember.jit.save (for ember.save files use '
                           'ember.load)')
    if _extra_files is not None:
        saved = obj.get('extra_files', {})
        for k in list(_extra_files):             # (as torch: bytes; b'' for a name not saved)
            v = saved.get(k, b'')
            _extra_files[k] = v.encode() if _builtin_isinstance(v, str) else bytes(v)
    return obj[_JIT_MARK]


def ignore(drop=False, **kwargs):
    """``@torch.jit.ignore`` or ``@torch.jit.ignore(drop=...)``: the function unchanged."""
    if callable(drop):
        return drop
    if not _builtin_isinstance(drop, bool):
        raise RuntimeError(f'Argument to @torch.jit.ignore must be a bool or a function but got {drop}')
    if kwargs.get('drop_on_export') is not None or drop:
        warnings.warn('ignore(True) has been deprecated. TorchScript will now drop the function call on '
                      'compilation. Use torch.jit.unused now. {}', category=FutureWarning, stacklevel=2)
    return lambda fn: fn


def unused(fn):
    """``@torch.jit.unused``: ``fn`` unchanged."""
    return fn


def export(fn):
    """``@torch.jit.export``: ``fn`` unchanged."""
    return fn


def interface(obj):
    """``@torch.jit.interface``: ``obj`` unchanged."""
    return obj


def script_if_tracing(fn):
    return fn


def is_scripting():
    """False: ember code always runs as Python."""
    return False


def is_tracing():
    return False


def annotate(the_type, the_value):
    """``torch.jit.annotate(T, value)``: ``value``."""
    return the_value


def isinstance(obj, target_type):  # noqa: A001  (torch.jit.isinstance)
    """``torch.jit.isinstance``: ``builtins.isinstance`` that also takes typing generics
    (``List[int]``: a list of ints; ``Dict[str, Tensor]``, ``Optional[T]``, ``Tuple[...]``)."""
    origin = typing.get_origin(target_type)
    if origin is None:
        return target_type is typing.Any or _builtin_isinstance(obj, target_type)
    args = typing.get_args(target_type)
    if origin is typing.Union:
        return any(isinstance(obj, a) if a is not type(None) else obj is None for a in args)
    if not _builtin_isinstance(obj, origin):
        return False
    if origin is list:
        return all(isinstance(v, args[0]) for v in obj)
    if origin is dict:
        return all(isinstance(k, args[0]) and isinstance(v, args[1]) for k, v in obj.items())
    if origin is tuple:
        return len(obj) == len(args) and all(isinstance(v, a) for v, a in zip(obj, args))
    return True


class _Future:
    def __init__(self, value):
        self._value = value

    def wait(self):
        return self._value

    def value(self):
        return self._value

    def done(self):
        return True


def fork(func, *args, **kwargs):
    """``torch.jit.fork``: runs ``func`` now; ``wait`` returns its result."""
    return _Future(func(*args, **kwargs))


def wait(future):
    return future.wait()


def freeze(mod, preserved_attrs=None, optimize_numerics=True):
    return mod


def optimize_for_inference(mod, other_methods=None):
    return mod


def enable_onednn_fusion(enabled):
    pass


def onednn_fusion_enabled():
    return False


def set_fusion_strategy(strategy):
    return []


class strict_fusion:
    def __enter__(self):
        return self

    def __exit__(self, *args):
        return False


class optimized_execution:
    def __init__(self, should_optimize):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *args):
        return False
