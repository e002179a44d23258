"""A tiny U-Net with ConvTranspose2d, interpolate and skip connections, plus a conv autoencoder."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(1)


def double_conv(cin, cout):
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=1),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
        nn.Conv2d(cout, cout, 3, padding=1),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
    )


class UNet(nn.Module):
    def __init__(self, n_channels=1, n_classes=2):
        super().__init__()
        self.inc = double_conv(n_channels, 4)
        self.down1 = nn.Sequential(nn.MaxPool2d(2), double_conv(4, 8))
        self.down2 = nn.Sequential(nn.MaxPool2d(2), double_conv(8, 16))
        self.up1 = nn.ConvTranspose2d(16, 8, kernel_size=2, stride=2)
        self.conv_up1 = double_conv(16, 8)
        self.up2 = nn.Upsample(scale_factor=2, mode='bilinear', align_corners=True)
        self.conv_up2 = double_conv(12, 4)
        self.outc = nn.Conv2d(4, n_classes, kernel_size=1)

    def forward(self, x):
        x1 = self.inc(x)
        x2 = self.down1(x1)
        x3 = self.down2(x2)
        u = self.up1(x3)
        diffY = x2.size()[2] - u.size()[2]
        diffX = x2.size()[3] - u.size()[3]
        u = F.pad(u, [diffX // 2, diffX - diffX // 2, diffY // 2, diffY - diffY // 2])
        u = self.conv_up1(torch.cat([x2, u], dim=1))
        u = self.up2(u)
        u = self.conv_up2(torch.cat([x1, u], dim=1))
        return self.outc(u)


net = UNet()
print(net)
print('params', sum(p.numel() for p in net.parameters()))
x = torch.rand(2, 1, 16, 16)
mask = (x > 0.5).long().squeeze(1)
out = net(x)
print(out.shape, out.dtype)
opt = torch.optim.Adam(net.parameters(), lr=1e-2)
for step in range(5):
    opt.zero_grad()
    out = net(x)
    loss = F.cross_entropy(out, mask)
    loss.backward()
    opt.step()
    print(f'step {step} loss {loss.item():.5f}')
with torch.no_grad():
    pred = net(x).argmax(1)
    inter = ((pred == 1) & (mask == 1)).sum().item()
    union = ((pred == 1) | (mask == 1)).sum().item()
    print('IoU', round(inter / max(union, 1), 4), 'pixel acc', (pred == mask).float().mean().item())

# interpolate variants
t = torch.arange(16, dtype=torch.float32).reshape(1, 1, 4, 4)
print(F.interpolate(t, scale_factor=2, mode='nearest'))
print(F.interpolate(t, size=(6, 6), mode='bilinear', align_corners=False))
print(F.interpolate(t, size=(3, 5), mode='bilinear', align_corners=True))
print(F.interpolate(t, scale_factor=0.5, mode='area'))
print(F.interpolate(t, scale_factor=1.5, mode='bicubic', align_corners=False))
print(nn.Upsample(scale_factor=2)(t).shape)
print(nn.UpsamplingNearest2d(scale_factor=2)(t)[0, 0, :2])
print(F.adaptive_avg_pool2d(t, (3, 3)))
print(F.adaptive_max_pool2d(t, 2))
print(F.avg_pool2d(t, 3, stride=1, padding=1, count_include_pad=False))
print(F.pixel_shuffle(torch.arange(16.).reshape(1, 4, 2, 2), 2))


class AE(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Conv2d(1, 8, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(8, 16, 3, stride=2, padding=1), nn.ReLU(),
        )
        self.decoder = nn.Sequential(
            nn.ConvTranspose2d(16, 8, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
            nn.ConvTranspose2d(8, 1, 3, stride=2, padding=1, output_padding=1), nn.Sigmoid(),
        )

    def forward(self, x):
        z = self.encoder(x)
        return self.decoder(z), z


ae = AE()
print(ae)
imgs = torch.rand(8, 1, 16, 16)
optim = torch.optim.Adam(ae.parameters(), lr=5e-3, weight_decay=1e-5)
for epoch in range(4):
    recon, z = ae(imgs)
    loss = F.mse_loss(recon, imgs)
    optim.zero_grad()
    loss.backward()
    optim.step()
    print(f'AE epoch {epoch}: mse={loss.item():.6f} z={tuple(z.shape)}')
print(F.binary_cross_entropy(recon.detach(), imgs).item())
