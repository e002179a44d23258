"""ember's CUDA caching allocator (ember/cuda/_allocator.py): PyTorch's policy, tested on the CPU over
a pretend device (HostSource). The numbers are PyTorch's: its documented ``zeros(1)`` sequence
(512 bytes allocated, one 2 MiB segment reserved) and what c10/cuda/CUDACachingAllocator.cpp's
round_size / get_allocation_size / should_split / free_block give."""
import ctypes
import sys
import threading
import types

import pytest

from ember.cuda._allocator import (CachingAllocator, CupySource, HostSource, OutOfMemoryError, SourceOutOfMemory,
                                   format_size, get_allocation_size, install_into_cupy, round_size,
                                   uninstall_from_cupy)

KiB, MiB, GiB = 1 << 10, 1 << 20, 1 << 30


def new(capacity=16 * GiB, **kw):
    src = HostSource(capacity=capacity, **kw)
    return CachingAllocator(src), src


def stat(a, key):
    return a.memory_stats()[key]


# ------------------------------------------------------------------------------------ the documented sequence
def test_zeros_1_allocated_reserved_sequence():
    a, src = new()
    x = a.malloc(4)                          # torch.zeros(1, device='cuda'): 4 bytes
    assert (a.memory_allocated(), a.memory_reserved()) == (512, 2_097_152)
    a.free(x)                                # del x
    assert (a.memory_allocated(), a.memory_reserved()) == (0, 2 * MiB)
    a.empty_cache()
    assert (a.memory_allocated(), a.memory_reserved()) == (0, 0)
    assert src.live == {} and src.malloc_calls == 1 and src.free_calls == 1
    s = a.memory_stats()
    assert s['num_device_alloc'] == 1 and s['num_device_free'] == 1 and s['num_sync_all_streams'] == 1
    assert s['allocated_bytes.all.peak'] == 512 and a.max_memory_allocated() == 512


# ------------------------------------------------------------------------------------ sizes and pools
@pytest.mark.parametrize('n,rounded', [(1, 512), (511, 512), (512, 512), (513, 1024), (1000, 1024),
                                       (MiB, MiB), (MiB + 1, MiB + 512), (10 * MiB + 1, 10 * MiB + 512)])
def test_round_size(n, rounded):
    assert round_size(n) == rounded
    a, _ = new()
    b = a.malloc(n)
    assert (b.size, b.requested_size) == (rounded, n)
    assert a.memory_allocated() == rounded
    assert stat(a, 'requested_bytes.all.current') == n


@pytest.mark.parametrize('n,segment,pool', [
    (512, 2 * MiB, 'small_pool'),
    (MiB, 2 * MiB, 'small_pool'),                    # 1 MiB is still small
    (MiB + 1, 20 * MiB, 'large_pool'),               # just over: a 20 MiB segment
    (5 * MiB, 20 * MiB, 'large_pool'),
    (10 * MiB - 512, 20 * MiB, 'large_pool'),
    (10 * MiB, 10 * MiB, 'large_pool'),              # from 10 MiB: its own segment, rounded to 2 MiB
    (10 * MiB + 1, 12 * MiB, 'large_pool'),
    (19 * MiB + 512, 20 * MiB, 'large_pool'),
    (100 * MiB + 3, 102 * MiB, 'large_pool'),
])
def test_segment_size_and_pool(n, segment, pool):
    assert get_allocation_size(round_size(n)) == segment
    a, src = new()
    a.malloc(n)
    assert a.memory_reserved() == segment and list(src.live.values()) == [segment]
    other = 'small_pool' if pool == 'large_pool' else 'large_pool'
    s = a.memory_stats()
    assert s[f'reserved_bytes.{pool}.current'] == segment and s[f'reserved_bytes.{other}.current'] == 0
    assert s[f'allocation.{pool}.current'] == 1 and s[f'allocation.{other}.current'] == 0
    assert s[f'segment.{pool}.current'] == 1


