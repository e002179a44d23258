"""A simulation-study survey of samplers and distribution functions: moments of draws from many
families checked against mean/variance (including the awkward regimes: large-n Binomial, large-rate
Poisson, Gamma with concentration < 1, tiny Beta/Dirichlet concentrations, von Mises), cdf/icdf
round trips, torch.poisson / torch.binomial / torch.multinomial / torch.bernoulli, float64 draws."""
import torch
import torch.distributions as D

torch.manual_seed(13)


def summary(name, d, n=4000):
    s = d.sample((n,))
    print(f'{name:22s} first {s[:3].flatten()[:4].tolist()}')
    print(f'{"":22s} mean {s.float().mean(0).flatten()[:3]} vs {d.mean.flatten()[:3]}')
    return s


summary('binomial n=1000', D.Binomial(1000, torch.tensor([0.01, 0.5, 0.97])))
summary('binomial n=7', D.Binomial(torch.tensor([7.0, 20.0]), torch.tensor([0.3, 0.6])))
summary('binomial logits', D.Binomial(50, logits=torch.tensor([-3.0, 2.0])))
summary('poisson large', D.Poisson(torch.tensor([0.1, 9.5, 12.0, 250.0])))
summary('gamma small', D.Gamma(torch.tensor([0.1, 0.5, 0.9]), torch.tensor([1.0, 2.0, 0.5])))
summary('gamma large', D.Gamma(torch.tensor([50.0, 1000.0]), 1.0))
summary('beta small', D.Beta(torch.tensor([0.05, 0.5]), torch.tensor([0.5, 0.05])))
summary('dirichlet small', D.Dirichlet(torch.tensor([0.1, 0.1, 0.1])))
summary('vonmises', D.VonMises(torch.tensor([0.0, 2.0]), torch.tensor([0.5, 20.0])))
summary('studentT df=1.5', D.StudentT(torch.tensor([1.5, 30.0])))
summary('chi2', D.Chi2(torch.tensor([1.0, 10.0])))
summary('geometric', D.Geometric(torch.tensor([0.05, 0.9])))
summary('negbin', D.NegativeBinomial(torch.tensor([0.5, 40.0]), torch.tensor([0.2, 0.9])))
summary('laplace', D.Laplace(torch.tensor([1.0]), torch.tensor([3.0])))
summary('gumbel', D.Gumbel(torch.tensor([0.0]), torch.tensor([2.0])))
summary('weibull', D.Weibull(torch.tensor([1.0, 2.0]), torch.tensor([0.5, 3.0])))
summary('pareto', D.Pareto(torch.tensor([1.0]), torch.tensor([3.0])))
summary('kumaraswamy', D.Kumaraswamy(torch.tensor([0.5, 2.0]), torch.tensor([2.0, 0.5])))
summary('halfcauchy', D.HalfCauchy(torch.tensor([1.0])))
summary('fisher', D.FisherSnedecor(torch.tensor([5.0]), torch.tensor([10.0])))
summary('contbern', D.ContinuousBernoulli(torch.tensor([0.1, 0.5, 0.8])))
summary('multinomial', D.Multinomial(100, torch.tensor([0.5, 0.3, 0.2])))
summary('gen pareto', D.GeneralizedPareto(torch.tensor(0.0), torch.tensor(1.0), torch.tensor(0.2)))

# float64 samplers keep the dtype and draw the same stream
for d in [D.Gamma(torch.tensor([0.7], dtype=torch.float64), 1.0), D.Poisson(torch.tensor([3.0], dtype=torch.float64)),
          D.Beta(torch.tensor([2.0], dtype=torch.float64), torch.tensor([3.0], dtype=torch.float64)),
          D.Normal(torch.tensor([0.0], dtype=torch.float64), 1.0), D.Dirichlet(torch.ones(3, dtype=torch.float64))]:
    s = d.sample((2,))
    print(type(d).__name__, s.dtype, s.flatten().tolist())

