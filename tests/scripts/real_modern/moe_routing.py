"""A sparse mixture-of-experts layer (Switch / Mixtral style) as people write it: a router Linear,
softmax + torch.topk gating with renormalised weights, torch.where to find each expert's tokens,
index_add_ / scatter_add_ to combine expert outputs, torch.bincount and F.one_hot for load
statistics, the Switch load-balancing auxiliary loss, router z-loss, capacity dropping with cumsum,
and a short training run; then the same routing with a dense einsum reference."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(8)


class Expert(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.w1 = nn.Linear(d, h, bias=False)
        self.w2 = nn.Linear(h, d, bias=False)
        self.w3 = nn.Linear(d, h, bias=False)

    def forward(self, x):
        return self.w2(F.silu(self.w1(x)) * self.w3(x))


class SparseMoE(nn.Module):
    def __init__(self, d=16, h=32, n_experts=4, top_k=2):
        super().__init__()
        self.n_experts, self.top_k = n_experts, top_k
        self.gate = nn.Linear(d, n_experts, bias=False)
        self.experts = nn.ModuleList([Expert(d, h) for _ in range(n_experts)])

    def forward(self, x):
        b, t, d = x.shape
        x = x.view(-1, d)
        router_logits = self.gate(x)
        probs = F.softmax(router_logits, dim=1, dtype=torch.float)
        weights, selected = torch.topk(probs, self.top_k, dim=-1)
        weights = weights / weights.sum(dim=-1, keepdim=True)
        weights = weights.to(x.dtype)
        out = torch.zeros((b * t, d), dtype=x.dtype)
        expert_mask = F.one_hot(selected, num_classes=self.n_experts).permute(2, 1, 0)
        for e, expert in enumerate(self.experts):
            idx, top_x = torch.where(expert_mask[e])
            if top_x.numel() == 0:
                continue
            current = x[None, top_x].reshape(-1, d)
            h = expert(current) * weights[top_x, idx, None]
            out.index_add_(0, top_x, h.to(x.dtype))
        return out.view(b, t, d), router_logits, probs, selected


def load_balancing_loss(probs, selected, n_experts, top_k):
    mask = F.one_hot(selected, n_experts).float()            # (tokens, k, E)
    tokens_per_expert = mask.mean(dim=0)                      # (k, E)
    router_prob = probs.mean(dim=0)                           # (E,)
    return (tokens_per_expert * router_prob.unsqueeze(0)).sum() * n_experts


def z_loss(logits):
    return torch.logsumexp(logits, dim=-1).pow(2).mean()


moe = SparseMoE()
x = torch.randn(2, 6, 16)
out, logits, probs, sel = moe(x)
print(out.shape, logits.shape, sel.shape, sel.dtype, probs.dtype)
print('selected', sel[:4].tolist())
counts = torch.bincount(sel.flatten(), minlength=4)
print('counts', counts.tolist(), counts.dtype, counts.sum().item())
print(f'aux {load_balancing_loss(probs, sel, 4, 2).item():.5f} z {z_loss(logits).item():.5f}')
oh = F.one_hot(torch.tensor([0, 3, 1]))
print(oh, oh.dtype, F.one_hot(torch.tensor([[1], [2]]), 5).shape)

print('--- dense reference')
with torch.no_grad():
    flat = x.view(-1, 16)
    all_out = torch.stack([e(flat) for e in moe.experts], dim=1)          # (N, E, d)
    w, s = torch.topk(F.softmax(moe.gate(flat), -1), 2)
    w = w / w.sum(-1, keepdim=True)
    dense_w = torch.zeros(flat.size(0), 4).scatter_(1, s, w)
    ref = torch.einsum('ne,ned->nd', dense_w, all_out)
    print('matches', torch.allclose(ref, out.view(-1, 16), atol=1e-5), f'{ref.abs().sum().item():.4f}')
    alt = torch.zeros(flat.size(0), 16)
    for k in range(2):
        gathered = all_out.gather(1, s[:, k, None, None].expand(-1, 1, 16)).squeeze(1)
        alt += w[:, k:k + 1] * gathered
    print('gather matches', torch.allclose(alt, ref, atol=1e-5))

print('--- scatter_add / capacity')
tokens_expert = sel[:, 0]
load = torch.zeros(4).scatter_add_(0, tokens_expert, torch.ones(tokens_expert.numel()))
print(load.tolist(), torch.equal(load.long(), torch.bincount(tokens_expert, minlength=4)))
cap = 3
mask = F.one_hot(tokens_expert, 4)
pos = torch.cumsum(mask, dim=0) * mask - 1
keep = (pos < cap) & (mask.bool())
print('positions', pos.max(dim=1).values.tolist(), 'kept', keep.any(1).sum().item(), pos.dtype)
dropped = torch.where(keep.any(1), tokens_expert, torch.full_like(tokens_expert, -1))
print(dropped.tolist(), torch.bincount(tokens_expert, weights=probs.max(1).values).shape)
vals, inv, cnt = torch.unique(tokens_expert, return_inverse=True, return_counts=True)
print(vals.tolist(), inv.tolist()[:6], cnt.tolist())
emb = torch.zeros(4, 16).index_add_(0, tokens_expert, x.view(-1, 16), alpha=0.5)
print(f'{emb.sum().item():.5f}', torch.where(counts > 5)[0].tolist(), torch.where(counts > 5, counts, 0).tolist())

print('--- train')
opt = torch.optim.Adam(moe.parameters(), lr=5e-3)
target = torch.randn(2, 6, 16)
for step in range(5):
    out, logits, probs, sel = moe(x)
    mse = F.mse_loss(out, target)
    aux = load_balancing_loss(probs, sel, 4, 2)
    loss = mse + 0.01 * aux + 1e-3 * z_loss(logits)
    opt.zero_grad()
    loss.backward()
    opt.step()
    used = [int(moe.experts[e].w1.weight.grad is not None and moe.experts[e].w1.weight.grad.abs().sum() > 0) for e in range(4)]
    print(f'step {step} loss {loss.item():.5f} mse {mse.item():.5f} aux {aux.item():.4f} used {used} '
          f'counts {torch.bincount(sel.flatten(), minlength=4).tolist()}')
print(f'gate grad {moe.gate.weight.grad.norm().item():.5f}')
