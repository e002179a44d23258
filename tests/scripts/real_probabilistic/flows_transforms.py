"""Normalizing flows built from torch.distributions.transforms: TransformedDistribution with
Affine/Exp/Sigmoid/Tanh/Compose transforms, log_abs_det_jacobian, inverses, constraints and
biject_to / transform_to, and a learnable affine + planar-ish flow fitted by maximum likelihood."""
import math
import torch
import torch.nn as nn
from torch.distributions import (Normal, Uniform, TransformedDistribution, LogNormal, Independent,
                                 constraints, biject_to, transform_to)
from torch.distributions.transforms import (AffineTransform, ExpTransform, SigmoidTransform,
                                            TanhTransform, ComposeTransform, PowerTransform,
                                            SoftmaxTransform, StickBreakingTransform,
                                            LowerCholeskyTransform, AbsTransform, SoftplusTransform)

torch.manual_seed(2)

base = Normal(torch.tensor(0.0), torch.tensor(1.0))
t = ComposeTransform([AffineTransform(loc=1.0, scale=0.5), ExpTransform()])
ln = TransformedDistribution(base, [AffineTransform(loc=1.0, scale=0.5), ExpTransform()])
ref = LogNormal(1.0, 0.5)
pts = torch.tensor([0.5, 1.0, 2.7, 6.0])
print('transformed log_prob', ln.log_prob(pts))
print('lognormal log_prob  ', ref.log_prob(pts))
print('lognormal mean/var', ref.mean, ref.variance)
print('compose', t)
print('compose inverse', t.inv)
print('domain', t.domain, 'codomain', t.codomain)
print('bijective', t.bijective, 'sign', ExpTransform().sign)
z = torch.tensor([-1.0, 0.5, 2.0])
y = t(z)
print('forward', y)
print('inverse', t.inv(y))
print('ladj', t.log_abs_det_jacobian(z, y))
s = ln.sample((5,))
print('samples', s)
print('support', ln.support)
print('batch/event', ln.batch_shape, ln.event_shape)

# tanh-squashed gaussian (SAC policy)
mu = torch.tensor([[0.2, -0.3]], requires_grad=True)
log_std = torch.tensor([[-0.5, 0.1]], requires_grad=True)
pi = TransformedDistribution(Normal(mu, log_std.exp()), [TanhTransform(cache_size=1)])
a = pi.rsample()
lp = pi.log_prob(a).sum(-1)
print('action', a.detach(), 'logp', lp.detach())
lp.sum().backward()
print('mu grad', mu.grad)
print('log_std grad', log_std.grad)
# the numerically stable SAC formula
u = torch.atanh(a.detach().clamp(-0.999999, 0.999999))
manual = Normal(mu.detach(), log_std.detach().exp()).log_prob(u) - 2 * (math.log(2) - u - torch.nn.functional.softplus(-2 * u))
print('manual logp', manual.sum(-1))

# sigmoid-transformed uniform = logistic distribution
logistic = TransformedDistribution(Uniform(0.0, 1.0), [SigmoidTransform().inv, AffineTransform(0.0, 2.0)])
print('logistic log_prob', logistic.log_prob(torch.tensor([-2.0, 0.0, 3.0])))
print('logistic cdf', logistic.cdf(torch.tensor([-2.0, 0.0, 3.0])))
print('logistic icdf', logistic.icdf(torch.tensor([0.1, 0.5, 0.9])))

# the constraint registry
for c in [constraints.positive, constraints.unit_interval, constraints.real, constraints.simplex,
          constraints.lower_cholesky, constraints.interval(-1.0, 3.0), constraints.greater_than(2.0)]:
    try:
        b = biject_to(c)
    except NotImplementedError as e:
        print('NotImplementedError:', e)
        b = None
    tt = transform_to(c)
    print(c, '->', b, '|', tt)
x = torch.randn(3)
print('positive', biject_to(constraints.positive)(x))
print('interval', biject_to(constraints.interval(-1.0, 3.0))(x))
print('simplex', biject_to(constraints.simplex)(x), transform_to(constraints.simplex)(x))
print('simplex check', constraints.simplex.check(torch.softmax(x, 0)))
print('positive check', constraints.positive.check(x))
L = transform_to(constraints.lower_cholesky)(torch.randn(3, 3))
print('lower chol', L)
print('lower check', constraints.lower_cholesky.check(L))
sb = StickBreakingTransform()
yy = sb(x)
print('stick', yy, yy.sum(), sb.inv(yy))
print('stick ladj', sb.log_abs_det_jacobian(x, yy))
print('power', PowerTransform(2.0)(torch.tensor([1.0, 2.0])), PowerTransform(2.0).log_abs_det_jacobian(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 4.0])))
print('softplus', SoftplusTransform()(x), SoftplusTransform().inv(SoftplusTransform()(x)))
print('abs', AbsTransform()(x))
print('softmax transform', SoftmaxTransform()(x))


# learnable flow: fit a 2-D affine flow (diag scale) to shifted data
class AffineFlow(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.shift = nn.Parameter(torch.zeros(d))
        self.log_scale = nn.Parameter(torch.zeros(d))

    def dist(self):
        base = Independent(Normal(torch.zeros(2), torch.ones(2)), 1)
        return TransformedDistribution(base, [AffineTransform(self.shift, self.log_scale.exp(), event_dim=1)])


data = torch.randn(200, 2) * torch.tensor([0.5, 2.0]) + torch.tensor([3.0, -1.0])
flow = AffineFlow(2)
opt = torch.optim.Adam(flow.parameters(), lr=0.1)
for i in range(50):
    loss = -flow.dist().log_prob(data).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
    if i % 10 == 0:
        print(f'flow step {i} nll {loss.item():.4f}')
print('shift', flow.shift.data, 'scale', flow.log_scale.exp().data)
d = flow.dist()
print('flow batch/event', d.batch_shape, d.event_shape)
print('flow sample', d.sample((3,)))
