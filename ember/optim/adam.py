"""Adam (``torch.optim.Adam``), with AMSGrad, L2 or decoupled weight decay, and ``maximize``.

Example:
    >>> opt = ember.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999))
"""
import numpy as np

from .._tensor import Tensor
from .optimizer import (Optimizer, _use_grad_for_differentiable, _to_scalar, _f, _get_value, _get_scalar_dtype,
                        _scalar_tensor, _zeros_like, _lerp_, _addcmul_, _addcdiv_, _add_alpha, _check_fused_foreach,
                        _check_not_differentiable, _check_capturable)

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


def _new_step(group, p):
    """``state['step']``: a 0-d float tensor (float32 unless the default dtype is float64)."""
    if group.get('capturable') or group.get('fused'):
        t = _scalar_tensor(0.0, _get_scalar_dtype(is_fused=group.get('fused')))
        return t.to(p.device) if p._device.type != 'cpu' else t
    return _scalar_tensor(0.0)


def _incr(step_t):
    step_t._data += 1
    step_t._bump()
    return _get_value(step_t)


def _as_step_tensor(p_state, group, key='step'):
    """Old checkpoints hold a Python number for the step: make it a tensor (torch's __setstate__)."""
    if len(p_state) != 0 and not isinstance(p_state[key], Tensor):
        fused = group.get('fused')
        dt = _get_scalar_dtype(is_fused=fused) if (group.get('capturable') or fused) else _get_scalar_dtype()
        p_state[key] = _scalar_tensor(float(p_state[key]), dt)


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
        if isinstance(lr, Tensor):
            if foreach and not capturable:
                raise ValueError('lr as a Tensor is not supported for capturable=False and foreach=True')
            if lr.numel() != 1:
                raise ValueError('Tensor lr must be 1-element')
        if not 0.0 <= lr:
            raise ValueError(f'Invalid learning rate: {lr}')
        if not 0.0 <= eps:
            raise ValueError(f'Invalid epsilon value: {eps}')
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f'Invalid beta parameter at index 0: {betas[0]}')
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f'Invalid beta parameter at index 1: {betas[1]}')
        if not 0.0 <= weight_decay:
            raise ValueError(f'Invalid weight_decay value: {weight_decay}')
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
        for group in self.param_groups:
            group.setdefault('amsgrad', False)
            group.setdefault('maximize', False)
            group.setdefault('foreach', None)
            group.setdefault('capturable', False)
            group.setdefault('differentiable', False)
            group.setdefault('decoupled_weight_decay', False)
            group.setdefault('fused', None)
            for p in group['params']:
                _as_step_tensor(self.state.get(p, []), group)

    def _init_group(self, group, params_with_grad, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, state_steps):
        for p in group['params']:
            if p._grad is None:
                continue
            params_with_grad.append(p)
            grads.append(p._grad)
            state = self.state[p]
            if len(state) == 0:
                state['step'] = _new_step(group, p)
                state['exp_avg'] = _zeros_like(p)
                state['exp_avg_sq'] = _zeros_like(p)
                if group['amsgrad']:
                    state['max_exp_avg_sq'] = _zeros_like(p)
            exp_avgs.append(state['exp_avg'])
            exp_avg_sqs.append(state['exp_avg_sq'])
            if group['amsgrad']:
                max_exp_avg_sqs.append(state['max_exp_avg_sq'])
            state_steps.append(state['step'])
        return False

    @_use_grad_for_differentiable
    def step(self, closure=None):
        """Perform a single optimization step; ``closure`` re-evaluates the model and returns the loss."""
        loss = self._run_closure(closure)
        for group in self.param_groups:
            params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, state_steps = [], [], [], [], [], []
            beta1, beta2 = group['betas']
            self._init_group(group, params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, state_steps)
            for p in params:
                _check_capturable(group, p)
            adam(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, state_steps, amsgrad=group['amsgrad'],
                 beta1=beta1, beta2=beta2, lr=group['lr'], weight_decay=group['weight_decay'], eps=group['eps'],
                 maximize=group['maximize'], decoupled_weight_decay=group['decoupled_weight_decay'])
        return loss


def adam(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, state_steps, foreach=None, capturable=False,
         differentiable=False, fused=None, grad_scale=None, found_inf=None, has_complex=False,
         decoupled_weight_decay=False, *, amsgrad, beta1, beta2, lr, weight_decay, eps, maximize):
    """Functional Adam: updates ``params`` and the state tensors in place."""
    if not all(isinstance(t, Tensor) for t in state_steps):
        raise RuntimeError('API has changed, `state_steps` argument must contain a list of singleton tensors')
    lr, beta1, beta2 = _to_scalar(lr), _to_scalar(beta1), _to_scalar(beta2)
    weight_decay = _f(_to_scalar(weight_decay))
    f_beta1, f_beta2 = _f(beta1), _f(beta2)
    for i, param in enumerate(params):
        p = param._data
        g = -grads[i]._data if maximize else grads[i]._data
        m = exp_avgs[i]._data
        v = exp_avg_sqs[i]._data
        step = _incr(state_steps[i])
        if weight_decay != 0:
            if decoupled_weight_decay:
                p *= _f(1 - lr * weight_decay)
            else:
                g = _add_alpha(g, p, weight_decay)
        _lerp_(m, g, _f(1 - beta1))
        v *= f_beta2
        _addcmul_(v, g, g, _f(1 - beta2))
        bias_correction1 = 1 - beta1 ** step
        bias_correction2 = 1 - beta2 ** step
        step_size = lr / bias_correction1
        bias_correction2_sqrt = _f(bias_correction2 ** 0.5)
        if amsgrad:
            vmax = max_exp_avg_sqs[i]._data
            np.maximum(vmax, v, out=vmax)
            max_exp_avg_sqs[i]._bump()
            denom = np.sqrt(vmax)
        else:
            denom = np.sqrt(v)
        denom /= bias_correction2_sqrt
        denom += eps
        _addcdiv_(p, m, denom, -_f(step_size))
        param._bump()
        exp_avgs[i]._bump()
        exp_avg_sqs[i]._bump()
