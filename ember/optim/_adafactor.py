"""Adafactor (``torch.optim.Adafactor``): Adam-like steps with a factored second moment (a row and
a column running mean for each matrix) and relative step sizes.

Example:
    >>> opt = ember.optim.Adafactor(model.parameters(), lr=1e-2)
"""
import numpy as np

from .._tensor import Tensor
from .optimizer import Optimizer, _default_scalar, _to_scalar, _zeros_like, _incr, _get_value
from .lbfgs import _no_grad

__all__ = ['Adafactor', 'adafactor']


class Adafactor(Optimizer):
    """Implements Adafactor.

    ``beta2_t = 1 - t^beta2_decay``, ``rho_t = min(lr, 1/sqrt(t))``,
    ``alpha_t = max(eps2, RMS(p)) * rho_t``; a matrix gradient updates the row and column means of
    ``g^2`` (a vector one its full second moment), the update ``g / sqrt(V)`` is scaled down to RMS
    ``d`` at most, and ``p -= alpha_t * update`` (after ``p *= 1 - lr*weight_decay``).

    Args:
        params (iterable): parameters or parameter groups to optimize.
        lr (float, Tensor, optional): unlike other optimizers, Adafactor does not require a
            learning rate; it caps the relative step size (default: 1e-2)
        beta2_decay (float, optional): the decay rate of beta2 (default: -0.8)
        eps (tuple of (float or None, float), optional): epsilon1 added to the denominator of the
            update (None: the parameter dtype's eps) and epsilon2 to avoid too small updates when
            the parameters are small (default: (None, 1e-3))
        d (float, optional): the clipping threshold, the largest RMS of the update (default: 1.0)
        weight_decay (float, optional): weight decay coefficient (default: 0.0)
        foreach (bool, optional): torch's multi-tensor variant (it rounds the last update in two
            steps) (default: None, the single-tensor one)
        maximize (bool, optional): maximize the objective (default: False)
    """

    def __init__(self, params, lr=1e-2, beta2_decay=-0.8, eps=(None, 1e-3), d=1.0, weight_decay=0.0, *,
                 foreach=None, maximize=False):
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError('Tensor lr must be 1-element')
        if not 0.0 <= lr:
            raise ValueError(f'Learning rate should be >= 0 but is: {lr}')
        if not 0.0 >= beta2_decay:
            raise ValueError(f'beta2_decay should be <= 0 but is: {beta2_decay}')
        if eps[0] is not None and not 0.0 <= eps[0]:
            raise ValueError(f'epsilon1 should be >= 0 but is: {eps[0]}')
        if not 0.0 <= eps[1]:
            raise ValueError(f'epsilon2 should be >= 0 but is: {eps[1]}')
        if not 1.0 <= d:
            raise ValueError(f'Clipping threshold d should be >= 1 but is: {d}')
        if not 0.0 <= weight_decay:
            raise ValueError(f'weight_decay should be >= 0 but is: {weight_decay}')
        defaults = {'lr': lr, 'beta2_decay': beta2_decay, 'eps': eps, 'd': d, 'weight_decay': weight_decay,
                    'foreach': foreach, 'maximize': maximize}
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        self._setstate_groups(foreach=None)

    def _init_group(self, group):
        from .. import zeros
        params, grads, row_vars, col_vars, variances, steps = [], [], [], [], [], []
        for p in group['params']:
            if p._grad is None:
                continue
            if p.is_complex():
                raise RuntimeError('Adafactor does not support complex parameters')
            params.append(p)
            grad = p._grad
            grads.append(grad)
            state = self.state[p]
            if len(state) == 0:
                state['step'] = _default_scalar(0.0)
                if grad.dim() > 1:
                    row_shape = list(grad.shape)
                    row_shape[-1] = 1
                    state['row_var'] = zeros(row_shape, dtype=grad.dtype, device=grad.device)
                    col_shape = list(grad.shape)
                    col_shape[-2] = 1
                    state['col_var'] = zeros(col_shape, dtype=grad.dtype, device=grad.device)
                else:
                    state['variance'] = _zeros_like(grad)
            row_vars.append(state.get('row_var', None))
            col_vars.append(state.get('col_var', None))
            variances.append(state.get('variance', None))
            steps.append(state['step'])
        return params, grads, row_vars, col_vars, variances, steps

    @_no_grad
    def step(self, closure=None):
        """Perform a single optimization step; ``closure`` re-evaluates the model and returns the loss."""
        loss = self._run_closure(closure)
        for group in self.param_groups:
            params, grads, row_vars, col_vars, variances, steps = self._init_group(group)
            eps1, eps2 = group['eps']
            adafactor(params, grads, row_vars, col_vars, variances, steps, d=group['d'], lr=group['lr'],
                      beta2_decay=group['beta2_decay'], weight_decay=group['weight_decay'], eps1=eps1, eps2=eps2,
                      foreach=group['foreach'], maximize=group['maximize'],
                      grad_scale=getattr(self, 'grad_scale', None), found_inf=getattr(self, 'found_inf', None))
        return loss


def adafactor(params, grads, row_vars, col_vars, variances, state_steps, grad_scale=None, found_inf=None,
              foreach=None, has_complex=False, *, d, lr, beta2_decay, weight_decay, eps1, eps2, maximize):
    """Functional Adafactor: updates ``params`` and the state tensors in place."""
    if not all(isinstance(t, Tensor) for t in state_steps):
        raise RuntimeError('`state_steps` argument must contain a list of singleton tensors')
    if grad_scale is not None or found_inf is not None:
        raise AssertionError('Grad scaling should occur outside of optimizer.step()')
    lr = _to_scalar(lr)
    for i, param in enumerate(params):
        grad = -grads[i] if maximize else grads[i]
        row_var, col_var, variance = row_vars[i], col_vars[i], variances[i]
        if eps1 is None:        # (the first parameter's dtype decides, as in torch)
            eps1 = float(np.finfo(param.dtype.np).eps)

        step_float = _incr(state_steps[i])
        one_minus_beta2_t = step_float ** beta2_decay
        rho_t = min(lr, 1 / (step_float ** 0.5))
        alpha = max(eps2, param.norm(2).item() / (param.numel() ** 0.5)) * rho_t

        # step weight decay
        if weight_decay != 0:
            param.mul_(_get_value(1 - lr * weight_decay))

        if grad.dim() > 1:
            # (g * g).mean(dim=-1) without materializing g * g
            row_mean = grad.norm(dim=-1, keepdim=True).square_().div_(grad.size(-1))
            row_var.lerp_(row_mean, one_minus_beta2_t)
            col_mean = grad.norm(dim=-2, keepdim=True).square_().div_(grad.size(-2))
            col_var.lerp_(col_mean, one_minus_beta2_t)
            var_estimate = row_var @ col_var
            var_estimate.div_(row_var.mean(dim=-2, keepdim=True).clamp_(min=eps1))
        else:
            grad_squared = grad * grad
            variance.lerp_(grad_squared, one_minus_beta2_t)
            var_estimate = variance.clone()        # (the update must not write into variance)

        # eps1 squared, as the square root follows
        update = var_estimate.clamp_(min=eps1 * eps1).rsqrt_()
        update.mul_(grad)
        denom = max(1.0, update.norm(2).item() / ((update.numel() ** 0.5) * d))
        if foreach:
            update.mul_(_get_value(-alpha / denom))
            param.add_(update)
        else:
            param.add_(update, alpha=_get_value(-alpha / denom))
