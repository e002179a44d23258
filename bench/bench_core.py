"""ember against PyTorch on the same work, in one process.

Run from the repository root:  ``make bench``  or  ``.venv/bin/python bench/bench_core.py``.
Options: ``--threads N`` (default: the number of CPUs), ``--quick`` (fewer iterations),
``--only NAME[,NAME]`` (workload names: add, add_grad, chain, matmul).

Method: both libraries run with the same thread count, set before NumPy and PyTorch are imported
(OMP/OpenBLAS/MKL environment variables, ``torch.set_num_threads``, and threadpoolctl when it is
installed). Each workload warms up, then runs ``reps`` repetitions of an inner loop timed with
``time.perf_counter``; ember and torch repetitions alternate so that drift in the machine hits
both, and the figure reported is the median repetition divided by the loop count. The garbage
collector stays on, as in a real program. The script always exits 0: it is a report.
"""
import argparse
import os
import sys

_ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
_ap.add_argument('--threads', type=int, default=os.cpu_count() or 1)
_ap.add_argument('--quick', action='store_true', help='fewer iterations (a smoke run, noisier figures)')
_ap.add_argument('--only', default='', help='comma-separated workload names')
ARGS = _ap.parse_args()
NT = ARGS.threads
for _v in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS', 'NUMEXPR_NUM_THREADS'):
    os.environ[_v] = str(NT)       # before numpy/torch are imported: their pools read these once

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import platform                     # noqa: E402
import statistics                   # noqa: E402
import time                         # noqa: E402

import numpy as np                  # noqa: E402
import torch                        # noqa: E402
import ember                        # noqa: E402

torch.set_num_threads(NT)
try:
    import threadpoolctl
    threadpoolctl.threadpool_limits(NT)
    _TPC = threadpoolctl
except ImportError:
    _TPC = None

perf = time.perf_counter


# ----------------------------------------------------------------------------- environment
def _cpu_model():
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or 'unknown'


def _numpy_blas():
    if _TPC is not None:
        info = [f"{d.get('internal_api')} {d.get('version')} ({d.get('num_threads')} threads)"
                for d in _TPC.threadpool_info() if d.get('user_api') == 'blas']
        if info:
            return '; '.join(info) + ' [threadpoolctl]'
    try:
        cfg = np.show_config(mode='dicts')
        blas = cfg['Build Dependencies']['blas']
        return f"{blas.get('name')} {blas.get('version')} [numpy.show_config]"
    except Exception as e:       # older NumPy: no mode='dicts'
        return f'unknown ({type(e).__name__})'


def environment():
    return [
        ('machine', f'{_cpu_model()}, {os.cpu_count()} logical CPUs'),
        ('python', platform.python_version()),
        ('numpy', f'{np.__version__}, BLAS: {_numpy_blas()}'),
        ('torch', f'{torch.__version__}, intra-op threads {torch.get_num_threads()}'),
        ('ember', ember.__version__),
        ('threads', f'{NT} (OMP/OPENBLAS/MKL_NUM_THREADS={NT} set before import; torch.set_num_threads({NT}); '
                    f"threadpoolctl {'applied' if _TPC else 'not installed'})"),
        ('other load', _other_load()),
    ]


def _other_load(interval=0.5):
    """How busy the CPUs are while this process sleeps: other work makes the figures noisy."""
    def snap():
        with open('/proc/stat') as f:
            v = [int(x) for x in f.readline().split()[1:]]
        return v[3] + v[4], sum(v)          # idle + iowait, total
    try:
        i0, t0 = snap()
        time.sleep(interval)
        i1, t1 = snap()
    except (OSError, ValueError, IndexError):
        return 'unknown'
    busy = 1 - (i1 - i0) / max(1, t1 - t0)
    note = ' (other processes are running: figures will be noisy)' if busy > 0.1 else ''
    return f'CPUs {busy * 100:.0f}% busy in the {interval} s before the run{note}'


# ----------------------------------------------------------------------------- timing
def measure(fn_ember, fn_torch, number, reps, warmup):
    """Median seconds per call of each function; repetitions of the two alternate."""
    for f in (fn_ember, fn_torch):
        for _ in range(warmup):
            f()
    te, tt = [], []
    for _ in range(reps):
        for f, acc in ((fn_ember, te), (fn_torch, tt)):
            s = perf()
            for _ in range(number):
                f()
            acc.append((perf() - s) / number)
    return statistics.median(te), statistics.median(tt)


# ----------------------------------------------------------------------------- workloads
def _pair(lib, shape, rg, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape).astype(np.float32)
    b = rng.standard_normal(shape).astype(np.float32)
    return (lib.tensor(a, requires_grad=rg), lib.tensor(b, requires_grad=rg))


def wl_add(rg):
    def make(lib):
        a, b = _pair(lib, (4,), rg)

        def f():
            c = a + b           # noqa: F841
        return f
    return make


