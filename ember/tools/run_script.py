"""``python -m ember run script.py [args...]``: run an unedited PyTorch script on ember.

For the run, an import hook (a meta-path finder, first on ``sys.meta_path``) answers every
``import torch`` / ``import torch.x.y`` with a stand-in module for ``ember`` / ``ember.x.y``.
Real PyTorch, if installed, is neither imported nor changed, and ember's own modules are not
changed either: the stand-in (``TorchModule``) forwards reads and writes to the ember module.
When the script reaches a part of PyTorch that ember lacks, the error says so plainly::

    script.py:12: ember does not implement torch.fft.rfft

The script runs as under ``python script.py``: ``sys.argv`` is ``[script, *args]``, ``__name__``
is ``'__main__'``, the script's folder is ``sys.path[0]`` and relative paths are relative to the
current directory (which is not changed).

Example:
    >>> from ember.tools.run_script import run
    >>> status = run('train.py', ['--epochs', '2'])     # 0 on success, as the process's exit code
"""
import builtins
import contextlib
import dis
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
import traceback
import types

__all__ = ['run', 'torch_alias', 'TorchModule', 'NotInEmber', 'ModuleNotInEmber', 'AttributeNotInEmber']


class NotInEmber(Exception):
    """Mixed into the errors for a part of PyTorch that ember does not have; ``torch_name`` is
    its dotted name (``'torch.fft.rfft'``)."""
    torch_name = None


class ModuleNotInEmber(NotInEmber, ModuleNotFoundError):
    def __init__(self, torch_name):
        # name=None on purpose: with name == the module, ``from torch import fft`` would swallow
        # this error and raise a vaguer "cannot import name 'fft' from 'torch'" instead
        super().__init__(f'ember does not implement {torch_name}')
        self.torch_name = torch_name


class AttributeNotInEmber(NotInEmber, AttributeError):
    def __init__(self, torch_name):
        super().__init__(f'ember does not implement {torch_name}')
        self.torch_name = torch_name


# ---------------------------------------------------------------------------- the stand-in module
_CACHEABLE = (type, types.FunctionType, types.BuiltinFunctionType)


class TorchModule(types.ModuleType):
    """``torch.x`` for a script: attribute reads and writes go to the ember module ``ember.x``;
    a name ember lacks raises ``AttributeNotInEmber('torch.x.name')``. Submodules read as
    attributes (``torch.nn``) are stand-ins too, so their missing names are reported the same way.
    """

    def __init__(self, name, target):
        super().__init__(name, getattr(target, '__doc__', None))
        self.__dict__['_ember_module'] = target
        self.__dict__['__file__'] = getattr(target, '__file__', None)

    def __getattr__(self, name):        # only called when the name is not in this module's dict
        target = self.__dict__['_ember_module']
        if name == '__version__' and target.__name__ in ('ember', 'ember.version'):
            # the PyTorch API level ember follows, so that a script's version checks pass
            from ..torch_version import __version__ as v
            return v
        value = getattr(target, name, _MISSING)
        if name.startswith('__') and name.endswith('__'):
            if value is _MISSING:
                raise AttributeError(f"module '{self.__name__}' has no attribute '{name}'")
            return value
        if isinstance(value, types.ModuleType):
            if value.__name__.startswith('ember.') or value.__name__ == 'ember':
                return importlib.import_module('torch' + value.__name__[len('ember'):])
            return value
        if value is _MISSING:
            if hasattr(target, '__path__') and _has_module(f'{target.__name__}.{name}'):
                return importlib.import_module(f'{self.__name__}.{name}')     # not imported yet
            chain = _names_read_after(sys._getframe(1), name)
            raise AttributeNotInEmber('.'.join([self.__name__, name, *chain]))
        if isinstance(value, _CACHEABLE):   # functions and classes do not change: skip this next time
            self.__dict__[name] = value
        return value

    def __setattr__(self, name, value):
        # the import system's own attributes (__spec__, __path__, ...) and submodule stand-ins
        # stay here; anything else the script sets (torch.backends.cudnn.benchmark = True) is
        # ember's setting
        if (name.startswith('__') and name.endswith('__')) or isinstance(value, TorchModule):
            self.__dict__[name] = value
        else:
            self.__dict__.pop(name, None)
            setattr(self.__dict__['_ember_module'], name, value)

    def __delattr__(self, name):
        if name in self.__dict__:
            del self.__dict__[name]
        else:
            delattr(self.__dict__['_ember_module'], name)

    def __dir__(self):
        return sorted(set(dir(self.__dict__['_ember_module'])) | set(self.__dict__))

    def __repr__(self):
        return f"<module '{self.__name__}' (ember: {self.__dict__['_ember_module'].__name__})>"


_MISSING = object()


def _has_module(name):
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


_ATTRIBUTE_OPS = ('LOAD_ATTR', 'LOAD_METHOD')


def _names_read_after(frame, name):
    """The attribute names the failing line reads right after ``name``: ['rfft'] when
    ``torch.fft.rfft(x)`` fails at ``fft``. Read from the caller's bytecode, so that the error
    names what the script used, not only its first missing link. [] when unsure."""
    try:
        instructions = list(dis.get_instructions(frame.f_code))
        k = next(j for j, ins in enumerate(instructions) if ins.offset == frame.f_lasti)
    except Exception:
        return []
    if instructions[k].opname not in _ATTRIBUTE_OPS or instructions[k].argval != name:
        return []           # reached by getattr()/hasattr(), not by `torch.name`
    chain = []
    for ins in instructions[k + 1:]:
        if ins.opname not in _ATTRIBUTE_OPS:
            break
        chain.append(ins.argval)
    return chain


