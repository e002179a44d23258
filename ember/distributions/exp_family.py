"""``ExponentialFamily``: the base class of the distributions with densities
``exp(<t(x), theta> - F(theta) + k(x))`` (natural parameters theta, log normalizer F, carrier
measure k). Its ``entropy`` (and the KL between two members of one family, kl.py) come from the
Bregman divergence of F, differentiated with ember's autograd (Nielsen and Nock, "Entropies and
cross-entropies of exponential families").

Example:
    >>> d = Normal(ember.tensor([0.0, 1.0]), 2.0)          # a subclass
    >>> ExponentialFamily.entropy(d)                        # shape (2,), == d.entropy()
"""
import ember
from .distribution import Distribution

__all__ = ['ExponentialFamily']


class ExponentialFamily(Distribution):
    """Subclasses give ``_natural_params`` (a tuple of tensors), ``_log_normalizer(*params)``
    and ``_mean_carrier_measure`` (E[k(x)])."""

    @property
    def _natural_params(self):
        """The natural parameters theta, a tuple of tensors."""
        raise NotImplementedError

    def _log_normalizer(self, *natural_params):
        """F(theta), the log normalizer, of the natural parameters given."""
        raise NotImplementedError

    @property
    def _mean_carrier_measure(self):
        """E[k(x)], the expected carrier measure (needed by the entropy)."""
        raise NotImplementedError

    def entropy(self):
        """H = F(theta) - <theta, grad F(theta)> - E[k(x)]."""
        result = -self._mean_carrier_measure
        # fresh leaves, so that grad F is taken at theta alone (create_graph: the entropy stays
        # differentiable in theta through the gradient)
        nparams = [p.detach().requires_grad_() for p in self._natural_params]
        lg_normal = self._log_normalizer(*nparams)
        gradients = ember.autograd.grad(lg_normal.sum(), nparams, create_graph=True)
        result = result + lg_normal
        for p, g in zip(nparams, gradients):
            result = result - (p * g).reshape(self._batch_shape + (-1,)).sum(-1)
        return result
