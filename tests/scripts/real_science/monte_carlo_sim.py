"""Monte Carlo integration and a differentiable spring-mass simulation."""
import math
import torch

torch.manual_seed(7)

# Monte Carlo estimate of pi and of a Gaussian integral
n = 20000
pts = torch.rand(n, 2)
inside = (pts.pow(2).sum(1) <= 1.0)
print('inside dtype', inside.dtype, 'count', inside.sum().item())
pi_hat = 4 * inside.float().mean()
print('pi estimate %.4f' % pi_hat.item(), 'err %.4f' % abs(pi_hat.item() - math.pi))
running = 4 * inside.float().cumsum(0) / torch.arange(1, n + 1)
print('running', running[[9, 99, 999, 9999, 19999]])
z = torch.randn(n, 3)
est = torch.exp(-z.pow(2).sum(1) / 2).mean()
print('E[exp(-|z|^2/2)] %.5f exact %.5f' % (est.item(), (1 / math.sqrt(2)) ** 3))
u = torch.rand(n, dtype=torch.float64)
vals = torch.sqrt(1 - u ** 2)
print('quarter circle %.6f +- %.6f' % (vals.mean().item(), (vals.std() / math.sqrt(n)).item()))
# (torch.quasirandom.SobolEngine left out: ember has no quasi-random engines)
# importance sampling with torch.distributions
prop = torch.distributions.Normal(torch.tensor(1.0), torch.tensor(1.5))
s = prop.sample((n,))
target = torch.distributions.Normal(torch.tensor(0.0), torch.tensor(1.0))
w = (target.log_prob(s) - prop.log_prob(s)).exp()
print('IS E[x^2] %.4f' % ((w * s ** 2).sum() / w.sum()).item())
# waiting times: Exponential.rsample (ember's Gamma/Beta/Dirichlet/StudentT/Chi2/Poisson/Binomial samplers
# draw torch's numbers for a seed too)
rate = torch.tensor([0.5, 2.0], requires_grad=True)
waits = torch.distributions.Exponential(rate).rsample((4,))
waits.mean(0).sum().backward()
print('waits', waits, 'd/drate', rate.grad)
print('multinomial', torch.multinomial(torch.tensor([0.1, 0.2, 0.7]), 10, replacement=True))
print('bernoulli', torch.bernoulli(torch.full((8,), 0.3)))
print('randint', torch.randint(0, 10, (6,)), torch.randperm(6))
print('normal_', torch.empty(3).normal_(2.0, 0.5), torch.empty(3).uniform_(-1, 1))
print('exponential', torch.empty(3).exponential_(2.0))
print('quantile', torch.quantile(z[:, 0], torch.tensor([0.05, 0.5, 0.95])))
print('histc', torch.histc(z[:, 0], bins=6, min=-3, max=3))
print('bincount', torch.bincount(torch.randint(0, 5, (50,))))
print('hist', torch.histogram(z[:100, 1], bins=4))


# differentiable spring-mass rollout: learn the spring constant from a trajectory
def simulate(k, c, x0, v0, dt=0.05, steps=80, m=1.0):
    xs = []
    x, v = x0, v0
    for _ in range(steps):
        a = (-k * x - c * v) / m
        v = v + dt * a
        x = x + dt * v
        xs.append(x)
    return torch.stack(xs)


with torch.no_grad():
    target_traj = simulate(torch.tensor(4.0), torch.tensor(0.3), torch.tensor([1.0, -0.5]), torch.zeros(2))
print('target', target_traj.shape, target_traj[::20, 0])
k = torch.tensor(2.0, requires_grad=True)
c = torch.tensor(0.1, requires_grad=True)
opt = torch.optim.Adam([k, c], lr=0.1)
for it in range(40):
    opt.zero_grad()
    traj = simulate(k, c, torch.tensor([1.0, -0.5]), torch.zeros(2))
    loss = (traj - target_traj).pow(2).mean()
    loss.backward()
    opt.step()
    if it % 8 == 0:
        print(f'sim {it} loss {loss.item():.6f} k {k.item():.5f} c {c.item():.5f} dk {k.grad.item():.5f}')
print('learned', k.detach(), c.detach())
# a chain of 2 masses with an interaction term, gradients wrt initial state
x0 = torch.tensor([0.5, -0.2], requires_grad=True)
pos = x0
vel = torch.zeros(2)
for _ in range(30):
    f = torch.stack([-(pos[0] - pos[1]) * 3 - pos[0], (pos[0] - pos[1]) * 3 - pos[1]])
    vel = vel + 0.05 * f
    pos = pos + 0.05 * vel
energy = 0.5 * vel.pow(2).sum() + 0.5 * pos.pow(2).sum() + 1.5 * (pos[0] - pos[1]) ** 2
energy.backward()
print('energy %.6f' % energy.item(), 'dE/dx0', x0.grad)
