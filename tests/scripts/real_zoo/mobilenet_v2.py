"""torchvision-style MobileNetV2: _make_divisible, Conv2dNormActivation-like ConvBNReLU (nn.Sequential
subclass), InvertedResidual with depthwise groups=channels and ReLU6, width_mult, init loop."""
import torch
from torch import nn, Tensor
from typing import Optional, List, Callable
from functools import partial

torch.manual_seed(7)


def _make_divisible(v: float, divisor: int, min_value: Optional[int] = None) -> int:
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


class ConvBNActivation(nn.Sequential):
    def __init__(self, in_planes: int, out_planes: int, kernel_size: int = 3, stride: int = 1, groups: int = 1,
                 norm_layer: Optional[Callable[..., nn.Module]] = None,
                 activation_layer: Optional[Callable[..., nn.Module]] = None, dilation: int = 1) -> None:
        padding = (kernel_size - 1) // 2 * dilation
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        if activation_layer is None:
            activation_layer = nn.ReLU6
        super().__init__(
            nn.Conv2d(in_planes, out_planes, kernel_size, stride, padding, dilation=dilation, groups=groups,
                      bias=False),
            norm_layer(out_planes),
            activation_layer(inplace=True),
        )
        self.out_channels = out_planes


ConvBNReLU = ConvBNActivation


class InvertedResidual(nn.Module):
    def __init__(self, inp: int, oup: int, stride: int, expand_ratio: int,
                 norm_layer: Optional[Callable[..., nn.Module]] = None) -> None:
        super().__init__()
        self.stride = stride
        assert stride in [1, 2]
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        hidden_dim = int(round(inp * expand_ratio))
        self.use_res_connect = self.stride == 1 and inp == oup
        layers: List[nn.Module] = []
        if expand_ratio != 1:
            layers.append(ConvBNReLU(inp, hidden_dim, kernel_size=1, norm_layer=norm_layer))
        layers.extend([
            ConvBNReLU(hidden_dim, hidden_dim, stride=stride, groups=hidden_dim, norm_layer=norm_layer),
            nn.Conv2d(hidden_dim, oup, 1, 1, 0, bias=False),
            norm_layer(oup),
        ])
        self.conv = nn.Sequential(*layers)
        self.out_channels = oup
        self._is_cn = stride > 1

    def forward(self, x: Tensor) -> Tensor:
        if self.use_res_connect:
            return x + self.conv(x)
        else:
            return self.conv(x)


class MobileNetV2(nn.Module):
    def __init__(self, num_classes: int = 10, width_mult: float = 0.25, round_nearest: int = 8,
                 dropout: float = 0.2) -> None:
        super().__init__()
        block = InvertedResidual
        norm_layer = partial(nn.BatchNorm2d, eps=0.001, momentum=0.01)
        input_channel = 32
        last_channel = 128
        inverted_residual_setting = [
            # t, c, n, s
            [1, 16, 1, 1],
            [6, 24, 2, 2],
            [6, 32, 2, 2],
            [6, 64, 1, 2],
        ]
        input_channel = _make_divisible(input_channel * width_mult, round_nearest)
        self.last_channel = _make_divisible(last_channel * max(1.0, width_mult), round_nearest)
        features: List[nn.Module] = [ConvBNReLU(3, input_channel, stride=2, norm_layer=norm_layer)]
        for t, c, n, s in inverted_residual_setting:
            output_channel = _make_divisible(c * width_mult, round_nearest)
            for i in range(n):
                stride = s if i == 0 else 1
                features.append(block(input_channel, output_channel, stride, expand_ratio=t, norm_layer=norm_layer))
                input_channel = output_channel
        features.append(ConvBNReLU(input_channel, self.last_channel, kernel_size=1, norm_layer=norm_layer))
        self.features = nn.Sequential(*features)
        self.classifier = nn.Sequential(
            nn.Dropout(p=dropout),
            nn.Linear(self.last_channel, num_classes),
        )
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out")
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0, 0.01)
                nn.init.zeros_(m.bias)

    def _forward_impl(self, x: Tensor) -> Tensor:
        x = self.features(x)
        x = nn.functional.adaptive_avg_pool2d(x, (1, 1))
        x = torch.flatten(x, 1)
        x = self.classifier(x)
        return x

    def forward(self, x: Tensor) -> Tensor:
        return self._forward_impl(x)


print([_make_divisible(v * w, 8) for v in (32, 16, 24, 96, 1280) for w in (0.25, 0.5, 1.0, 1.4)])
model = MobileNetV2(num_classes=6)
print(model)
print("params", sum(p.numel() for p in model.parameters() if p.requires_grad))
dw = [(n, m.groups, m.in_channels) for n, m in model.named_modules() if isinstance(m, nn.Conv2d) and m.groups > 1]
print("depthwise", dw)
print([type(m).__name__ for m in model.features])
print([m.out_channels for m in model.features])
for n, p in model.named_parameters():
    if "features.2" in n:
        print(n, list(p.size()))
print(list(model.state_dict().keys())[-8:])
bn = model.features[0][1]
print(bn, bn.eps, bn.momentum)

stats = {}


def record(m):
    if isinstance(m, nn.Conv2d):
        stats.setdefault("conv", []).append(round(m.weight.std().item(), 3))


model.apply(record)
print(stats)

x = torch.randn(4, 3, 48, 48)
y = torch.randint(0, 6, (4,))
opt = torch.optim.RMSprop(model.parameters(), lr=0.01, alpha=0.9, eps=0.0316, momentum=0.9, weight_decay=4e-5)
model.train()
for step in range(3):
    out = model(x)
    loss = nn.CrossEntropyLoss()(out, y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(step, "%.5f" % loss.item())
print(model.features[1].conv[0][1].running_var[:4])
model.eval()
with torch.no_grad():
    out = model(x)
print(out.shape, out[0])
x2 = torch.randn(1, 3, 40, 56)
with torch.no_grad():
    feats = model.features(x2)
print(feats.shape)
