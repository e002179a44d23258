"""``ember.jit``: TorchScript's entry points over eager Python (ember has no TorchScript compiler).

``script(module)`` returns a ``RecursiveScriptModule`` and ``trace(module, example_inputs)`` a
``TopLevelTracedModule``: copies of the module tree (each submodule wrapped alike) that share the
original's parameters and buffers, print as torch's do (``original_name=...``), have their own
training flags (``s.eval()`` leaves the original in training, as torch's), ``save`` themselves and
run the original class's Python ``forward`` (a trace does not freeze data-dependent branches as
torch's recorded graph does). ``script(fn)`` and ``trace(fn, ...)`` of a function return a
``ScriptFunction`` that calls it. ``save(m, f)`` writes the module with ``ember.save`` (pickled:
loading needs its class importable, as for any whole-module save) and ``load(f)`` reads such a
file back as a ``RecursiveScriptModule`` (a trusted file, as TorchScript archives are code);
archives written by torch's TorchScript cannot be read. The decorators (``ignore``, ``unused``,
``export``, ``interface``) return what they decorate; ``is_scripting()`` and ``is_tracing()`` are
False. For compiled speed see ``ember.compile``.

Example:
    >>> m = ember.jit.script(nn.Linear(3, 2)); m                # RecursiveScriptModule(original_name=Linear)
    >>> f = ember.jit.trace(lambda x: x * 2, ember.ones(2)); f(ember.ones(3))   # tensor([2., 2., 2.])
"""
import collections
import functools
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


def _module_base():
    from .nn.modules.module import Module
    return Module


def _make_script_classes():
    Module = _module_base()

    class ScriptModule(Module):
        """``torch.jit.ScriptModule``: what ``script``, ``trace`` and ``load`` return for a module.

        An instance is a copy of one module of the original tree: a subclass of both this class and
        the original's class, sharing the original's Parameter and buffer tensors, with its own
        submodules (wrapped alike), hooks and training flag.
        """
        original_name = 'Module'

        def __init__(self):
            super().__init__()

        def extra_repr(self):
            return f'original_name={self.original_name}'

        def save(self, f, **kwargs):
            """``m.save(f)``: ``torch.jit.save(m, f)``."""
            save(self, f, **kwargs)

        @property
        def code(self):
            """The Python source of the original class's ``forward`` (TorchScript's own code differs)."""
            import inspect
            import textwrap
            try:
                return textwrap.dedent(inspect.getsource(type(self).forward))
            except (OSError, TypeError):
                return ''

        def __reduce_ex__(self, protocol):
            # pickled (ember.save, copy.deepcopy) as the original class around the same state, and
            # wrapped again when read back
            return (_rewrap, (type(self)._script_kind, _unwrapped(self)))

    class RecursiveScriptModule(ScriptModule):
        """``torch.jit.RecursiveScriptModule``: a scripted module (``torch.jit.script``, ``load``)."""
        _script_kind = 'script'

        def _get_name(self):
            return 'RecursiveScriptModule'

    class TracedModule(ScriptModule):
        """``torch.jit.TracedModule``: a submodule of a traced module; prints with its original name."""
        _script_kind = 'traced'

        def _get_name(self):
            return self.original_name

    class TopLevelTracedModule(TracedModule):
        """``torch.jit.TopLevelTracedModule``: what ``torch.jit.trace(module, ...)`` returns."""
        _script_kind = 'traced_top'

    for c in (ScriptModule, RecursiveScriptModule, TracedModule, TopLevelTracedModule):
        c.__module__, c.__qualname__ = __name__, c.__name__
    return ScriptModule, RecursiveScriptModule, TracedModule, TopLevelTracedModule


_CLASSES = {}
_SUBCLASSES = {}        # (kind, original class) -> the wrapper class


def __getattr__(name):
    if name in ('ScriptModule', 'RecursiveScriptModule', 'TracedModule', 'TopLevelTracedModule'):
        return _script_classes()[name]
    raise AttributeError(f"module 'ember.jit' has no attribute '{name}'")


