"""Adam (``torch.optim.Adam``), with AMSGrad, L2 or decoupled weight decay, and ``maximize``.

Example:
    >>> opt = ember.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999))
"""
import numpy as np

from .. import _backend
from .._tensor import Tensor
from .._dtype import bfloat16 as _BF16
from .._bf16 import USED as _BF16_USED
from .optimizer import (Optimizer, _use_grad_for_differentiable, _to_scalar, _f, _addcdiv_, _check_fused_foreach,
                        _check_not_differentiable, _validate, _check_state_steps, _new_step, _incr, _bump, _grad,
                        _weight_decay, _adam_moments_, _adam_step_chunked)

__all__ = ['Adam', 'adam']


def _check_betas_tensors(betas, foreach, capturable):
    if not ((isinstance(betas[0], float) and isinstance(betas[1], float))
            or (isinstance(betas[0], Tensor) and isinstance(betas[1], Tensor))):
        raise ValueError('betas must be either both floats or both Tensors')
    for i in (0, 1):
        if isinstance(betas[i], Tensor):
            if not capturable and foreach:
                raise ValueError(f'betas[{i}] as a Tensor is not supported for capturable=False and foreach=True')
            if betas[i].numel() != 1:
                raise ValueError(f'Tensor betas[{i}] must be 1-element')


