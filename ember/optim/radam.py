"""RAdam (``torch.optim.RAdam``): Adam with a rectified adaptive learning rate.

Example:
    >>> opt = ember.optim.RAdam(model.parameters(), lr=1e-3)
"""
import numpy as np

from .._tensor import Tensor
from .optimizer import (Optimizer, _use_grad_for_differentiable, _to_scalar, _f, _scalar_tensor, _zeros_like, _lerp_,
                        _addcmul_, _add_alpha, _check_not_differentiable, _check_capturable)
from .adam import _as_step_tensor, _incr

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
        defaults = {'lr': lr, 'betas': betas, 'eps': eps, 'weight_decay': weight_decay, 'maximize': maximize,
                    'foreach': foreach, 'capturable': capturable, 'decoupled_weight_decay': decoupled_weight_decay,
                    'differentiable': differentiable}
        _check_not_differentiable(differentiable)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault('foreach', None)
            group.setdefault('maximize', False)
            group.setdefault('differentiable', False)
            group.setdefault('decoupled_weight_decay', False)
            group.setdefault('capturable', False)
            for p in group['params']:
                _as_step_tensor(self.state.get(p, []), group)

    def _init_group(self, group, params_with_grad, grads, exp_avgs, exp_avg_sqs, state_steps):
        for p in group['params']:
            if p._grad is None:
                continue
            params_with_grad.append(p)
            grads.append(p._grad)
            state = self.state[p]
            if len(state) == 0:
                state['step'] = _scalar_tensor(0.0)
                state['exp_avg'] = _zeros_like(p)
                state['exp_avg_sq'] = _zeros_like(p)
            exp_avgs.append(state['exp_avg'])
            exp_avg_sqs.append(state['exp_avg_sq'])
            state_steps.append(state['step'])
        return False

    @_use_grad_for_differentiable
    def step(self, closure=None):
        """Perform a single optimization step; ``closure`` re-evaluates the model and returns the loss."""
        loss = self._run_closure(closure)
        for group in self.param_groups:
            params, grads, exp_avgs, exp_avg_sqs, steps = [], [], [], [], []
            beta1, beta2 = group['betas']
            self._init_group(group, params, grads, exp_avgs, exp_avg_sqs, steps)
            for p in params:
                _check_capturable(group, p)
            radam(params, grads, exp_avgs, exp_avg_sqs, steps, beta1=beta1, beta2=beta2, lr=group['lr'],
                  weight_decay=group['weight_decay'], eps=group['eps'], maximize=group['maximize'],
                  decoupled_weight_decay=group['decoupled_weight_decay'])
        return loss


def radam(params, grads, exp_avgs, exp_avg_sqs, state_steps, decoupled_weight_decay=False, foreach=None,
          capturable=False, differentiable=False, has_complex=False, maximize=False, *, beta1, beta2, lr,
          weight_decay, eps):
    """Functional RAdam."""
    if not all(isinstance(t, Tensor) for t in state_steps):
        raise RuntimeError('API has changed, `state_steps` argument must contain a list of singleton tensors')
    lr = _to_scalar(lr)
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
        _lerp_(m, g, 1 - beta1)
        v *= beta2
        _addcmul_(v, g, g, 1 - beta2)
        exp_avgs[i]._bump()
        exp_avg_sqs[i]._bump()
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
