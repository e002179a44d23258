"""Glow building blocks (rosinality / chaiyujin style): ActNorm with data-dependent initialisation
(a buffer flag), invertible 1x1 convolution both plain (slogdet) and LU-decomposed (torch.linalg.lu,
triangular masks as buffers), squeeze via view/permute and pixel_unshuffle, an affine coupling with
a zero-initialised last conv, and a split prior; logdets checked against brute-force Jacobians."""
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
logabs = lambda x: torch.log(torch.abs(x))


class ActNorm(nn.Module):
    def __init__(self, in_channel):
        super().__init__()
        self.loc = nn.Parameter(torch.zeros(1, in_channel, 1, 1))
        self.scale = nn.Parameter(torch.ones(1, in_channel, 1, 1))
        self.register_buffer('initialized', torch.tensor(0, dtype=torch.uint8))

    def initialize(self, input):
        with torch.no_grad():
            flatten = input.permute(1, 0, 2, 3).contiguous().view(input.shape[1], -1)
            mean = flatten.mean(1).unsqueeze(1).unsqueeze(2).unsqueeze(3).permute(1, 0, 2, 3)
            std = flatten.std(1).unsqueeze(1).unsqueeze(2).unsqueeze(3).permute(1, 0, 2, 3)
            self.loc.data.copy_(-mean)
            self.scale.data.copy_(1 / (std + 1e-6))

    def forward(self, input):
        _, _, height, width = input.shape
        if self.initialized.item() == 0:
            self.initialize(input)
            self.initialized.fill_(1)
        log_abs = logabs(self.scale)
        logdet = height * width * torch.sum(log_abs)
        return self.scale * (input + self.loc), logdet

    def reverse(self, output):
        return output / self.scale - self.loc


class InvConv2d(nn.Module):
    def __init__(self, in_channel):
        super().__init__()
        weight = torch.randn(in_channel, in_channel)
        q, _ = torch.linalg.qr(weight)
        weight = q.unsqueeze(2).unsqueeze(3)
        self.weight = nn.Parameter(weight)

    def forward(self, input):
        _, _, height, width = input.shape
        out = F.conv2d(input, self.weight)
        logdet = height * width * torch.slogdet(self.weight.squeeze().double())[1].float()
        return out, logdet

    def reverse(self, output):
        return F.conv2d(output, self.weight.squeeze().inverse().unsqueeze(2).unsqueeze(3))


class InvConv2dLU(nn.Module):
    def __init__(self, in_channel):
        super().__init__()
        weight = np.random.RandomState(0).randn(in_channel, in_channel)
        q, _ = np.linalg.qr(weight)
        w_p, w_l, w_u = torch.linalg.lu(torch.from_numpy(q.astype(np.float32)))
        w_s = torch.diagonal(w_u)
        w_u = torch.triu(w_u, 1)
        u_mask = torch.triu(torch.ones_like(w_u), 1)
        l_mask = u_mask.T
        self.register_buffer('w_p', w_p)
        self.register_buffer('u_mask', u_mask)
        self.register_buffer('l_mask', l_mask)
        self.register_buffer('s_sign', torch.sign(w_s))
        self.register_buffer('l_eye', torch.eye(l_mask.shape[0]))
        self.w_l = nn.Parameter(w_l)
        self.w_s = nn.Parameter(logabs(w_s))
        self.w_u = nn.Parameter(w_u)

    def calc_weight(self):
        weight = self.w_p @ (self.w_l * self.l_mask + self.l_eye) @ (
            (self.w_u * self.u_mask) + torch.diag(self.s_sign * torch.exp(self.w_s)))
        return weight.unsqueeze(2).unsqueeze(3)

    def forward(self, input):
        _, _, height, width = input.shape
        weight = self.calc_weight()
        return F.conv2d(input, weight), height * width * torch.sum(self.w_s)

    def reverse(self, output):
        return F.conv2d(output, self.calc_weight().squeeze().inverse().unsqueeze(2).unsqueeze(3))


class ZeroConv2d(nn.Module):
    def __init__(self, in_channel, out_channel):
        super().__init__()
        self.conv = nn.Conv2d(in_channel, out_channel, 3, padding=0)
        self.conv.weight.data.zero_()
        self.conv.bias.data.zero_()
        self.scale = nn.Parameter(torch.zeros(1, out_channel, 1, 1))

    def forward(self, input):
        out = F.pad(input, [1, 1, 1, 1], value=1)
        return self.conv(out) * torch.exp(self.scale * 3)


class AffineCoupling(nn.Module):
    def __init__(self, in_channel, filter_size=16):
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(in_channel // 2, filter_size, 3, padding=1), nn.ReLU(inplace=True),
                                 nn.Conv2d(filter_size, filter_size, 1), nn.ReLU(inplace=True),
                                 ZeroConv2d(filter_size, in_channel))
        self.net[0].weight.data.normal_(0, 0.05)
        self.net[0].bias.data.zero_()

    def forward(self, input):
        in_a, in_b = input.chunk(2, 1)
        log_s, t = self.net(in_a).chunk(2, 1)
        s = torch.sigmoid(log_s + 2)
        out_b = (in_b + t) * s
        logdet = torch.sum(torch.log(s).view(input.shape[0], -1), 1)
        return torch.cat([in_a, out_b], 1), logdet

    def reverse(self, output):
        out_a, out_b = output.chunk(2, 1)
        log_s, t = self.net(out_a).chunk(2, 1)
        s = torch.sigmoid(log_s + 2)
        return torch.cat([out_a, out_b / s - t], 1)


