"""A complex-valued network as in complex-valued deep learning code: nn.Linear layers with
dtype=torch.cfloat, a modReLU activation and a cardioid written by hand, a complex-to-real head
on abs(), MSE on magnitudes, complex parameters trained with SGD (momentum) and Adam, and
state_dict / parameter bookkeeping of complex tensors."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(13)


class ModReLU(nn.Module):
    def __init__(self, features):
        super().__init__()
        self.b = nn.Parameter(torch.full((features,), -0.1))

    def forward(self, z):
        mag = z.abs()
        return F.relu(mag + self.b) * z / (mag + 1e-6)


def cardioid(z):
    return 0.5 * (1 + torch.cos(z.angle())) * z


class ComplexNet(nn.Module):
    def __init__(self, din=6, dh=12, dout=3):
        super().__init__()
        self.fc1 = nn.Linear(din, dh, dtype=torch.cfloat)
        self.act = ModReLU(dh)
        self.fc2 = nn.Linear(dh, dh, bias=False, dtype=torch.cfloat)
        self.head = nn.Linear(dh, dout)

    def forward(self, z):
        h = self.act(self.fc1(z))
        h = cardioid(self.fc2(h))
        return self.head(h.abs())


net = ComplexNet()
print(net)
print([(n, p.dtype, tuple(p.shape)) for n, p in net.named_parameters()])
print(sum(p.numel() for p in net.parameters()), net.fc1.weight.is_complex(), net.head.weight.is_complex())
z = torch.randn(16, 6, dtype=torch.cfloat)
print(z.dtype, f'{z.real.var().item():.4f} {z.imag.var().item():.4f} {(z.abs() ** 2).mean().item():.4f}')
target = torch.randn(16, 3)
out = net(z)
print(out.shape, out.dtype, f'{out.sum().item():.5f}')

print('--- sgd')
opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
for step in range(5):
    loss = F.mse_loss(net(z), target)
    opt.zero_grad()
    loss.backward()
    if step == 0:
        g = net.fc1.weight.grad
        print(g.dtype, f'{g.real.norm().item():.5f} {g.imag.norm().item():.5f} {net.act.b.grad.sum().item():.5f}')
    opt.step()
    print(f'step {step} loss {loss.item():.5f}')

print('--- adam')
net2 = ComplexNet()
opt = torch.optim.Adam(net2.parameters(), lr=1e-2)
for step in range(5):
    loss = F.mse_loss(net2(z), target)
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(f'adam {step} loss {loss.item():.5f}')
st = opt.state[net2.fc1.weight]
print(st['exp_avg'].dtype, st['exp_avg_sq'].dtype, f'{st["exp_avg_sq"].sum().real.item():.3e}')

print('--- complex regression')
w_true = torch.randn(4, dtype=torch.cdouble)
x = torch.randn(32, 4, dtype=torch.cdouble)
y = x @ w_true
w = torch.zeros(4, dtype=torch.cdouble, requires_grad=True)
for it in range(30):
    err = x @ w - y
    loss = (err.abs() ** 2).mean()
    loss.backward()
    with torch.no_grad():
        w -= 0.2 * w.grad
        w.grad.zero_()
print(f'loss {loss.item():.6e}', f'{(w - w_true).abs().max().item():.3e}', w.dtype)
lin = nn.Linear(4, 2, dtype=torch.cdouble)
sd = lin.state_dict()
print({k: (v.dtype, tuple(v.shape)) for k, v in sd.items()})
lin2 = nn.Linear(4, 2, dtype=torch.cdouble)
lin2.load_state_dict(sd)
print(torch.equal(lin2.weight, lin.weight), lin2(x[:2]).dtype, lin2(x[:2]).shape)
print(torch.view_as_real(lin.weight).shape, lin.weight.conj().imag.sum().item() == -lin.weight.imag.sum().item())
