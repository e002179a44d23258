"""torchvision ShuffleNetV2: channel_shuffle via view / transpose / contiguous / view, InvertedResidual
with x.chunk(2, dim=1) and depthwise convs (groups=channels), stage construction with setattr, a
torch.jit-free functional check of the shuffle permutation, SGD with nesterov + cosine schedule,
eval, no_grad, and a BytesIO state_dict round trip with a prefix strip."""
import io
from collections import OrderedDict

import torch
import torch.nn as nn
from torch import Tensor

torch.manual_seed(0)


def channel_shuffle(x: Tensor, groups: int) -> Tensor:
    batchsize, num_channels, height, width = x.size()
    channels_per_group = num_channels // groups
    # reshape
    x = x.view(batchsize, groups, channels_per_group, height, width)
    x = torch.transpose(x, 1, 2).contiguous()
    # flatten
    x = x.view(batchsize, num_channels, height, width)
    return x


class InvertedResidual(nn.Module):
    def __init__(self, inp: int, oup: int, stride: int) -> None:
        super().__init__()
        if not (1 <= stride <= 3):
            raise ValueError("illegal stride value")
        self.stride = stride
        branch_features = oup // 2
        if (self.stride == 1) and (inp != branch_features << 1):
            raise ValueError(
                f"Invalid combination of stride {stride}, inp {inp} and oup {oup} values. If stride == 1 then inp should be equal to oup // 2 << 1."
            )
        if self.stride > 1:
            self.branch1 = nn.Sequential(
                self.depthwise_conv(inp, inp, kernel_size=3, stride=self.stride, padding=1),
                nn.BatchNorm2d(inp),
                nn.Conv2d(inp, branch_features, kernel_size=1, stride=1, padding=0, bias=False),
                nn.BatchNorm2d(branch_features),
                nn.ReLU(inplace=True),
            )
        else:
            self.branch1 = nn.Sequential()
        self.branch2 = nn.Sequential(
            nn.Conv2d(inp if (self.stride > 1) else branch_features, branch_features, kernel_size=1, stride=1,
                      padding=0, bias=False),
            nn.BatchNorm2d(branch_features),
            nn.ReLU(inplace=True),
            self.depthwise_conv(branch_features, branch_features, kernel_size=3, stride=self.stride, padding=1),
            nn.BatchNorm2d(branch_features),
            nn.Conv2d(branch_features, branch_features, kernel_size=1, stride=1, padding=0, bias=False),
            nn.BatchNorm2d(branch_features),
            nn.ReLU(inplace=True),
        )

    @staticmethod
    def depthwise_conv(i, o, kernel_size, stride=1, padding=0, bias=False):
        return nn.Conv2d(i, o, kernel_size, stride, padding, bias=bias, groups=i)

    def forward(self, x: Tensor) -> Tensor:
        if self.stride == 1:
            x1, x2 = x.chunk(2, dim=1)
            out = torch.cat((x1, self.branch2(x2)), dim=1)
        else:
            out = torch.cat((self.branch1(x), self.branch2(x)), dim=1)
        out = channel_shuffle(out, 2)
        return out


