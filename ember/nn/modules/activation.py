"""Activation layers: elementwise nonlinearities and the softmax family (``torch.nn`` names).

Each is a thin Module around the function of the same name in ``ember.nn.functional``; the
layers with options print them (``LeakyReLU(negative_slope=0.01)``, ``Softmax(dim=1)``).

Shape (all but GLU and the softmax family):
    - Input: :math:`(*)`, any number of dimensions.
    - Output: :math:`(*)`, the shape of the input.

Example:
    >>> m = nn.ReLU()
    >>> m(ember.tensor([-1., 2.]))           # tensor([0., 2.])
"""
import warnings

from ... import _ops
from .. import functional as F
from .module import Module

__all__ = ['Threshold', 'ReLU', 'Hardtanh', 'ReLU6', 'Sigmoid', 'Hardsigmoid', 'Tanh', 'SiLU', 'Mish', 'Hardswish',
           'ELU', 'CELU', 'SELU', 'GLU', 'GELU', 'LeakyReLU', 'LogSigmoid', 'Softplus', 'Softsign', 'Tanhshrink',
           'Softmin', 'Softmax', 'Softmax2d', 'LogSoftmax']


def _inplace_only(inplace):
    return 'inplace=True' if inplace else ''


def _inplace_tail(inplace):
    return ', inplace=True' if inplace else ''


class Threshold(Module):
    r"""``y = x if x > threshold else value``.

    Example::

        >>> m = nn.Threshold(0.1, 20)
        >>> m(torch.tensor([0.05, 1.0]))        # tensor([20.,  1.])
    """
    __constants__ = ['threshold', 'value', 'inplace']

    def __init__(self, threshold, value, inplace=False):
        super().__init__()
        self.threshold = threshold
        self.value = value
        self.inplace = inplace

    def forward(self, input):
        return F.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self):
        return f'threshold={self.threshold}, value={self.value}{_inplace_tail(self.inplace)}'


class _InplaceActivation(Module):
    """An activation whose only option is ``inplace``: one functional call, ``_fn(input, inplace)``."""
    __constants__ = ['inplace']

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return self._fn(input, self.inplace)

    def extra_repr(self):
        return _inplace_only(self.inplace)


class ReLU(_InplaceActivation):
    r""":math:`\text{ReLU}(x) = \max(0, x)`. ``inplace=True`` overwrites the input.

    Example::

        >>> nn.ReLU()(torch.tensor([-1., 2.]))   # tensor([0., 2.])
    """
    _fn = staticmethod(F.relu)



class Hardtanh(Module):
    r"""Clamp to ``[min_val, max_val]`` (default ``[-1, 1]``).

    Example::

        >>> nn.Hardtanh(-2, 2)(torch.tensor([-3., 0.5, 3.]))    # tensor([-2.0000,  0.5000,  2.0000])
    """
    __constants__ = ['min_val', 'max_val', 'inplace']

    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False, min_value=None, max_value=None):
        super().__init__()
        if min_value is not None:
            warnings.warn('keyword argument `min_value` is deprecated and renamed to `min_val`', FutureWarning,
                          stacklevel=2)
            min_val = min_value
        if max_value is not None:
            warnings.warn('keyword argument `max_value` is deprecated and renamed to `max_val`', FutureWarning,
                          stacklevel=2)
            max_val = max_value
        self.min_val = min_val
        self.max_val = max_val
        self.inplace = inplace
        if self.max_val <= self.min_val:
            raise AssertionError(f'max_val ({self.max_val}) must be greater than min_val ({self.min_val})')

    def forward(self, input):
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self):
        return f'min_val={self.min_val}, max_val={self.max_val}{_inplace_tail(self.inplace)}'


class ReLU6(Hardtanh):
    r""":math:`\min(\max(0, x), 6)`.

    Example::

        >>> nn.ReLU6()(torch.tensor([-1., 7.]))   # tensor([0., 6.])
    """

    def __init__(self, inplace=False):
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self):
        return _inplace_only(self.inplace)


class Sigmoid(Module):
    r""":math:`1 / (1 + e^{-x})`.

    Example::

        >>> nn.Sigmoid()(torch.zeros(2))          # tensor([0.5000, 0.5000])
    """

    def forward(self, input):
        return _ops.pointwise.sigmoid(input)


