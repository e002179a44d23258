"""ember.utils.data (seed S21): datasets, samplers, collation and the DataLoader.

Deterministic behaviour (collation, batch shapes, sequential order, splits' sizes, indexing,
argument errors and their messages, warnings) runs with torch and with ember and is compared.
Random orders differ from torch's RNG, so shuffling is tested by its properties (a
permutation, reproducible under a seed). Worker processes are tested for equality with
single-process loading, error propagation, dead workers, clean shutdown and seeding.
"""
import collections
import importlib
import multiprocessing
import os
import random
import signal
import time
import warnings

import numpy as np
import pytest

import conformance
from conformance import run_both, torch
import ember
from ember.utils.data import (BatchSampler, ChainDataset, ConcatDataset, DataLoader, Dataset, IterableDataset,
                              RandomSampler, SequentialSampler, StackDataset, Subset, SubsetRandomSampler,
                              TensorDataset, WeightedRandomSampler, default_collate, default_convert,
                              get_worker_info, random_split)

Point = collections.namedtuple('Point', ['x', 'y'])


def data(lib):
    """``lib.utils.data`` (torch's or ember's)."""
    return importlib.import_module(lib.__name__ + '.utils.data')


def shape_of(x):
    """A comparable picture of a collated structure: container types by name, leaves as they are
    (tensors are compared by the harness: values, dtype, shape)."""
    if isinstance(x, dict):
        return (type(x).__name__, {k: shape_of(v) for k, v in x.items()})
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, [shape_of(v) for v in x])
    if isinstance(x, np.ndarray):
        return ('ndarray', x.dtype.str, x.tolist())
    return x


def same_error(body, *args):
    """Both libraries raise, with the same exception type and the same message."""
    tv, ev = run_both(body, *args)
    assert isinstance(tv, BaseException) and isinstance(ev, BaseException), (tv, ev)
    assert type(ev).__name__ == type(tv).__name__, (ev, tv)
    assert str(ev) == str(tv)
    return tv, ev


def caught(fn):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter('always')
        r = fn()
    return r, [(x.category.__name__, str(x.message)) for x in w]


def no_children(timeout=3.0):
    """True once this process has no live child processes (waits for exiting ones)."""
    deadline = time.monotonic() + timeout
    while multiprocessing.active_children():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


# ================================================================== collation
COLLATE_CASES = {
    'tensors': lambda lib: [lib.tensor([1., 2.]), lib.tensor([3., 4.])],
    'int_tensors': lambda lib: [lib.tensor([[1, 2]]), lib.tensor([[3, 4]])],
    'scalar_tensors': lambda lib: [lib.tensor(1.5), lib.tensor(2.5)],
    'mixed_dtype_tensors': lambda lib: [lib.tensor([1, 2]), lib.tensor([1.5, 2.5])],
    'requires_grad': lambda lib: [lib.ones(2, requires_grad=True), lib.zeros(2)],
    'ints': lambda lib: [1, 2, 3],
    'floats': lambda lib: [1.5, 2.0, -3.25],
    'bools': lambda lib: [True, False],
    'strings': lambda lib: ['a', 'bc'],
    'bytes': lambda lib: [b'a', b'bc'],
    'np_float32': lambda lib: [np.array([1., 2.], dtype=np.float32), np.array([3., 4.], dtype=np.float32)],
    'np_float64_2d': lambda lib: [np.ones((2, 3)), np.zeros((2, 3))],
    'np_int32': lambda lib: [np.array([1, 2], dtype=np.int32), np.array([3, 4], dtype=np.int32)],
    'np_uint8': lambda lib: [np.array([[1]], dtype=np.uint8), np.array([[2]], dtype=np.uint8)],
    'np_bool': lambda lib: [np.array([True]), np.array([False])],
    'np_0d': lambda lib: [np.array(1.5), np.array(2.5)],
    'np_scalars_f32': lambda lib: [np.float32(1.5), np.float32(2.5)],
    'np_scalars_i64': lambda lib: [np.int64(1), np.int64(2)],
    'np_scalars_bool': lambda lib: [np.bool_(True), np.bool_(False)],
    'dicts': lambda lib: [{'a': 1, 'b': 1.5, 'c': 'x'}, {'a': 2, 'b': 2.5, 'c': 'y'}],
    'ordered_dicts': lambda lib: [collections.OrderedDict(a=lib.tensor([1])), collections.OrderedDict(a=lib.tensor([2]))],
    'tuples': lambda lib: [(lib.tensor([1., 2.]), 0), (lib.tensor([3., 4.]), 1)],
    'lists': lambda lib: [[1, 2.5], [3, 4.5]],
    'namedtuples': lambda lib: [Point(1, 2.), Point(3, 4.)],
    'nested': lambda lib: [{'x': (np.zeros(2, dtype=np.float32), [1, 'a']), 'y': {'z': lib.tensor([1])}},
                           {'x': (np.ones(2, dtype=np.float32), [2, 'b']), 'y': {'z': lib.tensor([2])}}],
    'seed_sample': lambda lib: [(lib.tensor(np.array([[1., 2., 3.]]), dtype=lib.float32), np.array([1])),
                                (lib.tensor(np.array([[4., 5., 6.]]), dtype=lib.float32), np.array([0]))],
    'single': lambda lib: [lib.tensor([1, 2])],
}


@pytest.mark.parametrize('case', sorted(COLLATE_CASES))
def test_default_collate_matches_torch(case):
    run_both(lambda lib: shape_of(data(lib).default_collate(COLLATE_CASES[case](lib))))


