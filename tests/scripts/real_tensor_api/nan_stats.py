# Summary statistics with missing values, as in a tabular EDA notebook: nan-aware reductions,
# quantiles for robust scaling, medians/modes with indices, std/var with corrections.
import torch

torch.manual_seed(4)
nan, inf = float('nan'), float('inf')

feat = torch.tensor([[1.0, nan, 3.0, 4.0],
                     [nan, nan, 2.0, 8.0],
                     [5.0, 6.0, nan, -inf]])
print('isnan:', torch.isnan(feat))
print('isinf/isfinite:', feat.isinf(), torch.isfinite(feat))
print('isposinf/isneginf:', torch.isposinf(feat).any(), torch.isneginf(feat).nonzero())
print('nan count per col:', feat.isnan().sum(0))
print('sum/nansum:', feat.sum(), feat.nansum(), torch.nansum(feat, dim=1))
print('nanmean:', feat.nanmean(), torch.nanmean(feat, dim=0), torch.nanmean(feat[:, :3], dim=1, keepdim=True))
print('nanmean all nan col:', torch.nanmean(torch.tensor([[nan, 1.], [nan, 3.]]), dim=0))
print('nanmedian:', feat.nanmedian(), torch.nanmedian(feat, dim=1))
print('median (propagates nan):', feat.median(), torch.median(feat, dim=0))
print('nan_to_num:', torch.nan_to_num(feat))
print('nan_to_num custom:', feat.nan_to_num(nan=0.0, posinf=1e4, neginf=-1e4))
print('nan_to_num half:', torch.tensor([nan, inf, -inf, 1.], dtype=torch.float16).nan_to_num())
print('nan_to_num int (noop):', torch.tensor([1, 2]).nan_to_num())
filled = torch.where(feat.isnan(), feat.nanmean(dim=0, keepdim=True).expand_as(feat), feat)
print('mean-imputed:', filled)
print('max with nan:', torch.tensor([1., nan, 3.]).max(), torch.tensor([1., nan, 3.]).argmax())
print('fmax/fmin:', torch.fmax(torch.tensor([1., nan, 3.]), torch.tensor([nan, 2., 1.])), torch.fmin(torch.tensor([1., nan]), torch.tensor([nan, nan])))
print('maximum nan:', torch.maximum(torch.tensor([1., nan]), torch.tensor([2., 0.])))

# quantile / nanquantile
x = torch.tensor([1., 2., 3., 4., 10.])
for interp in ['linear', 'lower', 'higher', 'midpoint', 'nearest']:
    print(f'quantile {interp:8s}:', torch.quantile(x, torch.tensor([0.1, 0.5, 0.625, 0.9]), interpolation=interp))
print('quantile scalar q:', torch.quantile(x, 0.3), x.quantile(0.3).shape)
m = torch.randn(4, 6)
print('quantile dim:', torch.quantile(m, 0.5, dim=1), torch.quantile(m, torch.tensor([0.25, 0.75]), dim=0, keepdim=True).shape)
print('quantile with nan:', torch.quantile(torch.tensor([1., nan, 3.]), 0.5))
print('nanquantile:', torch.nanquantile(torch.tensor([1., nan, 3., 4.]), torch.tensor([0.0, 0.5, 1.0])))
print('nanquantile dim:', torch.nanquantile(feat, 0.5, dim=0, interpolation='nearest'))
print('nanquantile all nan:', torch.nanquantile(torch.tensor([nan, nan]), 0.5))
print('quantile f64:', torch.quantile(x.double(), 0.33))
q1, q3 = torch.quantile(m, torch.tensor([0.25, 0.75]))
print('IQR:', q3 - q1)

# median / mode / kthvalue with indices
v = torch.tensor([3, 1, 2, 3, 1, 3, 2, 2])
print('median even (lower):', v.median(), torch.tensor([1., 4., 2., 3.]).median())
print('median dim:', torch.tensor([[4., 1., 3., 2.], [0., 5., 5., 1.]]).median(dim=1))
print('mode:', torch.mode(v))
print('mode 2d:', torch.tensor([[1, 2, 2, 1], [7, 7, 3, 3]]).mode(dim=1))
print('mode float:', torch.tensor([0.5, 0.25, 0.5]).mode())
print('kthvalue:', torch.kthvalue(torch.tensor([5., 1., 4., 1., 3.]), 2))
print('kthvalue dim0 keepdim:', torch.kthvalue(torch.tensor([[3, 1], [2, 9], [4, 0]]), 2, dim=0, keepdim=True))
print('median int32:', torch.tensor([5, 3, 9], dtype=torch.int32).median())

# std_mean / var_mean with correction, aminmax
data = torch.tensor([[2., 4., 4., 4.], [5., 5., 7., 9.]])
print('std_mean:', torch.std_mean(data))
print('std_mean correction=0:', torch.std_mean(data, dim=1, correction=0))
print('var_mean dim keepdim:', torch.var_mean(data, dim=0, keepdim=True))
print('var unbiased=False:', data.var(unbiased=False), data.var(dim=1, correction=2))
print('std single element:', torch.tensor([3.0]).std())
print('var_mean f64:', torch.var_mean(data.double(), 1))
print('aminmax:', torch.aminmax(data))
print('aminmax dim:', torch.aminmax(data, dim=1))
print('aminmax int8 keepdim:', torch.aminmax(torch.tensor([[-3, 7], [2, -8]], dtype=torch.int8), dim=0, keepdim=True))
print('amax multi-dim:', torch.amax(torch.arange(24.).view(2, 3, 4), dim=(0, 2)), torch.amin(data, dim=-1))
print('max/min dim ties:', torch.tensor([[1, 3, 3], [2, 2, 0]]).max(dim=1), torch.tensor([[1, 3, 3], [2, 2, 0]]).min(dim=1))
stats = torch.stack([data.mean(1), data.std(1), data.amin(1), data.amax(1)], dim=1)
print('describe:', stats)
print('logsumexp -inf:', torch.logsumexp(torch.tensor([-inf, -inf]), 0), torch.logsumexp(torch.tensor([[0., inf]]), 1))
print('prod/ sum of empty:', torch.tensor([]).prod(), torch.tensor([]).sum(), torch.tensor([]).mean())
