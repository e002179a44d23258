"""Loss functions: nll_loss, cross_entropy (class indices or probabilities, weights, ignore_index,
label smoothing, extra dims), mse/l1/smooth_l1/huber, binary_cross_entropy(_with_logits), kl_div;
the margin losses hinge_embedding, soft_margin, multilabel_soft_margin, multi_margin,
multilabel_margin and triplet_margin_with_distance (compositions of ember ops).

``nll_loss`` is one NumPy pass with its own node (NllLossBackward0 / NllLoss2DBackward0);
its backward is another op whose backward is nll_loss again (the two are adjoint linear maps),
so double backward works. ``cross_entropy`` with class indices is ``nll_loss(log_softmax(x))``,
two nodes as in torch. The elementwise BCE losses have their own nodes (torch's gradient
formulas, finite where the naive composition is not); the rest are compositions of ember ops.

Example:
    >>> F.cross_entropy(ember.tensor([[2., 0.5, -1.]]), ember.tensor([0]))   # tensor(0.2413)
"""
import functools
import warnings
import numpy as np
from ... import _dtype as D
from ..._tensor import _wrap, _gm
from ..._ops._core import record, backward_op, as_array, sum_to, broadcast_shapes_or_raise
from ..._ops._core import type_name as cap
from ..._ops import pointwise as P, softmax as SM, creation as C
from ._util import need_tensor, not_implemented, reduction_string, check_reduction, apply_reduction, opmath, NP, EM, \
    xp_of, arr, fused_name, autocast_fp32

__all__ = ['nll_loss', 'cross_entropy', 'mse_loss', 'l1_loss', 'smooth_l1_loss', 'huber_loss',
           'binary_cross_entropy', 'binary_cross_entropy_with_logits', 'kl_div', 'hinge_embedding_loss',
           'soft_margin_loss', 'multilabel_soft_margin_loss', 'multi_margin_loss', 'multilabel_margin_loss',
           'triplet_margin_with_distance_loss']


def _not_differentiable(fname, arg, t):
    if t is not None and _gm.enabled and t._rg:
        raise RuntimeError(f"The function '{fname}' is not differentiable with respect to argument '{arg}'. This "
                           'input cannot have requires_grad True.')


# ---------------------------------------------------------------- nll_loss
class _NllCtx:
    """What the forward and backward of one nll_loss share: where the picked entries are (in the
    input seen as (N, C, S)), their weights, the total weight, the reduction and the shapes."""
    __slots__ = ('idx', 'rows', 'wt', 'total', 'reduction', 'xshape', 'tshape', 'm', 'view3', 'cls_fwd', 'cls_bw')


def _nll_apply(x, ctx):
    """The loss of ``x`` (input-shaped tensor) under ctx, recorded as ctx.cls_fwd."""
    xa = x._data
    if ctx.idx is not None:
        picked = opmath(xa.reshape(ctx.view3)[ctx.idx])
        loss = -picked if ctx.wt is None else -(picked * ctx.wt)
    else:
        loss = opmath(xa[:0].reshape(-1))
    red = ctx.reduction
    if red == 'none':
        if loss.shape[0] == ctx.m:
            full = loss
        else:
            full = xp_of(loss).zeros(ctx.m, dtype=loss.dtype)
            if ctx.idx is not None:
                full[ctx.rows] = loss
        r = full.reshape(ctx.tshape)
    elif red == 'sum':
        r = loss.sum()
    else:
        r = loss.sum() / ctx.total
    t = _wrap(arr(r, dtype=xa.dtype), x.dtype, x._device)
    if _gm.enabled and x._rg:
        record(ctx.cls_fwd, t, (x,), (), ctx)
    return t


def _nll_grad(g, ctx, dtype):
    """The gradient of the loss for the input, from the loss's gradient ``g``."""
    out = xp_of(g._data).zeros(ctx.view3, dtype=dtype.np)
    if ctx.idx is not None:
        ga = g._data
        red = ctx.reduction
        if red == 'none':
            gv = ga.reshape(-1)[ctx.rows]
        elif red == 'sum':
            gv = ga
        else:
            gv = ga / ctx.total
        out[ctx.idx] = -gv if ctx.wt is None else -(ctx.wt * gv)
    t = _wrap(out.reshape(ctx.xshape), dtype, g._device)
    if _gm.enabled and g._rg:
        record(ctx.cls_bw, t, (g,), (), ctx)
    return t


@backward_op('NllLossBackward0')
def _nll_bw(node, g):
    ctx = node._args
    return (_nll_grad(g, ctx, g.dtype),)


_nll2d_bw = backward_op('NllLoss2DBackward0')(_nll_bw._backward)


@backward_op('NllLossBackwardBackward0')
def _nll_bw_bw(node, gg):
    return (_nll_apply(gg, node._args),)


_nll2d_bw_bw = backward_op('NllLoss2DBackwardBackward0')(_nll_bw_bw._backward)

