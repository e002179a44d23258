"""torch.autograd.graph.register_multi_grad_hook and the profiler (torch.profiler.profile,
torch.autograd.profiler.profile / record_function, schedule, ProfilerActivity) against PyTorch:
each body runs with both libraries and what it returns (gradients handed to hooks, call counts
and order, recorded region names and counts, table layout, trace contents, errors) is compared.
Wall times differ from run to run, so bodies return relations between them, not the times."""
import json
import re
import time
import warnings

import pytest

import conformance
from conformance import run_both
from torch_versions import torch_older_than_2_13


def leaf(lib, data):
    return lib.tensor(data, dtype=lib.float64, requires_grad=True)


def flags(grads):
    return [g is not None for g in grads]


# ---------------------------------------------------------------- register_multi_grad_hook
def test_multi_grad_hook_all_docstring_example():
    # torch's own example: tensors a pass does not reach are passed as None; with inputs= the
    # hook does not wait for the tensors the pass skips
    def body(lib):
        a, b = leaf(lib, [1., 2., 3.]), leaf(lib, [4., 5., 6.])
        c, d = a * b, a * b
        seen = []
        lib.autograd.graph.register_multi_grad_hook((a, b, c, d), lambda gs: seen.append((type(gs), flags(gs))))
        c.sum().backward(retain_graph=True)
        c.sum().backward(inputs=(a,), retain_graph=True)
        lib.autograd.grad(c.sum(), [c], retain_graph=True)
        (c.sum() + d.sum()).backward()
        return seen, a.grad, b.grad
    run_both(body)


def test_multi_grad_hook_all_gets_the_gradients():
    def body(lib):
        a, b = leaf(lib, [1., -2.]), leaf(lib, [3., 0.5])
        h = (a * b).exp()
        out = (h * a).sum() + b.pow(2).sum()
        got = []
        lib.autograd.graph.register_multi_grad_hook((a, h, b), lambda gs: got.append(list(gs)))
        out.backward()
        return got, a.grad, b.grad
    run_both(body)


def test_multi_grad_hook_all_runs_after_the_last_gradient():
    # a chain: the order of the hooks is fixed; the multi-grad hook runs once, right after the
    # last of its tensors' hooks (registered on the same tensor before it)
    def body(lib):
        a = leaf(lib, [1., 2.])
        b = a * 3
        c = b.sin()
        log = []
        for name, t in (('a', a), ('b', b), ('c', c)):
            t.register_hook(lambda g, name=name: log.append(name))
        lib.autograd.graph.register_multi_grad_hook((c, a), lambda gs: log.append(('multi', flags(gs))))
        a.register_hook(lambda g: log.append('a-after'))
        c.sum().backward()
        return log, a.grad
    run_both(body)


def test_multi_grad_hook_once_per_backward_and_remove():
    def body(lib):
        a, b = leaf(lib, [1., 2.]), leaf(lib, [3., 4.])
        calls = []
        h = lib.autograd.graph.register_multi_grad_hook([a, b], lambda gs: calls.append([g.clone() for g in gs]))
        y = (a * b).sum()
        y.backward(retain_graph=True)
        y.backward(retain_graph=True)
        n_before = len(calls)
        h.remove()
        y.backward()
        return calls, n_before, len(calls), a.grad, b.grad
    run_both(body)


def test_multi_grad_hook_unused_tensor_is_none():
    def body(lib):
        a, unused = leaf(lib, [1., 2.]), leaf(lib, [5.])
        got = []
        lib.autograd.graph.register_multi_grad_hook((unused, a), lambda gs: got.append(list(gs)))
        (a * a).sum().backward()
        return got, unused.grad
    run_both(body)


def test_multi_grad_hook_autograd_grad_nonleaf_and_leaf():
    # with autograd.grad: non-leaf tensors work; a leaf among the inputs is refused, as torch does
    def body(lib, leaf_input):
        a = leaf(lib, [1., 2.])
        h = a.exp()
        g = h * 2
        got = []
        lib.autograd.graph.register_multi_grad_hook((h, g), lambda gs: got.append(flags(gs)))
        lib.autograd.grad(g.sum(), [g], retain_graph=True)
        lib.autograd.grad(g.sum(), [h], retain_graph=True)
        if leaf_input:
            lib.autograd.graph.register_multi_grad_hook((a, h), lambda gs: got.append(flags(gs)))
            lib.autograd.grad(g.sum(), [a])
        return got
    run_both(body, False)
    t, e = run_both(body, True)
    assert str(t) == str(e)


