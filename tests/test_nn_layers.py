"""The layers of ``ember.nn`` against torch's: each layer is built in both libraries, torch's
initial weights are loaded into ember's (through ``load_state_dict``), the same inputs go in,
and outputs, input gradients and parameter gradients are compared. Also: dropout in train and
eval mode, layer errors, the losses (S25: CrossEntropyLoss on (N, C) scores and (N,) labels)."""
import warnings

import numpy as np
import pytest

import conformance
from conformance import run_both, torch
from torch_versions import requires_torch_2_13, torch_older_than_2_13
import ember
import ember.nn  # noqa: F401


def arr(*shape, seed=0, lo=None, hi=None, dtype=np.float32):
    rng = np.random.default_rng(seed)
    a = rng.uniform(lo, hi, shape) if lo is not None else rng.standard_normal(shape)
    return a.astype(dtype)


def err(fn):
    try:
        fn()
    except Exception as e:      # noqa: BLE001
        return type(e).__name__, str(e)
    return None


def run_layer(make, *inputs, grad=True, upstream_seed=7, rtol=1e-5, atol=1e-6, extra=None, check_repr=True):
    """Build ``make(lib)`` in both libraries with torch's initial weights, feed ``inputs``
    (NumPy arrays; floating ones require grad), backpropagate a fixed upstream gradient, and
    compare outputs, input gradients and parameter gradients."""
    ref = {}

    def body(lib):
        m = make(lib)
        if lib is torch:
            ref['sd'] = {k: v.detach().cpu().numpy().copy() for k, v in m.state_dict().items()}
        else:
            res = m.load_state_dict({k: ember.tensor(v) for k, v in ref['sd'].items()})
            assert repr(res) == '<All keys matched successfully>'
        xs = [lib.tensor(a, requires_grad=grad and a.dtype.kind == 'f') for a in inputs]
        out = m(*xs)
        r = [out, repr(m) if check_repr else None]
        if grad and out.requires_grad:
            g = lib.tensor(np.random.default_rng(upstream_seed).standard_normal(tuple(out.shape))
                           .astype(np.float32)).to(out.dtype)
            out.backward(g)
            r.append([x.grad for x in xs])
            r.append([(n, p.grad) for n, p in m.named_parameters()])
        if extra is not None:
            r.append(extra(lib, m, xs, out))
        return r
    return run_both(body, rtol=rtol, atol=atol)


# ---------------------------------------------------------------- linear
@pytest.mark.parametrize('shape', [(4, 3), (2, 5, 3), (3,)])
@pytest.mark.parametrize('bias', [True, False])
def test_linear(shape, bias):
    run_layer(lambda lib: lib.nn.Linear(3, 6, bias=bias), arr(*shape))


def test_linear_float64_and_dtype_argument():
    run_layer(lambda lib: lib.nn.Linear(3, 2, dtype=lib.float64), arr(4, 3, dtype=np.float64))
    run_layer(lambda lib: lib.nn.Linear(3, 2).double(), arr(4, 3, dtype=np.float64))


def test_linear_attributes_and_errors(both):
    def body(lib):
        m = lib.nn.Linear(3, 2)
        return (m.in_features, m.out_features, m.weight.shape, m.bias.shape, m.weight.dtype,
                err(lambda: m(lib.ones(4, 5))), err(lambda: m(lib.ones(4, 3, dtype=lib.float64))),
                lib.nn.Linear(0, 2).bias.shape, lib.nn.Linear(3, 2, bias=False).bias)
    t, e = run_both(body)
    assert t[5] is not None and t[5][0] == e[5][0]


def test_bilinear():
    run_layer(lambda lib: lib.nn.Bilinear(3, 4, 5), arr(6, 3), arr(6, 4, seed=1))
    run_layer(lambda lib: lib.nn.Bilinear(2, 2, 3, bias=False), arr(2, 4, 2), arr(2, 4, 2, seed=1))