def test_malloc_zero_is_a_null_block_that_counts_nothing():
    a, src = new()
    b = a.malloc(0)
    assert (b.ptr, b.size) == (0, 0)
    assert a.memory_allocated() == 0 and a.memory_reserved() == 0 and src.malloc_calls == 0
    a.free(b)
    assert stat(a, 'allocation.all.allocated') == 0


def test_negative_size_and_double_free_are_errors():
    a, _ = new()
    with pytest.raises(ValueError):
        a.malloc(-1)
    b = a.malloc(100)
    a.free(b)
    with pytest.raises(ValueError):
        a.free(b)


# ------------------------------------------------------------------------------------ reuse, split, merge
def test_freed_block_is_reused():
    a, src = new()
    x = a.malloc(3000)
    p = x.ptr
    a.free(x)
    y = a.malloc(3000)
    assert y.ptr == p and src.malloc_calls == 1
    a.free(y)
    z = a.malloc(6 * MiB)
    a.free(z)
    w = a.malloc(6 * MiB)                    # large pool too
    assert w.ptr == z.ptr and src.malloc_calls == 2


def test_small_requests_split_one_segment_at_adjacent_addresses():
    a, src = new()
    x = a.malloc(1000)
    y = a.malloc(3000)
    z = a.malloc(512)
    assert src.malloc_calls == 1 and a.memory_reserved() == 2 * MiB
    seg = next(iter(src.live))
    assert x.ptr == seg and y.ptr == x.ptr + 1024 and z.ptr == y.ptr + 3072
    assert a.memory_allocated() == 1024 + 3072 + 512
    # the free tail of the segment is one inactive split block
    s = a.memory_stats()
    assert s['inactive_split.all.current'] == 1
    assert s['inactive_split_bytes.all.current'] == 2 * MiB - (1024 + 3072 + 512)


def test_small_split_keeps_a_512_byte_rest():
    a, src = new()
    x = a.malloc(MiB)
    y = a.malloc(MiB - 512)                  # rest of 512 bytes: still worth a block (>= 512)
    assert y.size == MiB - 512 and y.ptr == x.ptr + MiB
    z = a.malloc(512)
    assert z.ptr == y.ptr + y.size and src.malloc_calls == 1
    assert stat(a, 'inactive_split.all.current') == 0   # the segment is fully used


def test_merge_on_free_makes_the_segment_whole_again():
    a, src = new()
    x, y, z = a.malloc(4096), a.malloc(4096), a.malloc(4096)
    a.free(y)                                # a hole between two live blocks
    s = a.memory_stats()
    assert s['inactive_split.all.current'] == 2         # the hole and the tail
    a.free(x)                                # merges with the hole
    assert stat(a, 'inactive_split.all.current') == 2
    assert stat(a, 'inactive_split_bytes.all.current') == 2 * MiB - 4096
    a.free(z)                                # merges with both neighbours: the segment is one block
    s = a.memory_stats()
    assert s['inactive_split.all.current'] == 0 and s['inactive_split_bytes.all.current'] == 0
    big = a.malloc(MiB)                      # the largest small request fits at the segment start
    assert big.ptr == x.ptr and src.malloc_calls == 1
    a.free(big)
    a.empty_cache()                          # whole again, so it can go back to the driver
    assert a.memory_reserved() == 0 and src.live == {}


def test_large_pool_merge_then_bigger_request_fits_the_hole():
    a, src = new()
    x, y, z = a.malloc(5 * MiB), a.malloc(5 * MiB), a.malloc(5 * MiB)
    assert (y.ptr - x.ptr, z.ptr - y.ptr) == (5 * MiB, 5 * MiB) and src.malloc_calls == 1
    a.free(y)
    a.free(x)
    w = a.malloc(9 * MiB)                    # fits the merged 10 MiB at x, not the 5 MiB tail
    assert w.ptr == x.ptr and src.malloc_calls == 1
    a.free(w)
    v = a.malloc(8 * MiB)                    # 10 - 8 = 2 MiB left (> 1 MiB): split, the rest reused
    u = a.malloc(2 * MiB)
    assert (v.size, u.ptr) == (8 * MiB, x.ptr + 8 * MiB) and src.malloc_calls == 1


