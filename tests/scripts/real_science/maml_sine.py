"""MAML on sine regression with functional fast weights and second-order gradients."""
import math
from collections import OrderedDict
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.func import functional_call, grad

torch.manual_seed(2)


def sample_task(n=10):
    amp = torch.rand(1) * 4.9 + 0.1
    phase = torch.rand(1) * math.pi
    x = torch.rand(2 * n, 1) * 10 - 5
    y = amp * torch.sin(x + phase)
    return x[:n], y[:n], x[n:], y[n:]


model = nn.Sequential(OrderedDict([('fc1', nn.Linear(1, 40)), ('act1', nn.ReLU()),
                                   ('fc2', nn.Linear(40, 40)), ('act2', nn.ReLU()),
                                   ('out', nn.Linear(40, 1))]))
params = OrderedDict(model.named_parameters())
print(list(params.keys()))
print({k: tuple(v.shape) for k, v in params.items()})

meta_opt = torch.optim.Adam(model.parameters(), lr=1e-3)
inner_lr = 0.01
for it in range(8):
    meta_opt.zero_grad()
    meta_loss = 0.0
    for _ in range(3):
        xs, ys, xq, yq = sample_task()
        fast = OrderedDict(model.named_parameters())
        for _ in range(2):
            loss = F.mse_loss(functional_call(model, fast, (xs,)), ys)
            grads = torch.autograd.grad(loss, list(fast.values()), create_graph=True)
            fast = OrderedDict((k, w - inner_lr * g) for (k, w), g in zip(fast.items(), grads))
        meta_loss = meta_loss + F.mse_loss(functional_call(model, fast, (xq,)), yq)
    meta_loss = meta_loss / 3
    meta_loss.backward()
    gnorm = torch.stack([p.grad.norm() for p in model.parameters()]).norm()
    meta_opt.step()
    print(f'meta {it} loss {meta_loss.item():.5f} gnorm {gnorm.item():.5f}')


# manual fast weights with F.linear
def forward(x, w):
    h = F.relu(F.linear(x, w[0], w[1]))
    h = F.relu(F.linear(h, w[2], w[3]))
    return F.linear(h, w[4], w[5])


w = [p for p in model.parameters()]
xs, ys, xq, yq = sample_task()
l0 = F.mse_loss(forward(xs, w), ys)
g = torch.autograd.grad(l0, w, create_graph=True)
w2 = [a - 0.01 * b for a, b in zip(w, g)]
l1 = F.mse_loss(forward(xq, w2), yq)
hg = torch.autograd.grad(l1, w[4])
print('second order grad on out.weight', hg[0].shape, '%.6f' % hg[0].abs().sum().item())
fo = torch.autograd.grad(F.mse_loss(forward(xq, [x.detach().requires_grad_() for x in w2]), yq), w, allow_unused=True)
print('first order unused', [t is None for t in fo])


# torch.func.grad on a functional loss
def loss_fn(p, x, y):
    return F.mse_loss(functional_call(model, p, (x,)), y)


gd = grad(loss_fn)({k: v.detach() for k, v in model.named_parameters()}, xs, ys)
print(sorted(gd.keys()))
print('func.grad out.bias', gd['out.bias'])
print('matches autograd', torch.allclose(gd['out.bias'], torch.autograd.grad(loss_fn(dict(model.named_parameters()), xs, ys), model.out.bias)[0]))
