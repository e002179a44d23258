"""Writing your own optimizer and scheduler the way research repos do: an Optimizer subclass with
per-parameter state and a closure (Lion-style sign update), optimizers built from named_parameters
(param_names in the state_dict), foreach/fused/maximize/amsgrad variants agreeing, LBFGS with a
strong-Wolfe line search, an LRScheduler subclass (warmup + cosine) with its state_dict, and the
argument checks optimizers and schedulers make."""
import math
import warnings

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.optim import Optimizer
from torch.optim.lr_scheduler import LRScheduler, StepLR

torch.manual_seed(0)
X = torch.randn(16, 3)
Y = X @ torch.tensor([[0.5], [-1.0], [2.0]]) + 0.3


class Lion(Optimizer):
    def __init__(self, params, lr=1e-4, betas=(0.9, 0.99), weight_decay=0.0):
        if not 0.0 <= lr:
            raise ValueError(f'Invalid learning rate: {lr}')
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f'Invalid beta parameter at index 0: {betas[0]}')
        super().__init__(params, dict(lr=lr, betas=betas, weight_decay=weight_decay))

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            beta1, beta2 = group['betas']
            for p in group['params']:
                if p.grad is None:
                    continue
                p.mul_(1 - group['lr'] * group['weight_decay'])
                state = self.state[p]
                if len(state) == 0:
                    state['exp_avg'] = torch.zeros_like(p, memory_format=torch.preserve_format)
                    state['step'] = 0
                state['step'] += 1
                exp_avg = state['exp_avg']
                update = exp_avg * beta1 + p.grad * (1 - beta1)
                p.add_(torch.sign(update), alpha=-group['lr'])
                exp_avg.mul_(beta2).add_(p.grad, alpha=1 - beta2)
        return loss


model = nn.Linear(3, 1)
opt = Lion(model.parameters(), lr=0.05, weight_decay=0.01)
print(opt)
print('defaults:', opt.defaults)


def closure():
    opt.zero_grad()
    loss = F.mse_loss(model(X), Y)
    loss.backward()
    return loss


for i in range(5):
    loss = opt.step(closure)
    print(f'lion step {i}: loss={loss.item():.5f}')
sd = opt.state_dict()
print('lion state:', {k: {kk: (vv if not torch.is_tensor(vv) else vv.shape) for kk, vv in v.items()} for k, v in sd['state'].items()})
print('lion groups:', sd['param_groups'])
for bad in (dict(lr=-1.0), dict(betas=(1.5, 0.9))):
    try:
        Lion(model.parameters(), **bad)
    except ValueError as e:
        print('ValueError:', e)

print('=== optimizer over named_parameters')
net = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
opt = torch.optim.AdamW(net.named_parameters(), lr=0.01)
F.mse_loss(net(X), Y).backward()
opt.step()
sd = opt.state_dict()
print('param_names:', sd['param_groups'][0]['param_names'], 'params:', sd['param_groups'][0]['params'])
opt2 = torch.optim.AdamW(net.named_parameters(), lr=0.5)
opt2.load_state_dict(sd)
print('loaded lr:', opt2.param_groups[0]['lr'], 'names:', opt2.param_groups[0]['param_names'])
try:
    torch.optim.SGD([{'params': net[0].named_parameters()}, {'params': net[2].parameters()}], lr=0.1)
except ValueError as e:
    print('ValueError:', e)

print('=== implementation variants agree')
results = {}
for name, kw in [('default', {}), ('foreach', dict(foreach=True)), ('for-loop', dict(foreach=False)),
                 ('fused', dict(fused=True))]:
    torch.manual_seed(1)
    m = nn.Linear(3, 1)
    o = torch.optim.Adam(m.parameters(), lr=0.1, weight_decay=0.01, **kw)
    for _ in range(4):
        o.zero_grad()
        F.mse_loss(m(X), Y).backward()
        o.step()
    results[name] = m.weight.detach().clone()
    print(f'{name:9s}', m.weight.data, 'step', o.state[m.weight]['step'])
