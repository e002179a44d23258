"""ember.utils.benchmark against torch.utils.benchmark.

Each test runs the same calls through both libraries. Timings differ between them (and between
runs), so what is compared is what is deterministic: the Measurement's structure, repr and Compare
layouts with the numbers masked, and, for Measurements built from fixed times, the exact repr,
statistics and tables. Keep every run short (min_run_time of a few ms)."""
import dataclasses
import pickle
import re
import timeit

import pytest
import torch
import torch.utils.benchmark as torch_benchmark

import ember
import ember.utils.benchmark as ember_benchmark

LIBS = [pytest.param((torch, torch_benchmark), id='torch'), pytest.param((ember, ember_benchmark), id='ember')]
PAIR = ((torch, torch_benchmark), (ember, ember_benchmark))
HEADER = re.compile(r'^<torch\.utils\.benchmark\.utils\.common\.Measurement object at (0x[0-9a-f]+)>$')

# Names torch.utils.benchmark has that ember leaves out: the fuzzers, Callgrind, and stray module imports.
LEFT_OUT = {'CallgrindStats', 'CopyIfCallgrind', 'FunctionCount', 'FunctionCounts', 'FuzzedParameter',
            'FuzzedSparseTensor', 'FuzzedTensor', 'Fuzzer', 'ParameterAlias', 'Number', 'math', 'torch', 'utils'}


def both(fn):
    """fn(lib, benchmark) for torch then ember."""
    return [fn(lib, bm) for lib, bm in PAIR]


def outcome(fn):
    """('ok', value) or (error type name, message)."""
    try:
        return 'ok', fn()
    except Exception as e:  # noqa: BLE001
        return type(e).__name__, str(e)


def mask_address(text):
    return re.sub(r'0x[0-9a-f]+', '0xADDR', text)


def mask_numbers(text):
    """The repr with times, their units and the run count chosen by autorange masked."""
    text = mask_address(text)
    text = re.sub(r'-?\d+\.\d+', 'T', text)
    text = re.sub(r'\b(ns|us|ms|s)\b', 'UNIT', text)
    return text


def measurement(bm, times, number_per_run=10, stmt='x + 1', setup='pass', **spec):
    return bm.Measurement(number_per_run, list(times), bm.TaskSpec(stmt, setup, **spec))


# Fixed times chosen to exercise each repr branch: 1 time, few (no IQR), many, both warnings.
FIXED = [
    ([2.3e-7], dict(label='add', sub_label='float', description='n=1')),
    ([3e-3, 9e-3], dict(label='add', sub_label='int', description='n=1')),
    ([1e-5, 1.01e-5, 0.99e-5, 1.02e-5, 1.0e-5], dict(label='add', sub_label='float', description='n=8')),
    ([1e-5, 1.3e-5, 0.9e-5, 1.1e-5, 1.2e-5], dict(label='add', sub_label='int', description='n=8')),
    ([1e-6, 2e-6, 3e-6, 8e-6], dict(label='mul', description='n=1', num_threads=4)),
    ([5.0, 7.0, 9.0, 11.0, 30.0], dict(stmt='y = x * 2\ny.sum()', setup='x = 1\nz = 2', env='A')),
    ([4e-4] * 6, dict(stmt='', setup='', label=None)),
]


# ---------------------------------------------------------------------------- imports and names
def test_importable_as_torch_is():
    import ember.utils.benchmark as b
    from ember.utils import benchmark
    from ember.utils.benchmark.utils.common import Measurement
    from ember.utils.benchmark.utils.compare import Compare
    from ember.utils.benchmark.utils.timer import Timer
    assert b is benchmark is ember.utils.benchmark
    assert (b.Measurement, b.Compare, b.Timer) == (Measurement, Compare, Timer)
    public = {n for n in dir(torch_benchmark) if not n.startswith('_')}
    missing = public - LEFT_OUT - set(dir(ember_benchmark))
    assert not missing, missing


def test_under_the_torch_alias():
    from ember.tools.run_script import torch_alias
    with torch_alias():
        from torch.utils import benchmark
        import torch.utils.benchmark as b2
        from torch.utils.benchmark.utils.common import Measurement
        assert benchmark.Timer is b2.Timer is ember_benchmark.Timer
        assert Measurement is ember_benchmark.Measurement
        m = benchmark.Timer('x + 1', setup='x = torch.ones(3)').timeit(5)
        assert isinstance(m, ember_benchmark.Measurement) and len(m.raw_times) == 1


