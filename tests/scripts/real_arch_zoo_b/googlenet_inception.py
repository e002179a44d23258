"""torchvision-style GoogLeNet (Inception v1): BasicConv2d with BatchNorm eps=0.001, Inception block
with four branches concatenated, InceptionAux heads (adaptive_avg_pool2d, dropout) active only in
training, ceil_mode max pools, namedtuple outputs, transform_input, truncated-normal init, the
aux-weighted loss (0.3), SGD steps, eval/no_grad outputs and a BytesIO state_dict round trip."""
import io
from collections import namedtuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

torch.manual_seed(0)

GoogLeNetOutputs = namedtuple("GoogLeNetOutputs", ["logits", "aux_logits2", "aux_logits1"])


class BasicConv2d(nn.Module):
    def __init__(self, in_channels, out_channels, **kwargs):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, bias=False, **kwargs)
        self.bn = nn.BatchNorm2d(out_channels, eps=0.001)

    def forward(self, x: Tensor) -> Tensor:
        x = self.conv(x)
        x = self.bn(x)
        return F.relu(x, inplace=True)


class Inception(nn.Module):
    def __init__(self, in_channels, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj):
        super().__init__()
        self.branch1 = BasicConv2d(in_channels, ch1x1, kernel_size=1)
        self.branch2 = nn.Sequential(
            BasicConv2d(in_channels, ch3x3red, kernel_size=1), BasicConv2d(ch3x3red, ch3x3, kernel_size=3, padding=1)
        )
        self.branch3 = nn.Sequential(
            BasicConv2d(in_channels, ch5x5red, kernel_size=1),
            # torchvision uses 3x3 here (a known bug kept for weight compatibility)
            BasicConv2d(ch5x5red, ch5x5, kernel_size=3, padding=1),
        )
        self.branch4 = nn.Sequential(
            nn.MaxPool2d(kernel_size=3, stride=1, padding=1, ceil_mode=True),
            BasicConv2d(in_channels, pool_proj, kernel_size=1),
        )

    def _forward(self, x):
        return [self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)]

    def forward(self, x):
        outputs = self._forward(x)
        return torch.cat(outputs, 1)


class InceptionAux(nn.Module):
    def __init__(self, in_channels, num_classes, dropout=0.7):
        super().__init__()
        self.conv = BasicConv2d(in_channels, 16, kernel_size=1)
        self.fc1 = nn.Linear(16 * 2 * 2, 32)
        self.fc2 = nn.Linear(32, num_classes)
        self.dropout = nn.Dropout(p=dropout)

    def forward(self, x):
        x = F.adaptive_avg_pool2d(x, (2, 2))
        x = self.conv(x)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x), inplace=True)
        x = self.dropout(x)
        x = self.fc2(x)
        return x


