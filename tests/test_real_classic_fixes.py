"""Conformance tests for the differences found by the classic-program scripts
(tests/scripts/real_classic/, tests/test_real_classic_scripts.py): torch.pca_lowrank /
torch.svd_lowrank; torch.linalg.lstsq's drivers (which fields each fills, the bad-driver error,
'gels' on a rank-deficient matrix); torch.linalg.lu / lu_factor / lu_factor_ex / lu_solve,
torch.lu_unpack, torch.linalg.solve_ex and torch.triangular_solve; multi_dot's dtype check;
torch.autograd.grad with empty or dict ``inputs``; nonzero() of a 0-d tensor."""
import pytest

import conformance
from conformance import cpu_random_only
from torch_versions import requires_torch_2_13


def _mat(lib, m, n, seed=0):
    g = lib.Generator().manual_seed(seed)
    return _dev(lib, lib.randn(m, n, dtype=lib.float64, generator=g, device='cpu'))


def _dev(lib, t):
    """``t`` (drawn on the CPU from a CPU generator) on the test's default device."""
    return t.to(lib.empty(0).device)


# ---------------------------------------------------------------- pca_lowrank / svd_lowrank
@pytest.mark.parametrize('center', [True, False])
def test_pca_lowrank_matches_torch_draw_for_draw(both, center):
    cpu_random_only()

    def body(lib):
        lib.manual_seed(3)
        A = lib.randn(20, 2) @ lib.randn(2, 6) + 0.01 * lib.randn(20, 6)
        U, S, V = lib.pca_lowrank(A, q=3, center=center, niter=3)
        # singular vectors are fixed only up to sign: compare S and sign-free products
        return U.shape, V.shape, S, (U * U).sum(0), (V.abs() @ V.abs().T).shape, lib.randn(2)
    both(body, rtol=1e-4, atol=1e-5)


def test_pca_lowrank_default_q_and_errors(both):
    cpu_random_only()
    both(lambda lib: [t.shape for t in lib.pca_lowrank(lib.randn(10, 4))])
    both(lambda lib: lib.pca_lowrank(lib.randn(3, 4), q=5))
    both(lambda lib: lib.pca_lowrank(lib.randn(3, 4), niter=-1))


def test_svd_lowrank_wide_and_batched(both):
    cpu_random_only()

    def body(lib):
        lib.manual_seed(0)
        A = lib.randn(2, 4, 9, dtype=lib.float64)
        U, S, V = lib.svd_lowrank(A, q=4)
        return U.shape, S, V.shape, lib.allclose((U * S.unsqueeze(-2)) @ V.mT, A)
    both(body, rtol=1e-6)


