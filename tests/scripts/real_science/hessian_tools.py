"""Hessian-vector products, jacobian/hessian from torch.autograd.functional, gradcheck."""
import torch
from torch.autograd.functional import jacobian, hessian, hvp, vhp, jvp, vjp

torch.manual_seed(3)


def rosen(x):
    return (100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum()


x = torch.randn(4, dtype=torch.float64)
print('rosen', rosen(x))
H = hessian(rosen, x)
print('hessian', H.shape, H.dtype)
print(H)
print('symmetric', torch.allclose(H, H.T))
v = torch.ones(4, dtype=torch.float64)
val, hv = hvp(rosen, x, v)
print('hvp', val.item(), hv)
print('H @ v', H @ v)
_, vh = vhp(rosen, x, v)
print('vhp == hvp', torch.allclose(vh, hv))

# double-backward hvp by hand
xr = x.clone().requires_grad_(True)
g = torch.autograd.grad(rosen(xr), xr, create_graph=True)[0]
hv2 = torch.autograd.grad(g @ v, xr)[0]
print('manual hvp', hv2)
print('grad', g.detach())


def f(a, b):
    return torch.stack([a.sum() * b[0], (a ** 2).sum() + b.prod(), torch.sin(a).mean() * b[1]])


a = torch.randn(3)
b = torch.randn(2)
Ja, Jb = jacobian(f, (a, b))
print('Ja', Ja.shape, 'Jb', Jb.shape)
print(Ja)
print(Jb)
Jv = jacobian(f, (a, b), vectorize=True)
print('vectorized same', torch.allclose(Jv[0], Ja), torch.allclose(Jv[1], Jb))
out, jv = jvp(lambda a: f(a, b), a, torch.ones(3))
print('jvp', out, jv)
out, vj = vjp(lambda a: f(a, b), a, torch.tensor([1.0, 0.0, -1.0]))
print('vjp', vj)
Hf = hessian(lambda a: (a.exp() * a).sum(), a, create_graph=False)
print('diag', torch.diagonal(Hf), (a.exp() * (a + 2)))

# gradcheck and gradgradcheck on double inputs
inp = torch.randn(3, 3, dtype=torch.double, requires_grad=True)
print('gradcheck tanh', torch.autograd.gradcheck(lambda t: torch.tanh(t @ t.T).sum(dim=0), (inp,)))
print('gradgradcheck', torch.autograd.gradgradcheck(lambda t: (t.sin() * t).sum(), (inp,)))
print('gradcheck logdet', torch.autograd.gradcheck(lambda t: torch.logdet(t @ t.T + 3 * torch.eye(3, dtype=torch.double)), (inp,)))


# custom function with a hand-written backward
class Cube(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return 3 * x ** 2 * grad


print('gradcheck Cube', torch.autograd.gradcheck(Cube.apply, (torch.randn(5, dtype=torch.double, requires_grad=True),)))
y = torch.randn(3, requires_grad=True)
Cube.apply(y).sum().backward()
print('cube grad', y.grad, 3 * y.detach() ** 2)
try:
    torch.autograd.gradcheck(lambda t: t.round(), (torch.randn(3, dtype=torch.double, requires_grad=True),))
except Exception as e:
    print(type(e).__name__)
print(torch.autograd.gradcheck(lambda t: t.round() + t, (torch.randn(3, dtype=torch.double, requires_grad=True),), raise_exception=False))

# per-row Jacobian with is_grads_batched, forward-mode strategy, anomaly detection of nan gradients
xb = torch.randn(3, requires_grad=True)
yb = xb.sin() * torch.arange(1.0, 4.0)
print('batched jac', torch.autograd.grad(yb, xb, grad_outputs=torch.eye(3), is_grads_batched=True)[0])
print('forward-mode jac', jacobian(lambda t: t.exp() * t, xb.detach(), strategy='forward-mode', vectorize=True))
print('anomaly on?', torch.is_anomaly_enabled())
try:
    with torch.autograd.detect_anomaly():
        neg = torch.tensor([-1.0, 4.0], requires_grad=True)
        torch.sqrt(neg).sum().backward()
    print('no error', neg.grad)
except RuntimeError as e:
    print('anomaly:', e)
print('anomaly after', torch.is_anomaly_enabled())
neg = torch.tensor([-1.0, 4.0], requires_grad=True)
torch.sqrt(neg).sum().backward()
print('without anomaly mode', neg.grad)