# ten ops, repeated ten times: 100 recorded ops; values stay bounded (sin/tanh/sigmoid/cos squash)
_CHAIN = (
    lambda L, x, w, c: x * w,
    lambda L, x, w, c: x + c,
    lambda L, x, w, c: L.sin(x),
    lambda L, x, w, c: x * 1.5,
    lambda L, x, w, c: L.tanh(x),
    lambda L, x, w, c: L.exp(x),
    lambda L, x, w, c: x - c,
    lambda L, x, w, c: L.sigmoid(x),
    lambda L, x, w, c: L.cos(x),
    lambda L, x, w, c: x * x,
)


def wl_chain(lib):
    rng = np.random.default_rng(1)
    x0, w, c = (lib.tensor(rng.standard_normal(1000).astype(np.float32), requires_grad=True) for _ in range(3))
    seed = lib.ones(1000)

    def f():
        x0.grad = w.grad = c.grad = None
        x = x0
        for _ in range(10):
            for op in _CHAIN:
                x = op(lib, x, w, c)
        x.backward(seed)
    return f


def wl_matmul(lib):
    rng = np.random.default_rng(2)
    a = lib.tensor(rng.standard_normal((1024, 1024)).astype(np.float32))
    b = lib.tensor(rng.standard_normal((1024, 1024)).astype(np.float32))
    mm = lib.matmul

    def f():
        mm(a, b)
    return f


def check_chain():
    """The chain gives the same gradients in both libraries (so the two time the same work)."""
    rng = np.random.default_rng(1)
    xs = [rng.standard_normal(1000).astype(np.float32) for _ in range(3)]
    outs = []
    for lib in (ember, torch):
        x0, w, c = (lib.tensor(v, requires_grad=True) for v in xs)
        x = x0
        for _ in range(10):
            for op in _CHAIN:
                x = op(lib, x, w, c)
        x.backward(lib.ones(1000))
        outs.append([np.array(t.grad.tolist(), dtype=np.float32) for t in (x0, w, c)])
    return max(float(np.max(np.abs(e - t) / (1e-3 + np.abs(t)))) for e, t in zip(*outs))


# name, label, factory(lib) -> fn, unit, number, reps, warmup, budget
WORKLOADS = [
    ('add', '`a + b`, float32 (4,), no grad', wl_add(False), 'us', 200_000, 7, 20_000, 0.8),
    ('add_grad', '`a + b`, float32 (4,), leaves require grad (forward only)', wl_add(True), 'us', 100_000, 7, 10_000,
     1.0),
    ('chain', '100 elementwise ops fwd+bwd, float32 (1000,)', wl_chain, 'us', 200, 7, 50, 1.0),
    ('matmul', 'matmul 1024x1024 float32', wl_matmul, 'ms', 10, 7, 3, None),
]


def main():
    print('# ember vs PyTorch, same process\n')
    for k, v in environment():
        print(f'- {k}: {v}')
    print()
    only = {s for s in ARGS.only.split(',') if s}
    rows, budgets = [], []
    for name, label, factory, unit, number, reps, warmup, budget in WORKLOADS:
        if only and name not in only:
            continue
        if ARGS.quick:
            number, reps, warmup = max(1, number // 20), 3, max(1, warmup // 20)
        scale = 1e6 if unit == 'us' else 1e3
        if name == 'matmul' and not hasattr(ember, 'matmul'):
            rows.append((label, None, None, None, unit))
            print(f'{name:9s} ember.matmul is missing: n/a', flush=True)
            continue
        fe, ft = factory(ember), factory(torch)
        te, tt = measure(fe, ft, number, reps, warmup)
        ratio = te / tt
        rows.append((label, te * scale, tt * scale, ratio, unit))
        print(f'{name:9s} ember {te * scale:9.2f} {unit}  torch {tt * scale:9.2f} {unit}  ratio {ratio:.2f}',
              flush=True)
        if budget is not None:
            budgets.append((label, ratio, budget))
    if not only or 'chain' in only:
        print(f'\nchain gradients, ember vs torch, max relative difference: {check_chain():.2e}')

    print('\n| workload | ember | torch | ember/torch |')
    print('|---|---:|---:|---:|')
    for label, e, t, r, unit in rows:
        if e is None:
            print(f'| {label} | n/a | n/a | n/a |')
        else:
            print(f'| {label} | {e:.2f} {unit} | {t:.2f} {unit} | {r:.2f} |')
    print('\n| budget (ember/torch) | ratio | limit | result |')
    print('|---|---:|---:|---|')
    for label, ratio, limit in budgets:
        print(f"| {label} | {ratio:.2f} | <= {limit} | {'PASS' if ratio <= limit else 'FAIL'} |")
    return 0


if __name__ == '__main__':
    main()
    sys.exit(0)
