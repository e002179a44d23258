"""Detection utilities written by hand: box area / IoU / GIoU, a greedy NMS loop, anchors from
meshgrid, box encoding / decoding (Faster R-CNN style), anchor matching with max/argmax, focal loss,
smooth L1, sort / argsort / topk with stable ordering, masked_select / nonzero / where."""
import math

import torch
import torch.nn.functional as F

torch.manual_seed(0)


def box_area(b):
    return (b[:, 2] - b[:, 0]).clamp(min=0) * (b[:, 3] - b[:, 1]).clamp(min=0)


def box_iou(a, b):
    lt = torch.max(a[:, None, :2], b[None, :, :2])
    rb = torch.min(a[:, None, 2:], b[None, :, 2:])
    wh = (rb - lt).clamp(min=0)
    inter = wh[..., 0] * wh[..., 1]
    union = box_area(a)[:, None] + box_area(b)[None, :] - inter
    return inter / union


def giou(a, b):
    iou = box_iou(a, b)
    lt = torch.min(a[:, None, :2], b[None, :, :2])
    rb = torch.max(a[:, None, 2:], b[None, :, 2:])
    wh = (rb - lt).clamp(min=0)
    area = wh[..., 0] * wh[..., 1]
    union = box_area(a)[:, None] + box_area(b)[None, :] - iou * 0  # rough
    inter = iou * (box_area(a)[:, None] + box_area(b)[None, :]) / (1 + iou)
    union = box_area(a)[:, None] + box_area(b)[None, :] - inter
    return iou - (area - union) / area


def nms(boxes, scores, thresh):
    order = scores.argsort(descending=True)
    keep = []
    while order.numel() > 0:
        i = order[0].item()
        keep.append(i)
        if order.numel() == 1:
            break
        ious = box_iou(boxes[i].unsqueeze(0), boxes[order[1:]])[0]
        order = order[1:][ious <= thresh]
    return torch.tensor(keep, dtype=torch.long)


def make_anchors(fh, fw, stride, sizes, ratios):
    ys, xs = torch.meshgrid(torch.arange(fh, dtype=torch.float32), torch.arange(fw, dtype=torch.float32), indexing='ij')
    cx = (xs.reshape(-1) + 0.5) * stride
    cy = (ys.reshape(-1) + 0.5) * stride
    base = []
    for s in sizes:
        for r in ratios:
            w, h = s * math.sqrt(1 / r), s * math.sqrt(r)
            base.append([-w / 2, -h / 2, w / 2, h / 2])
    base = torch.tensor(base)
    ctr = torch.stack([cx, cy, cx, cy], 1)
    return (ctr[:, None, :] + base[None]).reshape(-1, 4)


def encode(gt, anc, weights=(10.0, 10.0, 5.0, 5.0)):
    aw, ah = anc[:, 2] - anc[:, 0], anc[:, 3] - anc[:, 1]
    ax, ay = anc[:, 0] + 0.5 * aw, anc[:, 1] + 0.5 * ah
    gw, gh = gt[:, 2] - gt[:, 0], gt[:, 3] - gt[:, 1]
    gx, gy = gt[:, 0] + 0.5 * gw, gt[:, 1] + 0.5 * gh
    wx, wy, ww, wh = weights
    return torch.stack([wx * (gx - ax) / aw, wy * (gy - ay) / ah, ww * torch.log(gw / aw), wh * torch.log(gh / ah)], 1)


def decode(d, anc, weights=(10.0, 10.0, 5.0, 5.0)):
    aw, ah = anc[:, 2] - anc[:, 0], anc[:, 3] - anc[:, 1]
    ax, ay = anc[:, 0] + 0.5 * aw, anc[:, 1] + 0.5 * ah
    dx, dy = d[:, 0] / weights[0], d[:, 1] / weights[1]
    dw = (d[:, 2] / weights[2]).clamp(max=math.log(1000 / 16))
    dh = (d[:, 3] / weights[3]).clamp(max=math.log(1000 / 16))
    px, py, pw, ph = dx * aw + ax, dy * ah + ay, torch.exp(dw) * aw, torch.exp(dh) * ah
    return torch.stack([px - pw / 2, py - ph / 2, px + pw / 2, py + ph / 2], 1)