_TARGET_OK = (D.int64, D.uint8)


@autocast_fp32
def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction='mean'):
    """The negative log likelihood loss: ``-input[n, target[n]] * weight[target[n]]``, reduced.

    input: (C,), (N, C) or (N, C, d1, ...) log-probabilities; target: (), (N,) or (N, d1, ...)
    class indices; ``ignore_index`` targets contribute nothing (and are not counted by 'mean')."""
    need_tensor('nll_loss', input)
    need_tensor('nll_loss', target, 'target', 2)
    reduction = reduction_string(size_average, reduce, reduction)
    return _nll(input, target, weight, ignore_index, reduction, 'nll_loss_forward')


def _nll(input, target, weight, ignore_index, reduction, fname):
    nd = input.dim()
    if nd < 1:
        raise ValueError(f'Expected 1 or more dimensions (got {nd})')
    xs, ts = input._data.shape, target._data.shape
    if nd != 1 and (len(ts) == 0 or xs[0] != ts[0]):
        raise ValueError(f'Expected input batch_size ({xs[0]}) to match target batch_size '
                         f'({ts[0] if ts else 0}).')
    if target.dtype not in _TARGET_OK:
        raise RuntimeError(f'expected target dtype to be Long or Byte, but got {cap(target.dtype)}')
    if nd <= 2:
        if len(ts) > 1:
            raise RuntimeError('0D or 1D target tensor expected, multi-target not supported')
        if nd == 1 and len(ts) == 1 and ts[0] != 1:
            raise ValueError(f'For 1D input, 1D target must have size 1, but got target size: {ts[0]}')
        layout = nd
        cls_fwd, cls_bw = _nll_bw, _nll_bw_bw
        kernel = 'nll_loss_out_frame'
    else:
        if tuple(ts[1:]) != tuple(xs[2:]):
            if nd == 4:
                raise RuntimeError(f'size mismatch (got input: {list(xs)} , target: {list(ts)}')
            raise RuntimeError(f'Expected target size {[xs[0]] + list(xs[2:])}, got {list(ts)}')
        layout = 3
        cls_fwd, cls_bw = _nll2d_bw, _nll2d_bw_bw
        kernel = 'nll_loss2d_forward_out_frame'
    c = xs[0] if nd == 1 else xs[1]
    if weight is not None:
        if layout == 3:
            # nll_loss2d (and the N-d inputs viewed as 2d) checks only the element count, with a
            # shorter message, and reads the weight flattened
            if weight.numel() != c:
                raise RuntimeError('weight tensor should be defined either for all or no classes')
            if weight.dim() != 1:
                weight = weight.reshape(-1)
        elif weight.dim() != 1 or weight.numel() != c:
            raise RuntimeError(f'weight tensor should be defined either for all {c} classes or no classes but got '
                               f'weight tensor of shape: {list(weight.shape)}')
        if weight.dtype is not input.dtype:
            raise RuntimeError(f'expected scalar type {cap(input.dtype)} but found {cap(weight.dtype)}')
        _not_differentiable(fname, 'weight', weight)
    if input.dtype._cat < 2:
        raise not_implemented(kernel, input.dtype)
    t = target._data.reshape(-1)
    if t.dtype != np.int64:
        t = t.astype(np.int64)
    m = t.shape[0]
    if m:
        # one boolean read from the data (ember.compile guards on it: it holds batch after batch,
        # where the minimum and maximum themselves change)
        lo, hi = t.min(), t.max()
        if (lo >= 0) & (hi < c) & ((lo > ignore_index) | (hi < ignore_index)):
            rows = xp_of(t).arange(m)                 # every target counts and is in range
            tv = t
        else:
            rows = np.flatnonzero(t != ignore_index)
            tv = t[rows]
            bad = tv[(tv < 0) | (tv >= c)]
            if bad.size:
                raise IndexError(f'Target {bad[0]} is out of bounds.')
    else:
        rows = tv = t
    acc = opmath(input._data[:0]).dtype
    if weight is None:
        wt = None
        total = acc.type(rows.shape[0])
    else:
        wt = opmath(weight._data)[tv].astype(acc, copy=False)
        total = wt.sum(dtype=acc)
    ctx = _NllCtx()
    if layout == 1:
        ctx.view3 = (1, c, 1)
        idx = (0, tv, 0)
    elif layout == 2:
        ctx.view3 = (xs[0], c, 1)
        idx = (rows, tv, 0)
    else:
        sp = m // xs[0] if xs[0] else 0
        ctx.view3 = (xs[0], c, sp)
        idx = (rows // sp, tv, rows % sp) if sp else (rows, tv, rows)
    ctx.idx = idx if rows.size else None
    ctx.rows, ctx.wt, ctx.total = rows, wt, total
    ctx.reduction = reduction
    ctx.xshape, ctx.tshape, ctx.m = xs, (ts if layout != 1 else ()), m
    ctx.cls_fwd, ctx.cls_bw = cls_fwd, cls_bw
    if reduction == 'none' and layout == 3 and nd != 4:
        # torch computes these through a 4-D view and views the result back (ViewBackward0)
        ctx.tshape = (m,)
        return _nll_apply(input, ctx).view(ts)
    return _nll_apply(input, ctx)


# ---------------------------------------------------------------- cross_entropy
@autocast_fp32
def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction='mean',
                  label_smoothing=0.0):
    """``nll_loss(log_softmax(input, 1), target)`` for class indices; for class probabilities
    (target shaped like input) ``-(target * log_softmax(input, 1)).sum(1)``, reduced.
    ``label_smoothing`` mixes the target with the uniform distribution over classes."""
    need_tensor('cross_entropy', input)
    need_tensor('cross_entropy', target, 'target', 2)
    reduction = reduction_string(size_average, reduce, reduction)
    nd = input.dim()
    cdim = 0 if nd == 1 else 1
    if input._data.shape == target._data.shape:
        return _ce_probs(input, target, weight, ignore_index, reduction, label_smoothing, cdim)
    if label_smoothing > 0.0:
        if label_smoothing > 1.0:
            raise RuntimeError(f'label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}')
        return _ce_smoothed(input, target, weight, ignore_index, reduction, label_smoothing, cdim)
    if nd < 1:
        raise ValueError(f'Expected 1 or more dimensions (got {nd})')
    return _nll(SM.log_softmax(input, cdim), target, weight, ignore_index, reduction, 'nll_loss_forward')


