"""torchvision SqueezeNet 1.0/1.1: Fire modules (squeeze 1x1, expand 1x1 + 3x3 concatenated),
ceil_mode max pools, final conv classifier with Dropout and AdaptiveAvgPool2d, kaiming_uniform_ /
normal_ init, parameter counts per module, train steps with Adam + StepLR, eval outputs, no_grad,
named_modules / named_children walk, and state_dict save/load via BytesIO."""
import io

import torch
import torch.nn as nn
import torch.nn.init as init

torch.manual_seed(0)


class Fire(nn.Module):
    def __init__(self, inplanes: int, squeeze_planes: int, expand1x1_planes: int, expand3x3_planes: int) -> None:
        super().__init__()
        self.inplanes = inplanes
        self.squeeze = nn.Conv2d(inplanes, squeeze_planes, kernel_size=1)
        self.squeeze_activation = nn.ReLU(inplace=True)
        self.expand1x1 = nn.Conv2d(squeeze_planes, expand1x1_planes, kernel_size=1)
        self.expand1x1_activation = nn.ReLU(inplace=True)
        self.expand3x3 = nn.Conv2d(squeeze_planes, expand3x3_planes, kernel_size=3, padding=1)
        self.expand3x3_activation = nn.ReLU(inplace=True)

    def forward(self, x):
        x = self.squeeze_activation(self.squeeze(x))
        return torch.cat(
            [self.expand1x1_activation(self.expand1x1(x)), self.expand3x3_activation(self.expand3x3(x))], 1
        )


class SqueezeNet(nn.Module):
    def __init__(self, version: str = "1_0", num_classes: int = 10, dropout: float = 0.5) -> None:
        super().__init__()
        self.num_classes = num_classes
        if version == "1_0":
            self.features = nn.Sequential(
                nn.Conv2d(3, 24, kernel_size=7, stride=2),
                nn.ReLU(inplace=True),
                nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
                Fire(24, 4, 16, 16),
                Fire(32, 4, 16, 16),
                Fire(32, 8, 32, 32),
                nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
                Fire(64, 8, 32, 32),
                Fire(64, 12, 48, 48),
            )
        elif version == "1_1":
            self.features = nn.Sequential(
                nn.Conv2d(3, 16, kernel_size=3, stride=2),
                nn.ReLU(inplace=True),
                nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
                Fire(16, 4, 16, 16),
                Fire(32, 4, 16, 16),
                nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
                Fire(32, 8, 32, 32),
                Fire(64, 8, 32, 32),
            )
        else:
            raise ValueError(f"Unsupported SqueezeNet version {version}: 1_0 or 1_1 expected")
        final_conv = nn.Conv2d(self.features[-1].expand1x1.out_channels * 2, self.num_classes, kernel_size=1)
        self.classifier = nn.Sequential(
            nn.Dropout(p=dropout), final_conv, nn.ReLU(inplace=True), nn.AdaptiveAvgPool2d((1, 1))
        )
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                if m is final_conv:
                    init.normal_(m.weight, mean=0.0, std=0.01)
                else:
                    init.kaiming_uniform_(m.weight)
                if m.bias is not None:
                    init.constant_(m.bias, 0)

    def forward(self, x):
        x = self.features(x)
        x = self.classifier(x)
        return torch.flatten(x, 1)


for version in ("1_0", "1_1"):
    torch.manual_seed(3)
    net = SqueezeNet(version)
    total = sum(p.numel() for p in net.parameters())
    per_child = {name: sum(p.numel() for p in m.parameters()) for name, m in net.named_children()}
    print(version, total, per_child)
    fires = [name for name, m in net.named_modules() if isinstance(m, Fire)]
    print('fires', fires)
    x = torch.randn(2, 3, 48, 48)
    shapes = []
    h = x
    for layer in net.features:
        h = layer(h)
        shapes.append(tuple(h.shape[1:]))
    print(shapes)
    print('logits', net(x).shape)

try:
    SqueezeNet("2_0")
except ValueError as e:
    print('ValueError:', e)

print(Fire(16, 4, 8, 8))
torch.manual_seed(7)
net = SqueezeNet("1_1", num_classes=3)
print('kaiming bound', round(net.features[0].weight.abs().max().item(), 4), 'final std',
      round(net.classifier[1].weight.std().item(), 5))
x = torch.randn(6, 3, 32, 32)
y = torch.tensor([0, 1, 2, 0, 1, 2])
opt = torch.optim.Adam(net.parameters(), lr=2e-3, betas=(0.9, 0.99), eps=1e-7)
sched = torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
crit = nn.CrossEntropyLoss(label_smoothing=0.05)
net.train()
for epoch in range(5):
    opt.zero_grad()
    logits = net(x)
    loss = crit(logits, y)
    loss.backward()
    opt.step()
    sched.step()
    acc = (logits.argmax(1) == y).float().mean()
    print(f'epoch {epoch} loss {loss.item():.5f} acc {acc.item():.3f} lr {sched.get_last_lr()[0]:.5f}')
print('adam state keys', sorted(opt.state_dict()['state'][0].keys()), opt.state_dict()['state'][0]['step'])

net.eval()
with torch.no_grad():
    a = net(x)
    b = net(x)
print('eval deterministic', torch.equal(a, b), a.requires_grad)
print('logits', a[:2])
net.train()
d1 = net.classifier[0](torch.ones(2, 8))
print('dropout train zeros', int((d1 == 0).sum()), 'scaled', d1.max().item())
net.eval()
print('dropout eval', net.classifier[0](torch.ones(2, 3)))

buf = io.BytesIO()
torch.save(net.state_dict(), buf)
print('bytes > 0', buf.tell() > 0)
buf.seek(0)
sd = torch.load(buf, map_location='cpu')
print(list(sd.keys())[:4], sd['classifier.1.weight'].shape)
net2 = SqueezeNet("1_1", num_classes=3).eval()
net2.load_state_dict(sd)
with torch.no_grad():
    print('match', torch.equal(net2(x), a))
