"""PixelCNN on tiny binarized images: masked convolutions (type A / B) with the mask as a buffer,
weight.data *= mask in forward, training a few steps and an autoregressive sampling loop."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class MaskedConv2d(nn.Conv2d):
    def __init__(self, mask_type, *args, **kwargs):
        super().__init__(*args, **kwargs)
        assert mask_type in {'A', 'B'}
        self.register_buffer('mask', self.weight.data.clone())
        _, _, kH, kW = self.weight.size()
        self.mask.fill_(1)
        self.mask[:, :, kH // 2, kW // 2 + (mask_type == 'B'):] = 0
        self.mask[:, :, kH // 2 + 1:] = 0

    def forward(self, x):
        self.weight.data *= self.mask
        return super(MaskedConv2d, self).forward(x)


class PixelCNN(nn.Module):
    def __init__(self, fm=16, n_layers=3):
        super().__init__()
        layers = [MaskedConv2d('A', 1, fm, 5, 1, 2, bias=False), nn.BatchNorm2d(fm), nn.ReLU(True)]
        for _ in range(n_layers):
            layers += [MaskedConv2d('B', fm, fm, 3, 1, 1, bias=False), nn.BatchNorm2d(fm), nn.ReLU(True)]
        layers += [nn.Conv2d(fm, 2, 1)]
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)


net = PixelCNN()
print(net)
print('params:', sum(p.numel() for p in net.parameters()))
print('buffers:', [(n, tuple(b.shape)) for n, b in net.named_buffers()])
print('state_dict keys:', list(net.state_dict().keys()))
m = net.net[0].mask
print('mask A center row:', m[0, 0, 2].tolist())
print('mask B:\n', net.net[3].mask[0, 0])
print('mask dtype / requires_grad:', m.dtype, m.requires_grad)

# toy data: 8x8 binary images of vertical stripes with random phase
H = W = 8
imgs = []
for i in range(32):
    phase = i % 3
    img = torch.zeros(1, H, W)
    img[:, :, phase::3] = 1.0
    imgs.append(img)
data = torch.stack(imgs)
data = (data + (torch.rand_like(data) < 0.05).float()) % 2
print('data', data.shape, data.dtype, 'mean', round(data.mean().item(), 4))

opt = torch.optim.Adam(net.parameters(), lr=1e-2)
for step in range(8):
    net.train()
    logits = net(data)
    target = data[:, 0].long()
    loss = F.cross_entropy(logits, target)
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(f'step {step} loss {loss.item():.5f} bits/dim {loss.item() / torch.log(torch.tensor(2.)).item():.4f}')

# the masked weights stay zero once forward has multiplied them
w = net.net[0].weight
print('masked-out weight abs sum:', (w.data * (1 - net.net[0].mask)).abs().sum().item())
print('grad on masked region before mask:', net.net[0].weight.grad[0, 0, 2, 3].item())

# causality check: output at pixel (r, c) must not depend on input at (r, c) or later
net.eval()
x = torch.zeros(1, 1, H, W, requires_grad=True)
out = net(x)
out[0, 1, 3, 4].backward()
g = x.grad[0, 0]
print('receptive grad nonzero rows/cols:')
print((g != 0).int())
print('depends on future pixel:', bool((g.flatten()[3 * W + 4:] != 0).any()))

# sampling
sample = torch.zeros(4, 1, H, W)
with torch.no_grad():
    for i in range(H):
        for j in range(W):
            out = net(sample)
            probs = F.softmax(out[:, :, i, j], dim=1)
            sample[:, :, i, j] = torch.multinomial(probs, 1).float()
print('samples:')
for s in sample:
    print(s[0].int().tolist())
print('sample mean', sample.mean().item())

# log-likelihood of data under eval model
with torch.no_grad():
    lp = -F.cross_entropy(net(data), data[:, 0].long(), reduction='none').sum(dim=(1, 2))
print('per-image log p (first 5):', lp[:5])
print('nll nats/img', (-lp.mean()).item())
