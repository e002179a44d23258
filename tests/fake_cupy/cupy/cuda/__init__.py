"""Fake ``cupy.cuda``: one device with 16 GiB, streams and events that run at once, and the
allocator hook (``set_allocator``) that fake arrays draw from."""
import time as _time
from . import runtime, memory, nvtx  # noqa: F401
from .memory import set_allocator, get_allocator, MemoryPointer, UnownedMemory  # noqa: F401
from .runtime import CUDARuntimeError  # noqa: F401


class Device:
    def __init__(self, device=None):
        self.id = runtime._current if device is None else int(device)
        if not 0 <= self.id < runtime.getDeviceCount():
            raise CUDARuntimeError(101, 'cudaErrorInvalidDevice: invalid device ordinal')

    def use(self):
        runtime.setDevice(self.id)

    def synchronize(self):
        pass

    @property
    def compute_capability(self):
        return '90'

    @property
    def mem_info(self):
        return runtime.memGetInfo()

    def __enter__(self):
        self._prev = runtime._current
        runtime.setDevice(self.id)
        return self

    def __exit__(self, *a):
        runtime.setDevice(self._prev)


class Event:
    def __init__(self, block=False, disable_timing=False, interprocess=False):
        self._t = None

    def record(self, stream=None):
        self._t = _time.perf_counter()

    def synchronize(self):
        pass

    def query(self):
        return True

    @property
    def done(self):
        return True


def get_elapsed_time(start, end):
    return (end._t - start._t) * 1000.0


class Stream:
    null = None

    def __init__(self, null=False, non_blocking=False, ptr=0, priority=0):
        self.ptr = ptr

    def synchronize(self):
        pass

    def use(self):
        global _current
        _current = self
        return self

    def record(self, event=None):
        event = event or Event()
        event.record(self)
        return event

    def wait_event(self, event):
        pass

    def query(self):
        return True

    def __enter__(self):
        return self

    def __exit__(self, *a):
        pass


Stream.null = Stream(null=True)
_current = Stream.null


def get_current_stream(device_id=None):
    return _current
