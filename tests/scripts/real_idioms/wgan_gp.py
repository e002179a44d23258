"""WGAN-GP as the improved-WGAN repositories write it: critic and generator MLPs on a 2-D mixture
of Gaussians, n_critic critic steps per generator step, the gradient penalty via
torch.autograd.grad(create_graph=True, retain_graph=True, grad_outputs=torch.ones_like(...)),
interpolates with a per-sample epsilon, Adam(betas=(0.5, 0.9)); plus R1 regularisation and a
hinge-loss spectral-norm critic step."""
import math

import torch
import torch.nn as nn
from torch import autograd

torch.manual_seed(1234)
LAMBDA = 10.0
N_CRITIC = 3
BATCH = 32
Z_DIM = 4


def sample_real(n):
    centers = torch.tensor([[math.cos(2 * math.pi * k / 8), math.sin(2 * math.pi * k / 8)] for k in range(8)]) * 2
    idx = torch.randint(0, 8, (n,))
    return centers[idx] + 0.05 * torch.randn(n, 2)


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(Z_DIM, 32), nn.ReLU(True), nn.Linear(32, 32), nn.ReLU(True), nn.Linear(32, 2))

    def forward(self, z):
        return self.net(z)


class Critic(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(2, 32), nn.LeakyReLU(0.2), nn.Linear(32, 32), nn.LeakyReLU(0.2),
                                 nn.Linear(32, 1))

    def forward(self, x):
        return self.net(x).view(-1)


def calc_gradient_penalty(critic, real_data, fake_data):
    alpha = torch.rand(real_data.size(0), 1)
    alpha = alpha.expand(real_data.size())
    interpolates = alpha * real_data + ((1 - alpha) * fake_data)
    interpolates = autograd.Variable(interpolates, requires_grad=True)
    disc_interpolates = critic(interpolates)
    gradients = autograd.grad(outputs=disc_interpolates, inputs=interpolates,
                              grad_outputs=torch.ones(disc_interpolates.size()),
                              create_graph=True, retain_graph=True, only_inputs=True)[0]
    gradient_penalty = ((gradients.norm(2, dim=1) - 1) ** 2).mean() * LAMBDA
    return gradient_penalty, gradients


G, D = Generator(), Critic()
optG = torch.optim.Adam(G.parameters(), lr=1e-3, betas=(0.5, 0.9))
optD = torch.optim.Adam(D.parameters(), lr=1e-3, betas=(0.5, 0.9))
one = torch.tensor(1.0)
mone = one * -1
print(G)
print(sum(p.numel() for p in G.parameters()), sum(p.numel() for p in D.parameters()))

for it in range(15):
    for p in D.parameters():
        p.requires_grad = True
    for _ in range(N_CRITIC):
        real = sample_real(BATCH)
        D.zero_grad()
        d_real = D(real).mean()
        d_real.backward(mone)
        with torch.no_grad():
            fake = G(torch.randn(BATCH, Z_DIM))
        d_fake = D(fake).mean()
        d_fake.backward(one)
        gp, grads = calc_gradient_penalty(D, real, fake)
        gp.backward()
        d_cost = d_fake - d_real + gp
        w_dist = d_real - d_fake
        optD.step()
    for p in D.parameters():
        p.requires_grad = False
    G.zero_grad()
    fake = G(torch.randn(BATCH, Z_DIM))
    g_cost = -D(fake).mean()
    g_cost.backward()
    optG.step()
    if it % 3 == 0:
        print(f'it {it:2d} D {d_cost.item():.5f} G {g_cost.item():.5f} W {w_dist.item():.5f} GP {gp.item():.5f} '
              f'|grad| {grads.norm(dim=1).mean().item():.4f}')

print('D grads None after freeze?', all(p.grad is not None for p in D.parameters()),
      D.net[0].weight.requires_grad)
for p in D.parameters():
    p.requires_grad_(True)

print('--- gradient penalty with ones_like, second-order grads reach the critic')
real, fake = sample_real(8), G(torch.randn(8, Z_DIM)).detach()
eps = torch.rand(8, 1)
x_hat = (eps * real + (1 - eps) * fake).requires_grad_(True)
out = D(x_hat)
g = torch.autograd.grad(out, x_hat, grad_outputs=torch.ones_like(out), create_graph=True)[0]
print(g.shape, g.requires_grad, g.grad_fn is not None)
gp = ((g.norm(2, dim=1) - 1) ** 2).mean()
D.zero_grad()
gp.backward()
print(f'gp {gp.item():.6f}', D.net[0].weight.grad.norm().item() > 0, 'last bias grad', D.net[4].bias.grad)
print(D.net[0].bias.grad[:4])

print('--- R1 penalty (StyleGAN2)')
real = sample_real(16).requires_grad_(True)
scores = D(real)
(r1_grads,) = torch.autograd.grad(outputs=[scores.sum()], inputs=[real], create_graph=True)
r1 = r1_grads.square().sum(dim=[1]).mean()
D.zero_grad(set_to_none=True)
(r1 * 5.0).backward()
print(f'r1 {r1.item():.6f}', D.net[2].weight.grad.abs().sum().item() > 0)

print('--- hinge loss with spectral norm critic')
torch.manual_seed(5)
SD = nn.Sequential(nn.utils.spectral_norm(nn.Linear(2, 16)), nn.ReLU(), nn.utils.spectral_norm(nn.Linear(16, 1)))
optSD = torch.optim.Adam(SD.parameters(), lr=2e-4, betas=(0.0, 0.9))
for it in range(3):
    real, fake = sample_real(16), G(torch.randn(16, Z_DIM)).detach()
    loss_d = torch.relu(1. - SD(real)).mean() + torch.relu(1. + SD(fake)).mean()
    optSD.zero_grad()
    loss_d.backward()
    optSD.step()
    print(f'hinge {it} {loss_d.item():.5f} sigma-normalised weight norm {SD[0].weight.norm().item():.4f}')
print(sorted(n for n, _ in SD.named_parameters()))
print(sorted(n for n, _ in SD.named_buffers()))