# ---------------------------------------------------------------------------- the import hook
class _AliasLoader(importlib.abc.Loader):
    def __init__(self, ember_name):
        self.ember_name = ember_name

    def create_module(self, spec):
        return TorchModule(spec.name, importlib.import_module(self.ember_name))

    def exec_module(self, module):
        pass                # the ember module ran when it was imported


class TorchFinder(importlib.abc.MetaPathFinder):
    """Maps ``torch`` and ``torch.*`` to stand-ins for ``ember`` and ``ember.*``."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != 'torch' and not fullname.startswith('torch.'):
            return None
        ember_name = 'ember' + fullname[len('torch'):]
        try:
            spec = importlib.util.find_spec(ember_name)
        except ImportError:
            spec = None
        if spec is None:
            raise ModuleNotInEmber(fullname)
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(ember_name),
                                              is_package=spec.submodule_search_locations is not None)


@contextlib.contextmanager
def torch_alias():
    """Within the block, ``import torch`` gives ember. Any real torch modules already imported
    are set aside and put back afterwards."""
    aside = {k: sys.modules.pop(k) for k in list(sys.modules) if k == 'torch' or k.startswith('torch.')}
    finder = TorchFinder()
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)
        for k in [k for k in sys.modules if k == 'torch' or k.startswith('torch.')]:
            del sys.modules[k]
        sys.modules.update(aside)


# ---------------------------------------------------------------------------- running a script
def run(script, args=()):
    """Run ``script`` with ``args`` as ``python script args`` would, on ember. Returns the exit
    status: 0, the script's ``sys.exit`` code, or 1 after printing an uncaught error."""
    if not os.path.isfile(script):
        print(f"python -m ember run: can't open file '{script}': no such file", file=sys.stderr)
        return 2
    saved_argv, saved_path = sys.argv, sys.path[:]
    sys.argv = [script, *args]
    # `python script.py` puts the script's folder first on sys.path (`python -m` put the cwd)
    sys.path[:1] = [os.path.dirname(os.path.abspath(script))]
    # __file__ and the traceback's file names as `python script.py` gives them: the current
    # directory joined to the path as written (not normalised)
    path = script if os.path.isabs(script) else os.path.join(os.getcwd(), script)
    try:
        with torch_alias():
            _run_as_main(path)
    except SystemExit as e:
        return _exit_status(e.code)
    except BaseException as e:     # noqa: BLE001  (KeyboardInterrupt too: report it like Python)
        _report(e, os.path.abspath(script))
        return 130 if isinstance(e, KeyboardInterrupt) else 1
    finally:
        sys.argv, sys.path[:] = saved_argv, saved_path
    return 0


def _run_as_main(path):
    """Execute the file as the ``__main__`` module, as the interpreter runs a script. (Not
    runpy.run_path: it would set sys.argv[0] to the full path.)"""
    with open(path, 'rb') as f:
        code = compile(f.read(), path, 'exec')
    main = types.ModuleType('__main__')
    main.__dict__.update(__file__=path, __builtins__=builtins, __cached__=None, __package__=None, __spec__=None,
                         __loader__=importlib.machinery.SourceFileLoader('__main__', path))
    # pickle and multiprocessing find the script's classes and functions through sys.modules
    saved = sys.modules.get('__main__')
    sys.modules['__main__'] = main
    try:
        exec(code, main.__dict__)
    finally:
        sys.modules['__main__'] = saved


def _exit_status(code):
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


_HIDDEN = (os.path.abspath(__file__),)


def _report(e, script):
    """Print the traceback as Python would (without this runner's frames), then one line naming
    what ember lacks, at the script's line that reached it."""
    te = traceback.TracebackException.from_exception(e)
    te.stack = traceback.StackSummary.from_list([f for f in te.stack if os.path.abspath(f.filename) not in _HIDDEN
                                                 and not f.filename.startswith('<frozen importlib')])
    sys.stderr.write(''.join(te.format()))
    name = _missing_name(e)
    if name is None:
        return
    where = [f for f in te.stack if os.path.abspath(f.filename) == script] or \
            [f for f in te.stack if not _in_ember(f.filename)]
    at = f'{where[-1].filename}:{where[-1].lineno}: ' if where else ''
    sys.stderr.write(f'{at}ember does not implement {name}\n')


def _missing_name(e):
    """The PyTorch name an uncaught error says ember lacks, or None for any other error."""
    if isinstance(e, NotInEmber):
        return e.torch_name
    obj = getattr(e, 'obj', None)
    name = getattr(e, 'name', None)
    if isinstance(e, AttributeError) and name and not name.startswith('_') and obj is not None:
        cls = obj if isinstance(obj, type) else type(obj)
        if cls.__module__.split('.')[0] == 'ember':     # x.some_method() on an ember tensor
            return f'{_public_name(cls)}.{name}'
    return None


def _public_name(cls):
    """'torch.Tensor' for ember._tensor.Tensor: the shortest module path that exports the class."""
    parts = cls.__module__.split('.')
    for k in range(1, len(parts) + 1):
        if getattr(sys.modules.get('.'.join(parts[:k])), cls.__name__, None) is cls:
            return '.'.join(['torch', *parts[1:k], cls.__name__])
    return 'torch.' + cls.__qualname__


def _in_ember(filename):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return os.path.abspath(filename).startswith(root + os.sep)
