"""Checkpointing and resuming: save/load dicts with model, optimizer, scheduler and RNG state;
BytesIO; whole-tensor containers; resumed training reproduces the uninterrupted run."""
import io
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


def make():
    return nn.Sequential(nn.Linear(6, 12), nn.BatchNorm1d(12), nn.ReLU(), nn.Dropout(0.3), nn.Linear(12, 2))


X = torch.randn(32, 6)
y = (X[:, 0] + X[:, 1] > 0).long()


def train(model, opt, sched, epochs, start=0):
    losses = []
    for epoch in range(start, start + epochs):
        model.train()
        perm = torch.randperm(32)
        for i in range(0, 32, 8):
            idx = perm[i:i + 8]
            opt.zero_grad()
            loss = F.cross_entropy(model(X[idx]), y[idx])
            loss.backward()
            opt.step()
        sched.step()
        losses.append(round(loss.item(), 5))
    return losses


torch.manual_seed(1)
model = make()
opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-4)
sched = torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
print(opt)
full = train(model, opt, sched, 6)
print('uninterrupted', full)

torch.manual_seed(1)
model = make()
opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-4)
sched = torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
first = train(model, opt, sched, 3)
buf = io.BytesIO()
torch.save({'epoch': 3, 'model': model.state_dict(), 'optim': opt.state_dict(), 'sched': sched.state_dict(),
            'rng': torch.get_rng_state(), 'losses': first}, buf)
print('bytes > 0', buf.tell() > 0)
buf.seek(0)
ck = torch.load(buf, weights_only=False)
print(sorted(ck), ck['epoch'], ck['losses'], ck['rng'].dtype, ck['rng'].shape)
print(ck['sched'])
print({k: v for k, v in ck['optim']['param_groups'][0].items() if k != 'params'})
print(sorted(ck['optim']['state'][0].keys()), ck['optim']['state'][0]['momentum_buffer'].shape)
model2 = make()
opt2 = torch.optim.SGD(model2.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-4)
sched2 = torch.optim.lr_scheduler.StepLR(opt2, step_size=2, gamma=0.5)
model2.load_state_dict(ck['model'])
opt2.load_state_dict(ck['optim'])
sched2.load_state_dict(ck['sched'])
torch.set_rng_state(ck['rng'])
print('lr after load', opt2.param_groups[0]['lr'], sched2.last_epoch, sched2.get_last_lr())
second = train(model2, opt2, sched2, 3, start=3)
print('resumed', first + second, first + second == full)

torch.save([torch.arange(3), {'a': torch.ones(2, dtype=torch.float64)}, (1, 'x')], 'stuff.pt')
print(torch.load('stuff.pt'))
t = torch.arange(10.)
view = t[2:5]
torch.save({'t': t, 'v': view}, 'views.pt')
loaded = torch.load('views.pt')
loaded['v'][0] = 100.
print(loaded['t'])
sd = model2.state_dict()
print(type(sd).__name__, len(sd))
for k, v in sd.items():
    print(f'{k:20s} {str(tuple(v.shape)):10s} {v.dtype}')
print(sd['1.num_batches_tracked'], sd['1.running_mean'][:3])
state = {k: v.clone() for k, v in model2.state_dict().items()}
with torch.no_grad():
    model2[0].weight.add_(1.0)
print(torch.equal(state['0.weight'], model2[0].weight), torch.allclose(state['0.weight'] + 1, model2[0].weight))
model2.load_state_dict(state)
print(torch.equal(state['0.weight'], model2[0].weight))
g = torch.Generator().manual_seed(5)
a = torch.randn(3, generator=g)
s = g.get_state()
b = torch.randn(3, generator=g)
g.set_state(s)
print(a, torch.equal(b, torch.randn(3, generator=g)), g.initial_seed())
with torch.random.fork_rng():
    torch.manual_seed(9)
    inner = torch.rand(2)
outer = torch.rand(2)
print(inner, outer.shape)
print(torch.initial_seed())
print(torch.rand(2), torch.seed() > 0)
