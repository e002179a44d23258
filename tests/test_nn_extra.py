"""More torch.nn layers against torch's: the padding modules (Zero/Constant/Reflection/
Replication/CircularPad1d/2d/3d), PairwiseDistance / CosineSimilarity, the margin losses
(HingeEmbedding, SoftMargin, MultiLabelSoftMargin, MultiMargin, MultiLabelMargin,
TripletMarginWithDistance), LocalResponseNorm, ChannelShuffle, MaxUnpool1d/2d/3d and
EmbeddingBag: values, gradients, reductions, reprs and errors; float64 gradcheck of the
functionals."""
import warnings

import numpy as np
import pytest

from conformance import run_both, torch
from test_misc_layers import arr, grads_of  # noqa: E402  (the same helpers: data, output and input gradients)
import ember
from ember.autograd import gradcheck


def err(fn):
    try:
        fn()
    except Exception as e:      # noqa: BLE001
        return type(e).__name__
    return None




def f64(*shape, seed=0, lo=None, hi=None):
    return ember.tensor(arr(*shape, seed=seed, lo=lo, hi=hi).astype(np.float64), requires_grad=True)


# ---------------------------------------------------------------- padding
PADS = [('ZeroPad1d', (2,), (2, 3, 5)), ('ZeroPad1d', ((1, -2),), (3, 6)),
        ('ZeroPad2d', ((1, 0, 2, 3),), (2, 3, 4, 5)), ('ZeroPad2d', (1,), (3, 4, 5)),
        ('ZeroPad3d', ((1, 2, 0, 1, 2, 0),), (1, 2, 3, 4, 5)), ('ZeroPad3d', (1,), (2, 3, 4, 2)),
        ('ConstantPad1d', (2, 3.5), (2, 3, 4)), ('ConstantPad1d', ((3, 1), -1.0), (3, 4)),
        ('ConstantPad2d', ((1, 2, 0, 1), 2.0), (2, 2, 3, 3)), ('ConstantPad2d', (1, 0.5), (2, 3, 3)),
        ('ConstantPad3d', (1, -2.5), (1, 2, 2, 3, 2)), ('ConstantPad3d', ((0, 1, 2, 0, 1, 1), 1.0), (2, 2, 3, 2)),
        ('ReflectionPad1d', (2,), (2, 3, 4)), ('ReflectionPad1d', ((3, 1),), (3, 5)),
        ('ReflectionPad2d', (1,), (2, 2, 3, 4)), ('ReflectionPad2d', ((2, 0, 1, 2),), (2, 3, 4)),
        ('ReflectionPad3d', (1,), (1, 2, 2, 3, 4)), ('ReflectionPad3d', ((1, 0, 2, 1, 0, 1),), (2, 3, 3, 4)),
        ('ReplicationPad1d', ((3, 1),), (2, 3, 4)), ('ReplicationPad1d', (2,), (3, 2)),
        ('ReplicationPad2d', ((1, 2, 3, 0),), (2, 2, 3, 4)), ('ReplicationPad2d', (2,), (2, 3, 3)),
        ('ReplicationPad3d', (1,), (1, 2, 2, 3, 2)), ('ReplicationPad3d', ((2, 0, 1, 1, 0, 2),), (2, 2, 3, 2)),
        ('CircularPad1d', ((2, 1),), (2, 3, 4)), ('CircularPad1d', (3,), (2, 4)),
        ('CircularPad2d', (1,), (2, 2, 3, 4)), ('CircularPad2d', ((2, 0, -1, 1),), (2, 3, 4)),
        ('CircularPad3d', (1,), (1, 2, 2, 3, 4)), ('CircularPad3d', ((1, 2, 0, 1, 2, 0),), (2, 3, 3, 4))]


@pytest.mark.parametrize('name,args,shape', PADS, ids=[f'{n}{a}{s}' for n, a, s in PADS])
def test_padding_modules(both, name, args, shape):
    def body(lib):
        m = getattr(lib.nn, name)(*args)
        return grads_of(lib, m, arr(*shape)), repr(m), m.padding
    both(body)


