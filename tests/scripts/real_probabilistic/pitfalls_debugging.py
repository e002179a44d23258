"""Common pitfalls when writing torch.distributions code, as a Q&A / debugging notebook shows them:
sample_shape as list/int/Size, Python-number parameters and dtypes, shape mismatch errors from
validation, rsample/enumerate_support/entropy on families lacking them, nan means, perplexity,
Categorical normalization, support and constraint reprs, Independent misuse, sample vs rsample."""
import torch
import torch.distributions as D
from torch.distributions import constraints

torch.manual_seed(14)


def attempt(label, fn):
    try:
        out = fn()
        print(label, '->', out)
    except Exception as e:  # noqa: BLE001 - printing the error is the point
        print(label, '->', type(e).__name__ + ':', e)


n = D.Normal(torch.zeros(2), torch.ones(2))
attempt('sample([3])', lambda: n.sample([3]).shape)
attempt('sample((3, 1))', lambda: n.sample((3, 1)).shape)
attempt('sample(Size())', lambda: n.sample(torch.Size()).shape)
attempt('sample(3)', lambda: n.sample(3).shape)
attempt('rsample requires_grad', lambda: n.rsample().requires_grad)
loc = torch.zeros(2, requires_grad=True)
attempt('sample of grad params', lambda: D.Normal(loc, 1.0).sample().requires_grad)
attempt('rsample of grad params', lambda: D.Normal(loc, 1.0).rsample().requires_grad)

# parameter types
attempt('Normal(0, 1) dtype', lambda: (D.Normal(0, 1).loc.dtype, D.Normal(0, 1).sample().dtype))
attempt('Normal(0., 1.) batch', lambda: D.Normal(0.0, 1.0).batch_shape)
attempt('Normal(tensor, float)', lambda: D.Normal(torch.tensor([1.0, 2.0]), 0.5).scale)
attempt('Normal double + float', lambda: D.Normal(torch.zeros(2, dtype=torch.float64), 1.0).scale.dtype)
attempt('log_prob of float', lambda: n.log_prob(0.5))
attempt('log_prob of list', lambda: n.log_prob([0.5, 0.2]))
attempt('log_prob wrong shape', lambda: n.log_prob(torch.zeros(3)))
attempt('log_prob broadcast', lambda: n.log_prob(torch.zeros(4, 1)).shape)
attempt('log_prob int value', lambda: D.Categorical(logits=torch.zeros(3)).log_prob(torch.tensor([0, 2])))
attempt('categorical float value', lambda: D.Categorical(logits=torch.zeros(3)).log_prob(torch.tensor(1.0)))
attempt('bernoulli int value', lambda: D.Bernoulli(probs=torch.tensor([0.3])).log_prob(torch.tensor([1])))

# methods a family lacks
attempt('Normal.enumerate_support', lambda: n.enumerate_support())
attempt('Categorical.rsample', lambda: D.Categorical(logits=torch.zeros(3)).rsample())
attempt('Bernoulli.rsample', lambda: D.Bernoulli(probs=torch.tensor(0.5)).rsample())
attempt('Transformed.entropy', lambda: D.TransformedDistribution(n, [D.transforms.ExpTransform()]).entropy())
attempt('Poisson.entropy', lambda: D.Poisson(torch.tensor(2.0)).entropy())
attempt('Cauchy.mean', lambda: D.Cauchy(0.0, 1.0).mean)
attempt('Cauchy.variance', lambda: D.Cauchy(0.0, 1.0).variance)
attempt('StudentT df=1 mean/var', lambda: (D.StudentT(torch.tensor([1.0, 1.5, 3.0])).mean, D.StudentT(torch.tensor([1.0, 1.5, 3.0])).variance))
attempt('Pareto alpha=1 mean', lambda: D.Pareto(1.0, torch.tensor([0.5, 1.0, 3.0])).mean)
attempt('Binomial inhomogeneous entropy', lambda: D.Binomial(torch.tensor([2.0, 3.0]), torch.tensor([0.5, 0.5])).entropy())
attempt('Binomial inhomogeneous enumerate', lambda: D.Binomial(torch.tensor([2.0, 3.0]), torch.tensor([0.5, 0.5])).enumerate_support())
attempt('Poisson mode', lambda: D.Poisson(torch.tensor([0.5, 3.0, 3.5])).mode)
attempt('Uniform mode', lambda: D.Uniform(0.0, 1.0).mode)
attempt('Gamma mode small', lambda: D.Gamma(torch.tensor([0.5, 3.0]), 1.0).mode)
attempt('Beta mode', lambda: D.Beta(torch.tensor([0.5, 3.0, 1.0]), torch.tensor([0.5, 2.0, 1.0])).mode)
attempt('Categorical mode', lambda: D.Categorical(torch.tensor([[0.2, 0.5, 0.3], [0.6, 0.2, 0.2]])).mode)
attempt('perplexity', lambda: D.Categorical(logits=torch.tensor([0.0, 1.0, 2.0])).perplexity())

