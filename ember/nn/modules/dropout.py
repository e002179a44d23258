"""Dropout layers: ``Dropout``, ``Dropout1d``, ``Dropout2d``, ``Dropout3d``, ``AlphaDropout``.

In training mode each element (or, for the Nd forms, each whole channel) is zeroed with
probability ``p`` and the rest scaled by ``1 / (1 - p)``; in evaluation mode (``model.eval()``)
the layer is the identity.

Example:
    >>> m = nn.Dropout(p=0.2)
    >>> m(ember.ones(4, 4)); m.eval()(ember.ones(2))      # zeros and 1.25s; then tensor([1., 1.])
"""
from .. import functional as F
from .module import Module

__all__ = ['Dropout', 'Dropout1d', 'Dropout2d', 'Dropout3d', 'AlphaDropout', 'FeatureAlphaDropout']


class _DropoutNd(Module):
    __constants__ = ['p', 'inplace']

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        if p < 0 or p > 1:
            raise ValueError(f'dropout probability has to be between 0 and 1, but got {p}')
        self.p = p
        self.inplace = inplace

    def extra_repr(self):
        return f'p={self.p}, inplace={self.inplace}'


class Dropout(_DropoutNd):
    r"""Zero each element with probability ``p`` in training, scaling the rest by :math:`1/(1-p)`.

    Shape:
        - Input: :math:`(*)`; Output: :math:`(*)`, same shape.

    Example::

        >>> m = nn.Dropout(p=0.2)
        >>> m(torch.randn(20, 16)).shape          # torch.Size([20, 16])
    """

    def forward(self, input):
        return F.dropout(input, self.p, self.training, self.inplace)


class Dropout1d(_DropoutNd):
    r"""Zero whole channels (1-D feature maps) with probability ``p`` in training.

    Shape:
        - Input: :math:`(N, C, L)` or :math:`(C, L)`; Output: the same shape.
    """

    def forward(self, input):
        return F.dropout1d(input, self.p, self.training, self.inplace)


class Dropout2d(_DropoutNd):
    r"""Zero whole channels (2-D feature maps) with probability ``p`` in training.

    Shape:
        - Input: :math:`(N, C, H, W)` or :math:`(C, H, W)`; Output: the same shape.
    """

    def forward(self, input):
        return F.dropout2d(input, self.p, self.training, self.inplace)


class Dropout3d(_DropoutNd):
    r"""Zero whole channels (3-D feature maps) with probability ``p`` in training.

    Shape:
        - Input: :math:`(N, C, D, H, W)` or :math:`(C, D, H, W)`; Output: the same shape.
    """

    def forward(self, input):
        return F.dropout3d(input, self.p, self.training, self.inplace)


class AlphaDropout(_DropoutNd):
    r"""Dropout that keeps the self-normalising property of SELU (mean and variance)."""

    def forward(self, input):
        return F.alpha_dropout(input, self.p, self.training)


class FeatureAlphaDropout(_DropoutNd):
    r"""Alpha dropout of whole channels."""

    def forward(self, input):
        return F.feature_alpha_dropout(input, self.p, self.training)
