"""Physics-informed network for u''(x) = -pi^2 sin(pi x) on [0, 1], u(0)=u(1)=0."""
import math
import torch
import torch.nn as nn

torch.set_default_dtype(torch.float64)   # PINNs with LBFGS are usually run in double
torch.manual_seed(0)


class PINN(nn.Module):
    def __init__(self, width=16):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(1, width), nn.Tanh(), nn.Linear(width, width), nn.Tanh(),
                                 nn.Linear(width, 1))

    def forward(self, x):
        return self.net(x)


model = PINN()
print(model)
x = torch.rand(64, 1, requires_grad=True)
xb = torch.tensor([[0.0], [1.0]])
print('collocation', x.shape, x.dtype, x.requires_grad, x.is_leaf)


def residual(model, x):
    u = model(x)
    du = torch.autograd.grad(u, x, grad_outputs=torch.ones_like(u), create_graph=True)[0]
    d2u = torch.autograd.grad(du.sum(), x, create_graph=True)[0]
    f = -(math.pi ** 2) * torch.sin(math.pi * x)
    return d2u - f, u, du


r, u, du = residual(model, x)
print('u', u.shape, 'du', du.shape, du.requires_grad, du.grad_fn is not None)
print('residual mean %.6f' % r.pow(2).mean().item())

opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for step in range(40):
    opt.zero_grad()
    r, _, _ = residual(model, x)
    loss_pde = (r ** 2).mean()
    loss_bc = model(xb).pow(2).mean()
    loss = loss_pde + 10.0 * loss_bc
    loss.backward()
    opt.step()
    if step % 10 == 0:
        print(f'adam {step:3d} pde {loss_pde.item():.6f} bc {loss_bc.item():.6f} total {loss.item():.6f}')

lbfgs = torch.optim.LBFGS(model.parameters(), lr=0.5, max_iter=10, history_size=10, line_search_fn='strong_wolfe')


def closure():
    lbfgs.zero_grad()
    r, _, _ = residual(model, x)
    loss = (r ** 2).mean() + 10.0 * model(xb).pow(2).mean()
    loss.backward()
    return loss


for it in range(3):
    l = lbfgs.step(closure)
    print('lbfgs', it, round(l.item(), 5))

xt = torch.linspace(0, 1, 5).unsqueeze(1)
with torch.no_grad():
    pred = model(xt)
exact = torch.sin(math.pi * xt)
print('pred', pred.squeeze(1))
print('exact', exact.squeeze(1))
print('max err %.4f' % (pred - exact).abs().max().item())
state = lbfgs.state_dict()['state']
print('lbfgs state keys', sorted(state[0].keys()))
print('func_evals', state[0]['func_evals'], 'n_iter', state[0]['n_iter'])

# Laplacian in 2d of a scalar field via autograd, compared with the analytic value
xy = torch.randn(5, 2, requires_grad=True)
phi = (xy[:, 0] ** 2 * xy[:, 1] + torch.sin(xy[:, 1])).sum()
g = torch.autograd.grad(phi, xy, create_graph=True)[0]
lap = sum(torch.autograd.grad(g[:, i].sum(), xy, retain_graph=True)[0][:, i] for i in range(2))
print('laplacian', lap)
print('analytic ', 2 * xy[:, 1] - torch.sin(xy[:, 1]))
print(torch.allclose(lap, 2 * xy[:, 1] - torch.sin(xy[:, 1]), atol=1e-6))