class Adam(Optimizer):
    """Implements Adam.

    ``m_t = lerp(m_{t-1}, g_t, 1-beta1)``, ``v_t = beta2*v_{t-1} + (1-beta2)*g_t^2``,
    ``p -= lr/(1-beta1^t) * m_t / (sqrt(v_t)/sqrt(1-beta2^t) + eps)`` (``v`` replaced by its running
    maximum with ``amsgrad``).

    Args:
        params (iterable): parameters or parameter groups to optimize.
        lr (float, Tensor, optional): learning rate (default: 1e-3)
        betas (tuple of two floats, optional): running-average coefficients (default: (0.9, 0.999))
        eps (float, optional): added to the denominator (default: 1e-8)
        weight_decay (float, optional): weight decay (default: 0)
        amsgrad (bool, optional): the AMSGrad variant (default: False)
        maximize (bool, optional): maximize the objective (default: False)
        decoupled_weight_decay (bool, optional): AdamW's weight decay (default: False)
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 foreach=None, maximize=False, capturable=False, differentiable=False, fused=None,
                 decoupled_weight_decay=False):
        if isinstance(lr, Tensor) and foreach and not capturable:
            raise ValueError('lr as a Tensor is not supported for capturable=False and foreach=True')
        _validate(lr=lr, eps=eps, betas=betas, weight_decay=weight_decay)
        _check_betas_tensors(betas, foreach, capturable)
        betas = tuple(b.squeeze() if isinstance(b, Tensor) and b.dim() != 0 else b for b in betas)
        defaults = {'lr': lr, 'betas': betas, 'eps': eps, 'weight_decay': weight_decay, 'amsgrad': amsgrad,
                    'maximize': maximize, 'foreach': foreach, 'capturable': capturable,
                    'differentiable': differentiable, 'fused': fused, 'decoupled_weight_decay': decoupled_weight_decay}
        _check_not_differentiable(differentiable)
        super().__init__(params, defaults)
        if fused:
            _check_fused_foreach(fused, foreach, differentiable)
            self._step_supports_amp_scaling = True

    def __setstate__(self, state):
        super().__setstate__(state)
        self._setstate_groups(amsgrad=False, maximize=False, foreach=None, capturable=False, differentiable=False,
                              decoupled_weight_decay=False, fused=None)

    def _new_state(self, group, p, state, names):
        super()._new_state(group, p, state, names)
        state['step'] = _new_step(group, p)     # float32 (on p's device) for capturable / fused

    @_use_grad_for_differentiable
    def step(self, closure=None):
        """Perform a single optimization step; ``closure`` re-evaluates the model and returns the loss."""
        loss = self._run_closure(closure)
        for group in self.param_groups:
            names = ('exp_avg', 'exp_avg_sq', 'max_exp_avg_sq') if group['amsgrad'] else ('exp_avg', 'exp_avg_sq')
            params, grads, exp_avgs, exp_avg_sqs, *max_exp_avg_sqs, state_steps = self._gather(group, names)
            max_exp_avg_sqs = max_exp_avg_sqs[0] if max_exp_avg_sqs else []
            beta1, beta2 = group['betas']
            adam(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, state_steps, amsgrad=group['amsgrad'],
                 beta1=beta1, beta2=beta2, lr=group['lr'], weight_decay=group['weight_decay'], eps=group['eps'],
                 maximize=group['maximize'], decoupled_weight_decay=group['decoupled_weight_decay'])
        return loss


def _incr_step(step_t):
    """``state['step'] += 1``; the new step as a Python number, or, while ember.compile records the
    step, as a float64 0-d array: the bias corrections are then recorded (computed in float64, as
    with a Python number) instead of being read once as a number that changes every step."""
    d = step_t._data
    if type(d) is not _backend._traced_value:
        return _incr(step_t)
    d += 1
    step_t._bump()
    return d.astype(np.float64)


def _weak(s, like):
    """A recorded scalar (see _incr_step) in ``like``'s dtype: what a Python number becomes when it
    meets a float32 array (NumPy's weak scalars), so that the recorded step rounds as the eager one."""
    return s.astype(like.dtype) if type(s) is _backend._traced_value else s


def _adam_tensor_ops(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, state_steps, amsgrad, beta1, beta2, lr,
                     weight_decay, eps, maximize, decoupled_weight_decay):
    """torch's single-tensor Adam written with ember's tensor ops (used when a parameter is
    bfloat16: each op then rounds to bfloat16 as torch's do)."""
    for i, param in enumerate(params):
        grad = grads[i] if not maximize else -grads[i]
        exp_avg, exp_avg_sq = exp_avgs[i], exp_avg_sqs[i]
        step = _incr_step(state_steps[i])
        if weight_decay != 0:
            if decoupled_weight_decay:
                param.mul_(1 - lr * weight_decay)
            else:
                grad = grad.add(param, alpha=weight_decay)
        exp_avg.lerp_(grad, 1 - beta1)
        exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        bias_correction1 = 1 - beta1 ** step
        bias_correction2 = 1 - beta2 ** step
        step_size = lr / bias_correction1
        bias_correction2_sqrt = bias_correction2 ** 0.5
        if amsgrad:
            mx = max_exp_avg_sqs[i]
            mx.copy_(mx.maximum(exp_avg_sq))
            denom = (mx.sqrt() / bias_correction2_sqrt).add_(eps)
        else:
            denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(eps)
        param.addcdiv_(exp_avg, denom, value=-step_size)


def adam(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, state_steps, foreach=None, capturable=False,
         differentiable=False, fused=None, grad_scale=None, found_inf=None, has_complex=False,
         decoupled_weight_decay=False, *, amsgrad, beta1, beta2, lr, weight_decay, eps, maximize):
    """Functional Adam: updates ``params`` and the state tensors in place."""
    _check_state_steps(state_steps)
    lr, beta1, beta2 = _to_scalar(lr), _to_scalar(beta1), _to_scalar(beta2)
    weight_decay = _f(_to_scalar(weight_decay))
    if _BF16_USED[0] and any(getattr(p, 'dtype', None) is _BF16 for p in params):
        return _adam_tensor_ops(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, state_steps, amsgrad, beta1,
                                beta2, lr, weight_decay, eps, maximize, decoupled_weight_decay)
    for i, param in enumerate(params):
        p = param._data
        m = exp_avgs[i]._data
        v = exp_avg_sqs[i]._data
        step = _incr_step(state_steps[i])
        g = _weight_decay(p, _grad(grads[i], maximize), lr, weight_decay, decoupled_weight_decay)
        bias_correction1 = 1 - beta1 ** step
        bias_correction2 = 1 - beta2 ** step
        step_size = lr / bias_correction1
        bias_correction2_sqrt = _f(bias_correction2 ** 0.5)
        if _adam_step_chunked(p, g, m, v, max_exp_avg_sqs[i]._data if amsgrad else None, beta1, beta2,
                              -_f(step_size), bias_correction2_sqrt, eps):
            if amsgrad:
                max_exp_avg_sqs[i]._bump()
            _bump(param, exp_avgs[i], exp_avg_sqs[i])
            continue
        _adam_moments_(m, v, g, beta1, beta2)
        if amsgrad:
            vmax = max_exp_avg_sqs[i]._data
            np.maximum(vmax, v, out=vmax)
            max_exp_avg_sqs[i]._bump()
            denom = np.sqrt(vmax)
        else:
            denom = np.sqrt(v)
        denom /= _weak(bias_correction2_sqrt, denom)
        denom += eps
        _addcdiv_(p, m, denom, _weak(-_f(step_size), p))
        _bump(param, exp_avgs[i], exp_avg_sqs[i])