def test_best_fit_picks_the_smallest_block_that_fits():
    a, src = new()
    blocks = [a.malloc(n) for n in (8192, 512, 2048, 512, 4096, 512)]
    for i in (0, 2, 4):                      # free holes of 8 KiB, 2 KiB, 4 KiB between live blocks
        a.free(blocks[i])
    assert a.malloc(2000).ptr == blocks[2].ptr      # 2 KiB hole, the tightest
    assert a.malloc(3000).ptr == blocks[4].ptr      # 4 KiB hole (2 KiB now taken)
    assert a.malloc(5000).ptr == blocks[0].ptr      # 8 KiB hole
    assert src.malloc_calls == 1


def test_best_fit_prefers_lower_address_among_equal_sizes():
    a, _ = new()
    blocks = [a.malloc(1024) for _ in range(5)]
    a.free(blocks[3])
    a.free(blocks[1])
    assert a.malloc(1024).ptr == blocks[1].ptr


def test_large_pool_splits_only_when_more_than_1_mib_is_left():
    a, src = new()
    seg = a.malloc(5 * MiB)
    a.free(seg)                              # one free 20 MiB block cached
    cases = [(19 * MiB - 512, True), (19 * MiB, False), (19 * MiB + 512, False)]
    for n, splits in cases:
        b = a.malloc(n)
        assert b.ptr == seg.ptr and src.malloc_calls == 1
        assert b.size == (round_size(n) if splits else 20 * MiB)
        assert a.memory_allocated() == b.size
        assert stat(a, 'inactive_split.large_pool.current') == (1 if splits else 0)
        a.free(b)


def test_large_request_in_big_hole_exactly_one_mib_left_is_not_split():
    a, _ = new()
    x, y, z = a.malloc(5 * MiB), a.malloc(5 * MiB), a.malloc(5 * MiB)
    a.free(y)
    a.free(x)                                # a 10 MiB hole
    w = a.malloc(9 * MiB)                    # leaves exactly 1 MiB: not split
    assert w.size == 10 * MiB and w.requested_size == 9 * MiB
    assert a.memory_allocated() == 15 * MiB
    assert stat(a, 'requested_bytes.all.current') == 14 * MiB


# ------------------------------------------------------------------------------------ fragmentation
def test_fragmentation_reserved_exceeds_allocated():
    a, src = new()
    blocks = [a.malloc(256 * KiB) for _ in range(8)]    # exactly fills one 2 MiB segment
    assert src.malloc_calls == 1 and stat(a, 'inactive_split.all.current') == 0
    for b in blocks[::2]:
        a.free(b)                            # four 256 KiB holes that cannot merge
    s = a.memory_stats()
    assert (a.memory_allocated(), a.memory_reserved()) == (MiB, 2 * MiB)
    assert s['inactive_split.small_pool.current'] == 4
    assert s['inactive_split_bytes.small_pool.current'] == MiB
    assert s['inactive_split.all.peak'] == 4
    big = a.malloc(512 * KiB)                # 1 MiB is free, but in pieces: a new segment
    assert src.malloc_calls == 2 and a.memory_reserved() == 4 * MiB
    assert big.ptr not in [b.ptr for b in blocks]
    a.empty_cache()                          # neither segment is wholly free
    assert a.memory_reserved() == 4 * MiB and src.free_calls == 0
    summary = a.memory_summary()
    assert 'Non-releasable memory' in summary


def test_empty_cache_releases_only_wholly_free_segments():
    a, src = new()
    keep = a.malloc(1000)                    # segment 1 (small), stays in use
    loose = a.malloc(6 * MiB)                # segment 2 (large)
    big = a.malloc(12 * MiB)                 # segment 3 (large, its own 12 MiB)
    part = a.malloc(7 * MiB)                 # in segment 2, next to `loose`
    assert src.malloc_calls == 3
    a.free(loose)
    a.free(big)
    a.empty_cache()                          # segment 3 is whole and free; segment 2 still has `part`
    assert a.memory_reserved() == 2 * MiB + 20 * MiB
    assert src.free_calls == 1 and stat(a, 'segment.all.current') == 2
    a.free(part)
    a.empty_cache()
    assert a.memory_reserved() == 2 * MiB and stat(a, 'segment.large_pool.current') == 0
    a.free(keep)
    a.empty_cache()
    assert a.memory_reserved() == 0 and src.live == {}
    assert stat(a, 'num_device_free') == 3 and stat(a, 'num_sync_all_streams') == 3


