# torch.autograd.grad with create_graph (gradient penalty), custom autograd.Function, hooks,
# no_grad / detach / clone semantics, retain_grad, higher-order gradients
import torch
import torch.nn as nn

torch.manual_seed(5)
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = (x ** 3).sum()
g, = torch.autograd.grad(y, x, create_graph=True)
print(g, g.requires_grad, g.grad_fn.name())
g2, = torch.autograd.grad(g.sum(), x)
print(g2)
print(x.grad)

D = nn.Sequential(nn.Linear(4, 8), nn.LeakyReLU(0.2), nn.Linear(8, 1))
real = torch.randn(5, 4)
fake = torch.randn(5, 4)
alpha = torch.rand(5, 1)
interp = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
d_interp = D(interp)
grads = torch.autograd.grad(outputs=d_interp, inputs=interp, grad_outputs=torch.ones_like(d_interp),
                            create_graph=True, retain_graph=True, only_inputs=True)[0]
print(grads.shape, grads.norm(2, dim=1))
gp = ((grads.norm(2, dim=1) - 1) ** 2).mean()
loss = D(fake).mean() - D(real).mean() + 10 * gp
loss.backward()
print(f'gp {gp.item():.6f} loss {loss.item():.6f}')
print(D[0].weight.grad[0], D[2].bias.grad)

class MyReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return input.clamp(min=0)
    @staticmethod
    def backward(ctx, grad_output):
        input, = ctx.saved_tensors
        grad_input = grad_output.clone()
        grad_input[input < 0] = 0
        return grad_input

class LegendrePolynomial3(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return 0.5 * (5 * input ** 3 - 3 * input)
    @staticmethod
    def backward(ctx, grad_output):
        input, = ctx.saved_tensors
        return grad_output * 1.5 * (5 * input ** 2 - 1)

class ScaleGrad(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, scale):
        ctx.scale = scale
        return x.view_as(x)
    @staticmethod
    def backward(ctx, g):
        return g * ctx.scale, None

a = torch.randn(6, requires_grad=True)
r = MyReLU.apply(a)
print(r, r.grad_fn is not None)
r.sum().backward()
print(a.grad)
xs = torch.linspace(-1, 1, 5, requires_grad=True)
P3 = LegendrePolynomial3.apply
p = P3(xs)
p.backward(torch.ones_like(p))
print(p, xs.grad)
w = torch.ones(3, requires_grad=True)
ScaleGrad.apply(w * 2, -0.5).sum().backward()
print(w.grad)

h = torch.randn(3, requires_grad=True)
seen = []
handle = h.register_hook(lambda grad: seen.append(grad.clone()))
h2 = torch.randn(3, requires_grad=True)
h2.register_hook(lambda grad: grad * 2)
mid = h * 3
mid.retain_grad()
mid.register_hook(lambda g: print('mid grad', g))
(mid * h2).sum().backward()
print(seen[0], h.grad, h2.grad, mid.grad)
handle.remove()
h.grad.zero_()
(h * 2).sum().backward()
print(len(seen), h.grad)

lin = nn.Linear(3, 2)
feats = {}
def fwd_hook(m, inp, out):
    feats['out'] = out.detach()
def bwd_hook(m, gin, gout):
    feats['gout'] = gout[0].shape
lin.register_forward_hook(fwd_hook)
lin.register_full_backward_hook(bwd_hook)
o = lin(torch.randn(4, 3))
o.pow(2).mean().backward()
print(feats['out'].shape, feats['gout'], lin.weight.grad.shape)

t = torch.ones(2, requires_grad=True)
with torch.no_grad():
    u = t * 2
print(u.requires_grad, u.grad_fn, (t * 2).requires_grad, t.detach().requires_grad, t.clone().requires_grad)
print(t.clone().grad_fn.name(), t.detach().grad_fn, t.is_leaf, (t * 2).is_leaf, u.is_leaf)
with torch.enable_grad():
    print((t * 2).requires_grad)
torch.set_grad_enabled(False)
print((t * 2).requires_grad, torch.is_grad_enabled())
torch.set_grad_enabled(True)
with torch.inference_mode():
    print((t + 1).requires_grad, torch.is_inference_mode_enabled())

@torch.no_grad()
def update(param):
    param -= 0.1 * param.grad
    return param

v = torch.tensor([1.0, -1.0], requires_grad=True)
(v ** 2).sum().backward()
print(update(v), v.grad, v.requires_grad)
v.grad = None
try:
    v.sum().backward()
    v.sum().backward()
except RuntimeError as e:
    print('RuntimeError:', str(e)[:80])
z = torch.randn(2, 2, requires_grad=True)
out = z.exp()
out.backward(torch.ones(2, 2), retain_graph=True)
out.backward(torch.ones(2, 2))
print(torch.allclose(z.grad, 2 * z.exp()))
try:
    (z * 2).backward()
except RuntimeError as e:
    print('RuntimeError:', e)
q = torch.tensor([2.0], requires_grad=True)
loss = q * q
loss.backward(inputs=[q])
print(q.grad)
jac = torch.autograd.functional.jacobian(lambda x: x ** 2 + x.sum(), torch.tensor([1.0, 2.0]))
print(jac)
hes = torch.autograd.functional.hessian(lambda x: (x ** 3).sum(), torch.tensor([1.0, 2.0]))
print(hes)
s = torch.randn(3, requires_grad=True)
ds, = torch.autograd.grad(torch.sigmoid(s).sum(), s, retain_graph=False)
print(torch.allclose(ds, torch.sigmoid(s) * (1 - torch.sigmoid(s))), ds.requires_grad)
gs = torch.autograd.grad((s * 2).sum(), [s, torch.ones(1, requires_grad=True)], allow_unused=True)
print(gs)
