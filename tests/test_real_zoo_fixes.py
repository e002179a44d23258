"""Conformance tests for the differences found by the model-zoo scripts
(tests/scripts/real_zoo/, tests/test_real_zoo_scripts.py)."""
import importlib
from collections import OrderedDict

import pytest

from conformance import cpu_random_only


def _sub(lib, name):
    return importlib.import_module(f'{lib.__name__}.{name}')


def test_nn_modules_utils_helpers(both):
    # timm: to_2tuple = _ntuple(2); torchvision convs: _pair; DDP checkpoints: consume_prefix_...
    def body(lib):
        u = _sub(lib, 'nn.modules.utils')
        sd = OrderedDict([('module.fc.weight', lib.ones(2)), ('head.bias', lib.zeros(1))])
        sd._metadata = OrderedDict([('', {'version': 1}), ('module', {}), ('module.fc', {'version': 1})])
        u.consume_prefix_in_state_dict_if_present(sd, 'module.')
        return (u._pair(3), u._pair([1, 2]), u._single(4), u._triple(2), u._quadruple(0), u._ntuple(3)((5, 6, 7)),
                u._ntuple(2).__name__, u._pair.__name__, u._reverse_repeat_tuple((1, 2), 2), list(sd), sd['fc.weight'],
                list(sd._metadata))
    both(body)


def test_nn_common_types_importable(both):
    def body(lib):
        c = _sub(lib, 'nn.common_types')
        return [hasattr(c, n) for n in ('_size_1_t', '_size_2_t', '_size_3_t', '_size_any_t', '_ratio_2_t',
                                        '_size_2_opt_t', '_tensor_list_t')]
    both(body)


@pytest.mark.parametrize('ok', [True, False])
def test_assert(both, ok):
    # torchvision ViT: torch._assert(h == self.image_size, "Wrong image height!")
    both(lambda lib: lib._assert(ok, 'Wrong image height! Expected 16 but got 20!'), match='Wrong image height')


@pytest.mark.parametrize('case', ['ok', 'default', 'message', 'tensor'])
def test_check(both, case):
    def body(lib):
        if case == 'ok':
            return lib._check(True, lambda: 'unused')
        if case == 'default':
            return lib._check(1 == 2)
        if case == 'message':
            return lib._check(False, lambda: 'shape mismatch')
        return lib._check(lib.tensor(True))
    both(body)


def test_sync_batchnorm_convert_and_forward(both):
    cpu_random_only()

    def body(lib):
        lib.manual_seed(0)
        nn = lib.nn
        model = nn.Sequential(nn.Conv2d(3, 4, 1), nn.BatchNorm2d(4, momentum=0.2),
                              nn.Sequential(nn.BatchNorm1d(4, affine=False)))
        model[1].weight.data.fill_(2.0)
        bn_weight = model[1].weight
        model = nn.SyncBatchNorm.convert_sync_batchnorm(model)
        x = lib.randn(2, 3, 4, 4)
        out = model[1](model[0](x))
        out.sum().backward()
        s = model[1]
        return (repr(model), type(s).__name__, s.weight is bn_weight, s.process_group, out, s.running_mean,
                s.num_batches_tracked, s.weight.grad, model[2][0](lib.randn(3, 4)),
                repr(nn.SyncBatchNorm(3, eps=1e-3, bias=False)))
    both(body)


@pytest.mark.parametrize('shape', [(3,), (2, 0, 3)])
def test_sync_batchnorm_input_errors(both, shape):
    both(lambda lib: lib.nn.SyncBatchNorm(3)(lib.ones(shape)))


def test_hub_load_state_dict_from_url_file_url(both, tmp_path, capsys):
    def body(lib):
        # a fresh directory per run: on the cuda axis the harness runs torch's body twice (on the
        # CPU first, then on CUDA) and ember's twice (on CUDA, then on the CPU for comparison)
        import pathlib
        import tempfile
        d = pathlib.Path(tempfile.mkdtemp(prefix=lib.__name__ + '-', dir=tmp_path))
        lin = lib.nn.Linear(2, 3)
        lin.weight.data.fill_(0.5)
        src = d / 'linear-0123abcd.pth'
        lib.save(lin.state_dict(), str(src))
        hub = lib.hub
        first = hub.load_state_dict_from_url(src.as_uri(), model_dir=str(d / 'cache'), progress=False)
        again = hub.load_state_dict_from_url(src.as_uri(), model_dir=str(d / 'cache'), progress=False)
        out = capsys.readouterr().out
        return (list(first), first['weight'], again['bias'].shape, sorted(p.name for p in (d / 'cache').iterdir()),
                out.count('Downloading: '), out.startswith(f'Downloading: "{src.as_uri()}" to '),
                callable(hub.download_url_to_file), hub.get_dir().endswith('hub'))
    both(body)


