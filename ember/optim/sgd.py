"""Stochastic gradient descent, optionally with momentum (``torch.optim.SGD``).

Example:
    >>> opt = ember.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    >>> opt.zero_grad(); loss_fn(model(x), y).backward(); opt.step()
"""
from .._tensor import _wrap, Tensor
from .._dtype import bfloat16 as _BF16
from .._bf16 import USED as _BF16_USED
from .optimizer import (Optimizer, _use_grad_for_differentiable, _to_scalar, _f, _add_alpha, _add_alpha_, _fma,
                        _momentum_step_chunked,
                        _add_alpha_foreach_,
                        _check_fused_foreach, _validate, _check_not_differentiable, _grad, _weight_decay,
                        _any_sparse)

__all__ = ['SGD', 'sgd']


class SGD(Optimizer):
    """Implements stochastic gradient descent (optionally with momentum).

    With momentum ``mu`` and dampening ``tau``: ``b_t = mu*b_{t-1} + (1-tau)*g_t`` (``b_1 = g_1``),
    then ``p -= lr * (g_t + mu*b_t if nesterov else b_t)``; ``weight_decay`` adds ``lambda*p`` to
    the gradient first; ``maximize`` negates it.

    Args:
        params (iterable): parameters or parameter groups to optimize.
        lr (float, Tensor, optional): learning rate (default: 1e-3)
        momentum (float, optional): momentum factor (default: 0)
        dampening (float, optional): dampening for momentum (default: 0)
        weight_decay (float, optional): weight decay (L2 penalty) (default: 0)
        nesterov (bool, optional): enables Nesterov momentum (default: False)
        maximize (bool, optional): maximize the objective (default: False)
    """

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *, maximize=False,
                 foreach=None, differentiable=False, fused=None):
        _validate(allow_nan=True, lr=lr, momentum=momentum, weight_decay=weight_decay)
        defaults = {'lr': lr, 'momentum': momentum, 'dampening': dampening, 'weight_decay': weight_decay,
                    'nesterov': nesterov, 'maximize': maximize, 'foreach': foreach, 'differentiable': differentiable,
                    'fused': fused}
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError('Nesterov momentum requires a momentum and zero dampening')
        _check_not_differentiable(differentiable)
        super().__init__(params, defaults)
        if fused:
            self._step_supports_amp_scaling = True
            self._need_device_dtype_check_for_fused = True
            _check_fused_foreach(fused, foreach, differentiable)

    def __setstate__(self, state):
        super().__setstate__(state)
        self._setstate_groups(False, nesterov=False, maximize=False, foreach=None, differentiable=False, fused=False)

    @_use_grad_for_differentiable
    def step(self, closure=None):
        """Perform a single optimization step; ``closure`` re-evaluates the model and returns the loss."""
        loss = self._run_closure(closure)
        for group in self.param_groups:
            params = [p for p in group['params'] if p._grad is not None]
            momentum = group['momentum']
            bufs = [self.state[p].get('momentum_buffer') for p in params] if momentum != 0 else []
            sgd(params, [p._grad for p in params], bufs, fused=group.get('fused'), weight_decay=group['weight_decay'],
                momentum=momentum,
                lr=group['lr'], dampening=group['dampening'], nesterov=group['nesterov'], maximize=group['maximize'])
            if momentum != 0:
                for p, buf in zip(params, bufs):
                    self.state[p]['momentum_buffer'] = buf
        return loss


def _arrays(params, d_p_list):
    """The parameters' and gradients' arrays, or two empty lists if any entry is not a tensor
    (the loop then meets it in its turn, as before)."""
    ps, gs = [], []
    for p, g in zip(params, d_p_list):
        if not (isinstance(p, Tensor) and isinstance(g, Tensor)):
            return [], []
        ps.append(p._data)
        gs.append(g._data)
    return ps, gs


def _sgd_tensor_ops(params, d_p_list, bufs, weight_decay, momentum, lr, dampening, nesterov, maximize):
    """torch's single-tensor SGD written with ember's tensor ops (used when a parameter is
    bfloat16: each op then rounds to bfloat16 as torch's do)."""
    for i, param in enumerate(params):
        g = d_p_list[i] if not maximize else -d_p_list[i]
        if weight_decay != 0:
            g = g.add(param, alpha=weight_decay)
        if momentum != 0:
            buf = bufs[i]
            if buf is None:
                buf = g.clone().detach()
                bufs[i] = buf
            else:
                buf.mul_(momentum).add_(g, alpha=1 - dampening)
            g = g.add(buf, alpha=momentum) if nesterov else buf
        param.add_(g, alpha=-lr)


