"""Rprop (``torch.optim.Rprop``): resilient backpropagation, per-element step sizes that grow
while the gradient keeps its sign and shrink when it flips.

Example:
    >>> opt = ember.optim.Rprop(model.parameters(), lr=1e-2, etas=(0.5, 1.2))
"""
import numpy as np

from .optimizer import (Optimizer, _default_scalar, _device_scalar,
                        _use_grad_for_differentiable, _to_scalar, _f, _zeros_like,
                        _full_like, _validate, _check_not_differentiable, _check_state_steps, _incr, _bump, _grad)

__all__ = ['Rprop', 'rprop']

_CAPTURABLE_DEVICES = "['cuda', 'xpu', 'hpu', 'privateuseone', 'xla']"


def _sign(x):
    """``torch.sign``: -1, 0 or 1 in x's dtype (0 for NaN, as torch's CPU kernel gives)."""
    return np.subtract(x > 0, x < 0, dtype=x.dtype)


class Rprop(Optimizer):
    """Implements the resilient backpropagation algorithm.

    Where ``g_t * g_{t-1} > 0`` the step size grows by ``etaplus`` (at most ``step_sizes[1]``),
    where it is ``< 0`` it shrinks by ``etaminus`` (at least ``step_sizes[0]``) and that gradient
    element is taken as 0; then ``p -= step_size * sign(g_t)``.

    Args:
        params (iterable): parameters or parameter groups to optimize.
        lr (float, Tensor, optional): learning rate, the initial step size (default: 1e-2)
        etas (tuple of two floats, optional): (etaminus, etaplus), the multiplicative decrease and
            increase factors (default: (0.5, 1.2))
        step_sizes (tuple of two floats, optional): the minimal and maximal step sizes
            (default: (1e-6, 50))
        capturable, foreach, differentiable: accepted as in torch (``differentiable=True`` is not
            supported)
        maximize (bool, optional): maximize the objective (default: False)
    """

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *, capturable=False, foreach=None,
                 maximize=False, differentiable=False):
        _validate(lr=lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f'Invalid eta values: {etas[0]}, {etas[1]}')
        defaults = {'lr': lr, 'etas': etas, 'step_sizes': step_sizes, 'foreach': foreach, 'maximize': maximize,
                    'differentiable': differentiable, 'capturable': capturable}
        _check_not_differentiable(differentiable)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        self._setstate_groups(False, foreach=None, maximize=False, differentiable=False, capturable=False)
        self._setstate_scalars()

    def _init_group(self, group):
        params, grads, prevs, step_sizes, steps = [], [], [], [], []
        for p in group['params']:
            if p._grad is None:
                continue
            params.append(p)
            grads.append(p._grad)
            state = self.state[p]
            if len(state) == 0:
                state['step'] = _device_scalar(0.0, p) if group['capturable'] else _default_scalar(0.0)
                state['prev'] = _zeros_like(p)
                state['step_size'] = _full_like(p._grad, _f(_to_scalar(group['lr'])))
            prevs.append(state['prev'])
            step_sizes.append(state['step_size'])
            steps.append(state['step'])
        return params, grads, prevs, step_sizes, steps

    @_use_grad_for_differentiable
    def step(self, closure=None):
        """Perform a single optimization step; ``closure`` re-evaluates the model and returns the loss."""
        loss = self._run_closure(closure)
        for group in self.param_groups:
            params, grads, prevs, step_sizes, steps = self._init_group(group)
            etaminus, etaplus = group['etas']
            step_size_min, step_size_max = group['step_sizes']
            rprop(params, grads, prevs, step_sizes, steps, step_size_min=step_size_min, step_size_max=step_size_max,
                  etaminus=etaminus, etaplus=etaplus, foreach=group['foreach'], maximize=group['maximize'],
                  differentiable=group['differentiable'], capturable=group['capturable'])
        return loss


def rprop(params, grads, prevs, step_sizes, state_steps, foreach=None, capturable=False, maximize=False,
          differentiable=False, has_complex=False, *, step_size_min, step_size_max, etaminus, etaplus):
    """Functional Rprop: updates ``params`` and the state tensors in place."""
    _check_state_steps(state_steps)
    for param, grad, prev_t, step_size_t, step_t in zip(params, grads, prevs, step_sizes, state_steps):
        if capturable and not (param._device.type == step_t._device.type == 'cuda'):
            raise AssertionError(f'If capturable=True, params and state_steps must be on supported devices: '
                                 f'{_CAPTURABLE_DEVICES}.')
        _incr(step_t)
        p = param._data
        g = _grad(grad, maximize)
        prev = prev_t._data
        step_size = step_size_t._data
        sign = _sign(g * prev)
        dt = sign.dtype.type
        pos, neg, zero = sign > 0, sign < 0, sign == 0
        sign[pos] = dt(etaplus)
        sign[neg] = dt(etaminus)
        sign[zero] = 1
        step_size *= sign
        np.clip(step_size, dt(step_size_min), dt(step_size_max), out=step_size)
        g = g.copy()
        g[sign == dt(etaminus)] = 0
        p -= _sign(g) * step_size
        prev[...] = g
        _bump(param, prev_t, step_size_t)
