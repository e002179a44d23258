"""Mixed precision (autocast, GradScaler) and the wrappers training scripts put around a model
(DataParallel, DistributedDataParallel, distributed, multiprocessing, jit), compared with torch.

Example:
    def test_x(both):
        both(lambda lib: lib.amp.GradScaler('cpu').get_scale())
"""
import operator
import warnings

import pytest

import ember
from conformance import cpu_build_only, torch
from torch_versions import requires_torch_2_13

F16 = dict(rtol=2e-3, atol=2e-3)      # float16 results: torch and ember may round the last bit apart


def _on_cpu(lib, make):
    """``make()`` (random draws, module initialisation) on the CPU, the result moved to the default
    device: on the cuda axis the two libraries' CUDA generators differ (torch's own, CuPy's
    cuRAND), their CPU generators agree; the computation under test still runs on the device."""
    dev = lib.get_default_device()
    if dev.type == 'cpu':
        return make()
    lib.set_default_device('cpu')
    try:
        out = make()
    finally:
        lib.set_default_device(dev)
    return tuple(t.to(dev) for t in out) if isinstance(out, tuple) else out.to(dev)


def _caught(fn):
    """fn()'s result and the (category name, message) of each warning it issued."""
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter('always')
        out = fn()
    return out, [(x.category.__name__, str(x.message)) for x in w]


# ---------------------------------------------------------------- autocast: state
def test_autocast_queries_and_nesting(both):
    def body(lib):
        seen = [lib.is_autocast_enabled('cpu'), lib.get_autocast_dtype('cpu'), lib.get_autocast_dtype('cuda')]
        with lib.autocast('cpu', dtype=lib.float16):
            seen += [lib.is_autocast_enabled('cpu'), lib.is_autocast_enabled(), lib.get_autocast_dtype('cpu')]
            with lib.autocast('cpu', enabled=False):
                seen += [lib.is_autocast_enabled('cpu'), lib.get_autocast_dtype('cpu')]
            with lib.amp.autocast('cpu', dtype=lib.float16):
                seen.append(lib.is_autocast_enabled('cpu'))
            seen.append(lib.is_autocast_enabled('cpu'))
        seen += [lib.is_autocast_enabled('cpu'), lib.get_autocast_dtype('cpu'), lib.is_autocast_cache_enabled()]
        return seen
    both(body)


def test_autocast_default_cpu_dtype_is_bfloat16(both):
    def body(lib):
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            with lib.autocast('cpu') as ac:
                return lib.is_autocast_enabled('cpu'), lib.get_autocast_dtype('cpu'), ac.fast_dtype
    both(body)


def test_autocast_bfloat16_runs_bfloat16_without_warning(both):
    # (ember used to run CPU autocast regions in float32 with a warning; it has bfloat16 now)
    def body(lib):
        a, b = lib.ones(2, 3), lib.ones(3, 4)

        def region():
            with lib.autocast('cpu'):
                return (a @ b).dtype
        return _caught(region), _caught(region)
    both(body)


def test_autocast_unsupported_dtype_disables(both):
    def body(lib):
        def region():
            with lib.autocast('cpu', dtype=lib.float64):
                return lib.is_autocast_enabled('cpu')
        return _caught(region)
    both(body)


@cpu_build_only
def test_autocast_cuda_without_cuda_disables(both):
    def body(lib):
        def region():
            with lib.autocast('cuda'):
                return lib.is_autocast_enabled('cuda'), lib.is_autocast_enabled()
        return _caught(region)
    both(body)


@pytest.mark.parametrize('device_type', ['xyz', 3])
def test_autocast_bad_device_type(both, device_type):
    both(lambda lib: lib.autocast(device_type))


def test_autocast_restored_after_exception(both):
    def body(lib):
        try:
            with lib.autocast('cpu', dtype=lib.float16):
                raise KeyError('x')
        except KeyError:
            pass
        return lib.is_autocast_enabled('cpu'), lib.get_autocast_dtype('cpu')
    both(body)


