"""Muon (``torch.optim.Muon``): momentum SGD for 2-D weights whose update is orthogonalized by
Newton-Schulz iterations, with decoupled weight decay.

torch runs the iterations in bfloat16. ember runs them on bare float32 arrays with
each intermediate rounded to bfloat16's 8-bit significand (round to nearest even), as torch's
bfloat16 ops round their float32 results; the orthogonalized update reaches the parameter with
bfloat16's values. (Within a bfloat16 ulp of torch's, not bit for bit: its bfloat16 matrix
products sum in another order.)

Example:
    >>> opt = ember.optim.Muon([p for p in model.parameters() if p.ndim == 2], lr=0.02)
    >>> loss_fn(model(x), y).backward(); opt.step()
"""
import math

import numpy as np

from .. import _backend
from .._bf16 import round_bf16 as _bf16   # (float32 rounded to bfloat16 values, kept float32)
from .. import _dtype
from .._tensor import Tensor, _wrap
from ..autograd.grad_mode import no_grad
from .optimizer import Optimizer, _to_scalar, _zeros_like

__all__ = ['Muon', 'muon']

# Keller Jordan's coefficients (https://kellerjordan.github.io/posts/muon/), torch's defaults
EPS = 1e-7
DEFAULT_A, DEFAULT_B, DEFAULT_C = 3.4445, -4.7750, 2.0315
DEFAULT_NS_STEPS = 5


class Muon(Optimizer):
    """Implements Muon: ``B = lerp(B, g, 1-momentum)``; the update ``O = NS(lerp(g, B, momentum))``
    (Nesterov) or ``NS(B)``; ``p *= 1 - lr*weight_decay``; ``p -= adjusted_lr * O``.

    Args:
        params (iterable): 2-D parameters (or groups of them) to optimize.
        lr (float, Tensor, optional): learning rate (default: 1e-3)
        weight_decay (float, optional): decoupled weight decay (default: 0.1)
        momentum (float, optional): momentum factor (default: 0.95)
        nesterov (bool, optional): Nesterov momentum (default: True)
        ns_coefficients (tuple of three floats, optional): the Newton-Schulz polynomial's (a, b, c)
        eps (float, optional): floor of the norm the update is divided by (default: 1e-7)
        ns_steps (int, optional): Newton-Schulz iterations (default: 5)
        adjust_lr_fn (str, optional): ``"original"`` (sqrt(max(1, rows/cols))) or ``"match_rms_adamw"``
            (0.2 * sqrt(max(rows, cols))); None means ``"original"``.
    """

    def __init__(self, params, lr=1e-3, weight_decay=0.1, momentum=0.95, nesterov=True,
                 ns_coefficients=(DEFAULT_A, DEFAULT_B, DEFAULT_C), eps=EPS, ns_steps=DEFAULT_NS_STEPS,
                 adjust_lr_fn=None):
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError('Tensor lr must be 1-element')
        if not 0.0 <= lr:
            raise ValueError(f'Learning rate should be >= 0 but is: {lr}')
        if not 0.0 <= momentum:
            raise ValueError(f'momentum should be >= 0 but is: {momentum}')
        if not 0.0 <= weight_decay:
            raise ValueError(f'weight decay should be >= 0 but is: {weight_decay}')
        if adjust_lr_fn is not None and adjust_lr_fn not in ('original', 'match_rms_adamw'):
            raise ValueError(f'Adjust learning rate function {adjust_lr_fn} is not supported')
        defaults = {'lr': lr, 'weight_decay': weight_decay, 'momentum': momentum, 'nesterov': nesterov,
                    'ns_coefficients': ns_coefficients, 'eps': eps, 'ns_steps': ns_steps,
                    'adjust_lr_fn': adjust_lr_fn}
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group['params']:
                if p.ndim != 2:
                    raise ValueError(f'Muon only supports 2D parameters whereas we found a parameter with size: '
                                     f'{p.size()}')

    @no_grad()
    def step(self, closure=None):
        """Perform a single optimization step; ``closure`` re-evaluates the model and returns the loss."""
        loss = self._run_closure(closure)
        for group in self.param_groups:
            params, grads, bufs = [], [], []
            for p in group['params']:
                if p._grad is None:
                    continue
                if p.is_complex():
                    raise RuntimeError('Muon does not support complex parameters')
                params.append(p)
                grads.append(p._grad)
                state = self.state[p]
                if 'momentum_buffer' not in state:
                    state['momentum_buffer'] = _zeros_like(p._grad)
                bufs.append(state['momentum_buffer'])
            muon(params, grads, bufs, lr=group['lr'], weight_decay=group['weight_decay'],
                 momentum=group['momentum'], nesterov=group['nesterov'], ns_coefficients=group['ns_coefficients'],
                 eps=group['eps'], ns_steps=group['ns_steps'], adjust_lr_fn=group['adjust_lr_fn'])
        return loss


