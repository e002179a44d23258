# A time-series forecaster as the Kaggle / blog notebooks build it: a synthetic seasonal series,
# min-max and z-score scaling, sliding windows made three ways (Tensor.unfold, torch.as_strided,
# a Python loop with torch.stack) and checked equal, a TensorDataset / DataLoader with a seeded
# generator, an LSTM forecaster predicting the next step and a multi-horizon head,
# autoregressive rollout feeding predictions back, and MSE / MAE / Huber / MAPE metrics.
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)

t = torch.arange(0, 120, dtype=torch.float32)
series = torch.sin(2 * math.pi * t / 12) + 0.02 * t + 0.1 * torch.randn(120)
print(series.shape, series[:5], series.mean(), series.std(), series.var(unbiased=False))
lo, hi = series.min(), series.max()
scaled = (series - lo) / (hi - lo)
mu, sd = series.mean(), series.std()
z = (series - mu) / sd
print('minmax', scaled.aminmax(), 'z', z.mean().abs() < 1e-6, z.std())

W, HOR = 10, 3
win_unfold = scaled.unfold(0, W + HOR, 1)
print('unfold', win_unfold.shape, win_unfold.stride(), win_unfold.is_contiguous())
n = scaled.numel() - (W + HOR) + 1
win_strided = torch.as_strided(scaled, size=(n, W + HOR), stride=(1, 1))
win_loop = torch.stack([scaled[i:i + W + HOR] for i in range(n)])
print(torch.equal(win_unfold, win_strided), torch.equal(win_unfold, win_loop))
print(win_strided[2, :4], win_strided.storage_offset())
stepped = scaled.unfold(0, W, 5)
print('stride 5', stepped.shape, stepped[:, 0])
x_all, y_all = win_unfold[:, :W].unsqueeze(-1).contiguous(), win_unfold[:, W:].contiguous()
print(x_all.shape, y_all.shape)
split = int(0.8 * len(x_all))
train_ds = TensorDataset(x_all[:split], y_all[:split])
test_x, test_y = x_all[split:], y_all[split:]
g = torch.Generator().manual_seed(5)
loader = DataLoader(train_ds, batch_size=16, shuffle=True, generator=g, drop_last=True)
print(len(train_ds), len(loader), test_x.shape)


class Forecaster(nn.Module):
    def __init__(self, hidden=16, horizon=HOR, layers=1):
        super().__init__()
        self.lstm = nn.LSTM(1, hidden, num_layers=layers, batch_first=True)
        self.head = nn.Sequential(nn.Linear(hidden, hidden), nn.GELU(), nn.Linear(hidden, horizon))

    def forward(self, x):
        out, (h, c) = self.lstm(x)
        return self.head(out[:, -1])


model = Forecaster()
print(model)
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode='min', factor=0.5, patience=1)
for epoch in range(8):
    model.train()
    tot = 0.0
    for xb, yb in loader:
        opt.zero_grad()
        loss = F.mse_loss(model(xb), yb)
        loss.backward()
        opt.step()
        tot += loss.item() * xb.size(0)
    model.eval()
    with torch.no_grad():
        val = F.mse_loss(model(test_x), test_y).item()
    sched.step(val)
    print(f'epoch {epoch} train {tot / (len(loader) * 16):.5f} val {val:.5f} lr {opt.param_groups[0]["lr"]:.4f}')

with torch.no_grad():
    pred = model(test_x)
    err = pred - test_y
    print('MSE', F.mse_loss(pred, test_y).item(), 'MAE', F.l1_loss(pred, test_y).item())
    print('Huber', F.huber_loss(pred, test_y, delta=0.1).item(), 'SmoothL1', F.smooth_l1_loss(pred, test_y, beta=0.1).item())
    print('per-horizon RMSE', err.pow(2).mean(0).sqrt())
    mape = (err.abs() / test_y.abs().clamp_min(1e-3)).mean() * 100
    print('MAPE', round(mape.item(), 3))
    inv = pred * (hi - lo) + lo
    print('inverse scaled', inv[:2])

    # autoregressive rollout with a one-step model (first output only)
    window = x_all[split].clone()
    preds = []
    for k in range(6):
        nxt = model(window.unsqueeze(0))[0, 0]
        preds.append(nxt.item())
        window = torch.cat([window[1:], nxt.view(1, 1)])
    print('rollout', [round(p, 4) for p in preds])
    print('truth  ', [round(v, 4) for v in scaled[split + W:split + W + 6].tolist()])

# exponential moving average and differencing as features
diff = series.diff()
print('diff', diff.shape, diff[:3])
alpha = 0.3
ema = torch.empty_like(series)
ema[0] = series[0]
for i in range(1, len(series)):
    ema[i] = alpha * series[i] + (1 - alpha) * ema[i - 1]
print('ema', ema[-3:])
roll_mean = series.unfold(0, 7, 1).mean(-1)
roll_std = series.unfold(0, 7, 1).std(-1)
print('rolling', roll_mean.shape, roll_mean[:3], roll_std[:3])
lagged = torch.stack([series.roll(k) for k in range(1, 4)], 1)[3:]
print('lags', lagged.shape, lagged[0], torch.corrcoef(torch.stack([series[3:], lagged[:, 0]]))[0, 1])