def sgd(params, d_p_list, momentum_buffer_list, has_sparse_grad=False, foreach=None, fused=None, grad_scale=None,
        found_inf=None, *, weight_decay, momentum, lr, dampening, nesterov, maximize):
    """Functional SGD: updates ``params`` in place; fills ``momentum_buffer_list`` (None entries are
    created from the gradient)."""
    lr = _f(_to_scalar(lr))
    weight_decay = _f(_to_scalar(weight_decay))
    if has_sparse_grad or _any_sparse(d_p_list):
        if fused:
            raise RuntimeError('`_fused_sgd` does not support sparse gradients')
        return _sparse_sgd(params, d_p_list, momentum_buffer_list, weight_decay, momentum, lr, dampening, nesterov,
                           maximize)
    if _BF16_USED[0] and any(getattr(p, 'dtype', None) is _BF16 for p in params):
        return _sgd_tensor_ops(params, d_p_list, momentum_buffer_list, weight_decay, momentum, lr, dampening,
                               nesterov, maximize)
    if momentum == 0 and weight_decay == 0 and not maximize:
        # plain SGD: p.add_(g, alpha=-lr) for each parameter, as the loop below does, without its
        # per-parameter helper calls
        alpha = -lr
        if len(d_p_list) == len(params) and _add_alpha_foreach_(*_arrays(params, d_p_list), alpha):
            for param in params:
                param._bump()
            return
        for i, param in enumerate(params):
            p = param._data
            if alpha == 1:
                p += d_p_list[i]._data
            else:
                _fma(d_p_list[i]._data, alpha, p, out=p)
            param._bump()
        return
    for i, param in enumerate(params):
        p = param._data
        g = _weight_decay(p, _grad(d_p_list[i], maximize), lr, weight_decay)
        if momentum != 0:
            buf = momentum_buffer_list[i]
            if buf is None:
                if p.flags.c_contiguous:
                    b = g.copy()
                else:       # torch.clone of the grad (plus decay): the parameter's layout (channels-last)
                    from .._backend import array_module
                    b = array_module(p).empty_like(p)
                    b[...] = g
                buf = _wrap(b, param.dtype, param._device)
                momentum_buffer_list[i] = buf
            else:
                if buf._device is not param._device and buf._device != param._device:
                    raise RuntimeError(f'Expected all tensors to be on the same device, but found at least two '
                                       f'devices, {param._device} and {buf._device}!')
                b = buf._data
                if dampening == 0 and not nesterov and _momentum_step_chunked(p, g, b, momentum, -lr):
                    buf._bump()
                    param._bump()
                    continue
                b *= momentum
                _add_alpha_(b, g, 1 - dampening)
                buf._bump()
            g = _add_alpha(g, buf._data, momentum) if nesterov else buf._data
        _add_alpha_(p, g, -lr)
        param._bump()


def _sparse_sgd(params, grads, bufs, weight_decay, momentum, lr, dampening, nesterov, maximize):
    """SGD where some gradients are sparse (nn.Embedding(sparse=True)), as torch's single-tensor loop
    does it with sparse operands: ``-grad``, ``buf = grad.clone()`` then ``buf.mul_(momentum).add_(grad,
    alpha=1-dampening)`` (sparse sums: torch's merge of the two entry lists), ``param.add_(update,
    alpha=-lr)`` (each entry added into its row). weight_decay cannot add the dense parameter to a
    sparse gradient: refused, as torch does, before any parameter changes."""
    from .._ops import sparse_coo as S
    sparse = [g.is_sparse for g in grads]
    if weight_decay != 0 and any(sparse):
        raise RuntimeError('add(sparse, dense) is not supported. Use add(dense, sparse) instead.')
    for i, param in enumerate(params):
        if not sparse[i] and not (momentum != 0 and bufs[i] is not None and bufs[i].is_sparse):
            one = [bufs[i]] if momentum != 0 else []
            sgd([param], [grads[i]], one, weight_decay=weight_decay, momentum=momentum, lr=lr, dampening=dampening,
                nesterov=nesterov, maximize=maximize)
            if momentum != 0:
                bufs[i] = one[0]
            continue
        g = grads[i]
        if maximize:
            g = -g
        if momentum != 0:
            buf = bufs[i]
            if buf is None:
                buf = bufs[i] = g.detach().clone()
            elif buf.is_sparse:
                new = S.add(buf * momentum, g, alpha=1 - dampening)     # (a dense g: torch's refusal)
                buf._set_(new._idx, new._val, new._coal)
            else:
                b = buf._data
                b *= momentum
                S.dense_add_(b, g, 1 - dampening)
                buf._bump()
            if nesterov:
                g = S.add(g, buf, alpha=momentum) if buf.is_sparse else buf + g * momentum
            else:
                g = buf
        if g.is_sparse:
            S.dense_add_(param._data, g, -lr)
        else:
            _add_alpha_(param._data, g._data, -lr)
        param._bump()