# ------------------------------------------------------------------------------------ out of memory
def test_full_device_frees_the_cache_and_retries_once():
    a, src = new(capacity=20 * MiB)
    x = a.malloc(5 * MiB)                    # a 20 MiB segment: the device is full
    a.free(x)                                # cached, not given back
    assert a.memory_reserved() == 20 * MiB
    y = a.malloc(100)                        # needs a 2 MiB small segment: the driver says no,
    assert y.size == 512                     # the cached 20 MiB goes back, the retry succeeds
    s = a.memory_stats()
    assert s['num_alloc_retries'] == 1 and s['num_ooms'] == 0
    assert s['num_device_alloc'] == 2 and s['num_device_free'] == 1
    assert a.memory_reserved() == 2 * MiB and list(src.live.values()) == [2 * MiB]


def test_out_of_memory_error_message_and_stats():
    a, src = new(capacity=20 * MiB)
    x = a.malloc(5 * MiB)                    # 5 MiB used, 15 MiB of the segment free but split off
    before = a.memory_stats()
    with pytest.raises(OutOfMemoryError) as info:
        a.malloc(16 * MiB)                   # no cached block fits, no room for a 16 MiB segment
    err = info.value
    assert isinstance(err, RuntimeError)
    assert str(err) == (
        'CUDA out of memory. Tried to allocate 16.00 MiB. GPU 0 has a total capacity of 20.00 MiB of which '
        '0 bytes is free. Of the allocated memory 5.00 MiB is allocated by ember, and 15.00 MiB is reserved '
        'by ember but unallocated. If reserved but unallocated memory is large try setting '
        'PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True to avoid fragmentation.  See documentation for '
        'Memory Management  (https://docs.pytorch.org/docs/stable/notes/cuda.html'
        '#optimizing-memory-usage-with-pytorch-cuda-alloc-conf)')
    after = a.memory_stats()
    assert after['num_ooms'] == 1 and after['num_alloc_retries'] == 1
    changed = {k for k in before if before[k] != after[k]}
    assert changed == {'num_ooms', 'num_alloc_retries', 'num_sync_all_streams'}
    # the allocator still works after the error
    a.free(x)
    assert a.malloc(16 * MiB).ptr == x.ptr
    assert 'CUDA OOMs: 1 ' in a.memory_summary()


def test_out_of_memory_message_reports_the_segment_size_tried():
    a, _ = new(capacity=MiB)
    with pytest.raises(OutOfMemoryError, match=r'Tried to allocate 2\.00 MiB\. GPU 0 has a total capacity '
                                               r'of 1024\.00 KiB of which 1024\.00 KiB is free'):
        a.malloc(1)                          # torch names the 2 MiB segment it asked for


def test_source_errors_other_than_out_of_memory_propagate():
    class Broken(HostSource):
        def malloc(self, nbytes):
            raise OSError('driver gone')
    a = CachingAllocator(Broken())
    with pytest.raises(OSError):
        a.malloc(10)
    assert a.memory_stats()['num_ooms'] == 0


@pytest.mark.parametrize('size,text', [(0, '0 bytes'), (1024, '1024 bytes'), (1025, '1.00 KiB'),
                                       (MiB, '1024.00 KiB'), (MiB + 1, '1.00 MiB'), (GiB, '1024.00 MiB'),
                                       (GiB + 1, '1.00 GiB'), (int(79.19 * GiB), '79.19 GiB')])
def test_format_size_like_c10(size, text):
    assert format_size(size) == text


