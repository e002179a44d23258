# Graph attention (GAT) with a softmax over neighbours computed by scatter ops on an edge list
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(21)
N, F_in = 12, 6
src = torch.randint(0, N, (30,))
dst = torch.randint(0, N, (30,))
keep = src != dst
edge_index = torch.stack([src[keep], dst[keep]])
print('edges', edge_index.shape, edge_index.dtype)
loops = torch.arange(N)
edge_index = torch.cat([edge_index, torch.stack([loops, loops])], 1)
x = torch.randn(N, F_in)
y = (x[:, 0] + x[:, 1] > 0).long()
print('labels', y, y.bincount())


def scatter_softmax(src, index, num_nodes):
    # src: [E, H]
    H = src.size(1)
    idx = index.unsqueeze(-1).expand(-1, H)
    src_max = torch.full((num_nodes, H), float('-inf')).scatter_reduce(0, idx, src, reduce='amax', include_self=True)
    out = (src - src_max.gather(0, idx)).exp()
    denom = torch.zeros(num_nodes, H).scatter_add_(0, idx, out)
    return out / (denom.index_select(0, index) + 1e-16)


class GATLayer(nn.Module):
    def __init__(self, in_dim, out_dim, heads=2, concat=True, negative_slope=0.2, dropout=0.0):
        super().__init__()
        self.heads, self.out_dim, self.concat = heads, out_dim, concat
        self.lin = nn.Linear(in_dim, heads * out_dim, bias=False)
        self.att_src = nn.Parameter(torch.empty(1, heads, out_dim))
        self.att_dst = nn.Parameter(torch.empty(1, heads, out_dim))
        self.bias = nn.Parameter(torch.zeros(heads * out_dim if concat else out_dim))
        nn.init.xavier_uniform_(self.att_src)
        nn.init.xavier_uniform_(self.att_dst)
        self.negative_slope, self.dropout = negative_slope, dropout

    def forward(self, x, edge_index, return_attention=False):
        H, C = self.heads, self.out_dim
        h = self.lin(x).view(-1, H, C)
        a_src = (h * self.att_src).sum(-1)
        a_dst = (h * self.att_dst).sum(-1)
        s, d = edge_index[0], edge_index[1]
        e = F.leaky_relu(a_src[s] + a_dst[d], self.negative_slope)
        alpha = scatter_softmax(e, d, x.size(0))
        alpha = F.dropout(alpha, p=self.dropout, training=self.training)
        msg = h[s] * alpha.unsqueeze(-1)
        out = torch.zeros(x.size(0), H, C, dtype=x.dtype).index_add_(0, d, msg)
        out = out.reshape(-1, H * C) if self.concat else out.mean(dim=1)
        out = out + self.bias
        return (out, alpha) if return_attention else out


class GAT(nn.Module):
    def __init__(self):
        super().__init__()
        self.l1 = GATLayer(F_in, 8, heads=2, dropout=0.2)
        self.l2 = GATLayer(16, 2, heads=1, concat=False)

    def forward(self, x, ei):
        x = F.elu(self.l1(x, ei))
        return self.l2(x, ei)


model = GAT()
print(model)
for n, p in model.named_parameters():
    print(n, tuple(p.shape), f'{p.data.abs().mean().item():.5f}')
opt = torch.optim.Adam(model.parameters(), lr=0.01, weight_decay=5e-4)
for epoch in range(40):
    model.train()
    opt.zero_grad()
    out = model(x, edge_index)
    loss = F.nll_loss(F.log_softmax(out, 1), y)
    loss.backward()
    opt.step()
    if epoch % 8 == 0:
        print(f'epoch {epoch:2d} loss {loss.item():.5f} acc {(out.argmax(1) == y).float().mean():.4f}')

model.eval()
with torch.no_grad():
    out, alpha = model.l1(x, edge_index, return_attention=True)
    print('alpha', alpha.shape, alpha[:5])
    sums = torch.zeros(N, 2).index_add_(0, edge_index[1], alpha)
    print('attention sums to one', torch.allclose(sums, torch.ones(N, 2)), sums[:3])
    # reference with dense masking
    e_dense = torch.full((N, N), float('-inf'))
    e_dense[edge_index[1], edge_index[0]] = 0.0
    print('dense softmax rows', torch.softmax(e_dense, dim=1).nan_to_num(0.0).sum(1))
    print('isinf count', torch.isinf(e_dense).sum(), e_dense.masked_fill(e_dense.isinf(), -1e9).max())
    topk = alpha[:, 0].topk(3)
    print('topk', topk)
    print('scatter_ max', torch.zeros(N).scatter_(0, edge_index[1], alpha[:, 0], reduce='add')[:4])
    print('segment', torch.zeros(N, dtype=torch.long).scatter_add_(0, edge_index[1], torch.ones_like(edge_index[1])))