def test_identity_and_lazy_linear():
    run_layer(lambda lib: lib.nn.Identity(3, foo=1), arr(2, 3), grad=False)

    def lazy(lib):
        m = lib.nn.LazyLinear(4)
        m(lib.zeros(1, 3))          # materialize with torch's shapes, then torch's values are loaded
        return m
    run_layer(lazy, arr(5, 3))


# ---------------------------------------------------------------- flatten
def test_flatten_unflatten(both):
    def body(lib):
        nn = lib.nn
        x = lib.tensor(arr(2, 3, 4, 5), requires_grad=True)
        a = nn.Flatten()(x)
        b = nn.Flatten(0, 2)(x)
        c = nn.Flatten(-2)(x)
        d = nn.Unflatten(1, (3, 1))(lib.ones(2, 3))
        e = nn.Unflatten(-1, [2, 2])(lib.ones(3, 4))
        (a.sum() + b.square().sum()).backward()
        return (a.shape, b.shape, c.shape, d.shape, e.shape, x.grad, a.grad_fn.name(),
                err(lambda: nn.Unflatten(1, 5)), err(lambda: nn.Unflatten(1, (2, 2.5))),
                err(lambda: nn.Unflatten(1, (2, 2))(lib.ones(2, 3))), err(lambda: nn.Flatten(3)(lib.ones(2, 2))))
    run_both(body)


# ---------------------------------------------------------------- activations
ACTS = [
    ('ReLU', (), {}), ('ReLU6', (), {}), ('LeakyReLU', (), {}), ('LeakyReLU', (0.2,), {}), ('ELU', (), {}),
    ('ELU', (0.5,), {}), ('SELU', (), {}), ('CELU', (1.5,), {}), ('GELU', (), {}), ('GELU', ('tanh',), {}),
    ('SiLU', (), {}), ('Mish', (), {}), ('Softplus', (), {}), ('Softplus', (2.0, 1.0), {}), ('Softsign', (), {}),
    ('Hardtanh', (), {}), ('Hardtanh', (-2.0, 0.5), {}), ('Hardsigmoid', (), {}), ('Hardswish', (), {}),
    ('LogSigmoid', (), {}), ('Tanh', (), {}), ('Sigmoid', (), {}), ('Threshold', (0.1, -2.0), {}),
    ('Tanhshrink', (), {}), ('Softmax', (), {'dim': 1}), ('Softmax', (-1,), {}), ('LogSoftmax', (), {'dim': 0}),
    ('LogSoftmax', (1,), {}), ('Softmin', (1,), {}), ('GLU', (), {}), ('GLU', (0,), {}),
]


@pytest.mark.parametrize('name,args,kwargs', ACTS, ids=[f'{n}{a}{k}' for n, a, k in ACTS])
def test_activation_values_and_grads(name, args, kwargs):
    x = arr(4, 6, lo=-5, hi=5)
    x[0, :3] = [0.0, -3.0, 3.0]      # the kinks of relu/hardtanh/hardswish/...
    run_layer(lambda lib: getattr(lib.nn, name)(*args, **kwargs), x)


@pytest.mark.parametrize('name', ['ReLU', 'ReLU6', 'LeakyReLU', 'ELU', 'SELU', 'CELU', 'SiLU', 'Mish',
                                  'Hardtanh', 'Hardsigmoid', 'Hardswish', 'Threshold'])
def test_activation_inplace(both, name):
    def body(lib):
        nn = lib.nn
        m = nn.Threshold(0.1, -2.0, inplace=True) if name == 'Threshold' else getattr(nn, name)(inplace=True)
        x = lib.tensor(arr(3, 4, lo=-4, hi=4), requires_grad=True)
        h = x * 1.0
        y = m(h)
        y.backward(lib.ones(3, 4))
        return y is h, y, x.grad, h._version, repr(m), err(lambda: m(lib.ones(2, requires_grad=True)))
    run_both(body)


