"""``ember.utils._pytree`` (``torch.utils._pytree``): nested containers of leaves ("pytrees"),
flattened to a list of leaves plus a :class:`TreeSpec` that rebuilds them.

Containers: tuple, list, dict (keys in insertion order), OrderedDict, defaultdict, deque,
namedtuples, torch.return_types structs, and the types given to :func:`register_pytree_node`.
Everything else (tensors, numbers, None, strings) is a leaf.

Example:
    >>> leaves, spec = tree_flatten({'a': [1, 2], 'b': (3,)})      # [1, 2, 3]
    >>> tree_unflatten([x * 2 for x in leaves], spec)               # {'a': [2, 4], 'b': (6,)}
"""
import collections
import dataclasses
import functools
import types

__all__ = ['PyTree', 'TreeSpec', 'LeafSpec', 'keystr', 'key_get', 'register_pytree_node', 'tree_is_leaf',
           'tree_flatten', 'tree_flatten_with_path', 'tree_unflatten', 'tree_iter', 'tree_leaves',
           'tree_leaves_with_path', 'tree_structure', 'tree_map', 'tree_map_with_path', 'tree_map_', 'tree_map_only',
           'tree_map_only_', 'tree_all', 'tree_any', 'tree_all_only', 'tree_any_only', 'is_namedtuple',
           'is_namedtuple_class', 'is_namedtuple_instance', 'is_structseq', 'is_structseq_class',
           'is_structseq_instance', 'SequenceKey', 'MappingKey', 'GetAttrKey']

PyTree = object


@dataclasses.dataclass(frozen=True)
class _Node:
    flatten: object            # node -> (children, context)
    unflatten: object          # (children, context) -> node
    with_keys: object = None   # node -> ([(key, child)], context)


SUPPORTED_NODES = {}


def register_pytree_node(cls, flatten_fn, unflatten_fn, *, serialized_type_name=None, to_dumpable_context=None,
                         from_dumpable_context=None, flatten_with_keys_fn=None):
    """Make instances of ``cls`` containers: ``flatten_fn(x) -> (children, context)`` and
    ``unflatten_fn(children, context) -> x``."""
    if cls in SUPPORTED_NODES:
        raise ValueError(f'{cls} is already registered as pytree node.')
    SUPPORTED_NODES[cls] = _Node(flatten_fn, lambda values, context: unflatten_fn(values, context),
                                 flatten_with_keys_fn)


# ---------------------------------------------------------------- keys (paths to leaves)
@dataclasses.dataclass(frozen=True)
class SequenceKey:
    idx: int

    def __str__(self):
        return f'[{self.idx!r}]'

    def get(self, sequence):
        return sequence[self.idx]


@dataclasses.dataclass(frozen=True)
class MappingKey:
    key: object

    def __str__(self):
        return f'[{self.key!r}]'

    def get(self, mapping):
        return mapping[self.key]


@dataclasses.dataclass(frozen=True)
class GetAttrKey:
    name: str

    def __str__(self):
        return f'.{self.name}'

    def get(self, obj):
        return getattr(obj, self.name)


def keystr(kp):
    """The path as the Python that reads it: ``[0]['a'].x``."""
    return ''.join(str(k) for k in kp)


def key_get(obj, kp):
    for k in kp:
        obj = k.get(obj)
    return obj


# ---------------------------------------------------------------- the built-in containers
def is_namedtuple_class(cls):
    return isinstance(cls, type) and issubclass(cls, tuple) and isinstance(getattr(cls, '_fields', None), tuple) \
        and all(type(f) is str for f in cls._fields) and callable(getattr(cls, '_make', None))


def is_namedtuple_instance(obj):
    return is_namedtuple_class(type(obj))


def is_namedtuple(obj):
    return is_namedtuple_class(obj if isinstance(obj, type) else type(obj))


def is_structseq_class(cls):
    """A torch.return_types-like struct sequence (a tuple subclass with n_fields, as os.stat_result)."""
    return isinstance(cls, type) and issubclass(cls, tuple) and cls.__base__ is tuple and \
        all(isinstance(getattr(cls, a, None), int) for a in ('n_fields', 'n_sequence_fields', 'n_unnamed_fields'))


def is_structseq_instance(obj):
    return is_structseq_class(type(obj))


def is_structseq(obj):
    return is_structseq_class(obj if isinstance(obj, type) else type(obj))


def _seq_keys(xs):
    return [(SequenceKey(i), x) for i, x in enumerate(xs)]


