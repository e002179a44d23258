"""Kim (2014) CNN for sentence classification, as the popular PyTorch repos write it: embedding ->
Conv2d(1, C, (k, D)) for several kernel sizes (and the Conv1d variant), ReLU, max-over-time pooling,
concat, dropout, linear; static + non-static channels; max-norm weight constraint; a short training run."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)

V, D, C, n_cls = 30, 12, 4, 3
PAD = 0


class TextCNN(nn.Module):
    def __init__(self, vocab, dim, n_filters, sizes, n_cls, dropout=0.5):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim, padding_idx=PAD)
        self.static = nn.Embedding.from_pretrained(torch.randn(vocab, dim), freeze=True, padding_idx=PAD)
        self.convs = nn.ModuleList([nn.Conv2d(2, n_filters, (k, dim)) for k in sizes])
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(n_filters * len(sizes), n_cls)

    def forward(self, x):
        e = torch.stack([self.embed(x), self.static(x)], dim=1)          # (B, 2, L, D)
        hs = [F.relu(conv(e)).squeeze(3) for conv in self.convs]         # (B, C, L-k+1)
        hs = [F.max_pool1d(h, h.size(2)).squeeze(2) for h in hs]         # (B, C)
        return self.fc(self.dropout(torch.cat(hs, 1)))


class TextCNN1d(nn.Module):
    def __init__(self, vocab, dim, n_filters, sizes, n_cls):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim, padding_idx=PAD)
        self.convs = nn.ModuleList([nn.Conv1d(dim, n_filters, k, padding=k // 2) for k in sizes])
        self.fc = nn.Linear(n_filters * len(sizes), n_cls)

    def forward(self, x, mask=None):
        e = self.embed(x).transpose(1, 2)                                # (B, D, L)
        outs = []
        for conv in self.convs:
            h = torch.tanh(conv(e))[:, :, :x.size(1)]
            if mask is not None:
                h = h.masked_fill(~mask.unsqueeze(1), float('-inf'))
            outs.append(h.max(dim=2).values)
        return self.fc(torch.cat(outs, dim=1))


model = TextCNN(V, D, C, [2, 3, 4], n_cls)
print(model)
print('params', sum(p.numel() for p in model.parameters()), 'trainable',
      sum(p.numel() for p in model.parameters() if p.requires_grad))
print('static requires_grad', model.static.weight.requires_grad, model.embed.weight[PAD].abs().sum().item())

L = 9
X = torch.randint(1, V, (24, L))
lengths = torch.randint(4, L + 1, (24,))
mask = torch.arange(L)[None, :] < lengths[:, None]
X = X.masked_fill(~mask, PAD)
y = (X.sum(1) % n_cls)
print('X', X[:3])
print('labels', torch.bincount(y, minlength=n_cls))

out = model(X[:4])
print('logits', out.shape, out)

opt = torch.optim.Adadelta(model.parameters(), lr=1.0, rho=0.95)
for step in range(8):
    model.train()
    opt.zero_grad()
    loss = F.cross_entropy(model(X), y)
    loss.backward()
    opt.step()
    # Kim's l2 constraint on the output weights (max norm 3 per row)
    with torch.no_grad():
        w = model.fc.weight
        norms = w.norm(dim=1, keepdim=True)
        w.mul_(torch.clamp(3.0 / norms, max=1.0))
    print(f'step {step} loss {loss.item():.5f} fc norm max {model.fc.weight.norm(dim=1).max().item():.4f}')

model.eval()
with torch.no_grad():
    pred = model(X).argmax(1)
print('train acc', (pred == y).float().mean().item(), pred.tolist())
print('embed pad grad row zero', model.embed.weight.grad[PAD].abs().sum().item())

m2 = TextCNN1d(V, D, 5, [3, 5], n_cls)
print(m2)
o2 = m2(X[:5], mask[:5])
print('conv1d logits', o2.shape, o2)
h = m2.convs[0](m2.embed(X[:2]).transpose(1, 2))
print('conv1d feature map', h.shape, h.dtype)
print('max over time idx', h.max(dim=2).indices)
print('adaptive pool', F.adaptive_max_pool1d(h, 1).squeeze(-1)[0, :3])
loss2 = F.cross_entropy(o2, y[:5], reduction='none')
print('per-example loss', loss2)
loss2.mean().backward()
print('grad norms', [round(p.grad.norm().item(), 4) for p in m2.parameters()])

# k-max pooling (Kalchbrenner) keeps order of the top-k activations
k = 2
vals, idx = h.topk(k, dim=2)
kmax = h.gather(2, idx.sort(dim=2).values)
print('kmax', kmax.shape, kmax[0, :2])
try:
    nn.Conv2d(1, 2, (5, D))(torch.randn(1, 1, 3, D))
except RuntimeError as e:
    print('RuntimeError', e)