def test_default_collate_types():
    """The rules spelled out: stacked tensors, float64 for Python floats, int64 for ints, strings
    kept, tuples become lists, named tuples stay named tuples."""
    b = default_collate([(ember.tensor([1., 2.]), 1, 0.5, 'a', np.array([1, 2], dtype=np.int16))] * 3)
    assert isinstance(b, list) and len(b) == 5
    assert b[0].shape == (3, 2) and b[0].dtype is ember.float32
    assert b[1].dtype is ember.int64 and b[1].tolist() == [1, 1, 1]
    assert b[2].dtype is ember.float64
    assert b[3] == ('a', 'a', 'a')
    assert b[4].dtype is ember.int16 and b[4].shape == (3, 2)
    p = default_collate([Point(1, 2), Point(3, 4)])
    assert type(p) is Point and p.x.tolist() == [1, 3]


def test_default_collate_keeps_autograd():
    w = ember.ones(2, requires_grad=True)
    b = default_collate([w * 2, w * 3])
    b.sum().backward()
    assert w.grad.tolist() == [5., 5.]


class Opaque:
    pass


@pytest.mark.parametrize('batch', [
    lambda lib: [lib.tensor([1, 2]), lib.tensor([1])],
    lambda lib: [[1, 2], [3]],
    lambda lib: [(1, 2), (3,)],
    lambda lib: [Opaque(), Opaque()],
    lambda lib: [None, None],
    lambda lib: [np.array(['a']), np.array(['b'])],
    lambda lib: [np.array([object()]), np.array([object()])],
    lambda lib: [{'a': 1}, {'b': 2}],
], ids=['tensor_sizes', 'list_sizes', 'tuple_sizes', 'object', 'none', 'np_str', 'np_object', 'dict_keys'])
def test_default_collate_errors_match_torch(batch):
    same_error(lambda lib: data(lib).default_collate(batch(lib)))


def test_default_collate_error_messages():
    with pytest.raises(RuntimeError, match='each element in list of batch should be of equal size'):
        default_collate([[1, 2], [3]])
    with pytest.raises(TypeError, match="default_collate: batch must contain tensors, numpy arrays, numbers, dicts "
                                        "or lists; found <class 'NoneType'>"):
        default_collate([None])
    with pytest.raises(RuntimeError, match=r'stack expects each tensor to be equal size, but got \[2\] at entry 0 '
                                           r'and \[1\] at entry 1'):
        default_collate([ember.tensor([1, 2]), ember.tensor([1])])


CONVERT_CASES = {
    'array': lambda lib: np.array([1, 2], dtype=np.int32),
    'np_scalar': lambda lib: np.float64(2.5),
    'int': lambda lib: 3,
    'float': lambda lib: 3.5,
    'str': lambda lib: 'abc',
    'np_str_array': lambda lib: np.array(['a', 'b']),
    'tensor': lambda lib: lib.tensor([1., 2.]),
    'tuple': lambda lib: (np.zeros(2), 1),
    'list': lambda lib: [np.zeros(2), 'a'],
    'namedtuple': lambda lib: Point(np.array(0), np.array(1.)),
    'dict': lambda lib: {'a': np.ones(1, dtype=np.float32), 'b': [np.array([1])]},
}


@pytest.mark.parametrize('case', sorted(CONVERT_CASES))
def test_default_convert_matches_torch(case):
    run_both(lambda lib: shape_of(data(lib).default_convert(CONVERT_CASES[case](lib))))


def test_default_convert_shares_memory():
    a = np.zeros(3, dtype=np.float32)
    t = default_convert(a)
    a[0] = 7
    assert t.tolist() == [7., 0., 0.]


# ================================================================== datasets
def test_dataset_base_class():
    def body(lib):
        ds = data(lib).Dataset()
        return ds[0]
    same_error(body)
    same_error(lambda lib: len(data(lib).Dataset()))


def test_tensor_dataset_indexing_and_len():
    def body(lib):
        D = data(lib)
        ds = D.TensorDataset(lib.arange(12.).reshape(6, 2), lib.arange(6))
        return len(ds), ds[0], ds[-1], ds[1:3], ds[[0, 2]], type(ds[0]).__name__, len(ds.tensors)
    run_both(body)


def test_tensor_dataset_size_mismatch():
    same_error(lambda lib: data(lib).TensorDataset(lib.zeros(3, 2), lib.zeros(4)))
    with pytest.raises(AssertionError, match='Size mismatch between tensors'):
        TensorDataset(ember.zeros(3), ember.zeros(2))


def test_stack_dataset():
    def body(lib):
        D = data(lib)
        a, b = D.TensorDataset(lib.arange(4)), list('wxyz')
        t, d = D.StackDataset(a, b), D.StackDataset(n=a, s=b)
        return (len(t), shape_of(t[1]), shape_of(d[2]), shape_of(t.__getitems__([0, 3])),
                shape_of(d.__getitems__([1])))
    run_both(body)


@pytest.mark.parametrize('make', [
    lambda D, lib: D.StackDataset(),
    lambda D, lib: D.StackDataset([1, 2], [1]),
    lambda D, lib: D.StackDataset(a=[1, 2], b=[1]),
    lambda D, lib: D.StackDataset([1], b=[1]),
], ids=['none', 'args_mismatch', 'kwargs_mismatch', 'both'])
def test_stack_dataset_errors(make):
    same_error(lambda lib: make(data(lib), lib))


