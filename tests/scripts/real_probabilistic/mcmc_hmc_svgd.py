"""MCMC and particle methods by hand: random-walk Metropolis, Hamiltonian Monte Carlo with leapfrog
steps and autograd.grad of a Bayesian logistic-regression posterior, Stein variational gradient
descent with an RBF kernel (torch.cdist, median heuristic), torch.func.grad / vmap of a log
density, effective sample size and R-hat diagnostics."""
import torch
import torch.distributions as D
from torch.func import grad, vmap

torch.manual_seed(17)

# Bayesian logistic regression data
N, P = 80, 3
X = torch.cat([torch.ones(N, 1), torch.randn(N, P - 1)], 1)
w_true = torch.tensor([-0.5, 1.5, -2.0])
y = D.Bernoulli(logits=X @ w_true).sample()
print('y mean', y.mean().item(), 'X', X.shape)
prior = D.Independent(D.Normal(torch.zeros(P), 2.0 * torch.ones(P)), 1)


def log_post(w):
    return prior.log_prob(w) + D.Bernoulli(logits=w @ X.T).log_prob(y).sum(-1)


def grad_log_post(w):
    w = w.detach().requires_grad_(True)
    lp = log_post(w)
    g, = torch.autograd.grad(lp, w)
    return lp.detach(), g


# MAP by LBFGS
w_map = torch.zeros(P, requires_grad=True)
opt = torch.optim.LBFGS([w_map], lr=0.5, max_iter=50)


def closure():
    opt.zero_grad()
    loss = -log_post(w_map)
    loss.backward()
    return loss


opt.step(closure)
print('map', w_map.detach())
H = torch.autograd.functional.hessian(lambda w: -log_post(w), w_map.detach())
laplace = D.MultivariateNormal(w_map.detach(), precision_matrix=H)
print('laplace std', laplace.stddev)

# random-walk Metropolis
w = torch.zeros(P)
lp = log_post(w)
acc = 0
chain = []
for it in range(400):
    prop = w + 0.25 * torch.randn(P)
    lp_prop = log_post(prop)
    if torch.rand(()) < (lp_prop - lp).exp():
        w, lp = prop, lp_prop
        acc += 1
    chain.append(w)
chain = torch.stack(chain[100:])
print('rwm accept', acc / 400, 'mean', chain.mean(0), 'std', chain.std(0))


# HMC
def hmc_step(w, eps=0.08, L=10):
    p0 = torch.randn_like(w)
    lp0, g = grad_log_post(w)
    p = p0 + 0.5 * eps * g
    wn = w.clone()
    for i in range(L):
        wn = wn + eps * p
        lpn, g = grad_log_post(wn)
        if i < L - 1:
            p = p + eps * g
    p = p + 0.5 * eps * g
    log_accept = (lpn - 0.5 * (p ** 2).sum()) - (lp0 - 0.5 * (p0 ** 2).sum())
    if torch.log(torch.rand(())) < log_accept:
        return wn, True
    return w, False


chains = []
for c in range(2):
    w = w_map.detach() + 0.5 * torch.randn(P)
    samples, n_acc = [], 0
    for it in range(120):
        w, a = hmc_step(w)
        n_acc += a
        samples.append(w)
    chains.append(torch.stack(samples[20:]))
    print(f'hmc chain {c} accept {n_acc / 120:.3f} mean {chains[-1].mean(0)}')
chains = torch.stack(chains)  # (2, 100, P)


def rhat(ch):
    m, n = ch.shape[:2]
    means = ch.mean(1)
    B = n * means.var(0)
    W = ch.var(1).mean(0)
    return (((n - 1) / n * W + B / n) / W).sqrt()


def ess(x):
    x = x - x.mean()
    n = x.numel()
    ac = torch.stack([(x[:n - k] * x[k:]).sum() / (x * x).sum() for k in range(1, 30)])
    cut = (ac < 0.05).nonzero()
    k = cut[0, 0].item() if len(cut) else len(ac)
    return n / (1 + 2 * ac[:k].sum())


print('rhat', rhat(chains))
print('ess', torch.stack([ess(chains[0, :, j]) for j in range(P)]))

# torch.func: per-point gradients of the log-likelihood
per_point = vmap(grad(lambda w, x, t: D.Bernoulli(logits=x @ w).log_prob(t)), in_dims=(None, 0, 0))
G = per_point(w_map.detach(), X[:5], y[:5])
print('per-example grads', G)
print('score of prior', grad(lambda w: prior.log_prob(w))(torch.tensor([1.0, -1.0, 0.5])))


# SVGD
def rbf(x):
    d2 = torch.cdist(x, x) ** 2
    h = d2.median() / torch.log(torch.tensor(x.shape[0] + 1.0))
    K = torch.exp(-d2 / h)
    gradK = -(K.unsqueeze(-1) * (x.unsqueeze(1) - x.unsqueeze(0))).sum(0) * 2 / h
    return K, gradK


particles = torch.randn(20, P)
for it in range(60):
    xs = particles.detach().requires_grad_(True)
    lp = log_post(xs)
    g, = torch.autograd.grad(lp.sum(), xs)
    K, gradK = rbf(particles)
    phi = (K @ g - gradK) / particles.shape[0]
    particles = particles + 0.02 * phi
    if it % 20 == 0:
        print(f'svgd it {it} mean logp {lp.mean().item():.3f}')
print('svgd mean', particles.mean(0), 'std', particles.std(0))
