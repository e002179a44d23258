"""Training a small CNN in channels_last memory format, as the PyTorch performance tutorials
recommend: model.to(memory_format=torch.channels_last), inputs converted the same way, forward hooks
printing each layer's output layout and strides, *_like factories preserving the format, random
fills of channels-last / transposed tensors, and the same training run in contiguous format giving
the same losses."""
import torch
import torch.nn as nn
import torch.nn.functional as F

CL = torch.channels_last


def layout(t):
    if t.is_contiguous(memory_format=CL) and not t.is_contiguous():
        return "channels_last"
    if t.is_contiguous():
        return "contiguous"
    return "strided" + str(t.stride())


class Block(nn.Module):
    def __init__(self, cin, cout, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.short = nn.Sequential()
        if stride != 1 or cin != cout:
            self.short = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.short(x))


class Net(nn.Module):
    def __init__(self, nc=5):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU(inplace=True))
        self.pool = nn.MaxPool2d(2)
        self.layer1 = Block(8, 8)
        self.layer2 = Block(8, 16, stride=2)
        self.gn = nn.GroupNorm(4, 16)
        self.up = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False)
        self.avg = nn.AvgPool2d(2)
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.Linear(16, nc))

    def forward(self, x):
        x = self.pool(self.stem(x))
        x = self.layer2(self.layer1(x))
        x = self.avg(self.up(self.gn(x)))
        return self.head(x)


def run(memory_format, steps=3, verbose=False):
    torch.manual_seed(0)
    model = Net()
    data = torch.randn(4, 3, 16, 16)
    target = torch.tensor([0, 1, 2, 3])
    if memory_format is not None:
        model = model.to(memory_format=memory_format)
        data = data.to(memory_format=memory_format)
    hooks = []
    if verbose:
        for name, m in model.named_modules():
            if isinstance(m, (nn.Conv2d, nn.BatchNorm2d, nn.MaxPool2d, nn.GroupNorm, nn.Upsample, nn.AvgPool2d,
                              nn.AdaptiveAvgPool2d, Block)):
                hooks.append(m.register_forward_hook(
                    lambda mod, inp, out, name=name: print(f"  {name:16s} {tuple(out.shape)} {layout(out)}")))
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    losses = []
    for step in range(steps):
        out = model(data)
        loss = F.cross_entropy(out, target)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(round(loss.item(), 5))
        for h in hooks:
            h.remove()
        hooks = []
    w = model.stem[0].weight
    print(f"  weight layout {layout(w)} grad {tuple(w.grad.shape)}")
    return losses, model


print("channels_last run:")
cl_losses, cl_model = run(CL, verbose=True)
print("contiguous run:")
ct_losses, ct_model = run(None)
print("losses cl:", cl_losses)
print("losses ct:", ct_losses)
print("same losses:", all(abs(a - b) < 1e-4 for a, b in zip(cl_losses, ct_losses)))
print("bn running mean close:", torch.allclose(cl_model.stem[1].running_mean, ct_model.stem[1].running_mean, atol=1e-5))

x = torch.randn(2, 4, 5, 6).to(memory_format=CL)
print("x strides:", x.stride(), layout(x))
for fn in (torch.zeros_like, torch.ones_like, torch.empty_like, lambda t: torch.full_like(t, 3.0)):
    print("like:", fn(x).stride())
print("like contiguous:", torch.zeros_like(x, memory_format=torch.contiguous_format).stride())
print("like transposed:", torch.zeros_like(torch.randn(3, 5).t()).stride())
torch.manual_seed(1)
r = torch.rand_like(x)
torch.manual_seed(1)
r2 = torch.rand(2, 5, 6, 4).permute(0, 3, 1, 2)
print("rand_like fills memory order:", torch.equal(r, r2), r.stride())
torch.manual_seed(2)
n = torch.randn_like(x)
print("randn_like:", n.stride(), n[0, :, 0, 0], n.sum())
torch.manual_seed(3)
print("randint_like:", torch.randint_like(x, 10)[0, :, 0, 0])
torch.manual_seed(4)
w = torch.empty(6, 4, 3, 3).to(memory_format=CL)
nn.init.kaiming_normal_(w, nonlinearity="relu")
print("kaiming on channels_last:", w[0, :, 0, 0], w.stride())
nn.init.trunc_normal_(w, std=0.02)
print("trunc_normal:", w[1, :, 1, 1])
nn.init.xavier_uniform_(w)
print("xavier_uniform:", w[2, :, 2, 2])
lin = torch.empty(5, 3)
nn.init.normal_(lin.t())
print("normal_ on transposed:", lin)
mask = torch.empty(4, 3).t().bernoulli_(0.5)
print("bernoulli_ on transposed:", mask)

y = F.conv2d(x, torch.randn(3, 4, 3, 3), padding=1)
print("conv out:", y.stride(), layout(y))
print("bn out:", layout(F.batch_norm(x, None, None, training=True)))
print("max_pool:", layout(F.max_pool2d(x, 2)), "avg_pool:", layout(F.avg_pool2d(x, 2)))
print("adaptive:", F.adaptive_avg_pool2d(x, (3, 3)).stride(), F.adaptive_max_pool2d(x, (2, 3)).stride())
print("interpolate:", layout(F.interpolate(x, scale_factor=2)), layout(F.interpolate(x, size=(7, 9), mode="bilinear")))
print("group_norm:", layout(F.group_norm(x, 2)))
print("relu / sigmoid / add:", layout(F.relu(x)), layout(x.sigmoid()), layout(x + 1), layout(x * x))
print("contiguous():", x.contiguous().stride(), x.contiguous(memory_format=CL) is x)
