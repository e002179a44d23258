"""RMSprop (``torch.optim.RMSprop``), with ``centered``, momentum and weight decay.

Example:
    >>> opt = ember.optim.RMSprop(model.parameters(), lr=1e-2, alpha=0.99)
"""
import numpy as np

from .optimizer import (Optimizer, _use_grad_for_differentiable, _to_scalar, _f, _lerp_, _addcmul_, _addcdiv_,
                        _add_alpha_, _validate, _check_not_differentiable, _check_state_steps, _incr, _grad,
                        _weight_decay)

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
        _validate(lr=lr, eps=eps, momentum=momentum, weight_decay=weight_decay, alpha=alpha)
        defaults = {'lr': lr, 'momentum': momentum, 'alpha': alpha, 'eps': eps, 'centered': centered,
                    'weight_decay': weight_decay, 'capturable': capturable, 'foreach': foreach, 'maximize': maximize,
                    'differentiable': differentiable}
        _check_not_differentiable(differentiable)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        self._setstate_groups(momentum=0, centered=False, foreach=None, maximize=False, differentiable=False,
                              capturable=False)

    @_use_grad_for_differentiable
    def step(self, closure=None):
        """Perform a single optimization step; ``closure`` re-evaluates the model and returns the loss."""
        loss = self._run_closure(closure)
        for group in self.param_groups:
            has_momentum, centered = group['momentum'] > 0, group['centered']
            names = (('square_avg',) + (('momentum_buffer',) if has_momentum else ())
                     + (('grad_avg',) if centered else ()))
            params, grads, square_avgs, *extra, steps = self._gather(group, names)
            bufs = extra.pop(0) if has_momentum else []
            grad_avgs = extra.pop(0) if centered else []
            rmsprop(params, grads, square_avgs, grad_avgs, bufs, steps, lr=group['lr'], alpha=group['alpha'],
                    eps=group['eps'], weight_decay=group['weight_decay'], momentum=group['momentum'],
                    centered=group['centered'], maximize=group['maximize'])
        return loss


def rmsprop(params, grads, square_avgs, grad_avgs, momentum_buffer_list, state_steps, foreach=None, maximize=False,
            differentiable=False, capturable=False, has_complex=False, *, lr, alpha, eps, weight_decay, momentum,
            centered):
    """Functional RMSprop."""
    _check_state_steps(state_steps)
    lr = _f(_to_scalar(lr))
    for i, param in enumerate(params):
        p = param._data
        sq = square_avgs[i]._data
        _incr(state_steps[i])
        g = _weight_decay(p, _grad(grads[i], maximize), lr, weight_decay)
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
