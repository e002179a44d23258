"""Box utilities as detection repos write them (torchvision.ops style, no torchvision):
IoU / GIoU / DIoU / CIoU matrices, greedy NMS and batched NMS with the coordinate offset trick,
anchor generation over feature maps, box coder encode / decode with weights and clamping."""
import math

import torch

torch.manual_seed(0)


def box_cxcywh_to_xyxy(x):
    cx, cy, w, h = x.unbind(-1)
    return torch.stack([cx - 0.5 * w, cy - 0.5 * h, cx + 0.5 * w, cy + 0.5 * h], dim=-1)


def box_xyxy_to_cxcywh(x):
    x0, y0, x1, y1 = x.unbind(-1)
    return torch.stack([(x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0], dim=-1)


def box_area(boxes):
    return (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])


def _box_inter_union(boxes1, boxes2):
    area1, area2 = box_area(boxes1), box_area(boxes2)
    lt = torch.max(boxes1[:, None, :2], boxes2[:, :2])
    rb = torch.min(boxes1[:, None, 2:], boxes2[:, 2:])
    wh = (rb - lt).clamp(min=0)
    inter = wh[:, :, 0] * wh[:, :, 1]
    union = area1[:, None] + area2 - inter
    return inter, union


def box_iou(boxes1, boxes2):
    inter, union = _box_inter_union(boxes1, boxes2)
    return inter / union


def generalized_box_iou(boxes1, boxes2):
    inter, union = _box_inter_union(boxes1, boxes2)
    iou = inter / union
    lti = torch.min(boxes1[:, None, :2], boxes2[:, :2])
    rbi = torch.max(boxes1[:, None, 2:], boxes2[:, 2:])
    whi = (rbi - lti).clamp(min=0)
    areai = whi[:, :, 0] * whi[:, :, 1]
    return iou - (areai - union) / areai


def distance_box_iou(boxes1, boxes2, eps=1e-7):
    iou = box_iou(boxes1, boxes2)
    lti = torch.min(boxes1[:, None, :2], boxes2[:, :2])
    rbi = torch.max(boxes1[:, None, 2:], boxes2[:, 2:])
    whi = (rbi - lti).clamp(min=0)
    diag = (whi ** 2).sum(dim=-1) + eps
    c1 = (boxes1[:, None, :2] + boxes1[:, None, 2:]) / 2
    c2 = (boxes2[None, :, :2] + boxes2[None, :, 2:]) / 2
    cdist = ((c1 - c2) ** 2).sum(dim=-1)
    return iou - cdist / diag, iou


def complete_box_iou(boxes1, boxes2, eps=1e-7):
    diou, iou = distance_box_iou(boxes1, boxes2, eps)
    w1 = boxes1[:, None, 2] - boxes1[:, None, 0]
    h1 = boxes1[:, None, 3] - boxes1[:, None, 1]
    w2 = boxes2[None, :, 2] - boxes2[None, :, 0]
    h2 = boxes2[None, :, 3] - boxes2[None, :, 1]
    v = (4 / (math.pi ** 2)) * torch.pow(torch.atan(w1 / h1) - torch.atan(w2 / h2), 2)
    with torch.no_grad():
        alpha = v / (1 - iou + v + eps)
    return diou - alpha * v


def nms(boxes, scores, iou_threshold):
    order = scores.argsort(descending=True)
    iou = box_iou(boxes, boxes)
    keep = []
    suppressed = torch.zeros(len(boxes), dtype=torch.bool)
    for idx in order.tolist():
        if suppressed[idx]:
            continue
        keep.append(idx)
        suppressed |= iou[idx] > iou_threshold
    return torch.as_tensor(keep, dtype=torch.int64)


def batched_nms(boxes, scores, idxs, iou_threshold):
    if boxes.numel() == 0:
        return torch.empty((0,), dtype=torch.int64)
    max_coordinate = boxes.max()
    offsets = idxs.to(boxes) * (max_coordinate + torch.tensor(1).to(boxes))
    boxes_for_nms = boxes + offsets[:, None]
    return nms(boxes_for_nms, scores, iou_threshold)


