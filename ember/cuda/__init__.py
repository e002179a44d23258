"""``ember.cuda``: NVIDIA GPUs through CuPy, and memory through ember's caching allocator.

Without CuPy or without a GPU it answers as PyTorch's CPU build does: ``is_available()`` is
False, ``device_count()`` 0, and the calls that need a device raise
``AssertionError: Torch not compiled with CUDA enabled``. CuPy is imported on the first call
that needs to know, never by ``import ember``.

Memory: every CuPy array ember makes draws from :class:`ember.cuda._allocator.CachingAllocator`
(PyTorch's policy: 512-byte rounding, 2 MiB small-pool and 20 MiB large-pool segments, best fit,
split and merge), installed as CuPy's allocator when CUDA is first used.

Example:
    >>> x = ember.zeros(1, device='cuda')
    >>> ember.cuda.memory_allocated(), ember.cuda.memory_reserved()      # (512, 2097152)
"""
import threading
import warnings

from .. import _backend
from ._allocator import OutOfMemoryError

__all__ = ['is_available', 'device_count', 'current_device', 'set_device', 'device', 'device_of',
           'get_device_name', 'get_device_properties', 'get_device_capability', 'synchronize', 'mem_get_info',
           'manual_seed', 'manual_seed_all', 'seed', 'seed_all', 'initial_seed', 'Stream', 'Event',
           'current_stream', 'default_stream', 'stream', 'memory_allocated', 'max_memory_allocated',
           'memory_reserved', 'max_memory_reserved', 'reset_peak_memory_stats', 'reset_max_memory_allocated',
           'reset_accumulated_memory_stats', 'memory_stats', 'memory_summary', 'empty_cache', 'OutOfMemoryError',
           'is_initialized', 'init', 'get_rng_state', 'set_rng_state', 'get_rng_state_all', 'set_rng_state_all',
           'memory_cached', 'max_memory_cached', 'reset_max_memory_cached', 'memory_snapshot',
           'memory_stats_as_nested_dict', 'set_per_process_memory_fraction', 'get_per_process_memory_fraction',
           'caching_allocator_alloc', 'caching_allocator_delete', 'ipc_collect', 'set_stream',
           'can_device_access_peer', 'is_current_stream_capturing', 'is_bf16_supported', 'is_tf32_supported',
           'get_arch_list', 'get_gencode_flags', 'has_half', 'has_magma', 'FloatTensor', 'DoubleTensor',
           'HalfTensor', 'LongTensor', 'IntTensor', 'ShortTensor', 'CharTensor', 'ByteTensor', 'BoolTensor']

_NOT_COMPILED = 'Torch not compiled with CUDA enabled'
_lock = threading.Lock()
_allocators = {}            # device index -> CachingAllocator, made at initialisation
_initialized = [False]


def _cp():
    return _backend.cupy()


def is_available():
    """True when CuPy is installed and sees at least one GPU."""
    return device_count() > 0


def device_count():
    cp = _cp()
    if cp is None:
        return 0
    try:
        return cp.cuda.runtime.getDeviceCount()
    except Exception:
        return 0


def _check_available():
    if not is_available():
        raise AssertionError(_NOT_COMPILED)


def is_initialized():
    return _initialized[0]


def init():
    _lazy_init()


def _lazy_init():
    """First use of CUDA: check it is there and install the caching allocator into CuPy."""
    if _initialized[0]:
        return
    with _lock:
        if _initialized[0]:
            return
        _check_available()
        from ._allocator import CachingAllocator, CupySource, install_into_cupy
        _allocators.update({i: CachingAllocator(CupySource(i), device_index=i) for i in range(device_count())})
        install_into_cupy([_allocators[i] for i in range(device_count())])
        _initialized[0] = True


