"""Conformance tests for the differences found by the vision scripts of tests/scripts/real_vision_b/
(tests/test_real_vision_b_scripts.py)."""
import warnings

import pytest

from conformance import cpu_random_only


def _warned(lib, fn):
    before = lib.is_warn_always_enabled()
    lib.set_warn_always(True)
    try:
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter('always')
            out = fn()
    finally:
        lib.set_warn_always(before)
    return out, [(x.category.__name__, str(x.message).split(' (Triggered internally')[0]) for x in w]


@pytest.mark.parametrize('conv', ['float', 'complex', 'item', 'int', 'no_grad', 'detached'])
def test_scalar_of_requires_grad_tensor_warns(both, conv):
    # YOLO-style logs: f"{float(loss_box):.4f}" on a loss that requires grad: torch warns (float /
    # complex only, not .item() / int(), and not under no_grad)
    def body(lib):
        x = lib.ones(2, requires_grad=True).sum()
        fns = {'float': lambda: float(x), 'complex': lambda: complex(x), 'item': x.item, 'int': lambda: int(x),
               'no_grad': lambda: lib.no_grad()(lambda: float(x))(), 'detached': lambda: float(x.detach())}
        return _warned(lib, fns[conv])
    both(body)


@pytest.mark.parametrize('k', [1, 2, 3])
def test_conv_transpose_output_padding_error_names_dims(both, k):
    # nn.ConvTranspose2d(4, 4, 3, stride=2, output_padding=2): torch names each dim in the message
    def body(lib):
        f = getattr(lib.nn.functional, f'conv_transpose{k}d')
        return f(lib.ones((1, 2) + (4,) * k), lib.ones((2, 2) + (3,) * k), stride=2, output_padding=2)
    both(body, match={1: 'output_padding_height: 0 output_padding_width: 2 stride_height: 1 stride_width: 2 '
                         'dilation_height: 1 dilation_width: 1$',
                      2: 'output_padding_height: 2 output_padding_width: 2 stride_height: 2',
                      3: 'output_padding_depth: 2 output_padding_height: 2 .* dilation_width: 1$'}[k])


def test_group_norm_module_error_names_sizes(both):
    both(lambda lib: lib.nn.GroupNorm(3, 8), match=r'^num_channels \(8\) must be divisible by num_groups \(3\)$')


@pytest.mark.parametrize('shape', [(5,), (5, 5), (2, 3, 4, 5, 6), (2, 0, 4, 4)])
def test_unfold_bad_input_errors(both, shape):
    # torch 2.x's im2col: IndexError for 1-D / 2-D input (it reads input.size(2) first), a
    # RuntimeError naming the shape otherwise
    both(lambda lib: lib.nn.functional.unfold(lib.ones(shape), 2),
         match=r'Dimension out of range|Expected 3D or 4D \(batch mode\) tensor with possibly 0 batch size')


@pytest.mark.parametrize('shape', [(5,), (1, 4, 2, 2), (1, 4, 0)])
def test_fold_bad_input_errors(both, shape):
    both(lambda lib: lib.nn.functional.fold(lib.ones(shape), (3, 3), 2),
         match=r'^Expected 2D or 3D \(batch mode\) tensor for input with possibly 0 batch size')


def test_fold_divisibility_error_ends_with_period(both):
    both(lambda lib: lib.nn.functional.fold(lib.ones(1, 5, 9), (4, 4), 2), match=r"kernel_size=\(2, 2\)\.$")


def _cl_flags(lib, *ts):
    return [(tuple(t.shape), t.stride(), t.is_contiguous(memory_format=lib.channels_last)) for t in ts]


def test_conv2d_keeps_channels_last(both):
    # model.to(memory_format=torch.channels_last): conv2d answers channels-last for a channels-last
    # input or weight (conv3d does not), conv_transpose2d too
    def body(lib):
        F = lib.nn.functional
        x = lib.arange(2 * 4 * 5 * 5.).reshape(2, 4, 5, 5) / 50
        w = lib.arange(3 * 4 * 9.).reshape(3, 4, 3, 3) / 100
        cl = x.contiguous(memory_format=lib.channels_last)
        wcl = w.contiguous(memory_format=lib.channels_last)
        outs = [F.conv2d(cl, w, padding=1), F.conv2d(x, wcl), F.conv2d(cl, wcl, stride=2),
                F.conv_transpose2d(cl, w.transpose(0, 1).contiguous()), F.conv2d(x, w)]
        x3 = lib.ones(1, 2, 3, 4, 5).contiguous(memory_format=lib.channels_last_3d)
        y3 = F.conv3d(x3, lib.ones(3, 2, 1, 1, 1))
        return outs, _cl_flags(lib, *outs), y3.stride()
    both(body)


