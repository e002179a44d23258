"""The benchmark suite (issue #7): ember against PyTorch on the same work, in one run.

Run from the repository root:  ``make bench``  or  ``.venv/bin/python bench/run.py``.
Options: ``--threads N`` (default: the number of CPUs), ``--quick`` (a smoke run: short blocks,
3 repetitions, fewer memory steps), ``--only NAME[,NAME]`` (seed_mlp, mnist_mlp, lenet, transformer,
add, add_grad, chain, matmul, import), ``--no-compiled`` (skip the ember.compile rows of the models), ``--reps R`` (default 7), ``--no-mem`` (skip the per-workload
memory children).

Method. Both libraries run in this process with the same thread count: OMP/OpenBLAS/MKL/NumExpr
thread variables set before NumPy and PyTorch are imported, ``torch.set_num_threads(N)`` and
threadpoolctl's limit on every pool. Models get identical initial weights and data from NumPy;
the first two training-step losses of each library are printed (the second one checks the
optimizer step too). Each workload warms up (at least 1 s per library), then runs R repetitions of a block of calls (the
block lasts about 0.25 s), after waiting (up to 30 s) for the CPUs to be idle; ember's and torch's blocks alternate, with a 50 ms pause before each
so that the other library's spinning worker threads go idle. A figure is the median block time
divided by the calls in the block. Memory and import time come from fresh child processes
(bench/memory.py). The script always exits 0: it is a report, not a test.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import set_threads  # noqa: E402

NAMES_MODELS = ('seed_mlp', 'mnist_mlp', 'lenet', 'transformer')
# the same training steps through ember.compile (the whole step: forward, backward, optimizer),
# against torch's eager step; targets from issue #7
COMPILED_TARGETS = {'seed_mlp': 0.35, 'mnist_mlp': 0.9, 'lenet': 1.2, 'transformer': 1.0}
NAMES_CORE = ('add', 'add_grad', 'chain', 'matmul')


def parse():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--threads', type=int, default=os.cpu_count() or 1)
    ap.add_argument('--quick', action='store_true')
    ap.add_argument('--only', default='')
    ap.add_argument('--reps', type=int, default=7)
    ap.add_argument('--no-mem', action='store_true')
    ap.add_argument('--no-compiled', action='store_true', help='skip the ember.compile rows')
    ap.add_argument('--max-wait', type=float, default=None,
                    help='before each workload, wait up to this many seconds for the CPUs to be idle '
                         '(other processes under 15%% busy); default 30, 0 with --quick')
    ap.add_argument('--child-mem', default=None, help=argparse.SUPPRESS)
    ap.add_argument('--lib', default=None, help=argparse.SUPPRESS)
    ap.add_argument('--steps', type=int, default=None, help=argparse.SUPPRESS)
    return ap.parse_args()


ARGS = parse()
set_threads(ARGS.threads)

if ARGS.child_mem:                       # a memory child: only one library is imported
    from memory import child_mem
    child_mem(ARGS.child_mem, ARGS.lib, ARGS.steps)
    sys.exit(0)

import platform                          # noqa: E402
import statistics                        # noqa: E402

import numpy as np                       # noqa: E402
import torch                             # noqa: E402
import ember                             # noqa: E402

from common import apply_threads, cpu_model, measure, other_load, perf, thread_pools  # noqa: E402
import memory                            # noqa: E402
from workloads_core import CORE, chain_grad_diff, matmul_flop, matmul_operands  # noqa: E402
from workloads_models import MODELS      # noqa: E402

TPC = apply_threads(ARGS.threads, torch)
NT = ARGS.threads
QUICK = ARGS.quick
REPS = 3 if QUICK else ARGS.reps
BLOCK_S = 0.03 if QUICK else 0.25
WARM_S = 0.1 if QUICK else 1.0


def fmt_time(sec):
    if sec >= 1:
        return f'{sec:.2f} s'
    if sec >= 1e-3:
        return f'{sec * 1e3:.2f} ms'
    return f'{sec * 1e6:.2f} us'


def fmt_mib(kib):
    return 'n/a' if kib is None else f'{kib / 1024:.0f} MiB'


def environment():
    load = other_load()
    note = ''
    if load is None:
        load_s = 'unknown'
    else:
        load_s = f'{load * 100:.0f}% busy in the 0.5 s before the run'
        if load > 0.1:
            note = ' (other processes are running: figures will be noisy)'
    pools = thread_pools(TPC, np)
    return [
        ('machine', f'{cpu_model()}, {os.cpu_count()} logical CPUs, {platform.system()}'),
        ('python', platform.python_version()),
        ('numpy', np.__version__),
        ('torch', f'{torch.__version__}, intra-op threads {torch.get_num_threads()}, '
                  f'inter-op threads {torch.get_num_interop_threads()}'),
        ('ember', ember.__version__),
        ('threads', f'{NT}: {"/".join(v for v in ("OMP", "OPENBLAS", "MKL", "NUMEXPR"))}_NUM_THREADS={NT} before '
                    f'import; torch.set_num_threads({NT}); threadpoolctl '
                    f'{"threadpool_limits(" + str(NT) + ")" if TPC else "not installed"}'),
        ('thread pools', '; '.join(pools)),
        ('other load', load_s + note),
    ]


def same_work(name):
    """Build the model in both libraries, check the parameters match, return the first two losses."""
    make = MODELS[name][0]
    (fe, pe), (ft, pt) = make(ember), make(torch)
    if pe != pt:
        raise SystemExit(f'{name}: parameter lists differ between ember and torch:\n{pe}\n{pt}')
    le = [float(fe().item()) for _ in range(2)]
    lt = [float(ft().item()) for _ in range(2)]
    return le, lt


def wait_idle():
    """Wait (up to --max-wait s) for other processes to leave the CPUs; returns the last load seen."""
    limit = ARGS.max_wait if ARGS.max_wait is not None else (0 if QUICK else 30)
    s = perf()
    while True:
        load = other_load(0.5)
        if load is None or load < 0.15 or perf() - s >= limit:
            return load


def time_pair(fe, ft, warmup):
    """Warm-up: at least ``warmup`` calls and WARM_S seconds per library (torch's first steps can be
    10x slower while its allocator and glibc's mmap threshold settle), then the timed blocks."""
    per = []
    for f in (fe, ft):
        s, k = perf(), 0
        while k < warmup or perf() - s < WARM_S:
            f()
            k += 1
        per.append((perf() - s) / k)
    number = max(1, int(BLOCK_S / statistics.mean(per)))    # from the warm-up, not one call
    te, tt, _, _ = measure(fe, ft, number, REPS, warmup=0)
    return te, tt, number


def main():
    only = [s for s in ARGS.only.split(',') if s]
    names = [n for n in NAMES_MODELS + NAMES_CORE if not only or n in only]
    do_import = not only or 'import' in only

    print('# ember vs PyTorch: benchmark suite\n')
    for k, v in environment():
        print(f'- {k}: {v}')
    print(f'- method: warm-up, {REPS} alternating repetitions of ~{BLOCK_S} s blocks, medians'
          f'{" (QUICK smoke run: noisy)" if QUICK else ""}\n', flush=True)

    rows = []          # (name, label, te, tt, target)
    extra = []
    t_start = perf()
    loads = []
    for name in names:
        load = wait_idle()
        loads.append(load)
        if name in MODELS:
            make, label, target = MODELS[name]
            le, lt = same_work(name)
            print(f'{name}: first two losses ember {le[0]:.6f} {le[1]:.6f}  torch {lt[0]:.6f} {lt[1]:.6f}  '
                  f'(rel. diff {max(abs(a - b) / abs(b) for a, b in zip(le, lt)):.1e})', flush=True)
            fe, ft = make(ember)[0], make(torch)[0]
            te, tt, number = time_pair(fe, ft, warmup=1 if QUICK else 5)
            if not ARGS.no_compiled:
                rows.append((name, label, te, tt, target))
                print(f'{name:12s} ember {fmt_time(te):>11s}  torch {fmt_time(tt):>11s}  ratio {te / tt:5.2f}'
                      f'   ({number} calls/block; other load before: '
                      f'{"?" if load is None else f"{load * 100:.0f}%"})', flush=True)
                fc = ember.compile(make(ember)[0])
                lc = [float(fc().item()) for _ in range(3)]
                fe3 = make(ember)[0]
                le3 = [float(fe3().item()) for _ in range(3)]
                print(f'{name}: compiled step, first three losses {" ".join(f"{v:.6f}" for v in lc)} '
                      f'({"equal to" if lc == le3 else "DIFFERENT from"} eager ember\'s)', flush=True)
                te, tt, number = time_pair(fc, ft, warmup=1 if QUICK else 5)
                st = fc.stats
                how = 'replayed' if st['replayed'] > st['eager'] else 'ran eagerly: ' + '; '.join(
                    e.reason for e in fc._entries.values() if e.eager)
                name, label, target = name + '+compile', label.split(':')[0] + ' (ember.compile, whole step)', \
                    COMPILED_TARGETS[name]
                print(f'{name}: the compiled step {how}', flush=True)
        else:
            make, label, unit, target = CORE[name]
            fe, ft = make(ember), make(torch)
            te, tt, number = time_pair(fe, ft, warmup=1 if QUICK else (1 if name == 'matmul' else 20))
        rows.append((name, label, te, tt, target))
        print(f'{name:12s} ember {fmt_time(te):>11s}  torch {fmt_time(tt):>11s}  ratio {te / tt:5.2f}'
              f'   ({number} calls/block; other load before: '
              f'{"?" if load is None else f"{load * 100:.0f}%"})', flush=True)
        if name == 'chain':
            d = chain_grad_diff(ember, torch)
            print(f'chain: leaf gradients ember vs torch, max relative difference {d:.1e}', flush=True)
        if name == 'matmul':
            a, b = matmul_operands()
            raw = []
            for _ in range(REPS):
                s = perf()
                np.matmul(a, b)
                raw.append(perf() - s)
            ta, tb = torch.from_numpy(a), torch.from_numpy(b)
            tor = []
            for _ in range(REPS):
                s = perf()
                torch.mm(ta, tb)
                tor.append(perf() - s)
            flop = matmul_flop()
            peak = max(flop / min(raw), flop / min(tor))
            extra.append(('matmul', flop / te / 1e9, flop / tt / 1e9, flop / statistics.median(raw) / 1e9,
                          peak / 1e9))
            print(f'matmul GFLOP/s (medians): ember {flop / te / 1e9:.1f}, torch {flop / tt / 1e9:.1f}, '
                  f'bare np.matmul {flop / statistics.median(raw) / 1e9:.1f}; measured BLAS peak '
                  f'{peak / 1e9:.1f} (best single call of bare NumPy OpenBLAS and torch sgemm)', flush=True)

    imp = None
    if do_import:
        imp = memory.import_cost(NT, 3 if QUICK else 7)
        for m, (sec, rss, rss0) in imp.items():
            print(f'import {m}: {sec * 1e3:.0f} ms, RSS {rss / 1024:.0f} MiB after import '
                  f'({rss0 / 1024:.0f} MiB before)', flush=True)

    mem = {}
    if not ARGS.no_mem:
        for name in names:
            for lib in ('ember', 'torch'):
                mem[name, lib] = memory.workload_memory(name, lib, NT)
        print('memory children done', flush=True)
    print(f'\n(total {perf() - t_start:.0f} s)\n')
    busy = [x for x in loads if x is not None and x >= 0.15]
    if busy:
        print(f'WARNING: {len(busy)} workload(s) started while other processes kept the CPUs '
              f'{max(busy) * 100:.0f}% busy: with {NT} threads on a shared machine their figures can be '
              'several times too slow, for either library.\n')

    # ------------------------------------------------------------------ tables
    print('| workload | ember | torch | ember/torch | target | peak RSS ember (+workload) '
          '| peak RSS torch (+workload) |')
    print('|---|---:|---:|---:|---|---:|---:|')
    for name, label, te, tt, target in rows:
        r = te / tt
        res = '' if target is None else f"<= {target}: {'PASS' if r <= target else 'FAIL'}"
        cells = []
        for lib in ('ember', 'torch'):
            m = mem.get((name, lib))
            cells.append('n/a' if not m else f"{fmt_mib(m['peak_kib'])} (+{fmt_mib(m['delta_kib'])})")
        print(f'| {label} | {fmt_time(te)} | {fmt_time(tt)} | {r:.2f} | {res} | {cells[0]} | {cells[1]} |')
    for _, ge, gt, graw, gpeak in extra:
        print(f'| matmul GFLOP/s (measured BLAS peak {gpeak:.0f}) | {ge:.0f} ({ge / gpeak * 100:.0f}% of peak) '
              f'| {gt:.0f} ({gt / gpeak * 100:.0f}%) | {gt / ge:.2f} (time) | | | |')
    if imp:
        (se, re_, r0e), (st, rt, r0t) = imp['ember'], imp['torch']
        print(f'| import time (fresh process, bytecode cached, median) | {se * 1e3:.0f} ms | {st * 1e3:.0f} ms | {se / st:.2f} '
              f"| < 0.2: {'PASS' if se / st < 0.2 else 'FAIL'} | | |")
        print(f'| RSS after import | {re_ / 1024:.0f} MiB | {rt / 1024:.0f} MiB | {re_ / rt:.2f} '
              f"| < 0.25: {'PASS' if re_ / rt < 0.25 else 'FAIL'} | | |")
    print('\nPeak RSS: VmHWM of a fresh child that imports only that library, builds the workload and runs it '
          f'(models: {memory.MEM_STEPS_MODELS} steps, chain {memory.MEM_STEPS["chain"]}, matmul '
          f'{memory.MEM_STEPS["matmul"]}, add {memory.MEM_STEPS["add"]}); in brackets, that peak minus the RSS '
          'right after import (the peak is reset there): parameters, data, gradients, optimizer state, '
          'activations and allocator caches at their high-water mark.')


if __name__ == '__main__':
    main()
    sys.exit(0)
