"""A tiny segmentation network: an encoder-decoder with strided Conv2d and ConvTranspose2d
(output_padding), a skip connection resized with F.interpolate (bilinear with align_corners both
ways, nearest), Dice + cross-entropy loss built from one_hot + permute, and evaluation by argmax
with a bincount confusion matrix and mIoU."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
N_CLS = 3


def make_batch(n, size=16):
    imgs = torch.zeros(n, 1, size, size)
    masks = torch.zeros(n, size, size, dtype=torch.long)
    for k in range(n):
        r = torch.randint(2, 5, (2,))
        c = torch.randint(4, 12, (4,))
        yy, xx = torch.meshgrid(torch.arange(size), torch.arange(size), indexing='ij')
        disk = (yy - c[0]) ** 2 + (xx - c[1]) ** 2 <= r[0] ** 2
        sq = ((yy - c[2]).abs() <= r[1]) & ((xx - c[3]).abs() <= r[1])
        masks[k][sq] = 2
        masks[k][disk] = 1
        imgs[k, 0] = masks[k].float() * 0.5 + 0.2 * torch.randn(size, size)
    return imgs, masks


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc1 = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU())
        self.enc2 = nn.Sequential(nn.Conv2d(8, 16, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU())
        self.up = nn.ConvTranspose2d(16, 8, 3, stride=2, padding=1, output_padding=1)
        self.dec = nn.Sequential(nn.Conv2d(16, 8, 3, padding=1), nn.ReLU())
        self.head = nn.Conv2d(8, N_CLS, 1)

    def forward(self, x):
        s1 = self.enc1(x)
        s2 = self.enc2(s1)
        u = self.up(s2)
        aux = F.interpolate(s2, size=s1.shape[-2:], mode='bilinear', align_corners=False)
        u = u + aux[:, :8]
        return self.head(self.dec(torch.cat([u, s1], 1)))


def dice_loss(logits, target, eps=1.0):
    probs = logits.softmax(1)
    oh = F.one_hot(target, N_CLS).permute(0, 3, 1, 2).float()
    inter = (probs * oh).sum((0, 2, 3))
    card = probs.sum((0, 2, 3)) + oh.sum((0, 2, 3))
    return 1 - ((2 * inter + eps) / (card + eps)).mean()


def confusion(pred, target, n):
    idx = target.view(-1) * n + pred.view(-1)
    return torch.bincount(idx, minlength=n * n).view(n, n)


x = torch.arange(16.0).view(1, 1, 4, 4)
print('bilinear ac=False', F.interpolate(x, scale_factor=2, mode='bilinear', align_corners=False)[0, 0, 0].tolist())
print('bilinear ac=True', F.interpolate(x, size=(6, 6), mode='bilinear', align_corners=True)[0, 0, 1].round(decimals=4).tolist())
print('nearest', F.interpolate(x, size=(6, 5), mode='nearest')[0, 0, :, 0].tolist())
print('nearest down', F.interpolate(x, scale_factor=0.5, mode='nearest').view(-1).tolist())
print('upsample module', nn.Upsample(scale_factor=2, mode='bilinear', align_corners=True)(x).shape)
ct = nn.ConvTranspose2d(1, 1, 3, stride=2, padding=1, output_padding=1)
print('convT shape', ct(x).shape, ct(x, output_size=[7, 7]).shape)

imgs, masks = make_batch(8)
# a random affine augmentation applied to image and mask alike (grid_sample: bilinear / nearest)
angle = torch.tensor(0.2)
theta = torch.stack([torch.stack([angle.cos(), -angle.sin(), torch.tensor(0.1)]),
                     torch.stack([angle.sin(), angle.cos(), torch.tensor(-0.05)])]).unsqueeze(0).expand(8, 2, 3)
grid = F.affine_grid(theta, list(imgs.shape), align_corners=False)
aug_imgs = F.grid_sample(imgs, grid, mode='bilinear', padding_mode='reflection', align_corners=False)
aug_masks = F.grid_sample(masks.unsqueeze(1).float(), grid, mode='nearest', padding_mode='zeros',
                          align_corners=False).squeeze(1).long()
print('augmented', round(aug_imgs.sum().item(), 3), torch.bincount(aug_masks.view(-1), minlength=N_CLS).tolist())
imgs, masks = torch.cat([imgs, aug_imgs]), torch.cat([masks, aug_masks])
print('padded reflect', F.pad(imgs[:1], (1, 1, 1, 1), mode='reflect').shape)
print('class counts', torch.bincount(masks.view(-1), minlength=N_CLS).tolist())
model = Net()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
weights = torch.tensor([0.5, 1.0, 1.0])
for step in range(12):
    model.train()
    out = model(imgs)
    ce = F.cross_entropy(out, masks, weight=weights)
    dl = dice_loss(out, masks)
    loss = ce + dl
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 3 == 0:
        print(f'step {step} ce {ce.item():.4f} dice {dl.item():.4f}')

model.eval()
vimgs, vmasks = make_batch(4)
with torch.no_grad():
    logits = model(vimgs)
    pred = logits.argmax(1)
cm = confusion(pred, vmasks, N_CLS)
print('confusion', cm.tolist())
inter = cm.diag().float()
union = cm.sum(0).float() + cm.sum(1).float() - inter
iou = inter / union.clamp(min=1)
print('iou', iou.round(decimals=4).tolist(), 'miou', round(iou.mean().item(), 4))
print('pixel acc', round((pred == vmasks).float().mean().item(), 4))
print('ignore_index', round(F.cross_entropy(logits, vmasks.masked_fill(vmasks == 0, 255), ignore_index=255).item(), 4))
up = F.interpolate(logits, scale_factor=2, mode='bilinear', align_corners=False)
print('upsampled pred', up.shape, up.argmax(1).float().mean().round(decimals=3).item())
