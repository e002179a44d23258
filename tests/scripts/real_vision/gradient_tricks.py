"""Gradient tricks from vision tutorials: WGAN-GP gradient penalty (double backward through convs),
FGSM adversarial examples, saliency maps, Grad-CAM with hooks, and neural style transfer
(Gram matrices, optimising the input image with LBFGS)."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(4)

# ---- WGAN-GP critic step
critic = nn.Sequential(nn.Conv2d(1, 4, 3, 2, 1), nn.LeakyReLU(0.2), nn.Conv2d(4, 8, 3, 2, 1), nn.LeakyReLU(0.2),
                       nn.Flatten(), nn.Linear(8 * 2 * 2, 1))
gen = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Unflatten(1, (1, 4, 4)), nn.Upsample(scale_factor=2),
                    nn.Conv2d(1, 1, 3, padding=1), nn.Tanh())
opt_c = torch.optim.Adam(critic.parameters(), lr=1e-4, betas=(0.0, 0.9))
opt_g = torch.optim.RMSprop(gen.parameters(), lr=5e-5)


def gradient_penalty(critic, real, fake):
    alpha = torch.rand(real.size(0), 1, 1, 1).expand_as(real)
    interpolates = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    d_interpolates = critic(interpolates)
    gradients = torch.autograd.grad(outputs=d_interpolates, inputs=interpolates,
                                    grad_outputs=torch.ones_like(d_interpolates),
                                    create_graph=True, retain_graph=True, only_inputs=True)[0]
    gradients = gradients.view(gradients.size(0), -1)
    return ((gradients.norm(2, dim=1) - 1) ** 2).mean()


real = torch.rand(6, 1, 8, 8) * 2 - 1
for it in range(3):
    z = torch.randn(6, 4)
    fake = gen(z)
    opt_c.zero_grad()
    gp = gradient_penalty(critic, real, fake.detach())
    loss_c = critic(fake.detach()).mean() - critic(real).mean() + 10 * gp
    loss_c.backward()
    opt_c.step()
    opt_g.zero_grad()
    loss_g = -critic(gen(z)).mean()
    loss_g.backward()
    opt_g.step()
    print(f'iter {it}: critic {loss_c.item():.5f} gp {gp.item():.5f} gen {loss_g.item():.5f}')
print(critic[0].weight.grad.abs().sum().item())
# weight clipping (original WGAN)
for p in critic.parameters():
    p.data.clamp_(-0.01, 0.01)
print(critic[-1].weight.abs().max().item())

# ---- FGSM, saliency
clf = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(2), nn.Flatten(), nn.Linear(16, 3))
clf.eval()
x = torch.rand(2, 1, 8, 8, requires_grad=True)
y = torch.tensor([0, 2])
loss = F.cross_entropy(clf(x), y)
clf.zero_grad()
loss.backward()
x_adv = (x + 0.1 * x.grad.sign()).clamp(0, 1).detach()
print('fgsm', loss.item(), F.cross_entropy(clf(x_adv), y).item())
print('saliency', x.grad.abs().amax(dim=1)[0, :2])
print(x.grad.sign()[0, 0, 0], (x_adv - x).abs().max().item())

# ---- Grad-CAM
feats, grads = {}, {}
layer = clf[1]
h1 = layer.register_forward_hook(lambda m, i, o: feats.__setitem__('a', o))
h2 = layer.register_full_backward_hook(lambda m, gi, go: grads.__setitem__('g', go[0]))
img = torch.rand(1, 1, 8, 8)
out = clf(img)
cls = out.argmax(1).item()
clf.zero_grad()
out[0, cls].backward()
weights = grads['g'].mean(dim=(2, 3), keepdim=True)
cam = F.relu((weights * feats['a']).sum(1, keepdim=True))
cam = F.interpolate(cam, size=(16, 16), mode='bilinear', align_corners=False)
cam = (cam - cam.min()) / (cam.max() - cam.min() + 1e-8)
print('cam', cls, cam.shape, cam[0, 0, ::4, ::4])
h1.remove()
h2.remove()

# ---- style transfer
def gram_matrix(t):
    b, c, h, w = t.size()
    f = t.view(b * c, h * w)
    return torch.mm(f, f.t()).div(b * c * h * w)


features = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 4, 3, padding=1)).eval()
for p in features.parameters():
    p.requires_grad_(False)
content = torch.rand(1, 3, 8, 8)
style = torch.rand(1, 3, 8, 8)
target_c = features(content).detach()
target_s = gram_matrix(features(style)).detach()
input_img = content.clone().requires_grad_(True)
optimizer = torch.optim.LBFGS([input_img], lr=0.5, max_iter=5)
run = [0]
for step in range(3):
    def closure():
        with torch.no_grad():
            input_img.clamp_(0, 1)
        optimizer.zero_grad()
        f = features(input_img)
        loss = F.mse_loss(f, target_c) + 1000 * F.mse_loss(gram_matrix(f), target_s)
        loss.backward()
        run[0] += 1
        return loss
    l = optimizer.step(closure)
    print(f'style step {step}: loss {l.item():.6f} evals {run[0]}')
# (LBFGS on a 1e-5 loss amplifies float32 rounding to ~1e-4 in single pixels: print the mean)
print(f'{input_img.detach().clamp(0, 1).mean().item():.5f}')
print(torch.autograd.grad((input_img ** 2).sum(), input_img)[0].shape)
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = (x ** 3).sum()
g, = torch.autograd.grad(y, x, create_graph=True)
h, = torch.autograd.grad(g.sum(), x)
print(g, h)
