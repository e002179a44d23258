"""``torch.fx.symbolic_trace`` and ``Tracer``: run a module's forward on Proxies and record a Graph.

Torch's Proxy reaches torch functions through ``__torch_function__``; ember's functions do not
dispatch, so for the trace the Tracer puts recording stand-ins in place of the traceable
functions of ``torch`` and ``torch.nn.functional`` (the ones torch lets ``__torch_function__``
override: ``_torch_names.TRACEABLE_*``) and of the Tensor methods, as it patches
``nn.Module.__call__`` / ``__getattr__`` (torch does that too); everything is put back after.
A stand-in records a call only when a Proxy is among its arguments, with the arguments torch's
Python function hands on (``F.relu(x)`` records ``relu(x, inplace=False)``); else it calls through.
"""
import builtins
import collections
import functools
import inspect
import math
import types

from . import _torch_names as _names
from .graph import Graph
from .graph_module import GraphModule
from .node import map_aggregate
from .proxy import ParameterProxy, Proxy, Scope, ScopeContextManager, TracerBase, TraceError  # noqa: F401

__all__ = ['PH', 'ProxyableClassMeta', 'Tracer', 'symbolic_trace', 'wrap']

HAS_VARSTUFF = inspect.CO_VARARGS | inspect.CO_VARKEYWORDS
_is_fx_tracing_flag = False


def is_fx_tracing():
    return _is_fx_tracing_flag


class ProxyableClassMeta(type):
    """A metaclass whose classes' construction from Proxies is recorded as a call_function."""

    def __call__(cls, *args, **kwargs):
        found = _find_proxy(args, kwargs)
        if found is not None:
            return found.tracer.create_proxy('call_function', cls, args, kwargs)
        return super().__call__(*args, **kwargs)


class PHBase:
    def __repr__(self):
        return 'PH'


PH = PHBase()


# ---------------------------------------------------------------------------- ember's names, torch's names
_QUAL = None        # id(obj) -> torch's qualified name
_BY_QUAL = None     # qualified name -> obj
_ALIASES = {}       # (ns, name) -> a distinct function object where torch's two objects are one in ember
_BINARY_METHOD_NAMES = {'__add__': 'add', '__sub__': 'sub', '__mul__': 'mul', '__truediv__': 'div',
                        '__matmul__': 'matmul', '__floordiv__': 'floor_divide', '__mod__': 'remainder',
                        '__pow__': 'pow', '__and__': '__and__', '__or__': '__or__', '__xor__': '__xor__',
                        '__eq__': 'eq', '__ne__': 'ne', '__lt__': 'lt', '__le__': 'le', '__gt__': 'gt',
                        '__ge__': 'ge'}
_LAZY = ('_FUNCTIONAL_ALIASES', '_DROPOUTS', '_NN_ALIASES')


def _namespaces():
    import ember
    import ember.nn.functional as F
    for attr in _LAZY:      # resolve ember's lazy aliases now, so that patching never caches a stand-in
        for n in getattr(ember, attr, ()):
            getattr(ember, n, None)
    return ember, F


def _alias(fn, qual):
    @functools.wraps(fn)
    def alias(*args, **kwargs):
        return fn(*args, **kwargs)
    alias.__fx_qualname__ = qual
    return alias


def _build_names():
    global _QUAL, _BY_QUAL
    ember, F = _namespaces()
    qual, by_qual = {}, {}
    for n in sorted(_names.TRACEABLE_F | _names.TRACEABLE_TORCH | set(vars(F)) | set(vars(ember))):
        for ns, mod in (('F', F), ('torch', ember)):
            obj = vars(mod).get(n)
            if obj is None or not callable(obj) or isinstance(obj, (type, types.ModuleType)) or n.startswith('__'):
                continue
            q = _names.QUALNAME.get((ns, n), ('torch.nn.functional.' if ns == 'F' else 'torch.') + n)
            if id(obj) in qual:
                if qual[id(obj)] != q and ns == 'torch' and n in _names.TRACEABLE_TORCH:
                    _ALIASES[(ns, n)] = a = _alias(obj, q)
                    qual[id(a)] = q
                    by_qual.setdefault(q, a)
                continue
            qual[id(obj)] = q
            by_qual.setdefault(q, obj)
    _QUAL, _BY_QUAL = qual, by_qual


