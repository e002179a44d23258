"""Resampling (interpolate / Upsample, pixel_shuffle / PixelShuffle), PReLU / RReLU /
Hardshrink / Softshrink, the ranking / embedding / triplet / Poisson / Gaussian losses against
torch's (values, gradients, reprs, errors), and a LeNet trained 3 SGD steps in both libraries."""
import warnings

import numpy as np
import pytest

from conformance import run_both, torch
from torch_versions import torch_older_than_2_13
import ember


def arr(*shape, seed=0, lo=None, hi=None):
    rng = np.random.default_rng(seed)
    a = rng.uniform(lo, hi, shape) if lo is not None else rng.standard_normal(shape)
    return a.astype(np.float32)


def err(fn):
    try:
        fn()
    except Exception as e:      # noqa: BLE001
        return type(e).__name__, str(e)
    return None


def grads_of(lib, fn, *arrays, seed=7):
    """``fn(*tensors)`` with the float arrays requiring grad; the output, and every input's
    gradient under a fixed upstream gradient."""
    xs = [lib.tensor(a, requires_grad=a.dtype.kind == 'f') if isinstance(a, np.ndarray) else a for a in arrays]
    out = fn(*xs)
    g = lib.tensor(np.random.default_rng(seed).standard_normal(tuple(out.shape)).astype(np.float32))
    (out * g).sum().backward()
    return out, [x.grad if isinstance(x, (torch.Tensor, ember.Tensor)) and x.requires_grad else None for x in xs]


# ---------------------------------------------------------------- interpolate
INTERP = [
    dict(shape=(2, 3, 4, 5), scale_factor=2, mode='nearest'),
    dict(shape=(2, 3, 4, 5), size=(7, 3), mode='nearest'),
    dict(shape=(1, 2, 5, 6), scale_factor=0.5, mode='nearest'),
    dict(shape=(1, 2, 5, 6), scale_factor=(1.7, 0.6), mode='nearest'),
    dict(shape=(2, 3, 7), size=12, mode='nearest'),
    dict(shape=(1, 2, 3, 4, 5), scale_factor=2, mode='nearest'),
    dict(shape=(2, 3, 4, 5), size=(7, 9), mode='nearest-exact'),
    dict(shape=(2, 3, 4, 5), scale_factor=2, mode='bilinear'),
    dict(shape=(2, 3, 4, 5), scale_factor=2, mode='bilinear', align_corners=True),
    dict(shape=(2, 3, 4, 5), size=(7, 3), mode='bilinear'),
    dict(shape=(2, 3, 4, 5), size=(7, 3), mode='bilinear', align_corners=True),
    dict(shape=(1, 2, 6, 6), scale_factor=0.5, mode='bilinear'),
    dict(shape=(1, 2, 5, 6), scale_factor=1.7, mode='bilinear', recompute_scale_factor=True),
    dict(shape=(1, 2, 5, 6), scale_factor=(1.7, 2.3), mode='bilinear'),
    dict(shape=(1, 2, 5, 6), size=(1, 1), mode='bilinear', align_corners=True),
    dict(shape=(2, 3, 6), scale_factor=1.5, mode='linear'),
    dict(shape=(2, 3, 6), size=4, mode='linear', align_corners=True),
    dict(shape=(1, 2, 3, 4, 3), scale_factor=2, mode='trilinear'),
]


@pytest.mark.parametrize('case', INTERP, ids=[str(c) for c in INTERP])
def test_interpolate(both, case):
    kw = {k: v for k, v in case.items() if k != 'shape'}
    x = arr(*case['shape'])

    def body(lib):
        return grads_of(lib, lambda t: lib.nn.functional.interpolate(t, **kw), x)
    both(body, rtol=1e-5, atol=1e-5)


def test_upsample_modules_and_errors(both):
    def body(lib):
        nn, F = lib.nn, lib.nn.functional
        x = lib.tensor(arr(1, 2, 3, 4))
        ms = [nn.Upsample(scale_factor=2), nn.Upsample(size=(5, 6), mode='bilinear', align_corners=False),
              nn.Upsample(scale_factor=(2, 3), mode='nearest'), nn.UpsamplingNearest2d(scale_factor=2),
              nn.UpsamplingBilinear2d(size=(4, 7))]
        return ([(repr(m), m(x)) for m in ms],
                err(lambda: F.interpolate(x, scale_factor=2, mode='nearest', align_corners=True)),
                err(lambda: F.interpolate(x, size=3, scale_factor=2)),
                err(lambda: F.interpolate(x)),
                err(lambda: F.interpolate(x, size=(2, 3, 4))),
                # (the message lists the modes: torch 2.13 has 'lanczos', older releases do not)
                None if torch_older_than_2_13 else err(lambda: F.interpolate(lib.ones(2, 3), size=4)))
    both(body, rtol=1e-5, atol=1e-5)