def test_softmax_implicit_dim_warning(both):
    def body(lib):
        out = []
        for cls in ('Softmax', 'LogSoftmax', 'Softmin'):
            with warnings.catch_warnings(record=True) as w:
                warnings.simplefilter('always')
                y = getattr(lib.nn, cls)()(lib.tensor(arr(2, 3)))
            out.append((y, [(x.category.__name__, str(x.message)) for x in w]))
        return out
    run_both(body)


def test_softmax2d(both):
    def body(lib):
        m = lib.nn.Softmax2d()
        x = lib.tensor(arr(2, 3, 2, 2), requires_grad=True)
        y = m(x)
        (y * lib.tensor(arr(2, 3, 2, 2, seed=3))).sum().backward()
        return y, x.grad, m(lib.tensor(arr(3, 2, 2))), err(lambda: m(lib.ones(2, 2)))
    run_both(body)


@requires_torch_2_13     # the deprecation message reads "renamed" from torch 2.13 on ("rename" before)
def test_hardtanh_errors_and_deprecated_names(both):
    def body(lib):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter('always')
            m = lib.nn.Hardtanh(min_value=-0.5, max_value=0.5)
        return repr(m), [str(x.message) for x in w], err(lambda: lib.nn.Hardtanh(1.0, 1.0))
    run_both(body)


# ---------------------------------------------------------------- dropout
def test_dropout_train_and_eval(both):
    """In training a fraction ~p of the elements is zeroed and the rest scaled by 1/(1-p);
    in evaluation the layer is the identity (the same tensor is returned)."""
    def body(lib):
        lib.manual_seed(0)
        m = lib.nn.Dropout(p=0.3)
        x = lib.ones(200, 500, requires_grad=True)
        y = m(x)
        zero = (y == 0).float().mean().item()
        kept = y[y != 0]
        y.sum().backward()
        g = x.grad
        m.eval()
        z = m(x)
        return (round(zero, 1), kept.min().item(), kept.max().item(), bool(((g == 0) == (y == 0)).all()),
                g.max().item(), z is x, m.training, y.grad_fn is not None)
    t, _ = run_both(body, rtol=1e-6)
    assert t[0] == 0.3


def test_dropout_edge_probabilities_and_errors(both):
    def body(lib):
        nn = lib.nn
        x = lib.tensor(arr(4, 5))
        return (nn.Dropout(0.0)(x), nn.Dropout(1.0)(x), err(lambda: nn.Dropout(1.5)), err(lambda: nn.Dropout(-0.1)),
                err(lambda: nn.Dropout2d(2)), nn.Dropout(0.5).eval()(x))
    run_both(body)


@pytest.mark.parametrize('name,shape', [('Dropout1d', (8, 50, 6)), ('Dropout2d', (8, 50, 3, 3)),
                                        ('Dropout2d', (50, 4, 4)), ('Dropout3d', (4, 50, 2, 2, 2))])
def test_dropout_nd_zeroes_whole_channels(both, name, shape):
    if conformance.DEVICE[0] != 'cpu':
        # on CUDA the two libraries draw different masks (torch's CUDA generator, CuPy's cuRAND), so
        # each must pass the statistical check on its own: 8x the channels keeps the fraction of
        # dropped channels within 0.15 of p by >= 6 standard deviations (50 channels: ~2)
        shape = (shape[0] * 8,) + tuple(shape[1:])

    def body(lib):
        lib.manual_seed(0)
        m = getattr(lib.nn, name)(p=0.5)
        y = m(lib.ones(*shape))
        nd = {'Dropout1d': 1, 'Dropout2d': 2, 'Dropout3d': 3}[name]
        flat = y.reshape(*shape[:-nd], -1)
        whole = bool(((flat == 0).all(-1) | (flat == 2).all(-1)).all())
        frac = (flat[..., 0] == 0).float().mean().item()
        return whole, abs(frac - 0.5) < 0.15, y.shape, m.eval()(lib.ones(*shape)).sum().item()
    run_both(body)