def _script_classes():
    if not _CLASSES:
        sm, rsm, tm, tltm = _make_script_classes()
        _CLASSES.update(ScriptModule=sm, RecursiveScriptModule=rsm, TracedModule=tm, TopLevelTracedModule=tltm,
                        script=rsm, traced=tm, traced_top=tltm)
    return _CLASSES


def _is_script_module(obj):
    return bool(_CLASSES) and _builtin_isinstance(obj, _CLASSES['ScriptModule'])


def _wrap_module(mod, kind):
    """A ScriptModule copy of ``mod`` (see ScriptModule); children get ``kind`` 'traced' under a
    top-level trace."""
    classes = _script_classes()
    if _is_script_module(mod):
        mod = _unwrapped(mod)
    orig = type(mod)
    cls = _SUBCLASSES.get((kind, orig))
    if cls is None:
        base = classes[kind]
        cls = type(base.__name__, (base, orig), {'original_name': orig.__name__, '__module__': __name__,
                                                  '__qualname__': base.__qualname__})
        _SUBCLASSES[(kind, orig)] = cls
    new = object.__new__(cls)
    state = {}
    child_kind = 'traced' if kind == 'traced_top' else kind
    for k, v in mod.__dict__.items():
        if k == '_modules':
            v = type(v)((n, None if c is None else _wrap_module(c, child_kind)) for n, c in v.items())
        elif type(v) in (dict, collections.OrderedDict):
            v = type(v)(v)          # own dicts (hooks, parameters, buffers) around the same entries
        elif type(v) is set:
            v = set(v)
        state[k] = v
    new.__dict__.update(state)
    return new


def _unwrapped(m):
    """The original class around ``m``'s state (children unwrapped too)."""
    orig = next(c for c in type(m).__mro__[1:] if not issubclass(c, _CLASSES['ScriptModule']))
    plain = object.__new__(orig)
    state = dict(m.__dict__)
    if '_modules' in state:
        state['_modules'] = type(state['_modules'])(
            (n, _unwrapped(c) if _is_script_module(c) else c) for n, c in state['_modules'].items())
    plain.__dict__.update(state)
    return plain


def _rewrap(kind, plain):
    return _wrap_module(plain, kind)


class ScriptFunction:
    """``torch.jit.ScriptFunction``: a scripted or traced function; calling it calls the function."""

    def __init__(self, fn):
        self._fn = fn
        self.name = getattr(fn, '__name__', '<lambda>')
        self.qualified_name = f'__torch__.{self.name}'
        functools.update_wrapper(self, fn)

    def __call__(self, *args, **kwargs):
        return self._fn(*args, **kwargs)

    @property
    def code(self):
        import inspect
        import textwrap
        try:
            return textwrap.dedent(inspect.getsource(self._fn))
        except (OSError, TypeError):
            return ''

    def save(self, f, **kwargs):
        raise AttributeError("'torch.jit.ScriptFunction' object has no attribute 'save'")


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
    if _is_script_module(obj) or _builtin_isinstance(obj, ScriptFunction):
        return obj
    if _builtin_isinstance(obj, _module_base()):
        return _wrap_module(obj, 'script')
    if callable(obj) and not _builtin_isinstance(obj, type) and hasattr(obj, '__code__'):
        return ScriptFunction(obj)
    return obj          # a class: TorchScript classes run as the Python class


def _as_tuple(example_inputs):
    from ._tensor import Tensor
    return (example_inputs,) if _builtin_isinstance(example_inputs, Tensor) else tuple(example_inputs)


