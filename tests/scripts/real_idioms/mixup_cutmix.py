"""Mixup and CutMix as the training repositories write them (facebookresearch/mixup-cifar10,
clovaai/CutMix-PyTorch, timm's Mixup): lambda from numpy's Beta or torch.distributions.Beta,
torch.randperm pairing, rand_bbox, the lambda re-adjusted to the box area, mixed targets for
cross-entropy with soft labels, and a small CNN trained a few steps with each."""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.distributions import Beta

torch.manual_seed(0)
np.random.seed(0)


def mixup_data(x, y, alpha=1.0):
    lam = np.random.beta(alpha, alpha) if alpha > 0 else 1
    batch_size = x.size()[0]
    index = torch.randperm(batch_size)
    mixed_x = lam * x + (1 - lam) * x[index, :]
    y_a, y_b = y, y[index]
    return mixed_x, y_a, y_b, lam


def mixup_criterion(criterion, pred, y_a, y_b, lam):
    return lam * criterion(pred, y_a) + (1 - lam) * criterion(pred, y_b)


def rand_bbox(size, lam):
    W = size[2]
    H = size[3]
    cut_rat = np.sqrt(1. - lam)
    cut_w = int(W * cut_rat)
    cut_h = int(H * cut_rat)
    cx = np.random.randint(W)
    cy = np.random.randint(H)
    bbx1 = np.clip(cx - cut_w // 2, 0, W)
    bby1 = np.clip(cy - cut_h // 2, 0, H)
    bbx2 = np.clip(cx + cut_w // 2, 0, W)
    bby2 = np.clip(cy + cut_h // 2, 0, H)
    return bbx1, bby1, bbx2, bby2


def one_hot(y, num_classes, on=1.0, off=0.0):
    return torch.full((y.size(0), num_classes), off).scatter_(1, y.view(-1, 1), on)


def soft_ce(logits, target):
    return torch.sum(-target * F.log_softmax(logits, dim=-1), dim=-1).mean()


class TimmMixup:
    """timm's Mixup, batch mode, torch-side sampling."""

    def __init__(self, mixup_alpha=0.8, cutmix_alpha=1.0, prob=1.0, switch_prob=0.5, smoothing=0.1, num_classes=4):
        self.beta_mix = Beta(torch.tensor([mixup_alpha]), torch.tensor([mixup_alpha]))
        self.beta_cut = Beta(torch.tensor(cutmix_alpha), torch.tensor(cutmix_alpha))
        self.switch_prob, self.smoothing, self.num_classes = switch_prob, smoothing, num_classes

    def __call__(self, x, target):
        use_cutmix = torch.rand(1).item() < self.switch_prob
        lam = (self.beta_cut.sample() if use_cutmix else self.beta_mix.sample()[0]).item()
        if use_cutmix:
            H, W = x.shape[-2:]
            ratio = (1 - lam) ** 0.5
            ch, cw = int(H * ratio), int(W * ratio)
            cy, cx = torch.randint(0, H, (1,)).item(), torch.randint(0, W, (1,)).item()
            y0, y1 = max(cy - ch // 2, 0), min(cy + ch // 2, H)
            x0, x1 = max(cx - cw // 2, 0), min(cx + cw // 2, W)
            x[:, :, y0:y1, x0:x1] = x.flip(0)[:, :, y0:y1, x0:x1]
            lam = 1. - (y1 - y0) * (x1 - x0) / float(H * W)
        else:
            x.mul_(lam).add_(x.flip(0).mul_(1. - lam))
        off = self.smoothing / self.num_classes
        on = 1. - self.smoothing + off
        y1_ = one_hot(target, self.num_classes, on, off)
        y2_ = one_hot(target.flip(0), self.num_classes, on, off)
        return x, y1_ * lam + y2_ * (1. - lam), use_cutmix, lam


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
        self.fc = nn.Linear(16 * 2 * 2, 4)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc(torch.flatten(x, 1))


X = torch.randn(64, 3, 8, 8)
Y = torch.randint(0, 4, (64,))
X += Y.view(-1, 1, 1, 1).float() * 0.5
criterion = nn.CrossEntropyLoss()

print('--- mixup (numpy Beta)')
net = Net()
opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
for step in range(6):
    idx = torch.arange(step * 16, step * 16 + 16) % 64
    inputs, targets = X[idx], Y[idx]
    inputs, ta, tb, lam = mixup_data(inputs, targets, alpha=1.0)
    outputs = net(inputs)
    loss = mixup_criterion(criterion, outputs, ta, tb, lam)
    opt.zero_grad()
    loss.backward()
    opt.step()
    _, predicted = torch.max(outputs.data, 1)
    correct = (lam * predicted.eq(ta.data).cpu().sum().float() + (1 - lam) * predicted.eq(tb.data).cpu().sum().float())
    print(f'step {step} lam {lam:.4f} loss {loss.item():.5f} correct {correct.item():.3f}', type(lam).__name__)

print('--- cutmix (clovaai)')
net = Net()
opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
for step in range(6):
    idx = torch.arange(step * 16, step * 16 + 16) % 64
    inputs, target = X[idx].clone(), Y[idx]
    r = np.random.rand(1)
    if r < 0.8:
        lam = np.random.beta(1.0, 1.0)
        rand_index = torch.randperm(inputs.size()[0])
        target_a = target
        target_b = target[rand_index]
        bbx1, bby1, bbx2, bby2 = rand_bbox(inputs.size(), lam)
        inputs[:, :, bbx1:bbx2, bby1:bby2] = inputs[rand_index, :, bbx1:bbx2, bby1:bby2]
        lam = 1 - ((bbx2 - bbx1) * (bby2 - bby1) / (inputs.size()[-1] * inputs.size()[-2]))
        output = net(inputs)
        loss = criterion(output, target_a) * lam + criterion(output, target_b) * (1. - lam)
        print(f'step {step} box {(int(bbx1), int(bby1), int(bbx2), int(bby2))} lam {lam:.4f}', type(lam).__name__)
    else:
        output = net(inputs)
        loss = criterion(output, target)
        print(f'step {step} no cutmix')
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(f'  loss {loss.item():.5f}', loss.dtype)

print('--- timm-style Mixup with torch.distributions.Beta')
torch.manual_seed(1)
mix = TimmMixup()
print(mix.beta_mix, mix.beta_mix.batch_shape, mix.beta_cut.event_shape)
print(f'{mix.beta_mix.mean.item():.4f} {mix.beta_cut.variance.item():.6f}')
net = Net()
opt = torch.optim.AdamW(net.parameters(), lr=2e-3)
for step in range(6):
    idx = torch.arange(step * 16, step * 16 + 16) % 64
    xb, yb, used_cut, lam = mix(X[idx].clone(), Y[idx])
    loss = soft_ce(net(xb), yb)
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(f'step {step} cutmix {used_cut} lam {lam:.4f} loss {loss.item():.5f} target row {yb[0].tolist()}'.replace(
        'e-0', 'e-0'))
    print('  rows sum to 1:', torch.allclose(yb.sum(1), torch.ones(16)))

print('--- Beta sampling and log_prob')
b = Beta(torch.tensor([0.4, 1.0, 2.0]), torch.tensor([0.4, 1.0, 5.0]))
s = b.sample((4,))
print(s.shape, s)
print(b.log_prob(torch.tensor([0.3, 0.5, 0.2])))
print(b.rsample().requires_grad, b.entropy())
lam_t = Beta(torch.tensor(0.2), torch.tensor(0.2)).sample()
print(lam_t.shape, lam_t.dtype, 0 <= lam_t.item() <= 1)
print(torch.randperm(10), torch.randperm(6, generator=torch.Generator().manual_seed(3)))
print(torch.randperm(4, dtype=torch.int32))