# Categorical normalizes probs and logits
c = D.Categorical(probs=torch.tensor([2.0, 1.0, 1.0]))
print('normalized probs', c.probs, 'logits', c.logits)
c2 = D.Categorical(logits=torch.tensor([10.0, 11.0, 12.0]))
print('normalized logits', c2.logits, c2.probs)
print('categorical param_shape', c.param_shape, 'num_events', c._num_events)
print('categorical support', c.support, D.Categorical(probs=torch.ones(2, 4)).support)

# support / constraint reprs
for d in [D.Binomial(10, torch.tensor(0.5)), D.Poisson(torch.tensor(1.0)), D.Uniform(torch.tensor([0.0, 1.0]), torch.tensor([1.0, 3.0])),
          D.Dirichlet(torch.ones(3)), D.Multinomial(5, torch.ones(3)), D.OneHotCategorical(torch.ones(3)),
          D.MultivariateNormal(torch.zeros(2), torch.eye(2)), D.LKJCholesky(2, 1.0), D.Independent(D.Beta(torch.ones(2), torch.ones(2)), 1),
          D.Pareto(2.0, 1.0), D.Geometric(torch.tensor(0.5)), D.VonMises(0.0, 1.0)]:
    print(type(d).__name__, 'support', d.support, 'discrete', d.support.is_discrete, 'event_dim', d.support.event_dim)
for c in [constraints.boolean, constraints.nonnegative_integer, constraints.positive_integer, constraints.integer_interval(0, 4),
          constraints.half_open_interval(0.0, 1.0), constraints.real_vector, constraints.positive_definite,
          constraints.independent(constraints.positive, 2), constraints.cat([constraints.real, constraints.positive], lengths=[1, 2]),
          constraints.stack([constraints.real, constraints.positive]), constraints.less_than(3.0), constraints.one_hot,
          constraints.greater_than_eq(1.0), constraints.nonnegative, constraints.unit_interval, constraints.square,
          constraints.symmetric, constraints.corr_cholesky, constraints.positive_semidefinite]:
    print(c)
v = torch.tensor([[-1.0, 0.0, 2.0]])
print('check nonneg', constraints.nonnegative.check(v), 'check less_than', constraints.less_than(1.0).check(v))
print('check cat', constraints.cat([constraints.real, constraints.positive], lengths=[1, 2]).check(torch.tensor([-1.0, 2.0, 3.0])))
print('check pd', constraints.positive_definite.check(torch.eye(2)), constraints.positive_definite.check(-torch.eye(2)))
print('check independent', constraints.independent(constraints.positive, 1).check(v))

# Independent misuse
attempt('Independent too many dims', lambda: D.Independent(D.Normal(torch.zeros(2), 1.0), 2))
attempt('Independent(0) batch', lambda: D.Independent(D.Normal(torch.zeros(2, 3), 1.0), 0).batch_shape)
ind = D.Independent(D.Normal(torch.zeros(2, 3), torch.ones(2, 3)), 2)
print(ind, ind.batch_shape, ind.event_shape, ind.log_prob(torch.zeros(2, 3)))
print('Independent base', ind.base_dist, ind.reinterpreted_batch_ndims)
print('Independent support', ind.support)

# Validation: probs vs logits duplicates and probs sum
attempt('Categorical both', lambda: D.Categorical(probs=torch.ones(2), logits=torch.ones(2)))
attempt('Categorical 0-d', lambda: D.Categorical(probs=torch.tensor(1.0)))
attempt('OneHot bad value', lambda: D.OneHotCategorical(torch.ones(3)).log_prob(torch.tensor([1.0, 1.0, 0.0])))
attempt('Dirichlet 0-d', lambda: D.Dirichlet(torch.tensor(1.0)))
attempt('MVN non-square', lambda: D.MultivariateNormal(torch.zeros(2), scale_tril=torch.ones(2, 3)))
attempt('Multinomial bad total', lambda: D.Multinomial(5, torch.ones(3)).log_prob(torch.tensor([1.0, 1.0, 1.0])))
attempt('Multinomial batch total_count', lambda: D.Multinomial(torch.tensor([5, 6]), torch.ones(3)))
attempt('Uniform out of support', lambda: D.Uniform(0.0, 1.0).log_prob(torch.tensor(2.0)))
attempt('Uniform unvalidated', lambda: D.Uniform(0.0, 1.0, validate_args=False).log_prob(torch.tensor([2.0, 0.5])))
attempt('Exponential negative rate unvalidated', lambda: D.Exponential(torch.tensor(-1.0), validate_args=False).mean)