def test_padding_module_attributes_and_errors(both):
    def body(lib):
        nn = lib.nn
        x1, x2 = lib.ones(3), lib.ones(2, 3, 4, 5, 6, 7)
        return (nn.ConstantPad2d([1, 2, 3, 4], 1).padding, nn.ConstantPad3d(2, 0.5).value, nn.ZeroPad2d(1).value,
                repr(nn.ConstantPad1d(2, 3)), repr(nn.ZeroPad3d(2)), repr(nn.CircularPad2d([1, 2, 0, 1])),
                isinstance(nn.ZeroPad2d(1), nn.ConstantPad2d),
                nn.ZeroPad1d(1)(lib.tensor([[1, 2]])),                      # integer input keeps its dtype
                err(lambda: nn.CircularPad1d(1)(x1)), err(lambda: nn.CircularPad2d(1)(lib.ones(2, 3))),
                err(lambda: nn.CircularPad3d(1)(x2)), err(lambda: nn.ReflectionPad1d(3)(lib.ones(1, 2, 3))),
                err(lambda: nn.ReflectionPad2d(1)(x1)), err(lambda: nn.ReplicationPad3d(1)(lib.ones(2, 2))),
                err(lambda: nn.CircularPad1d(5)(lib.ones(1, 2, 3))), err(lambda: nn.ZeroPad1d((1, 2, 3))(x1)),
                err(lambda: nn.ConstantPad1d(-3, 0.0)(lib.ones(2, 4))))
    both(body)


def test_padding_double_backward(both):
    def body(lib):
        x = lib.tensor(arr(2, 3, 4), requires_grad=True)
        out = []
        for m in (lib.nn.ReflectionPad1d(2), lib.nn.ReplicationPad2d(1), lib.nn.CircularPad1d((1, 2)),
                  lib.nn.ZeroPad2d((1, 0, 0, 2))):
            y = (m(x) ** 3).sum()
            g, = lib.autograd.grad(y, x, create_graph=True)
            gg, = lib.autograd.grad((g * g).sum(), x)
            out.append((g, gg))
        return out
    both(body, rtol=1e-5)


# ---------------------------------------------------------------- distances
@pytest.mark.parametrize('kw', [dict(), dict(p=1.0), dict(p=3.0, keepdim=True), dict(eps=0.1), dict(p=0.5)])
@pytest.mark.parametrize('shapes', [((5, 4), (5, 4)), ((4,), (4,)), ((3, 4), (1, 4)), ((2, 3, 4), (3, 4))])
def test_pairwise_distance_module(both, kw, shapes):
    def body(lib):
        m = lib.nn.PairwiseDistance(**kw)
        return grads_of(lib, m, arr(*shapes[0]), arr(*shapes[1], seed=1)), repr(m), m.norm, m.eps, m.keepdim
    both(body, rtol=1e-5)


@pytest.mark.parametrize('kw', [dict(), dict(dim=0), dict(dim=-1, eps=1e-3), dict(dim=2)])
def test_cosine_similarity_module(both, kw):
    def body(lib):
        m = lib.nn.CosineSimilarity(**kw)
        return (grads_of(lib, m, arr(3, 4, 5), arr(3, 4, 5, seed=1)), grads_of(lib, m, arr(3, 4, 5), arr(1, 4, 5)),
                repr(m), m.dim, m.eps, err(lambda: m(lib.ones(2, 3), lib.ones(3, 2))))
    both(body, rtol=1e-5)


# ---------------------------------------------------------------- losses
REDUCTIONS = ['mean', 'sum', 'none']


@pytest.mark.parametrize('reduction', REDUCTIONS)
@pytest.mark.parametrize('margin', [1.0, 0.3])
def test_hinge_embedding_loss(both, reduction, margin):
    y = np.array([[1, -1, 1, -1, 1], [-1, -1, 1, 1, 2]], np.float32)    # 2: neither, both terms count

    def body(lib):
        m = lib.nn.HingeEmbeddingLoss(margin=margin, reduction=reduction)
        a = grads_of(lib, lambda x: m(x, lib.tensor(y)).reshape(-1), arr(2, 5, lo=-1, hi=2))
        b = grads_of(lib, lambda x: lib.nn.functional.hinge_embedding_loss(x, lib.tensor([1.0, -1.0, -1.0]), margin,
                                                                           reduction=reduction).reshape(-1),
                     arr(3, seed=2, lo=-1, hi=2))
        c = grads_of(lib, lambda x: m(x, lib.tensor([1, -1, -1, 1])).reshape(-1), arr(3, 4, seed=3))  # broadcast
        return a, b, c, repr(m), m.margin, m.reduction
    both(body, rtol=1e-5)