def _torch_qualname(obj):
    """torch's dotted name for an ember function ('torch.nn.functional.relu'), None for others."""
    if _QUAL is None:
        _build_names()
    from .graph import _TorchNames
    if isinstance(obj, _TorchNames):
        return None
    q = getattr(obj, '__fx_qualname__', None)
    if q is not None:
        return q
    q = _QUAL.get(id(obj))
    if q is not None:
        return q
    if _is_tensor_method(obj):
        return f'torch.Tensor.{obj.__name__}'
    mod = getattr(obj, '__module__', None) or ''
    if (mod == 'ember' or mod.startswith('ember.')) and not isinstance(obj, type):
        return 'torch' + mod[5:] + '.' + getattr(obj, '__name__', '')
    return None


def _qualname_to_obj():
    if _BY_QUAL is None:
        _build_names()
    return _BY_QUAL


def _is_tensor_method(fn):
    import ember
    name = getattr(fn, '__name__', None)
    return name is not None and getattr(ember.Tensor, name, None) is fn and not isinstance(fn, type)


def _find_proxy(*objects_to_search):
    proxy = None

    def find_proxy(x):
        nonlocal proxy
        if isinstance(x, Proxy):
            proxy = x
        return x
    map_aggregate(objects_to_search, find_proxy)
    return proxy


def _torch_fn_stand_in(ns, name, orig):
    """``orig`` for the trace: records a call_function when a Proxy is among the arguments."""
    spec = _names.HANDLE.get((ns, name))
    target = _ALIASES.get((ns, name), orig)
    node_name = getattr(orig, '__name__', name)

    @functools.wraps(orig)
    def stand_in(*args, **kwargs):
        proxy = _find_proxy(args, kwargs)
        if proxy is None:
            return orig(*args, **kwargs)
        if spec is not None:
            args, kwargs = _as_torch_hands_on(spec, args, kwargs)
        return proxy.tracer.create_proxy('call_function', target, args, kwargs,
                                         name=proxy.tracer.graph._target_to_str(node_name))
    stand_in.__fx_already_patched = True
    return stand_in


def _as_torch_hands_on(spec, args, kwargs):
    """The call's arguments as torch's Python function hands them to ``handle_torch_function``:
    its tensor parameters positionally, the rest by keyword with their defaults filled in."""
    pos, kws, params = spec
    names = [p for p, _ in params]
    values = dict(params)
    if len(args) > len(names):
        return args, kwargs
    values.update(zip(names, args))
    for k, v in kwargs.items():
        if k not in values:
            return args, kwargs
        values[k] = v
    if any(values[p] is _names.EMPTY for p in pos + kws):
        return args, kwargs
    return tuple(values[p] for p in pos), {k: values[k] for k in kws}


def _tensor_method_stand_in(name, orig):
    method_name = _BINARY_METHOD_NAMES.get(name) or _names.TENSOR_METHOD_NAMES.get(name, name)

    @functools.wraps(orig)
    def stand_in(*args, **kwargs):
        proxy = _find_proxy(args, kwargs)
        if proxy is None:
            return orig(*args, **kwargs)
        return proxy.tracer.create_proxy('call_method', method_name, args, kwargs)
    stand_in.__fx_already_patched = True
    return stand_in


