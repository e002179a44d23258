"""Single-image super-resolution the way SR repos write it: ESPCN with nn.PixelShuffle, an
EDSR-style residual body with MeanShift, PixelUnshuffle space-to-depth, ICNR initialisation, a
perceptual-style loss with gram matrices from a small frozen feature net, PSNR / SSIM with a Gaussian
window through grouped F.conv2d, total-variation loss, and a few Adam steps with a MultiStepLR."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
torch.set_printoptions(precision=4, sci_mode=False)


class MeanShift(nn.Conv2d):
    def __init__(self, rgb_range, rgb_mean=(0.4488, 0.4371, 0.4040), rgb_std=(1.0, 1.0, 1.0), sign=-1):
        super().__init__(3, 3, kernel_size=1)
        std = torch.Tensor(rgb_std)
        self.weight.data = torch.eye(3).view(3, 3, 1, 1) / std.view(3, 1, 1, 1)
        self.bias.data = sign * rgb_range * torch.Tensor(rgb_mean) / std
        for p in self.parameters():
            p.requires_grad = False


class ResBlock(nn.Module):
    def __init__(self, n_feats, kernel_size, res_scale=0.1):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(n_feats, n_feats, kernel_size, padding=kernel_size // 2), nn.ReLU(True),
                                  nn.Conv2d(n_feats, n_feats, kernel_size, padding=kernel_size // 2))
        self.res_scale = res_scale

    def forward(self, x):
        return self.body(x).mul(self.res_scale) + x


class Upsampler(nn.Sequential):
    def __init__(self, scale, n_feats):
        m = []
        if (scale & (scale - 1)) == 0:
            for _ in range(int(math.log(scale, 2))):
                m.append(nn.Conv2d(n_feats, 4 * n_feats, 3, padding=1))
                m.append(nn.PixelShuffle(2))
        elif scale == 3:
            m.append(nn.Conv2d(n_feats, 9 * n_feats, 3, padding=1))
            m.append(nn.PixelShuffle(3))
        else:
            raise NotImplementedError
        super().__init__(*m)


class EDSR(nn.Module):
    def __init__(self, n_resblocks=2, n_feats=8, scale=2):
        super().__init__()
        self.sub_mean = MeanShift(1.0)
        self.add_mean = MeanShift(1.0, sign=1)
        self.head = nn.Conv2d(3, n_feats, 3, padding=1)
        self.body = nn.Sequential(*[ResBlock(n_feats, 3) for _ in range(n_resblocks)],
                                  nn.Conv2d(n_feats, n_feats, 3, padding=1))
        self.tail = nn.Sequential(Upsampler(scale, n_feats), nn.Conv2d(n_feats, 3, 3, padding=1))

    def forward(self, x):
        x = self.sub_mean(x)
        x = self.head(x)
        res = self.body(x)
        res += x
        x = self.tail(res)
        return self.add_mean(x)


class ESPCN(nn.Module):
    def __init__(self, scale=3, ch=1):
        super().__init__()
        self.feat = nn.Sequential(nn.Conv2d(ch, 16, 5, padding=2), nn.Tanh(), nn.Conv2d(16, 8, 3, padding=1), nn.Tanh())
        self.sub = nn.Sequential(nn.Conv2d(8, ch * scale ** 2, 3, padding=1), nn.PixelShuffle(scale))

    def forward(self, x):
        return torch.sigmoid(self.sub(self.feat(x)))


def icnr_(w, scale=2, init=nn.init.kaiming_normal_):
    ni, nf, h, wd = w.shape
    ni2 = int(ni / (scale ** 2))
    k = init(w.new_zeros([ni2, nf, h, wd])).transpose(0, 1)
    k = k.contiguous().view(ni2, nf, -1)
    k = k.repeat(1, 1, scale ** 2)
    return k.contiguous().view([nf, ni, h, wd]).transpose(0, 1)


def gram_matrix(y):
    b, ch, h, w = y.size()
    features = y.view(b, ch, w * h)
    features_t = features.transpose(1, 2)
    return features.bmm(features_t) / (ch * h * w)


def gaussian_window(size, sigma, channels):
    coords = torch.arange(size, dtype=torch.float32) - size // 2
    g = torch.exp(-(coords ** 2) / (2 * sigma ** 2))
    g = (g / g.sum()).unsqueeze(1)
    w2 = g.mm(g.t()).float().unsqueeze(0).unsqueeze(0)
    return w2.expand(channels, 1, size, size).contiguous()


def ssim(img1, img2, window_size=5, size_average=True):
    c = img1.size(1)
    window = gaussian_window(window_size, 1.5, c)
    mu1 = F.conv2d(img1, window, padding=window_size // 2, groups=c)
    mu2 = F.conv2d(img2, window, padding=window_size // 2, groups=c)
    mu1_sq, mu2_sq, mu1_mu2 = mu1.pow(2), mu2.pow(2), mu1 * mu2
    sigma1_sq = F.conv2d(img1 * img1, window, padding=window_size // 2, groups=c) - mu1_sq
    sigma2_sq = F.conv2d(img2 * img2, window, padding=window_size // 2, groups=c) - mu2_sq
    sigma12 = F.conv2d(img1 * img2, window, padding=window_size // 2, groups=c) - mu1_mu2
    C1, C2 = 0.01 ** 2, 0.03 ** 2
    ssim_map = ((2 * mu1_mu2 + C1) * (2 * sigma12 + C2)) / ((mu1_sq + mu2_sq + C1) * (sigma1_sq + sigma2_sq + C2))
    return ssim_map.mean() if size_average else ssim_map.mean(1).mean(1).mean(1)


def psnr(sr, hr, rgb_range=1.0):
    mse = (sr - hr).pow(2).mean(dim=(1, 2, 3))
    return 10 * torch.log10(rgb_range ** 2 / mse)


def tv_loss(x):
    dh = torch.abs(x[:, :, 1:, :] - x[:, :, :-1, :]).mean()
    dw = torch.abs(x[:, :, :, 1:] - x[:, :, :, :-1]).mean()
    return dh + dw


# pixel shuffle round trips and layouts
x = torch.arange(2 * 8 * 2 * 2, dtype=torch.float32).view(2, 8, 2, 2)
ps = nn.PixelShuffle(2)
pu = nn.PixelUnshuffle(2)
print(ps, pu)
y = ps(x)
print("shuffle:", y.shape, y[0, 0])
print("unshuffle back:", torch.equal(pu(y), x), F.pixel_unshuffle(y, 2).shape)
print("unshuffle 3:", F.pixel_unshuffle(torch.arange(36.).view(1, 1, 6, 6), 3)[0, :, 0, 0])
print("long dtype:", F.pixel_shuffle(torch.arange(16).view(1, 4, 2, 2), 2).dtype)
print("batched dims:", F.pixel_shuffle(torch.randn(2, 3, 4, 5, 6), 2).shape)
try:
    F.pixel_shuffle(torch.randn(1, 6, 2, 2), 2)
except RuntimeError as e:
    print("RuntimeError:", e)
try:
    F.pixel_unshuffle(torch.randn(1, 1, 5, 4), 2)
except RuntimeError as e:
    print("RuntimeError:", e)

# ICNR: after shuffle, each block of the output starts as a copy (no checkerboard)
conv = nn.Conv2d(4, 4 * 4, 3, padding=1)
conv.weight.data.copy_(icnr_(conv.weight, scale=2))
nn.init.zeros_(conv.bias)
out = F.pixel_shuffle(conv(torch.randn(1, 4, 3, 3)), 2)
print("icnr checkerboard-free:", torch.allclose(out[..., ::2, ::2], out[..., 1::2, 1::2]))

edsr = EDSR(scale=2)
print(edsr.tail)
print("trainable:", sum(p.numel() for p in edsr.parameters() if p.requires_grad),
      "frozen:", sum(p.numel() for p in edsr.parameters() if not p.requires_grad))
hr = torch.rand(2, 3, 16, 16)
lr = F.interpolate(hr, scale_factor=0.5, mode="bicubic", align_corners=False, antialias=True).clamp(0, 1)
print("lr:", lr.shape, "bicubic psnr:", psnr(F.interpolate(lr, scale_factor=2, mode="bicubic").clamp(0, 1), hr))

# frozen "perceptual" extractor
features = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(8, 8, 3, padding=1), nn.ReLU())
features.requires_grad_(False).eval()
style_grams = [gram_matrix(f) for f in (features[:2](hr), features(hr))]
print("gram shapes:", [tuple(g.shape) for g in style_grams], "symmetric:",
      torch.allclose(style_grams[0], style_grams[0].transpose(1, 2)))

opt = torch.optim.Adam(filter(lambda p: p.requires_grad, edsr.parameters()), lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
sched = torch.optim.lr_scheduler.MultiStepLR(opt, milestones=[2, 4], gamma=0.5)
l1 = nn.L1Loss()
for it in range(5):
    sr = edsr(lr)
    content = F.mse_loss(features(sr), features(hr))
    style = sum(F.mse_loss(gram_matrix(f), g) for f, g in zip((features[:2](sr), features(sr)), style_grams))
    loss = l1(sr, hr) + 0.1 * content + 10.0 * style + 1e-3 * tv_loss(sr)
    opt.zero_grad()
    loss.backward()
    opt.step()
    sched.step()
    with torch.no_grad():
        print(f"it {it}: loss {loss.item():.5f} psnr {psnr(sr.clamp(0, 1), hr).mean():.3f} "
              f"ssim {ssim(sr.clamp(0, 1), hr):.4f} lr {opt.param_groups[0]['lr']}")
print("features grad:", features[0].weight.grad)

espcn = ESPCN(scale=3)
y_lr = torch.rand(1, 1, 5, 5)
y_sr = espcn(y_lr)
print("espcn:", y_sr.shape, y_sr.mean().item())
print("ssim per image:", ssim(hr, hr.flip(-1), size_average=False))
