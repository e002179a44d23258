"""Model compression as in the PyTorch pruning tutorial (LeNet): unstructured/structured/global
pruning, masks and forward pre-hooks, making pruning permanent; then Conv-BN fusion for inference
and sparsity/size reports."""
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.nn.utils.prune as prune
from torch.nn.utils import fuse_conv_bn_eval
from torch.nn.utils.fusion import fuse_linear_bn_eval

torch.manual_seed(42)


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 3)
        self.conv2 = nn.Conv2d(6, 16, 3)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.view(-1, int(x.nelement() / x.shape[0]))
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


model = LeNet()
module = model.conv1
print(list(module.named_parameters())[0][0], list(module.named_buffers()))
prune.random_unstructured(module, name='weight', amount=0.3)
print([n for n, _ in module.named_parameters()], [n for n, _ in module.named_buffers()])
print(module.weight_mask[0])
print(module.weight[0])
print({k: type(h).__name__ for k, h in module._forward_pre_hooks.items()})
prune.l1_unstructured(module, name='bias', amount=3)
print(module.bias, module.bias_mask)
prune.ln_structured(module, name='weight', amount=0.5, n=2, dim=0)
print(module.weight_mask.sum(dim=(1, 2, 3)))
for hook in module._forward_pre_hooks.values():
    if hook._tensor_name == 'weight':
        break
print([type(h).__name__ for h in hook], type(hook).__name__, len(hook))
print(model.state_dict().keys())
prune.remove(module, 'weight')
print([n for n, _ in module.named_parameters()], [n for n, _ in module.named_buffers()])
print(float(torch.sum(module.weight == 0)) / module.weight.nelement())

new_model = LeNet()
for name, m in new_model.named_modules():
    if isinstance(m, torch.nn.Conv2d):
        prune.l1_unstructured(m, name='weight', amount=0.2)
    elif isinstance(m, torch.nn.Linear):
        prune.l1_unstructured(m, name='weight', amount=0.4)
print(dict(new_model.named_buffers()).keys())
print(prune.is_pruned(new_model), prune.is_pruned(nn.Linear(2, 2)))

model = LeNet()
parameters_to_prune = (
    (model.conv1, 'weight'), (model.conv2, 'weight'), (model.fc1, 'weight'), (model.fc2, 'weight'),
    (model.fc3, 'weight'),
)
prune.global_unstructured(parameters_to_prune, pruning_method=prune.L1Unstructured, amount=0.2)
for m, n in parameters_to_prune:
    w = getattr(m, n)
    print('Sparsity in {}: {:.2f}%'.format(type(m).__name__, 100. * float(torch.sum(w == 0)) / float(w.nelement())))
total_zero = sum(float(torch.sum(getattr(m, n) == 0)) for m, n in parameters_to_prune)
total = sum(float(getattr(m, n).nelement()) for m, n in parameters_to_prune)
print('Global sparsity: {:.2f}%'.format(100. * total_zero / total))
x = torch.randn(2, 1, 28, 28)
out = model(x)
print(out.shape, out[0, :4])
opt = torch.optim.SGD(model.parameters(), lr=0.01)
loss = F.cross_entropy(out, torch.tensor([1, 2]))
loss.backward()
print([n for n, p in model.named_parameters() if p.grad is not None][:4])
print(model.fc3.weight_orig.grad.abs().sum().item() > 0, (model.fc3.weight_orig.grad * (1 - model.fc3.weight_mask)).abs().sum())
opt.step()
print(f'{F.cross_entropy(model(x), torch.tensor([1, 2])).item():.5f}')
mask = torch.zeros(10, dtype=torch.bool)
mask[::2] = True
prune.custom_from_mask(model.fc3, name='bias', mask=mask)
print(model.fc3.bias)
p = prune.L1Unstructured(amount=0.5)
print(p.prune(torch.tensor([0.3, -0.1, 0.5, -0.7])))

# conv-bn fusion for deployment
block = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1, bias=False), nn.BatchNorm2d(4), nn.ReLU())
with torch.no_grad():
    for _ in range(3):
        block(torch.randn(8, 3, 6, 6) * 2 + 1)
block.eval()
print(block[1].running_mean, block[1].running_var)
fused = fuse_conv_bn_eval(block[0], block[1])
print(fused, fused.bias)
inp = torch.randn(1, 3, 6, 6)
print(torch.allclose(F.relu(fused(inp)), block(inp), atol=1e-5), (F.relu(fused(inp)) - block(inp)).abs().max() < 1e-5)
lin, bn = nn.Linear(4, 3).eval(), nn.BatchNorm1d(3).eval()
bn.running_mean.fill_(0.5)
print(fuse_linear_bn_eval(lin, bn).bias)
size = sum(p.numel() * p.element_size() for p in fused.parameters())
print('fused bytes', size, sum(b.numel() for b in block.buffers()))
