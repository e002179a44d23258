"""An op-counting / FLOP-counting Interpreter over a traced MLP-mixer style model, plus a timing-free
profile of which nodes run, and the gradient through the GraphModule matching the eager model."""
import operator
from collections import Counter

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.fx as fx

torch.manual_seed(0)


class MixerBlock(nn.Module):
    def __init__(self, tokens, dim):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.token_mlp = nn.Linear(tokens, tokens)
        self.norm2 = nn.LayerNorm(dim)
        self.channel_mlp = nn.Sequential(nn.Linear(dim, 2 * dim), nn.GELU(), nn.Linear(2 * dim, dim))

    def forward(self, x):
        y = self.norm1(x).transpose(1, 2)
        x = x + self.token_mlp(y).transpose(1, 2)
        return x + self.channel_mlp(self.norm2(x))


class Mixer(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = nn.ModuleList([MixerBlock(4, 6) for _ in range(2)])
        self.out = nn.Linear(6, 2)

    def forward(self, x):
        for blk in self.blocks:
            x = blk(x)
        return self.out(x.mean(dim=1))


class FlopCounter(fx.Interpreter):
    def __init__(self, gm):
        super().__init__(gm)
        self.flops = Counter()
        self.ops = Counter()

    def call_module(self, target, args, kwargs):
        out = super().call_module(target, args, kwargs)
        mod = self.fetch_attr(target)
        self.ops[type(mod).__name__] += 1
        if isinstance(mod, nn.Linear):
            self.flops[target] = 2 * args[0].numel() // args[0].shape[-1] * mod.in_features * mod.out_features
        elif isinstance(mod, nn.LayerNorm):
            self.flops[target] = 5 * args[0].numel()
        return out

    def call_function(self, target, args, kwargs):
        self.ops[getattr(target, '__name__', str(target))] += 1
        out = super().call_function(target, args, kwargs)
        if target in (operator.add, torch.add):
            self.flops['add'] += out.numel()
        return out

    def call_method(self, target, args, kwargs):
        self.ops['.' + target] += 1
        return super().call_method(target, args, kwargs)


model = Mixer()
gm = fx.symbolic_trace(model)
print(gm.graph)
x = torch.randn(3, 4, 6)
counter = FlopCounter(gm)
out = counter.run(x)
print('out', tuple(out.shape), torch.allclose(out, model(x), atol=1e-6))
for k in sorted(counter.ops):
    print('op', k, counter.ops[k])
for k in sorted(counter.flops):
    print('flops', k, counter.flops[k])
print('total flops', sum(counter.flops.values()))

# the GraphModule trains like the model: same loss and gradients
x = torch.randn(5, 4, 6)
t = torch.randn(5, 2)
l1 = F.mse_loss(model(x), t)
l1.backward()
g1 = {n: p.grad.clone() for n, p in model.named_parameters()}
model.zero_grad()
l2 = F.mse_loss(gm(x), t)
l2.backward()
print(round(l1.item(), 5), round(l2.item(), 5))
same = all(torch.allclose(g1[n], p.grad, atol=1e-6) for n, p in model.named_parameters())
print('grads equal:', same, len(g1))
print([n.name for n in gm.graph.nodes if n.op == 'call_module'])
print(len(gm.graph.nodes), sum(1 for n in gm.graph.nodes if n.op == 'call_function'))
