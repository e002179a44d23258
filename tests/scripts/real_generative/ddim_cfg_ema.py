"""Diffusion sampling beyond plain DDPM: a cosine (improved-DDPM) schedule, a class-conditional
noise predictor with sinusoidal timestep embeddings and label dropout for classifier-free guidance,
an EMA copy via torch.optim.swa_utils.AveragedModel (get_ema_multi_avg_fn) and a hand-written
_foreach_lerp_ EMA, v-prediction targets, and deterministic DDIM sampling (eta=0) with guidance."""
import copy
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

torch.manual_seed(0)
T = 50


def cosine_beta_schedule(timesteps, s=0.008):
    steps = timesteps + 1
    x = torch.linspace(0, timesteps, steps, dtype=torch.float64)
    alphas_cumprod = torch.cos(((x / timesteps) + s) / (1 + s) * math.pi * 0.5) ** 2
    alphas_cumprod = alphas_cumprod / alphas_cumprod[0]
    betas = 1 - (alphas_cumprod[1:] / alphas_cumprod[:-1])
    return torch.clip(betas, 0, 0.999)


betas = cosine_beta_schedule(T).float()
alphas = 1. - betas
alphas_cumprod = torch.cumprod(alphas, dim=0)
alphas_cumprod_prev = F.pad(alphas_cumprod[:-1], (1, 0), value=1.)
print('betas', betas.dtype, betas[:3], betas[-3:])
print('alphas_cumprod_prev[:3]', alphas_cumprod_prev[:3], 'snr end %.3e' % (alphas_cumprod[-1] / (1 - alphas_cumprod[-1])).item())


def extract(a, t, x_shape):
    b, *_ = t.shape
    out = a.gather(-1, t)
    return out.reshape(b, *((1,) * (len(x_shape) - 1)))


class SinusoidalPosEmb(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        half_dim = self.dim // 2
        emb = math.log(10000) / (half_dim - 1)
        emb = torch.exp(torch.arange(half_dim) * -emb)
        emb = x[:, None] * emb[None, :]
        return torch.cat((emb.sin(), emb.cos()), dim=-1)


class Denoiser(nn.Module):
    def __init__(self, n_classes=3, dim=32, cond_drop_prob=0.2):
        super().__init__()
        self.n_classes = n_classes
        self.cond_drop_prob = cond_drop_prob
        self.time_mlp = nn.Sequential(SinusoidalPosEmb(dim), nn.Linear(dim, dim), nn.GELU(), nn.Linear(dim, dim))
        self.classes_emb = nn.Embedding(n_classes, dim)
        self.null_classes_emb = nn.Parameter(torch.randn(dim))
        self.net = nn.Sequential(nn.Linear(2 + dim, 64), nn.SiLU(), nn.Linear(64, 64), nn.SiLU(), nn.Linear(64, 2))

    def forward(self, x, t, classes, cond_drop_prob=None):
        cond_drop_prob = self.cond_drop_prob if cond_drop_prob is None else cond_drop_prob
        c = self.classes_emb(classes)
        if cond_drop_prob > 0:
            keep_mask = torch.zeros(x.shape[0]).float().uniform_(0, 1) < (1 - cond_drop_prob)
            null = self.null_classes_emb.unsqueeze(0).expand(x.shape[0], -1)
            c = torch.where(keep_mask[:, None], c, null)
        return self.net(torch.cat([x, self.time_mlp(t.float()) + c], -1))

    def forward_with_cond_scale(self, x, t, classes, cond_scale=1.0):
        logits = self.forward(x, t, classes, cond_drop_prob=0.)
        if cond_scale == 1:
            return logits
        null_logits = self.forward(x, t, classes, cond_drop_prob=1.)
        return null_logits + (logits - null_logits) * cond_scale


def sample_data(n):
    c = torch.randint(0, 3, (n,))
    ang = c.float() * 2 * math.pi / 3
    return torch.stack([ang.cos(), ang.sin()], 1) * 1.5 + 0.1 * torch.randn(n, 2), c


model = Denoiser()
ema = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(0.9))
ema_manual = copy.deepcopy(model).requires_grad_(False)
print('ema wrapper keys:', list(ema.state_dict().keys())[:3], '... n_averaged' in str(list(ema.state_dict().keys())))
print('n_averaged', ema.n_averaged)
opt = torch.optim.AdamW(model.parameters(), lr=2e-3)
for step in range(20):
    x0, c = sample_data(128)
    t = torch.randint(0, T, (128,)).long()
    noise = torch.randn_like(x0)
    a_t = extract(alphas_cumprod, t, x0.shape)
    x_t = a_t.sqrt() * x0 + (1 - a_t).sqrt() * noise
    v_target = a_t.sqrt() * noise - (1 - a_t).sqrt() * x0
    pred = model(x_t, t, c)
    loss = F.mse_loss(pred, v_target)
    opt.zero_grad()
    loss.backward()
    opt.step()
    ema.update_parameters(model)
    with torch.no_grad():
        torch._foreach_lerp_(list(ema_manual.parameters()), list(model.parameters()), 0.1)
    if step % 4 == 0:
        print(f'step {step:2d} v-loss {loss.item():.4f} n_averaged {ema.n_averaged.item()}')
diff = max((p1 - p2).abs().max().item() for p1, p2 in zip(ema.module.parameters(), ema_manual.parameters()))
print('AveragedModel EMA vs foreach_lerp EMA close:', diff < 1e-5)
print('ema first param', ema.module.time_mlp[1].bias[:4])


@torch.no_grad()
def ddim_sample(net, classes, steps=10, cond_scale=3.0, eta=0.0):
    times = torch.linspace(-1, T - 1, steps=steps + 1).int().tolist()[::-1]
    time_pairs = list(zip(times[:-1], times[1:]))
    print('time pairs', time_pairs[:4], '...')
    x = torch.randn(classes.shape[0], 2)
    for time, time_next in time_pairs:
        t = torch.full((classes.shape[0],), time, dtype=torch.long)
        v = net.forward_with_cond_scale(x, t, classes, cond_scale)
        a = alphas_cumprod[time]
        x_start = a.sqrt() * x - (1 - a).sqrt() * v
        pred_noise = (x - a.sqrt() * x_start) / (1 - a).sqrt()
        if time_next < 0:
            x = x_start
            continue
        a_next = alphas_cumprod[time_next]
        sigma = eta * ((1 - a / a_next) * (1 - a_next) / (1 - a)).sqrt()
        c = (1 - a_next - sigma ** 2).sqrt()
        x = x_start * a_next.sqrt() + c * pred_noise + sigma * torch.randn_like(x)
    return x


ema.module.eval()
classes = torch.tensor([0, 1, 2, 0, 1, 2])
out = ddim_sample(ema.module, classes)
print('ddim samples\n', out)
print('angles', torch.atan2(out[:, 1], out[:, 0]))
out1 = ddim_sample(ema.module, classes, cond_scale=1.0, steps=5)
print('no-guidance samples\n', out1)
print('radius', out1.norm(dim=1))