# ------------------------------------------------------------------------------------ peaks and stats
def test_peaks_and_reset_peak_memory_stats():
    a, _ = new()
    xs = [a.malloc(MiB) for _ in range(3)]   # 3 MiB in two small segments
    ys = [a.malloc(30 * MiB)]
    assert a.max_memory_allocated() == 33 * MiB
    for b in xs + ys:
        a.free(b)
    assert a.memory_allocated() == 0 and a.max_memory_allocated() == 33 * MiB
    assert a.max_memory_reserved() == 2 * 2 * MiB + 30 * MiB
    a.empty_cache()
    assert a.max_memory_reserved() == 34 * MiB
    a.reset_peak_memory_stats()
    assert a.max_memory_allocated() == 0 and a.max_memory_reserved() == 0
    b = a.malloc(4000)
    assert a.max_memory_allocated() == 4096 and a.max_memory_reserved() == 2 * MiB
    assert stat(a, 'allocation.all.allocated') == 5        # accumulated counts are kept


def test_reset_accumulated_memory_stats():
    a, _ = new()
    b = a.malloc(1000)
    a.free(a.malloc(2000))
    a.empty_cache()
    a.reset_accumulated_memory_stats()
    s = a.memory_stats()
    assert all(v == 0 for k, v in s.items() if k.endswith(('.allocated', '.freed')))
    assert all(s[k] == 0 for k in ('num_alloc_retries', 'num_ooms', 'num_sync_all_streams', 'num_device_alloc',
                                   'num_device_free'))
    assert s['allocated_bytes.all.current'] == 1024 and s['allocated_bytes.all.peak'] == 1024 + 2048
    a.free(b)


def _torch_memory_stats_keys():
    """torch.cuda.memory_stats's keys, from its documentation: nine statistics per pool
    {all,large_pool,small_pool} x {current,peak,allocated,freed}, the two oversize statistics,
    and the event counters and max_split_size."""
    keys = set()
    for name in ('allocation', 'segment', 'active', 'inactive_split', 'allocated_bytes', 'reserved_bytes',
                 'active_bytes', 'inactive_split_bytes', 'requested_bytes'):
        for pool in ('all', 'large_pool', 'small_pool'):
            for metric in ('current', 'peak', 'allocated', 'freed'):
                keys.add(f'{name}.{pool}.{metric}')
    for name in ('oversize_allocations', 'oversize_segments'):
        for metric in ('current', 'peak', 'allocated', 'freed'):
            keys.add(f'{name}.{metric}')
    keys |= {'max_split_size', 'num_alloc_retries', 'num_ooms', 'num_sync_all_streams', 'num_device_alloc',
             'num_device_free'}
    return keys


def test_memory_stats_keys_and_order_are_torchs():
    a, _ = new()
    s = a.memory_stats()
    assert set(s) == _torch_memory_stats_keys() and len(s) == 122
    assert list(s) == sorted(s)
    assert list(s)[:4] == ['active.all.allocated', 'active.all.current', 'active.all.freed', 'active.all.peak']
    assert s['max_split_size'] == -1         # torch's int64(SIZE_MAX): no split limit
    assert all(isinstance(v, int) for v in s.values())


def test_memory_stats_counts_for_one_block():
    a, _ = new()
    b = a.malloc(100)
    s = a.memory_stats()
    for key in ('allocation', 'active', 'segment'):
        assert s[f'{key}.all.current'] == s[f'{key}.small_pool.current'] == 1
    assert s['allocated_bytes.all.current'] == s['active_bytes.all.current'] == 512
    assert s['requested_bytes.all.current'] == 100
    assert s['reserved_bytes.small_pool.current'] == 2 * MiB
    a.free(b)
    s = a.memory_stats()
    assert s['allocation.all.freed'] == s['active.all.freed'] == 1
    assert s['allocated_bytes.all.freed'] == 512 and s['requested_bytes.all.freed'] == 100