def remove_small_boxes(boxes, min_size):
    ws, hs = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    keep = (ws >= min_size) & (hs >= min_size)
    return torch.where(keep)[0]


def clip_boxes_to_image(boxes, size):
    dim = boxes.dim()
    boxes_x = boxes[..., 0::2].clamp(min=0, max=size[1])
    boxes_y = boxes[..., 1::2].clamp(min=0, max=size[0])
    return torch.stack((boxes_x, boxes_y), dim=dim).reshape(boxes.shape)


class AnchorGenerator:
    def __init__(self, sizes=((16,), (32,)), aspect_ratios=((0.5, 1.0, 2.0),) * 2):
        self.cell_anchors = [self.generate_anchors(s, a) for s, a in zip(sizes, aspect_ratios)]

    @staticmethod
    def generate_anchors(scales, aspect_ratios, dtype=torch.float32):
        scales = torch.as_tensor(scales, dtype=dtype)
        aspect_ratios = torch.as_tensor(aspect_ratios, dtype=dtype)
        h_ratios = torch.sqrt(aspect_ratios)
        w_ratios = 1 / h_ratios
        ws = (w_ratios[:, None] * scales[None, :]).view(-1)
        hs = (h_ratios[:, None] * scales[None, :]).view(-1)
        base = torch.stack([-ws, -hs, ws, hs], dim=1) / 2
        return base.round()

    def grid_anchors(self, grid_sizes, strides):
        anchors = []
        for size, stride, base in zip(grid_sizes, strides, self.cell_anchors):
            gh, gw = size
            sh, sw = stride
            shifts_x = torch.arange(0, gw, dtype=torch.int32) * sw
            shifts_y = torch.arange(0, gh, dtype=torch.int32) * sh
            shift_y, shift_x = torch.meshgrid(shifts_y, shifts_x, indexing="ij")
            shift_x, shift_y = shift_x.reshape(-1), shift_y.reshape(-1)
            shifts = torch.stack((shift_x, shift_y, shift_x, shift_y), dim=1)
            anchors.append((shifts.view(-1, 1, 4) + base.view(1, -1, 4)).reshape(-1, 4))
        return anchors


class BoxCoder:
    def __init__(self, weights=(10.0, 10.0, 5.0, 5.0), bbox_xform_clip=math.log(1000.0 / 16)):
        self.weights = weights
        self.bbox_xform_clip = bbox_xform_clip

    def encode(self, reference_boxes, proposals):
        wx, wy, ww, wh = self.weights
        ex_widths = proposals[:, 2] - proposals[:, 0]
        ex_heights = proposals[:, 3] - proposals[:, 1]
        ex_ctr_x = proposals[:, 0] + 0.5 * ex_widths
        ex_ctr_y = proposals[:, 1] + 0.5 * ex_heights
        gt_widths = reference_boxes[:, 2] - reference_boxes[:, 0]
        gt_heights = reference_boxes[:, 3] - reference_boxes[:, 1]
        gt_ctr_x = reference_boxes[:, 0] + 0.5 * gt_widths
        gt_ctr_y = reference_boxes[:, 1] + 0.5 * gt_heights
        dx = wx * (gt_ctr_x - ex_ctr_x) / ex_widths
        dy = wy * (gt_ctr_y - ex_ctr_y) / ex_heights
        dw = ww * torch.log(gt_widths / ex_widths)
        dh = wh * torch.log(gt_heights / ex_heights)
        return torch.cat((dx[:, None], dy[:, None], dw[:, None], dh[:, None]), dim=1)

    def decode(self, rel_codes, boxes):
        boxes = boxes.to(rel_codes.dtype)
        widths = boxes[:, 2] - boxes[:, 0]
        heights = boxes[:, 3] - boxes[:, 1]
        ctr_x = boxes[:, 0] + 0.5 * widths
        ctr_y = boxes[:, 1] + 0.5 * heights
        wx, wy, ww, wh = self.weights
        dx = rel_codes[:, 0::4] / wx
        dy = rel_codes[:, 1::4] / wy
        dw = torch.clamp(rel_codes[:, 2::4] / ww, max=self.bbox_xform_clip)
        dh = torch.clamp(rel_codes[:, 3::4] / wh, max=self.bbox_xform_clip)
        pred_ctr_x = dx * widths[:, None] + ctr_x[:, None]
        pred_ctr_y = dy * heights[:, None] + ctr_y[:, None]
        pred_w = torch.exp(dw) * widths[:, None]
        pred_h = torch.exp(dh) * heights[:, None]
        c_to_c_h = torch.tensor(0.5, dtype=pred_ctr_y.dtype) * pred_h
        c_to_c_w = torch.tensor(0.5, dtype=pred_ctr_x.dtype) * pred_w
        x1, y1 = pred_ctr_x - c_to_c_w, pred_ctr_y - c_to_c_h
        x2, y2 = pred_ctr_x + c_to_c_w, pred_ctr_y + c_to_c_h
        return torch.stack((x1, y1, x2, y2), dim=2).flatten(1)


