"""torchvision-style VGG-11 built by make_layers from a config list (with and without batch norm),
its _initialize_weights, AdaptiveAvgPool2d((7, 7)) classifier head with Dropout, SGD steps."""
import torch
import torch.nn as nn
from typing import Dict, List, Union, cast

torch.manual_seed(3)

cfgs: Dict[str, List[Union[str, int]]] = {
    "A": [8, "M", 16, "M", 32, 32, "M", 64, 64, "M", 64, 64, "M"],
}


def make_layers(cfg: List[Union[str, int]], batch_norm: bool = False) -> nn.Sequential:
    layers: List[nn.Module] = []
    in_channels = 3
    for v in cfg:
        if v == "M":
            layers += [nn.MaxPool2d(kernel_size=2, stride=2)]
        else:
            v = cast(int, v)
            conv2d = nn.Conv2d(in_channels, v, kernel_size=3, padding=1)
            if batch_norm:
                layers += [conv2d, nn.BatchNorm2d(v), nn.ReLU(inplace=True)]
            else:
                layers += [conv2d, nn.ReLU(inplace=True)]
            in_channels = v
    return nn.Sequential(*layers)


class VGG(nn.Module):
    def __init__(self, features: nn.Module, num_classes: int = 1000, init_weights: bool = True,
                 dropout: float = 0.5) -> None:
        super().__init__()
        self.features = features
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(
            nn.Linear(64 * 7 * 7, 32),
            nn.ReLU(True),
            nn.Dropout(p=dropout),
            nn.Linear(32, 32),
            nn.ReLU(True),
            nn.Dropout(p=dropout),
            nn.Linear(32, num_classes),
        )
        if init_weights:
            for m in self.modules():
                if isinstance(m, nn.Conv2d):
                    nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                    if m.bias is not None:
                        nn.init.constant_(m.bias, 0)
                elif isinstance(m, nn.BatchNorm2d):
                    nn.init.constant_(m.weight, 1)
                    nn.init.constant_(m.bias, 0)
                elif isinstance(m, nn.Linear):
                    nn.init.normal_(m.weight, 0, 0.01)
                    nn.init.constant_(m.bias, 0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features(x)
        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        x = self.classifier(x)
        return x


for bn in (False, True):
    torch.manual_seed(5)
    model = VGG(make_layers(cfgs["A"], batch_norm=bn), num_classes=4)
    print(model)
    print("params", sum(p.numel() for p in model.parameters()))
    print([(n, list(p.shape)) for n, p in model.named_parameters()][:6])
    sd = model.state_dict()
    print(len(sd), list(sd)[:8])
    print("conv-weight std", ["%.4f" % m.weight.std().item() for m in model.features if isinstance(m, nn.Conv2d)])
    print("linear-weight std", ["%.4f" % m.weight.std().item() for m in model.classifier if isinstance(m, nn.Linear)])
    x = torch.randn(2, 3, 32, 32)
    y = torch.tensor([1, 3])
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    for i in range(3):
        out = model(x)
        loss = nn.functional.cross_entropy(out, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        print("loss %.6f" % loss.item(), "grad-norm %.6f" % model.features[0].weight.grad.norm().item())
    model.eval()
    with torch.inference_mode():
        o = model(x)
        print(o, o.requires_grad, torch.is_inference_mode_enabled())
    feats = model.features(x)
    print(feats.shape, model.avgpool(feats).shape)
