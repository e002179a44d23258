"""Implicit-feedback recommenders as the NCF / BPR reference code writes them: a sparse user-item
matrix of positives, negative sampling with torch.randint and rejection of observed items (and
popularity-weighted multinomial negatives), BPR loss with logsigmoid and L2 on the batch
embeddings, NeuMF (GMF + MLP towers with concatenation) trained with BCE, and leave-one-out
evaluation with hit-ratio / NDCG@10 over 1 positive + 49 sampled negatives."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
U, I = 40, 60
g = torch.Generator().manual_seed(17)
pu = torch.randn(U, 3, generator=g)
qi = torch.randn(I, 3, generator=g)
R = (pu @ qi.T + 0.5 * torch.randn(U, I, generator=g)) > 1.2
R[torch.arange(U), torch.randint(0, I, (U,), generator=g)] = True   # everyone has one positive
print('density', R.float().mean().item(), 'per user', R.sum(1)[:8].tolist())
users, items = R.nonzero(as_tuple=True)
print('interactions', users.shape[0], users.dtype)

# leave-one-out: the last positive of each user is the test item
last = torch.zeros(U, dtype=torch.long)
last.scatter_reduce_(0, users, items, reduce='amax', include_self=False)
test_items = last
train = R.clone()
train[torch.arange(U), test_items] = False
tu, ti = train.nonzero(as_tuple=True)
print('train', tu.numel(), 'test', test_items[:8].tolist())


def sample_negatives(u, n_neg, gen):
    neg = torch.randint(0, I, (len(u), n_neg), generator=gen)
    bad = R[u[:, None], neg]
    while bad.any():                                       # resample observed items
        neg[bad] = torch.randint(0, I, (int(bad.sum()),), generator=gen)
        bad = R[u[:, None], neg]
    return neg


class BPRMF(nn.Module):
    def __init__(self, d=8):
        super().__init__()
        self.P = nn.Embedding(U, d)
        self.Q = nn.Embedding(I, d)
        nn.init.normal_(self.P.weight, std=0.1)
        nn.init.normal_(self.Q.weight, std=0.1)

    def forward(self, u, i):
        return (self.P(u) * self.Q(i)).sum(-1)


bpr = BPRMF()
opt = torch.optim.Adam(bpr.parameters(), lr=0.02)
ng = torch.Generator().manual_seed(1)
for epoch in range(12):
    perm = torch.randperm(tu.numel(), generator=ng)
    tot = 0.0
    for s in range(0, len(perm), 64):
        b = perm[s:s + 64]
        u, ip = tu[b], ti[b]
        jn = sample_negatives(u, 1, ng)[:, 0]
        x_uij = bpr(u, ip) - bpr(u, jn)
        reg = 1e-3 * (bpr.P(u).pow(2).sum() + bpr.Q(ip).pow(2).sum() + bpr.Q(jn).pow(2).sum()) / len(b)
        loss = -F.logsigmoid(x_uij).mean() + reg
        opt.zero_grad()
        loss.backward()
        opt.step()
        tot += loss.item() * len(b)
    if epoch % 4 == 3:
        print(f'bpr epoch {epoch} loss {tot / len(perm):.4f}')


def evaluate(score_fn, n_neg=49, k=10):
    eg = torch.Generator().manual_seed(99)
    negs = sample_negatives(torch.arange(U), n_neg, eg)
    cand = torch.cat([test_items[:, None], negs], 1)
    with torch.no_grad():
        s = score_fn(torch.arange(U)[:, None].expand_as(cand), cand)
    rank = (s > s[:, :1]).sum(1)                            # 0-based rank of the positive
    hr = (rank < k).float().mean()
    ndcg = torch.where(rank < k, 1.0 / torch.log2(rank.float() + 2), torch.zeros(U)).mean()
    return hr.item(), ndcg.item(), rank[:10].tolist()


print('bpr eval', evaluate(bpr))

# popularity-weighted negatives
pop = train.sum(0).float()
neg_dist = (pop + 1) ** 0.75
pn = torch.multinomial(neg_dist, 12, replacement=True, generator=torch.Generator().manual_seed(3))
print('pop negatives', pn.tolist(), neg_dist.argmax().item())


class NeuMF(nn.Module):
    def __init__(self, d_gmf=8, d_mlp=8, layers=(16, 8)):
        super().__init__()
        self.gmf_u, self.gmf_i = nn.Embedding(U, d_gmf), nn.Embedding(I, d_gmf)
        self.mlp_u, self.mlp_i = nn.Embedding(U, d_mlp), nn.Embedding(I, d_mlp)
        mods, inp = [], 2 * d_mlp
        for h in layers:
            mods += [nn.Linear(inp, h), nn.ReLU()]
            inp = h
        self.mlp = nn.Sequential(*mods)
        self.predict = nn.Linear(d_gmf + layers[-1], 1)
        for m in self.modules():
            if isinstance(m, nn.Embedding):
                nn.init.normal_(m.weight, std=0.01)
            elif isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)
        nn.init.kaiming_uniform_(self.predict.weight, a=1, nonlinearity='sigmoid')

    def forward(self, u, i):
        gmf = self.gmf_u(u) * self.gmf_i(i)
        mlp = self.mlp(torch.cat([self.mlp_u(u), self.mlp_i(i)], -1))
        return self.predict(torch.cat([gmf, mlp], -1)).squeeze(-1)


ncf = NeuMF()
print(ncf)
print('params', sum(p.numel() for p in ncf.parameters()), [n for n, _ in ncf.named_parameters()][:5])
opt = torch.optim.Adam(ncf.parameters(), lr=0.01)
crit = nn.BCEWithLogitsLoss()
for epoch in range(6):
    negs = sample_negatives(tu, 4, ng)
    uu = torch.cat([tu, tu.repeat_interleave(4)])
    ii = torch.cat([ti, negs.flatten()])
    yy = torch.cat([torch.ones(tu.numel()), torch.zeros(negs.numel())])
    perm = torch.randperm(len(uu), generator=ng)
    tot = 0.0
    for s in range(0, len(uu), 256):
        b = perm[s:s + 256]
        loss = crit(ncf(uu[b], ii[b]), yy[b])
        opt.zero_grad()
        loss.backward()
        opt.step()
        tot += loss.item() * len(b)
    print(f'neumf epoch {epoch} loss {tot / len(uu):.4f}')
print('neumf eval', evaluate(ncf))
print('predict grad norm', ncf.predict.weight.grad.norm().item())
print('ideal dcg', sum(1 / math.log2(r + 2) for r in range(3)))
