"""Gradient clipping: ``clip_grad_norm_``, ``clip_grad_value_`` (``torch.nn.utils.clip_grad``).

``clip_grad_norm_`` computes the norm of all gradients together (as if concatenated into one
vector), scales them in place by ``max_norm / (total_norm + 1e-6)`` when that is below 1, and
returns the total norm. ``foreach`` is accepted (ember has one implementation for both).

Example:
    >>> loss.backward()
    >>> nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)    # tensor(3.2104)
    >>> optimizer.step()
"""
import functools
import types
import warnings

from ..._tensor import Tensor
from ...autograd.grad_mode import no_grad
from ..._ops import reduction as _R
from ..._ops.creation import tensor as _tensor
from ..._ops.shape import stack as _stack

__all__ = ['clip_grad_norm', 'clip_grad_norm_', 'clip_grad_value_', 'get_total_norm', 'clip_grads_with_norm_']


def _no_grad(func):
    def _no_grad_wrapper(*args, **kwargs):
        with no_grad():
            return func(*args, **kwargs)
    functools.update_wrapper(_no_grad_wrapper, func)
    return _no_grad_wrapper


def _group_by_device_and_dtype(tensors):
    groups = {}
    for t in tensors:
        groups.setdefault((t.device, t.dtype), []).append(t)
    return groups


def _check_foreach(foreach, device):
    # torch has foreach kernels for the CPU and CUDA; other devices refuse foreach=True
    if foreach and device.type not in ('cpu', 'cuda'):
        raise RuntimeError(f"foreach=True was passed, but can't use the foreach API on {device.type} tensors")


def _refuse_sparse(tensors, op):
    """Sparse gradients (nn.Embedding(sparse=True)) are refused as torch's kernels refuse them:
    NotImplementedError, before any gradient changes."""
    for t in tensors:
        if t.is_sparse:
            from ..._ops.sparse_coo import _not_impl
            raise _not_impl(op, t.device.type.upper())


@_no_grad
def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    r"""The norm of the norms of ``tensors`` (the norm of them all concatenated), as a tensor."""
    if isinstance(tensors, Tensor):
        tensors = [tensors]
    else:
        tensors = list(tensors)
    norm_type = float(norm_type)
    if len(tensors) == 0:
        return _tensor(0.0)
    _refuse_sparse(tensors, 'linalg_vector_norm')
    first_device = tensors[0].device
    norms = []
    for (device, _), device_tensors in _group_by_device_and_dtype(tensors).items():
        _check_foreach(foreach, device)
        norms.extend([_R.vector_norm(g, norm_type) for g in device_tensors])
    total_norm = _R.vector_norm(_stack([norm.to(first_device) for norm in norms]), norm_type)
    if error_if_nonfinite and bool(total_norm.isnan() | total_norm.isinf()):
        raise RuntimeError(f'The total norm of order {norm_type} for gradients from `parameters` is non-finite, so it '
                           'cannot be clipped. To disable this error and scale the gradients by the non-finite norm '
                           'anyway, set `error_if_nonfinite=False`')
    return total_norm


@_no_grad
def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    r"""Scale the gradients of ``parameters`` in place by ``min(1, max_norm / (total_norm + 1e-6))``."""
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    grads = [p.grad for p in parameters if p.grad is not None]
    max_norm = float(max_norm)
    if len(grads) == 0:
        return
    clip_coef = max_norm / (total_norm + 1e-6)
    # multiplying by the clamped coefficient (rather than only when coef < 1) avoids a
    # host-device sync, as in torch
    clip_coef_clamped = _R_clamp_max(clip_coef, 1.0)
    for (device, _), device_grads in _group_by_device_and_dtype(grads).items():
        _check_foreach(foreach, device)
        c = clip_coef_clamped.to(device)
        for g in device_grads:
            g.mul_(c)


def _R_clamp_max(t, value):
    from ..._ops.pointwise import clamp
    return clamp(t, max=value)


@_no_grad
def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    r"""Clip the gradient norm of an iterable of parameters, in place.

    The norm is computed over all gradients together, as if they were concatenated into a
    single vector. Gradients are modified in-place.

    Args:
        parameters: an iterable of Tensors or a single Tensor whose gradients are clipped
        max_norm: max norm of the gradients
        norm_type: type of the used p-norm; ``inf`` for the infinity norm. Default: 2.0
        error_if_nonfinite: raise if the total norm is nan or inf. Default: False
        foreach: accepted for compatibility (one implementation serves both). Default: None

    Returns:
        Total norm of the parameter gradients (viewed as a single vector).
    """
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    else:
        is_generator = isinstance(parameters, types.GeneratorType)
        # prevent generators from being exhausted
        parameters = list(parameters)
        if is_generator and len(parameters) == 0:
            warnings.warn('`parameters` is an empty generator, no gradient clipping will occur.', stacklevel=3)
    grads = [p.grad for p in parameters if p.grad is not None]
    total_norm = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(parameters, max_norm, total_norm, foreach)
    return total_norm


def clip_grad_norm(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    r"""Deprecated alias of :func:`clip_grad_norm_`."""
    warnings.warn('`torch.nn.utils.clip_grad_norm` is now deprecated in favor of `torch.nn.utils.clip_grad_norm_`.',
                  FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


@_no_grad
def clip_grad_value_(parameters, clip_value, foreach=None):
    r"""Clamp the gradients of ``parameters`` to ``[-clip_value, clip_value]``, in place.

    Example::

        >>> nn.utils.clip_grad_value_(model.parameters(), clip_value=0.5)
    """
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    clip_value = float(clip_value)
    grads = [p.grad for p in parameters if p.grad is not None]
    _refuse_sparse(grads, 'clamp_' if foreach is False else 'clamp_min_')    # (torch's foreach kernel's name)
    for (device, _), device_grads in _group_by_device_and_dtype(grads).items():
        _check_foreach(foreach, device)
        for grad in device_grads:
            grad.clamp_(min=-clip_value, max=clip_value)
