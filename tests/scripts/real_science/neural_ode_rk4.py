"""Neural ODE with a hand-written RK4 integrator, trained by backprop through the solver."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(1)


def rk4_step(f, t, y, h):
    k1 = f(t, y)
    k2 = f(t + h / 2, y + h / 2 * k1)
    k3 = f(t + h / 2, y + h / 2 * k2)
    k4 = f(t + h, y + h * k3)
    return y + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)


def odeint(f, y0, ts):
    ys = [y0]
    y = y0
    for t0, t1 in zip(ts[:-1], ts[1:]):
        y = rk4_step(f, t0, y, t1 - t0)
        ys.append(y)
    return torch.stack(ys)


# ground truth: damped spiral dy/dt = A y
A = torch.tensor([[-0.1, 2.0], [-2.0, -0.1]])
true_f = lambda t, y: y @ A.T
ts = torch.linspace(0.0, 2.0, 21)
y0 = torch.tensor([[2.0, 0.0]])
with torch.no_grad():
    true_y = odeint(true_f, y0, ts)
print('true_y', true_y.shape, true_y[-1])
print('energy', true_y.pow(2).sum(-1).squeeze(-1)[::5])


class ODEFunc(nn.Module):
    def __init__(self):
        super().__init__()
        self.l1 = nn.Linear(2, 32)
        self.l2 = nn.Linear(32, 2)
        nn.init.normal_(self.l1.weight, std=0.1)
        nn.init.zeros_(self.l1.bias)
        nn.init.normal_(self.l2.weight, std=0.1)
        nn.init.zeros_(self.l2.bias)
        self.nfe = 0

    def forward(self, t, y):
        self.nfe += 1
        return self.l2(torch.tanh(self.l1(y)))


func = ODEFunc()
opt = torch.optim.RMSprop(func.parameters(), lr=1e-2)
sched = torch.optim.lr_scheduler.StepLR(opt, step_size=10, gamma=0.5)
for it in range(30):
    opt.zero_grad()
    pred = odeint(func, y0, ts)
    loss = F.l1_loss(pred, true_y)
    loss.backward()
    gn = torch.nn.utils.clip_grad_norm_(func.parameters(), 1.0)
    opt.step()
    sched.step()
    if it % 5 == 0:
        print(f'iter {it:02d} loss {loss.item():.6f} gradnorm {gn.item():.5f} lr {sched.get_last_lr()[0]:.5f} nfe {func.nfe}')

with torch.no_grad():
    pred = odeint(func, y0, ts)
print('final', pred[-1], 'mse %.6f' % F.mse_loss(pred, true_y).item())
print('traj diff cumsum', (pred - true_y).norm(dim=-1).squeeze(-1).cumsum(0)[::4])

# sensitivity of the end state to y0 via jacobian
J = torch.autograd.functional.jacobian(lambda y: odeint(true_f, y, ts[:6])[-1], y0)
print('jacobian', J.shape)
print(J.squeeze())
