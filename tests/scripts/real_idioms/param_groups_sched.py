"""Optimizer set-ups of fine-tuning and pre-training repositories: parameter groups with no weight
decay for biases and norm weights (HF/timm style), discriminative learning rates per block,
optimizer.add_param_group when unfreezing a backbone, scheduler chains (LinearLR warm-up then
CosineAnnealingLR through SequentialLR; get_linear_schedule_with_warmup as a LambdaLR; OneCycleLR
with param groups; ReduceLROnPlateau on a validation metric; ChainedScheduler), printing
get_last_lr() and the optimizer/scheduler state dicts; parameters_to_vector for a weight-distance
regulariser (L2-SP) and vector_to_parameters to restore."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import parameters_to_vector, vector_to_parameters
from torch.optim import lr_scheduler

torch.manual_seed(17)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = nn.Sequential(nn.Linear(8, 16), nn.LayerNorm(16), nn.GELU(), nn.Linear(16, 16), nn.GELU())
        self.norm = nn.BatchNorm1d(16)
        self.head = nn.Linear(16, 3)

    def forward(self, x):
        return self.head(self.norm(self.backbone(x)))


model = Net()
X = torch.randn(64, 8)
Y = (X[:, :3].argmax(1) + (X[:, 3] > 1).long()) % 3


def get_param_groups(model, weight_decay=0.05, skip_list=()):
    decay, no_decay = [], []
    for name, param in model.named_parameters():
        if not param.requires_grad:
            continue
        if param.ndim <= 1 or name.endswith('.bias') or name in skip_list:
            no_decay.append(param)
        else:
            decay.append(param)
    return [{'params': no_decay, 'weight_decay': 0.0}, {'params': decay, 'weight_decay': weight_decay}]


groups = get_param_groups(model)
print('no decay', len(groups[0]['params']), 'decay', len(groups[1]['params']))
opt = torch.optim.AdamW(groups, lr=1e-2, betas=(0.9, 0.999))
print(opt)
print([sorted(k for k in g if k != 'params') for g in opt.param_groups][0])

print('--- warm-up then cosine (SequentialLR)')
warm = lr_scheduler.LinearLR(opt, start_factor=0.1, end_factor=1.0, total_iters=3)
cos = lr_scheduler.CosineAnnealingLR(opt, T_max=7, eta_min=1e-4)
sched = lr_scheduler.SequentialLR(opt, schedulers=[warm, cos], milestones=[3])
print('initial', sched.get_last_lr())
for step in range(10):
    loss = F.cross_entropy(model(X), Y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    sched.step()
    print(f'step {step} loss {loss.item():.5f} lr {[round(v, 6) for v in sched.get_last_lr()]}')
sd = sched.state_dict()
print(sorted(sd), sd['_milestones'], sd['last_epoch'], len(sd['_schedulers']))
osd = opt.state_dict()
print(sorted(osd['state'][0]), osd['state'][0]['step'], [g['params'] for g in osd['param_groups']])
print({k: v for k, v in osd['param_groups'][1].items() if k not in ('params',)})

print('--- HF get_linear_schedule_with_warmup')


def get_linear_schedule_with_warmup(optimizer, num_warmup_steps, num_training_steps, last_epoch=-1):
    def lr_lambda(current_step):
        if current_step < num_warmup_steps:
            return float(current_step) / float(max(1, num_warmup_steps))
        return max(0.0, float(num_training_steps - current_step) / float(max(1, num_training_steps - num_warmup_steps)))
    return lr_scheduler.LambdaLR(optimizer, lr_lambda, last_epoch)


def get_cosine_schedule_with_warmup(optimizer, num_warmup_steps, num_training_steps, num_cycles=0.5):
    def lr_lambda(current_step):
        if current_step < num_warmup_steps:
            return float(current_step) / float(max(1, num_warmup_steps))
        progress = float(current_step - num_warmup_steps) / float(max(1, num_training_steps - num_warmup_steps))
        return max(0.0, 0.5 * (1.0 + math.cos(math.pi * float(num_cycles) * 2.0 * progress)))
    return lr_scheduler.LambdaLR(optimizer, lr_lambda)


opt2 = torch.optim.AdamW(model.parameters(), lr=5e-3)
s2 = get_linear_schedule_with_warmup(opt2, 2, 8)
s3_opt = torch.optim.SGD(model.parameters(), lr=0.1)
s3 = get_cosine_schedule_with_warmup(s3_opt, 2, 8)
lin, cosl = [], []
for _ in range(8):
    opt2.step()
    s2.step()
    s3_opt.step()
    s3.step()
    lin.append(round(s2.get_last_lr()[0], 7))
    cosl.append(round(s3.get_last_lr()[0], 6))
print(lin)
print(cosl)
print(sorted(s2.state_dict()), s2.state_dict()['base_lrs'], s2.last_epoch)

print('--- discriminative lrs + unfreezing with add_param_group')
torch.manual_seed(3)
model = Net()
for p in model.backbone.parameters():
    p.requires_grad_(False)
opt = torch.optim.SGD([{'params': model.head.parameters(), 'lr': 0.1},
                       {'params': model.norm.parameters()}], lr=0.05, momentum=0.9, nesterov=True)
print(len(opt.param_groups), [g['lr'] for g in opt.param_groups], opt.defaults['lr'])
plateau = lr_scheduler.ReduceLROnPlateau(opt, mode='min', factor=0.5, patience=1, threshold=1e-3, min_lr=1e-4)
Xv, Yv = torch.randn(32, 8), torch.randint(0, 3, (32,))
for epoch in range(8):
    model.train()
    loss = F.cross_entropy(model(X), Y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if epoch == 3:
        for p in model.backbone.parameters():
            p.requires_grad_(True)
        opt.add_param_group({'params': model.backbone.parameters(), 'lr': 0.01, 'momentum': 0.5})
        print('  unfroze backbone:', len(opt.param_groups), opt.param_groups[-1]['nesterov'],
              opt.param_groups[-1]['momentum'], opt.param_groups[-1]['weight_decay'])
    model.eval()
    with torch.no_grad():
        val = F.cross_entropy(model(Xv), Yv).item()
    if epoch >= 3:
        val = max(val, 2.0)       # a plateau
    plateau.step(val)
    print(f'epoch {epoch} train {loss.item():.5f} val {val:.5f} lrs {[round(g["lr"], 6) for g in opt.param_groups]} '
          f'last {[round(v, 6) for v in plateau.get_last_lr()]} bad {plateau.num_bad_epochs}')
try:
    opt.add_param_group({'params': model.head.weight})
except ValueError as e:
    print('ValueError:', e)
print(sorted(plateau.state_dict())[:6])

print('--- OneCycleLR with two groups, ChainedScheduler')
opt = torch.optim.SGD([{'params': model.backbone.parameters()}, {'params': model.head.parameters()}],
                      lr=0.01, momentum=0.9)
oc = lr_scheduler.OneCycleLR(opt, max_lr=[0.01, 0.1], total_steps=10, pct_start=0.3)
rows = []
for _ in range(10):
    opt.step()
    oc.step()
    rows.append((round(oc.get_last_lr()[0], 6), round(oc.get_last_lr()[1], 6), round(opt.param_groups[1]['momentum'], 4)))
print(rows[:4])
print(rows[-2:])
opt = torch.optim.SGD(model.parameters(), lr=1.0)
chain = lr_scheduler.ChainedScheduler([lr_scheduler.ConstantLR(opt, factor=0.5, total_iters=2),
                                       lr_scheduler.ExponentialLR(opt, gamma=0.9)])
out = []
for _ in range(5):
    opt.step()
    chain.step()
    out.append(round(chain.get_last_lr()[0], 6))
print(out)
ms = lr_scheduler.MultiStepLR(torch.optim.SGD(model.parameters(), lr=0.1), milestones=[2, 4], gamma=0.1)
print([(ms.optimizer.step(), ms.step(), round(ms.get_last_lr()[0], 6))[2] for _ in range(5)])

print('--- parameters_to_vector: L2-SP regulariser and restore')
torch.manual_seed(8)
model = Net()
start = parameters_to_vector(model.parameters()).detach().clone()
print(start.shape, start.dtype, start.requires_grad, sum(p.numel() for p in model.parameters()))
opt = torch.optim.SGD(model.parameters(), lr=0.05)
for step in range(4):
    cur = parameters_to_vector(model.parameters())
    reg = 0.01 * (cur - start).pow(2).sum()
    loss = F.cross_entropy(model(X), Y) + reg
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(f'step {step} loss {loss.item():.6f} reg {reg.item():.8f} grad_fn {type(cur.grad_fn).__name__}')
moved = parameters_to_vector(model.parameters()).detach()
print(f'distance {torch.dist(moved, start).item():.6f}')
vector_to_parameters(start, model.parameters())
print('restored', torch.equal(parameters_to_vector(model.parameters()), start), model.head.bias)
grads = parameters_to_vector([p.grad for p in model.parameters()])
print(grads.shape, f'{grads.norm().item():.6f}')
try:
    vector_to_parameters(start[:-1].tolist(), model.parameters())
except TypeError as e:
    print('TypeError:', e)
