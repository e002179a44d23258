"""``ember.nn.attention``: ``SDPBackend`` and the ``sdpa_kernel`` context manager of
``torch.nn.attention``, which choose the kernels of ``F.scaled_dot_product_attention``. ember has
one implementation for every backend: the choice is recorded (``torch.backends.cuda.*_sdp_enabled``
report it inside the region, as torch's) and the results are the same.

Example:
    >>> from ember.nn.attention import sdpa_kernel, SDPBackend
    >>> with sdpa_kernel(SDPBackend.MATH):
    ...     out = F.scaled_dot_product_attention(q, k, v, is_causal=True)
"""
import contextlib
import enum

from ...backends import cuda as _cuda

__all__ = ['SDPBackend', 'sdpa_kernel', 'WARN_FOR_UNFUSED_KERNELS']

WARN_FOR_UNFUSED_KERNELS = False


class SDPBackend(enum.IntEnum):
    """The backends of scaled dot product attention (torch's ``torch._C._SDPBackend`` values)."""
    ERROR = -1
    MATH = 0
    FLASH_ATTENTION = 1
    EFFICIENT_ATTENTION = 2
    CUDNN_ATTENTION = 3
    OVERRIDEABLE = 4

    def __str__(self):
        return f'SDPBackend.{self.name}'


_backend_names = {'cudnn': 'CUDNN_ATTENTION', 'flash': 'FLASH_ATTENTION', 'mem_efficient': 'EFFICIENT_ATTENTION',
                  'math': 'MATH', 'overrideable': 'OVERRIDEABLE'}


@contextlib.contextmanager
def sdpa_kernel(backends, set_priority=False):
    """Enable only ``backends`` (one SDPBackend or a list) inside the region; the previous flags
    come back on exit."""
    if not isinstance(backends, (list, SDPBackend)):
        raise AssertionError('Backend must be an instance of SDPBackend or a list of SDPBackend instances, got '
                             f'{type(backends).__name__}')
    if isinstance(backends, SDPBackend):
        backends = [backends]
    previous = dict(_cuda._sdp)
    try:
        for name, val in _backend_names.items():
            _cuda._sdp[name] = SDPBackend[val] in backends
        yield {}
    finally:
        _cuda._sdp.update(previous)