def test_multi_grad_hook_any_mode():
    def body(lib):
        a, b = leaf(lib, [1., 2.]), leaf(lib, [3., 4.])
        c = a * b
        firsts = []
        h = lib.autograd.graph.register_multi_grad_hook((a, b, c, lib.ones(2)), firsts.append, mode='any')
        y = (c * 2).sum()
        y.backward(retain_graph=True)
        y.backward(retain_graph=True)
        h.remove()
        y.backward()
        return firsts, a.grad
    run_both(body)


def test_multi_grad_hook_any_mode_inputs():
    def body(lib):
        a, b = leaf(lib, [1., 2.]), leaf(lib, [3., 4.])
        firsts = []
        lib.autograd.graph.register_multi_grad_hook((a, b), firsts.append, mode='any')
        (a * 2 + b * 3).sum().backward(inputs=[b])
        return firsts, a.grad, b.grad
    run_both(body)


def test_multi_grad_hook_module_parameters():
    # the FSDP/DDP idiom: one call once every parameter's gradient is ready, and .grad is set then
    def body(lib):
        m = lib.nn.Linear(3, 2)
        with lib.no_grad():
            m.weight.copy_(lib.tensor([[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]]))
            m.bias.copy_(lib.tensor([0.01, -0.02]))
        params = list(m.parameters())
        seen = []

        def ready(grads):       # (which .grad is already set then depends on the engine's order)
            seen.append([g.clone() for g in grads])
        lib.autograd.graph.register_multi_grad_hook(params, ready)
        x = lib.tensor([[1., 2., 3.], [-1., 0., 1.]])
        m(x).pow(2).sum().backward()
        return seen, [p.grad for p in params]
    run_both(body)


def test_multi_grad_hook_errors():
    def bad_mode(lib):
        a = leaf(lib, [1.])
        return lib.autograd.graph.register_multi_grad_hook((a,), print, mode='some')

    def no_grad_tensor(lib):
        return lib.autograd.graph.register_multi_grad_hook((leaf(lib, [1.]), lib.ones(1)), print)
    for body in (bad_mode, no_grad_tensor):
        t, e = run_both(body)
        assert str(t) == str(e)


def test_multi_grad_hook_exported_name():
    def body(lib):
        g = lib.autograd.graph
        return 'register_multi_grad_hook' in dir(g), callable(g.register_multi_grad_hook)
    run_both(body)


# ---------------------------------------------------------------- profiler
def _user_rows(events, names):
    """(key, count) of the averaged events named in ``names`` (torch also lists its aten ops)."""
    return sorted((e.key, e.count) for e in events if e.key in names)


def _spin(ms):
    end = time.perf_counter() + ms / 1000
    while time.perf_counter() < end:
        pass


def test_record_function_regions_and_counts():
    def body(lib):
        names = {'outer', 'inner', 'deco', 'ProfilerStep*'}

        @lib.autograd.profiler.record_function('deco')
        def f(x):
            return x * 2

        # (no with_stack=True: torch's stack capture intermittently fails decoding frame names)
        with lib.profiler.profile(activities=[lib.profiler.ProfilerActivity.CPU], record_shapes=True,
                                  profile_memory=True, with_flops=True) as prof:
            x = lib.ones(3)
            for _ in range(3):
                with lib.profiler.record_function('outer'):
                    with lib.autograd.profiler.record_function('inner', 'some args') as rf:
                        _spin(1)
                        x = f(x)
            y = f(x)
        avg = {e.key: e for e in prof.key_averages()}
        o, i = avg['outer'], avg['inner']
        rel = (o.cpu_time_total >= i.cpu_time_total, o.self_cpu_time_total < o.cpu_time_total,
               i.cpu_time_total >= 3000, abs(o.cpu_time - o.cpu_time_total / o.count) < 1e-6,
               i.self_cpu_time_total > 0)
        return _user_rows(prof.key_averages(), names), rel, rf.name, rf.args, y
    run_both(body)


def test_record_function_outside_a_profile():
    def body(lib):
        @lib.profiler.record_function('f')
        def f(a, b=1):
            return a + b
        with lib.autograd.profiler.record_function('block') as r:
            v = f(2, b=3)
        return v, type(r).__name__, r.name, r.args, isinstance(r, lib.autograd.profiler.record_function)
    run_both(body)


