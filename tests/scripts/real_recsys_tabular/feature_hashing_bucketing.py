"""Categorical / numerical feature preprocessing done in tensors, as tabular and CTR pipelines write
it: the hashing trick (multiplicative hashing with int64 wraparound, xor-shift mixing, remainder
into buckets, negative ids), vocabularies with unique(return_inverse, return_counts) and rare-value
bucketing, numeric bucketing with bucketize / searchsorted on quantile boundaries, histc /
histogram / bincount, and group statistics with scatter_reduce / index_add."""
import torch
import torch.nn.functional as F

torch.manual_seed(0)

# --- hashing trick -----------------------------------------------------------------------------
raw_ids = torch.tensor([123456789, 987654321, -5, 0, 42, 123456789, 2 ** 40 + 7, -2 ** 35])
print('raw', raw_ids.dtype)
print('remainder', torch.remainder(raw_ids, 1000))
print('fmod', torch.fmod(raw_ids, 1000))
print('python %', (raw_ids % 97).tolist())
print('floor_divide', torch.floor_divide(raw_ids, 1000), (raw_ids // -7)[:4])
h = raw_ids * 0x9E3779B1                          # wraps around in int64
print('mul wrap', h)
h = h ^ (h >> 16)
h = h ^ (h << 5)
print('xor-shift', h)
print('buckets', (h & 0xFFFF) % 50, torch.bitwise_and(h, 1023))
print('abs mod', h.abs() % 50)
print('int32 ids', (raw_ids.to(torch.int32) % 13), raw_ids.to(torch.int32).dtype)
cross = raw_ids[:4, None] * 31 + torch.tensor([1, 2, 3])[None, :]
print('crossed', torch.remainder(cross, 17))

# --- vocabulary with rare bucket ----------------------------------------------------------------
cats = torch.randint(0, 12, (60,)) ** 2 % 23
vals, inverse, counts = torch.unique(cats, sorted=True, return_inverse=True, return_counts=True)
print('vocab', vals.tolist())
print('counts', counts.tolist())
keep = counts >= 4
remap = torch.where(keep, torch.cumsum(keep.long(), 0), torch.zeros_like(counts))
encoded = remap[inverse]
print('encoded', encoded[:15].tolist(), 'oov', (encoded == 0).sum().item())
freq_rank = torch.argsort(counts, descending=True, stable=True)
print('by freq', vals[freq_rank].tolist())
u2, c2 = torch.unique_consecutive(torch.sort(cats).values, return_counts=True)
print('unique_consecutive equal', torch.equal(u2, vals), torch.equal(c2, counts))
pairs = torch.stack([cats[:20] % 3, cats[:20] % 2], 1)
up, inv_p = torch.unique(pairs, dim=0, return_inverse=True)
print('unique rows', up.tolist(), inv_p.tolist())
oh = F.one_hot(encoded[:6], num_classes=int(encoded.max()) + 1)
print('one_hot', oh.shape, oh.dtype, oh.sum(0))

# --- numeric bucketing ----------------------------------------------------------------------------
x = torch.randn(200) * 3 + 1
x[::17] = float('nan')
finite = x[~torch.isnan(x)]
qs = torch.tensor([0.1, 0.25, 0.5, 0.75, 0.9])
bounds = torch.quantile(finite, qs)
print('quantile bounds', bounds)
for interp in ['linear', 'lower', 'higher', 'midpoint', 'nearest']:
    print(' ', interp, torch.quantile(finite, 0.33, interpolation=interp).item())
print('nanquantile', torch.nanquantile(x, qs))
print('nanmedian', torch.nanmedian(x), 'nanmean', x.nanmean(), 'nansum', x.nansum())
clean = torch.nan_to_num(x, nan=0.0)
b = torch.bucketize(clean, bounds)
br = torch.bucketize(clean, bounds, right=True)
print('bucketize', b[:12].tolist(), torch.bincount(b).tolist())
print('right differs', (b != br).sum().item(), 'at bounds', torch.bucketize(bounds, bounds).tolist(),
      torch.bucketize(bounds, bounds, right=True).tolist())
s = torch.searchsorted(bounds, clean[:10])
print('searchsorted', s.tolist(), torch.searchsorted(bounds, clean[:10], side='right', out_int32=True).dtype)
unsorted = torch.tensor([3.0, -1.0, 2.0, 0.5])
sorter = torch.argsort(unsorted)
print('sorter', torch.searchsorted(unsorted, torch.tensor([0.0, 2.5]), sorter=sorter).tolist())
rows = torch.sort(torch.randn(3, 5), dim=1).values
print('batched searchsorted', torch.searchsorted(rows, torch.zeros(3, 2)).tolist())
print('histc', torch.histc(finite, bins=6, min=-8, max=10))
hist, edges = torch.histogram(finite, bins=5)
print('histogram', hist, edges)
print('equal width', torch.clamp(((clean - clean.min()) / (clean.max() - clean.min()) * 8).long(), max=7)[:10])

# --- group statistics -------------------------------------------------------------------------------
G = int(encoded.max()) + 1
y = torch.randn(60)
sums = torch.zeros(G).index_add_(0, encoded, y)
cnt = torch.bincount(encoded, minlength=G)
print('target mean', sums / cnt)
smooth = (sums + 0.5 * 5) / (cnt + 5)                       # smoothed target encoding
print('smoothed', smooth)
print('weighted bincount', torch.bincount(encoded, weights=y, minlength=G))
for red in ['sum', 'mean', 'amax', 'amin', 'prod']:
    out = torch.zeros(G).scatter_reduce(0, encoded, y, reduce=red, include_self=False)
    print(' ', red, out)
print('include_self mean', torch.ones(G).scatter_reduce(0, encoded, y, 'mean'))
print('index_reduce', torch.full((G,), -1.0).index_reduce_(0, encoded, y, 'amax', include_self=True))
gmax = torch.full((G,), float('-inf')).scatter_reduce(0, encoded, y, 'amax')
print('is_argmax', (y == gmax[encoded]).nonzero().flatten().tolist())