def test_dropout_inplace(both):
    def body(lib):
        lib.manual_seed(0)
        x = lib.ones(10, 10)
        y = lib.nn.Dropout(0.5, inplace=True)(x)
        return y is x, bool(((x == 0) | (x == 2)).all())
    run_both(body)


# ---------------------------------------------------------------- embedding
def test_embedding_values_and_grads():
    idx = np.array([[1, 2, 4, 5], [4, 3, 2, 9]])
    run_layer(lambda lib: lib.nn.Embedding(10, 3), idx)
    run_layer(lambda lib: lib.nn.Embedding(10, 3, padding_idx=2), idx)
    run_layer(lambda lib: lib.nn.Embedding(10, 3, padding_idx=-1, scale_grad_by_freq=True), idx)


def test_embedding_padding_max_norm_from_pretrained(both):
    def body(lib):
        nn = lib.nn
        e = nn.Embedding(5, 2, padding_idx=1)
        pad_row = e.weight[1]
        w = lib.tensor([[1., 2.3, 3.], [4., 5.1, 6.3]])
        frozen = nn.Embedding.from_pretrained(w)
        tuned = nn.Embedding.from_pretrained(w, freeze=False)
        out = frozen(lib.tensor([1, 0]))
        mn = nn.Embedding(3, 2, max_norm=1.0)
        with lib.no_grad():
            mn.weight.copy_(lib.tensor([[3., 4.], [0.3, 0.4], [1., 0.]]))
        r = mn(lib.tensor([0, 1]))
        return (pad_row, e.padding_idx, repr(frozen), frozen.weight.requires_grad, tuned.weight.requires_grad,
                out, mn.weight, r, err(lambda: nn.Embedding(5, 2, padding_idx=5)),
                err(lambda: nn.Embedding(5, 2, _weight=lib.ones(3, 2))),
                err(lambda: nn.Embedding.from_pretrained(lib.ones(3))),
                err(lambda: e(lib.tensor([5]))), err(lambda: e(lib.tensor([1.0]))))
    run_both(body)


# ---------------------------------------------------------------- normalization
@pytest.mark.parametrize('args,kwargs,shape', [((4,), {}, (3, 4)), (([2, 3],), {}, (2, 5, 2, 3)),
                                               ((4,), {'elementwise_affine': False}, (2, 4)),
                                               ((4,), {'bias': False, 'eps': 1e-2}, (5, 4))])
def test_layer_norm(args, kwargs, shape):
    def make(lib):
        m = lib.nn.LayerNorm(*args, **kwargs)
        if m.weight is not None:      # non-trivial affine parameters
            with lib.no_grad():
                m.weight.copy_(lib.tensor(arr(*m.weight.shape, seed=5)))
        return m
    # (LayerNorm's repr shows bias= from torch 2.13 on: not compared with an older oracle)
    run_layer(make, arr(*shape, seed=2) * 3 + 1, check_repr=not torch_older_than_2_13)


@pytest.mark.parametrize('args,kwargs,shape', [((4,), {}, (3, 4)), (([2, 3],), {'eps': 1e-3}, (2, 5, 2, 3)),
                                               ((4,), {'elementwise_affine': False}, (2, 4))])
def test_rms_norm(args, kwargs, shape):
    def make(lib):
        m = lib.nn.RMSNorm(*args, **kwargs)
        if m.weight is not None:
            with lib.no_grad():
                m.weight.copy_(lib.tensor(arr(*m.weight.shape, seed=5)))
        return m
    run_layer(make, arr(*shape, seed=2) * 3 + 1)


def test_norm_errors_and_attributes(both):
    def body(lib):
        nn = lib.nn
        ln = nn.LayerNorm((2, 3))
        rn = nn.RMSNorm(4)
        return (ln.normalized_shape, ln.eps, ln.weight, ln.bias, rn.normalized_shape, rn.eps, rn.weight,
                err(lambda: ln(lib.ones(3, 2))), err(lambda: rn(lib.ones(2, 3))),
                rn(lib.ones(2, 4, dtype=lib.float64)).dtype)
    run_both(body)