def _dict_flatten(d):
    return list(d.values()), list(d.keys())


def _dict_keys(d):
    return [(MappingKey(k), v) for k, v in d.items()], list(d.keys())


SUPPORTED_NODES.update({
    tuple: _Node(lambda t: (list(t), None), lambda v, c: tuple(v), lambda t: (_seq_keys(t), None)),
    list: _Node(lambda t: (list(t), None), lambda v, c: list(v), lambda t: (_seq_keys(t), None)),
    dict: _Node(_dict_flatten, lambda v, c: dict(zip(c, v)), _dict_keys),
    collections.OrderedDict: _Node(_dict_flatten, lambda v, c: collections.OrderedDict(zip(c, v)), _dict_keys),
    collections.defaultdict: _Node(
        lambda d: (list(d.values()), [d.default_factory, list(d.keys())]),
        lambda v, c: collections.defaultdict(c[0], zip(c[1], v)),
        lambda d: ([(MappingKey(k), x) for k, x in d.items()], [d.default_factory, list(d.keys())])),
    collections.deque: _Node(lambda d: (list(d), d.maxlen), lambda v, c: collections.deque(v, maxlen=c),
                             lambda d: (_seq_keys(d), d.maxlen)),
})

# namedtuples and struct sequences are nodes by shape, not by registration
_NAMEDTUPLE = _Node(lambda t: (list(t), type(t)), lambda v, c: c(*v),
                    lambda t: ([(GetAttrKey(f), x) for f, x in zip(t._fields, t)], type(t)))
_RETURN_TYPE = _Node(lambda t: (list(t), None), None, lambda t: (_seq_keys(t), None))
_STRUCTSEQ = _Node(lambda t: (list(t), type(t)), lambda v, c: c(v),
                   lambda t: (_seq_keys(t), type(t)))


def _node_of(tree):
    cls = type(tree)
    node = SUPPORTED_NODES.get(cls)
    if node is not None:
        return cls, node
    if cls.__module__ == 'ember.return_types':
        # torch registers each torch.return_types class as a node of its own (context None)
        return cls, _RETURN_TYPE
    if is_namedtuple_class(cls):
        return 'namedtuple', _NAMEDTUPLE
    if is_structseq_class(cls):
        return 'structseq', _STRUCTSEQ
    return None, None


def tree_is_leaf(tree, is_leaf=None):
    """A leaf: what ``is_leaf`` says is one, or anything that is not a known container."""
    if is_leaf is not None and is_leaf(tree):
        return True
    return _node_of(tree)[1] is None


# ---------------------------------------------------------------- the spec
class _NodeType:
    """The node kind of a namedtuple or struct sequence (its repr name, as torch prints it)."""

    def __init__(self, name):
        self.__name__ = name

    def __repr__(self):
        return self.__name__


_KINDS = {'namedtuple': _NodeType('namedtuple'), 'structseq': _NodeType('structseq')}
_DICTS = (dict, collections.OrderedDict, collections.defaultdict)
_BUILTIN = (tuple, list, dict, collections.OrderedDict, collections.defaultdict, collections.deque,
            _KINDS['namedtuple'], _KINDS['structseq'])


