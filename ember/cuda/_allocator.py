"""ember's CUDA caching allocator: PyTorch's policy (c10/cuda/CUDACachingAllocator.cpp) in Python.

Asking the driver for memory (``cudaMalloc``) is slow and synchronises the device, so memory that a
tensor gives back is kept in a cache and handed to the next tensor that fits. The policy is
PyTorch's, so ``memory_allocated``/``memory_reserved``/``memory_stats`` read as they do in torch:

* every request is rounded up to a multiple of 512 bytes (``round_size``);
* requests up to 1 MiB live in the *small pool* and are carved out of 2 MiB segments; larger ones
  live in the *large pool*: under 10 MiB they are carved out of 20 MiB segments, from 10 MiB on
  they get a segment of their own size rounded up to 2 MiB (``get_allocation_size``);
* a request takes the smallest cached free block that fits, the lowest address among equals
  (best fit by ``(size, address)``);
* the block is split when the rest is worth keeping: at least 512 bytes in the small pool, more
  than 1 MiB in the large pool (``should_split``); a freed block merges with free neighbours of
  its segment;
* ``empty_cache()`` gives back to the driver only segments that are wholly free;
* when the driver is out of memory, every wholly free cached segment is given back and the
  request retried once; if that fails too, :class:`OutOfMemoryError` says what is allocated and
  what is reserved but unused, in PyTorch's words.

Left out, as ember does not use them: streams and events (one stream), CUDA-graph private pools,
``max_split_size_mb`` and oversize blocks (torch's default is no limit, so the oversize stats stay 0),
``roundup_power2_divisions``, expandable segments, garbage-collection thresholds.

The policy runs over a *segment source* with ``malloc(nbytes) -> ptr`` (raising
:class:`SourceOutOfMemory` when the device is full), ``free(ptr)`` and ``mem_get_info() -> (free,
total)``. :class:`HostSource` keeps the books for a pretend device in host memory, which is how the
policy is tested without a GPU; :class:`CupySource` asks the CUDA runtime through CuPy, and
:func:`install_into_cupy` makes every array CuPy allocates draw from a :class:`CachingAllocator`.

>>> a = CachingAllocator(HostSource(capacity=1 << 30))
>>> b = a.malloc(4)                      # like torch.zeros(1, device='cuda')
>>> a.memory_allocated(), a.memory_reserved()
(512, 2097152)
>>> a.free(b)
>>> a.memory_allocated(), a.memory_reserved()
(0, 2097152)
>>> a.empty_cache()
>>> a.memory_allocated(), a.memory_reserved()
(0, 0)
"""
import bisect
import collections
import threading

__all__ = ['OutOfMemoryError', 'SourceOutOfMemory', 'HostSource', 'CupySource', 'Block', 'CachingAllocator',
           'format_size', 'round_size', 'get_allocation_size', 'install_into_cupy', 'uninstall_from_cupy']

# PyTorch's constants, same names.
kMinBlockSize = 512           # every size is rounded up to a multiple of this
kSmallSize = 1048576          # the largest "small" request: 1 MiB
kSmallBuffer = 2097152        # small requests are packed into 2 MiB segments
kLargeBuffer = 20971520       # requests between 1 and 10 MiB are packed into 20 MiB segments
kMinLargeAlloc = 10485760     # from 10 MiB a request gets a segment of its own ...
kRoundLarge = 2097152         # ... rounded up to 2 MiB

_POOLS = ('all', 'large_pool', 'small_pool')
# torch reports max_split_size as int64(SIZE_MAX) == -1 while the limit is off (its default).
_MAX_SPLIT_SIZE = -1


class OutOfMemoryError(RuntimeError):
    """The device has no room for a request even after the cache was emptied; like
    ``torch.cuda.OutOfMemoryError`` it is a ``RuntimeError``."""


class SourceOutOfMemory(Exception):
    """Raised by a segment source's ``malloc`` when the device has no room (``cudaErrorMemoryAllocation``);
    the allocator catches it, frees its cache and retries, then raises :class:`OutOfMemoryError`."""


def format_size(size):
    """c10's ``format_size``, used in the out-of-memory message.

    >>> format_size(512), format_size(1536), format_size(20971520), format_size(3 << 30)
    ('512 bytes', '1.50 KiB', '20.00 MiB', '3.00 GiB')
    """
    if size <= 1024:
        return f'{size} bytes'
    if size <= 1048576:
        return f'{size / 1024.0:.2f} KiB'
    if size <= 1073741824:
        return f'{size / 1048576.0:.2f} MiB'
    return f'{size / 1073741824.0:.2f} GiB'


