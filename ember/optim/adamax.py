"""Adamax (``torch.optim.Adamax``): Adam with the infinity norm.

Example:
    >>> opt = ember.optim.Adamax(model.parameters(), lr=2e-3)
"""
import numpy as np

from .optimizer import (Optimizer, _use_grad_for_differentiable, _to_scalar, _f, _lerp_, _addcdiv_, _validate,
                        _check_not_differentiable, _check_state_steps, _incr, _bump, _grad, _weight_decay)

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
        _validate(lr=lr, eps=eps, betas=betas, weight_decay=weight_decay)
        defaults = {'lr': lr, 'betas': betas, 'eps': eps, 'weight_decay': weight_decay, 'foreach': foreach,
                    'maximize': maximize, 'differentiable': differentiable, 'capturable': capturable}
        _check_not_differentiable(differentiable)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        self._setstate_groups(foreach=None, maximize=False, differentiable=False, capturable=False)

    @_use_grad_for_differentiable
    def step(self, closure=None):
        """Perform a single optimization step; ``closure`` re-evaluates the model and returns the loss."""
        loss = self._run_closure(closure)
        for group in self.param_groups:
            params, grads, exp_avgs, exp_infs, steps = self._gather(group, ('exp_avg', 'exp_inf'))
            beta1, beta2 = group['betas']
            adamax(params, grads, exp_avgs, exp_infs, steps, eps=group['eps'], beta1=beta1, beta2=beta2,
                   lr=group['lr'], weight_decay=group['weight_decay'], maximize=group['maximize'])
        return loss


def adamax(params, grads, exp_avgs, exp_infs, state_steps, foreach=None, maximize=False, differentiable=False,
           capturable=False, has_complex=False, *, eps, beta1, beta2, lr, weight_decay):
    """Functional Adamax."""
    _check_state_steps(state_steps)
    lr = _to_scalar(lr)
    for i, param in enumerate(params):
        p = param._data
        m = exp_avgs[i]._data
        u = exp_infs[i]._data
        step = _incr(state_steps[i])
        g = _weight_decay(p, _grad(grads[i], maximize), lr, weight_decay)
        _lerp_(m, g, 1 - beta1)
        u *= beta2
        a = np.abs(g)
        a += eps
        np.maximum(u, a, out=u)
        clr = lr / (1 - beta1 ** step)
        _addcdiv_(p, m, u, -_f(clr))
        _bump(param, exp_avgs[i], exp_infs[i])
        param._bump()
        exp_avgs[i]._bump()
        exp_infs[i]._bump()
