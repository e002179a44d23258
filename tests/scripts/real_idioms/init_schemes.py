"""Weight initialisation and model inspection as repositories write them: model.apply(init_fn) with
isinstance checks (torchvision ResNet, DCGAN weights_init by class name, timm trunc_normal_,
GPT-2 scaled residual init), nn.init.* with calculate_gain, fan-in/fan-out, zero-init of the last
BN gamma, parameter counting per module, a hand-written summary table with hooks, and
named_modules / named_children / get_submodule / named_parameters(prefix) navigation."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(7)


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, cin, cout, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = nn.Sequential()
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class TinyResNet(nn.Module):
    def __init__(self, num_classes=5, zero_init_residual=True):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, 1, 1, bias=False), nn.BatchNorm2d(8), nn.ReLU(inplace=True))
        self.layer1 = BasicBlock(8, 8)
        self.layer2 = BasicBlock(8, 16, stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(16, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode='fan_out', nonlinearity='relu')
            elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)
        if zero_init_residual:
            for m in self.modules():
                if isinstance(m, BasicBlock) and m.bn2.weight is not None:
                    nn.init.constant_(m.bn2.weight, 0)

    def forward(self, x):
        x = self.layer2(self.layer1(self.stem(x)))
        return self.fc(torch.flatten(self.avgpool(x), 1))


print('--- calculate_gain')
for nl, p in [('linear', None), ('conv2d', None), ('sigmoid', None), ('tanh', None), ('relu', None),
              ('leaky_relu', None), ('leaky_relu', 0.2), ('selu', None)]:
    g = nn.init.calculate_gain(nl, p)
    print(nl, p, round(g, 6), type(g).__name__)
try:
    nn.init.calculate_gain('gelu')
except ValueError as e:
    print('ValueError:', e)

print('--- fan in / fan out')
for shape in [(16, 8), (8, 4, 3, 3), (4, 2, 5)]:
    w = torch.empty(shape)
    print(shape, nn.init._calculate_fan_in_and_fan_out(w))
try:
    nn.init._calculate_fan_in_and_fan_out(torch.empty(5))
except ValueError as e:
    print('ValueError:', e)

print('--- torchvision-style init')
net = TinyResNet()
print(f"stem conv std {net.stem[0].weight.std().item():.5f} expected {math.sqrt(2.0 / (8 * 9)):.5f}")
print('bn2 weights zero:', net.layer1.bn2.weight.abs().sum().item(), net.layer2.bn2.weight.sum().item())
print(net.fc.weight.abs().max().item() <= 1 / math.sqrt(16), f'{net.fc.bias.abs().max().item():.5f}')
x = torch.randn(2, 3, 8, 8)
print(net(x))


def weights_init(m):
    # DCGAN
    classname = m.__class__.__name__
    if classname.find('Conv') != -1:
        nn.init.normal_(m.weight.data, 0.0, 0.02)
    elif classname.find('BatchNorm') != -1:
        nn.init.normal_(m.weight.data, 1.0, 0.02)
        nn.init.constant_(m.bias.data, 0)


net.apply(weights_init)
print('--- DCGAN weights_init')
print(f'{net.layer1.conv1.weight.std().item():.5f} {net.layer1.bn1.weight.mean().item():.5f}')
print(type(net.apply(lambda m: None)).__name__)


def init_transformer(module, n_layer=2):
    # GPT-2 / nanoGPT
    if isinstance(module, nn.Linear):
        torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)
        if module.bias is not None:
            torch.nn.init.zeros_(module.bias)
    elif isinstance(module, nn.Embedding):
        torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)
    elif isinstance(module, nn.LayerNorm):
        nn.init.ones_(module.weight)
        nn.init.zeros_(module.bias)


class TinyGPT(nn.Module):
    def __init__(self, vocab=20, d=16, n_layer=2):
        super().__init__()
        self.wte = nn.Embedding(vocab, d)
        self.wpe = nn.Embedding(8, d)
        self.h = nn.ModuleList([nn.ModuleDict({'ln': nn.LayerNorm(d), 'fc': nn.Linear(d, 4 * d),
                                               'c_proj': nn.Linear(4 * d, d)}) for _ in range(n_layer)])
        self.lm_head = nn.Linear(d, vocab, bias=False)
        self.lm_head.weight = self.wte.weight
        self.apply(init_transformer)
        for pn, p in self.named_parameters():
            if pn.endswith('c_proj.weight'):
                torch.nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * n_layer))


gpt = TinyGPT()
print('--- GPT-2 init')
print('tied:', gpt.lm_head.weight is gpt.wte.weight, len(list(gpt.parameters())),
      len(list(gpt.named_parameters(remove_duplicate=False))))
n_params = sum(p.numel() for p in gpt.parameters())
n_params_nonemb = n_params - gpt.wpe.weight.numel()
print(f'number of parameters: {n_params / 1e3:.2f}K ({n_params_nonemb} non-embedding)')
print(f"{gpt.h[0]['c_proj'].weight.std().item():.5f} {gpt.h[1]['fc'].weight.std().item():.5f}")

print('--- nn.init zoo')
torch.manual_seed(11)
w = torch.empty(6, 4)
for name, fn in [('uniform_', lambda t: nn.init.uniform_(t, -0.1, 0.1)),
                 ('normal_', lambda t: nn.init.normal_(t, 0, 0.5)),
                 ('xavier_uniform_', lambda t: nn.init.xavier_uniform_(t, gain=nn.init.calculate_gain('tanh'))),
                 ('xavier_normal_', nn.init.xavier_normal_),
                 ('kaiming_uniform_', lambda t: nn.init.kaiming_uniform_(t, a=math.sqrt(5))),
                 ('kaiming_normal_', lambda t: nn.init.kaiming_normal_(t, mode='fan_in', nonlinearity='leaky_relu')),
                 ('trunc_normal_', lambda t: nn.init.trunc_normal_(t, std=0.02, a=-0.04, b=0.04)),
                 ('orthogonal_', lambda t: nn.init.orthogonal_(t, gain=1.0)),
                 ('sparse_', lambda t: nn.init.sparse_(t, sparsity=0.5)),
                 ('eye_', nn.init.eye_),
                 ('constant_', lambda t: nn.init.constant_(t, 0.3)),
                 ('ones_', nn.init.ones_), ('zeros_', nn.init.zeros_)]:
    r = fn(w)
    print(f'{name:18s} same obj {r is w} mean {w.mean().item():+.5f} std {w.std().item():.5f} '
          f'min {w.min().item():+.5f} max {w.max().item():+.5f}')
q = nn.init.orthogonal_(torch.empty(4, 6))
print('orthogonal rows:', torch.allclose(q @ q.t(), torch.eye(4), atol=1e-5))
cw = torch.empty(4, 4, 3, 3)
nn.init.dirac_(cw)
print('dirac', cw.sum().item(), cw[1, 1, 1, 1].item(), cw[0, 1].abs().sum().item())
p = nn.Parameter(torch.empty(3, 3))
with torch.no_grad():
    nn.init.xavier_uniform_(p)
print(p.requires_grad, p.grad_fn, type(p).__name__)

print('--- parameter counting per module and a summary table')
net = TinyResNet()


def count(m, trainable_only=False):
    return sum(p.numel() for p in m.parameters() if p.requires_grad or not trainable_only)


for name, child in net.named_children():
    print(f'{name:8s} {type(child).__name__:18s} {count(child):6d}')
for p in net.stem.parameters():
    p.requires_grad = False
print('total', count(net), 'trainable', count(net, True))
print('bn buffers', [n for n, _ in net.named_buffers()][:4])
print('submodule', net.get_submodule('layer2.shortcut.0'))
print('param', net.get_parameter('layer2.shortcut.1.weight').shape)
print([n for n, _ in net.layer2.named_parameters(prefix='layer2')][:3])
print([n for n, m in net.named_modules() if isinstance(m, nn.Conv2d)])
summary, hooks = [], []


def register(module, name):
    def hook(mod, inp, out):
        summary.append((name, type(mod).__name__, tuple(inp[0].shape), tuple(out.shape),
                        sum(p.numel() for p in mod.parameters(recurse=False)),
                        any(p.requires_grad for p in mod.parameters(recurse=False))))
    if not isinstance(module, (nn.Sequential, nn.ModuleList)) and module is not net and \
            not isinstance(module, BasicBlock):
        hooks.append(module.register_forward_hook(hook))


for name, m in net.named_modules():
    register(m, name)
net.eval()
with torch.no_grad():
    net(torch.zeros(1, 3, 8, 8))
for h in hooks:
    h.remove()
print('-' * 78)
print(f"{'Layer':28s}{'Type':14s}{'Input':18s}{'Output':18s}{'Params':>8s}")
for name, typ, i, o, n, tr in summary:
    print(f'{name:28s}{typ:14s}{str(i):18s}{str(o):18s}{n:8d}{"" if tr or n == 0 else " (frozen)"}')
print('-' * 78)
total_bytes = sum(p.numel() * p.element_size() for p in net.parameters())
buf_bytes = sum(b.numel() * b.element_size() for b in net.buffers())
print(f'Params size (MB): {total_bytes / 1024 ** 2:.4f}  Buffers (MB): {buf_bytes / 1024 ** 2:.4f}')
