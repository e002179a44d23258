"""Two-tower retrieval as YouTube / TorchRec-style tutorials write it: user and item towers
(embeddings + MLP, L2-normalised), in-batch negatives with logits / temperature and cross_entropy
over arange labels, the logQ sampling-bias correction, a learnable temperature, symmetric loss,
hard-negative mining with topk, then brute-force retrieval with recall@k and cosine_similarity."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
U, I, D = 50, 80, 16
g = torch.Generator().manual_seed(5)
user_f = torch.randn(U, 4, generator=g)
item_f = torch.randn(I, 4, generator=g)
# interactions drawn from a hidden affinity, popular items more often
aff = user_f @ torch.randn(4, 4, generator=g) @ item_f.T
pop = torch.linspace(2.0, 0.2, I)
probs = torch.softmax(aff + pop.log(), dim=1)
pos_items = torch.multinomial(probs, 4, replacement=False, generator=g)
pairs = torch.stack([torch.arange(U).repeat_interleave(4), pos_items.flatten()], 1)
print('pairs', pairs.shape, pairs[:6].tolist())
item_freq = torch.bincount(pairs[:, 1], minlength=I).float()
log_q = torch.log((item_freq + 1) / (item_freq + 1).sum())
print('logQ', log_q[:5])


class Tower(nn.Module):
    def __init__(self, n, f, d):
        super().__init__()
        self.id_emb = nn.Embedding(n, d)
        self.feat = nn.Linear(f, d, bias=False)
        self.mlp = nn.Sequential(nn.Linear(2 * d, 32), nn.LeakyReLU(0.1), nn.Dropout(0.0), nn.Linear(32, d))

    def forward(self, ids, feats):
        h = torch.cat([self.id_emb(ids), self.feat(feats)], dim=-1)
        return F.normalize(self.mlp(h), p=2, dim=-1)


class TwoTower(nn.Module):
    def __init__(self):
        super().__init__()
        self.user = Tower(U, 4, D)
        self.item = Tower(I, 4, D)
        self.log_temp = nn.Parameter(torch.tensor(0.1).log())

    def forward(self, u, i):
        return self.user(u, user_f[u]), self.item(i, item_f[i])


model = TwoTower()
print(model.user)
print('temperature', model.log_temp.exp().item())
opt = torch.optim.Adam(model.parameters(), lr=5e-3)
B = 40
for step in range(30):
    idx = torch.randperm(len(pairs))[:B]
    u, i = pairs[idx, 0], pairs[idx, 1]
    ue, ie = model(u, i)
    temp = model.log_temp.exp().clamp(min=0.01)
    logits = ue @ ie.T / temp
    logits = logits - log_q[i][None, :]                     # logQ correction
    same = (i[None, :] == i[:, None]) & ~torch.eye(B, dtype=torch.bool)
    logits = logits.masked_fill(same, float('-inf'))        # accidental hits
    labels = torch.arange(B)
    loss = (F.cross_entropy(logits, labels) + F.cross_entropy(logits.T, labels)) / 2
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 6 == 0 or step == 29:
        acc = (logits.argmax(1) == labels).float().mean()
        print(f'step {step:2d} loss {loss.item():.4f} in-batch acc {acc.item():.3f} temp {temp.item():.4f}')

print('log_temp grad', model.log_temp.grad)
print('norms', ue.norm(dim=1)[:4])

# hard negatives: highest-scoring non-positive items per user
with torch.no_grad():
    all_u = model.user(torch.arange(U), user_f)
    all_i = model.item(torch.arange(I), item_f)
    scores = all_u @ all_i.T
    pos_mask = torch.zeros(U, I, dtype=torch.bool)
    pos_mask[pairs[:, 0], pairs[:, 1]] = True
    hard = scores.masked_fill(pos_mask, -1e4).topk(3, dim=1).indices
    print('hard negatives', hard[:3].tolist())
    K = 10
    top = scores.topk(K, dim=1).indices
    hit = pos_mask.gather(1, top)
    print('recall@10', (hit.sum(1).float() / pos_mask.sum(1)).mean().item())
    pop_top = item_freq.topk(K).indices
    print('popularity recall@10', pos_mask[:, pop_top].sum(1).float().div(4).mean().item())
    cs = F.cosine_similarity(all_u[:3, None, :], all_i[None, :5, :], dim=-1)
    print('cosine', cs)
    print('matches dot', torch.allclose(cs, scores[:3, :5], atol=1e-6))
    sim_items = F.cosine_similarity(all_i[0:1], all_i).argsort(descending=True)[:5]
    print('similar to item 0', sim_items.tolist())
    print('pairwise dist', torch.cdist(all_u[:2], all_i[:3]))
    print('score quantiles', torch.quantile(scores.flatten(), torch.tensor([0.05, 0.5, 0.95])))

# sampled softmax with uniformly drawn negatives shared across the batch
neg = torch.randint(0, I, (20,), generator=g)
ue, ie = model(pairs[:8, 0], pairs[:8, 1])
ne = model.item(neg, item_f[neg])
pos_logit = (ue * ie).sum(-1, keepdim=True)
neg_logit = ue @ ne.T
ssm = torch.cat([pos_logit, neg_logit], 1) / 0.1
print('sampled softmax loss', F.cross_entropy(ssm, torch.zeros(8, dtype=torch.long)))
print('logsumexp', torch.logsumexp(ssm, dim=1)[:3])
