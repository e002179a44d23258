"""Gradients of log-densities, entropies and KLs with respect to distribution parameters (score
functions, natural-gradient and empirical-Bayes code prints them): many families, float32 and
float64, plus torch.autograd.grad with create_graph for a Fisher-information estimate and the
REINFORCE vs reparameterisation gradient-variance comparison."""
import torch
import torch.distributions as D

torch.manual_seed(16)


def grads(name, make, value_fn, what='log_prob', dtype=torch.float32):
    a = torch.tensor([0.7, 1.3, 2.5], dtype=dtype, requires_grad=True)
    b = torch.tensor([1.2, 0.4, 3.0], dtype=dtype, requires_grad=True)
    d = make(a, b)
    if what == 'log_prob':
        out = d.log_prob(value_fn(dtype))
    elif what == 'entropy':
        out = d.entropy()
    else:
        out = what(d, a, b)
    ga, gb = torch.autograd.grad(out.sum(), (a, b), allow_unused=True)
    print(f'{name:26s} {what if isinstance(what, str) else "f"} {out.detach()}')
    print(f'{"":26s} ga {ga} gb {gb}')


vals = lambda v: (lambda dt: torch.tensor(v, dtype=dt))
pos = vals([0.5, 1.0, 2.0])
unit = vals([0.1, 0.5, 0.9])
cnt = vals([0.0, 1.0, 4.0])
for dt in (torch.float32, torch.float64):
    print('dtype', dt)
    grads('Gamma', lambda a, b: D.Gamma(a, b), pos, dtype=dt)
    grads('Gamma', lambda a, b: D.Gamma(a, b), None, 'entropy', dt)
    grads('Beta', lambda a, b: D.Beta(a, b), unit, dtype=dt)
    grads('Beta', lambda a, b: D.Beta(a, b), None, 'entropy', dt)
    grads('Kumaraswamy', lambda a, b: D.Kumaraswamy(a, b), unit, dtype=dt)
    grads('Kumaraswamy', lambda a, b: D.Kumaraswamy(a, b), None, 'entropy', dt)
    grads('Weibull', lambda a, b: D.Weibull(a, b), pos, dtype=dt)
    grads('Weibull', lambda a, b: D.Weibull(a, b), None, 'entropy', dt)
    grads('StudentT', lambda a, b: D.StudentT(a, b, b), pos, dtype=dt)
    grads('StudentT', lambda a, b: D.StudentT(a, b, b), None, 'entropy', dt)
    grads('VonMises', lambda a, b: D.VonMises(a, b), vals([0.0, 1.0, -2.0]), dtype=dt)
    grads('Poisson', lambda a, b: D.Poisson(a * b), cnt, dtype=dt)
    grads('Binomial', lambda a, b: D.Binomial(5, logits=a - b), cnt, dtype=dt)
    grads('NegativeBinomial', lambda a, b: D.NegativeBinomial(a, logits=b - 1), cnt, dtype=dt)
    grads('Geometric', lambda a, b: D.Geometric(logits=a - b), cnt, dtype=dt)
    grads('Geometric', lambda a, b: D.Geometric(logits=a - b), None, 'entropy', dt)
    grads('ContinuousBernoulli', lambda a, b: D.ContinuousBernoulli(logits=a - b), unit, dtype=dt)
    grads('ContinuousBernoulli', lambda a, b: D.ContinuousBernoulli(logits=a - b), None, 'entropy', dt)
    grads('Pareto', lambda a, b: D.Pareto(a * 0.1, b), pos, dtype=dt)
    grads('Pareto', lambda a, b: D.Pareto(a, b), None, 'entropy', dt)
    grads('Gumbel', lambda a, b: D.Gumbel(a, b), pos, dtype=dt)
    grads('Gumbel', lambda a, b: D.Gumbel(a, b), None, 'entropy', dt)
    grads('HalfCauchy', lambda a, b: D.HalfCauchy(a * b), pos, dtype=dt)
    grads('LogNormal', lambda a, b: D.LogNormal(a, b), None, 'entropy', dt)
    grads('Chi2', lambda a, b: D.Chi2(a + b), pos, dtype=dt)
    grads('FisherSnedecor', lambda a, b: D.FisherSnedecor(a, b), pos, dtype=dt)
    grads('InverseGamma', lambda a, b: D.InverseGamma(a, b), pos, dtype=dt)
    grads('InverseGamma', lambda a, b: D.InverseGamma(a, b), None, 'entropy', dt)
    grads('Dirichlet', lambda a, b: D.Dirichlet(a * b), vals([0.2, 0.3, 0.5]), dtype=dt)
    grads('Dirichlet', lambda a, b: D.Dirichlet(a * b), None, 'entropy', dt)
    grads('kl Beta', lambda a, b: D.Beta(a, b), None, lambda d, a, b: D.kl_divergence(d, D.Beta(torch.ones(3, dtype=dt), 2 * torch.ones(3, dtype=dt))), dt)
    grads('kl Gamma', lambda a, b: D.Gamma(a, b), None, lambda d, a, b: D.kl_divergence(d, D.Gamma(torch.ones(3, dtype=dt), torch.ones(3, dtype=dt))), dt)
    grads('kl Dirichlet', lambda a, b: D.Dirichlet(a + b), None, lambda d, a, b: D.kl_divergence(d, D.Dirichlet(torch.ones(3, dtype=dt))), dt)
    grads('kl Poisson', lambda a, b: D.Poisson(a), None, lambda d, a, b: D.kl_divergence(d, D.Poisson(b)), dt)
    grads('kl Bernoulli', lambda a, b: D.Bernoulli(logits=a - 1), None, lambda d, a, b: D.kl_divergence(d, D.Bernoulli(logits=b)), dt)
    grads('kl Geometric', lambda a, b: D.Geometric(logits=a - 1), None, lambda d, a, b: D.kl_divergence(d, D.Geometric(logits=b)), dt)
    grads('kl Laplace', lambda a, b: D.Laplace(a, b), None, lambda d, a, b: D.kl_divergence(d, D.Laplace(b, a)), dt)
    grads('kl Exp-Gamma', lambda a, b: D.Exponential(a), None, lambda d, a, b: D.kl_divergence(d, D.Gamma(b, a)), dt)
    grads('kl Gumbel', lambda a, b: D.Gumbel(a, b), None, lambda d, a, b: D.kl_divergence(d, D.Gumbel(b, a)), dt)
    grads('kl Pareto', lambda a, b: D.Pareto(a, b + 1), None, lambda d, a, b: D.kl_divergence(d, D.Pareto(a * 0.5, b)), dt)
    grads('kl Uniform-Gumbel', lambda a, b: D.Uniform(a, a + b), None, lambda d, a, b: D.kl_divergence(d, D.Gumbel(b, a)), dt)
    grads('kl Normal-Gumbel', lambda a, b: D.Normal(a, b), None, lambda d, a, b: D.kl_divergence(d, D.Gumbel(b, a)), dt)
    grads('kl ContBern', lambda a, b: D.ContinuousBernoulli(logits=a - 1), None, lambda d, a, b: D.kl_divergence(d, D.ContinuousBernoulli(logits=b)), dt)
    grads('kl Binomial', lambda a, b: D.Binomial(4, logits=a - 1), None, lambda d, a, b: D.kl_divergence(d, D.Binomial(4, logits=b)), dt)

