"""Data augmentation written with tensor ops: flips, random crops, normalisation, cutout, mixup."""
import torch
import torch.nn.functional as F

torch.manual_seed(42)
imgs = torch.rand(6, 3, 8, 8)
mean = imgs.mean(dim=(0, 2, 3))
std = imgs.std(dim=(0, 2, 3))
print('mean', mean)
print('std', std)
normed = (imgs - mean[None, :, None, None]) / std[None, :, None, None]
print(abs(normed.mean().item()) < 1e-6, round(normed.std().item(), 4))
print(normed.mean(dim=[0, 2, 3]).abs().max() < 1e-6, normed.std(dim=[0, 2, 3]))


def random_hflip(x, p=0.5):
    flip = torch.rand(x.size(0)) < p
    x = x.clone()
    x[flip] = x[flip].flip(-1)
    return x, flip


def random_crop(x, size, padding):
    x = F.pad(x, (padding,) * 4, mode='reflect')
    n, c, h, w = x.shape
    out = torch.empty(n, c, size, size)
    for i in range(n):
        top = torch.randint(0, h - size + 1, (1,)).item()
        left = torch.randint(0, w - size + 1, (1,)).item()
        out[i] = x[i, :, top:top + size, left:left + size]
    return out


def cutout(x, length):
    n, c, h, w = x.shape
    mask = torch.ones(n, 1, h, w)
    ys = torch.randint(h, (n,))
    xs = torch.randint(w, (n,))
    for i in range(n):
        y1, y2 = max(ys[i] - length // 2, 0), min(ys[i] + length // 2, h)
        x1, x2 = max(xs[i] - length // 2, 0), min(xs[i] + length // 2, w)
        mask[i, :, y1:y2, x1:x2] = 0.
    return x * mask


flipped, which = random_hflip(imgs)
print('flipped', which)
print(flipped[which][0, 0, 0] if which.any() else None)
cropped = random_crop(imgs, 8, 2)
print(cropped.shape, cropped[0, 0, :2])
cut = cutout(imgs, 4)
print('cutout zeros', (cut == 0).sum().item())
print(F.pad(imgs[:1, :1, :3, :3], (1, 1, 1, 1), mode='replicate'))
print(F.pad(imgs[:1, :1, :3, :3], (1, 1), mode='circular') if False else F.pad(imgs[:1, :1, :3, :3], (1, 1, 1, 1), value=-1.0))

# mixup
lam = torch.distributions.Beta(torch.tensor(0.4), torch.tensor(0.4)).sample() if False else 0.3
perm = torch.randperm(imgs.size(0))
print('perm', perm)
mixed = lam * imgs + (1 - lam) * imgs[perm]
print(mixed[0, 0, 0])
labels = torch.tensor([0, 1, 2, 0, 1, 2])
onehot = F.one_hot(labels, num_classes=3).float()
print(onehot)
print(lam * onehot + (1 - lam) * onehot[perm])

# rotations, transposes, colour jitter
print(torch.rot90(imgs[0, 0, :3, :3], 1, [0, 1]))
print(imgs[0, 0, :3, :3].transpose(0, 1).flip(0))
bright = (imgs * (1 + 0.2 * (torch.rand(6, 1, 1, 1) - 0.5))).clamp(0, 1)
print(bright[1, :, 0, 0])
gray = (0.299 * imgs[:, 0] + 0.587 * imgs[:, 1] + 0.114 * imgs[:, 2]).unsqueeze(1)
print(gray.shape, gray[0, 0, 0])
print(gray.expand(-1, 3, -1, -1).shape, gray.repeat(1, 3, 1, 1).is_contiguous())
# uint8 images
u8 = (imgs * 255).to(torch.uint8)
print(u8[0, :, 0, :4])
print(u8.dtype, u8.float().div(255).sub(0.5).div(0.5)[0, 0, 0, :3])
hwc = u8.permute(0, 2, 3, 1)
print(hwc.shape, hwc.is_contiguous(), hwc.contiguous().stride())
print(torch.stack([imgs[0], imgs[1]]).shape, torch.chunk(imgs, 3, dim=0)[1].shape)
grid = F.affine_grid(torch.tensor([[[1.0, 0.0, 0.1], [0.0, 1.0, -0.1]]]), (1, 1, 4, 4), align_corners=False)
print(grid[0, 0])
print(F.grid_sample(imgs[:1, :1, :4, :4], grid, align_corners=False))
# torchvision-style Resize / CenterCrop written with interpolate (antialias, as torchvision's default)
resized = F.interpolate(imgs, size=(5, 6), mode='bilinear', align_corners=False, antialias=True)
print(resized.shape, resized[0, 0])
big = F.interpolate(imgs, scale_factor=1.5, mode='bicubic', align_corners=False).clamp(0, 1)
top, left = (big.shape[-2] - 8) // 2, (big.shape[-1] - 8) // 2
print(big[..., top:top + 8, left:left + 8].shape, big[0, 1, 0, :4])
print(torch.linspace(-1, 1, 5), torch.meshgrid(torch.arange(2), torch.arange(3), indexing='ij')[1])
