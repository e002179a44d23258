"""Losses written by hand the way papers' reference code writes them, each checked against the
built-in where one exists: focal loss (RetinaNet), label-smoothing cross-entropy, soft-target CE,
Dice / soft-IoU, NT-Xent (SimCLR) with F.normalize and a masked diagonal, supervised
contrastive, triplet with batch-hard mining, margin ranking, contrastive (Siamese), knowledge
distillation with KLDivLoss(reduction='batchmean', log_target=True), center loss."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(2024)


class FocalLoss(nn.Module):
    def __init__(self, alpha=0.25, gamma=2.0, reduction='mean'):
        super().__init__()
        self.alpha, self.gamma, self.reduction = alpha, gamma, reduction

    def forward(self, logits, targets):
        ce = F.binary_cross_entropy_with_logits(logits, targets, reduction='none')
        p = torch.sigmoid(logits)
        p_t = p * targets + (1 - p) * (1 - targets)
        loss = ce * ((1 - p_t) ** self.gamma)
        if self.alpha >= 0:
            alpha_t = self.alpha * targets + (1 - self.alpha) * (1 - targets)
            loss = alpha_t * loss
        return loss.mean() if self.reduction == 'mean' else loss.sum()


class MultiClassFocal(nn.Module):
    def __init__(self, gamma=2.0, weight=None):
        super().__init__()
        self.gamma = gamma
        self.register_buffer('weight', weight)

    def forward(self, logits, target):
        logpt = F.log_softmax(logits, dim=1).gather(1, target.unsqueeze(1)).squeeze(1)
        pt = logpt.exp()
        loss = -((1 - pt) ** self.gamma) * logpt
        if self.weight is not None:
            loss = loss * self.weight[target]
        return loss.mean()


class LabelSmoothingCE(nn.Module):
    def __init__(self, smoothing=0.1):
        super().__init__()
        self.confidence = 1.0 - smoothing
        self.smoothing = smoothing

    def forward(self, x, target):
        logprobs = F.log_softmax(x, dim=-1)
        nll_loss = -logprobs.gather(dim=-1, index=target.unsqueeze(1)).squeeze(1)
        smooth_loss = -logprobs.mean(dim=-1)
        return (self.confidence * nll_loss + self.smoothing * smooth_loss).mean()


def dice_loss(logits, target, eps=1.0):
    probs = torch.sigmoid(logits)
    num = 2 * (probs * target).sum(dim=(1, 2, 3)) + eps
    den = probs.sum(dim=(1, 2, 3)) + target.sum(dim=(1, 2, 3)) + eps
    return 1 - (num / den).mean()


def nt_xent(z1, z2, temperature=0.5):
    n = z1.shape[0]
    z = F.normalize(torch.cat([z1, z2], dim=0), dim=1)
    sim = torch.mm(z, z.t()) / temperature
    mask = torch.eye(2 * n, dtype=torch.bool)
    sim = sim.masked_fill(mask, float('-inf'))
    targets = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)])
    return F.cross_entropy(sim, targets), sim


def nt_xent_v2(z1, z2, temperature=0.5):
    # the "positives / negatives" formulation of many SimCLR repos
    n = z1.shape[0]
    z = F.normalize(torch.cat([z1, z2]), dim=-1)
    sim = F.cosine_similarity(z.unsqueeze(1), z.unsqueeze(0), dim=2)
    sim_ij = torch.diag(sim, n)
    sim_ji = torch.diag(sim, -n)
    positives = torch.cat([sim_ij, sim_ji], dim=0)
    nominator = torch.exp(positives / temperature)
    negatives_mask = (~torch.eye(2 * n, 2 * n, dtype=bool)).float()
    denominator = negatives_mask * torch.exp(sim / temperature)
    loss_partial = -torch.log(nominator / torch.sum(denominator, dim=1))
    return torch.sum(loss_partial) / (2 * n)


def supcon(features, labels, temperature=0.1):
    f = F.normalize(features, dim=1)
    logits = f @ f.T / temperature
    logits = logits - logits.max(dim=1, keepdim=True).values.detach()
    self_mask = torch.eye(len(labels), dtype=torch.bool)
    pos = (labels[:, None] == labels[None, :]) & ~self_mask
    exp = torch.exp(logits).masked_fill(self_mask, 0)
    log_prob = logits - torch.log(exp.sum(1, keepdim=True))
    mean_log_prob_pos = (pos * log_prob).sum(1) / pos.sum(1).clamp(min=1)
    return -mean_log_prob_pos.mean()


def batch_hard_triplet(emb, labels, margin=0.3):
    dist = torch.cdist(emb, emb, p=2)
    same = labels.unsqueeze(0) == labels.unsqueeze(1)
    hardest_pos = (dist * same.float()).max(dim=1)[0]
    max_d = dist.max(dim=1, keepdim=True)[0]
    hardest_neg = (dist + max_d * same.float()).min(dim=1)[0]
    return F.relu(hardest_pos - hardest_neg + margin).mean()


def contrastive_loss(d, same, margin=1.0):
    return (same * d.pow(2) + (1 - same) * torch.clamp(margin - d, min=0.0).pow(2)).mean() / 2


def kd_loss(student_logits, teacher_logits, labels, T=4.0, alpha=0.7):
    kl = nn.KLDivLoss(reduction='batchmean', log_target=True)
    soft = kl(F.log_softmax(student_logits / T, dim=1), F.log_softmax(teacher_logits / T, dim=1)) * T * T
    hard = F.cross_entropy(student_logits, labels)
    return alpha * soft + (1 - alpha) * hard, soft, hard


print('--- focal')
logits = torch.randn(8, 5, requires_grad=True)
targets = (torch.rand(8, 5) > 0.7).float()
fl = FocalLoss()(logits, targets)
fl.backward()
print(f'focal {fl.item():.6f}', logits.grad.abs().sum().item() > 0, fl.grad_fn.name())
fl0 = FocalLoss(alpha=-1, gamma=0.0)(logits, targets)
print('gamma=0 equals BCE:', torch.allclose(fl0, F.binary_cross_entropy_with_logits(logits, targets)))
mc_logits = torch.randn(10, 4)
mc_target = torch.randint(0, 4, (10,))
mcf = MultiClassFocal(gamma=0.0)(mc_logits, mc_target)
print('multi-class gamma=0 equals CE:', torch.allclose(mcf, F.cross_entropy(mc_logits, mc_target)))
w = torch.tensor([1.0, 2.0, 0.5, 1.0])
print(f'weighted focal {MultiClassFocal(2.0, w)(mc_logits, mc_target).item():.6f}')

print('--- label smoothing')
ls = LabelSmoothingCE(0.1)(mc_logits, mc_target)
builtin = F.cross_entropy(mc_logits, mc_target, label_smoothing=0.1)
print(f'hand {ls.item():.6f} builtin {builtin.item():.6f} close {torch.allclose(ls, builtin, atol=1e-6)}')
print(nn.CrossEntropyLoss(label_smoothing=0.2, ignore_index=1))
soft_t = F.one_hot(mc_target, 4).float() * 0.9 + 0.1 / 4
print(f'soft-target CE {F.cross_entropy(mc_logits, soft_t).item():.6f}',
      f'{torch.sum(-soft_t * F.log_softmax(mc_logits, dim=-1), dim=-1).mean().item():.6f}')

print('--- dice')
seg_logits = torch.randn(2, 1, 8, 8, requires_grad=True)
mask = (torch.rand(2, 1, 8, 8) > 0.5).float()
dl = dice_loss(seg_logits, mask)
bce = F.binary_cross_entropy_with_logits(seg_logits, mask)
(dl + bce).backward()
print(f'dice {dl.item():.6f} bce {bce.item():.6f} grad {seg_logits.grad.norm().item():.6f}')
inter = ((seg_logits > 0).float() * mask).sum()
union = ((seg_logits > 0).float() + mask).clamp(max=1).sum()
print(f'IoU {(inter / union).item():.6f}', inter.dtype)

print('--- NT-Xent')
proj = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 8))
x = torch.randn(6, 16)
x1 = x + 0.1 * torch.randn_like(x)
x2 = x * (1 + 0.1 * torch.randn_like(x))
z1, z2 = proj(x1), proj(x2)
l1, sim = nt_xent(z1, z2)
l2 = nt_xent_v2(z1, z2)
print(f'nt-xent {l1.item():.6f} v2 {l2.item():.6f}', sim.shape, torch.isinf(sim).sum().item())
print(sim[0, :4])
l1.backward()
print(f'proj grad {proj[0].weight.grad.norm().item():.6f}')
print(F.normalize(torch.tensor([[3.0, 4.0], [0.0, 0.0]]), dim=1))
print(F.normalize(torch.tensor([[3.0, 4.0]]), p=1, dim=1))

print('--- supervised contrastive')
feats = torch.randn(8, 8, requires_grad=True)
labels = torch.tensor([0, 1, 0, 1, 2, 2, 0, 1])
sc = supcon(feats, labels)
sc.backward()
print(f'supcon {sc.item():.6f} grad {feats.grad.abs().mean().item():.6f}')

print('--- triplet / margin ranking / contrastive')
emb = torch.randn(8, 4, requires_grad=True)
bh = batch_hard_triplet(emb, labels)
bh.backward()
print(f'batch-hard {bh.item():.6f} grad nonzero rows {int((emb.grad.abs().sum(1) > 0).sum())}')
a, p, n = torch.randn(5, 4), torch.randn(5, 4), torch.randn(5, 4)
print(f'{nn.TripletMarginLoss(margin=1.0, p=2)(a, p, n).item():.6f}',
      f'{F.relu((a - p).norm(dim=1) - (a - n).norm(dim=1) + 1.0).mean().item():.6f}')
print(nn.TripletMarginLoss(margin=0.5, swap=True))
tdl = nn.TripletMarginWithDistanceLoss(distance_function=lambda u, v: 1 - F.cosine_similarity(u, v), margin=0.2)
print(f'cosine triplet {tdl(a, p, n).item():.6f}')
s1, s2 = torch.randn(6), torch.randn(6)
yy = torch.tensor([1., -1, 1, 1, -1, -1])
mr = nn.MarginRankingLoss(margin=0.1)(s1, s2, yy)
print(f'margin ranking {mr.item():.6f} hand {torch.clamp(-yy * (s1 - s2) + 0.1, min=0).mean().item():.6f}')
d = F.pairwise_distance(a, p)
same = torch.tensor([1., 0, 1, 0, 1])
print(f'contrastive {contrastive_loss(d, same).item():.6f}', d)
print(f'cosine embedding {nn.CosineEmbeddingLoss(margin=0.2)(a, p, torch.tensor([1, -1, 1, -1, 1])).item():.6f}')

print('--- knowledge distillation')
teacher = nn.Sequential(nn.Linear(10, 64), nn.ReLU(), nn.Linear(64, 5))
student = nn.Sequential(nn.Linear(10, 8), nn.ReLU(), nn.Linear(8, 5))
teacher.eval()
opt = torch.optim.SGD(student.parameters(), lr=0.1, momentum=0.9)
X = torch.randn(32, 10)
Y = torch.randint(0, 5, (32,))
for step in range(5):
    with torch.no_grad():
        t_logits = teacher(X)
    loss, soft, hard = kd_loss(student(X), t_logits, Y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(f'kd step {step} loss {loss.item():.6f} soft {soft.item():.6f} hard {hard.item():.6f}')
sl, tl = F.log_softmax(student(X), 1), F.log_softmax(teacher(X), 1)
print(f"{F.kl_div(sl, tl, reduction='batchmean', log_target=True).item():.6f}",
      f"{F.kl_div(sl, tl.exp(), reduction='batchmean').item():.6f}",
      f"{(tl.exp() * (tl - sl)).sum(1).mean().item():.6f}")
print(nn.KLDivLoss(reduction='batchmean', log_target=True))
print(F.kl_div(sl, tl, reduction='none', log_target=True).shape)

print('--- center loss')
centers = nn.Parameter(torch.randn(3, 4))
feat = torch.randn(8, 4, requires_grad=True)
lab = torch.tensor([0, 1, 2, 0, 1, 2, 0, 1])
cl = ((feat - centers[lab]) ** 2).sum(1).mean() / 2
cl.backward()
print(f'center {cl.item():.6f}', centers.grad)
print(torch.index_select(centers, 0, lab).shape, centers.grad.dtype)
