"""``PairwiseDistance`` and ``CosineSimilarity``: the distance functions of
``ember.nn.functional`` as modules (torch.nn names).

Example:
    >>> nn.CosineSimilarity(dim=1)(ember.randn(100, 128), ember.randn(100, 128)).shape   # torch.Size([100])
"""
from .. import functional as F
from .module import Module

__all__ = ['PairwiseDistance', 'CosineSimilarity']


class PairwiseDistance(Module):
    r"""The ``p``-norm distance :math:`\Vert x_1 - x_2 + \epsilon \Vert_p` over the last dim.

    Args:
        p: the norm degree (may be negative). Default: 2
        eps: added to the difference, against division by zero. Default: 1e-6
        keepdim: keep the reduced dim. Default: ``False``

    Example::

        >>> nn.PairwiseDistance(p=2)(torch.randn(100, 128), torch.randn(100, 128)).shape   # torch.Size([100])
    """
    __constants__ = ['norm', 'eps', 'keepdim']

    def __init__(self, p=2.0, eps=1e-6, keepdim=False):
        super().__init__()
        self.norm = p
        self.eps = eps
        self.keepdim = keepdim

    def forward(self, x1, x2):
        return F.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)


class CosineSimilarity(Module):
    r"""Cosine similarity along ``dim`` (the inputs broadcast):
    :math:`\frac{x_1 \cdot x_2}{\max(\Vert x_1 \Vert_2, \epsilon) \max(\Vert x_2 \Vert_2, \epsilon)}`.

    Args:
        dim: the dim to reduce. Default: 1
        eps: the smallest norm divided by. Default: 1e-8
    """
    __constants__ = ['dim', 'eps']

    def __init__(self, dim=1, eps=1e-8):
        super().__init__()
        self.dim = dim
        self.eps = eps

    def forward(self, x1, x2):
        return F.cosine_similarity(x1, x2, self.dim, self.eps)
