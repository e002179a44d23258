"""Convolution, pooling and channel normalisation against torch: outputs, input gradients and
weight/bias gradients (torch's weights copied in) over a grid of options, in float32 and
float64; gradcheck and gradgradcheck in float64; module reprs; BatchNorm running statistics
over several training steps and eval outputs; errors for bad shapes."""
import numpy as np
import pytest

from conformance import run_both, torch
from torch_versions import requires_torch_2_13, torch_older_than_2_13
import ember
import ember.nn  # noqa: F401
from ember.autograd import gradcheck, gradgradcheck


def arr(*shape, seed=0, dtype=np.float32):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def tol(dtype):
    return dict(rtol=1e-4, atol=1e-4) if dtype == np.float32 else dict(rtol=1e-9, atol=1e-9)


def F(lib):
    return lib.nn.functional


def run_fn(fname, arrays, *args, dtype=np.float64, grad_idx=None, **kwargs):
    """Call ``F.fname(*tensors, *args, **kwargs)`` in both libraries; compare the output(s), the
    grad_fn's name, and the gradients of every floating input after a fixed upstream gradient."""
    def body(lib):
        ts = [None if a is None else lib.tensor(a.astype(dtype), requires_grad=True) for a in arrays]
        out = getattr(F(lib), fname)(*ts, *args, **kwargs)
        first = out[0] if isinstance(out, tuple) else out
        g = lib.tensor(arr(*first.shape, seed=11).astype(dtype))
        first.backward(g)
        return [out, [t.grad for t in ts if t is not None]]
    return run_both(body, **tol(dtype))


# the reprs of BatchNorm / InstanceNorm / GroupNorm show ``bias=`` from torch 2.13 on (the oracle these
# tests were written against); on an older torch the norm tests compare everything but the repr
NORM_REPRS = not torch_older_than_2_13


def run_layer(make, *inputs, dtype=np.float32, train_steps=1, extra=None, check_repr=True):
    """Build ``make(lib)`` in both libraries with torch's initial state loaded into ember's,
    run ``train_steps`` forward/backward passes, and compare outputs, repr (unless
    ``check_repr`` is false), input and parameter gradients (and ``extra(lib, m)``)."""
    ref = {}

    def body(lib):
        m = make(lib)
        if lib is torch:
            ref['sd'] = {k: v.detach().cpu().numpy().copy() for k, v in m.state_dict().items()}
        else:
            res = m.load_state_dict({k: ember.tensor(v) for k, v in ref['sd'].items()})
            assert repr(res) == '<All keys matched successfully>'
        m = m.to(lib.float64) if dtype == np.float64 else m
        r = [repr(m) if check_repr else None]
        for step in range(train_steps):
            xs = [lib.tensor(a.astype(dtype) * (1 + step), requires_grad=True) for a in inputs]
            out = m(*xs)
            g = lib.tensor(arr(*out.shape, seed=7 + step).astype(dtype))
            out.backward(g)
            r += [out, [x.grad for x in xs], [(n, p.grad) for n, p in m.named_parameters()]]
        if extra is not None:
            r.append(extra(lib, m))
        return r
    return run_both(body, **tol(dtype))


# ---------------------------------------------------------------- conv2d over a grid of options
CONV2D = [
    dict(),
    dict(stride=2),
    dict(stride=(2, 1), padding=1),
    dict(padding=(2, 0), dilation=(1, 2)),
    dict(padding='same'),
    dict(padding='same', dilation=2),
    dict(padding='valid', stride=3),
    dict(groups=2, padding=1),
    dict(groups=4, stride=2, dilation=2),
]


