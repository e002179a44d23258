"""Group normalisation: ``GroupNorm`` (channels split into groups, each normalised over its
channels and spatial positions; per-channel affine).

Example:
    >>> nn.GroupNorm(3, 6)(ember.randn(20, 6, 10, 10)).shape      # torch.Size([20, 6, 10, 10])
"""
from ..._ops.creation import empty
from .. import functional as F, init
from ..parameter import Parameter
from .module import Module

__all__ = ['GroupNorm']


class GroupNorm(Module):
    r"""Group normalisation over (N, C, *) input.

    Args: num_groups, num_channels (divisible by num_groups), eps=1e-5, affine=True, bias=True.
    """
    __constants__ = ['num_groups', 'num_channels', 'eps', 'affine']

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, bias=True, device=None, dtype=None):
        super().__init__()
        if num_channels % num_groups != 0:
            raise ValueError(f'num_channels ({num_channels}) must be divisible by num_groups ({num_groups})')
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        if self.affine:
            self.weight = Parameter(empty(num_channels, device=device, dtype=dtype))
            if bias:
                self.bias = Parameter(empty(num_channels, device=device, dtype=dtype))
            else:
                self.register_parameter('bias', None)
        else:
            self.register_parameter('weight', None)
            self.register_parameter('bias', None)
        self.reset_parameters()

    def reset_parameters(self):
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def forward(self, input):
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return ('{num_groups}, {num_channels}, eps={eps}, affine={affine}, '
                'bias={use_bias}'.format(**self.__dict__, use_bias=self.bias is not None))