def round_size(size):
    """Round a request up to a multiple of 512 bytes, at least 512.

    >>> round_size(1), round_size(512), round_size(513)
    (512, 512, 1024)
    """
    if size < kMinBlockSize:
        return kMinBlockSize
    return kMinBlockSize * ((size + kMinBlockSize - 1) // kMinBlockSize)


def get_allocation_size(size):
    """Size of the segment asked of the driver when no cached block fits a (rounded) request.

    >>> get_allocation_size(512), get_allocation_size(5 << 20), get_allocation_size((10 << 20) + 1)
    (2097152, 20971520, 12582912)
    """
    if size <= kSmallSize:
        return kSmallBuffer
    if size < kMinLargeAlloc:
        return kLargeBuffer
    return kRoundLarge * ((size + kRoundLarge - 1) // kRoundLarge)


# ---------------------------------------------------------------------------------------- sources
class HostSource:
    """A pretend device of ``capacity`` bytes for testing the policy on the CPU.

    By default it only keeps the books: addresses are handed out in increasing order from
    ``base`` and never reused, so tests can reason about adjacency. With ``backed=True`` each
    segment is real host memory (a NumPy buffer) that can be written through its address.
    ``malloc_calls``/``free_calls`` count the driver calls; ``live`` maps address to size.

    >>> s = HostSource(capacity=4 << 20)
    >>> p = s.malloc(2 << 20); s.mem_get_info()
    (2097152, 4194304)
    >>> s.free(p); s.mem_get_info()
    (4194304, 4194304)
    """

    def __init__(self, capacity=16 << 30, base=0x7f0000000000, backed=False):
        self.capacity = int(capacity)
        self.backed = backed
        self.live = {}              # ptr -> nbytes
        self._buffers = {}          # ptr -> numpy buffer keeping backed memory alive
        self._next = int(base)
        self.malloc_calls = 0
        self.free_calls = 0

    @property
    def used(self):
        return sum(self.live.values())

    def malloc(self, nbytes):
        if self.used + nbytes > self.capacity:
            raise SourceOutOfMemory(f'{nbytes} bytes requested, {self.capacity - self.used} free')
        self.malloc_calls += 1
        if self.backed:
            import numpy as np
            buf = np.empty(nbytes, dtype=np.uint8)
            ptr = buf.ctypes.data
            self._buffers[ptr] = buf
        else:
            ptr = self._next
            # 2 MiB-aligned like cudaMalloc's segments; addresses are never reused
            self._next += -(-nbytes // kRoundLarge) * kRoundLarge
        self.live[ptr] = nbytes
        return ptr

    def free(self, ptr):
        del self.live[ptr]           # KeyError on a pointer this source never gave: a bug upstream
        self._buffers.pop(ptr, None)
        self.free_calls += 1

    def mem_get_info(self):
        return self.capacity - self.used, self.capacity


_CUDA_ERROR_MEMORY_ALLOCATION = 2     # cudaErrorMemoryAllocation (CuPy's runtime module has no name for it)


class CupySource:
    """Segments from the CUDA runtime through CuPy (``cudaMalloc``/``cudaFree``/``cudaMemGetInfo``)
    on device ``device_index``. CuPy is imported only here, so ember imports without it."""

    def __init__(self, device_index=0):
        import cupy
        self._cupy = cupy
        self.device_index = int(device_index)

    def malloc(self, nbytes):
        cp = self._cupy
        rt = cp.cuda.runtime
        with cp.cuda.Device(self.device_index):
            try:
                return rt.malloc(nbytes)
            except rt.CUDARuntimeError as e:
                if e.status != _CUDA_ERROR_MEMORY_ALLOCATION:
                    raise
                # torch clears the (non-sticky) error with cudaGetLastError; CuPy 14 has no binding for
                # it and reads each call's own status, so this runs only where one exists
                if hasattr(rt, 'getLastError'):
                    rt.getLastError()
                raise SourceOutOfMemory(str(e)) from None

    def free(self, ptr):
        with self._cupy.cuda.Device(self.device_index):
            self._cupy.cuda.runtime.free(ptr)

    def mem_get_info(self):
        with self._cupy.cuda.Device(self.device_index):
            return tuple(self._cupy.cuda.runtime.memGetInfo())


# ---------------------------------------------------------------------------------------- blocks and stats
class Block:
    """A piece of a segment: ``ptr`` (address), ``size`` (rounded bytes), ``requested_size`` (bytes
    asked for), ``allocated`` (in use). ``prev``/``next`` link the blocks of one segment in address
    order; a block with neither is a whole segment."""
    __slots__ = ('ptr', 'size', 'requested_size', 'pool', 'allocated', 'prev', 'next', '__weakref__')

    def __init__(self, ptr, size, pool, requested_size=0):
        self.ptr = ptr
        self.size = size
        self.requested_size = requested_size
        self.pool = pool
        self.allocated = False
        self.prev = None
        self.next = None

    def is_split(self):
        return self.prev is not None or self.next is not None

    def __repr__(self):
        state = 'allocated' if self.allocated else 'free'
        return f'Block(ptr={self.ptr:#x}, size={self.size}, requested_size={self.requested_size}, {state})'


class _Pool:
    """The free blocks of one pool, ordered by ``(size, ptr)`` so that best fit is one bisection
    (torch's ``std::set<Block*, BlockComparatorSize>``)."""

    def __init__(self, is_small):
        self.is_small = is_small
        self.name = 'small_pool' if is_small else 'large_pool'
        self._keys = []              # sorted (size, ptr)
        self._blocks = {}            # (size, ptr) -> Block

    def insert(self, block):
        key = (block.size, block.ptr)
        bisect.insort(self._keys, key)
        self._blocks[key] = block

    def remove(self, block):
        key = (block.size, block.ptr)
        i = bisect.bisect_left(self._keys, key)
        assert i < len(self._keys) and self._keys[i] == key, 'block not in its pool'
        del self._keys[i]
        del self._blocks[key]

    def best_fit(self, size):
        """The smallest free block of at least ``size`` bytes (lowest address among equals), or None."""
        i = bisect.bisect_left(self._keys, (size, -1))
        return self._blocks[self._keys[i]] if i < len(self._keys) else None

    def blocks(self):
        return [self._blocks[k] for k in self._keys]


class _Stat:
    __slots__ = ('current', 'peak', 'allocated', 'freed')

    def __init__(self):
        self.current = self.peak = self.allocated = self.freed = 0

    def increase(self, n):
        self.current += n
        self.peak = max(self.peak, self.current)
        self.allocated += n

    def decrease(self, n):
        self.current -= n
        assert self.current >= 0, 'negative tracked stat in the allocator (a logic error)'
        self.freed += n


# The per-pool statistics (torch's StatArray members), in the order memory_summary shows them.
_STAT_ARRAYS = ('allocation', 'segment', 'active', 'inactive_split', 'allocated_bytes', 'reserved_bytes',
                'active_bytes', 'inactive_split_bytes', 'requested_bytes')
_COUNTERS = ('num_alloc_retries', 'num_ooms', 'num_sync_all_streams', 'num_device_alloc', 'num_device_free')


# ---------------------------------------------------------------------------------------- the allocator
class CachingAllocator:
    """PyTorch's caching allocator for one device, over a segment ``source``.

    >>> a = CachingAllocator(HostSource())
    >>> x = a.malloc(1000); y = a.malloc(1000)      # both carved from one 2 MiB segment
    >>> y.ptr - x.ptr, x.size, a.memory_reserved()
    (1024, 1024, 2097152)
    >>> a.free(x); a.malloc(600).ptr == x.ptr       # a freed block is reused
    True
    """

    def __init__(self, source, device_index=0):
        self.source = source
        self.device_index = int(device_index)
        self._small = _Pool(True)
        self._large = _Pool(False)
        self._active = set()         # allocated blocks (torch's active_blocks)
        self._lock = threading.RLock()
        self._depth = 0              # nesting of _enter in the thread holding _lock
        self._deferred = []          # frees that re-entered (from GC finalizers) mid-operation
        self.allowed_bytes = None    # set_per_process_memory_fraction's cap on reserved memory
        self._reset_all_stats()

    # ------------------------------------------------------------------ locking
    # CuPy gives memory back from finalizers, which the garbage collector may run in any thread, and
    # also in this thread in the middle of a malloc. A plain Lock would deadlock on that re-entry and
    # a bare RLock would let the free change the pools mid-operation, so: an RLock (other threads
    # wait) plus a depth count; a free arriving at depth > 0 is queued and done by the outermost
    # caller on its way out, when the state is consistent again.
    def _enter(self):
        self._lock.acquire()
        self._depth += 1

    def _exit(self):
        try:
            if self._depth == 1:
                while self._deferred:          # more may be queued while doing these
                    self._free_locked(self._deferred.pop())
        finally:
            self._depth -= 1
            self._lock.release()

    # ------------------------------------------------------------------ stats
    def _reset_all_stats(self):
        self._stats = {name: {p: _Stat() for p in _POOLS} for name in _STAT_ARRAYS}
        self._oversize_allocations = _Stat()   # stays 0: no max_split_size limit
        self._oversize_segments = _Stat()
        self._counters = dict.fromkeys(_COUNTERS, 0)

    def _inc(self, name, pool, n):
        self._stats[name]['all'].increase(n)
        self._stats[name][pool.name].increase(n)

    def _dec(self, name, pool, n):
        self._stats[name]['all'].decrease(n)
        self._stats[name][pool.name].decrease(n)

    # ------------------------------------------------------------------ public API
    def malloc(self, nbytes):
        """A :class:`Block` of at least ``nbytes``. ``malloc(0)`` gives a block at address 0 that
        counts nothing (torch gives a null pointer to empty tensors)."""
        nbytes = int(nbytes)
        if nbytes < 0:
            raise ValueError(f'cannot allocate {nbytes} bytes')
        if nbytes == 0:
            return Block(0, 0, None)
        self._enter()
        try:
            return self._malloc_locked(nbytes)
        finally:
            self._exit()

    def free(self, block):
        """Give ``block`` back to the cache (never to the driver: see :meth:`empty_cache`)."""
        if block.size == 0:
            return
        self._enter()
        try:
            if self._depth > 1:
                self._deferred.append(block)   # re-entered mid-operation: see _enter
            else:
                self._free_locked(block)
        finally:
            self._exit()

    def empty_cache(self):
        """Give every wholly free cached segment back to the driver; split segments stay."""
        self._enter()
        try:
            self._release_cached_blocks()
        finally:
            self._exit()

    def memory_allocated(self):
        """Bytes in live blocks (rounded sizes), as ``torch.cuda.memory_allocated``."""
        return self._stats['allocated_bytes']['all'].current

    def max_memory_allocated(self):
        return self._stats['allocated_bytes']['all'].peak

    def memory_reserved(self):
        """Bytes in segments held from the driver, as ``torch.cuda.memory_reserved``."""
        return self._stats['reserved_bytes']['all'].current

    def max_memory_reserved(self):
        return self._stats['reserved_bytes']['all'].peak

    def reset_peak_memory_stats(self):
        self._enter()
        try:
            for arr in self._stats.values():
                for s in arr.values():
                    s.peak = s.current
            for s in (self._oversize_allocations, self._oversize_segments):
                s.peak = s.current
        finally:
            self._exit()

    def reset_accumulated_memory_stats(self):
        self._enter()
        try:
            for arr in self._stats.values():
                for s in arr.values():
                    s.allocated = s.freed = 0
            for s in (self._oversize_allocations, self._oversize_segments):
                s.allocated = s.freed = 0
            self._counters = dict.fromkeys(_COUNTERS, 0)
        finally:
            self._exit()

    def memory_stats(self):
        """``torch.cuda.memory_stats``: an OrderedDict of flat, sorted keys such as
        ``"allocated_bytes.all.current"``, ``"segment.small_pool.peak"``, ``"num_alloc_retries"``."""
        flat = [('max_split_size', _MAX_SPLIT_SIZE)]
        flat += list(self._counters.items())
        for name, arr in self._stats.items():
            for pool, s in arr.items():
                flat += [(f'{name}.{pool}.{f}', getattr(s, f)) for f in _Stat.__slots__]
        for name, s in (('oversize_allocations', self._oversize_allocations),
                        ('oversize_segments', self._oversize_segments)):
            flat += [(f'{name}.{f}', getattr(s, f)) for f in _Stat.__slots__]
        flat.sort()
        return collections.OrderedDict(flat)

    def set_memory_fraction(self, fraction):
        """Cap the memory reserved from the device at ``fraction`` of its total (torch's
        ``set_per_process_memory_fraction``): past it, a request first frees cached segments, then
        raises OutOfMemoryError."""
        self.fraction = fraction
        self.allowed_bytes = int(fraction * self.source.mem_get_info()[1])

    fraction = 1.0

    def memory_summary(self, abbreviated=False):
        """``torch.cuda.memory_summary``'s table, titled for ember."""
        return _summary(self.memory_stats(), self.device_index, abbreviated)

    def snapshot(self):
        """``torch.cuda.memory_snapshot()``'s segment list: one dict per segment, with its blocks."""
        self._enter()
        try:
            heads = [b for b in self._active | set(self._small.blocks()) | set(self._large.blocks())
                     if b.prev is None]
            out = []
            for head in sorted(heads, key=lambda b: b.ptr):
                blocks, b = [], head
                while b is not None:
                    blocks.append({'address': b.ptr, 'size': b.size, 'requested_size': b.requested_size,
                                   'state': 'active_allocated' if b.allocated else 'inactive'})
                    b = b.next
                used = [x for x in blocks if x['state'] == 'active_allocated']
                out.append({'device': self.device_index, 'address': head.ptr,
                            'total_size': sum(x['size'] for x in blocks),
                            'allocated_size': sum(x['size'] for x in used),
                            'active_size': sum(x['size'] for x in used),
                            'requested_size': sum(x['requested_size'] for x in used), 'stream': 0,
                            'segment_type': 'small' if head.pool.is_small else 'large', 'blocks': blocks})
            return out
        finally:
            self._exit()

    # ------------------------------------------------------------------ the policy (lock held)
    def _malloc_locked(self, orig_size):
        size = round_size(orig_size)
        pool = self._small if size <= kSmallSize else self._large
        alloc_size = get_allocation_size(size)

        block = pool.best_fit(size)
        if block is not None:
            pool.remove(block)
        else:
            # torch: alloc_block || release_available_cached_blocks (a no-op without max_split_size)
            #        || (release_cached_blocks && alloc_block(retry))
            block = self._alloc_block(pool, alloc_size, is_retry=False)
            if block is None:
                self._release_cached_blocks()
                block = self._alloc_block(pool, alloc_size, is_retry=True)
        if block is None:
            self._raise_oom(alloc_size)
        return self._alloc_found_block(block, pool, size, orig_size)

    def _alloc_block(self, pool, alloc_size, is_retry):
        """A new segment from the source, as one free block outside the pool; None when it is full."""
        if is_retry:
            self._counters['num_alloc_retries'] += 1
        if self.allowed_bytes is not None and self.memory_reserved() + alloc_size > self.allowed_bytes:
            return None              # over the process's fraction: as if the device were full
        try:
            ptr = self.source.malloc(alloc_size)
        except SourceOutOfMemory:
            return None
        self._counters['num_device_alloc'] += 1
        self._inc('segment', pool, 1)
        self._inc('reserved_bytes', pool, alloc_size)
        return Block(ptr, alloc_size, pool)

    def _should_split(self, block, size):
        remaining = block.size - size
        if block.pool.is_small:
            return remaining >= kMinBlockSize
        return remaining > kSmallSize

    def _alloc_found_block(self, block, pool, size, orig_size):
        already_split = block.is_split()
        if self._should_split(block, size):
            # The front of the block is handed out; the rest stays in the pool as a free block.
            remaining = block
            block = Block(remaining.ptr, size, pool)
            block.prev = remaining.prev
            if block.prev is not None:
                block.prev.next = block
            block.next = remaining
            remaining.prev = block
            remaining.ptr += size
            remaining.size -= size
            pool.insert(remaining)
            if already_split:
                # an inactive split block shrank by `size` bytes
                self._dec('inactive_split_bytes', pool, size)
            else:
                # a whole segment became split: its free rest is memory empty_cache cannot release
                self._inc('inactive_split_bytes', pool, remaining.size)
                self._inc('inactive_split', pool, 1)
        elif already_split:
            # an inactive split block becomes active whole
            self._dec('inactive_split_bytes', pool, block.size)
            self._dec('inactive_split', pool, 1)

        block.allocated = True
        block.requested_size = orig_size
        self._active.add(block)
        self._inc('allocation', pool, 1)
        self._inc('allocated_bytes', pool, block.size)
        self._inc('active', pool, 1)
        self._inc('active_bytes', pool, block.size)
        self._inc('requested_bytes', pool, block.requested_size)
        return block

    def _free_locked(self, block):
        if block not in self._active:
            raise ValueError(f'{block!r} is not allocated by this allocator')
        pool = block.pool
        block.allocated = False
        self._dec('allocation', pool, 1)
        self._dec('allocated_bytes', pool, block.size)
        orig_size, requested = block.size, block.requested_size
        self._active.discard(block)
        # The caller's Block stays as it was handed out (and is never reused, so a second free of it
        # is caught above); the cache goes on with a fresh one in its place in the segment.
        free = Block(block.ptr, block.size, pool)
        free.prev, free.next = block.prev, block.next
        if free.prev is not None:
            free.prev.next = free
        if free.next is not None:
            free.next.prev = free
        block.prev = block.next = None
        block = free

        net_blocks = net_bytes = 0
        for neighbour in (block.prev, block.next):
            subsumed = self._try_merge(block, neighbour, pool)
            if subsumed:
                net_blocks -= 1
                net_bytes -= subsumed
        pool.insert(block)
        if block.is_split():
            net_blocks += 1
            net_bytes += block.size
        for name, n in (('inactive_split', net_blocks), ('inactive_split_bytes', net_bytes)):
            if n > 0:
                self._inc(name, pool, n)
            elif n < 0:
                self._dec(name, pool, -n)
        self._dec('active', pool, 1)
        self._dec('active_bytes', pool, orig_size)
        self._dec('requested_bytes', pool, requested)

    def _try_merge(self, dst, src, pool):
        """Fold free neighbour ``src`` into ``dst``; returns the bytes taken in (0 if not merged)."""
        if src is None or src.allocated:
            return 0
        pool.remove(src)
        if dst.prev is src:           # [src dst]
            dst.ptr = src.ptr
            dst.prev = src.prev
            if dst.prev is not None:
                dst.prev.next = dst
        else:                         # [dst src]
            dst.next = src.next
            if dst.next is not None:
                dst.next.prev = dst
        dst.size += src.size
        return src.size

    def _release_cached_blocks(self):
        # torch syncs all streams (and counts it) before releasing; ember has one stream, so just count.
        self._counters['num_sync_all_streams'] += 1
        for pool in (self._large, self._small):
            for block in pool.blocks():
                if not block.is_split():
                    self._release_block(block)

    def _release_block(self, block):
        pool = block.pool
        self.source.free(block.ptr)
        self._counters['num_device_free'] += 1
        self._dec('segment', pool, 1)
        self._dec('reserved_bytes', pool, block.size)
        pool.remove(block)

    def _raise_oom(self, alloc_size):
        try:
            device_free, device_total = self.source.mem_get_info()
        except Exception:            # the message must not hide the real error
            device_free = device_total = 0
        self._counters['num_ooms'] += 1
        allocated = self.memory_allocated()
        reserved = self.memory_reserved()
        # torch reports the segment size it tried to get (alloc_size), not the request. Its wording as of
        # torch 2.11, less the "Including non-PyTorch memory, this process has ..." part (that needs NVML).
        raise OutOfMemoryError(
            f'CUDA out of memory. Tried to allocate {format_size(alloc_size)}. GPU {self.device_index} has a '
            f'total capacity of {format_size(device_total)} of which {format_size(device_free)} is free. '
            f'Of the allocated memory {format_size(allocated)} is allocated by ember, and '
            f'{format_size(reserved - allocated)} is reserved by ember but unallocated. If reserved but '
            'unallocated memory is large try setting PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True to '
            'avoid fragmentation.  See documentation for Memory Management  '
            '(https://docs.pytorch.org/docs/stable/notes/cuda.html#optimizing-memory-usage-with-pytorch-cuda-alloc-conf)')


# ---------------------------------------------------------------------------------------- summary table
def _summary(stats, device, abbreviated=False):
    """torch.cuda.memory_summary's table (torch/cuda/memory.py), with ember in the title."""
    def scaled(n, pref, prefixes, limit, base):
        """n in the unit that keeps ``pref`` (the column's peak) under ``limit``."""
        prefix = prefixes[0]
        for new_prefix in prefixes[1:]:
            if pref < limit:
                break
            prefix = new_prefix
            n //= base
            pref /= base
        return n, prefix

    def fmt_size(sz, pref_sz):
        sz, prefix = scaled(sz, pref_sz, ['B  ', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'], 768 * 1024, 1024)
        return f'{sz:6d} {prefix}'

    def fmt_count(cnt, pref_cnt):
        cnt, prefix = scaled(cnt, pref_cnt, [' ', 'K', 'M'], 750 * 1000, 1000)
        return f'{cnt:7d} {prefix} '

    metrics = [('allocated_bytes', 'Allocated memory', fmt_size), ('active_bytes', 'Active memory', fmt_size),
               ('requested_bytes', 'Requested memory', fmt_size),
               ('reserved_bytes', 'GPU reserved memory', fmt_size),
               ('inactive_split_bytes', 'Non-releasable memory', fmt_size),
               ('allocation', 'Allocations', fmt_count), ('active', 'Active allocs', fmt_count),
               ('segment', 'GPU reserved segments', fmt_count), ('inactive_split', 'Non-releasable allocs', fmt_count)]
    lines = ['=' * 75, f' {"":16} ember CUDA memory summary, device ID {device:<19d} ', '-' * 75,
             f'  {"":9} CUDA OOMs: {stats["num_ooms"]:<12d} | {"":6} cudaMalloc retries: '
             f'{stats["num_alloc_retries"]:<8d}  ',
             '=' * 75, '        Metric         | Cur Usage  | Peak Usage | Tot Alloc  | Tot Freed  ']
    for key, name, fmt in metrics:
        lines.append('-' * 75)
        subs = [('all', name)]
        if not abbreviated:
            subs += [('large_pool', '      from large pool'), ('small_pool', '      from small pool')]
        pref = None
        for sub, subname in subs:
            vals = [stats[f'{key}.{sub}.{f}'] for f in ('current', 'peak', 'allocated', 'freed')]
            pref = pref or vals    # torch scales the pool rows by the 'all' row's values
            cells = ' | '.join(fmt(v, p) for v, p in zip(vals, pref))
            lines.append(f' {subname:<21} | {cells} ')
    for key, name in (('oversize_allocations', 'Oversize allocations'), ('oversize_segments', 'Oversize GPU segments')):
        lines.append('-' * 75)
        vals = [stats[f'{key}.{f}'] for f in ('current', 'peak', 'allocated', 'freed')]
        lines.append(f' {name:<21} | ' + ' | '.join(fmt_count(v, v) for v in vals) + ' ')
    lines.append('=' * 75)
    return '|' + '|\n|'.join(lines) + '|\n'


# ---------------------------------------------------------------------------------------- CuPy hook
class _BlockOwner:
    """Held by CuPy's ``UnownedMemory`` for as long as CuPy uses the memory; when CuPy drops it the
    block goes back to the allocator (from whatever thread the last reference dies in)."""
    __slots__ = ('allocator', 'block')

    def __init__(self, allocator, block):
        self.allocator = allocator
        self.block = block

    def __del__(self):
        block, self.block = self.block, None
        if block is not None:
            self.allocator.free(block)


def install_into_cupy(allocator):
    """Make CuPy allocate every device array from ember's caching allocator(s).

    ``allocator`` is one :class:`CachingAllocator` (for its ``device_index``) or a sequence of
    them indexed by device. Returns the function handed to ``cupy.cuda.set_allocator``.
    """
    import cupy
    mem = cupy.cuda.memory
    by_device = list(allocator) if isinstance(allocator, (list, tuple)) else None

    def malloc(nbytes):
        dev = cupy.cuda.runtime.getDevice()
        alloc = by_device[dev] if by_device is not None else allocator
        if by_device is None and alloc.device_index != dev:
            raise RuntimeError(f'ember allocator for device {alloc.device_index} asked for memory on device {dev}')
        if nbytes == 0:
            return mem.MemoryPointer(mem.Memory(0), 0)     # as CuPy's own pool: a null pointer, no malloc
        block = alloc.malloc(nbytes)
        owner = _BlockOwner(alloc, block)
        return mem.MemoryPointer(mem.UnownedMemory(block.ptr, block.size, owner, alloc.device_index), 0)

    cupy.cuda.set_allocator(malloc)
    return malloc


def uninstall_from_cupy():
    """Give CuPy back its default memory pool."""
    import cupy
    cupy.cuda.set_allocator(cupy.get_default_memory_pool().malloc)
