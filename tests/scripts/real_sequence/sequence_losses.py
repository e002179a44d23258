# Sequence losses without CTC as seq2seq / tagging repositories write them: cross_entropy over the
# (B, C, T) layout with ignore_index, reduction='none' with a length mask and masked mean,
# label smoothing combined with ignore_index, class weights, nll_loss on log_softmax(dim=1),
# soft targets in (B, C, T), per-sequence losses summed over time, token accuracy, perplexity,
# sequence_mask from lengths, the errors of mismatched target shapes, and gradients at padding.
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(4)
B, C, T = 3, 6, 5
PAD = -100

lengths = torch.tensor([5, 3, 2])
mask = torch.arange(T).unsqueeze(0) < lengths.unsqueeze(1)
print(mask, mask.dtype)
logits = torch.randn(B, T, C, requires_grad=True)
target = torch.randint(0, C, (B, T))
target_ignored = target.masked_fill(~mask, PAD)
print(target_ignored)

# (B, C, T) layout
l1 = F.cross_entropy(logits.transpose(1, 2), target_ignored, ignore_index=PAD)
l2 = F.cross_entropy(logits.reshape(-1, C), target_ignored.reshape(-1), ignore_index=PAD)
per_tok = F.cross_entropy(logits.permute(0, 2, 1), target, reduction='none')
masked_mean = (per_tok * mask).sum() / mask.sum()
print('ce (B,C,T)', l1, 'flat', l2, 'masked mean', masked_mean)
print(per_tok.shape, per_tok.grad_fn.__class__.__name__)
print('ignored tokens reduction none', F.cross_entropy(logits.transpose(1, 2), target_ignored, reduction='none'))
print('sum', F.cross_entropy(logits.transpose(1, 2), target_ignored, reduction='sum'))
per_seq = (per_tok * mask).sum(1)
print('per-sequence', per_seq, 'per-seq mean', per_seq / lengths)
print('ppl', torch.exp(l1).item(), math.exp(l1.item()))

# label smoothing with ignore_index and class weights
w = torch.tensor([0.5, 1., 1., 2., 1., 1.])
for kw in [dict(label_smoothing=0.1), dict(weight=w), dict(weight=w, label_smoothing=0.2)]:
    a = F.cross_entropy(logits.transpose(1, 2), target_ignored, ignore_index=PAD, **kw)
    b = nn.CrossEntropyLoss(ignore_index=PAD, reduction='none', **kw)(logits.transpose(1, 2), target_ignored)
    print(sorted(kw), a.item(), b.shape, b[2])

# nll over log_softmax(dim=1)
lp = F.log_softmax(logits.transpose(1, 2), dim=1)
print('nll', F.nll_loss(lp, target_ignored, ignore_index=PAD), F.nll_loss(lp, target_ignored, ignore_index=PAD, weight=w))
print(nn.NLLLoss(reduction='none', ignore_index=PAD)(lp, target_ignored))

# soft targets in (B, C, T)
soft = F.softmax(torch.randn(B, C, T), dim=1)
print('soft ce', F.cross_entropy(logits.transpose(1, 2), soft), F.cross_entropy(logits.transpose(1, 2), soft, reduction='none').shape)
print('kl', F.kl_div(lp, soft, reduction='batchmean'), F.kl_div(lp, soft.log(), reduction='sum', log_target=True))

# all targets ignored: nan mean
all_ign = torch.full((B, T), PAD)
print('all ignored', F.cross_entropy(logits.transpose(1, 2), all_ign, ignore_index=PAD))
print('all ignored sum', F.cross_entropy(logits.transpose(1, 2), all_ign, ignore_index=PAD, reduction='sum'))

# accuracy over real tokens
pred = logits.argmax(-1)
acc = ((pred == target) & mask).sum().float() / mask.sum()
print('acc', acc, pred)

# gradients: zero at ignored positions
l1.backward()
print('grad zero at pad', logits.grad[~mask].abs().max().item(), logits.grad[mask].abs().sum().item() > 0)
print(logits.grad[1, 0])

# shape errors
for bad_t in [torch.randint(0, C, (B, T + 1)), torch.randint(0, C, (B * T,)), torch.randint(0, C, (T, B))]:
    try:
        F.cross_entropy(logits.transpose(1, 2), bad_t)
    except (RuntimeError, ValueError) as e:
        print(type(e).__name__ + ':', str(e)[:100])
try:
    F.cross_entropy(logits.transpose(1, 2), target.float())
except RuntimeError as e:
    print('RuntimeError:', str(e)[:100])
try:
    F.cross_entropy(logits.transpose(1, 2), target.masked_fill(~mask, C))
except IndexError as e:
    print('IndexError:', str(e)[:100])
try:
    F.nll_loss(lp, target_ignored, ignore_index=PAD, weight=torch.ones(C + 1))
except RuntimeError as e:
    print('RuntimeError:', str(e)[:100])

# BCE over multi-label tags with a mask, and focal-style weighting
ml = torch.randint(0, 2, (B, T, C)).float()
bce = F.binary_cross_entropy_with_logits(logits, ml, reduction='none')
print('bce masked', (bce.mean(-1) * mask).sum() / mask.sum())
pos_w = torch.full((C,), 2.0)
print('bce pos_weight', F.binary_cross_entropy_with_logits(logits, ml, pos_weight=pos_w))
pt = torch.exp(-per_tok)
focal = ((1 - pt) ** 2 * per_tok)[mask].mean()
print('focal', focal)
