"""facebookresearch/detr style box utilities and a tiny DETR-like head: box_cxcywh_to_xyxy /
box_xyxy_to_cxcywh via unbind + stack, box_area, box_iou and generalized_box_iou with broadcasting
[:, None, :2] max/min and clamp(min=0), masks_to_boxes, a greedy (Hungarian-free) matcher over a cost
matrix with argmin and index bookkeeping, a small transformer decoder head (nn.TransformerDecoder with
learned query embeddings), MLP bbox head with sigmoid, class loss with an eos_coef-weighted empty class,
L1 + GIoU losses, AdamW with a lower backbone lr, clip_grad_norm_, eval / no_grad postprocess with
softmax scores and scaling to image size, and a BytesIO checkpoint."""
import io

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


def box_cxcywh_to_xyxy(x):
    x_c, y_c, w, h = x.unbind(-1)
    b = [(x_c - 0.5 * w), (y_c - 0.5 * h), (x_c + 0.5 * w), (y_c + 0.5 * h)]
    return torch.stack(b, dim=-1)


def box_xyxy_to_cxcywh(x):
    x0, y0, x1, y1 = x.unbind(-1)
    b = [(x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0), (y1 - y0)]
    return torch.stack(b, dim=-1)


def box_area(boxes):
    return (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])


def box_iou(boxes1, boxes2):
    area1 = box_area(boxes1)
    area2 = box_area(boxes2)
    lt = torch.max(boxes1[:, None, :2], boxes2[:, :2])  # [N,M,2]
    rb = torch.min(boxes1[:, None, 2:], boxes2[:, 2:])  # [N,M,2]
    wh = (rb - lt).clamp(min=0)  # [N,M,2]
    inter = wh[:, :, 0] * wh[:, :, 1]  # [N,M]
    union = area1[:, None] + area2 - inter
    iou = inter / union
    return iou, union


def generalized_box_iou(boxes1, boxes2):
    assert (boxes1[:, 2:] >= boxes1[:, :2]).all()
    assert (boxes2[:, 2:] >= boxes2[:, :2]).all()
    iou, union = box_iou(boxes1, boxes2)
    lt = torch.min(boxes1[:, None, :2], boxes2[:, :2])
    rb = torch.max(boxes1[:, None, 2:], boxes2[:, 2:])
    wh = (rb - lt).clamp(min=0)  # [N,M,2]
    area = wh[:, :, 0] * wh[:, :, 1]
    return iou - (area - union) / area


def masks_to_boxes(masks):
    if masks.numel() == 0:
        return torch.zeros((0, 4), device=masks.device)
    h, w = masks.shape[-2:]
    y = torch.arange(0, h, dtype=torch.float)
    x = torch.arange(0, w, dtype=torch.float)
    y, x = torch.meshgrid(y, x, indexing='ij')
    x_mask = (masks * x.unsqueeze(0))
    x_max = x_mask.flatten(1).max(-1)[0]
    x_min = x_mask.masked_fill(~(masks.bool()), 1e8).flatten(1).min(-1)[0]
    y_mask = (masks * y.unsqueeze(0))
    y_max = y_mask.flatten(1).max(-1)[0]
    y_min = y_mask.masked_fill(~(masks.bool()), 1e8).flatten(1).min(-1)[0]
    return torch.stack([x_min, y_min, x_max, y_max], 1)


class MLP(nn.Module):
    """ Very simple multi-layer perceptron (also called FFN)"""

    def __init__(self, input_dim, hidden_dim, output_dim, num_layers):
        super().__init__()
        self.num_layers = num_layers
        h = [hidden_dim] * (num_layers - 1)
        self.layers = nn.ModuleList(nn.Linear(n, k) for n, k in zip([input_dim] + h, h + [output_dim]))

    def forward(self, x):
        for i, layer in enumerate(self.layers):
            x = F.relu(layer(x)) if i < self.num_layers - 1 else layer(x)
        return x