def _table_shape(text):
    """A table's lines with the times and percentages replaced by their kind (runs differ)."""
    out = []
    for line in text.split('\n'):
        cells = [c for c in re.split(r'\s{2,}', line.strip()) if c]
        cells = [re.sub(r'\b\d+\.\d{3}(us|ms|s)$', '<time>', re.sub(r'^\d+\.\d{2}%$', '<pct>', c)) for c in cells]
        out.append(cells)
    return out


def test_key_averages_table_layout():
    # on the cuda axis torch's default activities add CUDA (CUPTI rows such as cudaDeviceSynchronize
    # and 'Activity Buffer Request'): profile the CPU only there, the activity this test is about
    cpu_only = conformance.DEVICE[0] != 'cpu'

    def body(lib):
        kw = {'activities': [lib.profiler.ProfilerActivity.CPU]} if cpu_only else {}
        with lib.profiler.profile(**kw) as prof:
            for k in range(4):
                with lib.profiler.record_function('step_body'):
                    if k % 2:
                        with lib.profiler.record_function('odd'):
                            _spin(0.2)
                    with lib.profiler.record_function('a_rather_long_region_name_' + 'x' * 40):
                        pass
        ka = prof.key_averages()
        full = ka.table(sort_by='count', row_limit=10)
        top1 = ka.table(sort_by='self_cpu_time_total', row_limit=1)
        widths = [len(line) for line in full.split('\n')[:3]]
        return _table_shape(full), len(top1.split('\n')), widths, full.endswith('\n'), \
            full.split('\n')[-2].startswith('Self CPU time total: ')
    t, e = run_both(body)
    assert t[0][1] == ['Name', 'Self CPU %', 'Self CPU', 'CPU total %', 'CPU total', 'CPU time avg', '# of Calls']


def test_autograd_profiler_profile():
    def body(lib):
        P = lib.autograd.profiler
        with P.profile(use_cuda=False, record_shapes=True) as prof:
            for _ in range(2):
                with P.record_function('label-z'):
                    _spin(0.1)
        before = P.profile()
        rows = _user_rows(prof.key_averages(), {'label-z'})
        evs = [e for e in prof.function_events if e.name == 'label-z']
        tot = prof.key_averages().total_average()
        with P.profile(enabled=False) as off:
            pass
        return (rows, len(evs), [e.cpu_time_total > 0 for e in evs], len(before.key_averages()),
                type(off).__name__, 'label-z' in prof.key_averages().table(), tot.count >= 2)
    run_both(body)


def test_schedule_actions_and_errors():
    def body(lib):
        P = lib.profiler
        out = []
        for kw in (dict(wait=1, warmup=1, active=2), dict(wait=1, warmup=1, active=2, repeat=1),
                   dict(wait=2, warmup=1, active=1, repeat=2, skip_first=3),
                   dict(wait=3, warmup=1, active=2, skip_first=2, skip_first_wait=1)):
            s = P.schedule(**kw)
            out.append([s(i).name for i in range(16)])
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter('always')
            P.schedule(wait=0, warmup=0, active=1)
        out.append([str(x.message) for x in w])
        # (ProfilerAction has DEVICE_STOPPED from torch 2.13 on)
        out.append(None if torch_older_than_2_13 else [a.name for a in P.ProfilerAction])
        try:
            P.schedule(wait=1, warmup=1, active=0)
        except AssertionError as e:
            out.append(str(e))
        return out
    run_both(body)


def test_profile_with_schedule_step_and_trace_ready():
    def body(lib):
        P = lib.profiler
        ready = []

        def on_ready(p):
            ready.append((p.step_num, _user_rows(p.key_averages(), {'it0', 'it1', 'ProfilerStep*'})))
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            with P.profile(activities=[P.ProfilerActivity.CPU], schedule=P.schedule(wait=1, warmup=1, active=2,
                                                                                    repeat=2),
                           on_trace_ready=on_ready) as prof:
                for i in range(9):
                    with P.record_function(f'it{i % 2}'):
                        pass
                    prof.step()
        return ready, prof.step_num, _user_rows(prof.key_averages(), {'it0', 'it1', 'ProfilerStep*'})
    run_both(body)


