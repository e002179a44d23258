"""Normalisation over channels: batch_norm, instance_norm, group_norm.

``batch_norm`` is one NumPy pass and one node (NativeBatchNormBackward0). In training it
normalises with the batch's mean and biased variance and updates ``running_mean`` and
``running_var`` in place (``running = (1 - momentum) * running + momentum * batch``, the
variance unbiased); in eval it uses the running statistics. The backward is the standard
formula, on the arrays when no graph is being built and with ember ops otherwise (double
backward). ``instance_norm`` is batch_norm of the (1, N*C, ...) view, as torch computes it;
``group_norm`` normalises groups of channels (NativeGroupNormBackward0).

Example:
    >>> F.batch_norm(ember.tensor([[1., 2.], [3., 6.]]), None, None, training=True)
    tensor([[-1., -1.], [ 1.,  1.]])
"""
import numpy as np
from ..._tensor import _wrap, _gm
from ..._ops._core import record, backward_op
from ..._ops.creation import keep_channels_last as _keep_cl
from ._util import need_tensor, not_implemented, contig, fused_name, check_mixed_dtype
from ...amp import autocast_mode as _amp  # (autocast: the float32-list ops)

__all__ = ['batch_norm', 'instance_norm', 'group_norm']


def _bn_grads_em(g, x, w, axes, eps, training, rmean, rvar, want, shape):
    if training:
        mean = x.mean(axes, keepdim=True)
        xc = x - mean
        rstd = ((xc * xc).mean(axes, keepdim=True) + eps).rsqrt()
    else:
        xc = x - rmean.reshape(shape)
        rstd = (rvar.reshape(shape) + eps).rsqrt()
    xhat = xc * rstd
    gi = gw = gb = None
    if want[0]:
        gx = g * w.reshape(shape) if w is not None else g
        if training:
            m1 = gx.mean(axes, keepdim=True)
            m2 = (gx * xhat).mean(axes, keepdim=True)
            gi = (gx - m1 - xhat * m2) * rstd
        else:
            gi = gx * rstd
    if want[1]:
        gw = (g * xhat).sum(axes)
    if want[2]:
        gb = g.sum(axes)
    return gi, gw, gb


@backward_op('NativeBatchNormBackward0')
def _bn_bw(node, g):
    x, w, rmean, rvar = node.saved()
    axes, eps, training, mean, rstd = node._args
    nf = node.next_functions
    want = (nf[0][0] is not None, nf[1][0] is not None, nf[2][0] is not None)
    shape = [1] * x.dim()
    shape[1] = x.shape[1]
    if _gm.enabled:
        return _bn_grads_em(g, x, w, axes, eps, training, rmean, rvar, want, tuple(shape))
    acc = mean.dtype
    ga = g._data.astype(acc, copy=False)
    xhat = (x._data.astype(acc, copy=False) - mean) * rstd
    gi = gw = gb = None
    if want[0]:
        gx = ga * w._data.astype(acc).reshape(shape) if w is not None else ga
        if training:
            m1 = gx.mean(axis=axes, keepdims=True)
            m2 = (gx * xhat).mean(axis=axes, keepdims=True)
            gi = (gx - m1 - xhat * m2) * rstd
        else:
            gi = gx * rstd
    if want[1]:
        gw = (ga * xhat).sum(axis=axes)
    if want[2]:
        gb = ga.sum(axis=axes)
    dt, dev = g.dtype, g._device
    return tuple(None if r is None else _wrap(contig(r, dtype=dt.np), dt, dev) for r in (gi, gw, gb))