def test_repr_header_is_torchs_class_path():
    for lib, bm in PAIR:
        m = bm.Timer('x + 1', setup='x = torch.ones(3)').timeit(10)
        first = repr(m).splitlines()[0]
        match = HEADER.match(first)
        assert match, first
        assert int(match.group(1), 16) == id(m)


# ---------------------------------------------------------------------------- Timer.timeit
SPECS = [
    dict(),
    dict(label='add', sub_label='float', description='n=4'),
    dict(label='add', env='new', num_threads=2),
    dict(sub_label='only sub'),
    dict(description='only description'),
]


@pytest.mark.parametrize('spec', SPECS)
def test_timeit_structure(spec):
    stmt = '\n    y = x + 1\n    y = y * 2\n' if 'env' in spec else 'x + 1'
    setup = '\n    x = torch.ones(3)\n    w = 2\n' if spec.get('sub_label') else 'x = torch.ones(3)'

    def run(lib, bm):
        t = bm.Timer(stmt, setup=setup, **spec)
        m = t.timeit(20)
        assert m.median == m.mean == m.raw_times[0] / 20 > 0 and m.iqr == 0
        return dict(type=type(m).__name__, number_per_run=m.number_per_run, n_raw=len(m.raw_times),
                    n_times=len(m.times), spec=dataclasses.asdict(m.task_spec), title=m.title,
                    row=m.as_row_name, env=m.env, label=m.label, description=m.description,
                    threads=m.num_threads, metadata=m.metadata, has_warnings=m.has_warnings,
                    summary=m.task_spec.summarize(), setup_str=m.task_spec.setup_str(),
                    repr=mask_numbers(repr(m)).splitlines())
    t_out, e_out = both(run)
    assert t_out == e_out
    assert t_out['number_per_run'] == 20 and t_out['n_raw'] == 1


def test_timeit_repr_lines():
    def run(lib, bm):
        m = bm.Timer('x + 1', setup='x = torch.ones(3)', label='L', sub_label='S', description='D',
                     num_threads=3).timeit(7)
        return mask_numbers(repr(m)).splitlines()
    t_lines, e_lines = both(run)
    assert t_lines == e_lines
    assert t_lines[-1] == '  1 measurement, 7 runs , 3 threads'


def test_measurement_is_picklable_and_comparable():
    def run(lib, bm):
        m = measurement(bm, [1e-5, 2e-5, 3e-5, 4e-5], label='p')
        back = pickle.loads(pickle.dumps(m))
        return back == m, mask_address(repr(back)) == mask_address(repr(m)), back.task_spec == m.task_spec
    assert both(run) == [(True, True, True)] * 2


# ---------------------------------------------------------------------------- autorange
def test_blocked_autorange():
    def run(lib, bm):
        calls = []
        m = bm.Timer('x + 1', setup='x = torch.ones(3)', label='b').blocked_autorange(
            callback=lambda number, t: calls.append((number, t)), min_run_time=0.01)
        assert sum(m.raw_times) >= 0.01
        assert calls == [(m.number_per_run, t) for t in m.raw_times]
        lines = mask_numbers(repr(m)).splitlines()
        lines[-1] = re.sub(r'\d+', 'N', lines[-1])
        return str(m.number_per_run).strip('0') == '1', lines[:2]
    t_out, e_out = both(run)
    assert t_out == e_out == (True, ['<torch.utils.benchmark.utils.common.Measurement object at 0xADDR>', 'b'])


def test_signatures_match():
    import inspect
    for name in ('blocked_autorange', 'adaptive_autorange', 'timeit', 'repeat', 'autorange', '__init__',
                 'collect_callgrind'):
        t_sig = inspect.signature(getattr(torch_benchmark.Timer, name))
        e_sig = inspect.signature(getattr(ember_benchmark.Timer, name))
        t_params = [(p.name, p.kind, getattr(p.default, 'name', p.default)) for p in t_sig.parameters.values()
                    if p.name != 'timer']           # the default clock is each library's own `timer`
        e_params = [(p.name, p.kind, getattr(p.default, 'name', p.default)) for p in e_sig.parameters.values()
                    if p.name != 'timer']
        assert t_params == e_params, name


def test_adaptive_autorange_stops_on_confidence():
    def run(lib, bm):
        m = bm.Timer('x + 1', setup='x = torch.ones(3)').adaptive_autorange(threshold=10.0, min_run_time=0.005)
        return len(m.raw_times) >= 4 and sum(m.raw_times) >= 0.005, m.meets_confidence(10.0)
    assert both(run) == [(True, True)] * 2


