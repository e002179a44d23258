"""Position schemes of modern LMs, each as its reference code writes it: T5 relative position buckets and
the learned bias, rotary embeddings in the complex form (LLaMA: polar, view_as_complex) and the
rotate_half form (GPT-NeoX / HF) checked against each other, ALiBi slopes and biases (also for a
non-power-of-two head count), sliding-window and prefix-LM masks fed to scaled_dot_product_attention."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


# ------------------------------------------------------------------ T5 relative position bias
def relative_position_bucket(relative_position, bidirectional=True, num_buckets=32, max_distance=128):
    relative_buckets = 0
    if bidirectional:
        num_buckets //= 2
        relative_buckets += (relative_position > 0).to(torch.long) * num_buckets
        relative_position = torch.abs(relative_position)
    else:
        relative_position = -torch.min(relative_position, torch.zeros_like(relative_position))
    max_exact = num_buckets // 2
    is_small = relative_position < max_exact
    relative_position_if_large = max_exact + (
        torch.log(relative_position.float() / max_exact)
        / math.log(max_distance / max_exact)
        * (num_buckets - max_exact)
    ).to(torch.long)
    relative_position_if_large = torch.min(
        relative_position_if_large, torch.full_like(relative_position_if_large, num_buckets - 1))
    relative_buckets += torch.where(is_small, relative_position, relative_position_if_large)
    return relative_buckets


q_len = k_len = 10
context_position = torch.arange(q_len, dtype=torch.long)[:, None]
memory_position = torch.arange(k_len, dtype=torch.long)[None, :]
rel = memory_position - context_position
b_bi = relative_position_bucket(rel, True, num_buckets=8, max_distance=16)
b_uni = relative_position_bucket(rel, False, num_buckets=8, max_distance=16)
print('buckets bidirectional\n', b_bi)
print('buckets causal row 9', b_uni[9].tolist())
far = relative_position_bucket(torch.tensor([-200, -64, -17, -5, 0, 5, 17, 64, 200]), num_buckets=32)
print('far buckets', far.tolist())
n_heads = 4
rel_bias = nn.Embedding(8, n_heads)
bias = rel_bias(b_bi).permute(2, 0, 1).unsqueeze(0)
print('t5 bias', bias.shape, bias[0, 0, :2, :4])


# ------------------------------------------------------------------ rotary, complex form (LLaMA)
def precompute_freqs_cis(dim, end, theta=10000.0):
    freqs = 1.0 / (theta ** (torch.arange(0, dim, 2)[: (dim // 2)].float() / dim))
    t = torch.arange(end, device=freqs.device)
    freqs = torch.outer(t, freqs).float()
    return torch.polar(torch.ones_like(freqs), freqs)


def apply_rotary_emb(xq, xk, freqs_cis):
    xq_ = torch.view_as_complex(xq.float().reshape(*xq.shape[:-1], -1, 2))
    xk_ = torch.view_as_complex(xk.float().reshape(*xk.shape[:-1], -1, 2))
    freqs_cis = freqs_cis.view(1, xq_.shape[1], 1, xq_.shape[-1])
    xq_out = torch.view_as_real(xq_ * freqs_cis).flatten(3)
    xk_out = torch.view_as_real(xk_ * freqs_cis).flatten(3)
    return xq_out.type_as(xq), xk_out.type_as(xk)


B, T, H, hd = 2, 6, 2, 8
freqs_cis = precompute_freqs_cis(hd, T)
print('freqs_cis', freqs_cis.shape, freqs_cis.dtype, freqs_cis[1, :2])
xq, xk = torch.randn(B, T, H, hd), torch.randn(B, T, H, hd)
rq, rk = apply_rotary_emb(xq, xk, freqs_cis)
print('rope complex', rq.shape, rq[0, 1, 0])
print('norm preserved', torch.allclose(rq.norm(dim=-1), xq.norm(dim=-1), atol=1e-5))


# ------------------------------------------------------------------ rotary, rotate_half form (NeoX / HF)
def rotate_half(x):
    x1 = x[..., : x.shape[-1] // 2]
    x2 = x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


inv_freq = 1.0 / (10000 ** (torch.arange(0, hd, 2, dtype=torch.int64).float() / hd))
t = torch.arange(T, dtype=torch.float32)
freqs = torch.einsum('i,j->ij', t, inv_freq)
emb = torch.cat((freqs, freqs), dim=-1)
cos, sin = emb.cos()[None, :, None, :], emb.sin()[None, :, None, :]
# the two forms agree once the channel layout is permuted: interleaved pairs -> halves
perm = torch.cat([torch.arange(0, hd, 2), torch.arange(1, hd, 2)])
q_half = xq[..., perm]
rq_half = q_half * cos + rotate_half(q_half) * sin
print('rotate_half matches complex', torch.allclose(rq_half, rq[..., perm], atol=1e-6))
scores_a = torch.einsum('bthd,bshd->bhts', rq, rk)
# relative property: q_m . k_n depends on m - n only
shift = torch.einsum('bthd,bshd->bhts', *apply_rotary_emb(xq, xk, precompute_freqs_cis(hd, 2 * T)[T:]))
print('relative invariance', torch.allclose(scores_a, shift, atol=1e-4))
print('complex ops', torch.view_as_complex(torch.tensor([[1., 2.], [3., -4.]])).abs(), freqs_cis.angle()[2, :2])

# ------------------------------------------------------------------ ALiBi
def get_slopes(n):
    def power_of_2(n):
        start = 2 ** (-2 ** -(math.log2(n) - 3))
        return [start * start ** i for i in range(n)]
    if math.log2(n).is_integer():
        return power_of_2(n)
    closest = 2 ** math.floor(math.log2(n))
    return power_of_2(closest) + get_slopes(2 * closest)[0::2][: n - closest]


for n in (4, 8, 6):
    print('alibi slopes', n, [round(s, 5) for s in get_slopes(n)])
slopes = torch.tensor(get_slopes(n_heads))
pos = torch.arange(T)
alibi = slopes[:, None, None] * (pos[None, None, :] - pos[None, :, None])
causal = torch.ones(T, T, dtype=torch.bool).tril()
alibi = alibi.masked_fill(~causal, float('-inf'))
print('alibi head 0\n', alibi[0])
q = torch.randn(1, n_heads, T, hd)
k = torch.randn(1, n_heads, T, hd)
v = torch.randn(1, n_heads, T, hd)
out_alibi = F.scaled_dot_product_attention(q, k, v, attn_mask=alibi.unsqueeze(0))
ref = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(hd) + alibi, -1) @ v
print('alibi sdpa', out_alibi.shape, torch.allclose(out_alibi, ref, atol=1e-5))

# ------------------------------------------------------------------ sliding window and prefix-LM masks
W = 3
i, j = torch.arange(T)[:, None], torch.arange(T)[None, :]
sliding = (j <= i) & (j > i - W)
print('sliding window\n', sliding.int())
prefix_len = 2
prefix_lm = (j <= i) | (j < prefix_len)
print('prefix lm\n', prefix_lm.int())
o1 = F.scaled_dot_product_attention(q, k, v, attn_mask=sliding)
add = torch.zeros(T, T).masked_fill(~sliding, float('-inf'))
o2 = F.scaled_dot_product_attention(q, k, v, attn_mask=add)
print('bool vs additive', torch.allclose(o1, o2, atol=1e-6))
o3 = F.scaled_dot_product_attention(q, k, v, is_causal=True)
o4 = F.scaled_dot_product_attention(q, k, v, attn_mask=causal)
print('is_causal vs tril', torch.allclose(o3, o4, atol=1e-6), o3[0, 0, :2])
o5 = F.scaled_dot_product_attention(q, k, v, attn_mask=prefix_lm, scale=0.5)
print('prefix lm out', o5[0, 1, :3, :3])
band = torch.triu(torch.tril(torch.ones(T, T)), diagonal=-(W - 1))
print('band equals sliding', torch.equal(band.bool(), sliding))
try:
    F.scaled_dot_product_attention(q, k, v, attn_mask=causal, is_causal=True)
except RuntimeError as e:
    print('RuntimeError', e)
