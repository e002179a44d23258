"""ember.cuda's lesser-used API (legacy CUDA tensor types, deprecated memory names, RNG states of
every device, the per-process memory fraction, raw allocations, NVTX, capability queries).

Without a GPU, ember answers as torch's CPU build does (compared with the installed torch); with
CUDA (a real GPU or tests/fake_cupy) the calls work on the device. The memory-fraction policy is
also tested on the CPU over the allocator's pretend device (HostSource)."""
import warnings

import pytest

import ember
from ember.cuda._allocator import CachingAllocator, HostSource, OutOfMemoryError

MiB = 1 << 20
HAS_CUDA = ember.cuda.is_available()
no_cuda_only = pytest.mark.skipif(HAS_CUDA, reason="compares with torch's CPU build (needs no CUDA here)")
cuda_only = pytest.mark.skipif(not HAS_CUDA, reason='needs a CUDA device (or EMBER_FAKE_CUDA=1)')
LEGACY = ['FloatTensor', 'DoubleTensor', 'HalfTensor', 'LongTensor', 'IntTensor', 'ShortTensor', 'CharTensor',
          'ByteTensor', 'BoolTensor']


def _outcome(fn, *args):
    """(kind, value or error type, message, warning categories and texts) of ``fn(*args)``."""
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter('always')
        try:
            r = ('ok', fn(*args), '')
        except Exception as e:      # noqa: BLE001 - the error is what is compared
            r = ('err', type(e).__name__, str(e))
    return r + ([(x.category.__name__, str(x.message)) for x in w],)


# ------------------------------------------------------------------ without CUDA: torch's CPU build
@no_cuda_only
@pytest.mark.parametrize('call', [
    ('memory_cached',), ('max_memory_cached',), ('get_rng_state_all',), ('set_rng_state_all', []),
    ('memory_stats_as_nested_dict',), ('is_bf16_supported',), ('is_tf32_supported',), ('get_arch_list',),
    ('get_gencode_flags',), ('set_stream', None), ('set_per_process_memory_fraction', 0.5),
    ('get_per_process_memory_fraction',), ('ipc_collect',), ('can_device_access_peer', 0, 1),
    ('caching_allocator_alloc', 10)])
def test_without_cuda_as_torch_cpu_build(call):
    torch = pytest.importorskip('torch')
    name, *args = call
    assert _outcome(getattr(ember.cuda, name), *args) == _outcome(getattr(torch.cuda, name), *args)


@no_cuda_only
@pytest.mark.parametrize('name', LEGACY)
def test_legacy_cuda_types_without_cuda(name):
    torch = pytest.importorskip('torch')
    t, e = getattr(torch.cuda, name), getattr(ember.cuda, name)
    assert repr(e) == repr(t) and e.__name__ == t.__name__
    assert str(e.dtype) == str(t.dtype) and e.is_cuda is t.is_cuda is True and e.is_sparse is t.is_sparse
    assert str(e.layout) == str(t.layout)
    assert isinstance(ember.ones(2), e) is isinstance(torch.ones(2), t) is False
    assert _outcome(e, [1, 2]) == _outcome(t, [1, 2])


@no_cuda_only
@pytest.mark.parametrize('fn', ['range_push', 'mark', 'range'])
def test_nvtx_without_cuda(fn):
    torch = pytest.importorskip('torch')
    import torch.cuda.nvtx

    def body(lib):
        f = getattr(lib.cuda.nvtx, fn)
        if fn == 'range':
            with f('step {}', 1):
                return 1
        return f('x')
    assert _outcome(body, ember) == _outcome(body, torch)


def test_flags_and_deprecations_match_torch():
    torch = pytest.importorskip('torch')
    assert (ember.cuda.has_half, ember.cuda.has_magma) == (torch.cuda.has_half, torch.cuda.has_magma)
    assert ember.cuda.is_current_stream_capturing() is False
    with pytest.warns(FutureWarning, match='renamed to `torch.cuda.memory_reserved`'):
        assert ember.cuda.memory_cached() == ember.cuda.memory_reserved()
    with pytest.warns(FutureWarning, match='resets /all/ peak memory stats'):
        ember.cuda.reset_max_memory_cached()


# ------------------------------------------------------------------ the memory fraction, on a pretend device
def test_memory_fraction_caps_reserved_memory():
    a = CachingAllocator(HostSource(capacity=100 * MiB))
    assert a.fraction == 1.0
    a.set_memory_fraction(0.5)                    # 50 MiB allowed
    x = a.malloc(30 * MiB)
    assert a.memory_reserved() == 30 * MiB
    with pytest.raises(OutOfMemoryError, match='CUDA out of memory. Tried to allocate 30.00 MiB'):
        a.malloc(30 * MiB)                        # would reserve 60 MiB; the device has 70 free
    assert a.memory_stats()['num_ooms'] == 1 and a.memory_allocated() == 30 * MiB
    small = a.malloc(10 * MiB)                    # 40 MiB reserved: under the cap
    a.free(x)
    y = a.malloc(30 * MiB)                        # the cached 30 MiB segment is reused
    assert y.ptr == x.ptr and a.memory_reserved() == 40 * MiB
    a.free(y)
    a.free(small)
    # a request past the cap first gives the cached segments back, then succeeds
    z = a.malloc(45 * MiB)
    # (the second retry: the failed request above made the first)
    assert a.memory_reserved() == 46 * MiB and a.memory_stats()['num_alloc_retries'] == 2
    a.free(z)


