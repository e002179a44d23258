"""``torch.fx.Node``: one operation of a Graph (placeholder, get_attr, call_function, call_method,
call_module, output), kept in the graph's doubly linked list, with its ``users`` kept up to date
as its ``args``/``kwargs`` change. The printed forms (``format_node``, target names) are torch's."""
import builtins
import inspect
import operator
import types

from .immutable_collections import immutable_dict, immutable_list

__all__ = ['Node', 'map_arg', 'map_aggregate', 'has_side_effect']

_legal_ops = dict.fromkeys(['placeholder', 'call_method', 'call_module', 'call_function', 'get_attr', 'output',
                            'root'])
_side_effectful_functions = {operator.setitem}


def has_side_effect(fn):
    """Registers ``fn`` as side-effectful: ``Graph.eliminate_dead_code`` keeps its calls."""
    _side_effectful_functions.add(fn)
    return fn


def _torch():
    import ember
    return ember


def _type_repr(obj):
    if isinstance(obj, type) and not isinstance(obj, types.GenericAlias):
        if obj.__module__ == 'builtins':
            return obj.__qualname__
        return f'{_torch_module_name(obj.__module__)}.{obj.__qualname__}'
    if obj is ...:
        return '...'
    if isinstance(obj, types.FunctionType):
        return obj.__name__
    return repr(obj)


def _torch_module_name(name):
    """'torch.x' for a module of ember ('ember.x'): the names the printed forms use."""
    if name == 'ember' or (name and name.startswith('ember.')):
        return 'torch' + name[5:]
    return name


def _get_qualified_name(func):
    """The dotted name the printouts and the generated code use for ``func``: 'getattr',
    'operator.add' ('_operator.add'), 'torch.relu', 'torch.nn.functional.relu', 'torch.Tensor.add'."""
    if getattr(builtins, func.__name__, None) is func:
        return func.__name__
    from ._symbolic_trace import _torch_qualname
    q = _torch_qualname(func)
    if q is not None:
        return q
    name = func.__name__
    if name == '<lambda>':
        try:
            name = inspect.getsource(func).split('=')[0].strip()
        except Exception as e:
            raise RuntimeError('Unable to represent lambda') from e
    module = func.__module__
    if module is None:
        raise RuntimeError(f'cannot find module for {func}')
    return f'{_torch_module_name(module)}.{name}'


def _format_arg(arg, max_list_len=float('inf')):
    if hasattr(arg, '_custom_fx_repr_fn'):
        return arg._custom_fx_repr_fn()
    if isinstance(arg, list):
        items = ', '.join(_format_arg(a) for idx, a in enumerate(arg) if idx < max_list_len)
        maybe_len = '' if len(arg) < max_list_len + 1 else f', ...[total_len={len(arg)}]'
        return f'[{items}{maybe_len}]'
    if isinstance(arg, tuple):
        items = ', '.join(_format_arg(a) for idx, a in enumerate(arg) if idx < max_list_len)
        maybe_len = '' if len(arg) < max_list_len + 1 else f', ...[total_len={len(arg)}]'
        maybe_comma = ',' if len(arg) == 1 else ''
        return f'({items}{maybe_comma}{maybe_len})'
    if isinstance(arg, dict):
        items_str = ', '.join(f'{k}: {_format_arg(v)}' for k, v in arg.items())
        return f'{{{items_str}}}'
    if isinstance(arg, Node):
        return '%' + str(arg)
    return str(arg)


