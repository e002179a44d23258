"""The per-op part of the suite (add, add_grad, chain, matmul): ``bench/run.py --only ...``.

Kept so that ``.venv/bin/python bench/bench_core.py [--threads N] [--quick]`` still works; the
workloads live in bench/workloads_core.py and the method in bench/run.py.
"""
import os
import sys

if __name__ == '__main__':
    here = os.path.dirname(os.path.abspath(__file__))
    args = sys.argv[1:]
    if not any(a == '--only' or a.startswith('--only=') for a in args):
        args = ['--only', 'add,add_grad,chain,matmul'] + args
    os.execv(sys.executable, [sys.executable, os.path.join(here, 'run.py')] + args)
