"""Parametrizations tutorial: symmetric, skew and orthogonal (matrix_exp / Cayley) parametrizations
registered on nn.Linear and nn.Conv2d; chained parametrizations, right_inverse, initialising
through the parametrization, cached(), the inspection of parametrizations, removing them."""
import torch
import torch.nn as nn
import torch.nn.utils.parametrize as parametrize
from torch.nn.utils.parametrizations import orthogonal

torch.manual_seed(0)


def symmetric(X):
    return X.triu() + X.triu(1).transpose(-1, -2)


X = torch.rand(3, 3)
A = symmetric(X)
assert torch.allclose(A, A.T)  # A is symmetric
print(A)


class Symmetric(nn.Module):
    def forward(self, X):
        return X.triu() + X.triu(1).transpose(-1, -2)


layer = nn.Linear(3, 3)
parametrize.register_parametrization(layer, "weight", Symmetric())
A = layer.weight
assert torch.allclose(A, A.T)  # A is symmetric
print(A)


class Skew(nn.Module):
    def forward(self, X):
        A = X.triu(1)
        return A - A.transpose(-1, -2)


cnn = nn.Conv2d(in_channels=5, out_channels=8, kernel_size=3)
parametrize.register_parametrization(cnn, "weight", Skew())
# Print a few kernels
print(cnn.weight[0, 1])
print(cnn.weight[2, 2])

# inspecting a parametrized module
layer = nn.Linear(3, 3)
print(f"Unparametrized:\n{layer}")
parametrize.register_parametrization(layer, "weight", Symmetric())
print(f"\nParametrized:\n{layer}")
print(layer.parametrizations)
print(layer.parametrizations.weight)
print(layer.parametrizations.weight[0])
print(dict(layer.named_parameters()).keys())
print(layer.parametrizations.weight.original.shape)
print(type(layer).__name__, type(layer).__mro__[1].__name__)


# parametrizations are first-class citizens
class NoisyParametrization(nn.Module):
    def __init__(self, noise=0.0):
        super().__init__()
        self.noise = noise

    def forward(self, X):
        return X + self.noise * 0.0


layer = nn.Linear(4, 4)
parametrize.register_parametrization(layer, "weight", NoisyParametrization(noise=1.0))
print(layer.parametrizations.weight[0].noise, layer.parametrizations.weight[0])


# caching the value of a parametrization
class CountingSkew(nn.Module):
    calls = 0

    def forward(self, X):
        CountingSkew.calls += 1
        A = X.triu(1)
        return A - A.transpose(-1, -2)


layer = nn.Linear(3, 3)
parametrize.register_parametrization(layer, "weight", CountingSkew())
_ = layer.weight + layer.weight
print('calls without cache', CountingSkew.calls)
with parametrize.cached():
    foo = layer.weight + layer.weight
    bar = layer.weight @ layer.weight.T
print('calls with cache', CountingSkew.calls)
print('cached still skew', torch.allclose(foo, -foo.T))


# concatenating parametrizations: orthogonal via the matrix exponential and via Cayley
class CayleyMap(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.register_buffer("Id", torch.eye(n))

    def forward(self, X):
        # (I + X)(I - X)^{-1}
        return torch.linalg.solve(self.Id - X, self.Id + X)


layer = nn.Linear(3, 3)
parametrize.register_parametrization(layer, "weight", Skew())
parametrize.register_parametrization(layer, "weight", CayleyMap(3))
X = layer.weight
print('cayley orthogonal', torch.dist(X.T @ X, torch.eye(3)) < 1e-5)
print(layer.parametrizations.weight)


class MatrixExponential(nn.Module):
    def forward(self, X):
        return torch.matrix_exp(X)


layer_orthogonal = nn.Linear(3, 3)
parametrize.register_parametrization(layer_orthogonal, "weight", Skew())
parametrize.register_parametrization(layer_orthogonal, "weight", MatrixExponential())
X = layer_orthogonal.weight
print(torch.dist(X.T @ X, torch.eye(3)) < 1e-5)  # X is orthogonal
print('det', torch.det(X))

layer_spd = nn.Linear(3, 3)
parametrize.register_parametrization(layer_spd, "weight", Symmetric())
parametrize.register_parametrization(layer_spd, "weight", MatrixExponential())
X = layer_spd.weight
print(torch.dist(X, X.T) < 1e-5)  # X is symmetric
print((torch.linalg.eigvalsh(X) > 0.).all())  # X is positive definite


# initializing parametrizations: right_inverse
class Skew2(nn.Module):
    def forward(self, X):
        A = X.triu(1)
        return A - A.transpose(-1, -2)

    def right_inverse(self, A):
        # We assume that A is skew-symmetric
        # We take the upper-triangular elements, as these are those used in the forward
        return A.triu(1)


layer = nn.Linear(3, 3)
parametrize.register_parametrization(layer, "weight", Skew2())
X = torch.rand(3, 3)
X = X - X.T                             # X is now skew-symmetric
layer.weight = X                        # Initialize layer.weight to be X
print(torch.dist(layer.weight, X))      # layer.weight == X
print(layer.parametrizations.weight.original)

layer = nn.Linear(3, 3)
try:
    layer.weight = torch.rand(3, 3)
except Exception as e:
    print('plain linear assignment', type(e).__name__, str(e)[:60])
parametrize.register_parametrization(layer, "weight", Symmetric())
try:
    layer.weight = torch.rand(3, 3)
except RuntimeError as e:
    print('RuntimeError', e)

# training through the parametrization keeps the constraint
lin = nn.Linear(3, 3)
parametrize.register_parametrization(lin, "weight", Skew2())
opt = torch.optim.SGD(lin.parameters(), lr=0.1)
inp = torch.randn(8, 3)
for step in range(3):
    loss = (lin(inp) - inp.flip(1)).pow(2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
    print('step', step, round(loss.item(), 5), torch.allclose(lin.weight, -lin.weight.T))
print(sorted(lin.state_dict().keys()))
print(lin.parametrizations.weight.original.grad)

# built-in orthogonal
ortho = orthogonal(nn.Linear(4, 4))
Q = ortho.weight
print('orthogonal', torch.dist(Q.T @ Q, torch.eye(4)) < 1e-5, sorted(ortho.state_dict().keys()))

# removing parametrizations
layer = nn.Linear(3, 3)
print("Before:")
print(layer)
print(layer.weight)
parametrize.register_parametrization(layer, "weight", Skew())
print("\nParametrized:")
print(layer)
print(layer.weight)
parametrize.remove_parametrizations(layer, "weight")
print("\nAfter. Weight has skew-symmetric values but it is unconstrained:")
print(layer)
print(layer.weight)

layer = nn.Linear(3, 3)
print("Before:")
print(layer)
print(layer.weight)
parametrize.register_parametrization(layer, "weight", Skew())
print("\nParametrized:")
print(layer)
print(layer.weight)
parametrize.remove_parametrizations(layer, "weight", leave_parametrized=False)
print("\nAfter. Same as Before:")
print(layer)
print(layer.weight)
