"""Bayes by Backprop (Blundell et al. 2015): a BayesianLinear layer with a Gaussian weight
posterior (softplus rho), a scale-mixture prior evaluated by Monte Carlo, KL accumulated as a
module attribute, minibatch ELBO training on a toy regression, and predictive uncertainty."""
import math
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.distributions import Normal, MixtureSameFamily, Categorical, kl_divergence

torch.manual_seed(7)


class ScaleMixturePrior:
    def __init__(self, pi=0.5, s1=1.0, s2=0.0025):
        self.mix = MixtureSameFamily(Categorical(torch.tensor([pi, 1 - pi])),
                                     Normal(torch.zeros(2), torch.tensor([s1, s2])))

    def log_prob(self, w):
        return self.mix.log_prob(w.reshape(-1)).sum()


class BayesianLinear(nn.Module):
    def __init__(self, nin, nout, prior='mixture'):
        super().__init__()
        self.w_mu = nn.Parameter(torch.empty(nout, nin).uniform_(-0.2, 0.2))
        self.w_rho = nn.Parameter(torch.full((nout, nin), -5.0))
        self.b_mu = nn.Parameter(torch.empty(nout).uniform_(-0.2, 0.2))
        self.b_rho = nn.Parameter(torch.full((nout,), -5.0))
        self.prior_kind = prior
        self.prior = ScaleMixturePrior()
        self.kl = torch.tensor(0.0)

    def extra_repr(self):
        return f'in={self.w_mu.shape[1]}, out={self.w_mu.shape[0]}, prior={self.prior_kind}'

    def forward(self, x, sample=True):
        wq = Normal(self.w_mu, F.softplus(self.w_rho))
        bq = Normal(self.b_mu, F.softplus(self.b_rho))
        if not sample:
            return F.linear(x, self.w_mu, self.b_mu)
        w, b = wq.rsample(), bq.rsample()
        if self.prior_kind == 'mixture':
            self.kl = (wq.log_prob(w).sum() + bq.log_prob(b).sum()
                       - self.prior.log_prob(w) - self.prior.log_prob(b))
        else:
            std = Normal(torch.zeros_like(w), torch.ones_like(w))
            self.kl = kl_divergence(wq, std).sum() + kl_divergence(bq, Normal(0.0, 1.0)).sum()
        return F.linear(x, w, b)


class BNN(nn.Module):
    def __init__(self, prior='mixture'):
        super().__init__()
        self.l1 = BayesianLinear(1, 16, prior)
        self.l2 = BayesianLinear(16, 1, prior)

    def forward(self, x, sample=True):
        return self.l2(torch.relu(self.l1(x, sample)), sample)

    def kl(self):
        return sum(m.kl for m in self.modules() if isinstance(m, BayesianLinear))


x = torch.linspace(-1, 1, 48).unsqueeze(-1)
y = torch.sin(3 * x) + 0.1 * torch.randn_like(x)
for prior in ['mixture', 'gaussian']:
    torch.manual_seed(8)
    net = BNN(prior)
    if prior == 'mixture':
        print(net)
        print([k for k in net.state_dict()])
    opt = torch.optim.Adam(net.parameters(), lr=0.02)
    n_batches = 3
    for epoch in range(20):
        perm = torch.randperm(48)
        tot = 0.0
        for i in range(n_batches):
            idx = perm[i * 16:(i + 1) * 16]
            out = net(x[idx])
            nll = -Normal(out, 0.1).log_prob(y[idx]).sum()
            # Graves' minibatch weighting of the complexity cost
            weight = 2 ** (n_batches - i - 1) / (2 ** n_batches - 1)
            loss = nll + weight * net.kl()
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        if epoch % 5 == 0:
            print(f'{prior} epoch {epoch} loss {tot / n_batches:.3f} kl {net.kl().item():.3f}')
    with torch.no_grad():
        xt = torch.tensor([[-1.5], [0.0], [0.5], [1.5]])
        preds = torch.stack([net(xt) for _ in range(30)])
        print(prior, 'pred mean', preds.mean(0).squeeze())
        print(prior, 'pred std', preds.std(0).squeeze())
        print(prior, 'map', net(xt, sample=False).squeeze())
    sigma = F.softplus(net.l1.w_rho)
    print(prior, 'posterior sigma range', round(sigma.min().item(), 5), round(sigma.max().item(), 5))
    print(prior, 'snr', (net.l1.w_mu.abs() / sigma).mean().item() > 0)

pr = ScaleMixturePrior()
print('prior log_prob', pr.log_prob(torch.tensor([0.0, 0.01, 1.0])))
print('prior sample', pr.mix.sample((5,)))
print('prior mean/var', pr.mix.mean, pr.mix.variance)
