# k-means and EM for a Gaussian mixture, written in torch (cdist, argmin, bincount, logsumexp)
import math
import torch

torch.manual_seed(1)
centers_true = torch.tensor([[0.0, 0.0], [4.0, 4.0], [-3.0, 5.0]])
X = torch.cat([c + torch.randn(60, 2) * s for c, s in zip(centers_true, [0.8, 1.0, 0.6])])
print('X', X.shape, X.dtype, X.mean(0))


def kmeans(X, k, iters=20):
    idx = torch.randperm(X.size(0))[:k]
    C = X[idx].clone()
    for it in range(iters):
        d = torch.cdist(X, C)
        labels = d.argmin(dim=1)
        counts = torch.bincount(labels, minlength=k)
        newC = torch.zeros_like(C).index_add_(0, labels, X) / counts.clamp(min=1).unsqueeze(1).float()
        shift = (newC - C).norm(dim=1).max()
        C = newC
        inertia = d.min(dim=1).values.pow(2).sum()
        if it < 3 or shift < 1e-6:
            print(f'iter {it} inertia {inertia.item():.4f} shift {shift.item():.6f} counts {counts.tolist()}')
        if shift < 1e-6:
            break
    return C, labels


C, labels = kmeans(X, 3)
order = C[:, 0].argsort()
print('centers', C[order])
print('labels', labels[:10], labels.dtype)
print('cdist p=1', torch.cdist(X[:3], C, p=1))
print('cdist matches', torch.allclose(torch.cdist(X, C), ((X[:, None] - C[None]) ** 2).sum(-1).sqrt(), atol=1e-5))
print('pairwise', torch.nn.functional.pairwise_distance(X[:3], C[:3]))
print('cos sim', torch.nn.functional.cosine_similarity(X[:3], C[:3], dim=1))

# EM for a diagonal GMM
K, D = 3, 2
mu = X[torch.randperm(X.size(0))[:K]].clone()
var = torch.ones(K, D)
pi = torch.full((K,), 1.0 / K)
prev = -math.inf
for step in range(30):
    log_p = -0.5 * (((X[:, None, :] - mu[None]) ** 2) / var[None] + torch.log(2 * math.pi * var[None])).sum(-1)
    log_p = log_p + pi.log()
    ll = torch.logsumexp(log_p, dim=1)
    resp = (log_p - ll[:, None]).exp()
    Nk = resp.sum(0)
    mu = (resp.T @ X) / Nk[:, None]
    var = (resp.T @ X.pow(2)) / Nk[:, None] - mu.pow(2) + 1e-6
    pi = Nk / X.size(0)
    total = ll.sum().item()
    if step % 5 == 0:
        print(f'EM step {step} loglik {total:.4f} pi {pi.sort().values.tolist()}')
    if abs(total - prev) < 1e-5:
        break
    prev = total
o = mu[:, 0].argsort()
print('mu', mu[o])
print('var', var[o])
print('resp', resp[:3].max(1))
print('hard', resp.argmax(1).bincount())
print('torch.where', torch.where(resp[:5] > 0.5))
print('topk', torch.topk(ll, 3, largest=False))
print('quantile', torch.quantile(ll, torch.tensor([0.1, 0.5, 0.9])))
print('histc', torch.histc(X[:, 0], bins=5, min=-5, max=7))
print('cov', torch.cov(X.T), torch.corrcoef(X.T)[0, 1])