def test_adaptive_autorange_stops_at_max_run_time():
    def run(lib, bm):
        calls = []
        m = bm.Timer('x + 1', setup='x = torch.ones(3)').adaptive_autorange(
            threshold=0.0, min_run_time=0.001, max_run_time=0.02, callback=lambda n, t: calls.append(n))
        return sum(m.raw_times) > 0.02 >= sum(m.raw_times[:-1]), len(calls) == len(m.raw_times)
    assert both(run) == [(True, True)] * 2


# ---------------------------------------------------------------------------- threads, globals, setup
@pytest.mark.parametrize('method', ['timeit', 'blocked_autorange', 'adaptive_autorange'])
def test_num_threads_applied_and_restored(method):
    def run(lib, bm):
        before = lib.get_num_threads()
        want = 3 if before != 3 else 2
        seen = []
        t = bm.Timer('seen.append(torch.get_num_threads())', globals={'seen': seen}, num_threads=want)
        if method == 'timeit':
            t.timeit(5)
        elif method == 'blocked_autorange':
            t.blocked_autorange(min_run_time=0.002)
        else:
            t.adaptive_autorange(threshold=10.0, min_run_time=0.001)
        return bool(seen) and set(seen) == {want}, lib.get_num_threads() == before
    assert both(run) == [(True, True)] * 2


def test_num_threads_restored_after_an_error():
    def run(lib, bm):
        before = lib.get_num_threads()
        result = outcome(lambda: bm.Timer('1 / 0', num_threads=5).timeit(3))
        return result, lib.get_num_threads() == before
    t_out, e_out = both(run)
    assert t_out == e_out == (('ZeroDivisionError', 'division by zero'), True)


def test_globals_and_setup_are_honoured():
    def run(lib, bm):
        out = [outcome(lambda: bm.Timer('y = x + 1').timeit(3).number_per_run)]
        x = lib.ones(3)
        user_globals = {'x': x, 'box': []}
        out.append(outcome(lambda: bm.Timer('box.append(x + 1)', globals=user_globals).timeit(3).number_per_run))
        out.append(len(user_globals['box']) == 3 + 2)         # warmup of max(3 // 100, 2) runs, then 3
        out.append(sorted(user_globals) == ['box', 'x'])       # the Timer works on a copy
        out.append(outcome(lambda: bm.Timer('box.append(z)', setup='z = torch.zeros(2)',
                                             globals={'box': []}).timeit(2).number_per_run))
        seen = []
        bm.Timer('seen.append(torch)', globals={'seen': seen}).timeit(2)
        out.append(seen[0] is lib)                             # `torch` is the library itself by default
        seen2 = []
        bm.Timer('seen2.append(torch)', globals={'seen2': seen2, 'torch': 'mine'}).timeit(2)
        out.append(seen2[0] == 'mine')
        setup_runs = []
        bm.Timer('pass', setup='setup_runs.append(1)', globals={'setup_runs': setup_runs}).timeit(4)
        out.append(len(setup_runs))                            # once per timed block, as in timeit
        return out
    t_out, e_out = both(run)
    assert t_out == e_out
    assert t_out[0] == ('NameError', "name 'x' is not defined") and t_out[1] == ('ok', 3)


# ---------------------------------------------------------------------------- errors
ERRORS = {
    'callable stmt': lambda lib, bm: bm.Timer(stmt=lambda: 0),
    'global_setup in python': lambda lib, bm: bm.Timer('pass', global_setup='#include <x>'),
    'bad language': lambda lib, bm: bm.Timer('pass', language='fortran'),
    'repeat': lambda lib, bm: bm.Timer('pass').repeat(),
    'autorange': lambda lib, bm: bm.Timer('pass').autorange(),
    'callgrind repeats': lambda lib, bm: bm.Timer('pass').collect_callgrind(10, repeats=0),
    'compare non-measurement': lambda lib, bm: bm.Compare([1.5]),
    'extend non-measurement': lambda lib, bm: bm.Compare([]).extend_results(['x']),
    'trim_sigfig fraction': lambda lib, bm: bm.trim_sigfig(1.0, 1.5),
    'select_unit zero': lambda lib, bm: bm.select_unit(0.0),
    'select_unit negative': lambda lib, bm: bm.select_unit(-1.0),
    'unknown attribute': lambda lib, bm: measurement(bm, [1.0]).no_such_field,
    'unit_to_english': lambda lib, bm: bm.unit_to_english('min'),
    'frozen task spec': lambda lib, bm: setattr(bm.TaskSpec('a', 'b'), 'stmt', 'c'),
    'stmt error': lambda lib, bm: bm.Timer('undefined_name').timeit(1),
    'setup error': lambda lib, bm: bm.Timer('pass', setup='1 +').timeit(1),
}


