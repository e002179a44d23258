"""Conformance tests for the differences found by the model-zoo architecture scripts of
tests/scripts/real_arch_zoo_b/ (tests/test_real_arch_zoo_b_scripts.py)."""
import pytest

DTS = ('float32', 'float64', 'float16', 'bfloat16')


def _msg(f):
    try:
        r = f()
        return 'ok', r.dtype
    except Exception as e:          # the error's type and its message, as torch words it
        return type(e).__name__, str(e)


@pytest.mark.parametrize('xt', DTS)
@pytest.mark.parametrize('wt', DTS)
def test_conv_mismatched_dtypes_messages(both, xt, wt):
    # a float64 batch into a float32 checkpoint's conv: torch's CPU conv says 'expected scalar type Double
    # but found Float' (a float16/bfloat16 input: the mkldnn 'Input type (torch.HalfTensor) ...' message);
    # a mismatched bias is checked first for a direct conv, after the weight for a transposed one
    def body(lib):
        x, w = lib.ones(1, 2, 4, 4).to(getattr(lib, xt)), lib.ones(3, 2, 3, 3).to(getattr(lib, wt))
        wT = lib.ones(2, 3, 3, 3).to(getattr(lib, wt))
        F = lib.nn.functional
        out = []
        for bt in (None,) + DTS:
            b = None if bt is None else lib.ones(3).to(getattr(lib, bt))
            out.append(_msg(lambda: F.conv2d(x, w, b)))
            out.append(_msg(lambda: F.conv_transpose2d(x, wT, b)))
        out.append(_msg(lambda: F.conv1d(x[:, :, 0], w[:, :, 0])))
        out.append(_msg(lambda: F.conv3d(x[:, :, None], w[:, :, None])))
        out.append(_msg(lambda: F.conv_transpose3d(x[:, :, None], wT[:, :, None], lib.ones(3).double())))
        return out
    both(body)


def test_conv_transpose_takes_other_float_bias(both):
    def body(lib):
        g = lib.Generator().manual_seed(0)
        x = lib.randn(1, 2, 4, 4, generator=g, requires_grad=True)
        w = lib.randn(2, 3, 3, 3, generator=g)
        b = lib.randn(3, generator=g).double().requires_grad_()
        y = lib.nn.functional.conv_transpose2d(x, w, b, stride=2)
        y.sum().backward()
        return y, b.grad, x.grad
    both(body)


@pytest.mark.parametrize('xt', DTS)
@pytest.mark.parametrize('pt', DTS)
def test_norms_mixed_dtype_check(both, xt, pt):
    # a float64 batch through a float32 BatchNorm / LayerNorm / GroupNorm raises 'mixed dtype (CPU): all
    # inputs must share same datatype.'; float16/bfloat16 inputs take float32 parameters (output in the
    # input's dtype); instance_norm checks only the affine parameters
    def body(lib):
        F = lib.nn.functional
        x = lib.arange(48.).reshape(4, 4, 3).to(getattr(lib, xt))
        p = getattr(lib, pt)

        def t(n, dt=None):
            return lib.linspace(0.5, 1.5, n).to(dt or p)
        return [_msg(lambda: F.batch_norm(x, t(4), t(4), training=True)),
                _msg(lambda: F.batch_norm(x, t(4), t(4), training=False)),
                _msg(lambda: F.batch_norm(x, None, None, t(4), t(4), training=True)),
                _msg(lambda: F.batch_norm(x, t(4, x.dtype), t(4, x.dtype), t(4), None, training=True)),
                _msg(lambda: F.batch_norm(x, t(4, lib.float32), t(4, lib.float32), t(4, x.dtype), t(4, x.dtype), training=True)),
                _msg(lambda: F.layer_norm(x, (3,), t(3))),
                _msg(lambda: F.layer_norm(x, (3,), t(3, x.dtype), t(3))),
                _msg(lambda: F.group_norm(x, 2, t(4))),
                _msg(lambda: F.group_norm(x, 2, t(4), t(4, x.dtype))),
                _msg(lambda: F.instance_norm(x, weight=t(4))),
                _msg(lambda: F.instance_norm(x, t(4), t(4), use_input_stats=True))]
    both(body)


def test_float64_batch_through_float32_norm_modules(both):
    def body(lib):
        x = lib.arange(24.).reshape(2, 4, 3).double()
        out = [_msg(lambda: lib.nn.BatchNorm1d(4)(x)), _msg(lambda: lib.nn.LayerNorm(3)(x)),
               _msg(lambda: lib.nn.GroupNorm(2, 4)(x)), _msg(lambda: lib.nn.BatchNorm1d(4, affine=False)(x)),
               _msg(lambda: lib.nn.BatchNorm1d(4, affine=False, track_running_stats=False)(x)),
               _msg(lambda: lib.nn.InstanceNorm1d(4, track_running_stats=True)(x))]
        gn = lib.nn.GroupNorm(2, 4)
        y = gn(x.half())
        return out, y, gn(x.to(lib.bfloat16))
    both(body)


