"""Conditional GAN on a 2-D mixture of 4 labelled Gaussians: generator concatenates noise with a
label embedding, discriminator with spectral normalisation (both the old nn.utils.spectral_norm
hook and the parametrizations one), BCEWithLogitsLoss with one-sided label smoothing, separate Adam
optimizers with betas=(0.5, 0.999), and class-conditional sampling."""
import math

import torch
import torch.nn as nn
from torch.nn.utils import spectral_norm
from torch.nn.utils import parametrizations as P

torch.manual_seed(0)
N_CLASSES, Z_DIM = 4, 8


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.label_emb = nn.Embedding(N_CLASSES, N_CLASSES)
        self.model = nn.Sequential(
            nn.Linear(Z_DIM + N_CLASSES, 64), nn.BatchNorm1d(64, 0.8), nn.LeakyReLU(0.2, inplace=True),
            nn.Linear(64, 64), nn.BatchNorm1d(64, 0.8), nn.LeakyReLU(0.2, inplace=True),
            nn.Linear(64, 2))

    def forward(self, noise, labels):
        gen_input = torch.cat((self.label_emb(labels), noise), -1)
        return self.model(gen_input)


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.label_embedding = nn.Embedding(N_CLASSES, N_CLASSES)
        self.model = nn.Sequential(
            spectral_norm(nn.Linear(N_CLASSES + 2, 64)), nn.LeakyReLU(0.2, inplace=True),
            P.spectral_norm(nn.Linear(64, 64)), nn.Dropout(0.2), nn.LeakyReLU(0.2, inplace=True),
            spectral_norm(nn.Linear(64, 1), n_power_iterations=2))

    def forward(self, x, labels):
        d_in = torch.cat((x, self.label_embedding(labels)), -1)
        return self.model(d_in)


def real_batch(n):
    labels = torch.randint(0, N_CLASSES, (n,))
    angle = labels.float() * (math.pi / 2)
    centers = torch.stack([torch.cos(angle), torch.sin(angle)], 1) * 2
    return centers + 0.2 * torch.randn(n, 2), labels


generator, discriminator = Generator(), Discriminator()
print(discriminator)
print('G params', sum(p.numel() for p in generator.parameters()),
      'D params', sum(p.numel() for p in discriminator.parameters()))
print('D state_dict keys:', list(discriminator.state_dict().keys()))
print('D parameters:', [n for n, _ in discriminator.named_parameters()])
lin0 = discriminator.model[0]
print('weight_u', lin0.weight_u.shape, 'weight_v', lin0.weight_v.shape, 'hooks', len(lin0._forward_pre_hooks))
print('parametrized:', P.__name__, type(discriminator.model[2].parametrizations.weight[0]).__name__)

adversarial_loss = nn.BCEWithLogitsLoss()
optimizer_G = torch.optim.Adam(generator.parameters(), lr=2e-3, betas=(0.5, 0.999))
optimizer_D = torch.optim.Adam(discriminator.parameters(), lr=2e-3, betas=(0.5, 0.999))
print('G opt defaults:', {k: optimizer_G.defaults[k] for k in ('lr', 'betas', 'eps', 'weight_decay', 'amsgrad')})

B = 32
for i in range(12):
    real_imgs, labels = real_batch(B)
    valid = torch.full((B, 1), 0.9)
    fake = torch.zeros(B, 1)

    optimizer_G.zero_grad()
    z = torch.randn(B, Z_DIM)
    gen_labels = torch.randint(0, N_CLASSES, (B,))
    gen_imgs = generator(z, gen_labels)
    validity = discriminator(gen_imgs, gen_labels)
    g_loss = adversarial_loss(validity, torch.ones(B, 1))
    g_loss.backward()
    optimizer_G.step()

    optimizer_D.zero_grad()
    d_real_loss = adversarial_loss(discriminator(real_imgs, labels), valid)
    d_fake_loss = adversarial_loss(discriminator(gen_imgs.detach(), gen_labels), fake)
    d_loss = (d_real_loss + d_fake_loss) / 2
    d_loss.backward()
    optimizer_D.step()
    print('[Batch %d] [D loss: %.4f] [G loss: %.4f] [D(x): %.3f]'
          % (i, d_loss.item(), g_loss.item(), torch.sigmoid(discriminator(real_imgs, labels)).mean().item()))

# spectral norm: the normalised weight has largest singular value ~1
discriminator.eval()
with torch.no_grad():
    for idx in (0, 2, 5):
        m = discriminator.model[idx]
        sigma = torch.linalg.matrix_norm(m.weight, ord=2)
        print(f'layer {idx} sigma(W_sn) = {sigma.item():.4f}', tuple(m.weight.shape))
    w_orig = lin0.weight_orig
    print('sigma(weight_orig) = %.4f' % torch.linalg.svdvals(w_orig)[0].item())
    u, v = lin0.weight_u, lin0.weight_v
    print('u.W.v = %.4f' % torch.dot(u, torch.mv(w_orig, v)).item())
    print('original of parametrization', discriminator.model[2].parametrizations.weight.original.shape)

generator.eval()
with torch.no_grad():
    z = torch.randn(N_CLASSES * 3, Z_DIM)
    labels = torch.arange(N_CLASSES).repeat_interleave(3)
    samples = generator(z, labels)
    print('labels', labels.tolist())
    print('samples\n', samples)
    for c in range(N_CLASSES):
        print('class', c, 'mean', samples[labels == c].mean(0))

# pos_weight and reduction variants
logits = torch.tensor([[0.5], [-1.0], [2.0]])
targets = torch.tensor([[1.0], [0.0], [1.0]])
print(nn.BCEWithLogitsLoss(pos_weight=torch.tensor([3.0]))(logits, targets))
print(nn.BCEWithLogitsLoss(reduction='none')(logits, targets).squeeze(1))
try:
    adversarial_loss(logits, targets.squeeze(1))
except ValueError as e:
    print('ValueError:', e)
sd = {k: v.clone() for k, v in discriminator.state_dict().items()}
d2 = Discriminator()
print(d2.load_state_dict(sd))
nn.utils.remove_spectral_norm(d2.model[0])
print('after remove:', [n for n, _ in d2.model[0].named_parameters()], list(d2.model[0].state_dict().keys()))
