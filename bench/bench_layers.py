"""Common layers and ops, ember against PyTorch in one process: where a real program would meet a
slow path (the model workloads of bench/run.py cover four models; this covers the layers and ops
ordinary programs use).

Run from the repository root: ``.venv/bin/python bench/bench_layers.py [--threads N] [--only a,b]``.
Each workload is a forward + backward (or one op / one optimizer step / one data-loader epoch);
blocks of ~0.15 s alternate between the libraries (50 ms pause before each, as bench/run.py),
median of 5 blocks, and the ember/torch ratio printed. No targets: a ratio far above 1 is a slow
path to look at. The header prints how busy the CPUs were: trust runs that start near 0%.
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import set_threads, other_load  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument('--threads', type=int, default=os.cpu_count() or 1)
ap.add_argument('--only', default='')
ARGS = ap.parse_args()
set_threads(ARGS.threads)

import numpy as np  # noqa: E402
import torch  # noqa: E402
import ember  # noqa: E402
from common import apply_threads  # noqa: E402

apply_threads(ARGS.threads, torch)


def mk(lib, name):
    L = lib; nn = L.nn; F = nn.functional
    L.manual_seed(0)
    g = np.random.default_rng(0)
    def T(*s, rg=True):
        t = L.from_numpy(g.standard_normal(s).astype(np.float32))
        return t.requires_grad_(rg)
    if name == 'conv3x3_32':
        m = nn.Conv2d(32, 32, 3, padding=1); x = T(32, 32, 16, 16)
        return lambda: m(x).sum().backward()
    if name == 'conv3x3_64_s2':
        m = nn.Conv2d(32, 64, 3, stride=2, padding=1); x = T(32, 32, 16, 16)
        return lambda: m(x).sum().backward()
    if name == 'conv1x1_64':
        m = nn.Conv2d(64, 64, 1); x = T(32, 64, 8, 8)
        return lambda: m(x).sum().backward()
    if name == 'depthwise3x3':
        m = nn.Conv2d(64, 64, 3, padding=1, groups=64); x = T(32, 64, 8, 8)
        return lambda: m(x).sum().backward()
    if name == 'convT_4x4_s2':
        m = nn.ConvTranspose2d(32, 16, 4, stride=2, padding=1); x = T(16, 32, 8, 8)
        return lambda: m(x).sum().backward()
    if name == 'bn2d_train':
        m = nn.BatchNorm2d(32); x = T(32, 32, 16, 16)
        return lambda: m(x).sum().backward()
    if name == 'bn2d_eval':
        m = nn.BatchNorm2d(32).eval(); x = T(32, 32, 16, 16, rg=False)
        return lambda: m(x)
    if name == 'maxpool2':
        m = nn.MaxPool2d(2); x = T(32, 32, 16, 16)
        return lambda: m(x).sum().backward()
    if name == 'avgpool_adapt1':
        m = nn.AdaptiveAvgPool2d(1); x = T(32, 64, 8, 8)
        return lambda: m(x).sum().backward()
    if name == 'layernorm':
        m = nn.LayerNorm(256); x = T(64, 32, 256)
        return lambda: m(x).sum().backward()
    if name == 'gelu':
        x = T(64, 32, 256)
        return lambda: F.gelu(x).sum().backward()
    if name == 'softmax':
        x = T(64, 4, 32, 32)
        return lambda: x.softmax(-1).sum().backward()
    if name == 'dropout':
        m = nn.Dropout(0.1); x = T(64, 32, 256)
        return lambda: m(x).sum().backward()
    if name == 'embedding':
        m = nn.Embedding(10000, 128); idx = L.from_numpy(g.integers(0, 10000, (64, 32)))
        return lambda: m(idx).sum().backward()
    if name == 'lstm':
        m = nn.LSTM(64, 128, batch_first=True); x = T(16, 32, 64)
        return lambda: m(x)[0].sum().backward()
    if name == 'gru':
        m = nn.GRU(64, 128, batch_first=True); x = T(16, 32, 64)
        return lambda: m(x)[0].sum().backward()
    if name == 'mha':
        m = nn.MultiheadAttention(128, 4, batch_first=True); x = T(16, 32, 128)
        return lambda: m(x, x, x)[0].sum().backward()
    if name == 'ce_1000':
        x = T(128, 1000); y = L.from_numpy(g.integers(0, 1000, 128))
        return lambda: F.cross_entropy(x, y).backward()
    if name == 'mse':
        x = T(128, 1000); y = T(128, 1000, rg=False)
        return lambda: F.mse_loss(x, y).backward()
    if name == 'adam_1M':
        ps = [nn.Parameter(T(1000, 1000, rg=False))]
        for p in ps: p.grad = T(1000, 1000, rg=False)
        o = L.optim.Adam(ps, 1e-3)
        return o.step
    if name == 'adamw_many':
        ps = [nn.Parameter(T(64, 64, rg=False)) for _ in range(50)]
        for p in ps: p.grad = T(64, 64, rg=False)
        o = L.optim.AdamW(ps, 1e-3)
        return o.step
    if name == 'dataloader':
        ds = L.utils.data.TensorDataset(T(2048, 3, 8, 8, rg=False), L.from_numpy(g.integers(0, 10, 2048)))
        dl = L.utils.data.DataLoader(ds, batch_size=64, shuffle=True)
        return lambda: [b for b in dl]
    if name == 'cat_stack_small':
        xs = [T(16, 16, rg=False) for _ in range(32)]
        return lambda: (L.cat(xs), L.stack(xs))
    if name == 'indexing':
        x = T(256, 256); i = L.from_numpy(g.integers(0, 256, 128))
        return lambda: (x[i].sum() + x[:, 3:100:2].sum() + x[x > 0].sum()).backward()
    if name == 'interp_bilinear':
        x = T(16, 16, 32, 32)
        return lambda: F.interpolate(x, scale_factor=2, mode='bilinear', align_corners=False).sum().backward()
    if name == 'matmul_batched':
        a = T(64, 32, 64); b = T(64, 64, 32)
        return lambda: (a @ b).sum().backward()
    raise KeyError(name)

NAMES = ['conv3x3_32', 'conv3x3_64_s2', 'conv1x1_64', 'depthwise3x3', 'convT_4x4_s2', 'bn2d_train', 'bn2d_eval',
         'maxpool2', 'avgpool_adapt1', 'layernorm', 'gelu', 'softmax', 'dropout', 'embedding', 'lstm', 'gru', 'mha',
         'ce_1000', 'mse', 'adam_1M', 'adamw_many', 'dataloader', 'cat_stack_small', 'indexing', 'interp_bilinear',
         'matmul_batched']


def block(f, budget=0.15):
    f()
    n = 0
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < budget:
        f()
        n += 1
    return (time.perf_counter() - t0) / n


def main():
    names = ARGS.only.split(',') if ARGS.only else NAMES
    load = other_load()
    print(f'threads {ARGS.threads}; other load before start: {"?" if load is None else f"{load * 100:.0f}%"}')
    for name in names:
        fe, ft = mk(ember, name), mk(torch, name)
        te, tt = [], []
        for _ in range(5):
            time.sleep(0.05)
            te.append(block(fe))
            time.sleep(0.05)
            tt.append(block(ft))
        a, b = np.median(te), np.median(tt)
        print(f'{name:16s} ember {a * 1e6:9.1f} us  torch {b * 1e6:9.1f} us  ratio {a / b:5.2f}', flush=True)


if __name__ == '__main__':
    main()
