"""Conjugate Bayesian updates and their posteriors: Beta-Bernoulli (coin flips), Gamma-Poisson
(event rates), Dirichlet-Categorical (dice), Normal-Normal; printing mean/variance/mode/entropy/
support, credible intervals by sampling and icdf, and reparameterised gradients of Gamma/Beta/
Dirichlet samples (implicit reparameterisation) fitted to data with an ELBO."""
import torch
from torch.distributions import (Beta, Bernoulli, Gamma, Poisson, Dirichlet, Categorical, Normal,
                                 kl_divergence, InverseGamma, StudentT)

torch.manual_seed(5)

# Beta-Bernoulli
flips = Bernoulli(probs=torch.tensor(0.7)).sample((40,))
print('flips', flips[:12], 'heads', flips.sum().item())
prior = Beta(torch.tensor(1.0), torch.tensor(1.0))
post = Beta(prior.concentration1 + flips.sum(), prior.concentration0 + (1 - flips).sum())
print(post)
print('posterior mean', post.mean, 'var', post.variance, 'mode', post.mode)
print('posterior entropy', post.entropy(), 'support', post.support)
draws = post.sample((2000,))
lo, hi = draws.quantile(torch.tensor([0.025, 0.975]))
print('credible interval sampled', round(lo.item(), 2), round(hi.item(), 2))
print('first draws', draws[:5])
print('kl(post||prior)', kl_divergence(post, prior))
print('log_prob grid', post.log_prob(torch.tensor([0.5, 0.6, 0.7, 0.8])))

# Gamma-Poisson
counts = Poisson(torch.tensor(4.0)).sample((25,))
print('counts', counts[:10])
a0, b0 = torch.tensor(2.0), torch.tensor(0.5)
gpost = Gamma(a0 + counts.sum(), b0 + counts.numel())
print(gpost)
print('rate mean', gpost.mean, 'var', gpost.variance, 'mode', gpost.mode, 'entropy', gpost.entropy())
print('gamma samples', gpost.sample((4,)))
print('gamma cdf', gpost.cdf(torch.tensor([3.0, 4.0, 5.0])))
ig = InverseGamma(torch.tensor(3.0), torch.tensor(2.0))
print(ig, 'mean', ig.mean, 'var', ig.variance, 'mode', ig.mode)
print('invgamma samples', ig.sample((3,)), ig.log_prob(torch.tensor([0.5, 1.0])))

# Dirichlet-Categorical
rolls = Categorical(probs=torch.tensor([0.1, 0.1, 0.2, 0.2, 0.1, 0.3])).sample((60,))
tally = torch.bincount(rolls, minlength=6).float()
print('tally', tally)
dpost = Dirichlet(torch.ones(6) + tally)
print(dpost)
print('dirichlet mean', dpost.mean)
print('dirichlet var', dpost.variance)
print('dirichlet mode', dpost.mode)
print('dirichlet entropy', dpost.entropy())
ds = dpost.sample((3,))
print('dirichlet samples', ds, ds.sum(-1))
print('dirichlet log_prob', dpost.log_prob(ds))
print('kl dirichlet', kl_divergence(dpost, Dirichlet(torch.ones(6))))

# Normal-Normal with known noise
obs = Normal(torch.tensor(1.5), torch.tensor(2.0)).sample((30,))
mu0, tau0, sigma = torch.tensor(0.0), torch.tensor(10.0), torch.tensor(2.0)
prec = 1 / tau0 ** 2 + obs.numel() / sigma ** 2
mpost = Normal((mu0 / tau0 ** 2 + obs.sum() / sigma ** 2) / prec, prec.rsqrt())
print(mpost)
print('normal icdf interval', mpost.icdf(torch.tensor([0.025, 0.975])))
print('normal cdf', mpost.cdf(torch.tensor([1.0, 2.0])))
pred = StudentT(df=torch.tensor(5.0), loc=mpost.loc, scale=mpost.scale)
print(pred, 'mean', pred.mean, 'var', pred.variance, 'entropy', pred.entropy())
print('studentT samples', pred.sample((4,)))

# implicit reparameterisation gradients
alpha = torch.tensor([2.0, 0.5, 5.0], requires_grad=True)
g = Gamma(alpha, torch.ones(3)).rsample()
g.sum().backward()
print('gamma rsample', g.detach(), 'dalpha', alpha.grad)
c1 = torch.tensor(2.0, requires_grad=True)
c0 = torch.tensor(3.0, requires_grad=True)
bsm = Beta(c1, c0).rsample((4,))
bsm.sum().backward()
print('beta rsample', bsm.detach(), 'grads', c1.grad, c0.grad)
conc = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
dsm = Dirichlet(conc).rsample()
(dsm * torch.tensor([1.0, -1.0, 2.0])).sum().backward()
print('dirichlet rsample', dsm.detach(), 'grad', conc.grad)

# variational fit of a Beta posterior with reparameterised samples
raw = torch.zeros(2, requires_grad=True)
opt = torch.optim.Adam([raw], lr=0.1)
lik = lambda p: (flips * p.log().unsqueeze(-1) + (1 - flips) * (1 - p).log().unsqueeze(-1)).sum(-1)
for step in range(40):
    q = Beta(raw[0].exp() + 0.5, raw[1].exp() + 0.5)
    p = q.rsample((16,)).clamp(1e-4, 1 - 1e-4)
    elbo = lik(p).mean() - kl_divergence(q, prior)
    opt.zero_grad()
    (-elbo).backward()
    opt.step()
    if step % 10 == 0:
        print(f'vi step {step} elbo {elbo.item():.3f} q mean {q.mean.item():.4f}')
print('vi raw', raw.data, 'exact mean', post.mean.item())