# ---------------------------------------------------------------- losses
def _ce_inputs(n=6, c=5, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, c)).astype(np.float32), rng.integers(0, c, n)


def test_seed_S25_cross_entropy_loss_on_scores_and_labels(both):
    """nn.CrossEntropyLoss() on (N, C) float scores and (N,) int64 labels: a scalar whose
    gradient flows back to the scores (and to the model)."""
    x, y = _ce_inputs(64, 10)

    def body(lib):
        nn = lib.nn
        model = nn.Sequential(nn.Linear(10, 10))
        with lib.no_grad():
            model[0].weight.copy_(lib.eye(10))
            model[0].bias.zero_()
        loss_fn = nn.CrossEntropyLoss()
        scores = lib.tensor(x, requires_grad=True)
        labels = lib.tensor(y)
        loss = loss_fn(model(scores), labels)
        loss.backward()
        return loss, loss.shape, loss.dtype, labels.dtype, loss.grad_fn.name(), scores.grad, model[0].weight.grad, \
            loss.item()
    run_both(body)


@pytest.mark.parametrize('kwargs', [{}, {'reduction': 'sum'}, {'reduction': 'none'}, {'ignore_index': 2},
                                    {'label_smoothing': 0.1}, {'weight': 'w'}, {'weight': 'w', 'ignore_index': 1},
                                    {'weight': 'w', 'label_smoothing': 0.2, 'reduction': 'sum'}])
def test_cross_entropy_and_nll_loss(kwargs):
    x, y = _ce_inputs()

    def make(cls):
        def f(lib):
            k = dict(kwargs)
            if k.get('weight') == 'w':
                k['weight'] = lib.tensor(arr(5, lo=0.5, hi=2.0, seed=9))
            if cls == 'NLLLoss':
                k.pop('label_smoothing', None)
            return getattr(lib.nn, cls)(**k)
        return f
    run_layer(make('CrossEntropyLoss'), x, y)
    run_layer(make('NLLLoss'), -np.abs(x), y)


def test_cross_entropy_probability_targets_and_nd():
    rng = np.random.default_rng(3)
    p = rng.uniform(size=(4, 3)).astype(np.float32)
    p /= p.sum(1, keepdims=True)
    run_layer(lambda lib: lib.nn.CrossEntropyLoss(), arr(4, 3), p)
    run_layer(lambda lib: lib.nn.CrossEntropyLoss(label_smoothing=0.3), arr(4, 3), p)
    run_layer(lambda lib: lib.nn.CrossEntropyLoss(), arr(2, 3, 4, 5), rng.integers(0, 3, (2, 4, 5)))
    run_layer(lambda lib: lib.nn.CrossEntropyLoss(reduction='none'), arr(3), np.array(1))


def test_loss_weight_is_a_buffer(both):
    def body(lib):
        m = lib.nn.CrossEntropyLoss(weight=lib.ones(3))
        m.double()
        b = lib.nn.BCEWithLogitsLoss(pos_weight=lib.ones(2))
        return (list(m.state_dict()), m.weight.dtype, [n for n, _ in m.named_buffers()], list(m.parameters()),
                list(b.state_dict()), list(lib.nn.MSELoss().state_dict()), lib.nn.NLLLoss().weight)
    run_both(body)


@pytest.mark.parametrize('name,kwargs', [('MSELoss', {}), ('MSELoss', {'reduction': 'sum'}),
                                         ('MSELoss', {'reduction': 'none'}), ('L1Loss', {}),
                                         ('L1Loss', {'reduction': 'none'}), ('SmoothL1Loss', {}),
                                         ('SmoothL1Loss', {'beta': 0.5, 'reduction': 'sum'}), ('HuberLoss', {}),
                                         ('HuberLoss', {'delta': 0.3, 'reduction': 'none'})])
