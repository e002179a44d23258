"""milesial/Pytorch-UNet style U-Net: DoubleConv, Down (MaxPool2d), Up (ConvTranspose2d or bilinear
Upsample), F.pad to match odd sizes, skip concat, original-paper center crop variant, Dice loss, a few
train steps with RMSprop + BCEWithLogits, eval outputs, state_dict round-trip through io.BytesIO."""
import io

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class DoubleConv(nn.Module):
    """(convolution => [BN] => ReLU) * 2"""

    def __init__(self, in_channels, out_channels, mid_channels=None):
        super().__init__()
        if not mid_channels:
            mid_channels = out_channels
        self.double_conv = nn.Sequential(
            nn.Conv2d(in_channels, mid_channels, kernel_size=3, padding=1, bias=False),
            nn.BatchNorm2d(mid_channels),
            nn.ReLU(inplace=True),
            nn.Conv2d(mid_channels, out_channels, kernel_size=3, padding=1, bias=False),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(inplace=True)
        )

    def forward(self, x):
        return self.double_conv(x)


class Down(nn.Module):
    def __init__(self, in_channels, out_channels):
        super().__init__()
        self.maxpool_conv = nn.Sequential(nn.MaxPool2d(2), DoubleConv(in_channels, out_channels))

    def forward(self, x):
        return self.maxpool_conv(x)


