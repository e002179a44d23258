"""ResNeXt bottleneck (grouped 3x3 conv, cardinality x base width) with a Squeeze-and-Excitation block
(AdaptiveAvgPool2d -> Linear -> ReLU -> Linear -> Sigmoid, x * y.expand_as(x)), the SEResNeXt layer
builder with downsample shortcuts, zero-init of the last BN gamma, kaiming_normal_ fan_out, parameter
counts of grouped vs dense convs, AdamW with no weight decay on norms/biases (param groups), gradient
accumulation, eval, no_grad and a BytesIO checkpoint with the optimizer state."""
import io
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class SELayer(nn.Module):
    def __init__(self, channel, reduction=16):
        super(SELayer, self).__init__()
        self.avg_pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Sequential(
            nn.Linear(channel, channel // reduction, bias=False),
            nn.ReLU(inplace=True),
            nn.Linear(channel // reduction, channel, bias=False),
            nn.Sigmoid()
        )

    def forward(self, x):
        b, c, _, _ = x.size()
        y = self.avg_pool(x).view(b, c)
        y = self.fc(y).view(b, c, 1, 1)
        return x * y.expand_as(x)


class ResNeXtBottleneck(nn.Module):
    expansion = 4

    def __init__(self, inplanes, planes, cardinality, base_width, stride=1, downsample=None, reduction=4):
        super().__init__()
        D = int(math.floor(planes * (base_width / 64.0)))
        C = cardinality
        self.conv1 = nn.Conv2d(inplanes, D * C, kernel_size=1, stride=1, padding=0, bias=False)
        self.bn1 = nn.BatchNorm2d(D * C)
        self.conv2 = nn.Conv2d(D * C, D * C, kernel_size=3, stride=stride, padding=1, groups=C, bias=False)
        self.bn2 = nn.BatchNorm2d(D * C)
        self.conv3 = nn.Conv2d(D * C, planes * 4, kernel_size=1, stride=1, padding=0, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.se = SELayer(planes * 4, reduction)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x):
        residual = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        out = self.se(out)
        if self.downsample is not None:
            residual = self.downsample(x)
        out += residual
        return self.relu(out)


class SEResNeXt(nn.Module):
    def __init__(self, block, layers, cardinality=4, base_width=8, num_classes=10):
        super().__init__()
        self.cardinality = cardinality
        self.base_width = base_width
        self.inplanes = 16
        self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.relu = nn.ReLU(inplace=True)
        self.layer1 = self._make_layer(block, 8, layers[0])
        self.layer2 = self._make_layer(block, 16, layers[1], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(16 * block.expansion, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode='fan_out', nonlinearity='relu')
            elif isinstance(m, nn.BatchNorm2d):
                m.weight.data.fill_(1)
                m.bias.data.zero_()
        for m in self.modules():
            if isinstance(m, ResNeXtBottleneck):
                nn.init.constant_(m.bn3.weight, 0)

    def _make_layer(self, block, planes, blocks, stride=1):
        downsample = None
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(
                nn.Conv2d(self.inplanes, planes * block.expansion, kernel_size=1, stride=stride, bias=False),
                nn.BatchNorm2d(planes * block.expansion),
            )
        layers = [block(self.inplanes, planes, self.cardinality, self.base_width, stride, downsample)]
        self.inplanes = planes * block.expansion
        for i in range(1, blocks):
            layers.append(block(self.inplanes, planes, self.cardinality, self.base_width))
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer2(self.layer1(x))
        x = self.avgpool(x)
        x = x.view(x.size(0), -1)
        return self.fc(x)


# grouped vs dense conv parameter counts
dense = nn.Conv2d(32, 32, 3, padding=1, bias=False)
grouped = nn.Conv2d(32, 32, 3, padding=1, groups=8, bias=False)
print('dense', dense.weight.numel(), 'grouped', grouped.weight.numel(), grouped.weight.shape, grouped)
try:
    nn.Conv2d(30, 32, 3, groups=8)
except ValueError as e:
    print('ValueError:', e)
try:
    F.conv2d(torch.randn(1, 30, 5, 5), grouped.weight, groups=8)
except RuntimeError as e:
    print('RuntimeError:', e)

# a grouped conv equals the concatenation of per-group convs
xg = torch.randn(2, 32, 6, 6)
ref = torch.cat([F.conv2d(xc, wc, padding=1) for xc, wc in zip(xg.chunk(8, 1), grouped.weight.chunk(8, 0))], 1)
print('grouped == per-group', torch.allclose(grouped(xg), ref, atol=1e-5))

se = SELayer(32, reduction=8)
y = se(xg)
print('se', y.shape, se.fc[0].weight.shape, round(y.abs().mean().item(), 5))

model = SEResNeXt(ResNeXtBottleneck, [2, 1])
total = sum(p.numel() for p in model.parameters())
print('params', total, 'bn3 zero', model.layer1[0].bn3.weight.abs().sum().item())
print(model.layer2[0].conv2, model.layer2[0].downsample)
print('kaiming std', round(model.conv1.weight.std().item(), 4), round(math.sqrt(2.0 / (16 * 9)), 4))

decay, no_decay = [], []
for name, p in model.named_parameters():
    if p.ndim <= 1 or name.endswith('.bias'):
        no_decay.append(p)
    else:
        decay.append(p)
print('groups', len(decay), len(no_decay))
opt = torch.optim.AdamW([{'params': decay, 'weight_decay': 0.05}, {'params': no_decay, 'weight_decay': 0.0}],
                        lr=3e-3, betas=(0.9, 0.999))
print([(g['weight_decay'], g['lr'], len(g['params'])) for g in opt.param_groups])

x = torch.randn(8, 3, 16, 16)
target = torch.arange(8) % 10
accum = 2
model.train()
for step in range(6):
    xb, yb = x[(step % accum) * 4:(step % accum + 1) * 4], target[(step % accum) * 4:(step % accum + 1) * 4]
    loss = F.cross_entropy(model(xb), yb) / accum
    loss.backward()
    if (step + 1) % accum == 0:
        gn = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=5.0)
        opt.step()
        opt.zero_grad()
        print(f'update {(step + 1) // accum} loss {loss.item() * accum:.5f} grad_norm {gn.item():.5f}')
print('bn3 after', round(model.layer1[0].bn3.weight.abs().sum().item(), 6))
print('running_var', model.bn1.running_var[:3])

model.eval()
with torch.no_grad():
    logits = model(x)
    print('eval logits', logits[:2].round(decimals=4))
    print('pred', logits.argmax(-1).tolist())
    print('se gate range', [round(v.item(), 4) for v in model.layer2[0].se.fc(torch.ones(1, 64)).aminmax()])

buf = io.BytesIO()
torch.save({'model': model.state_dict(), 'optimizer': opt.state_dict()}, buf)
buf.seek(0)
ck = torch.load(buf)
m2 = SEResNeXt(ResNeXtBottleneck, [2, 1])
m2.load_state_dict(ck['model'])
o2 = torch.optim.AdamW([{'params': [p for n, p in m2.named_parameters() if not (p.ndim <= 1 or n.endswith('.bias'))],
                         'weight_decay': 0.05},
                        {'params': [p for n, p in m2.named_parameters() if p.ndim <= 1 or n.endswith('.bias')],
                         'weight_decay': 0.0}], lr=3e-3)
o2.load_state_dict(ck['optimizer'])
print('opt state', len(o2.state), o2.param_groups[0]['betas'], o2.state_dict()['param_groups'][1]['params'][:3])
m2.eval()
with torch.no_grad():
    print('restored', torch.equal(m2(x), logits))