@pytest.mark.parametrize('kw', CONV2D)
@pytest.mark.parametrize('dtype', [np.float32, np.float64])
@pytest.mark.parametrize('n', [1, 3])
def test_conv2d_grid(kw, dtype, n):
    x, w, b = arr(n, 4, 9, 8), arr(8, 4 // kw.get('groups', 1), 3, 2, seed=1), arr(8, seed=2)
    run_fn('conv2d', [x, w, b], dtype=dtype, **kw)


@pytest.mark.parametrize('ksize', [(4, 4), (1, 1), (2, 3)])
def test_conv2d_even_kernels_same_and_no_bias(ksize):
    run_fn('conv2d', [arr(2, 3, 7, 6), arr(5, 3, *ksize, seed=1)], padding='same')
    run_fn('conv2d', [arr(2, 3, 7, 6), arr(5, 3, *ksize, seed=1)], None, 1, 1)


def test_conv2d_unbatched_and_grad_fn_name(both):
    run_fn('conv2d', [arr(3, 7, 6), arr(5, 3, 3, 3, seed=1), arr(5, seed=2)], padding=1)

    def body(lib):
        x = lib.tensor(arr(1, 1, 5, 5), requires_grad=True)
        y = F(lib).conv2d(x, lib.tensor(arr(2, 1, 3, 3)))
        return y.grad_fn.name(), y.dtype, y.shape
    both(body)


@pytest.mark.parametrize('kw', [dict(), dict(stride=2, padding=1), dict(dilation=2, groups=2), dict(padding='same')])
@pytest.mark.parametrize('dtype', [np.float32, np.float64])
def test_conv1d(kw, dtype):
    run_fn('conv1d', [arr(3, 4, 11), arr(6, 4 // kw.get('groups', 1), 3, seed=1), arr(6, seed=2)], dtype=dtype, **kw)


@pytest.mark.parametrize('kw', [dict(), dict(stride=(1, 2, 2), padding=1), dict(groups=2, dilation=(2, 1, 1))])
def test_conv3d(kw):
    run_fn('conv3d', [arr(2, 4, 5, 6, 5), arr(4, 4 // kw.get('groups', 1), 3, 2, 3, seed=1), arr(4, seed=2)], **kw)


@pytest.mark.parametrize('kw', [dict(), dict(stride=2), dict(stride=2, padding=1, output_padding=1),
                                dict(stride=(3, 2), padding=(1, 0), output_padding=(2, 1), dilation=(1, 2)),
                                dict(groups=2, stride=2, dilation=2, output_padding=1)])
@pytest.mark.parametrize('dtype', [np.float32, np.float64])
def test_conv_transpose2d(kw, dtype):
    g = kw.get('groups', 1)
    run_fn('conv_transpose2d', [arr(2, 4, 5, 6), arr(4, 6 // g, 3, 3, seed=1), arr(6, seed=2)], dtype=dtype, **kw)


def test_conv_transpose1d_3d():
    run_fn('conv_transpose1d', [arr(2, 4, 7), arr(4, 3, 3, seed=1), arr(3, seed=2)], stride=3, padding=1,
           output_padding=2)
    run_fn('conv_transpose3d', [arr(1, 2, 3, 4, 3), arr(2, 3, 2, 3, 2, seed=1), arr(3, seed=2)], stride=2)


def test_conv_gradcheck_and_double_backward():
    for fn, x, w, kw in [
        (ember.nn.functional.conv2d, arr(2, 4, 5, 4), arr(4, 2, 3, 2, seed=1), dict(stride=2, padding=1, groups=2)),
        (ember.nn.functional.conv1d, arr(1, 2, 6), arr(3, 2, 3, seed=1), dict(dilation=2, padding='same')),
        (ember.nn.functional.conv_transpose2d, arr(1, 2, 3, 3), arr(2, 3, 2, 2, seed=1),
         dict(stride=2, output_padding=1)),
    ]:
        xs = ember.tensor(x.astype(np.float64), requires_grad=True)
        ws = ember.tensor(w.astype(np.float64), requires_grad=True)
        bs = ember.tensor(arr(ws.shape[0] if fn is not ember.nn.functional.conv_transpose2d else ws.shape[1],
                              seed=3).astype(np.float64), requires_grad=True)
        f = (lambda a, b, c, fn=fn, kw=kw: fn(a, b, c, **kw))
        assert gradcheck(f, (xs, ws, bs))
        assert gradgradcheck(f, (xs, ws, bs))


def test_conv_double_backward_matches_torch(both):
    def body(lib):
        x = lib.tensor(arr(2, 2, 5, 5).astype(np.float64), requires_grad=True)
        w = lib.tensor(arr(3, 2, 3, 3, seed=1).astype(np.float64), requires_grad=True)
        y = F(lib).conv2d(x, w, stride=2, padding=1)
        gx, gw = lib.autograd.grad((y * y).sum(), (x, w), create_graph=True)
        (gx.pow(2).sum() + gw.sin().sum()).backward()
        return gx, gw, x.grad, w.grad
    both(body, rtol=1e-9, atol=1e-9)


def test_conv_errors(both):
    W = arr(4, 3, 3, 3)
    cases = [
        lambda lib: F(lib).conv2d(lib.tensor(arr(2, 5, 6, 6)), lib.tensor(W)),                 # channels
        lambda lib: F(lib).conv2d(lib.tensor(arr(2, 3, 2, 2)), lib.tensor(W)),                 # too small
        lambda lib: F(lib).conv2d(lib.tensor(arr(2, 3, 6)), lib.tensor(arr(4, 3, 3))),          # wrong rank
        lambda lib: F(lib).conv2d(lib.tensor(arr(2, 3, 6, 6)), lib.tensor(W), stride=2, padding='same'),
        lambda lib: F(lib).conv2d(lib.tensor(arr(2, 3, 6, 6)), lib.tensor(W), lib.tensor(arr(3))),  # bias
        lambda lib: F(lib).conv2d(lib.tensor(arr(2, 4, 6, 6)), lib.tensor(W), groups=3),
        lambda lib: F(lib).conv2d(lib.tensor(arr(2, 3, 6, 6)), lib.tensor(W, dtype=lib.float64)),
        lambda lib: lib.nn.Conv2d(3, 4, 3, groups=2),
        lambda lib: lib.nn.Conv2d(4, 4, 3, padding='full'),
        lambda lib: lib.nn.Conv2d(4, 4, 3, stride=2, padding='same'),
        lambda lib: lib.nn.Conv2d(4, 4, 3, padding_mode='wrap'),
    ]
    for c in cases:
        both(c)


# ---------------------------------------------------------------- conv modules
@pytest.mark.parametrize('args,kw', [
    ((1, 6, 5), dict(padding=2)),
    ((4, 6, 3), dict(stride=2, bias=False)),
    ((4, 6, (3, 2)), dict(padding='same', dilation=(2, 1), groups=2)),
    ((4, 4, 3), dict(padding=1, padding_mode='reflect')),
    ((4, 4, 3), dict(padding=(2, 1), padding_mode='replicate')),
    ((4, 4, 3), dict(padding=1, padding_mode='circular', stride=2)),
    ((4, 4, 4), dict(padding='same', padding_mode='reflect')),
])
@pytest.mark.parametrize('dtype', [np.float32, np.float64])
def test_conv2d_module(args, kw, dtype):
    run_layer(lambda lib: lib.nn.Conv2d(*args, **kw), arr(3, args[0], 9, 8), dtype=dtype)


def test_conv1d_conv3d_transpose_modules():
    run_layer(lambda lib: lib.nn.Conv1d(3, 5, 3, stride=2, padding=1, padding_mode='circular'), arr(2, 3, 10))
    run_layer(lambda lib: lib.nn.Conv3d(2, 3, 2, stride=(1, 2, 1)), arr(1, 2, 4, 5, 4))
    run_layer(lambda lib: lib.nn.ConvTranspose2d(4, 3, 3, stride=2, padding=1, output_padding=1, bias=False),
              arr(2, 4, 5, 5))
    run_layer(lambda lib: lib.nn.ConvTranspose1d(4, 2, 3, stride=2, groups=2, dilation=2), arr(2, 4, 5))
    run_layer(lambda lib: lib.nn.ConvTranspose3d(2, 2, 2, stride=2), arr(1, 2, 2, 3, 2))


def test_conv_transpose_output_size(both):
    def body(lib):
        m = lib.nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1)
        x = lib.randn(1, 2, 4, 4)
        return [tuple(m(x, output_size=s).shape) for s in ([7, 7], [8, 8], [1, 3, 8, 7])]
    both(body)
    both(lambda lib: lib.nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1)(lib.randn(1, 2, 4, 4), output_size=[9, 9]))


def test_conv_module_reprs(both):
    both(lambda lib: [repr(m) for m in (
        lib.nn.Conv2d(1, 6, 5, padding=2), lib.nn.Conv2d(6, 16, 5), lib.nn.Conv1d(2, 4, 3, dilation=2, bias=False),
        lib.nn.Conv2d(2, 4, 3, padding='same', padding_mode='reflect', groups=2),
        lib.nn.Conv3d(2, 4, (1, 2, 3), stride=(1, 1, 2)),
        lib.nn.ConvTranspose2d(2, 3, 3, 2, output_padding=1), lib.nn.ConvTranspose1d(2, 4, 3, padding=1))])


# ---------------------------------------------------------------- max pooling
MAXPOOL = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2)),
    dict(kernel_size=2, ceil_mode=True),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
    dict(kernel_size=2, stride=1, dilation=2, ceil_mode=True),
]


@pytest.mark.parametrize('kw', MAXPOOL)
@pytest.mark.parametrize('dtype', [np.float32, np.float64])
@pytest.mark.parametrize('n', [1, 3])
def test_max_pool2d_grid(kw, dtype, n):
    run_fn('max_pool2d', [arr(n, 2, 7, 8)], dtype=dtype, return_indices=True, **kw)
    run_fn('max_pool2d', [arr(n, 2, 7, 8)], dtype=dtype, **kw)


def test_max_pool_ties_unbatched_1d_3d():
    x = np.array([[[[1., 1., 0.], [1., 2., 2.], [0., 2., 2.]]]])
    run_fn('max_pool2d', [x], 2, 1, return_indices=True)
    run_fn('max_pool2d', [arr(2, 7, 7)], 3, 2, 1, return_indices=True)
    run_fn('max_pool1d', [arr(2, 3, 9)], 3, 2, 1, return_indices=True)
    run_fn('max_pool1d', [arr(3, 9)], 2, ceil_mode=True)
    run_fn('max_pool3d', [arr(1, 2, 5, 6, 5)], 2, return_indices=True)
    run_fn('max_pool3d', [arr(1, 2, 5, 6, 5)], (3, 2, 2), stride=2, padding=1)


@pytest.mark.parametrize('dims,kernel', [(1, (2,)), (1, (3,)), (2, (2, 2)), (2, (1, 3)), (2, (3, 2)),
                                          (3, (2, 2, 2)), (3, (1, 2, 3))])
@pytest.mark.parametrize('special', ['ties', 'signed_zeros', 'inf', 'nan'])
def test_max_pool_tiled_windows_exact(dims, kernel, special):
    # windows that tile the input (stride = kernel, no padding): ember's contiguous-planes path;
    # integer data makes many ties (torch keeps the first maximum in scan order)
    rng = np.random.default_rng(sum(kernel) * 7 + len(special))
    x = rng.integers(-2, 3, (2, 3) + tuple(k * (2 + i) for i, k in enumerate(kernel))).astype(np.float32)
    if special == 'signed_zeros':
        x[x == 0] = -0.0
        x.flat[::5] = 0.0
    elif special == 'inf':
        x.flat[::7] = np.inf
        x.flat[3::11] = -np.inf
    elif special == 'nan':
        x.flat[::13] = np.nan
    g = arr(*(2, 3) + tuple(2 + i for i in range(dims)), seed=3)

    def body(lib):
        t = lib.tensor(x, requires_grad=True)
        out, idx = getattr(F(lib), f'max_pool{dims}d')(t, kernel, return_indices=True)
        out.backward(lib.tensor(g))
        # bit patterns too: the sign of zeros in the output and in the gradient
        return [out, idx, t.grad] + [lib.tensor(a.detach().cpu().numpy().view(np.int32)) for a in (out, t.grad)]
    run_both(body, rtol=0, atol=0)


def test_max_pool_errors(both):
    both(lambda lib: F(lib).max_pool2d(lib.tensor(arr(1, 1, 4, 4)), 2, padding=2))      # pad > kernel/2
    both(lambda lib: F(lib).max_pool2d(lib.tensor(arr(1, 1, 1, 1)), 3))                  # output too small
    both(lambda lib: F(lib).max_pool2d(lib.tensor(arr(4, 4)), 2))                        # 2-D input
    both(lambda lib: F(lib).max_pool2d(lib.tensor(arr(1, 1, 4, 4)), 0))


def test_max_pool_module_and_reprs(both):
    run_layer(lambda lib: lib.nn.MaxPool2d(3, stride=2, padding=1), arr(3, 2, 9, 8))
    run_layer(lambda lib: lib.nn.MaxPool2d((2, 3), ceil_mode=True), arr(1, 2, 9, 8))
    run_layer(lambda lib: lib.nn.MaxPool1d(2), arr(2, 3, 9))
    both(lambda lib: [repr(m) for m in (lib.nn.MaxPool2d(2), lib.nn.MaxPool2d((3, 2), (2, 1), 1, 2, True, True),
                                        lib.nn.MaxPool1d(3, 2), lib.nn.MaxPool3d(2))])

    def body(lib):
        out, idx = lib.nn.MaxPool2d(2, return_indices=True)(lib.tensor(arr(1, 2, 4, 6)))
        return out, idx
    both(body)


# ---------------------------------------------------------------- average pooling
AVGPOOL = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=3, stride=2, padding=1, count_include_pad=False),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
    dict(kernel_size=(3, 2), stride=(1, 2), padding=(1, 1), divisor_override=4),
    dict(kernel_size=2, ceil_mode=True),
]


@pytest.mark.parametrize('kw', AVGPOOL)
@pytest.mark.parametrize('dtype', [np.float32, np.float64])
@pytest.mark.parametrize('n', [1, 3])
def test_avg_pool2d_grid(kw, dtype, n):
    run_fn('avg_pool2d', [arr(n, 2, 7, 8)], dtype=dtype, **kw)


def test_avg_pool_1d_3d_unbatched():
    run_fn('avg_pool1d', [arr(2, 3, 9)], 3, 2, 1, ceil_mode=True, count_include_pad=False)
    run_fn('avg_pool2d', [arr(2, 7, 7)], 3, 2, 1)
    run_fn('avg_pool3d', [arr(1, 2, 5, 6, 5)], 2, padding=1, ceil_mode=True)


def test_avg_pool_gradcheck_and_double_backward(both):
    x = ember.tensor(arr(1, 2, 5, 6).astype(np.float64), requires_grad=True)
    f = (lambda a: ember.nn.functional.avg_pool2d(a, 3, 2, 1, ceil_mode=True, count_include_pad=False))
    assert gradcheck(f, (x,))
    assert gradgradcheck(f, (x,))

    def body(lib):
        x = lib.tensor(arr(1, 2, 5, 6).astype(np.float64), requires_grad=True)
        y = F(lib).avg_pool2d(x * x, 3, 2, 1)
        gx, = lib.autograd.grad(y.sum(), x, create_graph=True)
        gx.pow(2).sum().backward()
        return gx, x.grad
    both(body, rtol=1e-9, atol=1e-9)


def test_max_pool_gradcheck():
    x = ember.tensor(np.random.default_rng(0).permutation(60).reshape(1, 2, 5, 6).astype(np.float64) / 10,
                     requires_grad=True)
    assert gradcheck(lambda a: ember.nn.functional.max_pool2d(a, 3, 2, 1, dilation=1, ceil_mode=True), (x,))


def test_avg_pool_module_reprs_errors(both):
    run_layer(lambda lib: lib.nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False), arr(3, 2, 9, 8))
    run_layer(lambda lib: lib.nn.AvgPool1d(3, ceil_mode=True), arr(2, 3, 10))
    both(lambda lib: [repr(m) for m in (lib.nn.AvgPool2d(2), lib.nn.AvgPool2d((3, 2), 1, 1, divisor_override=2),
                                        lib.nn.AvgPool1d(3), lib.nn.AvgPool3d(2, 1))])
    both(lambda lib: F(lib).avg_pool2d(lib.tensor(arr(1, 1, 4, 4)), 2, padding=2))
    both(lambda lib: F(lib).avg_pool2d(lib.tensor(arr(1, 1, 4, 4)), 2, divisor_override=0))


# ---------------------------------------------------------------- adaptive pooling
@pytest.mark.parametrize('size', [(3, 4), (4, 3), 1, (None, 3), (7, 8), (2, 5)])
@pytest.mark.parametrize('dtype', [np.float32, np.float64])
def test_adaptive_pool2d(size, dtype):
    run_fn('adaptive_avg_pool2d', [arr(2, 3, 7, 8)], size, dtype=dtype)
    run_fn('adaptive_max_pool2d', [arr(2, 3, 7, 8)], size, dtype=dtype, return_indices=True)


def test_adaptive_pool_1d_unbatched_modules(both):
    run_fn('adaptive_avg_pool1d', [arr(2, 3, 7)], 3)
    run_fn('adaptive_max_pool1d', [arr(2, 3, 7)], 4, return_indices=True)
    run_fn('adaptive_avg_pool2d', [arr(3, 7, 5)], (2, 3))
    run_layer(lambda lib: lib.nn.AdaptiveAvgPool2d((1, 1)), arr(2, 4, 5, 5))
    run_layer(lambda lib: lib.nn.AdaptiveMaxPool2d(3), arr(2, 4, 7, 5))
    both(lambda lib: [repr(m) for m in (lib.nn.AdaptiveAvgPool2d((None, 3)), lib.nn.AdaptiveMaxPool2d(2),
                                        lib.nn.AdaptiveAvgPool1d(4))])
    x = ember.tensor(arr(1, 2, 5, 7).astype(np.float64), requires_grad=True)
    assert gradgradcheck(lambda a: ember.nn.functional.adaptive_avg_pool2d(a, (3, 4)), (x,))


# ---------------------------------------------------------------- batch norm
def _bn_state(lib, m):
    return [(k, v) for k, v in m.state_dict().items()]


@pytest.mark.parametrize('kw', [dict(), dict(momentum=None), dict(affine=False), dict(momentum=0.3, eps=1e-3),
                                dict(track_running_stats=False),
                                pytest.param(dict(bias=False), marks=requires_torch_2_13)])   # bias=: 2.13
@pytest.mark.parametrize('dtype', [np.float32, np.float64])
def test_batch_norm2d_training_steps_then_eval(kw, dtype):
    def extra(lib, m):
        m.eval()
        x = lib.tensor(arr(2, 3, 4, 5, seed=5).astype(dtype), requires_grad=True)
        out = m(x)
        out.backward(lib.tensor(arr(2, 3, 4, 5, seed=6).astype(dtype)))
        return [_bn_state(lib, m), out, x.grad, [(n, p.grad) for n, p in m.named_parameters()],
                out.grad_fn.name()]
    run_layer(lambda lib: lib.nn.BatchNorm2d(3, **kw), arr(4, 3, 5, 4) + 2, dtype=dtype, train_steps=3,
              extra=extra, check_repr=NORM_REPRS)


@pytest.mark.parametrize('shape', [(6, 3), (4, 3, 5)])
def test_batch_norm1d(shape):
    run_layer(lambda lib: lib.nn.BatchNorm1d(3), arr(*shape) * 2 - 1, train_steps=2,
              extra=lambda lib, m: _bn_state(lib, m), check_repr=NORM_REPRS)
    run_layer(lambda lib: lib.nn.BatchNorm3d(3, momentum=None), arr(2, 3, 2, 3, 2), train_steps=2,
              extra=lambda lib, m: _bn_state(lib, m), check_repr=NORM_REPRS)


def test_batch_norm_functional_and_grad_fn(both):
    def body(lib):
        x = lib.tensor(arr(4, 3, 2), requires_grad=True)
        rm, rv = lib.zeros(3), lib.ones(3)
        y = F(lib).batch_norm(x, rm, rv, training=True, momentum=0.2)
        y2 = F(lib).batch_norm(x, rm, rv)
        (y.sum() + (y2 * y2).sum()).backward()
        return y, y2, rm, rv, x.grad, y.grad_fn.name()
    both(body, rtol=1e-5, atol=1e-5)


def test_batch_norm_errors(both):
    both(lambda lib: lib.nn.BatchNorm1d(3)(lib.randn(1, 3)), match='Expected more than 1 value per channel when '
         r'training, got input size torch.Size\(\[1, 3\]\)')
    both(lambda lib: lib.nn.BatchNorm2d(3)(lib.randn(2, 3, 4)), match='expected 4D input')
    both(lambda lib: lib.nn.BatchNorm1d(3)(lib.randn(2, 3, 4, 5)), match='expected 2D or 3D input')
    both(lambda lib: lib.nn.BatchNorm2d(3)(lib.randn(2, 4, 3, 3)))
    both(lambda lib: lib.nn.BatchNorm2d(3).eval()(lib.tensor(arr(1, 3, 1, 1))))        # eval: one value is fine


def test_batch_norm_gradcheck():
    x = ember.tensor(arr(4, 3, 2).astype(np.float64), requires_grad=True)
    w = ember.tensor(arr(3, seed=1).astype(np.float64), requires_grad=True)
    b = ember.tensor(arr(3, seed=2).astype(np.float64), requires_grad=True)
    assert gradcheck(lambda a, c, d: ember.nn.functional.batch_norm(a, None, None, c, d, True), (x, w, b))
    assert gradgradcheck(lambda a, c, d: ember.nn.functional.batch_norm(a, None, None, c, d, True), (x, w, b))
    rm, rv = ember.tensor(arr(3, seed=3).astype(np.float64)), ember.ones(3, dtype=ember.float64) * 2
    assert gradcheck(lambda a, c, d: ember.nn.functional.batch_norm(a, rm, rv, c, d, False), (x, w, b))


@requires_torch_2_13
def test_batch_norm_reprs(both):
    both(lambda lib: [repr(m) for m in (lib.nn.BatchNorm2d(3), lib.nn.BatchNorm1d(4, momentum=None, affine=False),
                                        lib.nn.BatchNorm3d(2, eps=1e-3, track_running_stats=False),
                                        lib.nn.InstanceNorm2d(3), lib.nn.InstanceNorm1d(2, affine=True),
                                        lib.nn.GroupNorm(2, 4), lib.nn.GroupNorm(1, 3, affine=False),
                                        lib.nn.Unfold(2), lib.nn.Fold(3, 2))])

    def body(lib):
        m = lib.nn.BatchNorm2d(3)
        return sorted(m.state_dict().keys()), m.num_batches_tracked, m.running_var
    both(body)


# ---------------------------------------------------------------- instance / group norm
def test_instance_norm():
    run_layer(lambda lib: lib.nn.InstanceNorm2d(3), arr(2, 3, 4, 5), check_repr=NORM_REPRS)
    run_layer(lambda lib: lib.nn.InstanceNorm2d(3, affine=True, track_running_stats=True), arr(2, 3, 4, 5) + 1,
              train_steps=2, extra=lambda lib, m: [_bn_state(lib, m), m.eval()(lib.ones(1, 3, 2, 2))],
              check_repr=NORM_REPRS)
    run_layer(lambda lib: lib.nn.InstanceNorm1d(3, affine=True), arr(3, 6), check_repr=NORM_REPRS)


def test_group_norm(both):
    run_layer(lambda lib: lib.nn.GroupNorm(2, 4), arr(3, 4, 3, 2) * 3, dtype=np.float64, check_repr=NORM_REPRS)
    run_layer(lambda lib: lib.nn.GroupNorm(3, 6, affine=False), arr(2, 6, 5), check_repr=NORM_REPRS)
    run_fn('group_norm', [arr(2, 4, 3), arr(4, seed=1), arr(4, seed=2)], 2)
    both(lambda lib: F(lib).group_norm(lib.randn(2, 5, 3), 2))
    both(lambda lib: lib.nn.GroupNorm(2, 5))


# ---------------------------------------------------------------- unfold / fold
def test_unfold_fold(both):
    run_fn('unfold', [arr(2, 3, 6, 5)], (2, 3), dilation=(1, 2), padding=1, stride=(2, 1))
    run_fn('fold', [arr(2, 12, 12)], (4, 5), 2, padding=1, stride=2)
    run_fn('unfold', [arr(3, 4, 4)], 2)
    run_layer(lambda lib: lib.nn.Unfold(3, padding=1), arr(2, 2, 4, 4))
    run_layer(lambda lib: lib.nn.Fold((3, 3), 2), arr(2, 8, 4))
    both(lambda lib: F(lib).fold(lib.randn(2, 12, 5), (4, 5), 2))
    x = ember.tensor(arr(1, 2, 4, 4).astype(np.float64), requires_grad=True)
    assert gradgradcheck(lambda a: ember.nn.functional.unfold(a, 2, padding=1, stride=2) ** 2, (x,))


# ---------------------------------------------------------------- a LeNet end to end
def test_lenet_training_step(both):
    def body(lib):
        lib.manual_seed(0)
        nn = lib.nn
        net = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.BatchNorm2d(6), nn.ReLU(), nn.MaxPool2d(2),
                            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.AvgPool2d(2), nn.Flatten(), nn.Linear(16 * 5 * 5, 10))
        sd = {k: lib.tensor(np.asarray(arr(*v.shape, seed=i) * 0.1, dtype=np.float32)) if v.dtype == lib.float32
              else v for i, (k, v) in enumerate(net.state_dict().items())}
        net.load_state_dict(sd)
        opt = lib.optim.SGD(net.parameters(), lr=0.1)
        x, y = lib.tensor(arr(4, 1, 28, 28)), lib.tensor([1, 2, 3, 4])
        losses = []
        for _ in range(2):
            opt.zero_grad()
            loss = F(lib).cross_entropy(net(x), y)
            loss.backward()
            opt.step()
            losses.append(loss.item())
        return losses, repr(net) if NORM_REPRS else None, net[1].running_mean   # (BatchNorm2d's repr)
    both(body, rtol=1e-4, atol=1e-5)


def test_max_pool_double_backward(both):
    def body(lib):
        x = lib.tensor(arr(2, 2, 5, 6).astype(np.float64), requires_grad=True)
        y = F(lib).max_pool2d(x * x, 3, 2, 1, ceil_mode=True)
        gx, = lib.autograd.grad((y ** 3).sum(), x, create_graph=True)
        gx.pow(2).sum().backward()
        z = F(lib).adaptive_max_pool2d(x.sin(), (2, 4))
        gz, = lib.autograd.grad((z ** 2).sum(), x, create_graph=True)
        return gx, x.grad, lib.autograd.grad(gz.sum(), x)
    both(body, rtol=1e-9, atol=1e-9)
    x = ember.tensor(np.random.default_rng(0).permutation(60).reshape(1, 2, 5, 6).astype(np.float64) / 10,
                     requires_grad=True)
    assert gradgradcheck(lambda a: ember.nn.functional.max_pool2d(a, 2, 1, 1), (x,))


# float32 CPU convolutions with C*KH >= 16 and Cout >= 16 take the Toom-Cook path of conv.py
# (_tc_fwd, its adjoint for the gradients): LeNet's second layer and wider 3x3 / 5x5 / 7-wide ones
@pytest.mark.parametrize('shapes,kw', [
    (((4, 6, 14, 14), (16, 6, 5, 5)), dict()),                      # LeNet layer 2
    (((2, 16, 9, 11), (16, 16, 3, 3)), dict(padding=1)),
    (((2, 16, 8, 8), (24, 16, 3, 3)), dict(padding='same')),
    (((3, 8, 10, 12), (16, 8, 3, 5)), dict(padding=(1, 2))),
    (((2, 4, 12, 13), (32, 4, 5, 7)), dict(padding=3)),
    (((16, 7, 9), (16, 16, 3, 3)), dict()),                          # unbatched
    (((0, 16, 6, 6), (16, 16, 3, 3)), dict()),                       # empty batch
])
@pytest.mark.parametrize('bias', [True, False])
def test_conv2d_toom_cook_path(shapes, kw, bias):
    xs, ws = shapes
    arrays = [arr(*xs), arr(*ws, seed=1) * 0.3, arr(ws[0], seed=2) if bias else None]
    run_fn('conv2d', arrays, dtype=np.float32, **kw)


def test_conv2d_toom_cook_noncontiguous_and_double_backward(both):
    def body(lib):
        x = lib.tensor(arr(2, 16, 10, 9)).transpose(2, 3).requires_grad_()     # non-contiguous
        w = lib.tensor(arr(16, 16, 3, 3, seed=1) * 0.3).requires_grad_()
        y = F(lib).conv2d(x, w, padding=1)
        (gx,) = lib.autograd.grad(y.pow(2).sum(), x, create_graph=True)
        gx.sum().backward()
        return y, gx, w.grad
    both(body, rtol=1e-4, atol=1e-3)        # (w.grad reaches ~70: float32 sums of 16*18 products)


# ---------------------------------------------------------------- avg pooling's slice-sum host path
# (pooling._window_sum_np: the window sums one shifted strided slice at a time, in the order of
# NumPy's reduction of the window view, where every output and kernel extent is >= 2)
AVG_FAST = [(3, (2, 3, 9, 8, 10), 3, 2, 0, False), (3, (2, 2, 7, 9, 8), (2, 3, 2), (1, 2, 3), 1, True),
            (3, (3, 1, 6, 6, 6), 2, 2, (1, 0, 1), False), (2, (2, 3, 12, 11), 3, 1, 1, True),
            (2, (2, 2, 9, 19), (3, 9), (2, 3), 0, False), (1, (2, 3, 21), 8, 3, 4, True),
            (1, (4, 11), 3, 2, 1, False)]


@pytest.mark.parametrize('k,shape,ks,st,pd,ceil', AVG_FAST, ids=[str(i) for i in range(len(AVG_FAST))])
@pytest.mark.parametrize('cip', (True, False))
@pytest.mark.parametrize('dtype', (np.float32, np.float64))
def test_avg_pool_slice_sum_path(k, shape, ks, st, pd, ceil, cip, dtype):
    a = arr(*shape, seed=4, dtype=dtype)
    a.reshape(-1)[::13] = np.resize(np.array([-0., 0., 1e30, -1e-30], dtype), a.reshape(-1)[::13].shape)
    if dtype == np.float64:
        a.reshape(-1)[::29] = -0.
    run_fn(f'avg_pool{k}d', [a], ks, st, pd, ceil, cip, dtype=dtype)

    def body(lib):      # no grad, all -0.0 windows, inf and nan
        b = a.copy()
        b.reshape(-1)[:40] = -0.
        b.reshape(-1)[60::17] = np.resize(np.array([np.inf, -np.inf, np.nan], dtype), b.reshape(-1)[60::17].shape)
        r = getattr(F(lib), f'avg_pool{k}d')(lib.tensor(b), ks, st, pd, ceil, cip)
        # (zero signs compared; a NaN's sign bit is not: it follows the order of the adds inside
        # each library's loop, and differs between ember's host and device paths)
        return r, lib.where(lib.isnan(r), False, lib.signbit(r))
    run_both(body, **tol(dtype))


def test_avg_pool_slice_sum_path_same_bits_as_window_view():
    from ember.nn._functional import pooling as PL
    rng = np.random.default_rng(5)
    for trial in range(300):
        k = int(rng.integers(1, 4))
        S = tuple(int(v) for v in rng.integers(2, 12, size=k))
        K = tuple(int(min(v, s)) for v, s in zip(rng.integers(2, 10, size=k), S))
        s = tuple(int(v) for v in rng.integers(1, 4, size=k))
        p = tuple(int(rng.integers(0, K[i] // 2 + 1)) for i in range(k))
        O = tuple(PL._pool_out(S[i], K[i], s[i], p[i], 1, bool(trial % 2)) for i in range(k))
        dt = (np.float32, np.float64)[trial % 2]
        x = rng.standard_normal((int(rng.integers(2, 4)),) + S).astype(dt)
        x.reshape(-1)[::5] = -0.
        r = PL._window_sum_np(x, K, s, p, S, O)
        if r is not None:
            ref = PL._windows(x, K, s, p, (1,) * k, S, O, 0).sum(axis=tuple(range(1 + k, 1 + 2 * k)))
            assert r.dtype == ref.dtype and r.tobytes() == ref.tobytes(), (S, K, s, p, O)


# ---------------------------------------------------------------- reflect / replicate / circular pad's
# slice path (padding._gather_slices: the middle copied once, each border slab from filled positions)
# (the slice path takes inputs of 65536 elements or more; the small shapes check the takes' path)
PADS = [((8, 3, 60, 50), (3, 3, 3, 3)), ((8, 3, 60, 50), (0, 2, 1, 0)), ((3, 30000), (4, 5)),
        ((2, 5, 90, 80), (1, 2)), ((2, 2, 30, 40, 30), (1, 0, 2, 3, 3, 1)), ((4, 4, 70, 60), (2, 1, 0, 0, 1, 3)),
        ((2, 3, 20000), (-1, 2)), ((2, 3, 150, 150), (2, -1, 1, 1)), ((2, 3, 9, 8), (3, 3, 3, 3)),
        ((2, 3, 5, 4), (2, 0, 1, 1))]


@pytest.mark.parametrize('shape,pad', PADS, ids=[str(i) for i in range(len(PADS))])
@pytest.mark.parametrize('mode', ('reflect', 'replicate', 'circular'))
def test_pad_slice_path(shape, pad, mode):
    def body(lib):
        a = arr(*shape, seed=2)
        a.reshape(-1)[::7] = np.resize(np.array([np.nan, -0., np.inf], np.float32), a.reshape(-1)[::7].shape)
        x = lib.tensor(a, requires_grad=True)
        try:
            out = F(lib).pad(x, pad, mode=mode)
        except Exception as e:      # noqa: BLE001  (negative reflect pads: the same error in both)
            return type(e).__name__
        g = lib.tensor(arr(*out.shape, seed=3), requires_grad=True)
        gx, = lib.autograd.grad(out, x, g, create_graph=True)
        gg, = lib.autograd.grad((gx * gx).sum(), g)         # the double backward gathers again
        xi = lib.tensor((a * 10).astype(np.int64) if not np.isnan(a).any() else np.arange(a.size).reshape(shape))
        # (bool: circular only; torch has no bool replication pad, which ember pads anyway)
        return out, gx, gg, F(lib).pad(xi, pad, mode=mode), F(lib).pad(x.detach() > 0, pad, mode=mode) \
            if mode == 'circular' else None
    run_both(body)


@pytest.mark.parametrize('mode', ['reflect', 'replicate', 'circular'])
def test_pad_bool_input(mode):
    """torch's reflection/replication kernels have no bool loop (NotImplementedError, after the size
    checks); circular padding copies bools."""
    for shape, pad in (((1, 2, 3), (1, 1)), ((1, 1, 2, 3), (1, 1, 1, 1)), ((1, 1, 2, 2, 3), (1, 1, 1, 1, 1, 1)),
                       ((1, 1, 2, 3), (5, 5, 1, 1))):
        run_both(lambda lib: F(lib).pad(lib.tensor(np.arange(np.prod(shape)).reshape(shape) % 3 == 0), pad,
                                        mode=mode))