# ---------------------------------------------------------------- pixel shuffle
def test_pixel_shuffle(both):
    def body(lib):
        nn, F = lib.nn, lib.nn.functional
        a = grads_of(lib, lambda t: F.pixel_shuffle(t, 2), arr(2, 8, 3, 4))
        b = grads_of(lib, lambda t: F.pixel_unshuffle(t, 3), arr(2, 2, 6, 9))
        c = grads_of(lib, lambda t: nn.PixelShuffle(3)(t), arr(9, 2, 2))
        d = grads_of(lib, lambda t: nn.PixelUnshuffle(2)(t), arr(2, 1, 3, 4, 6))
        x = lib.tensor(arr(1, 8, 2, 2))
        return (a, b, c, d, repr(nn.PixelShuffle(2)), repr(nn.PixelUnshuffle(4)),
                bool((F.pixel_unshuffle(F.pixel_shuffle(x, 2), 2) == x).all()),
                err(lambda: F.pixel_shuffle(lib.ones(1, 3, 2, 2), 2)),
                err(lambda: F.pixel_unshuffle(lib.ones(1, 3, 3, 2), 2)),
                err(lambda: F.pixel_shuffle(lib.ones(4, 2), 2)))
    both(body)


# ---------------------------------------------------------------- prelu & shrink
@pytest.mark.parametrize('n,shape', [(1, (4, 3)), (3, (2, 3, 4)), (3, (2, 3, 2, 2)), (1, (5,)), (1, ())])
def test_prelu(n, shape):
    x = arr(*shape, lo=-2, hi=2) if shape else np.array(-1.5, np.float32)
    ref = {}

    def body(lib):
        m = lib.nn.PReLU(n, init=0.1)
        if lib is torch:
            with torch.no_grad():
                m.weight.copy_(torch.tensor(arr(n, seed=3)))
            ref['w'] = m.weight.detach().cpu().numpy().copy()
        else:
            m.load_state_dict({'weight': ember.tensor(ref['w'])})
        out, gx = grads_of(lib, m, x)
        return out, gx, m.weight.grad, repr(m), m.weight.requires_grad
    run_both(body)


def test_prelu_functional_and_errors(both):
    def body(lib):
        F = lib.nn.functional
        w = lib.tensor([0.2, -0.5, 1.5], requires_grad=True)
        out, gs = grads_of(lib, lambda x: F.prelu(x, w), arr(2, 3, 5))
        return (out, gs, w.grad, lib.nn.PReLU().weight, err(lambda: F.prelu(lib.ones(2, 4), w)),
                err(lambda: lib.nn.PReLU(2)(lib.ones(3, 3))))
    both(body)


@pytest.mark.parametrize('name,args', [('Hardshrink', ()), ('Hardshrink', (1.2,)), ('Softshrink', ()),
                                       ('Softshrink', (0.9,)), ('RReLU', ()), ('RReLU', (0.1, 0.4))])
def test_shrink_and_rrelu_eval(both, name, args):
    x = arr(4, 6, lo=-3, hi=3)
    fname = name.lower()

    def body(lib):
        m = getattr(lib.nn, name)(*args)
        m.eval()
        f = getattr(lib.nn.functional, fname)
        return grads_of(lib, m, x), grads_of(lib, lambda t: f(t, *args), x), repr(m)
    both(body)


def test_rrelu_training_and_errors(both):
    def body(lib):
        lib.manual_seed(0)
        m = lib.nn.RReLU(0.1, 0.3, inplace=False)
        x = lib.tensor(arr(200, 50, lo=-2, hi=2, seed=5), requires_grad=True)
        y = m(x)
        ratio = (y / x)[x < 0]
        y.sum().backward()
        pos = x.grad[x > 0]
        return (bool((ratio >= 0.1 - 1e-6).all()), bool((ratio <= 0.3 + 1e-6).all()), round(ratio.mean().item(), 1),
                bool((y[x > 0] == x[x > 0]).all()), bool((pos == 1).all()), repr(lib.nn.RReLU(inplace=True)),
                err(lambda: lib.nn.functional.softshrink(x, -1.0)) is not None)
    both(body)


