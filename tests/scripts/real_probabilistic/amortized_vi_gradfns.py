"""Amortized variational inference (a small VAE-style encoder producing distribution parameters):
the tensors people print while debugging carry grad_fn names, so print log_probs, rsamples,
entropies, KLs and means of distributions built from requires_grad parameters, then train the
encoder/decoder pair a few steps with analytic vs Monte Carlo KL."""
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.distributions as D

torch.manual_seed(11)
p = nn.Parameter(torch.tensor([0.3, -0.2]))
s = nn.Parameter(torch.tensor([0.5, 1.5]))
x = torch.tensor([0.1, 0.4])
items = {
    'Normal.log_prob': lambda: D.Normal(p, s).log_prob(x),
    'Normal.rsample': lambda: D.Normal(p, s).rsample(),
    'Normal.entropy': lambda: D.Normal(p, s).entropy(),
    'Normal.cdf': lambda: D.Normal(p, s).cdf(x),
    'Normal.icdf': lambda: D.Normal(p, s).icdf(torch.tensor([0.2, 0.9])),
    'Normal.mean': lambda: D.Normal(p, s).mean,
    'Normal.stddev': lambda: D.Normal(p, s).stddev,
    'Normal.variance': lambda: D.Normal(p, s).variance,
    'Indep.log_prob': lambda: D.Independent(D.Normal(p, s), 1).log_prob(x),
    'Indep.entropy': lambda: D.Independent(D.Normal(p, s), 1).entropy(),
    'kl normal': lambda: D.kl_divergence(D.Normal(p, s), D.Normal(0.0, 1.0)),
    'kl indep': lambda: D.kl_divergence(D.Independent(D.Normal(p, s), 1), D.Independent(D.Normal(torch.zeros(2), 1.0), 1)),
    'Laplace.log_prob': lambda: D.Laplace(p, s).log_prob(x),
    'LogNormal.log_prob': lambda: D.LogNormal(p, s).log_prob(x + 1),
    'Bernoulli.log_prob': lambda: D.Bernoulli(logits=p).log_prob(torch.tensor([1.0, 0.0])),
    'Bernoulli.probs': lambda: D.Bernoulli(logits=p).probs,
    'Bernoulli.entropy': lambda: D.Bernoulli(logits=p).entropy(),
    'Categorical.log_prob': lambda: D.Categorical(logits=p).log_prob(torch.tensor(1)),
    'Categorical.probs': lambda: D.Categorical(logits=p).probs,
    'Categorical.logits': lambda: D.Categorical(logits=p).logits,
    'Categorical.entropy': lambda: D.Categorical(logits=p).entropy(),
    'Categorical(probs).logits': lambda: D.Categorical(probs=s).logits,
    'kl categorical': lambda: D.kl_divergence(D.Categorical(logits=p), D.Categorical(logits=torch.zeros(2))),
    'Exponential.rsample': lambda: D.Exponential(s).rsample(),
    'Exponential.log_prob': lambda: D.Exponential(s).log_prob(x),
    'Uniform.rsample': lambda: D.Uniform(p, p + s).rsample(),
    'Uniform.log_prob': lambda: D.Uniform(p - 1, s + 1).log_prob(x),
    'Gamma.log_prob': lambda: D.Gamma(s, s).log_prob(x),
    'Beta.log_prob': lambda: D.Beta(s, s + 1).log_prob(x),
    'Dirichlet.log_prob': lambda: D.Dirichlet(s).log_prob(torch.tensor([0.3, 0.7])),
    'Poisson.log_prob': lambda: D.Poisson(s).log_prob(torch.tensor([1.0, 2.0])),
    'MVN.log_prob': lambda: D.MultivariateNormal(p, scale_tril=torch.diag(s)).log_prob(x),
    'MVN.rsample': lambda: D.MultivariateNormal(p, scale_tril=torch.diag(s)).rsample(),
    'MVN.entropy': lambda: D.MultivariateNormal(p, scale_tril=torch.diag(s)).entropy(),
    'Mixture.log_prob': lambda: D.MixtureSameFamily(D.Categorical(logits=p), D.Normal(p, s)).log_prob(x),
    'Transformed.log_prob': lambda: D.TransformedDistribution(D.Normal(p, s), [D.transforms.ExpTransform()]).log_prob(x + 1),
    'StudentT.log_prob': lambda: D.StudentT(s + 2, p, s).log_prob(x),
    'Cauchy.log_prob': lambda: D.Cauchy(p, s).log_prob(x),
    'Gumbel.log_prob': lambda: D.Gumbel(p, s).log_prob(x),
    'HalfNormal.log_prob': lambda: D.HalfNormal(s).log_prob(x),
}
for name, f in items.items():
    t = f()
    print(f'{name:28s}', t)


class Encoder(nn.Module):
    def __init__(self, d_in=6, d_z=2):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(d_in, 16), nn.ReLU(), nn.Linear(16, 2 * d_z))

    def forward(self, x):
        mu, log_var = self.net(x).chunk(2, -1)
        return D.Independent(D.Normal(mu, torch.exp(0.5 * log_var)), 1)


class Decoder(nn.Module):
    def __init__(self, d_z=2, d_out=6):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(d_z, 16), nn.ReLU(), nn.Linear(16, d_out))

    def forward(self, z):
        return D.Independent(D.Bernoulli(logits=self.net(z)), 1)


data = (torch.rand(64, 6) < torch.tensor([0.9, 0.1, 0.8, 0.2, 0.5, 0.5])).float()
for mode in ['analytic', 'mc']:
    torch.manual_seed(12)
    enc, dec = Encoder(), Decoder()
    prior = D.Independent(D.Normal(torch.zeros(2), torch.ones(2)), 1)
    opt = torch.optim.Adam(list(enc.parameters()) + list(dec.parameters()), lr=0.01)
    for step in range(30):
        q = enc(data)
        z = q.rsample()
        rec = dec(z).log_prob(data)
        kl = D.kl_divergence(q, prior) if mode == 'analytic' else q.log_prob(z) - prior.log_prob(z)
        loss = -(rec - kl).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step in (0, 29):
            print(mode, step, 'loss', round(loss.item(), 4), 'rec', rec[:3], 'kl', kl[:3])
    q = enc(data[:2])
    print(mode, 'q', q, q.mean, q.stddev)
    print(mode, 'grad norm', sum(p.grad.norm() ** 2 for p in enc.parameters()).sqrt())
