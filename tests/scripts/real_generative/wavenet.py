"""WaveNet-style model: causal dilated Conv1d stack (left padding), gated tanh*sigmoid units,
residual and skip connections, mu-law companding, teacher-forced training on a toy waveform and a
few steps of autoregressive generation with a sliding receptive field."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


def mu_law_encode(x, mu=255):
    mu = torch.tensor(mu, dtype=x.dtype)
    y = torch.sign(x) * torch.log1p(mu * torch.abs(x)) / torch.log1p(mu)
    return ((y + 1) / 2 * mu + 0.5).long()


def mu_law_decode(q, mu=255):
    y = 2 * (q.float() / mu) - 1
    return torch.sign(y) * (torch.pow(1 + mu, torch.abs(y)) - 1) / mu


class CausalConv1d(nn.Conv1d):
    def __init__(self, in_ch, out_ch, kernel_size, dilation=1, **kw):
        self.__padding = (kernel_size - 1) * dilation
        super().__init__(in_ch, out_ch, kernel_size, padding=0, dilation=dilation, **kw)

    def forward(self, x):
        return super().forward(F.pad(x, (self.__padding, 0)))


class ResidualBlock(nn.Module):
    def __init__(self, res_ch, skip_ch, dilation):
        super().__init__()
        self.dilated = CausalConv1d(res_ch, 2 * res_ch, 2, dilation=dilation)
        self.res = nn.Conv1d(res_ch, res_ch, 1)
        self.skip = nn.Conv1d(res_ch, skip_ch, 1)

    def forward(self, x):
        h = self.dilated(x)
        filt, gate = h.chunk(2, dim=1)
        z = torch.tanh(filt) * torch.sigmoid(gate)
        return x + self.res(z), self.skip(z)


class WaveNet(nn.Module):
    def __init__(self, n_classes=32, res_ch=16, skip_ch=24, n_layers=4, n_stacks=2):
        super().__init__()
        self.n_classes = n_classes
        self.embed = CausalConv1d(n_classes, res_ch, 2)
        self.dilations = [2 ** i for i in range(n_layers)] * n_stacks
        self.blocks = nn.ModuleList([ResidualBlock(res_ch, skip_ch, d) for d in self.dilations])
        self.out = nn.Sequential(nn.ReLU(), nn.Conv1d(skip_ch, skip_ch, 1), nn.ReLU(), nn.Conv1d(skip_ch, n_classes, 1))
        self.receptive_field = sum(self.dilations) + 2

    def forward(self, x):
        x = F.one_hot(x, self.n_classes).float().transpose(1, 2)
        h = self.embed(x)
        skips = 0
        for blk in self.blocks:
            h, s = blk(h)
            skips = skips + s
        return self.out(skips)


Q = 32
model = WaveNet(n_classes=Q)
print('dilations:', model.dilations, 'receptive field:', model.receptive_field)
print('params:', sum(p.numel() for p in model.parameters() if p.requires_grad))
print(model.blocks[0])
for k, v in list(model.state_dict().items())[:6]:
    print(k, tuple(v.shape))

t = torch.linspace(0, 4 * math.pi, 129)
wave = 0.6 * torch.sin(3 * t) + 0.3 * torch.sin(7 * t + 0.5)
q = mu_law_encode(wave, Q - 1)
print('mu-law codes[:16]:', q[:16].tolist())
rec = mu_law_decode(q, Q - 1)
print('companding max err: %.5f' % (rec - wave).abs().max().item())
inputs, targets = q[:-1].unsqueeze(0), q[1:].unsqueeze(0)
batch_in = torch.cat([inputs, inputs.roll(5, 1)])
batch_tg = torch.cat([targets, targets.roll(5, 1)])
print('batch', batch_in.shape, batch_in.dtype)

logits = model(batch_in)
print('logits', logits.shape)
# causality: changing a future sample leaves earlier outputs identical
perturbed = batch_in.clone()
perturbed[:, 60] = (perturbed[:, 60] + 7) % Q
diff = (model(perturbed) - logits).abs().sum(dim=(0, 1))
print('first affected step:', torch.nonzero(diff).min().item(), 'unchanged before 60:', bool((diff[:60] == 0).all()))

opt = torch.optim.Adam(model.parameters(), lr=3e-3)
sched = torch.optim.lr_scheduler.StepLR(opt, step_size=5, gamma=0.5)
for step in range(12):
    logits = model(batch_in)
    loss = F.cross_entropy(logits, batch_tg)
    opt.zero_grad()
    loss.backward()
    gn = nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    sched.step()
    acc = (logits.argmax(1) == batch_tg).float().mean()
    print(f'step {step:2d} loss {loss.item():.4f} acc {acc.item():.3f} grad_norm {gn.item():.4f} lr {sched.get_last_lr()[0]:.5f}')

# generation: feed the last receptive_field samples, sample from softmax(logits / T)
model.eval()
gen = q[:model.receptive_field].clone()
with torch.no_grad():
    for i in range(20):
        ctx = gen[-model.receptive_field:].unsqueeze(0)
        probs = F.softmax(model(ctx)[0, :, -1] / 0.8, dim=0)
        nxt = torch.multinomial(probs, 1)
        gen = torch.cat([gen, nxt])
print('generated codes:', gen[model.receptive_field:].tolist())
print('decoded:', mu_law_decode(gen[-5:], Q - 1))
