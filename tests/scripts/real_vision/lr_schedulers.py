"""LR schedulers as people use them: OneCycleLR, ReduceLROnPlateau, CosineAnnealingWarmRestarts,
LambdaLR, StepLR, MultiStepLR, ExponentialLR, warmup via SequentialLR."""
import math
import torch
import torch.nn as nn
from torch.optim import lr_scheduler

torch.manual_seed(0)
model = nn.Linear(4, 2)

opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
sched = lr_scheduler.OneCycleLR(opt, max_lr=0.5, total_steps=12)
lrs = []
for _ in range(12):
    opt.step()
    lrs.append(round(sched.get_last_lr()[0], 6))
    sched.step()
print('onecycle', lrs)
print('momentum', round(opt.param_groups[0]['momentum'], 6))

opt = torch.optim.Adam(model.parameters(), lr=1e-2)
sched = lr_scheduler.OneCycleLR(opt, max_lr=1e-2, epochs=3, steps_per_epoch=4, anneal_strategy='linear')
lrs = []
for _ in range(12):
    opt.step()
    sched.step()
    lrs.append('%.6f' % opt.param_groups[0]['lr'])
print('onecycle linear', lrs, opt.param_groups[0]['betas'])

opt = torch.optim.SGD(model.parameters(), lr=0.1)
plateau = lr_scheduler.ReduceLROnPlateau(opt, mode='min', factor=0.5, patience=2)
for epoch, val_loss in enumerate([1.0, 0.9, 0.95, 0.96, 0.97, 0.8, 0.85, 0.86, 0.87, 0.88]):
    plateau.step(val_loss)
    print(epoch, val_loss, opt.param_groups[0]['lr'], plateau.num_bad_epochs)

opt = torch.optim.SGD(model.parameters(), lr=0.1)
sched = lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=2, eta_min=1e-4)
lrs = []
for epoch in range(10):
    lrs.append(round(sched.get_last_lr()[0], 6))
    opt.step()
    sched.step()
print('warm restarts', lrs)
iters = 4
for epoch in range(2):
    for i in range(iters):
        sched.step(epoch + i / iters)
        print('%.6f' % opt.param_groups[0]['lr'], end=' ')
print()

opt = torch.optim.SGD([{'params': model.weight}, {'params': model.bias, 'lr': 0.01}], lr=0.1)
warmup = 3
sched = lr_scheduler.LambdaLR(opt, lr_lambda=lambda e: (e + 1) / warmup if e < warmup else 0.5 ** (e - warmup))
for e in range(6):
    print('lambda', e, [round(g['lr'], 6) for g in opt.param_groups], sched.get_last_lr())
    opt.step()
    sched.step()
print(sched.state_dict()['base_lrs'], sched.last_epoch)

opt = torch.optim.SGD(model.parameters(), lr=1.0)
step = lr_scheduler.StepLR(opt, step_size=2, gamma=0.1)
out = []
for e in range(6):
    opt.step()
    step.step()
    out.append(opt.param_groups[0]['lr'])
print('step', out)

opt = torch.optim.SGD(model.parameters(), lr=1.0)
ms = lr_scheduler.MultiStepLR(opt, milestones=[2, 4], gamma=0.5)
out = []
for e in range(6):
    opt.step()
    ms.step()
    out.append(ms.get_last_lr()[0])
print('multistep', out)

opt = torch.optim.SGD(model.parameters(), lr=1.0)
s1 = lr_scheduler.LinearLR(opt, start_factor=0.25, total_iters=3)
s2 = lr_scheduler.ExponentialLR(opt, gamma=0.9)
seq = lr_scheduler.SequentialLR(opt, schedulers=[s1, s2], milestones=[3])
out = []
for e in range(7):
    out.append(round(opt.param_groups[0]['lr'], 6))
    opt.step()
    seq.step()
print('sequential', out)

opt = torch.optim.SGD(model.parameters(), lr=0.1)
cos = lr_scheduler.CosineAnnealingLR(opt, T_max=5, eta_min=0.001)
out = []
for e in range(8):
    opt.step()
    cos.step()
    out.append(round(cos.get_last_lr()[0], 6))
print('cosine', out)
print(cos.state_dict())

opt = torch.optim.AdamW(model.parameters(), lr=3e-4)
total = 10
sched = lr_scheduler.LambdaLR(opt, lambda s: 0.5 * (1 + math.cos(math.pi * s / total)))
for s in range(total):
    opt.step()
    sched.step()
print('cos lambda final', opt.param_groups[0]['lr'])
opt = torch.optim.SGD(model.parameters(), lr=0.1)
cyc = lr_scheduler.CyclicLR(opt, base_lr=0.01, max_lr=0.1, step_size_up=3)
out = []
for _ in range(8):
    opt.step()
    cyc.step()
    out.append(round(opt.param_groups[0]['lr'], 6))
print('cyclic', out)