# ---------------------------------------------------------------- losses
@pytest.mark.parametrize('reduction', ['mean', 'sum', 'none'])
def test_margin_ranking_and_cosine_embedding(both, reduction):
    y = np.array([1, -1, 1, -1, 1], np.float32)

    def body(lib):
        nn = lib.nn
        a = grads_of(lib, lambda i1, i2, t: nn.MarginRankingLoss(0.3, reduction=reduction)(i1, i2, t).reshape(-1),
                     arr(5), arr(5, seed=1), y)
        b = grads_of(lib, lambda i1, i2: nn.CosineEmbeddingLoss(0.2, reduction=reduction)(
            i1, i2, lib.tensor(y)).reshape(-1), arr(5, 4), arr(5, 4, seed=1))
        c = grads_of(lib, lambda i1, i2: lib.nn.functional.cosine_embedding_loss(
            i1, i2, lib.tensor(-1.0), reduction=reduction).reshape(-1), arr(4), arr(4, seed=2))
        return a, b, c
    both(body, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize('kw', [dict(), dict(margin=0.5, p=1), dict(swap=True), dict(p=3, reduction='sum'),
                                dict(reduction='none', eps=1e-3)])
def test_triplet_margin_loss(both, kw):
    def body(lib):
        out = grads_of(lib, lambda a, p, n: lib.nn.TripletMarginLoss(**kw)(a, p, n).reshape(-1),
                       arr(6, 4), arr(6, 4, seed=1), arr(6, 4, seed=2))
        f = grads_of(lib, lambda a, p, n: lib.nn.functional.triplet_margin_loss(a, p, n, **kw).reshape(-1),
                     arr(4), arr(4, seed=1), arr(4, seed=2))
        return out, f, repr(lib.nn.TripletMarginLoss(**kw)), err(lambda: lib.nn.TripletMarginLoss(margin=0.0))
    both(body, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize('kw', [dict(), dict(log_input=False), dict(full=True), dict(log_input=False, full=True,
                                                                                        reduction='sum'),
                                dict(reduction='none', eps=1e-3, log_input=False)])
def test_poisson_nll_loss(both, kw):
    target = np.array([[0, 1, 2, 5], [3, 0.5, 7, 1.5]], np.float32)

    def body(lib):
        lo = kw.get('log_input', True)
        x = arr(2, 4, lo=-1, hi=1) if lo else arr(2, 4, lo=0.1, hi=3)
        return (grads_of(lib, lambda i, t: lib.nn.PoissonNLLLoss(**kw)(i, t).reshape(-1), x, target),
                repr(lib.nn.PoissonNLLLoss(**kw)))
    both(body, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize('kw', [dict(), dict(full=True), dict(reduction='sum'), dict(reduction='none', eps=0.5)])
@pytest.mark.parametrize('vshape', [(3, 4), (3,), (3, 1)])
def test_gaussian_nll_loss(both, kw, vshape):
    def body(lib):
        var = arr(*vshape, lo=0.0, hi=2.0, seed=3)
        var.flat[0] = 0.0           # clamped to eps: its gradient still flows (torch's clamp under no_grad)
        return grads_of(lib, lambda i, t, v: lib.nn.GaussianNLLLoss(**kw)(i, t, v).reshape(-1),
                        arr(3, 4), arr(3, 4, seed=1), var)
    both(body, rtol=1e-5, atol=1e-5)


def test_gaussian_nll_errors_and_float_var(both):
    def body(lib):
        F = lib.nn.functional
        x, t = lib.tensor(arr(3, 4)), lib.tensor(arr(3, 4, seed=1))
        return (F.gaussian_nll_loss(x, t, 0.5), err(lambda: F.gaussian_nll_loss(x, t, lib.ones(2, 2))),
                err(lambda: F.gaussian_nll_loss(x, t, -lib.ones(3, 4))),
                err(lambda: F.gaussian_nll_loss(x, t, lib.ones(3, 4), reduction='avg')),
                err(lambda: F.margin_ranking_loss(lib.ones(3), lib.ones(3), lib.ones(3, 1))))
    both(body)


# ---------------------------------------------------------------- LeNet
def test_lenet_trains_like_torch(both):
    """A LeNet-5 on random 28x28 inputs, 3 SGD steps from the same weights: the same losses."""
    rng = np.random.default_rng(0)
    x, y = arr(8, 1, 28, 28), rng.integers(0, 10, 8)
    ref = {}

    def body(lib):
        nn = lib.nn
        lib.manual_seed(0)
        net = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5),
                            nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(16 * 5 * 5, 120), nn.ReLU(),
                            nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
        if lib is torch:
            ref['sd'] = {k: v.detach().cpu().numpy().copy() for k, v in net.state_dict().items()}
        else:
            net.load_state_dict({k: ember.tensor(v) for k, v in ref['sd'].items()})
        opt = lib.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
        X, Y = lib.tensor(x), lib.tensor(y)
        losses = []
        for _ in range(3):
            opt.zero_grad()
            loss = nn.CrossEntropyLoss()(net(X), Y)
            loss.backward()
            opt.step()
            losses.append(loss.item())
        return losses, net[0].weight.detach(), net[-1].bias.detach()
    t, e = both(body, rtol=1e-4, atol=1e-5)
    assert t[0][0] != t[0][-1]
