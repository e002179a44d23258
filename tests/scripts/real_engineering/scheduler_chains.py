"""LR scheduler plumbing as training repos use it: linear warmup + cosine via SequentialLR, a
ChainedScheduler of ExponentialLR and a step-wise multiplier, LambdaLR with one lambda per param group,
OneCycleLR (cos and linear, with momentum cycling), ReduceLROnPlateau fed a validation loss, the
scheduler state_dict round trip, get_last_lr() each step, and the warning when step order is wrong."""
import math
import warnings

import torch
import torch.nn as nn
from torch.optim import lr_scheduler as S

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 1))


def fmt(lrs):
    return '[' + ', '.join(f'{v:.6f}' for v in lrs) + ']'


def make_opt(lr=0.1, **kw):
    return torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, **kw)


print('=== warmup (LinearLR) -> CosineAnnealingLR via SequentialLR')
opt = make_opt()
warm = S.LinearLR(opt, start_factor=0.1, end_factor=1.0, total_iters=3)
cos = S.CosineAnnealingLR(opt, T_max=6, eta_min=1e-3)
seq = S.SequentialLR(opt, schedulers=[warm, cos], milestones=[3])
print('initial_lr in group:', opt.param_groups[0]['initial_lr'], 'lr now:', opt.param_groups[0]['lr'])
for step in range(10):
    opt.step()
    seq.step()
    print(f'step {step}: {fmt(seq.get_last_lr())} last_epoch={seq.last_epoch}')
sd = seq.state_dict()
print('SequentialLR state keys:', sorted(sd.keys()))
print('_milestones:', sd['_milestones'], 'n sub-states:', len(sd['_schedulers']))

print('=== ChainedScheduler: ExponentialLR * MultiplicativeLR')
opt = make_opt(lr=1.0)
chain = S.ChainedScheduler([S.ExponentialLR(opt, gamma=0.9),
                            S.MultiplicativeLR(opt, lr_lambda=lambda e: 0.5 if e % 3 == 0 else 1.0)])
for step in range(6):
    opt.step()
    chain.step()
    print(f'step {step}: {fmt(chain.get_last_lr())}')

print('=== LambdaLR with per-group lambdas (noam-style + constant)')
base = nn.Linear(4, 4)
head = nn.Linear(4, 2)
opt = torch.optim.Adam([{'params': base.parameters(), 'lr': 1.0}, {'params': head.parameters(), 'lr': 0.01}])
d_model, warmup = 16, 4
noam = lambda s: d_model ** -0.5 * min((s + 1) ** -0.5, (s + 1) * warmup ** -1.5)
lam = S.LambdaLR(opt, lr_lambda=[noam, lambda s: 1.0 if s < 5 else 0.1])
print('base_lrs:', lam.base_lrs)
for step in range(8):
    opt.step()
    lam.step()
    print(f'step {step}: {fmt(lam.get_last_lr())}')
print('LambdaLR state_dict:', {k: v for k, v in lam.state_dict().items() if k != 'lr_lambdas'},
      'lr_lambdas:', lam.state_dict()['lr_lambdas'])

print('=== OneCycleLR')
for anneal in ('cos', 'linear'):
    opt = make_opt()
    oc = S.OneCycleLR(opt, max_lr=0.4, total_steps=8, pct_start=0.25, anneal_strategy=anneal,
                      div_factor=10.0, final_div_factor=100.0, three_phase=(anneal == 'linear'))
    rows = []
    for _ in range(8):
        opt.step()
        rows.append((oc.get_last_lr()[0], opt.param_groups[0]['momentum']))
        oc.step() if len(rows) < 8 else None
    print(anneal, ' '.join(f'{lr:.5f}/{m:.4f}' for lr, m in rows))
    print('  group keys added:', sorted(k for k in opt.param_groups[0] if k in ('initial_lr', 'max_lr', 'min_lr',
                                                                               'base_momentum', 'max_momentum')))
opt = make_opt()
oc = S.OneCycleLR(opt, max_lr=0.4, total_steps=3)
try:
    for _ in range(4):
        opt.step()
        oc.step()
except ValueError as e:
    print('ValueError:', e)

print('=== ReduceLROnPlateau')
opt = make_opt(lr=0.1)
plateau = S.ReduceLROnPlateau(opt, mode='min', factor=0.5, patience=1, threshold=0.01, cooldown=1, min_lr=0.02)
val_losses = [1.0, 0.8, 0.79, 0.795, 0.81, 0.7, 0.71, 0.72, 0.73, 0.74, 0.75]
for epoch, vl in enumerate(val_losses):
    opt.step()
    plateau.step(vl)
    print(f'epoch {epoch}: val={vl} lr={opt.param_groups[0]["lr"]:.4f} best={plateau.best} '
          f'bad={plateau.num_bad_epochs} cooldown={plateau.cooldown_counter} last={fmt(plateau.get_last_lr())}')
psd = plateau.state_dict()
print('plateau state:', {k: psd[k] for k in ('best', 'num_bad_epochs', 'last_epoch', 'patience', 'factor', 'mode')})
opt = make_opt(lr=0.1)
pmax = S.ReduceLROnPlateau(opt, mode='max', factor=0.1, patience=0, threshold_mode='abs', threshold=0.05)
for acc in [0.5, 0.6, 0.62, 0.7, 0.71]:
    pmax.step(acc)
    print(f'acc={acc} lr={opt.param_groups[0]["lr"]:.6f}')

print('=== scheduler state_dict round trip (resume mid-training)')
opt = make_opt(lr=0.2)
sched = S.MultiStepLR(opt, milestones=[2, 4], gamma=0.3)
for _ in range(3):
    opt.step()
    sched.step()
state = {'opt': opt.state_dict(), 'sched': sched.state_dict()}
print('sched state:', state['sched'])
opt2 = make_opt(lr=0.2)
sched2 = S.MultiStepLR(opt2, milestones=[2, 4], gamma=0.3)
opt2.load_state_dict(state['opt'])
sched2.load_state_dict(state['sched'])
for _ in range(3):
    opt.step(); sched.step()
    opt2.step(); sched2.step()
    print(fmt(sched.get_last_lr()), fmt(sched2.get_last_lr()), opt2.param_groups[0]['lr'])

print('=== CosineAnnealingWarmRestarts with fractional epochs')
opt = make_opt(lr=0.1)
wr = S.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=2, eta_min=0.0)
iters = 4
for epoch in range(3):
    for i in range(iters):
        wr.step(epoch + i / iters)
    print(f'epoch {epoch}: lr={fmt(wr.get_last_lr())} T_cur={wr.T_cur:.2f} T_i={wr.T_i}')

print('=== warnings')
opt = make_opt()
sched = S.StepLR(opt, step_size=1, gamma=0.5)
with warnings.catch_warnings(record=True) as w:
    warnings.simplefilter('always')
    sched.step()  # before optimizer.step()
    print('n warnings:', len(w), [issubclass(x.category, UserWarning) for x in w])
    print(str(w[0].message)[:80] if w else None)
print('lr:', fmt(sched.get_last_lr()))