# ---------------------------------------------------------------------------- patching
class _Patcher:
    def __init__(self):
        self.patches_made = []
        self.visited = set()

    def patch(self, frame_dict, name, new_fn, deduplicate=True):
        new_fn.__fx_already_patched = deduplicate
        if name not in frame_dict:
            self.patches_made.append((frame_dict, name, _MISSING))
        elif getattr(frame_dict[name], '__fx_already_patched', False):
            return
        else:
            self.patches_made.append((frame_dict, name, frame_dict[name]))
        frame_dict[name] = new_fn

    def patch_method(self, cls, name, new_fn, deduplicate=True):
        new_fn.__fx_already_patched = deduplicate
        orig_fn = cls.__dict__.get(name, _MISSING)
        if getattr(orig_fn, '__fx_already_patched', False):
            return
        self.patches_made.append((cls, name, orig_fn))
        setattr(cls, name, new_fn)

    def visit_once(self, thing):
        idx = id(thing)
        if idx in self.visited:
            return False
        self.visited.add(idx)
        return True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        while self.patches_made:
            where, name, orig = self.patches_made.pop()
            if isinstance(where, dict):
                if orig is _MISSING:
                    del where[name]
                else:
                    where[name] = orig
            elif orig is _MISSING:
                delattr(where, name)
            else:
                setattr(where, name, orig)
        self.visited.clear()


_MISSING = object()
_wrapped_fns_to_patch = {}


def _create_wrapped_func(orig_fn):
    @functools.wraps(orig_fn)
    def wrapped(*args, **kwargs):
        proxy = _find_proxy(args, kwargs)
        if proxy is not None:
            return_proxy = proxy.tracer.create_proxy('call_function', orig_fn, args, kwargs)
            return_proxy.node.meta['is_wrapped'] = True
            return return_proxy
        return orig_fn(*args, **kwargs)
    return wrapped


def _patch_wrapped_functions(patcher):
    for (_, name), frame_dict in _wrapped_fns_to_patch.copy().items():
        if name not in frame_dict and hasattr(builtins, name):
            orig_fn = getattr(builtins, name)
        else:
            orig_fn = frame_dict[name]
        patcher.patch(frame_dict, name, _create_wrapped_func(orig_fn))


def _autowrap_check(patcher, frame_dict, function_ids):
    if patcher.visit_once(frame_dict):
        for name, value in list(frame_dict.items()):
            if not name.startswith('_') and callable(value) and id(value) in function_ids:
                patcher.patch(frame_dict, name, _create_wrapped_func(value))


def _patch_torch_namespaces(patcher, fn_globals):
    """The recording stand-ins for the trace: torch.*, torch.nn.functional.*, Tensor methods, and
    the names the traced code's module imported from them (``from torch.nn.functional import relu``)."""
    ember, F = _namespaces()
    if _QUAL is None:
        _build_names()
    stand_ins = {}
    for ns, mod, names in (('F', F, _names.TRACEABLE_F), ('torch', ember, _names.TRACEABLE_TORCH)):
        d = vars(mod)
        for n in names:
            obj = d.get(n)
            if obj is None or isinstance(obj, (type, types.ModuleType)) or not callable(obj):
                continue
            if getattr(obj, '__fx_already_patched', False):
                continue
            s = _torch_fn_stand_in(ns, n, obj)
            stand_ins.setdefault(id(obj), s)
            patcher.patch(d, n, s)
    import sys
    for m in list(sys.modules.values()):     # ``python -m ember run``'s stand-in modules for torch, torch.nn.functional
        target = getattr(m, '__dict__', {}).get('_ember_module')
        for ns, mod, names in (('F', F, _names.TRACEABLE_F), ('torch', ember, _names.TRACEABLE_TORCH)):
            if target is mod:
                d = m.__dict__
                for n in names:
                    s = vars(mod).get(n)
                    if getattr(s, '__fx_already_patched', False) and not getattr(d.get(n), '__fx_already_patched',
                                                                                 False):
                        patcher.patch(d, n, s)
    for d in fn_globals:
        if patcher.visit_once(d):
            for n, v in list(d.items()):
                if id(v) in stand_ins and not n.startswith('__'):
                    patcher.patch(d, n, stand_ins[id(v)])
    T = ember.Tensor
    for n, v in list(vars(T).items()):
        if isinstance(v, types.FunctionType) and (n in _BINARY_METHOD_NAMES or not n.startswith('_')):
            patcher.patch_method(T, n, _tensor_method_stand_in(n, v))


