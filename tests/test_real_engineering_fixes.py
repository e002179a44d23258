"""Conformance tests for the differences found by the training-engineering scripts
(tests/scripts/real_engineering/, tests/test_real_engineering_scripts.py): CPU autocast with
float16, which ops torch runs in the region's dtype and which in float32."""
import pytest


def _cpu(lib, *shape):
    g = lib.Generator().manual_seed(0)
    return lib.randn(*shape, generator=g, device='cpu')


@pytest.mark.parametrize('eq', ['ij,jk->ik', 'ij,ij->i', 'i,i->', 'bij,bjk->bik', 'ij,j->i',
                                'ij->ji', 'ij,ij->ij', 'i,j->ij', 'ij,kj->ikj'])
def test_einsum_under_cpu_autocast(both, eq):
    # torch contracts operand pairs with bmm (lower-precision list): float16 when a subscript is
    # summed across operands, the operands' dtype for a plain product or a one-operand einsum
    def body(lib):
        shapes = {'i': 4, 'j': 4, 'k': 3, 'b': 2}
        ins = eq.split('->')[0].split(',')
        ops = [_cpu(lib, *[shapes[c] for c in s]) for s in ins]
        with lib.autocast('cpu', dtype=lib.float16):
            out = lib.einsum(eq, *ops)
        return out.dtype, out.float()
    both(body)


def test_einsum_autocast_mixed_dtypes_and_grad(both):
    def body(lib):
        a = _cpu(lib, 3, 4).requires_grad_()
        b = _cpu(lib, 4, 2).half()
        with lib.autocast('cpu', dtype=lib.float16):
            out = lib.einsum('ij,jk->ik', a, b)
            d = lib.einsum('ij,jk->ik', a.double(), b.double())
        out.float().sum().backward()
        return out.dtype, d.dtype, a.grad.dtype, a.grad
    both(body)


def test_prelu_and_vecdot_under_cpu_autocast(both):
    def body(lib):
        x = _cpu(lib, 2, 3, 4)
        with lib.autocast('cpu', dtype=lib.float16):
            p = lib.nn.functional.prelu(x, lib.tensor([0.25], device='cpu'))
            m = lib.nn.PReLU(3)(x)
            v = lib.linalg.vecdot(x, x)
            p64 = lib.nn.functional.prelu(x.double(), lib.tensor([0.25], device='cpu', dtype=lib.float64))
        return p.dtype, m.dtype, v.dtype, p64.dtype, p.float()
    both(body)


@pytest.mark.parametrize('mode', ['reflect', 'replicate', 'circular', 'constant'])
@pytest.mark.parametrize('ndim', [1, 2, 3])
def test_pad_of_float16_under_cpu_autocast(both, mode, ndim):
    # reflection_pad1d/2d and replication_pad1d/2d/3d are on torch's CPU "float32" list
    # (reflection_pad3d, circular and constant padding are not)
    def body(lib):
        x = _cpu(lib, 1, 2, *[4] * ndim).half()
        with lib.autocast('cpu', dtype=lib.float16):
            y = lib.nn.functional.pad(x, (1, 1) * ndim, mode=mode)
        return y.dtype, y.float()
    both(body)


def test_reflection_pad_module_after_conv_under_autocast(both):
    # the CycleGAN / style-transfer generator block: conv (float16) -> ReflectionPad2d (float32)
    def body(lib):
        lib.manual_seed(0)
        conv = lib.nn.Conv2d(2, 2, 1)
        x = _cpu(lib, 1, 2, 5, 5).requires_grad_()
        with lib.autocast('cpu', dtype=lib.float16):
            y = conv(x)
            z = lib.nn.ReflectionPad2d(1)(y)
            r = lib.nn.ReplicationPad1d(2)(y[0])
        z.sum().backward()
        return y.dtype, z.dtype, r.dtype, z.grad_fn.name(), x.grad.dtype
    both(body)


@pytest.mark.parametrize('op', ['avg_pool3d', 'max_pool3d', 'max_pool3d_idx', 'adaptive_avg_pool3d',
                                'adaptive_max_pool3d', 'lp_pool3d', 'max_unpool2d', 'fractional_max_pool2d',
                                'grid_sample', 'grid_sample_mixed', 'trace', 'ctc_loss', 'avg_pool2d'])