# cdf / icdf round trips
u = torch.tensor([0.05, 0.3, 0.5, 0.9])
for d in [D.Normal(1.0, 2.0), D.Uniform(-1.0, 3.0), D.Laplace(0.0, 1.5), D.Cauchy(0.0, 1.0),
          D.Exponential(torch.tensor(2.0)), D.HalfNormal(torch.tensor(1.0)), D.HalfCauchy(torch.tensor(1.0)),
          D.Gumbel(0.0, 1.0), D.ContinuousBernoulli(torch.tensor(0.3))]:
    try:
        q = d.icdf(u)
        print(f'{type(d).__name__:18s} icdf {q}  cdf {d.cdf(q)}')
    except NotImplementedError:
        print(type(d).__name__, 'icdf NotImplementedError')
for d in [D.Gumbel(0.0, 1.0), D.Weibull(1.0, 2.0), D.Pareto(1.0, 2.0), D.Kumaraswamy(2.0, 2.0)]:
    try:
        print(type(d).__name__, 'cdf', d.cdf(torch.tensor([0.5, 1.5])))
    except (NotImplementedError, ValueError) as e:
        print(type(d).__name__, 'cdf', type(e).__name__)

# the raw samplers
rates = torch.tensor([[0.5, 4.0], [30.0, 0.0]])
print('torch.poisson', torch.poisson(rates))
print('torch.binomial', torch.binomial(torch.tensor([10.0, 100.0, 0.0]), torch.tensor([0.3, 0.05, 0.5])))
print('torch._standard_gamma', torch._standard_gamma(torch.tensor([0.3, 1.0, 4.0])))
print('torch._sample_dirichlet', torch._sample_dirichlet(torch.tensor([[0.5, 1.0, 2.0]])))
w = torch.tensor([[0.1, 0.0, 0.6, 0.3], [1.0, 1.0, 1.0, 1.0]])
print('multinomial repl', torch.multinomial(w, 6, replacement=True))
print('multinomial norepl', torch.multinomial(w[1:], 4))
print('bernoulli', torch.bernoulli(torch.tensor([0.0, 0.2, 0.8, 1.0]).expand(3, 4)))
print('bernoulli p', torch.empty(5).bernoulli_(0.3))
print('normal_', torch.empty(3).normal_(2.0, 0.1), 'exponential_', torch.empty(3).exponential_(2.0))
print('geometric_', torch.empty(4).geometric_(0.3), 'cauchy_', torch.empty(2).cauchy_())
print('log_normal_', torch.empty(3).log_normal_(0.0, 0.5))
print('random_', torch.empty(4).random_(0, 10), torch.empty(3, dtype=torch.int64).random_(5))
g = torch.Generator().manual_seed(3)
print('gen normal', torch.normal(torch.zeros(3), torch.ones(3), generator=g), torch.normal(2.0, 3.0, size=(2,), generator=g))
print('gen poisson', torch.poisson(torch.tensor([5.0, 50.0]), generator=g))

# reduced-precision parameters (memory-bound samplers, mixed-precision policies)
for dt in (torch.float16, torch.bfloat16):
    z = torch.zeros(5, dtype=dt)
    lap = D.Laplace(z, 1.0).sample()
    nrm = D.Normal(z, 2.0)
    x = nrm.sample()
    print(dt, 'laplace', lap, 'geometric', D.Geometric(z + 0.25).sample())
    print(dt, 'normal', x, 'cdf', nrm.cdf(x), 'log_prob', nrm.log_prob(x))
    print(dt, 'scaled', x / 1.4142135623730951, x * torch.tensor(0.7071067811865476))
    try:
        D.Gamma(z + 1, 1.0).sample()
    except NotImplementedError as e:
        print(dt, 'NotImplementedError:', e)
    try:
        D.MultivariateNormal(z[:2], torch.eye(2, dtype=dt))
    except NotImplementedError as e:
        print(dt, 'NotImplementedError:', e)
