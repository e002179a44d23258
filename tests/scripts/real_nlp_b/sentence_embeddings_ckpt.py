"""Contrastive sentence embeddings (SimCSE / sentence-transformers style): a tiny transformer encoder whose
blocks run under torch.utils.checkpoint (use_reentrant False and True, checkpoint_sequential), masked
mean pooling, F.normalize, in-batch negatives with a temperature (InfoNCE as cross_entropy over the
similarity matrix, symmetric), a learnable logit scale as in CLIP; gradients equal with and without
checkpointing; semantic search with topk."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.checkpoint import checkpoint, checkpoint_sequential

torch.manual_seed(0)

V, d, L, B = 50, 16, 8, 6


class Block(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.ln1 = nn.LayerNorm(d)
        self.attn = nn.MultiheadAttention(d, h, batch_first=True, dropout=0.1)
        self.ln2 = nn.LayerNorm(d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(approximate='tanh'), nn.Dropout(0.1), nn.Linear(4 * d, d))

    def forward(self, x, pad_mask=None):
        h = self.ln1(x)
        x = x + self.attn(h, h, h, key_padding_mask=pad_mask, need_weights=False)[0]
        return x + self.mlp(self.ln2(x))


class Encoder(nn.Module):
    def __init__(self, n_layers=2, gradient_checkpointing=False, use_reentrant=False):
        super().__init__()
        self.emb = nn.Embedding(V, d, padding_idx=0)
        self.pos = nn.Embedding(L, d)
        self.blocks = nn.ModuleList([Block(d, 2) for _ in range(n_layers)])
        self.ln_f = nn.LayerNorm(d)
        self.gradient_checkpointing = gradient_checkpointing
        self.use_reentrant = use_reentrant

    def forward(self, ids, attn):
        x = self.emb(ids) + self.pos(torch.arange(ids.size(1)))
        pad = attn == 0
        for blk in self.blocks:
            if self.gradient_checkpointing and self.training:
                x = checkpoint(blk, x, pad, use_reentrant=self.use_reentrant)
            else:
                x = blk(x, pad)
        x = self.ln_f(x)
        m = attn.unsqueeze(-1).type_as(x)
        return (x * m).sum(1) / m.sum(1).clamp(min=1e-9)


def batch():
    ids = torch.randint(1, V, (B, L))
    lens = torch.randint(3, L + 1, (B,))
    attn = (torch.arange(L)[None] < lens[:, None]).long()
    return ids * attn, attn


def info_nce(a, b, temperature=0.05):
    a, b = F.normalize(a, dim=-1), F.normalize(b, dim=-1)
    sim = a @ b.T / temperature
    labels = torch.arange(a.size(0))
    return (F.cross_entropy(sim, labels) + F.cross_entropy(sim.T, labels)) / 2, sim


ids, attn = batch()
print('ids', ids[:2], 'attn sums', attn.sum(1).tolist())

# identical weights, with and without checkpointing: same loss and gradients (dropout replayed)
ref = Encoder()
ck = Encoder(gradient_checkpointing=True)
ck.load_state_dict(ref.state_dict())
ck_re = Encoder(gradient_checkpointing=True, use_reentrant=True)
ck_re.load_state_dict(ref.state_dict())
results = []
for m in (ref, ck, ck_re):
    torch.manual_seed(7)
    z1 = m(ids, attn)
    z2 = m(ids, attn)                      # SimCSE: the positive is the same sentence, other dropout mask
    loss, sim = info_nce(z1, z2)
    m.zero_grad()
    loss.backward()
    results.append((loss.detach(), [p.grad.clone() for p in m.parameters()]))
    print(type(m).__name__, 'ckpt', m.gradient_checkpointing, 'loss', round(loss.item(), 5), 'grad_fn', loss.grad_fn.name())
print('losses equal', torch.allclose(results[0][0], results[1][0]), torch.allclose(results[0][0], results[2][0]))
print('grads equal', all(torch.allclose(a, b, atol=1e-6) for a, b in zip(results[0][1], results[1][1])),
      all(torch.allclose(a, b, atol=1e-6) for a, b in zip(results[0][1], results[2][1])))
print('sim', sim.shape, sim.diagonal()[:3])

# checkpoint_sequential over an nn.Sequential of plain layers
seq = nn.Sequential(nn.Linear(d, d), nn.Tanh(), nn.Linear(d, d), nn.Tanh(), nn.Linear(d, 4))
inp = torch.randn(3, d, requires_grad=True)
out_a = checkpoint_sequential(seq, 2, inp, use_reentrant=False)
out_b = seq(inp)
print('checkpoint_sequential', out_a.shape, torch.allclose(out_a, out_b))
g_a = torch.autograd.grad(out_a.sum(), inp)[0]
g_b = torch.autograd.grad(out_b.sum(), inp)[0]
print('input grads equal', torch.allclose(g_a, g_b, atol=1e-6))

# training with a learnable logit scale (CLIP style) and checkpointing on
model = Encoder(gradient_checkpointing=True)
logit_scale = nn.Parameter(torch.ones([]) * math.log(1 / 0.07))
opt = torch.optim.AdamW(list(model.parameters()) + [logit_scale], lr=5e-3)
for step in range(5):
    ids, attn = batch()
    a = F.normalize(model(ids, attn), dim=-1)
    b = F.normalize(model(ids, attn), dim=-1)
    logits = logit_scale.exp().clamp(max=100) * a @ b.t()
    labels = torch.arange(B)
    loss = (F.cross_entropy(logits, labels) + F.cross_entropy(logits.t(), labels)) / 2
    opt.zero_grad()
    loss.backward()
    opt.step()
    acc = (logits.argmax(1) == labels).float().mean()
    print(f'step {step} loss {loss.item():.4f} acc {acc.item():.3f} scale {logit_scale.exp().item():.3f}')

model.eval()
with torch.no_grad():
    corpus_ids, corpus_attn = batch()
    emb = F.normalize(model(corpus_ids, corpus_attn), p=2, dim=1)
    query = F.normalize(model(corpus_ids[:2], corpus_attn[:2]), dim=1)
    scores = query @ emb.T
    hits = scores.topk(3, dim=1)
print('search scores', hits.values, hits.indices)
print('self match', (hits.indices[:, 0] == torch.arange(2)).tolist())
print('cosine matrix symmetric', torch.allclose(emb @ emb.T, (emb @ emb.T).T))
print('normalize eps on zeros', F.normalize(torch.zeros(2, 3), dim=1))
print('pairwise distance', F.pairwise_distance(emb[:2], emb[2:4]))
print('cosine embedding loss', F.cosine_embedding_loss(emb[:3], emb[3:], torch.tensor([1, -1, 1])).item())
print('triplet', F.triplet_margin_loss(emb[:2], emb[2:4], emb[4:6], margin=0.5).item())