# ---------------------------------------------------------------- lstsq drivers
@pytest.mark.parametrize('driver', [None, 'gels', 'gelsy', 'gelsd', 'gelss'])
def test_lstsq_driver_fields(both, driver):
    def body(lib):
        A, B = _mat(lib, 6, 3), _mat(lib, 6, 2, 1)
        r = lib.linalg.lstsq(A, B, driver=driver)
        v = lib.linalg.lstsq(A, B[:, 0], driver=driver)
        return tuple(r), type(r).__name__, tuple(v)
    both(body, rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize('driver', ['gelsy', 'gelsd', 'gelss'])
def test_lstsq_rank_deficient_and_wide(both, driver):
    def body(lib):
        A = lib.ones(4, 2, dtype=lib.float64)
        wide = _mat(lib, 2, 4)
        B = _mat(lib, 4, 1, 2)
        r = lib.linalg.lstsq(A, B, driver=driver)
        w = lib.linalg.lstsq(wide, B[:2], driver=driver)
        return r.residuals, r.rank, r.singular_values, tuple(w)
    both(body, rtol=1e-9, atol=1e-10)


def test_lstsq_bad_driver_and_gels_rank_deficient(both):
    # (torch's CUDA build takes only 'gels': any other name is refused with its own message)
    both(lambda lib: lib.linalg.lstsq(_mat(lib, 4, 2), _mat(lib, 4, 1), driver='foo'),
         match='should be one of|other than `gels` is not supported on CUDA')
    both(lambda lib: lib.linalg.lstsq(_mat(lib, 4, 2), _mat(lib, 4, 1), driver='GELS').residuals)

    # the CPU's LAPACK gels refuses a rank-deficient matrix; CUDA's (QR, no rank check) answers:
    # tests/test_cuda_build_rules.py compares that with torch on CUDA (here the CPU's error would
    # be the reference on the cuda axis too)
    # (a zero column: R's diagonal is exactly 0 on every LAPACK; with ones(4, 2) it is 0 or ~1e-16
    # depending on the BLAS kernels the machine gets, and gels then refuses or answers)
    if conformance.DEVICE[0] == 'cpu':
        both(lambda lib: lib.linalg.lstsq(lib.tensor([[1., 0], [2, 0], [3, 0], [4, 0]], dtype=lib.float64),
                                          lib.ones(4, 1, dtype=lib.float64), driver='gels'),
             match='does not have full rank')


def test_lstsq_residuals_differentiable(both):
    def body(lib):
        A = _mat(lib, 5, 2).requires_grad_()
        r = lib.linalg.lstsq(A, _mat(lib, 5, 1, 1), driver='gelsd')
        g, = lib.autograd.grad(r.residuals.sum() + r.solution.sum(), A)
        return r.residuals, r.rank.requires_grad, r.singular_values.requires_grad, g
    both(body, rtol=1e-8)


def test_multi_dot_dtype_mismatch_message(both):
    for dt in ('float64', 'int64', 'int32'):
        both(lambda lib: lib.linalg.multi_dot([lib.ones(2, 2), lib.ones(2, 2), lib.ones(2, 2, dtype=getattr(lib, dt))]),
             match='same dtype but tensor 0 is float and tensor 2 ' + {'float64': 'double', 'int64': 'long int',
                                                                     'int32': 'int'}[dt] + '$')


# ---------------------------------------------------------------- LU family
@pytest.mark.parametrize('shape', [(4, 4), (3, 5), (5, 3), (2, 3, 3)])
def test_lu_and_lu_factor(both, shape):
    def body(lib):
        g = lib.Generator().manual_seed(1)
        A = _dev(lib, lib.randn(*shape, generator=g, device='cpu'))
        P, L, U = lib.linalg.lu(A)
        LU, piv = lib.linalg.lu_factor(A)
        LUe, pive, info = lib.linalg.lu_factor_ex(A)
        return P, L, U, LU, piv, LUe, pive, info, tuple(lib.lu_unpack(LU, piv)), type(P.new_ones(1)).__name__
    both(body, rtol=1e-5)


def test_lu_singular(both):
    S = lambda lib: lib.tensor([[1.0, 2.0], [2.0, 4.0]])  # noqa: E731
    both(lambda lib: tuple(lib.linalg.lu_factor_ex(S(lib))))
    both(lambda lib: tuple(lib.linalg.lu(S(lib))))
    both(lambda lib: lib.linalg.lu_factor(lib.zeros(2, 2)), match='U\\[1,1\\] is zero')


@pytest.mark.parametrize('left,adjoint', [(True, False), (True, True), (False, False), (False, True)])
def test_lu_solve(both, left, adjoint):
    def body(lib):
        A = _mat(lib, 4, 4)
        Ab = lib.stack([A, A.T + 2 * lib.eye(4, dtype=lib.float64)])
        B = _mat(lib, 4, 3, 1) if left else _mat(lib, 3, 4, 1)
        LU, piv = lib.linalg.lu_factor(A)
        LUb, pivb = lib.linalg.lu_factor(Ab)
        return (lib.linalg.lu_solve(LU, piv, B, left=left, adjoint=adjoint),
                lib.linalg.lu_solve(LUb, pivb, B, left=left, adjoint=adjoint))
    both(body, rtol=1e-9, atol=1e-10)


def test_lu_gradients(both):
    def body(lib):
        A = _mat(lib, 4, 4).requires_grad_()
        B = _mat(lib, 4, 2, 1).requires_grad_()
        P, L, U = lib.linalg.lu(A)
        gl = lib.autograd.grad((L * L).sum() + (U ** 3).sum(), A)
        LU, piv = lib.linalg.lu_factor(A)
        X = lib.linalg.lu_solve(LU, piv, B)
        gs = lib.autograd.grad((X ** 2).sum(), (A, B))
        return P.requires_grad, L.requires_grad, piv.requires_grad, gl, gs
    both(body, rtol=1e-8, atol=1e-10)


def test_solve_ex(both):
    def body(lib):
        A, B = _mat(lib, 3, 3), _mat(lib, 3, 2, 1)
        r = lib.linalg.solve_ex(A, B)
        s = lib.linalg.solve_ex(lib.tensor([[1.0, 2.0], [2.0, 4.0]]), lib.ones(2))
        return tuple(r), type(r).__name__, s.info, lib.linalg.solve_ex(A, B[:, 0], left=True).result
    both(body, rtol=1e-9)
    both(lambda lib: lib.linalg.solve_ex(lib.zeros(2, 2), lib.ones(2), check_errors=True))


@pytest.mark.parametrize('upper,transpose,unit', [(True, False, False), (False, True, False), (True, True, True)])
def test_triangular_solve(both, upper, transpose, unit):
    def body(lib):
        A = _mat(lib, 3, 3) + 3 * lib.eye(3, dtype=lib.float64)
        b = _mat(lib, 3, 2, 1)
        r = lib.triangular_solve(b, A, upper=upper, transpose=transpose, unitriangular=unit)
        return tuple(r), type(r).__name__
    both(body, rtol=1e-9)


# ---------------------------------------------------------------- autograd.grad inputs
@requires_torch_2_13     # (torch 2.11 answers otherwise: device-independent autograd code)
def test_autograd_grad_empty_inputs(both):
    def body(lib):
        t = lib.tensor(2.0, requires_grad=True)
        return lib.autograd.grad(t * 3, [])
    both(body, match='`inputs` argument to `grad\\(\\)` cannot be empty')


@requires_torch_2_13     # (torch 2.11 answers otherwise: device-independent autograd code)
def test_autograd_grad_and_backward_dict_inputs(both):
    def body(lib):
        a = lib.ones(2, requires_grad=True)
        b = lib.ones(1, requires_grad=True)
        g = lib.autograd.grad((a * 2).sum() + (b * 5).sum(), {'a': a, 'b': b})
        (a * 3).sum().backward(inputs={'a': a})
        return g, a.grad, b.grad
    both(body)


# ---------------------------------------------------------------- nonzero of a scalar
def test_nonzero_of_0d_tensor(both):
    both(lambda lib: (lib.tensor(5).nonzero(), lib.tensor(0.0).nonzero(), lib.argwhere(lib.tensor(True)),
                      lib.tensor(3).nonzero(as_tuple=True), lib.tensor(0).nonzero(as_tuple=True)))


# ---------------------------------------------------------------- torch.func.linearize
def test_func_linearize(both):
    def body(lib):
        from importlib import import_module
        linearize = import_module(lib.__name__ + '.func').linearize
        out, jvp_fn = linearize(lambda x, y: x.sin() * y + y.sum(), lib.tensor([0.0, 1.0]), lib.tensor([2.0, 3.0]))
        out2, f2 = linearize(lib.sin, lib.zeros(3))
        return out, jvp_fn(lib.ones(2), lib.zeros(2)), jvp_fn(lib.zeros(2), lib.ones(2)), out2, f2(lib.ones(3))
    both(body)


# ---------------------------------------------------------------- nn.AdaptiveLogSoftmaxWithLoss
def test_adaptive_log_softmax_with_loss(both):
    cpu_random_only()

    def body(lib):
        lib.manual_seed(0)
        asm = lib.nn.AdaptiveLogSoftmaxWithLoss(16, 30, cutoffs=[5, 15], div_value=2.0)
        x = lib.randn(12, 16)
        t = lib.tensor([0, 3, 7, 29, 14, 15, 4, 4, 20, 1, 6, 10])
        out, loss = asm(x, t)
        loss.backward()
        lp = asm.log_prob(x)
        one = asm(x[0], t[0])
        return (repr(asm), [(n, p.shape) for n, p in asm.named_parameters()], out, loss, type(out).__name__,
                [p.grad for p in asm.parameters()], lp, asm.predict(x), one.output, one.loss)
    both(body, rtol=1e-5)


@pytest.mark.parametrize('case', ['batch_mismatch', 'out_of_range', 'bad_cutoffs', 'target_2d', 'empty_cutoffs'])
def test_adaptive_log_softmax_errors(both, case):
    def body(lib):
        asm = lib.nn.AdaptiveLogSoftmaxWithLoss(4, 10, cutoffs=[3])
        x = lib.zeros(6, 4)
        t = lib.tensor([0, 1, 2, 3, 4, 5])
        if case == 'batch_mismatch':
            return asm(x, t[:3])
        if case == 'out_of_range':
            return asm(x, t + 5)
        if case == 'bad_cutoffs':
            return lib.nn.AdaptiveLogSoftmaxWithLoss(4, 10, [5, 3])
        if case == 'empty_cutoffs':
            return lib.nn.AdaptiveLogSoftmaxWithLoss(4, 10, [])
        return asm(x, t.view(2, 3))
    both(body)


# ---------------------------------------------------------------- torch.histogramdd
@pytest.mark.parametrize('case', ['counts', 'range_weight_density', 'edges', 'one_dim', 'batched', 'int_input'])
def test_histogramdd(both, case):
    def body(lib):
        pts = lib.tensor([[0.0, 1.0], [1.0, 0.0], [2.0, 2.0], [0.5, 0.5]])
        if case == 'counts':
            r = lib.histogramdd(pts, bins=[2, 3])
        elif case == 'range_weight_density':
            r = lib.histogramdd(pts, bins=2, range=[0.0, 4.0, 0.0, 1.0], weight=lib.tensor([1.0, 2.0, 3.0, 4.0]),
                                density=True)
        elif case == 'edges':
            r = lib.histogramdd(pts, bins=[lib.tensor([0.0, 1.0, 2.0]), lib.tensor([0.0, 3.0])])
        elif case == 'one_dim':
            r = lib.histogramdd(lib.ones(3, 1), bins=2)
        elif case == 'batched':
            x = lib.linspace(-2, 2, 60, dtype=lib.float64).view(2, 10, 3)
            r = lib.histogramdd(x, bins=(3, 4, 2))
        else:
            r = lib.histogramdd(lib.ones(3, 2, dtype=lib.long), bins=2)
        return type(r).__name__, r.hist, type(r.bin_edges).__name__, list(r.bin_edges)
    both(body)


# ---------------------------------------------------------------- deprecated torch.lu / lu_solve / Tensor methods
def test_deprecated_lu_forms(both):
    def body(lib):
        A = lib.tensor([[1.0, 2.0, 0.5], [3.0, 4.0, 1.0], [0.0, 1.0, 2.0]])
        b = lib.ones(3, 2)
        LU, piv = lib.lu(A)
        withinfo = lib.lu(A, get_infos=True)
        t = A.lu(get_infos=True)
        return (type(lib.lu(A)).__name__, LU, piv, type(withinfo).__name__, tuple(withinfo), type(t).__name__, t,
                lib.lu_solve(b, LU, piv), b.lu_solve(LU, piv), tuple(b.triangular_solve(A.triu())),
                tuple(lib.lu(lib.zeros(2, 2), get_infos=True)), lib.lu(lib.zeros(2, 2)))
    both(body, rtol=1e-6)


# ---------------------------------------------------------------- tensorsolve, tensorinv, geqrf, householder_product
def test_tensorsolve_tensorinv(both):
    def body(lib):
        g = lib.Generator().manual_seed(0)
        A = _dev(lib, lib.randn(6, 2, 3, dtype=lib.float64, generator=g, device='cpu'))
        B = _dev(lib, lib.randn(6, dtype=lib.float64, generator=g, device='cpu'))
        A4 = _dev(lib, lib.randn(4, 2, 2, dtype=lib.float64, generator=g, device='cpu'))
        return (lib.linalg.tensorsolve(A, B), lib.linalg.tensorsolve(A.permute(1, 0, 2), B, dims=(0, 2)),
                lib.linalg.tensorinv(A4, ind=1), lib.linalg.tensorinv(
                    _dev(lib, lib.randn(2, 3, 6, dtype=lib.float64, generator=g, device='cpu')), ind=2))
    both(body, rtol=1e-9, atol=1e-9)
    both(lambda lib: lib.linalg.tensorsolve(lib.ones(2, 3, 4), lib.ones(2)), match='12 != 2')
    both(lambda lib: lib.linalg.tensorinv(lib.ones(4, 2, 3), ind=1))


def test_geqrf_householder_product(both):
    def body(lib):
        g = lib.Generator().manual_seed(1)
        M = _dev(lib, lib.randn(5, 3, dtype=lib.float64, generator=g, device='cpu'))
        a, tau = lib.geqrf(M)
        Q = lib.linalg.householder_product(a, tau)
        Ab = _dev(lib, lib.randn(2, 4, 3, dtype=lib.float64, generator=g, device='cpu')).requires_grad_()
        tb = _dev(lib, lib.randn(2, 3, dtype=lib.float64, generator=g, device='cpu')).requires_grad_()
        H = lib.linalg.householder_product(Ab, tb)
        grads = lib.autograd.grad(H.pow(2).sum() + H.sum(), (Ab, tb))
        return (type(lib.geqrf(M)).__name__, a, tau, Q, lib.allclose(Q, lib.linalg.qr(M).Q),
                lib.linalg.householder_product(a, tau[:2]), lib.orgqr(a, tau), M.geqrf()[1], H, grads,
                lib.geqrf(_dev(lib, lib.randn(2, 3, generator=g, device='cpu'))))
    both(body, rtol=1e-6, atol=1e-9)
    both(lambda lib: lib.linalg.householder_product(lib.randn(2, 3), lib.randn(2)))
    both(lambda lib: lib.linalg.householder_product(lib.randn(3, 2), lib.randn(3)))
