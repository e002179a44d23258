"""RealNVP on 2-D two-moons-like data: affine coupling layers with alternating checkerboard masks,
scale via tanh, log-det-Jacobians summed, base distribution from torch.distributions, maximum
likelihood training, inverse sampling, plus TransformedDistribution with built-in transforms."""
import math

import torch
import torch.nn as nn
from torch import distributions as D

torch.manual_seed(0)


def make_moons(n, noise=0.1):
    t = torch.rand(n) * math.pi
    upper = torch.stack([torch.cos(t), torch.sin(t)], 1)
    lower = torch.stack([1 - torch.cos(t), 0.5 - torch.sin(t)], 1)
    x = torch.cat([upper[: n // 2], lower[n // 2:]])
    return x + noise * torch.randn_like(x)


class Coupling(nn.Module):
    def __init__(self, mask, hidden=32):
        super().__init__()
        self.register_buffer('mask', mask)
        self.s = nn.Sequential(nn.Linear(2, hidden), nn.LeakyReLU(), nn.Linear(hidden, hidden), nn.LeakyReLU(),
                               nn.Linear(hidden, 2), nn.Tanh())
        self.t = nn.Sequential(nn.Linear(2, hidden), nn.LeakyReLU(), nn.Linear(hidden, hidden), nn.LeakyReLU(),
                               nn.Linear(hidden, 2))

    def forward(self, x):                  # data -> latent, returns log|det J|
        xm = x * self.mask
        s = self.s(xm) * (1 - self.mask)
        t = self.t(xm) * (1 - self.mask)
        z = xm + (1 - self.mask) * (x * torch.exp(s) + t)
        return z, s.sum(dim=1)

    def inverse(self, z):
        zm = z * self.mask
        s = self.s(zm) * (1 - self.mask)
        t = self.t(zm) * (1 - self.mask)
        return zm + (1 - self.mask) * (z - t) * torch.exp(-s)


class RealNVP(nn.Module):
    def __init__(self, n_layers=4):
        super().__init__()
        masks = [torch.tensor([1., 0.]) if i % 2 == 0 else torch.tensor([0., 1.]) for i in range(n_layers)]
        self.layers = nn.ModuleList([Coupling(m) for m in masks])
        self.prior = D.MultivariateNormal(torch.zeros(2), torch.eye(2))

    def f(self, x):
        log_det = x.new_zeros(x.shape[0])
        for layer in self.layers:
            x, ld = layer(x)
            log_det = log_det + ld
        return x, log_det

    def log_prob(self, x):
        z, log_det = self.f(x)
        return self.prior.log_prob(z) + log_det

    def sample(self, n):
        z = self.prior.sample((n,))
        for layer in reversed(self.layers):
            z = layer.inverse(z)
        return z


flow = RealNVP()
print('params:', sum(p.numel() for p in flow.parameters()))
print('buffers:', [n for n, _ in flow.named_buffers()])
print('prior:', flow.prior, flow.prior.event_shape, flow.prior.batch_shape)

x = make_moons(256)
print('data mean', x.mean(0), 'std', x.std(0))

# invertibility and the log-det against autograd's Jacobian for one point
z, ld = flow.f(x[:4])
print('z', z.shape, 'log_det', ld)
print('inverse error: %.2e' % (flow.sample.__self__.layers[0].inverse(flow.layers[0](x[:4])[0]) - x[:4]).abs().max().item())
J = torch.autograd.functional.jacobian(lambda v: flow.f(v.unsqueeze(0))[0].squeeze(0), x[0])
print('jacobian', J.shape, 'logdet via slogdet: %.5f vs %.5f' % (torch.linalg.slogdet(J)[1].item(), ld[0].item()))

opt = torch.optim.Adam(flow.parameters(), lr=5e-3, weight_decay=1e-5)
for step in range(15):
    idx = torch.randperm(256)[:128]
    loss = -flow.log_prob(x[idx]).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 3 == 0 or step == 14:
        print(f'step {step:2d} nll {loss.item():.4f}')

with torch.no_grad():
    s = flow.sample(5)
    print('samples:\n', s)
    print('log p(samples):', flow.log_prob(s))
    print('mean log p(data): %.4f' % flow.log_prob(x).mean().item())

# built-in transforms: a diagonal affine flow on an Independent Normal
base = D.Independent(D.Normal(torch.zeros(2), torch.ones(2)), 1)
print('base:', base, base.event_shape, base.batch_shape)
loc = torch.zeros(2, requires_grad=True)
log_scale = torch.zeros(2, requires_grad=True)
opt2 = torch.optim.SGD([loc, log_scale], lr=0.1)
for step in range(6):
    td = D.TransformedDistribution(base, [D.transforms.AffineTransform(loc, log_scale.exp(), event_dim=1)])
    nll = -td.log_prob(x).mean()
    opt2.zero_grad()
    nll.backward()
    opt2.step()
    print(f'affine step {step} nll {nll.item():.4f} loc {loc.data.tolist()} scale {log_scale.exp().data.tolist()}')
tr = D.transforms.ComposeTransform([D.transforms.AffineTransform(0., 2.), D.transforms.SigmoidTransform()])
td = D.TransformedDistribution(D.Normal(torch.tensor(0.), torch.tensor(1.)), [tr])
v = td.sample((4,))
print('sigmoid-normal samples', v, 'log_prob', td.log_prob(v))
y = torch.tensor([0.3, 0.7])
print('log|det J| of compose:', tr.log_abs_det_jacobian(tr.inv(y), y))
print('support:', td.support, 'has_rsample:', td.has_rsample)
try:
    flow.prior.log_prob(torch.zeros(3))
except (RuntimeError, ValueError) as e:
    print(type(e).__name__, str(e)[:80])
