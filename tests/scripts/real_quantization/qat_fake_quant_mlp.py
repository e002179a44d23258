"""Quantization-aware training by hand, as blog posts on QAT write it: a QuantLinear whose weight and
activation pass through FakeQuantize modules (MovingAverageMinMaxObserver / per-channel weights),
trained with the straight-through estimator; then the observers are frozen, the learned qparams
printed, and the fake-quantized model compared with a true int8 simulation of its weights."""
import warnings
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.ao.quantization import FakeQuantize, MovingAverageMinMaxObserver, \
    MovingAveragePerChannelMinMaxObserver, default_weight_fake_quant

warnings.filterwarnings("ignore")
torch.manual_seed(0)


class QuantLinear(nn.Linear):
    def __init__(self, in_f, out_f, per_channel=False):
        super().__init__(in_f, out_f)
        if per_channel:
            self.weight_fake_quant = FakeQuantize(observer=MovingAveragePerChannelMinMaxObserver, quant_min=-128,
                                                  quant_max=127, dtype=torch.qint8,
                                                  qscheme=torch.per_channel_symmetric, ch_axis=0)
        else:
            self.weight_fake_quant = default_weight_fake_quant()
        self.act_fake_quant = FakeQuantize(observer=MovingAverageMinMaxObserver, quant_min=0, quant_max=255,
                                           dtype=torch.quint8, qscheme=torch.per_tensor_affine)

    def forward(self, x):
        return self.act_fake_quant(F.linear(x, self.weight_fake_quant(self.weight), self.bias))


class QATNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = QuantLinear(2, 16, per_channel=True)
        self.fc2 = QuantLinear(16, 16)
        self.fc3 = nn.Linear(16, 3)

    def forward(self, x):
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))


# three gaussian blobs
centers = torch.tensor([[2.0, 0.0], [-1.0, 1.7], [-1.0, -1.7]])
labels = torch.randint(0, 3, (300,))
data = centers[labels] + 0.6 * torch.randn(300, 2)

net = QATNet()
print(net.fc2.act_fake_quant)
opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
for step in range(40):
    idx = torch.randint(0, 300, (64,))
    loss = F.cross_entropy(net(data[idx]), labels[idx])
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 10 == 0 or step == 39:
        print(f"step {step:2d} loss {loss.item():.4f} act scale {net.fc1.act_fake_quant.scale.item():.6f} "
              f"zp {net.fc1.act_fake_quant.zero_point.item()}")

print("fc1 weight scales:", net.fc1.weight_fake_quant.scale)
print("fc1 weight zero points:", net.fc1.weight_fake_quant.zero_point)
print("fc2 weight qparams:", net.fc2.weight_fake_quant.calculate_qparams())
print("fc2 observer:", net.fc2.weight_fake_quant.activation_post_process)

# the straight-through estimator: gradient only inside the clamp range
x = torch.linspace(-1.5, 1.5, 9, requires_grad=True)
y = torch.fake_quantize_per_tensor_affine(x, 0.01, 0, -100, 100)
y.sum().backward()
print("fq:", y)
print("ste grad:", x.grad)

# freeze observers, then evaluate
net.apply(torch.ao.quantization.disable_observer)
print("observer_enabled:", net.fc1.act_fake_quant.observer_enabled, net.fc2.weight_fake_quant.observer_enabled)
with torch.no_grad():
    acc = (net(data).argmax(1) == labels).float().mean().item()
print(f"QAT accuracy (fake quant): {acc:.4f}")

# simulate the int8 weights for real: quantize with the learned qparams
with torch.no_grad():
    s, z = net.fc2.weight_fake_quant.calculate_qparams()
    qw = torch.quantize_per_tensor(net.fc2.weight, float(s), int(z), torch.qint8)
    print("fc2 int8 weight [0, :6]:", qw.int_repr()[0, :6].tolist())
    fq_w = net.fc2.weight_fake_quant(net.fc2.weight)
    print("fake quant == dequant(quant):", torch.equal(fq_w, qw.dequantize()))
    s1, z1 = net.fc1.weight_fake_quant.scale, net.fc1.weight_fake_quant.zero_point
    qw1 = torch.quantize_per_channel(net.fc1.weight, s1.double(), z1.long(), 0, torch.qint8)
    print("fc1 per-channel int8 rows:", qw1.int_repr()[:3].tolist())
    print("per-channel fake quant matches:", torch.allclose(net.fc1.weight_fake_quant(net.fc1.weight),
                                                           qw1.dequantize()))

net.apply(torch.ao.quantization.disable_fake_quant)
with torch.no_grad():
    acc_float = (net(data).argmax(1) == labels).float().mean().item()
print(f"same weights without fake quant: {acc_float:.4f}")
print(sorted(k for k in net.state_dict() if "fake_quant" in k)[:6])
