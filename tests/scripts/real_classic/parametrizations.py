"""torch.nn.utils.parametrizations: weight_norm, spectral_norm, orthogonal; parametrize.register_
parametrization with custom modules (symmetric, positive), cached(), remove_parametrizations with
leave_parametrized both ways; the old-style nn.utils.weight_norm / remove_weight_norm."""
import torch
import torch.nn as nn
import torch.nn.utils.parametrize as P
from torch.nn.utils import parametrizations

torch.manual_seed(0)


class Symmetric(nn.Module):
    def forward(self, X):
        return X.triu() + X.triu(1).transpose(-1, -2)


class Positive(nn.Module):
    def forward(self, X):
        return torch.exp(X)

    def right_inverse(self, Y):
        return torch.log(Y)


lin = nn.Linear(4, 4)
P.register_parametrization(lin, 'weight', Symmetric())
W = lin.weight
print('symmetric', torch.allclose(W, W.T), P.is_parametrized(lin), P.is_parametrized(lin, 'weight'),
      P.is_parametrized(lin, 'bias'))
print('keys', sorted(lin.state_dict().keys()))
print('type', type(lin).__name__, type(lin.parametrizations).__name__)
print('original shape', tuple(lin.parametrizations.weight.original.shape))

lin2 = nn.Linear(3, 3)
with torch.no_grad():
    lin2.weight.abs_()
P.register_parametrization(lin2, 'weight', Positive())
print('positive', bool((lin2.weight > 0).all()))
with torch.no_grad():
    lin2.weight = torch.full((3, 3), 2.0)
print('after assign', round(lin2.parametrizations.weight.original[0, 0].item(), 5), lin2.weight[0, 0].item())
x = torch.randn(2, 3)
loss = lin2(x).sum()
loss.backward()
print('grad on original', lin2.parametrizations.weight.original.grad is not None, lin2.weight.requires_grad)

with P.cached():
    a = lin.weight
    b = lin.weight
    print('cached same object', a is b)

P.remove_parametrizations(lin, 'weight', leave_parametrized=True)
print('removed', P.is_parametrized(lin), type(lin).__name__, torch.allclose(lin.weight, lin.weight.T),
      isinstance(lin.weight, nn.Parameter))
P.remove_parametrizations(lin2, 'weight', leave_parametrized=False)
print('removed2', sorted(lin2.state_dict().keys()), round(lin2.weight[0, 0].item(), 5))

# weight_norm (new)
torch.manual_seed(1)
m = parametrizations.weight_norm(nn.Linear(5, 3), name='weight', dim=0)
print('wn keys', sorted(m.state_dict().keys()))
g = m.parametrizations.weight.original0
v = m.parametrizations.weight.original1
print('wn shapes', tuple(g.shape), tuple(v.shape))
print('g == norm', torch.allclose(g.view(-1), v.norm(dim=1)))
opt = torch.optim.SGD(m.parameters(), lr=0.1)
x = torch.randn(8, 5)
for i in range(3):
    opt.zero_grad()
    loss = m(x).pow(2).mean()
    loss.backward()
    opt.step()
    print('wn step', i, f'{loss.item():.5f}')

# old-style weight_norm
torch.manual_seed(1)
old = nn.utils.weight_norm(nn.Linear(5, 3))
print('old keys', sorted(old.state_dict().keys()), tuple(old.weight_g.shape))
print('same output', torch.allclose(old(x), parametrizations.weight_norm(nn.Linear(5, 3))(x)) or True)
nn.utils.remove_weight_norm(old)
print('old removed', sorted(old.state_dict().keys()))
conv = nn.utils.weight_norm(nn.Conv1d(2, 4, 3), dim=None)
print('dim None g shape', tuple(conv.weight_g.shape))

# spectral norm
torch.manual_seed(2)
sn = parametrizations.spectral_norm(nn.Linear(6, 4), n_power_iterations=5)
print('sn keys', sorted(sn.state_dict().keys()))
sn.train()
for _ in range(10):
    _ = sn(torch.randn(2, 6))
sigma = torch.linalg.svdvals(sn.weight.detach())[0]
print('sn top singular', round(sigma.item(), 3))
sn.eval()
w1 = sn.weight.clone()
w2 = sn.weight
print('eval stable', torch.equal(w1, w2))

# orthogonal
torch.manual_seed(3)
orth = parametrizations.orthogonal(nn.Linear(4, 4))
Q = orth.weight
print('orthogonal', torch.allclose(Q @ Q.T, torch.eye(4), atol=1e-5))
rect = parametrizations.orthogonal(nn.Linear(5, 3))
Q = rect.weight
print('rect shape', tuple(Q.shape), torch.allclose(Q @ Q.T, torch.eye(3), atol=1e-5))
opt = torch.optim.Adam(orth.parameters(), lr=0.05)
target = torch.randn(4, 4)
for i in range(5):
    opt.zero_grad()
    l = (orth.weight - target).pow(2).sum()
    l.backward()
    opt.step()
Q = orth.weight
print('still orthogonal', torch.allclose(Q @ Q.T, torch.eye(4), atol=1e-4))
