"""Conformance tests for the differences found by the PyTorch-tutorial scripts
(tests/scripts/real_tutorials_a/, tests/test_real_tutorials_a_scripts.py)."""
import numpy as np
import pytest

import conformance
from conformance import cpu_random_only


def _names(fn):
    return [None if n is None else type(n).__name__ for n, _ in fn.next_functions]


# ------------------------------------------------------------- indexing with a range
def test_range_as_index(both):
    # "What is torch.nn really?": -input[range(target.shape[0]), target].mean()
    def body(lib):
        x = lib.arange(12.).view(3, 4).requires_grad_()
        target = lib.tensor([3, 0, 2])
        picked = x[range(target.shape[0]), target]
        picked.sum().backward()
        y = lib.zeros(5)
        y[range(1, 4)] = 1.0
        return picked, x.grad, x[range(2)], x[:, range(0, 4, 2)], x[range(0)].shape, y
    both(body)


# ------------------------------------------------------------- grid_sample / affine_grid
@pytest.mark.parametrize('padding_mode', ['border', 'reflection'])
@pytest.mark.parametrize('align_corners', [False, True])
def test_grid_sample_clipped_coordinates_have_zero_grid_gradient(both, padding_mode, align_corners):
    # torch's clip_coordinates_set_grad: a coordinate on the border, or beyond it, gets no gradient
    def body(lib):
        F = lib.nn.functional
        x = (lib.arange(25.).view(1, 1, 5, 5) ** 2).double()
        grid = lib.tensor([[[[-1., -1.], [1., 1.], [1.3, 0.2], [-1.2, -0.5], [0.1, 1.0], [0.25, -0.3]]]],
                          dtype=lib.float64, requires_grad=True)
        out = F.grid_sample(x, grid, mode='bilinear', padding_mode=padding_mode, align_corners=align_corners)
        (out * lib.arange(1., 7.).double()).sum().backward()
        return out, grid.grad
    both(body)


def test_affine_grid_sums_as_torch_bmm(both):
    # the grid feeds grid_sample's floor: it must be torch's bit for bit (no fused multiply-add)
    def body(lib):
        F = lib.nn.functional
        theta = lib.tensor([[[0.9, 0.1, 0.05], [-0.1, 0.8, 0.0]], [[1.1, -0.3, 0.2], [0.25, 0.7, -0.15]]],
                           requires_grad=True)
        grid = F.affine_grid(theta, (2, 1, 28, 28), align_corners=False)
        grid3 = F.affine_grid(lib.tensor([[[0.9, 0.1, 0.05, 0.], [-0.1, 0.8, 0.0, 0.1], [0.2, 0., 1., 0.]]]),
                              (1, 1, 5, 6, 7), align_corners=False)
        grid.pow(2).sum().backward()
        return grid, grid3, theta.grad
    # theta.grad sums 784 products of size up to ~500 that cancel to ~0 in one entry: on a GPU, and
    # in torch's bmm on another CPU's BLAS kernels, the float32 sum goes in another order (a few ulps
    # of the terms: 2.4e-5 seen on a GPU, 6.9e-5 with MKL on an AVX-512 Xeon)
    tr, er = both(body, atol=1e-4)
    # the grids equal to float32 rounding (both's tolerance is for theta.grad's summation order):
    # bit for bit where torch's bmm does not fuse the multiply-add (its CPU build on AMD here), one
    # rounding apart where it does (MKL on an AVX-512 Xeon; torch's CUDA kernels)
    for a, b in zip(tr[:2], er[:2]):
        np.testing.assert_allclose(a.detach().cpu().numpy(), b.detach().cpu().numpy(), rtol=3e-7, atol=1e-7)


def test_grid_sample_identity_grid_for_odd_sizes(both):
    # linspace_from_neg_one: range * (n - 1) / n, two roundings
    def body(lib):
        F = lib.nn.functional
        theta = lib.tensor([[[1., 0, 0], [0, 1, 0]]])
        return [F.affine_grid(theta, (1, 1, n, n + 4), align_corners=False) for n in (3, 7, 28, 37)]
    tr, er = both(body)
    for a, b in zip(tr, er):
        if conformance.DEVICE[0] == 'cpu':
            np.testing.assert_array_equal(a.cpu().numpy(), b.cpu().numpy())
        else:       # torch's CUDA linspace rounds apart from its CPU one (1 ulp seen): float32 rounding
            np.testing.assert_allclose(a.cpu().numpy(), b.cpu().numpy(), rtol=3e-7, atol=1e-7)


