"""Training-loop idioms of popular repositories (timm ModelEmaV2, YOLOv5 ModelEMA, HF Trainer):
an EMA copy of the model via copy.deepcopy + requires_grad_(False), updated with
torch._foreach_mul_/_foreach_add_ and with lerp_, decay warm-up, buffers copied; gradient
accumulation with loss / accum_steps; clip_grad_norm_ returning the total norm, error_if_nonfinite,
skipping non-finite steps; clip_grad_value_; gradient norms per layer."""
import copy
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import clip_grad_norm_, clip_grad_value_

torch.manual_seed(3)


class ModelEma(nn.Module):
    """timm's ModelEmaV2."""

    def __init__(self, model, decay=0.9):
        super().__init__()
        self.module = copy.deepcopy(model)
        self.module.eval()
        self.decay = decay

    def _update(self, model, update_fn):
        with torch.no_grad():
            for ema_v, model_v in zip(self.module.state_dict().values(), model.state_dict().values()):
                ema_v.copy_(update_fn(ema_v, model_v))

    def update(self, model):
        self._update(model, update_fn=lambda e, m: self.decay * e + (1. - self.decay) * m)

    def set(self, model):
        self._update(model, update_fn=lambda e, m: m)


class YoloEMA:
    """YOLOv5's ModelEMA with decay ramp-up, parameters via _foreach ops."""

    def __init__(self, model, decay=0.99, tau=20):
        self.ema = copy.deepcopy(model).eval()
        self.updates = 0
        self.decay = lambda x: decay * (1 - math.exp(-x / tau))
        for p in self.ema.parameters():
            p.requires_grad_(False)

    @torch.no_grad()
    def update(self, model):
        self.updates += 1
        d = self.decay(self.updates)
        ema_p = [p for p in self.ema.parameters()]
        model_p = [p.detach() for p in model.parameters()]
        torch._foreach_mul_(ema_p, d)
        torch._foreach_add_(ema_p, model_p, alpha=1 - d)
        for eb, mb in zip(self.ema.buffers(), model.buffers()):
            eb.copy_(mb)
        return d


model = nn.Sequential(nn.Linear(6, 32, bias=False), nn.BatchNorm1d(32), nn.GELU(), nn.Dropout(0.1), nn.Linear(32, 1))
ema1 = ModelEma(model, decay=0.9)
ema2 = YoloEMA(model)
ema3 = copy.deepcopy(model).requires_grad_(False)
print('ema params require grad:', any(p.requires_grad for p in ema2.ema.parameters()),
      any(p.requires_grad for p in ema3.parameters()), all(p.requires_grad for p in model.parameters()))
print('deepcopy shares storage?', ema3[0].weight.data_ptr() == model[0].weight.data_ptr())