def test_concat_dataset_indexing():
    def body(lib):
        D = data(lib)
        a = D.TensorDataset(lib.arange(3))
        b = D.TensorDataset(lib.arange(10, 15))
        c = D.ConcatDataset([a, b, a])
        d = a + b
        return (len(c), c.cumulative_sizes, [c[i][0].item() for i in range(len(c))], c[-1], c[-11], c[3],
                type(d).__name__, len(d), d[4])
    run_both(body)


@pytest.mark.parametrize('index', [-12, 11, 100])
def test_concat_dataset_out_of_range(index):
    def body(lib):
        D = data(lib)
        c = D.ConcatDataset([list(range(3)), list(range(8))])
        return c[index]
    same_error(body)


class Count(IterableDataset):
    """0..n-1; with workers, each worker yields its share (worker i: i, i + k, ...)."""

    def __init__(self, n, sized=True):
        self.n, self.sized = n, sized

    def __iter__(self):
        info = get_worker_info()
        if info is None:
            return iter(range(self.n))
        return iter(range(info.id, self.n, info.num_workers))

    def __len__(self):
        if not self.sized:
            raise TypeError('no len')
        return self.n


def _lib_count(lib):
    D = data(lib)

    class LibCount(D.IterableDataset):
        def __init__(self, n):
            self.n = n

        def __iter__(self):
            return iter(range(self.n))

        def __len__(self):
            return self.n
    return LibCount


@pytest.mark.parametrize('make', [
    lambda D, lib: D.ConcatDataset([]),
    lambda D, lib: D.ConcatDataset([[1], _lib_count(lib)(2)]),
], ids=['empty', 'iterable'])
def test_concat_dataset_errors(make):
    same_error(lambda lib: make(data(lib), lib))


def test_chain_dataset():
    def body(lib):
        D = data(lib)
        C = _lib_count(lib)
        ch = D.ChainDataset([C(2), C(3)])
        plus = C(1) + C(2)
        return list(ch), len(ch), type(plus).__name__, list(plus)
    run_both(body)
    same_error(lambda lib: list(data(lib).ChainDataset([[1, 2]])))
    same_error(lambda lib: len(data(lib).ChainDataset([[1, 2]])))


def test_subset_indexing():
    def body(lib):
        D = data(lib)
        base = D.TensorDataset(lib.arange(10) * 10)
        s = D.Subset(base, [7, 2, 5])
        return len(s), s[0], s[-1], [x[0].item() for x in s.__getitems__([2, 0])], s.indices
    run_both(body)


def test_subset_subclass_must_override_getitems():
    def body(lib):
        D = data(lib)

        class Bad(D.Subset):
            def __getitem__(self, i):
                return 0
        return Bad([1, 2], [0])
    same_error(body)


# ------------------------------------------------------------------ random_split
@pytest.mark.parametrize('n,lengths', [
    (10, [3, 7]), (10, [0.3, 0.3, 0.4]), (30, [0.3, 0.3, 0.4]), (5, [0.5, 0.5]), (11, [0.1, 0.2, 0.3, 0.4]),
    (3, [0.1, 0.1, 0.8]), (7, [1.0]), (10, [0.25, 0.75]), (2, [0.5, 0.5, 0.0]),
])
def test_random_split_sizes_and_warnings(n, lengths):
    def body(lib, on_device=False):
        gen = lib.Generator(device=lib.get_default_device()) if on_device else lib.Generator()
        parts, w = caught(lambda: data(lib).random_split(range(n), lengths, generator=gen.manual_seed(0)))
        return [len(p) for p in parts], [type(p).__name__ for p in parts], w
    if conformance.DEVICE[0] != 'cpu':
        # with CUDA as the default device, random_split's randperm runs there and refuses a CPU
        # generator in both libraries; with a generator on that device it splits (sizes compared)
        if torch.cuda.is_available():       # (torch really on CUDA, not the fake's CPU stand-in)
            t, e = run_both(body)
            assert isinstance(t, RuntimeError) and isinstance(e, RuntimeError)
        t, e = run_both(body, on_device=True)
    else:
        t, e = run_both(body)
    parts, w = caught(lambda: random_split(range(n), lengths, generator=ember.Generator().manual_seed(0)))
    assert [len(p) for p in parts] == t[0] and w == t[2]
    assert sorted(i for p in parts for i in p) == list(range(n))


@pytest.mark.parametrize('lengths', [[3, 8], [0.5, 0.6], [1.5, -0.5], [0.4, 0.4]])
def test_random_split_errors(lengths):
    same_error(lambda lib: data(lib).random_split(range(10), lengths))


def test_random_split_reproducible():
    a = random_split(range(20), [5, 15], generator=ember.Generator().manual_seed(3))
    b = random_split(range(20), [5, 15], generator=ember.Generator().manual_seed(3))
    assert [list(p) for p in a] == [list(p) for p in b]
    ember.manual_seed(11)
    c = random_split(range(20), [0.5, 0.5])
    ember.manual_seed(11)
    d = random_split(range(20), [0.5, 0.5])
    assert [list(p) for p in c] == [list(p) for p in d]
    assert sorted(list(c[0]) + list(c[1])) == list(range(20))


# ================================================================== samplers
def test_sequential_sampler():
    run_both(lambda lib: (list(data(lib).SequentialSampler(range(7))), len(data(lib).SequentialSampler('abc'))))


@pytest.mark.parametrize('n,bs,drop', [(10, 3, False), (10, 3, True), (9, 3, True), (2, 5, False), (2, 5, True),
                                      (0, 2, False)])
