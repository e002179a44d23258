"""Ranking / classification metrics computed in tensors, the way recommender and tabular repos write
them instead of calling sklearn: ROC-AUC via argsort + cumsum (and the rank-sum form with tied
ranks), average precision, log loss, NDCG@k with topk and log2 discounts, recall@k / hit-rate / MRR
with masked history, a confusion matrix via bincount, per-class precision / recall / F1."""
import math

import torch
import torch.nn.functional as F

torch.manual_seed(0)

# --- binary classification ---------------------------------------------------------------------
n = 40
y = (torch.rand(n) > 0.6).long()
scores = torch.rand(n) * 0.6 + 0.4 * y.float()
scores[::7] = 0.5                                   # some ties
print('positives', y.sum().item(), 'of', n)


def roc_auc(scores, y):
    order = torch.argsort(scores, descending=True, stable=True)
    ys = y[order].float()
    tps = torch.cumsum(ys, 0)
    fps = torch.cumsum(1 - ys, 0)
    # keep the last point of each run of tied scores
    s = scores[order]
    distinct = torch.cat([torch.nonzero(s[1:] != s[:-1]).flatten(), torch.tensor([len(s) - 1])])
    tpr = torch.cat([torch.zeros(1), tps[distinct] / tps[-1]])
    fpr = torch.cat([torch.zeros(1), fps[distinct] / fps[-1]])
    return torch.trapezoid(tpr, fpr), fpr, tpr


auc, fpr, tpr = roc_auc(scores, y)
print('auc', round(auc.item(), 6))
print('fpr', fpr[:6], 'tpr', tpr[:6])


def auc_rank(scores, y):
    # Mann-Whitney U with average ranks for ties
    sorted_s, order = torch.sort(scores)
    uniq, inv, counts = torch.unique(sorted_s, return_inverse=True, return_counts=True)
    ends = torch.cumsum(counts, 0).double()
    avg_rank = ends - (counts.double() - 1) / 2
    ranks = torch.empty_like(scores, dtype=torch.float64)
    ranks[order] = avg_rank[inv]
    npos = y.sum()
    nneg = len(y) - npos
    return (ranks[y.bool()].sum() - npos * (npos + 1) / 2) / (npos * nneg)


print('auc rank', auc_rank(scores, y), 'dtype', auc_rank(scores, y).dtype)


def average_precision(scores, y):
    order = torch.argsort(scores, descending=True, stable=True)
    ys = y[order].float()
    prec = torch.cumsum(ys, 0) / torch.arange(1, len(ys) + 1)
    return (prec * ys).sum() / ys.sum()


print('AP', average_precision(scores, y))
p = scores.clamp(1e-7, 1 - 1e-7)
print('logloss', F.binary_cross_entropy(p, y.float()), -(y * p.log() + (1 - y) * (1 - p).log()).mean())
print('brier', torch.mean((p - y) ** 2))
thr = torch.linspace(0, 1, 6)
pred_at = (scores[None, :] >= thr[:, None])
print('tp@thr', (pred_at & y.bool()).sum(1), 'pp@thr', pred_at.sum(dim=1, dtype=torch.int32))

# --- multiclass ----------------------------------------------------------------------------------
C = 4
logits = torch.randn(30, C)
target = torch.randint(0, C, (30,))
pred = logits.argmax(1)
cm = torch.bincount(target * C + pred, minlength=C * C).reshape(C, C)
print('confusion\n', cm)
tp = cm.diag()
precision = tp / cm.sum(0).clamp(min=1)
recall = tp / cm.sum(1).clamp(min=1)
f1 = torch.where(precision + recall > 0, 2 * precision * recall / (precision + recall), torch.zeros(()))
print('precision', precision)
print('recall', recall)
print('f1', f1, 'macro', f1.mean().item(), 'micro acc', (tp.sum() / cm.sum()).item())
print('top2 acc', (logits.topk(2, dim=1).indices == target[:, None]).any(1).float().mean())
cm2 = torch.zeros(C, C, dtype=torch.long).index_put_((target, pred), torch.ones(30, dtype=torch.long), accumulate=True)
print('index_put cm equal', torch.equal(cm, cm2))

# --- top-k ranking ---------------------------------------------------------------------------------
U, I, K = 6, 20, 5
score_mat = torch.randn(U, I)
truth = torch.rand(U, I) < 0.15
truth[:, 0] = True
history = torch.rand(U, I) < 0.2
history &= ~truth
score_mat = score_mat.masked_fill(history, float('-inf'))
topv, topi = torch.topk(score_mat, K, dim=1)
hits = torch.gather(truth, 1, topi).float()
print('topi', topi)
print('hits', hits)
recall_k = hits.sum(1) / truth.sum(1).clamp(max=K)
print('recall@5', recall_k)
print('hit@5', (hits.sum(1) > 0).float().mean().item())
discount = 1.0 / torch.log2(torch.arange(2, K + 2, dtype=torch.float32))
dcg = (hits * discount).sum(1)
ideal_n = truth.sum(1).clamp(max=K)
idcg = torch.stack([discount[:m].sum() for m in ideal_n.tolist()])
print('ndcg@5', dcg / idcg)
ideal_mask = torch.arange(K)[None, :] < ideal_n[:, None]
print('idcg vectorised equal', torch.allclose(idcg, (discount * ideal_mask).sum(1)))
first_hit = torch.where(hits.any(1), hits.argmax(1) + 1, torch.full((U,), 10 ** 9))
print('mrr', (1.0 / first_hit.double()).mean())

# graded relevance NDCG with (2^rel - 1) gains
rel = torch.randint(0, 4, (U, I)).float()
_, order = score_mat.sort(1, descending=True)
gains = (2 ** rel.gather(1, order[:, :K]) - 1)
ideal = (2 ** rel.sort(1, descending=True).values[:, :K] - 1)
ndcg_graded = (gains * discount).sum(1) / (ideal * discount).sum(1)
print('graded ndcg', ndcg_graded, ndcg_graded.mean())
print('isclose log2', torch.isclose(discount[1], torch.tensor(1 / math.log2(3))))
