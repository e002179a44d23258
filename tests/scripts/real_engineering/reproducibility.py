"""Reproducibility utilities from training repos: a seed_everything helper, saving and restoring the
global RNG state (get_rng_state/set_rng_state, random/numpy states too), torch.random.fork_rng around
an augmentation, explicit torch.Generator objects for randn/randperm/randint/bernoulli/multinomial and a
DataLoader, Generator.get_state/set_state/initial_seed, use_deterministic_algorithms and the
torch.backends flags people toggle."""
import random

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


def seed_everything(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    return seed


print('seed:', seed_everything(1234))
print('initial_seed:', torch.initial_seed())
a = torch.randn(3)
seed_everything(1234)
b = torch.randn(3)
print('same after reseed:', torch.equal(a, b), a)

print('=== get_rng_state / set_rng_state')
state = torch.get_rng_state()
print('state:', type(state).__name__, state.dtype, tuple(state.shape))
x1 = torch.rand(4)
x2 = torch.randint(0, 100, (5,))
torch.set_rng_state(state)
y1 = torch.rand(4)
y2 = torch.randint(0, 100, (5,))
print(x1, y1, torch.equal(x1, y1))
print(x2, y2, torch.equal(x2, y2))
print('state changed after draws:', not torch.equal(state, torch.get_rng_state()))
try:
    torch.set_rng_state(torch.zeros(10))
except (RuntimeError, TypeError) as e:
    print(type(e).__name__, 'on bad state')

print('=== fork_rng')
torch.manual_seed(7)
before = torch.get_rng_state()
with torch.random.fork_rng():
    torch.manual_seed(999)
    noise = torch.randn(2, 2)
print('noise inside fork:', noise)
print('outer state untouched:', torch.equal(before, torch.get_rng_state()))
after_fork = torch.randn(3)
torch.manual_seed(7)
print('matches no-fork run:', torch.equal(after_fork, torch.randn(3)))
with torch.random.fork_rng(enabled=False):
    torch.randn(1)
print('enabled=False consumed state:', not torch.equal(before, torch.get_rng_state()))

print('=== Generator objects')
g = torch.Generator()
print('default seed:', g.initial_seed())
g.manual_seed(2024)
print('seed():', g.initial_seed(), 'device:', g.device)
s = g.get_state()
r1 = torch.randn(2, 3, generator=g)
p1 = torch.randperm(7, generator=g)
i1 = torch.randint(0, 10, (4,), generator=g)
g.set_state(s)
r2 = torch.randn(2, 3, generator=g)
p2 = torch.randperm(7, generator=g)
i2 = torch.randint(0, 10, (4,), generator=g)
print(r1)
print(p1, i1)
print('replayed:', torch.equal(r1, r2), torch.equal(p1, p2), torch.equal(i1, i2))
g2 = torch.Generator().manual_seed(2024)
print('same seed new generator:', torch.equal(torch.randn(2, 3, generator=g2), r1))
g3 = torch.Generator().manual_seed(5)
probs = torch.tensor([0.1, 0.2, 0.3, 0.4])
print('multinomial:', torch.multinomial(probs, 6, replacement=True, generator=g3))
print('bernoulli:', torch.bernoulli(torch.full((6,), 0.5), generator=g3))
print('normal:', torch.normal(0.0, 1.0, size=(3,), generator=g3))
print('rand_like via generator:', torch.empty(3).uniform_(-1, 1, generator=g3))
print('global unaffected by generator draws:')
torch.manual_seed(0)
u = torch.rand(2)
torch.manual_seed(0)
torch.randn(100, generator=torch.Generator().manual_seed(1))
print(torch.equal(u, torch.rand(2)))
print('manual_seed returns:', type(torch.manual_seed(3)).__name__)
print('default_generator seed:', torch.default_generator.initial_seed())

print('=== DataLoader with generator (shuffling independent of global RNG)')
ds = TensorDataset(torch.arange(10))


def epoch_orders(seed, consume_global):
    gen = torch.Generator().manual_seed(seed)
    loader = DataLoader(ds, batch_size=5, shuffle=True, generator=gen)
    orders = []
    for _ in range(2):
        if consume_global:
            torch.randn(50)
        orders.append([b[0].tolist() for b in loader])
    return orders


o1 = epoch_orders(11, False)
o2 = epoch_orders(11, True)
print(o1)
print('independent of global RNG:', o1 == o2)


def seed_worker(worker_id):
    worker_seed = torch.initial_seed() % 2 ** 32
    np.random.seed(worker_seed)
    random.seed(worker_seed)


loader = DataLoader(ds, batch_size=4, shuffle=True, worker_init_fn=seed_worker,
                    generator=torch.Generator().manual_seed(0))
print('worker_init_fn loader:', [b[0].tolist() for b in loader])

print('=== dropout reproducibility')
net = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.5))
inp = torch.ones(2, 4)
torch.manual_seed(100)
d1 = net(inp)
torch.manual_seed(100)
d2 = net(inp)
print('dropout masks equal:', torch.equal(d1 != 0, d2 != 0))
print((d1 != 0).int())

print('=== deterministic flags')
print('deterministic before:', torch.are_deterministic_algorithms_enabled())
torch.use_deterministic_algorithms(True)
print('after:', torch.are_deterministic_algorithms_enabled(),
      'warn_only:', torch.is_deterministic_algorithms_warn_only_enabled())
torch.use_deterministic_algorithms(True, warn_only=True)
print('warn_only now:', torch.is_deterministic_algorithms_warn_only_enabled())
torch.use_deterministic_algorithms(False)
print('disabled:', torch.are_deterministic_algorithms_enabled())
print('cudnn.deterministic default:', torch.backends.cudnn.deterministic, 'benchmark:', torch.backends.cudnn.benchmark)
torch.backends.cudnn.deterministic = True
torch.backends.cudnn.benchmark = False
print('cudnn set:', torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark)
print('cuda available:', torch.cuda.is_available(), 'mps available:', torch.backends.mps.is_available())
print('cudnn available:', torch.backends.cudnn.is_available())
print('matmul precision:', torch.get_float32_matmul_precision())
torch.set_float32_matmul_precision('high')
print('matmul precision now:', torch.get_float32_matmul_precision())
torch.set_float32_matmul_precision('highest')
print('num threads > 0:', torch.get_num_threads() > 0)

print('=== python/numpy rng alongside torch')
seed_everything(5)
print(random.random(), np.random.rand(2), torch.rand(2))
py_state, np_state, t_state = random.getstate(), np.random.get_state(), torch.get_rng_state()
v1 = (random.random(), np.random.rand(), torch.rand(1).item())
random.setstate(py_state); np.random.set_state(np_state); torch.set_rng_state(t_state)
v2 = (random.random(), np.random.rand(), torch.rand(1).item())
print(v1 == v2, v1)
