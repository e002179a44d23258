"""``ember.distributions``: probability distributions with sampling, log-densities, entropies
and KL divergences, mirroring ``torch.distributions`` (for RL policies, VAEs, probabilistic code).

Sampling draws from ember's generators (``ember.manual_seed`` makes it reproducible; draws made
through rand/randn/multinomial are torch's numbers, the gamma, Poisson and binomial samplers are
NumPy's), and ``rsample`` is reparameterized so that gradients reach the parameters.

Example:
    >>> from ember.distributions import Normal, kl_divergence
    >>> p = Normal(ember.zeros(3, requires_grad=True), 1.0); kl_divergence(p, Normal(1.0, 2.0)).sum().backward()
"""
from . import constraints, transforms
from .bernoulli import Bernoulli
from .binomial import Binomial
from .categorical import Categorical
from .cauchy import Cauchy
from .dirichlet import Beta, Dirichlet
from .distribution import Distribution
from .exponential import Exponential
from .gamma import Chi2, Gamma
from .geometric import Geometric
from .independent import Independent
from .kl import kl_divergence, register_kl
from .laplace import Laplace
from .log_normal import LogNormal
from .multivariate_normal import MultivariateNormal
from .normal import Normal
from .one_hot_categorical import OneHotCategorical, OneHotCategoricalStraightThrough
from .poisson import Poisson
from .studentT import StudentT
from .transformed_distribution import TransformedDistribution
from .transforms import (AffineTransform, ComposeTransform, ExpTransform, PowerTransform, SigmoidTransform,
                         TanhTransform, Transform)
from .uniform import Uniform

__all__ = ['AffineTransform', 'Bernoulli', 'Beta', 'Binomial', 'Categorical', 'Cauchy', 'Chi2', 'ComposeTransform',
           'Dirichlet', 'Distribution', 'ExpTransform', 'Exponential', 'Gamma', 'Geometric', 'Independent',
           'Laplace', 'LogNormal', 'MultivariateNormal', 'Normal', 'OneHotCategorical',
           'OneHotCategoricalStraightThrough', 'Poisson', 'PowerTransform', 'SigmoidTransform', 'StudentT',
           'TanhTransform', 'Transform', 'TransformedDistribution', 'Uniform', 'constraints', 'kl_divergence',
           'register_kl', 'transforms']