def trace(func, example_inputs=None, optimize=None, check_trace=True, check_inputs=None, check_tolerance=1e-5,
          strict=True, _force_outplace=False, _module_class=None, _compilation_unit=None,
          example_kwarg_inputs=None, _store_inputs=True):
    """``torch.jit.trace``: calls ``func`` on ``example_inputs`` (a tensor or a tuple of them;
    ``example_kwarg_inputs`` a dict) once, under no_grad as torch's tracer leaves no graph, and
    returns a ``TopLevelTracedModule`` of a module, a ``ScriptFunction`` of a function; either
    then runs the Python code for any input (data-dependent branches are not frozen)."""
    from .autograd import no_grad
    _deprecated('trace')
    if _is_script_module(func):
        warnings.warn('The input to trace is already a ScriptModule, tracing it is a no-op. Returning the object '
                      'as is.', UserWarning, stacklevel=2)
        return func
    if example_inputs is None and example_kwarg_inputs is None:
        raise RuntimeError('example_kwarg_inputs or example_inputs must be provided to trace')
    with no_grad():
        if example_kwarg_inputs is not None:
            func(**example_kwarg_inputs)
        else:
            func(*_as_tuple(example_inputs))
    if _builtin_isinstance(func, _module_base()):
        # a module with @torch.jit.export methods is scripted by torch's trace
        exported = any(getattr(v, '_ember_jit_export', False) for m in func.modules() for v in vars(type(m)).values())
        return _wrap_module(func, 'script' if exported else 'traced_top')
    if _builtin_isinstance(func, ScriptFunction) or not hasattr(func, '__code__'):
        return func         # (a bound method, a partial, ...: called as it is)
    traced = ScriptFunction(func)
    if traced.name == '<lambda>':
        traced.name = '_lambda'
    return traced


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
    return mod if _is_script_module(mod) else _wrap_module(mod, 'traced_top')


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
    m = obj[_JIT_MARK]
    # (torch reads any archive back as a RecursiveScriptModule, a traced one too)
    if _builtin_isinstance(m, _module_base()) and type(m)._get_name is not _script_classes()['script']._get_name:
        m = _wrap_module(m, 'script')
    return m


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
    """``@torch.jit.export``: ``fn``, marked (``trace`` scripts a module that has such methods, as torch)."""
    try:
        fn._ember_jit_export = True
    except AttributeError:
        pass
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


def _need_script_module(mod, what):
    if not _is_script_module(mod):
        raise RuntimeError(f"{what} expects a ScriptModule as input. Please use torch.jit.script or "
                           "torch.jit.trace to script your 'nn.Module'.")


def freeze(mod, preserved_attrs=None, optimize_numerics=True):
    """``torch.jit.freeze``: a RecursiveScriptModule of ``mod`` (eval mode only, as torch) without
    parameters, buffers or submodules: their tensors become constants that require no grad."""
    _need_script_module(mod, 'Freezing')
    if mod.training:
        raise RuntimeError('Freezing is currently only implemented for modules in eval mode. Please call .eval() '
                           'on your module before freezing.')
    inner = _wrap_module(mod, 'script')
    for m in inner.modules():       # constants: the same values, no grad
        for k, p in m._parameters.items():
            if p is not None:
                m._parameters[k] = p.detach()
    frozen = object.__new__(_frozen_class(type(inner).original_name))
    _module_base().__init__(frozen)
    frozen.__dict__['_frozen_inner'] = inner        # (not a submodule: not listed, printed or saved)
    frozen.training = False
    return frozen


def _frozen_class(name):
    """The class of a frozen module: a RecursiveScriptModule with no parameters, buffers or
    submodules of its own (torch folds them into the graph) whose forward runs the hidden copy."""
    cls = _SUBCLASSES.get(('frozen', name))
    if cls is None:
        base = _script_classes()['script']
        cls = type(base.__name__, (base,), {'original_name': name, '__module__': __name__,
                                            '__qualname__': base.__qualname__,
                                            'forward': lambda self, *a, **k: self._frozen_inner(*a, **k),
                                            '__reduce_ex__': lambda self, protocol: (_refreeze, (self._frozen_inner,))})
        _SUBCLASSES[('frozen', name)] = cls
    return cls


def _refreeze(inner):
    return freeze(inner.eval())


def optimize_for_inference(mod, other_methods=None):
    """``torch.jit.optimize_for_inference``: ``mod`` frozen (see ``freeze``)."""
    _need_script_module(mod, 'optimize_for_inference')
    if mod.training:
        mod = _wrap_module(mod, 'script').eval()
    return freeze(mod)


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
