"""Policy-gradient style log_prob training (REINFORCE with a baseline on a contextual bandit and a
continuous Gaussian policy with entropy bonus), plus register_kl for a user-written KL, KL
dispatch and its NotImplementedError, and a custom Distribution subclass."""
import math
import torch
import torch.nn as nn
from torch.distributions import (Categorical, Normal, Laplace, Independent, Distribution, constraints,
                                 kl_divergence, register_kl, Uniform, Exponential, Gumbel, Beta)

torch.manual_seed(9)

# contextual bandit: 4 contexts, 3 arms
true_reward = torch.tensor([[1.0, 0.0, 0.2], [0.0, 1.0, 0.1], [0.3, 0.2, 1.0], [0.5, 0.9, 0.0]])
policy = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3))
opt = torch.optim.Adam(policy.parameters(), lr=0.05)
baseline = 0.0
for it in range(40):
    ctx = torch.randint(0, 4, (32,))
    logits = policy(nn.functional.one_hot(ctx, 4).float())
    dist = Categorical(logits=logits)
    act = dist.sample()
    r = true_reward[ctx, act] + 0.1 * torch.randn(32)
    baseline = 0.9 * baseline + 0.1 * r.mean().item()
    loss = -((r - baseline) * dist.log_prob(act)).mean() - 0.01 * dist.entropy().mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
    if it % 8 == 0:
        print(f'it {it} reward {r.mean().item():.4f} loss {loss.item():.4f} entropy {dist.entropy().mean().item():.4f}')
with torch.no_grad():
    print('greedy', policy(torch.eye(4)).argmax(-1))
    print('probs', Categorical(logits=policy(torch.eye(4))).probs)

# continuous Gaussian policy with a learned log-std
mu_net = nn.Linear(2, 2)
log_std = nn.Parameter(torch.zeros(2))
opt = torch.optim.SGD(list(mu_net.parameters()) + [log_std], lr=0.05)
target = torch.tensor([0.5, -0.5])
for it in range(30):
    obs = torch.randn(16, 2)
    pi = Independent(Normal(mu_net(obs), log_std.exp()), 1)
    a = pi.sample()
    rew = -((a - target) ** 2).sum(-1)
    adv = (rew - rew.mean()) / (rew.std() + 1e-8)
    loss = -(adv * pi.log_prob(a)).mean() - 0.001 * pi.entropy().mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
print('log_std', log_std.data, 'bias', mu_net.bias.data)
old = Independent(Normal(mu_net(torch.zeros(1, 2)).detach(), log_std.exp().detach()), 1)
new = Independent(Normal(mu_net(torch.zeros(1, 2)).detach() + 0.1, log_std.exp().detach() * 1.1), 1)
print('policy kl', kl_divergence(old, new))
act = old.sample()
print('ratio', (new.log_prob(act) - old.log_prob(act)).exp())


# a user-written distribution with its own KL
class Triangular(Distribution):
    """Symmetric triangular distribution on [loc - w, loc + w]."""
    arg_constraints = {'loc': constraints.real, 'width': constraints.positive}
    has_rsample = True

    def __init__(self, loc, width, validate_args=None):
        self.loc, self.width = torch.as_tensor(loc, dtype=torch.float), torch.as_tensor(width, dtype=torch.float)
        super().__init__(self.loc.shape, validate_args=validate_args)

    @constraints.dependent_property
    def support(self):
        return constraints.interval(self.loc - self.width, self.loc + self.width)

    def rsample(self, sample_shape=torch.Size()):
        shape = self._extended_shape(sample_shape)
        u1 = torch.rand(shape)
        u2 = torch.rand(shape)
        return self.loc + self.width * (u1 - u2)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return torch.log((self.width - (value - self.loc).abs()).clamp(min=1e-12)) - 2 * torch.log(self.width)

    @property
    def mean(self):
        return self.loc

    @property
    def variance(self):
        return self.width ** 2 / 6


@register_kl(Triangular, Normal)
def _kl_tri_normal(p, q):
    # E_p[log p] (= 1/2 - log w) minus E_p[log q]
    ent = 0.5 + torch.log(p.width)
    e_logq = -0.5 * math.log(2 * math.pi) - torch.log(q.scale) - ((p.mean - q.loc) ** 2 + p.variance) / (2 * q.scale ** 2)
    return -ent - e_logq


tri = Triangular(torch.tensor([0.0, 1.0]), torch.tensor([1.0, 2.0]))
print(tri)
print('tri batch', tri.batch_shape, 'support', tri.support)
smp = tri.sample((4,))
print('tri samples', smp)
print('tri log_prob', tri.log_prob(smp))
print('tri mean var std', tri.mean, tri.variance, tri.stddev)
print('kl(tri||normal)', kl_divergence(tri, Normal(torch.tensor([0.0, 1.0]), torch.tensor([1.0, 1.0]))))
mc = (tri.log_prob(tri.sample((20000,))) - Normal(torch.tensor([0.0, 1.0]), 1.0).log_prob(tri.sample((20000,)))).mean(0)
print('mc kl shape', mc.shape)
try:
    tri.log_prob(torch.tensor([5.0, 5.0]))
except ValueError as e:
    print('ValueError:', str(e)[:80])
try:
    tri.entropy()
except NotImplementedError:
    print('entropy NotImplementedError')
try:
    kl_divergence(Normal(0.0, 1.0), tri)
except NotImplementedError as e:
    print('NotImplementedError:', e)

# KL table of built-in pairs
pairs = [
    (Normal(0.0, 1.0), Normal(1.0, 2.0)),
    (Normal(0.0, 1.0), Laplace(0.0, 1.0)),
    (Laplace(0.0, 1.0), Normal(0.0, 1.0)),
    (Uniform(0.0, 1.0), Normal(0.0, 1.0)),
    (Uniform(0.0, 1.0), Beta(2.0, 2.0)),
    (Exponential(torch.tensor(2.0)), Exponential(torch.tensor(1.0))),
    (Exponential(torch.tensor(2.0)), Normal(0.0, 1.0)),
    (Gumbel(0.0, 1.0), Normal(0.0, 1.0)),
    (Beta(2.0, 3.0), Uniform(0.0, 1.0)),
    (Normal(0.0, 1.0), Uniform(-1.0, 1.0)),
    (Categorical(torch.tensor([0.2, 0.8])), Categorical(torch.tensor([0.5, 0.5]))),
]
for p, q in pairs:
    try:
        print(type(p).__name__, type(q).__name__, kl_divergence(p, q))
    except NotImplementedError as e:
        print(type(p).__name__, type(q).__name__, 'NotImplementedError')

# a one-parameter Gaussian policy (scalar nn.Parameter mean) on a 1-D bandit, printed as people do
mu = nn.Parameter(torch.tensor(0.0))
opt = torch.optim.SGD([mu], lr=0.1)
for it in range(20):
    pi = Normal(mu, 0.5)
    a = pi.sample((32,))
    r = -(a - 1.5) ** 2
    loss = -((r - r.mean()) * pi.log_prob(a)).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
print('scalar policy', Normal(mu, 0.5))
print('as float', f'{mu.item():.3f}', f'{mu.detach():.3f}')
try:
    print(f'{mu:.3f}')
except TypeError as e:
    print('TypeError:', e)