def _index(dev, optional=True):
    """A device index from an int, 'cuda:N', an ember.device or None (the current device)."""
    from .._device import device as _devcls
    if dev is None:
        return current_device()
    if isinstance(dev, str):
        dev = _devcls(dev)
    if isinstance(dev, _devcls):
        if dev.type != 'cuda':
            raise ValueError(f'Expected a cuda device, but got: {dev}')
        return current_device() if dev.index is None else dev.index
    if isinstance(dev, int) and not isinstance(dev, bool):
        return dev
    raise ValueError(f'Expected a torch.device with a specified index or an integer, but got:{dev}')


def _allocator(dev=None):
    _lazy_init()
    i = _index(dev)
    if i not in _allocators:
        raise RuntimeError('Invalid device argument : did you call init?')
    return _allocators[i]


# ---------------------------------------------------------------- devices
def current_device():
    _lazy_init()
    return _cp().cuda.runtime.getDevice()


def set_device(device):
    i = _index(device)
    if i >= 0:
        _lazy_init()
        _cp().cuda.runtime.setDevice(i)


class device:
    """Context manager selecting a CUDA device: ``with ember.cuda.device(1): ...``."""

    def __init__(self, device):
        self.idx = -1 if device is None else _index(device) if not isinstance(device, int) else device
        self.prev_idx = -1

    def __enter__(self):
        if self.idx < 0:
            return self
        self.prev_idx = current_device()
        if self.prev_idx != self.idx:
            set_device(self.idx)
        return self

    def __exit__(self, *exc):
        if self.idx >= 0 and self.prev_idx != self.idx:
            set_device(self.prev_idx)
        return False


class device_of(device):
    """``device`` of a tensor's device (a no-op for CPU tensors)."""

    def __init__(self, obj):
        super().__init__(obj.get_device() if obj.is_cuda else -1)


class _CudaDeviceProperties:
    def __init__(self, p):
        name = p['name']
        self.name = name.decode() if isinstance(name, bytes) else str(name)
        self.major = int(p['major'])
        self.minor = int(p['minor'])
        self.total_memory = int(p['totalGlobalMem'])
        self.multi_processor_count = int(p['multiProcessorCount'])
        self.L2_cache_size = int(p.get('l2CacheSize', p.get('L2CacheSize', 0)))
        self.is_integrated = bool(p.get('integrated', 0))
        self.is_multi_gpu_board = bool(p.get('isMultiGpuBoard', 0))

    def __repr__(self):
        return (f"_CudaDeviceProperties(name='{self.name}', major={self.major}, minor={self.minor}, "
                f'total_memory={self.total_memory // 2 ** 20}MB, multi_processor_count={self.multi_processor_count}, '
                f'L2_cache_size={self.L2_cache_size // 2 ** 20}MB)')


def get_device_properties(device=None):
    _lazy_init()
    i = _index(device)
    if not 0 <= i < device_count():
        raise AssertionError('Invalid device id')
    return _CudaDeviceProperties(_cp().cuda.runtime.getDeviceProperties(i))


def get_device_name(device=None):
    return get_device_properties(device).name


def get_device_capability(device=None):
    p = get_device_properties(device)
    return (p.major, p.minor)


def synchronize(device=None):
    """Wait for all work queued on the device."""
    _lazy_init()
    cp = _cp()
    with cp.cuda.Device(_index(device)):
        cp.cuda.runtime.deviceSynchronize()


def mem_get_info(device=None):
    """(free, total) bytes of the device, as the driver sees them."""
    _lazy_init()
    cp = _cp()
    with cp.cuda.Device(_index(device)):
        return tuple(cp.cuda.runtime.memGetInfo())


# ---------------------------------------------------------------- random numbers
def manual_seed(seed):
    """Seed the current device's generator (silently nothing without CUDA, as in torch)."""
    from .. import _random
    _random.seed_cuda(int(seed), all_devices=False)


def manual_seed_all(seed):
    from .. import _random
    _random.seed_cuda(int(seed), all_devices=True)


def seed():
    import random
    manual_seed(random.getrandbits(63))


