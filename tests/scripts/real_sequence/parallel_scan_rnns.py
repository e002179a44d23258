# Recurrences computed in parallel, as recent "RNNs are back" repositories write them: a QRNN /
# SRU with convolutional gates and the fo-pooling loop, minGRU with the log-space parallel scan
# (logcumsumexp, softplus), a diagonal linear state space layer (S4D-like) evaluated both as a
# recurrence and as a long convolution through torch.fft.rfft / irfft, cumprod-based decay, and
# gradients of the scan versus the loop.
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(21)
B, T, D = 2, 9, 4


# ---------------- QRNN with fo-pooling
class QRNNLayer(nn.Module):
    def __init__(self, d_in, d_hid, k=2):
        super().__init__()
        self.k = k
        self.conv = nn.Conv1d(d_in, 3 * d_hid, k)

    def forward(self, x):                       # x: (B, T, D)
        y = self.conv(F.pad(x.transpose(1, 2), (self.k - 1, 0)))
        z, f, o = y.chunk(3, dim=1)
        z, f, o = torch.tanh(z), torch.sigmoid(f), torch.sigmoid(o)
        c = torch.zeros_like(z[:, :, 0])
        cs = []
        for t in range(z.size(2)):
            c = f[:, :, t] * c + (1 - f[:, :, t]) * z[:, :, t]
            cs.append(c)
        c = torch.stack(cs, 2)
        return (o * c).transpose(1, 2), c[:, :, -1]


q = QRNNLayer(D, 5)
x = torch.randn(B, T, D)
h, c_last = q(x)
print(q.conv, h.shape, c_last.shape)
print(h[0, -1])


# ---------------- minGRU: sequential and log-space parallel scan
def log_g(x):
    return torch.where(x >= 0, (F.relu(x) + 0.5).log(), -F.softplus(-x))


def g(x):
    return torch.where(x >= 0, x + 0.5, torch.sigmoid(x))


class MinGRU(nn.Module):
    def __init__(self, d_in, d_h):
        super().__init__()
        self.lin = nn.Linear(d_in, 2 * d_h)

    def sequential(self, x, h0):
        k, hh = self.lin(x).chunk(2, dim=-1)
        z = torch.sigmoid(k)
        h = h0
        out = []
        for t in range(x.size(1)):
            h = (1 - z[:, t]) * h + z[:, t] * g(hh[:, t])
            out.append(h)
        return torch.stack(out, 1)

    def parallel(self, x, h0):
        k, hh = self.lin(x).chunk(2, dim=-1)
        log_coeffs = -F.softplus(k)
        log_z = -F.softplus(-k)
        log_values = torch.cat([h0.log().unsqueeze(1), log_z + log_g(hh)], dim=1)
        a_star = F.pad(torch.cumsum(log_coeffs, dim=1), (0, 0, 1, 0))
        log_h0_plus_b_star = torch.logcumsumexp(log_values - a_star, dim=1)
        log_h = a_star + log_h0_plus_b_star
        return torch.exp(log_h)[:, 1:]


mg = MinGRU(D, 3)
h0 = torch.rand(B, 3) + 0.1
seq = mg.sequential(x, h0)
par = mg.parallel(x, h0)
print('minGRU', seq.shape, torch.allclose(seq, par, atol=1e-5), (seq - par).abs().max() < 1e-5)
print(par[1, :3])
gs = torch.autograd.grad(seq.sum(), mg.lin.weight)[0]
gp = torch.autograd.grad(par.sum(), mg.lin.weight)[0]
print('minGRU grads close', torch.allclose(gs, gp, atol=1e-4), gp.norm())
print('logcumsumexp', torch.logcumsumexp(torch.tensor([[0., -math.inf, 1., 2.]]), dim=1))


# ---------------- diagonal SSM: recurrence vs FFT convolution
class DiagSSM(nn.Module):
    def __init__(self, d, n=4, dt=0.1):
        super().__init__()
        self.log_neg_a = nn.Parameter(torch.log(0.5 + torch.arange(n).float()).repeat(d, 1))
        self.B = nn.Parameter(torch.randn(d, n) * 0.5)
        self.C = nn.Parameter(torch.randn(d, n) * 0.5)
        self.D = nn.Parameter(torch.ones(d))
        self.dt = dt

    def discrete(self):
        a = -torch.exp(self.log_neg_a)
        abar = torch.exp(a * self.dt)
        bbar = (abar - 1) / a * self.B
        return abar, bbar

    def kernel(self, L):
        abar, bbar = self.discrete()
        powers = abar.unsqueeze(-1) ** torch.arange(L).float()          # (d, n, L)
        return torch.einsum('dn,dnl->dl', self.C * bbar, powers)

    def recurrent(self, u):                       # u: (B, L, d)
        abar, bbar = self.discrete()
        s = torch.zeros(u.size(0), *abar.shape)
        ys = []
        for t in range(u.size(1)):
            s = abar * s + bbar * u[:, t, :, None]
            ys.append((s * self.C).sum(-1) + self.D * u[:, t])
        return torch.stack(ys, 1)

    def convolutional(self, u):
        L = u.size(1)
        k = self.kernel(L)
        n = 2 * L
        kf = torch.fft.rfft(k, n=n)
        uf = torch.fft.rfft(u.transpose(1, 2), n=n)
        y = torch.fft.irfft(uf * kf, n=n)[..., :L]
        return y.transpose(1, 2) + self.D * u


ssm = DiagSSM(D)
yr = ssm.recurrent(x)
yc = ssm.convolutional(x)
print('ssm', yr.shape, torch.allclose(yr, yc, atol=1e-5))
print(ssm.kernel(5)[0])
kf = torch.fft.rfft(ssm.kernel(T), n=2 * T)
print(kf.shape, kf.dtype, kf[0, :2].abs())
lossr, lossc = yr.pow(2).mean(), yc.pow(2).mean()
g1 = torch.autograd.grad(lossr, [ssm.log_neg_a, ssm.B])
g2 = torch.autograd.grad(lossc, [ssm.log_neg_a, ssm.B])
print('ssm grads', [torch.allclose(a, b, atol=1e-5) for a, b in zip(g1, g2)], g2[1][0])

# cumprod decay and exclusive cumsum
decay = torch.sigmoid(torch.randn(B, T))
cp = torch.cumprod(decay, dim=1)
print('cumprod', cp[0, :4], torch.allclose(cp, torch.exp(torch.cumsum(decay.log(), 1)), atol=1e-6))
excl = torch.cumsum(decay, 1) - decay
print('exclusive', excl[1, :3])
w = torch.randn(B, T, requires_grad=True)
torch.cumprod(w, 1).sum().backward()
print('cumprod grad', w.grad[0, :3])

# train the SSM for a few steps on a delayed-copy target
target = F.pad(x, (0, 0, 2, 0))[:, :T]
opt = torch.optim.Adam(ssm.parameters(), lr=0.05)
for step in range(10):
    opt.zero_grad()
    loss = F.mse_loss(ssm.convolutional(x), target)
    loss.backward()
    opt.step()
    if step % 3 == 0:
        print(step, round(loss.item(), 5), round(ssm.log_neg_a.grad.norm().item(), 5))
