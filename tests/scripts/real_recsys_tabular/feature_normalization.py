"""Numeric feature preprocessing for tabular models in tensors, as the tabular DL repos write it:
missing-value indicators and imputation (nanmean / nanmedian / nan_to_num), masked statistics with
an explicit mask (sum / count, torch.masked.*), standardisation with unbiased vs biased std
(std_mean, var_mean, correction=), robust scaling by quantiles / IQR, min-max with aminmax, clipping
outliers, a quantile transformer (searchsorted + linear interpolation to a normal via erfinv),
log1p / signed-log transforms, Welford running statistics, and BatchNorm1d(affine=False) as a
streaming normaliser."""
import math

import torch
import torch.nn as nn

torch.manual_seed(0)
N, D = 64, 5
X = torch.randn(N, D) * torch.tensor([1.0, 10.0, 0.1, 3.0, 100.0]) + torch.tensor([0.0, 50.0, -1.0, 2.0, 0.0])
X[:, 4] = X[:, 4].abs() ** 1.5                       # heavy tail
miss = torch.rand(N, D) < 0.1
X = X.masked_fill(miss, float('nan'))
X[3, 1] = float('inf')
print('missing per column', torch.isnan(X).sum(0).tolist(), 'inf', torch.isinf(X).sum().item())
print('any nan rows', torch.isnan(X).any(1).sum().item(), 'finite all', torch.isfinite(X).all().item())

X = torch.nan_to_num(X, posinf=float('nan'))         # treat inf as missing
mask = ~torch.isnan(X)
print('nanmean', X.nanmean(0))
print('nanmedian', torch.nanmedian(X, dim=0))
cnt = mask.sum(0)
mean = torch.where(mask, X, 0.0).sum(0) / cnt
var = (torch.where(mask, X - mean, 0.0) ** 2).sum(0) / (cnt - 1)
print('masked mean', mean)
print('masked std', var.sqrt())
print('torch.masked', torch.masked.mean(X, dim=0, mask=mask), torch.masked.sum(X, 0, mask=mask)[:2])
print('masked amax', torch.masked.amax(X, dim=0, mask=mask))

indicator = (~mask).float()
X_imp = torch.where(mask, X, mean.expand_as(X))
print('imputed', X_imp[:3])
print('nan_to_num default', torch.nan_to_num(torch.tensor([float('nan'), float('inf'), -float('inf'), 1.0])))

std, mu = torch.std_mean(X_imp, dim=0)
var_b, mu2 = torch.var_mean(X_imp, dim=0, correction=0)
print('std_mean', std, mu)
print('biased var', var_b, torch.equal(mu, mu2))
print('std correction', X_imp.std(0, correction=0) / X_imp.std(0, unbiased=True))
Z = (X_imp - mu) / std.clamp_min(1e-8)
print('z mean ~0', Z.mean(0).abs().max().item() < 1e-5, 'z std', Z.std(0))

q = torch.quantile(X_imp, torch.tensor([0.25, 0.5, 0.75]), dim=0)
print('quartiles', q.shape, q)
iqr = q[2] - q[0]
robust = (X_imp - q[1]) / iqr
print('robust', robust[:2])
lo, hi = torch.aminmax(X_imp, dim=0)
print('aminmax', lo, hi)
mm = (X_imp - lo) / (hi - lo)
print('minmax range', mm.min().item(), mm.max().item())
p01, p99 = torch.quantile(X_imp, 0.01, dim=0), torch.quantile(X_imp, 0.99, dim=0)
clipped = X_imp.clamp(min=p01, max=p99)
print('clipped changes', (clipped != X_imp).sum(0).tolist())

# quantile transformer to a normal distribution
n_q = 11
refs = torch.linspace(0, 1, n_q)
qs = torch.quantile(X_imp, refs, dim=0).T.contiguous()           # (D, n_q)
col = X_imp.T.contiguous()
pos = torch.searchsorted(qs, col).clamp(1, n_q - 1)
lo_q, hi_q = qs.gather(1, pos - 1), qs.gather(1, pos)
frac = ((col - lo_q) / (hi_q - lo_q).clamp_min(1e-12)).clamp(0, 1)
u = torch.lerp(refs[pos - 1], refs[pos], frac).clamp(1e-3, 1 - 1e-3)
normal = math.sqrt(2) * torch.erfinv(2 * u - 1)
print('quantile-normal', normal.T[:3])
print('uniform check', u.mean(1))
print('torch.special.ndtri equal', torch.allclose(torch.special.ndtri(u), normal, atol=1e-5))

print('log1p', torch.log1p(X_imp[:, 4])[:4])
signed_log = torch.sign(X_imp) * torch.log1p(X_imp.abs())
print('signed log', signed_log[:2])
print('boxcox-ish', ((X_imp[:, 4] + 1) ** 0.3 - 1) / 0.3)

# Welford's running statistics over mini-batches
count, m, M2 = 0, torch.zeros(D), torch.zeros(D)
for b in X_imp.split(20):
    n_b = b.shape[0]
    b_mean = b.mean(0)
    delta = b_mean - m
    tot = count + n_b
    m = m + delta * n_b / tot
    M2 = M2 + b.var(0, unbiased=False) * n_b + delta ** 2 * count * n_b / tot
    count = tot
print('welford mean', torch.allclose(m, X_imp.mean(0), rtol=1e-5, atol=1e-5), 'var', torch.allclose(M2 / (count - 1), X_imp.var(0), rtol=1e-4))

bn = nn.BatchNorm1d(D, affine=False, momentum=None)
print(bn, 'params', list(bn.parameters()))
for b in X_imp.split(16):
    bn(b)
print('cumulative mean', bn.running_mean, 'tracked', bn.num_batches_tracked)
bn.eval()
print('bn eval out', bn(X_imp[:2]))
ln = nn.LayerNorm(D, elementwise_affine=False)
print('layernorm', ln(Z[:2]))
print('F.normalize rows', nn.functional.normalize(Z[:2], dim=1))
print('histc per col', torch.stack([torch.histc(Z[:, j], bins=4, min=-2, max=2) for j in range(D)]))
