"""Training utilities: gradient clipping, early stopping, checkpoint save/load, eval/train switches,
no_grad/inference_mode, parameter vectors."""
import copy
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import clip_grad_norm_, clip_grad_value_, parameters_to_vector, vector_to_parameters

torch.manual_seed(123)
model = nn.Sequential(
    nn.Conv2d(1, 4, 3, bias=False), nn.BatchNorm2d(4), nn.ReLU(), nn.Dropout2d(0.2),
    nn.Flatten(), nn.Linear(4 * 6 * 6, 16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 3),
)
print(model)
X = torch.randn(48, 1, 8, 8)
y = torch.randint(0, 3, (48,))
Xv, yv = torch.randn(16, 1, 8, 8), torch.randint(0, 3, (16,))
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
best_loss, best_state, patience, bad = float('inf'), None, 2, 0
for epoch in range(8):
    model.train()
    print('training?', model.training, model[3].training)
    perm = torch.randperm(48)
    for i in range(0, 48, 12):
        idx = perm[i:i + 12]
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(X[idx]), y[idx])
        loss.backward()
        total_norm = clip_grad_norm_(model.parameters(), max_norm=1.0)
        opt.step()
    print(f'epoch {epoch} train loss {loss.item():.5f} grad norm {total_norm:.4f}', type(total_norm).__name__)
    model.eval()
    with torch.no_grad():
        val_loss = F.cross_entropy(model(Xv), yv).item()
    print(f'  val loss {val_loss:.5f}')
    if val_loss < best_loss - 1e-4:
        best_loss, bad = val_loss, 0
        best_state = copy.deepcopy(model.state_dict())
    else:
        bad += 1
        if bad >= patience:
            print('early stopping at epoch', epoch)
            break
model.load_state_dict(best_state)
print('restored best', round(best_loss, 5))

clip_grad_value_(model.parameters(), clip_value=0.01)
print('max grad after value clip', max(p.grad.abs().max().item() for p in model.parameters()))
print(clip_grad_norm_(model.parameters(), 0.5, norm_type=2.0))
print(clip_grad_norm_(model.parameters(), 0.5, norm_type=float('inf')))
print(torch.nn.utils.get_total_norm([p.grad for p in model.parameters()]) if hasattr(torch.nn.utils, 'get_total_norm') else 'n/a')

vec = parameters_to_vector(model.parameters())
print(vec.shape, vec.dtype, vec[:5])
vector_to_parameters(torch.zeros_like(vec), model.parameters())
print(model[0].weight.sum().item(), model[-1].bias)

ckpt = {'epoch': 5, 'model_state_dict': best_state, 'optimizer_state_dict': opt.state_dict(),
        'loss': best_loss, 'history': [1.0, 0.5], 'note': 'best'}
torch.save(ckpt, 'checkpoint.pth')
loaded = torch.load('checkpoint.pth')
print(sorted(loaded.keys()), loaded['epoch'], loaded['note'], loaded['history'])
model2 = copy.deepcopy(model)
print(model2.load_state_dict(loaded['model_state_dict']))
opt2 = torch.optim.Adam(model2.parameters(), lr=1e-2)
opt2.load_state_dict(loaded['optimizer_state_dict'])
print(opt2.state_dict()['param_groups'][0]['lr'], len(opt2.state_dict()['state']))
print(opt2.state_dict()['state'][0]['step'])
torch.save(model2.state_dict(), 'weights.pt')
sd = torch.load('weights.pt', map_location='cpu', weights_only=True)
print(type(sd).__name__, list(sd)[:4])
print(sd['1.running_var'])
res = model2.load_state_dict({k: v for k, v in sd.items() if not k.startswith('8.')}, strict=False)
print(res.missing_keys, res.unexpected_keys)
try:
    model2.load_state_dict({'bogus': torch.zeros(1)})
except RuntimeError as e:
    print('RuntimeError', str(e).splitlines()[0])
try:
    model2.load_state_dict({**sd, '5.weight': torch.zeros(3, 3)})
except RuntimeError as e:
    print('size mismatch' in str(e))
model2.eval()
with torch.inference_mode():
    out = model2(Xv)
# (ember does not mark tensors made under inference_mode: out.is_inference() is False there, by design)
print(out.requires_grad, torch.is_inference_mode_enabled())
with torch.no_grad():
    z = model2(Xv)
print(z.requires_grad, torch.is_grad_enabled())
with torch.set_grad_enabled(False):
    print(torch.is_grad_enabled())


@torch.no_grad()
def evaluate(m, xs):
    return m(xs).argmax(1)


print(evaluate(model2, Xv), torch.is_grad_enabled())
print(F.cross_entropy(model2(Xv), yv, label_smoothing=0.1).item())
print(F.nll_loss(F.log_softmax(model2(Xv), 1), yv, reduction='sum').item())
print(F.cross_entropy(model2(Xv), yv, weight=torch.tensor([1.0, 2.0, 0.5])).item())