print('all close:', all(torch.allclose(results['default'], v, atol=1e-6) for v in results.values()))
for kw in (dict(maximize=True), dict(amsgrad=True), dict(nesterov=True, momentum=0.9), dict(dampening=0.5, momentum=0.9)):
    torch.manual_seed(1)
    m = nn.Linear(3, 1)
    cls = torch.optim.Adam if ('maximize' in kw or 'amsgrad' in kw) else torch.optim.SGD
    o = cls(m.parameters(), lr=0.05, **kw)
    for _ in range(3):
        o.zero_grad()
        F.mse_loss(m(X), Y).backward()
        o.step()
    print(cls.__name__, kw, m.weight.data, m.bias.data)

print('=== LBFGS')
torch.manual_seed(2)
m = nn.Linear(3, 1)
lb = torch.optim.LBFGS(m.parameters(), lr=1.0, max_iter=10, history_size=4, line_search_fn='strong_wolfe')


def lb_closure():
    lb.zero_grad()
    loss = F.mse_loss(m(X), Y)
    loss.backward()
    return loss


for i in range(3):
    print(f'lbfgs outer {i}: loss={lb.step(lb_closure).item():.6f}')
st = lb.state[lb._params[0]]
print('lbfgs state keys:', sorted(st.keys()), 'func_evals:', st['func_evals'], 'n_iter:', st['n_iter'])
print('solution:', m.weight.data, m.bias.data)


class WarmupCosine(LRScheduler):
    def __init__(self, optimizer, warmup, total, min_ratio=0.0, last_epoch=-1):
        self.warmup, self.total, self.min_ratio = warmup, total, min_ratio
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        e = self.last_epoch
        if e < self.warmup:
            scale = (e + 1) / self.warmup
        else:
            progress = (e - self.warmup) / max(1, self.total - self.warmup)
            scale = self.min_ratio + (1 - self.min_ratio) * 0.5 * (1 + math.cos(math.pi * min(progress, 1.0)))
        return [base * scale for base in self.base_lrs]


print('=== custom LRScheduler')
m = nn.Linear(3, 1)
opt = torch.optim.SGD([{'params': m.weight, 'lr': 0.2}, {'params': m.bias, 'lr': 0.02}], momentum=0.9)
sched = WarmupCosine(opt, warmup=2, total=7, min_ratio=0.1)
print('initial:', sched.get_last_lr(), 'last_epoch:', sched.last_epoch)
for i in range(8):
    opt.step()
    sched.step()
    print(f'  {i}: ' + ', '.join(f'{v:.5f}' for v in sched.get_last_lr()))
state = sched.state_dict()
print('state:', {k: v for k, v in state.items() if k != '_last_lr'})
opt_r = torch.optim.SGD([{'params': m.weight, 'lr': 0.2}, {'params': m.bias, 'lr': 0.02}], momentum=0.9)
sched_r = WarmupCosine(opt_r, warmup=2, total=7, min_ratio=0.1)
sched_r.load_state_dict(state)
print('restored last_epoch:', sched_r.last_epoch, 'last lr:', [round(v, 5) for v in sched_r.get_last_lr()])

print('=== scheduler argument checks and warnings')
opt = torch.optim.SGD(m.parameters(), lr=0.2)
try:
    StepLR(opt, step_size=2, last_epoch=3)
except KeyError as e:
    print('KeyError:', str(e)[:70])
try:
    StepLR(torch.ones(2), step_size=2)
except TypeError as e:
    print('TypeError:', e)
s = StepLR(opt, step_size=2, gamma=0.5)
opt.step()
s.step()
with warnings.catch_warnings(record=True) as w:
    warnings.simplefilter('always')
    print('get_lr():', s.get_lr(), 'get_last_lr():', s.get_last_lr(), 'closed form:', s._get_closed_form_lr())
    s.step(5)
    print('after step(5):', s.get_last_lr())
    for x in w:
        print(' warning:', x.category.__name__, str(x.message)[:60])
