"""User-written Transform subclasses as flow libraries write them: a planar flow and a
learnable elementwise affine-coupling (RealNVP-style) layer subclassing
torch.distributions.transforms.Transform (_call/_inverse/log_abs_det_jacobian, domain/codomain,
bijective, cache_size), composed in a TransformedDistribution and trained by maximum likelihood
on two moons-like data; caching, .inv, with_cache, equality and event_dim handling."""
import math
import torch
import torch.nn as nn
from torch.distributions import Normal, Independent, TransformedDistribution, constraints
from torch.distributions.transforms import Transform, ComposeTransform, AffineTransform, TanhTransform, ExpTransform

torch.manual_seed(15)


class CouplingTransform(Transform):
    domain = constraints.real_vector
    codomain = constraints.real_vector
    bijective = True

    def __init__(self, net, mask, cache_size=1):
        super().__init__(cache_size=cache_size)
        self.net = net
        self.mask = mask

    def __repr__(self):
        return f'CouplingTransform(mask={self.mask.tolist()})'

    def _params(self, x):
        h = self.net(x * self.mask)
        s, t = h.chunk(2, -1)
        s = torch.tanh(s) * (1 - self.mask)
        t = t * (1 - self.mask)
        return s, t

    def _call(self, x):
        s, t = self._params(x)
        return x * torch.exp(s) + t

    def _inverse(self, y):
        s, t = self._params(y)
        return (y - t) * torch.exp(-s)

    def log_abs_det_jacobian(self, x, y):
        s, _ = self._params(x)
        return s.sum(-1)


class PlanarTransform(Transform):
    domain = constraints.real_vector
    codomain = constraints.real_vector
    bijective = False

    def __init__(self, u, w, b):
        super().__init__(cache_size=1)
        self.u, self.w, self.b = u, w, b

    def _call(self, z):
        return z + self.u * torch.tanh(z @ self.w + self.b).unsqueeze(-1)

    def log_abs_det_jacobian(self, z, y):
        psi = (1 - torch.tanh(z @ self.w + self.b) ** 2).unsqueeze(-1) * self.w
        return torch.log((1 + psi @ self.u).abs() + 1e-8)


# two-moons-like data
n = 256
t = torch.rand(n) * math.pi
top = torch.rand(n) < 0.5
x = torch.where(top, torch.cos(t), 1 - torch.cos(t))
y = torch.where(top, torch.sin(t), 0.5 - torch.sin(t))
data = torch.stack([x, y], -1) + 0.05 * torch.randn(n, 2)
print('data', data.shape, data.mean(0), data.std(0))

nets = nn.ModuleList([nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 4)) for _ in range(4)])
masks = [torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0])] * 2
base = Independent(Normal(torch.zeros(2), torch.ones(2)), 1)
print(nets[0])


def build():
    ts = [CouplingTransform(net, m) for net, m in zip(nets, masks)]
    return TransformedDistribution(base, ts)


flow = build()
print(flow.transforms)
print('flow batch/event', flow.batch_shape, flow.event_shape)
opt = torch.optim.Adam(nets.parameters(), lr=0.01)
for step in range(50):
    flow = build()
    loss = -flow.log_prob(data).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 10 == 0:
        print(f'flow step {step} nll {loss.item():.4f}')
with torch.no_grad():
    flow = build()
    smp = flow.sample((5,))
    print('flow samples', smp)
    print('flow log_prob', flow.log_prob(smp))
    # inverse through the composition reproduces the base noise
    comp = ComposeTransform(flow.transforms)
    z = base.sample((3,))
    xz = comp(z)
    print('round trip', torch.allclose(comp.inv(xz), z, atol=1e-5))
    print('compose ladj', comp.log_abs_det_jacobian(z, xz))
    print('compose event_dim', comp.domain.event_dim, comp.codomain.event_dim)

# caching: the inverse of a cached forward output returns the exact input object
ct = CouplingTransform(nets[0], masks[0])
a = torch.randn(2, 2)
b = ct(a)
print('cache hit', ct.inv(b) is a, ct._cache_size)
try:
    ct.with_cache(0)
except NotImplementedError as e:
    print('NotImplementedError:', e)
nc = TanhTransform(cache_size=1).with_cache(0)
print('with_cache(0)', type(nc).__name__, nc._cache_size, ExpTransform().with_cache(1)._cache_size)
tt = TanhTransform(cache_size=1)
xx = torch.tensor([0.5, 3.0])
print('tanh cached inv', tt.inv(tt(xx)) is xx)
print('tanh uncached inv', TanhTransform()(xx), TanhTransform().inv(TanhTransform()(xx)))
print('eq', ExpTransform() == ExpTransform(), ExpTransform() == TanhTransform(), ExpTransform().inv.inv == ExpTransform())
print('affine eq', AffineTransform(0.0, 1.0) == AffineTransform(0.0, 1.0))
print('inv repr', ExpTransform().inv, ExpTransform().inv.inv)
print('affine event_dim', AffineTransform(0.0, torch.ones(2), event_dim=1).event_dim, AffineTransform(0.0, 2.0).sign)
try:
    Transform(cache_size=2)
except ValueError as e:
    print('ValueError:', e)

# planar flow for variational inference on a banana-shaped density
u = nn.Parameter(torch.tensor([0.5, -0.3]))
w = nn.Parameter(torch.tensor([0.2, 0.4]))
bb = nn.Parameter(torch.tensor(0.0))
opt = torch.optim.Adam([u, w, bb], lr=0.05)


def log_target(z):
    return Normal(0.0, 1.0).log_prob(z[..., 0]) + Normal(z[..., 0] ** 2 - 1.0, 0.5).log_prob(z[..., 1])


for step in range(40):
    q = TransformedDistribution(base, [PlanarTransform(u, w, bb)])
    z0 = base.rsample((64,))
    pt = q.transforms[0]
    zk = pt(z0)
    logq = base.log_prob(z0) - pt.log_abs_det_jacobian(z0, zk)
    loss = (logq - log_target(zk)).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 10 == 0:
        print(f'planar step {step} kl {loss.item():.4f}')
print('planar params', u.data, w.data, bb.data)
try:
    PlanarTransform(u, w, bb).inv(torch.zeros(1, 2))
except NotImplementedError:
    print('planar inverse NotImplementedError')
