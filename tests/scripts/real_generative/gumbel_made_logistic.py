"""Discrete-latent and autoregressive density pieces: a categorical VAE with F.gumbel_softmax (soft
and hard, temperature annealing) and RelaxedOneHotCategorical, a MADE with masked nn.Linear layers
(masks as buffers, set_mask, connectivity check by gradients), and PixelCNN++'s discretized
logistic mixture log-likelihood (log_sum_exp, log_prob_from_logits, logsigmoid, softplus)."""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)

# ---------------------------------------------------------------- Gumbel-softmax VAE
N_LAT, K = 4, 5


class CatVAE(nn.Module):
    def __init__(self, d=12):
        super().__init__()
        self.enc = nn.Sequential(nn.Linear(d, 32), nn.ReLU(), nn.Linear(32, N_LAT * K))
        self.dec = nn.Sequential(nn.Linear(N_LAT * K, 32), nn.ReLU(), nn.Linear(32, d))

    def forward(self, x, tau, hard=False):
        logits = self.enc(x).view(-1, N_LAT, K)
        z = F.gumbel_softmax(logits, tau=tau, hard=hard, dim=-1)
        return self.dec(z.view(-1, N_LAT * K)), logits, z


data = (torch.rand(64, 12) < 0.3).float()
vae = CatVAE()
opt = torch.optim.Adam(vae.parameters(), lr=3e-3)
tau = 1.0
for step in range(10):
    recon, logits, z = vae(data, tau, hard=step >= 5)
    q = F.softmax(logits, dim=-1)
    log_ratio = torch.log(q * K + 1e-20)
    kl = torch.sum(q * log_ratio, dim=(-1, -2)).mean()
    bce = F.binary_cross_entropy_with_logits(recon, data, reduction='sum') / data.shape[0]
    loss = bce + kl
    opt.zero_grad()
    loss.backward()
    opt.step()
    tau = max(0.5, tau * np.exp(-0.1))
    print(f'step {step} tau {tau:.4f} bce {bce.item():.4f} kl {kl.item():.4f} hard={step >= 5} z_row_sums {z.sum(-1)[0].tolist()}')
print('hard sample one-hot:', z[0])
print('grad flows through hard sample:', vae.enc[0].weight.grad.abs().sum().item() > 0)

torch.manual_seed(5)
rel = torch.distributions.RelaxedOneHotCategorical(torch.tensor(0.5), logits=torch.tensor([1.0, 0.0, -1.0]))
s = rel.rsample((3,))
print('relaxed samples', s, 'log_prob', rel.log_prob(s))
oh = torch.distributions.OneHotCategorical(probs=torch.tensor([0.2, 0.3, 0.5]))
print('one-hot sample', oh.sample((4,)), 'entropy %.4f' % oh.entropy().item())
g = -torch.empty(2, 3).exponential_().log()
print('gumbel noise', g)


# ---------------------------------------------------------------- MADE
class MaskedLinear(nn.Linear):
    def __init__(self, in_features, out_features, bias=True):
        super().__init__(in_features, out_features, bias)
        self.register_buffer('mask', torch.ones(out_features, in_features))

    def set_mask(self, mask):
        self.mask.data.copy_(torch.from_numpy(mask.astype(np.uint8).T))

    def forward(self, input):
        return F.linear(input, self.mask * self.weight, self.bias)


class MADE(nn.Module):
    def __init__(self, nin, hidden_sizes, nout, seed=0):
        super().__init__()
        self.nin, self.nout, self.hidden_sizes = nin, nout, hidden_sizes
        self.net = []
        hs = [nin] + hidden_sizes + [nout]
        for h0, h1 in zip(hs, hs[1:]):
            self.net.extend([MaskedLinear(h0, h1), nn.ReLU()])
        self.net.pop()
        self.net = nn.Sequential(*self.net)
        self.seed = seed
        self.m = {}
        self.update_masks()

    def update_masks(self):
        L = len(self.hidden_sizes)
        rng = np.random.RandomState(self.seed)
        self.m[-1] = np.arange(self.nin)
        for l in range(L):
            self.m[l] = rng.randint(self.m[l - 1].min(), self.nin - 1, size=self.hidden_sizes[l])
        masks = [self.m[l - 1][:, None] <= self.m[l][None, :] for l in range(L)]
        masks.append(self.m[L - 1][:, None] < self.m[-1][None, :])
        layers = [l for l in self.net.modules() if isinstance(l, MaskedLinear)]
        for l, m in zip(layers, masks):
            l.set_mask(m)

    def forward(self, x):
        return self.net(x)