@pytest.mark.parametrize('reduction', REDUCTIONS)
def test_soft_margin_loss(both, reduction):
    y = np.array([[1, -1, 1, -1], [-1, -1, 1, 1], [1, 1, -1, 1]], np.float32)

    def body(lib):
        m = lib.nn.SoftMarginLoss(reduction=reduction)
        a = grads_of(lib, lambda x: m(x, lib.tensor(y)).reshape(-1), arr(3, 4) * 3)
        b = grads_of(lib, lambda x: lib.nn.functional.soft_margin_loss(x, lib.tensor(y[0]), reduction=reduction)
                     .reshape(-1), arr(4, seed=1) * 30)                     # large margins: no overflow to inf
        return a, b, repr(m)
    both(body, rtol=1e-5)


@pytest.mark.parametrize('reduction', REDUCTIONS)
@pytest.mark.parametrize('weighted', [False, True])
def test_multilabel_soft_margin_loss(both, reduction, weighted):
    y = np.array([[1, 0, 1, 0], [0, 0, 1, 1], [1, 1, 0, 1]], np.float32)
    w = np.array([0.5, 2.0, 1.0, 0.1], np.float32)

    def body(lib):
        m = lib.nn.MultiLabelSoftMarginLoss(weight=lib.tensor(w) if weighted else None, reduction=reduction)
        a = grads_of(lib, lambda x: m(x, lib.tensor(y)).reshape(-1), arr(3, 4) * 3)
        b = grads_of(lib, lambda x: lib.nn.functional.multilabel_soft_margin_loss(x, lib.tensor(y[1]),
                                                                                  reduction=reduction).reshape(-1),
                     arr(4, seed=1))
        return a, b, repr(m), m.weight, [k for k, _ in m.named_buffers()]
    both(body, rtol=1e-5)


@pytest.mark.parametrize('reduction', REDUCTIONS)
@pytest.mark.parametrize('p,margin,weighted', [(1, 1.0, False), (2, 1.0, False), (1, 0.5, True), (2, 2.0, True)])
def test_multi_margin_loss(both, reduction, p, margin, weighted):
    t = np.array([1, 0, 3, 3, 2], np.int64)
    w = np.array([0.5, 2.0, 1.0, 0.1], np.float32)

    def body(lib):
        m = lib.nn.MultiMarginLoss(p=p, margin=margin, weight=lib.tensor(w) if weighted else None,
                                   reduction=reduction)
        F = lib.nn.functional
        a = grads_of(lib, lambda x: m(x, lib.tensor(t)).reshape(-1), arr(5, 4))
        b = grads_of(lib, lambda x: F.multi_margin_loss(x, lib.tensor([2]), p, margin, reduction=reduction)
                     .reshape(-1), arr(4, seed=1))
        c = F.multi_margin_loss(lib.tensor(arr(4, seed=1)), lib.tensor(2), p, margin, reduction=reduction)
        d = F.multi_margin_loss(lib.tensor(1.5), lib.tensor(0), reduction=reduction)
        return a, b, c, d, repr(m), m.p, m.margin
    both(body, rtol=1e-5)


def test_multi_margin_loss_errors(both):
    def body(lib):
        F, nn = lib.nn.functional, lib.nn
        x, t = lib.tensor(arr(3, 4)), lib.tensor([1, 0, 3])
        w = lib.ones(4, requires_grad=True)
        return (err(lambda: F.multi_margin_loss(x, t.int())), err(lambda: F.multi_margin_loss(x, t.float())),
                err(lambda: F.multi_margin_loss(x, lib.tensor([1, 0, 4]))),
                err(lambda: F.multi_margin_loss(x, lib.tensor([1, -1, 0]))),
                err(lambda: F.multi_margin_loss(x, t[:2])), err(lambda: F.multi_margin_loss(x, t.reshape(3, 1))),
                err(lambda: F.multi_margin_loss(x, t, weight=lib.ones(3))),
                err(lambda: F.multi_margin_loss(x, t, weight=lib.ones(2, 2))),
                err(lambda: F.multi_margin_loss(x, t, weight=lib.ones(4, dtype=lib.float64))),
                err(lambda: F.multi_margin_loss(x, t, weight=w)), err(lambda: F.multi_margin_loss(x, t, p=3)),
                err(lambda: F.multi_margin_loss(x.long(), t)), err(lambda: F.multi_margin_loss(lib.ones(3, 0), t)),
                err(lambda: F.multi_margin_loss(lib.ones(3, 4, 2), t)),
                err(lambda: F.multi_margin_loss(x, t, reduction='avg')),
                err(lambda: nn.MultiMarginLoss(p=3)), err(lambda: nn.MultiMarginLoss(weight=lib.ones(2, 2))))
    both(body)


