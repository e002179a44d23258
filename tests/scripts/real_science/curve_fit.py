"""Polynomial and nonlinear curve fitting in float64: normal equations, lstsq, LBFGS, SGD with schedulers."""
import torch

torch.manual_seed(6)
x = torch.linspace(-1, 1, 50, dtype=torch.float64)
coef_true = torch.tensor([0.5, -1.0, 2.0, 0.3], dtype=torch.float64)
V = torch.stack([x ** k for k in range(4)], dim=1)
y = V @ coef_true + 0.05 * torch.randn(50, dtype=torch.float64)
print('V', V.shape, V.dtype)

c_ne = torch.linalg.solve(V.T @ V, V.T @ y)
c_ls = torch.linalg.lstsq(V, y.unsqueeze(-1)).solution.squeeze(-1)
c_vd = torch.linalg.lstsq(torch.linalg.vander(x, N=4), y).solution
print('normal eq', c_ne)
print('lstsq    ', c_ls)
print('vander   ', c_vd)
print('residual %.8f' % (V @ c_ls - y).pow(2).mean().item())
torch.testing.assert_close(c_ne, c_ls)
print('assert_close ok')
try:
    torch.testing.assert_close(c_ne, c_ls + 1e-3)
except AssertionError as e:
    print('assert_close failed:', str(e).splitlines()[0])
try:
    torch.testing.assert_close(c_ne, c_ls.float())
except AssertionError as e:
    print('dtype mismatch:', str(e).splitlines()[0])

# gradient descent on raw leaf tensors with a scheduler
c = torch.zeros(4, dtype=torch.float64, requires_grad=True)
opt = torch.optim.SGD([c], lr=0.3, momentum=0.9, nesterov=True)
sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=50, eta_min=1e-3)
for it in range(50):
    opt.zero_grad()
    loss = ((V @ c - y) ** 2).mean()
    loss.backward()
    opt.step()
    sched.step()
    if it % 10 == 9:
        print(f'sgd {it + 1} loss {loss.item():.8f} lr {opt.param_groups[0]["lr"]:.6f}')
print('sgd coef', c.detach())

# nonlinear fit: y = a * exp(-b t) + c with LBFGS
t = torch.linspace(0, 4, 40, dtype=torch.float64)
obs = 2.5 * torch.exp(-1.3 * t) + 0.5 + 0.01 * torch.randn(40, dtype=torch.float64)
p = torch.tensor([1.0, 1.0, 0.0], dtype=torch.float64, requires_grad=True)
lbfgs = torch.optim.LBFGS([p], lr=1, max_iter=50, tolerance_grad=1e-10, tolerance_change=1e-12,
                          line_search_fn='strong_wolfe')


def closure():
    lbfgs.zero_grad()
    r = p[0] * torch.exp(-p[1] * t) + p[2] - obs
    loss = 0.5 * (r * r).sum()
    loss.backward()
    return loss


for k in range(3):
    print('lbfgs loss %.10f' % lbfgs.step(closure).item())
print('params', p.detach())
print('state n_iter', lbfgs.state[p]['n_iter'])

# Adam + ReduceLROnPlateau + ExponentialLR chained on another leaf
w = torch.tensor([3.0, -2.0], requires_grad=True)
opt = torch.optim.Adam([w], lr=0.5, betas=(0.8, 0.99), weight_decay=1e-3, amsgrad=True)
plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=2)
for it in range(25):
    opt.zero_grad()
    loss = (w[0] - 1) ** 2 + 10 * (w[1] - w[0] ** 2) ** 2
    loss.backward()
    opt.step()
    plateau.step(loss.item())
    if it % 5 == 0:
        print(f'adam {it} loss {loss.item():.6f} w {w.data} lr {opt.param_groups[0]["lr"]}')
print(plateau.state_dict()['num_bad_epochs'], plateau.best)
lam = torch.optim.lr_scheduler.LambdaLR(torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1), lambda e: 0.9 ** e)
for _ in range(3):
    lam.optimizer.step()
    lam.step()
print('lambda lr', lam.get_last_lr())
onecycle = torch.optim.lr_scheduler.OneCycleLR(torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1), max_lr=1.0, total_steps=10)
lrs = []
for _ in range(9):
    onecycle.optimizer.step()
    onecycle.step()
    lrs.append(round(onecycle.get_last_lr()[0], 6))
print('onecycle', lrs)