class Node:
    """An operation of a Graph: ``op`` (placeholder, get_attr, call_function, call_method,
    call_module, output), ``target``, ``args``, ``kwargs``, ``name``, ``users``, ``meta``."""

    def __init__(self, graph, name, op, target, args, kwargs, return_type=None):
        if op == 'call_function':
            if not callable(target):
                raise ValueError(f"Node [graph = {graph}, name = '{name}'] target {target} has type "
                                 f"{_torch().typename(target)} but a Callable is expected")
        else:
            if op not in _legal_ops:
                raise AssertionError(f"op '{op}' is not in _legal_ops")
            if not isinstance(target, str):
                raise ValueError(f"Node [graph = {graph}, name = '{name}'] target {target} has type "
                                 f"{_torch().typename(target)} but a str is expected")
        d = self.__dict__
        d['graph'] = graph
        d['name'] = name
        d['op'] = op
        d['target'] = target
        d['type'] = return_type
        d['_input_nodes'] = {}
        d['users'] = {}
        d['_args'] = ()
        d['_kwargs'] = {}
        d['_prev'] = d['_next'] = self
        d['_erased'] = False
        d['_repr_fn'] = None
        d['meta'] = {}
        self._update_args_kwargs(args, kwargs)

    # ---------------------------------------------------------------- the linked list
    @property
    def next(self):
        return self._next

    @property
    def prev(self):
        return self._prev

    def _remove_from_list(self):
        p, n = self._prev, self._next
        p.__dict__['_next'], n.__dict__['_prev'] = n, p     # (its own links stay: an iteration goes on)

    def prepend(self, x):
        """Insert ``x`` before this node."""
        if self == x:
            raise AssertionError('Cannot prepend a node to itself')
        if self.graph != x.graph:
            raise AssertionError('Attempting to move a Node into a different Graph')
        if x._prev is not x:
            x._remove_from_list()
        p = self._prev
        p.__dict__['_next'], x.__dict__['_prev'] = x, p
        x.__dict__['_next'], self.__dict__['_prev'] = self, x

    def append(self, x):
        """Insert ``x`` after this node."""
        self._next.prepend(x)

    def __gt__(self, other):
        return self._index() > other._index()

    def __lt__(self, other):
        return self._index() < other._index()

    def __ge__(self, other):
        return self > other or self == other

    def __le__(self, other):
        return self < other or self == other

    def _index(self):
        i, n = 0, self
        while n.op != 'root':
            n = n._prev
            i += 1
        return i

    # ---------------------------------------------------------------- arguments
    @property
    def args(self):
        return self._args

    @args.setter
    def args(self, a):
        self._update_args_kwargs(a, self._kwargs)

    @property
    def kwargs(self):
        return self._kwargs

    @kwargs.setter
    def kwargs(self, k):
        self._update_args_kwargs(self._args, k)

    @property
    def all_input_nodes(self):
        return list(self._input_nodes)

    def _update_args_kwargs(self, new_args, new_kwargs):
        d = self.__dict__
        d['_args'] = map_aggregate(new_args, _immutable) if new_args is not None else ()
        d['_kwargs'] = map_aggregate(new_kwargs, _immutable) if new_kwargs is not None else immutable_dict()
        for old_use in self._input_nodes:
            old_use.users.pop(self)
        d['_input_nodes'] = {}
        map_arg(self._args, self._input_nodes.setdefault)
        map_arg(self._kwargs, self._input_nodes.setdefault)
        for new_use in self._input_nodes:
            new_use.users.setdefault(self)

    def update_arg(self, idx, arg):
        args = list(self.args)
        args[idx] = arg
        self.args = tuple(args)

    def insert_arg(self, idx, arg):
        if not 0 <= idx <= len(self.args):
            raise AssertionError(f'insert_args index must be between 0 and len(self.args), got {idx}')
        self.args = self.args[:idx] + (arg,) + self.args[idx:]

    def update_kwarg(self, key, arg):
        self.kwargs = {**self.kwargs, key: arg}

    @property
    def stack_trace(self):
        return self.meta.get('stack_trace', None)

    @stack_trace.setter
    def stack_trace(self, trace):
        self.meta['stack_trace'] = trace

    def __repr__(self):
        if self._repr_fn:
            return self._repr_fn(self)
        return self.name

    @staticmethod
    def _pretty_print_target(target):
        if isinstance(target, str):
            return target
        if hasattr(target, '__module__'):
            name = getattr(target, '__name__', None)
            if name is None:
                return _get_qualified_name(target)
            if target.__module__ == 'builtins':
                return f'builtins.{name}'
            if target.__module__ == '_operator':
                return f'operator.{name}'
        return _get_qualified_name(target)

    def format_node(self, placeholder_names=None, maybe_return_typename=None, *, include_tensor_metadata=False):
        if self.op == 'placeholder':
            arg_str = self.target
            arg_str += arg_str + f': {_type_repr(self.type)}' if self.type else ''
            if placeholder_names:
                placeholder_names.append(arg_str)
                return None
            maybe_typename = f'{_type_repr(self.type)} ' if self.type else ''
            default_val = '(default=' + str(self.args[0]) + ')' if self.args else ''
            return f'%{self.name} : {maybe_typename}[num_users={len(self.users)}] = {self.op}[target={self.target}]' \
                   f'{default_val}'
        if self.op == 'get_attr':
            maybe_typename = f'{_type_repr(self.type)} ' if self.type is not None else ''
            return f'%{self.name} : {maybe_typename}[num_users={len(self.users)}] = ' \
                   f'{self.op}[target={self._pretty_print_target(self.target)}]'
        if self.op == 'output':
            if self.type and maybe_return_typename:
                maybe_return_typename[0] = f' -> {_type_repr(self.type)}'
            return f'return {self.args[0]}'
        type_annotation = f'{_type_repr(self.type)} ' if self.type is not None else ''
        return f'%{self.name} : {type_annotation}[num_users={len(self.users)}] = ' \
               f'{self.op}[target={self._pretty_print_target(self.target)}](' \
               f'args = {_format_arg(self.args)}, kwargs = {_format_arg(self.kwargs)})'

    # ---------------------------------------------------------------- rewriting
    def replace_all_uses_with(self, replace_with, delete_user_cb=None, *, propagate_meta=False):
        if propagate_meta:
            if len(replace_with.meta) != 0:
                raise AssertionError('Called node.replace_all_uses_with(replace_with, propagate_meta=True), '
                                     'but replace_with already has .meta keys')
            for k, v in self.meta.items():
                replace_with.meta[k] = v
        result = []
        for use_node in list(self.users):
            if delete_user_cb is not None and not delete_user_cb(use_node):
                continue
            result.append(use_node)
            use_node._replace_input_with(self, replace_with)
        return result

    def replace_input_with(self, old_input, new_input):
        self._replace_input_with(old_input, new_input)

    def _replace_input_with(self, old_input, new_input):
        def maybe_replace_node(n):
            return new_input if n == old_input else n
        self._update_args_kwargs(map_arg(self._args, maybe_replace_node), map_arg(self._kwargs, maybe_replace_node))

    def is_impure(self, impure_random=True):
        if self.op in {'placeholder', 'output'}:
            return True
        if self.op == 'call_function':
            return self.target in _side_effectful_functions
        if self.op == 'call_module':
            if self.graph.owning_module is None:
                raise AssertionError('self.graph.owning_module not set for purity check')
            target_mod = self.graph.owning_module.get_submodule(self.target)
            return getattr(target_mod, '_is_impure', False)
        return False

    def normalized_arguments(self, root, arg_types=None, kwarg_types=None, normalize_to_only_use_kwargs=False):
        """The args and kwargs matched to the target's signature (defaults filled in), or None."""
        from collections import namedtuple
        if self.op == 'call_function':
            fn = self.target
        elif self.op == 'call_module':
            fn = root.get_submodule(self.target).forward
        else:
            return None
        try:
            sig = inspect.signature(inspect.unwrap(fn))
            bound = sig.bind(*self.args, **self.kwargs)
        except (TypeError, ValueError):
            return None
        bound.apply_defaults()
        pair = namedtuple('ArgsKwargsPair', ['args', 'kwargs'])
        if normalize_to_only_use_kwargs:
            return pair((), dict(bound.arguments))
        return pair(tuple(bound.args), dict(bound.kwargs))

    def _rename(self, candidate):
        if candidate == self.name:
            return
        name = self.graph._graph_namespace.create_name(candidate, None)
        self.name = name
        self.graph._graph_namespace._rename_object(self, name)

    def __getstate__(self):
        return dict(self.__dict__)

    def __setstate__(self, state):
        self.__dict__.update(state)


