"""Output shapes of many convolution / pooling configurations, printed the way people check them
before wiring a network: grouped and depthwise-separable convs, dilation, padding='same' and
padding modes, ConvTranspose2d with output_padding and output_size, Conv1d / Conv3d, max / avg /
adaptive / LP pooling with ceil_mode, count_include_pad and divisor_override, return_indices with
MaxUnpool2d, channels_last strides, and the errors for bad configurations."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
torch.set_printoptions(precision=4, sci_mode=False)


def conv_out(n, k, s=1, p=0, d=1):
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


def tconv_out(n, k, s=1, p=0, op=0, d=1):
    return (n - 1) * s - 2 * p + d * (k - 1) + op + 1


x = torch.randn(2, 8, 11, 9)
configs = [
    dict(kernel_size=3), dict(kernel_size=3, padding=1), dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=(3, 5), stride=(2, 1), padding=(0, 2)), dict(kernel_size=3, dilation=2, padding=2),
    dict(kernel_size=3, dilation=(1, 3), padding="same"), dict(kernel_size=4, padding="same"),
    dict(kernel_size=2, padding="valid"), dict(kernel_size=3, groups=4), dict(kernel_size=1, groups=8),
    dict(kernel_size=3, padding=1, padding_mode="reflect"), dict(kernel_size=3, padding=2, padding_mode="circular"),
    dict(kernel_size=5, padding=(1, 2), padding_mode="replicate", stride=3),
]
for cfg in configs:
    torch.manual_seed(1)
    conv = nn.Conv2d(8, 16, **cfg)
    y = conv(x)
    print(f"{conv}: {tuple(y.shape)} w={tuple(conv.weight.shape)} sum={y.sum().item():.4f}")
print("formula:", conv_out(11, 3, 2, 1), conv_out(9, 3, 1, 2, 2))


class DepthwiseSeparable(nn.Module):
    def __init__(self, cin, cout, stride=1, dilation=1):
        super().__init__()
        self.dw = nn.Conv2d(cin, cin, 3, stride, padding=dilation, dilation=dilation, groups=cin, bias=False)
        self.pw = nn.Conv2d(cin, cout, 1, bias=False)
        self.bn = nn.BatchNorm2d(cout)

    def forward(self, x):
        return F.relu6(self.bn(self.pw(self.dw(x))))


ds = DepthwiseSeparable(8, 12, stride=2, dilation=2)
out = ds(x)
print("dw-sep:", out.shape, "params", sum(p.numel() for p in ds.parameters()),
      "vs full", nn.Conv2d(8, 12, 3).weight.numel())
out.mean().backward()
print("dw grad:", ds.dw.weight.grad.shape, ds.dw.weight.grad.abs().sum().item())

# grouped conv equals per-group convs on channel chunks
g = nn.Conv2d(8, 6, 3, groups=2, bias=False)
parts = [F.conv2d(xc, wc) for xc, wc in zip(x.chunk(2, 1), g.weight.chunk(2, 0))]
print("grouped == split:", torch.allclose(g(x), torch.cat(parts, 1), atol=1e-5))

# transposed convolutions
z = torch.randn(1, 4, 5, 5)
for cfg in [dict(kernel_size=3, stride=2), dict(kernel_size=3, stride=2, padding=1),
            dict(kernel_size=3, stride=2, padding=1, output_padding=1), dict(kernel_size=4, stride=2, padding=1),
            dict(kernel_size=3, stride=3, output_padding=2),
            dict(kernel_size=3, stride=2, dilation=2, output_padding=1),
            dict(kernel_size=(2, 3), stride=(2, 1), groups=2)]:
    torch.manual_seed(2)
    t = nn.ConvTranspose2d(4, 6, **cfg)
    y = t(z)
    print(f"{t}: {tuple(y.shape)} sum={y.sum().item():.4f}")
print("tconv formula:", tconv_out(5, 3, 2, 1, 1), tconv_out(5, 3, 2, 0, 1, 2))
up = nn.ConvTranspose2d(4, 4, 3, stride=2, padding=1)
print("output_size 9:", up(z, output_size=[9, 9]).shape, "10:", up(z, output_size=(1, 4, 10, 10)).shape)
try:
    up(z, output_size=[12, 12])
except ValueError as e:
    print("ValueError:", e)
try:
    nn.ConvTranspose2d(4, 4, 3, stride=2, output_padding=2)(z)
except RuntimeError as e:
    print("RuntimeError:", e)
# conv_transpose as the adjoint of conv
w = torch.randn(4, 6, 3, 3)
a = torch.randn(1, 6, 9, 9)
b = torch.randn(1, 4, 4, 4)
lhs = (F.conv2d(a, w, stride=2) * b).sum()
rhs = (a * F.conv_transpose2d(b, w, stride=2)).sum()
print("adjoint:", torch.allclose(lhs, rhs, rtol=1e-4))

# 1d / 3d
print("conv1d:", nn.Conv1d(3, 5, 4, stride=2, padding=1, dilation=2)(torch.randn(2, 3, 20)).shape,
      nn.Conv1d(4, 4, 3, padding="same", groups=4, padding_mode="circular")(torch.randn(1, 4, 7)).shape)
print("conv3d:", nn.Conv3d(2, 4, (1, 3, 3), padding=(0, 1, 1))(torch.randn(1, 2, 3, 6, 6)).shape,
      nn.ConvTranspose3d(2, 2, 2, stride=2)(torch.randn(1, 2, 2, 3, 3)).shape)
print("tconv1d:", nn.ConvTranspose1d(3, 2, 5, stride=3, padding=2, output_padding=1)(torch.randn(1, 3, 6)).shape)

# pooling
p = torch.arange(2 * 7 * 7, dtype=torch.float32).view(1, 2, 7, 7)
print("max ceil:", F.max_pool2d(p, 2, 2).shape, F.max_pool2d(p, 2, 2, ceil_mode=True).shape)
print("max ceil vals:", F.max_pool2d(p, 3, 2, ceil_mode=True)[0, 0])
print("max pad dil:", F.max_pool2d(p, 3, 1, padding=1, dilation=2).shape)
print("avg incl pad:", F.avg_pool2d(p, 3, 2, padding=1)[0, 0, 0])
print("avg excl pad:", F.avg_pool2d(p, 3, 2, padding=1, count_include_pad=False)[0, 0, 0])
print("avg ceil:", F.avg_pool2d(p, 2, 2, ceil_mode=True)[0, 0, -1])
print("avg divisor:", F.avg_pool2d(p, 2, divisor_override=3)[0, 0, 0])
vals, idx = F.max_pool2d(p, 2, 2, return_indices=True)
print("indices:", idx[0, 0], idx.dtype)
print("unpool:", nn.MaxUnpool2d(2, 2)(vals, idx, output_size=p.shape[-2:])[0, 0, :3])
for size in [(1, 1), (3, 3), (5, 3), (None, 2), 4, (6, 7)]:
    print(f"adaptive {size}: avg {tuple(F.adaptive_avg_pool2d(p, size).shape)}",
          F.adaptive_avg_pool2d(p, size)[0, 0, 0].tolist(), "max", F.adaptive_max_pool2d(p, size)[0, 1, -1].tolist())
am, ai = F.adaptive_max_pool2d(torch.randn(1, 1, 5, 5), 3, return_indices=True)
print("adaptive max idx:", ai)
print("adaptive 1d:", F.adaptive_avg_pool1d(torch.arange(10.).view(1, 1, 10), 3))
print("adaptive 3d:", nn.AdaptiveAvgPool3d((1, None, 2))(torch.randn(1, 2, 3, 4, 5)).shape)
print("lp pool:", F.lp_pool2d(p, 2, 3, stride=2)[0, 0], nn.LPPool1d(1, 2)(torch.arange(6.).view(1, 1, 6)))
print(nn.AdaptiveAvgPool2d((5, None)), nn.MaxPool2d(3, 2, 1, ceil_mode=True), nn.AvgPool2d(2, count_include_pad=False))

# channels_last
cl = x.to(memory_format=torch.channels_last)
print("strides:", x.stride(), cl.stride(), cl.is_contiguous(), cl.is_contiguous(memory_format=torch.channels_last))
m = nn.Conv2d(8, 4, 3, padding=1).to(memory_format=torch.channels_last)
print("weight cl:", m.weight.is_contiguous(memory_format=torch.channels_last), m.weight.stride())
y = m(cl)
print("out cl:", y.shape, y.is_contiguous(memory_format=torch.channels_last), torch.allclose(y, m(x), atol=1e-6))
print("contiguous():", y.contiguous().stride(), cl.contiguous(memory_format=torch.contiguous_format).stride())
print("3d cl:", torch.randn(1, 2, 3, 4, 5).to(memory_format=torch.channels_last_3d).stride())
try:
    torch.randn(2, 3, 4).to(memory_format=torch.channels_last)
except RuntimeError as e:
    print("RuntimeError:", e)

# errors
for fn in [lambda: nn.Conv2d(8, 6, 3, groups=4), lambda: nn.Conv2d(8, 6, 3, padding="same", stride=2),
           lambda: nn.Conv2d(8, 6, 3, padding="full"), lambda: nn.Conv2d(8, 6, 3, padding_mode="mirror")]:
    try:
        fn()
    except ValueError as e:
        print("ValueError:", str(e).split("{")[0])      # (the rest: a set, printed in hash order)
for fn in [lambda: nn.Conv2d(3, 4, 3)(x), lambda: nn.Conv2d(8, 4, 13)(x), lambda: F.max_pool2d(x, 3, padding=2),
           lambda: F.conv2d(x, torch.randn(4, 3, 3, 3), groups=2), lambda: F.adaptive_avg_pool2d(x, (2, 3, 4))]:
    try:
        fn()
    except RuntimeError as e:
        print("RuntimeError:", str(e).split("\n")[0])
