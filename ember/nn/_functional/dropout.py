"""Dropout: dropout, dropout1d, dropout2d, dropout3d, feature_alpha_dropout-free basics.

In training, each element (or, for the feature forms, each whole channel) is zeroed with
probability ``p`` and the survivors are scaled by ``1 / (1 - p)``; the mask is torch's
``bernoulli_(1 - p)`` on ember's default generator, so after ``ember.manual_seed(s)`` it is the
mask torch draws on the CPU after ``torch.manual_seed(s)``. The result is ``input * mask``
(MulBackward0, as in torch). Out of training, or with ``p == 0``, the input itself is returned.

Example:
    >>> F.dropout(ember.ones(4), 0.5)           # e.g. tensor([2., 0., 2., 2.])
"""
import warnings
import numpy as np
from ..._tensor import _wrap
from ..._random import _gen
from ..._ops import pointwise as P
from ._util import need_tensor

__all__ = ['dropout', 'dropout1d', 'dropout2d', 'dropout3d', 'alpha_dropout', 'feature_alpha_dropout']


def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f'dropout probability has to be between 0 and 1, but got {p}')


def _mask(input, p, shape):
    """The scaled keep-mask (0 or 1/(1-p)) of ``shape``, in the input's dtype."""
    dt = input._data.dtype
    m = _keep(input, p, shape).astype(dt)
    m /= dt.type(1.0 - p)         # (torch: noise.div_(1 - p), in the input's dtype)
    return _wrap(m, input.dtype, input._device)


def _keep(input, p, shape):
    """torch's ``bernoulli_(1 - p)`` mask of ``shape`` (True: kept). torch draws into
    ``empty_like(input)``, which keeps a permuted dense layout (the batch_first output of
    MultiheadAttention, a ``.t()``), and fills it in memory order: so does ember."""
    g = _gen(None, input._device)
    a = input._data
    if tuple(shape) == a.shape and a.ndim > 1 and not a.flags.c_contiguous:
        order = sorted(range(a.ndim), key=lambda i: -a.strides[i])
        if a.transpose(order).flags.c_contiguous:
            return _draw(g, p, tuple(shape[i] for i in order)).transpose(np.argsort(order))
    return _draw(g, p, shape)


def _draw(g, p, shape):
    if hasattr(g, 'bernoulli'):
        return g.bernoulli(1.0 - p, shape)
    return g.random(shape, dtype=np.float64) < 1.0 - p


def _apply(input, p, training, inplace, shape, fused=False):
    if not training or p == 0 or input._data.size == 0:     # (torch's _dropout_impl: the input itself)
        return input
    if p == 1:          # (torch: input * zeros in the input's dtype, an integer one too)
        m = _wrap(np.zeros_like(input._data, shape=shape), input.dtype, input._device)
    elif input.dtype._cat < 2:
        if fused and input._device.type == 'cuda':
            # torch's CUDA build runs plain dropout (0 < p < 1) as its fused kernel, which takes
            # floating dtypes only
            raise NotImplementedError(f'"fused_dropout" not implemented for \'{_cap(input.dtype)}\'')
        # torch multiplies by a float mask: an integer input cannot hold the result
        raise RuntimeError(f"result type Float can't be cast to the desired output type "
                           f"{_cap(input.dtype)}")
    else:
        m = _mask(input, p, shape)
    return input.mul_(m) if inplace else P.mul(input, m)


