"""Evaluating and decoding a small LSTM language model: perplexity over a corpus with a sliding window
(exp of the token-weighted mean NLL), bits per character (nats / ln 2), then beam search with a GNMT
length penalty and no-repeat n-gram blocking, greedy and top-k / top-p sampling for comparison."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)

text = "the cat sat on the mat. the dog sat on the log. a cat and a dog sat together. " * 3
chars = sorted(set(text))
stoi = {c: i for i, c in enumerate(chars)}
itos = {i: c for c, i in stoi.items()}
V = len(chars)
data = torch.tensor([stoi[c] for c in text], dtype=torch.long)
print('vocab', V, repr(''.join(chars)), 'len', len(data))


class CharLM(nn.Module):
    def __init__(self, V, d=24):
        super().__init__()
        self.emb = nn.Embedding(V, d)
        self.rnn = nn.LSTM(d, d, batch_first=True)
        self.head = nn.Linear(d, V)

    def forward(self, x, state=None):
        h, state = self.rnn(self.emb(x), state)
        return self.head(h), state


model = CharLM(V)
opt = torch.optim.Adam(model.parameters(), lr=2e-2)
block = 32
for step in range(40):
    ix = torch.randint(len(data) - block - 1, (8,))
    xb = torch.stack([data[i:i + block] for i in ix])
    yb = torch.stack([data[i + 1:i + block + 1] for i in ix])
    logits, _ = model(xb)
    loss = F.cross_entropy(logits.reshape(-1, V), yb.reshape(-1))
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 10 == 9:
        print(f'step {step + 1} loss {loss.item():.4f} bpc {loss.item() / math.log(2):.4f}')

model.eval()


@torch.no_grad()
def perplexity(seq, max_len=40, stride=20):
    nlls, count, prev_end = [], 0, 0
    for begin in range(0, len(seq) - 1, stride):
        end = min(begin + max_len, len(seq) - 1)
        trg_len = end - prev_end
        inp = seq[begin:end].unsqueeze(0)
        tgt = seq[begin + 1:end + 1].unsqueeze(0).clone()
        tgt[:, :-trg_len] = -100
        logits, _ = model(inp)
        nll = F.cross_entropy(logits.view(-1, V), tgt.view(-1), reduction='sum')
        nlls.append(nll)
        count += (tgt != -100).sum().item()
        prev_end = end
        if end == len(seq) - 1:
            break
    total = torch.stack(nlls).sum()
    return torch.exp(total / count), total / count / math.log(2), count


ppl, bpc, n = perplexity(data)
print(f'perplexity {ppl.item():.4f} bpc {bpc.item():.4f} tokens {n}')
uniform = torch.full((V,), 1.0 / V)
print('uniform ppl', torch.exp(-(uniform * uniform.log()).sum()).item())
lp = F.log_softmax(model(data[:-1].unsqueeze(0))[0][0], -1)
tok_lp = lp.gather(1, data[1:].unsqueeze(1)).squeeze(1)
print('token logprobs', tok_lp[:6], 'min', tok_lp.min().item())
print('ppl via mean', torch.exp(-tok_lp.mean()).item(), 'log2', torch.log2(torch.tensor(8.0)).item())


@torch.no_grad()
def beam_search(prefix, beam=4, max_new=12, alpha=0.6, no_repeat=3):
    beams = [(prefix, 0.0)]
    finished = []
    for t in range(max_new):
        cand = []
        for seq, score in beams:
            logits, _ = model(torch.tensor(seq).unsqueeze(0))
            logp = F.log_softmax(logits[0, -1], -1)
            if len(seq) >= no_repeat - 1:
                ctx = tuple(seq[-(no_repeat - 1):])
                banned = [seq[i + no_repeat - 1] for i in range(len(seq) - no_repeat + 1)
                          if tuple(seq[i:i + no_repeat - 1]) == ctx]
                if banned:
                    logp[torch.tensor(banned)] = -float('inf')
            top_lp, top_ix = logp.topk(beam)
            for l, ix in zip(top_lp.tolist(), top_ix.tolist()):
                cand.append((seq + [ix], score + l))
        cand.sort(key=lambda c: c[1], reverse=True)
        beams = []
        for seq, score in cand:
            if itos[seq[-1]] == '.':
                lp_pen = ((5 + len(seq) - len(prefix)) / 6) ** alpha
                finished.append((seq, score / lp_pen))
            else:
                beams.append((seq, score))
            if len(beams) == beam:
                break
    for seq, score in beams:
        finished.append((seq, score / ((5 + len(seq) - len(prefix)) / 6) ** alpha))
    finished.sort(key=lambda c: c[1], reverse=True)
    return finished[:3]


prefix = [stoi[c] for c in 'the ']
for seq, score in beam_search(prefix):
    print(f'beam {score:.4f} {"".join(itos[i] for i in seq)!r}')

with torch.no_grad():
    x = torch.tensor([prefix])
    logits, state = model(x)
    out = list(prefix)
    for _ in range(15):
        nxt = logits[0, -1].argmax().item()
        out.append(nxt)
        logits, state = model(torch.tensor([[nxt]]), state)
print('greedy', repr(''.join(itos[i] for i in out)))


def top_k_top_p_filtering(logits, top_k=0, top_p=1.0):
    if top_k > 0:
        kth = torch.topk(logits, top_k)[0][..., -1, None]
        logits = logits.masked_fill(logits < kth, -float('inf'))
    if top_p < 1.0:
        sorted_logits, sorted_indices = torch.sort(logits, descending=True)
        cum = torch.cumsum(F.softmax(sorted_logits, dim=-1), dim=-1)
        remove = cum > top_p
        remove[..., 1:] = remove[..., :-1].clone()
        remove[..., 0] = False
        logits = logits.masked_fill(remove.scatter(-1, sorted_indices, remove), -float('inf'))
    return logits


g = torch.Generator().manual_seed(123)
with torch.no_grad():
    logits, _ = model(torch.tensor([prefix]))
    last = logits[0, -1] / 0.8
    f = top_k_top_p_filtering(last.clone(), top_k=5, top_p=0.9)
    print('kept', torch.isfinite(f).sum().item(), 'probs', F.softmax(f, -1).topk(3))
    samples = torch.multinomial(F.softmax(f, -1), 10, replacement=True, generator=g)
    print('samples', ''.join(itos[i] for i in samples.tolist()))
    dist = torch.distributions.Categorical(logits=f)
    print('entropy', dist.entropy().item(), 'log_prob', dist.log_prob(samples[:3]))
