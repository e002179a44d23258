"""Autograd numerics: torch.autograd.functional.jacobian / hessian / vjp / jvp / hvp on small
functions, torch.func.grad / vmap / jacrev, higher-order gradients with create_graph, a gradient
penalty, torch.autograd.grad with allow_unused / materialize_grads, retain_graph patterns and the
error from backward through a freed graph."""
import torch
from torch.autograd.functional import hessian, hvp, jacobian, jvp, vjp

torch.manual_seed(0)
torch.set_printoptions(precision=4)


def f(x):
    return torch.stack([x[0] ** 2 * x[1], torch.sin(x[1]) + x[2] * x[0], x.pow(3).sum()])


def scalar(x):
    return (x ** 3).sum() + x[0] * x[1] * x[2]


x = torch.tensor([1.0, 2.0, 0.5])
J = jacobian(f, x)
print('jacobian', J.round(decimals=4).tolist())
H = hessian(scalar, x)
print('hessian', H.tolist())
print('symmetric', torch.equal(H, H.T))
out, v = vjp(f, x, torch.ones(3))
print('vjp', out.round(decimals=4).tolist(), v.round(decimals=4).tolist())
out, jv = jvp(f, x, torch.tensor([1.0, 0.0, 0.0]))
print('jvp', jv.round(decimals=4).tolist())
_, hv = hvp(scalar, x, torch.tensor([0.0, 1.0, 0.0]))
print('hvp', hv.tolist())
Jm = jacobian(lambda a, b: a * b + a.sum(), (torch.ones(2), torch.tensor([2.0, 3.0])))
print('multi-input jacobian', [j.tolist() for j in Jm])
Jc = jacobian(f, x, create_graph=True)
print('create_graph', Jc.requires_grad, jacobian(f, x).requires_grad)

# torch.func
from torch.func import grad, jacrev, linearize, vmap


def loss_fn(w, xb, yb):
    return ((xb @ w - yb) ** 2).mean()


w = torch.tensor([0.5, -0.5])
xb = torch.randn(6, 2)
yb = torch.randn(6)
g = grad(loss_fn)(w, xb, yb)
print('func.grad', g.round(decimals=4).tolist())
per_sample = vmap(grad(loss_fn), in_dims=(None, 0, 0))(w, xb.unsqueeze(1), yb.unsqueeze(1))
print('per-sample grads', per_sample.shape, torch.allclose(per_sample.mean(0), g, atol=1e-6))
print('vmap dot', vmap(torch.dot)(xb, xb).round(decimals=4).tolist())
print('jacrev', jacrev(torch.sin)(torch.tensor([0.0, 1.0])).round(decimals=4).tolist())
out, jvp_fn = linearize(lambda a: a.sin() * a.sum(), torch.tensor([0.0, 1.0, 2.0]))
print('linearize', out.round(decimals=4).tolist(), jvp_fn(torch.tensor([1.0, 0.0, 0.0])).round(decimals=4).tolist(),
      jvp_fn(torch.ones(3)).round(decimals=4).tolist())
gx, gw = grad(lambda a, b: (a * b).sum(), argnums=(0, 1))(torch.ones(2), torch.tensor([3.0, 4.0]))
print('argnums', gx.tolist(), gw.tolist())

# higher-order gradients
t = torch.tensor(1.5, requires_grad=True)
y = t ** 4
(d1,) = torch.autograd.grad(y, t, create_graph=True)
(d2,) = torch.autograd.grad(d1, t, create_graph=True)
(d3,) = torch.autograd.grad(d2, t)
print('derivatives', d1.item(), d2.item(), d3.item())

# gradient penalty (WGAN-GP style)
net = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
inp = torch.randn(5, 3, requires_grad=True)
outp = net(inp)
(gi,) = torch.autograd.grad(outp, inp, grad_outputs=torch.ones_like(outp), create_graph=True)
gp = ((gi.norm(2, dim=1) - 1) ** 2).mean()
gp.backward()
print('gp', round(gp.item(), 5), 'param grad', round(net[0].weight.grad.norm().item(), 5))

# allow_unused / materialize_grads
a = torch.tensor(2.0, requires_grad=True)
b = torch.tensor(3.0, requires_grad=True)
c = a * 3
ga, gb = torch.autograd.grad(c, (a, b), allow_unused=True, retain_graph=True)
print('allow_unused', ga.item(), gb)
ga, gb = torch.autograd.grad(c, (a, b), allow_unused=True, materialize_grads=True, retain_graph=True)
print('materialize', ga.item(), gb.item(), gb.shape)
try:
    torch.autograd.grad(c, (a, b), retain_graph=True)
except RuntimeError as e:
    print('unused error', 'appears to not have been used in the graph' in str(e))

# retain_graph patterns
w = torch.tensor([1.0, 2.0], requires_grad=True)
h = (w * w).sum()
h.backward(retain_graph=True)
print('first', w.grad.tolist())
h.backward()
print('accumulated', w.grad.tolist())
try:
    h.backward()
except RuntimeError as e:
    print('freed graph error', 'Trying to backward through the graph a second time' in str(e))
w.grad = None
z = w.exp()
z.sum().backward(inputs=[w])
print('inputs=', w.grad.round(decimals=4).tolist())
z2 = (w ** 2).sum()
gz = torch.autograd.grad([z2, w.sum()], [w], grad_outputs=[torch.tensor(2.0), torch.tensor(1.0)])
print('multi outputs', gz[0].tolist())
print('is_grads_batched', torch.autograd.grad(w * 2, w, torch.eye(2), is_grads_batched=True)[0].tolist())
