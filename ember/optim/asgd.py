"""ASGD (``torch.optim.ASGD``): averaged stochastic gradient descent.

Example:
    >>> opt = ember.optim.ASGD(model.parameters(), lr=1e-2, t0=100)
    >>> opt.state[p]['ax']          # the running average of p
"""
import numpy as np

from .._tensor import Tensor
from .optimizer import (Optimizer, _device_scalar,
                        _use_grad_for_differentiable, _to_scalar, _f, _get_value, _scalar_tensor,
                        _zeros_like, _fma, _addcmul_, _add_alpha, _validate, _check_not_differentiable,
                        _check_state_steps, _incr, _bump, _grad)

__all__ = ['ASGD', 'asgd']


def _set(t, value):
    """``t.copy_(torch.as_tensor(value))`` for a 0-d state tensor (rounded to its dtype)."""
    t._data[...] = float(value)
    t._bump()


def _val(t):
    """A 0-d state tensor's value as a NumPy scalar of its dtype."""
    return t._data.dtype.type(_get_value(t))


def _pow(x, alpha):
    """``tensor ** alpha`` on a 0-d tensor: torch's CPU kernel raises in double, rounds once."""
    return type(x)(np.float64(x) ** alpha)


class ASGD(Optimizer):
    """Implements averaged stochastic gradient descent.

    ``p <- p*(1 - lambd*eta) - eta*g``; ``ax`` averages ``p`` once ``step > t0``
    (``ax += mu*(p - ax)``, ``mu = 1/max(1, step - t0)``, otherwise ``ax = p``);
    ``eta = lr / (1 + lambd*lr*step)^alpha``.

    Args:
        params (iterable): parameters or parameter groups to optimize.
        lr (float, Tensor, optional): learning rate (default: 1e-2)
        lambd (float, optional): decay term (default: 1e-4)
        alpha (float, optional): power for the eta update (default: 0.75)
        t0 (float, optional): the point at which averaging starts (default: 1e6)
        weight_decay (float, optional): weight decay (L2 penalty) (default: 0)
        foreach (bool, optional): torch's multi-tensor variant, which rounds differently; the
            default (None) takes it for CUDA parameters, as torch does
        maximize (bool, optional): maximize the objective (default: False)
        differentiable, capturable: accepted as in torch (``differentiable=True`` is not supported)
    """

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0, foreach=None,
                 maximize=False, differentiable=False, capturable=False):
        _validate(lr=lr, weight_decay=weight_decay)
        defaults = {'lr': lr, 'lambd': lambd, 'alpha': alpha, 't0': t0, 'weight_decay': weight_decay,
                    'foreach': foreach, 'maximize': maximize, 'differentiable': differentiable,
                    'capturable': capturable}
        _check_not_differentiable(differentiable)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        self._setstate_groups(False, foreach=None, maximize=False, differentiable=False, capturable=False)
        self._setstate_scalars(('step', 'eta', 'mu'), always_on_device=True)

    def _init_group(self, group):
        params, grads, mus, axs, etas, steps = [], [], [], [], [], []
        for p in group['params']:
            if p._grad is None:
                continue
            params.append(p)
            grads.append(p._grad)
            state = self.state[p]
            if len(state) == 0:
                state['step'] = _device_scalar(0.0, p)
                state['eta'] = _device_scalar(_f(_to_scalar(group['lr'])), p)
                state['mu'] = _device_scalar(1.0, p)
                state['ax'] = _zeros_like(p)
            mus.append(state['mu'])
            axs.append(state['ax'])
            etas.append(state['eta'])
            steps.append(state['step'])
        return params, grads, axs, mus, etas, steps

    @_use_grad_for_differentiable
    def step(self, closure=None):
        """Perform a single optimization step; ``closure`` re-evaluates the model and returns the loss."""
        loss = self._run_closure(closure)
        for group in self.param_groups:
            params, grads, axs, mus, etas, steps = self._init_group(group)
            asgd(params, grads, axs, mus, etas, steps, lambd=group['lambd'], lr=group['lr'], t0=group['t0'],
                 alpha=group['alpha'], weight_decay=group['weight_decay'], foreach=group['foreach'],
                 maximize=group['maximize'], differentiable=group['differentiable'],
                 capturable=group['capturable'])
        return loss


def _check_devices(params, mus, etas, steps, devices):
    for p, mu, eta, step in zip(params, mus, etas, steps):
        if not (p._device.type == mu._device.type == eta._device.type == step._device.type == 'cuda'):
            raise AssertionError('If capturable=True, params, mus, etas, and state_steps must be on supported '
                                 f'devices: {devices}.')


def asgd(params, grads, axs, mus, etas, state_steps, foreach=None, maximize=False, differentiable=False,
         capturable=False, has_complex=False, *, lambd, lr, t0, alpha, weight_decay):
    """Functional ASGD: updates ``params`` and the state tensors in place."""
    _check_state_steps(state_steps)
    if foreach is None:         # torch's default: the multi-tensor kernels for CUDA parameters
        foreach = bool(params) and all(p._device.type == 'cuda' for p in params)
    (_multi_tensor_asgd if foreach else _single_tensor_asgd)(
        params, grads, axs, mus, etas, state_steps, lambd=lambd, lr=lr, t0=t0, alpha=alpha,
        weight_decay=weight_decay, maximize=maximize, capturable=capturable)


