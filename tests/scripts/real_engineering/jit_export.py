"""Exporting a trained model as deployment tutorials do: torch.jit.script / torch.jit.trace, printing the
scripted modules, saving with .save / torch.jit.save, loading back with torch.jit.load (extra files),
comparing outputs with the eager model, freezing and optimize_for_inference, scripted functions."""
import os
import warnings

import torch
import torch.nn as nn
import torch.nn.functional as F

warnings.simplefilter('ignore')
torch.manual_seed(0)


class Classifier(nn.Module):
    def __init__(self, n_in=8, hidden=16, n_cls=3):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(n_in, hidden), nn.BatchNorm1d(hidden), nn.ReLU(), nn.Dropout(0.2))
        self.head = nn.Linear(hidden, n_cls)
        self.scale = 2.0

    def forward(self, x):
        return self.head(self.body(x)) * self.scale

    @torch.jit.export
    def predict(self, x):
        return F.softmax(self.forward(x), dim=-1).argmax(dim=-1)


model = Classifier()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
x = torch.randn(32, 8)
y = (x[:, 0] > 0).long() + (x[:, 1] > 0.5).long()
for step in range(20):
    opt.zero_grad()
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
print('final loss', round(loss.item(), 4))
model.eval()

scripted = torch.jit.script(model)
print(scripted)
print('type', type(scripted).__name__, 'original', scripted.original_name, scripted.body.original_name)
print('is ScriptModule', isinstance(scripted, torch.jit.ScriptModule), 'is Module', isinstance(scripted, nn.Module))
print('training', scripted.training, scripted.body.training)
print('scale', scripted.scale)
with torch.no_grad():
    ref = model(x[:5])
    out = scripted(x[:5])
print('scripted == eager', torch.allclose(ref, out), out.shape)
print('predict', scripted.predict(x[:8]).tolist())
print('params', [n for n, _ in scripted.named_parameters()])
print('buffers', [n for n, _ in scripted.named_buffers()])

scripted.save('classifier_scripted.pt')
torch.jit.save(scripted, 'classifier_extra.pt', _extra_files={'labels.txt': 'neg,mid,pos'})
print(sorted(f for f in os.listdir('.') if f.endswith('.pt')))
loaded = torch.jit.load('classifier_scripted.pt')
print('loaded', type(loaded).__name__, loaded.training)
with torch.no_grad():
    print('loaded == eager', torch.allclose(loaded(x[:5]), ref))
extra = {'labels.txt': ''}
loaded2 = torch.jit.load('classifier_extra.pt', map_location='cpu', _extra_files=extra)
print('extra files', extra)
print(loaded2)

# tracing
example = torch.randn(4, 8)
traced_body = torch.jit.trace(model.body, example)
print(traced_body)
print('traced type', type(traced_body).__name__)
with torch.no_grad():
    print('traced body == eager', torch.allclose(traced_body(x), model.body(x)))


def normalize(v, eps: float = 1e-6):
    return (v - v.mean(dim=0)) / (v.std(dim=0) + eps)


s_norm = torch.jit.script(normalize)
t_norm = torch.jit.trace(normalize, (example,))
print(type(s_norm).__name__, s_norm.name, type(t_norm).__name__, t_norm.name)
print('norm', torch.allclose(s_norm(x), normalize(x)), torch.allclose(t_norm(x), normalize(x)))

# freezing for inference
try:
    torch.jit.freeze(model)
except RuntimeError as e:
    print('RuntimeError:', e)
frozen = torch.jit.freeze(torch.jit.script(model).eval())
print(frozen)
print('frozen params', list(frozen.parameters()), 'state', list(frozen.state_dict()))
with torch.no_grad():
    fo = frozen(x[:5])
print('frozen == eager', torch.allclose(fo, ref), fo.requires_grad)
opt_model = torch.jit.optimize_for_inference(torch.jit.script(model))
print(type(opt_model).__name__, torch.allclose(opt_model(x[:5]), ref))
# scripting leaves the original module alone
scripted.train()
print('after scripted.train():', scripted.training, model.training)
