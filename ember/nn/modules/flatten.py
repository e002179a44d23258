"""``Flatten`` and ``Unflatten``: reshape a range of dims into one, and one dim into several.

Example:
    >>> nn.Flatten()(ember.randn(32, 1, 5, 5)).shape              # torch.Size([32, 25])
    >>> nn.Unflatten(1, (2, 5, 5))(ember.randn(2, 50)).shape      # torch.Size([2, 2, 5, 5])
"""
from .module import Module

__all__ = ['Flatten', 'Unflatten']


class Flatten(Module):
    r"""Flatten the dims ``start_dim`` to ``end_dim`` into one (by default all but the batch dim).

    Shape:
        - Input: :math:`(*, S_{\text{start}},..., S_{i}, ..., S_{\text{end}}, *)`.
        - Output: :math:`(*, \prod_{i=\text{start}}^{\text{end}} S_{i}, *)`.

    Example::

        >>> nn.Flatten()(torch.randn(32, 1, 5, 5)).size()          # torch.Size([32, 25])
        >>> nn.Flatten(0, 2)(torch.randn(32, 1, 5, 5)).size()      # torch.Size([160, 5])
    """
    __constants__ = ['start_dim', 'end_dim']

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input):
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self):
        return f'start_dim={self.start_dim}, end_dim={self.end_dim}'


class Unflatten(Module):
    r"""Expand dim ``dim`` into the shape ``unflattened_size``.

    Shape:
        - Input: :math:`(*, S_{\text{dim}}, *)`.
        - Output: :math:`(*, U_1, ..., U_n, *)` with :math:`\prod U_i = S_{\text{dim}}`.

    Example::

        >>> nn.Unflatten(1, (2, 5, 5))(torch.randn(2, 50)).size()  # torch.Size([2, 2, 5, 5])
    """
    __constants__ = ['dim', 'unflattened_size']

    def __init__(self, dim, unflattened_size):
        super().__init__()
        self._require_tuple_int(unflattened_size)
        self.dim = dim
        self.unflattened_size = unflattened_size

    def _require_tuple_int(self, input):
        if isinstance(input, (tuple, list)):
            for idx, elem in enumerate(input):
                if not isinstance(elem, int):
                    raise TypeError('unflattened_size must be tuple of ints, ' +
                                    f'but found element of type {type(elem).__name__} at pos {idx}')
            return
        raise TypeError(f'unflattened_size must be a tuple of ints, but found type {type(input).__name__}')

    def forward(self, input):
        return input.unflatten(self.dim, self.unflattened_size)

    def extra_repr(self):
        return f'dim={self.dim}, unflattened_size={self.unflattened_size}'
