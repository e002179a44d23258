"""Conformance tests for the differences the real vision / data-pipeline scripts
(tests/scripts/real_vision/) found between PyTorch and ember; ``both`` is the conformance fixture
(tests/conformance.py, provided by tests/conftest.py)."""
import pytest

from conformance import cpu_random_only


# ---------------------------------------------------------------- F.interpolate: 'area' and 'bicubic'
@pytest.mark.parametrize('kwargs', [dict(scale_factor=0.5), dict(size=(3, 5)), dict(size=(6, 7)),
                                    dict(scale_factor=(0.5, 1.5))])
def test_interpolate_area(both, kwargs):
    def body(lib):
        x = lib.arange(2 * 3 * 4 * 6, dtype=lib.float32).reshape(2, 3, 4, 6).sin().requires_grad_()
        y = lib.nn.functional.interpolate(x, mode='area', **kwargs)
        (y * lib.arange(y.numel()).reshape(y.shape)).sum().backward()
        return y, x.grad
    both(body, rtol=1e-5)


def test_interpolate_area_1d_and_3d(both):
    def body(lib):
        F = lib.nn.functional
        a = lib.arange(10.).reshape(1, 2, 5)
        b = lib.arange(2 * 4 * 4 * 4.).reshape(1, 2, 4, 4, 4)
        return F.interpolate(a, size=3, mode='area'), F.interpolate(b, scale_factor=0.5, mode='area')
    both(body)


@pytest.mark.parametrize('align_corners', [False, True])
@pytest.mark.parametrize('kwargs', [dict(scale_factor=1.5), dict(size=(7, 3)), dict(scale_factor=2),
                                    dict(size=(2, 2))])
def test_interpolate_bicubic(both, align_corners, kwargs):
    def body(lib):
        x = lib.arange(2 * 2 * 4 * 5, dtype=lib.float32).reshape(2, 2, 4, 5).cos().requires_grad_()
        y = lib.nn.functional.interpolate(x, mode='bicubic', align_corners=align_corners, **kwargs)
        (y * y).sum().backward()
        return y, x.grad
    both(body, rtol=1e-5, atol=1e-5)


def test_interpolate_bicubic_float64_and_module(both):
    def body(lib):
        x = lib.arange(16, dtype=lib.float64).reshape(1, 1, 4, 4) ** 1.5
        return lib.nn.Upsample(scale_factor=2, mode='bicubic')(x), \
            lib.nn.functional.interpolate(x, size=(5, 3), mode='bicubic', align_corners=True)
    both(body, rtol=1e-12)


def test_interpolate_bicubic_needs_4d(both):
    both(lambda lib: lib.nn.functional.interpolate(lib.ones(1, 1, 4), scale_factor=2, mode='bicubic'))


@pytest.mark.parametrize('mode', ['bilinear', 'bicubic'])
@pytest.mark.parametrize('kwargs', [dict(size=(3, 4)), dict(size=(7, 11)), dict(scale_factor=0.4),
                                    dict(size=(9, 5), align_corners=True), dict(size=(40, 13))])
def test_interpolate_antialias(both, mode, kwargs):
    cpu_random_only()
    def body(lib):
        lib.manual_seed(0)
        x = lib.rand(2, 3, 16, 12, requires_grad=True)
        y = lib.nn.functional.interpolate(x, mode=mode, antialias=True, **kwargs)
        (y * y).sum().backward()
        return y, x.grad
    both(body, rtol=1e-5, atol=1e-6)


def test_interpolate_antialias_float64(both):
    both(lambda lib: lib.nn.functional.interpolate(lib.arange(30, dtype=lib.float64).reshape(1, 1, 5, 6) ** 2,
                                                   size=(2, 4), mode='bicubic', antialias=True), rtol=1e-12)


@pytest.mark.parametrize('mode, shape', [('nearest', (1, 1, 4, 4)), ('linear', (1, 1, 4)),
                                         ('bilinear', (1, 4, 4))])
def test_interpolate_antialias_needs_bilinear_or_bicubic_4d(both, mode, shape):
    both(lambda lib: lib.nn.functional.interpolate(lib.ones(shape), size=2, mode=mode, antialias=True))


# ---------------------------------------------------------------- trapezoid / trapz / cumulative_trapezoid
def test_trapezoid_forms(both):
    def body(lib):
        y = lib.tensor([[1., 2., 4.], [0., 3., 5.]], requires_grad=True)
        x = lib.tensor([0., 0.5, 2.])
        r = (lib.trapz(y, x), lib.trapezoid(y), lib.trapezoid(y, dx=0.5, dim=0), lib.trapz(y, dim=0),
             lib.trapezoid(y, lib.tensor([[0., 1., 3.], [1., 2., 2.5]])), lib.trapezoid(lib.zeros(2, 0)),
             lib.cumulative_trapezoid(y, x), lib.cumulative_trapezoid(y, dx=2.))
        sum(t.sum() for t in r).backward()
        return r, y.grad
    both(body)


