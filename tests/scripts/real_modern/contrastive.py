"""SimCLR / CLIP-style contrastive learning as people write it: two augmented views, an encoder
plus projection head, F.normalize, the 2N x 2N similarity matrix, masked_fill of the diagonal with
a torch.eye bool mask, NT-Xent via F.cross_entropy, a learnable logit scale (CLIP) with clamp,
symmetric InfoNCE, accuracy of the top-1 retrieval; triplet loss by hand with torch.cdist and
with nn.TripletMarginLoss / F.triplet_margin_loss, hard-negative mining with topk."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(11)


def augment(x):
    noise = 0.1 * torch.randn_like(x)
    scale = torch.empty(x.size(0), 1).uniform_(0.8, 1.2)
    drop = torch.bernoulli(torch.full_like(x, 0.9))
    return (x * scale + noise) * drop


class Encoder(nn.Module):
    def __init__(self, din=20, dh=32, dproj=16):
        super().__init__()
        self.backbone = nn.Sequential(nn.Linear(din, dh), nn.BatchNorm1d(dh), nn.ReLU(), nn.Linear(dh, dh))
        self.projector = nn.Sequential(nn.Linear(dh, dh), nn.ReLU(), nn.Linear(dh, dproj))

    def forward(self, x):
        h = self.backbone(x)
        return h, self.projector(h)


def nt_xent(z1, z2, temperature=0.5):
    z = F.normalize(torch.cat([z1, z2], dim=0), dim=1)
    n = z1.size(0)
    sim = z @ z.T / temperature
    sim = sim.masked_fill(torch.eye(2 * n, dtype=torch.bool, device=z.device), -9e15)
    labels = torch.cat([torch.arange(n) + n, torch.arange(n)])
    loss = F.cross_entropy(sim, labels)
    acc = (sim.argmax(dim=1) == labels).float().mean()
    return loss, acc, sim


print('--- nt-xent')
x = torch.randn(12, 20)
enc = Encoder()
opt = torch.optim.SGD(enc.parameters(), lr=0.1, momentum=0.9, nesterov=True)
for step in range(5):
    _, z1 = enc(augment(x))
    _, z2 = enc(augment(x))
    loss, acc, sim = nt_xent(z1, z2, temperature=0.2)
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(f'step {step} loss {loss.item():.5f} acc {acc.item():.3f}')
print(sim.shape, sim.dtype, f'{sim.diagonal().max().item():.1e}', (sim == -9e15).sum().item())
print(torch.eye(3, dtype=torch.bool), torch.eye(2, 3))

print('--- clip')


class Clip(nn.Module):
    def __init__(self):
        super().__init__()
        self.img = nn.Linear(20, 16)
        self.txt = nn.Embedding(30, 16)
        self.logit_scale = nn.Parameter(torch.ones([]) * math.log(1 / 0.07))

    def forward(self, images, tokens):
        ie = F.normalize(self.img(images), dim=-1)
        te = F.normalize(self.txt(tokens).mean(dim=1), p=2.0, dim=-1, eps=1e-12)
        scale = self.logit_scale.exp().clamp(max=100)
        logits = scale * ie @ te.t()
        return logits, logits.t()


clip = Clip()
tokens = torch.randint(0, 30, (8, 5))
imgs = torch.randn(8, 20)
opt = torch.optim.AdamW(clip.parameters(), lr=1e-2)
for step in range(4):
    li, lt = clip(imgs, tokens)
    target = torch.arange(li.size(0))
    loss = (F.cross_entropy(li, target) + F.cross_entropy(lt, target)) / 2
    opt.zero_grad()
    loss.backward()
    opt.step()
    with torch.no_grad():
        clip.logit_scale.clamp_(0, math.log(100))
    print(f'clip step {step} loss {loss.item():.5f} scale {clip.logit_scale.exp().item():.4f}')
top1 = (li.argmax(1) == target).sum().item()
print('top1', top1, li.shape, clip.logit_scale.shape, clip.logit_scale.dim())

print('--- triplet')
emb = torch.randn(10, 8, requires_grad=True)
labels = torch.tensor([0, 0, 1, 1, 2, 2, 3, 3, 4, 4])
d = torch.cdist(emb, emb)
print(d.shape, f'{d[0, 1].item():.5f} {(emb[0] - emb[1]).norm().item():.5f}', f'{d.diagonal().abs().max().item():.4f}')
d1 = torch.cdist(emb, emb, p=1)
print(f'p1 {d1[2, 3].item():.5f} {(emb[2] - emb[3]).abs().sum().item():.5f}')
same = labels[:, None] == labels[None, :]
pos_d = d.masked_fill(~same | torch.eye(10, dtype=torch.bool), float('-inf')).amax(dim=1)
neg_d, neg_idx = d.masked_fill(same, float('inf')).topk(2, dim=1, largest=False)
print(neg_idx[:3].tolist(), f'{pos_d[:3].tolist()[0]:.5f}')
hand = F.relu(pos_d - neg_d[:, 0] + 0.5).mean()
anchor, positive = emb[0::2], emb[1::2]
negative = emb[neg_idx[0::2, 0]]
crit = nn.TripletMarginLoss(margin=0.5, p=2)
builtin = crit(anchor, positive, negative)
func = F.triplet_margin_loss(anchor, positive, negative, margin=0.5, swap=True, reduction='none')
print(f'hand {hand.item():.5f} builtin {builtin.item():.5f}', func.shape, f'{func.sum().item():.5f}')
(hand + builtin).backward()
print(f'grad {emb.grad.norm().item():.5f}', crit)
cos = F.cosine_similarity(anchor, positive)
print(f'cos {cos[:3].tolist()[0]:.5f}', F.pairwise_distance(anchor, positive, keepdim=True).shape)
