"""Conformance tests for the differences found by the real scientific / autograd scripts
(tests/scripts/real_science/, tests/test_real_science_scripts.py)."""
import pytest

from conformance import cpu_random_only


def _spd(lib, n=4, batch=()):
    A = lib.arange(float(len(batch) and batch[0] * n * n or n * n), dtype=lib.float64).reshape(*batch, n, n)
    A = lib.sin(A * 0.7)
    return A @ A.mT + n * lib.eye(n, dtype=lib.float64)


def test_linalg_return_type_names(both):
    # torch.linalg.* results are return_types.linalg_*; torch.slogdet's (and Tensor.slogdet's) is slogdet
    def body(lib):
        A = _spd(lib)
        names = [type(r).__name__ for r in (lib.linalg.slogdet(A), lib.slogdet(A), A.slogdet(), lib.linalg.qr(A),
                                           lib.linalg.eigh(A), lib.linalg.svd(A), lib.linalg.lstsq(A, A[:, :1]),
                                           lib.svd(A), lib.linalg.cholesky_ex(A), lib.linalg.inv_ex(A))]
        return names, lib.linalg.slogdet(A).logabsdet, lib.svd(A).V, repr(lib.linalg.slogdet(A)).splitlines()[0]
    both(body)


def test_linalg_error_name_and_messages(both):
    # scripts print type(e).__name__ (torch's is torch._C._LinAlgError) and the message
    def body(lib):
        out = []
        for f in (lambda: lib.linalg.solve(lib.zeros(2, 2), lib.ones(2)),
                  lambda: lib.linalg.cholesky(-lib.eye(3)),
                  lambda: lib.linalg.cholesky(lib.tensor([[1.0, 0.0], [0.0, -1.0]]))):
            try:
                f()
            except RuntimeError as e:
                out.append((type(e).__name__, str(e), isinstance(e, lib.linalg.LinAlgError)))
        return out
    both(body)