def _class_view(weight, nd, cdim):
    shape = [1] * nd
    shape[cdim] = weight.shape[0]
    return weight.view(shape)


def _ce_smoothed(input, target, weight, ignore_index, reduction, ls, cdim):
    logp = SM.log_softmax(input, cdim)
    nll = _nll(logp, target, weight, ignore_index, reduction, 'nll_loss_forward')
    c = input.shape[cdim]
    ignore = target == ignore_index
    if weight is not None:
        smooth = -(logp * _class_view(weight, input.dim(), cdim)).sum(cdim)
    else:
        smooth = -logp.sum(cdim)
    smooth = smooth.masked_fill(ignore, 0.0)
    if reduction == 'mean':
        if weight is not None:
            ret = smooth.sum() / weight[target[~ignore].reshape(-1)].sum()
        else:
            ret = smooth.sum() / (~ignore).sum()
    elif reduction == 'sum':
        ret = smooth.sum()
    else:
        ret = smooth
    return nll * (1 - ls) + ret * (ls / c)


def _ce_probs(input, target, weight, ignore_index, reduction, ls, cdim):
    if target.dtype._cat < 2:
        raise RuntimeError(f'Expected floating point type for target with class probabilities, got '
                           f'{cap(target.dtype)}')
    if ignore_index >= 0:
        raise RuntimeError('ignore_index is not supported for floating point target')
    if ls > 1.0:
        raise RuntimeError(f'label_smoothing must be between 0.0 and 1.0. Got: {ls}')
    c = input.shape[cdim] if input.dim() else 1
    if weight is not None and (weight.dim() != 1 or weight.numel() != c):
        raise RuntimeError(f'cross_entropy: weight tensor should be defined either for all {c} classes or no classes '
                           f'but got weight tensor of shape: {list(weight.shape)}')
    logp = SM.log_softmax(input, cdim)
    if ls > 0.0:
        target = target * (1 - ls) + ls / c
    prod = logp * target
    if weight is not None:
        prod = prod * _class_view(weight, input.dim(), cdim)
    if reduction == 'none':
        return -prod.sum(cdim)
    total = -prod.sum()
    if reduction == 'sum':
        return total
    n = input.numel() // c if c else 0
    if input.numel() == 0:
        return total * float('nan')
    # (torch's C++ divides by the integer count: div.Scalar, so DivBackward1)
    return fused_name(total / n, 'DivBackward1')


# ---------------------------------------------------------------- regression losses
def _warn_size(input, target):
    if input.shape != target.shape:
        warnings.warn(f'Using a target size ({target.shape}) that is different to the input size ({input.shape}). '
                      'This will likely lead to incorrect results due to broadcasting. Please ensure they have the '
                      'same size.', stacklevel=3)


def _float_pair(input, target, kernel):
    need_tensor(kernel.split('_cpu')[0], input)
    need_tensor(kernel.split('_cpu')[0], target, 'target', 2)
    from ..._ops._core import result_dtype
    rt = result_dtype(input, target)
    if rt._cat != 2:
        raise not_implemented(kernel, rt)


def _fused_name(name):
    """Decorator: the loss's grad_fn is called ``name``, as torch's fused loss op (``_util.fused_name``)."""
    def deco(f):
        @functools.wraps(f)
        def loss_fn(*args, **kwargs):
            return fused_name(f(*args, **kwargs), name)
        return loss_fn
    return deco