def test_batch_sampler(n, bs, drop):
    def body(lib):
        s = data(lib).BatchSampler(data(lib).SequentialSampler(range(n)), bs, drop)
        return list(s), len(s)
    run_both(body)


@pytest.mark.parametrize('bs,drop', [(0, False), (-1, False), (True, False), (2.0, False), (2, 1), (2, None)])
def test_batch_sampler_errors(bs, drop):
    same_error(lambda lib: data(lib).BatchSampler(range(4), bs, drop))


def test_sampler_base_class():
    same_error(lambda lib: iter(data(lib).Sampler()))
    same_error(lambda lib: data(lib).Sampler([1, 2]))


@pytest.mark.parametrize('kw', [dict(replacement=1), dict(num_samples=0), dict(num_samples=-2),
                                dict(num_samples=2.0), dict(replacement='yes', num_samples=3)])
def test_random_sampler_errors(kw):
    same_error(lambda lib: data(lib).RandomSampler(range(5), **kw))


def test_random_sampler_empty_source():
    same_error(lambda lib: data(lib).RandomSampler([]))


def test_random_sampler_len_and_properties():
    run_both(lambda lib: [len(data(lib).RandomSampler(range(5))),
                          len(data(lib).RandomSampler(range(5), num_samples=12)),
                          len(data(lib).RandomSampler(range(5), replacement=True, num_samples=70)),
                          data(lib).RandomSampler(range(5)).num_samples])
    g = ember.Generator().manual_seed(1)
    perm = list(RandomSampler(range(50), generator=g))
    assert sorted(perm) == list(range(50)) and perm != list(range(50))
    many = list(RandomSampler(range(5), num_samples=12, generator=g))
    assert len(many) == 12 and sorted(many[:10]) == sorted(list(range(5)) * 2) and len(set(many[10:])) == 2
    rep = list(RandomSampler(range(4), replacement=True, num_samples=70, generator=g))
    assert len(rep) == 70 and set(rep) == {0, 1, 2, 3}


def test_random_sampler_reproducible():
    ember.manual_seed(5)
    s = RandomSampler(range(30))
    a, b = list(s), list(s)
    assert a != b                                   # a new order each pass
    ember.manual_seed(5)
    assert list(s) == a and list(s) == b            # but the same sequence of orders under a seed
    g1, g2 = ember.Generator().manual_seed(9), ember.Generator().manual_seed(9)
    assert list(RandomSampler(range(30), generator=g1)) == list(RandomSampler(range(30), generator=g2))


def test_subset_random_sampler():
    g = ember.Generator().manual_seed(0)
    s = SubsetRandomSampler([10, 20, 30, 40], generator=g)
    out = list(s)
    assert len(s) == 4 and sorted(out) == [10, 20, 30, 40]
    run_both(lambda lib: len(data(lib).SubsetRandomSampler(range(3, 9))))


def test_weighted_random_sampler():
    g = ember.Generator().manual_seed(0)
    s = WeightedRandomSampler([0., 1., 3., 0.], 200, generator=g)
    out = list(s)
    assert len(s) == 200 and set(out) == {1, 2} and out.count(2) > out.count(1)
    nr = list(WeightedRandomSampler([0.2, 0., 5., 1.], 4, replacement=False, generator=g))
    assert sorted(nr) == [0, 1, 2, 3] and nr[-1] == 1     # a zero weight only once the others are used up
    run_both(lambda lib: (len(data(lib).WeightedRandomSampler([1., 2.], 5)),
                          data(lib).WeightedRandomSampler([1, 2], 5).weights))


@pytest.mark.parametrize('args', [([1., 2.], 0), ([1., 2.], True), ([1., 2.], 2.0), ([1., 2.], 3, 1),
                                  ([[1., 2.]], 3), ([1., 2.], 3, False)])
def test_weighted_random_sampler_errors(args):
    same_error(lambda lib: list(data(lib).WeightedRandomSampler(*args)))


# ================================================================== DataLoader (one process)
class Squares(Dataset):
    def __init__(self, n=10):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        return np.array([i, i * i], dtype=np.float32), i


def _lib_squares(lib):
    D = data(lib)

    class LibSquares(D.Dataset):
        def __init__(self, n=10):
            self.n = n

        def __len__(self):
            return self.n

        def __getitem__(self, i):
            return lib.tensor([float(i), float(i * i)]), i, {'name': f'n{i}', 'f': i / 2}
    return LibSquares


@pytest.mark.parametrize('n,bs,drop', [(10, 3, False), (10, 3, True), (10, 5, False), (10, 1, True), (3, 8, False),
                                      (3, 8, True), (10, None, False)])
def test_dataloader_batches_match_torch(n, bs, drop):
    def body(lib):
        loader = data(lib).DataLoader(_lib_squares(lib)(n), batch_size=bs, drop_last=drop)
        return len(loader), [shape_of(b) for b in loader]
    run_both(body)


def test_dataloader_batch_size_none_converts_only():
    def body(lib):
        return [shape_of(b) for b in data(lib).DataLoader(Squares(3), batch_size=None)]
    run_both(body)