class TreeSpec:
    """The shape of a pytree: the node ``type``, its ``context`` (dict keys, a namedtuple's
    class, ...) and one spec per child. A leaf's spec prints as ``*``."""
    __slots__ = ('type', '_context', '_children', '_node', 'num_nodes', 'num_leaves')

    def __init__(self, type, context, children_specs, _node=None):
        self.type = type
        self._context = context
        self._children = list(children_specs)
        self._node = _node
        self.num_nodes = 1 + sum(c.num_nodes for c in self._children)
        self.num_leaves = 1 if type is None else sum(c.num_leaves for c in self._children)

    @property
    def context(self):
        return self._context

    @property
    def num_children(self):
        return len(self._children)

    @property
    def children_specs(self):
        return list(self._children)

    def children(self):
        return list(self._children)

    def child(self, index):
        return self._children[index]

    def is_leaf(self):
        return self.type is None

    def unflatten(self, leaves):
        return tree_unflatten(leaves, self)

    def flatten_up_to(self, tree):
        """The subtrees of ``tree`` at this spec's leaves (``tree`` must have this structure above
        them; dicts of the standard kinds may stand for each other and list their keys in any order)."""
        out = []

        def walk(spec, node):
            if spec.is_leaf():
                out.append(node)
                return
            kind, n = _node_of(node)
            node_type = _kind(kind) if n is not None else type(node)
            if spec.type not in _BUILTIN:
                if node_type != spec.type:
                    raise ValueError(f'Type mismatch; expected {spec.type!r}, but got {node_type!r}.')
                children, context = n.flatten(node)
                if len(children) != spec.num_children:
                    raise ValueError(f'Node arity mismatch; expected {spec.num_children}, but got {len(children)}.')
                if context != spec._context:
                    raise ValueError(f'Node context mismatch for custom node type {spec.type!r}.')
            else:
                dicts = spec.type in _DICTS and node_type in _DICTS
                if not dicts and node_type != spec.type:
                    raise ValueError(f'Node type mismatch; expected {spec.type!r}, but got {node_type!r}.')
                if len(node) != spec.num_children:
                    raise ValueError(f'Node arity mismatch; expected {spec.num_children}, but got {len(node)}.')
                if dicts:
                    keys = spec._context if spec.type is not collections.defaultdict else spec._context[1]
                    got, want = set(node), set(keys)
                    if got != want:
                        msg = (f'; missing key(s): {want - got}' if want - got else '') + \
                            (f'; extra key(s): {got - want}' if got - want else '')
                        raise ValueError(f'Node keys mismatch{msg}.')
                    children = [node[k] for k in keys]
                else:
                    children, context = n.flatten(node)
                    if spec.type is _KINDS['namedtuple'] and context != spec._context:
                        raise ValueError(f'Node context mismatch for namedtuple node type {spec.type!r}.')
                    if spec.type is collections.deque and context != spec._context:
                        raise ValueError(f'Node context mismatch for deque node type {spec.type!r}.')
            for c, sub in zip(children, spec._children):
                walk(sub, c)
        walk(self, tree)
        return out

    def __eq__(self, other):
        if self is other:
            return True
        if isinstance(other, TreeSpec):
            return str(self.type) == str(other.type) and self._context == other._context and \
                self._children == other._children
        return NotImplemented

    __hash__ = None

    def __repr__(self, indent=0):
        if self.type is None:
            return '*'
        s = f'TreeSpec({self.type.__name__}, {self._context}, ['
        if self._children:
            indent += 2
            s += self._children[0].__repr__(indent) + (',' if len(self._children) > 1 else '')
            s += ','.join('\n' + ' ' * indent + c.__repr__(indent) for c in self._children[1:])
        return s + '])'


class LeafSpec(TreeSpec):
    """The spec of a leaf (``*``)."""
    __slots__ = ()

    def __init__(self):
        super().__init__(None, None, [])


_LEAF = LeafSpec()


def _kind(kind):
    return _KINDS[kind] if isinstance(kind, str) else kind


# ---------------------------------------------------------------- flatten / unflatten
def tree_flatten(tree, is_leaf=None):
    """``(leaves, spec)``: the leaves in depth-first order and the spec that rebuilds ``tree``."""
    leaves = []

    def walk(node):
        if is_leaf is not None and is_leaf(node):
            leaves.append(node)
            return _LEAF
        kind, n = _node_of(node)
        if n is None:
            leaves.append(node)
            return _LEAF
        children, context = n.flatten(node)
        return TreeSpec(_kind(kind), context, [walk(c) for c in children], n)
    return leaves, walk(tree)


def tree_unflatten(leaves, treespec):
    """The pytree of shape ``treespec`` holding ``leaves``."""
    if not isinstance(treespec, TreeSpec):
        raise TypeError(f'Expected `treespec` to be an instance of PyTreeSpec but got '
                        f'item of type {type(treespec)}.')
    leaves = list(leaves)
    if len(leaves) != treespec.num_leaves:
        raise ValueError(f'treespec.unflatten(leaves): `leaves` has length {len(leaves)} but the spec refers to a '
                         f'pytree that holds {treespec.num_leaves} items ({treespec}).')
    it = iter(leaves)

    def build(spec):
        if spec.is_leaf():
            return next(it)
        node = spec._node or _node_of_type(spec)
        children = [build(c) for c in spec._children]
        if node is _RETURN_TYPE:
            return spec.type(children)
        return node.unflatten(children, spec._context)
    return build(treespec)


def _node_of_type(spec):
    t = spec.type
    if getattr(t, '__module__', None) == 'ember.return_types':
        return _RETURN_TYPE
    if t is _KINDS['namedtuple']:
        return _NAMEDTUPLE
    if t is _KINDS['structseq']:
        return _STRUCTSEQ
    return SUPPORTED_NODES[t]


