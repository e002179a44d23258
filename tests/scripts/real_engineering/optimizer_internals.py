"""Optimizer internals: state_dict() structure (state keyed by integer ids, param_groups with 'params'
lists), editing param_groups in place (lr/weight_decay), add_param_group for a newly unfrozen head,
load_state_dict into a freshly built optimizer and continuing bit-identically, zero_grad(set_to_none
=False) vs None grads, per-parameter state tensors (exp_avg, momentum_buffer, step) and their dtypes."""
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


def describe_state_dict(sd):
    print('  keys:', list(sd.keys()))
    for pid, st in sd['state'].items():
        parts = []
        for k, v in st.items():
            if torch.is_tensor(v):
                parts.append(f'{k}: {tuple(v.shape)} {v.dtype}' + (f' ={v.item()}' if v.dim() == 0 else ''))
            else:
                parts.append(f'{k}: {v!r}')
        print(f'  state[{pid}]:', ', '.join(parts))
    for i, g in enumerate(sd['param_groups']):
        print(f'  group {i}:', {k: v for k, v in sorted(g.items())})


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 8), nn.Tanh())
        self.head = nn.Linear(8, 2)

    def forward(self, x):
        return self.head(self.body(x))


X = torch.randn(32, 5)
Y = torch.randn(32, 2)


def train_steps(model, opt, n, tag):
    for i in range(n):
        opt.zero_grad()
        loss = F.mse_loss(model(X), Y)
        loss.backward()
        opt.step()
    print(f'  {tag}: loss after {n} steps = {loss.item():.6f}')
    return loss.item()


print('=== SGD with momentum: state structure')
model = Net()
for p in model.head.parameters():
    p.requires_grad_(False)
opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.1, momentum=0.9, nesterov=True)
print(opt)
print('state before any step:', opt.state_dict()['state'])
train_steps(model, opt, 3, 'sgd')
describe_state_dict(opt.state_dict())
print('momentum buffer of first weight (row 0):', opt.state[model.body[0].weight]['momentum_buffer'][0])

print('=== add_param_group (unfreeze head with its own lr)')
for p in model.head.parameters():
    p.requires_grad_(True)
opt.add_param_group({'params': model.head.parameters(), 'lr': 0.01})
print('num groups:', len(opt.param_groups), 'group 1 keys:', sorted(opt.param_groups[1].keys()))
print('group 1 momentum inherited:', opt.param_groups[1]['momentum'], 'nesterov:', opt.param_groups[1]['nesterov'])
try:
    opt.add_param_group({'params': model.head.weight})
except ValueError as e:
    print('ValueError:', e)
train_steps(model, opt, 2, 'sgd+head')
describe_state_dict(opt.state_dict())

print('=== editing param_groups in place')
for g in opt.param_groups:
    g['lr'] *= 0.5
    g['weight_decay'] = 1e-3
print([(g['lr'], g['weight_decay']) for g in opt.param_groups])
train_steps(model, opt, 1, 'after edit')

print('=== Adam: save, rebuild, load_state_dict, continue')
torch.manual_seed(1)
m1 = Net()
m2 = copy.deepcopy(m1)
o1 = torch.optim.Adam([{'params': m1.body.parameters()}, {'params': m1.head.parameters(), 'lr': 3e-3}],
                      lr=1e-2, betas=(0.8, 0.99), amsgrad=True)
train_steps(m1, o1, 4, 'adam m1')
sd = o1.state_dict()
describe_state_dict(sd)
print('exp_avg_sq of head.bias:', sd['state'][5]['exp_avg_sq'])
print('max_exp_avg_sq of head.bias:', sd['state'][5]['max_exp_avg_sq'])

# replay the same 4 steps on m2 then load the optimizer state into a fresh optimizer
o_tmp = torch.optim.Adam([{'params': m2.body.parameters()}, {'params': m2.head.parameters(), 'lr': 3e-3}],
                         lr=1e-2, betas=(0.8, 0.99), amsgrad=True)
train_steps(m2, o_tmp, 4, 'adam m2 replay')
o2 = torch.optim.Adam([{'params': m2.body.parameters()}, {'params': m2.head.parameters()}], lr=0.5)
print('fresh o2 lrs before load:', [g['lr'] for g in o2.param_groups])
o2.load_state_dict(copy.deepcopy(sd))
print('o2 lrs after load:', [g['lr'] for g in o2.param_groups], 'betas:', o2.param_groups[0]['betas'])
print('o2 state step of first param:', o2.state[m2.body[0].weight]['step'])
l1 = train_steps(m1, o1, 3, 'm1 continue')
l2 = train_steps(m2, o2, 3, 'm2 continue')
print('identical continuation:', l1 == l2, torch.equal(m1.head.weight, m2.head.weight))

bad = torch.optim.Adam(m2.parameters(), lr=1e-3)
try:
    bad.load_state_dict(sd)
except ValueError as e:
    print('ValueError:', e)

print('=== zero_grad(set_to_none=False) vs default')
lin = nn.Linear(3, 1)
o = torch.optim.SGD(lin.parameters(), lr=0.1)
lin(torch.ones(2, 3)).sum().backward()
print('grad before:', lin.weight.grad)
o.zero_grad(set_to_none=False)
print('after set_to_none=False:', lin.weight.grad, lin.bias.grad)
o.zero_grad()
print('after default zero_grad:', lin.weight.grad, lin.bias.grad)
o.step()  # params with grad None are skipped
print('state after step with no grads:', dict(o.state))

print('=== AdamW / RMSprop / Adagrad state entries')
for cls, kw in [(torch.optim.AdamW, dict(lr=1e-2)), (torch.optim.RMSprop, dict(lr=1e-2, momentum=0.5, centered=True)),
                (torch.optim.Adagrad, dict(lr=0.05)), (torch.optim.Adamax, dict(lr=1e-2))]:
    torch.manual_seed(2)
    m = nn.Linear(4, 1)
    o = cls(m.parameters(), **kw)
    for _ in range(2):
        o.zero_grad()
        F.mse_loss(m(X[:, :4]), Y[:, :1]).backward()
        o.step()
    st = o.state[m.weight]
    print(f'{cls.__name__}:', sorted(st.keys()), 'defaults:', sorted(o.defaults.keys()))
    print('   weight:', m.weight.data)