# ---------------------------------------------------------------- autocast: ops
def _ab(lib):
    lib.manual_seed(0)
    return _on_cpu(lib, lambda: (lib.randn(3, 4), lib.randn(4, 5)))


@pytest.mark.parametrize('op', ['matmul', 'mm', 'at', 'linear', 'addmm', 'bmm', 'baddbmm', 'addbmm'])
def test_autocast_float16_products(both, op):
    def body(lib):
        a, b = _ab(lib)
        bias = _on_cpu(lib, lambda: lib.randn(5))
        with lib.autocast('cpu', dtype=lib.float16):
            if op == 'matmul':
                return lib.matmul(a, b)
            if op == 'mm':
                return lib.mm(a, b)
            if op == 'at':
                return a @ b
            if op == 'linear':
                return lib.nn.functional.linear(a, b.t(), bias)
            if op == 'addmm':
                return lib.addmm(bias, a, b)
            if op == 'bmm':
                return lib.bmm(a[None], b[None])
            if op == 'baddbmm':
                return lib.baddbmm(bias, a[None], b[None])
            return lib.addbmm(bias, a[None], b[None])
    both(body, **F16)


def test_autocast_float16_modules_and_grads(both):
    def body(lib):
        lib.manual_seed(0)
        lin, conv = _on_cpu(lib, lambda: lib.nn.Linear(4, 3)), _on_cpu(lib, lambda: lib.nn.Conv2d(2, 3, 3))
        x, img = _on_cpu(lib, lambda: (lib.randn(5, 4), lib.randn(1, 2, 6, 6)))
        x.requires_grad_()
        with lib.autocast('cpu', dtype=lib.float16):
            y, z = lin(x), conv(img)
            loss = y.float().sum() + z.float().sum()
        loss.backward()
        return y, z, lin.weight.grad, lin.bias.grad, conv.weight.grad, x.grad
    both(body, **F16)


def test_autocast_sdpa_float16(both):
    def body(lib):
        lib.manual_seed(0)
        q, k, v = _on_cpu(lib, lambda: (lib.randn(2, 3, 4), lib.randn(2, 3, 4), lib.randn(2, 3, 4)))
        with lib.autocast('cpu', dtype=lib.float16):
            return lib.nn.functional.scaled_dot_product_attention(q, k, v)
    both(body, **F16)


def test_autocast_leaves_other_ops_and_float64(both):
    def body(lib):
        a, b = _ab(lib)
        with lib.autocast('cpu', dtype=lib.float16):
            out = [a + 1, lib.exp(a), a.sum(), lib.matmul(a.double(), b.double()),
                   lib.matmul(lib.ones(2, 2, dtype=lib.long), lib.ones(2, 2, dtype=lib.long))]
            with lib.autocast('cpu', enabled=False):
                out.append(a @ b)
        out.append(a @ b)
        return out
    both(body, **F16)


def test_autocast_as_decorator(both):
    def body(lib):
        a, b = _ab(lib)

        @lib.autocast('cpu', dtype=lib.float16)
        def f(x, y):
            return x @ y, lib.is_autocast_enabled('cpu')
        return f(a, b), lib.is_autocast_enabled('cpu')
    both(body, **F16)


@requires_torch_2_13     # autocast()(3) raises 'requires a callable' from torch 2.13 on (returned before)
def test_autocast_decorator_needs_callable(both):
    both(lambda lib: lib.autocast('cpu', dtype=lib.float16)(3))


# ---------------------------------------------------------------- GradScaler
def _train(lib, scaler_kwargs, steps=5, inf_at=(2,), unscale_at=(3,)):
    lib.manual_seed(0)
    m = _on_cpu(lib, lambda: lib.nn.Linear(3, 2))
    opt = lib.optim.SGD(m.parameters(), lr=0.1)
    sc = lib.amp.GradScaler('cpu', **scaler_kwargs)
    out = [sc.is_enabled(), sc.get_scale(), sc.state_dict()]
    for i in range(steps):
        opt.zero_grad()
        x = lib.tensor([[1., 2., 3.]]) * (float('inf') if i in inf_at else 1.)
        scaled = sc.scale(m(x).sum())
        scaled.backward()
        if i in unscale_at:
            sc.unscale_(opt)
            out.append(m.weight.grad.clone())
        sc.step(opt)
        sc.update()
        out += [scaled, sc.get_scale(), sc.state_dict(), m.weight.detach().clone(), m.bias.detach().clone()]
    return out


