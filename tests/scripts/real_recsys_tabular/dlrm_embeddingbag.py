"""A DLRM-style click model as the facebookresearch/dlrm reference and its re-implementations write it:
one nn.EmbeddingBag per sparse feature fed (indices, offsets) from a multi-hot batch, a bottom MLP
for the dense features, the pairwise dot interaction via bmm + triu indices, a top MLP, and
BCEWithLogits training with SGD; also the EmbeddingBag modes and per_sample_weights."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)

# --- EmbeddingBag API tour --------------------------------------------------------------------
bag = nn.EmbeddingBag(10, 3, mode='sum')
print(bag)
inp = torch.tensor([1, 2, 4, 5, 4, 3, 2, 9])
offsets = torch.tensor([0, 4])
print('sum', bag(inp, offsets))
for mode in ['mean', 'max']:
    b = nn.EmbeddingBag.from_pretrained(bag.weight.detach().clone(), mode=mode, freeze=False)
    print(mode, b(inp, offsets))
psw = torch.tensor([0.5, 1.0, 2.0, 0.0, 1.0, 1.0, 1.0, 0.25])
print('weighted', bag(inp, offsets, per_sample_weights=psw))
print('2d input', bag(inp.view(2, 4)).shape)
last = nn.EmbeddingBag(10, 3, mode='mean', include_last_offset=True)
print('include_last_offset', last(inp, torch.tensor([0, 3, 3, 8])).shape)
print('empty bag', last(inp, torch.tensor([0, 3, 3, 8]))[1])
pad = nn.EmbeddingBag(10, 3, mode='mean', padding_idx=0)
print('padding row', pad.weight[0])
print('with padding', pad(torch.tensor([[0, 1, 2], [0, 0, 3]])))
try:
    nn.EmbeddingBag(10, 3, mode='max')(inp, offsets, per_sample_weights=psw)
except Exception as e:
    print(type(e).__name__, str(e).split('\n')[0])
for bad in (torch.tensor([[1, 12, 3]]), torch.tensor([3, 10]), torch.tensor([-1, 2])):
    try:
        bag(bad, None if bad.dim() == 2 else torch.tensor([0]))
    except RuntimeError as e:
        print('RuntimeError', e)
    try:
        nn.EmbeddingBag(10, 3, mode='max')(bad.view(1, -1))
    except RuntimeError as e:
        print('RuntimeError', e)
# fastText-style bag with gradients scaled by inverse frequency
ft = nn.EmbeddingBag(10, 2, mode='mean', scale_grad_by_freq=True)
print(ft)
(ft(inp, offsets) * torch.tensor([[1.0], [2.0]])).sum().backward()
print('freq-scaled grad', ft.weight.grad.t())
F_out = F.embedding_bag(inp, bag.weight, offsets, mode='sum')
print('functional equal', torch.allclose(F_out, bag(inp, offsets)))


# --- synthetic click data ---------------------------------------------------------------------
N, D_DENSE = 256, 4
TABLES = [20, 15, 30]
g = torch.Generator().manual_seed(42)
dense = torch.randn(N, D_DENSE, generator=g)
lengths = [torch.randint(1, 4, (N,), generator=g) for _ in TABLES]
indices = [torch.randint(0, n, (int(l.sum()),), generator=g) for n, l in zip(TABLES, lengths)]
offs = [torch.cat([torch.zeros(1, dtype=torch.long), l.cumsum(0)[:-1]]) for l in lengths]
print('lengths dtype', lengths[0].dtype, 'offsets', offs[0][:6].tolist())
logit_true = dense[:, 0] - 0.5 * dense[:, 1] + (indices[0][offs[0]] % 3 == 0).float()
labels = (logit_true + 0.3 * torch.randn(N, generator=g) > 0.3).float()
print('ctr', labels.mean().item())


def mlp(sizes, sigmoid_last=False):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        layers.append(nn.ReLU() if i < len(sizes) - 2 or not sigmoid_last else nn.Identity())
    return nn.Sequential(*layers)


class DLRM(nn.Module):
    def __init__(self, dim=8):
        super().__init__()
        self.emb_l = nn.ModuleList([nn.EmbeddingBag(n, dim, mode='sum') for n in TABLES])
        for e in self.emb_l:
            nn.init.uniform_(e.weight, -(1 / e.num_embeddings) ** 0.5, (1 / e.num_embeddings) ** 0.5)
        self.bot_l = mlp([D_DENSE, 16, dim])
        nf = len(TABLES) + 1
        self.register_buffer('li', torch.tensor([i for i in range(nf) for j in range(i)]))
        self.register_buffer('lj', torch.tensor([j for i in range(nf) for j in range(i)]))
        self.top_l = mlp([dim + nf * (nf - 1) // 2, 16, 1], sigmoid_last=True)

    def interact(self, x, ly):
        B, d = x.shape
        T = torch.cat([x] + ly, dim=1).view(B, -1, d)
        Z = torch.bmm(T, T.transpose(1, 2))
        Zflat = Z[:, self.li, self.lj]
        return torch.cat([x, Zflat], dim=1)

    def forward(self, dense_x, idx, off):
        x = self.bot_l(dense_x)
        ly = [e(i, o) for e, i, o in zip(self.emb_l, idx, off)]
        return self.top_l(self.interact(x, ly)).squeeze(1)


model = DLRM()
print(model)
print([k for k in model.state_dict()])
print('params', sum(p.numel() for p in model.parameters()))

# triu_indices gives the same pairs (strict upper triangle of the transposed matrix)
tri = torch.triu_indices(4, 4, offset=1)
print('triu', tri.tolist())
T = torch.randn(2, 4, 3)
Z = T @ T.transpose(1, 2)
print('same pairs', torch.allclose(Z[:, tri[0], tri[1]].sort(1).values, Z[:, model.li, model.lj].sort(1).values))


def batch(s, e):
    idx, off = [], []
    for ind, o, l in zip(indices, offs, lengths):
        start, stop = o[s].item(), (o[e].item() if e < N else len(ind))
        idx.append(ind[start:stop])
        off.append(o[s:e] - start)
    return dense[s:e], idx, off, labels[s:e]


opt = torch.optim.SGD(model.parameters(), lr=0.1)
loss_fn = nn.BCEWithLogitsLoss()
for epoch in range(5):
    tot = 0.0
    for s in range(0, N, 64):
        x, idx, off, y = batch(s, s + 64)
        out = model(x, idx, off)
        loss = loss_fn(out, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        tot += loss.item()
    with torch.no_grad():
        p = torch.sigmoid(model(dense, indices, offs))
        acc = ((p > 0.5).float() == labels).float().mean()
    print(f'epoch {epoch} loss {tot / 4:.4f} acc {acc.item():.4f}')

print('emb grad shape', model.emb_l[0].weight.grad.shape, 'nonzero rows',
      (model.emb_l[0].weight.grad.abs().sum(1) > 0).sum().item())
print('pred', p[:6])
print('grad_fn', type(out.grad_fn).__name__)