def _weighted(loss, weight, input, reduction):
    if weight.shape != input.shape:
        raise ValueError('Weights and input must have the same size.')
    w = loss * weight
    if reduction == 'none':
        return w
    if reduction == 'sum':
        return w.sum()
    if reduction == 'mean':
        return w.sum() / weight.sum()
    raise ValueError(f"Invalid reduction mode: {reduction}. Expected one of 'none', 'mean', 'sum'.")


@autocast_fp32
def mse_loss(input, target, size_average=None, reduce=None, reduction='mean', weight=None):
    """Mean squared error ``(input - target) ** 2``, reduced."""
    _warn_size(input, target)
    reduction = reduction_string(size_average, reduce, reduction) if weight is None or size_average is not None \
        or reduce is not None else reduction
    _float_pair(input, target, 'mse_cpu')
    if weight is None:
        return _regression_node(_mse_bw, input, target, reduction, lambda d: d * d)
    return _weighted((input - target).pow(2), weight, input, reduction)     # (torch's composition)


def _regression_node(cls, input, target, reduction, elementwise, *args):
    """The loss ``elementwise(input - target)``, reduced, under one ``cls`` node as torch's fused
    op (its next_functions are input's and target's); node._args = (reduction, *args)."""
    if input.shape != target.shape:
        from ..._ops.manipulation import broadcast_tensors
        input, target = broadcast_tensors(input, target)
    reduction = check_reduction(reduction)
    loss = apply_reduction(elementwise(input.detach() - target.detach()), reduction)
    if _gm.enabled and (input._rg or target._rg):
        record(cls, loss, (input, target), (input, target), (reduction,) + args)
    return loss


def _regression_grads(node, g, fn):
    """(grad_input, grad_target) of a _regression_node: grad_input = fn(input - target, norm, g, *args)
    (norm: 1 / numel for 'mean'), grad_target = -grad_input (torch's formulas)."""
    x, t = node.saved()
    (wx, _), (wt, _) = node.next_functions
    reduction = node._args[0]
    gx = fn(x - t, 1. / x.numel() if reduction == 'mean' else 1., g, *node._args[1:])
    return (None if wx is None else gx.to(x.dtype)), (None if wt is None else (-gx).to(t.dtype))


@backward_op('MseLossBackward0')
def _mse_bw(node, g):
    return _regression_grads(node, g, lambda d, norm, g: d * (2. * norm) * g)     # torch: norm * (x - t) * grad


@backward_op('SmoothL1LossBackward0')
def _smooth_l1_bw(node, g):
    return _regression_grads(node, g, lambda d, norm, g, beta: P.where(
        d <= -beta, -norm * g, P.where(d >= beta, norm * g, d * norm * g / beta)))


@backward_op('HuberLossBackward0')
def _huber_bw(node, g):
    return _regression_grads(node, g, lambda d, norm, g, delta: P.where(
        d <= -delta, -norm * g * delta, P.where(d >= delta, norm * g * delta, d * norm * g)))


@autocast_fp32
def l1_loss(input, target, size_average=None, reduce=None, reduction='mean', weight=None):
    """Mean absolute error ``|input - target|``, reduced."""
    _warn_size(input, target)
    reduction = reduction_string(size_average, reduce, reduction) if weight is None or size_average is not None \
        or reduce is not None else reduction
    loss = (input - target).abs()
    if weight is not None:
        return _weighted(loss, weight, input, reduction)
    reduction = check_reduction(reduction)
    if loss.dtype._cat < 2 and reduction == 'mean':
        raise RuntimeError('mean(): could not infer output dtype. Input dtype must be either a floating point or '
                           f'complex dtype. Got: {cap(loss.dtype)}')
    return apply_reduction(loss, reduction)


@autocast_fp32
def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction='mean', beta=1.0):
    """0.5 * d**2 / beta where d = |input - target| < beta, else d - 0.5 * beta; reduced."""
    _warn_size(input, target)
    reduction = reduction_string(size_average, reduce, reduction)
    if beta == 0.0:
        return l1_loss(input, target, reduction=reduction)
    _float_pair(input, target, 'smooth_l1_cpu')
    if beta < 0:
        raise RuntimeError('smooth_l1_loss does not support negative values for beta.')
    return _regression_node(_smooth_l1_bw, input, target, reduction, lambda d: _smooth_l1(d.abs(), beta), beta)


def _smooth_l1(d, beta):
    return P.where(d < beta, d * d * (0.5 / beta), d - 0.5 * beta)


def _huber(d, delta):
    return P.where(d < delta, d * d * 0.5, (d - 0.5 * delta) * delta)


