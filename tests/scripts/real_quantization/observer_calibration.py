"""Post-training calibration with observers, as PTQ write-ups do it before convert: a model with
QuantStub / DeQuantStub, forward hooks feeding MinMaxObserver / MovingAverageMinMaxObserver /
HistogramObserver per layer, per-channel symmetric weight observers, the resulting scales / zero
points, SQNR of the simulated int8 activations, observer state_dict round trips and the errors observers raise."""
import warnings
import torch
import torch.nn as nn
from torch.ao.quantization import (QuantStub, DeQuantStub, MinMaxObserver, MovingAverageMinMaxObserver,
                                   PerChannelMinMaxObserver, HistogramObserver, default_observer,
                                   default_weight_observer)

warnings.filterwarnings("ignore")
torch.manual_seed(3)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.quant = QuantStub()
        self.fc1 = nn.Linear(10, 20)
        self.act = nn.ReLU()
        self.fc2 = nn.Linear(20, 5)
        self.dequant = DeQuantStub()

    def forward(self, x):
        x = self.quant(x)
        x = self.fc2(self.act(self.fc1(x)))
        return self.dequant(x)


model = Net().eval()
print(model)

observers = {name: (MinMaxObserver(), MovingAverageMinMaxObserver(averaging_constant=0.2),
                    HistogramObserver(bins=512, reduce_range=True))
             for name in ["quant", "fc1", "act", "fc2"]}
handles = []
for name, mod in model.named_children():
    if name in observers:
        def hook(m, inp, out, name=name):
            for obs in observers[name]:
                obs(out)
        handles.append(mod.register_forward_hook(hook))

calib = [torch.randn(16, 10) * (1 + i * 0.5) for i in range(6)]
with torch.no_grad():
    for batch in calib:
        model(batch)
for h in handles:
    h.remove()

for name, (mm, ma, hist) in observers.items():
    s1, z1 = mm.calculate_qparams()
    s2, z2 = ma.calculate_qparams()
    print(f"{name:6s} minmax [{mm.min_val.item():.4f}, {mm.max_val.item():.4f}] scale {s1.item():.6f} zp {z1.item():3d} | "
          f"moving avg [{ma.min_val.item():.4f}, {ma.max_val.item():.4f}] scale {s2.item():.6f} zp {z2.item():3d}")
    s3, z3 = hist.calculate_qparams()
    print(f"{'':6s} histogram (L2 search, 7 bits) scale {s3.item():.6f} zp {z3.item():3d}, "
          f"{round(hist.histogram.sum().item())} values in {int((hist.histogram > 0).sum().item())} bins")


def sqnr(x, y):
    return (10 * torch.log10(x.pow(2).mean() / (x - y).pow(2).mean())).item()


test = torch.randn(32, 10) * 2
with torch.no_grad():
    h = model.act(model.fc1(test))
for name, obs in [("minmax", observers["act"][0]), ("moving", observers["act"][1]),
                  ("histogram", observers["act"][2])]:
    s, z = obs.calculate_qparams()
    q = torch.quantize_per_tensor(h, float(s), int(z), torch.quint8)
    print(f"act SQNR with {name} qparams: {sqnr(h, q.dequantize()):.2f} dB, saturated: "
          f"{(q.int_repr() == 255).sum().item()}")

# weight observers: per tensor symmetric vs per channel symmetric
wobs = default_weight_observer()
wobs(model.fc1.weight)
print(wobs, wobs.calculate_qparams(), wobs.dtype, wobs.qscheme)
pc = PerChannelMinMaxObserver(ch_axis=0, dtype=torch.qint8, qscheme=torch.per_channel_symmetric)
pc(model.fc1.weight)
scales, zps = pc.calculate_qparams()
print("per-channel scales[:5]:", scales[:5], zps.dtype, zps.unique().tolist())
qw_t = torch.quantize_per_tensor(model.fc1.weight, float(wobs.calculate_qparams()[0]), 0, torch.qint8)
qw_c = torch.quantize_per_channel(model.fc1.weight, scales.double(), zps.long(), 0, torch.qint8)
print(f"weight SQNR per-tensor {sqnr(model.fc1.weight, qw_t.dequantize()):.2f} dB, "
      f"per-channel {sqnr(model.fc1.weight, qw_c.dequantize()):.2f} dB")

# custom ranges / reduce_range / default_observer partial
for obs in [MinMaxObserver(quant_min=0, quant_max=15), MinMaxObserver(reduce_range=True),
            MinMaxObserver(dtype=torch.qint8, qscheme=torch.per_tensor_symmetric), default_observer(),
            MinMaxObserver(dtype=torch.qint32)]:
    obs(torch.tensor([-0.75, 0.1, 3.2]))
    s, z = obs.calculate_qparams()
    print(f"qmin={obs.quant_min} qmax={obs.quant_max} scale={s.item():.8f} zp={z.item()} {z.dtype}")

# state_dict round trip and reset
mm = observers["fc2"][0]
sd = mm.state_dict()
print({k: v for k, v in sd.items()})
fresh = MinMaxObserver()
fresh.load_state_dict(sd)
print("restored:", fresh, torch.equal(fresh.calculate_qparams()[0], mm.calculate_qparams()[0]))
fresh.reset_min_max_vals()
print("after reset:", fresh)
print("unobserved qparams:", fresh.calculate_qparams())

for name, fn in [("per-channel qscheme", lambda: MinMaxObserver(qscheme=torch.per_channel_affine)),
                 ("range without zero", lambda: MinMaxObserver(quant_min=1, quant_max=10)),
                 ("symmetric quint8 reduce", lambda: MinMaxObserver(qscheme=torch.per_tensor_symmetric,
                                                                    reduce_range=True))]:
    try:
        fn()
        print(name, "ok")
    except Exception as e:
        print(f"{name}: {type(e).__name__}: {' '.join(str(e).split())}")
