"""SparseAdam (``torch.optim.SparseAdam``): Adam for dense parameters with sparse gradients, such as
the weight of ``nn.Embedding(sparse=True)``. Only the rows a gradient names are touched: their
moments and their parameter values (the "masked" Adam of torch's docs).

Example:
    >>> emb = ember.nn.Embedding(1000, 16, sparse=True)
    >>> opt = ember.optim.SparseAdam(emb.parameters(), lr=1e-2)
    >>> emb(ember.tensor([3, 7, 3])).sum().backward(); opt.step()     # rows 3 and 7 change
"""
import math

import numpy as np

from .._tensor import Tensor
from .optimizer import Optimizer, _to_scalar, _zeros_like, _bump

__all__ = ['SparseAdam']


class SparseAdam(Optimizer):
    """Implements the masked Adam of torch's SparseAdam: for the coalesced entries ``(i, g_i)`` of
    the gradient, ``m_i = lerp(m_i, g_i, 1-beta1)``, ``v_i = lerp(v_i, g_i^2, 1-beta2)``,
    ``p_i -= lr*sqrt(1-beta2^t)/(1-beta1^t) * m_i / (sqrt(v_i) + eps)``; other rows keep their
    values and moments. ``step`` (a Python int) counts the steps of each parameter.

    Args:
        params (iterable): dense parameters (sparse ones are refused) or parameter groups.
        lr (float, Tensor, optional): learning rate (default: 1e-3)
        betas (tuple of two floats, optional): running-average coefficients (default: (0.9, 0.999))
        eps (float, optional): added to the denominator (default: 1e-8)
        maximize (bool, optional): maximize the objective (default: False)

    Raises ``RuntimeError`` at ``step()`` for a dense gradient ("please consider Adam instead").
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, maximize=False):
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError('Tensor lr must be 1-element')
        if not 0.0 < lr:
            raise ValueError(f'Invalid learning rate: {lr}')
        if not 0.0 < eps:
            raise ValueError(f'Invalid epsilon value: {eps}')
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f'Invalid beta parameter at index 0: {betas[0]}')
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f'Invalid beta parameter at index 1: {betas[1]}')
        super().__init__(params, {'lr': lr, 'betas': betas, 'eps': eps, 'maximize': maximize})
        sparse_params, complex_params = [], []
        for index, group in enumerate(self.param_groups):
            for d_index, p in enumerate(group['params']):
                if p.is_sparse:
                    sparse_params.append([index, d_index])
                if p.is_complex():
                    complex_params.append([index, d_index])
        if sparse_params:
            raise ValueError(f'Sparse params at indices {sparse_params}: SparseAdam requires dense parameter tensors')
        if complex_params:
            raise ValueError(f'Complex params at indices {complex_params}: SparseAdam does not support complex '
                             'parameters')

    def step(self, closure=None):
        """Perform a single optimization step; ``closure`` re-evaluates the model and returns the loss."""
        loss = self._run_closure(closure)
        for group in self.param_groups:             # (refused before anything changes)
            for p in group['params']:
                if p._grad is not None and not p._grad.is_sparse:
                    raise RuntimeError('SparseAdam does not support dense gradients, please consider Adam instead')
        for group in self.param_groups:
            beta1, beta2 = group['betas']
            lr, eps, maximize = _to_scalar(group['lr']), group['eps'], group.get('maximize', False)
            for p in group['params']:
                if p._grad is None:
                    continue
                state = self.state[p]
                if len(state) == 0:
                    state['step'] = 0
                    state['exp_avg'] = _zeros_like(p)
                    state['exp_avg_sq'] = _zeros_like(p)
                state['step'] += 1
                _sparse_adam(p, p._grad, state['exp_avg'], state['exp_avg_sq'], state['step'], lr, beta1, beta2,
                             eps, maximize)
        return loss


def _sparse_adam(param, grad, exp_avg, exp_avg_sq, step, lr, beta1, beta2, eps, maximize):
    """One parameter's update, in torch's order of operations (float32 stays float32)."""
    from .._ops import sparse_coo as S
    g = (-grad if maximize else grad).coalesce()       # the update is not linear: one entry per row
    gv = g._val._data
    if gv.size == 0:
        return
    m, v = exp_avg._data, exp_avg_sq._data
    old_m = S.mask_rows(m, g)
    upd_m = (gv - old_m) * (1 - beta1)
    S.dense_add_(m, g, values=upd_m)
    old_v = S.mask_rows(v, g)
    upd_v = (gv * gv - old_v) * (1 - beta2)
    S.dense_add_(v, g, values=upd_v)
    numer = upd_m + old_m
    upd_v += old_v
    denom = np.sqrt(upd_v)
    denom += eps
    step_size = lr * math.sqrt(1 - beta2 ** step) / (1 - beta1 ** step)
    S.dense_add_(param._data, g, values=-step_size * (numer / denom))
    _bump(param, exp_avg, exp_avg_sq)
