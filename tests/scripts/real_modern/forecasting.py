"""Time-series forecasting as blog posts and Kaggle notebooks write it: a synthetic seasonal
series, min-max / z-score scaling, sliding windows with Tensor.unfold, a TensorDataset with a
random_split and DataLoaders shuffled by a seeded torch.Generator, an LSTM encoder (batch_first,
2 layers, dropout) and a GRU seq2seq decoder with teacher forcing, MAE / MSE / RMSE, horizon
evaluation under no_grad, and packed sequences for variable lengths."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset, random_split

torch.manual_seed(1234)

t = torch.arange(0, 240, dtype=torch.float32)
series = torch.sin(2 * math.pi * t / 24) + 0.5 * torch.sin(2 * math.pi * t / 7) + 0.01 * t + 0.1 * torch.randn(240)
mean, std = series.mean(), series.std()
scaled = (series - mean) / std
lo, hi = series.min(), series.max()
print(f'mean {mean.item():.5f} std {std.item():.5f} range {lo.item():.4f}..{hi.item():.4f}')

IN, OUT = 24, 6
windows = scaled.unfold(0, IN + OUT, 2)
print('windows', windows.shape, windows.stride(), windows.is_contiguous())
X = windows[:, :IN].unsqueeze(-1)
Y = windows[:, IN:]
print(X.shape, Y.shape, torch.equal(windows[1, :4], scaled[2:6]))
x2 = torch.arange(12.).view(3, 4)
print(x2.unfold(1, 2, 1).shape, x2.unfold(0, 2, 1)[1].tolist())

ds = TensorDataset(X, Y)
gen = torch.Generator().manual_seed(0)
train_ds, val_ds = random_split(ds, [0.8, 0.2], generator=gen)
print(len(ds), len(train_ds), len(val_ds), val_ds.indices[:5])
loader = DataLoader(train_ds, batch_size=16, shuffle=True, generator=torch.Generator().manual_seed(1), drop_last=True)
val_loader = DataLoader(val_ds, batch_size=32)
print('batches', len(loader), len(val_loader))


class LSTMForecaster(nn.Module):
    def __init__(self, hidden=16):
        super().__init__()
        self.lstm = nn.LSTM(1, hidden, num_layers=2, batch_first=True, dropout=0.1)
        self.head = nn.Linear(hidden, OUT)

    def forward(self, x):
        out, (h, c) = self.lstm(x)
        return self.head(out[:, -1])


class Seq2Seq(nn.Module):
    def __init__(self, hidden=16):
        super().__init__()
        self.enc = nn.GRU(1, hidden, batch_first=True)
        self.dec = nn.GRUCell(1, hidden)
        self.out = nn.Linear(hidden, 1)

    def forward(self, x, y=None, tf_ratio=0.5):
        _, h = self.enc(x)
        h = h[0]
        inp = x[:, -1]
        preds = []
        for k in range(OUT):
            h = self.dec(inp, h)
            p = self.out(h)
            preds.append(p)
            teacher = y is not None and torch.rand(1).item() < tf_ratio
            inp = y[:, k:k + 1] if teacher else p
        return torch.cat(preds, dim=1)


def evaluate(model):
    model.eval()
    se, ae, n = 0.0, 0.0, 0
    with torch.no_grad():
        for xb, yb in val_loader:
            p = model(xb)
            se += F.mse_loss(p, yb, reduction='sum').item()
            ae += F.l1_loss(p, yb, reduction='sum').item()
            n += yb.numel()
    return se / n, ae / n, math.sqrt(se / n)


for name, model in [('lstm', LSTMForecaster()), ('seq2seq', Seq2Seq())]:
    opt = torch.optim.Adam(model.parameters(), lr=5e-3)
    for epoch in range(3):
        model.train()
        running = 0.0
        for i, (xb, yb) in enumerate(loader):
            pred = model(xb, yb) if name == 'seq2seq' else model(xb)
            loss = F.mse_loss(pred, yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            running += loss.item()
        mse, mae, rmse = evaluate(model)
        print(f'{name} epoch {epoch} train {running / len(loader):.5f} val mse {mse:.5f} mae {mae:.5f} rmse {rmse:.5f}')
    print(f'{name} first batch sizes', [b[0].shape[0] for b in loader][:3], xb.shape)

print('--- packed')
lstm = nn.LSTM(1, 8, batch_first=True)
lengths = torch.tensor([24, 17, 9])
padded = torch.nn.utils.rnn.pad_sequence([X[i, :l] for i, l in enumerate(lengths.tolist())], batch_first=True)
packed = torch.nn.utils.rnn.pack_padded_sequence(padded, lengths, batch_first=True, enforce_sorted=True)
out, (h, c) = lstm(packed)
unpacked, lens = torch.nn.utils.rnn.pad_packed_sequence(out, batch_first=True)
print(padded.shape, packed.batch_sizes[:10].tolist(), unpacked.shape, lens.tolist())
print(f'{h[0, 1].sum().item():.5f} {unpacked[1, 16].sum().item():.5f}', torch.equal(unpacked[2, 9:], torch.zeros(15, 8)))
forecast = model(X[:1]) * std + mean
print('forecast', forecast.shape, forecast.requires_grad, forecast.grad_fn is not None)