class Up(nn.Module):
    def __init__(self, in_channels, out_channels, bilinear=True):
        super().__init__()
        if bilinear:
            self.up = nn.Upsample(scale_factor=2, mode='bilinear', align_corners=True)
            self.conv = DoubleConv(in_channels, out_channels, in_channels // 2)
        else:
            self.up = nn.ConvTranspose2d(in_channels, in_channels // 2, kernel_size=2, stride=2)
            self.conv = DoubleConv(in_channels, out_channels)

    def forward(self, x1, x2):
        x1 = self.up(x1)
        # input is CHW
        diffY = x2.size()[2] - x1.size()[2]
        diffX = x2.size()[3] - x1.size()[3]
        x1 = F.pad(x1, [diffX // 2, diffX - diffX // 2, diffY // 2, diffY - diffY // 2])
        x = torch.cat([x2, x1], dim=1)
        return self.conv(x)


class OutConv(nn.Module):
    def __init__(self, in_channels, out_channels):
        super(OutConv, self).__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size=1)

    def forward(self, x):
        return self.conv(x)


class UNet(nn.Module):
    def __init__(self, n_channels, n_classes, bilinear=False, base=8):
        super(UNet, self).__init__()
        self.n_channels = n_channels
        self.n_classes = n_classes
        self.bilinear = bilinear
        self.inc = DoubleConv(n_channels, base)
        self.down1 = Down(base, base * 2)
        self.down2 = Down(base * 2, base * 4)
        factor = 2 if bilinear else 1
        self.down3 = Down(base * 4, base * 8 // factor)
        self.up1 = Up(base * 8, base * 4 // factor, bilinear)
        self.up2 = Up(base * 4, base * 2 // factor, bilinear)
        self.up3 = Up(base * 2, base, bilinear)
        self.outc = OutConv(base, n_classes)

    def forward(self, x):
        x1 = self.inc(x)
        x2 = self.down1(x1)
        x3 = self.down2(x2)
        x4 = self.down3(x3)
        x = self.up1(x4, x3)
        x = self.up2(x, x2)
        x = self.up3(x, x1)
        logits = self.outc(x)
        return logits


def dice_coeff(input, target, reduce_batch_first=False, epsilon=1e-6):
    assert input.size() == target.size()
    assert input.dim() == 3 or not reduce_batch_first
    sum_dim = (-1, -2) if input.dim() == 2 or not reduce_batch_first else (-1, -2, -3)
    inter = 2 * (input * target).sum(dim=sum_dim)
    sets_sum = input.sum(dim=sum_dim) + target.sum(dim=sum_dim)
    sets_sum = torch.where(sets_sum == 0, inter, sets_sum)
    dice = (inter + epsilon) / (sets_sum + epsilon)
    return dice.mean()


def dice_loss(input, target):
    return 1 - dice_coeff(input.flatten(0, 1), target.flatten(0, 1), reduce_batch_first=True)


def center_crop(layer, target_size):
    # original U-Net paper (valid convs): crop the encoder map to the decoder size
    _, _, h, w = layer.size()
    dy = (h - target_size[0]) // 2
    dx = (w - target_size[1]) // 2
    return layer[:, :, dy:(dy + target_size[0]), dx:(dx + target_size[1])]


for bilinear in (False, True):
    torch.manual_seed(1)
    net = UNet(n_channels=3, n_classes=1, bilinear=bilinear)
    n_params = sum(p.numel() for p in net.parameters())
    n_train = sum(p.numel() for p in net.parameters() if p.requires_grad)
    print('bilinear', bilinear, 'params', n_params, n_train)
    # odd spatial size: the decoder pads to match
    x = torch.randn(2, 3, 20, 22)
    out = net(x)
    print('out', tuple(out.shape), out.dtype, round(out.mean().item(), 4))

torch.manual_seed(2)
net = UNet(3, 1, bilinear=False)
print(net.up1)
print([k for k in net.state_dict().keys()][:8])
print(net.inc.double_conv[1].running_mean.shape, net.inc.double_conv[1].num_batches_tracked)

imgs = torch.randn(4, 3, 16, 16)
masks = (imgs[:, :1].mean(1, keepdim=True) > 0).float()
criterion = nn.BCEWithLogitsLoss()
optimizer = torch.optim.RMSprop(net.parameters(), lr=1e-3, weight_decay=1e-8, momentum=0.999, foreach=False)
for step in range(4):
    optimizer.zero_grad(set_to_none=True)
    masks_pred = net(imgs)
    loss = criterion(masks_pred, masks)
    loss = loss + dice_loss(torch.sigmoid(masks_pred), masks)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
    optimizer.step()
    print(f'step {step} loss {loss.item():.5f}')

print('bn running mean', net.inc.double_conv[1].running_mean[:4])
print('num_batches_tracked', net.inc.double_conv[1].num_batches_tracked)

net.eval()
with torch.no_grad():
    pred = net(imgs)
    mask_pred = (F.sigmoid(pred) > 0.5).float()
    print('dice', round(dice_coeff(mask_pred.squeeze(1), masks.squeeze(1), reduce_batch_first=False).item(), 5))
    print('pred requires_grad', pred.requires_grad, pred.grad_fn)
    # multi-class variant: argmax + one_hot
    logits = torch.randn(2, 4, 6, 6)
    mp = F.one_hot(logits.argmax(dim=1), 4).permute(0, 3, 1, 2).float()
    print('one_hot mask', mp.shape, mp.sum().item(), mp.dtype)

# upsample to the input size like the predict script
probs = F.interpolate(pred, (32, 30), mode='bilinear')
print('interp', probs.shape, round(probs.std().item(), 5))

# center crop of the original paper
enc = torch.arange(2 * 1 * 9 * 9, dtype=torch.float32).view(2, 1, 9, 9)
print(center_crop(enc, (5, 5))[0, 0])
up = nn.ConvTranspose2d(4, 2, kernel_size=2, stride=2)
print('convT', up(torch.randn(1, 4, 3, 5)).shape, up.weight.shape)
try:
    dice_coeff(torch.zeros(2, 3), torch.zeros(3, 2))
except AssertionError as e:
    print('AssertionError', repr(e))

buf = io.BytesIO()
torch.save(net.state_dict(), buf)
buf.seek(0)
net2 = UNet(3, 1, bilinear=False)
res = net2.load_state_dict(torch.load(buf, weights_only=True))
print(res)
net2.eval()
with torch.no_grad():
    print('roundtrip equal', torch.equal(net2(imgs), pred))
