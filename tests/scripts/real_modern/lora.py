"""LoRA fine-tuning (Hu et al.) written by hand the way PEFT-less repos do: a LoRALinear wrapping
a frozen nn.Linear with low-rank A/B parameters (kaiming_uniform_ A, zero B), scaling alpha/r,
injecting adapters by walking named_modules and setattr, freezing everything else with
requires_grad_(False), counting trainable parameters, training, merging B@A into the base weight,
saving only the adapter state_dict by filtering names, loading it with strict=False and reading
the missing/unexpected keys of the result."""
import io
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(21)


class LoRALinear(nn.Module):
    def __init__(self, base: nn.Linear, r=4, alpha=8, dropout=0.0):
        super().__init__()
        self.base = base
        self.r, self.alpha = r, alpha
        self.scaling = alpha / r
        self.lora_A = nn.Parameter(torch.empty(r, base.in_features))
        self.lora_B = nn.Parameter(torch.zeros(base.out_features, r))
        nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.merged = False

    def forward(self, x):
        out = self.base(x)
        if not self.merged:
            out = out + (self.dropout(x) @ self.lora_A.T @ self.lora_B.T) * self.scaling
        return out

    @torch.no_grad()
    def merge(self):
        if not self.merged:
            self.base.weight.data += (self.lora_B @ self.lora_A) * self.scaling
            self.merged = True

    def extra_repr(self):
        return f'r={self.r}, alpha={self.alpha}, merged={self.merged}'


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(20, 16)
        self.fc1 = nn.Linear(16, 32)
        self.fc2 = nn.Linear(32, 32)
        self.head = nn.Linear(32, 3)
        self.norm = nn.LayerNorm(32)

    def forward(self, tok):
        h = self.embed(tok).mean(1)
        h = F.gelu(self.fc1(h))
        h = self.norm(F.gelu(self.fc2(h)))
        return self.head(h)


def inject_lora(model, targets=('fc1', 'fc2'), r=4, alpha=8):
    for name, module in list(model.named_modules()):
        for child_name, child in list(module.named_children()):
            if isinstance(child, nn.Linear) and child_name in targets:
                setattr(module, child_name, LoRALinear(child, r, alpha))
    return model


def count(model):
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    total = sum(p.numel() for p in model.parameters())
    return trainable, total, f'{100 * trainable / total:.2f}%'


model = MLP()
tok = torch.randint(0, 20, (32, 6))
labels = torch.randint(0, 3, (32,))
with torch.no_grad():
    before = model(tok)
print('full', count(model))
model = inject_lora(model)
for n, p in model.named_parameters():
    p.requires_grad_('lora_' in n or n.startswith('head.'))
print('lora', count(model))
print(model.fc1)
print([n for n, p in model.named_parameters() if p.requires_grad])
with torch.no_grad():
    print('zero-B keeps output:', torch.allclose(model(tok), before, atol=1e-6))

opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-2, weight_decay=0.0)
base_w = model.fc1.base.weight.clone()
for step in range(6):
    loss = F.cross_entropy(model(tok), labels)
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(f'step {step} loss {loss.item():.5f} B-norm {model.fc1.lora_B.norm().item():.5f}')
print('base frozen:', torch.equal(base_w, model.fc1.base.weight), model.fc1.base.weight.grad is None)
print('A grad', model.fc1.lora_A.grad.shape, len(opt.param_groups[0]['params']))

print('--- adapter state dict')
sd = model.state_dict()
print(len(sd), list(sd)[:5])
lora_sd = {k: v for k, v in sd.items() if 'lora_' in k}
print(sorted(lora_sd), [tuple(v.shape) for v in lora_sd.values()])
buf = io.BytesIO()
torch.save(lora_sd, buf)
buf.seek(0)
loaded = torch.load(buf, weights_only=True)

fresh = inject_lora(MLP())
fresh.load_state_dict({k: v for k, v in sd.items() if 'lora_' not in k}, strict=False)
res = fresh.load_state_dict(loaded, strict=False)
print(type(res).__name__, sorted(res.missing_keys)[:4], len(res.missing_keys), res.unexpected_keys)
res2 = fresh.load_state_dict({**loaded, 'extra.weight': torch.zeros(1)}, strict=False)
print(res2.unexpected_keys, len(res2.missing_keys))
try:
    fresh.load_state_dict(loaded)
except RuntimeError as e:
    print('strict error:', str(e).splitlines()[0])
with torch.no_grad():
    print('reloaded equal:', torch.allclose(fresh(tok), model(tok), atol=1e-6))

print('--- merge')
with torch.no_grad():
    pre = model(tok)
    for m in model.modules():
        if isinstance(m, LoRALinear):
            m.merge()
    post = model(tok)
print(model.fc2, torch.allclose(pre, post, atol=1e-5), f'{(pre - post).abs().max().item() < 1e-4}')
delta = (model.fc1.base.weight - base_w)
print('delta rank', torch.linalg.matrix_rank(delta).item(), f'{delta.norm().item():.5f}')
U, S, Vh = torch.linalg.svd(delta)
print(S.shape, f'{S[:4].sum().item() / S.sum().item():.4f}')
