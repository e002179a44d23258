# A small VAE with torch.distributions (Normal, Independent, kl_divergence, rsample) and a
# Gaussian-mixture density fitted by gradient descent (MixtureSameFamily-free)
import math
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.distributions as D
from torch.distributions import Normal, Independent, kl_divergence, Bernoulli, Categorical

torch.manual_seed(8)

# data: 2-D points on two noisy arcs
t = torch.rand(256) * math.pi
x_data = torch.stack([torch.cos(t), torch.sin(t)], 1)
x_data[128:] = x_data[128:] * torch.tensor([1.0, -1.0]) + torch.tensor([1.0, 0.5])
x_data = x_data + 0.05 * torch.randn_like(x_data)
print('data', x_data.shape, x_data.mean(0), x_data.std(0))


class VAE(nn.Module):
    def __init__(self, x_dim=2, z_dim=2, h=32):
        super().__init__()
        self.enc = nn.Sequential(nn.Linear(x_dim, h), nn.Softplus(), nn.Linear(h, 2 * z_dim))
        self.dec = nn.Sequential(nn.Linear(z_dim, h), nn.Softplus(), nn.Linear(h, 2 * x_dim))
        self.z_dim = z_dim

    def encode(self, x):
        mu, log_sigma = self.enc(x).chunk(2, dim=-1)
        return Independent(Normal(mu, log_sigma.exp()), 1)

    def decode(self, z):
        mu, log_sigma = self.dec(z).chunk(2, dim=-1)
        return Independent(Normal(mu, F.softplus(log_sigma) + 1e-3), 1)

    def prior(self):
        return Independent(Normal(torch.zeros(self.z_dim), torch.ones(self.z_dim)), 1)

    def elbo(self, x):
        q = self.encode(x)
        z = q.rsample()
        rec = self.decode(z).log_prob(x)
        kl = kl_divergence(q, self.prior())
        return rec - kl, rec, kl


vae = VAE()
opt = torch.optim.Adam(vae.parameters(), lr=5e-3)
for step in range(100):
    idx = torch.randint(0, 256, (64,))
    elbo, rec, kl = vae.elbo(x_data[idx])
    loss = -elbo.mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 25 == 0:
        print(f'step {step:3d} -elbo {loss.item():.5f} rec {rec.mean().item():.5f} kl {kl.mean().item():.5f}')

with torch.no_grad():
    q = vae.encode(x_data[:4])
    print(q)
    print('q batch/event', q.batch_shape, q.event_shape, q.base_dist.loc.shape)
    print('q mean', q.mean, 'q var', q.variance)
    z = q.sample((2,))
    print('z', z.shape)
    print('log_prob', q.log_prob(z))
    print('kl', kl_divergence(q, vae.prior()))
    print('kl normal', kl_divergence(Normal(torch.tensor([0.5]), torch.tensor([2.0])), Normal(0.0, 1.0)))
    print('entropy', q.entropy())
    samples = vae.decode(vae.prior().sample((5,))).mean
    print('generated', samples)

# Gaussian mixture by gradient descent on the negative log likelihood
K = 3
logits = torch.zeros(K, requires_grad=True)
locs = torch.randn(K, 2, requires_grad=True)
log_scales = torch.zeros(K, 2, requires_grad=True)
opt = torch.optim.Adam([logits, locs, log_scales], lr=0.05)
for step in range(100):
    comp = Independent(Normal(locs, log_scales.exp()), 1)
    log_px = torch.logsumexp(comp.log_prob(x_data.unsqueeze(1)) + F.log_softmax(logits, 0), dim=1)
    nll = -log_px.mean()
    opt.zero_grad()
    nll.backward()
    opt.step()
    if step % 20 == 0:
        print(f'gmm step {step} nll {nll.item():.5f}')
print('weights', F.softmax(logits, 0).detach())
mix = D.MixtureSameFamily(Categorical(logits=logits.detach()), Independent(Normal(locs.detach(), log_scales.detach().exp()), 1))
print(mix)
print('mixture log_prob', mix.log_prob(x_data[:3]))
print('mixture variance', mix.variance, mix.batch_shape, mix.event_shape)
print('mixture mean', mix.mean)
print('mixture sample', mix.sample((3,)).shape)

