"""FT-Transformer / TabTransformer-style models for tabular data (rtdl and lucidrains'
tab-transformer-pytorch style): a numerical feature tokenizer (per-feature weight + bias), categorical
embeddings with per-column offsets, a learned CLS token prepended, nn.TransformerEncoder (pre-norm,
GELU, batch_first) over the column tokens, a head on the CLS output; trained with AdamW + a
cosine schedule, with attention weights read from a MultiheadAttention call."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)

N, N_NUM = 128, 3
CARDS = [4, 6, 3]
g = torch.Generator().manual_seed(7)
x_num = torch.randn(N, N_NUM, generator=g)
x_cat = torch.stack([torch.randint(0, c, (N,), generator=g) for c in CARDS], 1)
y = ((x_num[:, 0] * x_num[:, 1] > 0) ^ (x_cat[:, 0] % 2 == 1)).long()
print('x_num', x_num.shape, 'x_cat', x_cat.shape, x_cat.dtype, 'balance', y.float().mean().item())


class FeatureTokenizer(nn.Module):
    def __init__(self, n_num, cards, d):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(n_num, d))
        self.bias = nn.Parameter(torch.empty(n_num + len(cards), d))
        self.register_buffer('category_offsets', torch.tensor([0] + cards[:-1]).cumsum(0))
        self.cat_emb = nn.Embedding(sum(cards), d)
        bound = 1 / math.sqrt(d)
        for p in (self.weight, self.bias, self.cat_emb.weight):
            nn.init.uniform_(p, -bound, bound)

    def forward(self, xn, xc):
        tn = self.weight[None] * xn[..., None]
        tc = self.cat_emb(xc + self.category_offsets[None])
        return torch.cat([tn, tc], dim=1) + self.bias[None]


class CLSToken(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(d).uniform_(-0.1, 0.1))

    def forward(self, x):
        return torch.cat([self.weight.view(1, 1, -1).expand(len(x), 1, -1), x], dim=1)


class FTTransformer(nn.Module):
    def __init__(self, d=16, heads=4, layers=2, n_classes=2):
        super().__init__()
        self.tok = FeatureTokenizer(N_NUM, CARDS, d)
        self.cls = CLSToken(d)
        layer = nn.TransformerEncoderLayer(d, heads, dim_feedforward=2 * d, dropout=0.0,
                                           activation='gelu', batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.head = nn.Sequential(nn.LayerNorm(d), nn.ReLU(), nn.Linear(d, n_classes))

    def forward(self, xn, xc):
        t = self.cls(self.tok(xn, xc))
        h = self.encoder(t)
        return self.head(h[:, 0])


model = FTTransformer()
print(model)
names = [n for n, _ in model.named_parameters()]
print(len(names), names[:8])
print('tokens', model.tok(x_num[:2], x_cat[:2]).shape, 'with cls', model.cls(model.tok(x_num[:2], x_cat[:2])).shape)

no_decay = [p for n, p in model.named_parameters() if 'norm' in n or 'bias' in n or n.startswith('tok') or n.startswith('cls')]
decay = [p for n, p in model.named_parameters() if not ('norm' in n or 'bias' in n or n.startswith('tok') or n.startswith('cls'))]
print('groups', len(decay), len(no_decay))
opt = torch.optim.AdamW([{'params': decay, 'weight_decay': 1e-5}, {'params': no_decay, 'weight_decay': 0.0}], lr=3e-3)
sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=24, eta_min=1e-4)
for step in range(24):
    idx = torch.randperm(N)[:32]
    logits = model(x_num[idx], x_cat[idx])
    loss = F.cross_entropy(logits, y[idx])
    opt.zero_grad(set_to_none=True)
    loss.backward()
    gn = nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    sched.step()
    if step % 6 == 0 or step == 23:
        print(f'step {step:2d} loss {loss.item():.4f} gn {gn.item():.4f} lr {sched.get_last_lr()[0]:.6f}')

model.eval()
with torch.no_grad():
    logits = model(x_num, x_cat)
    print('acc', (logits.argmax(1) == y).float().mean().item())
    print('probs', logits.softmax(-1)[:4])
    t = model.cls(model.tok(x_num[:2], x_cat[:2]))
    attn = model.encoder.layers[0].self_attn
    xin = model.encoder.layers[0].norm1(t)
    out, w = attn(xin, xin, xin, need_weights=True)
    print('attn w', w.shape, w[0, 0])
    out2, w2 = attn(xin, xin, xin, average_attn_weights=False)
    print('per-head', w2.shape, torch.allclose(w2.mean(1), w, atol=1e-6))
    pad = torch.zeros(2, t.shape[1], dtype=torch.bool)
    pad[:, -1] = True
    masked = model.encoder(t, src_key_padding_mask=pad)
    print('masked out', masked.shape, masked[0, 0, :4])

# TabTransformer: contextual column embeddings for categoricals, concatenated with normalised numerics
class TabTransformer(nn.Module):
    def __init__(self, d=8):
        super().__init__()
        self.embeds = nn.ModuleList([nn.Embedding(c, d) for c in CARDS])
        self.col_embed = nn.Parameter(torch.randn(len(CARDS), d) * 0.02)
        enc = nn.TransformerEncoderLayer(d, 2, 16, dropout=0.0, batch_first=True)
        self.transformer = nn.TransformerEncoder(enc, 1, enable_nested_tensor=False)
        self.num_norm = nn.LayerNorm(N_NUM)
        self.mlp = nn.Sequential(nn.Linear(d * len(CARDS) + N_NUM, 16), nn.SELU(), nn.Linear(16, 1))

    def forward(self, xn, xc):
        e = torch.stack([emb(xc[:, i]) for i, emb in enumerate(self.embeds)], 1) + self.col_embed
        h = self.transformer(e).flatten(1)
        return self.mlp(torch.cat([h, self.num_norm(xn)], 1)).squeeze(-1)


tab = TabTransformer()
print(tab.transformer.layers[0])
opt = torch.optim.Adam(tab.parameters(), lr=1e-2)
for step in range(15):
    loss = F.binary_cross_entropy_with_logits(tab(x_num, x_cat), y.float())
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 5 == 4:
        print('tab step', step, round(loss.item(), 4))
print('state', list(tab.state_dict())[:6])
