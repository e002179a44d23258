"""Probabilistic regression heads and their scoring: heteroscedastic Gaussian NLL (nn.GaussianNLLLoss
vs Normal.log_prob, beta-NLL weighting), Poisson / KL losses, quantile (pinball) regression,
closed-form Gaussian CRPS with torch.special, calibration (ECE via bucketize / histc) and split
conformal intervals (torch.quantile interpolation modes), deep-ensemble mixtures."""
import math
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.distributions import Normal, MixtureSameFamily, Categorical, StudentT

torch.manual_seed(19)
N = 160
x = torch.rand(N, 1) * 4 - 2
noise = 0.1 + 0.3 * (x + 2) / 4
y = torch.sin(2 * x) + noise * torch.randn(N, 1)
xtr, ytr, xcal, ycal = x[:100], y[:100], x[100:], y[100:]


class HeteroNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(1, 32), nn.SiLU(), nn.Linear(32, 32), nn.SiLU())
        self.mean = nn.Linear(32, 1)
        self.logvar = nn.Linear(32, 1)

    def forward(self, x):
        h = self.body(x)
        return self.mean(h), self.logvar(h).clamp(-8, 4)


crit = nn.GaussianNLLLoss(full=True, eps=1e-6)
print(crit)
ens = []
for member in range(3):
    torch.manual_seed(100 + member)
    net = HeteroNet()
    opt = torch.optim.AdamW(net.parameters(), lr=0.01, weight_decay=1e-4)
    for ep in range(60):
        mu, lv = net(xtr)
        var = lv.exp()
        if member == 2:
            # beta-NLL (Seitzer et al. 2022): weight each term by var.detach() ** beta
            loss = (0.5 * (lv + (ytr - mu) ** 2 / var) * var.detach() ** 0.5).mean()
        else:
            loss = crit(mu, ytr, var)
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        mu, lv = net(xtr)
        ref = -Normal(mu, lv.mul(0.5).exp()).log_prob(ytr).mean()
        print(f'member {member} train loss {loss.item():.4f} nll {ref.item():.4f} gnll {crit(mu, ytr, lv.exp()).item():.4f}')
    ens.append(net)

print('gaussian_nll_loss reductions', F.gaussian_nll_loss(torch.zeros(3), torch.ones(3), torch.full((3,), 2.0), reduction='none'),
      F.gaussian_nll_loss(torch.zeros(3, 2), torch.ones(3, 2), torch.ones(3, 1), reduction='sum'))
try:
    F.gaussian_nll_loss(torch.zeros(3), torch.ones(3), -torch.ones(3))
except ValueError as e:
    print('ValueError:', e)
try:
    F.gaussian_nll_loss(torch.zeros(3, 2), torch.ones(3, 2), torch.ones(3, 3))
except ValueError as e:
    print('ValueError:', e)

# deep ensemble as an equally weighted Gaussian mixture
with torch.no_grad():
    mus, sds = zip(*[(m(xcal)[0], m(xcal)[1].mul(0.5).exp()) for m in ens])
    mus, sds = torch.cat(mus, 1), torch.cat(sds, 1)
    mix = MixtureSameFamily(Categorical(torch.ones(xcal.shape[0], 3)), Normal(mus, sds))
    yc = ycal.squeeze(1)
    print('ensemble nll', -mix.log_prob(yc).mean().item())
    pm, ps = mix.mean, mix.stddev
    print('ensemble mean/std', pm[:4], ps[:4])

    # closed-form CRPS of a Gaussian
    z = (yc - pm) / ps
    crps = ps * (z * (2 * torch.special.ndtr(z) - 1) + 2 * Normal(0.0, 1.0).log_prob(z).exp() - 1 / math.sqrt(math.pi))
    print('crps', crps.mean().item())
    print('ndtri/log_ndtr', torch.special.ndtri(torch.tensor([0.025, 0.5, 0.975])), torch.special.log_ndtr(torch.tensor([-5.0, 0.0, 3.0])))
    print('erfinv', torch.erfinv(torch.tensor([-0.9, 0.0, 0.5])), 'logit', torch.logit(torch.tensor([0.1, 0.5]), eps=1e-6))

    # calibration: PIT histogram and expected calibration error of central intervals
    pit = mix.cdf(yc)
    print('pit hist', torch.histc(pit, bins=5, min=0, max=1))
    levels = torch.linspace(0.1, 0.9, 5)
    cover = []
    for a in levels:
        lo = Normal(pm, ps).icdf((1 - a) / 2)
        hi = Normal(pm, ps).icdf((1 + a) / 2)
        cover.append(((yc >= lo) & (yc <= hi)).float().mean())
    cover = torch.stack(cover)
    print('coverage', cover, 'ece', (cover - levels).abs().mean().item())
    bins = torch.bucketize(pit, torch.tensor([0.25, 0.5, 0.75]))
    print('pit quartile counts', torch.bincount(bins, minlength=4))

    # split conformal interval from absolute residuals
    scores = ((yc - pm) / ps).abs()
    n = scores.numel()
    q_level = math.ceil((n + 1) * 0.9) / n
    for interp in ['linear', 'lower', 'higher', 'nearest', 'midpoint']:
        print('conformal q', interp, torch.quantile(scores, q_level, interpolation=interp).item())
    qhat = torch.quantile(scores, q_level, interpolation='higher')
    print('conformal width', (2 * qhat * ps).mean().item())

# quantile regression with the pinball loss
taus = torch.tensor([0.1, 0.5, 0.9])
qnet = nn.Sequential(nn.Linear(1, 32), nn.ReLU(), nn.Linear(32, 3))
opt = torch.optim.Adam(qnet.parameters(), lr=0.02)
for ep in range(80):
    pred = qnet(xtr)
    err = ytr - pred
    loss = torch.max(taus * err, (taus - 1) * err).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
    if ep % 20 == 0:
        print(f'pinball ep {ep} loss {loss.item():.4f}')
with torch.no_grad():
    qp = qnet(xcal)
    print('quantile coverage', (ycal < qp).float().mean(0))
    print('crossing fraction', (qp.diff(dim=1) < 0).float().mean().item())

# Poisson / KL losses as used for count and distribution targets
rate_log = torch.randn(5)
counts = torch.tensor([0.0, 1.0, 3.0, 0.0, 7.0])
print('poisson nll', nn.PoissonNLLLoss()(rate_log, counts).item(), nn.PoissonNLLLoss(log_input=False, full=True)(rate_log.exp(), counts).item())
p_log = F.log_softmax(torch.randn(4, 3), 1)
q = F.softmax(torch.randn(4, 3), 1)
print('kl_div batchmean', F.kl_div(p_log, q, reduction='batchmean').item(), F.kl_div(p_log, q.log(), reduction='sum', log_target=True).item())
print('studentT nll', -StudentT(3.0, torch.zeros(3), torch.ones(3)).log_prob(torch.tensor([0.0, 2.0, 10.0])))