def test_grad_scaler_sequence_with_inf_step_skipped(both):
    both(lambda lib: _train(lib, dict(init_scale=8.0, growth_interval=2)))


def test_grad_scaler_defaults_and_growth_backoff(both):
    both(lambda lib: _train(lib, dict(init_scale=2. ** 20, growth_factor=4.0, backoff_factor=0.25,
                                      growth_interval=3), steps=8, inf_at=(1, 5), unscale_at=()))


@pytest.mark.parametrize('name', ['Adam', 'SGD'])
def test_grad_scaler_fused_optimizer(both, name):
    def body(lib):
        lib.manual_seed(0)
        m = _on_cpu(lib, lambda: lib.nn.Linear(3, 2))
        opt = getattr(lib.optim, name)(m.parameters(), lr=0.1, fused=True)
        sc = lib.amp.GradScaler('cpu', init_scale=8.0, growth_interval=2)
        out = []
        for i in range(4):
            opt.zero_grad()
            sc.scale(m(lib.tensor([[1., 2., 3.]]) * (float('inf') if i == 1 else 1.)).sum()).backward()
            if i == 2:
                sc.unscale_(opt)
            sc.step(opt)
            sc.update()
            out += [sc.get_scale(), m.weight.detach().clone()]
        return out
    both(body)


def test_grad_scaler_state_dict_roundtrip(both):
    def body(lib):
        sc = lib.amp.GradScaler('cpu', init_scale=4.0, growth_interval=7)
        sc.scale(lib.ones(1))
        sc.load_state_dict({'scale': 32.0, 'growth_factor': 3.0, 'backoff_factor': 0.25, 'growth_interval': 9,
                            '_growth_tracker': 4})
        fresh = lib.amp.GradScaler('cpu')
        fresh.load_state_dict(sc.state_dict())
        return sc.state_dict(), fresh.state_dict(), fresh.get_scale(), fresh.get_growth_interval()
    both(body)


def test_grad_scaler_scale_iterables_and_errors(both):
    def body(lib):
        sc = lib.amp.GradScaler('cpu', init_scale=2.0)
        return sc.scale([lib.ones(2), (lib.ones(1) * 3,)]), sc.scale((lib.ones(2),))
    both(body)
    both(lambda lib: lib.amp.GradScaler('cpu').scale([1.0]))
    both(lambda lib: lib.amp.GradScaler('cpu', growth_factor=1.0))
    both(lambda lib: lib.amp.GradScaler('cpu', backoff_factor=1.0))


@pytest.mark.parametrize('misuse', ['unscale_twice', 'step_twice', 'update_first', 'unscale_after_step'])
def test_grad_scaler_misuse(both, misuse):
    def body(lib):
        m = lib.nn.Linear(2, 1)
        opt = lib.optim.SGD(m.parameters(), lr=0.1)
        sc = lib.amp.GradScaler('cpu')
        if misuse == 'update_first':
            return sc.update()
        sc.scale(m(lib.ones(1, 2)).sum()).backward()
        if misuse == 'unscale_twice':
            sc.unscale_(opt)
            return sc.unscale_(opt)
        sc.step(opt)
        return sc.step(opt) if misuse == 'step_twice' else sc.unscale_(opt)
    both(body)


def test_grad_scaler_update_new_scale(both):
    def body(lib):
        sc = lib.amp.GradScaler('cpu')
        sc.scale(lib.ones(1))
        sc.update(128.0)
        a = sc.get_scale()
        sc.update(lib.tensor(3.0))
        return a, sc.get_scale()
    both(body)