def test_memory_summary_has_title_and_figures():
    a, _ = new()
    a.malloc(4)
    text = a.memory_summary()
    lines = text.splitlines()
    assert lines[1] == '|                  ember CUDA memory summary, device ID 0                   |'
    assert all(len(line) == 77 for line in lines)
    assert any(line.startswith('| Allocated memory      |    512 B   |') for line in lines)
    assert any(line.startswith('| GPU reserved memory   |   2048 KiB |') for line in lines)
    short = a.memory_summary(abbreviated=True)
    assert 'from large pool' not in short and 'Allocated memory' in short


def test_snapshot_lists_segments_and_blocks():
    a, _ = new()
    x = a.malloc(1000)
    y = a.malloc(20 * MiB)
    snap = a.snapshot()
    assert [s['segment_type'] for s in snap] == ['small', 'large']
    small = snap[0]
    assert small['total_size'] == 2 * MiB and small['allocated_size'] == 1024 and small['requested_size'] == 1000
    assert [b['state'] for b in small['blocks']] == ['active_allocated', 'inactive']
    assert small['blocks'][0]['address'] == x.ptr
    assert snap[1]['blocks'] == [{'address': y.ptr, 'size': 20 * MiB, 'requested_size': 20 * MiB,
                                  'state': 'active_allocated'}]


# ------------------------------------------------------------------------------------ sources and threads
def test_host_source_backed_memory_is_writable():
    a, src = new(capacity=64 * MiB, backed=True)
    b = a.malloc(4096)
    ctypes.memset(b.ptr, 7, b.size)
    assert ctypes.string_at(b.ptr, 4) == b'\x07' * 4
    c = a.malloc(4096)
    assert c.ptr == b.ptr + 4096
    a.free(b)
    a.free(c)
    a.empty_cache()
    assert src.live == {}


def test_host_source_capacity():
    src = HostSource(capacity=4 * MiB)
    p = src.malloc(4 * MiB)
    with pytest.raises(SourceOutOfMemory):
        src.malloc(1)
    src.free(p)
    assert src.mem_get_info() == (4 * MiB, 4 * MiB)


def test_threads_allocating_and_freeing_keep_the_books_straight():
    a, _ = new()
    errors = []

    def work(seed):
        try:
            live = []
            for i in range(300):
                live.append(a.malloc((seed * 7919 + i * 104729) % (3 * MiB) + 1))
                if i % 3:
                    a.free(live.pop(0))
            for b in live:
                a.free(b)
        except Exception as e:           # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    s = a.memory_stats()
    assert s['allocated_bytes.all.current'] == 0 and s['active.all.current'] == 0
    assert s['inactive_split.all.current'] == 0   # every segment merged back whole
    a.empty_cache()
    assert a.memory_reserved() == 0


def test_free_reentering_from_a_finalizer_is_deferred_not_deadlocked():
    # CuPy frees from finalizers; the garbage collector may run one inside our own malloc.
    holder = {}

    class GCInsideMalloc(HostSource):
        def malloc(self, nbytes):
            if 'victim' in holder:
                holder['alloc'].free(holder.pop('victim'))   # re-entry while the lock is held
            return super().malloc(nbytes)

    src = GCInsideMalloc()
    a = CachingAllocator(src)
    holder['alloc'] = a
    holder['victim'] = a.malloc(1000)        # first malloc: victim not set yet when it ran
    v = holder['victim']
    big = a.malloc(30 * MiB)                 # new segment -> source.malloc -> re-entrant free
    assert 'victim' not in holder and not v.allocated
    assert a.memory_allocated() == big.size
    assert stat(a, 'inactive_split.all.current') == 0
    a.free(big)
    a.empty_cache()
    assert a.memory_reserved() == 0


