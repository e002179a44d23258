# A tabular feature-engineering pass on synthetic data, the way a Kaggle notebook does it with
# tensors: label-encode categories, group statistics by scatter_reduce, rank features, rolling
# windows, lag features, target encoding, and a small one-hot/embedding lookup.
import torch

torch.manual_seed(9)

n = 24
store = torch.randint(0, 4, (n,))
day = torch.arange(n) % 7
sales = (torch.rand(n) * 100).round()
price = torch.randn(n).abs().to(torch.float64) * 10
print('store:', store)
print('day:', day, day.dtype)
print('sales:', sales)
print('price:', price)

# label encoding via unique
codes, inverse, counts = torch.unique(store * 10 + day % 2, return_inverse=True, return_counts=True)
print('codes:', codes, 'inverse:', inverse, 'counts:', counts)

# group stats with scatter_reduce / index_add / bincount
k = int(store.max()) + 1
grp_sum = torch.zeros(k).scatter_reduce(0, store, sales, 'sum')
grp_cnt = torch.bincount(store, minlength=k)
grp_mean = torch.zeros(k).scatter_reduce(0, store, sales, 'mean', include_self=False)
grp_max = torch.full((k,), float('-inf')).scatter_reduce(0, store, sales, 'amax')
grp_min = torch.zeros(k).scatter_reduce(0, store, sales, 'amin', include_self=False)
print('group sum/cnt/mean:', grp_sum, grp_cnt, grp_mean)
print('group max/min:', grp_max, grp_min)
print('mean check:', torch.allclose(grp_sum / grp_cnt, grp_mean))
print('index_add int:', torch.zeros(k, dtype=torch.int32).index_add_(0, store, torch.ones(n, dtype=torch.int32)))
print('index_add f64:', torch.zeros(k, dtype=torch.float64).index_add(0, store, price))
print('scatter_reduce int32 prod:', torch.ones(k, dtype=torch.int32).scatter_reduce(0, store, (day + 1).int(), 'prod'))
print('scatter_reduce half amax:', torch.zeros(k, dtype=torch.float16).scatter_reduce(0, store, sales.half(), 'amax', include_self=False))
print('bincount uint8:', torch.bincount(day.to(torch.uint8)))
print('bincount weights f64 int:', torch.bincount(store, weights=price), torch.bincount(store, weights=day).dtype)

# broadcast group stats back to rows (target encoding)
te = grp_mean[store]
print('target encoding:', te)
print('deviation:', sales - te)

# ranks via argsort of argsort
ranks = sales.argsort(stable=True).argsort(stable=True)
print('ranks:', ranks)
pct = ranks.float() / (n - 1)
print('percentile rank:', pct)
print('int topk values:', day.topk(3).values, store.to(torch.int8).sort(descending=True, stable=True).indices[:6])
print('uint8 sort:', torch.tensor([3, 250, 7, 0], dtype=torch.uint8).sort())
print('float16 unique:', torch.tensor([0.5, 0.25, 0.5, 1.0], dtype=torch.float16).unique(return_counts=True))
print('int8 unique_consecutive:', torch.tensor([-1, -1, 2, 2, -1], dtype=torch.int8).unique_consecutive(return_counts=True))

# rolling windows with unfold, lag features with roll / cat
w = sales.unfold(0, 4, 1)
print('rolling mean:', w.mean(-1))
print('rolling max:', w.max(-1).values, w.amax(-1).dtype)
print('rolling std:', w.std(-1))
lag1 = torch.cat([torch.tensor([float('nan')]), sales[:-1]])
print('lag1:', lag1[:6])
print('diff filled:', torch.nan_to_num(sales - lag1, nan=0.0)[:6])
print('pct change:', (sales / sales.roll(1) - 1)[1:6])
print('cummax per store-sorted:', sales[store.argsort(stable=True)].cummax(0).values[:8])
ema = torch.zeros(n)
for i in range(n):
    ema[i] = sales[i] if i == 0 else 0.3 * sales[i] + 0.7 * ema[i - 1]
print('ema:', ema[-4:])

# quantile bins and clipping outliers
lo, hi = torch.quantile(sales, torch.tensor([0.05, 0.95]))
print('clip bounds:', lo, hi)
clipped = sales.clamp(lo, hi)
print('clipped:', clipped[:8])
bins = torch.bucketize(price, torch.tensor([5., 10., 15.], dtype=torch.float64))
print('price bins:', bins, torch.bincount(bins, minlength=4))
z = (price - price.mean()) / price.std()
print('z-score f64:', z[:5], z.dtype)
print('std_mean f64:', torch.std_mean(price, correction=0))

# one-hot features and embedding lookup
oh = torch.nn.functional.one_hot(day, num_classes=7)
print('one-hot:', oh[:3], oh.dtype, oh.sum(0))
emb = torch.nn.Embedding(4, 3)
feats = torch.cat([emb(store), oh.float(), z.float().unsqueeze(1)], dim=1)
print('feature matrix:', feats.shape, feats.dtype)
print(feats[:2])
corr = torch.corrcoef(torch.stack([sales, price.float(), day.float()]))
print('corrcoef:', corr)
print('cov:', torch.cov(torch.stack([sales, day.float()]), correction=0))
