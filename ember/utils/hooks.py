"""``ember.utils.hooks`` (``torch.utils.hooks``): the handle that hook registrations return, the
module backward-hook machinery, and the serialization markers for tensor hooks.

``RemovableHandle`` and ``BackwardHook`` live with the module hooks (ember/nn/modules/_hooks.py)
and are the same classes here, so ``isinstance(h, torch.utils.hooks.RemovableHandle)`` holds for
the handles of modules and optimizers.

Example:
    >>> h = model.register_forward_hook(fn)
    >>> isinstance(h, ember.utils.hooks.RemovableHandle); h.remove()
"""
import warnings

from ..nn.modules._hooks import BackwardHook, RemovableHandle

__all__ = ['RemovableHandle', 'BackwardHook', 'unserializable_hook', 'warn_if_has_hooks']


def unserializable_hook(f):
    """Mark ``f`` as a hook that is not meant to be saved (silences :func:`warn_if_has_hooks`)."""
    f.__torch_unserializable__ = True
    return f


def warn_if_has_hooks(tensor):
    """Warn for each backward hook of ``tensor`` that saving the tensor will drop."""
    extra = tensor._extra
    for hook in (extra.get('hooks') or ()) if extra else ():
        if not hasattr(hook, '__torch_unserializable__'):
            warnings.warn(f'backward hook {hook!r} on tensor will not be serialized.  If this is expected, you can '
                          'decorate the function with @torch.utils.hooks.unserializable_hook to suppress this '
                          'warning', stacklevel=2)
