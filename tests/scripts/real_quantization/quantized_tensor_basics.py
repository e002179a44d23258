"""Quantized tensors 101, as the PyTorch quantization docs / blog posts walk through them:
affine quantization by hand vs torch.quantize_per_tensor, int_repr / dequantize, per-channel
quantization of a weight matrix, quantization error per dtype, and what quantized tensors refuse."""
import warnings
import torch

warnings.filterwarnings("ignore")
torch.manual_seed(0)


def manual_quantize(x, scale, zero_point, qmin, qmax):
    return torch.clamp(torch.round(x / scale) + zero_point, qmin, qmax).to(torch.int64)


def calc_qparams(x, qmin=0, qmax=255):
    min_val, max_val = x.min().item(), x.max().item()
    min_val, max_val = min(min_val, 0.0), max(max_val, 0.0)
    scale = (max_val - min_val) / (qmax - qmin)
    zero_point = int(round(qmin - min_val / scale))
    zero_point = max(qmin, min(qmax, zero_point))
    return scale, zero_point


x = torch.randn(2, 6) * 3
print("x:", x)
scale, zp = calc_qparams(x)
print(f"scale={scale:.6f} zero_point={zp}")

qx = torch.quantize_per_tensor(x, scale=scale, zero_point=zp, dtype=torch.quint8)
print(qx)
print("dtype:", qx.dtype, "| is_quantized:", qx.is_quantized, "| qscheme:", qx.qscheme())
print("q_scale:", round(qx.q_scale(), 8), "| q_zero_point:", qx.q_zero_point())
print("int_repr:", qx.int_repr())
print("manual == int_repr:", torch.equal(manual_quantize(x, scale, zp, 0, 255), qx.int_repr().long()))
deq = qx.dequantize()
print("dequantized:", deq)
err = (x - deq).abs()
print(f"max abs error {err.max().item():.6f} <= scale/2: {err.max().item() <= scale / 2 + 1e-6}")

# the same tensor in each quantized dtype
for dt, (qmin, qmax) in [(torch.quint8, (0, 255)), (torch.qint8, (-128, 127)), (torch.qint32, (-2**31, 2**31 - 1))]:
    s, z = calc_qparams(x, -128, 127) if dt == torch.qint8 else calc_qparams(x)
    q = torch.quantize_per_tensor(x, s, z, dt)
    mse = ((q.dequantize() - x) ** 2).mean().item()
    print(f"{str(dt):14s} int dtype={q.int_repr().dtype} zero_point={q.q_zero_point():4d} "
          f"mse={mse:.3e} bytes/elem={q.element_size()}")

# saturation: values outside the representable range clamp
big = torch.tensor([-100.0, -1.0, 0.0, 1.0, 100.0])
qb = torch.quantize_per_tensor(big, 0.1, 128, torch.quint8)
print("saturated:", qb.int_repr().tolist(), "->", qb.dequantize().tolist())

# ties round half to even
ties = torch.tensor([0.5, 1.5, 2.5, 3.5, -0.5, -1.5])
print("ties:", torch.quantize_per_tensor(ties, 1.0, 0, torch.qint8).int_repr().tolist())

# per-channel quantization of a weight matrix (one scale per output row)
w = torch.randn(4, 8) * torch.tensor([[0.1], [1.0], [5.0], [0.01]])
row_max = w.abs().amax(dim=1)
scales = (row_max / 127).double()
zero_points = torch.zeros(4, dtype=torch.int64)
qw = torch.quantize_per_channel(w, scales, zero_points, axis=0, dtype=torch.qint8)
print(qw)
print("per-channel scales:", qw.q_per_channel_scales())
print("axis:", qw.q_per_channel_axis(), "zero points:", qw.q_per_channel_zero_points().tolist())
pc_err = (qw.dequantize() - w).abs().amax(dim=1)
pt_scale = w.abs().max().item() / 127
qw_pt = torch.quantize_per_tensor(w, pt_scale, 0, torch.qint8)
pt_err = (qw_pt.dequantize() - w).abs().amax(dim=1)
print("per-channel row errors:", pc_err)
print("per-tensor  row errors:", pt_err)
print("per-channel better on every row:", bool((pc_err <= pt_err + 1e-7).all()))

# views / indexing keep the quantizer
print("row 1:", qx[1])
print("transposed shape:", qx.t().shape, "reshape:", qx.reshape(3, 4).int_repr()[0].tolist())
print("mean (quantized):", qx.mean())
print("type:", type(qx), "size:", qx.size(), "numel:", qx.numel())

# what a quantized tensor refuses
for name, fn in [("q + 1", lambda: qx + 1), ("q.sum()", lambda: qx.sum()), ("q.float()", lambda: qx.float()),
                 ("q.numpy()", lambda: qx.numpy()), ("float int_repr", lambda: x.int_repr()),
                 ("int input", lambda: torch.quantize_per_tensor(torch.arange(4), 0.1, 0, torch.quint8))]:
    try:
        fn()
        print(name, "-> ok")
    except Exception as e:
        print(f"{name} -> {type(e).__name__}: {str(e).splitlines()[0][:90]}")
