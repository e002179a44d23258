"""bfloat16, emulated: a bfloat16 tensor's array is a float32 array whose values are all bfloat16
values (the float32 values whose low 16 bits are zero).

NumPy has no bfloat16. torch's CPU bfloat16 kernels compute in float32 and round each result to
bfloat16, so ember does the same at one place: ``_wrap`` (ember/_tensor.py), the constructor every
op's result passes, rounds the array of a tensor made with ``dtype=bfloat16``; in-place writes
(ember/_ops/inplace.py ``write``) round what they store. Rounding is to nearest, ties to even, on
the float32 bit pattern (c10's ``round_to_nearest_even``): NaN becomes the quiet NaN 0x7FC0,
+-inf and finite values too large for bfloat16 become +-inf.

Example:
    >>> round_bf16(np.array([1.00390625, 3.14159], np.float32))      # array([1.0078125, 3.140625])
"""
import numpy as np

_LOW = np.uint32(0xFFFF)
_HIGH = np.uint32(0xFFFF0000)
_HALF = np.uint32(0x7FFF)
_ONE = np.uint32(1)
_SIXTEEN = np.uint32(16)
_QNAN = np.uint32(0x7FC00000).view(np.float32)
USED = [False]      # set once a bfloat16 tensor has been made (the optimizers then round their state)


def round_bf16(a):
    """``a`` (an array or scalar) as a float32 array of bfloat16 values. An array that already
    holds only bfloat16 values is returned as it is (so views stay views); else a new array. A
    Python number gives a Python float (it then fits an array of either backend)."""
    from ._backend import array_module
    USED[0] = True
    if isinstance(a, (int, float)):
        return float(round_bf16(np.float32(a)))
    xp = array_module(a)
    a = xp.asarray(a)
    if a.dtype != np.float32:
        a = a.astype(np.float32)     # (float64 -> float32 -> bfloat16: torch's double rounding)
    u = a.view(np.uint32)
    if not (u & _LOW).any():
        return a
    r = xp.asarray((u + (_HALF + ((u >> _SIXTEEN) & _ONE))) & _HIGH).view(np.float32)   # (0-d: an array too)
    nan = a != a
    if nan.any():
        r[nan] = _QNAN
    return r


def round_tensors_bf16(tensors):
    """Round the arrays of the bfloat16 tensors among ``tensors`` in place: the optimizers update
    parameters and their state on the arrays, in float32 (so within a bfloat16 ulp of torch's,
    whose bfloat16 optimizer ops round each step)."""
    from ._dtype import bfloat16
    for t in tensors:
        if getattr(t, 'dtype', None) is bfloat16:
            round_bf16_inplace(t._data)


def round_bf16_inplace(a):
    """Round the float32 array ``a`` to bfloat16 values in place (for memory a tensor owns)."""
    r = round_bf16(a)
    if r is not a:
        a[...] = r
    return a
