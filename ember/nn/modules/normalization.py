"""Normalisation over the trailing dims of each sample: ``LayerNorm`` and ``RMSNorm``.

Example:
    >>> x = ember.randn(20, 5, 10)
    >>> nn.LayerNorm(10)(x).mean(-1).abs().max() < 1e-5       # tensor(True)
"""
import numbers

import numpy as np

from ... import _dtype as D
from ..._ops.creation import empty
from .. import functional as F, init
from ..parameter import Parameter
from .module import Module

__all__ = ['LayerNorm', 'RMSNorm', 'LocalResponseNorm']


def _rms_norm(input, normalized_shape, weight=None, eps=None):
    """``F.rms_norm``; composed of ember ops (as torch's CPU kernel is) where the functional
    module does not provide it."""
    fn = getattr(F, 'rms_norm', None)
    if fn is not None:
        return fn(input, normalized_shape, weight, eps)
    ns = tuple(normalized_shape)
    if weight is not None and tuple(weight.shape) != ns:
        raise RuntimeError(f'Expected weight to be of same shape as normalized_shape, but got weight of shape '
                           f'{list(weight.shape)} and normalized_shape = {list(ns)}')
    xs, k = tuple(input.shape), len(ns)
    if len(xs) < k or xs[len(xs) - k:] != ns:
        raise RuntimeError(f'Given normalized_shape={list(ns)}, expected input with shape '
                           f'[*{", ".join(str(s) for s in ns)}], but got input of size{list(xs)}')
    if eps is None:
        eps = float(np.finfo(input.dtype.np).eps)
    up = input.float() if input.dtype is D.float16 else input       # half computes in float32
    out = up * (up.pow(2).mean(tuple(range(-k, 0)), keepdim=True) + eps).rsqrt()
    if weight is not None:
        out = out * weight
    return out.to(input.dtype)


class LayerNorm(Module):
    r"""Layer normalisation: :math:`y = \frac{x - \mathrm{E}[x]}{\sqrt{\mathrm{Var}[x] + \epsilon}} * \gamma + \beta`,
    the mean and (biased) variance taken over the last ``len(normalized_shape)`` dims.

    Args:
        normalized_shape: the trailing shape to normalise over (an int is a 1-tuple)
        eps: added to the variance for stability. Default: 1e-5
        elementwise_affine: learnable per-element ``weight`` (ones) and ``bias`` (zeros). Default: ``True``
        bias: whether to learn the additive bias (with ``elementwise_affine``). Default: ``True``

    Shape:
        - Input: :math:`(N, *)`; Output: :math:`(N, *)`, same shape.

    Example::

        >>> layer_norm = nn.LayerNorm(10)
        >>> layer_norm(torch.randn(20, 5, 10)).shape      # torch.Size([20, 5, 10])
    """
    __constants__ = ['normalized_shape', 'eps', 'elementwise_affine']

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True, device=None, dtype=None):
        super().__init__()
        if isinstance(normalized_shape, numbers.Integral):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if self.elementwise_affine:
            self.weight = Parameter(empty(self.normalized_shape, device=device, dtype=dtype))
            if bias:
                self.bias = Parameter(empty(self.normalized_shape, device=device, dtype=dtype))
            else:
                self.register_parameter('bias', None)
        else:
            self.register_parameter('weight', None)
            self.register_parameter('bias', None)
        self.reset_parameters()

    def reset_parameters(self):
        if self.elementwise_affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def forward(self, input):
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return '{normalized_shape}, eps={eps}, elementwise_affine={elementwise_affine}, bias={use_bias}'.format(
            **self.__dict__, use_bias=self.bias is not None)


class RMSNorm(Module):
    r"""Root mean square normalisation: :math:`y = \frac{x}{\sqrt{\mathrm{mean}(x^2) + \epsilon}} * \gamma`
    over the last ``len(normalized_shape)`` dims.

    Args:
        normalized_shape: the trailing shape to normalise over (an int is a 1-tuple)
        eps: added for stability; ``None`` means ``torch.finfo(x.dtype).eps``. Default: ``None``
        elementwise_affine: learnable per-element ``weight`` (ones). Default: ``True``

    Shape:
        - Input: :math:`(N, *)`; Output: :math:`(N, *)`, same shape.

    Example::

        >>> rms_norm = nn.RMSNorm([2, 3])
        >>> rms_norm(torch.randn(2, 2, 3)).shape          # torch.Size([2, 2, 3])
    """
    __constants__ = ['normalized_shape', 'eps', 'elementwise_affine']

    def __init__(self, normalized_shape, eps=None, elementwise_affine=True, device=None, dtype=None):
        super().__init__()
        if isinstance(normalized_shape, numbers.Integral):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if self.elementwise_affine:
            self.weight = Parameter(empty(self.normalized_shape, device=device, dtype=dtype))
        else:
            self.register_parameter('weight', None)
        self.reset_parameters()

    def reset_parameters(self):
        if self.elementwise_affine:
            init.ones_(self.weight)

    def forward(self, x):
        return _rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self):
        return '{normalized_shape}, eps={eps}, elementwise_affine={elementwise_affine}'.format(**self.__dict__)


class LocalResponseNorm(Module):
    r"""Local response normalisation across channels:
    :math:`b_c = a_c \left(k + rac{lpha}{n} \sum_{c'} a_{c'}^2ight)^{-eta}`, the sum over
    ``size`` neighbouring channels.

    Args:
        size: the number of neighbouring channels
        alpha: multiplicative factor. Default: 1e-4
        beta: exponent. Default: 0.75
        k: additive factor. Default: 1

    Shape:
        - Input: :math:`(N, C, *)`; Output: the same shape.

    Example::

        >>> nn.LocalResponseNorm(2)(torch.randn(32, 5, 24, 24)).shape     # torch.Size([32, 5, 24, 24])
    """
    __constants__ = ['size', 'alpha', 'beta', 'k']

    def __init__(self, size, alpha=1e-4, beta=0.75, k=1.0):
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, input):
        return F.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self):
        return '{size}, alpha={alpha}, beta={beta}, k={k}'.format(**self.__dict__)
