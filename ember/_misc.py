"""Small torch-level functions that real programs call: ``unravel_index``, ``frombuffer``,
``is_inference``, ``set_warn_always``/``is_warn_always_enabled``, ``set_flush_denormal``,
``compiled_with_cxx11_abi``, ``get_device_module`` and the ``sym_*`` helpers on plain numbers.

Example:
    >>> ember.unravel_index(ember.tensor([4, 7]), (2, 5))      # (tensor([0, 1]), tensor([4, 2]))
"""
import builtins
import math
import warnings

import numpy as np


_state = {'warn_always': False, 'flush_denormal': False, 'frombuffer_warned': False}


def unravel_index(indices, shape):
    """Flat indices into coordinate tensors for ``shape`` (``torch.unravel_index``)."""
    from ._ops.creation import tensor
    if indices.is_complex() or indices.is_floating_point() or indices.dtype.np.kind == 'b':
        raise TypeError(f"expected 'indices' to be integer dtype, but got {indices.dtype}".replace('ember.', 'torch.'))
    if not isinstance(shape, (int, list, tuple)):
        raise TypeError(f"expected 'shape' to be int or sequence of ints, but got {type(shape)}")
    if isinstance(shape, int):
        shape = (shape,)
    for d in shape:
        if not isinstance(d, int):
            raise TypeError(f"expected 'shape' sequence to only contain ints, but got {type(d)}")
    shape = tuple(shape)
    if any(d < 0 for d in shape):
        raise ValueError(f"'shape' cannot have negative values, but got {shape}")
    coefs, acc = [], 1
    for d in reversed(shape[1:] + (1,)):
        acc *= d
        coefs.append(acc)
    coefs.reverse()
    from ._dtype import int64
    res = indices.unsqueeze(-1).floor_divide(tensor(coefs, device=indices.device, dtype=int64)) % \
        tensor(shape, device=indices.device, dtype=int64)
    return res.unbind(-1)


def frombuffer(buffer, *, dtype, count=-1, offset=0, requires_grad=False):
    """A 1-D tensor sharing the memory of an object with the buffer protocol (``torch.frombuffer``)."""
    mv = memoryview(buffer)
    n = mv.nbytes
    it = dtype.itemsize
    if n <= 0 or count == 0:
        raise ValueError(f'both buffer length ({n}) and count ({count}) must not be 0')
    if offset < 0 or offset >= n:
        raise ValueError(f'offset ({offset} bytes) must be non-negative and no greater than buffer length ({n} bytes) '
                         'minus 1')
    if count < 0:
        if (n - offset) % it != 0:
            raise ValueError(f'buffer length ({n - offset} bytes) after offset ({offset} bytes) must be a multiple of '
                             f'element size ({it})')
        count = (n - offset) // it
    elif offset + count * it > n:
        raise ValueError(f'requested buffer length ({count} * {it} bytes) after offset ({offset} bytes) must not be '
                         f'greater than actual buffer length ({n} bytes)')
    if mv.readonly and (not _state['frombuffer_warned'] or _state['warn_always']):
        _state['frombuffer_warned'] = True
        warnings.warn('The given buffer is not writable, and PyTorch does not support non-writable tensors. This means '
                      'you can write to the underlying (supposedly non-writable) buffer using the tensor. You may want '
                      'to copy the buffer to protect its data or make it writable before converting it to a tensor. '
                      'This type of warning will be suppressed for the rest of this program.', UserWarning,
                      stacklevel=2)
    a = np.frombuffer(mv.cast('B'), dtype=dtype.np, count=count, offset=offset)
    if mv.readonly and a.size:      # torch writes through a read-only buffer; NumPy needs a writable view
        import ctypes
        raw = (ctypes.c_uint8 * a.nbytes).from_address(a.ctypes.data)
        raw._keep = mv                  # (the buffer lives as long as the tensor)
        a = np.frombuffer(raw, dtype=dtype.np)
    from ._tensor import _wrap
    from ._device import device
    t = _wrap(a, dtype, device('cpu'))
    if requires_grad:
        t.requires_grad_(True)
    return t


def is_inference(input):
    """``torch.is_inference(t)``: whether ``t`` was made under ``inference_mode``."""
    return input.is_inference()


def set_warn_always(b):
    """``torch.set_warn_always``: warnings torch gives once per process show every time when True."""
    from ._ops._core import _WARN_ALWAYS
    _state['warn_always'] = _WARN_ALWAYS[0] = builtins.bool(b)


def is_warn_always_enabled():
    return _state['warn_always']


def set_flush_denormal(mode):
    """``torch.set_flush_denormal``: flush denormal results and inputs to zero (the SSE control
    register's FTZ and DAZ bits, for this thread, as torch sets them) on x86-64 Linux, through the
    C library's ``fesetenv``; returns True when set, False where ember cannot (other systems).

    Example:
        >>> ember.set_flush_denormal(True); ember.tensor([1e-310], dtype=ember.float64) * 1   # tensor([0.])
    """
    libm = _x86_64_libm()
    if libm is None:
        return False
    import ctypes
    env = (ctypes.c_ubyte * 32)()           # glibc's x86-64 fenv_t: 32 bytes, MXCSR at offset 28
    if libm.fegetenv(ctypes.byref(env)) != 0:
        return False
    mxcsr = int.from_bytes(bytes(env[28:32]), 'little')
    mxcsr = mxcsr | 0x8040 if mode else mxcsr & ~0x8040      # FTZ (bit 15) and DAZ (bit 6)
    env[28:32] = list(mxcsr.to_bytes(4, 'little'))
    ok = libm.fesetenv(ctypes.byref(env)) == 0
    if ok:
        _state['flush_denormal'] = builtins.bool(mode)
    return ok


def _x86_64_libm():
    import platform
    import sys
    if not sys.platform.startswith('linux') or platform.machine().lower() not in ('x86_64', 'amd64') or \
            platform.libc_ver()[0] != 'glibc':
        return None
    import ctypes
    import ctypes.util
    try:
        return ctypes.CDLL(ctypes.util.find_library('m') or 'libm.so.6')
    except OSError:
        return None


def compiled_with_cxx11_abi():
    """torch answers True for its builds since 2.6 (ember compiles no C++: it answers as torch)."""
    return True


def get_device_module(device=None):
    """``torch.get_device_module``: the module for a device type (``ember.cuda``, ``ember.cpu``)."""
    import importlib
    from ._device import device as _device
    if isinstance(device, _device):
        name = device.type
    elif isinstance(device, str):
        name = _device(device).type
    elif device is None:
        from . import accelerator
        acc = accelerator.current_accelerator() if hasattr(accelerator, 'current_accelerator') else None
        name = acc.type if acc is not None else 'cpu'
    else:
        raise RuntimeError(f'Invalid value of device \'{device}\', expect torch.device, str, or None')
    return importlib.import_module('ember.' + name)


# torch.sym_*: on plain Python numbers (ember has no symbolic shapes), what torch answers for them
def sym_int(a):
    return int(a)


def sym_float(a):
    return float(a)


def sym_max(a, b):
    if isinstance(a, float) or isinstance(b, float):
        return float(builtins.max(a, b))
    return builtins.max(a, b)


def sym_min(a, b):
    if isinstance(a, float) or isinstance(b, float):
        return float(builtins.min(a, b))
    return builtins.min(a, b)


def sym_not(a):
    return not a


def sym_sqrt(a):
    return math.sqrt(a)


def sym_ite(b, t, f):
    return t if b else f


def sym_sum(args):
    return builtins.sum(args)
