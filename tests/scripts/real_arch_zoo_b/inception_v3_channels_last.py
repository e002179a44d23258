"""torchvision Inception-v3 blocks (InceptionA with avg_pool2d(count_include_pad=False), InceptionB's
stride-2 reduction with max_pool2d, InceptionC's factorized 1x7 / 7x1 convolutions, InceptionE's split
1x3 / 3x1 branches concatenated), BasicConv2d with eps=0.001, trained in channels_last memory format
as performance guides suggest: model.to(memory_format=torch.channels_last), is_contiguous checks on
activations, .grad strides, grads viewed / reshaped for a flat-gradient norm, SGD momentum steps,
label-smoothed CE, eval / no_grad, and a BytesIO round trip into a contiguous model."""
import io

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class BasicConv2d(nn.Module):
    def __init__(self, in_channels, out_channels, **kwargs):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, bias=False, **kwargs)
        self.bn = nn.BatchNorm2d(out_channels, eps=0.001)

    def forward(self, x):
        return F.relu(self.bn(self.conv(x)), inplace=True)


class InceptionA(nn.Module):
    def __init__(self, in_channels, pool_features):
        super().__init__()
        self.branch1x1 = BasicConv2d(in_channels, 8, kernel_size=1)
        self.branch5x5_1 = BasicConv2d(in_channels, 6, kernel_size=1)
        self.branch5x5_2 = BasicConv2d(6, 8, kernel_size=5, padding=2)
        self.branch3x3dbl_1 = BasicConv2d(in_channels, 8, kernel_size=1)
        self.branch3x3dbl_2 = BasicConv2d(8, 12, kernel_size=3, padding=1)
        self.branch3x3dbl_3 = BasicConv2d(12, 12, kernel_size=3, padding=1)
        self.branch_pool = BasicConv2d(in_channels, pool_features, kernel_size=1)

    def forward(self, x):
        branch1x1 = self.branch1x1(x)
        branch5x5 = self.branch5x5_2(self.branch5x5_1(x))
        branch3x3dbl = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        branch_pool = F.avg_pool2d(x, kernel_size=3, stride=1, padding=1)
        branch_pool = self.branch_pool(branch_pool)
        return torch.cat([branch1x1, branch5x5, branch3x3dbl, branch_pool], 1)


class InceptionB(nn.Module):
    def __init__(self, in_channels):
        super().__init__()
        self.branch3x3 = BasicConv2d(in_channels, 16, kernel_size=3, stride=2)
        self.branch3x3dbl_1 = BasicConv2d(in_channels, 8, kernel_size=1)
        self.branch3x3dbl_2 = BasicConv2d(8, 12, kernel_size=3, padding=1)
        self.branch3x3dbl_3 = BasicConv2d(12, 12, kernel_size=3, stride=2)

    def forward(self, x):
        branch3x3 = self.branch3x3(x)
        branch3x3dbl = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        branch_pool = F.max_pool2d(x, kernel_size=3, stride=2)
        return torch.cat([branch3x3, branch3x3dbl, branch_pool], 1)


class InceptionC(nn.Module):
    def __init__(self, in_channels, channels_7x7):
        super().__init__()
        c7 = channels_7x7
        self.branch1x1 = BasicConv2d(in_channels, 12, kernel_size=1)
        self.branch7x7_1 = BasicConv2d(in_channels, c7, kernel_size=1)
        self.branch7x7_2 = BasicConv2d(c7, c7, kernel_size=(1, 7), padding=(0, 3))
        self.branch7x7_3 = BasicConv2d(c7, 12, kernel_size=(7, 1), padding=(3, 0))
        self.branch_pool = BasicConv2d(in_channels, 12, kernel_size=1)

    def forward(self, x):
        branch1x1 = self.branch1x1(x)
        branch7x7 = self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x)))
        branch_pool = F.avg_pool2d(x, kernel_size=3, stride=1, padding=1, count_include_pad=False)
        branch_pool = self.branch_pool(branch_pool)
        return torch.cat([branch1x1, branch7x7, branch_pool], 1)


class InceptionE(nn.Module):
    def __init__(self, in_channels):
        super().__init__()
        self.branch1x1 = BasicConv2d(in_channels, 8, kernel_size=1)
        self.branch3x3_1 = BasicConv2d(in_channels, 8, kernel_size=1)
        self.branch3x3_2a = BasicConv2d(8, 8, kernel_size=(1, 3), padding=(0, 1))
        self.branch3x3_2b = BasicConv2d(8, 8, kernel_size=(3, 1), padding=(1, 0))
        self.branch_pool = BasicConv2d(in_channels, 8, kernel_size=1)

    def forward(self, x):
        branch1x1 = self.branch1x1(x)
        branch3x3 = self.branch3x3_1(x)
        branch3x3 = [self.branch3x3_2a(branch3x3), self.branch3x3_2b(branch3x3)]
        branch3x3 = torch.cat(branch3x3, 1)
        branch_pool = F.avg_pool2d(x, kernel_size=3, stride=1, padding=1)
        branch_pool = self.branch_pool(branch_pool)
        return torch.cat([branch1x1, branch3x3, branch_pool], 1)