X = torch.randn(96, 6)
w_true = torch.randn(6, 1)
Y = X @ w_true + 0.1 * torch.randn(96, 1)
opt = torch.optim.AdamW(model.parameters(), lr=1e-2, weight_decay=0.01)
accum_steps = 3
micro = 8
step = 0
for epoch in range(3):
    perm = torch.randperm(96)
    opt.zero_grad(set_to_none=True)
    for i in range(0, 96, micro):
        idx = perm[i:i + micro]
        loss = F.mse_loss(model(X[idx]), Y[idx]) / accum_steps
        loss.backward()
        if (i // micro + 1) % accum_steps == 0:
            total = clip_grad_norm_(model.parameters(), max_norm=1.0)
            opt.step()
            opt.zero_grad(set_to_none=True)
            step += 1
            ema1.update(model)
            d = ema2.update(model)
            with torch.no_grad():
                for pe, pm in zip(ema3.parameters(), model.parameters()):
                    pe.lerp_(pm, 0.1)
            if step % 4 == 0:
                print(f'step {step:2d} loss {loss.item() * accum_steps:.5f} total_norm {total.item():.5f} '
                      f'decay {d:.5f} {total.dtype} {total.shape}')
    model.eval()
    with torch.no_grad():
        full = F.mse_loss(model(X), Y).item()
        e1 = F.mse_loss(ema1.module(X), Y).item()
        e2 = F.mse_loss(ema2.ema(X), Y).item()
        e3 = F.mse_loss(ema3.eval()(X), Y).item()
    model.train()
    print(f'epoch {epoch} model {full:.5f} ema {e1:.5f} yolo-ema {e2:.5f} lerp-ema {e3:.5f}')

print(ema1.module[1].running_mean[:4])
print(ema2.ema[1].num_batches_tracked, model[1].num_batches_tracked, ema3[1].num_batches_tracked)
ema1.set(model)
print('after set equal:', all(torch.equal(a, b) for a, b in zip(ema1.module.state_dict().values(),
                                                                model.state_dict().values())))

print('--- torch.optim.swa_utils: AveragedModel EMA / SWA, SWALR, update_bn')
from torch.optim.swa_utils import SWALR, AveragedModel, get_ema_multi_avg_fn, update_bn
torch.manual_seed(4)
ema_am = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(0.9), use_buffers=True)
swa_model = AveragedModel(model)
swa_opt = torch.optim.SGD(model.parameters(), lr=0.05)
swa_sched = SWALR(swa_opt, swa_lr=0.01, anneal_epochs=2, anneal_strategy='cos')
for i in range(4):
    idx = torch.randperm(96)[:16]
    loss = F.mse_loss(model(X[idx]), Y[idx])
    swa_opt.zero_grad()
    loss.backward()
    swa_opt.step()
    ema_am.update_parameters(model)
    swa_model.update_parameters(model)
    swa_sched.step()
    print(f'swa step {i} loss {loss.item():.5f} lr {swa_sched.get_last_lr()[0]:.6f} n {ema_am.n_averaged.item()} '
          f'{swa_model.n_averaged.item()}')
print(ema_am.module[0].weight[0, :3], swa_model.module[0].weight[0, :3])
print(list(ema_am.state_dict())[:3], ema_am.module[1].running_var[:3])
update_bn([X[i:i + 16] for i in range(0, 96, 16)], swa_model)
print(swa_model.module[1].running_mean[:3], swa_model.module[1].momentum, swa_model.module[1].num_batches_tracked)

print('--- foreach ops on lists')
ps = [torch.ones(2), torch.full((3,), 2.0)]
qs = [torch.arange(2.0), torch.arange(3.0)]
torch._foreach_mul_(ps, 0.5)
torch._foreach_add_(ps, qs, alpha=2.0)
print(ps)
print(torch._foreach_norm(ps))
print(torch._foreach_add(ps, 1.0))
torch._foreach_lerp_(ps, qs, 0.25)
print(ps)
print(torch._foreach_sqrt(ps)[1])

print('--- clipping')
for p in model.parameters():
    p.grad = torch.randn_like(p) * 3
norms = [p.grad.norm(2) for p in model.parameters()]
expected = torch.norm(torch.stack(norms), 2)
total = clip_grad_norm_(model.parameters(), max_norm=2.0)
print(f'total norm {total.item():.5f} expected {expected.item():.5f}')
after = torch.norm(torch.stack([p.grad.norm() for p in model.parameters()]))
print(f'after clipping {after.item():.5f}')
print('inf norm', clip_grad_norm_(model.parameters(), max_norm=10.0, norm_type='inf'))
print('1-norm', round(clip_grad_norm_(model.parameters(), max_norm=100.0, norm_type=1).item(), 4))
clip_grad_value_(model.parameters(), 0.05)
print('max |g| after value clip', max(p.grad.abs().max().item() for p in model.parameters()))
model[0].weight.grad[0, 0] = float('nan')
total = clip_grad_norm_(model.parameters(), max_norm=1.0)
print('nan total', total, torch.isfinite(total).item())
try:
    clip_grad_norm_(model.parameters(), max_norm=1.0, error_if_nonfinite=True)
