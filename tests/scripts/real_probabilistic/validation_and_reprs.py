"""Distribution reprs, shapes and argument validation: print(Normal(...)), batch_shape/event_shape,
expand, sample shapes, support, Distribution.set_default_validate_args and the ValueError messages
of invalid parameters and samples, as a test suite or a debugging session prints them."""
import torch
import torch.distributions as D
from torch.distributions import Distribution

torch.manual_seed(4)

dists = [
    D.Normal(0.0, 1.0),
    D.Normal(torch.zeros(3), torch.ones(3)),
    D.Uniform(torch.tensor([0.0, 1.0]), torch.tensor([2.0, 5.0])),
    D.Bernoulli(probs=torch.tensor([0.3])),
    D.Categorical(probs=torch.ones(2, 5) / 5),
    D.Beta(torch.tensor(2.0), torch.tensor(3.0)),
    D.Gamma(torch.tensor([2.0, 3.0]), torch.tensor([1.0, 0.5])),
    D.Dirichlet(torch.ones(4)),
    D.Exponential(torch.tensor([1.0, 2.0])),
    D.Laplace(0.0, 2.0),
    D.Cauchy(torch.tensor(0.0), torch.tensor(1.0)),
    D.StudentT(3.0),
    D.HalfNormal(torch.tensor([1.0, 2.0])),
    D.LogNormal(0.0, 0.5),
    D.Gumbel(1.0, 2.0),
    D.Chi2(torch.tensor([3.0])),
    D.Pareto(1.0, 2.0),
    D.Weibull(torch.tensor(1.0), torch.tensor(1.5)),
    D.VonMises(torch.tensor(0.0), torch.tensor(2.0)),
    D.Kumaraswamy(torch.tensor(2.0), torch.tensor(5.0)),
    D.MultivariateNormal(torch.zeros(2), torch.eye(2)),
    D.Independent(D.Normal(torch.zeros(3, 2), 1.0), 1),
    D.HalfCauchy(torch.tensor(1.0)),
    D.FisherSnedecor(torch.tensor(3.0), torch.tensor(5.0)),
    D.ContinuousBernoulli(probs=torch.tensor([0.2, 0.8])),
]
for d in dists:
    s = d.sample((2,))
    print(d)
    print('  batch', tuple(d.batch_shape), 'event', tuple(d.event_shape), 'sample', tuple(s.shape),
          'support', d.support, 'rsample', d.has_rsample)
    print('  log_prob', d.log_prob(s))

# expand
n = D.Normal(torch.tensor([0.0, 1.0]), torch.tensor([1.0, 2.0]))
ne = n.expand((3, 2))
print('expanded', ne, ne.batch_shape, ne.loc)
print('expanded sample', ne.sample().shape, ne.sample((4,)).shape)
c = D.Categorical(logits=torch.zeros(3))
ce = c.expand(torch.Size([2]))
print('cat expanded', ce.batch_shape, ce.sample().shape, ce.logits)
mvn = D.MultivariateNormal(torch.zeros(2), torch.eye(2)).expand((4,))
print('mvn expanded', mvn.batch_shape, mvn.event_shape, mvn.sample().shape)
try:
    n.expand((3, 3))
except RuntimeError as e:
    print('RuntimeError:', e)

# validation errors
print('default validate', Distribution._validate_args)
bad = [
    lambda: D.Normal(torch.tensor(0.0), torch.tensor(-1.0)),
    lambda: D.Bernoulli(probs=torch.tensor(1.5)),
    lambda: D.Categorical(probs=torch.tensor([-0.1, 0.5])),
    lambda: D.Beta(torch.tensor(0.0), torch.tensor(1.0)),
    lambda: D.Gamma(torch.tensor(-1.0), torch.tensor(1.0)),
    lambda: D.Poisson(torch.tensor(-2.0)),
    lambda: D.Dirichlet(torch.tensor([1.0, -1.0])),
    lambda: D.Uniform(torch.tensor(2.0), torch.tensor(1.0)),
    lambda: D.Exponential(torch.tensor(0.0)),
    lambda: D.MultivariateNormal(torch.zeros(2), torch.tensor([[1.0, 2.0], [2.0, 1.0]])),
    lambda: D.Bernoulli(probs=torch.tensor(0.5), logits=torch.tensor(0.0)),
    lambda: D.Categorical(),
    lambda: D.Binomial(total_count=-1, probs=torch.tensor(0.5)),
]
for f in bad:
    try:
        f()
        print('no error')
    except ValueError as e:
        print('ValueError:', e)

samples = [
    (D.Normal(0.0, 1.0), torch.tensor(float('nan'))),
    (D.Bernoulli(probs=torch.tensor(0.3)), torch.tensor(0.5)),
    (D.Categorical(logits=torch.zeros(3)), torch.tensor(3)),
    (D.Beta(torch.tensor(2.0), torch.tensor(2.0)), torch.tensor(1.5)),
    (D.Poisson(torch.tensor(2.0)), torch.tensor(1.5)),
    (D.Dirichlet(torch.ones(3)), torch.tensor([0.5, 0.5, 0.5])),
    (D.Exponential(torch.tensor(1.0)), torch.tensor(-1.0)),
]
for d, v in samples:
    try:
        d.log_prob(v)
        print('no error')
    except ValueError as e:
        print('ValueError:', e)

# switching validation off globally
Distribution.set_default_validate_args(False)
d = D.Normal(torch.tensor(0.0), torch.tensor(-1.0))
print('unvalidated scale', d.scale, d.log_prob(torch.tensor(0.0)))
print('bernoulli out of support', D.Bernoulli(probs=torch.tensor(0.3)).log_prob(torch.tensor(0.5)))
Distribution.set_default_validate_args(True)
try:
    D.Normal(0.0, 1.0, validate_args=True).log_prob(torch.tensor([float('inf')]))
except ValueError as e:
    print('ValueError:', e)
print('validate_args=False ok', D.Normal(0.0, -2.0, validate_args=False).scale)

# arg_constraints of a few
for cls in [D.Normal, D.Gamma, D.Bernoulli, D.MultivariateNormal, D.Dirichlet]:
    print(cls.__name__, sorted(cls.arg_constraints.items(), key=lambda kv: kv[0]))
