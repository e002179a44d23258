"""Pruning tutorial (torch.nn.utils.prune) on LeNet: random_unstructured, l1_unstructured,
ln_structured, iterative pruning and the PruningContainer, serialising a pruned model's state_dict,
remove, pruning many parameters, global_unstructured and a custom pruning method."""
import torch
from torch import nn
import torch.nn.utils.prune as prune
import torch.nn.functional as F

torch.manual_seed(0)
device = 'cpu'


class LeNet(nn.Module):
    def __init__(self):
        super(LeNet, self).__init__()
        # 1 input image channel, 6 output channels, 5x5 square conv kernel
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)  # 5x5 image dimension
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.view(-1, int(x.nelement() / x.shape[0]))
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x


model = LeNet().to(device=device)
module = model.conv1
print(list(module.named_parameters())[1])
print(list(module.named_buffers()))

prune.random_unstructured(module, name="weight", amount=0.3)
print([n for n, _ in module.named_parameters()])
print([n for n, _ in module.named_buffers()])
print(module.weight_mask[0])
print(module.weight[0])
print({k: type(v).__name__ for k, v in module._forward_pre_hooks.items()})
hook = list(module._forward_pre_hooks.values())[0]
print(type(hook).__name__, hook._tensor_name, hook.amount)
print('zeros', int((module.weight == 0).sum()), 'of', module.weight.nelement())

prune.l1_unstructured(module, name="bias", amount=3)
print([n for n, _ in module.named_parameters()])
print(list(module.named_buffers())[1])
print(module.bias)
print(module._forward_pre_hooks.keys().__len__())

# iterative pruning
prune.ln_structured(module, name="weight", amount=0.5, n=2, dim=0)
# As we can verify, this will zero out all the connections corresponding to
# 50% (3 out of 6) of the channels, while preserving the action of the
# previous mask.
print(module.weight[:, 0])
print('zeroed channels', (module.weight.flatten(1).abs().sum(1) == 0).tolist())
for hook in module._forward_pre_hooks.values():
    if hook._tensor_name == "weight":  # select out the correct hook
        break
print(len(list(hook)), hook._tensor_name)  # pruning history in the container
print(type(hook).__name__, [type(h).__name__ for h in hook])

# serializing a pruned model
print(model.state_dict().keys())

# remove pruning re-parametrization
print(list(module.named_parameters())[0][0], [n for n, _ in module.named_buffers()])
prune.remove(module, 'weight')
print(list(module.named_parameters())[-1][0], [n for n, _ in module.named_parameters()])
print(list(module.named_buffers()))
print(module.weight[0, 0])

# pruning multiple parameters in a model
new_model = LeNet()
for name, module in new_model.named_modules():
    # prune 20% of connections in all 2D-conv layers
    if isinstance(module, torch.nn.Conv2d):
        prune.l1_unstructured(module, name='weight', amount=0.2)
    # prune 40% of connections in all linear layers
    elif isinstance(module, torch.nn.Linear):
        prune.l1_unstructured(module, name='weight', amount=0.4)

print(dict(new_model.named_buffers()).keys())  # to verify that all masks exist

# global pruning
model = LeNet()
parameters_to_prune = (
    (model.conv1, 'weight'),
    (model.conv2, 'weight'),
    (model.fc1, 'weight'),
    (model.fc2, 'weight'),
    (model.fc3, 'weight'),
)
prune.global_unstructured(
    parameters_to_prune,
    pruning_method=prune.L1Unstructured,
    amount=0.2,
)
for name, m in [('conv1', model.conv1), ('conv2', model.conv2), ('fc1', model.fc1), ('fc2', model.fc2),
                ('fc3', model.fc3)]:
    print(
        "Sparsity in {}.weight: {:.2f}%".format(
            name, 100. * float(torch.sum(m.weight == 0)) / float(m.weight.nelement())
        )
    )
print(
    "Global sparsity: {:.2f}%".format(
        100. * float(
            torch.sum(model.conv1.weight == 0)
            + torch.sum(model.conv2.weight == 0)
            + torch.sum(model.fc1.weight == 0)
            + torch.sum(model.fc2.weight == 0)
            + torch.sum(model.fc3.weight == 0)
        )
        / float(
            model.conv1.weight.nelement()
            + model.conv2.weight.nelement()
            + model.fc1.weight.nelement()
            + model.fc2.weight.nelement()
            + model.fc3.weight.nelement()
        )
    )
)
x = torch.randn(2, 1, 32, 32)
out = model(x)
print('pruned forward', out.shape, out.grad_fn.name())
out.sum().backward()
print('orig grad zero where masked', bool((model.fc3.weight_orig.grad[model.fc3.weight_mask == 0] == 0).all()))


# extending torch.nn.utils.prune with custom pruning functions
class FooBarPruningMethod(prune.BasePruningMethod):
    """Prune every other entry in a tensor
    """
    PRUNING_TYPE = 'unstructured'

    def compute_mask(self, t, default_mask):
        mask = default_mask.clone()
        mask.view(-1)[::2] = 0
        return mask


def foobar_unstructured(module, name):
    FooBarPruningMethod.apply(module, name)
    return module


model = LeNet()
foobar_unstructured(model.fc3, name='bias')
print(model.fc3.bias_mask)
print(prune.is_pruned(model), prune.is_pruned(LeNet()))

# amount validation
try:
    prune.l1_unstructured(nn.Linear(3, 3), 'weight', amount=1.5)
except ValueError as e:
    print('ValueError', e)
try:
    prune.l1_unstructured(nn.Linear(3, 3), 'weight', amount=20)
except ValueError as e:
    print('ValueError', e)
try:
    prune.remove(nn.Linear(3, 3), 'weight')
except ValueError as e:
    print('ValueError', e)
m = prune.random_structured(nn.Linear(4, 6), 'weight', amount=2, dim=1)
print('random_structured', m.weight_mask.sum(0).tolist())
m = prune.identity(nn.Linear(2, 2), 'bias')
print('identity', m.bias_mask)