def test_regression_losses(name, kwargs):
    run_layer(lambda lib: getattr(lib.nn, name)(**kwargs), arr(4, 5), arr(4, 5, seed=1))


@pytest.mark.parametrize('kwargs', [{}, {'reduction': 'sum'}, {'reduction': 'none'}, {'weight': 'w'}])
def test_bce_losses(kwargs):
    def make(cls, pos=False):
        def f(lib):
            k = dict(kwargs)
            if k.get('weight') == 'w':
                k['weight'] = lib.tensor(arr(5, lo=0.5, hi=2.0, seed=9))
            if pos:
                k['pos_weight'] = lib.tensor(arr(5, lo=0.5, hi=3.0, seed=4))
            return getattr(lib.nn, cls)(**k)
        return f
    target = (arr(4, 5, lo=0, hi=1, seed=2) > 0.5).astype(np.float32)
    run_layer(make('BCELoss'), arr(4, 5, lo=0.05, hi=0.95), target)
    run_layer(make('BCEWithLogitsLoss'), arr(4, 5) * 3, target)
    run_layer(make('BCEWithLogitsLoss', pos=True), arr(4, 5) * 3, arr(4, 5, lo=0, hi=1, seed=6))


@pytest.mark.parametrize('kwargs', [{}, {'reduction': 'batchmean'}, {'reduction': 'sum'}, {'reduction': 'none'},
                                    {'reduction': 'batchmean', 'log_target': True}])
def test_kl_div_loss(kwargs):
    rng = np.random.default_rng(0)
    p = rng.uniform(0.05, 1, (3, 4)).astype(np.float32)
    p /= p.sum(1, keepdims=True)
    x = np.log(np.flip(p, 1).copy())
    target = np.log(p) if kwargs.get('log_target') else p
    run_layer(lambda lib: lib.nn.KLDivLoss(**kwargs), x.astype(np.float32), target.astype(np.float32))


def test_loss_legacy_arguments_and_errors(both):
    def body(lib):
        nn = lib.nn
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter('always')
            a = nn.MSELoss(size_average=False).reduction
            b = nn.CrossEntropyLoss(reduce=False).reduction
            c = nn.L1Loss(size_average=True, reduce=True).reduction
        x, y = lib.tensor(arr(3, 4)), lib.tensor(arr(3, 4, seed=1))
        return (a, b, c, [str(m.message) for m in w], err(lambda: nn.MSELoss(reduction='avg')(x, y)),
                err(lambda: nn.HuberLoss(delta='1')), err(lambda: nn.CrossEntropyLoss()(x, lib.tensor([0, 1, 9]))),
                err(lambda: nn.NLLLoss()(x, lib.tensor([0, 1]))))
    run_both(body)


def test_loss_in_training_loop_falls(both):
    """A small classifier trained with CrossEntropyLoss and a manual SGD step: the same losses."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((32, 3)).astype(np.float32)
    Y = (X[:, 0] > 0).astype(np.int64) + (X[:, 1] > 0)

    def body(lib):
        nn = lib.nn
        model = nn.Sequential(nn.Linear(3, 16), nn.ReLU(), nn.Linear(16, 3))
        r = np.random.default_rng(1)
        with lib.no_grad():
            for p in model.parameters():
                p.copy_(lib.tensor((r.standard_normal(tuple(p.shape)) * 0.3).astype(np.float32)))
        loss_fn = nn.CrossEntropyLoss()
        x, y = lib.tensor(X), lib.tensor(Y)
        losses = []
        for _ in range(15):
            model.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            with lib.no_grad():
                for p in model.parameters():
                    p -= 0.5 * p.grad
            losses.append(loss.item())
        return losses, losses[-1] < losses[0] * 0.7
    t, _ = run_both(body, rtol=1e-4, atol=1e-5)
    assert t[1]
