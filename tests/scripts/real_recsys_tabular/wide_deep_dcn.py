"""Wide & Deep and Deep & Cross networks for tabular CTR data as the tutorials write them: a wide
part over one-hot crossed features (a sparse linear layer as nn.EmbeddingBag(mode='sum') with
per-sample weights), a deep part over embeddings + numerics, DCN-v1 cross layers
x_{l+1} = x0 * (x_l . w) + b + x_l, DCN-v2 full-rank / low-rank (mixture) cross layers, FTRL-like
separate optimizers for the two parts (Adagrad for wide, Adam for deep), and parameter groups,
grad clipping, state_dict round trips."""
import io

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
N = 256
CARDS = [6, 4, 9]
g = torch.Generator().manual_seed(8)
cat = torch.stack([torch.randint(0, c, (N,), generator=g) for c in CARDS], 1)
num = torch.randn(N, 3, generator=g)
y = ((cat[:, 0] == cat[:, 1]) | (num[:, 0] * num[:, 2] > 0.5)).float()
print('label mean', y.mean().item())

# wide features: raw one-hots plus a cross of field 0 x field 1, hashed into a shared space
cross = cat[:, 0] * CARDS[1] + cat[:, 1]
wide_offsets = torch.tensor([0, CARDS[0], CARDS[0] + CARDS[1], sum(CARDS)])
wide_idx = torch.cat([cat + wide_offsets[:3], (cross + wide_offsets[3])[:, None]], 1)
WIDE_DIM = sum(CARDS) + CARDS[0] * CARDS[1]
print('wide idx', wide_idx[:3].tolist(), 'dim', WIDE_DIM)


class WideAndDeep(nn.Module):
    def __init__(self, d=6):
        super().__init__()
        self.wide = nn.EmbeddingBag(WIDE_DIM, 1, mode='sum')
        nn.init.zeros_(self.wide.weight)
        self.wide_bias = nn.Parameter(torch.zeros(1))
        self.embs = nn.ModuleList([nn.Embedding(c, d) for c in CARDS])
        self.deep = nn.Sequential(nn.Linear(d * len(CARDS) + 3, 32), nn.ReLU(), nn.Linear(32, 16), nn.ReLU(),
                                  nn.Linear(16, 1))

    def forward(self, wide_idx, cat, num, wide_w=None):
        w = self.wide(wide_idx, per_sample_weights=wide_w) + self.wide_bias
        e = torch.cat([emb(cat[:, i]) for i, emb in enumerate(self.embs)] + [num], 1)
        return (w + self.deep(e)).squeeze(1)


wd = WideAndDeep()
print(wd)
wide_params = list(wd.wide.parameters()) + [wd.wide_bias]
deep_params = [p for n, p in wd.named_parameters() if not (n.startswith('wide'))]
print('wide', len(wide_params), 'deep', len(deep_params))
opt_w = torch.optim.Adagrad(wide_params, lr=0.2, lr_decay=1e-3, initial_accumulator_value=0.1)
opt_d = torch.optim.Adam(deep_params, lr=5e-3, betas=(0.9, 0.99), amsgrad=True)
ww = torch.ones_like(wide_idx, dtype=torch.float)
ww[:, 3] = 0.5
for epoch in range(10):
    perm = torch.randperm(N)
    tot = 0.0
    for s in range(0, N, 64):
        b = perm[s:s + 64]
        loss = F.binary_cross_entropy_with_logits(wd(wide_idx[b], cat[b], num[b], ww[b]), y[b])
        opt_w.zero_grad()
        opt_d.zero_grad()
        loss.backward()
        opt_w.step()
        opt_d.step()
        tot += loss.item()
    if epoch % 3 == 0 or epoch == 9:
        print(f'w&d epoch {epoch} loss {tot / 4:.4f}')
print('wide weights top', wd.wide.weight.squeeze(1).topk(3))
print('adam state', sorted(opt_d.state_dict()['state'][0].keys()), opt_d.state_dict()['param_groups'][0]['amsgrad'])