ML_TARGETS = [np.array([[3, 0, -1, 1], [0, 1, 2, 3], [1, -1, 0, 0], [-1, 2, 1, 0], [2, 2, -1, 3]], np.int64)]


@pytest.mark.parametrize('reduction', REDUCTIONS)
def test_multilabel_margin_loss(both, reduction):
    t = ML_TARGETS[0]

    def body(lib):
        m = lib.nn.MultiLabelMarginLoss(reduction=reduction)
        F = lib.nn.functional
        a = grads_of(lib, lambda x: m(x, lib.tensor(t)).reshape(-1), arr(5, 4))
        b = grads_of(lib, lambda x: F.multilabel_margin_loss(x, lib.tensor([2, 0, -1]), reduction=reduction)
                     .reshape(-1), arr(3, seed=1))
        c = F.multilabel_margin_loss(lib.tensor(arr(3, seed=1)), lib.tensor([2, 0, -1]), reduction=reduction)
        d = F.multilabel_margin_loss(lib.tensor(0.5), lib.tensor(0), reduction=reduction)
        return a, b, c, d, repr(m)
    both(body, rtol=1e-5)


def test_multilabel_margin_loss_errors(both):
    def body(lib):
        F = lib.nn.functional
        x, y = lib.tensor(arr(3, 4)), lib.tensor(ML_TARGETS[0][:3])
        return (err(lambda: F.multilabel_margin_loss(x, y.int())), err(lambda: F.multilabel_margin_loss(x, y[:2])),
                err(lambda: F.multilabel_margin_loss(x, y[0])),
                err(lambda: F.multilabel_margin_loss(x, lib.tensor([[4, 0, 0, 0]] * 3))),
                err(lambda: F.multilabel_margin_loss(x, lib.tensor([[-2, 0, 0, 0]] * 3))),
                err(lambda: F.multilabel_margin_loss(x.long(), y)),
                err(lambda: F.multilabel_margin_loss(lib.ones(2, 3, 4), y)),
                err(lambda: F.multilabel_margin_loss(x[0], y[0, :3])))
    both(body)


def _sq_dist(lib):
    return lambda a, b: ((a - b) ** 2).sum(-1)


@pytest.mark.parametrize('kw', [dict(), dict(margin=0.5), dict(swap=True), dict(reduction='sum'),
                                dict(reduction='none', swap=True, margin=2.0), dict(dist='cos'), dict(dist='sq')])
def test_triplet_margin_with_distance_loss(both, kw):
    def body(lib):
        kw2 = dict(kw)
        dist = kw2.pop('dist', None)
        if dist == 'cos':
            kw2['distance_function'] = lambda a, b: 1.0 - lib.nn.functional.cosine_similarity(a, b)
        elif dist == 'sq':
            kw2['distance_function'] = _sq_dist(lib)
        m = lib.nn.TripletMarginWithDistanceLoss(**kw2)
        a = grads_of(lib, lambda a, p, n: m(a, p, n).reshape(-1), arr(6, 4), arr(6, 4, seed=1), arr(6, 4, seed=2))
        b = grads_of(lib, lambda a, p, n: lib.nn.functional.triplet_margin_with_distance_loss(a, p, n, **kw2)
                     .reshape(-1), arr(6, 4), arr(6, 4, seed=1), arr(6, 4, seed=2))
        return a, b, repr(m), m.margin, m.swap
    both(body, rtol=1e-5)


def test_triplet_margin_with_distance_loss_errors(both):
    def body(lib):
        F, nn = lib.nn.functional, lib.nn
        a = lib.ones(3, 4)
        return (err(lambda: F.triplet_margin_with_distance_loss(a, a, a, margin=0.0)),
                err(lambda: F.triplet_margin_with_distance_loss(a, a, a, reduction='avg')),
                err(lambda: F.triplet_margin_with_distance_loss(a, a, lib.ones(4))),
                err(lambda: nn.TripletMarginWithDistanceLoss(margin=-1.0)),
                err(lambda: nn.TripletMarginWithDistanceLoss(lib.nn.PairwiseDistance())),
                repr(nn.TripletMarginWithDistanceLoss(distance_function=nn.CosineSimilarity())))
    both(body)