except RuntimeError as e:
    print('RuntimeError:', str(e)[:95])
model[0].weight.grad[0, 0] = float('inf')
try:
    clip_grad_norm_(model.parameters(), 1.0, error_if_nonfinite=True)
except RuntimeError as e:
    print('RuntimeError:', str(e)[:40])
print(clip_grad_norm_([], 1.0))
single = torch.ones(3, requires_grad=True)
single.grad = torch.full((3,), 4.0)
print(clip_grad_norm_(single, 1.0), single.grad)

print('--- GradScaler / autocast switched off on the CPU, ImageNet-example meters and top-k accuracy')


class AverageMeter:
    """Computes and stores the average and current value (pytorch/examples imagenet)."""

    def __init__(self, name, fmt=':f'):
        self.name, self.fmt = name, fmt
        self.reset()

    def reset(self):
        self.val = self.avg = self.sum = self.count = 0

    def update(self, val, n=1):
        self.val = val
        self.sum += val * n
        self.count += n
        self.avg = self.sum / self.count

    def __str__(self):
        fmtstr = '{name} {val' + self.fmt + '} ({avg' + self.fmt + '})'
        return fmtstr.format(**self.__dict__)


def accuracy(output, target, topk=(1,)):
    with torch.no_grad():
        maxk = max(topk)
        batch_size = target.size(0)
        _, pred = output.topk(maxk, 1, True, True)
        pred = pred.t()
        correct = pred.eq(target.view(1, -1).expand_as(pred))
        res = []
        for k in topk:
            correct_k = correct[:k].reshape(-1).float().sum(0, keepdim=True)
            res.append(correct_k.mul_(100.0 / batch_size))
        return res


torch.manual_seed(6)
clf = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 6))
copt = torch.optim.SGD(clf.parameters(), lr=0.1, momentum=0.9)
scaler = torch.amp.GradScaler('cpu', enabled=False)
Yc = (X[:, 0] * 3).long().clamp(-2, 3) + 2
losses, top1, top3 = AverageMeter('Loss', ':.4e'), AverageMeter('Acc@1', ':6.2f'), AverageMeter('Acc@3', ':6.2f')
for i in range(0, 96, 24):
    with torch.autocast(device_type='cpu', dtype=torch.float16, enabled=False):
        out = clf(X[i:i + 24])
        loss = F.cross_entropy(out, Yc[i:i + 24])
    acc1, acc3 = accuracy(out, Yc[i:i + 24], topk=(1, 3))
    losses.update(loss.item(), 24)
    top1.update(acc1[0], 24)
    top3.update(acc3[0].item(), 24)
    copt.zero_grad()
    scaler.scale(loss).backward()
    scaler.unscale_(copt)
    gn = clip_grad_norm_(clf.parameters(), 2.0)
    scaler.step(copt)
    scaler.update()
    print(f'  [{i // 24}/4]', losses, top1, top3, f'gn {gn:.4f}', f'scale {scaler.get_scale()}')
print(type(top1.avg).__name__, f'{top1.avg:.3f}', scaler.is_enabled(), scaler.state_dict())

print('--- skip non-finite steps (AMP-style without a scaler)')
model.zero_grad()
skipped = 0
for it in range(6):
    xb = X[it * 8:(it + 1) * 8].clone()
    if it == 2:
        xb[0, 0] = float('inf')
    loss = F.mse_loss(model(xb), Y[it * 8:(it + 1) * 8])
    loss.backward()
    gn = clip_grad_norm_(model.parameters(), 5.0)
    if not torch.isfinite(gn):
        skipped += 1
        print(f'  it {it}: non-finite grad norm {gn.item()}, skipping')
        opt.zero_grad()
        continue
    opt.step()
    opt.zero_grad()
    print(f'  it {it}: loss {loss.item():.5f} gn {gn.item():.4f}')
print('skipped', skipped)
print({n: round(p.grad.norm().item(), 4) if p.grad is not None else None for n, p in model.named_parameters()})