# ------------------------------------------------------------- loss nodes as torch's
@pytest.mark.parametrize('reduction', ['mean', 'sum', 'none'])
def test_mse_loss_node_edges_and_grads(both, reduction):
    # the 60-minute blitz: loss.grad_fn.next_functions[0][0] is the Linear's AddmmBackward0
    cpu_random_only()
    def body(lib):
        lib.manual_seed(0)
        lin = lib.nn.Linear(3, 4)
        x = lib.randn(5, 3)
        target = lib.randn(5, 4)
        loss = lib.nn.MSELoss(reduction=reduction)(lin(x), target)
        names = (type(loss.grad_fn).__name__, _names(loss.grad_fn),
                 _names(loss.grad_fn.next_functions[0][0]) if reduction != 'none' else None)
        loss.sum().backward()
        return names, loss, lin.weight.grad, lin.bias.grad
    both(body)


def test_mse_loss_target_grad_broadcast_and_double_backward(both):
    def body(lib):
        F = lib.nn.functional
        x = lib.tensor([[0.5, -1.0, 2.0], [1.5, 0.0, -0.5]], dtype=lib.float64, requires_grad=True)
        t = lib.tensor([0.25, 1.0, -1.0], dtype=lib.float64, requires_grad=True)
        loss = F.mse_loss(x, t)
        gx, gt = lib.autograd.grad(loss, (x, t), create_graph=True)
        ggx, = lib.autograd.grad((gx ** 2).sum() + gt.sum(), x)
        return loss, gx, gt, ggx, _names(loss.grad_fn), lib.autograd.gradcheck(
            lambda a, b: F.mse_loss(a, b, reduction='sum'), (x, t.expand(2, 3)))
    both(body)


@pytest.mark.parametrize('reduction', ['mean', 'sum', 'none'])
@pytest.mark.parametrize('kind', ['plain', 'weight', 'pos_weight'])
def test_bce_with_logits_node_edges_and_grads(both, reduction, kind):
    # the autograd tutorial: loss = binary_cross_entropy_with_logits(z, y); loss.grad_fn
    def body(lib):
        F = lib.nn.functional
        x = lib.tensor([[0.3, -1.2, 2.0, 0.0], [1.1, -0.4, -2.5, 0.7]], requires_grad=True)
        t = lib.tensor([[1., 0., 1., 0.5], [0., 0.25, 1., 1.]], requires_grad=True)
        kw = {'weight': lib.tensor([1., 2., 0.5, 0.])} if kind == 'weight' else \
            {'pos_weight': lib.tensor([0.5, 1., 3., 2.])} if kind == 'pos_weight' else {}
        loss = F.binary_cross_entropy_with_logits(x * 1, t * 1, reduction=reduction, **kw)
        names = type(loss.grad_fn).__name__, _names(loss.grad_fn)
        gx, gt = lib.autograd.grad(loss.sum(), (x, t), create_graph=True)
        ggx, = lib.autograd.grad(gx.pow(2).sum(), x)
        return names, loss, gx, gt, ggx
    both(body, rtol=1e-5)


@pytest.mark.parametrize('reduction', ['mean', 'sum', 'none'])
@pytest.mark.parametrize('weighted', [False, True])
def test_bce_node_edges_and_grads(both, reduction, weighted):
    def body(lib):
        F = lib.nn.functional
        x = lib.tensor([[0.3, -1.2, 2.0], [1.1, -0.4, -2.5]], dtype=lib.float64, requires_grad=True)
        t = lib.tensor([[1., 0., 1.], [0., 0.25, 1.]], dtype=lib.float64, requires_grad=True)
        w = lib.tensor([1., 2., 0.5], dtype=lib.float64) if weighted else None
        loss = F.binary_cross_entropy(x.sigmoid(), t * 1, weight=w, reduction=reduction)
        names = type(loss.grad_fn).__name__, _names(loss.grad_fn)
        gx, gt = lib.autograd.grad(loss.sum(), (x, t), create_graph=True)
        ggx, = lib.autograd.grad(gx.pow(2).sum(), x)
        return names, loss, gx, gt, ggx
    both(body)


