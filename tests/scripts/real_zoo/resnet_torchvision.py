"""torchvision-style ResNet: BasicBlock and Bottleneck, kaiming_normal_ fan_out init, zero-init
of the last BN gamma in each residual branch, _make_layer with downsample, SGD with momentum."""
import os
import shutil
from functools import partial

import torch
import torch.nn as nn
import torch.nn.functional as F
from typing import Optional, Callable, List, Type, Union
from torch import Tensor
from torch.hub import load_state_dict_from_url
from torch.nn.common_types import _size_2_t

torch.manual_seed(0)


def conv3x3(in_planes: int, out_planes: int, stride: int = 1, groups: int = 1, dilation: int = 1) -> nn.Conv2d:
    return nn.Conv2d(in_planes, out_planes, kernel_size=3, stride=stride, padding=dilation,
                     groups=groups, bias=False, dilation=dilation)


def conv1x1(in_planes: int, out_planes: int, stride: _size_2_t = 1) -> nn.Conv2d:
    return nn.Conv2d(in_planes, out_planes, kernel_size=1, stride=stride, bias=False)


class BasicBlock(nn.Module):
    expansion: int = 1

    def __init__(self, inplanes, planes, stride=1, downsample: Optional[nn.Module] = None, groups=1,
                 base_width=64, dilation=1, norm_layer: Optional[Callable[..., nn.Module]] = None):
        super().__init__()
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        self.conv1 = conv3x3(inplanes, planes, stride)
        self.bn1 = norm_layer(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = norm_layer(planes)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x: Tensor) -> Tensor:
        identity = x
        out = self.conv1(x)
        out = self.bn1(out)
        out = self.relu(out)
        out = self.conv2(out)
        out = self.bn2(out)
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        out = self.relu(out)
        return out