# ------------------------------------------------------------------ with CUDA
@cuda_only
@pytest.mark.parametrize('name', LEGACY)
def test_legacy_cuda_types(name):
    cls = getattr(ember.cuda, name)
    t = cls([1, 0, 1])
    assert t.is_cuda and t.dtype is cls.dtype and t.tolist() == ember.tensor([1, 0, 1], dtype=cls.dtype).tolist()
    assert isinstance(t, cls) and not isinstance(t.cpu(), cls) and isinstance(t.cpu(), getattr(ember, name))
    assert cls(2, 3).shape == (2, 3) and cls(2, 3).is_cuda
    assert t.type() == 'torch.cuda.' + name


@cuda_only
def test_rng_state_all_round_trip():
    """A state taken after draws of any kind and size restores exactly (cuRAND's position cannot be
    read: ember continues the stream from a derived seed when the state is asked for)."""
    ember.cuda.manual_seed_all(3)
    ember.randn(3, device='cuda')
    ember.randint(0, 9, (5,), device='cuda')
    states = ember.cuda.get_rng_state_all()
    assert len(states) == ember.cuda.device_count()
    a = ember.rand(4, device='cuda')
    ember.cuda.set_rng_state_all(states)
    assert ember.equal(ember.rand(4, device='cuda'), a)
    assert ember.cuda.initial_seed() == 3
    with ember.random.fork_rng(devices=[0]):
        b = ember.randn(6, device='cuda')
    assert ember.equal(ember.randn(6, device='cuda'), b)


@cuda_only
def test_raw_allocations_snapshot_and_nested_stats():
    ember.zeros(1, device='cuda')
    before = ember.cuda.memory_allocated()
    p = ember.cuda.caching_allocator_alloc(1000)
    assert isinstance(p, int) and ember.cuda.memory_allocated() == before + 1024
    assert any(b['address'] == p and b['state'] == 'active_allocated'
               for seg in ember.cuda.memory_snapshot() for b in seg['blocks'])
    ember.cuda.caching_allocator_delete(p)
    assert ember.cuda.memory_allocated() == before
    flat, nested = ember.cuda.memory_stats(), ember.cuda.memory_stats_as_nested_dict()
    assert nested['allocated_bytes']['all']['current'] == flat['allocated_bytes.all.current']
    assert nested['num_ooms'] == flat['num_ooms']
    with pytest.raises(TypeError, match='must be `int`'):
        ember.cuda.caching_allocator_alloc(10.0)


@cuda_only
def test_per_process_memory_fraction_errors_and_value():
    with pytest.raises(TypeError, match='must be `float`'):
        ember.cuda.set_per_process_memory_fraction(1)
    with pytest.raises(ValueError, match=r'Allowed range: 0~1'):
        ember.cuda.set_per_process_memory_fraction(1.5)
    ember.cuda.set_per_process_memory_fraction(1.0)
    assert ember.cuda.get_per_process_memory_fraction() == 1.0


@cuda_only
def test_set_stream_and_capability_queries():
    s = ember.cuda.Stream()
    old = ember.cuda.current_stream()
    try:
        ember.cuda.set_stream(s)
        assert ember.cuda.current_stream() == s
    finally:
        ember.cuda.set_stream(old)
    assert ember.cuda.current_stream() == old
    major, minor = ember.cuda.get_device_capability(0)
    assert f'sm_{major}{minor}' in ember.cuda.get_arch_list()
    assert f'code=sm_{major}{minor}' in ember.cuda.get_gencode_flags()
    assert ember.cuda.can_device_access_peer(0, 0) is False
    with pytest.raises(AssertionError, match='Invalid peer device id'):
        ember.cuda.can_device_access_peer(0, ember.cuda.device_count())
    assert len(ember.cuda.default_generators) == ember.cuda.device_count()
    ember.cuda.ipc_collect()


@cuda_only
def test_nvtx_ranges():
    nv = ember.cuda.nvtx
    assert nv.range_push('outer') == 0 and nv.range_push('inner') == 1
    assert nv.range_pop() == 1 and nv.range_pop() == 0
    with nv.range('step {}', 3):
        nv.mark('here')
    import cupy
    calls = getattr(cupy.cuda.nvtx, 'calls', None)
    if calls is not None:           # the fake CuPy records what reached NVTX
        assert calls[-3:] == [('push', 'step 3'), ('mark', 'here'), ('pop',)]


@pytest.mark.parametrize('name', LEGACY)
def test_legacy_cpu_type_class_attributes(name):
    torch = pytest.importorskip('torch')
    t, e = getattr(torch, name), getattr(ember, name)
    assert (str(e.dtype), e.is_cuda, e.is_sparse, str(e.layout)) == (str(t.dtype), t.is_cuda, t.is_sparse,
                                                                     str(t.layout))
    assert ember.ones(2, dtype=ember.int64).type(e).dtype is e.dtype


@pytest.mark.parametrize('name', ['FloatTensor', 'LongTensor'])
def test_type_with_a_legacy_cuda_class(name):
    torch = pytest.importorskip('torch')
    if HAS_CUDA:
        t = ember.ones(2).type(getattr(ember.cuda, name))
        assert t.is_cuda and t.type() == 'torch.cuda.' + name
    else:
        assert _outcome(lambda: ember.ones(2).type(getattr(ember.cuda, name))) == \
            _outcome(lambda: torch.ones(2).type(getattr(torch.cuda, name)))