@cpu_build_only
def test_grad_scaler_cuda_disabled_without_cuda(both):
    def body(lib):
        def make():
            sc = lib.amp.GradScaler()
            m = lib.nn.Linear(2, 1)
            opt = lib.optim.SGD(m.parameters(), lr=0.5)
            loss = m(lib.ones(1, 2)).sum()
            same = sc.scale(loss) is loss
            loss.backward()
            sc.step(opt)        # disabled: a plain optimizer step
            sc.update()
            return sc.is_enabled(), sc.get_scale(), sc.state_dict(), same, m.weight.detach().clone()
        return _caught(make)
    both(body)


@cpu_build_only
def test_cuda_amp_deprecated_aliases(both):
    def body(lib):
        def make():
            sc = lib.cuda.amp.GradScaler(init_scale=4.0)
            with lib.cuda.amp.autocast():
                on = lib.is_autocast_enabled('cuda')
            return sc.is_enabled(), on
        return _caught(make)
    both(body)


def test_amp_namespace(both):
    both(lambda lib: (lib.amp.autocast is lib.autocast, lib.amp.is_autocast_available('cpu'),
                      sorted(n for n in ('GradScaler', 'autocast', 'custom_fwd', 'custom_bwd') if hasattr(lib.amp, n))))


# ---------------------------------------------------------------- DataParallel, DDP, distributed
@cpu_build_only
def test_data_parallel_passthrough(both):
    def body(lib):
        lib.manual_seed(0)
        net = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.ReLU(), lib.nn.Linear(4, 2))
        dp = lib.nn.DataParallel(net)
        x = lib.randn(5, 3)
        y = dp(x)
        y.sum().backward()
        sd = dp.state_dict()
        dp2 = lib.nn.DataParallel(lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.ReLU(), lib.nn.Linear(4, 2)))
        dp2.load_state_dict(sd)
        return (y, list(sd), dp.module is net, dp.device_ids, net[0].weight.grad, dp2(x), repr(dp),
                isinstance(dp, lib.nn.Module))
    both(body)
    both(lambda lib: lib.nn.parallel.data_parallel(lib.nn.Linear(3, 4), lib.ones(2, 3)))


def test_ddp_needs_process_group(both):
    both(lambda lib: lib.nn.parallel.DistributedDataParallel(lib.nn.Linear(2, 2)))


def test_distributed_queries(both):
    # torch's CUDA builds come with NCCL, its CPU builds without; ember has no NCCL on either device,
    # so is_nccl_available() is compared only with a torch that lacks it, and is False otherwise
    torch_has_nccl = torch.distributed.is_available() and torch.distributed.is_nccl_available()

    def body(lib):
        import importlib
        dist = importlib.import_module(lib.__name__ + '.distributed')
        return (dist.is_available(), dist.is_initialized(), None if torch_has_nccl else dist.is_nccl_available(),
                dist.is_mpi_available(), dist.is_torchelastic_launched(), dist.ReduceOp.SUM.name)
    both(body)
    assert ember.distributed.is_nccl_available() is False


@pytest.mark.parametrize('name', ['get_rank', 'get_world_size', 'barrier', 'get_backend', 'destroy_process_group'])
def test_distributed_not_initialised(both, name):
    def body(lib):
        import importlib
        return getattr(importlib.import_module(lib.__name__ + '.distributed'), name)()
    both(body)


def test_distributed_all_reduce_not_initialised(both):
    def body(lib):
        import importlib
        return importlib.import_module(lib.__name__ + '.distributed').all_reduce(lib.ones(2))
    both(body)


def test_init_process_group_not_implemented():
    import ember.distributed as dist
    with pytest.raises(NotImplementedError, match='single process'):
        dist.init_process_group('gloo', rank=0, world_size=1)


# ---------------------------------------------------------------- multiprocessing
def _put_square(i, q, k):
    q.put((i, i * i + k))


def test_multiprocessing_names(both):
    def body(lib):
        import importlib
        mp = importlib.import_module(lib.__name__ + '.multiprocessing')
        return (mp.get_start_method(allow_none=True) in (None, 'fork', 'spawn', 'forkserver'),
                mp.get_sharing_strategy(), mp.get_all_sharing_strategies(),
                all(hasattr(mp, n) for n in ('Process', 'Queue', 'Pool', 'spawn', 'start_processes',
                                             'set_start_method', 'ProcessContext', 'cpu_count')))
    both(body)


