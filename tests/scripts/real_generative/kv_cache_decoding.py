"""Decoder-only inference tricks: a causal self-attention with a KV cache on F.scaled_dot_product_attention
(a prefill with is_causal, then one-token steps; an explicit bool mask for a chunk), checked against the
full forward; HuggingFace-style logits processors (repetition penalty via gather/scatter, top-k, top-p,
min-length EOS suppression), per-request torch.Generator sampling, fork_rng, rng state save/restore,
Categorical sampling, and ragged batches with unpad_sequence."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pad_sequence, unpad_sequence

torch.manual_seed(0)


class CausalSelfAttention(nn.Module):
    def __init__(self, n_embd=32, n_head=4, block_size=32):
        super().__init__()
        self.c_attn = nn.Linear(n_embd, 3 * n_embd)
        self.c_proj = nn.Linear(n_embd, n_embd)
        self.n_head = n_head
        self.register_buffer('bias', torch.tril(torch.ones(block_size, block_size)).view(1, 1, block_size, block_size),
                             persistent=False)

    def forward(self, x, cache=None):
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(C, dim=2)
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        if cache is not None:
            pk, pv = cache
            k = torch.cat([pk, k], dim=2)
            v = torch.cat([pv, v], dim=2)
        S = k.size(2)
        if cache is None:
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        elif T == 1:
            y = F.scaled_dot_product_attention(q, k, v)
        else:                                        # a chunk after a cache: bottom-right aligned mask
            mask = torch.ones(T, S, dtype=torch.bool).tril(diagonal=S - T)
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        y = y.transpose(1, 2).contiguous().view(B, T, C)
        return self.c_proj(y), (k, v)

    def slow(self, x):
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(C, dim=2)
        q, k, v = [t.view(B, T, self.n_head, -1).transpose(1, 2) for t in (q, k, v)]
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = att.masked_fill(self.bias[:, :, :T, :T] == 0, float('-inf'))
        att = F.softmax(att, dim=-1)
        return self.c_proj((att @ v).transpose(1, 2).contiguous().view(B, T, C))


class LM(nn.Module):
    def __init__(self, vocab=16, n_embd=32):
        super().__init__()
        self.wte = nn.Embedding(vocab, n_embd)
        self.wpe = nn.Embedding(32, n_embd)
        self.attn = CausalSelfAttention(n_embd)
        self.ln = nn.LayerNorm(n_embd)
        self.head = nn.Linear(n_embd, vocab)

    def forward(self, idx, cache=None, pos0=0):
        pos = torch.arange(pos0, pos0 + idx.size(1))
        x = self.wte(idx) + self.wpe(pos)
        h, cache = self.attn(self.ln(x), cache)
        return self.head(x + h), cache


model = LM().eval()
print('state_dict keys (bias not persistent):', list(model.state_dict().keys()))
print('buffers:', [n for n, _ in model.named_buffers()])
x = torch.randn(2, 7, 32)
att = model.attn
full, _ = att(x)
print('sdpa vs manual max diff < 1e-5:', (full - att.slow(x)).abs().max().item() < 1e-5)
y1, cache = att(x[:, :4])
y2, cache2 = att(x[:, 4:5], cache)
y3, cache3 = att(x[:, 5:], cache2)
inc = torch.cat([y1, y2, y3], 1)
print('incremental == full:', torch.allclose(inc, full, atol=1e-5), 'cache shapes', tuple(cache3[0].shape))

prompt = torch.tensor([[1, 2, 3, 4], [5, 6, 7, 8]])
with torch.no_grad():
    logits_full, _ = model(prompt)
    logits_pre, cache = model(prompt[:, :3])
    logits_step, _ = model(prompt[:, 3:], cache, pos0=3)
print('last-token logits match:', torch.allclose(logits_full[:, -1], logits_step[:, -1], atol=1e-5))


def repetition_penalty(input_ids, scores, penalty):
    score = torch.gather(scores, 1, input_ids)
    score = torch.where(score < 0, score * penalty, score / penalty)
    return scores.scatter(1, input_ids, score)


def top_k_top_p(scores, top_k=0, top_p=1.0, filter_value=-float('Inf')):
    if top_k > 0:
        indices_to_remove = scores < torch.topk(scores, top_k)[0][..., -1, None]
        scores = scores.masked_fill(indices_to_remove, filter_value)
    if top_p < 1.0:
        sorted_logits, sorted_indices = torch.sort(scores, descending=False)
        cumulative_probs = sorted_logits.softmax(dim=-1).cumsum(dim=-1)
        sorted_indices_to_remove = cumulative_probs <= (1 - top_p)
        sorted_indices_to_remove[..., -1:] = 0
        indices_to_remove = sorted_indices_to_remove.scatter(1, sorted_indices, sorted_indices_to_remove)
        scores = scores.masked_fill(indices_to_remove, filter_value)
    return scores


@torch.no_grad()
def generate(prompt, n_new, generator=None, eos=0, min_len=3, **kw):
    logits, cache = model(prompt)
    ids = prompt
    for t in range(n_new):
        scores = logits[:, -1]
        scores = repetition_penalty(ids, scores, 1.3)
        if t < min_len:
            scores[:, eos] = -float('inf')
        scores = top_k_top_p(scores, **kw)
        probs = F.softmax(scores, dim=-1)
        nxt = torch.multinomial(probs, 1, generator=generator)
        ids = torch.cat([ids, nxt], 1)
        logits, cache = model(nxt, cache, pos0=ids.size(1) - 1)
    return ids


s = torch.tensor([[2.0, -1.0, 0.5, 3.0]])
print('repetition penalty', repetition_penalty(torch.tensor([[0, 1, 1]]), s, 2.0))
print('top_k=2', top_k_top_p(s, top_k=2))
print('top_p=0.8', top_k_top_p(s, top_p=0.8))

g1 = torch.Generator().manual_seed(1234)
g2 = torch.Generator().manual_seed(1234)
a = generate(prompt, 8, generator=g1, top_k=8)
b = generate(prompt, 8, generator=g2, top_k=8)
print('same generator seed -> same ids:', torch.equal(a, b))
print(a.tolist())
print('generator initial_seed', g1.initial_seed(), 'state', g1.get_state().shape, g1.get_state().dtype)
print(generate(prompt, 6, top_p=0.9).tolist())

state = torch.get_rng_state()
r1 = torch.rand(3)
torch.set_rng_state(state)
print('restored rng repeats:', torch.equal(r1, torch.rand(3)))
with torch.random.fork_rng():
    torch.manual_seed(99)
    inside = torch.randint(0, 100, (4,))
after = torch.randint(0, 100, (4,))
print('fork_rng inside', inside.tolist(), 'after', after.tolist())

dist = torch.distributions.Categorical(logits=logits_full[:, -1])
smp = dist.sample((3,))
print('categorical sample', smp, smp.dtype, 'log_prob', dist.log_prob(smp))
print('entropy', dist.entropy(), 'probs sum', dist.probs.sum(-1))

seqs = [torch.tensor([3, 1, 4]), torch.tensor([1, 5]), torch.tensor([9, 2, 6, 5])]
lengths = torch.tensor([len(t) for t in seqs])
padded = pad_sequence(seqs, batch_first=True, padding_value=-1)
print('padded', padded)
back = unpad_sequence(padded, lengths, batch_first=True)
print('unpadded', [t.tolist() for t in back])
print('left padded', pad_sequence(seqs, batch_first=True, padding_value=0, padding_side='left'))
attn_mask = torch.arange(padded.size(1))[None, :] < lengths[:, None]
print('attention mask', attn_mask.int())
try:
    F.scaled_dot_product_attention(torch.randn(1, 2, 3, 4), torch.randn(1, 2, 5, 4), torch.randn(1, 2, 5, 4),
                                   attn_mask=torch.ones(3, 5, dtype=torch.bool), is_causal=True)
except RuntimeError as e:
    print('RuntimeError:', str(e)[:100])