def test_trapz_roc_auc(both):
    cpu_random_only()
    def body(lib):
        lib.manual_seed(0)
        scores, labels = lib.rand(50), (lib.rand(50) > 0.5).long()
        order = scores.argsort(descending=True)
        tps = labels[order].cumsum(0).float()
        fps = (1 - labels[order]).cumsum(0).float()
        return lib.trapz(tps / tps[-1], fps / fps[-1])
    both(body)


def test_trapezoid_x_size_mismatch(both):
    both(lambda lib: lib.trapezoid(lib.ones(3), lib.ones(4)))


# ---------------------------------------------------------------- utils.data.DistributedSampler
@pytest.mark.parametrize('n, replicas, shuffle, drop_last', [(10, 2, True, False), (10, 3, False, False),
                                                             (10, 3, False, True), (7, 3, True, True),
                                                             (2, 5, True, False)])
def test_distributed_sampler(both, n, replicas, shuffle, drop_last):
    def body(lib):
        from importlib import import_module
        DistributedSampler = import_module(lib.__name__ + '.utils.data').DistributedSampler
        out = []
        for rank in range(replicas):
            s = DistributedSampler(list(range(n)), num_replicas=replicas, rank=rank, shuffle=shuffle, seed=3,
                                   drop_last=drop_last)
            for epoch in range(2):
                s.set_epoch(epoch)
                out.append((list(s), len(s)))
        return out
    both(body)


def test_distributed_sampler_needs_a_process_group_or_valid_rank(both):
    def body(lib, **kw):
        from importlib import import_module
        return list(import_module(lib.__name__ + '.utils.data.distributed').DistributedSampler(range(4), **kw))
    both(body)
    both(body, num_replicas=2, rank=2)


def test_distributed_sampler_in_a_dataloader(both):
    def body(lib):
        from importlib import import_module
        data = import_module(lib.__name__ + '.utils.data')
        ds = data.TensorDataset(lib.arange(9))
        s = data.DistributedSampler(ds, num_replicas=2, rank=1)
        return [b[0] for b in data.DataLoader(ds, batch_size=2, sampler=s)]
    both(body)


# ---------------------------------------------------------------- nn.utils.fusion
def test_fuse_conv_bn_eval(both):
    cpu_random_only()
    def body(lib):
        lib.manual_seed(0)
        nn = lib.nn
        conv, bn = nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4)
        with lib.no_grad():
            bn(conv(lib.randn(6, 3, 5, 5) * 2 + 1))
            bn.weight.uniform_(0.5, 1.5)
        conv.eval(), bn.eval()
        fused = lib.nn.utils.fuse_conv_bn_eval(conv, bn)
        x = lib.randn(2, 3, 5, 5)
        return fused.weight, fused.bias, fused(x), type(fused.weight).__name__, fused is conv
    both(body, rtol=1e-5)


def test_fuse_conv_bn_weights_transpose_and_no_bias(both):
    cpu_random_only()
    def body(lib):
        lib.manual_seed(1)
        w = lib.randn(4, 2, 3, 3)
        rm, rv = lib.randn(2), lib.rand(2) + 0.5
        return lib.nn.utils.fuse_conv_bn_weights(w, None, rm, rv, 1e-5, None, None, transpose=True)
    both(body)


def test_fuse_linear_bn_eval(both):
    cpu_random_only()
    def body(lib):
        from importlib import import_module
        fusion = import_module(lib.__name__ + '.nn.utils.fusion')
        lib.manual_seed(2)
        lin, bn = lib.nn.Linear(4, 3).eval(), lib.nn.BatchNorm1d(3).eval()
        with lib.no_grad():
            bn.running_mean.uniform_(), bn.running_var.uniform_(1, 2), bn.bias.fill_(0.25)
        fused = fusion.fuse_linear_bn_eval(lin, bn)
        x = lib.randn(5, 4)
        return fused.weight, fused.bias, fused(x), bn(lin(x))
    both(body, rtol=1e-5)


def test_fusion_needs_eval_mode(both):
    both(lambda lib: lib.nn.utils.fuse_conv_bn_eval(lib.nn.Conv2d(1, 2, 3), lib.nn.BatchNorm2d(2)))


# ---------------------------------------------------------------- nn.utils.prune
def _prune(lib):
    from importlib import import_module
    return import_module(lib.__name__ + '.nn.utils.prune')


