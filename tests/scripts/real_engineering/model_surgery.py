"""Model surgery as fine-tuning repos do it: swap every ReLU for GELU and every BatchNorm for GroupNorm
via setattr on the parent found through named_modules, replace the classifier head, freeze a backbone
with requires_grad_(False), count trainable parameters, apply() for init, non-persistent buffers and
their absence from state_dict, load_state_dict(strict=False) and its missing/unexpected keys, dtype
conversion with half()/double()/to(dtype), deepcopy, ModuleDict/ParameterList/ParameterDict reprs,
extra_repr on a custom layer."""
import copy
import math

import torch
import torch.nn as nn

torch.manual_seed(0)


class ScaledResidual(nn.Module):
    def __init__(self, dim, init_scale=0.1):
        super().__init__()
        self.dim = dim
        self.fc = nn.Linear(dim, dim)
        self.gamma = nn.Parameter(torch.full((dim,), init_scale))
        self.register_buffer('step_count', torch.zeros((), dtype=torch.long))
        self.register_buffer('cache', torch.zeros(dim), persistent=False)

    def extra_repr(self):
        return f'dim={self.dim}, init_scale={self.gamma[0].item():.2f}'

    def forward(self, x):
        if self.training:
            self.step_count += 1
        self.cache = x.detach().mean(0)
        return x + self.gamma * self.fc(x)


class SmallCNN(nn.Module):
    def __init__(self, num_classes=5):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU(inplace=True),
            nn.Conv2d(8, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU(inplace=True),
            nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.neck = ScaledResidual(8)
        self.classifier = nn.Linear(8, num_classes)

    def forward(self, x):
        return self.classifier(self.neck(self.features(x)))


def count_params(m, trainable_only=False):
    return sum(p.numel() for p in m.parameters() if p.requires_grad or not trainable_only)


def replace_modules(model, predicate, factory):
    """Replace every submodule matching predicate; returns the replaced names."""
    replaced = []
    for name, module in list(model.named_modules()):
        if name and predicate(module):
            parent_name, _, child = name.rpartition('.')
            parent = model.get_submodule(parent_name) if parent_name else model
            setattr(parent, child, factory(module))
            replaced.append(name)
    return replaced


model = SmallCNN()
print(model)
print('total params:', count_params(model), 'trainable:', count_params(model, True))
print('children:', [n for n, _ in model.named_children()])
print('module types:', sorted({type(m).__name__ for m in model.modules()}))
print('buffers:', [(n, tuple(b.shape), b.dtype) for n, b in model.named_buffers()])
print('state_dict keys:', list(model.state_dict().keys()))
print("'neck.cache' in state_dict:", 'neck.cache' in model.state_dict())

x = torch.randn(4, 3, 6, 6)
out_before = model(x)
print('out before surgery:', out_before.shape, out_before[0])
print('neck.step_count:', model.neck.step_count, 'neck.cache:', model.neck.cache)

print('=== swap activations and norms')
r1 = replace_modules(model, lambda m: isinstance(m, nn.ReLU), lambda m: nn.GELU(approximate='tanh'))
r2 = replace_modules(model, lambda m: isinstance(m, nn.BatchNorm2d), lambda m: nn.GroupNorm(2, m.num_features))
print('replaced:', r1, r2)
print(model.features)
print('params now:', count_params(model))

print('=== new head, frozen backbone')
model.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(8, 3))
model.features.requires_grad_(False)
model.neck.fc.weight.requires_grad = False
print('trainable:', [n for n, p in model.named_parameters() if p.requires_grad])
print('trainable count:', count_params(model, True), 'of', count_params(model))
opt = torch.optim.SGD(filter(lambda p: p.requires_grad, model.parameters()), lr=0.1)
model.train()
loss = model(x).logsumexp(dim=1).mean()
loss.backward()
print('loss: %.5f' % loss.item())
print('grad of frozen conv:', model.features[0].weight.grad, 'grad of neck.fc.bias shape:', model.neck.fc.bias.grad.shape)
opt.step()


@torch.no_grad()
def init_weights(m):
    if isinstance(m, nn.Linear):
        nn.init.trunc_normal_(m.weight, std=0.02)
        if m.bias is not None:
            nn.init.zeros_(m.bias)
    elif isinstance(m, nn.GroupNorm):
        m.weight.fill_(1.0)
        m.bias.zero_()


model.classifier.apply(init_weights)
print('head weight after apply:', model.classifier[1].weight.std().item() < 0.05, model.classifier[1].bias)

print('=== load_state_dict strict=False')
fresh = SmallCNN(num_classes=5)
result = fresh.load_state_dict(model.state_dict(), strict=False)
print('result type:', type(result).__name__)
print('missing:', result.missing_keys)
print('unexpected:', result.unexpected_keys)
try:
    fresh.load_state_dict(model.state_dict())
except RuntimeError as e:
    print('RuntimeError first line:', str(e).splitlines()[0])
sd = model.state_dict()
sd['classifier.1.weight'] = torch.zeros(4, 8)
try:
    model.load_state_dict(sd)
except RuntimeError as e:
    print('size mismatch:', str(e).splitlines()[1].strip())

print('=== dtypes')
m16 = copy.deepcopy(model).half()
print('half:', {p.dtype for p in m16.parameters()}, m16.neck.step_count.dtype, m16.neck.cache.dtype)
m64 = copy.deepcopy(model).double()
print('double:', m64.classifier[1].weight.dtype, m64.neck.step_count.dtype)
mto = copy.deepcopy(model).to(torch.float64)
print('to(float64):', mto.features[0].weight.dtype, 'requires_grad kept:', mto.features[0].weight.requires_grad,
      mto.classifier[1].weight.requires_grad)
y64 = m64.eval()(x.double())
print('double output:', y64.dtype, y64[0])
print('deepcopy independent:', model.neck.gamma.data_ptr() != m64.neck.gamma.data_ptr(),
      torch.equal(model.neck.gamma, copy.deepcopy(model).neck.gamma))

print('=== containers')
heads = nn.ModuleDict({'cls': nn.Linear(8, 3), 'reg': nn.Linear(8, 1)})
heads['aux'] = nn.Sequential(nn.Linear(8, 4), nn.Tanh())
print(heads)
print('keys:', list(heads.keys()), 'len:', len(heads), "'reg' in heads:", 'reg' in heads)
del heads['reg']
print('after del:', list(heads))
plist = nn.ParameterList([nn.Parameter(torch.ones(2)), nn.Parameter(torch.zeros(3, 2))])
plist.append(nn.Parameter(torch.randn(1)))
print(plist)
pdict = nn.ParameterDict({'scale': nn.Parameter(torch.ones(3)), 'shift': nn.Parameter(torch.zeros(3))})
pdict.update({'temp': nn.Parameter(torch.tensor(0.5))})
print(pdict)
holder = nn.Module()
holder.heads, holder.plist, holder.pdict = heads, plist, pdict
print('holder params:', [(n, tuple(p.shape)) for n, p in holder.named_parameters()])
print(repr(model.neck))
print('neck extra_repr:', model.neck.extra_repr())