# ------------------------------------------------------------------------------------ CuPy glue, on a stand-in
def _fake_cupy(device=0, fail_status=None):
    """A stand-in for the bits of CuPy's API the hook and CupySource use, recording what they do."""
    cupy = types.ModuleType('cupy')
    cuda = types.SimpleNamespace()
    calls = {'set_allocator': []}

    class Memory:
        def __init__(self, size):
            self.ptr, self.size = 0, size

    class UnownedMemory:
        def __init__(self, ptr, size, owner, device_id=-1):
            self.ptr, self.size, self.owner, self.device_id = ptr, size, owner, device_id

    class MemoryPointer:
        def __init__(self, mem, offset):
            self.mem, self.ptr = mem, mem.ptr + offset

    class CUDARuntimeError(RuntimeError):
        def __init__(self, status):
            super().__init__(f'cudaError {status}')
            self.status = status

    heap = HostSource(capacity=8 * MiB)

    def rt_malloc(n):
        if fail_status is not None:
            raise CUDARuntimeError(fail_status)
        try:
            return heap.malloc(n)
        except SourceOutOfMemory:
            raise CUDARuntimeError(2) from None

    class Device:
        def __init__(self, i):
            self.i = i

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    cuda.memory = types.SimpleNamespace(Memory=Memory, UnownedMemory=UnownedMemory, MemoryPointer=MemoryPointer)
    cuda.runtime = types.SimpleNamespace(getDevice=lambda: device, malloc=rt_malloc, free=heap.free,
                                         memGetInfo=heap.mem_get_info, CUDARuntimeError=CUDARuntimeError,
                                         getLastError=lambda: 0)
    cuda.Device = Device
    cuda.set_allocator = calls['set_allocator'].append
    default_pool = types.SimpleNamespace(malloc=object())
    cupy.cuda = cuda
    cupy.get_default_memory_pool = lambda: default_pool
    return cupy, calls, default_pool


def test_cupy_hook_hands_out_blocks_and_takes_them_back(monkeypatch):
    cupy, calls, default_pool = _fake_cupy()
    monkeypatch.setitem(sys.modules, 'cupy', cupy)
    a = CachingAllocator(CupySource(0))
    fn = install_into_cupy(a)
    assert calls['set_allocator'] == [fn]
    mp = fn(4)
    assert isinstance(mp.mem, cupy.cuda.memory.UnownedMemory)
    assert (mp.mem.size, mp.mem.device_id) == (512, 0) and mp.ptr != 0
    assert (a.memory_allocated(), a.memory_reserved()) == (512, 2 * MiB)
    del mp                                   # CuPy drops the memory: the block comes back
    assert (a.memory_allocated(), a.memory_reserved()) == (0, 2 * MiB)
    empty = fn(0)
    assert empty.ptr == 0 and a.memory_stats()['allocation.all.allocated'] == 1
    with pytest.raises(OutOfMemoryError):
        fn(9 * MiB)                          # the stand-in device has 8 MiB
    uninstall_from_cupy()
    assert calls['set_allocator'][-1] is default_pool.malloc


def test_cupy_hook_refuses_another_device(monkeypatch):
    cupy, _, _ = _fake_cupy(device=1)
    monkeypatch.setitem(sys.modules, 'cupy', cupy)
    fn = install_into_cupy(CachingAllocator(CupySource(0), device_index=0))
    with pytest.raises(RuntimeError, match='device 0'):
        fn(10)
    fn2 = install_into_cupy([CachingAllocator(CupySource(0), 0), CachingAllocator(CupySource(1), 1)])
    assert fn2(10).mem.device_id == 1


def test_cupy_source_turns_only_out_of_memory_into_source_out_of_memory(monkeypatch):
    cupy, _, _ = _fake_cupy()
    monkeypatch.setitem(sys.modules, 'cupy', cupy)
    src = CupySource(0)
    with pytest.raises(SourceOutOfMemory):
        src.malloc(16 * MiB)
    cupy2, _, _ = _fake_cupy(fail_status=700)     # cudaErrorIllegalAddress: not ours to hide
    monkeypatch.setitem(sys.modules, 'cupy', cupy2)
    with pytest.raises(RuntimeError, match='700'):
        CupySource(0).malloc(1)


