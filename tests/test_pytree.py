"""ember.utils._pytree against torch.utils._pytree: leaves, specs (repr, counts, equality),
unflatten, paths, tree_map with extra trees, the *_only/all/any helpers, custom node
registration, return-type structs, and the errors of mismatched structures."""
import collections

import pytest

import ember
import ember.utils._pytree as ep

torch = pytest.importorskip('torch')
import torch.utils._pytree as tp  # noqa: E402

P = collections.namedtuple('P', 'x y')
TREES = [1, None, 'leaf', [1, None, (2, {'b': 3, 'a': 4})], collections.OrderedDict(x=1, y=[2]), P(1, [2]),
         collections.deque([1, 2], maxlen=3), collections.defaultdict(list, {'k': 1, 'j': [2, 3]}), {}, [], (),
         [[]], {'a': (1,), 'z': {'q': [None, 5]}}, (P(P(1, 2), ()), [collections.deque([], maxlen=None)])]


def _summary(p, tree):
    leaves, spec = p.tree_flatten(tree)
    paths = [(p.keystr(k), v) for k, v in p.tree_leaves_with_path(tree)]
    return (leaves, repr(spec), spec.num_leaves, spec.num_nodes, spec.num_children, spec.is_leaf(),
            p.tree_unflatten(leaves, spec), list(p.tree_iter(tree)), p.tree_leaves(tree), paths,
            repr(p.tree_structure(tree)))


@pytest.mark.parametrize('tree', TREES, ids=range(len(TREES)))
def test_flatten_unflatten_paths_like_torch(tree):
    assert _summary(ep, tree) == _summary(tp, tree)
    _, spec = ep.tree_flatten(tree)
    assert spec == ep.tree_structure(tree) and (spec != ep.tree_structure([tree])) is True


def test_tree_map_with_rests_and_helpers():
    a = {'w': [1, 2], 'b': (3, P(4, 5))}
    b = {'b': (30, P(40, 50)), 'w': [10, 20]}         # dict keys in another order: allowed
    for p in (tp, ep):
        assert p.tree_map(lambda x, y: x + y, a, b) == {'w': [11, 22], 'b': (33, P(44, 55))}
        assert p.tree_map_with_path(lambda k, x: p.keystr(k), a) == \
            {'w': ["['w'][0]", "['w'][1]"], 'b': ("['b'][0]", P("['b'][1].x", "['b'][1].y"))}
    for fn in ('tree_all', 'tree_any'):
        for pred in (lambda x: x > 0, lambda x: x > 2):
            assert getattr(ep, fn)(pred, a) == getattr(tp, fn)(pred, a)
    mixed = [1, 2.5, 'a', (3, 4.0)]
    assert ep.tree_map_only(float, lambda x: x * 2, mixed) == tp.tree_map_only(float, lambda x: x * 2, mixed)
    assert ep.tree_map_only((int, str), lambda x: x * 2, mixed) == tp.tree_map_only((int, str), lambda x: x * 2, mixed)
    assert ep.tree_all_only(int, lambda x: x < 4, mixed) == tp.tree_all_only(int, lambda x: x < 4, mixed)
    assert ep.tree_any_only(float, lambda x: x > 3, mixed) == tp.tree_any_only(float, lambda x: x > 3, mixed)
    seen = {ep: [], tp: []}
    for p in (ep, tp):
        assert p.tree_map_(seen[p].append, a) is a
    assert seen[ep] == seen[tp]
    leaf_lists = {p: p.tree_flatten([[1, 2], [3]], is_leaf=lambda x: isinstance(x, list) and len(x) == 1)[0]
                  for p in (ep, tp)}
    assert leaf_lists[ep] == leaf_lists[tp] == [1, 2, [3]]


def test_tensors_as_leaves_and_return_types():
    def body(lib, p):
        x = lib.tensor([[1., 5.], [3., 2.]])
        tree = {'max': lib.max(x, 1), 'sort': lib.sort(x), 'x': [x, None]}
        leaves, spec = p.tree_flatten(tree)
        doubled = p.tree_map_only(lib.Tensor, lambda t: t * 2, tree)
        rebuilt = p.tree_unflatten(leaves, spec)
        return ([None if t is None else t.tolist() for t in leaves], repr(spec), type(rebuilt['max']).__name__, rebuilt['max'].indices.tolist(),
                doubled['sort'].values.tolist(), doubled['x'][1])
    assert body(ember, ep) == body(torch, tp)


def test_register_pytree_node_and_errors():
    def body(p):
        class Pair:
            def __init__(self, a, b):
                self.a, self.b = a, b
        p.register_pytree_node(Pair, lambda q: ([q.a, q.b], 'ctx'), lambda v, c: Pair(*v))
        leaves, spec = p.tree_flatten([Pair(1, [2, 3])])
        back = p.tree_unflatten([10, 20, 30], spec)
        out = [leaves, repr(spec).replace(Pair.__qualname__, 'Pair'), back[0].a, back[0].b]
        for call in (lambda: p.register_pytree_node(Pair, lambda q: ([], None), lambda v, c: Pair(1, 2)),
                     lambda: p.tree_leaves_with_path(Pair(1, 2)),
                     lambda: p.tree_unflatten([1], p.tree_structure([1, 2])),
                     lambda: p.tree_unflatten([1], [1]),
                     lambda: p.tree_map(lambda x, y: x, [1, 2], [1]),
                     lambda: p.tree_map(lambda x, y: x, [1, 2], (1, 2)),
                     lambda: p.tree_map(lambda x, y: x, {'a': 1}, {'b': 1}),
                     lambda: p.tree_map(lambda x, y: x, [Pair(1, 2)], [[1, 2]]),
                     lambda: p.tree_map_only(3, lambda x: x, [1])):
            try:
                call()
                out.append('no error')
            except Exception as e:      # noqa: BLE001 - the error is what is compared
                out.append((type(e).__name__, str(e).replace(Pair.__qualname__, 'Pair').replace(p.__name__, 'M')))
        return out
    assert body(ep) == body(tp)
