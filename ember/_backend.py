"""The array backends: NumPy for ``cpu`` tensors, CuPy for ``cuda`` tensors.

A tensor's ``_data`` is a ``numpy.ndarray`` on the CPU and a ``cupy.ndarray`` on a GPU. Most op
code calls NumPy's functions on it either way: CuPy arrays implement NumPy's dispatch protocols
(``__array_ufunc__``, ``__array_function__``), so ``np.exp(x)`` or ``np.sum(x)`` on a CuPy array
runs CuPy's kernel and returns a CuPy array. What does not dispatch is making a new array from
nothing (``np.zeros``, ``np.arange``, ``np.asarray(list)``): such code asks this module for the
namespace of the array at hand, ``xp = array_module(x)``, and calls ``xp.zeros``.

CuPy is imported on first use of a CUDA device, never by ``import ember``.

Example:
    >>> xp = array_module(t._data); xp.zeros(t._data.shape, t._data.dtype)
"""
import numpy as np

_ND = np.ndarray
_cupy = None          # the cupy module once imported; False when it is not installed or unusable


# glibc's malloc gives large blocks back to the system (mmap'd blocks at once, the heap's top past
# a threshold that it adjusts as it goes) and takes them again with fresh pages on the next large
# allocation. NumPy ops make a new array per result, so a step over large tensors page-faults on
# almost every temporary: a (64, 32, 256) LayerNorm forward and backward took 5.0 ms that way and
# 1.6 ms with the memory kept (the same work and values), and whether a process hits it depends on
# its allocation history. So ember keeps freed memory for reuse, as PyTorch's CUDA caching
# allocator does on the GPU: blocks up to 64 MiB come from the heap, and up to 512 MiB of free heap
# is kept. Not where the environment sets these (MALLOC_TRIM_THRESHOLD_ / MALLOC_MMAP_THRESHOLD_),
# not with EMBER_MALLOC_TUNE=0, and only with glibc.
_MMAP_THRESHOLD, _TRIM_THRESHOLD = 64 << 20, 512 << 20


def tune_malloc():
    """Set glibc's M_MMAP_THRESHOLD and M_TRIM_THRESHOLD as described above; True if done."""
    import os
    import sys
    env = os.environ
    if not sys.platform.startswith('linux') or env.get('EMBER_MALLOC_TUNE', '1') == '0' or \
            'MALLOC_TRIM_THRESHOLD_' in env or 'MALLOC_MMAP_THRESHOLD_' in env:
        return False
    try:
        import ctypes
        libc = ctypes.CDLL('libc.so.6')
        mallopt = libc.mallopt
        mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
        # (M_MMAP_THRESHOLD = -3, M_TRIM_THRESHOLD = -1 in glibc's malloc.h)
        return bool(mallopt(-3, _MMAP_THRESHOLD)) and bool(mallopt(-1, _TRIM_THRESHOLD))
    except (OSError, AttributeError):          # not glibc
        return False


def cupy():
    """The cupy module, or None when CuPy is missing or sees no GPU."""
    global _cupy
    if _cupy is None:
        try:
            import cupy as cp
            cp.cuda.runtime.getDeviceCount()
            _cupy = cp
        except Exception:       # not installed, no driver, no device: ember runs on the CPU
            _cupy = False
    return _cupy or None


def array_module(arr):
    """``numpy`` for host arrays (and scalars), ``cupy`` for device arrays."""
    if type(arr) is _ND:
        return np
    if type(arr) is _traced_value:        # ember.compile is recording: array making is recorded
        return _traced_namespace(arr)
    if _cupy is None or _cupy is False:
        return np
    return _cupy if isinstance(arr, _cupy.ndarray) else np


_traced_value = None        # ember._compile.trace.Value, once ember.compile is used
_traced_namespace = None


def module_for(device):
    """The namespace that makes arrays on ``device``."""
    if _traced_namespace is not None:       # ember.compile is recording: array making is recorded
        return _traced_namespace(None, np if device.type == 'cpu' else cupy())
    if device.type == 'cpu' or device.type == 'meta':     # (a meta tensor keeps an ordinary host array)
        return np
    cp = cupy()
    if cp is None:
        raise AssertionError('Torch not compiled with CUDA enabled')
    return cp


