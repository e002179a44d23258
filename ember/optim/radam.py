"""RAdam (``torch.optim.RAdam``): Adam with a rectified adaptive learning rate.

Example:
    >>> opt = ember.optim.RAdam(model.parameters(), lr=1e-3)
"""
import numpy as np

from .optimizer import (Optimizer, _use_grad_for_differentiable, _to_scalar, _f, _validate, _check_not_differentiable,
                        _check_state_steps, _incr, _bump, _grad, _weight_decay, _adam_moments_)

__all__ = ['RAdam', 'radam']


class RAdam(Optimizer):
    """Implements RAdam: while the variance's tractability ``rho_t`` is at most 5 the step is plain
    momentum SGD (``p -= lr * m_t/(1-beta1^t)``); after, Adam's step scaled by the rectification term.

    Args:
        params (iterable): parameters or parameter groups to optimize.
        lr (float, Tensor, optional): learning rate (default: 1e-3)
        betas (tuple of two floats, optional): coefficients (default: (0.9, 0.999))
        eps (float, optional): added to the denominator (default: 1e-8)
        weight_decay (float, optional): weight decay (default: 0)
        decoupled_weight_decay (bool, optional): AdamW-style weight decay (default: False)
        maximize (bool, optional): maximize the objective (default: False)
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, decoupled_weight_decay=False,
                 *, foreach=None, maximize=False, capturable=False, differentiable=False):
        _validate(lr=lr, eps=eps, betas=betas, weight_decay=weight_decay)
        defaults = {'lr': lr, 'betas': betas, 'eps': eps, 'weight_decay': weight_decay, 'maximize': maximize,
                    'foreach': foreach, 'capturable': capturable, 'decoupled_weight_decay': decoupled_weight_decay,
                    'differentiable': differentiable}
        _check_not_differentiable(differentiable)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        self._setstate_groups(foreach=None, maximize=False, differentiable=False, decoupled_weight_decay=False,
                              capturable=False)

    @_use_grad_for_differentiable
    def step(self, closure=None):
        """Perform a single optimization step; ``closure`` re-evaluates the model and returns the loss."""
        loss = self._run_closure(closure)
        for group in self.param_groups:
            params, grads, exp_avgs, exp_avg_sqs, steps = self._gather(group, ('exp_avg', 'exp_avg_sq'))
            beta1, beta2 = group['betas']
            radam(params, grads, exp_avgs, exp_avg_sqs, steps, beta1=beta1, beta2=beta2, lr=group['lr'],
                  weight_decay=group['weight_decay'], eps=group['eps'], maximize=group['maximize'],
                  decoupled_weight_decay=group['decoupled_weight_decay'])
        return loss


def radam(params, grads, exp_avgs, exp_avg_sqs, state_steps, decoupled_weight_decay=False, foreach=None,
          capturable=False, differentiable=False, has_complex=False, maximize=False, *, beta1, beta2, lr,
          weight_decay, eps):
    """Functional RAdam."""
    _check_state_steps(state_steps)
    lr = _to_scalar(lr)
    for i, param in enumerate(params):
        p = param._data
        m = exp_avgs[i]._data
        v = exp_avg_sqs[i]._data
        step = _incr(state_steps[i])
        g = _weight_decay(p, _grad(grads[i], maximize), lr, weight_decay, decoupled_weight_decay)
        _adam_moments_(m, v, g, beta1, beta2)
        _bump(exp_avgs[i], exp_avg_sqs[i])
        bias_correction1 = 1 - beta1 ** step
        bias_correction2 = 1 - beta2 ** step
        update = m / bias_correction1          # bias_corrected_exp_avg
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
        update *= _f(lr)
        if rho_t > 5.0:
            rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
            sq = np.sqrt(v)
            sq += eps
            # torch: (bias_correction2 ** 0.5) / sq is sq.reciprocal() * bias_correction2 ** 0.5
            adaptive = np.reciprocal(sq, out=sq)
            adaptive *= bias_correction2 ** 0.5
            update *= adaptive
            update *= rect
        p -= update
        param._bump()
