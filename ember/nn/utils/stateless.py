"""Call a module with other parameters and buffers than its own (``torch.nn.utils.stateless``).

The module's tensors are swapped for the given ones for one call and swapped back after (even
when the call raises). ``ember.func.functional_call`` is the public entry point; this module's
``functional_call`` is torch's deprecated alias of it.

Example:
    >>> out = ember.func.functional_call(model, {'weight': w, 'bias': b}, (x,))
"""
import contextlib
import warnings

from ..._tensor import Tensor

__all__ = ['functional_call']

_MISSING = object()


def _swap_tensor(module, name, tensor):
    """Put ``tensor`` (or _MISSING: remove) at the dotted ``name``; return what was there (or _MISSING)."""
    *path, name = name.split('.')
    for p in path:
        module = getattr(module, p)
    if tensor is not _MISSING and not isinstance(tensor, Tensor) and tensor is not None:
        raise TypeError(f'{tensor} is not an instance of torch.Tensor')
    # the dicts directly: a plain Tensor may stand in for a Parameter here, which setattr refuses
    for d in (module._parameters, module._buffers):
        if name in d:
            orig = d[name]
            if tensor is _MISSING:
                del d[name]
            else:
                d[name] = tensor
            return orig
    orig = getattr(module, name) if hasattr(module, name) else _MISSING
    if orig is not _MISSING and not isinstance(orig, Tensor) and orig is not None:
        raise TypeError(f'attribute `{name}`: {orig} is not an instance of torch.Tensor')
    if tensor is not _MISSING:
        setattr(module, name, tensor)
    elif hasattr(module, name):
        delattr(module, name)
    return orig


def _swap_all(module, named_tensors):
    orig = {}
    try:
        for name, tensor in named_tensors.items():
            orig[name] = _swap_tensor(module, name, tensor)
    except Exception:
        for name, o in orig.items():
            _swap_tensor(module, name, o)
        raise
    return orig


def _untie_named_tensors_map(module, parameters_and_buffers):
    """Extend the given names to every name of the same (tied) tensor in ``module``."""
    all_named = dict(module.named_parameters(remove_duplicate=False))
    all_named.update(module.named_buffers(remove_duplicate=False))
    names_of = {}
    for name, t in all_named.items():
        names_of.setdefault(id(t), set()).add(name)
    tied = {n: names for names in names_of.values() if len(names) > 1 for n in names}
    given = {n for n in parameters_and_buffers if n in tied}
    for n in given:
        names = tied[n]
        if len(names & given) > 1 and len({id(parameters_and_buffers[m]) for m in names & given}) != 1:
            raise ValueError(f'functional_call got multiple values for keys {sorted(names)}, which are tied. '
                             'Consider using tie_weights=False')
    untied = dict(parameters_and_buffers)
    for n in given:
        for m in tied[n]:
            untied[m] = parameters_and_buffers[n]
    return untied


@contextlib.contextmanager
def _reparametrize_module(module, parameters_and_buffers, tie_weights=False, strict=False):
    untied = _untie_named_tensors_map(module, parameters_and_buffers) if tie_weights else parameters_and_buffers
    if strict:
        valid = {n for n, _ in module.named_parameters(remove_duplicate=False)}
        valid |= {n for n, _ in module.named_buffers(remove_duplicate=False)}
        missing, unexpected = sorted(valid - set(untied)), sorted(set(untied) - valid)
        error_msgs = []
        if unexpected:
            error_msgs.append(f"Unexpected key(s): {', '.join(map(repr, unexpected))}.")
        if missing:
            error_msgs.append(f"Missing key(s): {', '.join(map(repr, missing))}.")
        if error_msgs:
            raise RuntimeError('Error(s) in reparametrizing for {}:\n\t{}'.format(module._get_name(),
                                                                                   '\n\t'.join(error_msgs)))
    orig = {}
    try:
        orig = _swap_all(module, untied)
        yield
    finally:
        new = _swap_all(module, orig)
        # in-place updates the call made to a buffer (a BatchNorm's running stats) show in the dict given
        parameters_and_buffers.update({k: new[k] for k in parameters_and_buffers if k in new})


def _functional_call(module, parameters_and_buffers, args=None, kwargs=None, *, tie_weights=True, strict=False):
    if kwargs is None:
        kwargs = {}
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    with _reparametrize_module(module, parameters_and_buffers, tie_weights=tie_weights, strict=strict):
        return module(*args, **kwargs)


def functional_call(module, parameters_and_buffers, args=None, kwargs=None, *, tie_weights=True, strict=False):
    """Deprecated alias of :func:`ember.func.functional_call` (one dict only), with torch's FutureWarning.

    Example:
        >>> out = nn.utils.stateless.functional_call(model, params, (x,))
    """
    warnings.warn('`torch.nn.utils.stateless.functional_call` is deprecated as of PyTorch 2.0 and will be removed in '
                  'a future version of PyTorch. Please use `torch.func.functional_call` instead which is a drop-in '
                  'replacement.', FutureWarning, stacklevel=2)
    return _functional_call(module, parameters_and_buffers, args, kwargs, tie_weights=tie_weights, strict=strict)
