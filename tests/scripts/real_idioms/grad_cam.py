"""Grad-CAM and saliency maps as explainability repositories write them: a small CNN trained for a
few steps, activation and gradient capture with a forward hook plus tensor.register_hook (and the
register_full_backward_hook variant), channel weights from pooled gradients, ReLU, bilinear
upsampling, min-max normalisation; vanilla saliency, SmoothGrad and integrated gradients."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(42)


class SmallCNN(nn.Module):
    def __init__(self, num_classes=3):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(inplace=True),
        )
        self.classifier = nn.Sequential(nn.AdaptiveAvgPool2d((2, 2)), nn.Flatten(), nn.Linear(16 * 4, num_classes))

    def forward(self, x):
        return self.classifier(self.features(x))


def make_batch(n):
    # class = which quadrant holds a bright square
    x = torch.randn(n, 1, 16, 16) * 0.3
    y = torch.randint(0, 3, (n,))
    for i in range(n):
        r, c = [(2, 2), (2, 9), (9, 5)][y[i]]
        x[i, 0, r:r + 5, c:c + 5] += 2.0
    return x, y


model = SmallCNN()
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
for step in range(40):
    xb, yb = make_batch(32)
    loss = F.cross_entropy(model(xb), yb)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 10 == 9:
        print(f'step {step + 1} loss {loss.item():.4f}')
model.eval()


class GradCAM:
    def __init__(self, model, target_layer):
        self.model = model
        self.activations = None
        self.gradients = None
        self.handle = target_layer.register_forward_hook(self.save_activation)

    def save_activation(self, module, inp, out):
        self.activations = out.detach()
        out.register_hook(self.save_gradient)

    def save_gradient(self, grad):
        self.gradients = grad.detach()

    def __call__(self, x, class_idx=None):
        self.model.zero_grad()
        logits = self.model(x)
        if class_idx is None:
            class_idx = logits.argmax(dim=1)
        score = logits.gather(1, class_idx.view(-1, 1)).sum()
        score.backward()
        weights = self.gradients.mean(dim=(2, 3), keepdim=True)
        cam = F.relu((weights * self.activations).sum(dim=1, keepdim=True))
        cam = F.interpolate(cam, size=x.shape[-2:], mode='bilinear', align_corners=False)
        b = cam.shape[0]
        flat = cam.view(b, -1)
        mn, mx = flat.min(dim=1, keepdim=True)[0], flat.max(dim=1, keepdim=True)[0]
        cam = ((flat - mn) / (mx - mn + 1e-8)).view_as(cam)
        return cam, logits

    def remove(self):
        self.handle.remove()


xs, ys = make_batch(4)
gc = GradCAM(model, model.features[3])
cam, logits = gc(xs)
print('logits', logits)
print('pred', logits.argmax(1), 'true', ys)
print('activations', tuple(gc.activations.shape), 'gradients', tuple(gc.gradients.shape))
print('cam', cam.shape, cam.dtype, f'{cam.min().item():.4f} {cam.max().item():.4f}')
for i in range(4):
    m = cam[i, 0]
    idx = m.argmax().item()
    print(f'  sample {i} label {ys[i].item()} peak at {divmod(idx, 16)} mean {m.mean().item():.4f}')
print(cam[0, 0, ::4, ::4])
gc.remove()
print('hooks left', len(model.features[3]._forward_hooks))

print('--- module backward-hook variant')
store = {}
h1 = model.features[4].register_forward_hook(lambda m, i, o: store.__setitem__('act', o.detach()))
h2 = model.features[4].register_full_backward_hook(lambda m, gi, go: store.__setitem__('grad', go[0].detach()))
model.zero_grad()
try:
    out = model(xs)
except RuntimeError as e:
    # the classic pitfall: ReLU(inplace=True) modifies the hooked module's wrapped input
    print('RuntimeError:', str(e)[:120])
    for m in model.modules():
        if isinstance(m, nn.ReLU):
            m.inplace = False
    print(model.features)
    out = model(xs)
out[torch.arange(4), ys].sum().backward()
w = store['grad'].mean(dim=(2, 3), keepdim=True)
cam2 = F.relu((w * store['act']).sum(1))
print(cam2.shape, cam2.sum(dim=(1, 2)))
h1.remove()
h2.remove()

print('--- vanilla saliency')
x = xs.clone().requires_grad_(True)
model.zero_grad()
scores = model(x)
scores.gather(1, ys[:, None]).sum().backward()
sal = x.grad.abs().amax(dim=1)
print(sal.shape, [round(v, 5) for v in sal.flatten(1).max(1).values.tolist()])

print('--- SmoothGrad')
torch.manual_seed(7)
total = torch.zeros_like(xs)
for _ in range(8):
    noisy = (xs + 0.1 * torch.randn_like(xs)).requires_grad_()
    g, = torch.autograd.grad(model(noisy).gather(1, ys[:, None]).sum(), noisy)
    total += g
sg = (total / 8).abs().squeeze(1)
print([round(v, 5) for v in sg.sum(dim=(1, 2)).tolist()])

print('--- integrated gradients')
baseline = torch.zeros_like(xs[:1])
inp = xs[:1]
alphas = torch.linspace(0, 1, 17).view(-1, 1, 1, 1)
path = (baseline + alphas * (inp - baseline)).requires_grad_()
out = model(path)[:, ys[0]]
grads, = torch.autograd.grad(out.sum(), path)
avg = (grads[:-1] + grads[1:]).mean(0, keepdim=True) / 2
ig = (inp - baseline) * avg
with torch.no_grad():
    delta = model(inp)[0, ys[0]] - model(baseline)[0, ys[0]]
print(f'attribution sum {ig.sum().item():.4f} vs output delta {delta.item():.4f}')
print(ig.shape, f'{ig.abs().max().item():.5f}')
