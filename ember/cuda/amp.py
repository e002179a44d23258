"""``ember.cuda.amp``: torch's deprecated CUDA spellings of ``ember.amp`` (a FutureWarning each).

Example:
    >>> scaler = ember.cuda.amp.GradScaler()      # FutureWarning: use torch.amp.GradScaler('cuda', ...)
    >>> with ember.cuda.amp.autocast(): y = model(x)
"""
import functools
import warnings

from .. import _dtype as D
from ..amp import autocast_mode as _am, grad_scaler as _gs

__all__ = ['autocast', 'custom_fwd', 'custom_bwd', 'GradScaler']


def _deprecated(what, new):
    warnings.warn(f'`torch.cuda.amp.{what}(args...)` is deprecated. Please use `{new}` instead.', FutureWarning,
                  stacklevel=3)


class autocast(_am.autocast):
    """``torch.cuda.amp.autocast(enabled=True, dtype=float16, cache_enabled=True)``: ``autocast('cuda', ...)``."""

    def __init__(self, enabled=True, dtype=D.float16, cache_enabled=True):
        _deprecated('autocast', "torch.amp.autocast('cuda', args...)")
        super().__init__('cuda', enabled=enabled, dtype=dtype, cache_enabled=cache_enabled)


class GradScaler(_gs.GradScaler):
    """``torch.cuda.amp.GradScaler(...)``: ``amp.GradScaler('cuda', ...)``."""

    def __init__(self, init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5, growth_interval=2000,
                 enabled=True):
        _deprecated('GradScaler', "torch.amp.GradScaler('cuda', args...)")
        super().__init__('cuda', init_scale=init_scale, growth_factor=growth_factor, backoff_factor=backoff_factor,
                         growth_interval=growth_interval, enabled=enabled)


def custom_fwd(fwd=None, *, cast_inputs=None):
    _deprecated('custom_fwd', "torch.amp.custom_fwd(args..., device_type='cuda')")
    return _am.custom_fwd(fwd, device_type='cuda', cast_inputs=cast_inputs)


def custom_bwd(bwd):
    _deprecated('custom_bwd', "torch.amp.custom_bwd(args..., device_type='cuda')")
    return functools.wraps(bwd)(_am.custom_bwd(bwd, device_type='cuda'))