def squeeze2d(x):
    b, c, h, w = x.shape
    x = x.view(b, c, h // 2, 2, w // 2, 2).permute(0, 1, 3, 5, 2, 4).contiguous()
    return x.view(b, c * 4, h // 2, w // 2)


def gaussian_log_p(x, mean, log_sd):
    return -0.5 * math.log(2 * math.pi) - log_sd - 0.5 * (x - mean) ** 2 / torch.exp(2 * log_sd)


x = torch.rand(4, 2, 8, 8) - 0.5
sq = squeeze2d(x)
print('squeeze', sq.shape, 'same as pixel_unshuffle:', torch.equal(sq, F.pixel_unshuffle(x, 2)))
print('pixel_shuffle inverts:', torch.equal(F.pixel_shuffle(sq, 2), x))

an = ActNorm(8)
print('initialized before:', an.initialized, an.initialized.dtype)
y, ld = an(sq)
print('after init |mean| < 1e-6:', bool(y.mean(dim=(0, 2, 3)).abs().max() < 1e-6), '\nstd', y.std(dim=(0, 2, 3)))
print('actnorm logdet %.4f initialized %d' % (ld.item(), an.initialized.item()))
print('actnorm state_dict:', list(an.state_dict().keys()))

for cls in (InvConv2d, InvConv2dLU):
    torch.manual_seed(1)
    m = cls(8)
    out, ld = m(sq)
    w = m.weight.squeeze() if cls is InvConv2d else m.calc_weight().squeeze()
    print(cls.__name__, 'logdet ~ 0:', abs(ld.item()) < 1e-4, 'slogdet check ~ 0:',
          abs(16 * torch.linalg.slogdet(w)[1].item()) < 1e-4, 'sign', torch.linalg.slogdet(w)[0].item(),
          'reverse ok:', torch.allclose(m.reverse(out), sq, atol=1e-5))
    print('  params', [(n, tuple(p.shape)) for n, p in m.named_parameters()],
          'buffers', [n for n, _ in m.named_buffers()])
lu = InvConv2dLU(4)
print('P', lu.w_p, '\nl_mask', lu.l_mask, '\ns_sign', lu.s_sign)
P, L, U = torch.linalg.lu(torch.tensor([[1., 2.], [3., 4.]]))
print('lu', P, L, U, sep='\n')
LU, piv = torch.linalg.lu_factor(torch.tensor([[1., 2.], [3., 4.]]))
print('lu_factor', LU, piv, torch.lu_unpack(LU, piv)[0], sep='\n')

cp = AffineCoupling(8)
out, ld = cp(sq)
print('coupling at init is identity:', torch.allclose(out, sq), 'logdet', ld)
# brute-force Jacobian logdet for one sample of a small coupling after perturbing the zero conv
with torch.no_grad():
    cp.net[4].conv.weight.normal_(0, 0.1)
small = torch.randn(1, 4, 2, 2)
cp2 = AffineCoupling(4, 8)
with torch.no_grad():
    cp2.net[4].conv.weight.normal_(0, 0.1)
    cp2.net[4].conv.bias.normal_(0, 0.1)
J = torch.autograd.functional.jacobian(lambda v: cp2(v.view(1, 4, 2, 2))[0].flatten(), small.flatten())
print('jacobian', J.shape, 'slogdet %.5f' % torch.linalg.slogdet(J)[1].item(), 'coupling %.5f' % cp2(small)[1].item())
print('reverse ok:', torch.allclose(cp2.reverse(cp2(small)[0]), small, atol=1e-5))

# a one-level flow trained a few steps by bits per dim
flow = nn.ModuleList([ActNorm(8), InvConv2dLU(8), AffineCoupling(8)])
prior = ZeroConv2d(4, 8)
opt = torch.optim.Adam(list(flow.parameters()) + list(prior.parameters()), lr=1e-3)
n_pixel = 2 * 8 * 8
for step in range(6):
    h = squeeze2d(x + torch.rand_like(x) / 32)
    logdet = 0
    for layer in flow:
        h, ld = layer(h)
        logdet = logdet + ld
    z_keep, z_new = h.chunk(2, 1)
    mean, log_sd = prior(z_keep).chunk(2, 1)
    log_p = gaussian_log_p(z_new, mean, log_sd).view(4, -1).sum(1) + \
        gaussian_log_p(z_keep, torch.zeros_like(z_keep), torch.zeros_like(z_keep)).view(4, -1).sum(1)
    loss = -math.log(32) * n_pixel + logdet + log_p
    loss = (-loss / (math.log(2) * n_pixel)).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(f'step {step} bpd {loss.item():.5f} logdet {logdet.mean().item():.4f} log_p {log_p.mean().item():.4f}')
