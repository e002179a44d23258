"""``ember.distributions.beta``: where ``torch.distributions.beta`` code imports ``Beta`` from
(ember defines it beside Dirichlet, in dirichlet.py).

Example:
    >>> from ember.distributions.beta import Beta
    >>> Beta(2.0, 3.0).mean                        # tensor(0.4000)
"""
from .dirichlet import Beta

__all__ = ['Beta']