@pytest.mark.parametrize('case', sorted(ERRORS))
def test_errors_match(case):
    t_out, e_out = both(lambda lib, bm: outcome(lambda: ERRORS[case](lib, bm)))
    assert t_out[0] != 'ok'
    assert t_out == e_out


def test_collect_callgrind_and_cpp_raise_clearly():
    with pytest.raises(NotImplementedError, match='blocked_autorange'):
        ember_benchmark.Timer('x + 1', setup='x = torch.ones(2)').collect_callgrind()
    for language in (ember_benchmark.Language.CPP, 'cpp', 'c++'):
        with pytest.raises(NotImplementedError, match='C\\+\\+'):
            ember_benchmark.Timer('x + 1;', language=language)
    assert [e.name for e in ember_benchmark.Language] == [e.name for e in torch_benchmark.Language]


# ---------------------------------------------------------------------------- fixed Measurements
@pytest.mark.parametrize('index', range(len(FIXED)))
def test_fixed_measurement_repr_and_statistics(index):
    times, spec = FIXED[index]

    def run(lib, bm):
        m = measurement(bm, times, **spec)
        return dict(repr=mask_address(repr(m)), median=m.median, mean=pytest.approx(m.mean, rel=1e-12),
                    iqr=pytest.approx(m.iqr, rel=1e-12, abs=1e-18), sig=m.significant_figures,
                    warn=m.has_warnings, conf=(m.meets_confidence(), m.meets_confidence(0.3)),
                    times=m.times, title=m.title, row=m.as_row_name, env=m.env)
    t_out, e_out = both(run)
    assert t_out == e_out


def test_repr_warnings_exact():
    def run(lib, bm):
        return [repr(measurement(bm, t, **s)).splitlines()[1:] for t, s in FIXED]
    t_out, e_out = both(run)
    assert t_out == e_out
    warned = [lines for lines in t_out if any('WARNING' in line for line in lines)]
    assert len(warned) >= 2                                   # both the mild and the gross warning appear


def test_merge():
    def run(lib, bm):
        a = measurement(bm, [1e-5, 2e-5], number_per_run=10, label='m', description='a')
        a.metadata = {'k': 1}
        b = measurement(bm, [3e-4], number_per_run=100, label='m', description='a')
        c = measurement(bm, [5e-6, 6e-6], number_per_run=1, label='m', description='c')
        merged = bm.Measurement.merge([a, c, b])
        return [(m.number_per_run, m.raw_times, m.metadata, dataclasses.asdict(m.task_spec), type(m).__name__)
                for m in merged]
    t_out, e_out = both(run)
    assert t_out == e_out and len(t_out) == 2


@pytest.mark.parametrize('value', [1e-12, 4e-10, 1e-9, 9.99e-10, 2.5e-7, 1e-6, 999.9e-9, 1e-3, 0.000999999,
                                   0.25, 1.0, 59.0, 1e3, float('inf')])
def test_select_unit(value):
    t_out, e_out = both(lambda lib, bm: outcome(lambda: bm.select_unit(value)))
    assert t_out == e_out


@pytest.mark.parametrize('x,n', [(3.14159, 2), (0.000123456, 3), (98765.4, 1), (1.0, 4), (-2.71828, 3),
                                 (12345.678, 4), (0.5, 1)])
def test_trim_sigfig(x, n):
    t_out, e_out = both(lambda lib, bm: outcome(lambda: bm.trim_sigfig(x, n)))
    assert t_out == e_out


def test_small_helpers():
    def run(lib, bm):
        return ([bm.unit_to_english(u) for u in ('ns', 'us', 'ms', 's')], bm.ordered_unique([3, 1, 3, 2, 1]),
                [c.value for c in bm.Colorize])
    t_out, e_out = both(run)
    assert t_out == e_out


