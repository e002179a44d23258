"""``ember.amp``: automatic mixed precision (``torch.amp``): ``autocast`` regions and ``GradScaler``.

Example:
    >>> with ember.amp.autocast('cpu', dtype=ember.float16): y = model(x)     # matmuls in float16
    >>> scaler = ember.amp.GradScaler('cpu'); scaler.scale(loss).backward(); scaler.step(opt)
"""
from .autocast_mode import autocast, custom_bwd, custom_fwd, is_autocast_available  # noqa: F401
from .grad_scaler import GradScaler  # noqa: F401
from . import autocast_mode, grad_scaler  # noqa: F401

__all__ = ['autocast', 'custom_bwd', 'custom_fwd', 'is_autocast_available', 'GradScaler']