# some other distributions people reach for
b = Bernoulli(logits=torch.tensor([0.0, 2.0, -1.0]))
print(b, b.probs, b.sample(), b.log_prob(torch.tensor([1.0, 0.0, 1.0])), b.entropy())
print('kl bern', kl_divergence(Bernoulli(probs=torch.tensor(0.3)), Bernoulli(probs=torch.tensor(0.6))))
c1, c2 = Categorical(probs=torch.tensor([0.2, 0.3, 0.5])), Categorical(logits=torch.tensor([0.0, 1.0, 0.0]))
print('kl cat', kl_divergence(c1, c2), c1.enumerate_support())
mvn = D.MultivariateNormal(torch.zeros(2), covariance_matrix=torch.tensor([[1.0, 0.5], [0.5, 2.0]]))
print(mvn, mvn.log_prob(torch.tensor([0.3, -0.2])), mvn.scale_tril)
print('kl mvn', kl_divergence(mvn, D.MultivariateNormal(torch.ones(2), torch.eye(2))))
u = D.Uniform(torch.tensor([0.0]), torch.tensor([2.0]))
print(u.sample((2,)), u.log_prob(torch.tensor([0.5])), u.entropy())
print(D.Beta(torch.tensor([2.0]), torch.tensor([3.0])).log_prob(torch.tensor([0.4])))
hn = D.HalfNormal(torch.tensor([0.5, 2.0]))
print(hn, hn.rsample((2,)), hn.log_prob(torch.tensor([0.3, 1.0])), hn.mean, hn.entropy())
gum = D.Gumbel(torch.zeros(3), 1.0)
print(gum, gum.sample(), gum.log_prob(torch.tensor([0.0, 1.0, -1.0])), gum.mean)
print('gumbel-max', (torch.log(torch.tensor([0.2, 0.5, 0.3])) + D.Gumbel(0.0, 1.0).sample((5, 3))).argmax(-1))
mn = D.Multinomial(20, probs=torch.tensor([0.1, 0.2, 0.3, 0.4]))
counts = mn.sample((3,))
print(mn, counts, counts.dtype, mn.log_prob(counts), mn.mean, mn.entropy())
rc = D.RelaxedOneHotCategorical(torch.tensor(0.7), logits=torch.tensor([0.5, -0.2, 1.0]))
ys = rc.rsample((2,))
print(rc.batch_shape, rc.event_shape, ys, rc.log_prob(ys), rc.temperature)
rb = D.RelaxedBernoulli(torch.tensor(0.5), logits=torch.tensor([0.0, 2.0]))
print(rb.rsample((2,)), rb.log_prob(torch.tensor([0.3, 0.8])))
# maximum likelihood for constrained parameters through unconstrained ones (transform_to / biject_to)
raw = {'scale': torch.zeros(2, requires_grad=True), 'weights': torch.zeros(3, requires_grad=True)}
opt = torch.optim.Adam(raw.values(), lr=0.1)
for step in range(40):
    scale = D.transform_to(Normal.arg_constraints['scale'])(raw['scale'])
    w = D.biject_to(D.constraints.simplex)(raw['weights'])
    nll = -Normal(x_data.mean(0), scale).log_prob(x_data).sum(-1).mean() - Categorical(probs=w).log_prob(torch.tensor([0, 1, 1, 2, 2, 2])).mean()
    opt.zero_grad()
    nll.backward()
    opt.step()
print('constrained fit', nll.item(), scale.detach(), w.detach(), D.transform_to(D.constraints.simplex))
print(D.biject_to(D.constraints.interval(-1.0, 1.0)), D.transform_to(D.constraints.real_vector))
# (not here: LowRankMultivariateNormal is not in ember; Beta/Gamma/Dirichlet .sample() are drawn by
#  ember with NumPy's samplers, so their numbers are not torch's)
print(D.LogNormal(0.0, 0.5).mean, D.Gamma(2.0, 3.0).log_prob(torch.tensor(0.7)))
