"""Linear layers: ``Identity``, ``Linear``, ``Bilinear``, ``LazyLinear``.

Example:
    >>> m = nn.Linear(20, 30)
    >>> m(ember.randn(128, 20)).shape        # torch.Size([128, 30])
"""
import math

from ..._ops.creation import empty
from ...autograd import grad_mode
from .. import functional as F, init
from ..parameter import Parameter, UninitializedParameter
from .lazy import LazyModuleMixin
from .module import Module

__all__ = ['Bilinear', 'Identity', 'LazyLinear', 'Linear']


class Identity(Module):
    r"""A placeholder that returns its input; any constructor arguments are ignored.

    Shape:
        - Input: :math:`(*)`; Output: :math:`(*)`, the input itself.

    Example::

        >>> m = nn.Identity(54, unused_argument1=0.1)
        >>> m(torch.randn(128, 20)).shape       # torch.Size([128, 20])
    """

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input


class Linear(Module):
    r"""An affine map :math:`y = xA^T + b`.

    Args:
        in_features: size of each input sample
        out_features: size of each output sample
        bias: if ``False``, the layer has no additive bias. Default: ``True``

    Shape:
        - Input: :math:`(*, H_{in})` with :math:`H_{in} = \text{in\_features}`.
        - Output: :math:`(*, H_{out})` with :math:`H_{out} = \text{out\_features}`.

    Attributes:
        weight: :math:`(\text{out\_features}, \text{in\_features})`, initialised from
            :math:`\mathcal{U}(-\sqrt{k}, \sqrt{k})` with :math:`k = 1 / \text{in\_features}`
            (``kaiming_uniform_(a=sqrt(5))``).
        bias: :math:`(\text{out\_features})`, from the same distribution.

    Example::

        >>> m = nn.Linear(20, 30)
        >>> m(torch.randn(128, 20)).size()        # torch.Size([128, 30])
    """
    __constants__ = ['in_features', 'out_features']

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(empty((out_features, in_features), device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_features, device=device, dtype=dtype))
        else:
            self.register_parameter('bias', None)
        self.reset_parameters()

    def reset_parameters(self):
        # kaiming_uniform_ with a=sqrt(5) is U(-1/sqrt(in_features), 1/sqrt(in_features))
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input):
        if type(self) is Linear:
            # what self.weight and self.bias find (Linear defines neither as a class attribute: the
            # instance dict, then Module.__getattr__'s _parameters), without the AttributeError that
            # the plain lookup raises and catches on its way to __getattr__ (~0.35 us each)
            d = self.__dict__
            ps = d.get('_parameters')
            if ps is not None and 'weight' in ps and 'bias' in ps and 'weight' not in d and 'bias' not in d:
                return F.linear(input, ps['weight'], ps['bias'])
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self):
        return f'in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}'


class NonDynamicallyQuantizableLinear(Linear):
    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__(in_features, out_features, bias=bias, device=device, dtype=dtype)


class Bilinear(Module):
    r"""A bilinear map :math:`y = x_1^T A x_2 + b`.

    Shape:
        - Input1: :math:`(*, H_{in1})`, Input2: :math:`(*, H_{in2})` (same leading dims).
        - Output: :math:`(*, H_{out})`.

    Attributes:
        weight: :math:`(\text{out\_features}, \text{in1\_features}, \text{in2\_features})`, from
            :math:`\mathcal{U}(-\sqrt{k}, \sqrt{k})` with :math:`k = 1 / \text{in1\_features}`.
        bias: :math:`(\text{out\_features})`, from the same distribution.

    Example::

        >>> m = nn.Bilinear(20, 30, 40)
        >>> m(torch.randn(128, 20), torch.randn(128, 30)).size()      # torch.Size([128, 40])
    """
    __constants__ = ['in1_features', 'in2_features', 'out_features']

    def __init__(self, in1_features, in2_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        self.in1_features = in1_features
        self.in2_features = in2_features
        self.out_features = out_features
        self.weight = Parameter(empty((out_features, in1_features, in2_features), device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_features, device=device, dtype=dtype))
        else:
            self.register_parameter('bias', None)
        self.reset_parameters()

    def reset_parameters(self):
        if self.in1_features <= 0:
            raise ValueError(f'in1_features must be > 0, but got (in1_features={self.in1_features})')
        bound = 1 / math.sqrt(self.weight.size(1))
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1, input2):
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self):
        return (f'in1_features={self.in1_features}, in2_features={self.in2_features}, '
                f'out_features={self.out_features}, bias={self.bias is not None}')


class LazyLinear(LazyModuleMixin, Linear):
    r"""A :class:`Linear` whose ``in_features`` is inferred from the first input
    (``input.shape[-1]``); after that forward the module is a :class:`Linear`.

    Example::

        >>> m = nn.LazyLinear(30)
        >>> m(torch.randn(128, 20)).shape; m        # torch.Size([128, 30]); Linear(in_features=20, ...)
    """
    cls_to_become = Linear

    def __init__(self, out_features, bias=True, device=None, dtype=None):
        # bias is hardcoded to False to avoid creating a tensor that is immediately replaced
        super().__init__(0, 0, False)
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        self.out_features = out_features
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)

    def reset_parameters(self):
        if not self.has_uninitialized_params() and self.in_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input):
        if self.has_uninitialized_params():
            with grad_mode.no_grad():
                self.in_features = input.shape[-1]
                self.weight.materialize((self.out_features, self.in_features))
                if self.bias is not None:
                    self.bias.materialize((self.out_features,))
                self.reset_parameters()
        if self.in_features == 0:
            if input.shape[-1] != self.weight.shape[-1]:
                raise AssertionError(f'The in_features inferred from input: {input.shape[-1]} is not equal to '
                                     f'in_features from self.weight: {self.weight.shape[-1]}')
            self.in_features = input.shape[-1]
