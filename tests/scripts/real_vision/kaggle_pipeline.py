"""A Kaggle-notebook style pipeline: seed_everything, device selection, AverageMeter, amp autocast and
GradScaler (disabled on CPU), focal/dice/label-smoothing losses, EMA weights, weight/spectral norm,
activation checkpointing, torch.utils.checkpoint and a train/valid loop with best-model tracking."""
import os
import random
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.checkpoint import checkpoint


def seed_everything(seed=42):
    random.seed(seed)
    os.environ['PYTHONHASHSEED'] = str(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.cuda.manual_seed(seed)
    torch.cuda.manual_seed_all(seed)
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False


seed_everything(2023)
device = torch.device('cpu')
print('device', device, device.type, torch.cuda.is_available(), torch.cuda.device_count())


class AverageMeter:
    def __init__(self):
        self.reset()

    def reset(self):
        self.val = self.avg = self.sum = self.count = 0

    def update(self, val, n=1):
        self.val = val
        self.sum += val * n
        self.count += n
        self.avg = self.sum / self.count


class FocalLoss(nn.Module):
    def __init__(self, gamma=2.0, alpha=0.25):
        super().__init__()
        self.gamma, self.alpha = gamma, alpha

    def forward(self, logits, targets):
        bce = F.binary_cross_entropy_with_logits(logits, targets, reduction='none')
        p_t = torch.exp(-bce)
        return (self.alpha * (1 - p_t) ** self.gamma * bce).mean()


def dice_loss(logits, targets, eps=1e-6):
    probs = torch.sigmoid(logits)
    num = 2 * (probs * targets).sum(dim=(1, 2, 3)) + eps
    den = probs.sum(dim=(1, 2, 3)) + targets.sum(dim=(1, 2, 3)) + eps
    return 1 - (num / den).mean()


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.utils.weight_norm(nn.Conv2d(1, 4, 3, padding=1))
        self.c2 = nn.utils.spectral_norm(nn.Conv2d(4, 4, 3, padding=1))
        self.out = nn.Conv2d(4, 1, 1)

    def forward(self, x):
        x = F.silu(self.c1(x))
        x = checkpoint(lambda t: F.silu(self.c2(t)), x, use_reentrant=False)
        return self.out(x)


model = Net().to(device)
print(model)
print(sorted(n for n, _ in model.named_parameters()))
print(model.c1.weight_g.shape, model.c1.weight_v.shape)
print(sorted(k for k in model.state_dict()))
ema = Net()                     # (deepcopy of a weight_norm module fails in torch itself)
print(ema.load_state_dict(model.state_dict()))
for p in ema.parameters():
    p.requires_grad_(False)


@torch.no_grad()
def ema_update(ema, model, decay=0.9):
    msd = model.state_dict()
    for k, v in ema.state_dict().items():
        if v.dtype.is_floating_point:
            v.mul_(decay).add_(msd[k].detach(), alpha=1 - decay)


X = torch.randn(16, 1, 8, 8)
Y = (X > 0.3).float()
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
scaler = torch.cuda.amp.GradScaler(enabled=torch.cuda.is_available())
print('scaler enabled', scaler.is_enabled())
focal = FocalLoss()
best, best_state = 1e9, None
for epoch in range(3):
    meter = AverageMeter()
    model.train()
    for i in range(0, 16, 4):
        xb, yb = X[i:i + 4].to(device, non_blocking=True), Y[i:i + 4].to(device)
        with torch.autocast(device_type='cpu', enabled=False):
            logits = model(xb)
            loss = focal(logits, yb) + dice_loss(logits, yb)
        opt.zero_grad()
        scaler.scale(loss).backward()
        scaler.unscale_(opt)
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        scaler.step(opt)
        scaler.update()
        ema_update(ema, model)
        meter.update(loss.item(), xb.size(0))
    model.eval()
    with torch.no_grad():
        vl = F.binary_cross_entropy_with_logits(ema(X), Y).item()
    print(f'Epoch {epoch + 1} | train {meter.avg:.5f} | last {meter.val:.5f} | ema valid {vl:.5f}')
    if vl < best:
        best, best_state = vl, {k: v.cpu().clone() for k, v in ema.state_dict().items()}
print('best', round(best, 5), len(best_state))
print(F.binary_cross_entropy_with_logits(torch.tensor([0.5, -1.0]), torch.tensor([1.0, 0.0]),
                                         pos_weight=torch.tensor([2.0, 2.0])))
print(F.smooth_l1_loss(torch.tensor([0.5, 3.0]), torch.zeros(2)), F.huber_loss(torch.tensor([0.5, 3.0]), torch.zeros(2), delta=2.0))
print(F.kl_div(F.log_softmax(torch.tensor([[1., 2., 3.]]), 1), torch.tensor([[0.2, 0.3, 0.5]]), reduction='batchmean'))
print(F.l1_loss(torch.tensor([1., 2.]), torch.tensor([0., 4.])), F.soft_margin_loss(torch.tensor([0.3]), torch.tensor([-1.])))
print(nn.CrossEntropyLoss(ignore_index=-100)(torch.tensor([[1., 2.], [0.5, 0.1]]), torch.tensor([1, -100])))
print(nn.TripletMarginLoss(margin=1.0)(torch.ones(2, 3), torch.zeros(2, 3), torch.ones(2, 3) * 0.5))
print(nn.CosineEmbeddingLoss()(torch.randn(3, 4), torch.randn(3, 4), torch.tensor([1, -1, 1])))
print(torch.get_num_threads() > 0, torch.are_deterministic_algorithms_enabled())
torch.use_deterministic_algorithms(True)
print(torch.are_deterministic_algorithms_enabled())
nn.utils.remove_weight_norm(model.c1)
print(sorted(n for n, _ in model.c1.named_parameters()))