def test_dataloader_custom_sampler_batch_sampler_collate():
    def body(lib):
        D = data(lib)
        ds = _lib_squares(lib)(6)
        a = [b[1] for b in D.DataLoader(ds, sampler=[5, 0, 3], batch_size=2)]
        b = [b[1] for b in D.DataLoader(ds, batch_sampler=[[1, 2], [0], [5, 4, 3]])]
        c = list(D.DataLoader(ds, batch_size=4, collate_fn=lambda batch: [s[1] for s in batch]))
        ld = D.DataLoader(ds, batch_sampler=[[1, 2], [0]])
        return a, b, c, len(ld), ld.batch_size, ld.drop_last
    run_both(body)


def test_dataloader_default_attributes():
    def body(lib):
        ld = data(lib).DataLoader(list(range(5)))
        return (ld.batch_size, ld.num_workers, ld.drop_last, ld.timeout, ld.prefetch_factor, ld.pin_memory,
                ld.persistent_workers, type(ld.sampler).__name__, type(ld.batch_sampler).__name__,
                ld.collate_fn.__name__, len(ld),
                type(data(lib).DataLoader(list(range(5)), shuffle=True).sampler).__name__,
                data(lib).DataLoader(list(range(5)), num_workers=1).prefetch_factor)
    run_both(body)


@pytest.mark.parametrize('kw', [
    dict(num_workers=-1), dict(timeout=-1), dict(prefetch_factor=2), dict(num_workers=1, prefetch_factor=-1),
    dict(persistent_workers=True), dict(sampler=[0, 1], shuffle=True),
    dict(batch_sampler=[[0]], batch_size=2), dict(batch_sampler=[[0]], shuffle=True),
    dict(batch_sampler=[[0]], sampler=[0]), dict(batch_sampler=[[0]], drop_last=True),
    dict(batch_size=None, drop_last=True), dict(multiprocessing_context='fork'),
    dict(num_workers=1, multiprocessing_context='nonsense'), dict(num_workers=1, multiprocessing_context=3),
    dict(batch_size=0), dict(batch_size=-2), dict(drop_last=None),
], ids=lambda kw: ','.join(kw))
def test_dataloader_argument_errors(kw):
    same_error(lambda lib: data(lib).DataLoader(list(range(4)), **kw))


@pytest.mark.parametrize('kw', [dict(shuffle=True), dict(sampler=[0]), dict(batch_sampler=[[0]])])
def test_dataloader_iterable_dataset_argument_errors(kw):
    same_error(lambda lib: data(lib).DataLoader(_lib_count(lib)(3), **kw))


def test_dataloader_attributes_frozen_after_init():
    for attr in ('batch_size', 'sampler', 'batch_sampler', 'drop_last', 'dataset', 'persistent_workers'):
        same_error(lambda lib: setattr(data(lib).DataLoader([1, 2]), attr, 3))

    def body(lib):
        ld = data(lib).DataLoader([1, 2])
        ld.num_workers = 0
        ld.collate_fn = list
        return list(ld)
    run_both(body)


def test_dataloader_timeout_needs_workers():
    same_error(lambda lib: iter(data(lib).DataLoader([1, 2], timeout=1.0)))


def test_dataloader_pin_memory_warning():
    if ember.cuda.is_available():
        pytest.skip('with CUDA, ember pins (a no-op) without warning; the CPU build of torch still warns')

    def body(lib):
        return caught(lambda: [x for x in data(lib).DataLoader([1, 2], pin_memory=True)])
    t, e = run_both(body)
    assert e[1], 'pin_memory=True without an accelerator warns'


def test_dataloader_too_many_workers_warning():
    n = (os.cpu_count() or 1) + 1
    t, e = run_both(lambda lib: caught(lambda: data(lib).DataLoader([1, 2], num_workers=n).num_workers))
    assert len(e[1]) == 1 and e[1][0][1].startswith(f'This DataLoader will create {n} worker processes in total.')
    run_both(lambda lib: caught(lambda: data(lib).DataLoader([1, 2], num_workers=1).num_workers))


def test_dataloader_iterable_dataset():
    def body(lib):
        D = data(lib)
        C = _lib_count(lib)
        return ([shape_of(b) for b in D.DataLoader(C(7), batch_size=3)],
                [shape_of(b) for b in D.DataLoader(C(7), batch_size=3, drop_last=True)],
                [shape_of(b) for b in D.DataLoader(C(3), batch_size=None)],
                len(D.DataLoader(C(7), batch_size=3)), len(D.DataLoader(C(7), batch_size=3, drop_last=True)),
                len(D.DataLoader(C(7), batch_size=None)))
    run_both(body)


def test_dataloader_iterable_len_warning():
    def body(lib):
        D = data(lib)

        class Liar(D.IterableDataset):
            def __iter__(self):
                return iter(range(5))

            def __len__(self):
                return 3
        ld = D.DataLoader(Liar(), batch_size=None)
        n = len(ld)
        out, w = caught(lambda: list(ld))
        return n, out, [(c, m.split(' was reported')[1]) for c, m in w]
    t, e = run_both(body)
    assert len(e[2]) == 2


def test_dataloader_unsized_dataset_len():
    same_error(lambda lib: len(data(lib).DataLoader(_unsized_iterable(lib))))


def _unsized_iterable(lib):
    class U(data(lib).IterableDataset):
        def __iter__(self):
            return iter([1])
    return U()


