"""``ember.cuda.nvtx``: NVTX ranges and marks for profilers (Nsight Systems), through CuPy's NVTX.

Without CuPy (or a CuPy without NVTX) every call raises torch's CPU-build RuntimeError.

Example:
    >>> with ember.cuda.nvtx.range('forward'):
    ...     y = model(x)
"""
from contextlib import contextmanager

__all__ = ['range_push', 'range_pop', 'range_start', 'range_end', 'mark', 'range']

_NOT_INSTALLED = 'NVTX functions not installed. Are you sure you have a CUDA build?'
_depth = [0]            # ranges pushed and not popped: range_push/range_pop return it, as torch's


def _nvtx():
    from .. import _backend
    cp = _backend.cupy()
    nv = getattr(getattr(cp, 'cuda', None), 'nvtx', None) if cp is not None else None
    if nv is None or not getattr(nv, 'available', True):
        raise RuntimeError(_NOT_INSTALLED)
    return nv


def range_push(msg):
    """Open a nested range named ``msg``; returns its depth (0 for the outermost)."""
    _nvtx().RangePush(msg)
    _depth[0] += 1
    return _depth[0] - 1


def range_pop():
    """Close the innermost range; returns the depth it was at (-1 when none was open)."""
    _nvtx().RangePop()
    if _depth[0] == 0:
        return -1
    _depth[0] -= 1
    return _depth[0]


def range_start(msg):
    """Start a range; returns the id that :func:`range_end` takes. CuPy's NVTX has only nested
    ranges, so ember pushes and pops them: start/end pairs must nest (torch's need not)."""
    return range_push(msg)


def range_end(range_id):
    range_pop()


def mark(msg):
    """An instantaneous event named ``msg``."""
    _nvtx().Mark(msg)


@contextmanager
def range(msg, *args, **kwargs):
    """``with nvtx.range('step {}', i):`` a range around the block (``msg.format(*args, **kwargs)``)."""
    range_push(msg.format(*args, **kwargs))
    try:
        yield
    finally:
        range_pop()
