"""jvanvugt/pytorch-unet style U-Net (padding=False, the paper's valid convolutions): the decoder center-
crops the bridge to the upsampled size; up modes 'upconv' (ConvTranspose2d) and 'upsample' (bilinear
Upsample + 1x1 conv); plus decoder variants seen in forks: PixelShuffle sub-pixel upsampling,
ConvTranspose2d with output_padding, reflection / replicate padding, interpolate modes (nearest,
nearest-exact, bilinear align_corners True/False, bicubic, area), a weighted CE with ignore_index,
Adam steps, eval/no_grad and a BytesIO round trip."""
import io

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class UNetConvBlock(nn.Module):
    def __init__(self, in_size, out_size, padding, batch_norm):
        super(UNetConvBlock, self).__init__()
        block = []
        block.append(nn.Conv2d(in_size, out_size, kernel_size=3, padding=int(padding)))
        block.append(nn.ReLU())
        if batch_norm:
            block.append(nn.BatchNorm2d(out_size))
        block.append(nn.Conv2d(out_size, out_size, kernel_size=3, padding=int(padding)))
        block.append(nn.ReLU())
        if batch_norm:
            block.append(nn.BatchNorm2d(out_size))
        self.block = nn.Sequential(*block)

    def forward(self, x):
        return self.block(x)


class UNetUpBlock(nn.Module):
    def __init__(self, in_size, out_size, up_mode, padding, batch_norm):
        super(UNetUpBlock, self).__init__()
        if up_mode == 'upconv':
            self.up = nn.ConvTranspose2d(in_size, out_size, kernel_size=2, stride=2)
        elif up_mode == 'upsample':
            self.up = nn.Sequential(
                nn.Upsample(mode='bilinear', scale_factor=2),
                nn.Conv2d(in_size, out_size, kernel_size=1),
            )
        self.conv_block = UNetConvBlock(in_size, out_size, padding, batch_norm)

    def center_crop(self, layer, target_size):
        _, _, layer_height, layer_width = layer.size()
        diff_y = (layer_height - target_size[0]) // 2
        diff_x = (layer_width - target_size[1]) // 2
        return layer[:, :, diff_y: (diff_y + target_size[0]), diff_x: (diff_x + target_size[1])]

    def forward(self, x, bridge):
        up = self.up(x)
        crop1 = self.center_crop(bridge, up.shape[2:])
        out = torch.cat([up, crop1], 1)
        out = self.conv_block(out)
        return out


class UNet(nn.Module):
    def __init__(self, in_channels=1, n_classes=2, depth=3, wf=3, padding=False, batch_norm=False, up_mode='upconv'):
        super(UNet, self).__init__()
        assert up_mode in ('upconv', 'upsample')
        self.padding = padding
        self.depth = depth
        prev_channels = in_channels
        self.down_path = nn.ModuleList()
        for i in range(depth):
            self.down_path.append(UNetConvBlock(prev_channels, 2 ** (wf + i), padding, batch_norm))
            prev_channels = 2 ** (wf + i)
        self.up_path = nn.ModuleList()
        for i in reversed(range(depth - 1)):
            self.up_path.append(UNetUpBlock(prev_channels, 2 ** (wf + i), up_mode, padding, batch_norm))
            prev_channels = 2 ** (wf + i)
        self.last = nn.Conv2d(prev_channels, n_classes, kernel_size=1)

    def forward(self, x):
        blocks = []
        for i, down in enumerate(self.down_path):
            x = down(x)
            if i != len(self.down_path) - 1:
                blocks.append(x)
                x = F.max_pool2d(x, 2)
        for i, up in enumerate(self.up_path):
            x = up(x, blocks[-i - 1])
        return self.last(x)


class SubPixelUp(nn.Module):
    def __init__(self, cin, cout, r=2):
        super().__init__()
        self.pad = nn.ReflectionPad2d(1)
        self.conv = nn.Conv2d(cin, cout * r * r, 3)
        self.shuffle = nn.PixelShuffle(r)

    def forward(self, x):
        return self.shuffle(self.conv(self.pad(x)))