class CrossLayerV1(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.w = nn.Parameter(torch.randn(d, 1) * 0.1)
        self.b = nn.Parameter(torch.zeros(d))

    def forward(self, x0, xl):
        return x0 * (xl @ self.w) + self.b + xl


class CrossLayerV2(nn.Module):
    def __init__(self, d, rank=None, experts=1):
        super().__init__()
        self.rank = rank
        if rank is None:
            self.W = nn.Linear(d, d)
        else:
            self.U = nn.Parameter(torch.randn(experts, d, rank) * 0.1)
            self.V = nn.Parameter(torch.randn(experts, d, rank) * 0.1)
            self.gate = nn.Linear(d, experts, bias=False)
            self.bias = nn.Parameter(torch.zeros(d))

    def forward(self, x0, xl):
        if self.rank is None:
            return x0 * self.W(xl) + xl
        low = torch.einsum('bd,edr->ber', xl, self.V)
        up = torch.einsum('ber,edr->bed', torch.tanh(low), self.U)
        gates = torch.softmax(self.gate(xl), dim=-1)
        mix = (gates.unsqueeze(-1) * (x0.unsqueeze(1) * (up + self.bias))).sum(1)
        return mix + xl


class DCN(nn.Module):
    def __init__(self, version, d_emb=4, layers=2, **kw):
        super().__init__()
        self.embs = nn.ModuleList([nn.Embedding(c, d_emb) for c in CARDS])
        d = d_emb * len(CARDS) + 3
        self.bn = nn.BatchNorm1d(3)
        self.cross = nn.ModuleList([(CrossLayerV1(d) if version == 1 else CrossLayerV2(d, **kw)) for _ in range(layers)])
        self.deep = nn.Sequential(nn.Linear(d, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU())
        self.out = nn.Linear(d + 16, 1)

    def forward(self, cat, num):
        x0 = torch.cat([emb(cat[:, i]) for i, emb in enumerate(self.embs)] + [self.bn(num)], 1)
        xl = x0
        for layer in self.cross:
            xl = layer(x0, xl)
        return self.out(torch.cat([xl, self.deep(x0)], 1)).squeeze(1)


for name, kw in [('v1', dict(version=1)), ('v2', dict(version=2)), ('v2-lowrank', dict(version=2, rank=3, experts=2))]:
    torch.manual_seed(1)
    model = DCN(**kw)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2, weight_decay=1e-4)
    for step in range(25):
        idx = torch.randint(0, N, (64,))
        loss = F.binary_cross_entropy_with_logits(model(cat[idx], num[idx]), y[idx])
        opt.zero_grad()
        loss.backward()
        norm = nn.utils.clip_grad_norm_(model.parameters(), max_norm=2.0, norm_type=2.0)
        opt.step()
    model.eval()
    with torch.no_grad():
        p = torch.sigmoid(model(cat, num))
    print(f'{name}: last loss {loss.item():.4f} grad norm {norm.item():.4f} acc {((p > 0.5).float() == y).float().mean().item():.4f}')
    print('  cross params', [tuple(p.shape) for p in model.cross[0].parameters()])
    buf = io.BytesIO()
    torch.save(model.state_dict(), buf)
    buf.seek(0)
    sd = torch.load(buf, weights_only=True)
    clone = DCN(**kw)
    print('  load', clone.load_state_dict(sd), 'bn tracked', sd['bn.num_batches_tracked'])
    clone.eval()
    with torch.no_grad():
        print('  same output', torch.equal(clone(cat[:8], num[:8]), model(cat[:8], num[:8])))

# DCN-v1's cross layer equals the explicit outer-product form x0 x_l^T w
x0 = torch.randn(3, 5)
layer = CrossLayerV1(5)
explicit = torch.bmm(x0.unsqueeze(2), x0.unsqueeze(1)) @ layer.w + layer.b.unsqueeze(1) + x0.unsqueeze(2)
print('outer form', torch.allclose(explicit.squeeze(2), layer(x0, x0), atol=1e-6))
missing = nn.Linear(3, 2).load_state_dict({'weight': torch.zeros(2, 3)}, strict=False)
print('missing', missing.missing_keys, missing.unexpected_keys)
try:
    nn.Linear(3, 2).load_state_dict({'weight': torch.zeros(3, 3), 'bias': torch.zeros(2)})
except RuntimeError as e:
    print('RuntimeError', str(e).replace('\n', ' | ').replace('\t', ' '))
