"""The training utilities people write around a loop: an EarlyStopping class keeping the best
state_dict (copy.deepcopy), ReduceLROnPlateau driven by validation loss, OneCycleLR stepping per
batch, gradient accumulation under torch.autocast(device_type='cpu', dtype=torch.float16 /
enabled=False), clip_grad_norm_ return values, a checkpoint dict saved to io.BytesIO and restored
(model, optimizer, scheduler, epoch, RNG state), torch.get_rng_state / set_rng_state and
torch.random.fork_rng round trips, and seed_everything."""
import copy
import io
import random

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def seed_everything(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False


seed_everything(42)


class EarlyStopping:
    def __init__(self, patience=3, min_delta=1e-3):
        self.patience, self.min_delta = patience, min_delta
        self.best, self.counter, self.best_state, self.stop = float('inf'), 0, None, False

    def __call__(self, val_loss, model):
        if val_loss < self.best - self.min_delta:
            self.best, self.counter = val_loss, 0
            self.best_state = copy.deepcopy(model.state_dict())
        else:
            self.counter += 1
            self.stop = self.counter >= self.patience
        return self.stop


X = torch.randn(96, 10)
y = (X[:, :3].sum(1, keepdim=True) > 0).float()
Xv, yv = torch.randn(32, 10), None
yv = (Xv[:, :3].sum(1, keepdim=True) > 0).float()
model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 1))
opt = torch.optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode='min', factor=0.5, patience=1, threshold=1e-2)
stopper = EarlyStopping(patience=3)
print('--- plateau + early stopping')
for epoch in range(12):
    model.train()
    for i in range(0, 96, 32):
        loss = F.binary_cross_entropy_with_logits(model(X[i:i + 32]), y[i:i + 32])
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        vloss = F.binary_cross_entropy_with_logits(model(Xv), yv).item()
    plateau.step(vloss)
    lr = opt.param_groups[0]['lr']
    print(f'epoch {epoch} train {loss.item():.4f} val {vloss:.4f} lr {lr:.5f} bad {plateau.num_bad_epochs}')
    if stopper(vloss, model):
        print('early stop at', epoch, 'best', round(stopper.best, 4))
        break
model.load_state_dict(stopper.best_state)
print(plateau.get_last_lr(), sorted(plateau.state_dict())[:4])

print('--- one cycle + accumulation + autocast')
model = nn.Sequential(nn.Linear(10, 32), nn.GELU(), nn.Linear(32, 1))
opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
accum = 2
steps = 6
sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=1e-2, total_steps=steps, pct_start=0.3)
print(f"initial lr {opt.param_groups[0]['lr']:.6f} initial_lr {opt.param_groups[0]['initial_lr']:.6f}",
      f"betas {opt.param_groups[0]['betas']}")
it = 0
for step in range(steps):
    for micro in range(accum):
        xb, yb = X[it * 8:(it + 1) * 8], y[it * 8:(it + 1) * 8]
        it += 1
        with torch.autocast(device_type='cpu', enabled=False):
            out = model(xb)
            loss = F.binary_cross_entropy_with_logits(out, yb) / accum
        loss.backward()
    gn = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=0.5)
    opt.step()
    opt.zero_grad(set_to_none=True)
    sched.step()
    print(f"step {step} loss {loss.item() * accum:.4f} gnorm {gn.item():.4f} {gn.dtype} lr {sched.get_last_lr()[0]:.6f} "
          f"mom {opt.param_groups[0]['betas'][0]:.4f}")
with torch.autocast(device_type='cpu', dtype=torch.float16):
    out = model(X[:4])
    print('autocast dtype', out.dtype, torch.is_autocast_enabled('cpu'), torch.get_autocast_dtype('cpu'))
    amp_loss = F.binary_cross_entropy_with_logits(out, y[:4])
    amp_mse = nn.MSELoss()(out, out.detach() * 0.5)
    print('loss dtypes', amp_loss.dtype, amp_mse.dtype, F.cross_entropy(out.repeat(1, 3), torch.tensor([0, 1, 2, 0])).dtype)
amp_loss.backward()
print(f'amp loss {amp_loss.item():.2f}', model[0].weight.grad.dtype, model[0].weight.dtype)
print('outside', model(X[:4]).dtype, torch.is_autocast_enabled('cpu'))
gn_inf = torch.nn.utils.clip_grad_norm_([p for p in model.parameters()], 1.0)
print(f'amp grad norm {gn_inf.item():.3f}')
w = nn.Parameter(torch.ones(3))
w.grad = torch.tensor([3.0, 4.0, 0.0])
print(torch.nn.utils.clip_grad_norm_([w], 1.0, norm_type='inf').item(), w.grad.tolist())
print(torch.nn.utils.get_total_norm([torch.tensor([3.0, 4.0])]).item())

print('--- checkpoint')
buf = io.BytesIO()
torch.save({'epoch': 5, 'model': model.state_dict(), 'optimizer': opt.state_dict(),
            'scheduler': sched.state_dict(), 'rng': torch.get_rng_state()}, buf)
size = buf.tell()
buf.seek(0)
ckpt = torch.load(buf, weights_only=False)
print(size > 1000, sorted(ckpt), ckpt['rng'].dtype, ckpt['rng'].shape)
model2 = nn.Sequential(nn.Linear(10, 32), nn.GELU(), nn.Linear(32, 1))
opt2 = torch.optim.AdamW(model2.parameters(), lr=1e-3)
sched2 = torch.optim.lr_scheduler.OneCycleLR(opt2, max_lr=1e-2, total_steps=steps + 4, pct_start=0.3)
model2.load_state_dict(ckpt['model'])
opt2.load_state_dict(ckpt['optimizer'])
sched2.load_state_dict(ckpt['scheduler'])
print(sched2.last_epoch, sched2.total_steps, list(ckpt['optimizer']['state'][0]), ckpt['optimizer']['state'][0]['step'])
print(torch.equal(model2(X[:3]), model(X[:3])), opt2.param_groups[0]['lr'] == opt.param_groups[0]['lr'])

print('--- rng round trips')
state = torch.get_rng_state()
a = torch.rand(3)
torch.set_rng_state(state)
b = torch.rand(3)
print(torch.equal(a, b), state.dtype, state.numel())
with torch.random.fork_rng():
    torch.manual_seed(0)
    inner = torch.randn(2)
c = torch.rand(1)
torch.set_rng_state(state)
torch.rand(3)
print(torch.equal(c, torch.rand(1)), f'{inner[0].item():.6f}')
g = torch.Generator().manual_seed(3)
gs = g.get_state()
x1 = torch.randint(0, 100, (4,), generator=g)
g.set_state(gs)
print(x1.tolist(), torch.randint(0, 100, (4,), generator=g).tolist(), g.initial_seed())
print(torch.initial_seed(), random.random() < 1, f'{np.random.rand():.6f}')