for up_mode in ('upconv', 'upsample'):
    torch.manual_seed(1)
    net = UNet(up_mode=up_mode, batch_norm=(up_mode == 'upsample'))
    x = torch.randn(1, 1, 44, 44)
    y = net(x)
    print(up_mode, 'params', sum(p.numel() for p in net.parameters()), 'in', tuple(x.shape), 'out', tuple(y.shape))

try:
    UNet(up_mode='deconv')
except AssertionError:
    print('AssertionError: bad up_mode')

# valid-conv output sizes for a sweep of inputs: only some sizes survive the crops
for s in (28, 36, 44, 45):
    try:
        out = UNet()(torch.randn(1, 1, s, s))
        print('size', s, '->', tuple(out.shape[2:]))
    except RuntimeError as e:
        print('size', s, 'RuntimeError', str(e).split('.')[0][:60])

spu = SubPixelUp(4, 2)
z = torch.randn(2, 4, 5, 6)
print('pixel shuffle', spu(z).shape, F.pixel_unshuffle(spu(z), 2).shape)
print(spu)
ct = nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1)
print('convT output_padding', ct(z).shape, ct(z, output_size=[10, 12]).shape)
try:
    ct(z, output_size=[14, 12])
except ValueError as e:
    print('ValueError:', str(e)[:70])
print('reflect', F.pad(torch.arange(6.).view(1, 1, 2, 3), (2, 2, 1, 1), mode='reflect')[0, 0])
print('replicate', F.pad(torch.arange(6.).view(1, 1, 2, 3), (1, 1, 1, 0), mode='replicate')[0, 0])
print('circular', F.pad(torch.arange(6.).view(1, 1, 2, 3), (1, 1, 0, 0), mode='circular')[0, 0])
try:
    F.pad(torch.arange(6.).view(1, 1, 2, 3), (3, 3, 0, 0), mode='reflect')
except RuntimeError as e:
    print('RuntimeError:', e)

src = torch.arange(16.).view(1, 1, 4, 4)
for mode, kw in [('nearest', {}), ('nearest-exact', {}), ('bilinear', {'align_corners': False}),
                 ('bilinear', {'align_corners': True}), ('bicubic', {'align_corners': False}), ('area', {})]:
    r = F.interpolate(src, size=(6, 5), mode=mode, **kw)
    print(mode, kw, r[0, 0, 1].tolist() if mode in ('nearest', 'nearest-exact') else r[0, 0, 1].round(decimals=4))
print('down area', F.interpolate(src, scale_factor=0.5, mode='area')[0, 0])
print('antialias', F.interpolate(src, size=(2, 2), mode='bilinear', antialias=True)[0, 0])

# training the valid-conv U-Net on a toy segmentation task
torch.manual_seed(2)
net = UNet(batch_norm=True)
imgs = torch.rand(4, 1, 44, 44)
with torch.no_grad():
    out_hw = net(imgs[:1]).shape[2:]
masks = (imgs > 0.5).long()[:, 0]
masks = UNetUpBlock.center_crop(None, masks[:, None], out_hw)[:, 0].clone()
masks[:, 0, :] = 255  # an ignored row
weight = torch.tensor([1.0, 2.0])
optim = torch.optim.Adam(net.parameters(), lr=1e-2)
for epoch in range(5):
    prediction = net(imgs)
    loss = F.cross_entropy(prediction, masks, weight=weight, ignore_index=255)
    optim.zero_grad()
    loss.backward()
    optim.step()
    valid = masks != 255
    acc = (prediction.argmax(1)[valid] == masks[valid]).float().mean()
    print(f'epoch {epoch} loss {loss.item():.5f} acc {acc.item():.4f}')
net.eval()
with torch.no_grad():
    probs = net(imgs).softmax(1)
print('eval probs', probs.shape, probs[:, 1].mean().item() > 0, round(probs.sum(1).mean().item(), 5))
buf = io.BytesIO()
torch.save(net.state_dict(), buf)
buf.seek(0)
n2 = UNet(batch_norm=True)
n2.load_state_dict(torch.load(buf))
n2.eval()
with torch.no_grad():
    print('restored', torch.equal(n2(imgs).softmax(1), probs))
