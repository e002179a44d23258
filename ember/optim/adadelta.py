"""Adadelta (``torch.optim.Adadelta``): per-element step sizes from running averages of the squared
gradients and of the squared updates.

Example:
    >>> opt = ember.optim.Adadelta(model.parameters(), lr=1.0, rho=0.9)
"""
import numpy as np

from .optimizer import (Optimizer, _default_scalar, _device_scalar,
                        _use_grad_for_differentiable, _to_scalar, _f,
                        _zeros_like, _addcmul_, _add_alpha_, _validate, _check_not_differentiable,
                        _check_state_steps, _incr, _bump, _grad, _weight_decay)

__all__ = ['Adadelta', 'adadelta']

_CAPTURABLE_DEVICES = "['cuda', 'xpu', 'hpu', 'privateuseone']"


def _check_capturable_devices(params, steps):
    for p, s in zip(params, steps):
        if not (p._device.type == s._device.type == 'cuda'):
            raise AssertionError('If capturable=True, params and state_steps must be on supported devices: '
                                 f'{_CAPTURABLE_DEVICES}.')


class Adadelta(Optimizer):
    """Implements Adadelta: ``v_t = rho*v_{t-1} + (1-rho)*g_t^2``,
    ``dx_t = sqrt(u_{t-1} + eps) / sqrt(v_t + eps) * g_t``, ``u_t = rho*u_{t-1} + (1-rho)*dx_t^2``,
    ``p -= lr * dx_t``.

    Args:
        params (iterable): parameters or parameter groups to optimize.
        lr (float, Tensor, optional): coefficient that scales delta before it is applied to the
            parameters (default: 1.0)
        rho (float, optional): coefficient of the running averages (default: 0.9)
        eps (float, optional): added to the denominator (default: 1e-6)
        weight_decay (float, optional): weight decay (L2 penalty) (default: 0)
        foreach, capturable, differentiable: accepted as in torch (``differentiable=True`` is not
            supported)
        maximize (bool, optional): maximize the objective (default: False)
    """

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *, capturable=False,
                 maximize=False, differentiable=False):
        _validate(lr=lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f'Invalid rho value: {rho}')
        _validate(eps=eps, weight_decay=weight_decay)
        defaults = {'lr': lr, 'rho': rho, 'eps': eps, 'weight_decay': weight_decay, 'maximize': maximize,
                    'capturable': capturable, 'foreach': foreach, 'differentiable': differentiable}
        _check_not_differentiable(differentiable)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        self._setstate_groups(False, foreach=None, maximize=False, differentiable=False, capturable=False)
        self._setstate_scalars()

    def _init_group(self, group):
        params, grads, square_avgs, acc_deltas, steps = [], [], [], [], []
        for p in group['params']:
            if p._grad is None:
                continue
            params.append(p)
            grads.append(p._grad)
            state = self.state[p]
            if len(state) == 0:
                state['step'] = _device_scalar(0.0, p) if group['capturable'] else _default_scalar(0.0)
                state['square_avg'] = _zeros_like(p)
                state['acc_delta'] = _zeros_like(p)
            square_avgs.append(state['square_avg'])
            acc_deltas.append(state['acc_delta'])
            steps.append(state['step'])
        return params, grads, square_avgs, acc_deltas, steps

    @_use_grad_for_differentiable
    def step(self, closure=None):
        """Perform a single optimization step; ``closure`` re-evaluates the model and returns the loss."""
        loss = self._run_closure(closure)
        for group in self.param_groups:
            params, grads, square_avgs, acc_deltas, steps = self._init_group(group)
            adadelta(params, grads, square_avgs, acc_deltas, steps, lr=group['lr'], rho=group['rho'],
                     eps=group['eps'], weight_decay=group['weight_decay'], foreach=group['foreach'],
                     maximize=group['maximize'], differentiable=group['differentiable'],
                     capturable=group['capturable'])
        return loss


def adadelta(params, grads, square_avgs, acc_deltas, state_steps, capturable=False, foreach=None,
             differentiable=False, has_complex=False, *, lr, rho, eps, weight_decay, maximize):
    """Functional Adadelta: updates ``params`` and the state tensors in place."""
    _check_state_steps(state_steps)
    if capturable:
        _check_capturable_devices(params, state_steps)
    lr = _f(_to_scalar(lr))
    for param, grad, square_avg, acc_delta, step_t in zip(params, grads, square_avgs, acc_deltas, state_steps):
        _incr(step_t)
        p = param._data
        g = _weight_decay(p, _grad(grad, maximize), lr, weight_decay)
        sq = square_avg._data
        sq *= _f(rho)
        _addcmul_(sq, g, g, _f(1 - rho))
        std = sq + eps
        np.sqrt(std, out=std)
        acc = acc_delta._data
        delta = acc + eps
        np.sqrt(delta, out=delta)
        delta /= std
        delta *= g
        acc *= _f(rho)
        _addcmul_(acc, delta, delta, _f(1 - rho))
        _add_alpha_(p, delta, -lr)
        _bump(param, square_avg, acc_delta)
