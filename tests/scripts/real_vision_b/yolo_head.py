"""A tiny YOLO-style detector: a conv backbone, a decoupled head per grid cell, SimOTA-lite target
assignment (centre prior + top-k IoU), sigmoid focal loss, CIoU box loss, a few SGD steps and
decoding with confidence threshold and per-class NMS written with torch ops."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


def autopad(k, p=None, d=1):
    if d > 1:
        k = d * (k - 1) + 1
    return k // 2 if p is None else p


class Conv(nn.Module):
    default_act = nn.SiLU()

    def __init__(self, c1, c2, k=1, s=1, p=None, g=1, d=1, act=True):
        super().__init__()
        self.conv = nn.Conv2d(c1, c2, k, s, autopad(k, p, d), groups=g, dilation=d, bias=False)
        self.bn = nn.BatchNorm2d(c2)
        self.act = self.default_act if act is True else act if isinstance(act, nn.Module) else nn.Identity()

    def forward(self, x):
        return self.act(self.bn(self.conv(x)))


class Bottleneck(nn.Module):
    def __init__(self, c1, c2, shortcut=True, g=1, e=0.5):
        super().__init__()
        c_ = int(c2 * e)
        self.cv1 = Conv(c1, c_, 1, 1)
        self.cv2 = Conv(c_, c2, 3, 1, g=g)
        self.add = shortcut and c1 == c2

    def forward(self, x):
        return x + self.cv2(self.cv1(x)) if self.add else self.cv2(self.cv1(x))


class C2f(nn.Module):
    def __init__(self, c1, c2, n=1, shortcut=False, e=0.5):
        super().__init__()
        self.c = int(c2 * e)
        self.cv1 = Conv(c1, 2 * self.c, 1, 1)
        self.cv2 = Conv((2 + n) * self.c, c2, 1)
        self.m = nn.ModuleList(Bottleneck(self.c, self.c, shortcut, e=1.0) for _ in range(n))

    def forward(self, x):
        y = list(self.cv1(x).chunk(2, 1))
        y.extend(m(y[-1]) for m in self.m)
        return self.cv2(torch.cat(y, 1))


class TinyYolo(nn.Module):
    def __init__(self, nc=3, ch=8):
        super().__init__()
        self.nc = nc
        self.backbone = nn.Sequential(Conv(3, ch, 3, 2), Conv(ch, 2 * ch, 3, 2),
                                      C2f(2 * ch, 2 * ch, n=1, shortcut=True))
        self.box = nn.Sequential(Conv(2 * ch, ch, 3), nn.Conv2d(ch, 4, 1))
        self.cls = nn.Sequential(Conv(2 * ch, ch, 3), nn.Conv2d(ch, nc, 1))
        self.obj = nn.Conv2d(2 * ch, 1, 1)
        prior = 0.01
        nn.init.constant_(self.cls[-1].bias, -math.log((1 - prior) / prior))
        nn.init.constant_(self.obj.bias, -math.log((1 - prior) / prior))
        self.stride = 4

    def forward(self, x):
        f = self.backbone(x)
        b, _, h, w = f.shape
        box = self.box(f).permute(0, 2, 3, 1).reshape(b, h * w, 4)
        cls = self.cls(f).permute(0, 2, 3, 1).reshape(b, h * w, self.nc)
        obj = self.obj(f).permute(0, 2, 3, 1).reshape(b, h * w, 1)
        return box, cls, obj, (h, w)


def make_grid(h, w, stride):
    sy, sx = torch.meshgrid(torch.arange(h, dtype=torch.float32), torch.arange(w, dtype=torch.float32), indexing="ij")
    return (torch.stack((sx, sy), -1).view(-1, 2) + 0.5) * stride


def decode_boxes(raw, grid, stride):
    xy = grid + raw[..., :2].tanh() * stride
    wh = raw[..., 2:].clamp(max=4).exp() * stride
    return torch.cat((xy - wh / 2, xy + wh / 2), -1)


def bbox_ciou(box1, box2, eps=1e-7):
    b1_x1, b1_y1, b1_x2, b1_y2 = box1.chunk(4, -1)
    b2_x1, b2_y1, b2_x2, b2_y2 = box2.chunk(4, -1)
    w1, h1 = b1_x2 - b1_x1, b1_y2 - b1_y1 + eps
    w2, h2 = b2_x2 - b2_x1, b2_y2 - b2_y1 + eps
    inter = (b1_x2.minimum(b2_x2) - b1_x1.maximum(b2_x1)).clamp_(0) * \
            (b1_y2.minimum(b2_y2) - b1_y1.maximum(b2_y1)).clamp_(0)
    union = w1 * h1 + w2 * h2 - inter + eps
    iou = inter / union
    cw = b1_x2.maximum(b2_x2) - b1_x1.minimum(b2_x1)
    ch = b1_y2.maximum(b2_y2) - b1_y1.minimum(b2_y1)
    c2 = cw.pow(2) + ch.pow(2) + eps
    rho2 = ((b2_x1 + b2_x2 - b1_x1 - b1_x2).pow(2) + (b2_y1 + b2_y2 - b1_y1 - b1_y2).pow(2)) / 4
    v = (4 / math.pi ** 2) * (torch.atan(w2 / h2) - torch.atan(w1 / h1)).pow(2)
    with torch.no_grad():
        alpha = v / (v - iou + (1 + eps))
    return (iou - (rho2 / c2 + v * alpha)).squeeze(-1)


def sigmoid_focal_loss(inputs, targets, alpha=0.25, gamma=2.0, reduction="none"):
    p = torch.sigmoid(inputs)
    ce_loss = F.binary_cross_entropy_with_logits(inputs, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = ce_loss * ((1 - p_t) ** gamma)
    if alpha >= 0:
        alpha_t = alpha * targets + (1 - alpha) * (1 - targets)
        loss = alpha_t * loss
    if reduction == "mean":
        loss = loss.mean()
    elif reduction == "sum":
        loss = loss.sum()
    return loss


@torch.no_grad()
def assign(pred_boxes, grid, gt_boxes, gt_labels, topk=3):
    """Each gt takes the top-k anchors whose centre lies inside it, ranked by IoU."""
    n_anchor = grid.shape[0]
    fg = torch.zeros(n_anchor, dtype=torch.bool)
    matched = torch.full((n_anchor,), -1, dtype=torch.long)
    best = torch.zeros(n_anchor)
    for j, (gb, gl) in enumerate(zip(gt_boxes, gt_labels)):
        inside = ((grid > gb[:2]) & (grid < gb[2:])).all(-1)
        if inside.sum() == 0:
            inside = ((grid - (gb[:2] + gb[2:]) / 2).norm(dim=-1)).topk(1, largest=False).indices
            inside = torch.zeros(n_anchor, dtype=torch.bool).index_fill_(0, inside, True)
        iou = bbox_ciou(pred_boxes, gb.expand_as(pred_boxes)).clamp(min=0) * inside
        k = min(topk, int(inside.sum()))
        vals, idx = iou.topk(k)
        better = vals >= best[idx]
        idx = idx[better | ~fg[idx]]
        fg[idx] = True
        matched[idx] = j
        best[idx] = iou[idx]
    return fg, matched


model = TinyYolo()
print(model.backbone[2])
print("params:", sum(p.numel() for p in model.parameters()))
imgs = torch.rand(2, 3, 32, 32)
targets = [
    (torch.tensor([[2.0, 3.0, 14.0, 18.0], [16.0, 16.0, 30.0, 29.0]]), torch.tensor([0, 2])),
    (torch.tensor([[5.0, 5.0, 25.0, 12.0]]), torch.tensor([1])),
]
opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, nesterov=True, weight_decay=5e-4)
for step in range(4):
    box_raw, cls_raw, obj_raw, (h, w) = model(imgs)
    grid = make_grid(h, w, model.stride)
    boxes = decode_boxes(box_raw, grid, model.stride)
    loss_box = loss_cls = loss_obj = 0.0
    n_fg = 0
    for i, (gb, gl) in enumerate(targets):
        fg, matched = assign(boxes[i].detach(), grid, gb, gl)
        obj_t = fg.float().unsqueeze(-1)
        loss_obj = loss_obj + F.binary_cross_entropy_with_logits(obj_raw[i], obj_t, reduction="sum")
        cls_t = F.one_hot(gl[matched[fg]], model.nc).float()
        loss_cls = loss_cls + sigmoid_focal_loss(cls_raw[i][fg], cls_t, reduction="sum")
        ciou = bbox_ciou(boxes[i][fg], gb[matched[fg]])
        loss_box = loss_box + (1.0 - ciou).sum()
        n_fg += int(fg.sum())
        if step == 0:
            print(f"img {i}: fg={int(fg.sum())} matched={matched[fg].tolist()} ciou={ciou.detach()}")
    loss = (5.0 * loss_box + loss_cls + loss_obj) / max(n_fg, 1)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    gn = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=10.0)
    opt.step()
    print(f"step {step} loss={loss.item():.4f} box={float(loss_box):.4f} cls={float(loss_cls):.4f} "
          f"obj={float(loss_obj):.4f} n_fg={n_fg} grad_norm={gn.item():.4f}")


@torch.no_grad()
def postprocess(box_raw, cls_raw, obj_raw, grid, stride, conf_thres=1e-5, iou_thres=0.5, max_det=5):
    out = []
    boxes = decode_boxes(box_raw, grid, stride)
    scores = cls_raw.sigmoid() * obj_raw.sigmoid()
    for b, s in zip(boxes, scores):
        conf, j = s.max(1, keepdim=True)
        x = torch.cat((b, conf, j.float()), 1)[conf.view(-1) > conf_thres]
        x = x[x[:, 4].argsort(descending=True)]
        c = x[:, 5:6] * 4096
        bx = x[:, :4] + c
        keep = []
        alive = torch.ones(len(bx), dtype=torch.bool)
        for i in range(len(bx)):
            if not alive[i]:
                continue
            keep.append(i)
            iou = bbox_ciou(bx[i:i + 1].expand(len(bx), 4), bx).clamp(min=0)
            alive &= iou <= iou_thres
            alive[i] = False
        out.append(x[torch.tensor(keep, dtype=torch.long)[:max_det]])
    return out


model.eval()
box_raw, cls_raw, obj_raw, (h, w) = model(imgs)
print("train/eval head shapes:", box_raw.shape, cls_raw.shape, obj_raw.shape, (h, w))
dets = postprocess(box_raw, cls_raw, obj_raw, make_grid(h, w, 4), 4)
torch.set_printoptions(precision=3, sci_mode=False)
for i, d in enumerate(dets):
    print(f"dets {i}: {tuple(d.shape)}\n{d}")
print("bn running mean:", model.backbone[0].bn.running_mean[:4])
print("num_batches_tracked:", model.backbone[0].bn.num_batches_tracked)
