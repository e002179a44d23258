"""Classic ML written with torch tensors: linear regression by torch.linalg.lstsq and by the normal
equations (torch.linalg.solve, cholesky + cholesky_solve), ridge with a closed form, PCA via
torch.linalg.svd and torch.pca_lowrank (sign-invariant quantities only), logistic regression by
hand-written gradient descent, k-NN with cdist + topk + mode, and k-means."""
import torch

torch.manual_seed(0)
torch.set_printoptions(precision=4)

n, d = 100, 4
X = torch.randn(n, d, dtype=torch.float64)
w_true = torch.tensor([2.0, -1.0, 0.5, 3.0], dtype=torch.float64)
y = X @ w_true + 1.0 + 0.05 * torch.randn(n, dtype=torch.float64)
Xb = torch.cat([X, torch.ones(n, 1, dtype=torch.float64)], 1)

sol = torch.linalg.lstsq(Xb, y.unsqueeze(1))
print('lstsq', sol.solution.view(-1).round(decimals=4).tolist())
print('default driver fields', sol.residuals.shape, sol.rank.item(), sol.singular_values.shape)
sol_d = torch.linalg.lstsq(Xb, y.unsqueeze(1), driver='gelsd')
print('gelsd residuals', sol_d.residuals.round(decimals=5).tolist(), 'rank', sol_d.rank.item(),
      'sv', sol_d.singular_values.round(decimals=4).tolist())
print('gels residuals', torch.linalg.lstsq(Xb, y.unsqueeze(1), driver='gels').residuals.round(decimals=5).tolist())
try:
    torch.linalg.lstsq(torch.ones(4, 2, dtype=torch.float64), torch.ones(4, 1, dtype=torch.float64), driver='gels')
except RuntimeError as e:
    print('gels rank deficient:', str(e)[:60])
A = Xb.T @ Xb
b = Xb.T @ y
w_ne = torch.linalg.solve(A, b)
print('normal eq', w_ne.round(decimals=4).tolist())
L = torch.linalg.cholesky(A)
print('cholesky lower', torch.allclose(L, L.tril()), torch.allclose(L @ L.T, A))
w_ch = torch.cholesky_solve(b.unsqueeze(1), L).view(-1)
print('cholesky_solve', torch.allclose(w_ch, w_ne))
LU, piv = torch.linalg.lu_factor(A)
print('lu pivots', piv.tolist(), piv.dtype)
w_lu = torch.linalg.lu_solve(LU, piv, b.unsqueeze(1)).view(-1)
print('lu_solve', torch.allclose(w_lu, w_ne), round((w_lu - w_ne).abs().max().item(), 8))
LU_old, piv_old = torch.lu(A)   # the older spelling, still in many scripts
print('old lu', torch.equal(LU_old, LU), torch.allclose(torch.lu_solve(b.unsqueeze(1), LU_old, piv_old).view(-1), w_ne))
P, Lf, Uf = torch.linalg.lu(A)
print('plu', torch.allclose(P @ Lf @ Uf, A), torch.equal(Lf.diagonal(), torch.ones(d + 1, dtype=torch.float64)))
res, info = torch.linalg.solve_ex(A, b)
print('solve_ex info', info.item(), info.dtype, torch.allclose(res, w_ne))
print('singular info', torch.linalg.solve_ex(torch.tensor([[1.0, 2.0], [2.0, 4.0]]), torch.ones(2)).info.item())
print('multi_dot', torch.linalg.multi_dot([Xb.T, Xb, w_ne]).round(decimals=4).tolist()[:2])
qr_a, qr_tau = torch.geqrf(Xb)   # least squares through Householder QR
Q = torch.linalg.householder_product(qr_a, qr_tau)
w_qr = torch.linalg.solve_triangular(qr_a[:d + 1].triu(), Q.T @ y.unsqueeze(1), upper=True).view(-1)
print('qr solve', torch.allclose(w_qr, w_ne), Q.shape, round(qr_tau.sum().item(), 6))
lam = 10.0
w_ridge = torch.linalg.solve(A + lam * torch.eye(d + 1, dtype=torch.float64), b)
print('ridge', w_ridge.round(decimals=4).tolist())
resid = y - Xb @ w_ne
print('r2', round(1 - (resid.pow(2).sum() / (y - y.mean()).pow(2).sum()).item(), 6))
print('pinv', torch.allclose(torch.linalg.pinv(Xb) @ y, w_ne))
print('cond', round(torch.linalg.cond(A).item(), 3), 'det sign', torch.linalg.slogdet(A).sign.item())

