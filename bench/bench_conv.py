"""Convolution and pooling, ember against PyTorch in one process (the LeNet layers).

Run from the repository root: ``.venv/bin/python bench/bench_conv.py [--threads N] [--reps R]``.
Each workload is timed as the median of R repetitions (ember and torch alternating), forward
only and forward + backward (input and weight gradients), and the ember/torch ratio printed.
Target: at most 2x torch.

Each timed block starts after a 50 ms sleep, so that the other library's idle threads (torch's
OpenMP pool, OpenBLAS's) have stopped spinning; without it the block right after the other
library's ran up to 2x slower (bench/NOTES.md). ``--omp-wait passive`` sets
``OMP_WAIT_POLICY=PASSIVE`` before torch is imported (its threads then sleep at once when idle);
it is NOT the default because it made torch's own conv calls slower here (L2 forward ~220 us
against ~137 us with the default policy, torch alone), which would flatter ember. The header
prints the policy and how busy the CPUs were at the start: trust runs that start near 0%.
"""
import argparse
import os
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument('--threads', type=int, default=os.cpu_count())
ap.add_argument('--reps', type=int, default=7)
ap.add_argument('--omp-wait', choices=('passive', 'default'), default='default',
                help="OMP_WAIT_POLICY for torch's OpenMP threads (default: left unset; see the docstring)")
args = ap.parse_args()
if args.omp_wait == 'passive':
    os.environ['OMP_WAIT_POLICY'] = 'PASSIVE'
for v in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS'):
    os.environ[v] = str(args.threads)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import ember  # noqa: E402

torch.set_num_threads(args.threads)


def make(lib, fn, shapes, kw, backward):
    F = lib.nn.functional
    rng = np.random.default_rng(0)
    ts = [lib.tensor(rng.standard_normal(s).astype(np.float32), requires_grad=backward) for s in shapes]
    f = getattr(F, fn)

    def run():
        y = f(*ts, **kw)
        if backward:
            y.sum().backward()
            for t in ts:
                t.grad = None
        return y
    return run


def timeit(run, loops):
    t0 = time.perf_counter()
    for _ in range(loops):
        run()
    return (time.perf_counter() - t0) / loops


WORKLOADS = [
    ('conv2d 64x1x28x28 -> 6, 5x5, pad 2', 'conv2d', [(64, 1, 28, 28), (6, 1, 5, 5), (6,)], dict(padding=2)),
    ('conv2d 64x6x14x14 -> 16, 5x5', 'conv2d', [(64, 6, 14, 14), (16, 6, 5, 5), (16,)], {}),
    ('max_pool2d 64x6x28x28, 2x2', 'max_pool2d', [(64, 6, 28, 28)], dict(kernel_size=2)),
    ('max_pool2d 64x16x10x10, 2x2', 'max_pool2d', [(64, 16, 10, 10)], dict(kernel_size=2)),
]

def _busy(dt=0.5):
    """The share of CPU time other processes used over dt seconds (Linux /proc/stat), or None."""
    try:
        def read():
            with open('/proc/stat') as f:
                v = [int(t) for t in f.readline().split()[1:]]
            return sum(v), v[3] + v[4]
        t0, i0 = read()
        time.sleep(dt)
        t1, i1 = read()
        return 1 - (i1 - i0) / max(1, t1 - t0)
    except OSError:
        return None


b = _busy()
print(f'threads={args.threads}  numpy {np.__version__}  torch {torch.__version__}  '
      f'OMP_WAIT_POLICY={os.environ.get("OMP_WAIT_POLICY", "(unset)")}  '
      f'CPUs busy before start: {"?" if b is None else f"{b:.0%}"}')
print(f'{"workload":42s} {"pass":9s} {"ember":>10s} {"torch":>10s} {"ratio":>7s}')
for name, fn, shapes, kw in WORKLOADS:
    for backward in (False, True):
        runs = {lib: make(lib, fn, shapes, kw, backward) for lib in (ember, torch)}
        for r in runs.values():
            r()
        t1 = timeit(runs[ember], 1)
        loops = max(1, int(0.05 / max(t1, 1e-6)))
        res = {ember: [], torch: []}
        for _ in range(args.reps):
            for lib in (ember, torch):
                time.sleep(0.05)
                res[lib].append(timeit(runs[lib], loops))
        e, t = np.median(res[ember]), np.median(res[torch])
        print(f'{name:42s} {"fwd+bwd" if backward else "fwd":9s} {e * 1e6:8.0f}us {t * 1e6:8.0f}us {e / t:7.2f}')