def test_cholesky_solve_inverse_and_grads(both):
    def body(lib):
        A = _spd(lib, batch=(2,))
        B = lib.linspace(-1, 1, 12, dtype=lib.float64).reshape(2, 4, 3 // 3 * 3)[..., :3]
        L = lib.linalg.cholesky(A).requires_grad_()
        X = lib.cholesky_solve(B, L)
        Xu = lib.cholesky_solve(B, L.detach().mT, upper=True)
        Ai = lib.cholesky_inverse(L[0])
        (X.sum() + Ai.trace()).backward()
        return X, Xu, Ai, lib.cholesky_inverse(L[1].detach().mT, upper=True), L.grad, A[0].cholesky()
    both(body, rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize('upper', [False, True])
def test_cholesky_solve_factor_gradient_is_dense(both, upper):
    """torch's CholeskySolveBackward0 gives the whole factor a gradient, -(G + G^H) @ L, not
    only the triangle that the forward reads (seen with Wishart's scale_tril); with batch
    broadcasting of B against L, and through cholesky_inverse."""
    def body(lib):
        f = lib.linspace(-1, 1, 9, dtype=lib.float64).reshape(3, 3) + 3 * lib.eye(3, dtype=lib.float64)
        L = f.requires_grad_()
        B = lib.linspace(-2, 1, 12, dtype=lib.float64).reshape(2, 3, 2).requires_grad_()
        X = lib.cholesky_solve(B, L, upper)
        w = lib.linspace(0.5, 1.5, 12, dtype=lib.float64).reshape(2, 3, 2)
        (X * w).sum().backward()
        gL, gB = L.grad.clone(), B.grad
        L.grad = None
        lib.cholesky_inverse(L, upper).sum().backward()
        return X, gL, gB, L.grad, type(X.grad_fn).__name__
    both(body, rtol=1e-9, atol=1e-12)
    import ember
    L = ember.tensor([[2., 0., 0.], [0.5, 1.5, 0.], [-0.3, 0.2, 1.]], dtype=ember.float64, requires_grad=True)
    B = ember.tensor([[1., 2.], [0., -1.], [3., 1.]], dtype=ember.float64, requires_grad=True)
    tri = (lambda b, l: ember.cholesky_solve(b, l.triu(), True)) if upper else \
        (lambda b, l: ember.cholesky_solve(b, l.tril()))
    Lin = L.detach().mT.clone().requires_grad_() if upper else L
    assert ember.autograd.gradcheck(tri, (B, Lin)) and ember.autograd.gradgradcheck(tri, (B, Lin))


def test_solve_triangular(both):
    def body(lib):
        A = _spd(lib).requires_grad_()
        B = lib.cos(lib.arange(8.0, dtype=lib.float64)).reshape(4, 2)
        X1 = lib.linalg.solve_triangular(A, B, upper=False)      # reads only the lower triangle
        X2 = lib.linalg.solve_triangular(A, B, upper=True, unitriangular=True)
        X3 = lib.linalg.solve_triangular(A, B.mT, upper=True, left=False)
        (X1.sum() + X2.pow(2).sum() + X3.sum()).backward()
        return X1, X2, X3, A.grad
    both(body, rtol=1e-9, atol=1e-10)


def test_cholesky_ex_and_inv_ex(both):
    def body(lib):
        good = _spd(lib)
        bad = lib.tensor([[2.0, 0.0, 0.0], [0.0, 1.0, 3.0], [0.0, 3.0, 1.0]])
        L, info = lib.linalg.cholesky_ex(good)
        Lb, infob = lib.linalg.cholesky_ex(bad)
        batch = lib.stack([lib.eye(3), bad, -lib.eye(3)])
        return L, info, infob, lib.linalg.cholesky_ex(batch).info, lib.linalg.inv_ex(good).inverse, \
            lib.linalg.inv_ex(good).info
    both(body, rtol=1e-9, atol=1e-10)


def test_matrix_rank_cond(both):
    def body(lib):
        A = _spd(lib)
        low = lib.outer(lib.arange(1.0, 5.0), lib.arange(1.0, 4.0))
        return (lib.linalg.matrix_rank(A), lib.linalg.matrix_rank(low), lib.linalg.matrix_rank(lib.zeros(2, 3)),
                lib.linalg.matrix_rank(low, atol=1.0), lib.linalg.matrix_rank(A, rtol=0.5),
                lib.linalg.matrix_rank(lib.stack([A, lib.zeros(4, 4, dtype=lib.float64)])),
                lib.linalg.cond(A), lib.linalg.cond(A, 'fro'), lib.linalg.cond(A, 1), lib.linalg.cond(A, -2))
    both(body, rtol=1e-9, atol=1e-10)


def test_matrix_exp(both):
    def body(lib):
        R = lib.tensor([[0.0, 2.0], [-2.0, 0.0]], dtype=lib.float64)
        A = (_spd(lib) * 0.3).requires_grad_()
        E = lib.linalg.matrix_exp(A)
        E.sum().backward()
        return lib.matrix_exp(R), R.matrix_exp(), E, A.grad, lib.linalg.matrix_exp(lib.zeros(2, 3, 3))
    both(body, rtol=1e-9, atol=1e-10)


def test_multi_dot_vecdot_vander_diagonal(both):
    def body(lib):
        A = lib.arange(12.0).reshape(3, 4)
        B = lib.arange(8.0).reshape(4, 2)
        x = lib.tensor([1.0, 2.0, 3.0])
        return (lib.linalg.multi_dot([A, B]), lib.linalg.multi_dot([x, A, B, lib.ones(2)]),
                lib.linalg.vecdot(A, A), lib.linalg.vecdot(A, A, dim=0), lib.linalg.diagonal(A),
                lib.linalg.diagonal(A, offset=1), lib.linalg.vander(x), lib.linalg.vander(x, N=5),
                lib.vander(x), lib.vander(lib.tensor([1, 2, 3]), N=2), lib.vander(x, increasing=True))
    both(body)


def test_old_svd_and_cholesky(both):
    def body(lib):
        A = lib.tensor([[3.0, 1.0], [1.0, 2.0], [0.0, 1.0]], dtype=lib.float64)
        U, S, V = lib.svd(A)
        Uf, Sf, Vf = A.svd(some=False)
        return S, (U * S) @ V.mT, U.shape, Uf.shape, Vf.shape, lib.cholesky(A.mT @ A), \
            lib.cholesky(A.mT @ A, upper=True)
    both(body, rtol=1e-9, atol=1e-10)


def test_histogram(both):
    cpu_random_only()

    def body(lib):
        lib.manual_seed(0)
        x = lib.randn(200)
        h = lib.histogram(x, bins=6)
        h2 = lib.histogram(x, bins=4, range=(-1.0, 1.0), density=True)
        h3 = x.histogram(lib.tensor([-3.0, 0.0, 0.5, 3.0]), weight=lib.ones(200) * 0.5)
        return type(h).__name__, h.hist, h.bin_edges, h2.hist, h2.bin_edges, h3.hist, h3.bin_edges
    both(body)


def test_composed_linalg_grad_fn_names(both):
    # print(x) shows grad_fn=<...>: torch's fused ops' names on ember's compositions
    def body(lib):
        A = (lib.eye(3) * 2).requires_grad_()
        B = lib.ones(3, 1)
        outs = (lib.cholesky_solve(B, A), lib.cholesky_inverse(A), lib.linalg.solve_triangular(A, B, upper=True),
                lib.linalg.matrix_exp(A), lib.dist(A, B), lib.linalg.cond(A))
        return [type(o.grad_fn).__name__ for o in outs]
    both(body)


def test_xlogy_number_first_and_lgamma_signed_zero(both):
    def body(lib):
        x = lib.tensor([0.0, 1.0, 3.0], requires_grad=True)
        r = lib.xlogy(2, x + 1)
        r.sum().backward()
        lg = lib.lgamma(lib.tensor([1.0, 2.0, 0.5]))
        return (r, x.grad, lib.special.xlogy(0.0, lib.tensor([0.0, 5.0])), lib.xlogy(1.5, lib.tensor([2, 3])), lg,
                str(lg), str(lib.special.gammaln(lib.tensor([1.0, 2.0], dtype=lib.float64))))
    both(body)


@pytest.mark.parametrize('case', range(7))
def test_gradient(both, case):
    def body(lib):
        t = lib.linspace(0, 2, 9, dtype=lib.float64)
        u = lib.tensor([0.0, 0.1, 0.3, 0.7, 1.5], dtype=lib.float64)
        f = lib.arange(20.0).reshape(4, 5) ** 2 / 10
        if case == 0:
            return lib.gradient(t ** 3), lib.gradient(t ** 3, spacing=0.25, edge_order=2)
        if case == 1:
            return lib.gradient(u.exp(), spacing=(u,)), lib.gradient(u.exp(), spacing=(u,), edge_order=2)
        if case == 2:
            return lib.gradient(f, spacing=[0.5, 2.0]), lib.gradient(f, dim=1), lib.gradient(f, dim=[1, 0], spacing=3.)
        if case == 3:
            return lib.gradient(lib.tensor([1, 4, 9, 16]))
        if case == 4:
            return lib.gradient(lib.tensor([1.0, 2.0]), edge_order=2)        # too short: an error
        if case == 5:
            return lib.gradient(f, spacing=[1.0, 2.0, 3.0])                    # a spacing per dim: an error
        x = f.clone().requires_grad_()
        (lib.gradient(x, spacing=(lib.arange(4.0) ** 2, lib.arange(5.0)), edge_order=2)[0] ** 2).sum().backward()
        return x.grad
    both(body, rtol=1e-6)


def test_grad_is_grads_batched(both):
    def body(lib):
        x = lib.tensor([0.5, -1.0, 2.0], requires_grad=True)
        y = x.sin() * lib.arange(1.0, 4.0)
        z = (x ** 2).sum()
        J = lib.autograd.grad(y, x, grad_outputs=lib.eye(3), is_grads_batched=True, retain_graph=True)
        J2 = lib.autograd.grad((y, z), x, grad_outputs=(lib.eye(3)[:2], lib.tensor([1.0, 2.0])),
                               is_grads_batched=True)
        return J, J2
    both(body)


def test_jacobian_forward_mode_strategy(both):
    def body(lib):
        F = lib.autograd.functional
        x = lib.tensor([0.5, -1.0, 2.0])
        return (F.jacobian(lambda t: t.exp() * t, x, strategy='forward-mode', vectorize=True),
                F.hessian(lambda t: (t ** 3).sum(), x, outer_jacobian_strategy='forward-mode', vectorize=True).detach())
    both(body)


def test_detect_anomaly_nan_backward(both):
    def body(lib):
        import warnings
        out = [lib.is_anomaly_enabled()]
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            try:
                with lib.autograd.detect_anomaly():
                    out.append(lib.is_anomaly_enabled())
                    x = lib.tensor([-1.0, 4.0], requires_grad=True)
                    lib.sqrt(x).sum().backward()
            except RuntimeError as e:
                out.append(str(e))
            with lib.autograd.detect_anomaly(check_nan=False):
                x = lib.tensor([-1.0, 4.0], requires_grad=True)
                lib.sqrt(x).sum().backward()
                out.append(x.grad)
            lib.autograd.set_detect_anomaly(True)
            out.append((lib.is_anomaly_enabled(), lib.is_anomaly_check_nan_enabled()))
            lib.autograd.set_detect_anomaly(False)
        out.append(lib.is_anomaly_enabled())
        x = lib.tensor([-1.0], requires_grad=True)
        lib.sqrt(x).backward()
        return out, x.grad
    both(body)


def test_exponential_rsample_draws_as_torch(both):
    cpu_random_only()

    def body(lib):
        lib.manual_seed(0)
        rate = lib.tensor([0.5, 2.0], requires_grad=True)
        s = lib.distributions.Exponential(rate).rsample((4,))
        s.mean(0).sum().backward()
        s64 = lib.distributions.Exponential(lib.tensor(3.0, dtype=lib.float64)).sample((3,))
        return s, rate.grad, s64, lib.rand(2)
    both(body)


@pytest.mark.parametrize('eq', ['ii->i', 'ii', 'bii->b', 'iij->j', 'iji,j->i', 'ij,ii->j', 'ii,jj->ij'])
def test_einsum_backward_repeated_subscripts(both, eq):
    # trace / diagonal terms in energies: einsum('ii', H), einsum('bii->b', batch)
    def body(lib):
        lhs = eq.split('->')[0].split(',')
        ops = [lib.sin(lib.arange(float(3 ** len(s))).reshape(*[3] * len(s)) * 0.3 + k).requires_grad_()
               for k, s in enumerate(lhs)]
        y = lib.einsum(eq, *ops)
        (y * lib.cos(y)).sum().backward(create_graph=True)
        gg = lib.autograd.grad(ops[0].grad.pow(2).sum(), ops[0])[0]
        return y.detach(), [o.grad.detach() for o in ops], gg
    both(body)


def test_func_transforms_stay_differentiable_wrt_captured_parameters(both):
    cpu_random_only()
    # torch.func results depend on a module's parameters the function closes over: a loss built from
    # vmap(hessian(net)) / grad(net) trains the network (functorch-style PINNs)
    def body(lib):
        lib.manual_seed(0)
        net = lib.nn.Sequential(lib.nn.Linear(2, 4), lib.nn.Tanh(), lib.nn.Linear(4, 1))
        x = lib.linspace(-1, 1, 6).reshape(3, 2)
        F = lib.func
        lap = F.vmap(lambda p: lib.trace(F.hessian(lambda z: net(z).squeeze())(p)))(x)
        du = F.vmap(F.grad(lambda p: net(p).squeeze()))(x)
        J = F.jacrev(lambda p: net(p))(x[0])
        out, vjp_fn = F.vjp(lambda p: net(p), x[1])
        (vj,) = vjp_fn(lib.ones(1))
        const = F.grad(lambda p: (p ** 3).sum())(x[0])           # no captured parameter: detached
        flags = [t.requires_grad for t in (lap, du, J, out, vj, const)]
        (lap.sum() + du.sum() + J.sum() + out.sum() + vj.sum()).backward()
        with lib.no_grad():
            ng = F.grad(lambda p: net(p).squeeze())(x[0]).requires_grad
        return flags, ng, lap.detach(), du.detach(), net[0].weight.grad, net[2].bias.grad
    both(body)
