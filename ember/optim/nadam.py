"""NAdam (``torch.optim.NAdam``): Adam with Nesterov momentum and momentum decay.

Example:
    >>> opt = ember.optim.NAdam(model.parameters(), lr=2e-3)
"""
import numpy as np

from .._tensor import Tensor
from .optimizer import (Optimizer, _default_scalar, _device_scalar, _use_grad_for_differentiable, _to_scalar, _f,
                        _get_value, _scalar_tensor, _zeros_like, _addcdiv_, _validate, _check_not_differentiable,
                        _check_state_steps, _incr, _bump, _grad, _weight_decay, _adam_moments_)

__all__ = ['NAdam', 'nadam']


class NAdam(Optimizer):
    """Implements NAdam: ``mu_t = beta1*(1 - 0.5*0.96^(t*momentum_decay))``; the update mixes the
    gradient and the first moment with ``mu_t`` and ``mu_{t+1}`` over their running products.

    Args:
        params (iterable): parameters or parameter groups to optimize.
        lr (float, Tensor, optional): learning rate (default: 2e-3)
        betas (tuple of two floats, optional): coefficients (default: (0.9, 0.999))
        eps (float, optional): added to the denominator (default: 1e-8)
        weight_decay (float, optional): weight decay (default: 0)
        momentum_decay (float, optional): momentum decay psi (default: 4e-3)
        decoupled_weight_decay (bool, optional): AdamW-style weight decay (default: False)
        maximize (bool, optional): maximize the objective (default: False)
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False):
        _validate(lr=lr, eps=eps, betas=betas, weight_decay=weight_decay, momentum_decay=momentum_decay)
        defaults = {'lr': lr, 'betas': betas, 'eps': eps, 'weight_decay': weight_decay,
                    'momentum_decay': momentum_decay, 'decoupled_weight_decay': decoupled_weight_decay,
                    'maximize': maximize, 'foreach': foreach, 'capturable': capturable,
                    'differentiable': differentiable}
        _check_not_differentiable(differentiable)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        self._setstate_groups(maximize=False, foreach=None, capturable=False, differentiable=False,
                              decoupled_weight_decay=False)
        for group in self.param_groups:
            for p in group['params']:
                p_state = self.state.get(p, [])
                if len(p_state) != 0 and not isinstance(p_state['mu_product'], Tensor):
                    p_state['mu_product'] = _scalar_tensor(p_state['mu_product'])

    def _new_state(self, group, p, state, names):
        on_p = group.get('capturable')      # (torch: on p's device if capturable, else the default device)
        state['step'] = _device_scalar(0.0, p) if on_p else _default_scalar(0.0)
        state['mu_product'] = _device_scalar(1.0, p) if on_p else _default_scalar(1.0)
        state['exp_avg'] = _zeros_like(p)
        state['exp_avg_sq'] = _zeros_like(p)

    @_use_grad_for_differentiable
    def step(self, closure=None):
        """Perform a single optimization step; ``closure`` re-evaluates the model and returns the loss."""
        loss = self._run_closure(closure)
        for group in self.param_groups:
            params, grads, exp_avgs, exp_avg_sqs, mu_products, steps = self._gather(
                group, ('exp_avg', 'exp_avg_sq', 'mu_product'), 'params, mu_products and state_steps')
            beta1, beta2 = group['betas']
            nadam(params, grads, exp_avgs, exp_avg_sqs, mu_products, steps, beta1=beta1, beta2=beta2,
                  lr=group['lr'], weight_decay=group['weight_decay'], momentum_decay=group['momentum_decay'],
                  eps=group['eps'], maximize=group['maximize'],
                  decoupled_weight_decay=group['decoupled_weight_decay'])
        return loss


def nadam(params, grads, exp_avgs, exp_avg_sqs, mu_products, state_steps, decoupled_weight_decay=False,
          foreach=None, capturable=False, differentiable=False, has_complex=False, maximize=False, *, beta1, beta2,
          lr, weight_decay, momentum_decay, eps):
    """Functional NAdam."""
    _check_state_steps(state_steps)
    _check_state_steps(mu_products, 'mu_products')
    lr = _to_scalar(lr)
    for i, param in enumerate(params):
        p = param._data
        m = exp_avgs[i]._data
        v = exp_avg_sqs[i]._data
        mu_product = mu_products[i]
        step = _incr(state_steps[i])
        bias_correction2 = 1 - beta2 ** step
        g = _weight_decay(p, _grad(grads[i], maximize), lr, weight_decay, decoupled_weight_decay)
        mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
        mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
        mu_product._data *= mu
        mu_product._bump()
        _adam_moments_(m, v, g, beta1, beta2)
        denom = v / bias_correction2
        np.sqrt(denom, out=denom)
        mp = _get_value(mu_product)
        mu_product_next = mp * mu_next
        denom += eps
        _addcdiv_(p, g, denom, _f(-lr * (1.0 - mu) / (1.0 - mp)))
        _addcdiv_(p, m, denom, _f((-lr * mu_next) / (1.0 - mu_product_next)))
        _bump(param, exp_avgs[i], exp_avg_sqs[i])