class Hardsigmoid(Module):
    r"""Piecewise linear sigmoid: 0 below -3, 1 above 3, ``x / 6 + 1 / 2`` between."""
    __constants__ = ['inplace']

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.hardsigmoid(input, self.inplace)


class Tanh(Module):
    r"""The hyperbolic tangent.

    Example::

        >>> nn.Tanh()(torch.zeros(2))             # tensor([0., 0.])
    """

    def forward(self, input):
        return _ops.pointwise.tanh(input)


class SiLU(_InplaceActivation):
    r""":math:`x \cdot \sigma(x)` (the swish)."""
    _fn = staticmethod(F.silu)


class Mish(_InplaceActivation):
    r""":math:`x \cdot \tanh(\text{softplus}(x))`."""
    _fn = staticmethod(F.mish)


class Hardswish(Module):
    r""":math:`x \cdot \text{ReLU6}(x + 3) / 6`."""
    __constants__ = ['inplace']

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.hardswish(input, self.inplace)


class ELU(Module):
    r""":math:`x` if :math:`x > 0`, else :math:`\alpha (e^x - 1)`."""
    __constants__ = ['alpha', 'inplace']

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input):
        return F.elu(input, self.alpha, self.inplace)

    def extra_repr(self):
        return f'alpha={self.alpha}{_inplace_tail(self.inplace)}'


class CELU(Module):
    r""":math:`\max(0, x) + \min(0, \alpha (e^{x / \alpha} - 1))`."""
    __constants__ = ['alpha', 'inplace']

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input):
        return F.celu(input, self.alpha, self.inplace)

    def extra_repr(self):
        return f'alpha={self.alpha}{_inplace_tail(self.inplace)}'


class SELU(_InplaceActivation):
    r"""Scaled ELU with the self-normalising constants (scale 1.0507..., alpha 1.6732...)."""
    _fn = staticmethod(F.selu)


class GLU(Module):
    r"""Gated linear unit: the input split in halves ``a, b`` along ``dim``, ``a * sigmoid(b)``.

    Shape:
        - Input: :math:`(*_1, N, *_2)`, N even.
        - Output: :math:`(*_1, M, *_2)` where :math:`M = N / 2`.

    Example::

        >>> nn.GLU()(torch.randn(4, 2)).shape     # torch.Size([4, 1])
    """
    __constants__ = ['dim']

    def __init__(self, dim=-1):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.glu(input, self.dim)

    def extra_repr(self):
        return f'dim={self.dim}'


class GELU(Module):
    r""":math:`x \Phi(x)` with :math:`\Phi` the standard normal CDF; ``approximate='tanh'``
    uses the tanh approximation."""
    __constants__ = ['approximate']

    def __init__(self, approximate='none'):
        super().__init__()
        self.approximate = approximate

    def forward(self, input):
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self):
        return f'approximate={repr(self.approximate)}'



class LeakyReLU(Module):
    r""":math:`x` if :math:`x \ge 0`, else ``negative_slope * x``.

    Example::

        >>> nn.LeakyReLU(0.1)(torch.tensor([-1., 2.]))    # tensor([-0.1000,  2.0000])
    """
    __constants__ = ['inplace', 'negative_slope']

    def __init__(self, negative_slope=1e-2, inplace=False):
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input):
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self):
        return f'negative_slope={self.negative_slope}{_inplace_tail(self.inplace)}'


class LogSigmoid(Module):
    r""":math:`\log(1 / (1 + e^{-x}))`."""

    def forward(self, input):
        return F.logsigmoid(input)


class Softplus(Module):
    r""":math:`\frac{1}{\beta} \log(1 + e^{\beta x})`, linear where :math:`\beta x >` ``threshold``."""
    __constants__ = ['beta', 'threshold']

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, input):
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self):
        return f'beta={self.beta}, threshold={self.threshold}'




class Softsign(Module):
    r""":math:`x / (1 + |x|)`."""

    def forward(self, input):
        return F.softsign(input)


class Tanhshrink(Module):
    r""":math:`x - \tanh(x)`."""

    def forward(self, input):
        return F.tanhshrink(input)


class _SoftmaxFamily(Module):
    """What Softmax, Softmin and LogSoftmax share: a ``dim`` and one functional call."""
    __constants__ = ['dim']

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def __setstate__(self, state):
        super().__setstate__(state)
        if not hasattr(self, 'dim'):
            self.dim = None

    def forward(self, input):
        return self._fn(input, self.dim)

    def extra_repr(self):
        return f'dim={self.dim}'


