"""Multivariate Gaussians as GP / factor-analysis / Kalman code uses them: MultivariateNormal with
covariance_matrix, scale_tril and precision_matrix, LowRankMultivariateNormal (factor analysis),
conditioning, rsample gradients, entropy, KL between MVNs, and a fitted low-rank covariance."""
import torch
from torch.distributions import (MultivariateNormal, LowRankMultivariateNormal, Normal, Independent,
                                 kl_divergence)

torch.manual_seed(6)

A = torch.randn(3, 3)
cov = A @ A.T + 0.5 * torch.eye(3)
loc = torch.tensor([1.0, -1.0, 0.5])
m1 = MultivariateNormal(loc, covariance_matrix=cov)
m2 = MultivariateNormal(loc, scale_tril=torch.linalg.cholesky(cov))
m3 = MultivariateNormal(loc, precision_matrix=torch.linalg.inv(cov))
print(m1)
print(m2)
print(m3)
print('scale_tril', m1.scale_tril)
print('precision', m2.precision_matrix)
print('covariance', m3.covariance_matrix)
x = torch.tensor([[0.0, 0.0, 0.0], [1.0, -1.0, 0.5]])
for m in (m1, m2, m3):
    print('log_prob', m.log_prob(x), 'entropy', m.entropy())
print('mean', m1.mean, 'mode', m1.mode, 'var', m1.variance)
s = m1.sample((4,))
print('samples', s)
print('sample shape', m1.sample((2, 5)).shape, 'rsample', m1.has_rsample)

# batch of MVNs with a shared covariance
locs = torch.randn(5, 3)
mb = MultivariateNormal(locs, scale_tril=m1.scale_tril)
print('batched', mb.batch_shape, mb.event_shape, mb.scale_tril.shape)
print('batched log_prob', mb.log_prob(torch.zeros(3)))
print('kl batched', kl_divergence(mb, m1))
print('kl to diag', kl_divergence(m1, MultivariateNormal(torch.zeros(3), torch.eye(3))))
print('diag equivalence', MultivariateNormal(torch.zeros(2), torch.diag(torch.tensor([1.0, 4.0]))).log_prob(torch.tensor([0.5, 1.0])),
      Independent(Normal(torch.zeros(2), torch.tensor([1.0, 2.0])), 1).log_prob(torch.tensor([0.5, 1.0])))

# Gaussian conditioning p(x1 | x2 = v)
mu1, mu2 = loc[:1], loc[1:]
S11, S12, S22 = cov[:1, :1], cov[:1, 1:], cov[1:, 1:]
v = torch.tensor([0.0, 1.0])
K = S12 @ torch.linalg.inv(S22)
cond = MultivariateNormal(mu1 + K @ (v - mu2), S11 - K @ S12.T)
print('conditional', cond.mean, cond.covariance_matrix)

# low-rank + diagonal (factor analysis)
W = torch.randn(4, 2)
D = torch.tensor([0.5, 0.2, 0.3, 0.4])
lr = LowRankMultivariateNormal(torch.zeros(4), cov_factor=W, cov_diag=D)
full = MultivariateNormal(torch.zeros(4), covariance_matrix=W @ W.T + torch.diag(D))
print(lr)
y = lr.sample((3,))
print('lowrank samples', y)
print('lowrank log_prob', lr.log_prob(y))
print('full log_prob   ', full.log_prob(y))
print('lowrank entropy', lr.entropy(), full.entropy())
print('lowrank covariance', lr.covariance_matrix)
print('lowrank precision close', torch.allclose(lr.precision_matrix, full.precision_matrix, atol=1e-4))
print('lowrank scale_tril', lr.scale_tril)
print('lowrank variance', lr.variance)
print('kl lowrank-full', kl_divergence(lr, full))
print('kl lowrank-lowrank', kl_divergence(lr, LowRankMultivariateNormal(torch.ones(4), W * 0.5, D * 2)))

# fit a factor-analysis model by maximum likelihood
data = MultivariateNormal(torch.zeros(4), full.covariance_matrix).sample((150,))
Wf = torch.nn.Parameter(0.1 * torch.randn(4, 2))
log_d = torch.nn.Parameter(torch.zeros(4))
mu = torch.nn.Parameter(torch.zeros(4))
opt = torch.optim.Adam([Wf, log_d, mu], lr=0.05)
for it in range(50):
    model = LowRankMultivariateNormal(mu, Wf, log_d.exp())
    nll = -model.log_prob(data).mean()
    opt.zero_grad()
    nll.backward()
    opt.step()
    if it % 10 == 0:
        print(f'fa iter {it} nll {nll.item():.4f}')
print('fa diag', log_d.exp().data)

# reparameterised gradient through scale_tril
L = torch.tensor([[1.0, 0.0], [0.5, 0.8]], requires_grad=True)
m = MultivariateNormal(torch.zeros(2), scale_tril=L)
z = m.rsample((3,))
(z ** 2).sum().backward()
print('rsample', z.detach())
print('grad L', L.grad)
try:
    MultivariateNormal(torch.zeros(2))
except ValueError as e:
    print('ValueError:', e)
try:
    MultivariateNormal(torch.zeros(2), torch.eye(2), scale_tril=torch.eye(2))
except ValueError as e:
    print('ValueError:', e)
try:
    MultivariateNormal(torch.zeros(3), torch.eye(2))
except (ValueError, RuntimeError) as e:
    print(type(e).__name__, e)
try:
    LowRankMultivariateNormal(torch.zeros(3), torch.randn(4, 2), torch.ones(3))
except ValueError as e:
    print('ValueError:', e)
