"""A tiny Llama-style decoder as people write it today: nn.RMSNorm and a hand-written RMSNorm,
SwiGLU MLP, rotary position embeddings with real arithmetic (cos/sin caches, rotate_half via
chunk/cat), causal F.scaled_dot_product_attention(is_causal=True), grouped-query heads via
repeat_interleave, a KV cache for generation, top-k / top-p sampling with torch.multinomial."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel

torch.manual_seed(0)


class RMSNorm(nn.Module):
    def __init__(self, dim, eps=1e-6):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        norm = x.float() * torch.rsqrt(x.float().pow(2).mean(-1, keepdim=True) + self.eps)
        return norm.type_as(x) * self.weight


def rope_cache(seq_len, head_dim, base=10000.0):
    inv_freq = 1.0 / (base ** (torch.arange(0, head_dim, 2, dtype=torch.int64).float() / head_dim))
    t = torch.arange(seq_len, dtype=torch.float32)
    freqs = torch.outer(t, inv_freq)
    emb = torch.cat((freqs, freqs), dim=-1)
    return emb.cos(), emb.sin()


def rotate_half(x):
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat((-x2, x1), dim=-1)


def apply_rope(q, k, cos, sin):
    cos, sin = cos[None, None], sin[None, None]
    return q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin


class Attention(nn.Module):
    def __init__(self, dim, n_heads, n_kv_heads):
        super().__init__()
        self.n_heads, self.n_kv, self.hd = n_heads, n_kv_heads, dim // n_heads
        self.wq = nn.Linear(dim, n_heads * self.hd, bias=False)
        self.wk = nn.Linear(dim, n_kv_heads * self.hd, bias=False)
        self.wv = nn.Linear(dim, n_kv_heads * self.hd, bias=False)
        self.wo = nn.Linear(n_heads * self.hd, dim, bias=False)

    def forward(self, x, cos, sin, cache=None):
        b, t, _ = x.shape
        q = self.wq(x).view(b, t, self.n_heads, self.hd).transpose(1, 2)
        k = self.wk(x).view(b, t, self.n_kv, self.hd).transpose(1, 2)
        v = self.wv(x).view(b, t, self.n_kv, self.hd).transpose(1, 2)
        q, k = apply_rope(q, k, cos, sin)
        if cache is not None:
            if cache[0] is not None:
                k = torch.cat([cache[0], k], dim=2)
                v = torch.cat([cache[1], v], dim=2)
            cache[0], cache[1] = k, v
        rep = self.n_heads // self.n_kv
        k = k.repeat_interleave(rep, dim=1)
        v = v.repeat_interleave(rep, dim=1)
        out = F.scaled_dot_product_attention(q, k, v, is_causal=(cache is None or t > 1))
        return self.wo(out.transpose(1, 2).contiguous().view(b, t, -1))


class SwiGLU(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.w1 = nn.Linear(dim, hidden, bias=False)
        self.w2 = nn.Linear(hidden, dim, bias=False)
        self.w3 = nn.Linear(dim, hidden, bias=False)

    def forward(self, x):
        return self.w2(F.silu(self.w1(x)) * self.w3(x))


class Block(nn.Module):
    def __init__(self, dim, n_heads, n_kv, hand_norm):
        super().__init__()
        norm = (lambda: RMSNorm(dim)) if hand_norm else (lambda: nn.RMSNorm(dim, eps=1e-6))
        self.attn_norm, self.ffn_norm = norm(), norm()
        self.attn = Attention(dim, n_heads, n_kv)
        self.ffn = SwiGLU(dim, 4 * dim * 2 // 3)

    def forward(self, x, cos, sin, cache=None):
        x = x + self.attn(self.attn_norm(x), cos, sin, cache)
        return x + self.ffn(self.ffn_norm(x))


class TinyLlama(nn.Module):
    def __init__(self, vocab=50, dim=32, n_layers=2, n_heads=4, n_kv=2, max_len=32):
        super().__init__()
        self.tok = nn.Embedding(vocab, dim)
        self.layers = nn.ModuleList([Block(dim, n_heads, n_kv, hand_norm=(i == 0)) for i in range(n_layers)])
        self.norm = nn.RMSNorm(dim, eps=1e-6)
        self.head = nn.Linear(dim, vocab, bias=False)
        self.head.weight = self.tok.weight                      # weight tying
        cos, sin = rope_cache(max_len, dim // n_heads)
        self.register_buffer('cos', cos, persistent=False)
        self.register_buffer('sin', sin, persistent=False)
        self.apply(self._init_weights)

    def _init_weights(self, m):
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, mean=0.0, std=0.02)

    def forward(self, idx, start=0, caches=None):
        t = idx.shape[1]
        cos, sin = self.cos[start:start + t], self.sin[start:start + t]
        x = self.tok(idx)
        for i, layer in enumerate(self.layers):
            x = layer(x, cos, sin, None if caches is None else caches[i])
        return self.head(self.norm(x))


print('--- norms')
x = torch.randn(2, 5, 16)
ref = nn.RMSNorm(16, eps=1e-6)
hand = RMSNorm(16)
print(ref, torch.allclose(ref(x), hand(x), atol=1e-6), ref.weight.shape)
print(nn.RMSNorm([5, 16]), f'{F.rms_norm(x, (16,)).pow(2).mean(-1)[0, 0].item():.5f}')
print(nn.RMSNorm(16)(x).dtype, [n for n, _ in nn.RMSNorm(16, elementwise_affine=False).named_parameters()])

print('--- rope')
cos, sin = rope_cache(8, 8)
print(cos.shape, f'{cos[3, 1].item():.6f} {sin[7, 2].item():.6f}')
q = torch.randn(1, 2, 8, 8)
qr, _ = apply_rope(q, q, cos, sin)
print('norm kept:', torch.allclose(qr.norm(dim=-1), q.norm(dim=-1), atol=1e-5))

with torch.device('cpu'):
    model = TinyLlama()
n_params = sum(p.numel() for p in model.parameters())
print('params', n_params, 'tied', model.head.weight is model.tok.weight)
opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.1, betas=(0.9, 0.95))
data = torch.randint(0, 50, (8, 17))
print('--- train')
for step in range(6):
    inp, tgt = data[:, :-1], data[:, 1:]
    logits = model(inp)
    loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), tgt.reshape(-1))
    opt.zero_grad(set_to_none=True)
    loss.backward()
    gn = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    print(f'step {step} loss {loss.item():.4f} ppl {math.exp(loss.item()):.3f} gnorm {gn.item():.4f}')

print('--- sdpa variants')
q = torch.randn(2, 4, 6, 8)
kv = torch.randn(2, 2, 6, 8)
gqa = F.scaled_dot_product_attention(q, kv, kv, is_causal=True, enable_gqa=True)
rep = F.scaled_dot_product_attention(q, kv.repeat_interleave(2, 1), kv.repeat_interleave(2, 1), is_causal=True)
mask = torch.ones(6, 6, dtype=torch.bool).tril()
with sdpa_kernel(SDPBackend.MATH):
    masked = F.scaled_dot_product_attention(q, q, q, attn_mask=mask)
    print('math only', torch.backends.cuda.flash_sdp_enabled(), torch.backends.cuda.math_sdp_enabled())
causal = F.scaled_dot_product_attention(q, q, q, is_causal=True)
scores = (q @ q.transpose(-2, -1)) / math.sqrt(q.size(-1))
manual = scores.masked_fill(~mask, float('-inf')).softmax(-1) @ q
print(torch.allclose(gqa, rep, atol=1e-6), torch.allclose(masked, causal, atol=1e-6),
      torch.allclose(manual, causal, atol=1e-5), torch.backends.cuda.flash_sdp_enabled(), SDPBackend.MATH)

print('--- kv cache equals full forward')
model.eval()
prompt = data[:2, :6]
with torch.no_grad():
    full = model(prompt)
    caches = [[None, None] for _ in model.layers]
    first = model(prompt[:, :5], 0, caches)
    step_out = model(prompt[:, 5:6], 5, caches)
print(caches[0][0].shape, torch.allclose(full[:, -1], step_out[:, -1], atol=1e-5),
      torch.allclose(full[:, :5], first, atol=1e-5))


@torch.no_grad()
def generate(model, idx, n_new, temperature=0.8, top_k=10, top_p=None, gen=None):
    caches = [[None, None] for _ in model.layers]
    logits = model(idx, 0, caches)[:, -1]
    pos = idx.shape[1]
    for _ in range(n_new):
        logits = logits / temperature
        if top_k is not None:
            v, _ = torch.topk(logits, min(top_k, logits.size(-1)))
            logits[logits < v[:, [-1]]] = -float('inf')
        if top_p is not None:
            sorted_logits, sorted_idx = torch.sort(logits, descending=True)
            cum = torch.cumsum(F.softmax(sorted_logits, dim=-1), dim=-1)
            remove = cum > top_p
            remove[..., 1:] = remove[..., :-1].clone()
            remove[..., 0] = False
            logits = logits.masked_fill(remove.scatter(1, sorted_idx, remove), float('-inf'))
        probs = F.softmax(logits, dim=-1)
        nxt = torch.multinomial(probs, num_samples=1, generator=gen)
        idx = torch.cat((idx, nxt), dim=1)
        logits = model(nxt, pos, caches)[:, -1]
        pos += 1
    return idx


g = torch.Generator().manual_seed(42)
out = generate(model, prompt, 8, gen=g)
print(out.shape, out.dtype, out[:, 6:].tolist())
out2 = generate(model, prompt, 8, top_k=None, top_p=0.9, gen=torch.Generator().manual_seed(42))
print(out2[:, 6:].tolist())
greedy = model(prompt).argmax(-1)
print(greedy[0].tolist(), torch.topk(full[0, -1], 3).indices.tolist())
