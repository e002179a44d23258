"""torchvision-style DenseNet: _DenseLayer (bn_function with torch.cat of prev features, memory-efficient
checkpoint option), _DenseBlock as nn.ModuleDict, _Transition, OrderedDict features, init loop."""
import re
from collections import OrderedDict
from typing import List, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.utils.checkpoint as cp
from torch import Tensor
from torch.nn.modules.utils import consume_prefix_in_state_dict_if_present

torch.manual_seed(13)


class _DenseLayer(nn.Module):
    def __init__(self, num_input_features: int, growth_rate: int, bn_size: int, drop_rate: float,
                 memory_efficient: bool = False) -> None:
        super().__init__()
        self.norm1 = nn.BatchNorm2d(num_input_features)
        self.relu1 = nn.ReLU(inplace=True)
        self.conv1 = nn.Conv2d(num_input_features, bn_size * growth_rate, kernel_size=1, stride=1, bias=False)
        self.norm2 = nn.BatchNorm2d(bn_size * growth_rate)
        self.relu2 = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(bn_size * growth_rate, growth_rate, kernel_size=3, stride=1, padding=1, bias=False)
        self.drop_rate = float(drop_rate)
        self.memory_efficient = memory_efficient

    def bn_function(self, inputs: List[Tensor]) -> Tensor:
        concated_features = torch.cat(inputs, 1)
        bottleneck_output = self.conv1(self.relu1(self.norm1(concated_features)))
        return bottleneck_output

    def any_requires_grad(self, input: List[Tensor]) -> bool:
        for tensor in input:
            if tensor.requires_grad:
                return True
        return False

    def call_checkpoint_bottleneck(self, input: List[Tensor]) -> Tensor:
        def closure(*inputs):
            return self.bn_function(inputs)
        return cp.checkpoint(closure, *input, use_reentrant=False)

    def forward(self, input) -> Tensor:
        if isinstance(input, Tensor):
            prev_features = [input]
        else:
            prev_features = input
        if self.memory_efficient and self.any_requires_grad(prev_features):
            bottleneck_output = self.call_checkpoint_bottleneck(prev_features)
        else:
            bottleneck_output = self.bn_function(prev_features)
        new_features = self.conv2(self.relu2(self.norm2(bottleneck_output)))
        if self.drop_rate > 0:
            new_features = F.dropout(new_features, p=self.drop_rate, training=self.training)
        return new_features


class _DenseBlock(nn.ModuleDict):
    _version = 2

    def __init__(self, num_layers: int, num_input_features: int, bn_size: int, growth_rate: int,
                 drop_rate: float, memory_efficient: bool = False) -> None:
        super().__init__()
        for i in range(num_layers):
            layer = _DenseLayer(num_input_features + i * growth_rate, growth_rate=growth_rate, bn_size=bn_size,
                                drop_rate=drop_rate, memory_efficient=memory_efficient)
            self.add_module("denselayer%d" % (i + 1), layer)

    def forward(self, init_features: Tensor) -> Tensor:
        features = [init_features]
        for name, layer in self.items():
            new_features = layer(features)
            features.append(new_features)
        return torch.cat(features, 1)


class _Transition(nn.Sequential):
    def __init__(self, num_input_features: int, num_output_features: int) -> None:
        super().__init__()
        self.norm = nn.BatchNorm2d(num_input_features)
        self.relu = nn.ReLU(inplace=True)
        self.conv = nn.Conv2d(num_input_features, num_output_features, kernel_size=1, stride=1, bias=False)
        self.pool = nn.AvgPool2d(kernel_size=2, stride=2)