made = MADE(6, [24, 24], 6)
print(made)
print('mask dtypes', {n: b.dtype for n, b in made.named_buffers()})
print('mask sums', [int(b.sum()) for _, b in made.named_buffers()])
res = []
for k in range(6):
    x = torch.rand(1, 6, requires_grad=True)
    made(x)[0, k].backward()
    res.append((x.grad[0] != 0).int().tolist())
print('connectivity (row k: inputs output k depends on):')
for r in res:
    print(r)
print('autoregressive:', all(sum(r[k:]) == 0 for k, r in enumerate(res)))
bits = (torch.rand(128, 6) < torch.tensor([0.2, 0.8, 0.5, 0.5, 0.1, 0.9])).float()
bits[:, 3] = bits[:, 2]
opt = torch.optim.Adam(made.parameters(), lr=1e-2)
for step in range(8):
    loss = F.binary_cross_entropy_with_logits(made(bits), bits, reduction='sum') / bits.shape[0]
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(f'made step {step} nll {loss.item():.4f}')
with torch.no_grad():
    x = torch.zeros(5, 6)
    for i in range(6):
        x[:, i] = torch.bernoulli(torch.sigmoid(made(x)[:, i]))
    print('MADE samples', x)


# ---------------------------------------------------------------- discretized logistic mixture (PixelCNN++)
def log_sum_exp(x):
    axis = len(x.size()) - 1
    m, _ = torch.max(x, dim=axis)
    m2, _ = torch.max(x, dim=axis, keepdim=True)
    return m + torch.log(torch.sum(torch.exp(x - m2), dim=axis))


def log_prob_from_logits(x):
    axis = len(x.size()) - 1
    m, _ = torch.max(x, dim=axis, keepdim=True)
    return x - m - torch.log(torch.sum(torch.exp(x - m), dim=axis, keepdim=True))


def discretized_mix_logistic_loss_1d(x, l):
    x = x.permute(0, 2, 3, 1)
    l = l.permute(0, 2, 3, 1)
    xs = [int(y) for y in x.size()]
    nr_mix = int(l.size(-1) / 3)
    logit_probs = l[:, :, :, :nr_mix]
    l = l[:, :, :, nr_mix:].contiguous().view(xs + [nr_mix * 2])
    means = l[:, :, :, :, :nr_mix]
    log_scales = torch.clamp(l[:, :, :, :, nr_mix:2 * nr_mix], min=-7.)
    x = x.contiguous()
    x = x.unsqueeze(-1) + torch.zeros(xs + [nr_mix], requires_grad=False)
    centered_x = x - means
    inv_stdv = torch.exp(-log_scales)
    plus_in = inv_stdv * (centered_x + 1. / 255.)
    cdf_plus = torch.sigmoid(plus_in)
    min_in = inv_stdv * (centered_x - 1. / 255.)
    cdf_min = torch.sigmoid(min_in)
    log_cdf_plus = plus_in - F.softplus(plus_in)
    log_one_minus_cdf_min = -F.softplus(min_in)
    cdf_delta = cdf_plus - cdf_min
    mid_in = inv_stdv * centered_x
    log_pdf_mid = mid_in - log_scales - 2. * F.softplus(mid_in)
    inner_inner_cond = (cdf_delta > 1e-5).float()
    inner_inner_out = inner_inner_cond * torch.log(torch.clamp(cdf_delta, min=1e-12)) + \
        (1. - inner_inner_cond) * (log_pdf_mid - np.log(127.5))
    inner_cond = (x > 0.999).float()
    inner_out = inner_cond * log_one_minus_cdf_min + (1. - inner_cond) * inner_inner_out
    cond = (x < -0.999).float()
    log_probs = cond * log_cdf_plus + (1. - cond) * inner_out
    log_probs = torch.sum(log_probs, dim=3) + log_prob_from_logits(logit_probs)
    return -torch.sum(log_sum_exp(log_probs))


img = torch.randint(0, 256, (2, 1, 4, 4)).float() / 127.5 - 1
img[0, 0, 0, 0], img[0, 0, 0, 1] = -1.0, 1.0
params = torch.randn(2, 3 * 3, 4, 4, requires_grad=True)
nll = discretized_mix_logistic_loss_1d(img, params)
nll.backward()
print('dmol nll %.4f' % nll.item(), 'bpd %.4f' % (nll.item() / (np.log(2) * img.numel())))
print('grad norm %.5f' % params.grad.norm().item(), params.grad.shape)
print('logsigmoid', F.logsigmoid(torch.tensor([-20., 0., 20.])), 'softplus', F.softplus(torch.tensor([-20., 0., 30.])))
print('log_sum_exp vs torch.logsumexp:', torch.allclose(log_sum_exp(params[0].detach()), torch.logsumexp(params[0].detach(), -1)))
