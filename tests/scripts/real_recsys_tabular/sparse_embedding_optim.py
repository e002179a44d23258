"""Sparse embedding gradients as large-vocabulary recommenders use them: nn.Embedding /
nn.EmbeddingBag with sparse=True give sparse COO gradients, stepped with optim.SparseAdam (the
embeddings) next to Adam (the dense layers), or with Adagrad / SGD that accept sparse grads; the
gradients are inspected (coalesce, indices, values, to_dense) and the error raised when a dense
optimizer sees them is caught."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)

emb = nn.Embedding(8, 3, sparse=True)
print(emb)
idx = torch.tensor([[1, 2, 1], [5, 2, 7]])
out = emb(idx)
out.sum().backward()
g = emb.weight.grad
print('is_sparse', g.is_sparse, g.layout, g.shape)
print('sparse_dim', g.sparse_dim(), 'dense_dim', g.dense_dim())
gc = g.coalesce()
print('indices', gc.indices())
print('values', gc.values())
print('nnz', gc._nnz(), 'coalesced', gc.is_coalesced())
print('dense', g.to_dense())

bag = nn.EmbeddingBag(12, 4, mode='mean', sparse=True)
print(bag)
flat = torch.tensor([0, 3, 3, 7, 11, 2])
offs = torch.tensor([0, 2, 5])
(bag(flat, offs) ** 2).sum().backward()
bg = bag.weight.grad.coalesce()
print('bag grad rows', bg.indices().tolist())
print('bag grad values', bg.values())

try:
    torch.optim.Adam([emb.weight], lr=0.1).step()
except RuntimeError as e:
    print('RuntimeError', str(e).split('\n')[0])

try:
    torch.optim.SparseAdam([nn.Parameter(torch.randn(3))], lr=0.1)
except Exception as e:
    print(type(e).__name__, str(e)[:100])


class MF(nn.Module):
    def __init__(self, n_users, n_items, dim):
        super().__init__()
        self.user = nn.Embedding(n_users, dim, sparse=True)
        self.item = nn.Embedding(n_items, dim, sparse=True)
        self.user_bias = nn.Embedding(n_users, 1, sparse=True)
        self.item_bias = nn.Embedding(n_items, 1, sparse=True)
        self.global_bias = nn.Parameter(torch.zeros(1))
        for e in (self.user, self.item):
            nn.init.normal_(e.weight, std=0.1)
        nn.init.zeros_(self.user_bias.weight)
        nn.init.zeros_(self.item_bias.weight)

    def forward(self, u, i):
        dot = (self.user(u) * self.item(i)).sum(-1)
        return dot + self.user_bias(u).squeeze(-1) + self.item_bias(i).squeeze(-1) + self.global_bias


g = torch.Generator().manual_seed(3)
U, I, R = 30, 40, 400
true_u = torch.randn(U, 2, generator=g)
true_i = torch.randn(I, 2, generator=g)
users = torch.randint(0, U, (R,), generator=g)
items = torch.randint(0, I, (R,), generator=g)
ratings = ((true_u[users] * true_i[items]).sum(1) + 3.0).clamp(1, 5)
print('ratings', ratings[:5], ratings.mean().item())

for name in ['sparseadam', 'adagrad', 'sgd']:
    torch.manual_seed(1)
    model = MF(U, I, 4)
    sparse_params = [p for n, p in model.named_parameters() if n != 'global_bias']
    if name == 'sparseadam':
        opts = [torch.optim.SparseAdam(sparse_params, lr=0.05), torch.optim.Adam([model.global_bias], lr=0.05)]
    elif name == 'adagrad':
        opts = [torch.optim.Adagrad(model.parameters(), lr=0.3, initial_accumulator_value=0.1)]
    else:
        opts = [torch.optim.SGD(model.parameters(), lr=0.5)]
    print(name, [type(o).__name__ for o in opts])
    for epoch in range(8):
        perm = torch.randperm(R)
        tot = 0.0
        for s in range(0, R, 100):
            b = perm[s:s + 100]
            pred = model(users[b], items[b])
            loss = F.mse_loss(pred, ratings[b])
            for o in opts:
                o.zero_grad()
            loss.backward()
            for o in opts:
                o.step()
            tot += loss.item()
        if epoch % 3 == 0 or epoch == 7:
            print(f'  epoch {epoch} mse {tot / 4:.4f}')
    st = opts[0].state[model.user.weight]
    print('  state keys', sorted(st.keys()))
    if name == 'adagrad':
        print('  sum is sparse', st['sum'].is_sparse, 'step', st['step'])
    if name == 'sparseadam':
        print('  exp_avg', st['exp_avg'].layout, st['exp_avg'][0], 'step', st['step'])
    print('  global bias', model.global_bias.data, 'grad sparse', model.user.weight.grad.is_sparse)
    with torch.no_grad():
        print('  rmse', F.mse_loss(model(users, items), ratings).sqrt().item())

# max_norm renormalises the looked-up rows in place
e2 = nn.Embedding(6, 3, max_norm=1.0)
with torch.no_grad():
    e2.weight.mul_(3)
before = e2.weight.norm(dim=1).clone()
e2(torch.tensor([0, 2, 2]))
print('norms before', before)
print('norms after', e2.weight.norm(dim=1))
