"""PyTorch tutorials "Automatic Differentiation with torch.autograd" (autogradqs_tutorial.py) and
the blitz "A Gentle Introduction to torch.autograd": grad_fn, backward, no_grad/detach,
vector-Jacobian products via backward(v), gradient accumulation, retain_grad, requires_grad_,
freezing parameters for fine-tuning."""
import torch
import torch.nn as nn
from torch import optim

torch.manual_seed(0)

x = torch.ones(5)  # input tensor
y = torch.zeros(3)  # expected output
w = torch.randn(5, 3, requires_grad=True)
b = torch.randn(3, requires_grad=True)
z = torch.matmul(x, w) + b
loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)
print(z, loss)

print(f"Gradient function for z = {type(z.grad_fn).__name__}")
print(f"Gradient function for loss = {type(loss.grad_fn).__name__}")
print(z.grad_fn.name(), [type(f).__name__ if f is not None else None for f, _ in z.grad_fn.next_functions])

loss.backward()
print(w.grad)
print(b.grad)

z = torch.matmul(x, w) + b
print(z.requires_grad)

with torch.no_grad():
    z = torch.matmul(x, w) + b
print(z.requires_grad)

z = torch.matmul(x, w) + b
z_det = z.detach()
print(z_det.requires_grad, z_det.grad_fn, z.is_leaf, z_det.is_leaf, w.is_leaf)

# Tensor gradients and Jacobian products
inp = torch.eye(4, 5, requires_grad=True)
out = (inp + 1).pow(2).t()
out.backward(torch.ones_like(out), retain_graph=True)
print(f"First call\n{inp.grad}")
out.backward(torch.ones_like(out), retain_graph=True)
print(f"\nSecond call\n{inp.grad}")
inp.grad.zero_()
out.backward(torch.ones_like(out), retain_graph=True)
print(f"\nCall after zeroing gradients\n{inp.grad}")

# ---- blitz: differentiation in autograd ----
a = torch.tensor([2., 3.], requires_grad=True)
b = torch.tensor([6., 4.], requires_grad=True)
Q = 3 * a ** 3 - b ** 2
external_grad = torch.tensor([1., 1.])
Q.backward(gradient=external_grad)
# check if collected gradients are correct
print(9 * a ** 2 == a.grad)
print(-2 * b == b.grad)
print(a.grad, b.grad)

x = torch.rand(5, 5)
y = torch.rand(5, 5)
z = torch.rand((5, 5), requires_grad=True)

a = x + y
print(f"Does `a` require gradients?: {a.requires_grad}")
b = x + z
print(f"Does `b` require gradients?: {b.requires_grad}")

# ---- the older blitz: vector-Jacobian product ----
x = torch.randn(3, requires_grad=True)
y = x * 2
n = 0
while y.data.norm() < 1000:
    y = y * 2
    n += 1
print(n, y)
v = torch.tensor([0.1, 1.0, 0.0001], dtype=torch.float)
y.backward(v)
print(x.grad)

print(x.requires_grad)
print((x ** 2).requires_grad)
with torch.no_grad():
    print((x ** 2).requires_grad)

print(x.requires_grad)
y = x.detach()
print(y.requires_grad)
print(x.eq(y).all())

a = torch.randn(2, 2)
a = ((a * 3) / (a - 1))
print(a.requires_grad)
a.requires_grad_(True)
print(a.requires_grad)
b = (a * a).sum()
print(type(b.grad_fn).__name__)

# retain_grad on a non-leaf
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
h = x * x
h.retain_grad()
out = (h * 3).sum()
out.backward()
print(h.grad, x.grad, h.retains_grad, x.retains_grad)

# gradient accumulation over micro-batches
torch.manual_seed(1)
model = nn.Linear(4, 2)
data = torch.randn(8, 4)
target = torch.randn(8, 2)
full = nn.functional.mse_loss(model(data), target)
g_full = torch.autograd.grad(full, model.weight)[0]
model.zero_grad()
for chunk_x, chunk_y in zip(data.chunk(4), target.chunk(4)):
    (nn.functional.mse_loss(model(chunk_x), chunk_y) / 4).backward()
print(torch.allclose(model.weight.grad, g_full, atol=1e-6), model.weight.grad)
model.zero_grad()
print(model.weight.grad)
model.zero_grad(set_to_none=False)
print(model.weight.grad)

# exclusion from the DAG: freezing a pretrained "backbone"
torch.manual_seed(2)
backbone = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten())
model = nn.Sequential(backbone, nn.Linear(8, 1000))
for param in model.parameters():
    param.requires_grad = False
model[1] = nn.Linear(8, 10)
optimizer = optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)
print([n for n, p in model.named_parameters() if p.requires_grad])
data = torch.rand(1, 3, 8, 8)
labels = torch.rand(1, 10)
prediction = model(data)
loss = (prediction - labels).sum()
loss.backward()
print(loss, model[0][0].weight.grad, model[1].bias.grad)
optimizer.step()
print(model[1].bias)

# Jacobian and Hessian via torch.autograd.functional
def exp_reducer(x):
    return x.exp().sum(dim=1)

inputs = torch.rand(2, 2)
print(torch.autograd.functional.jacobian(exp_reducer, inputs).shape)
print(torch.autograd.functional.jacobian(lambda t: t ** 2, torch.tensor([1.0, 2.0])))
print(torch.autograd.functional.hessian(lambda t: (t ** 3).sum(), torch.tensor([1.0, 2.0])))
vjp_out, vjp = torch.autograd.functional.vjp(lambda t: t ** 2, torch.tensor([1.0, 2.0]), torch.tensor([1.0, 0.5]))
print(vjp_out, vjp)
g, = torch.autograd.grad((x ** 3).sum(), x, create_graph=True)
g2, = torch.autograd.grad(g.sum(), x)
print(g, g2)
try:
    out.backward()
except RuntimeError as e:
    print('RuntimeError:', str(e).split('.')[0])
