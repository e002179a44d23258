"""Patches the way vision code cuts and stitches them: F.unfold / F.fold (im2col) with kernel,
stride, padding and dilation, conv2d written as unfold + matmul, overlapping-tile inference stitched
back with fold and a fold(ones) divisor, Tensor.unfold sliding windows (local means, median filter),
non-overlapping patchify / unpatchify with reshape+permute and einops-style einsum, MAE-style random
masking with argsort / gather, and the errors fold / unfold raise."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
torch.set_printoptions(precision=4, sci_mode=False)

x = torch.arange(2 * 3 * 5 * 6, dtype=torch.float32).view(2, 3, 5, 6)
for cfg in [dict(kernel_size=2), dict(kernel_size=(2, 3), stride=(1, 3)), dict(kernel_size=3, padding=1),
            dict(kernel_size=2, dilation=2, stride=2), dict(kernel_size=(1, 2), stride=2, padding=(1, 0))]:
    cols = F.unfold(x, **cfg)
    print(cfg, "->", tuple(cols.shape), cols[0, :4, 0].tolist(), cols.sum().item())
unf = nn.Unfold(kernel_size=2, stride=2)
print(unf, nn.Fold(output_size=(4, 6), kernel_size=2, stride=2))
print("unfold 3d input:", F.unfold(x[0], 2).shape)

# conv2d as unfold + matmul
w = torch.randn(4, 3, 3, 3)
b = torch.randn(4)
inp = torch.randn(2, 3, 7, 7)
cols = F.unfold(inp, 3, padding=1, stride=2)
out = (w.view(4, -1) @ cols + b.view(1, -1, 1)).view(2, 4, 4, 4)
print("unfold conv == conv2d:", torch.allclose(out, F.conv2d(inp, w, b, stride=2, padding=1), atol=1e-5))
cols_t = cols.transpose(1, 2)
print("linear form:", torch.allclose(cols_t.matmul(w.view(4, -1).t()).transpose(1, 2).reshape(2, 4, 4, 4) +
                                     b.view(1, 4, 1, 1), out, atol=1e-5))

# fold: inverse for non-overlapping, sums for overlapping
img = torch.randn(1, 2, 6, 8)
p = F.unfold(img, kernel_size=2, stride=2)
print("fold(unfold) exact:", torch.equal(F.fold(p, (6, 8), 2, stride=2), img))
p = F.unfold(img, kernel_size=3, stride=1, padding=1)
ones = torch.ones_like(img)
divisor = F.fold(F.unfold(ones, 3, padding=1), (6, 8), 3, padding=1)
print("divisor:\n", divisor[0, 0])
print("overlap average recovers:", torch.allclose(F.fold(p, (6, 8), 3, padding=1) / divisor, img, atol=1e-6))


# tiled inference: overlapping tiles through a model, stitched with fold
def tiled_forward(model, image, tile=4, stride=2):
    n, c, h, w = image.shape
    patches = F.unfold(image, tile, stride=stride)                     # (n, c*t*t, L)
    L = patches.shape[-1]
    tiles = patches.transpose(1, 2).reshape(n * L, c, tile, tile)
    out = model(tiles)
    oc = out.shape[1]
    out = out.reshape(n, L, oc * tile * tile).transpose(1, 2)
    summed = F.fold(out, (h, w), tile, stride=stride)
    count = F.fold(torch.ones_like(out), (h, w), tile, stride=stride)
    return summed / count


net = nn.Sequential(nn.Conv2d(2, 3, 1), nn.Tanh())
full = net(img)
tiled = tiled_forward(net, img)
print("tiled == full (pointwise net):", torch.allclose(full, tiled, atol=1e-6), tiled.shape)

# Tensor.unfold sliding windows
sig = torch.arange(10.0)
print("1d windows:", sig.unfold(0, 4, 3))
print("local mean:", sig.unfold(0, 3, 1).mean(-1))
noisy = torch.randn(1, 1, 6, 6)
noisy[0, 0, 2, 3] = 10.0
padded = F.pad(noisy, (1, 1, 1, 1), mode="reflect")
win = padded.unfold(2, 3, 1).unfold(3, 3, 1)
print("window shape:", win.shape, win.stride())
median = win.contiguous().view(*win.shape[:4], -1).median(dim=-1).values
print("median filtered peak:", median[0, 0, 2, 3].item(), noisy[0, 0, 2, 3].item())
print("max filter == max_pool:", torch.equal(win.amax(dim=(-1, -2)), F.max_pool2d(padded, 3, 1)))
print("step>size:", torch.arange(12.).view(3, 4).unfold(1, 2, 3))


# patchify / unpatchify (MAE)
def patchify(imgs, p):
    h = w = imgs.shape[2] // p
    x = imgs.reshape(imgs.shape[0], 3, h, p, w, p)
    x = torch.einsum("nchpwq->nhwpqc", x)
    return x.reshape(imgs.shape[0], h * w, p ** 2 * 3)


def unpatchify(x, p):
    h = w = int(x.shape[1] ** 0.5)
    x = x.reshape(x.shape[0], h, w, p, p, 3)
    x = torch.einsum("nhwpqc->nchpwq", x)
    return x.reshape(x.shape[0], 3, h * p, h * p)


def random_masking(x, mask_ratio):
    N, L, D = x.shape
    len_keep = int(L * (1 - mask_ratio))
    noise = torch.rand(N, L)
    ids_shuffle = torch.argsort(noise, dim=1)
    ids_restore = torch.argsort(ids_shuffle, dim=1)
    ids_keep = ids_shuffle[:, :len_keep]
    x_masked = torch.gather(x, dim=1, index=ids_keep.unsqueeze(-1).repeat(1, 1, D))
    mask = torch.ones([N, L])
    mask[:, :len_keep] = 0
    mask = torch.gather(mask, dim=1, index=ids_restore)
    return x_masked, mask, ids_restore


imgs = torch.randn(2, 3, 8, 8)
pt = patchify(imgs, 4)
print("patchify:", pt.shape, torch.equal(unpatchify(pt, 4), imgs))
alt = F.unfold(imgs, 4, stride=4).transpose(1, 2)
print("unfold order differs (c first):", alt.shape, torch.equal(alt, pt),
      torch.equal(alt.reshape(2, 4, 3, 16).transpose(2, 3).reshape(2, 4, 48), pt))
tokens = torch.randn(2, 16, 5)
xm, mask, restore = random_masking(tokens, 0.75)
print("masked:", xm.shape, mask, restore[0])
target = patchify(torch.randn(2, 3, 16, 16), 4)
pred = target + 0.1 * torch.randn_like(target)
mean, var = target.mean(dim=-1, keepdim=True), target.var(dim=-1, keepdim=True)
loss = (((pred - (target - mean) / (var + 1e-6) ** 0.5) ** 2).mean(dim=-1) * mask).sum() / mask.sum()
print("mae loss:", loss.item())

# gradient of unfold is fold
t = torch.randn(1, 1, 4, 4, requires_grad=True)
F.unfold(t, 2, stride=1).sum().backward()
print("unfold grad (window counts):\n", t.grad[0, 0])
c = torch.randn(1, 4, 9, requires_grad=True)
F.fold(c, (4, 4), 2).pow(2).sum().backward()
print("fold grad shape:", c.grad.shape, c.grad_fn if hasattr(c, "grad_fn") else None)

for fn in [lambda: F.fold(torch.randn(1, 5, 9), (4, 4), 2), lambda: F.fold(torch.randn(1, 4, 8), (4, 4), 2),
           lambda: F.unfold(torch.randn(2, 3, 5), 6), lambda: F.unfold(torch.randn(5, 5), 2),
           lambda: torch.arange(5.).unfold(0, 6, 1), lambda: torch.arange(5.).unfold(0, 2, 0)]:
    try:
        fn()
    except (RuntimeError, IndexError) as e:
        print(type(e).__name__ + ":", str(e).split("\n")[0])
