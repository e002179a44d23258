"""Structured transforms and matrix distributions as flow / hierarchical-model code uses them:
ReshapeTransform, IndependentTransform, CatTransform, StackTransform, CorrCholeskyTransform,
CumulativeDistributionTransform, LKJCholesky and Wishart priors for covariance matrices, float64
parameters, torch.distributions.utils helpers, and a hierarchical model's joint log density."""
import torch
from torch.distributions import (Normal, Independent, TransformedDistribution, LKJCholesky, Wishart,
                                 HalfCauchy, MultivariateNormal, Exponential, Uniform, LogisticNormal,
                                 constraints, transform_to)
from torch.distributions.transforms import (ReshapeTransform, IndependentTransform, CatTransform,
                                            StackTransform, CorrCholeskyTransform, ExpTransform,
                                            AffineTransform, CumulativeDistributionTransform,
                                            SigmoidTransform, identity_transform)
from torch.distributions.utils import logits_to_probs, probs_to_logits, broadcast_all, clamp_probs

torch.manual_seed(10)

# reshape an event of 6 into a 2x3 matrix-valued variable
base = Independent(Normal(torch.zeros(6), torch.ones(6)), 1)
rt = ReshapeTransform((6,), (2, 3))
mat = TransformedDistribution(base, [rt])
print(rt, rt.domain, rt.codomain)
print('reshaped batch/event', mat.batch_shape, mat.event_shape)
m = mat.sample((2,))
print('matrix samples', m.shape)
print('matrix log_prob', mat.log_prob(m))
print('rt inverse', rt.inv(m).shape, rt.forward_shape((4, 6)), rt.inverse_shape((4, 2, 3)))

it = IndependentTransform(ExpTransform(), 1)
x = torch.tensor([[0.0, 1.0, -1.0], [0.5, 0.5, 0.5]])
print(it, 'ladj', it.log_abs_det_jacobian(x, it(x)), 'event_dim', it.domain.event_dim)

# per-coordinate transforms: exp on the first block, sigmoid on the second
ct = CatTransform([ExpTransform(), SigmoidTransform()], dim=0, lengths=[2, 3])
v = torch.tensor([0.0, 1.0, -2.0, 0.0, 2.0])
print('cat', ct(v), ct.inv(ct(v)), ct.log_abs_det_jacobian(v, ct(v)))
st = StackTransform([ExpTransform(), AffineTransform(1.0, 3.0)], dim=1)
w = torch.tensor([[0.0, 1.0], [1.0, 2.0]])
print('stack', st(w), st.log_abs_det_jacobian(w, st(w)))

# correlation cholesky factors
cc = CorrCholeskyTransform()
raw = torch.randn(3)
Lc = cc(raw)
print('corr chol', Lc)
print('corr diag', (Lc @ Lc.T).diagonal())
print('corr inverse', cc.inv(Lc))
print('corr ladj', cc.log_abs_det_jacobian(raw, Lc))
print('transform_to corr_cholesky', transform_to(constraints.corr_cholesky))

lkj = LKJCholesky(3, concentration=torch.tensor(2.0))
print(lkj)
Ls = lkj.sample((2,))
print('lkj samples', Ls)
print('lkj log_prob', lkj.log_prob(Ls))
print('lkj support', lkj.support, lkj.event_shape)

# Wishart prior on a precision matrix
wi = Wishart(df=torch.tensor(5.0), covariance_matrix=torch.eye(2))
print(wi)
W = wi.sample((2,))
print('wishart samples', W)
print('wishart log_prob', wi.log_prob(W))
print('wishart mean', wi.mean, 'var', wi.variance, 'mode', wi.mode)
print('wishart entropy', wi.entropy())

# CDF transform: normal -> uniform
cdt = CumulativeDistributionTransform(Normal(0.0, 1.0))
z = torch.tensor([-1.0, 0.0, 2.0])
print('cdf transform', cdt(z), cdt.inv(cdt(z)), cdt.log_abs_det_jacobian(z, cdt(z)))

ln = LogisticNormal(torch.zeros(3), torch.ones(3))
ls = ln.sample((2,))
print('logistic normal', ls, ls.sum(-1), ln.log_prob(ls))

# float64 parameters keep float64 samples
n64 = Normal(torch.zeros(2, dtype=torch.float64), torch.ones(2, dtype=torch.float64))
s64 = n64.sample()
print('float64', s64.dtype, s64, n64.log_prob(s64).dtype)
print('exp64', Exponential(torch.tensor([1.0], dtype=torch.float64)).rsample((2,)).dtype)

# utils
lg = torch.tensor([[-1.0, 0.0, 2.0]])
print('logits_to_probs', logits_to_probs(lg), logits_to_probs(lg, is_binary=True))
pp = torch.tensor([0.0, 0.25, 1.0])
print('probs_to_logits', probs_to_logits(pp), probs_to_logits(pp, is_binary=True))
print('clamp_probs', clamp_probs(pp))
a, b = broadcast_all(torch.zeros(2, 1), 3.0)
print('broadcast_all', a.shape, b.shape, b)
print('identity', identity_transform, identity_transform(torch.ones(2)))

# hierarchical model: eight-schools style joint log density and MAP by gradient ascent
y = torch.tensor([28.0, 8.0, -3.0, 7.0, -1.0, 1.0, 18.0, 12.0])
sig = torch.tensor([15.0, 10.0, 16.0, 11.0, 9.0, 11.0, 10.0, 18.0])
mu = torch.zeros(1, requires_grad=True)
log_tau = torch.zeros(1, requires_grad=True)
eta = torch.zeros(8, requires_grad=True)
opt = torch.optim.Adam([mu, log_tau, eta], lr=0.1)
to_pos = transform_to(constraints.positive)
for step in range(60):
    tau = to_pos(log_tau)
    theta = mu + tau * eta
    logp = (Normal(0.0, 5.0).log_prob(mu).sum() + HalfCauchy(5.0).log_prob(tau).sum()
            + to_pos.log_abs_det_jacobian(log_tau, tau).sum()
            + Normal(0.0, 1.0).log_prob(eta).sum() + Normal(theta, sig).log_prob(y).sum())
    opt.zero_grad()
    (-logp).backward()
    opt.step()
    if step % 15 == 0:
        print(f'step {step} logp {logp.item():.4f} mu {mu.item():.4f} tau {tau.item():.4f}')
print('theta', (mu + to_pos(log_tau) * eta).detach())