def seed_all():
    import random
    manual_seed_all(random.getrandbits(63))


def initial_seed():
    from .. import _random
    _lazy_init()
    return _random.cuda_generator(current_device()).initial_seed()


def get_rng_state(device='cuda'):
    from .. import _random
    _lazy_init()
    return _random.cuda_generator(_index(device)).get_state()


def set_rng_state(new_state, device='cuda'):
    from .. import _random
    _lazy_init()
    _random.cuda_generator(_index(device)).set_state(new_state)


def get_rng_state_all():
    """Every device's generator state, in device order (``[]`` without CUDA)."""
    return [get_rng_state(i) for i in range(device_count())]


def set_rng_state_all(new_states):
    for i, state in enumerate(new_states):
        set_rng_state(state, i)


# ---------------------------------------------------------------- streams and events
class Stream:
    """A CUDA stream (CuPy's). Ops queued inside ``with ember.cuda.stream(s):`` run on it."""

    def __init__(self, device=None, priority=0, _cupy_stream=None):
        _lazy_init()
        self.device = _device_obj(_index(device))
        cp = _cp()
        if _cupy_stream is not None:
            self._s = _cupy_stream
        else:
            with cp.cuda.Device(self.device.index):
                self._s = cp.cuda.Stream(non_blocking=True)
        self.priority = priority

    @property
    def cuda_stream(self):
        return self._s.ptr

    def synchronize(self):
        self._s.synchronize()

    def query(self):
        return bool(self._s.done) if hasattr(self._s, 'done') else bool(self._s.query())

    def record_event(self, event=None):
        event = event or Event()
        event.record(self)
        return event

    def wait_event(self, event):
        self._s.wait_event(event._e)

    def wait_stream(self, stream):
        self.wait_event(stream.record_event())

    def __eq__(self, other):
        return isinstance(other, Stream) and self.cuda_stream == other.cuda_stream

    def __hash__(self):
        return hash((self.cuda_stream, self.device))

    def __repr__(self):
        return f'<torch.cuda.Stream device={self.device} cuda_stream={self.cuda_stream:#x}>'


class Event:
    """A CUDA event: ``record()`` on a stream, ``synchronize()``, ``elapsed_time(end)`` in ms."""

    def __init__(self, enable_timing=False, blocking=False, interprocess=False):
        _lazy_init()
        self.enable_timing = enable_timing
        self._e = _cp().cuda.Event(block=blocking, disable_timing=not enable_timing, interprocess=interprocess)
        self._recorded = False

    def record(self, stream=None):
        self._e.record((stream or current_stream())._s)
        self._recorded = True

    def wait(self, stream=None):
        (stream or current_stream()).wait_event(self)

    def query(self):
        return bool(self._e.done) if hasattr(self._e, 'done') else bool(self._e.query())

    def synchronize(self):
        self._e.synchronize()

    def elapsed_time(self, end_event):
        if not (self._recorded and end_event._recorded):
            raise RuntimeError('Both events must be recorded before calculating elapsed time.')
        if not (self.enable_timing and end_event.enable_timing):
            raise RuntimeError('Both events must be created with argument \'enable_timing=True\'.')
        return float(_cp().cuda.get_elapsed_time(self._e, end_event._e))

    def __repr__(self):
        return '<torch.cuda.Event uninitialized>' if not self._recorded else '<torch.cuda.Event>'


def _device_obj(i):
    from .._device import device as _devcls
    return _devcls('cuda', i)


def current_stream(device=None):
    _lazy_init()
    cp = _cp()
    i = _index(device)
    with cp.cuda.Device(i):
        return Stream(i, _cupy_stream=cp.cuda.get_current_stream())


def default_stream(device=None):
    _lazy_init()
    return Stream(_index(device), _cupy_stream=_cp().cuda.Stream.null)


