"""Custom autograd.Function the way research code writes them: straight-through estimators,
gradient reversal (DANN), ctx.save_for_backward / needs_input_grad, mark_non_differentiable,
set_materialize_grads, mark_dirty for in-place ops, once_differentiable, the 2.x setup_context
style, and gradcheck on double inputs."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.autograd import Function, gradcheck
from torch.autograd.function import once_differentiable

torch.manual_seed(0)


class MyReLU(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        grad = grad_output.clone()
        grad[x < 0] = 0
        return grad


class LinearFn(Function):
    @staticmethod
    def forward(ctx, x, weight, bias=None):
        ctx.save_for_backward(x, weight, bias)
        out = x.mm(weight.t())
        if bias is not None:
            out += bias.unsqueeze(0).expand_as(out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        x, weight, bias = ctx.saved_tensors
        print('  needs_input_grad', ctx.needs_input_grad)
        grad_x = grad_w = grad_b = None
        if ctx.needs_input_grad[0]:
            grad_x = grad_output.mm(weight)
        if ctx.needs_input_grad[1]:
            grad_w = grad_output.t().mm(x)
        if bias is not None and ctx.needs_input_grad[2]:
            grad_b = grad_output.sum(0)
        return grad_x, grad_w, grad_b


class GradReverse(Function):
    @staticmethod
    def forward(ctx, x, alpha):
        ctx.alpha = alpha
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output.neg() * ctx.alpha, None


class STESign(Function):
    """Binarize with a straight-through estimator (BinaryConnect / XNOR-Net)."""
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return torch.sign(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * (x.abs() <= 1).to(g.dtype)


class SortWithIdx(Function):
    @staticmethod
    def forward(ctx, x):
        values, idx = x.sort(dim=-1)
        ctx.mark_non_differentiable(idx)
        ctx.save_for_backward(idx)
        return values, idx

    @staticmethod
    def backward(ctx, g_values, g_idx):
        (idx,) = ctx.saved_tensors
        print('  g_idx is', type(g_idx).__name__, None if g_idx is None else g_idx.abs().sum().item())
        grad = torch.zeros_like(g_values)
        grad.scatter_(-1, idx, g_values)
        return grad


class TwoOut(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.set_materialize_grads(False)
        return x * 2, x * 3

    @staticmethod
    def backward(ctx, g1, g2):
        print('  g1 None?', g1 is None, 'g2 None?', g2 is None)
        out = None
        if g1 is not None:
            out = g1 * 2
        if g2 is not None:
            out = g2 * 3 if out is None else out + g2 * 3
        return out


class InplaceScale(Function):
    @staticmethod
    def forward(ctx, x):
        x.mul_(2)
        ctx.mark_dirty(x)
        return x

    @staticmethod
    def backward(ctx, g):
        return g * 2


class ExpOnce(Function):
    @staticmethod
    def forward(ctx, x):
        y = x.exp()
        ctx.save_for_backward(y)
        return y

    @staticmethod
    @once_differentiable
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * y


class Cube(Function):
    # PyTorch 2.x style: forward without ctx, setup_context separately
    @staticmethod
    def forward(x, scale):
        return x ** 3 * scale

    @staticmethod
    def setup_context(ctx, inputs, output):
        x, scale = inputs
        ctx.save_for_backward(x)
        ctx.scale = scale

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3 * x ** 2 * ctx.scale, None


print('--- MyReLU')
x = torch.randn(3, 4, requires_grad=True)
y = MyReLU.apply(x)
print(y)
print(type(y.grad_fn).__name__, y.requires_grad)
y.sum().backward()
print(x.grad)
print(torch.equal(x.grad, (x > 0).float()))

print('--- LinearFn vs F.linear')
inp = torch.randn(5, 3, requires_grad=True)
w = torch.randn(2, 3, requires_grad=True)
b = torch.randn(2, requires_grad=True)
out = LinearFn.apply(inp, w, b)
ref = F.linear(inp, w, b)
print(torch.allclose(out, ref), out.shape)
out.pow(2).sum().backward()
print(w.grad)
print(b.grad)
w2 = torch.randn(2, 3, requires_grad=True)
out2 = LinearFn.apply(inp.detach(), w2, None)
out2.sum().backward()
print(w2.grad)

print('--- GradReverse (DANN)')
feat = nn.Linear(4, 4)
dom = nn.Linear(4, 1)
xs = torch.randn(6, 4)
h = feat(xs)
d = dom(GradReverse.apply(h, 0.5))
loss = F.binary_cross_entropy_with_logits(d.squeeze(1), torch.tensor([0., 1, 0, 1, 0, 1]))
loss.backward()
print(f'domain loss {loss.item():.6f}')
print(feat.weight.grad)
print(dom.weight.grad)

print('--- STE sign')
w = torch.tensor([-1.5, -0.3, 0.0, 0.4, 2.0], requires_grad=True)
q = STESign.apply(w)
print(q)
(q * torch.arange(5.0)).sum().backward()
print(w.grad)

print('--- mark_non_differentiable')
x = torch.randn(2, 5, requires_grad=True)
v, i = SortWithIdx.apply(x)
print(v.requires_grad, i.requires_grad, i.dtype)
print(i)
(v * torch.linspace(0, 1, 5)).sum().backward()
print(x.grad)

print('--- set_materialize_grads(False)')
x = torch.randn(3, requires_grad=True)
a, b2 = TwoOut.apply(x)
a.sum().backward()
print(x.grad)
x.grad = None
a, b2 = TwoOut.apply(x)
(a.sum() + b2.sum()).backward()
print(x.grad)

print('--- mark_dirty')
base = torch.randn(4, requires_grad=True)
t = base.clone()
r = InplaceScale.apply(t)
print(r is t, r._version > 0, type(r.grad_fn).__name__)
r.pow(2).sum().backward()
print(base.grad)
try:
    leaf = torch.randn(2, requires_grad=True)
    InplaceScale.apply(leaf)
except RuntimeError as e:
    print('RuntimeError:', str(e).split('\n')[0][:60])

print('--- once_differentiable')
x = torch.randn(3, requires_grad=True)
y = ExpOnce.apply(x)
g, = torch.autograd.grad(y.sum(), x, create_graph=True)
print(torch.allclose(g, x.exp()), g.requires_grad)
try:
    g.sum().backward()
except RuntimeError as e:
    print('RuntimeError:', str(e)[:70])

print('--- setup_context style')
x = torch.randn(4, requires_grad=True)
y = Cube.apply(x, 0.5)
print(y)
y.sum().backward()
print(x.grad)
print(torch.allclose(x.grad, 1.5 * x.detach() ** 2))

print('--- gradcheck')
xd = torch.randn(3, 3, dtype=torch.double, requires_grad=True)
wd = torch.randn(2, 3, dtype=torch.double, requires_grad=True)
bd = torch.randn(2, dtype=torch.double, requires_grad=True)
print('LinearFn', gradcheck(lambda a, b_, c: LinearFn.apply(a, b_, c), (xd, wd, bd), eps=1e-6, atol=1e-4))
print('Cube', gradcheck(lambda a: Cube.apply(a, 2.0), (xd,)))
print('ExpOnce', gradcheck(ExpOnce.apply, (xd,)))

print('--- the errors custom Functions run into')


class TooMany(Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, g):
        return g, g


class WrongShape(Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, g):
        return g[:1]


class NoBackward(Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2


class WrongGrad(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 2

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 3 * x * g


for fn in (TooMany, WrongShape, NoBackward):
    try:
        fn.apply(torch.ones(2, requires_grad=True)).sum().backward()
    except (RuntimeError, NotImplementedError) as e:
        print(type(e).__name__ + ':', str(e)[:110])
xm = torch.randn(3, requires_grad=True)
ym = xm.clone()
zm = ExpOnce.apply(ym)
zm.mul_(2)
try:
    zm.sum().backward()
except RuntimeError as e:
    print('RuntimeError:', str(e)[:100])
print('wrong grad passes gradcheck?', gradcheck(WrongGrad.apply, (xd,), raise_exception=False))
print(torch.autograd.functional.jacobian(lambda t: Cube.apply(t, 1.0), torch.tensor([1.0, 2.0])))

print('--- saved-tensor hooks (activation offloading / compression) and checkpointing')
from torch.utils.checkpoint import checkpoint

mlp = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 2))
xs = torch.randn(3, 4, requires_grad=True)
packed_shapes = []


def pack_half(t):
    packed_shapes.append(tuple(t.shape))
    return t.to(torch.float16), t.dtype


def unpack_half(p):
    t, dtype = p
    return t.to(dtype)


with torch.autograd.graph.saved_tensors_hooks(pack_half, unpack_half):
    out = Cube.apply(mlp(xs), 1.0).sum()
out.backward()
print(packed_shapes)
print(xs.grad)
g_plain = torch.autograd.grad(Cube.apply(mlp(xs), 1.0).sum(), xs)[0]
print('fp16-saved grads close:', torch.allclose(xs.grad, g_plain, atol=1e-2), (xs.grad - g_plain).abs().max().item() > 0)
with torch.autograd.graph.save_on_cpu():
    y = ExpOnce.apply(xs).sum()
y.backward()
print(xs.grad[0])
xs.grad = None
block = nn.Sequential(nn.Linear(4, 16), nn.GELU(), nn.Dropout(0.3), nn.Linear(16, 4))
torch.manual_seed(5)
yc = checkpoint(lambda t: Cube.apply(block(t), 0.5), xs, use_reentrant=False)
print(yc)
yc.sum().backward()
g_ckpt = xs.grad.clone()
xs.grad = None
torch.manual_seed(5)
Cube.apply(block(xs), 0.5).sum().backward()
print('checkpoint grads equal:', torch.allclose(g_ckpt, xs.grad), block[0].weight.grad.shape)
xs.grad = None
yr = checkpoint(block, xs, use_reentrant=True)
print(type(yr.grad_fn).__name__, yr.requires_grad)

print('--- custom function inside a module')


class BinaryLinear(nn.Linear):
    def forward(self, x):
        return F.linear(x, STESign.apply(self.weight), self.bias)


torch.manual_seed(1)
net = nn.Sequential(BinaryLinear(8, 16), nn.Hardtanh(), BinaryLinear(16, 2))
opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)  # Adam would amplify rounding-noise grads
X = torch.randn(64, 8)
Y = (X[:, 0] * X[:, 1] > 0).long()
for step in range(30):
    opt.zero_grad()
    loss = F.cross_entropy(net(X), Y)
    loss.backward()
    opt.step()
    with torch.no_grad():
        for m in net:
            if isinstance(m, BinaryLinear):
                m.weight.clamp_(-1, 1)
    if step % 10 == 0:
        acc = (net(X).argmax(1) == Y).float().mean().item()
        print(f'step {step:2d} loss {loss.item():.5f} acc {acc:.3f}')
print(net[0].weight[:2])
