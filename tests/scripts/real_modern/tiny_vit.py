"""A tiny Vision Transformer trained the modern way: patchify with a strided Conv2d and with
Tensor.unfold (checked equal), a CLS token and learned position embeddings with trunc_normal_
init, pre-norm nn.TransformerEncoderLayer (batch_first, norm_first, gelu) and a hand-written
block with stochastic depth (drop path), gradient checkpointing (use_reentrant=False), AdamW
parameter groups without weight decay for norms and biases, linear-warmup cosine LambdaLR,
label smoothing, an EMA through torch.optim.swa_utils.AveragedModel, and per-sample gradients
with torch.func (functional_call, vmap, grad)."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.func import functional_call, grad, vmap
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn
from torch.utils.checkpoint import checkpoint

torch.manual_seed(17)
IMG, P, D, C = 8, 4, 16, 3


def drop_path(x, p, training):
    if p == 0.0 or not training:
        return x
    keep = 1 - p
    mask = x.new_empty((x.shape[0],) + (1,) * (x.ndim - 1)).bernoulli_(keep)
    return x * mask / keep


class Block(nn.Module):
    def __init__(self, dim, heads, drop_path_p):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = nn.Sequential(nn.Linear(dim, dim * 2), nn.GELU(approximate='tanh'), nn.Linear(dim * 2, dim))
        self.p = drop_path_p

    def forward(self, x):
        h = self.norm1(x)
        x = x + drop_path(self.attn(h, h, h, need_weights=False)[0], self.p, self.training)
        return x + drop_path(self.mlp(self.norm2(x)), self.p, self.training)


class ViT(nn.Module):
    def __init__(self, use_ckpt=False):
        super().__init__()
        self.patch = nn.Conv2d(1, D, kernel_size=P, stride=P)
        n = (IMG // P) ** 2
        self.cls = nn.Parameter(torch.zeros(1, 1, D))
        self.pos = nn.Parameter(torch.zeros(1, n + 1, D))
        nn.init.trunc_normal_(self.pos, std=0.02)
        nn.init.trunc_normal_(self.cls, std=0.02)
        self.blocks = nn.ModuleList([Block(D, 2, 0.1),
                                     nn.TransformerEncoderLayer(D, 2, 32, dropout=0.0, activation='gelu',
                                                                batch_first=True, norm_first=True)])
        self.norm = nn.LayerNorm(D)
        self.head = nn.Linear(D, C)
        self.use_ckpt = use_ckpt

    def forward(self, x):
        x = self.patch(x).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls.expand(x.shape[0], -1, -1), x], dim=1) + self.pos
        for blk in self.blocks:
            x = checkpoint(blk, x, use_reentrant=False) if self.use_ckpt and self.training else blk(x)
        return self.head(self.norm(x)[:, 0])


model = ViT()
imgs = torch.randn(12, 1, IMG, IMG)
labels = torch.randint(0, C, (12,))
print('--- patchify')
conv_tokens = model.patch(imgs).flatten(2).transpose(1, 2)
patches = imgs.unfold(2, P, P).unfold(3, P, P)                      # (B, 1, 2, 2, P, P)
patches = patches.permute(0, 2, 3, 1, 4, 5).reshape(12, -1, P * P)
lin_tokens = patches @ model.patch.weight.view(D, -1).T + model.patch.bias
print(patches.shape, conv_tokens.shape, torch.allclose(conv_tokens, lin_tokens, atol=1e-5))
print(f'pos std {model.pos.std().item():.4f} max {model.pos.abs().max().item() <= 0.04}')

decay, no_decay = [], []
for name, p in model.named_parameters():
    (no_decay if p.ndim <= 1 or name in ('cls', 'pos') else decay).append(p)
opt = torch.optim.AdamW([{'params': decay, 'weight_decay': 0.05}, {'params': no_decay, 'weight_decay': 0.0}], lr=3e-3)
print('groups', len(decay), len(no_decay), [g['weight_decay'] for g in opt.param_groups])
warmup, total = 2, 8
sched = torch.optim.lr_scheduler.LambdaLR(
    opt, lambda s: (s + 1) / warmup if s < warmup else 0.5 * (1 + math.cos(math.pi * (s - warmup) / (total - warmup))))
ema = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(0.9))
crit = nn.CrossEntropyLoss(label_smoothing=0.1)

print('--- train')
for step in range(total):
    model.train()
    model.use_ckpt = step % 2 == 1
    loss = crit(model(imgs), labels)
    opt.zero_grad()
    loss.backward()
    opt.step()
    sched.step()
    ema.update_parameters(model)
    print(f'step {step} ckpt {model.use_ckpt} loss {loss.item():.5f} lr {sched.get_last_lr()[0]:.6f}')
print('ema averaged', ema.n_averaged.item(), type(ema.module).__name__)

model.eval()
ema.eval()
with torch.no_grad():
    out, out_ema = model(imgs), ema(imgs)
acc = (out.argmax(1) == labels).float().mean().item()
print(f'acc {acc:.4f} ema acc {(out_ema.argmax(1) == labels).float().mean().item():.4f}', out.shape)
x = torch.ones(4, 3, 16)
print('drop path eval identity', torch.equal(drop_path(x, 0.5, False), x),
      'train zeros', sorted(set(drop_path(x, 0.5, True).flatten().tolist())))

print('--- per-sample grads')
head = nn.Linear(D, C)
params = {k: v.detach() for k, v in head.named_parameters()}
feats = torch.randn(5, D)
tg = torch.randint(0, C, (5,))


def loss_fn(params, f, t):
    logits = functional_call(head, params, (f.unsqueeze(0),))
    return F.cross_entropy(logits, t.unsqueeze(0))


per = vmap(grad(loss_fn), in_dims=(None, 0, 0))(params, feats, tg)
print({k: tuple(v.shape) for k, v in per.items()})
full = torch.autograd.grad(F.cross_entropy(head(feats), tg, reduction='sum'), list(head.parameters()))
print(torch.allclose(per['weight'].sum(0), full[0], atol=1e-5), f'{per["bias"].norm(dim=1).max().item():.5f}')