def test_dataloader_shuffle_is_a_permutation_and_reproducible():
    ds = TensorDataset(ember.arange(100))

    def epoch(loader):
        return [int(v) for (b,) in loader for v in b]
    ember.manual_seed(0)
    loader = DataLoader(ds, batch_size=16, shuffle=True)
    e1, e2 = epoch(loader), epoch(loader)
    assert sorted(e1) == list(range(100)) and sorted(e2) == list(range(100))
    assert e1 != list(range(100)) and e1 != e2
    ember.manual_seed(0)
    assert epoch(loader) == e1 and epoch(loader) == e2
    g = ember.Generator().manual_seed(42)
    a = epoch(DataLoader(ds, batch_size=16, shuffle=True, generator=g))
    g.manual_seed(42)
    b = epoch(DataLoader(ds, batch_size=16, shuffle=True, generator=g))
    ember.manual_seed(1)                                # the default generator does not matter then
    g.manual_seed(42)
    c = epoch(DataLoader(ds, batch_size=16, shuffle=True, generator=g))
    assert a == b == c and sorted(a) == list(range(100))


def test_dataloader_iterates_tensors_of_a_model_loop():
    """The seed's loop shape: (inputs, labels) batches feed a computation; every sample seen once."""
    x = ember.randn(50, 3)
    y = (x.sum(1) > 0).long()
    seen = 0
    for inputs, labels in DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True):
        assert inputs.shape[1:] == (3,) and inputs.dtype is ember.float32 and labels.dtype is ember.int64
        assert ((inputs.sum(1) > 0).long() == labels).all()
        seen += inputs.shape[0]
    assert seen == 50


# ================================================================== DataLoader (worker processes)
class Tagged(Dataset):
    """Samples that say which process made them; misbehaves at chosen indices."""

    def __init__(self, n=20, fail_at=None, kill_at=None, sleep_at=None, exc=ValueError):
        self.n, self.fail_at, self.kill_at, self.sleep_at, self.exc = n, fail_at, kill_at, sleep_at, exc

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        info = get_worker_info()
        if i == self.fail_at:
            raise self.exc(f'bad sample {i}')
        if i == self.kill_at and info is not None:
            os.kill(os.getpid(), signal.SIGKILL)
        if i == self.sleep_at and info is not None:
            time.sleep(1.2)
        return {'x': ember.tensor([float(i), 2. * i]), 'i': i, 'arr': np.full(2, i, dtype=np.int32), 's': str(i)}


def _flat(batches):
    return [(b['x'].tolist(), b['x'].dtype, b['i'].tolist(), b['arr'].tolist(), b['arr'].dtype, list(b['s']))
            for b in batches]


@pytest.mark.parametrize('kw', [dict(batch_size=3), dict(batch_size=4, drop_last=True), dict(batch_size=None),
                                dict(batch_size=2, prefetch_factor=1)])
def test_workers_equal_single_process(kw):
    if kw.get('batch_size', 1) is None:
        single = list(DataLoader(Tagged(7), batch_size=None))
        multi = list(DataLoader(Tagged(7), batch_size=None, num_workers=2))
        assert [(s['i'], s['x'].tolist()) for s in single] == [(s['i'], s['x'].tolist()) for s in multi]
        return
    single = _flat(DataLoader(Tagged(), **{k: v for k, v in kw.items() if k != 'prefetch_factor'}))
    multi = _flat(DataLoader(Tagged(), num_workers=2, **kw))
    assert single == multi and len(multi) > 1
    assert no_children()


def test_workers_equal_single_process_shuffled():
    g = ember.Generator()
    g.manual_seed(7)
    single = _flat(DataLoader(Tagged(), batch_size=3, shuffle=True, generator=g))
    g.manual_seed(7)
    multi = _flat(DataLoader(Tagged(), batch_size=3, shuffle=True, generator=g, num_workers=2))
    assert single == multi and sorted(i for b in multi for i in b[2]) == list(range(20))
    ember.manual_seed(3)
    a = _flat(DataLoader(Tagged(), batch_size=3, shuffle=True, num_workers=2))
    ember.manual_seed(3)
    b = _flat(DataLoader(Tagged(), batch_size=3, shuffle=True))
    assert a == b


def test_workers_out_of_order_same_samples():
    got = [i for b in DataLoader(Tagged(), batch_size=3, num_workers=2, in_order=False) for i in b['i'].tolist()]
    assert sorted(got) == list(range(20))


def test_workers_iterable_dataset_sharded_by_worker_info():
    single = sorted(int(v) for b in DataLoader(Count(11), batch_size=2) for v in b)
    multi = [b.tolist() for b in DataLoader(Count(11), batch_size=2, num_workers=2)]
    assert sorted(v for b in multi for v in b) == single == list(range(11))
    assert multi[0] == [0, 2] and multi[1] == [1, 3]          # batches alternate between the workers
    assert no_children()


def _info_row(i):
    w = get_worker_info()
    return (w.id, w.num_workers, w.seed, type(w.dataset).__name__, os.getpid(), i)


