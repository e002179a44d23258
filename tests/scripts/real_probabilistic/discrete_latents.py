"""Discrete latent variables: Gumbel-softmax / RelaxedOneHotCategorical (straight-through),
RelaxedBernoulli, Bernoulli with logits, Binomial, Poisson, NegativeBinomial, Geometric;
enumerate_support, log_prob/entropy/mean/variance, a Poisson GLM fitted by maximum likelihood."""
import torch
import torch.nn.functional as F
from torch.distributions import (RelaxedOneHotCategorical, RelaxedBernoulli, OneHotCategorical,
                                 Categorical, Bernoulli, Binomial, Poisson, NegativeBinomial,
                                 Geometric, Multinomial)

torch.manual_seed(3)

logits = torch.randn(2, 4, requires_grad=True)
temp = torch.tensor(0.5)
q = RelaxedOneHotCategorical(temp, logits=logits)
print(q)
print('batch', q.batch_shape, 'event', q.event_shape, 'temperature', q.temperature)
y = q.rsample()
print('relaxed sample', y.detach(), y.sum(-1).detach())
print('relaxed log_prob', q.log_prob(y).detach())
# straight-through estimator
idx = y.argmax(-1)
hard = F.one_hot(idx, 4).float()
st = (hard - y).detach() + y
loss = (st * torch.arange(4.0)).sum()
loss.backward()
print('st forward', st.detach())
print('logits grad', logits.grad)

# F.gumbel_softmax vs the distribution
torch.manual_seed(3)
g = F.gumbel_softmax(logits.detach(), tau=0.5, hard=True)
print('gumbel hard', g)
torch.manual_seed(3)
g2 = F.gumbel_softmax(logits.detach(), tau=0.5)
print('gumbel soft', g2)

rb = RelaxedBernoulli(torch.tensor([0.3, 2.0]), logits=torch.tensor([0.0, 1.5]))
s = rb.rsample((3,))
print('relaxed bernoulli', s)
print('rb log_prob', rb.log_prob(s))

# one-hot categorical and categorical
oh = OneHotCategorical(probs=torch.tensor([0.1, 0.2, 0.7]))
print(oh, oh.sample((4,)))
print('enumerate', oh.enumerate_support())
print('oh entropy', oh.entropy(), 'mean', oh.mean, 'var', oh.variance)
cat = Categorical(logits=torch.tensor([[0.0, 1.0, 2.0], [2.0, 0.0, -1.0]]))
print('cat sample', cat.sample((5,)))
print('cat enumerate', cat.enumerate_support().shape, cat.enumerate_support(expand=False).shape)
print('cat log_prob', cat.log_prob(cat.enumerate_support()))
print('cat entropy', cat.entropy())
print('cat probs', cat.probs, 'param_shape', cat.param_shape)

b = Bernoulli(logits=torch.tensor([-2.0, 0.0, 3.0]))
print(b)
print('bern probs', b.probs)
x = b.sample((4,))
print('bern samples', x)
print('bern log_prob', b.log_prob(x))
print('bern entropy', b.entropy(), 'enumerate', b.enumerate_support().squeeze(-1))
print('bce match', torch.allclose(-b.log_prob(x), F.binary_cross_entropy_with_logits(b.logits.expand(4, 3), x, reduction='none')))

bi = Binomial(total_count=10, probs=torch.tensor([0.2, 0.5, 0.9]))
print(bi)
bs = bi.sample((3,))
print('binomial', bs, bs.dtype)
print('binomial log_prob', bi.log_prob(bs))
print('binomial mean/var', bi.mean, bi.variance, 'mode', bi.mode)
print('binomial enumerate', Binomial(3, torch.tensor(0.5)).enumerate_support())
print('binomial entropy', bi.entropy())

po = Poisson(torch.tensor([0.5, 3.0, 20.0]))
ps = po.sample((4,))
print('poisson', ps)
print('poisson log_prob', po.log_prob(ps))
print('poisson mean/var/mode', po.mean, po.variance, po.mode)

nb = NegativeBinomial(total_count=torch.tensor([5.0, 2.0]), probs=torch.tensor([0.3, 0.6]))
print(nb)
ns = nb.sample((5,))
print('negbin', ns)
print('negbin log_prob', nb.log_prob(ns))
print('negbin mean/var/mode', nb.mean, nb.variance, nb.mode)
nbl = NegativeBinomial(total_count=3.0, logits=torch.tensor([0.0, -1.0]))
print('negbin logits probs', nbl.probs, nbl.log_prob(torch.tensor([2.0, 0.0])))

ge = Geometric(probs=torch.tensor([0.2, 0.7]))
gs = ge.sample((5,))
print('geometric', gs)
print('geometric log_prob', ge.log_prob(gs), 'entropy', ge.entropy())
print('geometric mean/var', ge.mean, ge.variance, ge.mode)

mn = Multinomial(20, probs=torch.tensor([0.2, 0.3, 0.5]))
ms = mn.sample((3,))
print('multinomial', ms, mn.log_prob(ms))
print('multinomial mean/var', mn.mean, mn.variance)

# Poisson regression by maximum likelihood
X = torch.randn(100, 2)
true_w = torch.tensor([0.5, -0.8])
counts = Poisson((X @ true_w + 1.0).exp()).sample()
print('counts', counts[:10])
w = torch.zeros(2, requires_grad=True)
b0 = torch.zeros(1, requires_grad=True)
opt = torch.optim.SGD([w, b0], lr=0.05)
for it in range(60):
    rate = (X @ w + b0).exp()
    nll = -Poisson(rate).log_prob(counts).mean()
    opt.zero_grad()
    nll.backward()
    opt.step()
    if it % 15 == 0:
        print(f'iter {it} nll {nll.item():.4f}')
print('w', w.data, 'b', b0.data)
print('poisson_nll_loss', F.poisson_nll_loss((X @ w + b0).detach(), counts).item())