def test_legacy_reduction_args(both):
    def body(lib):
        F = lib.nn.functional
        x, y = lib.tensor(arr(3, 4)), lib.tensor(np.sign(arr(3, 4, seed=1)))
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter('always')
            r = (F.hinge_embedding_loss(x, y, size_average=False), F.soft_margin_loss(x, y, reduce=False),
                 F.multilabel_soft_margin_loss(x, (y > 0).float(), size_average=False),
                 F.multi_margin_loss(x, lib.tensor([0, 1, 2]), reduce=False),
                 F.multilabel_margin_loss(x, lib.tensor(ML_TARGETS[0][:3]), size_average=False),
                 lib.nn.SoftMarginLoss(size_average=False).reduction)
        return r, len(w) > 0, err(lambda: F.soft_margin_loss(x, y, reduction='avg')), \
            err(lambda: F.multilabel_soft_margin_loss(x, y, reduction='avg')), \
            err(lambda: F.hinge_embedding_loss(x, lib.ones(3))), err(lambda: F.soft_margin_loss(x, lib.ones(3)))
    both(body, rtol=1e-5)


GRADCHECK = {
    'hinge_embedding_loss': (lambda F: lambda x: F.hinge_embedding_loss(
        x, ember.tensor([1.0, -1.0, -1.0, 1.0], dtype=ember.float64), margin=0.7, reduction='none'), [(3, 4)]),
    'soft_margin_loss': (lambda F: lambda x: F.soft_margin_loss(
        x, ember.tensor([1.0, -1.0, -1.0, 1.0], dtype=ember.float64)), [(3, 4)]),
    'multilabel_soft_margin_loss': (lambda F: lambda x: F.multilabel_soft_margin_loss(
        x, ember.tensor([1.0, 0.0, 0.0, 1.0], dtype=ember.float64), reduction='none'), [(3, 4)]),
    'multi_margin_loss_p1': (lambda F: lambda x: F.multi_margin_loss(
        x, ember.tensor([0, 3, 1]), margin=0.5, reduction='none'), [(3, 4)]),
    'multi_margin_loss_p2_weight': (lambda F: lambda x: F.multi_margin_loss(
        x, ember.tensor([0, 3, 1]), p=2, weight=ember.tensor([1.0, 2.0, 0.5, 3.0], dtype=ember.float64)), [(3, 4)]),
    'multilabel_margin_loss': (lambda F: lambda x: F.multilabel_margin_loss(
        x, ember.tensor(ML_TARGETS[0][:3]), reduction='none'), [(3, 4)]),
    'triplet_margin_with_distance_loss': (lambda F: lambda a, p, n: F.triplet_margin_with_distance_loss(
        a, p, n, swap=True, reduction='none'), [(3, 4), (3, 4), (3, 4)]),
    'local_response_norm': (lambda F: lambda x: F.local_response_norm(x, 3, alpha=0.5, beta=0.75, k=1.0),
                            [(2, 5, 3)]),
    'local_response_norm_4d': (lambda F: lambda x: F.local_response_norm(x, 2, alpha=0.3), [(1, 4, 2, 3)]),
    'channel_shuffle': (lambda F: lambda x: F.channel_shuffle(x, 2), [(2, 4, 3)]),
    'max_unpool2d': (lambda F: lambda x: F.max_unpool2d(x, ember.tensor([[[[0, 3], [9, 14]]]]), 2), [(1, 1, 2, 2)]),
    'max_unpool1d': (lambda F: lambda x: F.max_unpool1d(x, ember.tensor([[1, 2, 5]]), 2, output_size=[7]), [(1, 3)]),
    'embedding_bag_sum_psw': (lambda F: lambda w, p: F.embedding_bag(
        ember.tensor([1, 2, 4, 1, 0]), w, ember.tensor([0, 2, 2]), mode='sum', per_sample_weights=p), [(5, 3), (5,)]),
    'embedding_bag_mean': (lambda F: lambda w: F.embedding_bag(
        ember.tensor([[1, 2, 4], [0, 0, 3]]), w, mode='mean', padding_idx=4), [(5, 3)]),
    'embedding_bag_max': (lambda F: lambda w: F.embedding_bag(
        ember.tensor([1, 2, 4, 1, 0]), w, ember.tensor([0, 3]), mode='max'), [(5, 3)]),
}


@pytest.mark.parametrize('name', list(GRADCHECK))
def test_gradcheck(name):
    make, shapes = GRADCHECK[name]
    xs = tuple(f64(*s, seed=i) for i, s in enumerate(shapes))
    assert gradcheck(make(ember.nn.functional), xs)