def random_boxes(n, size=64.0):
    cxcy = torch.rand(n, 2) * size
    wh = torch.rand(n, 2) * size / 3 + 2
    return box_cxcywh_to_xyxy(torch.cat([cxcy, wh], dim=1))


torch.set_printoptions(precision=4)
a = random_boxes(5)
b = random_boxes(4)
print("boxes a:\n", a)
print("roundtrip cxcywh:", torch.allclose(box_cxcywh_to_xyxy(box_xyxy_to_cxcywh(a)), a, atol=1e-5))
print("area:", box_area(a))
print("iou:\n", box_iou(a, b))
print("giou:\n", generalized_box_iou(a, b))
diou, iou = distance_box_iou(a, b)
print("diou:\n", diou)
print("ciou:\n", complete_box_iou(a, b))
print("iou diag self:", box_iou(a, a).diagonal())
print("iou dtype:", box_iou(a.double(), b.double()).dtype)

boxes = random_boxes(30)
scores = torch.rand(30)
labels = torch.randint(0, 3, (30,))
keep = nms(boxes, scores, 0.3)
print("nms keep:", keep, keep.dtype)
bkeep = batched_nms(boxes, scores, labels, 0.3)
print("batched keep:", bkeep)
print("labels kept:", labels[bkeep].tolist())
print("scores kept sorted:", bool((scores[bkeep][:-1] >= scores[bkeep][1:]).all()))
print("empty batched:", batched_nms(torch.zeros(0, 4), torch.zeros(0), torch.zeros(0, dtype=torch.long), 0.5))
print("small:", remove_small_boxes(boxes, 12.0))
print("clipped:\n", clip_boxes_to_image(boxes[:4] - 20, (32, 40)))

gen = AnchorGenerator()
for i, ca in enumerate(gen.cell_anchors):
    print(f"cell anchors {i}:", ca.tolist())
anchors = gen.grid_anchors([(3, 4), (2, 2)], [(8, 8), (16, 16)])
print("anchor shapes:", [tuple(x.shape) for x in anchors], anchors[0].dtype)
print("anchors level1:\n", anchors[1])
all_anchors = torch.cat(anchors).float()

coder = BoxCoder()
gt = random_boxes(len(all_anchors))
deltas = coder.encode(gt, all_anchors)
print("deltas:", deltas.shape, deltas[:3])
dec = coder.decode(deltas, all_anchors)
print("decoded shape:", dec.shape, "max err:", float((dec - gt).abs().max()) < 1e-3)
big = torch.full((2, 4), 20.0)
print("clamped decode:", coder.decode(big, all_anchors[:2]))

# matcher: best gt for each anchor, low-quality matches allowed
gts = random_boxes(3)
match_q = box_iou(gts, all_anchors)
matched_vals, matches = match_q.max(dim=0)
matches[matched_vals < 0.3] = -1
matches[(matched_vals >= 0.3) & (matched_vals < 0.5)] = -2
highest, _ = match_q.max(dim=1)
gt_pred_pairs = torch.where(match_q == highest[:, None])
print("pairs:", gt_pred_pairs[0].tolist(), gt_pred_pairs[1].tolist())
matches[gt_pred_pairs[1]] = gt_pred_pairs[0]
print("matches:", matches.tolist())
print("counts:", torch.bincount(matches.clamp(min=-2) + 2, minlength=5).tolist())
