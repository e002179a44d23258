"""Batched beam search over a tiny decoder-only LM with a KV cache, written with tensors the way
HuggingFace generate() does it: beam scores (batch*beams), log_softmax + scores, view(batch, beams*vocab),
topk(2*beams), beam index = idx // vocab (div rounding_mode='floor'), token = idx % vocab, cache
reordered with index_select, repetition penalty via gather/scatter, no-repeat n-gram bans, length
penalty on finished hypotheses; the cached logits equal the full recompute."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)

V, d, H, n_layer, maxT = 20, 16, 2, 2, 32
BOS, EOS = 0, 1


class Attn(nn.Module):
    def __init__(self):
        super().__init__()
        self.qkv = nn.Linear(d, 3 * d, bias=False)
        self.o = nn.Linear(d, d, bias=False)

    def forward(self, x, cache=None):
        Bn, T, _ = x.shape
        q, k, v = self.qkv(x).split(d, dim=2)
        q, k, v = [t.view(Bn, T, H, d // H).transpose(1, 2) for t in (q, k, v)]
        if cache is not None:
            k = torch.cat([cache[0], k], dim=2)
            v = torch.cat([cache[1], v], dim=2)
        S = k.size(2)
        mask = torch.ones(T, S, dtype=torch.bool).tril(diagonal=S - T)
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        return self.o(y.transpose(1, 2).contiguous().view(Bn, T, d)), (k, v)


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.attn = Attn()
        self.mlp = nn.Sequential(nn.Linear(d, 2 * d), nn.ReLU(), nn.Linear(2 * d, d))

    def forward(self, x, cache=None):
        a, new = self.attn(self.ln1(x), cache)
        x = x + a
        return x + self.mlp(self.ln2(x)), new


class LM(nn.Module):
    def __init__(self):
        super().__init__()
        self.wte = nn.Embedding(V, d)
        self.wpe = nn.Embedding(maxT, d)
        self.blocks = nn.ModuleList([Block() for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(d)
        self.lm_head = nn.Linear(d, V, bias=False)
        self.lm_head.weight = self.wte.weight
        self.apply(self._init)

    def _init(self, m):
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, 0.0, 0.3)

    def forward(self, idx, past=None):
        start = 0 if past is None else past[0][0].size(2)
        pos = torch.arange(start, start + idx.size(1))
        x = self.wte(idx) * math.sqrt(d) ** 0.5 + self.wpe(pos)
        new_past = []
        for i, blk in enumerate(self.blocks):
            x, kv = blk(x, None if past is None else past[i])
            new_past.append(kv)
        return self.lm_head(self.ln_f(x)), new_past


model = LM().eval()
print('tied', model.lm_head.weight is model.wte.weight, sum(p.numel() for p in model.parameters()))

prompt = torch.tensor([[BOS, 5, 7], [BOS, 9, 2]])
with torch.no_grad():
    full, _ = model(prompt)
    logits, past = model(prompt[:, :2])
    step, past = model(prompt[:, 2:], past)
print('cache matches full', torch.allclose(step[:, -1], full[:, -1], atol=1e-5), len(past), past[0][0].shape)


def no_repeat_ngram_bans(seqs, n):
    bans = []
    for s in seqs.tolist():
        prev = tuple(s[-(n - 1):])
        bans.append({s[i + n - 1] for i in range(len(s) - n + 1) if tuple(s[i:i + n - 1]) == prev})
    return bans


@torch.no_grad()
def beam_search(prompt, num_beams=3, max_new=8, length_penalty=1.0, rep_penalty=1.3, ngram=2):
    batch = prompt.size(0)
    ids = prompt.repeat_interleave(num_beams, dim=0)                  # (batch*beams, T)
    beam_scores = torch.zeros(batch, num_beams)
    beam_scores[:, 1:] = -1e9
    beam_scores = beam_scores.view(-1)
    logits, past = model(ids)
    done = [[] for _ in range(batch)]
    for t in range(max_new):
        next_logits = logits[:, -1, :].clone()
        score = torch.gather(next_logits, 1, ids)
        score = torch.where(score < 0, score * rep_penalty, score / rep_penalty)
        next_logits.scatter_(1, ids, score)
        logp = F.log_softmax(next_logits, dim=-1)
        for r, ban in enumerate(no_repeat_ngram_bans(ids, ngram)):
            if ban:
                logp[r, list(ban)] = -float('inf')
        cand = logp + beam_scores[:, None]
        cand = cand.view(batch, num_beams * V)
        top_scores, top_idx = torch.topk(cand, 2 * num_beams, dim=1, largest=True, sorted=True)
        beam_idx = torch.div(top_idx, V, rounding_mode='floor')
        tokens = top_idx % V
        new_scores = torch.zeros(batch, num_beams)
        new_tokens = torch.zeros(batch, num_beams, dtype=torch.long)
        new_src = torch.zeros(batch, num_beams, dtype=torch.long)
        for b in range(batch):
            j = 0
            for s, bi, tok in zip(top_scores[b].tolist(), beam_idx[b].tolist(), tokens[b].tolist()):
                src = b * num_beams + bi
                if tok == EOS:
                    hyp = ids[src].tolist() + [EOS]
                    done[b].append((s / (len(hyp) ** length_penalty), hyp))
                    continue
                new_scores[b, j], new_tokens[b, j], new_src[b, j] = s, tok, src
                j += 1
                if j == num_beams:
                    break
        src = new_src.view(-1)
        ids = torch.cat([ids.index_select(0, src), new_tokens.view(-1, 1)], dim=1)
        beam_scores = new_scores.view(-1)
        past = [(k.index_select(0, src), v.index_select(0, src)) for k, v in past]
        logits, past = model(new_tokens.view(-1, 1), past)
        if t == 0:
            print('first step beams', beam_idx.tolist(), tokens.tolist())
            print('first step scores', top_scores)
    for b in range(batch):
        for r in range(num_beams):
            hyp = ids[b * num_beams + r].tolist()
            done[b].append((beam_scores[b * num_beams + r].item() / (len(hyp) ** length_penalty), hyp))
        done[b].sort(key=lambda h: h[0], reverse=True)
    return done


results = beam_search(prompt)
for b, hyps in enumerate(results):
    for score, hyp in hyps[:3]:
        print(f'batch {b} score {score:.4f} {hyp}')

# the same recursion without the cache gives the same first-step candidates
with torch.no_grad():
    lp = F.log_softmax(model(prompt)[0][:, -1], -1)
    print('no-cache topk', torch.topk(lp, 6).indices, torch.topk(lp, 6).values)
print('div modes', torch.div(torch.tensor([-7, 7]), 2, rounding_mode='floor'),
      torch.div(torch.tensor([-7, 7]), 2, rounding_mode='trunc'), torch.tensor([-7, 7]) // 2)
print('repeat_interleave', torch.tensor([[1, 2]]).repeat_interleave(2, dim=0).tolist(),
      torch.repeat_interleave(torch.tensor([3, 4]), torch.tensor([1, 2])).tolist())