@autocast_fp32
def huber_loss(input, target, reduction='mean', delta=1.0, weight=None):
    """0.5 * d**2 where d = |input - target| < delta, else delta * (d - 0.5 * delta); reduced."""
    _warn_size(input, target)
    _float_pair(input, target, 'huber_cpu')
    if delta <= 0:
        raise RuntimeError('huber_loss does not support non-positive values for delta.')
    if weight is None:
        return _regression_node(_huber_bw, input, target, reduction, lambda d: _huber(d.abs(), delta), delta)
    # (torch: the unreduced huber_loss node, times the weight, reduced)
    loss = _regression_node(_huber_bw, input, target, 'none', lambda d: _huber(d.abs(), delta), delta)
    if weight is not None:
        if weight.shape != input.shape:
            raise ValueError('Weights and input must have the same size.')
        loss = loss * weight
        if reduction == 'none':
            return loss
        if reduction == 'sum':
            return loss.sum()
        if reduction == 'mean':
            return loss.mean()
        raise ValueError(f"Invalid reduction mode: {reduction}. Expected one of 'none', 'mean', 'sum'.")
    return apply_reduction(loss, check_reduction(reduction))


# ---------------------------------------------------------------- binary cross-entropy
def _bce_fwd(x, t):
    return -(t * np.maximum(np.log(x), -100) + (1 - t) * np.maximum(np.log1p(-x), -100))


def _bce_grads(M, g, x, t, want_x, want_t):
    gx = gt = None
    if want_x:
        d = (1 - x) * x
        gx = g * (x - t) / (M.clamp_min(d, 1e-12) if M is EM else np.maximum(d, 1e-12))
    if want_t:
        gt = g * (M.log1p(-x) - M.log(x))          # -logit(x), unclamped as in torch
    return gx, gt


def _fold(node, g, grads):
    """A loss node that holds its weight and reduction, as torch's (next_functions: input, target):
    the elementwise ``grads(g)`` of the broadcast incoming gradient, times the weight, / numel for 'mean'."""
    reduction, w, shape = node._args
    out = grads(g if reduction == 'none' else g.expand(shape))
    n = 1
    for s in shape:
        n *= s
    return tuple(None if r is None else (r if w is None else r * w) / (n if reduction == 'mean' else 1)
                 for r in out)


@backward_op('BinaryCrossEntropyBackward0')
def _bce_bw(node, g):
    return _fold(node, g, lambda g: _bce_bw_elem(node, g))


def _bce_bw_elem(node, g):
    x, t = node.saved()
    (wx, _), (wt, _) = node.next_functions
    dx = x.dtype
    if _gm.enabled:
        gx, gt = _bce_grads(EM, g, x, t, wx is not None, wt is not None)
        return gx, gt
    gx, gt = _bce_grads(NP, opmath(g._data), opmath(x._data), opmath(t._data), wx is not None, wt is not None)
    return (None if gx is None else _wrap(as_array(gx).astype(dx.np, copy=False), dx, g._device),
            None if gt is None else _wrap(as_array(gt).astype(t.dtype.np, copy=False), t.dtype, g._device))


@autocast_fp32
@_fused_name('BinaryCrossEntropyBackward0')
def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction='mean'):
    """-(target * log(input) + (1 - target) * log(1 - input)) (logs clamped at -100), weighted, reduced."""
    need_tensor('binary_cross_entropy', input)
    need_tensor('binary_cross_entropy', target, 'target', 2)
    reduction = reduction_string(size_average, reduce, reduction)
    if target.shape != input.shape:
        raise ValueError(f'Using a target size ({target.shape}) that is different to the input size '
                         f'({input.shape}) is deprecated. Please ensure they have the same size.')
    if weight is not None:
        weight = weight.expand(broadcast_shapes_or_raise(tuple(target.shape), tuple(weight.shape)))
        _not_differentiable('binary_cross_entropy', 'weight', weight)
    if input.dtype._cat < 2:
        raise not_implemented('binary_cross_entropy', input.dtype)
    if target.dtype is not input.dtype:
        raise RuntimeError(f'Found dtype {cap(target.dtype)} but expected {cap(input.dtype)}')
    x = opmath(input._data)
    if x.size and not ((x >= 0) & (x <= 1)).all():
        raise RuntimeError('all elements of input should be between 0 and 1')
    r = as_array(_bce_fwd(x, opmath(target._data))).astype(input.dtype.np, copy=False)
    loss = _wrap(r, input.dtype, input._device)
    if weight is not None:
        loss = loss * weight
    loss = apply_reduction(loss, reduction)
    if _gm.enabled and (input._rg or target._rg):
        record(_bce_bw, loss, (input, target), (input, target), (reduction, weight, tuple(input.shape)))
    return loss


