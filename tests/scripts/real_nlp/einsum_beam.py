# einsum-heavy attention, beam search with topk/log_softmax, greedy decoding, misc reductions
import torch
import torch.nn.functional as F

torch.manual_seed(21)
B, T, H, D = 2, 4, 3, 5
q = torch.randn(B, T, H, D)
k = torch.randn(B, T, H, D)
v = torch.randn(B, T, H, D)
scores = torch.einsum('bthd,bshd->bhts', q, k) / D ** 0.5
print(scores.shape, scores[0, 0])
att = scores.softmax(-1)
out = torch.einsum('bhts,bshd->bthd', att, v)
print(out.shape, out[1, 2, 0])
print(torch.einsum('ii', torch.arange(9.).view(3, 3)), torch.einsum('ij->ji', torch.arange(6).view(2, 3)))
print(torch.einsum('i,j->ij', torch.tensor([1., 2.]), torch.tensor([3., 4., 5.])))
print(torch.einsum('bij,bjk->bik', torch.randn(2, 3, 4), torch.randn(2, 4, 2)).shape)
print(torch.einsum('...ij,...j->...i', torch.randn(2, 3, 4), torch.randn(4)))
print(torch.einsum('ij,ij->', torch.ones(2, 2), torch.full((2, 2), 3.0)), torch.einsum('i i -> i', torch.eye(3)))
print(torch.einsum(torch.ones(2, 3), [0, 1], torch.ones(3), [1], [0]))
print(torch.tensordot(torch.arange(6.).view(2, 3), torch.arange(12.).view(3, 4), dims=1))
print(torch.bmm(torch.ones(2, 2, 3), torch.ones(2, 3, 1)).squeeze(-1), torch.baddbmm(torch.zeros(2, 1, 1), torch.ones(2, 1, 2), torch.ones(2, 2, 1)))
print(torch.outer(torch.arange(3.), torch.arange(2.)), torch.kron(torch.eye(2), torch.ones(2, 2)))
print(torch.linalg.norm(torch.tensor([3., 4.])), torch.linalg.vector_norm(torch.ones(4), ord=1), torch.norm(torch.ones(2, 2)))

V = 7
W = torch.randn(V, V)
def step_logprobs(tokens):
    return F.log_softmax(W[tokens[:, -1]], dim=-1)

beam, steps = 3, 4
seqs = torch.zeros(1, 1, dtype=torch.long)
scores = torch.zeros(1)
for t in range(steps):
    lp = step_logprobs(seqs)
    cand = (scores.unsqueeze(1) + lp).view(-1)
    top_scores, top_idx = cand.topk(beam)
    prev = torch.div(top_idx, V, rounding_mode='floor')
    nxt = top_idx % V
    seqs = torch.cat([seqs[prev], nxt.unsqueeze(1)], dim=1)
    scores = top_scores
    print(t, seqs.tolist(), [round(s, 4) for s in scores.tolist()])
best = scores.argmax()
print('best', seqs[best], f'{scores[best].item():.5f}')
lengths = torch.tensor([3, 5, 4])
norm = scores / lengths.float() ** 0.7
print(norm, norm.argsort(descending=True))

greedy = [0]
for _ in range(5):
    logits = W[greedy[-1]]
    greedy.append(int(logits.argmax()))
print(greedy)
probs = F.softmax(W[0] / 0.7, dim=-1)
sorted_probs, sorted_idx = torch.sort(probs, descending=True)
cum = torch.cumsum(sorted_probs, dim=-1)
mask = cum - sorted_probs > 0.9
sorted_probs[mask] = 0.0
sorted_probs.div_(sorted_probs.sum())
print(sorted_probs, sorted_idx)
samples = torch.multinomial(sorted_probs, 10, replacement=True)
print(sorted_idx[samples])
print(torch.multinomial(probs, 3), torch.multinomial(torch.tensor([[0.1, 0.9], [0.5, 0.5]]), 4, replacement=True))
print(torch.distributions.Categorical(logits=W[1]).sample((6,)))
print(torch.randperm(8), torch.rand(2).bernoulli_() if False else torch.bernoulli(torch.full((6,), 0.5)))

x = torch.randn(4, 6)
print(x.logsumexp(1), torch.logsumexp(x, dim=0, keepdim=True).shape)
print(x.std(), x.var(1, unbiased=False), x.std(dim=0, correction=0))
print(torch.var_mean(x, dim=1), torch.std_mean(x))
print(x.max(dim=1).values, x.max(dim=1)[1], x.amax((0, 1)), x.aminmax())
print(x.norm(dim=1), x.abs().sum(-1), x.prod(1), x.mean((0, 1)))
print(F.normalize(x, dim=1)[0], F.cosine_similarity(x[0:1], x, dim=1))
print(torch.cdist(x[:2], x[2:]), F.pairwise_distance(x[:2], x[2:]))
print(torch.quantile(x[0], torch.tensor([0.25, 0.5, 0.75])), x[0].median(), x.nanmean())
print(torch.clip(x, -0.5, 0.5)[0], x.sign()[0], x.sigmoid()[0, :3], F.gelu(x)[0, :2], F.silu(x)[0, :2])
print(torch.diff(torch.tensor([1, 4, 9, 16])), torch.cummax(torch.tensor([1, 3, 2, 5, 4]), 0))
