"""Transfer learning style: freezing layers, param groups with different lrs, weight decay exclusions,
forward hooks to grab activations, state_dict listing."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(2024)


class Backbone(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
            nn.Conv2d(8, 8, 3, stride=2, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
        )
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(8, 10)

    def forward(self, x):
        x = self.features(x)
        x = self.avgpool(x).flatten(1)
        return self.classifier(x)


model = Backbone()
for param in model.parameters():
    param.requires_grad = False
model.classifier = nn.Linear(model.classifier.in_features, 3)
print(model)
print([n for n, p in model.named_parameters() if p.requires_grad])
model.features[3].requires_grad_(True)
print(sum(p.numel() for p in model.parameters() if p.requires_grad), sum(p.numel() for p in model.parameters()))
for name, module in model.named_modules():
    print(repr(name), type(module).__name__)
for name, child in model.named_children():
    print('child', name)
print([k for k, v in model.state_dict().items()])
print({k: tuple(v.shape) for k, v in model.state_dict().items() if 'features.1' in k})

decay, no_decay = [], []
for name, param in model.named_parameters():
    if not param.requires_grad:
        continue
    if name.endswith('.bias') or 'bn' in name or len(param.shape) == 1:
        no_decay.append(param)
    else:
        decay.append(param)
print(len(decay), len(no_decay))
optimizer = torch.optim.AdamW([
    {'params': decay, 'weight_decay': 0.01},
    {'params': no_decay, 'weight_decay': 0.0},
], lr=1e-3)
opt2 = torch.optim.SGD([
    {'params': model.features.parameters(), 'lr': 1e-4},
    {'params': model.classifier.parameters()}], lr=1e-2, momentum=0.9)
for g in opt2.param_groups:
    print(g['lr'], g['momentum'], g['weight_decay'], len(g['params']), sorted(g.keys()))

activation = {}


def get_activation(name):
    def hook(module, inp, output):
        activation[name] = output.detach()
    return hook


h1 = model.features[2].register_forward_hook(get_activation('relu1'))
h2 = model.avgpool.register_forward_hook(get_activation('pool'))
shapes = []
pre = model.classifier.register_forward_pre_hook(lambda m, inp: shapes.append(tuple(inp[0].shape)))
x = torch.randn(4, 3, 8, 8)
y = torch.tensor([0, 1, 2, 1])
model.train()
for step in range(4):
    optimizer.zero_grad()
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
    print(f'{step}: {loss.item():.6f}', model.features[0].weight.grad is None, model.features[3].weight.grad.shape)
print(activation['relu1'].shape, activation['pool'].flatten(1)[0])
print((activation['relu1'] > 0).float().mean().item())
print(shapes)
h1.remove(); h2.remove(); pre.remove()
activation.clear()
model(x)
print(len(activation), len(shapes))

grads = {}
model.classifier.weight.register_hook(lambda g: grads.setdefault('w', g.clone()))
F.cross_entropy(model(x), y).backward()
print(grads['w'].shape, torch.allclose(grads['w'], model.classifier.weight.grad))


def fwd_hook_modifies(m, inp, out):
    return out * 0


hm = model.classifier.register_forward_hook(fwd_hook_modifies)
print(model(x).abs().sum().item())
hm.remove()
bh = []
hb = model.classifier.register_full_backward_hook(lambda m, gi, go: bh.append((gi[0].shape, go[0].shape)))
model.zero_grad()
x.requires_grad_(True)
F.cross_entropy(model(x), y).backward()
print(bh)
hb.remove()
print(model.features[0].weight.requires_grad, model.features[3].weight.requires_grad)
model.requires_grad_(False)
print(any(p.requires_grad for p in model.parameters()))
print(model.classifier.weight.data.norm().item() > 0)
print(model.classifier)
print(model.features[1])
print(repr(model.features[1].weight[:3]))
