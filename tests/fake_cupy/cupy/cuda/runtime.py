"""Fake ``cupy.cuda.runtime``: device queries and raw host-backed "device" memory."""
import ctypes as _ctypes

TOTAL = 16 * 2 ** 30
_current = 0
_used = 0
_live = {}


class CUDARuntimeError(RuntimeError):
    def __init__(self, status, msg=''):
        self.status = status
        super().__init__(msg or f'CUDA error {status}')


def getDeviceCount():
    return 1


def getDevice():
    return _current


def setDevice(i):
    global _current
    _current = i


def getDeviceProperties(i):
    return {'name': b'Fake GPU (ember tests)', 'totalGlobalMem': TOTAL, 'major': 9, 'minor': 0,
            'multiProcessorCount': 132, 'uuid': b'0' * 16, 'L2CacheSize': 50 * 2 ** 20}


def runtimeGetVersion():
    return 13000


def driverGetVersion():
    return 13000


def memGetInfo():
    return (TOTAL - _used, TOTAL)


def malloc(nbytes):
    """Address space only: the fake arrays keep their data in NumPy's memory."""
    global _used
    if _used + nbytes > TOTAL:
        raise CUDARuntimeError(2, 'cudaErrorMemoryAllocation: out of memory')
    buf = _ctypes.create_string_buffer(1) if nbytes == 0 else None
    ptr = (max(_live) + _live[max(_live)] if _live else 0x7f0000000000) + 0x1000
    _live[ptr] = max(nbytes, 1)
    _used += nbytes
    del buf
    return ptr


def free(ptr):
    global _used
    _used -= _live.pop(ptr) if ptr in _live else 0


def deviceSynchronize():
    pass


def deviceCanAccessPeer(device, peer_device):
    return 0            # one fake device: no peers
