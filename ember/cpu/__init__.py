"""``ember.cpu``: torch.cpu, the CPU's device module (``is_available``, ``device_count``,
``synchronize``, streams that do nothing as on torch's CPU, and ``amp.autocast``).

Example:
    >>> ember.cpu.is_available(), ember.cpu.device_count()     # (True, 1)
"""
from contextlib import AbstractContextManager


__all__ = ['Event', 'Stream', 'StreamContext', 'amp', 'current_device', 'current_stream', 'device_count',
           'is_available', 'is_initialized', 'set_device', 'stream', 'synchronize']


def is_available():
    return True


def is_initialized():
    return True


def device_count():
    return 1


def current_device():
    return 'cpu'


def set_device(device):
    """Does nothing, as torch.cpu.set_device."""


def synchronize(device=None):
    """Waits for all work on the CPU: ember's CPU work is synchronous, so it returns at once."""


class Stream:
    """N.B. This class only exists to facilitate device-agnostic code (as torch.cpu.Stream)."""

    def __init__(self, priority=-1):
        pass

    def wait_stream(self, stream):
        pass

    def record_event(self):
        pass

    def wait_event(self, event):
        pass


class Event:
    def query(self):
        return True

    def record(self, stream=None):
        pass

    def synchronize(self):
        pass

    def wait(self, stream=None):
        pass


_default_cpu_stream = None
_current_stream = None


def _get_default():
    global _default_cpu_stream
    if _default_cpu_stream is None:
        _default_cpu_stream = Stream()
    return _default_cpu_stream


def current_stream(device=None):
    return _current_stream if _current_stream is not None else _get_default()


class StreamContext(AbstractContextManager):
    """Selects a given stream (a no-op on the CPU, as torch.cpu.StreamContext)."""

    def __init__(self, stream):
        self.stream = stream
        self.prev_stream = _get_default()

    def __enter__(self):
        global _current_stream
        cur_stream = self.stream
        if cur_stream is None:
            return
        self.prev_stream = _current_stream
        _current_stream = cur_stream

    def __exit__(self, type, value, traceback):
        global _current_stream
        if self.stream is None:
            return
        _current_stream = self.prev_stream


def stream(stream):
    return StreamContext(stream)


from . import amp  # noqa: E402  (ember.cpu.amp.autocast)