def _immutable(a):
    if type(a) is list:
        return immutable_list(a)
    if type(a) is dict:
        return immutable_dict(a)
    return a


def map_arg(a, fn):
    """Apply ``fn`` to each Node appearing in ``a`` (lists, tuples, slices, dicts): the result has
    the same structure."""
    if not callable(fn):
        raise AssertionError('torch.fx.map_arg(a, fn): fn must be a callable')
    return map_aggregate(a, lambda x: fn(x) if isinstance(x, Node) else x)


def map_aggregate(a, fn):
    """Apply ``fn`` to each object appearing in ``a``: the result has the same structure."""
    if isinstance(a, tuple):
        t = tuple(map_aggregate(elem, fn) for elem in a)
        return t if not hasattr(a, '_fields') else type(a)(*t)
    if isinstance(a, list):
        return immutable_list(map_aggregate(elem, fn) for elem in a) if type(a) is immutable_list else \
            [map_aggregate(elem, fn) for elem in a]
    if isinstance(a, dict):
        rv = {k: map_aggregate(v, fn) for k, v in a.items()}
        return immutable_dict(rv) if type(a) is immutable_dict else rv
    if isinstance(a, slice):
        return slice(map_aggregate(a.start, fn), map_aggregate(a.stop, fn), map_aggregate(a.step, fn))
    return fn(a)
