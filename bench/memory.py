"""Import time and memory, each measured in a fresh child process.

- Import: ``python -c "import X"`` style children; each reports the seconds ``import X`` took
  (perf_counter around the statement, interpreter start-up excluded) and VmRSS before and after.
  ember and torch children alternate; the figures are medians.
- Workload memory: one child per (workload, library) imports only that library, records VmRSS
  and resets the peak there (``/proc/self/clear_refs``), builds the workload (model, data,
  optimizer) and runs some steps, then reads its peak RSS (VmHWM). It reports that peak and the
  peak minus the RSS right after import: what the workload's parameters, data, gradients,
  optimizer state, activations and allocator caches added at their high-water mark. (Not
  ``ru_maxrss``: Linux carries it over from the parent across fork and exec.)
"""
import json
import os
import statistics
import subprocess
import sys

from common import ROOT

_IMPORT_CODE = r'''
import time, sys
def rss():
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1])
r0 = rss()
t0 = time.perf_counter()
import {mod}
dt = time.perf_counter() - t0
print('{{"seconds": %r, "rss0_kib": %d, "rss_kib": %d}}' % (dt, r0, rss()))
'''


MEM_STEPS = {'add': 10000, 'add_grad': 10000, 'chain': 50, 'matmul': 3}
MEM_STEPS_MODELS = 20


def factory_for(name):
    """lib -> zero-argument function running one unit of the workload."""
    from workloads_models import MODELS
    if name in MODELS:
        make = MODELS[name][0]
        return lambda lib: make(lib)[0]
    from workloads_core import CORE
    return CORE[name][0]


def _child_env(threads):
    env = dict(os.environ)
    for v in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS', 'NUMEXPR_NUM_THREADS'):
        env[v] = str(threads)
    env['PYTHONPATH'] = ROOT + os.pathsep + env.get('PYTHONPATH', '')
    return env


def import_cost(threads, reps):
    """{'ember': (median seconds, median RSS KiB after import, RSS before), 'torch': ...}."""
    res = {'ember': [], 'torch': []}
    env = _child_env(threads)
    # as a user's install imports: from bytecode caches. (torch's .pyc files were written when pip
    # installed it; with PYTHONDONTWRITEBYTECODE set, as on some CI machines, ember's sources would
    # be compiled again at every import.) One import of each first writes the caches.
    env.pop('PYTHONDONTWRITEBYTECODE', None)
    for mod in ('ember', 'torch'):
        subprocess.run([sys.executable, '-c', f'import {mod}'], env=env, cwd=ROOT, capture_output=True, check=True)
    for _ in range(reps):
        for mod in ('ember', 'torch'):
            out = subprocess.run([sys.executable, '-c', _IMPORT_CODE.format(mod=mod)], env=env, cwd=ROOT,
                                 capture_output=True, text=True, check=True).stdout
            res[mod].append(json.loads(out.strip().splitlines()[-1]))
    return {m: (statistics.median(r['seconds'] for r in v), statistics.median(r['rss_kib'] for r in v),
                statistics.median(r['rss0_kib'] for r in v)) for m, v in res.items()}


def workload_memory(name, lib, threads, timeout=600):
    """Run one workload in a child (bench/run.py --child-mem); returns its JSON report or None."""
    cmd = [sys.executable, os.path.join(ROOT, 'bench', 'run.py'), '--child-mem', name, '--lib', lib,
           '--threads', str(threads)]
    p = subprocess.run(cmd, env=_child_env(threads), cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        sys.stderr.write(p.stderr[-2000:])
        return None
    return json.loads(p.stdout.strip().splitlines()[-1])


def child_mem(name, libname, steps):
    """In the child: import one library, build and run the workload, print the JSON report."""
    from common import rss_now_kib, rss_peak_kib, apply_threads, reset_rss_peak
    import numpy  # noqa: F401  (both libraries need it; counted before the workload, as the import)
    lib = __import__(libname)
    apply_threads(int(os.environ['OMP_NUM_THREADS']), lib if libname == 'torch' else None)
    make = factory_for(name)
    if steps is None:
        steps = MEM_STEPS.get(name, MEM_STEPS_MODELS)
    rss0 = rss_now_kib()
    reset_rss_peak()
    fn = make(lib)
    for _ in range(steps):
        fn()
    peak = rss_peak_kib()
    print(json.dumps({'rss_after_import_kib': rss0, 'peak_kib': peak, 'delta_kib': peak - rss0}))
