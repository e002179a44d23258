"""GPU-style batch augmentation written with tensor ops only (kornia / timm style, no torchvision):
random resized crop and rotation via F.affine_grid + grid_sample, colour jitter (brightness,
contrast, saturation, hue via RGB<->HSV), grayscale, mixup / cutmix in-batch with torch.roll and
flip, random erasing with per-pixel noise, horizontal / vertical flips with torch.where masks,
gaussian blur with a separable kernel, normalisation and the inverse."""
import math

import torch
import torch.nn.functional as F

torch.manual_seed(0)
torch.set_printoptions(precision=4, sci_mode=False)
MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)


def random_resized_crop_params(b, scale=(0.08, 1.0), ratio=(3 / 4, 4 / 3)):
    area = torch.empty(b).uniform_(*scale)
    log_ratio = torch.log(torch.tensor(ratio))
    aspect = torch.exp(torch.empty(b).uniform_(log_ratio[0].item(), log_ratio[1].item()))
    w = torch.sqrt(area * aspect).clamp(max=1.0)
    h = torch.sqrt(area / aspect).clamp(max=1.0)
    cx = (torch.rand(b) * 2 - 1) * (1 - w)
    cy = (torch.rand(b) * 2 - 1) * (1 - h)
    return w, h, cx, cy


def random_resized_crop(x, out_size, flip_p=0.5, max_deg=15.0):
    b = x.shape[0]
    w, h, cx, cy = random_resized_crop_params(b)
    ang = (torch.rand(b) * 2 - 1) * math.radians(max_deg)
    flip = torch.where(torch.rand(b) < flip_p, -1.0, 1.0)
    cos, sin = torch.cos(ang), torch.sin(ang)
    theta = torch.stack([torch.stack([w * cos * flip, -h * sin, cx], -1),
                         torch.stack([w * sin * flip, h * cos, cy], -1)], 1)
    grid = F.affine_grid(theta, [b, x.shape[1], *out_size], align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="reflection", align_corners=False), theta


def rgb_to_hsv(img, eps=1e-8):
    r, g, b = img.unbind(1)
    maxc, argmax = img.max(1)
    minc = img.min(1).values
    v = maxc
    delta = maxc - minc
    s = delta / (v + eps)
    deltac = torch.where(delta == 0, torch.ones_like(delta), delta)
    rc, gc, bc = (maxc - r) / deltac, (maxc - g) / deltac, (maxc - b) / deltac
    h = torch.stack([bc - gc, 2.0 + rc - bc, 4.0 + gc - rc], 1)
    h = torch.gather(h, 1, argmax.unsqueeze(1)).squeeze(1)
    h = (h / 6.0) % 1.0
    h = torch.where(delta == 0, torch.zeros_like(h), h)
    return torch.stack([h, s, v], 1)


def hsv_to_rgb(img):
    h, s, v = img.unbind(1)
    i = torch.floor(h * 6.0) % 6
    f = h * 6.0 - torch.floor(h * 6.0)
    p, q, t = v * (1 - s), v * (1 - s * f), v * (1 - s * (1 - f))
    i = i.long()
    r = torch.stack([v, q, p, p, t, v], 1).gather(1, i.unsqueeze(1))
    g = torch.stack([t, v, v, q, p, p], 1).gather(1, i.unsqueeze(1))
    b = torch.stack([p, p, t, v, v, q], 1).gather(1, i.unsqueeze(1))
    return torch.cat([r, g, b], 1)


def grayscale(x):
    return (0.299 * x[:, 0:1] + 0.587 * x[:, 1:2] + 0.114 * x[:, 2:3]).expand_as(x)


def color_jitter(x, brightness=0.4, contrast=0.4, saturation=0.4, hue=0.1):
    b = x.shape[0]
    bf = torch.empty(b, 1, 1, 1).uniform_(1 - brightness, 1 + brightness)
    cf = torch.empty(b, 1, 1, 1).uniform_(1 - contrast, 1 + contrast)
    sf = torch.empty(b, 1, 1, 1).uniform_(1 - saturation, 1 + saturation)
    hf = torch.empty(b, 1, 1).uniform_(-hue, hue)
    x = (x * bf).clamp(0, 1)
    mean = grayscale(x).mean(dim=(1, 2, 3), keepdim=True)
    x = ((x - mean) * cf + mean).clamp(0, 1)
    x = torch.lerp(grayscale(x), x, sf).clamp(0, 1)
    hsv = rgb_to_hsv(x)
    hsv = torch.stack([(hsv[:, 0] + hf) % 1.0, hsv[:, 1], hsv[:, 2]], 1)
    return hsv_to_rgb(hsv).clamp(0, 1)


def mixup(x, y, num_classes, alpha=0.4, smoothing=0.1):
    lam = float(torch.distributions.Beta(alpha, alpha).sample())
    y1 = F.one_hot(y, num_classes).float() * (1 - smoothing) + smoothing / num_classes
    y2 = y1.flip(0)
    return x.mul(lam).add_(x.flip(0).mul_(1 - lam)), y1 * lam + y2 * (1 - lam), lam