class DenseNet(nn.Module):
    def __init__(self, growth_rate: int = 4, block_config: Tuple[int, ...] = (2, 3, 2),
                 num_init_features: int = 8, bn_size: int = 2, drop_rate: float = 0.1, num_classes: int = 3,
                 memory_efficient: bool = False) -> None:
        super().__init__()
        self.features = nn.Sequential(OrderedDict([
            ("conv0", nn.Conv2d(3, num_init_features, kernel_size=7, stride=2, padding=3, bias=False)),
            ("norm0", nn.BatchNorm2d(num_init_features)),
            ("relu0", nn.ReLU(inplace=True)),
            ("pool0", nn.MaxPool2d(kernel_size=3, stride=2, padding=1)),
        ]))
        num_features = num_init_features
        for i, num_layers in enumerate(block_config):
            block = _DenseBlock(num_layers=num_layers, num_input_features=num_features, bn_size=bn_size,
                                growth_rate=growth_rate, drop_rate=drop_rate, memory_efficient=memory_efficient)
            self.features.add_module("denseblock%d" % (i + 1), block)
            num_features = num_features + num_layers * growth_rate
            if i != len(block_config) - 1:
                trans = _Transition(num_input_features=num_features, num_output_features=num_features // 2)
                self.features.add_module("transition%d" % (i + 1), trans)
                num_features = num_features // 2
        self.features.add_module("norm5", nn.BatchNorm2d(num_features))
        self.classifier = nn.Linear(num_features, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)
            elif isinstance(m, nn.Linear):
                nn.init.constant_(m.bias, 0)

    def forward(self, x: Tensor) -> Tensor:
        features = self.features(x)
        out = F.relu(features, inplace=True)
        out = F.adaptive_avg_pool2d(out, (1, 1))
        out = torch.flatten(out, 1)
        out = self.classifier(out)
        return out


model = DenseNet()
print(model)
print("params", sum(p.numel() for p in model.parameters()))
print([n for n, _ in model.features.named_children()])
print(list(model.features.denseblock2.keys()))
print([(n, tuple(p.shape)) for n, p in model.features.denseblock2.denselayer3.named_parameters()])
sd = model.state_dict()
print(len(sd), [k for k in sd if k.startswith("features.denseblock1.denselayer1")])

# old checkpoints: the torchvision key-renaming regex
pattern = re.compile(r"^(.*denselayer\d+\.(?:norm|relu|conv))\.((?:[12])\.(?:weight|bias|running_mean|running_var))$")
old = OrderedDict((k if k.endswith("num_batches_tracked") else k.replace("norm1.", "norm.1.").replace("conv1.", "conv.1."), v)
                  for k, v in sd.items())
try:
    model.load_state_dict(old)
except RuntimeError as e:
    print(str(e)[:400])
for key in list(old.keys()):
    res = pattern.match(key)
    if res:
        new_key = res.group(1) + res.group(2)
        old[new_key] = old[key]
        del old[key]
print(model.load_state_dict(old, strict=True))

# a checkpoint saved from DistributedDataParallel: keys start with "module."
ddp_sd = OrderedDict(("module." + k, v) for k, v in model.state_dict().items())
ddp_sd._metadata = OrderedDict(("module." + k if k else "module", v) for k, v in model.state_dict()._metadata.items())
try:
    model.load_state_dict(ddp_sd)
except RuntimeError as e:
    print(str(e).splitlines()[0], len(str(e)))
consume_prefix_in_state_dict_if_present(ddp_sd, "module.")
print(list(ddp_sd)[:2], list(ddp_sd._metadata)[:3])
print(model.load_state_dict(ddp_sd))

x = torch.randn(3, 3, 32, 32)
y = torch.tensor([0, 2, 1])
opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-4)
for step in range(3):
    torch.manual_seed(step)
    loss = F.cross_entropy(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(step, "%.5f" % loss.item())

# memory-efficient (checkpointed) variant gives the same gradients
torch.manual_seed(4)
a = DenseNet(drop_rate=0.0)
torch.manual_seed(4)
b = DenseNet(drop_rate=0.0, memory_efficient=True)
xa = torch.randn(2, 3, 16, 16, requires_grad=True)
la = a(xa).sum()
la.backward()
ga = xa.grad.clone()
xa.grad = None
lb = b(xa).sum()
lb.backward()
print("%.5f %.5f" % (la.item(), lb.item()), torch.allclose(ga, xa.grad, atol=1e-6))
print(a.features.denseblock1.denselayer2.conv1.weight.grad.abs().sum() > 0)
model.eval()
with torch.no_grad():
    feats = model.features(x)
    print(feats.shape, model(x).argmax(1))
