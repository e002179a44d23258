"""Semantic-segmentation evaluation as segmentation repos write it: a confusion matrix with
torch.bincount (ignore_index 255), pixel accuracy, per-class IoU / mIoU with nanmean, Dice and
soft-Dice loss, boundary maps from max-pool, class weights from frequencies, a tiny FCN trained a
few steps with CrossEntropyLoss(ignore_index, weight, label_smoothing) and OHEM-style top-k pixels."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
torch.set_printoptions(precision=4, sci_mode=False)
NUM_CLASSES = 4
IGNORE = 255


def fast_hist(pred, label, n):
    k = (label >= 0) & (label < n)
    return torch.bincount(n * label[k].to(torch.int64) + pred[k], minlength=n ** 2).reshape(n, n)


class StreamSegMetrics:
    def __init__(self, n_classes):
        self.n_classes = n_classes
        self.confusion_matrix = torch.zeros((n_classes, n_classes), dtype=torch.int64)

    def update(self, label_trues, label_preds):
        for lt, lp in zip(label_trues, label_preds):
            self.confusion_matrix += fast_hist(lp.flatten(), lt.flatten(), self.n_classes)

    def get_results(self):
        hist = self.confusion_matrix.double()
        acc = torch.diag(hist).sum() / hist.sum()
        acc_cls = torch.diag(hist) / hist.sum(dim=1)
        acc_cls = torch.nanmean(acc_cls)
        iu = torch.diag(hist) / (hist.sum(dim=1) + hist.sum(dim=0) - torch.diag(hist))
        mean_iu = torch.nanmean(iu)
        freq = hist.sum(dim=1) / hist.sum()
        fwavacc = (freq[freq > 0] * iu[freq > 0]).sum()
        return {"Overall Acc": acc.item(), "Mean Acc": acc_cls.item(), "FreqW Acc": fwavacc.item(),
                "Mean IoU": mean_iu.item(), "Class IoU": dict(zip(range(self.n_classes), iu.tolist()))}

    def reset(self):
        self.confusion_matrix.zero_()


def dice_coeff(pred_onehot, target_onehot, eps=1e-6, reduce_batch_first=False):
    sum_dim = (-1, -2) if not reduce_batch_first else (-1, -2, -3)
    inter = 2 * (pred_onehot * target_onehot).sum(dim=sum_dim)
    sets_sum = pred_onehot.sum(dim=sum_dim) + target_onehot.sum(dim=sum_dim)
    sets_sum = torch.where(sets_sum == 0, inter, sets_sum)
    return ((inter + eps) / (sets_sum + eps)).mean()


def soft_dice_loss(logits, target, ignore_index=IGNORE, smooth=1.0):
    valid = (target != ignore_index).unsqueeze(1)
    probs = logits.softmax(dim=1) * valid
    onehot = F.one_hot(target.clamp(max=logits.shape[1] - 1), logits.shape[1]).permute(0, 3, 1, 2).float() * valid
    inter = (probs * onehot).sum(dim=(0, 2, 3))
    card = probs.sum(dim=(0, 2, 3)) + onehot.sum(dim=(0, 2, 3))
    return 1 - ((2 * inter + smooth) / (card + smooth)).mean()


def boundary(mask, k=3):
    m = mask.float().unsqueeze(1)
    dil = F.max_pool2d(m, k, stride=1, padding=k // 2)
    ero = -F.max_pool2d(-m, k, stride=1, padding=k // 2)
    return (dil - ero).squeeze(1).bool()


def make_batch(n=4, h=16, w=16):
    yy, xx = torch.meshgrid(torch.arange(h), torch.arange(w), indexing="ij")
    labels = torch.zeros(n, h, w, dtype=torch.long)
    imgs = torch.randn(n, 3, h, w) * 0.3
    for i in range(n):
        cx, cy = torch.randint(3, w - 3, (2,)).tolist()
        r = torch.randint(2, 6, (1,)).item()
        disk = (xx - cx) ** 2 + (yy - cy) ** 2 <= r * r
        labels[i][disk] = 1 + i % 3
        labels[i][: h // 4, : w // 4] = 3
        labels[i][-2:, :] = IGNORE
        imgs[i, (1 + i % 3) % 3][disk] += 1.5
        imgs[i, 2, : h // 4, : w // 4] -= 1.0
    return imgs, labels


# confusion matrix on fixed tensors
gt = torch.tensor([[0, 0, 1, 1], [2, 2, 3, 255]])
pr = torch.tensor([[0, 1, 1, 1], [2, 0, 0, 3]])
h = fast_hist(pr.flatten(), gt.flatten(), NUM_CLASSES)
print("hist:\n", h, h.dtype)
metrics = StreamSegMetrics(NUM_CLASSES)
metrics.update([gt], [pr])
for k, v in metrics.get_results().items():
    print(k, v)
print("bincount weights:", torch.bincount(torch.tensor([0, 1, 1, 3]), weights=torch.tensor([0.5, 1.0, 2.0, 0.25])))
print("bincount empty:", torch.bincount(torch.tensor([], dtype=torch.long), minlength=3))
try:
    torch.bincount(torch.tensor([1, -1]))
except RuntimeError as e:
    print("RuntimeError:", e)
try:
    torch.bincount(torch.tensor([[1, 2]]))
except RuntimeError as e:
    print("RuntimeError:", e)

imgs, labels = make_batch()
print("label counts:", torch.unique(labels, return_counts=True))
valid = labels[labels != IGNORE]
freq = torch.bincount(valid, minlength=NUM_CLASSES).float()
weights = 1.0 / torch.log(1.02 + freq / freq.sum())
print("class weights:", weights)
print("boundary pixels:", boundary(labels == 1).sum().item(), boundary(labels == 3).sum(dim=(1, 2)))


class TinyFCN(nn.Module):
    def __init__(self, nc):
        super().__init__()
        self.enc = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU(),
                                 nn.Conv2d(8, 16, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
                                 nn.Conv2d(16, 16, 3, padding=2, dilation=2), nn.ReLU())
        self.cls = nn.Conv2d(16, nc, 1)
        self.aux = nn.Conv2d(8, nc, 1)

    def forward(self, x):
        size = x.shape[-2:]
        f1 = self.enc[:3](x)
        f = self.enc[3:](f1)
        out = F.interpolate(self.cls(f), size=size, mode="bilinear", align_corners=False)
        return {"out": out, "aux": self.aux(f1)}


model = TinyFCN(NUM_CLASSES)
criterion = nn.CrossEntropyLoss(weight=weights, ignore_index=IGNORE, label_smoothing=0.1)
ohem = nn.CrossEntropyLoss(ignore_index=IGNORE, reduction="none")
opt = torch.optim.AdamW(model.parameters(), lr=0.02, weight_decay=1e-4)
sched = torch.optim.lr_scheduler.PolynomialLR(opt, total_iters=6, power=0.9)
for step in range(6):
    model.train()
    out = model(imgs)
    loss = criterion(out["out"], labels) + 0.4 * criterion(out["aux"], labels)
    pix = ohem(out["out"], labels).flatten()
    hard = pix.topk(int(0.25 * pix.numel())).values.mean()
    dl = soft_dice_loss(out["out"], labels)
    total = loss + 0.5 * hard + dl
    opt.zero_grad()
    total.backward()
    opt.step()
    sched.step()
    print(f"step {step}: ce {loss.item():.4f} ohem {hard.item():.4f} dice {dl.item():.4f} "
          f"lr {sched.get_last_lr()[0]:.5f}")

model.eval()
metrics.reset()
with torch.no_grad():
    logits = model(imgs)["out"]
    pred = logits.argmax(1)
    metrics.update(labels, pred)
    res = metrics.get_results()
print("confusion:\n", metrics.confusion_matrix)
print("acc %.4f macc %.4f miou %.4f" % (res["Overall Acc"], res["Mean Acc"], res["Mean IoU"]))
print("class iou:", {k: round(v, 4) for k, v in res["Class IoU"].items()})
onehot_p = F.one_hot(pred, NUM_CLASSES).permute(0, 3, 1, 2).float()
onehot_t = F.one_hot(labels.clamp(max=NUM_CLASSES - 1), NUM_CLASSES).permute(0, 3, 1, 2).float()
print("dice:", dice_coeff(onehot_p[:, 1:], onehot_t[:, 1:]).item())
print("dice batch-first:", dice_coeff(onehot_p, onehot_t, reduce_batch_first=True).item())
probs = logits.softmax(1)
conf, _ = probs.max(1)
print("mean conf:", conf.mean().item(), "entropy:", (-(probs * probs.clamp_min(1e-8).log()).sum(1)).mean().item())
print("nanmean of all-nan:", torch.nanmean(torch.tensor([float("nan"), float("nan")])))
