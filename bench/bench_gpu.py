"""ember against PyTorch on one CUDA GPU: a training step of an MLP and of a LeNet.

Run on a machine with a GPU, CuPy and PyTorch:  ``python bench/bench_gpu.py [--reps N]``.

Method: the same model (same initial weights, copied from ember to torch) and the same batch
on the GPU in both libraries; a step is zero_grad, forward, CrossEntropyLoss, backward, SGD step.
Each library warms up (CuPy compiles its kernels on first use), then ``reps`` repetitions of
``inner`` steps are timed with the host clock after a device synchronise on both ends; ember and
torch repetitions alternate, and the figure is the median repetition over ``inner``. Peak device
memory is each library's own allocator's peak (``max_memory_allocated``) over the timed steps.
"""
import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np          # noqa: E402
import torch                # noqa: E402
import ember                # noqa: E402


def mlp(lib):
    nn = lib.nn
    return nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))


def lenet(lib):
    nn = lib.nn
    return nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                         nn.Linear(84, 10))


WORKLOADS = {'MNIST_MLP (784-512-512-10, batch 128, SGD momentum)': (mlp, (128, 784), 0.9),
             'LENET (batch 64, SGD)': (lenet, (64, 1, 28, 28), 0.0)}


def build(lib, make, shape, momentum, state, dev):
    lib.manual_seed(0)
    model = make(lib)
    model.load_state_dict({k: lib.tensor(v) for k, v in state.items()})
    model.to(dev)
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.standard_normal(shape).astype(np.float32)).to(dev)
    y = lib.tensor(rng.integers(0, 10, shape[0])).to(dev)
    opt = lib.optim.SGD(model.parameters(), lr=0.01, momentum=momentum)
    loss_fn = lib.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss
    return step


def timed(lib, step, inner):
    lib.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(inner):
        step()
    lib.cuda.synchronize()
    return (time.perf_counter() - t0) / inner


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--reps', type=int, default=7)
    ap.add_argument('--inner', type=int, default=20)
    args = ap.parse_args()
    if not (ember.cuda.is_available() and torch.cuda.is_available()):
        print('bench_gpu: needs a GPU visible to both ember (CuPy) and torch')
        return
    dev = 'cuda'
    torch.backends.cuda.matmul.allow_tf32 = False      # same arithmetic as CuPy's float32 GEMMs
    torch.backends.cudnn.allow_tf32 = False
    print(f'device: {ember.cuda.get_device_name(0)} | torch {torch.__version__} | ember {ember.__version__} '
          f'| CUDA {ember.version.cuda}')
    print(f'{"workload":55s} {"ember ms":>9s} {"torch ms":>9s} {"ratio":>6s} {"ember peak MiB":>15s} '
          f'{"torch peak MiB":>15s}  first-loss check')
    for name, (make, shape, momentum) in WORKLOADS.items():
        ember.manual_seed(0)
        state = {k: v.detach().numpy().copy() for k, v in make(ember).state_dict().items()}
        steps = {lib: build(lib, make, shape, momentum, state, dev) for lib in (ember, torch)}
        l_e, l_t = float(steps[ember]()), float(steps[torch]())          # first step: same weights, same loss
        for lib in (ember, torch):                                          # warm-up (kernel compilation)
            for _ in range(5):
                steps[lib]()
            lib.cuda.synchronize()
            lib.cuda.reset_peak_memory_stats()
        times = {ember: [], torch: []}
        for _ in range(args.reps):
            for lib in (ember, torch):
                times[lib].append(timed(lib, steps[lib], args.inner))
        me, mt = statistics.median(times[ember]) * 1e3, statistics.median(times[torch]) * 1e3
        pe = ember.cuda.max_memory_allocated() / 2 ** 20
        pt = torch.cuda.max_memory_allocated() / 2 ** 20
        print(f'{name:55s} {me:9.3f} {mt:9.3f} {me / mt:6.2f} {pe:15.1f} {pt:15.1f}  '
              f'loss ember {l_e:.5f} torch {l_t:.5f}')


if __name__ == '__main__':
    main()
