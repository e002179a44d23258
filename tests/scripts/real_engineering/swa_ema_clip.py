"""Weight averaging and gradient-norm plumbing from training repos: torch.optim.swa_utils
(AveragedModel for SWA and for EMA via get_ema_multi_avg_fn, SWALR annealing, update_bn to
recompute BatchNorm statistics), optimizer step pre/post hooks used for logging, CyclicLR with
momentum cycling, PolynomialLR, ConstantLR, and the clip_grad_norm_ family (inf/1-norms,
error_if_nonfinite, get_total_norm + clip_grads_with_norm_ as FSDP-style code splits them)."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.optim.swa_utils import SWALR, AveragedModel, get_ema_multi_avg_fn, update_bn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)

X = torch.randn(64, 5)
y = X @ torch.tensor([1.0, -2.0, 0.5, 0.0, 3.0]) + 0.1 * torch.randn(64)
loader = DataLoader(TensorDataset(X, y), batch_size=16, shuffle=True, generator=torch.Generator().manual_seed(1))

model = nn.Sequential(nn.Linear(5, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 1))
swa_model = AveragedModel(model)
ema_model = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(0.9))
print(swa_model)
print('n_averaged:', swa_model.n_averaged, 'state keys:', list(swa_model.state_dict())[:3])

opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
swa_start = 3
swa_sched = SWALR(opt, swa_lr=0.01, anneal_epochs=2, anneal_strategy='cos')
step_log = []
pre = opt.register_step_pre_hook(lambda o, args, kwargs: step_log.append(round(o.param_groups[0]['lr'], 6)))
post_calls = [0]
post = opt.register_step_post_hook(lambda o, args, kwargs: post_calls.__setitem__(0, post_calls[0] + 1))

for epoch in range(6):
    model.train()
    total = 0.0
    for xb, yb in loader:
        opt.zero_grad()
        loss = F.mse_loss(model(xb).squeeze(1), yb)
        loss.backward()
        opt.step()
        ema_model.update_parameters(model)
        total += loss.item() * len(xb)
    if epoch >= swa_start:
        swa_model.update_parameters(model)
        swa_sched.step()
    print(f'epoch {epoch}: loss={total / len(X):.4f} lr={opt.param_groups[0]["lr"]:.5f} '
          f'swa_n={swa_model.n_averaged.item()} ema_n={ema_model.n_averaged.item()}')

pre.remove()
post.remove()
opt.step()
print('pre-hook lrs (every 4th):', step_log[::4])
print('post-hook calls:', post_calls[0])
print('swa_lr in group:', opt.param_groups[0]['swa_lr'])

print('BN running_mean before update_bn:', swa_model.module[1].running_mean)
update_bn(loader, swa_model)
print('BN running_mean after update_bn :', swa_model.module[1].running_mean)
print('momentum restored:', swa_model.module[1].momentum, 'num_batches_tracked:', swa_model.module[1].num_batches_tracked)
with torch.no_grad():
    for name, m in [('model', model), ('swa', swa_model), ('ema', ema_model)]:
        m.eval()
        print(f'{name} eval mse: {F.mse_loss(m(X).squeeze(1), y).item():.4f}')
print('ema head bias:', ema_model.module[3].bias)
print('swa head bias:', swa_model.module[3].bias)

print('=== CyclicLR (triangular2, momentum cycling)')
opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
cyc = torch.optim.lr_scheduler.CyclicLR(opt, base_lr=0.01, max_lr=0.1, step_size_up=2, mode='triangular2',
                                        base_momentum=0.8, max_momentum=0.9)
for i in range(9):
    opt.step()
    cyc.step()
    print(f'  {i}: lr={cyc.get_last_lr()[0]:.5f} momentum={opt.param_groups[0]["momentum"]:.4f}')
opt = torch.optim.SGD(model.parameters(), lr=0.1)
exp = torch.optim.lr_scheduler.CyclicLR(opt, base_lr=0.001, max_lr=0.1, step_size_up=3, mode='exp_range', gamma=0.9,
                                        cycle_momentum=False)
lrs = []
for _ in range(7):
    opt.step()
    exp.step()
    lrs.append(round(exp.get_last_lr()[0], 6))
print('exp_range:', lrs)

for cls, kw in [(torch.optim.lr_scheduler.PolynomialLR, dict(total_iters=4, power=2.0)),
                (torch.optim.lr_scheduler.ConstantLR, dict(factor=0.5, total_iters=2))]:
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    s = cls(opt, **kw)
    out = [s.get_last_lr()[0]]
    for _ in range(5):
        opt.step()
        s.step()
        out.append(s.get_last_lr()[0])
    print(cls.__name__, [f'{v:.5f}' for v in out])

print('=== clip_grad_norm_ family')
p = nn.Parameter(torch.ones(3))
q = nn.Parameter(torch.ones(2, 2))
for norm_type in (2.0, 1, float('inf'), 'inf', 0.5):
    p.grad = torch.tensor([3.0, -4.0, 0.0])
    q.grad = torch.tensor([[1.0, 2.0], [-2.0, 0.5]])
    n = nn.utils.clip_grad_norm_([p, q], max_norm=1.0, norm_type=norm_type)
    print(f'norm_type={norm_type!r}: total={n.item():.5f} p.grad={p.grad.tolist()}')
p.grad = torch.tensor([1.0, float('nan'), 2.0])
try:
    nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
except RuntimeError as e:
    print('RuntimeError:', str(e)[:70])
n = nn.utils.clip_grad_norm_([p], 1.0)
print('nonfinite norm without error:', n, p.grad)
p.grad = torch.tensor([0.3, 0.4, 0.0])
print('below max_norm untouched:', nn.utils.clip_grad_norm_(p, 1.0), p.grad)
print('no grads:', nn.utils.clip_grad_norm_([nn.Parameter(torch.ones(2))], 1.0))
grads = [torch.tensor([3.0, 4.0]), torch.tensor([12.0])]
total = nn.utils.get_total_norm(grads, norm_type=2.0)
print('get_total_norm:', total)
a, b = nn.Parameter(torch.zeros(2)), nn.Parameter(torch.zeros(1))
a.grad, b.grad = grads[0].clone(), grads[1].clone()
nn.utils.clip_grads_with_norm_([a, b], max_norm=1.0, total_norm=total)
print('clip_grads_with_norm_:', a.grad, b.grad)
v = nn.Parameter(torch.ones(4))
v.grad = torch.tensor([-5.0, 0.2, 3.0, -0.1])
nn.utils.clip_grad_value_(v, clip_value=0.5)
print('clip_grad_value_:', v.grad)
