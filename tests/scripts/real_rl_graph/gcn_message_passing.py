# A two-layer GCN written with index_add_/scatter_add_/index_select on an edge list (no torch.sparse)
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(5)

# a small "karate-club-like" graph: two communities joined by two edges
edges = [(0, 1), (0, 2), (1, 2), (1, 3), (2, 3), (3, 4), (4, 5), (5, 6), (5, 7), (6, 7), (7, 8), (8, 9),
         (6, 8), (2, 4), (9, 10), (10, 11), (11, 9), (10, 12), (12, 13), (13, 11), (4, 10), (8, 12)]
num_nodes = 14
edge_index = torch.tensor(edges, dtype=torch.long).t().contiguous()
edge_index = torch.cat([edge_index, edge_index.flip(0)], dim=1)
print('edge_index', edge_index.shape, edge_index.dtype, edge_index[:, :6])
labels = torch.tensor([0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 2])
x = torch.randn(num_nodes, 8)
train_mask = torch.zeros(num_nodes, dtype=torch.bool)
train_mask[[0, 5, 9, 3, 7, 12]] = True
print('train nodes', train_mask.nonzero().view(-1), train_mask.sum())


def add_self_loops(edge_index, num_nodes):
    loop = torch.arange(num_nodes, dtype=edge_index.dtype).unsqueeze(0).repeat(2, 1)
    return torch.cat([edge_index, loop], dim=1)


def degree(index, num_nodes, dtype=torch.float):
    out = torch.zeros(num_nodes, dtype=dtype)
    return out.scatter_add_(0, index, torch.ones(index.size(0), dtype=dtype))


class GCNConv(nn.Module):
    def __init__(self, in_channels, out_channels):
        super().__init__()
        self.lin = nn.Linear(in_channels, out_channels, bias=False)
        self.bias = nn.Parameter(torch.zeros(out_channels))

    def forward(self, x, edge_index):
        edge_index = add_self_loops(edge_index, x.size(0))
        row, col = edge_index
        deg = degree(col, x.size(0), dtype=x.dtype)
        deg_inv_sqrt = deg.pow(-0.5)
        deg_inv_sqrt[deg_inv_sqrt == float('inf')] = 0
        norm = deg_inv_sqrt[row] * deg_inv_sqrt[col]
        x = self.lin(x)
        msg = x.index_select(0, row) * norm.view(-1, 1)
        out = torch.zeros_like(x).index_add_(0, col, msg)
        return out + self.bias


class GCN(nn.Module):
    def __init__(self, nin, nhid, nout):
        super().__init__()
        self.conv1 = GCNConv(nin, nhid)
        self.conv2 = GCNConv(nhid, nout)

    def forward(self, x, edge_index):
        x = F.dropout(x, p=0.5, training=self.training)
        x = self.conv1(x, edge_index).relu()
        x = F.dropout(x, p=0.5, training=self.training)
        return self.conv2(x, edge_index)


deg = degree(edge_index[0], num_nodes)
print('degree', deg, deg.dtype)
print('bincount degree', torch.bincount(edge_index[0], minlength=num_nodes))
model = GCN(8, 16, 3)
print(model)
optimizer = torch.optim.Adam(model.parameters(), lr=0.01, weight_decay=5e-4)
for epoch in range(1, 61):
    model.train()
    optimizer.zero_grad()
    out = model(x, edge_index)
    loss = F.cross_entropy(out[train_mask], labels[train_mask])
    loss.backward()
    optimizer.step()
    if epoch % 10 == 0:
        model.eval()
        with torch.no_grad():
            pred = model(x, edge_index).argmax(dim=1)
            acc = (pred == labels).sum().item() / num_nodes
        print(f'Epoch: {epoch:03d}, Loss: {loss:.4f}, Acc: {acc:.4f}')

model.eval()
out = model(x, edge_index)
print('out', out.shape, out.requires_grad, out.grad_fn is not None)
print('log_softmax', F.log_softmax(out, dim=1)[:3].detach())

# mean / max aggregation (GraphSAGE style) with scatter_reduce
row, col = edge_index
h = x[:, :3]
summed = torch.zeros(num_nodes, 3).scatter_add(0, col.unsqueeze(-1).expand(-1, 3), h[row])
cnt = torch.zeros(num_nodes).index_add(0, col, torch.ones(col.numel())).clamp(min=1)
print('mean agg', (summed / cnt.unsqueeze(-1))[:4])
mx = torch.full((num_nodes, 3), float('-inf')).scatter_reduce(0, col.unsqueeze(-1).expand(-1, 3), h[row], reduce='amax')
print('max agg', mx[:4])
mean2 = torch.zeros(num_nodes, 3).scatter_reduce(0, col.unsqueeze(-1).expand(-1, 3), h[row], reduce='mean', include_self=False)
print('mean agg 2', mean2[:4])
print('close', torch.allclose(mean2, summed / cnt.unsqueeze(-1), atol=1e-6))
# graph-level readout over a batch vector (two graphs) with index_reduce_
batch = (torch.arange(num_nodes) >= 7).long()
gmax = torch.zeros(2, 3).index_reduce_(0, batch, out.detach(), 'amax', include_self=False)
gmean = torch.zeros(2, 3).index_reduce(0, batch, out.detach(), 'mean', include_self=False)
print('readout', gmax, gmean, torch.allclose(gmean, torch.zeros(2, 3).index_add_(0, batch, out.detach()) / 7))
hp = h.clone().requires_grad_()
r = torch.ones(2, 3).index_reduce(0, batch, hp, 'prod')
r.sum().backward()
print(r.grad_fn.name(), hp.grad[:3])
# adjacency via index_put_ with accumulate and a dense normalised propagation
A = torch.zeros(num_nodes, num_nodes)
A.index_put_((row, col), torch.ones(row.numel()), accumulate=True)
print('A sym', torch.equal(A, A.T), A.sum().item(), A.diagonal().sum())
A_hat = A + torch.eye(num_nodes)
D = A_hat.sum(1)
D_inv_sqrt = torch.diag(D.rsqrt())
P = D_inv_sqrt @ A_hat @ D_inv_sqrt
print('P row sums', P.sum(1)[:5])
print('neighbours of 4', col[row == 4].sort().values, torch.unique(col[row == 4]))
print('unique counts', torch.unique(row, return_counts=True)[1])
print('gradient through index_add', torch.autograd.grad(out.sum(), model.conv1.bias)[0])
