"""Factorization machines for CTR as the pytorch-fm / DeepCTR-Torch code writes them: one shared
embedding table over all fields with per-field offsets, the O(kn) sum-square trick checked against
the explicit pairwise sum, a field-aware FM (FFM) with per-field embedding tables and triu pairs,
DeepFM (FM + MLP sharing embeddings), Adagrad training, and gradient checks with
torch.autograd.gradcheck in float64."""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
FIELDS = [5, 7, 4, 6]
N = 300
g = torch.Generator().manual_seed(21)
X = torch.stack([torch.randint(0, f, (N,), generator=g) for f in FIELDS], 1)
w_true = torch.randn(sum(FIELDS), generator=g)
offsets_np = np.array((0, *np.cumsum(FIELDS)[:-1]), dtype=np.int64)
logit = w_true[X + torch.from_numpy(offsets_np)].sum(1) + (X[:, 0] == X[:, 2]).float() * 2 - 1
y = (torch.sigmoid(logit) > torch.rand(N, generator=g)).float()
print('X', X.shape, X.dtype, 'ctr', y.mean().item(), 'offsets', offsets_np.tolist())


class FeaturesLinear(nn.Module):
    def __init__(self, field_dims):
        super().__init__()
        self.fc = nn.Embedding(sum(field_dims), 1)
        self.bias = nn.Parameter(torch.zeros((1,)))
        self.offsets = torch.from_numpy(np.array((0, *np.cumsum(field_dims)[:-1]), dtype=np.int64))

    def forward(self, x):
        x = x + x.new_tensor(self.offsets).unsqueeze(0)
        return torch.sum(self.fc(x), dim=1) + self.bias


class FeaturesEmbedding(nn.Module):
    def __init__(self, field_dims, d):
        super().__init__()
        self.embedding = nn.Embedding(sum(field_dims), d)
        self.offsets = np.array((0, *np.cumsum(field_dims)[:-1]), dtype=np.int64)
        nn.init.xavier_uniform_(self.embedding.weight.data)

    def forward(self, x):
        x = x + x.new_tensor(self.offsets).unsqueeze(0)
        return self.embedding(x)


def fm_interaction(e, reduce_sum=True):
    square_of_sum = torch.sum(e, dim=1) ** 2
    sum_of_square = torch.sum(e ** 2, dim=1)
    ix = square_of_sum - sum_of_square
    if reduce_sum:
        ix = torch.sum(ix, dim=1, keepdim=True)
    return 0.5 * ix


class FM(nn.Module):
    def __init__(self, d=4):
        super().__init__()
        self.linear = FeaturesLinear(FIELDS)
        self.embedding = FeaturesEmbedding(FIELDS, d)

    def forward(self, x):
        return (self.linear(x) + fm_interaction(self.embedding(x))).squeeze(1)


fm = FM()
e = fm.embedding(X[:5])
explicit = torch.zeros(5, 1)
for a in range(len(FIELDS)):
    for b in range(a + 1, len(FIELDS)):
        explicit += (e[:, a] * e[:, b]).sum(-1, keepdim=True)
print('sum-square trick', fm_interaction(e).flatten())
print('explicit pairs  ', explicit.flatten(), torch.allclose(explicit, fm_interaction(e), atol=1e-6))
ii, jj = torch.triu_indices(len(FIELDS), len(FIELDS), 1)
print('triu pairs', torch.einsum('bkd,bkd->b', e[:, ii], e[:, jj]))

opt = torch.optim.Adagrad(fm.parameters(), lr=0.1)
for epoch in range(8):
    out = fm(X)
    loss = F.binary_cross_entropy_with_logits(out, y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if epoch % 2 == 1:
        print(f'fm epoch {epoch} loss {loss.item():.4f}')
print('adagrad sum', opt.state[fm.linear.bias]['sum'])


class FFM(nn.Module):
    def __init__(self, d=3):
        super().__init__()
        self.num_fields = len(FIELDS)
        self.embeddings = nn.ModuleList([nn.Embedding(sum(FIELDS), d) for _ in FIELDS])
        for emb in self.embeddings:
            nn.init.xavier_uniform_(emb.weight.data)
        self.linear = FeaturesLinear(FIELDS)
        self.register_buffer('offsets', torch.tensor(offsets_np))

    def forward(self, x):
        x2 = x + self.offsets.unsqueeze(0)
        xs = [self.embeddings[i](x2) for i in range(self.num_fields)]
        ix = []
        for i in range(self.num_fields - 1):
            for j in range(i + 1, self.num_fields):
                ix.append(xs[j][:, i] * xs[i][:, j])
        ix = torch.stack(ix, dim=1)
        return (self.linear(x) + ix.sum(dim=(1, 2)).unsqueeze(1)).squeeze(1)


ffm = FFM()
print(ffm)
opt = torch.optim.Adam(ffm.parameters(), lr=0.05)
for epoch in range(6):
    loss = F.binary_cross_entropy_with_logits(ffm(X), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
print('ffm loss', loss.item())


class DeepFM(nn.Module):
    def __init__(self, d=4):
        super().__init__()
        self.linear = FeaturesLinear(FIELDS)
        self.embedding = FeaturesEmbedding(FIELDS, d)
        self.mlp = nn.Sequential(nn.Linear(len(FIELDS) * d, 16, bias=False), nn.BatchNorm1d(16), nn.ReLU(),
                                 nn.Dropout(0.2), nn.Linear(16, 1))

    def forward(self, x):
        e = self.embedding(x)
        return (self.linear(x) + fm_interaction(e) + self.mlp(e.view(-1, e.shape[1] * e.shape[2]))).squeeze(1)


dfm = DeepFM()
opt = torch.optim.Adam(dfm.parameters(), lr=0.01, weight_decay=1e-6)
for epoch in range(10):
    dfm.train()
    perm = torch.randperm(N)
    for s in range(0, N, 100):
        b = perm[s:s + 100]
        loss = F.binary_cross_entropy_with_logits(dfm(X[b]), y[b])
        opt.zero_grad()
        loss.backward()
        opt.step()
    dfm.eval()
    with torch.no_grad():
        p = torch.sigmoid(dfm(X))
        ll = F.binary_cross_entropy(p, y)
    if epoch % 3 == 0:
        print(f'deepfm epoch {epoch} train loss {loss.item():.4f} eval logloss {ll.item():.4f}')
print('bn running mean', dfm.mlp[1].running_mean[:4], 'batches', dfm.mlp[1].num_batches_tracked)

e64 = torch.randn(3, 4, 2, dtype=torch.float64, requires_grad=True)
print('gradcheck', torch.autograd.gradcheck(lambda t: fm_interaction(t), (e64,)))
print('gradgradcheck', torch.autograd.gradgradcheck(lambda t: fm_interaction(t, False), (e64,)))