class stream:
    """``with ember.cuda.stream(s):`` queues the ops inside on stream ``s``."""

    def __init__(self, stream):
        self.stream = stream

    def __enter__(self):
        if self.stream is not None:
            self.stream._s.__enter__()
        return self.stream

    def __exit__(self, *exc):
        if self.stream is not None:
            self.stream._s.__exit__(*exc)
        return False


# ---------------------------------------------------------------- memory
def memory_allocated(device=None):
    """Bytes in blocks that live tensors hold, rounded as the allocator rounds them (512 minimum)."""
    return _allocator(device).memory_allocated() if _initialized[0] else 0


def max_memory_allocated(device=None):
    return _allocator(device).max_memory_allocated() if _initialized[0] else 0


def memory_reserved(device=None):
    """Bytes in segments the allocator holds from the driver, used or cached."""
    return _allocator(device).memory_reserved() if _initialized[0] else 0


def max_memory_reserved(device=None):
    return _allocator(device).max_memory_reserved() if _initialized[0] else 0


def reset_peak_memory_stats(device=None):
    if _initialized[0]:
        _allocator(device).reset_peak_memory_stats()


def reset_max_memory_allocated(device=None):
    reset_peak_memory_stats(device)


def reset_accumulated_memory_stats(device=None):
    if _initialized[0]:
        _allocator(device).reset_accumulated_memory_stats()


def memory_stats(device=None):
    """PyTorch's statistics dict ("allocated_bytes.all.current", ...); empty before CUDA is used."""
    if not _initialized[0]:
        return {}
    return _allocator(device).memory_stats()


def memory_summary(device=None, abbreviated=False):
    _lazy_init()
    return _allocator(device).memory_summary()


def empty_cache():
    """Return every wholly free cached segment to the driver."""
    if _initialized[0]:
        for a in _allocators.values():
            a.empty_cache()


def memory_cached(device=None):
    warnings.warn('`torch.cuda.memory_cached` has been renamed to `torch.cuda.memory_reserved`', FutureWarning,
                  stacklevel=2)
    return memory_reserved(device)


def max_memory_cached(device=None):
    warnings.warn('`torch.cuda.max_memory_cached` has been renamed to `torch.cuda.max_memory_reserved`',
                  FutureWarning, stacklevel=2)
    return max_memory_reserved(device)


def reset_max_memory_cached(device=None):
    warnings.warn('torch.cuda.reset_max_memory_cached now calls torch.cuda.reset_max_memory_allocated, which '
                  'resets /all/ peak memory stats.', FutureWarning, stacklevel=2)
    reset_peak_memory_stats(device)


def memory_stats_as_nested_dict(device=None):
    """:func:`memory_stats` as nested dicts: ``{'allocated_bytes': {'all': {'current': ...}}}``."""
    nested = {}
    for key, value in memory_stats(device).items():
        *path, last = key.split('.')
        d = nested
        for part in path:
            d = d.setdefault(part, {})
        d[last] = value
    return nested


def memory_snapshot(mempool_id=None):
    """Every segment the allocators hold, with its blocks (torch's ``memory_snapshot()``)."""
    _lazy_init()
    return [seg for i in sorted(_allocators) for seg in _allocators[i].snapshot()]


def set_per_process_memory_fraction(fraction, device=None):
    """Cap the memory this process reserves on ``device`` at ``fraction`` of its total: a request
    past it frees the allocator's cached segments, then raises OutOfMemoryError."""
    _lazy_init()
    a = _allocator(device)
    if not isinstance(fraction, float):
        raise TypeError('Invalid type for fraction argument, must be `float`')
    if fraction < 0 or fraction > 1:
        raise ValueError(f'Invalid fraction value: {fraction}. Allowed range: 0~1')
    a.set_memory_fraction(fraction)


def get_per_process_memory_fraction(device=None):
    _lazy_init()
    return _allocator(device).fraction


_raw_blocks = {}            # pointer -> (allocator, block) of caching_allocator_alloc's blocks