def is_device_array(arr):
    return type(arr) is not _ND and bool(_cupy) and isinstance(arr, _cupy.ndarray)


def is_host(x):
    """True for a NumPy array, also while ember.compile records it (as a traced value): for code
    that picks a CPU-only algorithm, so that a recorded call computes what the eager one does."""
    return type(x) is _ND or (type(x) is _traced_value and type(x.a) is _ND)


def is_array(x):
    return type(x) is _ND or is_device_array(x)


# np.where branches per element: with an unpredictable mask (a ReLU-like test on data) it costs
# ~3.4 ns an element on the benchmark machine, 7x a blend of the bits through the mask (4-5 SIMD
# passes). Below this many elements the call overheads dominate and np.where is kept.
_BLEND_MIN = 4096
_BLEND_INT = {2: np.int16, 4: np.int32, 8: np.int64}


def where(cond, a, b):
    """``np.where(cond, a, b)`` (same result dtype, shape and bits): for large host arrays with a
    boolean ``cond`` and a 2/4/8-byte result, as ``(a & m) | (b & ~m)`` on the bits, ``m`` all
    ones where ``cond`` holds; otherwise ``np.where`` itself (CuPy arrays, recorded arrays).

    Example:
        >>> where(x > 0, x, x * 0.01)           # leaky ReLU, as np.where computes it
    """
    if type(cond) is not _ND or cond.dtype != np.bool_ or cond.size < _BLEND_MIN:
        return np.where(cond, a, b)
    ta, tb = type(a), type(b)
    if not (ta is _ND or ta is float or ta is int or isinstance(a, np.generic)) or \
            not (tb is _ND or tb is float or tb is int or isinstance(b, np.generic)):
        return np.where(cond, a, b)
    dt = np.result_type(a, b)
    ity = _BLEND_INT.get(dt.itemsize)
    if ity is None or dt.kind not in 'fiu':
        return np.where(cond, a, b)
    shape = cond.shape
    sa, sb = np.shape(a), np.shape(b)
    if sa != shape or sb != shape:
        shape = np.broadcast_shapes(shape, sa, sb)
        if shape != cond.shape:
            cond = np.broadcast_to(cond, shape)
    A = np.asarray(a, dt)
    B = np.asarray(b, dt)
    m = np.negative(cond.view(np.int8)).astype(ity)          # 0 or all ones (int8 -> int: faster than a cast from bool)
    out = np.empty(shape, dt)
    ob = out.view(ity)
    np.bitwise_and(A.view(ity), m, out=ob)
    if B.ndim or B.view(ity) != 0:          # (b == +0.0 or 0: nothing to add)
        np.invert(m, out=m)
        np.bitwise_and(B.view(ity), m, out=m)
        np.bitwise_or(ob, m, out=ob)
    return out


def to_host(arr):
    """A NumPy array with ``arr``'s values (a copy from the device, or ``arr`` itself)."""
    return arr if type(arr) is _ND else arr.get()


def to_device(arr, device):
    """A CuPy array on ``device`` with the values of host (or device) array ``arr``."""
    cp = module_for(device)
    with cp.cuda.Device(device.index or 0):
        return cp.asarray(arr)


def asarray_like(values, like, dtype=None):
    """``values`` (numbers, lists, host arrays) as an array on ``like``'s backend."""
    xp = array_module(like)
    if xp is np:
        return np.asarray(values, dtype=dtype)
    if type(values) is _ND or not isinstance(values, xp.ndarray):
        return xp.asarray(values, dtype=dtype)
    return values if dtype is None else values.astype(dtype, copy=False)


# the dtypes CuPy's atomic scatter kernels take (cupy.add.at / cupyx.scatter_*)
_SCATTER_DTYPES = {'add': {'int32', 'int64', 'uint32', 'uint64', 'float16', 'float32', 'float64'},
                   'max': {'int32', 'int64', 'uint32', 'uint64', 'float32', 'float64'}}


