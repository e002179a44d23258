"""Mixture density network (Bishop 1994) on the inverted sinusoid problem: MixtureSameFamily of
Categorical + Independent(Normal), NLL training, sampling and log_prob of the mixture."""
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.distributions as D

torch.manual_seed(1)
N = 128
y = torch.rand(N, 1) * 2 - 1
x = y + 0.3 * torch.sin(3.0 * y) + 0.05 * torch.randn(N, 1)
print('x', x[:3].squeeze(), 'y', y[:3].squeeze())


class MDN(nn.Module):
    def __init__(self, in_dim, out_dim, n_comp, hidden=32):
        super().__init__()
        self.k, self.d = n_comp, out_dim
        self.body = nn.Sequential(nn.Linear(in_dim, hidden), nn.Tanh())
        self.pi = nn.Linear(hidden, n_comp)
        self.mu = nn.Linear(hidden, n_comp * out_dim)
        self.sigma = nn.Linear(hidden, n_comp * out_dim)

    def forward(self, x):
        h = self.body(x)
        logits = self.pi(h)
        mu = self.mu(h).view(-1, self.k, self.d)
        sigma = F.softplus(self.sigma(h)).view(-1, self.k, self.d) + 1e-3
        mix = D.Categorical(logits=logits)
        comp = D.Independent(D.Normal(mu, sigma), 1)
        return D.MixtureSameFamily(mix, comp)


model = MDN(1, 1, 3)
print(model)
opt = torch.optim.Adam(model.parameters(), lr=0.02)
for epoch in range(40):
    dist = model(x)
    loss = -dist.log_prob(y).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
    if epoch % 8 == 0:
        print(f'epoch {epoch} nll {loss.item():.4f}')

with torch.no_grad():
    dist = model(torch.tensor([[-0.5], [0.0], [0.5]]))
print(type(dist).__name__)
print('batch', dist.batch_shape, 'event', dist.event_shape)
print('mixture probs', dist.mixture_distribution.probs)
print('component', dist.component_distribution)
print('component means', dist.component_distribution.mean.squeeze(-1))
print('mixture mean', dist.mean)
print('mixture var', dist.variance)
s = dist.sample((5,))
print('samples', s.shape, s.squeeze(-1))
print('log_prob', dist.log_prob(torch.zeros(3, 1)))
print('cdf-free log_prob of samples', dist.log_prob(s).shape)

# 1-D mixture without Independent, with cdf
mix = D.Categorical(torch.tensor([0.3, 0.7]))
comp = D.Normal(torch.tensor([-1.0, 2.0]), torch.tensor([0.5, 1.0]))
gmm = D.MixtureSameFamily(mix, comp)
print(gmm)
pts = torch.tensor([-1.0, 0.0, 2.0])
print('gmm log_prob', gmm.log_prob(pts))
print('gmm cdf', gmm.cdf(pts))
print('gmm sample', gmm.sample((6,)))
print('gmm mean var', gmm.mean, gmm.variance)

# batch of mixtures, 2-D components
mix = D.Categorical(logits=torch.randn(4, 5))
comp = D.Independent(D.Normal(torch.randn(4, 5, 2), torch.rand(4, 5, 2) + 0.5), 1)
gm = D.MixtureSameFamily(mix, comp)
print('batch gm', gm.batch_shape, gm.event_shape)
smp = gm.sample((3,))
print('sample shape', smp.shape)
print('log_prob shape', gm.log_prob(smp).shape)
print(gm.log_prob(smp))
try:
    D.MixtureSameFamily(D.Categorical(logits=torch.randn(4, 3)), comp)
except ValueError as e:
    print('ValueError:', e)
try:
    D.MixtureSameFamily(torch.randn(3), comp)
except ValueError as e:
    print('ValueError:', e)
