"""Adamax (``torch.optim.Adamax``): Adam with the infinity norm.

Example:
    >>> opt = ember.optim.Adamax(model.parameters(), lr=2e-3)
"""
import numpy as np

from .._tensor import Tensor
from .optimizer import (Optimizer, _use_grad_for_differentiable, _to_scalar, _f, _scalar_tensor, _zeros_like, _lerp_,
                        _addcdiv_, _add_alpha, _check_not_differentiable, _check_capturable)
from .adam import _as_step_tensor, _incr

__all__ = ['Adamax', 'adamax']


class Adamax(Optimizer):
    """Implements Adamax: ``m_t = lerp(m_{t-1}, g_t, 1-beta1)``,
    ``u_t = max(beta2*u_{t-1}, |g_t| + eps)``, ``p -= lr/(1-beta1^t) * m_t / u_t``.

    Args:
        params (iterable): parameters or parameter groups to optimize.
        lr (float, Tensor, optional): learning rate (default: 2e-3)
        betas (tuple of two floats, optional): coefficients (default: (0.9, 0.999))
        eps (float, optional): added to the denominator (default: 1e-8)
        weight_decay (float, optional): weight decay (L2 penalty) (default: 0)
        maximize (bool, optional): maximize the objective (default: False)
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, foreach=None, *,
                 maximize=False, differentiable=False, capturable=False):
        if isinstance(lr, Tensor) and lr.numel() != 1:
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
        defaults = {'lr': lr, 'betas': betas, 'eps': eps, 'weight_decay': weight_decay, 'foreach': foreach,
                    'maximize': maximize, 'differentiable': differentiable, 'capturable': capturable}
        _check_not_differentiable(differentiable)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault('foreach', None)
            group.setdefault('maximize', False)
            group.setdefault('differentiable', False)
            group.setdefault('capturable', False)
            for p in group['params']:
                _as_step_tensor(self.state.get(p, []), group)

    def _init_group(self, group, params_with_grad, grads, exp_avgs, exp_infs, state_steps):
        for p in group['params']:
            if p._grad is None:
                continue
            params_with_grad.append(p)
            grads.append(p._grad)
            state = self.state[p]
            if len(state) == 0:
                state['step'] = _scalar_tensor(0.0)
                state['exp_avg'] = _zeros_like(p)
                state['exp_inf'] = _zeros_like(p)
            exp_avgs.append(state['exp_avg'])
            exp_infs.append(state['exp_inf'])
            state_steps.append(state['step'])
        return False

    @_use_grad_for_differentiable
    def step(self, closure=None):
        """Perform a single optimization step; ``closure`` re-evaluates the model and returns the loss."""
        loss = self._run_closure(closure)
        for group in self.param_groups:
            params, grads, exp_avgs, exp_infs, steps = [], [], [], [], []
            beta1, beta2 = group['betas']
            self._init_group(group, params, grads, exp_avgs, exp_infs, steps)
            for p in params:
                _check_capturable(group, p)
            adamax(params, grads, exp_avgs, exp_infs, steps, eps=group['eps'], beta1=beta1, beta2=beta2,
                   lr=group['lr'], weight_decay=group['weight_decay'], maximize=group['maximize'])
        return loss


def adamax(params, grads, exp_avgs, exp_infs, state_steps, foreach=None, maximize=False, differentiable=False,
           capturable=False, has_complex=False, *, eps, beta1, beta2, lr, weight_decay):
    """Functional Adamax."""
    if not all(isinstance(t, Tensor) for t in state_steps):
        raise RuntimeError('API has changed, `state_steps` argument must contain a list of singleton tensors')
    lr = _to_scalar(lr)
    for i, param in enumerate(params):
        p = param._data
        g = -grads[i]._data if maximize else grads[i]._data
        m = exp_avgs[i]._data
        u = exp_infs[i]._data
        step = _incr(state_steps[i])
        if weight_decay != 0:
            g = _add_alpha(g, p, weight_decay)
        _lerp_(m, g, 1 - beta1)
        u *= beta2
        a = np.abs(g)
        a += eps
        np.maximum(u, a, out=u)
        clr = lr / (1 - beta1 ** step)
        _addcdiv_(p, m, u, -_f(clr))
        param._bump()
        exp_avgs[i]._bump()
        exp_infs[i]._bump()
