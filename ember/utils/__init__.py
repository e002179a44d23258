"""``ember.utils``: helpers outside the tensor core (``ember.utils.data`` for data loading).

``hooks``, ``tensorboard`` and ``_pytree`` load on first use."""
import importlib as _importlib

from . import data  # noqa: F401
from . import checkpoint  # noqa: E402,F401  (ember.utils.checkpoint)

_LAZY = ('hooks', 'tensorboard', '_pytree', 'benchmark', 'dlpack')


def __getattr__(name):
    if name in _LAZY:
        return _importlib.import_module('.' + name, __name__)
    raise AttributeError(f"module 'ember.utils' has no attribute '{name}'")