def test_prune_unstructured_and_remove(both):
    cpu_random_only()
    def body(lib):
        prune = _prune(lib)
        lib.manual_seed(0)
        m = lib.nn.Linear(5, 4)
        prune.random_unstructured(m, 'weight', amount=0.3)
        names = ([n for n, _ in m.named_parameters()], [n for n, _ in m.named_buffers()])
        first = m.weight.detach().clone()
        prune.l1_unstructured(m, 'weight', amount=4)          # a PruningContainer now
        second = m.weight.detach().clone()
        prune.l1_unstructured(m, 'bias', amount=0.5)
        out = m(lib.ones(2, 5))
        out.sum().backward()
        grad = m.weight_orig.grad
        hook_types = sorted(type(h).__name__ for h in m._forward_pre_hooks.values())
        prune.remove(m, 'weight')
        return (names, first, m.weight_mask if hasattr(m, 'weight_mask') else None, second, m.bias, m.bias_mask,
                out, grad, hook_types, [n for n, _ in m.named_parameters()], [n for n, _ in m.named_buffers()],
                m.weight, prune.is_pruned(m), list(m.state_dict()))
    both(body)


def test_prune_structured(both):
    cpu_random_only()
    def body(lib):
        prune = _prune(lib)
        lib.manual_seed(1)
        c = lib.nn.Conv2d(2, 6, 3)
        prune.ln_structured(c, 'weight', amount=0.5, n=2, dim=0)
        a = c.weight_mask.sum(dim=(1, 2, 3))
        prune.random_structured(c, 'weight', amount=1, dim=0)
        b = c.weight_mask.sum(dim=(1, 2, 3))
        prune.ln_structured(c, 'weight', amount=2, n=1, dim=1)
        return a, b, c.weight_mask.sum(dim=(0, 2, 3)), c.weight
    both(body)


def test_prune_global_and_custom_mask(both):
    cpu_random_only()
    def body(lib):
        prune = _prune(lib)
        lib.manual_seed(2)
        a, b = lib.nn.Linear(4, 3), lib.nn.Conv2d(1, 2, 2)
        prune.global_unstructured([(a, 'weight'), (b, 'weight')], pruning_method=prune.L1Unstructured, amount=0.3)
        prune.custom_from_mask(a, 'bias', mask=lib.tensor([1, 0, 1]))
        ident = prune.identity(lib.nn.Linear(2, 2), 'weight')
        return a.weight_mask, b.weight_mask, a.bias, ident.weight_mask, \
            prune.L1Unstructured(amount=0.5).prune(lib.tensor([0.3, -0.1, 0.5, -0.7]))
    both(body)


@pytest.mark.parametrize('call', ['amount', 'too_many', 'structured_1d', 'remove_unpruned', 'global_structured'])
def test_prune_errors(both, call):
    def body(lib):
        prune = _prune(lib)
        m = lib.nn.Linear(3, 2)
        if call == 'amount':
            prune.l1_unstructured(m, 'weight', amount=1.5)
        elif call == 'too_many':
            prune.l1_unstructured(m, 'weight', amount=7)
        elif call == 'structured_1d':
            prune.ln_structured(m, 'bias', amount=1, n=2, dim=0)
        elif call == 'remove_unpruned':
            prune.remove(m, 'weight')
        else:
            prune.global_unstructured([(m, 'weight')], pruning_method=prune.RandomStructured, amount=1)
        return [n for n, _ in m.named_parameters()]
    both(body)


# ---------------------------------------------------------------- views made under no_grad
def test_views_made_under_no_grad_still_require_grad(both):
    """``with torch.no_grad(): print(model.fc.weight[:2])`` shows requires_grad=True in torch: a view
    of a tensor that requires grad reports it (a leaf without grad_fn); other results do not."""
    def body(lib):
        w = lib.nn.Parameter(lib.ones(3, 4))
        b = w * 2
        with lib.no_grad():
            views = [w[:2], w[0], w.view(12), w.t(), w.reshape(12), w.flatten(), w.unsqueeze(0), w.narrow(0, 0, 1),
                     w.diagonal(), w.unbind(0)[0], w.split(1)[0], w.permute(1, 0), w[..., 1], w[None], b[:2],
                     w.expand(2, 3, 4)]
            others = [w.detach(), w[[0, 1]], w * 2, w.data, w[w > 0]]
            text = str(w[:1])
        y = views[0] * 3
        flags = [(v.requires_grad, v.is_leaf, v.grad_fn is None) for v in views]
        with lib.no_grad():
            w[1].zero_()                    # in-place through a view is still allowed under no_grad
        return flags, [(o.requires_grad, o.is_leaf) for o in others], text, y.requires_grad, w[:, 0].detach()
    both(body)


def test_view_made_under_no_grad_refuses_inplace_with_grad_on(both):
    def body(lib):
        w = lib.nn.Parameter(lib.ones(3))
        with lib.no_grad():
            v = w[:2]
        v.add_(1)
        return v
    both(body)