def cutmix(x, y, num_classes, alpha=1.0):
    lam = float(torch.distributions.Beta(alpha, alpha).sample())
    h, w = x.shape[-2:]
    cut_rat = math.sqrt(1.0 - lam)
    cut_h, cut_w = int(h * cut_rat), int(w * cut_rat)
    cy, cx = torch.randint(h, (1,)).item(), torch.randint(w, (1,)).item()
    y1, y2 = max(cy - cut_h // 2, 0), min(cy + cut_h // 2, h)
    x1, x2 = max(cx - cut_w // 2, 0), min(cx + cut_w // 2, w)
    x = x.clone()
    x[:, :, y1:y2, x1:x2] = torch.roll(x, shifts=1, dims=0)[:, :, y1:y2, x1:x2]
    lam = 1 - (y2 - y1) * (x2 - x1) / (h * w)
    t = F.one_hot(y, num_classes).float()
    return x, lam * t + (1 - lam) * t.roll(1, 0), (y1, y2, x1, x2), lam


def random_erasing(x, p=0.5, scale=(0.02, 0.33), ratio=(0.3, 3.3), mode="pixel"):
    b, c, h, w = x.shape
    out = x.clone()
    for i in range(b):
        if torch.rand(1).item() >= p:
            continue
        for _ in range(10):
            area = h * w * torch.empty(1).uniform_(*scale).item()
            log_r = (math.log(ratio[0]), math.log(ratio[1]))
            ar = math.exp(torch.empty(1).uniform_(*log_r).item())
            eh, ew = int(round(math.sqrt(area * ar))), int(round(math.sqrt(area / ar)))
            if eh < h and ew < w:
                top = torch.randint(0, h - eh + 1, (1,)).item()
                left = torch.randint(0, w - ew + 1, (1,)).item()
                if mode == "pixel":
                    out[i, :, top:top + eh, left:left + ew] = torch.empty((c, eh, ew)).normal_()
                else:
                    out[i, :, top:top + eh, left:left + ew] = 0
                break
    return out


def gaussian_blur(x, k=5, sigma=1.0):
    ax = torch.arange(k, dtype=x.dtype) - (k - 1) / 2
    g = torch.exp(-0.5 * (ax / sigma) ** 2)
    g = g / g.sum()
    c = x.shape[1]
    x = F.pad(x, (k // 2, k // 2, k // 2, k // 2), mode="reflect")
    x = F.conv2d(x, g.view(1, 1, 1, k).repeat(c, 1, 1, 1), groups=c)
    return F.conv2d(x, g.view(1, 1, k, 1).repeat(c, 1, 1, 1), groups=c)


imgs = torch.rand(4, 3, 12, 12)
labels = torch.tensor([0, 2, 1, 2])

crops, theta = random_resized_crop(imgs, (8, 8))
print("theta:\n", theta)
print("crops:", crops.shape, crops.mean(dim=(1, 2, 3)))
ident = F.affine_grid(torch.eye(2, 3).unsqueeze(0), [1, 3, 12, 12], align_corners=False)
print("identity resample err:", (F.grid_sample(imgs[:1], ident, align_corners=False) - imgs[:1]).abs().max())

hsv = rgb_to_hsv(imgs)
print("hsv range:", hsv.amin(dim=(0, 2, 3)), hsv.amax(dim=(0, 2, 3)))
print("hsv round trip:", (hsv_to_rgb(hsv) - imgs).abs().max() < 1e-5)
jit = color_jitter(imgs)
print("jitter mean/std:", jit.mean().item(), jit.std().item())
print("gray:", grayscale(imgs)[0, :, 0, 0])

mx, my, lam = mixup(imgs, labels, 3)
print("mixup lam %.4f" % lam, my, mx.shape)
cx, cy, box, lam2 = cutmix(imgs, labels, 3)
print("cutmix box", box, "lam %.4f" % lam2, cy)
print("cutmix changed pixels:", (cx != imgs).sum().item())

er = random_erasing(imgs, p=0.75)
print("erased per image:", (er != imgs).sum(dim=(1, 2, 3)))
er0 = random_erasing(imgs, p=1.0, mode="const")
print("const erased:", (er0 == 0).sum(dim=(1, 2, 3)))

hflip = torch.rand(4) < 0.5
flipped = torch.where(hflip[:, None, None, None], imgs.flip(-1), imgs)
print("hflip mask:", hflip, torch.equal(flipped[hflip], imgs[hflip].flip(3)))
print("vflip == rot180 o hflip:", torch.equal(imgs.flip(-2), torch.rot90(imgs, 2, (2, 3)).flip(-1)))
print("rot90 k=1 shape:", torch.rot90(imgs[:, :, :, :5], 1, [2, 3]).shape, torch.rot90(imgs, -1, (2, 3))[0, 0, 0, :3])
shifted = torch.roll(imgs, shifts=(2, -3), dims=(2, 3))
print("roll:", torch.equal(shifted[:, :, 2, 0], imgs[:, :, 0, 3]), torch.roll(torch.arange(6), 2))
print("roll flat:", torch.roll(torch.arange(6).view(2, 3), 1))

blur = gaussian_blur(imgs)
print("blur:", blur.shape, blur.std().item() < imgs.std().item(), blur[0, 0, 0, :4])
norm = (imgs - MEAN) / STD
print("normalized:", norm.mean(dim=(0, 2, 3)), torch.allclose(norm * STD + MEAN, imgs, atol=1e-6))
pad = F.pad(imgs, (2, 2, 2, 2), mode="constant", value=0.5)
i, j = torch.randint(0, 5, (2,)).tolist()
print("pad+crop:", pad.shape, pad[..., i:i + 12, j:j + 12].shape, (i, j))
print("replicate pad:", F.pad(torch.arange(4.).view(1, 1, 2, 2), (1, 1, 0, 1), mode="replicate"))
print("circular pad:", F.pad(torch.arange(4.).view(1, 1, 2, 2), (1, 1, 1, 0), mode="circular"))
try:
    F.pad(torch.arange(4.).view(1, 1, 2, 2), (3, 3, 0, 0), mode="reflect")
except RuntimeError as e:
    print("RuntimeError:", e)
