"""RMSprop (``torch.optim.RMSprop``), with ``centered``, momentum and weight decay.

Example:
    >>> opt = ember.optim.RMSprop(model.parameters(), lr=1e-2, alpha=0.99)
"""
import numpy as np

from .._tensor import Tensor
from .optimizer import (Optimizer, _use_grad_for_differentiable, _to_scalar, _f, _scalar_tensor,
                        _zeros_like, _lerp_, _addcmul_, _addcdiv_, _add_alpha, _add_alpha_, _check_not_differentiable,
                        _check_capturable)
from .adam import _as_step_tensor

__all__ = ['RMSprop', 'rmsprop']


class RMSprop(Optimizer):
    """Implements RMSprop.

    ``v_t = alpha*v_{t-1} + (1-alpha)*g_t^2``; with ``centered`` the running mean of ``g`` is
    subtracted: ``v_t - mean_t^2``; ``p -= lr * g_t / (sqrt(v_t) + eps)`` (through a momentum
    buffer when ``momentum > 0``).

    Args:
        params (iterable): parameters or parameter groups to optimize.
        lr (float, Tensor, optional): learning rate (default: 1e-2)
        alpha (float, optional): smoothing constant (default: 0.99)
        eps (float, optional): added to the denominator (default: 1e-8)
        weight_decay (float, optional): weight decay (L2 penalty) (default: 0)
        momentum (float, optional): momentum factor (default: 0)
        centered (bool, optional): normalize by the estimated variance of the gradient (default: False)
        maximize (bool, optional): maximize the objective (default: False)
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError('Tensor lr must be 1-element')
        if not 0.0 <= lr:
            raise ValueError(f'Invalid learning rate: {lr}')
        if not 0.0 <= eps:
            raise ValueError(f'Invalid epsilon value: {eps}')
        if not 0.0 <= momentum:
            raise ValueError(f'Invalid momentum value: {momentum}')
        if not 0.0 <= weight_decay:
            raise ValueError(f'Invalid weight_decay value: {weight_decay}')
        if not 0.0 <= alpha:
            raise ValueError(f'Invalid alpha value: {alpha}')
        defaults = {'lr': lr, 'momentum': momentum, 'alpha': alpha, 'eps': eps, 'centered': centered,
                    'weight_decay': weight_decay, 'capturable': capturable, 'foreach': foreach, 'maximize': maximize,
                    'differentiable': differentiable}
        _check_not_differentiable(differentiable)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault('momentum', 0)
            group.setdefault('centered', False)
            group.setdefault('foreach', None)
            group.setdefault('maximize', False)
            group.setdefault('differentiable', False)
            group.setdefault('capturable', False)
            for p in group['params']:
                _as_step_tensor(self.state.get(p, []), group)

    def _init_group(self, group, params_with_grad, grads, square_avgs, momentum_buffer_list, grad_avgs,
                    state_steps):
        for p in group['params']:
            if p._grad is None:
                continue
            params_with_grad.append(p)
            grads.append(p._grad)
            state = self.state[p]
            if len(state) == 0:
                state['step'] = _scalar_tensor(0.0)
                state['square_avg'] = _zeros_like(p)
                if group['momentum'] > 0:
                    state['momentum_buffer'] = _zeros_like(p)
                if group['centered']:
                    state['grad_avg'] = _zeros_like(p)
            square_avgs.append(state['square_avg'])
            state_steps.append(state['step'])
            if group['momentum'] > 0:
                momentum_buffer_list.append(state['momentum_buffer'])
            if group['centered']:
                grad_avgs.append(state['grad_avg'])
        return False

    @_use_grad_for_differentiable
    def step(self, closure=None):
        """Perform a single optimization step; ``closure`` re-evaluates the model and returns the loss."""
        loss = self._run_closure(closure)
        for group in self.param_groups:
            params, grads, square_avgs, grad_avgs, bufs, steps = [], [], [], [], [], []
            self._init_group(group, params, grads, square_avgs, bufs, grad_avgs, steps)
            for p in params:
                _check_capturable(group, p)
            rmsprop(params, grads, square_avgs, grad_avgs, bufs, steps, lr=group['lr'], alpha=group['alpha'],
                    eps=group['eps'], weight_decay=group['weight_decay'], momentum=group['momentum'],
                    centered=group['centered'], maximize=group['maximize'])
        return loss


def rmsprop(params, grads, square_avgs, grad_avgs, momentum_buffer_list, state_steps, foreach=None, maximize=False,
            differentiable=False, capturable=False, has_complex=False, *, lr, alpha, eps, weight_decay, momentum,
            centered):
    """Functional RMSprop."""
    if not all(isinstance(t, Tensor) for t in state_steps):
        raise RuntimeError('API has changed, `state_steps` argument must contain a list of singleton tensors')
    lr = _f(_to_scalar(lr))
    for i, param in enumerate(params):
        p = param._data
        step_t = state_steps[i]
        g = -grads[i]._data if maximize else grads[i]._data
        sq = square_avgs[i]._data
        step_t._data += 1
        step_t._bump()
        if weight_decay != 0:
            g = _add_alpha(g, p, weight_decay)
        sq *= alpha
        _addcmul_(sq, g, g, 1 - alpha)
        square_avgs[i]._bump()
        if centered:
            ga = grad_avgs[i]._data
            _lerp_(ga, g, 1 - alpha)
            grad_avgs[i]._bump()
            avg = sq.copy()
            _addcmul_(avg, ga, ga, -1)
            np.sqrt(avg, out=avg)
        else:
            avg = np.sqrt(sq)
        avg += eps
        if momentum > 0:
            buf = momentum_buffer_list[i]
            b = buf._data
            b *= momentum
            _addcdiv_(b, g, avg, 1)
            buf._bump()
            _add_alpha_(p, b, -lr)
        else:
            _addcdiv_(p, g, avg, -lr)
        param._bump()
