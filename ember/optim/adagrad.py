"""Adagrad (``torch.optim.Adagrad``), with ``lr_decay`` and ``initial_accumulator_value``.

Example:
    >>> opt = ember.optim.Adagrad(model.parameters(), lr=1e-2)
"""
import numpy as np

from .._tensor import Tensor
from .optimizer import (Optimizer, _default_scalar, _use_grad_for_differentiable, _to_scalar, _f, _get_scalar_dtype,
                        _scalar_tensor, _full_like, _addcmul_, _addcdiv_, _check_fused_foreach, _validate, _check_not_differentiable,
                        _check_state_steps, _incr, _grad, _weight_decay, _any_sparse)

__all__ = ['Adagrad', 'adagrad']


class Adagrad(Optimizer):
    """Implements Adagrad: ``s_t = s_{t-1} + g_t^2``,
    ``p -= lr/(1 + (t-1)*lr_decay) * g_t / (sqrt(s_t) + eps)``.

    Its state (``step`` and ``sum``) is made for every parameter when the optimizer is built.

    Args:
        params (iterable): parameters or parameter groups to optimize.
        lr (float, Tensor, optional): learning rate (default: 1e-2)
        lr_decay (float, optional): learning rate decay (default: 0)
        weight_decay (float, optional): weight decay (L2 penalty) (default: 0)
        initial_accumulator_value (float, optional): initial value of the sums (default: 0)
        eps (float, optional): added to the denominator (default: 1e-10)
        maximize (bool, optional): maximize the objective (default: False)
    """

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                 foreach=None, *, maximize=False, differentiable=False, fused=None):
        _validate(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                  initial_accumulator_value=initial_accumulator_value, eps=eps)
        defaults = {'lr': lr, 'lr_decay': lr_decay, 'eps': eps, 'weight_decay': weight_decay,
                    'initial_accumulator_value': initial_accumulator_value, 'foreach': foreach, 'maximize': maximize,
                    'differentiable': differentiable, 'fused': fused}
        _check_not_differentiable(differentiable)
        super().__init__(params, defaults)
        if fused:
            _check_fused_foreach(fused, foreach, differentiable)
            self._need_device_dtype_check_for_fused = True
            self._step_supports_amp_scaling = True
        for group in self.param_groups:
            for p in group['params']:
                self._new_state(group, p, self.state[p], ('sum',))

    def __setstate__(self, state):
        super().__setstate__(state)
        self._setstate_groups(False, foreach=None, maximize=False, differentiable=False, fused=None)
        fused = self.param_groups[-1]['fused'] if self.param_groups else None
        for s in self.state.values():
            if len(s) != 0 and not isinstance(s['step'], Tensor):
                s['step'] = _scalar_tensor(float(s['step']), _get_scalar_dtype(is_fused=fused))

    def share_memory(self):
        """A no-op on ember (torch moves the sums to shared memory)."""

    def _new_state(self, group, p, state, names):
        if group['fused']:       # (torch: float32 on the parameter's device; else on the default device)
            state['step'] = _scalar_tensor(0.0, _get_scalar_dtype(is_fused=True)).to(p.device)
        else:
            state['step'] = _default_scalar(0.0)
        state['sum'] = _full_like(p, self.defaults['initial_accumulator_value'])

    @_use_grad_for_differentiable
    def step(self, closure=None):
        """Perform a single optimization step; ``closure`` re-evaluates the model and returns the loss."""
        loss = self._run_closure(closure)
        for group in self.param_groups:
            params, grads, sums, steps = self._gather(group, ('sum',))
            adagrad(params, grads, sums, steps, fused=group['fused'], lr=group['lr'], weight_decay=group['weight_decay'],
                    lr_decay=group['lr_decay'], eps=group['eps'], maximize=group['maximize'])
        return loss


def adagrad(params, grads, state_sums, state_steps, fused=None, grad_scale=None, found_inf=None,
            has_sparse_grad=False, foreach=None, differentiable=False, has_complex=False, *, lr, weight_decay,
            lr_decay, eps, maximize):
    """Functional Adagrad."""
    _check_state_steps(state_steps)
    lr = _to_scalar(lr)
    sparse = has_sparse_grad or _any_sparse(grads)
    if sparse and fused:
        raise RuntimeError('`fused` does not support sparse grad or complex param')
    if sparse and weight_decay != 0 and any(g.is_sparse for g in grads):    # (before any state changes)
        raise RuntimeError('weight_decay option is not compatible with sparse gradients')
    for param, grad, state_sum, step_t in zip(params, grads, state_sums, state_steps):
        step = _incr(step_t)
        if sparse and grad.is_sparse:
            _sparse_step(param, grad, state_sum, lr / (1 + (step - 1) * lr_decay), eps, maximize)
            continue
        p = param._data
        g = _weight_decay(p, _grad(grad, maximize), lr, weight_decay)
        clr = lr / (1 + (step - 1) * lr_decay)
        s = state_sum._data
        _addcmul_(s, g, g, 1)
        state_sum._bump()
        std = np.sqrt(s)
        std += eps
        _addcdiv_(p, g, std, -_f(clr))
        param._bump()


def _sparse_step(param, grad, state_sum, clr, eps, maximize):
    """Adagrad on a sparse gradient, as torch: on the coalesced entries only,
    ``sum += g^2`` there, then ``p -= clr * g / (sqrt(sum) + eps)`` there."""
    from .._ops import sparse_coo as S
    g = (-grad if maximize else grad).coalesce()
    v = g._val._data
    s = state_sum._data
    S.dense_add_(s, g, values=v * v)
    state_sum._bump()
    std = np.sqrt(S.mask_rows(s, g))
    std += eps
    S.dense_add_(param._data, g, -_f(clr), values=v / std)
    param._bump()
