"""A VAE on toy binary data the way the PyTorch examples and tutorials write it: encoder to
(mu, logvar), the reparameterization trick with torch.randn_like and exp(0.5 * logvar), the
closed-form KL term, F.binary_cross_entropy_with_logits reconstruction summed per batch, beta
warm-up, the same KL through torch.distributions.Normal + kl_divergence and rsample, Independent
log_prob, sampling from the prior, interpolation in latent space, ELBO / IWAE-style bounds."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.distributions import Normal, Independent, Bernoulli, kl_divergence

torch.manual_seed(99)

# toy data: 64 binary "images" of 16 pixels drawn from 4 prototypes with bit flips
protos = (torch.rand(4, 16) > 0.5).float()
idx = torch.randint(0, 4, (64,))
flips = (torch.rand(64, 16) < 0.05).float()
data = (protos[idx] + flips) % 2
print('data', data.shape, data.mean().item(), torch.unique(data).tolist())


class VAE(nn.Module):
    def __init__(self, d=16, h=32, z=2):
        super().__init__()
        self.enc = nn.Sequential(nn.Linear(d, h), nn.ReLU())
        self.mu = nn.Linear(h, z)
        self.logvar = nn.Linear(h, z)
        self.dec = nn.Sequential(nn.Linear(z, h), nn.ReLU(), nn.Linear(h, d))

    def encode(self, x):
        h = self.enc(x)
        return self.mu(h), self.logvar(h)

    def reparameterize(self, mu, logvar):
        std = torch.exp(0.5 * logvar)
        eps = torch.randn_like(std)
        return mu + eps * std

    def forward(self, x):
        mu, logvar = self.encode(x)
        z = self.reparameterize(mu, logvar)
        return self.dec(z), mu, logvar


def loss_function(logits, x, mu, logvar, beta=1.0):
    bce = F.binary_cross_entropy_with_logits(logits, x, reduction='sum')
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return bce + beta * kld, bce, kld


model = VAE()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
print('--- train')
for epoch in range(8):
    model.train()
    perm = torch.randperm(64)
    tot = rec = kl = 0.0
    beta = min(1.0, (epoch + 1) / 4)
    for i in range(0, 64, 16):
        xb = data[perm[i:i + 16]]
        logits, mu, logvar = model(xb)
        loss, bce, kld = loss_function(logits, xb, mu, logvar, beta)
        opt.zero_grad()
        loss.backward()
        opt.step()
        tot, rec, kl = tot + loss.item(), rec + bce.item(), kl + kld.item()
    print(f'epoch {epoch} beta {beta:.2f} loss {tot / 64:.4f} rec {rec / 64:.4f} kl {kl / 64:.4f}')

print('--- distributions agree with closed form')
model.eval()
with torch.no_grad():
    mu, logvar = model.encode(data[:8])
std = torch.exp(0.5 * logvar)
q = Normal(mu, std)
p = Normal(torch.zeros_like(mu), torch.ones_like(std))
kl_d = kl_divergence(q, p).sum()
kl_closed = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
print(f'{kl_d.item():.5f} {kl_closed.item():.5f}', torch.allclose(kl_d, kl_closed, atol=1e-4))
qi = Independent(q, 1)
print(qi.batch_shape, qi.event_shape, q.batch_shape, f'{kl_divergence(qi, Independent(p, 1)).sum().item():.5f}')
z = q.rsample()
print(z.shape, q.sample((3,)).shape, f'{q.log_prob(mu).sum().item():.5f}', f'{q.entropy().sum().item():.5f}')
print(f'{q.mean[0, 0].item():.5f} {q.stddev[0, 0].item():.5f} {q.variance[0, 0].item():.5f}')

print('--- elbo / iwae')
with torch.no_grad():
    x = data[:8]
    K = 10
    zs = q.rsample((K,))
    logits = model.dec(zs)
    log_px = Independent(Bernoulli(logits=logits), 1).log_prob(x)
    log_pz = Independent(p, 1).log_prob(zs)
    log_qz = qi.log_prob(zs)
    w = log_px + log_pz - log_qz
    elbo = w.mean(0).mean()
    iwae = (torch.logsumexp(w, dim=0) - math.log(K)).mean()
print(w.shape, f'elbo {elbo.item():.4f} iwae {iwae.item():.4f}', bool(iwae >= elbo))

print('--- prior samples / interpolation')
with torch.no_grad():
    zp = torch.randn(5, 2)
    samples = torch.sigmoid(model.dec(zp))
    bits = torch.bernoulli(samples)
    a, b = mu[0], mu[1]
    alphas = torch.linspace(0, 1, 5).unsqueeze(1)
    path = torch.lerp(a.expand(5, 2), b.expand(5, 2), alphas)
    recon = (model.dec(path) > 0).float()
print(samples.shape, f'{samples.mean().item():.4f}', bits.sum().item() >= 0, path.shape)
print(f'{path[2].tolist()[0]:.5f}', torch.allclose(path[-1], b), recon.sum(1).tolist())
nearest = torch.cdist(recon, protos).argmin(1)
print('nearest prototypes', nearest.tolist(), idx[:2].tolist())