def _bcel_fwd(x, t, pw, rnd=None):
    if rnd is not None:
        # float16/bfloat16 (``rnd`` rounds a float32 array to it): torch's composite
        # (1 - t).mul_(x).sub_(log_sigmoid(x)), each step rounded (a Bernoulli's log_prob/entropy
        # in half precision)
        ls = rnd(np.minimum(x, np.float32(0)) - np.log1p(np.exp(-np.abs(x))))
        a = rnd(rnd(1 - t) * x)
        if pw is None:
            return a - ls
        return a - rnd(rnd(rnd(rnd(pw - 1) * t) + 1) * ls)
    sp = np.logaddexp(0, -x)                      # log(1 + exp(-x)), = log1p(exp(-|x|)) + max(-x, 0)
    if pw is None:
        return (1 - t) * x + sp
    return (1 - t) * x + ((pw - 1) * t + 1) * sp


def _round_f16(a):
    return a.astype(np.float16).astype(np.float32)


@backward_op('BinaryCrossEntropyWithLogitsBackward0')
def _bcel_bw(node, g):
    return _fold(node, g, lambda g: _bcel_bw_elem(node, g))


def _bcel_bw_elem(node, g):
    x, t, pw = node.saved()
    (wx, _), (wt, _) = node.next_functions
    M = EM if _gm.enabled else NP
    if M is NP:
        ga, xa, ta = opmath(g._data), opmath(x._data), opmath(t._data)
        pa = None if pw is None else opmath(pw._data)
    else:
        ga, xa, ta, pa = g, x, t, pw
    gx = gt = None
    if wx is not None:
        s = M.sigmoid(xa)
        gx = ga * (s - ta) if pa is None else ga * (((pa - 1) * ta + 1) * s - pa * ta)
    if wt is not None:
        gt = ga * -xa if pa is None else ga * ((pa - 1) * M.softplus(-xa) - xa)
    if M is EM:
        return (None if gx is None else sum_to(gx, x.shape), None if gt is None else sum_to(gt, t.shape))
    return (None if gx is None else _wrap(_sum_to_arr(gx, x.shape).astype(x.dtype.np, copy=False), x.dtype, g._device),
            None if gt is None else _wrap(_sum_to_arr(gt, t.shape).astype(t.dtype.np, copy=False), t.dtype, g._device))


def _sum_to_arr(a, shape):
    a = as_array(a)
    if a.shape == tuple(shape):
        return a
    lead = a.ndim - len(shape)
    dims = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(shape) if s == 1 and a.shape[lead + i] != 1)
    return a.sum(axis=dims, keepdims=True).reshape(shape)


@autocast_fp32
@_fused_name('BinaryCrossEntropyWithLogitsBackward0')
def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None, reduction='mean',
                                     pos_weight=None):
    """BCE of sigmoid(input) computed from the logits without overflow; ``pos_weight`` weighs the
    positive term (broadcast along the last dim), ``weight`` each element."""
    need_tensor('binary_cross_entropy_with_logits', input)
    need_tensor('binary_cross_entropy_with_logits', target, 'target', 2)
    reduction = reduction_string(size_average, reduce, reduction)
    if target.shape != input.shape:
        raise ValueError(f'Target size ({target.shape}) must be the same as input size ({input.shape})')
    _not_differentiable('binary_cross_entropy_with_logits', 'weight', weight)
    _not_differentiable('binary_cross_entropy_with_logits', 'pos_weight', pos_weight)
    if input.dtype._cat < 2:
        raise not_implemented('log_sigmoid_cpu', input.dtype)
    if target.dtype._cat < 2:
        raise RuntimeError(f"result type Float can't be cast to the desired output type {cap(target.dtype)}")
    rt = target.dtype             # torch accumulates in place into ``1 - target``
    pa = None
    if pos_weight is not None:
        broadcast_shapes_or_raise(tuple(pos_weight.shape), tuple(target.shape))
        pa = opmath(pos_weight._data)
    rnd = None
    if rt.itemsize == 2 and input.dtype is rt:      # (float16 / bfloat16)
        from ..._bf16 import round_bf16
        rnd = _round_f16 if rt.np == np.float16 else round_bf16
    r = as_array(_bcel_fwd(opmath(input._data), opmath(target._data), pa, rnd)).astype(rt.np, copy=False)
    loss_shape = r.shape
    loss = _wrap(r, rt, input._device)
    if weight is not None:
        loss = loss * weight
    loss = apply_reduction(loss, reduction)
    if _gm.enabled and (input._rg or target._rg):
        record(_bcel_bw, loss, (input, target), (input, target, pos_weight), (reduction, weight, tuple(loss_shape)))
    return loss


# ---------------------------------------------------------------- kl_div
@backward_op('XlogyBackward0')
def _xlogy_bw(node, g):
    a, b = node.saved()
    (na, _), (nb, _) = node.next_functions
    ga = g * _xlogy((a != 0).to(b.dtype), b) if na is not None else None
    gb = g * a / b if nb is not None else None
    return ga, gb