# ---------------------------------------------------------------------------- the tracer
class Tracer(TracerBase):
    """``Tracer(autowrap_modules=(math,), autowrap_functions=())``: ``Tracer().trace(m)`` is what
    ``symbolic_trace(m)`` does; subclasses override ``is_leaf_module``, ``call_module``, ``create_arg``..."""

    def __init__(self, autowrap_modules=(math,), autowrap_functions=(), param_shapes_constant=False):
        super().__init__()
        self._autowrap_function_ids = {id(value) for m in autowrap_modules for name, value in m.__dict__.items()
                                       if not name.startswith('_') and callable(value)}
        self._autowrap_function_ids.update({id(f) for f in autowrap_functions})
        self._autowrap_search = list(autowrap_modules)
        self.param_shapes_constant = param_shapes_constant
        self.submodule_paths = None
        self.root_module_name = ''
        self.scope = Scope('', None)
        self.module_stack = collections.OrderedDict()
        self.num_calls = {}
        self.node_name_to_scope = {}

    _qualname_counter = collections.defaultdict(int)

    def get_fresh_qualname(self, prefix):
        qualname = f'{prefix}0'
        if not hasattr(self.root, qualname):
            self._qualname_counter[prefix] = 0
            return qualname
        i = self._qualname_counter[prefix]
        while True:
            qualname = f'{prefix}{i}'
            i += 1
            if not hasattr(self.root, qualname):
                break
        self._qualname_counter[prefix] = i
        return qualname

    def create_arg(self, a):
        import ember
        if isinstance(a, ember.nn.Parameter):
            for n, p in self.root.named_parameters():
                if a is p:
                    return self.create_node('get_attr', n, (), {})
            raise NameError('parameter is not a member of this module')
        elif isinstance(a, ember.Tensor):
            for n_, p_ in self.root.named_buffers():
                if a is p_:
                    return self.create_node('get_attr', n_, (), {})
        elif isinstance(a, ember.nn.Module):
            for n_, p_ in self.root.named_modules():
                if a is p_:
                    return self.create_node('get_attr', n_, (), {})
        if isinstance(a, tuple) and hasattr(a, '_fields'):
            args = tuple(self.create_arg(elem) for elem in a)
            return self.create_node('call_function', a.__class__, args, {})
        if isinstance(a, ember.Tensor):
            qualname = self.tensor_attrs.get(a)
            if not qualname:
                qualname = self.get_fresh_qualname('_tensor_constant')
                self.tensor_attrs[a] = qualname
                setattr(self.root, qualname, a)
            return self.create_node('get_attr', qualname, (), {})
        return super().create_arg(a)

    def is_leaf_module(self, m, module_qualified_name):
        """Modules of torch.nn (ember.nn) are leaves, Sequential excepted, as in torch."""
        import ember
        mod = m.__module__
        return (mod.startswith('torch.nn') or mod.startswith('torch.ao.nn') or mod.startswith('ember.nn')) \
            and not isinstance(m, ember.nn.Sequential)

    def path_of_module(self, mod):
        if self.submodule_paths:
            path = self.submodule_paths.get(mod)
            if path is None:
                raise NameError('module is not installed as a submodule')
            return path
        for n, p in self.root.named_modules():
            if mod is p:
                return n
        raise NameError('module is not installed as a submodule')

    def call_module(self, m, forward, args, kwargs):
        module_qualified_name = self.path_of_module(m)
        with ScopeContextManager(self.scope, Scope(module_qualified_name, type(m))) as _scope:
            num_calls = self.num_calls.get(module_qualified_name, 0)
            module_key = f'{_scope.module_path}@{num_calls}' if num_calls > 0 else _scope.module_path
            self.module_stack[module_key] = (module_qualified_name, _scope.module_type)
            self.num_calls[module_qualified_name] = num_calls + 1
            if not self.is_leaf_module(m, module_qualified_name):
                ret_val = forward(*args, **kwargs)
            else:
                ret_val = self.create_proxy('call_module', module_qualified_name, args, kwargs)
            self.module_stack.popitem(last=True)
        return ret_val

    def getattr(self, attr, attr_val, parameter_proxy_cache):
        import ember

        def maybe_get_proxy_for_attr(attr_val, collection_to_search, parameter_proxy_cache):
            for n, p in collection_to_search:
                if attr_val is p:
                    if n not in parameter_proxy_cache:
                        kwargs = {}
                        if 'proxy_factory_fn' in inspect.signature(self.create_proxy).parameters:
                            kwargs['proxy_factory_fn'] = (None if not self.param_shapes_constant else
                                                          lambda node: ParameterProxy(self, node, n, attr_val))
                        parameter_proxy_cache[n] = self.create_proxy('get_attr', n, (), {}, **kwargs)
                    return parameter_proxy_cache[n]
            return None

        if isinstance(attr_val, ember.nn.Parameter):
            p = maybe_get_proxy_for_attr(attr_val, self.root.named_parameters(), parameter_proxy_cache)
            if p is not None:
                return p
        if self.proxy_buffer_attributes and isinstance(attr_val, ember.Tensor):
            p = maybe_get_proxy_for_attr(attr_val, self.root.named_buffers(), parameter_proxy_cache)
            if p is not None:
                return p
        return attr_val

    def create_args_for_root(self, root_fn, is_module, concrete_args=None):
        fn_for_analysis = inspect.unwrap(root_fn)
        co = fn_for_analysis.__code__
        total_args = co.co_argcount + co.co_kwonlyargcount
        names_iter = iter(co.co_varnames)
        args = []
        skip_arg_idx = 0
        if is_module:
            if total_args == 0:
                raise RuntimeError('``self`` argument cannot be part of *args expansion!')
            skip_arg_idx = 1
            next(names_iter)
            args.append(self.root)
        sig = inspect.signature(fn_for_analysis)
        arg_names = [next(names_iter) for idx in range(skip_arg_idx, total_args)]
        if isinstance(concrete_args, tuple):
            if len(arg_names) != len(concrete_args):
                raise RuntimeError(f'Tracing expected {len(arg_names)} arguments but got {len(concrete_args)} '
                                   'concrete arguments')
            concrete_args = dict(zip(arg_names, concrete_args))

        def proxy_placeholder(name):
            return self._proxy_placeholder(name, concrete_args, sig, fn_for_analysis)
        args.extend(proxy_placeholder(names) for names in arg_names)
        if co.co_kwonlyargcount > 0 or co.co_flags & HAS_VARSTUFF:
            if co.co_flags & inspect.CO_VARARGS:
                args.append(proxy_placeholder('*' + next(names_iter)))
            if co.co_flags & inspect.CO_VARKEYWORDS:
                args.append(proxy_placeholder('**' + next(names_iter)))
            root_fn = _patch_function(root_fn, len(args))
        return root_fn, args

    def _proxy_placeholder(self, name, concrete_args, sig, fn_for_analysis):
        import ember
        if concrete_args is not None and name in concrete_args:
            x = concrete_args[name]
            param = sig.parameters[name]
            default = () if param.default is inspect.Parameter.empty else (param.default,)
            out = self.create_proxy('placeholder', f'{name}_1', default, {})
            if isinstance(x, PHBase):
                return out
            if type(x) is bool or type(x) in (str, int, float, complex):
                self.create_proxy('call_function', ember._assert,
                                  (out == x, f'{name} has been specialized to have value {x} but got another value'),
                                  {})
            elif x is None:
                self.create_proxy('call_function', _assert_is_none,
                                  (out, f'{name} has been specialized to have value None but got another value'), {})
            return x
        if name[0] == '*':
            default = ()
        else:
            param = sig.parameters[name]
            default = () if param.default is inspect.Parameter.empty else (param.default,)
        return self.create_proxy('placeholder', name, default, {},
                                 type_expr=fn_for_analysis.__annotations__.get(name, None))

    def trace(self, root, concrete_args=None):
        """The Graph of ``root`` (a Module's forward, or a function) traced on Proxies."""
        import ember
        global _is_fx_tracing_flag
        old_flag = _is_fx_tracing_flag
        _is_fx_tracing_flag = True
        try:
            if isinstance(root, ember.nn.Module):
                self.root = root
                fn = getattr(type(root), self.traced_func_name)
                self.root_module_name = root._get_name()
                self.submodule_paths = {mod: name for name, mod in root.named_modules()}
            else:
                self.root = ember.nn.Module()
                fn = root
            self.graph = Graph(tracer_cls=getattr(self, '__class__', None))
            self.tensor_attrs = {}

            def collect_tensor_attrs(m, prefix_atoms):
                for k, v in m.__dict__.items():
                    if isinstance(v, ember.Tensor):
                        self.tensor_attrs[v] = '.'.join(prefix_atoms + [k])
                for k, v in m.named_children():
                    collect_tensor_attrs(v, prefix_atoms + [k])
            collect_tensor_attrs(self.root, [])
            fn_globals = fn.__globals__
            fn, args = self.create_args_for_root(fn, isinstance(root, ember.nn.Module), concrete_args)
            parameter_proxy_cache = {}
            Module = ember.nn.Module
            _orig_module_getattr = Module.__getattr__
            _orig_module_call = Module.__call__

            @functools.wraps(_orig_module_getattr)
            def module_getattr_wrapper(mod, attr):
                attr_val = _orig_module_getattr(mod, attr)
                return self.getattr(attr, attr_val, parameter_proxy_cache)

            @functools.wraps(_orig_module_call)
            def module_call_wrapper(mod, *args, **kwargs):
                def forward(*args, **kwargs):
                    return _orig_module_call(mod, *args, **kwargs)
                g = getattr(getattr(mod, 'forward', mod), '__globals__', {})
                _autowrap_check(patcher, g, self._autowrap_function_ids)
                _patch_torch_namespaces(patcher, (g,))
                return self.call_module(mod, forward, args, kwargs)

            with _Patcher() as patcher:
                patcher.patch_method(Module, '__getattr__', module_getattr_wrapper, deduplicate=False)
                patcher.patch_method(Module, '__call__', module_call_wrapper, deduplicate=False)
                _patch_wrapped_functions(patcher)
                _patch_torch_namespaces(patcher, (fn_globals,))
                _autowrap_check(patcher, fn_globals, self._autowrap_function_ids)
                for module in self._autowrap_search:
                    _autowrap_check(patcher, module.__dict__, self._autowrap_function_ids)
                self.create_node('output', 'output', (self.create_arg(fn(*args)),), {},
                                 type_expr=fn.__annotations__.get('return', None))
            self.submodule_paths = None
        finally:
            _is_fx_tracing_flag = old_flag
        return self.graph