def test_float32_list_ops_of_float16_under_cpu_autocast(both, op):
    def body(lib):
        F = lib.nn.functional
        h2 = _cpu(lib, 1, 2, 6, 6).half()
        h3 = _cpu(lib, 1, 2, 4, 4, 4).half()
        with lib.autocast('cpu', dtype=lib.float16):
            if op == 'avg_pool3d':
                r = F.avg_pool3d(h3, 2)
            elif op == 'max_pool3d':
                r = F.max_pool3d(h3, 2)
            elif op == 'max_pool3d_idx':        # max_pool3d_with_indices is not on the list
                r = F.max_pool3d(h3, 2, return_indices=True)[0]
            elif op == 'adaptive_avg_pool3d':
                r = F.adaptive_avg_pool3d(h3, 1)
            elif op == 'adaptive_max_pool3d':
                r = F.adaptive_max_pool3d(h3, 1)
            elif op == 'lp_pool3d':
                r = F.lp_pool3d(h3, 2, 2)
            elif op == 'max_unpool2d':
                r = F.max_unpool2d(*F.max_pool2d(h2, 2, return_indices=True), 2)
            elif op == 'fractional_max_pool2d':
                r = F.fractional_max_pool2d(h2, 2, output_size=3, _random_samples=lib.full((1, 2, 2), 0.5,
                                                                                          device='cpu').half())
            elif op == 'grid_sample':
                r = F.grid_sample(h2, lib.zeros(1, 2, 2, 2, device='cpu').half(), align_corners=False)
            elif op == 'grid_sample_mixed':
                r = F.grid_sample(h2, lib.zeros(1, 2, 2, 2, device='cpu'), align_corners=False)
            elif op == 'trace':
                r = h2[0, 0].trace()
            elif op == 'ctc_loss':
                lp = _cpu(lib, 5, 1, 3).log_softmax(2).half()
                r = F.ctc_loss(lp, lib.tensor([[1, 2]]), lib.tensor([5]), lib.tensor([2]))
            else:
                r = F.avg_pool2d(h2, 2)
        return r.dtype, r.float()
    both(body)


@pytest.mark.parametrize('k', [1, 2, 3])
def test_avg_pool_float16_sums_in_float32(both, k):
    # torch accumulates half windows in float32 and rounds once (ember summed in float16)
    def body(lib):
        x = (_cpu(lib, 2, 3, *[6] * k) * 3).half()
        pool = getattr(lib.nn.functional, f'avg_pool{k}d')
        return pool(x, 3, stride=1, padding=1), pool(x, 2)
    both(body)


def test_einsum_float16_sums_in_float32(both):
    def body(lib):
        a, b = (_cpu(lib, 5, 64) * 2).half(), _cpu(lib, 64, 3).half()
        return lib.einsum('ij,jk->ik', a, b), lib.einsum('ij->i', a), lib.einsum('ij,ij->i', a, a)
    both(body)


@pytest.mark.parametrize('op', ['avg_pool3d', 'ctc_loss'])
def test_half_cpu_kernels_torch_lacks(both, op):
    # outside autocast torch's CPU avg_pool3d and ctc_loss refuse float16 (inside, they run in float32)
    def body(lib):
        F = lib.nn.functional
        if op == 'avg_pool3d':
            return F.avg_pool3d(_cpu(lib, 1, 2, 4, 4, 4).half(), 2)
        lp = _cpu(lib, 5, 1, 3).log_softmax(2).half()
        return F.ctc_loss(lp, lib.tensor([[1, 2]]), lib.tensor([5]), lib.tensor([2]))
    both(body, match='not implemented for')


@pytest.mark.parametrize('case', ['linear', 'addmm', 'addmm_scaled', 'linear3d', 'autocast_linear'])
def test_float16_addmm_adds_bias_before_rounding(both, case):
    # torch adds the bias (beta * input) to the float32 accumulator and rounds once; ember rounded
    # the product to float16 first and then the sum again
    def body(lib):
        a, b, c = (_cpu(lib, 16, 8) * 2).half(), _cpu(lib, 8, 16).half(), _cpu(lib, 16).half()
        F = lib.nn.functional
        if case == 'linear':
            return F.linear(a, b.t(), c)
        if case == 'addmm':
            return lib.addmm(c, a, b)
        if case == 'addmm_scaled':
            return lib.addmm(c, a, b, beta=0.5, alpha=0.1)
        if case == 'linear3d':
            return F.linear(a.reshape(2, 8, 8), b.t(), c)
        lib.manual_seed(0)
        lin = lib.nn.Linear(8, 16)
        with lib.autocast('cpu', dtype=lib.float16):
            return lin(_cpu(lib, 32, 8))
    both(body)


def test_checkpoint_recomputes_under_the_forward_autocast_region(both):
    # torch's checkpoint re-enters the forward's autocast state for the recomputation; ember
    # recomputed in float32 and the float16 gradient met float32 saved tensors
    def body(lib):
        from importlib import import_module
        checkpoint = import_module(f'{lib.__name__}.utils.checkpoint').checkpoint
        lib.manual_seed(0)
        net = lib.nn.Sequential(lib.nn.Linear(4, 8), lib.nn.GELU(), lib.nn.Linear(8, 2))
        out = []
        for reentrant in (False, True):
            x = _cpu(lib, 3, 4).requires_grad_()
            with lib.autocast('cpu', dtype=lib.float16):
                y = checkpoint(net, x, use_reentrant=reentrant)
            y.float().pow(2).sum().backward()
            out += [y.dtype, x.grad.dtype, x.grad, net[0].weight.grad.dtype]
            net.zero_grad()
        return out
    both(body)