# ---------------------------------------------------------------- local response norm, channel shuffle
@pytest.mark.parametrize('args', [(2,), (3,), (5, 1e-2, 0.5, 2.0), (1, 0.1)])
@pytest.mark.parametrize('shape', [(2, 6, 4), (2, 5, 3, 4), (1, 4, 2, 3, 2)])
def test_local_response_norm(both, args, shape):
    def body(lib):
        m = lib.nn.LocalResponseNorm(*args)
        return (grads_of(lib, m, arr(*shape) * 3), grads_of(lib, lambda t: lib.nn.functional.local_response_norm(
            t, *args), arr(*shape, seed=1)), repr(m))
    both(body, rtol=1e-5)


def test_local_response_norm_errors(both):
    def body(lib):
        F = lib.nn.functional
        return (err(lambda: F.local_response_norm(lib.ones(2, 3), 2)), F.local_response_norm(lib.ones(2, 0, 3), 2),
                repr(lib.nn.LocalResponseNorm(2, alpha=1e-3, beta=0.5, k=2)))
    both(body)


@pytest.mark.parametrize('groups,shape', [(2, (2, 6, 3)), (3, (1, 6, 2, 2)), (1, (2, 4, 3)), (4, (2, 8, 1, 2, 2)),
                                          (6, (1, 6, 5))])
def test_channel_shuffle(both, groups, shape):
    def body(lib):
        m = lib.nn.ChannelShuffle(groups)
        return (grads_of(lib, m, arr(*shape)), grads_of(lib, lambda t: lib.nn.functional.channel_shuffle(t, groups),
                                                        arr(*shape, seed=1)), repr(m), m.groups)
    both(body)


def test_channel_shuffle_errors_and_dtypes(both):
    def body(lib):
        F = lib.nn.functional
        x = lib.tensor(arr(2, 6, 3))
        return (F.channel_shuffle(lib.arange(24).reshape(2, 6, 2), 3), err(lambda: F.channel_shuffle(x, 0)),
                err(lambda: F.channel_shuffle(x, 4)), err(lambda: F.channel_shuffle(lib.ones(6, 3), 2)),
                err(lambda: F.channel_shuffle(x, -2)), err(lambda: F.channel_shuffle(x, 2.0)),
                err(lambda: lib.nn.ChannelShuffle(5)(x)))
    both(body)


# ---------------------------------------------------------------- max unpooling
UNPOOL = [(1, (2, 3, 8), dict(kernel_size=2)), (1, (2, 9), dict(kernel_size=3, stride=2, padding=1)),
          (2, (2, 3, 6, 8), dict(kernel_size=2)), (2, (3, 7, 5), dict(kernel_size=3, stride=2)),
          (2, (1, 2, 7, 7), dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 1))),
          (3, (1, 2, 4, 6, 4), dict(kernel_size=2)),
          (3, (2, 5, 5, 6), dict(kernel_size=(3, 2, 2), stride=2, padding=1))]


@pytest.mark.parametrize('k,shape,kw', UNPOOL, ids=[f'{k}d{s}{kw}' for k, s, kw in UNPOOL])
def test_max_unpool(both, k, shape, kw):
    def body(lib):
        nn, F = lib.nn, lib.nn.functional
        pool = getattr(nn, f'MaxPool{k}d')(return_indices=True, **kw)
        unpool = getattr(nn, f'MaxUnpool{k}d')(**kw)
        x = lib.tensor(arr(*shape), requires_grad=True)
        out, idx = pool(x)
        y = unpool(out, idx)
        g = lib.tensor(arr(*y.shape, seed=3))
        (y * g).sum().backward()
        z = getattr(F, f'max_unpool{k}d')(out.detach(), idx, **kw)
        return y, x.grad, idx, z, repr(unpool), unpool.kernel_size, unpool.stride, unpool.padding
    both(body)


def test_max_unpool_output_size(both):
    def body(lib):
        nn, F = lib.nn, lib.nn.functional
        x = lib.tensor(arr(1, 2, 5, 5))
        out, idx = F.max_pool2d(x, 2, return_indices=True)
        v = lib.tensor(arr(1, 2, 2, 2, seed=1), requires_grad=True)
        y = nn.MaxUnpool2d(2)(v, idx, output_size=x.size())
        y2 = F.max_unpool2d(v, idx, 2, output_size=(5, 4))
        (y.sum() + (y2 * 2).sum()).backward()
        x1 = lib.tensor(arr(2, 7))
        o1, i1 = F.max_pool1d(x1, 2, return_indices=True)
        return (y, y2, v.grad, F.max_unpool1d(o1, i1, 2, output_size=[7]), F.max_unpool1d(o1, i1, 2),
                err(lambda: F.max_unpool2d(out, idx, 2, output_size=(9, 9))),
                err(lambda: F.max_unpool2d(out, idx, 2, output_size=(5,))),
                err(lambda: F.max_unpool1d(o1, i1, 2, output_size=[10])))
    both(body)


