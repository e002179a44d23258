"""Jacobians, Hessians, hvp and more (torch.func tutorial), plus the older
torch.autograd.functional API: jacrev/jacfwd/hessian/vjp/jvp/hvp, batched jacobians with vmap,
and torch.autograd.functional.jacobian/hessian/vjp/jvp/hvp/vhp."""
import torch
import torch.nn.functional as F
from functools import partial
from torch.func import jacrev, jacfwd, vjp, jvp, hessian, vmap
import torch.autograd.functional as AF

torch.manual_seed(0)
torch.set_printoptions(precision=5)


def predict(weight, bias, x):
    return F.linear(x, weight, bias).tanh()


D = 16
weight = torch.randn(D, D)
bias = torch.randn(D)
x = torch.randn(D)  # feature vector
print('x head', x[:4])

# the slow way: one vjp per row
def compute_jac(xp):
    jacobian_rows = [torch.autograd.grad(predict(weight, bias, xp), xp, vec)[0]
                     for vec in unit_vectors]
    return torch.stack(jacobian_rows)


xp = x.clone().requires_grad_()
unit_vectors = torch.eye(D)
jacobian = compute_jac(xp)
print(jacobian.shape)
print(jacobian[0])  # show first row

ft_jacobian = jacrev(predict, argnums=2)(weight, bias, x)
print('jacrev matches loop', torch.allclose(ft_jacobian, jacobian))
ft_jacobian_w, ft_jacobian_b = jacrev(predict, argnums=(0, 1))(weight, bias, x)
print('w.r.t. weight', ft_jacobian_w.shape, 'bias', ft_jacobian_b.shape)
jacfwd_jacobian = jacfwd(predict, argnums=2)(weight, bias, x)
print('jacfwd matches jacrev', torch.allclose(jacfwd_jacobian, ft_jacobian, atol=1e-6))

# reverse vs forward: wide vs tall
Din, Dout = 32, 4
w_tall = torch.randn(Dout, Din)
b_tall = torch.randn(Dout)
x_tall = torch.randn(Din)
j1 = jacfwd(predict, argnums=2)(w_tall, b_tall, x_tall)
j2 = jacrev(predict, argnums=2)(w_tall, b_tall, x_tall)
print('tall jac', j1.shape, torch.allclose(j1, j2, atol=1e-6))

# hessian, and hessian as jacfwd(jacrev)
Din = 8
w_h = torch.randn(Din, Din)
b_h = torch.randn(Din)
x_h = torch.randn(Din)
hess_api = hessian(predict, argnums=2)(w_h, b_h, x_h)
hess_fwdfwd = jacfwd(jacfwd(predict, argnums=2), argnums=2)(w_h, b_h, x_h)
hess_revrev = jacrev(jacrev(predict, argnums=2), argnums=2)(w_h, b_h, x_h)
print('hessian', hess_api.shape, torch.allclose(hess_api, hess_fwdfwd, atol=1e-6),
      torch.allclose(hess_api, hess_revrev, atol=1e-6))
print('hessian[0, :3, :3]', hess_api[0, :3, :3])

# batch jacobian and batch hessian
batch_size = 4
Din, Dout = 6, 3
weight = torch.randn(Dout, Din)
bias = torch.randn(Dout)
x = torch.randn(batch_size, Din)
compute_batch_jacobian = vmap(jacrev(predict, argnums=2), in_dims=(None, None, 0))
batch_jacobian0 = compute_batch_jacobian(weight, bias, x)
print('batch jacobian', batch_jacobian0.shape)


def predict_with_output_summed(weight, bias, x):
    return predict(weight, bias, x).sum(0)


batch_jacobian1 = jacrev(predict_with_output_summed, argnums=2)(weight, bias, x).movedim(1, 0)
print('summed trick equal', torch.allclose(batch_jacobian0, batch_jacobian1))
compute_batch_hessian = vmap(hessian(predict, argnums=2), in_dims=(None, None, 0))
batch_hess = compute_batch_hessian(weight, bias, x)
print('batch hessian', batch_hess.shape, f'{batch_hess.abs().sum():.4f}')

# hessian-vector products
def hvp(f, primals, tangents):
    return jvp(grad_f := torch.func.grad(f), primals, tangents)[1]


def f(x):
    return x.sin().sum()


x = torch.randn(2048)
tangent = torch.randn(2048)
result = hvp(f, (x,), (tangent,))
print('hvp', result.shape, torch.allclose(result, -x.sin() * tangent, atol=1e-6))

# vjp and jvp directly
out, vjp_fn = vjp(torch.sin, x[:5])
(ct,) = vjp_fn(torch.ones(5))
print('vjp', out, ct)
p_out, t_out = jvp(torch.exp, (x[:3],), (torch.ones(3),))
print('jvp', p_out, t_out)
out2, vjp2 = vjp(lambda a, b: a * b + b, torch.tensor([1., 2.]), torch.tensor([3., 4.]))
print('vjp two inputs', vjp2(torch.ones(2)))
out3, vjp3, aux = vjp(lambda a: (a ** 2, a.sum()), torch.tensor([1., 2., 3.]), has_aux=True)
print('vjp aux', out3, aux, vjp3(torch.ones(3)))

# the torch.autograd.functional API
def exp_reducer(x):
    return x.exp().sum(dim=1)


inputs = torch.rand(2, 2)
print('AF.jacobian', AF.jacobian(exp_reducer, inputs))
print('AF.jacobian create_graph', AF.jacobian(exp_reducer, inputs, create_graph=True).grad_fn is not None)
print('AF.jacobian vectorize', torch.allclose(AF.jacobian(exp_reducer, inputs, vectorize=True),
                                              AF.jacobian(exp_reducer, inputs)))


def exp_adder(x, y):
    return 2 * x.exp() + 3 * y


inputs2 = (torch.rand(2), torch.rand(2))
print('AF.jacobian tuple', AF.jacobian(exp_adder, inputs2))


def pow_reducer(x):
    return x.pow(3).sum()


inputs = torch.rand(2, 2)
print('AF.hessian', AF.hessian(pow_reducer, inputs))


def pow_adder_reducer(x, y):
    return (2 * x.pow(2) + 3 * y.pow(2)).sum()


inputs3 = (torch.rand(2), torch.rand(2))
h = AF.hessian(pow_adder_reducer, inputs3)
print('AF.hessian tuple', type(h).__name__, len(h), type(h[0]).__name__, h[0][0], h[1][1])
v = torch.ones(2, 2)
print('AF.vjp', AF.vjp(exp_reducer, inputs, torch.ones(2)))
print('AF.jvp', AF.jvp(exp_reducer, inputs, v))
print('AF.vhp', AF.vhp(pow_reducer, inputs, v))
print('AF.hvp', AF.hvp(pow_reducer, inputs, v))
try:
    AF.vjp(exp_reducer, inputs)
except RuntimeError as e:
    print('RuntimeError', e)
print('strict', AF.jacobian(lambda x: torch.ones(2), torch.rand(2)))
try:
    AF.jacobian(lambda x: torch.ones(2), torch.rand(2), strict=True)
except RuntimeError as e:
    print('RuntimeError', e)