def _xlogy(a, b):
    """a * log(b), 0 where a == 0 (torch.xlogy for two tensors of one shape)."""
    xa, xb = a._data, b._data
    r = np.where(xa == 0, 0, xa * np.log(np.where(xa == 0, 1, xb)))
    r = np.where(np.isnan(xb), np.nan, r)
    t = _wrap(as_array(r).astype(xa.dtype, copy=False), a.dtype, a._device)
    if _gm.enabled and (a._rg or b._rg):
        record(_xlogy_bw, t, (a, b), (a, b))
    return t


@autocast_fp32
def kl_div(input, target, size_average=None, reduce=None, reduction='mean', log_target=False):
    """Pointwise KL divergence ``target * (log(target) - input)`` (``input`` holds log-probabilities;
    ``log_target``: so does ``target``). 'batchmean' divides the sum by the batch size."""
    need_tensor('kl_div', input)
    need_tensor('kl_div', target, 'target', 2)
    if size_average is not None or reduce is not None:
        red = reduction_string(size_average, reduce, reduction)
    else:
        if reduction == 'mean':
            warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support size."
                          "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
                          "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
                          stacklevel=2)
        red = 'sum' if reduction == 'batchmean' else check_reduction(reduction)
    if input.dtype._cat < 2 or target.dtype._cat < 2:
        raise RuntimeError('kl_div: Integral inputs not supported.')
    if log_target:
        loss = target.exp() * (target - input)
    else:
        if target.shape != input.shape or target.dtype is not input.dtype:
            shape = broadcast_shapes_or_raise(tuple(input.shape), tuple(target.shape))
            from ..._ops._core import result_dtype
            target = target.to(result_dtype(input, target)).expand(shape)
        loss = _xlogy(target, target) - target * input
    out = apply_reduction(loss, red)
    if reduction == 'batchmean' and input.dim() != 0:
        out = out / input.shape[0]
    return out


# ---------------------------------------------------------------- margin losses
@autocast_fp32
def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None, reduction='mean'):
    """``input`` where target is 1, ``max(0, margin - input)`` where it is -1 (both terms where
    the target is neither), reduced."""
    need_tensor('hinge_embedding_loss', input)
    need_tensor('hinge_embedding_loss', target, 'target', 2)
    reduction = reduction_string(size_average, reduce, reduction)
    zeros = input * 0
    margin_clamp = (margin - input).clamp_min(0)
    output_margin = P.where(target != 1, margin_clamp, zeros)
    output_self = P.where(target != -1, input, zeros)
    return apply_reduction(output_margin + output_self, reduction)


@autocast_fp32
@_fused_name('SoftMarginLossBackward0')
def soft_margin_loss(input, target, size_average=None, reduce=None, reduction='mean'):
    """The two-class logistic loss ``log(1 + exp(-target * input))``, reduced."""
    need_tensor('soft_margin_loss', input)
    need_tensor('soft_margin_loss', target, 'target', 2)
    reduction = reduction_string(size_average, reduce, reduction)
    _not_differentiable('soft_margin_loss', 'target', target)
    return apply_reduction((-input * target).exp().log1p(), reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None, reduction='mean'):
    """The multi-label one-versus-all loss ``-(y log sigmoid(x) + (1 - y) log sigmoid(-x))``
    (times ``weight``), averaged over the classes (the last dim), then reduced over samples."""
    from .activation import logsigmoid
    if size_average is not None or reduce is not None:
        reduction = reduction_string(size_average, reduce, reduction)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.dim() - 1
    c = input.size(class_dim)
    loss = loss.sum(dim=class_dim) / c
    if reduction == 'none':
        return loss
    if reduction == 'mean':
        return loss.mean()
    if reduction == 'sum':
        return loss.sum()
    raise ValueError(reduction + ' is not valid')


def _margin_frames(input, fname):
    """(nframe, dim) of a multi-class margin loss's input: () / (C,) are one frame."""
    nd = input.dim()
    xs = tuple(input.shape)
    if not ((nd == 2 and xs[1] != 0) or (nd == 1 and xs[0] != 0) or nd == 0):
        raise RuntimeError(f'Expected non-empty vector or matrix with optional 0-dim batch size, but got: {list(xs)}')
    if nd <= 1:
        return 1, (1 if nd == 0 else xs[0])
    return xs[0], xs[1]


def _need_long(target):
    if target.dtype is not D.int64:
        raise RuntimeError(f'expected scalar type Long but found {cap(target.dtype)}')