def test_multiprocessing_start_processes_runs_each_rank():
    import ember.multiprocessing as mp
    ctx = mp.get_context('fork')
    q = ctx.SimpleQueue()
    assert mp.start_processes(_put_square, args=(q, 10), nprocs=3, start_method='fork') is None
    assert sorted(q.get() for _ in range(3)) == [(0, 10), (1, 11), (2, 14)]
    pc = mp.start_processes(_put_square, args=(q, 0), nprocs=2, join=False, start_method='fork')
    assert isinstance(pc, mp.ProcessContext) and len(pc.pids()) == 2
    while not pc.join():
        pass
    assert sorted(q.get() for _ in range(2)) == [(0, 0), (1, 1)]


def test_multiprocessing_spawn_reraises_child_error():
    import ember.multiprocessing as mp
    with pytest.raises(mp.ProcessRaisedException, match='ZeroDivisionError') as info:
        mp.spawn(operator.truediv, args=(0,), nprocs=1)     # truediv(0, 0) in the child
    assert info.value.error_index == 0


# ---------------------------------------------------------------- jit
def test_jit_script_and_trace(both):
    def body(lib):
        lib.manual_seed(0)
        m = _on_cpu(lib, lambda: lib.nn.Linear(3, 2))
        x = _on_cpu(lib, lambda: lib.randn(4, 3))

        def f(a, b):
            return a * 2 + b
        s = lib.jit.script(m)
        t = lib.jit.trace(f, (x, x))
        tm = lib.jit.trace(m, x)
        t1 = lib.jit.trace(lambda a: a + 1, x)
        return s(x), t(x, x), tm(lib.ones(1, 3)), t1(lib.ones(2)), list(s.state_dict())
    both(body)


def test_jit_trace_checks_example_inputs(both):
    both(lambda lib: lib.jit.trace(lambda a: a + 1, (lib.ones(2), lib.ones(2))))


def test_jit_helpers(both):
    def body(lib):
        jit = lib.jit

        def g(x):
            return x
        return (jit.is_scripting(), jit.is_tracing(), jit.annotate(int, 3), jit.ignore(g) is g, jit.unused(g) is g,
                jit.export(g) is g, jit.Final[int] == jit.Final[int], str(jit.Final), jit.Attribute(3, int).value)
    both(body)


def test_jit_save_load_round_trip(both, tmp_path):
    def body(lib):
        import io
        with warnings.catch_warnings():
            warnings.simplefilter('ignore', DeprecationWarning)
            lib.manual_seed(0)
            m = lib.jit.script(lib.nn.Sequential(lib.nn.Linear(3, 2), lib.nn.ReLU()))
            m.eval()
            x = lib.linspace(-1, 1, 6).reshape(2, 3)
            buf = io.BytesIO()
            lib.jit.save(m, buf, _extra_files={'meta.txt': 'hello'})
            buf.seek(0)
            extra = {'meta.txt': '', 'missing': ''}
            m2 = lib.jit.load(buf, _extra_files=extra)
            path = tmp_path / f'{lib.__name__}.pt'
            lib.jit.save(m, str(path))
            m3 = lib.jit.load(str(path), map_location='cpu')
            return m2(x), m3(x), m(x), m2.training, sorted(extra.items()), [tuple(p.shape) for p in m2.parameters()]
    both(body)
    both(lambda lib: lib.jit.load(str(tmp_path / 'absent.pt')))        # ValueError: does not exist


def _jit_net(lib):
    nn = lib.nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.l = nn.Linear(3, 2)
            self.seq = nn.Sequential(nn.ReLU(), nn.Dropout(0.5))
            self.k = 3

        def forward(self, x):
            return self.seq(self.l(x)) * self.k
    return Net


