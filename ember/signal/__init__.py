"""``torch.signal``: the ``windows`` submodule (ember/signal/windows)."""
from . import windows  # noqa: F401

__all__ = ['windows']
