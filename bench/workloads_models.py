"""Training-step workloads of the suite (issue #7): SEED_MLP, MNIST_MLP, LENET, TRANSFORMER.

Each factory takes the library (``ember`` or ``torch``) and returns a ``step()`` that runs one
full training step (zero_grad, forward, loss, backward, optimizer step) and returns the loss
tensor. Both libraries get identical initial weights and data: they come from NumPy
(``numpy_init``, a fixed seed and a rule per parameter), not from either library's own init.
"""
import math

import numpy as np


def numpy_init(lib, model, seed=0):
    """Overwrite the parameters of ``model`` with values drawn by NumPy, in named_parameters order.

    Weights (ndim >= 2) and biases: uniform(-1/sqrt(fan_in), 1/sqrt(fan_in)) as torch's Linear
    and Conv defaults; LayerNorm weights 1 and biases 0. Returns [(name, shape)] so the caller
    can check that both libraries' models have the same parameters in the same order.
    """
    rng = np.random.default_rng(seed)
    fan_in = 1
    out = []
    with lib.no_grad():
        for name, p in model.named_parameters():
            shape = tuple(p.shape)
            if 'norm' in name:
                arr = np.ones(shape) if name.endswith('weight') else np.zeros(shape)
            else:
                if len(shape) >= 2:
                    fan_in = int(np.prod(shape[1:]))
                b = 1 / math.sqrt(fan_in)
                arr = rng.uniform(-b, b, shape)
            p.copy_(lib.from_numpy(arr.astype(np.float32)))
            out.append((name, shape))
    return out


def _classifier_step(lib, model, opt, x, y):
    crit = lib.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        out = model(x)
        loss = crit(out, y)
        loss.backward()
        opt.step()
        return loss
    return step


def _data(lib, xshape, classes, seed):
    rng = np.random.default_rng(seed)
    x = lib.from_numpy(rng.standard_normal(xshape).astype(np.float32))
    y = lib.from_numpy(rng.integers(0, classes, xshape[0]).astype(np.int64))
    return x, y


def seed_mlp(lib):
    nn = lib.nn
    model = nn.Sequential(nn.Linear(3, 64), nn.ReLU(), nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    params = numpy_init(lib, model)
    x, y = _data(lib, (64, 3), 10, seed=10)
    opt = lib.optim.SGD(model.parameters(), lr=0.01)
    return _classifier_step(lib, model, opt, x, y), params


def mnist_mlp(lib):
    nn = lib.nn
    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))
    params = numpy_init(lib, model)
    x, y = _data(lib, (128, 784), 10, seed=11)
    opt = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    return _classifier_step(lib, model, opt, x, y), params


def lenet(lib):
    nn = lib.nn
    model = nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
    params = numpy_init(lib, model)
    x, y = _data(lib, (64, 1, 28, 28), 10, seed=12)
    opt = lib.optim.SGD(model.parameters(), lr=0.01)
    return _classifier_step(lib, model, opt, x, y), params


def transformer(lib):
    """nn.TransformerEncoderLayer(d_model=128, nhead=4), its default dim_feedforward 2048 and ReLU,
    dropout 0 (random masks would differ between the libraries), batch_first; input (16, 64, 128);
    MSE loss against a fixed target; AdamW(lr=1e-3)."""
    nn = lib.nn
    model = nn.TransformerEncoderLayer(128, 4, dropout=0.0, batch_first=True)
    model.train()
    params = numpy_init(lib, model)
    rng = np.random.default_rng(13)
    x = lib.from_numpy(rng.standard_normal((16, 64, 128)).astype(np.float32))
    target = lib.from_numpy(rng.standard_normal((16, 64, 128)).astype(np.float32))
    opt = lib.optim.AdamW(model.parameters(), lr=1e-3)
    crit = nn.MSELoss()

    def step():
        opt.zero_grad()
        loss = crit(model(x), target)
        loss.backward()
        opt.step()
        return loss
    return step, params


# name: (factory, label, target ratio ember/torch)
MODELS = {
    'seed_mlp': (seed_mlp, 'SEED_MLP: 3-64-128-10 MLP, batch 64, CE, SGD step', 0.7),
    'mnist_mlp': (mnist_mlp, 'MNIST_MLP: 784-512-512-10 MLP, batch 128, CE, SGD momentum step', 1.1),
    'lenet': (lenet, 'LENET: LeNet-5, batch 64x1x28x28, CE, SGD step', 2.0),
    'transformer': (transformer, 'TRANSFORMER: encoder layer d128 h4 ff2048, 16x64, MSE, AdamW step', 1.5),
}