def test_soft_margin_loss_target_not_differentiable(both):
    def body(lib):
        x = lib.randn(3, requires_grad=True)
        return lib.nn.functional.soft_margin_loss(x, lib.ones(3, requires_grad=True))
    both(body, match='not differentiable')


@pytest.mark.parametrize('reduction', ['mean', 'sum', 'none'])
@pytest.mark.parametrize('loss', ['smooth_l1_loss', 'huber_loss'])
def test_smooth_l1_and_huber_node_edges_and_grads(both, loss, reduction):
    def body(lib):
        fn = getattr(lib.nn.functional, loss)
        x = lib.tensor([[0.3, -1.2, 2.0, 0.0], [1.1, -0.4, -2.5, 0.7]], dtype=lib.float64, requires_grad=True)
        t = lib.tensor([[1., 0., 1., 0.5], [0., 0.25, 1., 0.7]], dtype=lib.float64, requires_grad=True)
        kw = {'beta': 0.5} if loss == 'smooth_l1_loss' else {'delta': 0.8}
        out = fn(x * 1, t * 1, reduction=reduction, **kw)
        names = type(out.grad_fn).__name__, _names(out.grad_fn)
        gx, gt = lib.autograd.grad(out.sum(), (x, t), create_graph=True)
        ggx, = lib.autograd.grad((gx * x).sum(), x)
        bc = fn(x, t[0], reduction=reduction, **kw)
        gbc, = lib.autograd.grad(bc.sum(), t)
        return names, out, gx, gt, ggx, bc, gbc
    both(body)


# ------------------------------------------------------------- load(weights_only=True) with safe globals
def test_whole_model_load_with_safe_globals(both, tmp_path):
    # the save/load tutorial: torch.save(model, PATH); torch.load(PATH) needs the classes allowlisted
    cpu_random_only()

    def body(lib):
        import pickle
        nn = lib.nn
        lib.manual_seed(0)
        m = nn.Sequential(nn.Linear(3, 2), nn.ReLU())
        path = str(tmp_path / f'{lib.__name__}_model.pth')
        lib.save(m, path)
        out = []
        for allow in ([], [nn.Sequential, nn.Linear], [nn.Sequential, nn.Linear, nn.ReLU]):
            with lib.serialization.safe_globals(allow):
                try:
                    m2 = lib.load(path)
                except pickle.UnpicklingError as e:
                    out.append(('refused', 'Unsupported global: GLOBAL' in str(e), 'ReLU' in str(e)))
                    continue
            out.append((repr(m2), m2[0].weight, m2(lib.ones(1, 3)), type(m2[0].weight).__name__))
        return out
    both(body)


def test_regression_loss_graphs_of_composed_variants(both):
    # torch composes these in Python: weighted mse / huber, smooth_l1 with beta=0 (l1_loss)
    def body(lib):
        F = lib.nn.functional
        x = lib.tensor([[0.3, -1.2, 2.0], [1.1, -0.4, -2.5]], requires_grad=True)
        t = lib.tensor([[1., 0., 1.], [0., 0.25, 1.]])
        w = lib.tensor([[1., 2., 0.5], [0., 1., 3.]])
        out = []
        for loss in (F.mse_loss(x, t, weight=w), F.huber_loss(x, t, weight=w, delta=0.5),
                     F.huber_loss(x, t, weight=w, reduction='sum'), F.smooth_l1_loss(x, t, beta=0.0)):
            g, = lib.autograd.grad(loss, x)
            out.append((loss, g, type(loss.grad_fn).__name__, _names(loss.grad_fn),
                        [_names(n) for n, _ in loss.grad_fn.next_functions if n is not None]))
        return out
    both(body)
