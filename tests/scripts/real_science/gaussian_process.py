"""Exact GP regression in float64: RBF kernel via cdist, Cholesky solves, marginal likelihood with Adam."""
import math
import torch

torch.set_default_dtype(torch.float64)
torch.manual_seed(5)
print('default dtype', torch.get_default_dtype(), torch.tensor([1.0]).dtype, torch.zeros(2).dtype)

X = torch.rand(30, 1) * 6
y = torch.sin(X).squeeze(-1) + 0.1 * torch.randn(30)
Xs = torch.linspace(0, 6, 7).unsqueeze(-1)
print('X', X.shape, X.dtype, 'y', y[:4])


def rbf(a, b, ls, var):
    d2 = torch.cdist(a / ls, b / ls, p=2).pow(2)
    return var * torch.exp(-0.5 * d2)


log_ls = torch.zeros(1, requires_grad=True)
log_var = torch.zeros(1, requires_grad=True)
log_noise = torch.tensor([-2.0], requires_grad=True)
opt = torch.optim.Adam([log_ls, log_var, log_noise], lr=0.05)


def nll():
    K = rbf(X, X, log_ls.exp(), log_var.exp()) + (log_noise.exp() + 1e-6) * torch.eye(len(X))
    L = torch.linalg.cholesky(K)
    alpha = torch.cholesky_solve(y.unsqueeze(-1), L)
    return 0.5 * (y.unsqueeze(-1) * alpha).sum() + L.diagonal().log().sum() + 0.5 * len(X) * math.log(2 * math.pi)


for step in range(40):
    opt.zero_grad()
    loss = nll()
    loss.backward()
    opt.step()
    if step % 8 == 0:
        print(f'step {step:2d} nll {loss.item():.6f} ls {log_ls.exp().item():.5f} var {log_var.exp().item():.5f} noise {log_noise.exp().item():.6f}')
print('grads', log_ls.grad, log_var.grad, log_noise.grad)

with torch.no_grad():
    ls, var, noise = log_ls.exp(), log_var.exp(), log_noise.exp()
    K = rbf(X, X, ls, var) + noise * torch.eye(len(X))
    L = torch.linalg.cholesky(K)
    Ks = rbf(Xs, X, ls, var)
    alpha = torch.cholesky_solve(y.unsqueeze(-1), L)
    mean = (Ks @ alpha).squeeze(-1)
    v = torch.linalg.solve_triangular(L, Ks.T, upper=False)
    cov = rbf(Xs, Xs, ls, var) - v.T @ v
    std = cov.diagonal().clamp_min(0).sqrt()
print('mean', mean)
print('std', std)
print('truth', torch.sin(Xs).squeeze(-1))
print('cov sym', torch.allclose(cov, cov.T), 'psd eig min > -1e-8', bool(torch.linalg.eigvalsh(cov).min() > -1e-8))
mvn = torch.distributions.MultivariateNormal(mean, covariance_matrix=cov + 1e-6 * torch.eye(7))
print('log_prob truth %.6f' % mvn.log_prob(torch.sin(Xs).squeeze(-1)).item())
samples = mvn.sample((3,))
print('samples', samples.shape, samples.dtype)
print(samples[:, :3])
print('cdist p=1', torch.cdist(Xs[:3], Xs[:3], p=1))
print('pairwise', torch.nn.functional.pairwise_distance(Xs[:3], Xs[1:4]))
print(torch.tensor(3.5), torch.tensor([1, 2]).dtype, torch.arange(3.0))
torch.set_default_dtype(torch.float32)
print('restored', torch.get_default_dtype(), torch.tensor([1.5]))