_LOSSES = {
    'mse': lambda F, x, y: F.mse_loss(x, y),
    'mse_sum': lambda F, x, y: F.mse_loss(x, y, reduction='sum'),
    'mse_none': lambda F, x, y: F.mse_loss(x, y, reduction='none'),
    'smooth_l1': lambda F, x, y: F.smooth_l1_loss(x, y, beta=0.5),
    'huber_none': lambda F, x, y: F.huber_loss(x, y, reduction='none', delta=0.7),
    'bce': lambda F, x, y: F.binary_cross_entropy(x.sigmoid(), y),
    'bce_logits': lambda F, x, y: F.binary_cross_entropy_with_logits(x, y),
    'bce_logits_weight_none': lambda F, x, y: F.binary_cross_entropy_with_logits(x, y, weight=y[0] + 1,
                                                                               reduction='none'),
    'bce_logits_pos_weight': lambda F, x, y: F.binary_cross_entropy_with_logits(x, y, pos_weight=y[0] + 1),
    'soft_margin': lambda F, x, y: F.soft_margin_loss(x, y * 2 - 1),
    'l1': lambda F, x, y: F.l1_loss(x, y),
}


@pytest.mark.parametrize('name', sorted(_LOSSES))
def test_loss_grad_fn_is_torch_fused_node(both, name):
    # print(loss) shows tensor(0.7519, grad_fn=<BinaryCrossEntropyWithLogitsBackward0>) in torch
    def body(lib):
        x = lib.tensor([[0.3, -1.2, 2.0], [0.5, 0.1, -0.7]], requires_grad=True)
        y = lib.tensor([[1., 0., 1.], [0., 0., 1.]])
        loss = _LOSSES[name](lib.nn.functional, x, y)
        text = repr(loss)
        (g,) = lib.autograd.grad(loss.sum(), x, create_graph=True)
        (gg,) = lib.autograd.grad((g * g).sum(), x, allow_unused=True)
        with lib.no_grad():
            plain = _LOSSES[name](lib.nn.functional, x, y)
        return loss.grad_fn.name(), text, loss, g, None if name == 'l1' else gg, plain.grad_fn   # (l1: a ZeroTensor)
    both(body)


def test_loss_module_grad_fn_name(both):
    def body(lib):
        x = lib.tensor([0.3, -1.2], requires_grad=True)
        return (repr(lib.nn.MSELoss()(x, lib.zeros(2))), repr(lib.nn.BCEWithLogitsLoss()(x, lib.ones(2))),
                repr(lib.nn.SmoothL1Loss()(x, lib.zeros(2))), repr(lib.nn.HuberLoss()(x, lib.zeros(2))),
                lib.nn.functional.mse_loss(x.detach(), lib.zeros(2)).grad_fn)
    both(body)


@pytest.mark.parametrize('dims,kw', [
    (2, dict(scale_factor=2)), (2, dict(size=(4, 4))), (2, dict(scale_factor=2, mode='nearest-exact')),
    (2, dict(scale_factor=2, mode='bilinear')), (2, dict(size=(5, 3), mode='bilinear', align_corners=True)),
    (2, dict(size=(9, 9), mode='bicubic')), (2, dict(size=(1, 2), mode='bilinear', antialias=True)),
    (2, dict(size=(1, 2), mode='bicubic', antialias=True)), (2, dict(size=(2, 2), mode='area')),
    (1, dict(scale_factor=2)), (1, dict(scale_factor=2, mode='linear')), (3, dict(scale_factor=2)),
    (3, dict(size=(2, 3, 2), mode='trilinear'))])
def test_interpolate_grad_fn_name(both, dims, kw):
    def body(lib):
        x = lib.arange(2 * 3 ** dims, dtype=lib.float32).reshape((1, 2) + (3,) * dims).requires_grad_()
        y = lib.nn.functional.interpolate(x, **kw)
        (y * lib.arange(y.numel(), dtype=lib.float32).reshape(y.shape)).sum().backward()
        with lib.no_grad():
            z = lib.nn.functional.interpolate(x, **kw)
        return y.grad_fn.name(), y, x.grad, z.grad_fn
    both(body)