class TinyDETR(nn.Module):
    def __init__(self, num_classes=3, num_queries=5, d_model=16):
        super().__init__()
        self.backbone = nn.Sequential(nn.Conv2d(3, 8, 3, 2, 1), nn.ReLU(), nn.Conv2d(8, 16, 3, 2, 1), nn.ReLU())
        self.input_proj = nn.Conv2d(16, d_model, kernel_size=1)
        self.query_embed = nn.Embedding(num_queries, d_model)
        layer = nn.TransformerDecoderLayer(d_model, nhead=2, dim_feedforward=32, dropout=0.0, batch_first=True)
        self.decoder = nn.TransformerDecoder(layer, num_layers=2, norm=nn.LayerNorm(d_model))
        self.class_embed = nn.Linear(d_model, num_classes + 1)
        self.bbox_embed = MLP(d_model, d_model, 4, 3)
        self.pos = nn.Parameter(torch.rand(1, 16, d_model) * 0.1)

    def forward(self, images):
        feat = self.input_proj(self.backbone(images))          # [B, d, 4, 4]
        memory = feat.flatten(2).permute(0, 2, 1) + self.pos    # [B, HW, d]
        tgt = self.query_embed.weight.unsqueeze(0).repeat(images.size(0), 1, 1)
        hs = self.decoder(tgt, memory)
        return {'pred_logits': self.class_embed(hs), 'pred_boxes': self.bbox_embed(hs).sigmoid()}


@torch.no_grad()
def greedy_match(outputs, targets, cost_class=1.0, cost_bbox=5.0, cost_giou=2.0):
    """Greedy stand-in for the Hungarian matcher: repeatedly take the cheapest (query, target) pair."""
    indices = []
    for b, t in enumerate(targets):
        prob = outputs['pred_logits'][b].softmax(-1)
        out_bbox = outputs['pred_boxes'][b]
        c_class = -prob[:, t['labels']]
        c_bbox = torch.cdist(out_bbox, t['boxes'], p=1)
        c_giou = -generalized_box_iou(box_cxcywh_to_xyxy(out_bbox), box_cxcywh_to_xyxy(t['boxes']))
        C = cost_bbox * c_bbox + cost_class * c_class + cost_giou * c_giou
        C = C.clone()
        rows, cols = [], []
        for _ in range(len(t['labels'])):
            flat = C.argmin()
            i, j = divmod(flat.item(), C.shape[1])
            rows.append(i)
            cols.append(j)
            C[i, :] = float('inf')
            C[:, j] = float('inf')
        order = torch.as_tensor(rows).argsort()
        indices.append((torch.as_tensor(rows, dtype=torch.int64)[order], torch.as_tensor(cols, dtype=torch.int64)[order]))
    return indices


def _get_src_permutation_idx(indices):
    batch_idx = torch.cat([torch.full_like(src, i) for i, (src, _) in enumerate(indices)])
    src_idx = torch.cat([src for (src, _) in indices])
    return batch_idx, src_idx


def set_criterion(outputs, targets, num_classes=3, eos_coef=0.1):
    indices = greedy_match(outputs, targets)
    idx = _get_src_permutation_idx(indices)
    src_logits = outputs['pred_logits']
    target_classes_o = torch.cat([t["labels"][J] for t, (_, J) in zip(targets, indices)])
    target_classes = torch.full(src_logits.shape[:2], num_classes, dtype=torch.int64)
    target_classes[idx] = target_classes_o
    empty_weight = torch.ones(num_classes + 1)
    empty_weight[-1] = eos_coef
    loss_ce = F.cross_entropy(src_logits.transpose(1, 2), target_classes, empty_weight)
    src_boxes = outputs['pred_boxes'][idx]
    target_boxes = torch.cat([t['boxes'][i] for t, (_, i) in zip(targets, indices)], dim=0)
    num_boxes = max(float(target_boxes.shape[0]), 1.0)
    loss_bbox = F.l1_loss(src_boxes, target_boxes, reduction='none').sum() / num_boxes
    loss_giou = (1 - torch.diag(generalized_box_iou(box_cxcywh_to_xyxy(src_boxes),
                                                    box_cxcywh_to_xyxy(target_boxes)))).sum() / num_boxes
    return {'loss_ce': loss_ce, 'loss_bbox': loss_bbox, 'loss_giou': loss_giou}, indices