# Fisher information of a Gamma shape parameter by the variance of the score (create_graph)
alpha = torch.tensor(2.0, requires_grad=True)
x = D.Gamma(alpha.detach(), 1.0).sample((2000,))
score = torch.autograd.grad(D.Gamma(alpha, 1.0).log_prob(x).sum(), alpha, create_graph=True)[0]
hess = torch.autograd.grad(score, alpha)[0]
print('observed fisher', round((-hess / 2000).item(), 4), 'trigamma', round(torch.polygamma(1, torch.tensor(2.0)).item(), 4))

# REINFORCE vs reparameterisation variance for d/dmu E[z^2]
mu = torch.tensor(1.0, requires_grad=True)
reinf, rep = [], []
for _ in range(200):
    q = D.Normal(mu, 1.0)
    z = q.sample()
    g1, = torch.autograd.grad(q.log_prob(z) * z ** 2, mu)
    z2 = q.rsample()
    g2, = torch.autograd.grad(z2 ** 2, mu)
    reinf.append(g1)
    rep.append(g2)
reinf, rep = torch.stack(reinf), torch.stack(rep)
print('reinforce mean/var', round(reinf.mean().item(), 3), round(reinf.var().item(), 3))
print('reparam mean/var', round(rep.mean().item(), 3), round(rep.var().item(), 3))
