"""A small implicit-feedback recommender: nn.EmbeddingBag in sum / mean / max modes with offsets,
per_sample_weights and padding_idx, a matrix-factorisation model trained with the BPR loss on
negatives drawn by torch.randint, hit-rate@k evaluation with topk and scatter masking."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)

# --- EmbeddingBag basics
bag = nn.EmbeddingBag(10, 3, mode='sum')
inp = torch.tensor([1, 2, 4, 5, 4, 3, 2, 9])
offsets = torch.tensor([0, 4])
print('sum', bag(inp, offsets).detach().round(decimals=4).tolist())
bag_mean = nn.EmbeddingBag.from_pretrained(bag.weight.detach().clone(), mode='mean', freeze=True)
print('mean', bag_mean(inp, offsets).round(decimals=4).tolist())
bag_max = nn.EmbeddingBag.from_pretrained(bag.weight.detach().clone(), mode='max')
print('max', bag_max(inp, offsets).round(decimals=4).tolist())
print('2d input', bag_mean(inp.view(2, 4)).round(decimals=4).tolist())
w = torch.tensor([1.0, 0.5, 0.5, 2.0, 1.0, 1.0, 0.0, 3.0])
print('psw', bag(inp, offsets, per_sample_weights=w).detach().round(decimals=4).tolist())
pb = nn.EmbeddingBag(10, 2, mode='mean', padding_idx=0)
print('pad row zero', pb.weight[0].tolist())
padded = torch.tensor([[1, 2, 0, 0], [3, 0, 0, 0], [0, 0, 0, 0]])
out = pb(padded)
print('padded mean', out.detach().round(decimals=4).tolist())
print('padding correct', torch.allclose(out[0], pb.weight[[1, 2]].mean(0)))
# include_last_offset
bl = nn.EmbeddingBag.from_pretrained(bag.weight.detach().clone(), mode='sum', include_last_offset=True)
print('last offset', bl(inp, torch.tensor([0, 3, 8])).round(decimals=4).tolist())
out = F.embedding_bag(inp, bag.weight, offsets, mode='mean')
print('functional', out.shape, out.requires_grad)
out.sum().backward()
print('grad rows', bag.weight.grad.sum(1).round(decimals=4).tolist())

# --- data: users with item histories
n_users, n_items, dim = 30, 40, 8
user_items = [torch.randperm(n_items)[:torch.randint(3, 8, (1,)).item()] for _ in range(n_users)]
pairs = torch.cat([torch.stack([torch.full_like(it, u), it], 1) for u, it in enumerate(user_items)])
print('interactions', pairs.shape[0], pairs[:3].tolist())
seen = torch.zeros(n_users, n_items, dtype=torch.bool)
seen[pairs[:, 0], pairs[:, 1]] = True
print('density', round(seen.float().mean().item(), 4))


class MF(nn.Module):
    def __init__(self):
        super().__init__()
        self.user = nn.Embedding(n_users, dim)
        self.item = nn.Embedding(n_items, dim)
        self.item_bias = nn.Embedding(n_items, 1)
        nn.init.normal_(self.user.weight, std=0.1)
        nn.init.normal_(self.item.weight, std=0.1)
        nn.init.zeros_(self.item_bias.weight)

    def score(self, u, i):
        return (self.user(u) * self.item(i)).sum(-1) + self.item_bias(i).squeeze(-1)


model = MF()
opt = torch.optim.Adam(model.parameters(), lr=0.05)
for epoch in range(6):
    perm = torch.randperm(pairs.shape[0])
    total = 0.0
    for b in range(0, len(perm), 32):
        batch = pairs[perm[b:b + 32]]
        u, pos = batch[:, 0], batch[:, 1]
        neg = torch.randint(0, n_items, (len(u),))
        # resample negatives that collide with positives once
        bad = seen[u, neg]
        neg[bad] = torch.randint(0, n_items, (int(bad.sum()),))
        diff = model.score(u, pos) - model.score(u, neg)
        loss = -F.logsigmoid(diff).mean() + 1e-4 * (model.user(u).pow(2).sum() + model.item(pos).pow(2).sum()) / len(u)
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += loss.item() * len(u)
    print(f'epoch {epoch} bpr {total / pairs.shape[0]:.4f}')

with torch.no_grad():
    scores = model.user.weight @ model.item.weight.T + model.item_bias.weight.T
    print('scores', scores.shape, round(scores.mean().item(), 4))
    train_scores = scores.masked_fill(~seen, float('-inf'))
    top = train_scores.topk(3, dim=1).indices
    hits = seen.gather(1, top).float().mean()
    print('train hit@3', round(hits.item(), 4))
    # leave seen out for recommendation
    rec = scores.masked_fill(seen, float('-inf')).topk(5, dim=1)
    print('rec user0', rec.indices[0].tolist(), rec.values[0].round(decimals=3).tolist())
    nz = seen.nonzero()
    print('nonzero', nz.shape, nz[:4].tolist())
    counts = torch.bincount(pairs[:, 1], minlength=n_items)
    print('popular', counts.argsort(descending=True, stable=True)[:5].tolist(), counts.max().item())
    # user profile via EmbeddingBag over histories
    flat = torch.cat(user_items)
    offs = torch.tensor([0] + [len(t) for t in user_items[:-1]]).cumsum(0)
    prof = F.embedding_bag(flat, model.item.weight, offs, mode='mean')
    print('profile', prof.shape, round(prof.norm().item(), 4))
    cos = F.cosine_similarity(prof, model.user.weight, dim=1)
    print('profile-user cos', round(cos.mean().item(), 4))

# next-item prediction over the catalogue with an adaptive softmax (popular items in the head)
torch.manual_seed(3)
pop_order = counts.argsort(descending=True, stable=True)
rank_of = torch.empty_like(pop_order)
rank_of[pop_order] = torch.arange(n_items)
asm = nn.AdaptiveLogSoftmaxWithLoss(dim, n_items, cutoffs=[8, 20], div_value=2.0)
print(asm.head, [tuple(p.shape) for p in asm.tail.parameters()])
opt = torch.optim.Adam(list(asm.parameters()) + list(model.user.parameters()), lr=0.05)
for epoch in range(4):
    out = asm(model.user(pairs[:, 0]), rank_of[pairs[:, 1]])
    opt.zero_grad()
    out.loss.backward()
    opt.step()
    print(f'asm epoch {epoch} loss {out.loss.item():.4f} min logp {out.output.min().item():.4f}')
with torch.no_grad():
    full = asm.log_prob(model.user.weight)
    print('log_prob', full.shape, full.exp().sum(1).round(decimals=4)[:3].tolist())
    print('predict', pop_order[asm.predict(model.user.weight[:6])].tolist())
