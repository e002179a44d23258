"""Dynamic quantization of an MLP regressor the way quickstart posts do it: train in
float, quantize_dynamic with int8 (per-tensor and per-channel qconfigs) and float16, compare outputs
and errors, save the quantized state_dict with torch.save and load it into a freshly quantized model,
inspect packed weights, and use torch.ao.nn.quantized.dynamic.Linear directly."""
import warnings
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.ao.quantization import quantize_dynamic, per_channel_dynamic_qconfig, default_dynamic_qconfig
import torch.ao.nn.quantized.dynamic as nnqd

warnings.filterwarnings("ignore")
torch.manual_seed(7)


def make_model():
    return nn.Sequential(
        nn.Linear(8, 64), nn.ReLU(),
        nn.Sequential(nn.Linear(64, 64), nn.Tanh()),
        nn.Linear(64, 1),
    )


# trained in float64 (a small regression: double is cheap), deployed in float32
X = torch.randn(256, 8, dtype=torch.float64)
true_w = torch.randn(8, 1, dtype=torch.float64)
y = torch.sin(X @ true_w) + 0.1 * X[:, :1] ** 2
model = make_model().double()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for epoch in range(60):
    loss = F.mse_loss(model(X), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if epoch % 20 == 19:
        print(f"epoch {epoch + 1}: mse {loss.item():.5f}")
model = model.float().eval()

q_int8 = quantize_dynamic(model, {nn.Linear}, dtype=torch.qint8)
q_pc = quantize_dynamic(model, {nn.Linear: per_channel_dynamic_qconfig})
q_fp16 = quantize_dynamic(model, {nn.Linear}, dtype=torch.float16)
q_partial = quantize_dynamic(model, {"2.0": default_dynamic_qconfig})
print(q_int8)
print(q_pc[0])
print(q_fp16[0])
print(q_partial)

Xt = torch.randn(64, 8)
yt = (torch.sin(Xt.double() @ true_w) + 0.1 * Xt.double()[:, :1] ** 2).float()
with torch.no_grad():
    ref = model(Xt)
    for name, m in [("int8", q_int8), ("int8 per-channel", q_pc), ("fp16", q_fp16), ("partial", q_partial)]:
        out = m(Xt)
        print(f"{name:17s} test mse {F.mse_loss(out, yt).item():.5f} max|out-float| {(out - ref).abs().max().item():.6f}"
              f" dtype {out.dtype}")
    print("int8 outputs[:4]:", q_int8(Xt[:4]).flatten())

w_t = q_int8[0].weight()
w_c = q_pc[0].weight()
print("per-tensor:", w_t.qscheme(), round(w_t.q_scale(), 8), w_t.q_zero_point())
print("per-channel:", w_c.qscheme(), w_c.q_per_channel_scales()[:4], w_c.q_per_channel_axis())
print("bias is float:", q_int8[0].bias().dtype, q_int8[0].bias()[:3])

sd = q_int8.state_dict()
for k, v in sd.items():
    if isinstance(v, tuple):
        print(k, "-> (weight", tuple(v[0].shape), v[0].dtype, ", bias", None if v[1] is None else tuple(v[1].shape), ")")
    else:
        print(k, "->", v)

torch.save(sd, "q_mlp.pt")
torch.manual_seed(123)
fresh = quantize_dynamic(make_model().eval(), {nn.Linear}, dtype=torch.qint8)
with torch.no_grad():
    print("before load equal:", torch.equal(fresh(Xt), q_int8(Xt)))
loaded = torch.load("q_mlp.pt", weights_only=False)
print(fresh.load_state_dict(loaded))
with torch.no_grad():
    print("after load equal:", torch.equal(fresh(Xt), q_int8(Xt)))
print("loaded weight int_repr equal:", torch.equal(fresh[0].weight().int_repr(), w_t.int_repr()))

# the dynamic module used directly
lin = nnqd.Linear(4, 3)
print(lin)
w = torch.tensor([[0.5, -0.25, 0.1, 0.0], [1.0, 0.3, -0.7, 0.2], [-0.05, 0.6, 0.45, -1.0]])
qw = torch.quantize_per_tensor(w, 1.0 / 127, 0, torch.qint8)
lin.set_weight_bias(qw, torch.tensor([0.1, -0.2, 0.0]))
inp = torch.tensor([[1.0, 2.0, 3.0, 4.0], [-1.0, 0.5, 0.0, 2.0]])
print("direct dynamic linear:", lin(inp))
print("float reference:     ", F.linear(inp, w, torch.tensor([0.1, -0.2, 0.0])))
print("weight():", lin.weight().int_repr())