def test_jit_script_module_prints_and_behaves_as_torch(both):
    # deployment scripts: s = torch.jit.script(model); print(s); s.eval(); s.save(...)
    def body(lib):
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            lib.manual_seed(0)
            m = _on_cpu(lib, _jit_net(lib))
            x = _on_cpu(lib, lambda: lib.randn(4, 3))
            s = lib.jit.script(m)
            again = lib.jit.script(s) is s
            shared = s.l.weight is m.l.weight
            names = (type(s).__name__, type(s.l).__name__, s.original_name, s.l.original_name, s.k)
            s.eval()
            flags = (s.training, s.l.training, m.training, m.seq[1].training)
            out = s(x)
            leaf = lib.jit.script(lib.nn.Linear(2, 2))
            return (repr(s), str(leaf), leaf.extra_repr(), names, flags, out, again, shared,
                    isinstance(s, lib.jit.ScriptModule), isinstance(s, lib.nn.Module),
                    list(s.state_dict()), [n for n, _ in s.named_modules()], hasattr(s, 'code'), hasattr(s, 'save'))
    both(body)


def test_jit_trace_module_prints_as_torch(both):
    def body(lib):
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            lib.manual_seed(0)
            m = _on_cpu(lib, lambda: lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.ReLU(), lib.nn.Linear(4, 2)))
            x = _on_cpu(lib, lambda: lib.randn(2, 3))
            t = lib.jit.trace(m, x)
            kinds = (type(t).__name__, type(t._modules['0']).__name__, t.original_name,
                     isinstance(t, lib.jit.ScriptModule))
            shared = t._modules['0'].weight is m[0].weight
            y = t(x)
            y.sum().backward()
            with warnings.catch_warnings(record=True) as w:
                warnings.simplefilter('always')
                same = lib.jit.trace(t, x) is t
            tm = lib.jit.trace_module(m, {'forward': x})
            return repr(t), kinds, shared, y, m[0].weight.grad, same, [str(x.message) for x in w], type(tm).__name__
    both(body)


def test_jit_script_and_trace_of_functions(both):
    def body(lib):
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')

            def f(a, b):
                return a * b + 1
            x = lib.ones(2)
            tf = lib.jit.trace(f, (x, x))
            sf = lib.jit.script(f)
            tl = lib.jit.trace(lambda a: a + 1, x)
            return (type(tf).__name__, tf.name, type(sf).__name__, sf.name, tl.name, tf(x, x), sf(x, 2 * x),
                    isinstance(sf, lib.jit.ScriptFunction))
    both(body)


def test_jit_load_freeze_and_their_refusals(both, tmp_path):
    def body(lib):
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            lib.manual_seed(0)
            m = _on_cpu(lib, lambda: lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.ReLU()))
            x = _on_cpu(lib, lambda: lib.randn(2, 3))
            t = lib.jit.trace(m, x)
            path = str(tmp_path / f'{lib.__name__}_traced.pt')
            t.save(path)                       # the module's own save (a file name)
            loaded = lib.jit.load(path)
            s = lib.jit.script(m)
            errors = []
            for fn in (lambda: lib.jit.freeze(m), lambda: lib.jit.freeze(s),
                       lambda: lib.jit.optimize_for_inference(m)):
                try:
                    fn()
                except RuntimeError as e:
                    errors.append(str(e))
            frozen = lib.jit.freeze(s.eval())
            opt = lib.jit.optimize_for_inference(lib.jit.script(m))
            return (type(loaded).__name__, repr(loaded), loaded(x), errors, type(frozen).__name__, frozen(x),
                    repr(frozen), list(frozen.parameters()), list(frozen.state_dict()), type(opt).__name__,
                    list(opt.parameters()), opt(x), s(x))
    both(body)


def test_jit_deprecation_warnings(both):
    def body(lib):      # (torch's trace warns twice, once more from inside: compared as a set)
        out, seen = _caught(lambda: (lib.jit.script(lib.nn.Linear(2, 2)), lib.jit.trace(lambda a: a, lib.ones(1))))
        return sorted(set(seen)), out[1](lib.ones(1))
    both(body)