def _cap(dt):
    from ..._ops._core import type_name
    return type_name(dt)


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability ``p`` (in training) and scale the rest by 1/(1-p)."""
    need_tensor('dropout', input)
    _check_p(p)
    return _apply(input, p, training, inplace, input._data.shape, fused=True)


def _feature(input, p, training, inplace):
    """Channel-wise dropout: one draw per (N, C), broadcast over the remaining dims."""
    if input.dim() < 2:
        raise RuntimeError('Feature dropout requires at least 2 dimensions in the input')
    s = input._data.shape
    return _apply(input, p, training, inplace, s[:2] + (1,) * (len(s) - 2))


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, L) or (C, L) input with probability ``p``."""
    need_tensor('dropout1d', input)
    _check_p(p)
    d = input.dim()
    if d not in (2, 3):
        raise RuntimeError(f'dropout1d: Expected 2D or 3D input, but received a {d}D input. Note that dropout1d '
                           'exists to provide channel-wise dropout on inputs with 1 spatial dimension, a channel '
                           'dimension, and an optional batch dimension (i.e. 2D or 3D inputs).')
    if d == 2:
        x = input.unsqueeze_(0) if inplace else input.unsqueeze(0)
        r = _feature(x, p, training, inplace)
        return r.squeeze_(0) if inplace else r.squeeze(0)
    return _feature(input, p, training, inplace)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, H, W) input with probability ``p`` (3-D input: as dropout1d)."""
    need_tensor('dropout2d', input)
    _check_p(p)
    d = input.dim()
    if d not in (3, 4):
        warnings.warn(f'dropout2d: Received a {d}-D input to dropout2d, which is deprecated and will result in an '
                      'error in a future release. To retain the behavior and silence this warning, please use '
                      'dropout instead. Note that dropout2d exists to provide channel-wise dropout on inputs with 2 '
                      'spatial dimensions, a channel dimension, and an optional batch dimension (i.e. 3D or 4D '
                      'inputs).', stacklevel=2)
    if d == 3:
        warnings.warn('dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout behavior '
                      'is desired - input is interpreted as shape (N, C, L), where C is the channel dim. This '
                      'behavior will change in a future release to interpret the input as one without a batch '
                      'dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise dropout behavior, please '
                      'switch to using dropout1d instead.', stacklevel=2)
    return _feature(input, p, training, inplace)


def dropout3d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W) input with probability ``p``."""
    need_tensor('dropout3d', input)
    _check_p(p)
    d = input.dim()
    if d not in (4, 5):
        warnings.warn(f'dropout3d: Received a {d}-D input to dropout3d, which is deprecated and will result in an '
                      'error in a future release. To retain the behavior and silence this warning, please use '
                      'dropout instead. Note that dropout3d exists to provide channel-wise dropout on inputs with 3 '
                      'spatial dimensions, a channel dimension, and an optional batch dimension (i.e. 4D or 5D '
                      'inputs).', stacklevel=2)
    if d == 4:
        x = input.unsqueeze_(0) if inplace else input.unsqueeze(0)
        r = _feature(x, p, training, inplace)
        return r.squeeze_(0) if inplace else r.squeeze(0)
    return _feature(input, p, training, inplace)


_ALPHA = 1.7580993408473766   # -selu_alpha * selu_scale: the value SELU saturates to


def _alpha(input, p, training, inplace, shape):
    if not training or p == 0:
        return input
    if p == 1:
        return input.mul_(0) if inplace else input * 0
    keep = _wrap(_keep(input, p, shape).astype(input._data.dtype), input.dtype, input._device)
    a = 1.0 / ((_ALPHA * _ALPHA * p + 1) * (1 - p)) ** 0.5
    b = keep.add(-1).mul_(_ALPHA * a).add_(_ALPHA * a * p)     # (keep - 1) * alpha' + alpha' * p, alpha' = alpha*a
    keep = keep.mul_(a)
    return input.mul_(keep).add_(b) if inplace else input * keep + b


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Dropout that keeps SELU's self-normalising mean and variance."""
    need_tensor('alpha_dropout', input)
    _check_p(p)
    return _alpha(input, p, training, inplace, input._data.shape)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    need_tensor('feature_alpha_dropout', input)
    _check_p(p)
    if input.dim() < 2:
        raise RuntimeError('Feature dropout requires at least 2 dimensions in the input')
    s = input._data.shape
    return _alpha(input, p, training, inplace, s[:2] + (1,) * (len(s) - 2))
