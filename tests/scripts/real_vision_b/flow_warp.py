"""Optical-flow style warping as unsupervised-flow / video repos write it: a pixel grid from
meshgrid, flow added and normalised to [-1, 1], F.grid_sample (bilinear / nearest / bicubic, all
padding modes, align_corners both ways) with gradients into the image and into the flow, occlusion
masks from warping ones, census-free photometric + edge-aware smoothness losses, a few Adam steps
optimising a flow field directly, and 3-D (volumetric) grid_sample with affine_grid."""
import torch
import torch.nn.functional as F

torch.manual_seed(0)
torch.set_printoptions(precision=4, sci_mode=False)


def coords_grid(b, h, w):
    ys, xs = torch.meshgrid(torch.arange(h, dtype=torch.float32), torch.arange(w, dtype=torch.float32), indexing="ij")
    grid = torch.stack([xs, ys], dim=0)
    return grid[None].repeat(b, 1, 1, 1)


def flow_warp(img, flow, mode="bilinear", padding_mode="zeros", align_corners=True):
    b, _, h, w = img.shape
    vgrid = coords_grid(b, h, w) + flow
    if align_corners:
        gx = 2.0 * vgrid[:, 0] / max(w - 1, 1) - 1.0
        gy = 2.0 * vgrid[:, 1] / max(h - 1, 1) - 1.0
    else:
        gx = (2.0 * vgrid[:, 0] + 1) / w - 1.0
        gy = (2.0 * vgrid[:, 1] + 1) / h - 1.0
    grid = torch.stack((gx, gy), dim=3)
    return F.grid_sample(img, grid, mode=mode, padding_mode=padding_mode, align_corners=align_corners)


def smooth_loss(flow, img, alpha=10.0):
    img_dx = (img[:, :, :, 1:] - img[:, :, :, :-1]).abs().mean(1, keepdim=True)
    img_dy = (img[:, :, 1:, :] - img[:, :, :-1, :]).abs().mean(1, keepdim=True)
    w_x, w_y = torch.exp(-alpha * img_dx), torch.exp(-alpha * img_dy)
    dx = (flow[:, :, :, 1:] - flow[:, :, :, :-1]).abs()
    dy = (flow[:, :, 1:, :] - flow[:, :, :-1, :]).abs()
    return (w_x * dx).mean() + (w_y * dy).mean()


def charbonnier(x, eps=1e-3, q=0.4):
    return ((x ** 2 + eps ** 2) ** q).mean()


b, h, w = 2, 8, 10
img1 = F.avg_pool2d(torch.rand(b, 3, h + 2, w + 2), 3, stride=1)
true_flow = torch.zeros(b, 2, h, w)
true_flow[:, 0] = 1.0
true_flow[1, 1] = -0.5
img2 = flow_warp(img1, true_flow, padding_mode="border")
print("img2:", img2.shape, img2[0, 0, 0, :5])
print("zero flow is identity:", torch.allclose(flow_warp(img1, torch.zeros(b, 2, h, w)), img1, atol=1e-6))
print("integer shift == roll (interior):", torch.allclose(flow_warp(img1, true_flow)[0, :, :, :-1], img1[0, :, :, 1:],
                                                           atol=1e-6))

for mode in ("bilinear", "nearest", "bicubic"):
    for pad in ("zeros", "border", "reflection"):
        for ac in (True, False):
            out = flow_warp(img1, true_flow * 1.3 + 0.25, mode=mode, padding_mode=pad, align_corners=ac)
            print(f"{mode:8s} {pad:10s} ac={ac!s:5s} sum={out.sum().item():.4f} corner={out[1, 2, -1, -1].item():.4f}")

# occlusion mask: warp a field of ones
ones = torch.ones(b, 1, h, w)
mask = flow_warp(ones, true_flow * 2.5)
print("valid mask:", mask[0, 0, 0], (mask > 0.9999).float().mean().item())

# gradients into the image and the flow
img_src = img1.clone().requires_grad_(True)
flow = (true_flow * 0.7).clone().requires_grad_(True)
warped = flow_warp(img_src, flow)
loss = charbonnier(warped - img2) + 0.1 * smooth_loss(flow, img1)
loss.backward()
print("loss:", loss.item())
print("img grad:", img_src.grad.abs().sum().item(), img_src.grad[0, 0, 0, :4])
print("flow grad:", flow.grad.abs().sum().item(), flow.grad[0, :, 3, 3])
for mode in ("bilinear", "bicubic", "nearest"):
    f = (true_flow * 0.5 + 0.3).requires_grad_(True)
    flow_warp(img1, f, mode=mode, padding_mode="border").pow(2).sum().backward()
    print(f"{mode} grad wrt flow:", f.grad.abs().sum().item())

# optimise a flow field directly
flow = torch.zeros(b, 2, h, w, requires_grad=True)
opt = torch.optim.SGD([flow], lr=20.0, momentum=0.5)
for it in range(6):
    warped = flow_warp(img1, flow, padding_mode="border")
    photo = charbonnier(warped - img2)
    sm = smooth_loss(flow, img1)
    loss = photo + 0.05 * sm
    opt.zero_grad()
    loss.backward()
    opt.step()
    epe = (flow.detach() - true_flow).norm(dim=1).mean()
    print(f"it {it}: photo {photo.item():.5f} smooth {sm.item():.5f} epe {epe.item():.4f}")

# backward warping consistency (forward-backward check)
fw = true_flow
bw = -flow_warp(true_flow, -true_flow)
fb = fw + flow_warp(bw, fw)
print("fb consistency max:", fb.abs().max().item())

# 3-D: volumetric affine warp
vol = torch.arange(2 * 3 * 4 * 5, dtype=torch.float32).view(1, 2, 3, 4, 5)
theta = torch.tensor([[[1.0, 0.0, 0.0, 0.1], [0.0, 0.9, 0.1, 0.0], [0.0, 0.0, 1.0, -0.2]]])
grid3 = F.affine_grid(theta, (1, 2, 2, 3, 4), align_corners=False)
print("grid3:", grid3.shape, grid3[0, 1, 2])
out3 = F.grid_sample(vol, grid3, align_corners=False)
print("vol warp:", out3.shape, out3[0, 1, 0])
print("vol nearest:", F.grid_sample(vol, grid3, mode="nearest", padding_mode="border", align_corners=True)[0, 0, 1])
th = theta.clone().requires_grad_(True)
F.grid_sample(vol, F.affine_grid(th, (1, 2, 2, 3, 4), align_corners=False), align_corners=False).mean().backward()
print("theta grad:", th.grad.masked_fill(th.grad.abs() < 1e-4, 0.0))     # (a summation-order +-0.0 zeroed)

for fn in [lambda: F.grid_sample(img1, torch.zeros(b, h, w, 3), align_corners=False),
           lambda: F.grid_sample(img1, torch.zeros(b, h, w, 2), mode="area", align_corners=False),
           lambda: F.grid_sample(vol, torch.zeros(1, 2, 2, 2, 3), mode="bicubic", align_corners=False),
           lambda: F.affine_grid(torch.zeros(1, 2, 3), (1, 2, 3, 4, 5), align_corners=False)]:
    try:
        fn()
    except (RuntimeError, ValueError) as e:
        print(type(e).__name__ + ":", str(e).split("\n")[0])
