"""Graph-based collaborative filtering (LightGCN / NGCF style) as the reference repos write it: a
user-item bipartite adjacency built with torch.sparse_coo_tensor, symmetric D^-1/2 A D^-1/2
normalisation via torch.sparse.sum and the sparse values, propagation with torch.sparse.mm over
K layers averaged, BPR training with Adam, and an item-item co-occurrence matrix via a sparse
transpose product; also coalesce, to_dense and index_select on the embeddings."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
U, I, D = 30, 40, 8
g = torch.Generator().manual_seed(4)
n_inter = 150
u = torch.randint(0, U, (n_inter,), generator=g)
i = torch.randint(0, I, (n_inter,), generator=g)
pairs = torch.unique(torch.stack([u, i]), dim=1)
print('unique interactions', pairs.shape)

R = torch.sparse_coo_tensor(pairs, torch.ones(pairs.shape[1]), (U, I)).coalesce()
print('R', R.shape, R._nnz(), R.is_coalesced(), R.dtype)
rows = torch.cat([pairs[0], pairs[1] + U])
cols = torch.cat([pairs[1] + U, pairs[0]])
A = torch.sparse_coo_tensor(torch.stack([rows, cols]), torch.ones(rows.numel()), (U + I, U + I)).coalesce()
deg = torch.sparse.sum(A, dim=1).to_dense()
print('degree', deg[:6], 'isolated', (deg == 0).sum().item())
d_inv_sqrt = deg.pow(-0.5)
d_inv_sqrt[torch.isinf(d_inv_sqrt)] = 0.0
idx = A.indices()
norm_vals = d_inv_sqrt[idx[0]] * A.values() * d_inv_sqrt[idx[1]]
A_hat = torch.sparse_coo_tensor(idx, norm_vals, A.shape).coalesce()
print('A_hat nnz', A_hat._nnz(), 'values', A_hat.values()[:4])
dense = A_hat.to_dense()
print('symmetric', torch.allclose(dense, dense.T), 'row sums', dense.sum(1)[:4])
ev = torch.linalg.eigvalsh(dense)
print('spectral radius <= 1', ev.abs().max().item() <= 1 + 1e-5)


class LightGCN(nn.Module):
    def __init__(self, n_layers=3):
        super().__init__()
        self.emb = nn.Embedding(U + I, D)
        nn.init.normal_(self.emb.weight, std=0.1)
        self.n_layers = n_layers

    def propagate(self):
        x = self.emb.weight
        outs = [x]
        for _ in range(self.n_layers):
            x = torch.sparse.mm(A_hat, x)
            outs.append(x)
        return torch.stack(outs, 1).mean(1)

    def forward(self, users, pos, neg):
        allx = self.propagate()
        ue, pe, ne = allx[users], allx[U + pos], allx[U + neg]
        return (ue * pe).sum(-1), (ue * ne).sum(-1), self.emb(users), self.emb(U + pos), self.emb(U + neg)


model = LightGCN()
out = model.propagate()
print('propagated', out.shape, out.grad_fn is not None)
check = (dense @ model.emb.weight)
print('sparse.mm == dense mm', torch.allclose(torch.sparse.mm(A_hat, model.emb.weight), check, atol=1e-6))
opt = torch.optim.Adam(model.parameters(), lr=0.01)
Rd = R.to_dense().bool()
for epoch in range(15):
    perm = torch.randperm(pairs.shape[1])
    bu, bp = pairs[0, perm], pairs[1, perm]
    bn = torch.randint(0, I, bu.shape)
    clash = Rd[bu, bn]
    bn[clash] = (bn[clash] + 1) % I
    pos_s, neg_s, e_u, e_p, e_n = model(bu, bp, bn)
    reg = (e_u.norm(2).pow(2) + e_p.norm(2).pow(2) + e_n.norm(2).pow(2)) / (2 * len(bu))
    loss = F.softplus(neg_s - pos_s).mean() + 1e-4 * reg
    opt.zero_grad()
    loss.backward()
    opt.step()
    if epoch % 5 == 4:
        print(f'epoch {epoch} loss {loss.item():.5f} reg {reg.item():.5f}')
print('emb grad', model.emb.weight.grad.abs().sum().item() > 0, model.emb.weight.grad.layout)

with torch.no_grad():
    allx = model.propagate()
    users_e, items_e = allx[:U], allx[U:]
    scores = users_e @ items_e.T
    scores[Rd] = -float('inf')
    top = scores.topk(5, dim=1).indices
    print('top5 user0', top[0].tolist())
    print('score stats', torch.isinf(scores).sum().item(), scores[~Rd].mean().item())

# item-item co-occurrence C = R^T R via sparse ops
Rt = R.t().coalesce()
C = torch.sparse.mm(Rt, R.to_dense())
print('co-occurrence', C.shape, C.diagonal()[:6], torch.equal(C.diagonal(), Rd.sum(0).float()))
top_co = (C - torch.diag(C.diagonal())).topk(2, dim=1)
print('co top', top_co.values[:3], top_co.indices[:3])
print('sparse add', (R + R).coalesce().values()[:3], 'mul scalar', (R * 2.0).coalesce().values()[:3])
print('select rows', torch.index_select(R.to_dense(), 0, torch.tensor([0, 2]))[:, :8])
print('sparse repr', torch.sparse_coo_tensor(torch.tensor([[0, 1], [2, 0]]), torch.tensor([3., 4.]), (2, 3)))