def _update(buf, new):
    """Write ``new`` into the running-statistics tensor in place (bumping its version)."""
    buf._data[...] = new
    vc = getattr(buf, '_vc', None)
    if vc is not None:
        vc[0] += 1


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    """Normalise each channel (dim 1) of (N, C, *) input with the batch's statistics
    (``training``, updating the running ones) or the running ones (eval)."""
    need_tensor('batch_norm', input)
    xs = tuple(input._data.shape)
    if len(xs) < 2:
        raise RuntimeError(f'batch_norm: expected input with at least 2 dims, got {len(xs)}')
    C = xs[1]
    if training:
        n = 1
        for i, v in enumerate(xs):
            if i != 1:
                n *= v
        if n == 1:
            raise ValueError(f'Expected more than 1 value per channel when training, got input size '
                             f'torch.Size({list(xs)})')
    for name, t in (('running_mean', running_mean), ('running_var', running_var), ('weight', weight),
                    ('bias', bias)):
        if t is not None and t.numel() != C:
            raise RuntimeError(f'{name} should contain {C} elements not {t.numel()}')
    if not training and (running_mean is None or running_var is None):
        raise RuntimeError('running_mean and running_var must be defined in evaluation mode')
    dt = input.dtype
    if any(t is not None and t.dtype is not dt for t in (weight, bias, running_mean, running_var)):
        check_mixed_dtype(input, weight, bias, running_mean, running_var)
    if input.dtype._cat < 2:
        raise not_implemented('batch_norm', input.dtype)
    x = input._data
    acc = np.float32 if x.dtype == np.float16 else x.dtype
    xa = x.astype(acc, copy=False)
    axes = (0,) + tuple(range(2, len(xs)))
    shape = [1] * len(xs)
    shape[1] = C
    if training:
        mean = xa.mean(axis=axes, keepdims=True)
        xc = xa - mean
        var = (xc * xc).mean(axis=axes, keepdims=True)
        rstd = 1 / np.sqrt(var + eps)
        if running_mean is not None or running_var is not None:
            m = 0.0 if momentum is None else momentum
            n = xa.size // C
            if running_mean is not None:
                _update(running_mean, (1 - m) * running_mean._data + m * mean.reshape(C))
            if running_var is not None:
                _update(running_var, (1 - m) * running_var._data + m * var.reshape(C) * (n / (n - 1)))
    else:
        mean = running_mean._data.astype(acc).reshape(shape)
        rstd = 1 / np.sqrt(running_var._data.astype(acc).reshape(shape) + eps)
    # (x - mean) * (invstd * weight) + bias, in place on one new array: torch computes
    # x * alpha + (bias - mean * alpha) with a fused multiply-add, whose result this form follows
    # (without the FMA, that form loses the bias to cancellation where x is near the mean)
    y = xa - mean if not training else xc
    y *= rstd if weight is None else rstd * weight._data.astype(acc, copy=False).reshape(shape)
    if bias is not None:
        y += bias._data.astype(acc, copy=False).reshape(shape)
    t = _keep_cl(input, _wrap(contig(y, dtype=x.dtype), input.dtype, input._device))
    if _gm.enabled and (input._rg or (weight is not None and weight._rg) or (bias is not None and bias._rg)):
        saved_rm = None if training else running_mean.detach().clone()
        saved_rv = None if training else running_var.detach().clone()
        record(_bn_bw, t, (input, weight, bias), (input, weight, saved_rm, saved_rv),
               (axes, eps, bool(training), mean, rstd))
    return t


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True,
                  momentum=0.1, eps=1e-5):
    """Normalise each (sample, channel) plane of (N, C, *) input: batch_norm over the
    (1, N*C, *) view, running statistics (if given) averaged over the batch."""
    need_tensor('instance_norm', input)
    xs = tuple(input.shape)
    N, C = xs[0], xs[1]
    if use_input_stats:
        n = 1
        for v in xs[2:]:
            n *= v
        if n == 1:
            raise ValueError(f'Expected more than 1 spatial element when training, got input size '
                             f'torch.Size({list(xs)})')
    x = input.reshape((1, N * C) + xs[2:])
    for t in (weight, bias):        # (torch checks the affine parameters, not the running statistics)
        if t is not None and t.dtype is not input.dtype:
            check_mixed_dtype(input, weight, bias)
    # the running statistics' copies in the input's dtype (written back into theirs below)
    rm = None if running_mean is None else running_mean.detach().to(input.dtype).repeat(N)
    rv = None if running_var is None else running_var.detach().to(input.dtype).repeat(N)
    w = None if weight is None else weight.repeat(N)
    b = None if bias is None else bias.repeat(N)
    out = batch_norm(x, rm, rv, w, b, use_input_stats, momentum, eps)
    if use_input_stats:
        if running_mean is not None:
            _update(running_mean, rm._data.reshape(N, C).mean(0))
        if running_var is not None:
            _update(running_var, rv._data.reshape(N, C).mean(0))
    return out.reshape(xs)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Normalise groups of channels of (N, C, *) input over (C/G, *), then scale and shift per channel."""
    need_tensor('group_norm', input)
    if _amp.active:     # autocast: float16 runs in float32 on CUDA (ember/amp/autocast_mode.py)
        input, weight, bias = _amp.higher_op('group_norm', input, weight, bias)
    xs = tuple(input.shape)
    if len(xs) < 2:
        raise RuntimeError(f'Expected at least 2 dimensions for input tensor but received {len(xs)}')
    N, C = xs[0], xs[1]
    if C % num_groups:
        raise RuntimeError(f'Expected number of channels in input to be divisible by num_groups, but got input of '
                           f'shape {list(xs)} and num_groups={num_groups}')
    for name, t in (('weight', weight), ('bias', bias)):
        if t is not None and (t.dim() != 1 or t.numel() != C):
            raise RuntimeError(f'Expected {name} to be a vector of size equal to the number of channels in input, '
                               f'but got {name} of shape {list(t.shape)} and input of shape {list(xs)}')
    if (weight is not None and weight.dtype is not input.dtype) or (bias is not None and bias.dtype is not input.dtype):
        check_mixed_dtype(input, weight, bias)
        # float16/bfloat16 input with float32 parameters: the output keeps the input's dtype
        weight = None if weight is None else weight.to(input.dtype)
        bias = None if bias is None else bias.to(input.dtype)
    if input.dtype._cat < 2:
        raise not_implemented('GroupNormKernelImpl', input.dtype)
    from .normalization import layer_norm
    x = input.reshape(N, num_groups, -1)
    y = layer_norm(x, (x.shape[-1],), None, None, eps).reshape(xs)
    shape = (1, C) + (1,) * (len(xs) - 2)
    if weight is not None:
        y = y * weight.reshape(shape)
    if bias is not None:
        y = y + bias.reshape(shape)
    return _keep_cl(input, fused_name(y, 'NativeGroupNormBackward0'))