@torch.no_grad()
def postprocess(outputs, target_sizes):
    out_logits, out_bbox = outputs['pred_logits'], outputs['pred_boxes']
    prob = F.softmax(out_logits, -1)
    scores, labels = prob[..., :-1].max(-1)
    boxes = box_cxcywh_to_xyxy(out_bbox)
    img_h, img_w = target_sizes.unbind(1)
    scale_fct = torch.stack([img_w, img_h, img_w, img_h], dim=1)
    boxes = boxes * scale_fct[:, None, :]
    return [{'scores': s, 'labels': l, 'boxes': b} for s, l, b in zip(scores, labels, boxes)]


b = torch.tensor([[0.5, 0.5, 0.2, 0.4], [0.3, 0.6, 0.1, 0.1]])
xyxy = box_cxcywh_to_xyxy(b)
print('xyxy', xyxy)
print('roundtrip', torch.allclose(box_xyxy_to_cxcywh(xyxy), b), box_area(xyxy))
b2 = torch.tensor([[0.4, 0.3, 0.6, 0.7], [0.0, 0.0, 0.1, 0.1], [0.45, 0.4, 0.7, 0.9]])
iou, union = box_iou(xyxy, b2)
print('iou', iou)
print('giou', generalized_box_iou(xyxy, b2))
try:
    generalized_box_iou(b2[:, [2, 1, 0, 3]], b2)
except AssertionError:
    print('AssertionError: degenerate boxes')
m = torch.zeros(2, 6, 8)
m[0, 1:4, 2:7] = 1
m[1, 0, 0] = 1
m[1, 5, 3] = 1
print('masks_to_boxes', masks_to_boxes(m), masks_to_boxes(torch.zeros(0, 6, 8)).shape)
print('cdist', torch.cdist(b, b[:1], p=1).flatten())

torch.manual_seed(3)
model = TinyDETR()
print('params', sum(p.numel() for p in model.parameters()), 'decoder layers', len(model.decoder.layers))
images = torch.randn(2, 3, 16, 16)
targets = [{'labels': torch.tensor([0, 2]), 'boxes': torch.tensor([[0.3, 0.3, 0.2, 0.2], [0.7, 0.6, 0.3, 0.4]])},
           {'labels': torch.tensor([1]), 'boxes': torch.tensor([[0.5, 0.5, 0.5, 0.5]])}]
out = model(images)
print({k: tuple(v.shape) for k, v in out.items()})
param_dicts = [
    {"params": [p for n, p in model.named_parameters() if "backbone" not in n and p.requires_grad]},
    {"params": [p for n, p in model.named_parameters() if "backbone" in n and p.requires_grad], "lr": 1e-4},
]
opt = torch.optim.AdamW(param_dicts, lr=1e-3, weight_decay=1e-4)
weight_dict = {'loss_ce': 1, 'loss_bbox': 5, 'loss_giou': 2}
model.train()
for step in range(6):
    out = model(images)
    loss_dict, indices = set_criterion(out, targets)
    losses = sum(loss_dict[k] * weight_dict[k] for k in loss_dict.keys() if k in weight_dict)
    opt.zero_grad()
    losses.backward()
    total_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 0.1)
    opt.step()
    print(f'step {step} loss {losses.item():.5f}', {k: round(v.item(), 4) for k, v in loss_dict.items()},
          'match', [(s.tolist(), t.tolist()) for s, t in indices], f'norm {total_norm.item():.4f}')

model.eval()
with torch.no_grad():
    out = model(images)
results = postprocess(out, torch.tensor([[480, 640], [300, 400]]))
for r in results:
    keep = r['scores'] > 0.2
    print('kept', int(keep.sum()), r['labels'].tolist(), r['boxes'].shape, r['scores'].dtype)
print('boxes img0', results[0]['boxes'][:2].round())

buf = io.BytesIO()
torch.save({'model': model.state_dict(), 'args': {'num_queries': 5}}, buf)
buf.seek(0)
ck = torch.load(buf, weights_only=True)
m2 = TinyDETR(num_queries=ck['args']['num_queries'])
print(m2.load_state_dict(ck['model']), 'query_embed.weight' in ck['model'])
m2.eval()
with torch.no_grad():
    o2 = m2(images)
print('restored', torch.equal(o2['pred_boxes'], out['pred_boxes']))