class TinyInceptionV3(nn.Module):
    def __init__(self, num_classes=4):
        super().__init__()
        self.Conv2d_1a_3x3 = BasicConv2d(3, 8, kernel_size=3, stride=2)
        self.Mixed_5b = InceptionA(8, pool_features=4)      # -> 32
        self.Mixed_6a = InceptionB(32)                      # -> 60
        self.Mixed_6b = InceptionC(60, channels_7x7=8)      # -> 36
        self.Mixed_7c = InceptionE(36)                      # -> 32
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.dropout = nn.Dropout(0.5)
        self.fc = nn.Linear(32, num_classes)

    def forward(self, x):
        x = self.Conv2d_1a_3x3(x)
        x = self.Mixed_5b(x)
        x = self.Mixed_6a(x)
        x = self.Mixed_6b(x)
        x = self.Mixed_7c(x)
        x = self.avgpool(x)
        x = self.dropout(x)
        return self.fc(torch.flatten(x, 1))


t = torch.arange(16.).view(1, 1, 4, 4)
print('avg incl pad', F.avg_pool2d(t, 3, 1, 1)[0, 0, 0])
print('avg excl pad', F.avg_pool2d(t, 3, 1, 1, count_include_pad=False)[0, 0, 0])
print('divisor_override', F.avg_pool2d(t, 2, divisor_override=1)[0, 0])

model = TinyInceptionV3()
print('params', sum(p.numel() for p in model.parameters()))
print(model.Mixed_6b.branch7x7_2.conv, model.Mixed_7c.branch3x3_2b.conv)
x = torch.randn(4, 3, 35, 35)
h = model.Conv2d_1a_3x3(x)
for name in ['Mixed_5b', 'Mixed_6a', 'Mixed_6b', 'Mixed_7c']:
    h = getattr(model, name)(h)
    print(name, tuple(h.shape))

model = model.to(memory_format=torch.channels_last)
x = x.contiguous(memory_format=torch.channels_last)
w = model.Conv2d_1a_3x3.conv.weight
print('weight cl', w.is_contiguous(memory_format=torch.channels_last), w.is_contiguous(), w.stride())
act = model.Conv2d_1a_3x3(x)
print('activation cl', act.is_contiguous(memory_format=torch.channels_last), act.stride())
cat = model.Mixed_5b(act)
print('cat cl', cat.is_contiguous(memory_format=torch.channels_last), cat.shape)

y = torch.tensor([0, 1, 2, 3])
opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-4)
crit = nn.CrossEntropyLoss(label_smoothing=0.1)
torch.manual_seed(1)
for step in range(4):
    opt.zero_grad(set_to_none=True)
    loss = crit(model(x), y)
    loss.backward()
    g = model.Conv2d_1a_3x3.conv.weight.grad
    flat = torch.cat([p.grad.reshape(-1) for p in model.parameters()])
    if step == 0:
        print('grad strides', g.stride(), model.Mixed_7c.branch3x3_2a.conv.weight.grad.stride(),
              model.fc.weight.grad.stride())
        try:
            g.view(-1)
        except RuntimeError as e:
            print('RuntimeError:', str(e)[:60])
        print('flat grads', flat.shape, flat.is_contiguous())
    opt.step()
    print(f'step {step} loss {loss.item():.5f} flat grad norm {flat.norm().item():.5f}')
buf_state = opt.state[model.Conv2d_1a_3x3.conv.weight]['momentum_buffer']
print('momentum buffer', buf_state.stride(), buf_state.is_contiguous(memory_format=torch.channels_last))

model.eval()
with torch.no_grad():
    logits = model(x)
print('eval', logits.argmax(1).tolist(), logits.is_contiguous(), round(logits.abs().mean().item(), 5))

buf = io.BytesIO()
torch.save(model.state_dict(), buf)
buf.seek(0)
sd = torch.load(buf)
print('saved stride', sd['Conv2d_1a_3x3.conv.weight'].stride())
m2 = TinyInceptionV3()
m2.load_state_dict(sd)
print('loaded stride', m2.Conv2d_1a_3x3.conv.weight.stride())
m2.eval()
with torch.no_grad():
    out2 = m2(x.contiguous())
print('restored', torch.allclose(out2, logits, atol=1e-5), out2.is_contiguous())
