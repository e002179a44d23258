# A temporal convolutional network (Bai et al. 2018, locuslab/TCN style): causal Conv1d with
# left padding through F.pad or Chomp1d, dilations 1, 2, 4, weight_norm (the old
# torch.nn.utils.weight_norm and the parametrizations version), residual 1x1 downsample,
# receptive-field check that the output at t does not depend on inputs after t (via autograd),
# and a few steps of training on the adding problem.
import warnings

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import parametrizations, remove_weight_norm, weight_norm

warnings.filterwarnings('ignore')
torch.manual_seed(0)


class Chomp1d(nn.Module):
    def __init__(self, chomp_size):
        super().__init__()
        self.chomp_size = chomp_size

    def forward(self, x):
        return x[:, :, :-self.chomp_size].contiguous()


class TemporalBlock(nn.Module):
    def __init__(self, n_in, n_out, k, dilation, dropout=0.0, new_style=False):
        super().__init__()
        pad = (k - 1) * dilation
        wn = parametrizations.weight_norm if new_style else weight_norm
        self.conv1 = wn(nn.Conv1d(n_in, n_out, k, padding=pad, dilation=dilation))
        self.chomp1 = Chomp1d(pad)
        self.conv2 = wn(nn.Conv1d(n_out, n_out, k, padding=pad, dilation=dilation))
        self.chomp2 = Chomp1d(pad)
        self.net = nn.Sequential(self.conv1, self.chomp1, nn.ReLU(), nn.Dropout(dropout),
                                 self.conv2, self.chomp2, nn.ReLU(), nn.Dropout(dropout))
        self.downsample = nn.Conv1d(n_in, n_out, 1) if n_in != n_out else None
        self.relu = nn.ReLU()
        self.conv1.weight.data.normal_(0, 0.01) if not new_style else None
        if self.downsample is not None:
            self.downsample.weight.data.normal_(0, 0.01)

    def forward(self, x):
        out = self.net(x)
        res = x if self.downsample is None else self.downsample(x)
        return self.relu(out + res)


class TCN(nn.Module):
    def __init__(self, n_in, channels, k=2, new_style=False):
        super().__init__()
        layers = []
        for i, c in enumerate(channels):
            layers.append(TemporalBlock(n_in if i == 0 else channels[i - 1], c, k, 2 ** i, new_style=new_style))
        self.network = nn.Sequential(*layers)
        self.linear = nn.Linear(channels[-1], 1)

    def forward(self, x):
        return self.linear(self.network(x)[:, :, -1])


class CausalConv1d(nn.Conv1d):
    """Causal convolution by left-padding with F.pad."""
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.left = (self.kernel_size[0] - 1) * self.dilation[0]

    def forward(self, x):
        return super().forward(F.pad(x, (self.left, 0)))


cc = CausalConv1d(2, 3, kernel_size=3, dilation=2)
print(cc, cc.left)
x = torch.randn(1, 2, 10, requires_grad=True)
y = cc(x)
print(y.shape)
y[0, :, 4].sum().backward()
print('depends on', (x.grad[0].abs().sum(0) > 0).nonzero().flatten().tolist())

m = TCN(2, [4, 4, 4], k=2)
print(m.network[0])
print([n for n, _ in m.network[0].named_parameters()])
print('g', m.network[0].conv1.weight_g.shape, 'v', m.network[0].conv1.weight_v.shape)
w = m.network[0].conv1.weight
print(torch.allclose(w, m.network[0].conv1.weight_g * m.network[0].conv1.weight_v /
                     m.network[0].conv1.weight_v.norm(dim=(1, 2), keepdim=True)))

print(m.network[1].conv2.weight[0])
m2 = TCN(2, [4, 4], k=3, new_style=True)
print(m2.network[0].conv1.weight[1])
print(torch.norm_except_dim(m2.network[0].conv1.weight, 2, 0).flatten())
print(m2.network[1].conv1)
print(sorted(m2.network[1].conv1.state_dict().keys()))
pw = m2.network[1].conv1.parametrizations.weight
print(pw.original0.shape, pw.original1.shape, type(pw).__name__)

# receptive field: output at time t only depends on inputs up to t
seq = torch.randn(1, 2, 16, requires_grad=True)
feat = m.network(seq)
feat[0, :, 7].sum().backward()
dep = (seq.grad[0].abs().sum(0) > 0).nonzero().flatten()
print('receptive field of t=7:', dep.min().item(), '..', dep.max().item())


# adding problem
def adding(n, T, g):
    vals = torch.rand(n, 1, T, generator=g)
    marks = torch.zeros(n, 1, T)
    for i in range(n):
        idx = torch.randperm(T, generator=g)[:2]
        marks[i, 0, idx] = 1
    return torch.cat([vals, marks], 1), (vals * marks).sum(dim=(1, 2)).unsqueeze(1)


g = torch.Generator().manual_seed(123)
X, Y = adding(32, 12, g)
print(X.shape, Y.shape, Y[:4].flatten())
for model, name in [(m, 'old'), (m2, 'new')]:
    opt = torch.optim.Adam(model.parameters(), lr=5e-3)
    for step in range(20):
        opt.zero_grad()
        loss = F.mse_loss(model(X), Y)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 0.5)
        opt.step()
        if step % 5 == 4:
            print(name, step, round(loss.item(), 4))

blk = m.network[0]
remove_weight_norm(blk.conv1)
print([n for n, _ in blk.conv1.named_parameters()])
parametrizations.weight_norm(nn.Conv1d(1, 1, 1))
nn.utils.parametrize.remove_parametrizations(m2.network[0].conv1, 'weight')
print([n for n, _ in m2.network[0].conv1.named_parameters()], nn.utils.parametrize.is_parametrized(m2.network[0].conv2))