def widened_scatter(kind, target, index, values, fn):
    """Run ``fn(target, index, values)`` (a CuPy scatter of ``kind`` 'add' or 'max'/'min') on a
    dtype CuPy's atomics take: bool/int8/uint8/int16 go through int64, float16 (for max/min)
    through float32, and the result is cast back into ``target``. Returns True when it did."""
    if target.dtype.name in _SCATTER_DTYPES['add' if kind == 'add' else 'max']:
        return False
    wide = target.astype(np.float32 if target.dtype.kind == 'f' else np.int64)
    v = values.astype(wide.dtype) if hasattr(values, 'astype') else values
    fn(wide, index, v)
    if target.dtype.kind == 'b':
        wide = wide != 0
    target[...] = wide.astype(target.dtype)
    return True


def scatter_add(target, index, values):
    """``target[index] += values`` with repeated indices accumulated (NumPy's ``add.at``)."""
    xp = array_module(target)
    if xp is np:
        np.add.at(target, index, values)
    elif widened_scatter('add', target, index, values, scatter_add):
        return
    elif hasattr(xp.add, 'at'):         # CuPy >= 13
        xp.add.at(target, index, values)
    else:
        import cupyx
        cupyx.scatter_add(target, index, values)


_ROUNDS_MAX = 32


def add_rows_in_rounds(out, flat, rows):
    """``np.add.at(out, flat, rows)`` for a 1-D index and rows (m, d), with the same sums: each
    row's repeats are added in order of occurrence, but as rounds of fancy-index adds with no index
    twice in a round (round r adds every index's r-th occurrence). ``np.add.at`` works element
    by element: Embedding(10000, 128)'s backward over 2048 indices 1.8 ms -> 0.2 ms. Returns False,
    having done nothing, when an index repeats more than _ROUNDS_MAX times (add.at is then faster)
    or for other arrays."""
    m = flat.size
    if type(out) is not np.ndarray or type(rows) is not np.ndarray or rows.ndim != 2 or m < 64:
        return False
    counts = np.bincount(flat, minlength=out.shape[0])
    top = int(counts.max())
    if top > _ROUNDS_MAX:
        return False
    if top == 1:
        out[flat] += rows
        return True
    order = np.argsort(flat, kind='stable')            # each index's occurrences, in order
    first = np.zeros(m, np.int64)
    s = flat[order]
    brk = np.flatnonzero(s[1:] != s[:-1]) + 1
    first[brk] = brk
    rank = np.arange(m) - np.maximum.accumulate(first)  # occurrence number of each sorted entry
    for r in range(top):
        sel = order[rank == r]
        out[flat[sel]] += rows[sel]
    return True


def as_strided(arr, shape, strides):
    xp = array_module(arr)
    return xp.lib.stride_tricks.as_strided(arr, shape=shape, strides=strides)


def sliding_window_view(arr, window_shape, axis=None):
    xp = array_module(arr)
    return xp.lib.stride_tricks.sliding_window_view(arr, window_shape, axis=axis)


def data_ptr(arr):
    if type(arr) is _ND:
        return arr.__array_interface__['data'][0]
    return arr.data.ptr


def accumulate(ufunc, x, axis):
    """``ufunc.accumulate(x, axis)`` for maximum/minimum. CuPy has no ufunc.accumulate, so on the
    device it is a log-step scan: ceil(log2 n) passes, each combining every element with the one
    2**k places before it (the right-hand side is computed in full before it is stored)."""
    if type(x) is np.ndarray:
        return ufunc.accumulate(x, axis=axis)
    xp = array_module(x)
    r = xp.moveaxis(x, axis, -1).copy()         # a copy: the scan writes in place
    n, k = r.shape[-1], 1
    while k < n:
        r[..., k:] = ufunc(r[..., k:], r[..., :-k])
        k *= 2
    return xp.moveaxis(r, -1, axis)