def caching_allocator_alloc(size, device=None, stream=None):
    """``size`` bytes from ember's caching allocator, as an int device pointer (free it with
    :func:`caching_allocator_delete`)."""
    _lazy_init()
    if not isinstance(size, int) or isinstance(size, bool):
        raise TypeError(f'Invalid type for size argument, must be `int`, got {type(size).__name__}')
    a = _allocator(device)
    block = a.malloc(size)
    _raw_blocks[block.ptr] = (a, block)
    return block.ptr


def caching_allocator_delete(mem_ptr):
    _lazy_init()
    a, block = _raw_blocks.pop(mem_ptr)
    a.free(block)


def ipc_collect():
    """Nothing to collect: ember shares no CUDA memory between processes."""
    _lazy_init()


def set_stream(stream):
    """Make ``stream`` the current stream of its device (``None``: nothing)."""
    if stream is None:
        return
    stream._s.use()


def can_device_access_peer(device, peer_device):
    _lazy_init()
    d, p = _index(device), _index(peer_device)
    n = device_count()
    if not 0 <= d < n:
        raise AssertionError('Invalid device id')
    if not 0 <= p < n:
        raise AssertionError('Invalid peer device id')
    return d != p and bool(_cp().cuda.runtime.deviceCanAccessPeer(d, p))


def is_current_stream_capturing():
    """False: ember does not capture CUDA graphs."""
    return False


def is_bf16_supported(including_emulation=True):
    """Whether a CUDA device is there: ember's bfloat16 is emulated (float32 arrays rounded to
    bfloat16 values, ember/_bf16.py) and so runs on any device."""
    return is_available()


def is_tf32_supported():
    """False: ember's float32 matrix products stay float32 (no TF32)."""
    return False


def get_arch_list():
    """The architectures of the visible GPUs, as ``['sm_90']`` (CuPy compiles its kernels for the
    device it runs on); ``[]`` without CUDA."""
    if not is_available():
        return []
    return sorted({'sm_%d%d' % get_device_capability(i) for i in range(device_count())})


def get_gencode_flags():
    return ' '.join(f'-gencode compute=compute_{a[3:]},code={a}' for a in get_arch_list())


has_half = True
has_magma = False


# ---------------------------------------------------------------- legacy tensor types
_LEGACY_NAMES = ('FloatTensor', 'DoubleTensor', 'HalfTensor', 'LongTensor', 'IntTensor', 'ShortTensor',
                 'CharTensor', 'ByteTensor', 'BoolTensor')


def _legacy_type(name):
    """``torch.cuda.FloatTensor`` and the others: CUDA twins of ember's legacy CPU types (a call makes
    a CUDA tensor; isinstance checks dtype and device type)."""
    from .._ops import creation
    global _CudaLegacyMeta
    if _CudaLegacyMeta is None:
        class _CudaLegacyMeta(creation._LegacyMeta):
            def __call__(cls, *args, device=None):
                if not is_available():
                    raise TypeError(f'type torch.cuda.{cls.__name__} not available. Torch not compiled with CUDA '
                                    'enabled.')
                return super().__call__(*args, device=device)
    return creation._legacy(name, getattr(creation, name)._dtype, 'cuda', meta=_CudaLegacyMeta)


_CudaLegacyMeta = None


def _to_device(arr, dev):
    """A host (or other-device) array copied onto CUDA device ``dev``."""
    _lazy_init()
    return _backend.to_device(arr, dev)


def __getattr__(name):
    if name in ('amp', 'nvtx'):     # ember.cuda.amp (torch.cuda.amp), ember.cuda.nvtx: imported on first use
        import importlib
        return importlib.import_module('.' + name, __name__)
    if name in _LEGACY_NAMES:
        t = globals()[name] = _legacy_type(name)
        return t
    if name == 'default_generators':
        from .. import _random
        return tuple(_random.cuda_generator(i) for i in range(device_count()))
    raise AttributeError(f"module 'ember.cuda' has no attribute '{name}'")