def tree_iter(tree, is_leaf=None):
    """The leaves, depth first, one at a time."""
    if is_leaf is not None and is_leaf(tree):
        yield tree
        return
    n = _node_of(tree)[1]
    if n is None:
        yield tree
        return
    for child in n.flatten(tree)[0]:
        yield from tree_iter(child, is_leaf)


def tree_leaves(tree, is_leaf=None):
    return list(tree_iter(tree, is_leaf))


def tree_structure(tree, is_leaf=None):
    return tree_flatten(tree, is_leaf)[1]


def tree_map(func, tree, *rests, is_leaf=None):
    """``func`` applied to every leaf (with the matching leaves of ``rests``, which have ``tree``'s
    structure above them), in a pytree of ``tree``'s structure."""
    leaves, spec = tree_flatten(tree, is_leaf)
    flat_args = [leaves] + [spec.flatten_up_to(r) for r in rests]
    return tree_unflatten(map(func, *flat_args), spec)


def tree_map_(func, tree, *rests, is_leaf=None):
    """``func`` called on every leaf for its side effect; returns ``tree``."""
    leaves, spec = tree_flatten(tree, is_leaf)
    flat_args = [leaves] + [spec.flatten_up_to(r) for r in rests]
    for args in zip(*flat_args):
        func(*args)
    return tree


def _pred(type_or_types_or_pred):
    if isinstance(type_or_types_or_pred, (type, tuple, types.UnionType)):
        types_ = type_or_types_or_pred
        return lambda x: isinstance(x, types_)
    if callable(type_or_types_or_pred):
        return type_or_types_or_pred
    raise TypeError('Argument must be a type, a tuple of types, or a callable.')


def map_only(type_or_types_or_pred):
    """A decorator: the function runs on the leaves that match, the others pass through."""
    pred = _pred(type_or_types_or_pred)

    def wrapper(func):
        @functools.wraps(func)
        def wrapped(x):
            return func(x) if pred(x) else x
        return wrapped
    return wrapper


def tree_map_only(type_or_types_or_pred, /, func, tree, is_leaf=None):
    return tree_map(map_only(type_or_types_or_pred)(func), tree, is_leaf=is_leaf)


def tree_map_only_(type_or_types_or_pred, /, func, tree, is_leaf=None):
    return tree_map_(map_only(type_or_types_or_pred)(func), tree, is_leaf=is_leaf)


def tree_all(pred, tree, is_leaf=None):
    return all(map(pred, tree_iter(tree, is_leaf)))


def tree_any(pred, tree, is_leaf=None):
    return any(map(pred, tree_iter(tree, is_leaf)))


def tree_all_only(type_or_types, /, pred, tree, is_leaf=None):
    match = _pred(type_or_types)
    return all(pred(x) for x in tree_iter(tree, is_leaf) if match(x))


def tree_any_only(type_or_types, /, pred, tree, is_leaf=None):
    match = _pred(type_or_types)
    return any(pred(x) for x in tree_iter(tree, is_leaf) if match(x))


# ---------------------------------------------------------------- paths
def tree_flatten_with_path(tree, is_leaf=None):
    """``([(path, leaf)], spec)``: each leaf with the keys that lead to it."""
    out = []

    def walk(node, path):
        if is_leaf is not None and is_leaf(node):
            out.append((path, node))
            return
        kind, n = _node_of(node)
        if n is None:
            out.append((path, node))
            return
        if n.with_keys is None:
            raise ValueError(f'Did not find a flatten_with_keys_fn for type: {type(node)}. Please pass a '
                             'flatten_with_keys_fn argument to register_pytree_node.')
        for k, child in n.with_keys(node)[0]:
            walk(child, path + (k,))
    walk(tree, ())
    return out, tree_structure(tree, is_leaf)


def tree_leaves_with_path(tree, is_leaf=None):
    return tree_flatten_with_path(tree, is_leaf)[0]


def tree_map_with_path(func, tree, *rests, is_leaf=None):
    """``func(path, leaf, *rest_leaves)`` for every leaf, in a pytree of ``tree``'s structure."""
    with_path, spec = tree_flatten_with_path(tree, is_leaf)
    paths, leaves = zip(*with_path) if with_path else ((), ())
    flat_args = [leaves] + [spec.flatten_up_to(r) for r in rests]
    return tree_unflatten([func(p, *xs) for p, *xs in zip(paths, *flat_args)], spec)