@autocast_fp32
def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None, reduce=None,
                      reduction='mean'):
    """The multi-class hinge loss: for each sample, ``sum_{i != y} max(0, margin - x[y] + x[i])^p``
    (times ``weight[y]``) over the number of classes; ``p`` is 1 or 2."""
    need_tensor('multi_margin_loss', input)
    need_tensor('multi_margin_loss', target, 'target', 2)
    reduction = reduction_string(size_average, reduce, reduction)
    if p != 1 and p != 2:
        raise ValueError('only p == 1 and p == 2 supported')
    if weight is not None and weight.dim() != 1:
        raise ValueError('weight must be one-dimensional')
    nframe, dim = _margin_frames(input, 'multi_margin_loss')
    if target.dim() > 1 or target.numel() != nframe:
        raise RuntimeError(f'multi_margin_loss: target tensor should be 1-D with size equal to the number of input '
                           f'samples (batch size). Expected target size [{nframe}], but got {list(target.shape)}. '
                           f'Input has shape {list(input.shape)}.')
    if weight is not None:
        if weight.dim() > 1 or weight.numel() != dim:
            raise RuntimeError(f'inconsistent weight size, expected {dim} but got {list(weight.shape)}')
        _not_differentiable('multi_margin_loss', 'weight', weight)
    if input.dtype._cat < 2:
        raise not_implemented('multi_margin_loss_cpu_kernel', input.dtype)
    _need_long(target)
    if weight is not None and weight.dtype is not input.dtype:
        raise RuntimeError(f'expected scalar type {cap(input.dtype)} but found {cap(weight.dtype)}')
    t = target.reshape(nframe, 1)
    if nframe and (int(t.min().item()) < 0 or int(t.max().item()) >= dim):
        raise RuntimeError('target out of range')
    x = input.reshape(nframe, dim)
    z = margin - x.gather(1, t) + x
    keep = (z > 0) & (C.arange(dim, device=input.device) != t)
    h = P.where(keep, z if p == 1 else z * z, z * 0)
    if weight is not None:
        h = h * weight[t]
    loss = h.sum(1) / dim
    if reduction == 'none':
        return loss if target.dim() > 0 else loss.reshape(())
    return apply_reduction(loss, reduction)


@autocast_fp32
def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction='mean'):
    """The multi-label hinge loss: ``target`` holds each sample's class indices, ended by the
    first -1; ``sum_{j target} sum_{i not target} max(0, 1 - (x[j] - x[i]))`` over the number of classes."""
    need_tensor('multilabel_margin_loss', input)
    need_tensor('multilabel_margin_loss', target, 'target', 2)
    reduction = reduction_string(size_average, reduce, reduction)
    nframe, dim = _margin_frames(input, 'multilabel_margin_loss')
    nd = input.dim()
    ok = (target.dim() <= 1 and target.numel() == dim) if nd <= 1 else \
        (target.dim() == 2 and tuple(target.shape) == (nframe, dim))
    if not ok:
        raise RuntimeError(f'inconsistent target size: {list(target.shape)} for input of size: {list(input.shape)}')
    if input.dtype._cat < 2:
        raise not_implemented('multilabel_margin_loss_forward_out_frame', input.dtype)
    _need_long(target)
    t = target.reshape(nframe, dim)
    if t.numel() and (int(t.min().item()) < -1 or int(t.max().item()) >= dim):
        raise RuntimeError("argument #2 'target' is out of range")
    x = input.reshape(nframe, dim)
    valid = (t < 0).to(D.int64).cumsum(1) == 0                        # the targets before the first -1
    tc = t.clamp_min(0)
    classes = C.arange(dim, device=input.device)
    is_target = ((tc.unsqueeze(2) == classes) & valid.unsqueeze(2)).any(1)        # (nframe, dim)
    z = 1 - x.gather(1, tc).unsqueeze(2) + x.unsqueeze(1)              # [n, j, i]: 1 - x[t_j] + x[i]
    keep = valid.unsqueeze(2) & ~is_target.unsqueeze(1) & (z > 0)
    loss = P.where(keep, z, z * 0).sum((1, 2)) / dim
    if reduction == 'none':
        return loss if nd == 2 else loss.reshape(())
    return apply_reduction(loss, reduction)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None, margin=1.0, swap=False,
                                      reduction='mean'):
    """``max(0, d(a, p) - d(a, n) + margin)`` with any ``distance_function`` (default:
    ``pairwise_distance``); ``swap``: d(a, n) -> min(d(a, n), d(p, n))."""
    if reduction not in ('mean', 'sum', 'none'):
        raise ValueError(f'{reduction} is not a valid value for reduction')
    if margin <= 0:
        raise ValueError(f'margin must be greater than 0, got {margin}')
    a_dim, p_dim, n_dim = anchor.ndim, positive.ndim, negative.ndim
    if not (a_dim == p_dim and p_dim == n_dim):
        raise RuntimeError(f'The anchor, positive, and negative tensors are expected to have the same number of '
                           f'dimensions, but got: anchor {a_dim}D, positive {p_dim}D, and negative {n_dim}D inputs')
    if distance_function is None:
        from .normalization import pairwise_distance as distance_function
    dist_pos = distance_function(anchor, positive)
    dist_neg = distance_function(anchor, negative)
    if swap:
        dist_neg = P.minimum(dist_neg, distance_function(positive, negative))
    loss = (margin + dist_pos - dist_neg).clamp_min(0)
    if reduction == 'sum':
        return loss.sum()
    if reduction == 'mean':
        return loss.mean()
    return loss