def focal_loss(logits, targets, alpha=0.25, gamma=2.0):
    p = torch.sigmoid(logits)
    ce = F.binary_cross_entropy_with_logits(logits, targets, reduction='none')
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = ce * ((1 - p_t) ** gamma)
    alpha_t = alpha * targets + (1 - alpha) * (1 - targets)
    return (alpha_t * loss).sum()


anchors = make_anchors(4, 4, 8, sizes=(8, 16), ratios=(0.5, 1.0, 2.0))
print('anchors', anchors.shape, anchors[:2].round(decimals=3).tolist())
gt = torch.tensor([[2.0, 3.0, 14.0, 12.0], [10.0, 10.0, 30.0, 28.0], [20.0, 2.0, 31.0, 9.0]])
ious = box_iou(anchors, gt)
print('iou', ious.shape, round(ious.max().item(), 4), round(ious.sum().item(), 4))
best_iou, best_gt = ious.max(dim=1)
labels = torch.full((anchors.shape[0],), -1, dtype=torch.long)
labels[best_iou < 0.3] = 0
labels[best_iou >= 0.5] = 1
# each gt gets its best anchor
best_anchor = ious.argmax(dim=0)
labels[best_anchor] = 1
best_gt[best_anchor] = torch.arange(gt.shape[0])
print('labels', torch.bincount(labels + 1).tolist(), best_anchor.tolist())
pos = torch.where(labels == 1)[0]
print('positives', pos.tolist())
targets = encode(gt[best_gt[pos]], anchors[pos])
print('encoded', targets.round(decimals=3).tolist()[:2])
back = decode(targets, anchors[pos])
print('round trip', torch.allclose(back, gt[best_gt[pos]], atol=1e-4))
print('giou diag', giou(gt, gt).diagonal().round(decimals=4).tolist(), round(giou(gt, gt + 5).min().item(), 4))

# predictions
cls_logits = torch.randn(anchors.shape[0], requires_grad=True)
box_deltas = torch.randn(anchors.shape[0], 4, requires_grad=True)
valid = labels >= 0
fl = focal_loss(cls_logits[valid], labels[valid].float()) / max(1, pos.numel())
sl1 = F.smooth_l1_loss(box_deltas[pos], targets, beta=1 / 9, reduction='sum') / max(1, pos.numel())
hub = F.huber_loss(box_deltas[pos], targets, delta=1.0)
print(f'focal {fl.item():.5f} smoothl1 {sl1.item():.5f} huber {hub.item():.5f}')
(fl + sl1).backward()
print('grad norms', round(cls_logits.grad.norm().item(), 5), round(box_deltas.grad.norm().item(), 5))
print('nonzero grad rows', (box_deltas.grad.abs().sum(1) > 0).nonzero().view(-1).tolist())

with torch.no_grad():
    scores = torch.sigmoid(cls_logits)
    boxes = decode(box_deltas * 0.1, anchors)
    keep_mask = scores > 0.5
    print('masked_select', torch.masked_select(scores, keep_mask).numel(), keep_mask.sum().item())
    cand = keep_mask.nonzero(as_tuple=True)[0]
    keep = nms(boxes[cand], scores[cand], 0.3)
    print('nms kept', keep.numel(), cand[keep][:6].tolist())
    top = scores.topk(5)
    print('topk', top.indices.tolist(), top.values.round(decimals=4).tolist())

ties = torch.tensor([3, 1, 2, 3, 1, 2, 3, 0])
print('stable sort', torch.sort(ties, stable=True).indices.tolist())
print('stable desc', torch.sort(ties, descending=True, stable=True).indices.tolist())
print('argsort stable', torch.argsort(ties, stable=True).tolist())
v, i = ties.float().sort(descending=True, stable=True)
print('values', v.tolist(), i.tolist())
print('unique', torch.unique(ties, return_counts=True, return_inverse=True))
print('clamp boxes', boxes.clamp(0, 32)[:2].round(decimals=2).tolist())