def test_max_unpool_errors(both):
    def body(lib):
        F = lib.nn.functional
        o, i = F.max_pool2d(lib.tensor(arr(1, 2, 4, 4)), 2, return_indices=True)
        empty_i = lib.zeros(1, 0, 2, 2, dtype=lib.long)
        return (err(lambda: F.max_unpool2d(o, i.int(), 2)), err(lambda: F.max_unpool2d(o, i[0], 2)),
                err(lambda: F.max_unpool2d(o, i * 10, 2)), err(lambda: F.max_unpool2d(o, -i - 1, 2)),
                err(lambda: F.max_unpool2d(o[0, 0], i[0, 0], 2)),
                err(lambda: F.max_unpool1d(o[0, 0, 0], i[0, 0, 0], 2)),
                err(lambda: F.max_unpool3d(o[None], i[None] * 100, 2)), err(lambda: F.max_unpool2d(o.long(), i, 2)),
                err(lambda: F.max_unpool2d(o, i.float(), 2)),
                err(lambda: F.max_unpool3d(o[None], i[None], 2, stride=0)),
                err(lambda: F.max_unpool2d(lib.ones(1, 0, 2, 2), empty_i, 2)), F.max_unpool3d(o, i, 2).shape,
                F.max_unpool2d(lib.ones(0, 2, 2, 2), empty_i.reshape(0, 2, 2, 2), 2))
    both(body)


# ---------------------------------------------------------------- embedding bag
BAG_INPUT = np.array([1, 2, 4, 5, 4, 3, 2, 9, 0, 7], np.int64)
BAGS = [dict(offsets=[0, 4, 4, 7]), dict(offsets=[0, 3, 10], include_last_offset=True),
        dict(offsets=[0, 2, 2, 10], include_last_offset=True), dict(offsets=[0]), dict(offsets=[0, 0, 5, 10]),
        dict(shape=(2, 5)), dict(shape=(5, 2))]


@pytest.mark.parametrize('mode', ['sum', 'mean', 'max'])
@pytest.mark.parametrize('padding_idx', [None, 2, -1])
@pytest.mark.parametrize('case', BAGS, ids=[str(c) for c in BAGS])
def test_embedding_bag(both, mode, padding_idx, case):
    def body(lib):
        kw = dict(case)
        shape = kw.pop('shape', None)
        inp = lib.tensor(BAG_INPUT.reshape(shape) if shape else BAG_INPUT)
        offsets = lib.tensor(kw.pop('offsets')) if 'offsets' in kw else None
        w = lib.tensor(arr(10, 3), requires_grad=True)
        out = lib.nn.functional.embedding_bag(inp, w, offsets, mode=mode, padding_idx=padding_idx, **kw)
        (out * lib.tensor(arr(*out.shape, seed=5))).sum().backward()
        return out, w.grad
    both(body)


@pytest.mark.parametrize('shape', [None, (2, 5)])
def test_embedding_bag_per_sample_weights(both, shape):
    def body(lib):
        inp = lib.tensor(BAG_INPUT.reshape(shape) if shape else BAG_INPUT)
        offsets = None if shape else lib.tensor([0, 3, 3, 8])
        psw = lib.tensor(arr(*inp.shape, seed=2), requires_grad=True)
        w = lib.tensor(arr(10, 3), requires_grad=True)
        out = lib.nn.functional.embedding_bag(inp, w, offsets, mode='sum', per_sample_weights=psw, padding_idx=4)
        (out * lib.tensor(arr(*out.shape, seed=5))).sum().backward()
        return out, w.grad, psw.grad
    both(body)