def _zeropower_via_newtonschulz(grad, ns_coefficients, ns_steps, eps):
    """The quintic Newton-Schulz iteration towards U V^T of ``grad`` (U S V^T = grad), each step's
    result rounded to bfloat16 as torch's bfloat16 iteration. (rows, cols) -> (rows, cols)."""
    if ns_steps >= 100:
        raise ValueError('Number of steps must be less than 100 for computational efficiency')
    if len(grad.shape) != 2:
        raise ValueError('Input tensor gradient must be a 2D matrix')
    if len(ns_coefficients) != 3:
        raise ValueError('Coefficients must be a tuple of exactly 3 values')
    a, b, c = (np.float32(v) for v in ns_coefficients)
    xp = _backend.array_module(grad)
    tall = grad.shape[0] > grad.shape[1]
    x = _bf16(grad.T if tall else grad)
    # the Frobenius norm (summed in float32, as torch's reduced-precision norm), floored at eps
    norm = _bf16(xp.sqrt(xp.sum(x * x, dtype=np.float32)).astype(np.float32))
    norm = _bf16(xp.maximum(norm, np.float32(eps)))
    x = _bf16(x / norm)
    for _ in range(ns_steps):
        gram = _bf16(x @ x.T)
        update = _bf16(b * gram + c * (gram @ gram))
        x = _bf16(a * x + update @ x)
    return x.T if tall else x


def _adjust_lr(lr, adjust_lr_fn, param_shape):
    rows, cols = param_shape[:2]
    if adjust_lr_fn is None or adjust_lr_fn == 'original':
        ratio = math.sqrt(max(1, rows / cols))
    elif adjust_lr_fn == 'match_rms_adamw':
        ratio = 0.2 * math.sqrt(max(rows, cols))
    else:
        ratio = 1.0
    return lr * ratio


def muon(params, grads, muon_momentum_bufs, *, foreach=None, lr, weight_decay, momentum, nesterov,
         ns_coefficients, ns_steps, eps, adjust_lr_fn, has_complex=False):
    """Functional Muon (see :class:`Muon`)."""
    if foreach:
        raise RuntimeError('Foreach is not supported for Muon yet')
    lr = _to_scalar(lr)
    if has_complex:
        raise ValueError('Complex parameters are not supported')
    for param, grad, buf in zip(params, grads, muon_momentum_bufs):
        if grad.ndim != 2:
            raise ValueError('Param gradient must be a 2D matrix')
        buf.lerp_(grad, 1 - momentum)
        update = grad.lerp(buf, momentum) if nesterov else buf
        ortho = _zeropower_via_newtonschulz(update._data, ns_coefficients, ns_steps, eps)
        adjusted_lr = _adjust_lr(lr, adjust_lr_fn, param.shape)
        param.mul_(1 - lr * weight_decay)
        # (torch adds a bfloat16 update to a float32 parameter: in float32, with the update's values)
        # (a tensor lr: alpha is a Scalar to torch, read with item())
        alpha = -adjusted_lr.item() if isinstance(adjusted_lr, Tensor) else -adjusted_lr
        param.add_(_wrap(ortho, _dtype.float32, param._device), alpha=alpha)
