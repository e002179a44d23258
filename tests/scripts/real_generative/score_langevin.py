"""Score-based generative modelling on a 2-D Gaussian mixture: exact and sliced score matching
(torch.autograd.grad with create_graph, Hutchinson trace with Rademacher projections), denoising
score matching over a geometric noise schedule (NCSN), and annealed Langevin dynamics sampling."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)

# target: mixture of two Gaussians, weights 0.3 / 0.7, means -2 and +2 on both axes
mix = torch.distributions.Categorical(torch.tensor([0.3, 0.7]))
comp = torch.distributions.Independent(torch.distributions.Normal(torch.tensor([[-2., -2.], [2., 2.]]),
                                                                  torch.tensor([[0.5, 0.5], [0.5, 0.5]])), 1)
gmm = torch.distributions.MixtureSameFamily(mix, comp)
print(gmm)
data = gmm.sample((512,))
print('data', data.shape, 'mean', data.mean(0), 'frac right %.3f' % (data[:, 0] > 0).float().mean().item())


def true_score(x):
    x = x.detach().requires_grad_(True)
    lp = gmm.log_prob(x).sum()
    return torch.autograd.grad(lp, x)[0]


print('true score at (0,0),(2,2):', true_score(torch.tensor([[0., 0.], [2., 2.]])))


class ScoreNet(nn.Module):
    def __init__(self, n_sigmas=0, hidden=64):
        super().__init__()
        self.n_sigmas = n_sigmas
        self.net = nn.Sequential(nn.Linear(2, hidden), nn.Softplus(), nn.Linear(hidden, hidden), nn.Softplus(),
                                 nn.Linear(hidden, 2))
        if n_sigmas:
            self.embed = nn.Embedding(n_sigmas, hidden)

    def forward(self, x, y=None):
        h = F.softplus(self.net[0](x))
        if y is not None:
            h = h + self.embed(y)
        h = F.softplus(self.net[2](h))
        return self.net[4](h)


def exact_score_matching(model, x):
    x = x.requires_grad_(True)
    s = model(x)
    trace = 0.
    for i in range(x.shape[1]):
        trace = trace + torch.autograd.grad(s[:, i].sum(), x, create_graph=True)[0][:, i]
    return (trace + 0.5 * (s ** 2).sum(1)).mean()


def sliced_score_matching(model, x, n_particles=1):
    dup = x.unsqueeze(0).expand(n_particles, *x.shape).contiguous().view(-1, *x.shape[1:])
    dup.requires_grad_(True)
    v = torch.randint(0, 2, dup.shape).float() * 2 - 1          # Rademacher
    s = model(dup)
    sv = torch.sum(s * v)
    grad = torch.autograd.grad(sv, dup, create_graph=True)[0]
    loss1 = 0.5 * torch.sum(s * s, dim=-1)
    loss2 = torch.sum(v * grad, dim=-1)
    return (loss1 + loss2).mean()


for name, fn in [('exact', exact_score_matching), ('sliced', sliced_score_matching)]:
    torch.manual_seed(1)
    model = ScoreNet()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for step in range(10):
        loss = fn(model, data[torch.randperm(512)[:128]].clone())
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 3 == 0:
            print(f'{name} step {step} loss {loss.item():.5f}')
    with torch.no_grad():
        pts = torch.tensor([[0., 0.], [2., 2.], [-2., -2.]])
        print(name, 'learned score', model(pts))

# NCSN: denoising score matching with a geometric sigma schedule
sigmas = torch.tensor(torch.exp(torch.linspace(math.log(3.0), math.log(0.1), 6)).tolist())
print('sigmas', sigmas)
torch.manual_seed(2)
ncsn = ScoreNet(n_sigmas=len(sigmas))
print('ncsn params', sum(p.numel() for p in ncsn.parameters()), list(ncsn.state_dict())[-1])
opt = torch.optim.Adam(ncsn.parameters(), lr=5e-3)
for step in range(25):
    x = data[torch.randint(0, 512, (128,))]
    labels = torch.randint(0, len(sigmas), (x.shape[0],))
    used = sigmas[labels].view(-1, 1)
    noise = torch.randn_like(x) * used
    perturbed = x + noise
    target = -noise / used ** 2
    scores = ncsn(perturbed, labels)
    loss = 0.5 * ((scores - target) ** 2).sum(dim=-1) * used.squeeze(-1) ** 2
    loss = loss.mean(dim=0)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 4 == 0:
        print(f'dsm step {step:2d} loss {loss.item():.4f}')


@torch.no_grad()
def anneal_langevin_dynamics(x, scorenet, sigmas, n_steps_each=10, step_lr=0.05):
    for c, sigma in enumerate(sigmas):
        labels = torch.ones(x.shape[0], dtype=torch.long) * c
        step_size = step_lr * (sigma / sigmas[-1]) ** 2 * 1e-2
        for s in range(n_steps_each):
            grad = scorenet(x, labels)
            noise = torch.randn_like(x) * torch.sqrt(step_size * 2)
            x = x + step_size * grad + noise
        print(f'level {c} sigma {sigma.item():.3f} step {step_size.item():.5f} '
              f'grad_norm {grad.norm(dim=-1).mean().item():.4f} x_std {x.std().item():.4f}')
    return x


x0 = torch.rand(200, 2) * 8 - 4
samples = anneal_langevin_dynamics(x0, ncsn, sigmas)
print('samples', samples.shape, 'frac right %.3f' % (samples[:, 0] > 0).float().mean().item())
print('first samples', samples[:4])
print('mean log p under gmm %.4f' % gmm.log_prob(samples).mean().item())

# unadjusted Langevin with the true score converges to the mixture weights
x = torch.randn(400, 2)
eps = 0.05
for t in range(60):
    x = x + eps * true_score(x) + math.sqrt(2 * eps) * torch.randn_like(x)
print('ULA frac right %.3f mean %s' % ((x[:, 0] > 0).float().mean().item(), x.mean(0).tolist()))
print(torch.isfinite(x).all(), x.dtype, x.requires_grad)