# ------------------------------------------------------------------------------------ recorded from real torch
# A mixed sequence run through real torch (2.11.0+cu130, one H200; torch.empty(n, dtype=uint8) for
# ('a', n), dropping the tensor made at step i for ('f', i), torch.cuda.empty_cache() for ('e',)),
# and the figures after each step: allocated, reserved, inactive_split, inactive_split_bytes, segments.
# All twelve statistics compared there (these five plus requested/peaks/device calls) matched.
TORCH_OPS = [('a', 4), ('f', 0), ('a', 1000), ('a', 3000), ('a', 512), ('f', 3), ('a', 100), ('a', MiB),
             ('a', MiB - 512), ('a', 512), ('a', 5 * MiB), ('a', 5 * MiB), ('a', 5 * MiB), ('f', 11), ('f', 10),
             ('a', 9 * MiB), ('a', 12 * MiB), ('a', 10 * MiB + 1), ('e',), ('f', 16), ('a', 19 * MiB), ('f', 20),
             ('a', 19 * MiB - 512), ('a', 256 * KiB), ('a', 256 * KiB), ('a', 256 * KiB), ('f', 24),
             ('a', 300 * KiB), ('e',), ('f', 2), ('f', 4), ('f', 6), ('f', 7), ('f', 8), ('f', 9), ('f', 12),
             ('f', 15), ('f', 17), ('e',), ('f', 22), ('f', 23), ('f', 25), ('f', 27), ('e',)]
TORCH_FIGURES = [
    (512, 2097152, 1, 2096640, 1), (0, 2097152, 0, 0, 1), (1024, 2097152, 1, 2096128, 1),
    (4096, 2097152, 1, 2093056, 1), (4608, 2097152, 1, 2092544, 1), (1536, 2097152, 2, 2095616, 1),
    (2048, 2097152, 2, 2095104, 1), (1050624, 2097152, 2, 1046528, 1), (2098688, 4194304, 3, 2095616, 2),
    (2099200, 4194304, 3, 2095104, 2), (7342080, 25165824, 4, 17823744, 3), (12584960, 25165824, 4, 12580864, 3),
    (17827840, 25165824, 4, 7337984, 3), (12584960, 25165824, 5, 12580864, 3), (7342080, 25165824, 5, 17823744, 3),
    (17827840, 25165824, 4, 7337984, 3), (30410752, 37748736, 4, 7337984, 4), (40897024, 50331648, 5, 9434624, 5),
    (40897024, 50331648, 5, 9434624, 5), (28314112, 50331648, 5, 9434624, 5), (49285632, 71303168, 5, 9434624, 6),
    (28314112, 71303168, 5, 9434624, 6), (48236544, 71303168, 6, 10483712, 6), (48498688, 71303168, 6, 10221568, 6),
    (48760832, 71303168, 6, 9959424, 6), (49022976, 71303168, 6, 9697280, 6), (48760832, 71303168, 7, 9959424, 6),
    (49068032, 71303168, 7, 9652224, 6), (49068032, 58720256, 7, 9652224, 5), (49067008, 58720256, 8, 9653248, 5),
    (49066496, 58720256, 8, 9653760, 5), (49065984, 58720256, 8, 9654272, 5), (48017408, 58720256, 8, 10702848, 5),
    (46969344, 58720256, 9, 11750912, 5), (46968832, 58720256, 8, 11751424, 5), (41725952, 58720256, 8, 16994304, 5),
    (31240192, 58720256, 7, 6508544, 5), (20753920, 58720256, 6, 4411904, 5), (20753920, 25165824, 6, 4411904, 3),
    (831488, 25165824, 5, 3362816, 3), (569344, 25165824, 4, 3624960, 3), (307200, 25165824, 2, 1789952, 3),
    (0, 25165824, 0, 0, 3), (0, 0, 0, 0, 0)]


def test_mixed_sequence_matches_figures_recorded_from_torch():
    a, _ = new()
    live = {}
    for i, (op, *arg) in enumerate(TORCH_OPS):
        if op == 'a':
            live[i] = a.malloc(arg[0])
        elif op == 'f':
            a.free(live.pop(arg[0]))
        else:
            a.empty_cache()
        s = a.memory_stats()
        got = (s['allocated_bytes.all.current'], s['reserved_bytes.all.current'], s['inactive_split.all.current'],
               s['inactive_split_bytes.all.current'], s['segment.all.current'])
        assert got == TORCH_FIGURES[i], (i, TORCH_OPS[i])