class Softmin(_SoftmaxFamily):
    r"""Softmin along ``dim``: ``softmax(-x)``; the slices along ``dim`` sum to 1.

    Shape:
        - Input: :math:`(*)`; Output: :math:`(*)`, same shape.

    Example::

        >>> nn.Softmin(dim=1)(torch.randn(2, 3)).sum(1)     # tensor([1., 1.])
    """
    _fn = staticmethod(lambda input, dim: F.softmin(input, dim, _stacklevel=6))


class Softmax(_SoftmaxFamily):
    r"""Softmax along ``dim``: :math:`e^{x_i} / \sum_j e^{x_j}`; the slices along ``dim`` sum to 1.

    Shape:
        - Input: :math:`(*)`; Output: :math:`(*)`, same shape.

    Example::

        >>> nn.Softmax(dim=1)(torch.randn(2, 3)).sum(1)     # tensor([1., 1.])
    """
    _fn = staticmethod(lambda input, dim: F.softmax(input, dim, _stacklevel=6))


class Softmax2d(Module):
    r"""Softmax over the channels of each spatial location.

    Shape:
        - Input: :math:`(N, C, H, W)` or :math:`(C, H, W)`; Output: the same shape.
    """

    def forward(self, input):
        if input.dim() not in (3, 4):
            raise ValueError(f'Softmax2d: expected input to be 3D or 4D, got {input.dim()}D instead')
        return F.softmax(input, -3, _stacklevel=5)


class LogSoftmax(_SoftmaxFamily):
    r""":math:`\log(\text{softmax}(x))` along ``dim``, computed stably.

    Shape:
        - Input: :math:`(*)`; Output: :math:`(*)`, same shape.

    Example::

        >>> nn.LogSoftmax(dim=1)(torch.randn(2, 3)).exp().sum(1)     # tensor([1., 1.])
    """
    _fn = staticmethod(lambda input, dim: F.log_softmax(input, dim, _stacklevel=6))


# ---------------------------------------------------------------- PReLU, RReLU, Hardshrink, Softshrink
class PReLU(Module):
    r"""max(0, x) + a * min(0, x) with a learned ``a``: one (``num_parameters=1``) or one per channel.

    Example::

        >>> m = nn.PReLU(3, init=0.1); m.weight.shape        # torch.Size([3])
    """
    __constants__ = ['num_parameters']

    def __init__(self, num_parameters=1, init=0.25, device=None, dtype=None):
        from ..parameter import Parameter
        self.num_parameters = num_parameters
        super().__init__()
        self.init = init
        self.weight = Parameter(_ops.creation.empty(num_parameters, device=device, dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self):
        from .. import init as _init
        _init.constant_(self.weight, self.init)

    def forward(self, input):
        return F.prelu(input, self.weight)

    def extra_repr(self):
        return f'num_parameters={self.num_parameters}'


class RReLU(Module):
    r"""Randomized leaky ReLU: slope ~ U(lower, upper) in training, (lower + upper) / 2 in eval."""
    __constants__ = ['lower', 'upper', 'inplace']

    def __init__(self, lower=1.0 / 8, upper=1.0 / 3, inplace=False):
        super().__init__()
        self.lower = lower
        self.upper = upper
        self.inplace = inplace

    def forward(self, input):
        return F.rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self):
        return f'lower={self.lower}, upper={self.upper}{_inplace_tail(self.inplace)}'


class Hardshrink(Module):
    r"""x where |x| > lambd, else 0."""
    __constants__ = ['lambd']

    def __init__(self, lambd=0.5):
        super().__init__()
        self.lambd = lambd

    def forward(self, input):
        return F.hardshrink(input, self.lambd)

    def extra_repr(self):
        return f'{self.lambd}'


class Softshrink(Module):
    r"""x - lambd above lambd, x + lambd below -lambd, else 0."""
    __constants__ = ['lambd']

    def __init__(self, lambd=0.5):
        super().__init__()
        self.lambd = lambd

    def forward(self, input):
        return F.softshrink(input, self.lambd)

    def extra_repr(self):
        return str(self.lambd)


__all__ += ['PReLU', 'RReLU', 'Hardshrink', 'Softshrink']
