"""Latent-variable inference loops: EM for a Gaussian mixture (responsibilities from
MultivariateNormal.log_prob + logsumexp, weighted updates with einsum / scatter_add), a Kalman
filter with MultivariateNormal predictive likelihoods, and a bootstrap particle filter with
systematic resampling (cumsum + searchsorted) and effective sample size."""
import math
import torch
import torch.distributions as D

torch.manual_seed(18)

# ---- EM for a 3-component 2-D GMM
true_means = torch.tensor([[-2.0, 0.0], [2.0, 1.0], [0.0, -2.5]])
comp = torch.multinomial(torch.tensor([0.3, 0.5, 0.2]), 300, replacement=True)
X = true_means[comp] + 0.6 * torch.randn(300, 2)
print('counts', torch.bincount(comp))
K = 3
means = X[torch.randperm(300)[:K]].clone()
covs = torch.eye(2).repeat(K, 1, 1)
weights = torch.full((K,), 1.0 / K)
prev = -math.inf
for it in range(25):
    comp_d = D.MultivariateNormal(means, covariance_matrix=covs)
    log_r = comp_d.log_prob(X.unsqueeze(1)) + weights.log()
    ll = torch.logsumexp(log_r, 1)
    r = (log_r - ll.unsqueeze(1)).exp()
    Nk = r.sum(0)
    weights = Nk / X.shape[0]
    means = (r.T @ X) / Nk.unsqueeze(1)
    diff = X.unsqueeze(1) - means
    covs = torch.einsum('nk,nki,nkj->kij', r, diff, diff) / Nk[:, None, None] + 1e-4 * torch.eye(2)
    total = ll.sum().item()
    if it % 5 == 0:
        print(f'em it {it} loglik {total:.3f}')
    if total - prev < 1e-4:
        print('converged at', it)
        break
    prev = total
order = means[:, 0].argsort()
print('weights', weights[order])
print('means', means[order])
print('cov diag', covs[order].diagonal(dim1=-2, dim2=-1))
labels = r.argmax(1)
print('hard counts', torch.zeros(K).scatter_add_(0, labels, torch.ones(300))[order])
gmm = D.MixtureSameFamily(D.Categorical(weights), D.MultivariateNormal(means, covs))
print('gmm log_prob', gmm.log_prob(true_means))
print('gmm sample', gmm.sample((3,)).shape)

# ---- Kalman filter for a constant-velocity model
dt = 1.0
F_ = torch.tensor([[1.0, dt], [0.0, 1.0]])
H_ = torch.tensor([[1.0, 0.0]])
Q = 0.01 * torch.eye(2)
R = torch.tensor([[0.25]])
T = 30
xs, ys = [], []
x = torch.tensor([0.0, 1.0])
for t in range(T):
    x = F_ @ x + D.MultivariateNormal(torch.zeros(2), Q).sample()
    xs.append(x)
    ys.append(H_ @ x + D.MultivariateNormal(torch.zeros(1), R).sample())
ys = torch.stack(ys)
m = torch.zeros(2)
P = torch.eye(2)
loglik = torch.tensor(0.0)
for t in range(T):
    m = F_ @ m
    P = F_ @ P @ F_.T + Q
    S = H_ @ P @ H_.T + R
    loglik = loglik + D.MultivariateNormal(H_ @ m, S).log_prob(ys[t])
    Kg = P @ H_.T @ torch.linalg.inv(S)
    m = m + Kg @ (ys[t] - H_ @ m)
    P = (torch.eye(2) - Kg @ H_) @ P
print('kalman loglik', loglik.item())
print('final state', m, 'true', xs[-1])
print('final cov', P)

# ---- bootstrap particle filter on the same data
Np = 200
particles = D.MultivariateNormal(torch.zeros(2), torch.eye(2)).sample((Np,))
logw = torch.zeros(Np)
pf_ll = 0.0
n_resample = 0
for t in range(T):
    particles = particles @ F_.T + D.MultivariateNormal(torch.zeros(2), Q).sample((Np,))
    obs_lp = D.Normal(particles[:, 0], R.sqrt()[0, 0]).log_prob(ys[t, 0])
    logw = logw + obs_lp
    lse = torch.logsumexp(logw, 0)
    pf_ll += (lse - math.log(Np)).item() if t == 0 or n_resample else 0.0
    w = (logw - lse).exp()
    ess = 1.0 / (w ** 2).sum()
    if ess < Np / 2:
        u = (torch.rand(1) + torch.arange(Np)) / Np
        idx = torch.searchsorted(torch.cumsum(w, 0), u).clamp(max=Np - 1)
        particles = particles[idx]
        logw = torch.zeros(Np)
        n_resample += 1
    if t % 10 == 0:
        print(f'pf t {t} ess {ess.item():.2f}')
w = torch.softmax(logw, 0)
print('pf resamples', n_resample)
print('pf mean', (w.unsqueeze(1) * particles).sum(0))