class InfoDataset(Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        return _info_row(i)


def test_get_worker_info_in_workers():
    assert get_worker_info() is None
    g = ember.Generator().manual_seed(123)
    rows = [r for b in DataLoader(InfoDataset(), batch_size=2, num_workers=2, generator=g,
                                  collate_fn=lambda b: b) for r in b]
    assert [r[5] for r in rows] == list(range(8))
    assert {r[0] for r in rows} == {0, 1} and all(r[1] == 2 for r in rows)
    assert all(r[3] == 'InfoDataset' for r in rows)
    pids = {r[0]: r[4] for r in rows}
    assert len(set(pids.values())) == 2 and os.getpid() not in pids.values()
    seeds = {r[0]: r[2] for r in rows}
    assert seeds[1] == seeds[0] + 1                     # base_seed + worker_id
    assert get_worker_info() is None
    info = ember.utils.data.WorkerInfo(id=0, num_workers=1, seed=0, dataset=None)
    with pytest.raises(AttributeError):
        info.id = 3


def _record_init(worker_id):
    info = get_worker_info()
    info.dataset.offset = 100 * (worker_id + 1)


class Offset(Dataset):
    offset = 0

    def __len__(self):
        return 4

    def __getitem__(self, i):
        return self.offset + i


def test_worker_init_fn_runs_in_each_worker():
    out = [int(v) for b in DataLoader(Offset(), batch_size=1, num_workers=2, worker_init_fn=_record_init) for v in b]
    assert out == [100, 201, 102, 203]
    assert Offset.offset == 0 and 'offset' not in Offset().__dict__      # set in the workers' copies only


class Noisy(Dataset):
    """A random 'transform' drawing from ember's, NumPy's and Python's global RNGs."""

    def __len__(self):
        return 8

    def __getitem__(self, i):
        return ember.rand(1).item(), float(np.random.rand()), random.random()


def test_worker_seeding_reproducible():
    def run(seed):
        ember.manual_seed(seed)
        return [tuple(b[k].tolist()) for b in DataLoader(Noisy(), batch_size=2, num_workers=2) for k in range(3)]
    a, b, c = run(0), run(0), run(1)
    assert a == b and a != c
    # the two workers do not repeat each other's draws
    batches = [b for b in DataLoader(Noisy(), batch_size=2, num_workers=2)]
    assert batches[0][0].tolist() != batches[1][0].tolist()
    assert batches[0][1].tolist() != batches[1][1].tolist()
    assert no_children()


def test_worker_exception_reraised_with_traceback():
    with pytest.raises(ValueError) as ei:
        list(DataLoader(Tagged(fail_at=7), batch_size=2, num_workers=2))
    msg = str(ei.value)
    assert msg.startswith('Caught ValueError in DataLoader worker process 1.\nOriginal Traceback (most recent call '
                          'last):\n')
    assert 'in __getitem__' in msg and "raise self.exc(f'bad sample {i}')" in msg
    assert msg.rstrip().endswith('ValueError: bad sample 7')
    del ei
    assert no_children()


class BadKey(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        if i == 2:
            raise KeyError('missing')
        return i


def test_worker_keyerror_message_is_readable():
    """torch's ExceptionWrapper format (torch's own workers are not run here: after an error they
    take 10 s to shut down). A KeyError's str() is the message itself, not its repr."""
    with pytest.raises(KeyError) as ei:
        list(DataLoader(BadKey(), batch_size=1, num_workers=2))
    lines = str(ei.value).rstrip().split('\n')
    assert lines[:2] == ['Caught KeyError in DataLoader worker process 0.', 'Original Traceback (most recent call last):']
    assert lines[-1] == "KeyError: 'missing'"
    del ei
    assert no_children()


def test_worker_init_fn_exception():
    def bad_init(worker_id):
        raise RuntimeError(f'init failed in {worker_id}')
    with pytest.raises(RuntimeError, match=r'(?s)Caught RuntimeError in DataLoader worker process 0\..*init failed '
                                           r'in 0'):
        list(DataLoader(Tagged(), batch_size=2, num_workers=2, worker_init_fn=bad_init))
    assert no_children()


def test_worker_unpicklable_result_is_an_error():
    with pytest.raises(Exception, match='DataLoader worker process'):
        list(DataLoader(list(range(4)), batch_size=2, num_workers=1, collate_fn=lambda b: (lambda: b)))
    assert no_children()


def test_killed_worker_raises_runtime_error_quickly():
    t0 = time.monotonic()
    with pytest.raises(RuntimeError, match=r'DataLoader worker \(pid\(s\) \d+\) exited unexpectedly'):
        for _ in DataLoader(Tagged(kill_at=9), batch_size=2, num_workers=2):
            pass
    assert time.monotonic() - t0 < 5
    assert no_children()


def test_worker_timeout():
    t0 = time.monotonic()
    with pytest.raises(RuntimeError, match=r'DataLoader timed out after 0.3 seconds'):
        list(DataLoader(Tagged(6, sleep_at=2), batch_size=1, num_workers=2, timeout=0.3))
    assert time.monotonic() - t0 < 5
    assert no_children()


def test_no_workers_left_after_break_del_or_error():
    loader = DataLoader(Tagged(), batch_size=2, num_workers=2)
    for b in loader:
        assert multiprocessing.active_children()
        break
    assert no_children()
    it = iter(loader)
    next(it)
    assert len(multiprocessing.active_children()) == 2
    del it
    assert no_children()

    def consume():
        for b in loader:
            raise ArithmeticError('in the loop body')
    with pytest.raises(ArithmeticError):
        consume()
    assert no_children()
    assert len(list(loader)) == 10 and no_children()     # the loader still works afterwards


def test_persistent_workers():
    loader = DataLoader(InfoDataset(), batch_size=2, num_workers=2, persistent_workers=True,
                        collate_fn=lambda b: b)
    e1 = [r for b in loader for r in b]
    pids = {r[4] for r in e1}
    assert len(multiprocessing.active_children()) == 2          # kept between epochs
    e2 = [r for b in loader for r in b]
    assert [r[5] for r in e1] == [r[5] for r in e2] == list(range(8))
    assert {r[4] for r in e2} == pids
    for b in loader:                                            # a broken-off epoch, then a full one
        break
    assert [r[5] for b in loader for r in b] == list(range(8))
    del loader, b
    assert no_children()


# ================================================================== seed S21
def _write_csv(path, n=150):
    import pandas as pd
    rng = np.random.default_rng(0)
    df = pd.DataFrame({'feature1': rng.normal(size=n), 'feature2': rng.normal(size=n),
                       'feature3': rng.normal(size=n), 'label': rng.integers(0, 3, size=n)})
    df.to_csv(path, index=False)
    return df


def _seed_dataset(lib, path):
    import pandas as pd
    D = data(lib)

    class CustomDataset(D.Dataset):
        def __init__(self):
            self.sample = pd.read_csv(path)
            self.x = np.array(self.sample[['feature1', 'feature2', 'feature3']])
            self.y = np.array(self.sample[['label']])

        def __len__(self):
            return len(self.sample)

        def __getitem__(self, index):
            x = lib.tensor(self.x[index].reshape(1, -1), dtype=lib.float32)
            y = self.y[index]
            return x, y
    return CustomDataset()


def test_seed_S21_csv_dataset_dataloader_batch(tmp_path):
    pytest.importorskip('pandas')
    path = tmp_path / 'data.csv'
    df = _write_csv(path)

    def body(lib, shuffle, on_device=False):
        training_data = _seed_dataset(lib, path)
        kw = {'generator': lib.Generator(device=lib.get_default_device())} if on_device else {}
        train_dataloader = data(lib).DataLoader(training_data, batch_size=64, shuffle=shuffle, **kw)
        data_iterator = iter(train_dataloader)
        features, label = next(data_iterator)
        return len(training_data), len(train_dataloader), features.shape, features.dtype, label.shape, label.dtype, \
            [tuple(b[0].shape) for b in train_dataloader]
    if conformance.DEVICE[0] != 'cpu':
        # with CUDA as the default device, the shuffling sampler's randperm runs there and refuses
        # its own CPU generator in both libraries; with a generator on that device it shuffles
        if torch.cuda.is_available():       # (torch really on CUDA, not the fake's CPU stand-in)
            t, e = run_both(body, True)
            assert isinstance(t, RuntimeError) and isinstance(e, RuntimeError)
        t, e = run_both(body, True, on_device=True)
    else:
        t, e = run_both(body, True)
    assert e[2] == (64, 1, 3) and e[4] == (64, 1) and e[6] == [(64, 1, 3), (64, 1, 3), (22, 1, 3)]
    run_both(lambda lib: next(iter(data(lib).DataLoader(_seed_dataset(lib, path), batch_size=64))))  # same values

    # shuffled: a random sample of the rows, each feature row still paired with its label
    ember.manual_seed(0)
    features, label = next(iter(DataLoader(_seed_dataset(ember, path), batch_size=64, shuffle=True)))
    table = {tuple(np.float32(df.loc[i, ['feature1', 'feature2', 'feature3']].to_numpy())): df.loc[i, 'label']
             for i in range(len(df))}
    rows = [tuple(r) for r in features.numpy()[:, 0, :]]
    assert len(set(rows)) == 64 and all(table[r] == l for r, l in zip(rows, label[:, 0].tolist()))
    assert rows != [tuple(np.float32(r)) for r in df[['feature1', 'feature2', 'feature3']].to_numpy()[:64]]
    ember.manual_seed(0)
    again, _ = next(iter(DataLoader(_seed_dataset(ember, path), batch_size=64, shuffle=True)))
    assert ember.equal(features, again)


def test_seed_S21_collate_stacks_tensors_arrays_numbers():
    batch = [(ember.tensor([1., 2.]), np.array([1, 2, 3]), 7, 0.5) for _ in range(4)]
    x, a, n, f = default_collate(batch)
    assert x.shape == (4, 2) and a.shape == (4, 3) and a.dtype is ember.int64
    assert n.tolist() == [7] * 4 and n.dtype is ember.int64 and f.dtype is ember.float64
    run_both(lambda lib: shape_of(data(lib).default_collate(
        [(lib.tensor([1., 2.]), np.array([1, 2, 3]), 7, 0.5) for _ in range(4)])))


def test_import_as_torch_names():
    """``torch.utils.data`` names all exist on ember with the same module layout."""
    import ember.utils.data.dataset, ember.utils.data.sampler, ember.utils.data.dataloader  # noqa: E401,F401
    from ember.utils.data._utils.collate import default_collate as dc
    from ember.utils.data._utils.worker import get_worker_info as gwi, WorkerInfo  # noqa: F401
    assert dc is default_collate and gwi is get_worker_info and ember.utils.data.DataLoader is DataLoader
    tnames = set(torch.utils.data.__all__) - {'DFIterDataPipe', 'DataChunk', 'IterDataPipe', 'MapDataPipe',
                                              'argument_validation', 'functional_datapipe',
                                              'guaranteed_datapipes_determinism', 'non_deterministic',
                                              'runtime_validation', 'runtime_validation_disabled',
                                              'DistributedSampler'}
    assert tnames <= set(dir(ember.utils.data))
    assert Dataset[int] is not None and issubclass(IterableDataset, Dataset) and issubclass(ChainDataset, Dataset)
    assert isinstance(StackDataset([1]), Dataset) and isinstance(Subset([1], [0]), Dataset)
    assert isinstance(ConcatDataset([[1]]), Dataset) and isinstance(BatchSampler([1], 1, False), ember.utils.data.Sampler)
    assert isinstance(SequentialSampler([1]), ember.utils.data.Sampler)
