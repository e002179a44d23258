"""``ember.cpu.amp``: torch's deprecated CPU spelling of ``ember.amp.autocast('cpu', ...)``."""
import warnings

from ..amp import autocast_mode as _am, grad_scaler as _gs

__all__ = ['autocast', 'GradScaler']


class autocast(_am.autocast):
    """``torch.cpu.amp.autocast(enabled=True, dtype=bfloat16, cache_enabled=True)``: a FutureWarning,
    then ``autocast('cpu', ...)``."""

    def __init__(self, enabled=True, dtype=_am.bfloat16, cache_enabled=True):
        warnings.warn("`torch.cpu.amp.autocast(args...)` is deprecated. Please use "
                      "`torch.amp.autocast('cpu', args...)` instead.", FutureWarning, stacklevel=2)
        super().__init__('cpu', dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)


class GradScaler(_gs.GradScaler):
    """``torch.cpu.amp.GradScaler(...)``: a FutureWarning, then ``amp.GradScaler('cpu', ...)``."""

    def __init__(self, init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5, growth_interval=2000,
                 enabled=True):
        warnings.warn("`torch.cpu.amp.GradScaler(args...)` is deprecated. Please use "
                      "`torch.amp.GradScaler('cpu', args...)` instead.", FutureWarning, stacklevel=2)
        super().__init__('cpu', init_scale=init_scale, growth_factor=growth_factor, backoff_factor=backoff_factor,
                         growth_interval=growth_interval, enabled=enabled)
