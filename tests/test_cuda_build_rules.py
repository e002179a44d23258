"""Where torch's CUDA build answers otherwise than its CPU build, ember on CUDA answers as the CUDA
build (docs/cuda.md). The conformance tests here run on the CPU and, on the ``cuda`` axis, against
torch on CUDA; their bodies do not fail on the CPU (run_both compares a body torch refuses on the
CPU with the CPU's error). The rules whose CPU form is an error are checked at the end directly
against torch on CUDA, with a GPU only."""
import numpy as np
import pytest

import ember
from conformance import torch


def _mat(lib, m, n, seed=0):
    g = lib.Generator().manual_seed(seed)
    return lib.randn(m, n, dtype=lib.float64, generator=g, device='cpu').to(lib.empty(0).device)


# ---------------------------------------------------------------- conformance (both devices)
def test_lstsq_default_driver_fields(both):
    # CPU: 'gelsy' (rank, no residuals); CUDA: 'gels', its only driver (residuals, no rank)
    def body(lib):
        A, B = _mat(lib, 6, 3), _mat(lib, 6, 2, 1)
        return tuple(lib.linalg.lstsq(A, B)), tuple(lib.linalg.lstsq(A, B, driver='GELS'))
    both(body, rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize('driver', ['gelsy', 'gelsd', 'gelss'])
def test_lstsq_other_drivers(both, driver):
    both(lambda lib: tuple(lib.linalg.lstsq(_mat(lib, 5, 3), _mat(lib, 5, 1, 1), driver=driver)),
         rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize('case', ['dot', 'dot_empty', 'vdot', 'matmul_1d', 'mv', 'inner'])
def test_integer_products(both, case):
    # torch's CUDA build has no integer BLAS: "dot" not implemented for 'Long' (an empty dot too)
    def body(lib):
        a, m = lib.tensor([1, 2, 3]), lib.tensor([[1, 2, 3], [4, 5, 6]])
        return {'dot': lambda: lib.dot(a, a), 'dot_empty': lambda: lib.dot(a[:0], a[:0]),
                'vdot': lambda: lib.vdot(a, a), 'matmul_1d': lambda: a @ a, 'mv': lambda: lib.mv(m, a),
                'inner': lambda: lib.inner(m, m)}[case]()
    both(body)


@pytest.mark.parametrize('edges', [False, True])
def test_histogramdd(both, edges):
    # no CUDA kernels in torch: the dispatcher's NotImplementedError
    def body(lib):
        pts = lib.tensor([[0.0, 1.0], [1.0, 0.0], [2.0, 2.0]])
        bins = [lib.tensor([0.0, 1.0, 2.0]), lib.tensor([0.0, 3.0])] if edges else [2, 3]
        return tuple(lib.histogramdd(pts, bins=bins))
    both(body, match='_histogramdd_from_bin_tensors' if edges else '_histogramdd_bin_edges')


def test_pack_sequence_lengths_on_the_default_device(both):
    # pack_sequence makes its lengths on the default device: torch wants them on the CPU
    def body(lib):
        rnn = lib.nn.utils.rnn
        p = rnn.pack_padded_sequence(lib.ones(3, 2), lib.tensor([3, 2], device='cpu'))
        return p.data, p.batch_sizes, rnn.pack_sequence([lib.ones(3), lib.ones(2)]).data
    both(body, match='1D CPU int64 tensor, but got 1D cuda:0 Long tensor')


def test_legacy_cpu_type_of_a_tensor(both):
    both(lambda lib: lib.LongTensor(lib.tensor([1, 2])), match='expected TensorOptions')


def test_lu_solve_values(both):
    # (ember on CUDA once kept its host LU factors on the host, which CuPy's solver refused)
    def body(lib):
        A, B = _mat(lib, 4, 4), _mat(lib, 4, 2, 1)
        LU, piv = lib.linalg.lu_factor(A)
        return lib.linalg.lu_solve(LU, piv, B), lib.lu_unpack(LU, piv).P
    both(body, rtol=1e-9, atol=1e-10)


def test_dropout_integer_p1_and_empty(both):
    def body(lib):
        F = lib.nn.functional
        e = lib.tensor([], dtype=lib.long)
        return F.dropout(lib.tensor([1, 2]), 1.0), F.dropout(e, 0.5) is e
    both(body)


def test_max_pool_signed_zero_ties(both):
    # the first maximum in scan order wins, -0.0 before 0.0 included (its sign bit is the answer)
    def body(lib):
        x = lib.tensor([[[-0.0, 0.0, 0.0, -0.0, -1.0, -0.0]]])
        out = lib.nn.functional.max_pool1d(x, 2)
        return out, lib.tensor(out.cpu().numpy().view(np.int32))
    both(body)


# ---------------------------------------------------------------- CUDA only, against torch on CUDA
_gpu = pytest.mark.skipif(not (torch.cuda.is_available() and ember.cuda.is_available()),
                          reason='needs torch and ember on a GPU')


def _answer(lib, f):
    try:
        r = f(lib)
    except Exception as e:      # noqa: BLE001
        return 'raises', type(e).__name__, str(e)
    return 'ok', str(r.dtype), tuple(r.shape), r.cpu().numpy()


@_gpu
@pytest.mark.parametrize('name', ['abs', 'absolute', 'abs_', 'absolute_'])
def test_cuda_abs_of_bool(name):
    f = lambda lib: getattr(lib.tensor([True, False], device='cuda'), name)()   # noqa: E731
    t, e = _answer(torch, f), _answer(ember, f)
    assert t[0] == 'ok' and t[:3] == e[:3] and np.array_equal(t[3], e[3]), (t, e)


@_gpu
@pytest.mark.parametrize('case', ['floordiv_scalar', 'remainder_scalar', 'fmod_scalar', 'floordiv_tensor',
                                  'remainder_tensor', 'div_floor', 'div_trunc'])
def test_cuda_integer_division_by_zero_is_not_checked(case):
    # (the values are whatever the GPU's integer division gives: dtype and shape are compared)
    def f(lib):
        a, z = lib.tensor([-7, 0, 7], device='cuda'), lib.zeros(3, dtype=lib.long, device='cuda')
        return {'floordiv_scalar': lambda: a // 0, 'remainder_scalar': lambda: lib.remainder(a, 0),
                'fmod_scalar': lambda: lib.fmod(a, 0), 'floordiv_tensor': lambda: a // z,
                'remainder_tensor': lambda: a % z, 'div_floor': lambda: lib.div(a, z, rounding_mode='floor'),
                'div_trunc': lambda: lib.div(a, z, rounding_mode='trunc')}[case]()
    t, e = _answer(torch, f), _answer(ember, f)
    assert t[:3] == e[:3]


@_gpu
def test_cuda_dropout_of_integers_in_training():
    f = lambda lib: lib.nn.functional.dropout(lib.tensor([1, 2], device='cuda'), 0.5)     # noqa: E731
    assert _answer(torch, f) == _answer(ember, f) == (
        'raises', 'NotImplementedError', '"fused_dropout" not implemented for \'Long\'')


@_gpu
def test_cuda_lstsq_gels_of_a_rank_deficient_matrix():
    # torch's CUDA gels (geqrf + ormqr + trsm) checks no rank: the solution follows the rounding of
    # R's last diagonal entry, but the fit A @ X, the residuals and the empty rank do not
    def f(lib):
        A, B = lib.ones(4, 2, dtype=lib.float64, device='cuda'), lib.ones(4, 1, dtype=lib.float64, device='cuda')
        r = lib.linalg.lstsq(A, B, driver='gels')
        return [x.cpu().numpy() for x in (A @ r.solution, r.residuals, r.rank)]
    t, e = f(torch), f(ember)
    assert [x.shape for x in t] == [x.shape for x in e]
    np.testing.assert_allclose(e[0], t[0], rtol=1e-6)
    np.testing.assert_allclose(e[1], t[1], atol=1e-12)
