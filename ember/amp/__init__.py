"""``ember.amp``: automatic mixed precision (``torch.amp``): ``autocast`` regions and ``GradScaler``.

Example:
    >>> with ember.amp.autocast('cpu', dtype=ember.float16): y = model(x)     # matmuls in float16
    >>> scaler = ember.amp.GradScaler('cpu'); scaler.scale(loss).backward(); scaler.step(opt)
"""
from .autocast_mode import autocast, custom_bwd, custom_fwd, is_autocast_available  # noqa: F401
from . import autocast_mode  # noqa: F401


def __getattr__(name):
    # GradScaler and its module on first use: the op hooks import this package with ember
    if name in ('GradScaler', 'grad_scaler'):
        import importlib
        mod = importlib.import_module('.grad_scaler', __name__)
        return mod if name == 'grad_scaler' else mod.GradScaler
    raise AttributeError(f"module 'ember.amp' has no attribute '{name}'")

__all__ = ['autocast', 'custom_bwd', 'custom_fwd', 'is_autocast_available', 'GradScaler']
