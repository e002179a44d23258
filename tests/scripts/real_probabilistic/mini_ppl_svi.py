"""A tiny Pyro-like probabilistic programming layer in plain torch: effect handlers (trace, replay,
condition) on a handler stack, sample sites with plates via expand/to_event, an AutoNormal guide
whose unconstrained parameters live in an nn.ParameterDict and map through biject_to(support),
SVI with Trace_ELBO on a hierarchical Beta-Binomial model, and posterior predictive sampling."""
from collections import OrderedDict
from contextlib import contextmanager

import torch
import torch.nn as nn
import torch.distributions as dist
from torch.distributions import biject_to, constraints

torch.manual_seed(20)
_STACK = []


class Messenger:
    def __enter__(self):
        _STACK.append(self)
        return self

    def __exit__(self, *exc):
        _STACK.pop()

    def process(self, msg):
        pass


class trace(Messenger):
    def __enter__(self):
        self.nodes = OrderedDict()
        return super().__enter__()

    def process(self, msg):
        self.nodes[msg['name']] = dict(msg)

    def log_prob_sum(self):
        return sum(n['fn'].log_prob(n['value']).sum() for n in self.nodes.values())


class replay(Messenger):
    def __init__(self, tr):
        self.tr = tr

    def process(self, msg):
        if msg['name'] in self.tr.nodes and not msg['is_observed']:
            msg['value'] = self.tr.nodes[msg['name']]['value']


class condition(Messenger):
    def __init__(self, data):
        self.data = data

    def process(self, msg):
        if msg['name'] in self.data:
            msg['value'] = self.data[msg['name']]
            msg['is_observed'] = True


def sample(name, fn, obs=None):
    msg = {'name': name, 'fn': fn, 'value': obs, 'is_observed': obs is not None}
    # handlers run innermost first (replay/condition before trace records)
    for h in reversed(_STACK):
        if not isinstance(h, trace):
            h.process(msg)
    if msg['value'] is None:
        msg['value'] = fn.rsample() if fn.has_rsample else fn.sample()
    for h in reversed(_STACK):
        if isinstance(h, trace):
            h.process(msg)
    return msg['value']


# hierarchical Beta-Binomial (rat tumours style)
trials = torch.tensor([20.0, 20.0, 19.0, 25.0, 14.0, 20.0, 18.0, 23.0])
successes = torch.tensor([2.0, 4.0, 1.0, 5.0, 0.0, 6.0, 3.0, 4.0])
J = trials.numel()


def model(trials, successes=None):
    mean = sample('mean', dist.Beta(2.0, 2.0))
    kappa = sample('kappa', dist.Gamma(2.0, 0.1))
    theta = sample('theta', dist.Beta(mean * kappa, (1 - mean) * kappa).expand([J]).to_event(1)
                   if hasattr(dist.Distribution, 'to_event') else
                   dist.Independent(dist.Beta(mean * kappa, (1 - mean) * kappa).expand([J]), 1))
    return sample('obs', dist.Independent(dist.Binomial(trials, theta), 1), obs=successes)


class AutoNormal(nn.Module):
    def __init__(self, model, *args):
        super().__init__()
        with trace() as tr:
            model(*args)
        self.locs = nn.ParameterDict()
        self.scales = nn.ParameterDict()
        self.supports = {}
        for name, node in tr.nodes.items():
            if node['is_observed']:
                continue
            fn = node['fn']
            self.supports[name] = fn.support
            unconstrained = biject_to(fn.support).inv(node['value'].detach())
            self.locs[name] = nn.Parameter(torch.zeros_like(unconstrained) + unconstrained.mean() * 0)
            self.scales[name] = nn.Parameter(torch.full_like(unconstrained, -2.0))

    def forward(self, *args):
        out = {}
        for name in self.locs:
            t = biject_to(self.supports[name])
            base = dist.Independent(dist.Normal(self.locs[name], self.scales[name].exp()), self.locs[name].dim())
            out[name] = sample(name, dist.TransformedDistribution(base, [t]))
        return out


with trace() as tr:
    model(trials, successes)
for name, node in tr.nodes.items():
    print(name, type(node['fn']).__name__, tuple(node['fn'].batch_shape), tuple(node['fn'].event_shape),
          'observed' if node['is_observed'] else 'latent', tuple(node['value'].shape), node['fn'].support)
print('prior joint', tr.log_prob_sum())

guide = AutoNormal(model, trials, successes)
print(guide)
print(list(guide.state_dict().keys()))
for k, v in guide.supports.items():
    print(k, v, biject_to(v))

opt = torch.optim.Adam(guide.parameters(), lr=0.05)
for step in range(60):
    elbo = 0.0
    for particle in range(2):
        with trace() as gtr:
            guide(trials, successes)
        with trace() as mtr, replay(gtr), condition({'obs': successes}):
            model(trials)
        elbo = elbo + (mtr.log_prob_sum() - gtr.log_prob_sum()) / 2
    loss = -elbo
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 15 == 0:
        print(f'svi step {step} elbo {elbo.item():.3f}')

with torch.no_grad():
    draws = []
    for _ in range(200):
        with trace() as gtr:
            guide(trials)
        draws.append(gtr.nodes['theta']['value'])
    draws = torch.stack(draws)
    print('posterior theta mean', draws.mean(0))
    print('raw rates', successes / trials)
    print('mean loc', guide.locs['mean'].data, 'kappa loc', guide.locs['kappa'].data)
    with trace() as gtr:
        guide(trials)
    with trace() as ptr, replay(gtr):
        model(trials)
    print('posterior predictive', ptr.nodes['obs']['value'])