class Bottleneck(nn.Module):
    expansion: int = 4

    def __init__(self, inplanes, planes, stride=1, downsample=None, groups=1, base_width=64, dilation=1,
                 norm_layer=None):
        super().__init__()
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        width = int(planes * (base_width / 64.0)) * groups
        self.conv1 = conv1x1(inplanes, width)
        self.bn1 = norm_layer(width)
        self.conv2 = conv3x3(width, width, stride, groups, dilation)
        self.bn2 = norm_layer(width)
        self.conv3 = conv1x1(width, planes * self.expansion)
        self.bn3 = norm_layer(planes * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        return self.relu(out)


class ResNet(nn.Module):
    def __init__(self, block: Type[Union[BasicBlock, Bottleneck]], layers: List[int], num_classes: int = 10,
                 zero_init_residual: bool = False, groups: int = 1, width_per_group: int = 64,
                 base: int = 8):
        super().__init__()
        self._norm_layer = nn.BatchNorm2d
        self.inplanes = base
        self.dilation = 1
        self.groups = groups
        self.base_width = width_per_group
        self.conv1 = nn.Conv2d(3, self.inplanes, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = self._norm_layer(self.inplanes)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, base, layers[0])
        self.layer2 = self._make_layer(block, base * 2, layers[1], stride=2)
        self.layer3 = self._make_layer(block, base * 4, layers[2], stride=2)
        self.layer4 = self._make_layer(block, base * 8, layers[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(base * 8 * block.expansion, num_classes)

        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)
        if zero_init_residual:
            for m in self.modules():
                if isinstance(m, Bottleneck) and m.bn3.weight is not None:
                    nn.init.constant_(m.bn3.weight, 0)
                elif isinstance(m, BasicBlock) and m.bn2.weight is not None:
                    nn.init.constant_(m.bn2.weight, 0)

    def _make_layer(self, block, planes, blocks, stride=1, dilate=False):
        norm_layer = self._norm_layer
        downsample = None
        previous_dilation = self.dilation
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(
                conv1x1(self.inplanes, planes * block.expansion, stride),
                norm_layer(planes * block.expansion),
            )
        layers = []
        layers.append(block(self.inplanes, planes, stride, downsample, self.groups, self.base_width,
                            previous_dilation, norm_layer))
        self.inplanes = planes * block.expansion
        for _ in range(1, blocks):
            layers.append(block(self.inplanes, planes, groups=self.groups, base_width=self.base_width,
                                dilation=self.dilation, norm_layer=norm_layer))
        return nn.Sequential(*layers)

    def _forward_impl(self, x: Tensor) -> Tensor:
        x = self.conv1(x)
        x = self.bn1(x)
        x = self.relu(x)
        x = self.maxpool(x)
        x = self.layer1(x)
        x = self.layer2(x)
        x = self.layer3(x)
        x = self.layer4(x)
        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        x = self.fc(x)
        return x

    def forward(self, x: Tensor) -> Tensor:
        return self._forward_impl(x)


def resnet18(**kw):
    return ResNet(BasicBlock, [2, 2, 2, 2], **kw)


def resnet50(**kw):
    return ResNet(Bottleneck, [1, 1, 1, 1], **kw)


for name, ctor in [("resnet18", resnet18), ("resnet50-ish", resnet50)]:
    torch.manual_seed(1)
    model = ctor(zero_init_residual=True, num_classes=5)
    print(name)
    if name == "resnet50-ish":
        print(model.layer1)
        print(model.layer2[0].downsample)
    else:
        print(model)
    total = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    print("params", total, trainable)
    for n, p in list(model.named_parameters())[:12]:
        print(n, tuple(p.shape), p.dtype)
    keys = list(model.state_dict().keys())
    print(len(keys), keys[:10], keys[-4:])
    print([k for k in keys if "num_batches_tracked" in k][:3])
    zeros = [n for n, p in model.named_parameters() if n.endswith(("bn2.weight", "bn3.weight")) and p.abs().sum() == 0]
    print("zero-init gammas", zeros)
    w = model.conv1.weight
    print("conv1 std %.4f mean %.4f" % (w.std().item(), w.mean().item()))
    print("fc weight std %.4f bias %.4f" % (model.fc.weight.std().item(), model.fc.bias.abs().max().item()))

    x = torch.randn(4, 3, 32, 32)
    y = torch.randint(0, 5, (4,))
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-4, nesterov=True)
    crit = nn.CrossEntropyLoss(label_smoothing=0.1)
    model.train()
    for step in range(3):
        opt.zero_grad(set_to_none=True)
        out = model(x)
        loss = crit(out, y)
        loss.backward()
        opt.step()
        print("step", step, "loss %.5f" % loss.item(), tuple(out.shape))
    print("running_mean", model.bn1.running_mean[:4])
    print("num_batches_tracked", model.bn1.num_batches_tracked)
    model.eval()
    with torch.no_grad():
        logits = model(x)
        probs = F.softmax(logits, dim=1)
    print(logits[:2])
    print(probs.argmax(1), probs.max(1).values)
    top5 = logits.topk(3, dim=1)
    print(top5.indices)

# a "pretrained" checkpoint through the hub cache (a file:// URL: no network), then DDP-style
# SyncBatchNorm conversion, a GroupNorm variant and the pooled features with their grad_fn
torch.manual_seed(2)
src = resnet18(num_classes=5)
home = os.getcwd()
shutil.rmtree("zoo_hub", ignore_errors=True)
os.makedirs("zoo_hub")
os.chdir("zoo_hub")
torch.save(src.state_dict(), "resnet18-local.pth")
url = "file://" + os.path.abspath("resnet18-local.pth")
state_dict = load_state_dict_from_url(url, model_dir="hub_cache", progress=False)
print(type(state_dict).__name__, len(state_dict), sorted(os.listdir("hub_cache")))
state_dict = load_state_dict_from_url(url, model_dir="hub_cache", progress=False)   # cached: no download
os.chdir(home)
shutil.rmtree("zoo_hub")
model = resnet18(num_classes=5)
print(model.load_state_dict(state_dict))
print(torch.equal(model.fc.weight, src.fc.weight))
model = nn.SyncBatchNorm.convert_sync_batchnorm(model)
print(model.layer1[0].bn1, model.layer1[0].bn1.process_group)
print(sum(isinstance(m, nn.SyncBatchNorm) for m in model.modules()), torch.equal(model.bn1.running_var, src.bn1.running_var))
model.train()
x = torch.randn(2, 3, 32, 32)
out = model(x)
print(out.shape, "%.5f" % out.abs().sum().item(), model.bn1.num_batches_tracked)
feats = model.layer4(model.layer3(model.layer2(model.layer1(model.maxpool(model.relu(model.bn1(model.conv1(x))))))))
pooled = model.avgpool(feats)
print(pooled.shape, pooled.grad_fn.name(), F.adaptive_avg_pool2d(feats, (2, 1)).grad_fn.name())
print(pooled[0, :3])

torch.manual_seed(3)
gn = ResNet(BasicBlock, [1, 1, 1, 1], num_classes=3)
gn._norm_layer = partial(nn.GroupNorm, 4)
gn.layer1 = nn.Sequential(BasicBlock(8, 8, norm_layer=partial(nn.GroupNorm, 4)))
print(gn.layer1)
y = gn.layer1[0].bn1(gn.layer1[0].conv1(gn.maxpool(gn.conv1(x))))
print(y[0, 0, 0, :3])
loss = F.mse_loss(gn(x), torch.zeros(2, 3))
print(loss)
loss.backward()
print("%.6f" % gn.layer1[0].bn1.weight.grad.abs().sum().item())
