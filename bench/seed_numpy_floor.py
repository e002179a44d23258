"""SEED_MLP's training step written as straight NumPy: the floor under any NumPy-based ember.

The same shapes as bench/workloads_models.seed_mlp (3 -> 64 -> ReLU -> 128 -> ReLU -> 10, batch 64,
cross-entropy, SGD lr 0.01), float32, with no framework: no autograd bookkeeping, no exact FMA
emulation in the SGD update, the cross-entropy in a few calls. It prints the step's time next to
torch's for the same step (bench/run.py's workload), so the issue's ratio targets can be read
against what the NumPy calls alone cost on this machine.

Run from the repository root:  .venv/bin/python bench/seed_numpy_floor.py
"""
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def numpy_step_factory(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((64, 3)).astype(np.float32)
    y = rng.integers(0, 10, 64)
    shapes = [(64, 3), (64,), (128, 64), (128,), (10, 128), (10,)]
    P = [(rng.standard_normal(s) * 0.1).astype(np.float32) for s in shapes]
    W1, b1, W2, b2, W3, b3 = P
    z1, z2 = np.zeros((64, 64), np.float32), np.zeros((64, 128), np.float32)
    rows = np.arange(64)
    lr = np.float32(0.01)

    def step():
        h1 = x @ W1.T
        h1 += b1
        a1 = np.maximum(h1, z1)
        h2 = a1 @ W2.T
        h2 += b2
        a2 = np.maximum(h2, z2)
        o = a2 @ W3.T
        o += b3
        s = o - o.max(axis=1, keepdims=True)
        e = np.exp(s)
        se = e.sum(axis=1, keepdims=True)
        loss = -(s[rows, y] - np.log(se[:, 0])).mean()
        g = e / se
        g[rows, y] -= 1
        g /= 64
        grads = [None] * 6
        grads[4], grads[5] = g.T @ a2, g.sum(0)
        ga2 = g @ W3
        ga2 *= h2 > 0
        grads[2], grads[3] = ga2.T @ a1, ga2.sum(0)
        ga1 = ga2 @ W2
        ga1 *= h1 > 0
        grads[0], grads[1] = ga1.T @ x, ga1.sum(0)
        for p, gp in zip(P, grads):
            p -= lr * gp
        return loss
    return step


def median_us(fn, calls=500, reps=9):
    for _ in range(calls):
        fn()
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(calls):
            fn()
        ts.append((time.perf_counter() - t0) / calls * 1e6)
    return sorted(ts)[reps // 2]


def main():
    floor = median_us(numpy_step_factory())
    line = f'SEED_MLP step, straight NumPy: {floor:.1f} us'
    try:
        import torch
        from workloads_models import seed_mlp
        torch.set_num_threads(os.cpu_count() or 1)
        tstep = seed_mlp(torch)[0]
        t = median_us(tstep, calls=200)
        line += f'; torch: {t:.1f} us; NumPy / torch = {floor / t:.2f} (targets: eager 0.7, compiled 0.35)'
    except ImportError:
        line += ' (torch not installed: no comparison)'
    print(line)


if __name__ == '__main__':
    main()
