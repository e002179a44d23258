"""``InverseGamma(concentration, rate)``: the law of 1 / X for X ~ Gamma(concentration, rate),
a TransformedDistribution of that Gamma by ``PowerTransform(-1)``.

Example:
    >>> d = InverseGamma(ember.tensor([2.0, 3.0]), ember.tensor([1.0, 0.5]))
    >>> d.log_prob(ember.tensor([0.5, 1.5]))       # shape (2,)
"""
import ember
from . import constraints
from .gamma import Gamma
from .transformed_distribution import TransformedDistribution
from .transforms import PowerTransform

__all__ = ['InverseGamma']


class InverseGamma(TransformedDistribution):
    arg_constraints = {'concentration': constraints.positive, 'rate': constraints.positive}
    support = constraints.positive
    has_rsample = True

    def __init__(self, concentration, rate, validate_args=None):
        base_dist = Gamma(concentration, rate, validate_args=validate_args)
        neg_one = -base_dist.rate.new_ones(())
        super().__init__(base_dist, PowerTransform(neg_one), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(InverseGamma, _instance)
        return super().expand(batch_shape, _instance=new)

    @property
    def concentration(self):
        return self.base_dist.concentration

    @property
    def rate(self):
        return self.base_dist.rate

    @property
    def mean(self):
        result = self.rate / (self.concentration - 1)
        return ember.where(self.concentration > 1, result, float('inf'))

    @property
    def mode(self):
        return self.rate / (self.concentration + 1)

    @property
    def variance(self):
        result = self.rate.square() / ((self.concentration - 1).square() * (self.concentration - 2))
        return ember.where(self.concentration > 2, result, float('inf'))

    def cdf(self, value):
        # TransformedDistribution.cdf over torch's Gamma.cdf (gammainc(concentration, rate * x)),
        # x = 1 / value, monotonized for the decreasing transform: 1 - P(X <= 1 / value)
        for transform in self.transforms[::-1]:
            value = transform.inv(value)
        if self._validate_args:
            self.base_dist._validate_sample(value)
        base_cdf = ember.special.gammainc(self.base_dist.concentration, self.base_dist.rate * value)
        return self._monotonize_cdf(base_cdf)

    def entropy(self):
        return (self.concentration + self.rate.log() + self.concentration.lgamma()
                - (1 + self.concentration) * self.concentration.digamma())