class ShuffleNetV2(nn.Module):
    def __init__(self, stages_repeats, stages_out_channels, num_classes=10):
        super().__init__()
        if len(stages_repeats) != 3:
            raise ValueError("expected stages_repeats as list of 3 positive ints")
        self._stage_out_channels = stages_out_channels
        input_channels = 3
        output_channels = self._stage_out_channels[0]
        self.conv1 = nn.Sequential(
            nn.Conv2d(input_channels, output_channels, 3, 2, 1, bias=False),
            nn.BatchNorm2d(output_channels),
            nn.ReLU(inplace=True),
        )
        input_channels = output_channels
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        stage_names = [f"stage{i}" for i in [2, 3, 4]]
        for name, repeats, output_channels in zip(stage_names, stages_repeats, self._stage_out_channels[1:]):
            seq = [InvertedResidual(input_channels, output_channels, 2)]
            for i in range(repeats - 1):
                seq.append(InvertedResidual(output_channels, output_channels, 1))
            setattr(self, name, nn.Sequential(*seq))
            input_channels = output_channels
        output_channels = self._stage_out_channels[-1]
        self.conv5 = nn.Sequential(
            nn.Conv2d(input_channels, output_channels, 1, 1, 0, bias=False),
            nn.BatchNorm2d(output_channels),
            nn.ReLU(inplace=True),
        )
        self.fc = nn.Linear(output_channels, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        x = self.conv1(x)
        x = self.maxpool(x)
        x = self.stage2(x)
        x = self.stage3(x)
        x = self.stage4(x)
        x = self.conv5(x)
        x = x.mean([2, 3])  # globalpool
        x = self.fc(x)
        return x


# the shuffle is a fixed permutation of the channels
idx = torch.arange(8, dtype=torch.float32).view(1, 8, 1, 1)
print('shuffle g2', channel_shuffle(idx, 2).flatten().tolist())
print('shuffle g4', channel_shuffle(idx, 4).flatten().long().tolist())
v = idx.view(1, 2, 4, 1, 1)
t = torch.transpose(v, 1, 2)
print('is_contiguous', t.is_contiguous(), t.contiguous().is_contiguous(), t.stride(), t.contiguous().stride())
try:
    t.view(1, 8, 1, 1)
    print('view ok')
except RuntimeError as e:
    print('RuntimeError:', str(e)[:60])
print('reshape works', t.reshape(1, 8).tolist())

a, b = torch.arange(10).view(1, 10, 1, 1).chunk(2, dim=1)
print('chunk', a.flatten().tolist(), b.flatten().tolist(), a.is_contiguous())
print([c.shape[1] for c in torch.arange(7).view(1, 7).chunk(3, dim=1)])

try:
    InvertedResidual(24, 32, 1)
except ValueError as e:
    print('ValueError:', e)
try:
    InvertedResidual(24, 32, 4)
except ValueError as e:
    print('ValueError:', e)

torch.manual_seed(1)
model = ShuffleNetV2([2, 3, 2], [8, 16, 32, 64, 128])
print('params', sum(p.numel() for p in model.parameters()))
dw = model.stage2[0].branch1[0]
print(dw, dw.weight.shape, dw.groups)
print(model.stage3[1])

x = torch.randn(8, 3, 64, 64)
h = model.maxpool(model.conv1(x))
print('stem', h.shape)
for name in ['stage2', 'stage3', 'stage4']:
    h = getattr(model, name)(h)
    print(name, tuple(h.shape), round(h.abs().mean().item(), 5))

# BatchNorm over tiny maps makes float32 training chaotic: train in float64 (Module.double)
model = model.double()
x = x.double()
print('dtypes', {p.dtype for p in model.parameters()}, model.conv1[1].running_mean.dtype,
      model.conv1[1].num_batches_tracked.dtype)
y = torch.tensor([1, 3, 5, 7, 0, 2, 4, 6])
opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, nesterov=True, weight_decay=4e-5)
sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=4)
for it in range(4):
    out = model(x)
    loss = nn.functional.cross_entropy(out, y)
    opt.zero_grad()
    loss.backward()
    g = model.stage2[0].branch1[0].weight.grad
    opt.step()
    sched.step()
    print(f'it {it} loss {loss.item():.5f} dw grad {g.abs().sum().item():.5f} lr {opt.param_groups[0]["lr"]:.6f}')

model.eval()
with torch.no_grad():
    logits = model(x)
print('eval', logits.argmax(1).tolist(), round(logits.std().item(), 5))

# checkpoints saved from DataParallel carry a 'module.' prefix
state = OrderedDict(('module.' + k, v) for k, v in model.state_dict().items())
buf = io.BytesIO()
torch.save({'state_dict': state}, buf)
buf.seek(0)
loaded = torch.load(buf)['state_dict']
clean = OrderedDict((k[7:] if k.startswith('module.') else k, v) for k, v in loaded.items())
m2 = ShuffleNetV2([2, 3, 2], [8, 16, 32, 64, 128])
print(m2.conv1[0].weight.dtype, clean['conv1.0.weight'].dtype)
print(m2.load_state_dict(clean))
m2.eval()
try:
    with torch.no_grad():
        m2(x)
except RuntimeError as e:
    print('RuntimeError:', e)
try:
    m2.conv1(x.float()).shape
    m2.conv5(x[:, :1].expand(-1, 64, -1, -1).float())
    nn.BatchNorm2d(3).eval()(x)
except RuntimeError as e:
    print('RuntimeError:', e)
m2 = m2.double()
with torch.no_grad():
    # the float32 parameters rounded the float64 checkpoint
    print('same', torch.equal(m2(x), logits), torch.allclose(m2(x), logits, atol=1e-4))
print(sum(1 for k in clean if k.endswith('num_batches_tracked')), clean['conv1.1.num_batches_tracked'])