def _scalar_type(t):
    """The NumPy scalar type of a 0-d state tensor (float32, or float64 under a float64 default)."""
    return t._data.dtype.type


def _single_tensor_asgd(params, grads, axs, mus, etas, state_steps, *, lambd, lr, t0, alpha, weight_decay, maximize,
                        capturable):
    lr = _to_scalar(lr)
    if capturable:
        _check_devices(params, mus, etas, state_steps,
                       "['cuda', 'xpu', 'hpu', 'privateuseone', 'xla']")
    for param, grad, ax_t, mu_t, eta_t, step_t in zip(params, grads, axs, mus, etas, state_steps):
        p = param._data
        dt = p.dtype.type
        g = _grad(grad, maximize)
        step = _incr(step_t)
        if weight_decay != 0:
            g = _add_alpha(g, p, weight_decay)
        ax = ax_t._data
        if capturable:      # 0-d tensors on the device: the scalar arithmetic rounds in their dtype
            eta = _val(eta_t)
            ft = type(eta)
            p *= dt(ft(1) - ft(lambd) * eta)
            _addcmul_(p, g, dt(eta), -1)
        else:
            eta_value = _get_value(eta_t)
            p *= _f(1 - lambd * eta_value)
            _fma(g, -eta_value, p, out=p)
        if capturable or _get_value(mu_t) != 1:
            d = p - ax
            d *= dt(_get_value(mu_t))
            ax += d
        else:
            ax[...] = p
        if capturable:
            s = _val(step_t)
            ft = type(s)
            if isinstance(lr, Tensor):
                lr_v = _val(lr)
                e = ft(1) + (ft(lambd) * lr_v) * s
                _set(eta_t, lr_v / _pow(e, alpha))
            else:
                e = ft(1) + ft(lambd * lr) * s
                _set(eta_t, (ft(1) / _pow(e, alpha)) * ft(lr))
            _set(mu_t, ft(1) / max(s - ft(t0), ft(1)))
        else:
            if isinstance(lr, Tensor):      # tensor arithmetic in lr's dtype, as in torch
                lr_v = _val(lr)
                ft = type(lr_v)
                e = ft(1) + (ft(lambd) * lr_v) * ft(step)
                new_eta = lr_v / _pow(e, alpha)
            else:
                new_eta = lr / ((1 + lambd * lr * step) ** alpha)
            _set(eta_t, new_eta)
            _set(mu_t, 1 / max(1, step - t0))
        _bump(param, ax_t)


def _multi_tensor_asgd(params, grads, axs, mus, etas, state_steps, *, lambd, lr, t0, alpha, weight_decay, maximize,
                       capturable):
    if len(params) == 0:
        return
    if capturable:
        _check_devices(params, mus, etas, state_steps, "['cuda', 'xpu', 'hpu', 'privateuseone']")
    lr = _to_scalar(lr)
    for param, grad, ax_t, mu_t, eta_t, step_t in zip(params, grads, axs, mus, etas, state_steps):
        _incr(step_t)
        p = param._data
        dt = p.dtype.type
        g = _grad(grad, maximize)
        # intermediate = grad (+ weight_decay*param) + lambd*param
        if weight_decay != 0:
            g = _add_alpha(g, p, weight_decay)
        inter = _add_alpha(g, p, lambd)
        # param -= eta * intermediate; ax += mu * (param - ax)
        _addcmul_(p, inter, dt(_get_value(eta_t)), -1)
        ax = ax_t._data
        d = p - ax
        _addcmul_(ax, d, dt(_get_value(mu_t)), 1)
        s = _val(step_t)
        ft = type(s)
        lr_v = _val(lr) if isinstance(lr, Tensor) else lr
        if capturable:
            _set(mu_t, ft(1) / max(s - ft(t0), ft(1)))
            e = (s * ft(lambd)) * ft(lr_v) + ft(1)
            _set(eta_t, (ft(1) / _pow(e, alpha)) * ft(lr_v))
        else:
            # ``lr / ((1 + lambd*lr*step) ** alpha)`` with ``step`` a 0-d tensor: torch computes it in
            # the step's dtype (``number / tensor`` is ``tensor.reciprocal() * number``)
            if isinstance(lr, Tensor):
                lt = type(lr_v)
                e = lt(1) + (lt(lambd) * lr_v) * lt(s)
                new_eta = lr_v / _pow(e, alpha)
            else:
                e = ft(1) + ft(lambd * lr) * s
                new_eta = (ft(1) / _pow(e, alpha)) * ft(lr)
            _set(eta_t, new_eta)
            _set(mu_t, 1 / max(1, _get_value(step_t) - t0))
        _bump(param, ax_t)