# ---------------------------------------------------------------------------- Compare
TABLE = [
    ([1e-5, 1.1e-5, 0.9e-5, 1.05e-5, 1.2e-5], dict(label='add', sub_label='f', description='n=1', env='A')),
    ([3e-3, 9e-3, 1e-3, 4e-3], dict(label='add', sub_label='i', description='n=2', num_threads=4, env='B')),
    ([2.3e-7], dict(stmt='a\nb', setup='p\nq', description='multi', env='A')),
    ([5.0, 7.0, 9.0, 11.0, 30.0], dict(label='add', sub_label='f', description='n=2', env='Bee')),
    ([1e-6, 2e-6, 3e-6, 8e-6], dict(label='add', sub_label='g', description='n=1', env='A')),
    ([1.5e-6, 1.51e-6, 1.49e-6, 1.5e-6], dict(label='add', sub_label='g', description='n=2', env='A')),
    ([1e-5, 1.01e-5], dict(label='add', sub_label='f', description='n=1', env='A')),   # a replicate: merged
]


@pytest.mark.parametrize('options', [(), ('trim',), ('color',), ('rowwise',), ('warn',), ('trim', 'warn', 'color')])
def test_compare_table_exact(options, capsys):
    def run(lib, bm):
        c = bm.Compare([measurement(bm, t, **s) for t, s in TABLE[:3]])
        c.extend_results([measurement(bm, t, **s) for t, s in TABLE[3:]])
        if 'trim' in options:
            c.trim_significant_figures()
        if 'color' in options:
            c.colorize()
        if 'rowwise' in options:
            c.colorize(rowwise=True)
        if 'warn' in options:
            c.highlight_warnings()
        text = str(c)
        c.print()
        return text, capsys.readouterr().out
    (t_text, t_printed), (e_text, e_printed) = both(run)
    assert e_text == t_text
    assert e_printed == t_printed == t_text + '\n'
    assert 'threads: ' in t_text and 'Times are in' in t_text


def test_compare_without_envs():
    def run(lib, bm):
        ms = [measurement(bm, [1e-4, 1.1e-4, 1.2e-4, 1e-4], label='x', sub_label=s, description=d)
              for s in ('one', 'two') for d in ('small', 'a much longer description')]
        return str(bm.Compare(ms[:3]))
    t_out, e_out = both(run)
    assert t_out == e_out


def test_compare_layout_of_real_timings():
    def run(lib, bm):
        ms = []
        for n in (1, 64):
            for kind in ('float', 'int'):
                setup = f"x = torch.ones({n}, dtype=torch.{'float32' if kind == 'float' else 'int64'})"
                ms.append(bm.Timer('x + 1', setup=setup, label='add', sub_label=kind, description=f'n={n}')
                          .timeit(50))
        ms.append(bm.Timer('x * 2', setup='x = torch.ones(2)', label='mul', description='n=2').timeit(50))
        c = bm.Compare(ms)
        c.trim_significant_figures()
        text = re.sub(r'\d+(\.\d+)?', 'N', str(c))
        text = re.sub(r'(nano|micro|milli)?seconds \((ns|us|ms|s)\)', 'UNITS', text)
        return [re.sub(r'[ -]+', ' ', line).rstrip() for line in text.splitlines()]     # (widths follow the timings)
    t_out, e_out = both(run)
    assert t_out == e_out
    assert t_out.count('Times are in UNITS.') == 2


# ---------------------------------------------------------------------------- CUDA synchronisation
def test_default_timer_synchronizes_cuda_once_used(monkeypatch):
    from ember.utils.benchmark.utils import timer as timer_module
    assert ember_benchmark.Timer.__init__.__defaults__[3] is ember_benchmark.timer
    syncs = []
    monkeypatch.setattr(ember.cuda, 'synchronize', lambda device=None: syncs.append(device))
    monkeypatch.setattr(ember.cuda, 'is_initialized', lambda: False)
    ember_benchmark.Timer('pass').timeit(3)
    assert syncs == []
    monkeypatch.setattr(ember.cuda, 'is_initialized', lambda: True)
    before = timeit.default_timer()
    assert timer_module.timer() >= before
    assert syncs == [None]
    ember_benchmark.Timer('pass').timeit(3)
    assert len(syncs) == 1 + 4                                 # start and stop of the warmup and the run


@pytest.mark.skipif(not ember.cuda.is_available(), reason='CUDA not available: GPU timing test skipped')
def test_cuda_statement_is_timed():
    x = ember.ones(256, 256, device='cuda')
    m = ember_benchmark.Timer('x @ x', globals={'x': x}).blocked_autorange(min_run_time=0.01)
    assert m.median > 0 and ember.cuda.is_initialized()