def test_layer_norm_output_is_contiguous_for_permuted_input(both):
    # ConvNeXt's LayerNorm over x.permute(0, 2, 3, 1): torch's kernel writes a row-major output, so the
    # permute back is not contiguous (an ember output kept the input's layout)
    def body(lib):
        g = lib.Generator().manual_seed(0)
        t = lib.randn(2, 6, 3, 4, generator=g)
        w = lib.linspace(0.5, 1.5, 6)
        y = lib.nn.functional.layer_norm(t.permute(0, 2, 3, 1), (6,), w, None, 1e-6)
        cl = t.to(memory_format=lib.channels_last)
        z = lib.nn.functional.layer_norm(cl, (4,))
        return y, y.stride(), y.permute(0, 3, 1, 2).is_contiguous(), z.stride(), lib.nn.LayerNorm(3)(t.transpose(1, 3)).stride()
    both(body)


def test_cat_stack_of_transposed_tensors_are_row_major(both):
    # PointNet builds its batch as torch.stack([cloud.t() for ...]) then .view()s slices of it: torch's
    # cat/stack answer row-major unless every input suggests channels-last
    def body(lib):
        g = lib.Generator().manual_seed(0)
        ps = [lib.randn(6, 3, generator=g).t() for _ in range(3)]
        x = lib.randn(2, 3, 4, 5, generator=g).to(memory_format=lib.channels_last)
        s = lib.stack(ps)
        out = [s, s.stride(), lib.stack(ps, 1).stride(), lib.stack(ps, 2).stride(), lib.cat(ps).stride(),
               lib.cat(ps, 1).stride(), lib.hstack(ps).stride(), lib.vstack(ps).stride(), lib.dstack(ps).stride(),
               lib.cat([x, x]).stride(), lib.cat([x, x], 1).stride(), lib.cat([x, x.contiguous()]).stride(),
               lib.cat([x.transpose(0, 2), x.transpose(0, 2)]).stride(), lib.stack([x, x]).stride()]
        out.append(s[:, 2].gt(0).long().view(-1))
        return out
    both(body)


@pytest.mark.parametrize('opt', ['SGD', 'Adam', 'AdamW'])
def test_leaf_grad_follows_parameter_layout(both, opt):
    # AccumulateGrad's layout contract: a channels-last model's conv weights, or a parameter made from a
    # transposed tensor, get a .grad of the parameter's own strides (p.grad.view(-1) raises there)
    def body(lib):
        lib.manual_seed(0)
        nn = lib.nn
        m = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.Conv2d(4, 2, 1)).to(memory_format=lib.channels_last)
        w = nn.Parameter(lib.randn(4, 6).t())
        o = getattr(lib.optim, opt)(list(m.parameters()) + [w], lr=0.1)
        x = lib.randn(2, 3, 6, 6).to(memory_format=lib.channels_last)
        for _ in range(2):
            o.zero_grad()
            (m(x).pow(2).sum() + (lib.ones(3, 6) @ w).pow(2).sum()).backward()
            o.step()
        e = lib.ones(5, 1).expand(5, 3).requires_grad_()
        (e * 2).sum().backward()
        try:
            m[0].weight.grad.view(-1)
            err = None
        except RuntimeError as ex:
            err = type(ex).__name__
        return (m[0].weight.grad.stride(), m[2].weight.grad.stride(), w.grad.stride(), w.grad, m[0].weight,
                w, err, e.grad.stride(), e.grad)
    both(body)


def test_channels_last_momentum_buffer_and_checkpoint_keep_layout(both):
    # SGD's first momentum buffer is torch.clone(grad) (the grad's layout); torch.save keeps a channels-last
    # module weight's strides through a BytesIO round trip
    def body(lib):
        import io
        lib.manual_seed(0)
        m = lib.nn.Conv2d(3, 4, 3).to(memory_format=lib.channels_last)
        m(lib.randn(1, 3, 5, 5)).pow(2).sum().backward()
        o = lib.optim.SGD(m.parameters(), lr=0.1, momentum=0.9, weight_decay=0.01)
        o.step()
        b = io.BytesIO()
        lib.save({'sd': m.state_dict(), 'opt': o.state_dict()}, b)
        b.seek(0)
        ck = lib.load(b)
        buf = o.state[m.weight]['momentum_buffer']
        return (buf, buf.stride(), ck['sd']['weight'].stride(), ck['sd']['weight'],
                ck['opt']['state'][0]['momentum_buffer'].stride())
    both(body)
