# A pointer network (Vinyals et al.) sorting numbers, trained with scheduled sampling (inverse
# sigmoid decay, torch.bernoulli per example) and decoded greedily and with beam search, as the
# "pointer networks in PyTorch" repos write it: LSTM encoder, LSTMCell decoder with Luong input
# feeding, pointer scores masked on already-chosen positions with masked_fill(-inf),
# Categorical sampling for a REINFORCE-style baseline, beam search by flattened topk with
# index_select / repeat_interleave of the states, and an Embedding with max_norm for the inputs.
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.distributions import Categorical

torch.manual_seed(8)
B, N, H = 6, 5, 16


class PointerNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.inp = nn.Linear(1, H)
        self.enc = nn.LSTM(H, H, batch_first=True)
        self.dec = nn.LSTMCell(2 * H, H)
        self.W1 = nn.Linear(H, H, bias=False)
        self.W2 = nn.Linear(H, H, bias=False)
        self.v = nn.Linear(H, 1, bias=False)
        self.start = nn.Parameter(torch.zeros(H))

    def encode(self, x):
        e = self.inp(x.unsqueeze(-1))
        enc, (h, c) = self.enc(e)
        return e, enc, (h[0], c[0])

    def scores(self, enc, h, chosen):
        u = self.v(torch.tanh(self.W1(enc) + self.W2(h).unsqueeze(1))).squeeze(-1)
        return u.masked_fill(chosen, float('-inf'))

    def forward(self, x, target=None, tf_prob=1.0, sample=False):
        e, enc, (h, c) = self.encode(x)
        chosen = torch.zeros(x.shape, dtype=torch.bool)
        inp = self.start.expand(x.size(0), -1)
        ctx = torch.zeros_like(h)
        logps, picks = [], []
        for t in range(x.size(1)):
            h, c = self.dec(torch.cat([inp, ctx], 1), (h, c))
            u = self.scores(enc, h, chosen)
            logp = F.log_softmax(u, dim=1)
            attn = logp.exp()
            ctx = torch.bmm(attn.unsqueeze(1), enc).squeeze(1)
            if sample:
                idx = Categorical(logits=u).sample()
            else:
                idx = logp.argmax(1)
            if target is not None:
                use_teacher = torch.bernoulli(torch.full((x.size(0),), tf_prob)).bool()
                idx = torch.where(use_teacher, target[:, t], idx)
            logps.append(logp)
            picks.append(idx)
            # the mask follows the gold permutation while training, the model's picks otherwise
            chosen = chosen.scatter(1, (target[:, t] if target is not None else idx).unsqueeze(1), True)
            inp = e[torch.arange(x.size(0)), idx]
        return torch.stack(logps, 1), torch.stack(picks, 1)


def make_batch(g):
    x = torch.rand(B, N, generator=g)
    return x, x.argsort(dim=1)


net = PointerNet()
print(net)
g = torch.Generator().manual_seed(0)
opt = torch.optim.Adam(net.parameters(), lr=5e-3)
k = 5.0
for step in range(30):
    x, y = make_batch(g)
    tf = k / (k + math.exp(step / k))
    logps, picks = net(x, y, tf_prob=tf)
    loss = F.nll_loss(logps.reshape(-1, N), y.reshape(-1))
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 6 == 0:
        acc = (picks == y).float().mean()
        print(f'step {step:2d} tf {tf:.3f} loss {loss.item():.4f} acc {acc:.3f}')

x, y = make_batch(g)
with torch.no_grad():
    logps, picks = net(x)
    print('greedy perm valid', (picks.sort(1).values == torch.arange(N)).all().item())
    print('greedy', picks[:2].tolist(), 'target', y[:2].tolist())
    print('log-lik', logps.gather(2, picks.unsqueeze(2)).squeeze(2).sum(1))

# REINFORCE with a greedy baseline: reward = -number of inversions
logps, picks = net(x, sample=True)
lp = logps.gather(2, picks.unsqueeze(2)).squeeze(2).sum(1)
vals = x.gather(1, picks)
reward = -(vals[:, 1:] < vals[:, :-1]).float().sum(1)
with torch.no_grad():
    _, gp = net(x)
    base = -(x.gather(1, gp)[:, 1:] < x.gather(1, gp)[:, :-1]).float().sum(1)
pg = -((reward - base) * lp).mean()
pg.backward()
print('reward', reward, 'baseline', base, 'pg loss', round(pg.item(), 4))
d = Categorical(logits=torch.tensor([[0., 1., float('-inf')]]))
print(d.probs, d.entropy(), d.log_prob(torch.tensor([1])))


# beam search over the pointer decoder (one example)
@torch.no_grad()
def beam_search(model, x1, width=3):
    e, enc, (h, c) = model.encode(x1.unsqueeze(0))
    h, c = h.repeat_interleave(width, 0), c.repeat_interleave(width, 0)
    enc, e = enc.expand(width, -1, -1), e.expand(width, -1, -1)
    scores = torch.tensor([0.0] + [float('-inf')] * (width - 1))
    chosen = torch.zeros(width, N, dtype=torch.bool)
    inp, ctx = model.start.expand(width, -1), torch.zeros(width, H)
    seqs = torch.zeros(width, 0, dtype=torch.long)
    for t in range(N):
        h, c = model.dec(torch.cat([inp, ctx], 1), (h, c))
        logp = F.log_softmax(model.scores(enc, h, chosen), 1)
        ctx = torch.bmm(logp.exp().unsqueeze(1), enc).squeeze(1)
        cand = (scores.unsqueeze(1) + logp).view(-1)
        top, flat = cand.topk(width)
        beam, pos = flat // N, flat % N
        h, c, ctx = h.index_select(0, beam), c.index_select(0, beam), ctx.index_select(0, beam)
        chosen = chosen.index_select(0, beam).scatter(1, pos.unsqueeze(1), True)
        seqs = torch.cat([seqs.index_select(0, beam), pos.unsqueeze(1)], 1)
        scores = top
        inp = e[torch.arange(width), pos]
    return seqs, scores


seqs, scores = beam_search(net, x[0])
print('beam', seqs.tolist(), scores)
print('sorted order', x[0].argsort().tolist())

# embedding inputs with max_norm (renormalised rows, in place)
emb = nn.Embedding(10, 4, max_norm=1.0)
print(emb, emb.weight.norm(dim=1)[:4])
tok = torch.tensor([[1, 2, 2], [3, 0, 9]])
out = emb(tok)
print(out.norm(dim=-1), emb.weight.norm(dim=1))
print(emb.weight[5:7])
