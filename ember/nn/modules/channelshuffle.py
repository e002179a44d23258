"""``ChannelShuffle``: interleave the channels of ``groups`` groups (torch.nn name)."""
from .. import functional as F
from .module import Module

__all__ = ['ChannelShuffle']


class ChannelShuffle(Module):
    r"""(N, g c, *) -> (N, c g, *): the channels, split into ``groups`` groups, interleaved.

    Example::

        >>> nn.ChannelShuffle(2)(torch.arange(4.).reshape(1, 4, 1, 1)).flatten()   # tensor([0., 2., 1., 3.])
    """
    __constants__ = ['groups']

    def __init__(self, groups):
        super().__init__()
        self.groups = groups

    def forward(self, input):
        return F.channel_shuffle(input, self.groups)

    def extra_repr(self):
        return f'groups={self.groups}'