class TinyGoogLeNet(nn.Module):
    def __init__(self, num_classes=5, aux_logits=True, transform_input=True, dropout=0.2):
        super().__init__()
        self.aux_logits = aux_logits
        self.transform_input = transform_input
        self.conv1 = BasicConv2d(3, 16, kernel_size=7, stride=2, padding=3)
        self.maxpool1 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.conv2 = BasicConv2d(16, 16, kernel_size=1)
        self.conv3 = BasicConv2d(16, 24, kernel_size=3, padding=1)
        self.maxpool2 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.inception3a = Inception(24, 8, 8, 12, 4, 6, 6)     # -> 32
        self.inception3b = Inception(32, 12, 8, 16, 4, 8, 4)    # -> 40
        self.maxpool3 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.inception4a = Inception(40, 12, 8, 16, 4, 8, 4)    # -> 40
        self.inception4b = Inception(40, 16, 8, 16, 4, 8, 8)    # -> 48
        if aux_logits:
            self.aux1 = InceptionAux(40, num_classes)
            self.aux2 = InceptionAux(48, num_classes)
        else:
            self.aux1 = None
            self.aux2 = None
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.dropout = nn.Dropout(p=dropout)
        self.fc = nn.Linear(48, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d) or isinstance(m, nn.Linear):
                torch.nn.init.trunc_normal_(m.weight, mean=0.0, std=0.01, a=-2, b=2)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)

    def _transform_input(self, x):
        if self.transform_input:
            x_ch0 = torch.unsqueeze(x[:, 0], 1) * (0.229 / 0.5) + (0.485 - 0.5) / 0.5
            x_ch1 = torch.unsqueeze(x[:, 1], 1) * (0.224 / 0.5) + (0.456 - 0.5) / 0.5
            x_ch2 = torch.unsqueeze(x[:, 2], 1) * (0.225 / 0.5) + (0.406 - 0.5) / 0.5
            x = torch.cat((x_ch0, x_ch1, x_ch2), 1)
        return x

    def forward(self, x):
        x = self._transform_input(x)
        x = self.maxpool1(self.conv1(x))
        x = self.conv3(self.conv2(x))
        x = self.maxpool2(x)
        x = self.inception3b(self.inception3a(x))
        x = self.maxpool3(x)
        x = self.inception4a(x)
        aux1 = None
        if self.aux1 is not None and self.training:
            aux1 = self.aux1(x)
        x = self.inception4b(x)
        aux2 = None
        if self.aux2 is not None and self.training:
            aux2 = self.aux2(x)
        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        x = self.dropout(x)
        x = self.fc(x)
        if self.training and self.aux_logits:
            return GoogLeNetOutputs(x, aux2, aux1)
        return x


model = TinyGoogLeNet()
print('params', sum(p.numel() for p in model.parameters()))
print('buffers', sum(b.numel() for b in model.buffers()), len(list(model.buffers())))
print(model.inception3a.branch4)
w = model.fc.weight
print('trunc_normal range ok', bool(w.abs().max() <= 2), w.shape)

x = torch.rand(4, 3, 40, 40)
feats = {}
t = model._transform_input(x)
print('transform', t.shape, round(t.mean().item(), 5))
h = model.maxpool1(model.conv1(t))
print('after pool1 (ceil_mode)', h.shape)
print('pool no ceil', F.max_pool2d(torch.randn(1, 1, 10, 10), 3, 2).shape,
      F.max_pool2d(torch.randn(1, 1, 10, 10), 3, 2, ceil_mode=True).shape)

labels = torch.tensor([0, 1, 2, 4])
opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=4e-5)
model.train()
for step in range(3):
    out = model(x)
    print(type(out).__name__, out._fields, out.logits.shape, out.aux_logits1.shape)
    loss = F.cross_entropy(out.logits, labels)
    loss = loss + 0.3 * F.cross_entropy(out.aux_logits1, labels) + 0.3 * F.cross_entropy(out.aux_logits2, labels)
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(f'step {step}: loss={loss.item():.6f}', 'grad norm fc', round(model.fc.weight.grad.norm().item(), 6))

model.eval()
with torch.no_grad():
    logits = model(x)
print(type(logits).__name__, logits.shape)
probs = logits.softmax(-1)
top2 = probs.topk(2, dim=1)
print('top2 indices', top2.indices.tolist())
print('sum probs', probs.sum(1))

noaux = TinyGoogLeNet(aux_logits=False, transform_input=False)
print('noaux aux1', noaux.aux1, 'params', sum(p.numel() for p in noaux.parameters()))
res = noaux.load_state_dict(model.state_dict(), strict=False)
print('unexpected', sorted(set(k.split('.')[0] for k in res.unexpected_keys)), 'missing', res.missing_keys)
try:
    noaux.load_state_dict(model.state_dict())
except RuntimeError as e:
    print('RuntimeError:', str(e).splitlines()[0])

buf = io.BytesIO()
torch.save({'model': model.state_dict(), 'epoch': 3}, buf)
buf.seek(0)
ckpt = torch.load(buf)
m2 = TinyGoogLeNet()
m2.load_state_dict(ckpt['model'])
m2.eval()
with torch.no_grad():
    print('epoch', ckpt['epoch'], 'same', torch.allclose(m2(x), logits))
