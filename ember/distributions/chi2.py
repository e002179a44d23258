"""``ember.distributions.chi2``: where ``torch.distributions.chi2`` code imports ``Chi2`` from
(ember defines it beside Gamma, in gamma.py).

Example:
    >>> from ember.distributions.chi2 import Chi2
    >>> Chi2(3.0).mean                             # tensor(3.)
"""
from .gamma import Chi2

__all__ = ['Chi2']
