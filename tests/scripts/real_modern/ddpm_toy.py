"""A toy DDPM (Ho et al.) the way the popular minimal implementations write it: sinusoidal
timestep embeddings, linear and cosine beta schedules with torch.linspace / torch.cumprod,
F.pad of alphas_cumprod, gathering schedule values by t and reshaping for broadcast, a small
UNet-ish conv net with GroupNorm + SiLU and a skip connection, a few training steps with
randint timesteps, then the ancestral sampling loop and DDIM-style x0 prediction."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(7)
T = 50


def linear_beta_schedule(timesteps, start=1e-4, end=0.02):
    return torch.linspace(start, end, timesteps)


def cosine_beta_schedule(timesteps, s=0.008):
    steps = timesteps + 1
    x = torch.linspace(0, timesteps, steps, dtype=torch.float64)
    alphas_cumprod = torch.cos(((x / timesteps) + s) / (1 + s) * math.pi * 0.5) ** 2
    alphas_cumprod = alphas_cumprod / alphas_cumprod[0]
    betas = 1 - (alphas_cumprod[1:] / alphas_cumprod[:-1])
    return torch.clip(betas, 0, 0.999)


def extract(a, t, x_shape):
    b, *_ = t.shape
    out = a.gather(-1, t)
    return out.reshape(b, *((1,) * (len(x_shape) - 1)))


class SinusoidalPosEmb(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.dim = dim

    def forward(self, t):
        half = self.dim // 2
        emb = math.log(10000) / (half - 1)
        emb = torch.exp(torch.arange(half, device=t.device) * -emb)
        emb = t[:, None].float() * emb[None, :]
        return torch.cat((emb.sin(), emb.cos()), dim=-1)


class ResBlock(nn.Module):
    def __init__(self, cin, cout, tdim, groups=4):
        super().__init__()
        self.block1 = nn.Sequential(nn.GroupNorm(groups, cin), nn.SiLU(), nn.Conv2d(cin, cout, 3, padding=1))
        self.time = nn.Sequential(nn.SiLU(), nn.Linear(tdim, cout * 2))
        self.norm2 = nn.GroupNorm(groups, cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x, temb):
        h = self.block1(x)
        scale, shift = self.time(temb)[:, :, None, None].chunk(2, dim=1)
        h = self.norm2(h) * (1 + scale) + shift
        h = self.conv2(F.silu(h))
        return h + self.skip(x)


class TinyUNet(nn.Module):
    def __init__(self, ch=8, tdim=16):
        super().__init__()
        self.temb = nn.Sequential(SinusoidalPosEmb(tdim), nn.Linear(tdim, tdim * 2), nn.GELU(),
                                  nn.Linear(tdim * 2, tdim))
        self.inc = nn.Conv2d(1, ch, 3, padding=1)
        self.down = ResBlock(ch, ch * 2, tdim)
        self.pool = nn.Conv2d(ch * 2, ch * 2, 4, stride=2, padding=1)
        self.mid = ResBlock(ch * 2, ch * 2, tdim)
        self.upsample = nn.Upsample(scale_factor=2, mode='nearest')
        self.up = ResBlock(ch * 4, ch, tdim)
        self.out = nn.Sequential(nn.GroupNorm(4, ch), nn.SiLU(), nn.Conv2d(ch, 1, 1))

    def forward(self, x, t):
        temb = self.temb(t)
        h0 = self.inc(x)
        h1 = self.down(h0, temb)
        h = self.mid(self.pool(h1), temb)
        h = self.up(torch.cat([self.upsample(h), h1], dim=1), temb)
        return self.out(h)


betas = linear_beta_schedule(T)
cb = cosine_beta_schedule(T)
print('--- schedules')
print(betas.dtype, f'{betas[0].item():.6f} {betas[-1].item():.6f}', cb.dtype, f'{cb[0].item():.6f} {cb[-1].item():.6f}')
alphas = 1.0 - betas
alphas_cumprod = torch.cumprod(alphas, dim=0)
alphas_cumprod_prev = F.pad(alphas_cumprod[:-1], (1, 0), value=1.0)
sqrt_ac = torch.sqrt(alphas_cumprod)
sqrt_1m_ac = torch.sqrt(1.0 - alphas_cumprod)
posterior_var = betas * (1.0 - alphas_cumprod_prev) / (1.0 - alphas_cumprod)
print(f'{alphas_cumprod[-1].item():.6f} {alphas_cumprod_prev[:3].tolist()[0]} {posterior_var[1].item():.8f}')
print(f'cosine cumprod end {torch.cumprod(1 - cb, 0)[-1].item():.3e}', torch.cumprod(1 - cb.float(), 0).dtype)

emb = SinusoidalPosEmb(16)(torch.tensor([0, 10, 49]))
print('temb', emb.shape, f'{emb[1, 3].item():.6f} {emb[2, -1].item():.6f}')


def q_sample(x0, t, noise):
    return extract(sqrt_ac, t, x0.shape) * x0 + extract(sqrt_1m_ac, t, x0.shape) * noise


# toy data: 8x8 images of bright squares at random places
def make_batch(n):
    x = torch.full((n, 1, 8, 8), -1.0)
    pos = torch.randint(0, 5, (n, 2))
    for i in range(n):
        r, c = pos[i].tolist()
        x[i, :, r:r + 3, c:c + 3] = 1.0
    return x


model = TinyUNet()
print('params', sum(p.numel() for p in model.parameters() if p.requires_grad))
opt = torch.optim.Adam(model.parameters(), lr=2e-3)
print('--- train')
for step in range(8):
    x0 = make_batch(16)
    t = torch.randint(0, T, (x0.shape[0],), dtype=torch.long)
    noise = torch.randn_like(x0)
    xt = q_sample(x0, t, noise)
    pred = model(xt, t)
    loss = F.mse_loss(pred, noise)
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(f'step {step} t[:4]={t[:4].tolist()} loss {loss.item():.5f}')

print('--- sampling')
model.eval()


@torch.no_grad()
def p_sample_loop(shape):
    x = torch.randn(shape)
    for i in reversed(range(T)):
        t = torch.full((shape[0],), i, dtype=torch.long)
        eps = model(x, t)
        beta_t = extract(betas, t, x.shape)
        mean = (x - beta_t / extract(sqrt_1m_ac, t, x.shape) * eps) / torch.sqrt(extract(alphas, t, x.shape))
        if i > 0:
            x = mean + torch.sqrt(extract(posterior_var, t, x.shape)) * torch.randn_like(x)
        else:
            x = mean
        if i % 20 == 0:
            print(f'  t={i} mean {x.mean().item():.4f} std {x.std().item():.4f}')
    return x.clamp(-1, 1)


samples = p_sample_loop((4, 1, 8, 8))
print(samples.shape, f'{samples.abs().mean().item():.4f}', ((samples + 1) / 2 * 255).round().to(torch.uint8).dtype)
with torch.no_grad():
    t = torch.tensor([25, 25, 25, 25])
    x0 = make_batch(4)
    xt = q_sample(x0, t, torch.randn_like(x0))
    x0_hat = (xt - extract(sqrt_1m_ac, t, xt.shape) * model(xt, t)) / extract(sqrt_ac, t, xt.shape)
    print(f'x0 recon mse {F.mse_loss(x0_hat.clamp(-1, 1), x0).item():.4f}')