@pytest.mark.parametrize('fn,shape,out', [
    ('adaptive_avg_pool2d', (2, 3, 4, 5), 1), ('adaptive_avg_pool2d', (2, 3, 4, 5), (1, 1)),
    ('adaptive_avg_pool2d', (3, 4, 5), (1, None)), ('adaptive_avg_pool2d', (2, 3, 4, 6), (2, 3)),
    ('adaptive_avg_pool2d', (2, 3, 1, 1), (2, 1)), ('adaptive_avg_pool2d', (1, 2, 5, 7), (3, 2)),
    ('adaptive_avg_pool3d', (1, 2, 3, 4, 2), 1), ('adaptive_avg_pool1d', (2, 3, 5), 1),
    ('adaptive_avg_pool1d', (3, 7), 3), ('adaptive_avg_pool1d', (2, 3, 6), 2)])
def test_adaptive_avg_pool_grad_fn_and_values(both, fn, shape, out):
    # torch: a 1x1 output is a mean (grad_fn=<MeanBackward1>), the 1-d pool a squeezed 2-d one
    def body(lib):
        n = 1
        for s in shape:
            n *= s
        x = (lib.arange(n, dtype=lib.float32).reshape(shape) * 0.37).sin().requires_grad_()
        y = getattr(lib.nn.functional, fn)(x, out)
        (y * y).sum().backward()
        return y.grad_fn.name(), y, x.grad
    both(body)


def test_adaptive_avg_pool_errors_unchanged(both):
    both(lambda lib: lib.nn.functional.adaptive_avg_pool1d(lib.ones(2, 3, 4, 5), 1))


@pytest.mark.parametrize('case', ['group_norm', 'group_norm_affine', 'pixel_shuffle', 'pixel_unshuffle',
                                  'prelu', 'prelu_channels'])
def test_fused_module_grad_fn_name(both, case):
    def body(lib):
        F = lib.nn.functional
        x = (lib.arange(32, dtype=lib.float32).reshape(1, 8, 2, 2) * 0.3).cos().requires_grad_()
        y = {'group_norm': lambda: F.group_norm(x, 4),
             'group_norm_affine': lambda: lib.nn.GroupNorm(2, 8)(x),
             'pixel_shuffle': lambda: F.pixel_shuffle(x, 2),
             'pixel_unshuffle': lambda: F.pixel_unshuffle(x, 2),
             'prelu': lambda: F.prelu(x, lib.tensor([0.25])),
             'prelu_channels': lambda: lib.nn.PReLU(8, init=0.1)(x)}[case]()
        (y * y).sum().backward()
        return y.grad_fn.name(), y, x.grad
    both(body)


@pytest.mark.parametrize('case', ['t', 'permuted3d', 'sliced', 'contiguous', 'expanded'])
def test_dropout_mask_follows_memory_layout(both, case):
    # torch fills empty_like(input) in memory order: nn.TransformerEncoderLayer(batch_first=True)
    # drops out MultiheadAttention's transposed output
    cpu_random_only()

    def body(lib):
        lib.manual_seed(0)
        base = lib.arange(1, 25, dtype=lib.float32)
        x = {'t': lambda: base.reshape(4, 6).t(),
             'permuted3d': lambda: base.reshape(2, 3, 4).permute(2, 0, 1),
             'sliced': lambda: base.reshape(4, 6)[:, ::2],
             'contiguous': lambda: base.reshape(6, 4),
             'expanded': lambda: base[:4].expand(3, 4)}[case]()
        return lib.nn.functional.dropout(x, 0.5), lib.nn.functional.dropout(x, 0.3, inplace=False), lib.rand(2)
    both(body)


def test_transformer_encoder_layer_batch_first_dropout(both):
    cpu_random_only()

    def body(lib):
        lib.manual_seed(2)
        enc = lib.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.2, batch_first=True)
        x = lib.randn(2, 5, 8)
        lib.manual_seed(7)
        out = enc(x)
        out.sum().backward()
        return out, enc.linear1.weight.grad
    both(body, rtol=1e-5)


def test_rrelu_training_draws(both):
    # torch draws one double U(lower, upper) per element <= 0 (zeros included), none for the others
    cpu_random_only()

    def body(lib):
        lib.manual_seed(0)
        x = lib.tensor([[0., -1., 2., -3.], [0.5, -0.25, 0., -2.]], requires_grad=True)
        y = lib.nn.functional.rrelu(x, 0.1, 0.4, training=True)
        y.sum().backward()
        z = lib.nn.RReLU()(lib.randn(3, 4, dtype=lib.float64))
        return y, x.grad, y.grad_fn.name(), z, lib.nn.functional.rrelu(x).grad_fn.name(), lib.rand(2)
    both(body)