# PCA
torch.manual_seed(1)
Z = torch.randn(200, 2) @ torch.tensor([[3.0, 0.0, 1.0, 0.0, 0.5], [0.0, 1.0, 0.0, 2.0, 0.0]]) + 0.1 * torch.randn(200, 5)
Zc = Z - Z.mean(0)
U, S, Vh = torch.linalg.svd(Zc, full_matrices=False)
print('svd shapes', U.shape, S.shape, Vh.shape)
print('singular values', S.round(decimals=3).tolist())
explained = S ** 2 / (S ** 2).sum()
print('explained', explained.round(decimals=4).tolist())
proj = Zc @ Vh[:2].T
print('proj var', proj.var(0).round(decimals=3).tolist())
recon = proj @ Vh[:2]
print('recon err', round((recon - Zc).pow(2).mean().item(), 5))
Ul, Sl, Vl = torch.pca_lowrank(Z, q=2, center=True, niter=4)
print('lowrank', Sl.round(decimals=2).tolist(), Vl.shape)
print('subspace match', round((Vl.T @ Vh[:2].T).abs().det().abs().item(), 3))
ev = torch.linalg.eigvalsh(Zc.T @ Zc / (len(Zc) - 1))
print('eigvalsh', ev.flip(0)[:2].round(decimals=3).tolist(), torch.allclose(ev.flip(0), S ** 2 / 199, rtol=1e-3))
cov = torch.cov(Z.T)
print('cov', cov.shape, round(cov.trace().item(), 3), round(torch.corrcoef(Z.T)[0, 2].item(), 4))

# logistic regression by hand
torch.manual_seed(2)
Xc = torch.cat([torch.randn(50, 2) + 2, torch.randn(50, 2) - 2])
yc = torch.cat([torch.ones(50), torch.zeros(50)])
w = torch.zeros(2)
bias = torch.zeros(())
lr = 0.1
for it in range(50):
    p = torch.sigmoid(Xc @ w + bias)
    grad_w = Xc.T @ (p - yc) / len(yc)
    grad_b = (p - yc).mean()
    w -= lr * grad_w
    bias -= lr * grad_b
    if it % 10 == 0:
        nll = -(yc * torch.log(p + 1e-9) + (1 - yc) * torch.log(1 - p + 1e-9)).mean()
        print(f'logreg {it} nll {nll.item():.5f}')
acc = ((torch.sigmoid(Xc @ w + bias) > 0.5).float() == yc).float().mean()
print('logreg w', w.round(decimals=4).tolist(), round(bias.item(), 4), 'acc', acc.item())

# k-NN
train_x, train_y = Xc, yc.long()
test_x = torch.tensor([[1.5, 2.0], [-2.0, -1.0], [0.1, -0.1], [3.0, 3.0]])
dist = torch.cdist(test_x, train_x)
print('cdist', dist.shape, dist.min(1).values.round(decimals=4).tolist())
knn = dist.topk(5, largest=False)
votes = train_y[knn.indices]
pred = votes.mode(dim=1)
print('knn votes', votes.tolist(), 'pred', pred.values.tolist())
print('cdist p=1', torch.cdist(test_x, train_x[:3], p=1).round(decimals=4).tolist())

# k-means
torch.manual_seed(3)
pts = torch.cat([torch.randn(30, 2) + torch.tensor([4.0, 0.0]), torch.randn(30, 2) - torch.tensor([4.0, 0.0]), torch.randn(30, 2) + torch.tensor([0.0, 5.0])])
cent = pts[torch.randperm(len(pts))[:3]].clone()
for it in range(8):
    assign = torch.cdist(pts, cent).argmin(1)
    new = torch.stack([pts[assign == k].mean(0) for k in range(3)])
    shift = (new - cent).norm(dim=1).max().item()
    cent = new
    if shift < 1e-6:
        break
order = cent[:, 0].argsort()
print('kmeans iters', it, 'centroids', cent[order].round(decimals=3).tolist())
print('sizes', torch.bincount(assign, minlength=3)[order].tolist())
inertia = (pts - cent[assign]).pow(2).sum()
print('inertia', round(inertia.item(), 3))
hist2d = torch.histogramdd(pts, bins=[4, 3], range=[-7.0, 7.0, -4.0, 9.0])
print('histogramdd', hist2d.hist.tolist(), [e.round(decimals=3).tolist() for e in hist2d.bin_edges])
hist, edges = torch.histogram(pts[:, 0], bins=5)
print('histogram', hist.tolist(), edges.round(decimals=3).tolist())
