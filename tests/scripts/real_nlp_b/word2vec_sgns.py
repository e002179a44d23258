"""Word2vec skip-gram with negative sampling, the way the PyTorch re-implementations write it:
a unigram^0.75 noise table, torch.multinomial with replacement for the negatives, logsigmoid losses,
SparseAdam-free plain SGD, and nearest neighbours by cosine similarity + topk."""
from collections import Counter

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)

corpus = ("the king rules the land . the queen rules the land . a man walks the dog . "
          "a woman walks the dog . the king and the queen love the land . "
          "the man and the woman love the dog . a dog chases a cat . the cat fears the dog .").split()
counts = Counter(corpus)
vocab = sorted(counts, key=lambda w: (-counts[w], w))
w2i = {w: i for i, w in enumerate(vocab)}
V = len(vocab)
print('vocab size', V, 'tokens', len(corpus))
print('top words', vocab[:6])

ids = torch.tensor([w2i[w] for w in corpus], dtype=torch.long)
freq = torch.bincount(ids, minlength=V).float()
print('freq', freq.tolist())
noise = freq.pow(0.75)
noise = noise / noise.sum()
print('noise dist', noise[:5], noise.sum().item())

# subsampling of frequent words (Mikolov): keep prob = sqrt(t / f) + t / f
t = 1e-2
f = freq / freq.sum()
keep = ((t / f).sqrt() + t / f).clamp(max=1.0)
print('keep prob', keep[:5])

window = 2
pairs = []
for i in range(len(ids)):
    for j in range(max(0, i - window), min(len(ids), i + window + 1)):
        if j != i:
            pairs.append((ids[i].item(), ids[j].item()))
pairs = torch.tensor(pairs)
print('pairs', pairs.shape, pairs[:4].tolist())


class SkipGramNS(nn.Module):
    def __init__(self, vocab_size, dim):
        super().__init__()
        self.in_embed = nn.Embedding(vocab_size, dim)
        self.out_embed = nn.Embedding(vocab_size, dim)
        init = 0.5 / dim
        self.in_embed.weight.data.uniform_(-init, init)
        self.out_embed.weight.data.zero_()

    def forward(self, center, context, negatives):
        v = self.in_embed(center)                         # (B, D)
        u = self.out_embed(context)                       # (B, D)
        u_neg = self.out_embed(negatives)                 # (B, K, D)
        pos = F.logsigmoid((v * u).sum(-1))
        neg = F.logsigmoid(-torch.bmm(u_neg, v.unsqueeze(2)).squeeze(2)).sum(1)
        return -(pos + neg).mean()


model = SkipGramNS(V, 16)
print(model)
opt = torch.optim.SGD(model.parameters(), lr=0.5)
K = 5
B = 64
for epoch in range(6):
    perm = torch.randperm(len(pairs))
    total = 0.0
    for s in range(0, len(pairs), B):
        batch = pairs[perm[s:s + B]]
        c, o = batch[:, 0], batch[:, 1]
        neg = torch.multinomial(noise, len(batch) * K, replacement=True).view(len(batch), K)
        loss = model(c, o, neg)
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += loss.item() * len(batch)
    print(f'epoch {epoch} loss {total / len(pairs):.4f}')

print('neg sample example', neg[:2].tolist())
emb = model.in_embed.weight.detach()
normed = F.normalize(emb, dim=1)
print('norms', normed.norm(dim=1)[:4])
sim = normed @ normed.t()
print('sim diag', sim.diagonal()[:4])
for w in ['king', 'dog', 'the']:
    vals, idx = sim[w2i[w]].topk(4)
    print(w, '->', [(vocab[i], round(v, 3)) for v, i in zip(vals.tolist()[1:], idx.tolist()[1:])])

cs = F.cosine_similarity(emb[w2i['king']].unsqueeze(0), emb, dim=1)
print('cosine king', cs.shape, cs.argsort(descending=True)[:3].tolist())
# analogy: king - man + woman
q = emb[w2i['king']] - emb[w2i['man']] + emb[w2i['woman']]
scores = F.cosine_similarity(q.unsqueeze(0), emb)
scores[[w2i['king'], w2i['man'], w2i['woman']]] = -float('inf')
print('analogy best', vocab[scores.argmax().item()], scores.max().item() > -1)
print('multinomial no replacement', torch.multinomial(noise, 5).tolist())
try:
    torch.multinomial(noise, V + 1)
except RuntimeError as e:
    print('RuntimeError', e)

# the sparse variant most word2vec repos use: sparse=True embeddings and SparseAdam
torch.manual_seed(1)
sparse_model = SkipGramNS(V, 8)
sparse_model.in_embed = nn.Embedding(V, 8, sparse=True)
sparse_model.out_embed = nn.Embedding(V, 8, sparse=True)
sparse_opt = torch.optim.SparseAdam(list(sparse_model.parameters()), lr=0.05)
print(sparse_opt)
for step in range(4):
    idx = torch.randint(len(pairs), (32,))
    c, o = pairs[idx, 0], pairs[idx, 1]
    neg = torch.multinomial(noise, 32 * K, replacement=True).view(32, K)
    loss = sparse_model(c, o, neg)
    sparse_opt.zero_grad()
    loss.backward()
    sparse_opt.step()
    print(f'sparse step {step} loss {loss.item():.4f}')
g = sparse_model.in_embed.weight.grad
print('grad layout', g.layout, g.is_sparse, 'nnz', g._nnz(), 'coalesced rows', g.coalesce().indices().shape)
print('dense grad rows touched', (g.to_dense().abs().sum(1) > 0).sum().item(), 'of', len(torch.unique(c)))
print('state keys', sorted(sparse_opt.state[sparse_model.in_embed.weight].keys()))
try:
    torch.optim.Adam(sparse_model.parameters()).step()
except RuntimeError as e:
    print('RuntimeError', e)