def _patch_function(fn, nargs):
    co = fn.__code__
    co_flags = co.co_flags & ~HAS_VARSTUFF
    co_args = co.replace(co_flags=co_flags, co_argcount=nargs, co_kwonlyargcount=0)
    new_code = types.CodeType(*co_args) if not hasattr(co, 'replace') else co_args
    return types.FunctionType(new_code, fn.__globals__, fn.__name__, fn.__defaults__, fn.__closure__)


def wrap(fn_or_name):
    """Called at module level: calls to this global function stay one call_function node in a trace."""
    if not callable(fn_or_name) and not isinstance(fn_or_name, str):
        raise RuntimeError('Unsupported type for global function! Must be either a callable or string name')
    fn_name = fn_or_name.__name__ if callable(fn_or_name) else fn_or_name
    f = inspect.currentframe().f_back
    if f.f_code.co_name != '<module>':
        raise NotImplementedError('wrap must be called at the top level of a module')
    _wrapped_fns_to_patch[(id(f.f_globals), fn_name)] = f.f_globals
    return fn_or_name


def symbolic_trace(root, concrete_args=None):
    """A GraphModule of ``root`` (a Module or a function) from its symbolic trace."""
    import ember
    tracer = Tracer()
    graph = tracer.trace(root, concrete_args)
    name = root.__class__.__name__ if isinstance(root, ember.nn.Module) else root.__name__
    return GraphModule(tracer.root, graph, name)


@wrap
def _assert_is_none(value, msg):
    assert value is None, msg
