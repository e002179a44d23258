"""Bayesian linear regression with a hand-written mean-field Gaussian guide (VI by hand):
reparameterised samples via rsample, ELBO with analytic KL vs a Monte Carlo KL estimate."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.distributions import Normal, Independent, kl_divergence

torch.manual_seed(0)

# synthetic data y = 2x - 1 + noise
N = 64
x = torch.linspace(-2, 2, N).unsqueeze(1)
true_w, true_b = 2.0, -1.0
y = true_w * x + true_b + 0.3 * torch.randn(N, 1)
print('data', x.shape, y.shape, y[:4].squeeze())


class MeanFieldGuide(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.loc = nn.Parameter(torch.zeros(dim))
        self.raw_scale = nn.Parameter(torch.full((dim,), -1.0))

    def scale(self):
        return F.softplus(self.raw_scale) + 1e-4

    def forward(self):
        return Independent(Normal(self.loc, self.scale()), 1)


prior = Independent(Normal(torch.zeros(2), torch.ones(2)), 1)
guide = MeanFieldGuide(2)
print(guide)
print('prior', prior)
print('prior batch/event', prior.batch_shape, prior.event_shape)
q0 = guide()
print('guide', q0)
print('guide batch/event', q0.batch_shape, q0.event_shape)
noise = Normal(torch.tensor(0.0), torch.tensor(0.3))


def log_lik(theta):
    # theta: (S, 2)
    w, b = theta[:, :1], theta[:, 1:]
    pred = x.t() * w + b  # (S, N)
    return noise.log_prob(y.t() - pred).sum(-1)


opt = torch.optim.Adam(guide.parameters(), lr=0.05)
S = 8
for step in range(60):
    q = guide()
    theta = q.rsample((S,))
    ll = log_lik(theta).mean()
    kl = kl_divergence(q, prior)
    loss = -(ll - kl)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 10 == 0:
        print(f'step {step:2d} elbo {-loss.item():.4f} kl {kl.item():.4f} theta0 {theta[0].detach().numpy().round(4).tolist()}')

q = guide()
print('posterior loc', q.mean.detach())
print('posterior std', q.stddev.detach())
print('posterior var', q.variance.detach())
print('entropy', q.entropy().detach())

# analytic KL vs Monte Carlo KL
with torch.no_grad():
    z = q.sample((4000,))
    mc_kl = (q.log_prob(z) - prior.log_prob(z)).mean()
    an_kl = kl_divergence(q, prior)
print('kl analytic', round(an_kl.item(), 4))
print('kl mc close', abs(mc_kl.item() - an_kl.item()) < 0.1)

# predictive distribution at new points
xs = torch.tensor([[-1.0], [0.0], [1.5]])
with torch.no_grad():
    th = q.sample((500,))
    preds = xs.t() * th[:, :1] + th[:, 1:]
    print('pred mean', preds.mean(0))
    print('pred std', preds.std(0))

# grads of the ELBO wrt the variational parameters
opt.zero_grad()
q = guide()
elbo = log_lik(q.rsample((4,))).mean() - kl_divergence(q, prior)
elbo.backward()
print('grad loc', guide.loc.grad)
print('grad raw_scale', guide.raw_scale.grad)
print('elbo grad_fn', type(elbo.grad_fn).__name__)
print('state_dict', list(guide.state_dict().keys()))