@pytest.mark.parametrize('mode', ['sum', 'mean'])
def test_embedding_bag_scale_grad_max_norm_int32(both, mode):
    def body(lib):
        F = lib.nn.functional
        w = lib.tensor(arr(10, 3) * 2, requires_grad=True)
        # (only the largest index repeats: torch's CPU kernel divides each index's gradient by the count
        # of the index at the same rank in the sorted input, which is the right count only in such cases)
        a = F.embedding_bag(lib.tensor([1, 7, 0, 7, 2, 7, 5, 3], dtype=lib.int32), w,
                            lib.tensor([0, 4, 7], dtype=lib.int32), mode=mode, scale_grad_by_freq=True)
        inp, off = lib.tensor(BAG_INPUT, dtype=lib.int32), lib.tensor([0, 4, 7], dtype=lib.int32)
        (a * lib.tensor(arr(3, 3, seed=5))).sum().backward()
        w2 = lib.tensor(arr(10, 3) * 2)
        b = F.embedding_bag(inp, w2, off.long(), mode=mode, max_norm=1.5)
        c = F.embedding_bag(lib.tensor(BAG_INPUT), lib.tensor(arr(10, 3)) * 3, lib.tensor([0, 5]), mode=mode,
                            max_norm=1.0, norm_type=1.0)
        return a, w.grad, b, w2, c
    both(body, rtol=1e-5)


def test_embedding_bag_module(both):
    ref = {}

    def body(lib):
        nn = lib.nn
        lib.manual_seed(0)
        m = nn.EmbeddingBag(10, 3, mode='sum', padding_idx=-2)
        if lib is torch:
            ref['w'] = m.weight.detach().cpu().numpy().copy()
        pad_row = m.weight[8].detach().clone()
        m.load_state_dict({'weight': lib.tensor(ref['w'])})
        out = m(lib.tensor(BAG_INPUT), lib.tensor([0, 4]))
        out.sum().backward()
        pre = nn.EmbeddingBag.from_pretrained(lib.tensor(arr(4, 2)), mode='max')
        pre2 = nn.EmbeddingBag.from_pretrained(lib.tensor(arr(4, 2)), freeze=False, include_last_offset=True)
        return (out, m.weight.grad, pad_row, repr(m), repr(nn.EmbeddingBag(5, 2)),
                repr(nn.EmbeddingBag(10, 3, mode='max', padding_idx=1, max_norm=1.0, norm_type=1,
                                     scale_grad_by_freq=True)),
                pre(lib.tensor([[0, 3], [2, 1]])), pre.weight.requires_grad, pre2(lib.tensor([0, 3, 2, 1]),
                                                                                   lib.tensor([0, 1, 4])),
                pre2.weight.requires_grad, pre2.mode, pre2.include_last_offset, m.weight.shape,
                err(lambda: nn.EmbeddingBag(5, 2, padding_idx=5)), err(lambda: nn.EmbeddingBag(5, 2, padding_idx=-6)),
                err(lambda: nn.EmbeddingBag(5, 2, _weight=lib.ones(2, 5))),
                err(lambda: nn.EmbeddingBag.from_pretrained(lib.ones(3))))
    both(body)


def test_embedding_bag_errors(both):
    def body(lib):
        F = lib.nn.functional
        w, inp, off = lib.tensor(arr(10, 3)), lib.tensor(BAG_INPUT[:8]), lib.tensor([0, 4])
        return (err(lambda: F.embedding_bag(inp, w, lib.tensor([1, 4]))),
                err(lambda: F.embedding_bag(inp, w, lib.tensor([0, 9]))),
                err(lambda: F.embedding_bag(inp.float(), w, off)), err(lambda: F.embedding_bag(inp, w, off, mode='x')),
                err(lambda: F.embedding_bag(inp, w, None)), err(lambda: F.embedding_bag(inp.reshape(2, 4), w, off)),
                err(lambda: F.embedding_bag(inp, w, off, per_sample_weights=lib.ones(8))),
                err(lambda: F.embedding_bag(inp, w, off, mode='sum', per_sample_weights=lib.ones(7))),
                err(lambda: F.embedding_bag(inp, w[0], off)), err(lambda: F.embedding_bag(inp + 10, w, off)),
                err(lambda: F.embedding_bag(inp - 3, w, off)),
                err(lambda: F.embedding_bag(inp, w, off, padding_idx=10)),
                err(lambda: F.embedding_bag(inp, w, off, padding_idx=-11)),
                err(lambda: F.embedding_bag(inp, w, off, mode='max', scale_grad_by_freq=True)),
                err(lambda: F.embedding_bag(inp, w, off, mode='max', sparse=True)),
                err(lambda: F.embedding_bag(inp, w.long(), off.float())),
                err(lambda: F.embedding_bag(inp, w, lib.tensor([[0, 4]]))),
                err(lambda: F.embedding_bag(inp.reshape(1, 2, 4), w, None)),
                err(lambda: F.embedding_bag(inp, w, off, mode='sum',
                                            per_sample_weights=lib.ones(8, dtype=lib.float64))),
                err(lambda: F.embedding_bag(inp, w, off.float())))
    both(body)
