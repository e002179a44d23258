"""``ember.cuda``. Without CuPy and a GPU it answers as PyTorch's CPU build does:
``is_available()`` is False, ``device_count()`` 0, and device queries raise
``AssertionError: Torch not compiled with CUDA enabled``. The CuPy backend and the caching
allocator come with the CUDA issue."""
__all__ = ['is_available', 'device_count', 'current_device', 'set_device', 'get_device_name', 'synchronize',
           'manual_seed', 'manual_seed_all', 'device']

_NOT_COMPILED = 'Torch not compiled with CUDA enabled'


def _cupy():
    try:
        import cupy
        if cupy.cuda.runtime.getDeviceCount() > 0:
            return cupy
    except Exception:
        return None
    return None


def is_available():
    return False


def device_count():
    return 0


def _check_available():
    raise AssertionError(_NOT_COMPILED)


def _to_device(arr, dev):
    raise AssertionError(_NOT_COMPILED)


def current_device():
    raise AssertionError(_NOT_COMPILED)


def set_device(device):
    raise AssertionError(_NOT_COMPILED)


def get_device_name(device=None):
    raise AssertionError(_NOT_COMPILED)


def get_device_capability(device=None):
    raise AssertionError(_NOT_COMPILED)


def get_device_properties(device=None):
    raise AssertionError(_NOT_COMPILED)


def synchronize(device=None):
    raise AssertionError(_NOT_COMPILED)


def manual_seed(seed):
    pass          # torch silently ignores CUDA seeding without CUDA


def manual_seed_all(seed):
    pass


def is_initialized():
    return False


def memory_allocated(device=None):
    return 0


def memory_reserved(device=None):
    return 0


def max_memory_allocated(device=None):
    return 0


def max_memory_reserved(device=None):
    return 0


def empty_cache():
    pass


class device:
    """Context manager selecting a CUDA device (``with ember.cuda.device(0):``)."""

    def __init__(self, device):
        self.idx = device

    def __enter__(self):
        raise AssertionError(_NOT_COMPILED)

    def __exit__(self, *a):
        return False
