"""'Introduction to PyTorch' (YouTube series), autograd: a sine computation graph with grad_fn names
walked through next_functions, .grad on leaves only, a tiny model's training loop, gradient
accumulation, turning autograd off and on (requires_grad=False, no_grad, set_grad_enabled,
inference_mode, detach), in-place ops on leaves, and record_function regions in the autograd profiler."""
import math
import torch

torch.manual_seed(42)

a = torch.linspace(0., 2. * math.pi, steps=25, requires_grad=True)
print(a)
b = torch.sin(a)
print(b)
c = 2 * b
print(c)
d = c + 1
print(d)
out = d.sum()
print(out)

print('d:')
print(d.grad_fn.name())
print([(None if f is None else f.name(), i) for f, i in d.grad_fn.next_functions])
print([(None if f is None else f.name(), i) for f, i in d.grad_fn.next_functions[0][0].next_functions])
print([(None if f is None else f.name(), i)
       for f, i in d.grad_fn.next_functions[0][0].next_functions[0][0].next_functions])
leaf = d.grad_fn.next_functions[0][0].next_functions[0][0].next_functions[0][0]
print(type(leaf).__name__, leaf.variable is a, leaf.next_functions)
print('\nc:')
print(c.grad_fn.name())
print('\nb:')
print(b.grad_fn.name())
print('\na:')
print(a.grad_fn)

out.backward()
print(a.grad)
print(torch.allclose(a.grad, 2 * torch.cos(a)))
print('is_leaf', a.is_leaf, b.is_leaf, out.is_leaf, 'requires_grad', a.requires_grad, b.requires_grad)
print('non-leaf grad', b.grad)

BATCH_SIZE = 16
DIM_IN = 1000
HIDDEN_SIZE = 100
DIM_OUT = 10


class TinyModel(torch.nn.Module):
    def __init__(self):
        super(TinyModel, self).__init__()
        self.layer1 = torch.nn.Linear(DIM_IN, HIDDEN_SIZE)
        self.relu = torch.nn.ReLU()
        self.layer2 = torch.nn.Linear(HIDDEN_SIZE, DIM_OUT)

    def forward(self, x):
        x = self.layer1(x)
        x = self.relu(x)
        x = self.layer2(x)
        return x


some_input = torch.randn(BATCH_SIZE, DIM_IN, requires_grad=False)
ideal_output = torch.randn(BATCH_SIZE, DIM_OUT, requires_grad=False)
model = TinyModel()
print(model.layer2.weight[0][0:10])  # just a small slice
print(model.layer2.weight.grad)

optimizer = torch.optim.SGD(model.parameters(), lr=0.001)
prediction = model(some_input)
loss = (ideal_output - prediction).pow(2).sum()
print(loss)
loss.backward()
print(model.layer2.weight[0][0:10])
print(model.layer2.weight.grad[0][0:10])
optimizer.step()
print(model.layer2.weight[0][0:10])
print(model.layer2.weight.grad[0][0:10])

for i in range(0, 5):
    prediction = model(some_input)
    loss = (ideal_output - prediction).pow(2).sum()
    loss.backward()
print(model.layer2.weight.grad[0][0:10])
optimizer.zero_grad(set_to_none=False)
print(model.layer2.weight.grad[0][0:10])

# turning autograd off and on
a = torch.ones(2, 3, requires_grad=True)
print(a)
b1 = 2 * a
print(b1)
a.requires_grad = False
b2 = 2 * a
print(b2)

a = torch.ones(2, 3, requires_grad=True) * 2
b = torch.ones(2, 3, requires_grad=True) * 3
c1 = a + b
print(c1)
with torch.no_grad():
    c2 = a + b
print(c2)
c3 = a * b
print(c3)


def add_tensors1(x, y):
    return x + y


@torch.no_grad()
def add_tensors2(x, y):
    return x + y


a = torch.ones(2, 3, requires_grad=True) * 2
b = torch.ones(2, 3, requires_grad=True) * 3
c1 = add_tensors1(a, b)
print(c1)
c2 = add_tensors2(a, b)
print(c2)

x = torch.rand(5, requires_grad=True)
y = x.detach()
print(x)
print(y)
print('shares memory', y.data_ptr() == x.data_ptr())

with torch.set_grad_enabled(False):
    print('set_grad_enabled(False)', (a * 2).requires_grad, torch.is_grad_enabled())
print('enabled again', torch.is_grad_enabled())
with torch.inference_mode():
    z = a * 3
print('inference_mode', z.requires_grad, z.is_inference(), a.is_inference(), torch.is_inference_mode_enabled())
try:
    (z * a).sum().backward()
    print('backward through inference tensor ok', a.grad is None)
except RuntimeError as e:
    print('RuntimeError', e)
try:
    with torch.inference_mode():
        w = torch.ones(3)
    w.add_(1)
except RuntimeError as e:
    print('RuntimeError', e)

# autograd and in-place operations
a = torch.linspace(0., 2. * math.pi, steps=25, requires_grad=True)
try:
    torch.sin_(a)
except RuntimeError as e:
    print('RuntimeError', e)
b = a.clone()
torch.sin_(b)
print('in-place on non-leaf', b.grad_fn.name(), b._version)
x = torch.ones(3, requires_grad=True)
y = x.exp()
y.add_(1)
try:
    (y * y).sum().backward()
    print('backward fine')
except RuntimeError as e:
    print('RuntimeError', e)
y = x.exp()
z = y * 2
y.mul_(3)
try:
    z.sum().backward()
    print('exp after mul_ ok? no')
except RuntimeError as e:
    print('RuntimeError', e)

# autograd profiler: only the region names and counts are deterministic
device = torch.device('cpu')
x = torch.randn(2, 3, requires_grad=True)
y = torch.rand(2, 3, requires_grad=True)
z = torch.ones(2, 3, requires_grad=True)
with torch.autograd.profiler.profile() as prf:
    for _ in range(10):
        with torch.autograd.profiler.record_function('div_mul'):
            z = (z / x) * y
regions = [e for e in prf.function_events if e.name == 'div_mul']
print('profiled regions', len(regions), regions[0].name)
print('averages', [(a.key, a.count) for a in prf.key_averages() if a.key == 'div_mul'])
print('z', z.grad_fn.name(), z.shape)

# higher-order gradients and torch.autograd.grad
x = torch.tensor([1., 2., 3.], requires_grad=True)
y = (x ** 3).sum()
(g,) = torch.autograd.grad(y, x, create_graph=True)
print('first', g, g.grad_fn.name())
(g2,) = torch.autograd.grad(g.sum(), x)
print('second', g2)
v = torch.tensor([0.1, 1.0, 0.0001], dtype=torch.float)
x = torch.randn(3, requires_grad=True)
y = x * 2
while y.data.norm() < 1000:
    y = y * 2
y.backward(v)
print('vector-Jacobian', x.grad)
try:
    torch.ones(2, requires_grad=True).mul(2).backward()
except RuntimeError as e:
    print('RuntimeError', e)
