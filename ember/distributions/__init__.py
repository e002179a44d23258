"""``ember.distributions``: probability distributions with sampling, log-densities, entropies
and KL divergences, mirroring ``torch.distributions`` (for RL policies, VAEs, probabilistic code).

Sampling draws from ember's generators (``ember.manual_seed`` makes it reproducible; draws made
through rand/randn/multinomial and the gamma, Dirichlet, Poisson and binomial samplers are torch's
numbers on the CPU), and ``rsample`` is reparameterized so that gradients reach the parameters
(Dirichlet and Beta with torch's per-sample gradient, ``ember._dirichlet_grad``).

Example:
    >>> from ember.distributions import Normal, kl_divergence
    >>> p = Normal(ember.zeros(3, requires_grad=True), 1.0); kl_divergence(p, Normal(1.0, 2.0)).sum().backward()
"""
from . import constraints, transforms
from .bernoulli import Bernoulli
from .binomial import Binomial
from .categorical import Categorical
from .cauchy import Cauchy
from .constraint_registry import biject_to, transform_to
from .continuous_bernoulli import ContinuousBernoulli
from .dirichlet import Beta, Dirichlet
from .distribution import Distribution
from .exponential import Exponential
from .fishersnedecor import FisherSnedecor
from .gamma import Chi2, Gamma
from .geometric import Geometric
from .gumbel import Gumbel
from .half_normal import HalfNormal
from .independent import Independent
from .inverse_gamma import InverseGamma
from .kl import kl_divergence, register_kl
from .laplace import Laplace
from .log_normal import LogNormal
from .lowrank_multivariate_normal import LowRankMultivariateNormal
from .mixture_same_family import MixtureSameFamily
from .multinomial import Multinomial
from .multivariate_normal import MultivariateNormal
from .negative_binomial import NegativeBinomial
from .normal import Normal
from .one_hot_categorical import OneHotCategorical, OneHotCategoricalStraightThrough
from .poisson import Poisson
from .relaxed_bernoulli import RelaxedBernoulli
from .relaxed_categorical import RelaxedOneHotCategorical
from .studentT import StudentT
from .transformed_distribution import TransformedDistribution
from .transforms import (AbsTransform, AffineTransform, ComposeTransform, ExpTransform, IndependentTransform,
                         PowerTransform, SigmoidTransform, SoftmaxTransform, StickBreakingTransform, TanhTransform,
                         Transform)
from .uniform import Uniform

__all__ = ['AbsTransform', 'AffineTransform', 'Bernoulli', 'Beta', 'Binomial', 'Categorical', 'Cauchy', 'Chi2',
           'ComposeTransform', 'ContinuousBernoulli', 'Dirichlet', 'Distribution', 'ExpTransform', 'Exponential', 'FisherSnedecor', 'Gamma', 'Geometric',
           'Gumbel', 'HalfNormal', 'Independent', 'IndependentTransform', 'InverseGamma', 'Laplace', 'LogNormal', 'LowRankMultivariateNormal', 'MixtureSameFamily',
           'Multinomial', 'MultivariateNormal', 'NegativeBinomial', 'Normal', 'OneHotCategorical', 'OneHotCategoricalStraightThrough',
           'Poisson', 'PowerTransform', 'RelaxedBernoulli', 'RelaxedOneHotCategorical', 'SigmoidTransform',
           'SoftmaxTransform', 'StickBreakingTransform', 'StudentT', 'TanhTransform', 'Transform',
           'TransformedDistribution', 'Uniform', 'biject_to', 'constraints', 'kl_divergence', 'register_kl',
           'transform_to', 'transforms']
