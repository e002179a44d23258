"""MobileNet-style depthwise separable convs, a squeeze-and-excitation block, GroupNorm/InstanceNorm,
custom init (kaiming/xavier/trunc_normal/orthogonal), buffers, dtype conversion."""
import math
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(11)


class SE(nn.Module):
    def __init__(self, ch, r=4):
        super().__init__()
        self.fc1 = nn.Conv2d(ch, ch // r, 1)
        self.fc2 = nn.Conv2d(ch // r, ch, 1)

    def forward(self, x):
        s = F.adaptive_avg_pool2d(x, 1)
        s = torch.sigmoid(self.fc2(F.relu(self.fc1(s))))
        return x * s


class DWSep(nn.Module):
    def __init__(self, cin, cout, stride=1):
        super().__init__()
        self.dw = nn.Conv2d(cin, cin, 3, stride, 1, groups=cin, bias=False)
        self.bn1 = nn.BatchNorm2d(cin)
        self.pw = nn.Conv2d(cin, cout, 1, bias=False)
        self.bn2 = nn.GroupNorm(2, cout)
        self.act = nn.Hardswish()
        self.se = SE(cout)

    def forward(self, x):
        x = F.relu6(self.bn1(self.dw(x)))
        return self.se(self.act(self.bn2(self.pw(x))))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, 2, 1, bias=False)
        self.norm = nn.InstanceNorm2d(8, affine=True)
        self.blocks = nn.Sequential(DWSep(8, 16), DWSep(16, 16, 2))
        self.head = nn.Linear(16, 5)
        self.register_buffer('mean', torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1))
        self.register_buffer('step', torch.zeros((), dtype=torch.long), persistent=False)
        self._init()

    def _init(self):
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode='fan_out', nonlinearity='relu')
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                nn.init.trunc_normal_(m.weight, std=0.02)
                nn.init.constant_(m.bias, 0.1)

    def forward(self, x):
        self.step += 1
        x = self.norm(self.stem(x - self.mean))
        x = self.blocks(x)
        return self.head(x.mean(dim=(2, 3)))


net = Net()
print(net)
print([n for n, _ in net.named_buffers()])
print(list(net.state_dict().keys())[:6], len(net.state_dict()))
print(net.stem.weight.std().item(), net.head.weight.abs().max().item() <= 0.04)
x = torch.randn(4, 3, 16, 16)
y = torch.tensor([0, 3, 4, 1])
opt = torch.optim.RMSprop(net.parameters(), lr=1e-3, alpha=0.9)
for i in range(3):
    out = net(x)
    loss = F.cross_entropy(out, y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(i, f'{loss.item():.6f}', out.shape)
print('step buffer', net.step)
w = torch.empty(3, 5)
nn.init.xavier_uniform_(w, gain=nn.init.calculate_gain('relu'))
print(w)
nn.init.orthogonal_(w)
print((w @ w.t()).diag())
nn.init.kaiming_uniform_(w, a=math.sqrt(5))
print(w)
nn.init.uniform_(w, -0.1, 0.1)
print(w.min().item() >= -0.1, nn.init.calculate_gain('leaky_relu', 0.2), nn.init.calculate_gain('tanh'))
nn.init.normal_(w, mean=0, std=0.01)
print(w[0])
nn.init.xavier_normal_(w)
print(w[1])
print(nn.init.eye_(torch.empty(2, 3)), nn.init.dirac_(torch.empty(2, 2, 3)).sum())
net64 = Net().double()
print(net64.head.weight.dtype, net64(x.double()).dtype, net64.mean.dtype)
net.eval()
with torch.no_grad():
    print(net(x).softmax(-1).argmax(-1))
    print(net.to(torch.float64).stem.weight.dtype)
half = nn.Linear(2, 2).half()
print(half.weight.dtype)
print(F.group_norm(torch.arange(8.).view(1, 4, 2), 2))
print(F.instance_norm(torch.arange(8.).view(1, 2, 4)))
print(F.layer_norm(torch.arange(6.).view(2, 3), (3,)))
print(F.batch_norm(torch.tensor([[1., 2.], [4., 3.], [0.5, 7.]]), torch.zeros(2), torch.ones(2), training=True))
print(F.local_response_norm(torch.arange(8.).view(1, 4, 2), 2))
print(F.normalize(torch.arange(6.).view(2, 3), dim=1))