def test_profile_without_schedule_records_every_step():
    def body(lib):
        P = lib.profiler
        calls = []
        with P.profile(on_trace_ready=lambda p: calls.append(p.step_num)) as prof:
            for i in range(3):
                with P.record_function('work'):
                    pass
                prof.step()
        return calls, _user_rows(prof.key_averages(), {'work', 'ProfilerStep*'})
    run_both(body)


def test_profile_acc_events():
    def body(lib):
        P = lib.profiler
        with P.profile(schedule=P.schedule(wait=0, warmup=1, active=1, repeat=2), acc_events=True) as prof:
            for i in range(5):
                with P.record_function('w'):
                    pass
                prof.step()
        return _user_rows(prof.key_averages(), {'w', 'ProfilerStep*'})
    run_both(body)


def test_export_chrome_trace(tmp_path):
    def body(lib):
        P = lib.profiler
        path = str(tmp_path / f'{lib.__name__}.json')
        with P.profile(schedule=P.schedule(wait=0, warmup=1, active=2)) as prof:
            for i in range(3):
                with P.record_function('region'):
                    with P.record_function('nested'):
                        pass
                prof.step()
        prof.export_chrome_trace(path)
        with open(path) as f:
            doc = json.load(f)
        ann = [e for e in doc['traceEvents'] if e.get('cat') == 'user_annotation']
        return (type(doc).__name__, sorted(e['name'] for e in ann), {e['ph'] for e in ann},
                all(e['dur'] >= 0 for e in ann), 'displayTimeUnit' in doc)
    run_both(body)


def test_tensorboard_trace_handler(tmp_path):
    def body(lib):
        P = lib.profiler
        d = tmp_path / f'{lib.__name__}{len(list(tmp_path.iterdir()))}'    # (a new folder per run)
        with P.profile(schedule=P.schedule(wait=0, warmup=1, active=1, repeat=1),
                       on_trace_ready=P.tensorboard_trace_handler(str(d), worker_name='w0')) as prof:
            for i in range(3):
                with P.record_function('r'):
                    pass
                prof.step()
        files = sorted(p.name for p in d.iterdir())
        docs = [json.loads((d / n).read_text()) for n in files]
        return (len(files), [n.startswith('w0.') and n.endswith('.pt.trace.json') for n in files],
                [sorted(e['name'] for e in doc['traceEvents'] if e.get('cat') == 'user_annotation')
                 for doc in docs])
    run_both(body)


def test_profiler_activity_and_errors():
    def body(lib):
        P = lib.profiler
        A = P.ProfilerActivity
        out = [A.CPU.name, A.CUDA.name, A.CPU.value, A.CUDA.value, repr(A.CUDA),
               A.CPU in P.supported_activities(), 'CPU' in A.__members__]
        try:
            P.profile().key_averages()
        except AssertionError as e:
            out.append(str(e))
        try:
            P.profile().export_chrome_trace('/nonexistent/x.json')
        except AssertionError as e:
            out.append(str(e))
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter('always')
            P.profile(use_cuda=False)
        out.append([(x.category.__name__, str(x.message)) for x in w])
        out.append(P.record_function is lib.autograd.profiler.record_function)
        return out
    run_both(body)


def test_profile_start_stop():
    def body(lib):
        P = lib.profiler
        prof = P.profile(activities=[P.ProfilerActivity.CPU])
        prof.start()
        with P.record_function('manual'):
            pass
        prof.stop()
        with P.record_function('after'):
            pass
        return _user_rows(prof.key_averages(), {'manual', 'after'}), _user_rows(prof.events(), {'manual'})
    run_both(body)


def test_record_function_exception_still_recorded():
    def body(lib):
        with lib.autograd.profiler.profile() as prof:
            try:
                with lib.autograd.profiler.record_function('boom'):
                    raise ValueError('x')
            except ValueError:
                pass
        return _user_rows(prof.key_averages(), {'boom'})
    run_both(body)


@pytest.mark.parametrize('sort_by', ['cpu_time_total', 'self_cpu_time_total', 'count', 'cpu_time'])
def test_table_sorts(sort_by):
    def body(lib):
        with lib.profiler.profile() as prof:
            with lib.profiler.record_function('long'):
                _spin(3)
            for _ in range(3):
                with lib.profiler.record_function('short'):
                    pass
        rows = [r[0] for r in _table_shape(prof.key_averages().table(sort_by=sort_by))[3:-3]]
        return [r for r in rows if r in ('long', 'short')]
    run_both(body)