def test_norm_pool_interpolate_keep_channels_last(both):
    def body(lib):
        F = lib.nn.functional
        x = (lib.arange(2 * 4 * 6 * 6.).reshape(2, 4, 6, 6) % 7).contiguous(memory_format=lib.channels_last)
        outs = [F.batch_norm(x, None, None, training=True), F.group_norm(x, 2), F.max_pool2d(x, 2),
                F.max_pool2d(x, 2, return_indices=True)[1], F.avg_pool2d(x, 2), F.adaptive_avg_pool2d(x, 3),
                F.adaptive_max_pool2d(x, (2, 3)), F.interpolate(x, scale_factor=2),
                F.interpolate(x, size=(7, 9), mode='bilinear'), F.interpolate(x, size=4, mode='bicubic'),
                lib.nn.BatchNorm2d(4)(x)]
        x3 = lib.ones(2, 3, 4, 4, 4).contiguous(memory_format=lib.channels_last_3d)
        outs3 = [F.max_pool3d(x3, 2), F.avg_pool3d(x3, 2), F.batch_norm(x3, None, None, training=True),
                 F.interpolate(x3, scale_factor=2, mode='trilinear')]
        return outs, _cl_flags(lib, *outs), [t.stride() for t in outs3]
    both(body)


def test_like_factories_preserve_layout(both):
    def body(lib):
        x = lib.ones(2, 4, 5, 6).contiguous(memory_format=lib.channels_last)
        t = lib.ones(3, 5).t()
        sl = x[:, :, ::2]
        outs = []
        for src in (x, t, sl, lib.ones(4, 1).expand(4, 3)):
            outs += [lib.zeros_like(src), lib.ones_like(src, dtype=lib.int32), lib.empty_like(src),
                     lib.full_like(src, 2.5), lib.zeros_like(src, memory_format=lib.contiguous_format)]
        return [o.stride() for o in outs], [o for i, o in enumerate(outs) if i % 5 != 2]     # (not empty_like's)
    both(body)


@pytest.mark.parametrize('what', ['rand_like', 'randn_like', 'randint_like', 'uniform_', 'normal_', 'random_',
                                  'bernoulli_', 'exponential_', 'kaiming_normal_', 'trunc_normal_'])
def test_random_fills_follow_memory_order(both, what):
    # torch fills a non-contiguous tensor in memory order (normal_ one draw at a time there)
    cpu_random_only()

    def body(lib):
        lib.manual_seed(0)
        outs = []
        for make in (lambda: lib.empty(2, 4, 3, 5).contiguous(memory_format=lib.channels_last),
                     lambda: lib.empty(7, 3).t(), lambda: lib.empty(4, 6)[:, ::2], lambda: lib.empty(40)):
            x = make()
            if what.endswith('_like'):
                r = {'rand_like': lib.rand_like, 'randn_like': lib.randn_like,
                     'randint_like': lambda t: lib.randint_like(t, 10)}[what](x)
            elif what in ('kaiming_normal_', 'trunc_normal_'):
                r = getattr(lib.nn.init, what)(x) if x.dim() > 1 else x.normal_()
            else:
                args = {'uniform_': (-1, 1), 'normal_': (1.0, 2.0), 'random_': (0, 9), 'bernoulli_': (0.3,),
                        'exponential_': (2.0,)}[what]
                r = getattr(x, what)(*args)
            outs.append((r, r.stride()))
        return outs
    both(body)


@pytest.mark.parametrize('size', [(1, 2, 3, 4, 5), [1, 2, 3, 4], (1, 2, 3)])
def test_affine_grid_errors_show_size_as_given(both, size):
    # torch formats the size as passed (a list stays a list) and theta's shape as torch.Size
    both(lambda lib: lib.nn.functional.affine_grid(lib.zeros(1, 3, 3), size, align_corners=False),
         match=r'Got (torch\.Size\(\[1, 3, 3\]\)|size \(1, 2, 3\))\.$' if len(size) != 4 else
         r'for size \[1, 2, 3, 4\]\. Got torch\.Size\(\[1, 3, 3\]\)\.$')


@pytest.mark.parametrize('case', ['list', 'list_no_grad', 'full_rg', 'full_1d', 'full_ok'])
def test_tensor_from_grad_scalars_and_full_fill_value(both, case):
    # torch.tensor([loss_a, loss_b]) converts each element as float() does (warning when it requires
    # grad); torch.full's fill_value is a Number: a 0-dim tensor that does not require grad
    def body(lib):
        a = lib.tensor(1.5, requires_grad=True) * 2
        fns = {'list': lambda: lib.tensor([a, a + 1]), 'list_no_grad': lambda: lib.no_grad()(lambda: lib.tensor([a]))(),
               'full_rg': lambda: lib.full((2,), a), 'full_1d': lambda: lib.full((2,), lib.tensor([2.])),
               'full_ok': lambda: lib.full((2,), lib.tensor(2))}
        return _warned(lib, fns[case])
    both(body)
