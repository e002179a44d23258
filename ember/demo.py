"""``python -m ember.demo`` (``make demo``): ember's autograd and a small training run.

1. The seed's worked example S17, step by step: a=10 and b=20 require grad, F = a*b, G = F*2,
   ``G.backward()`` gives a.grad = 40 and b.grad = 20, and the seed's table of requires_grad,
   is_leaf, grad_fn and grad for a, b, F and G.
2. The seed's CustomClassifier (3 inputs -> 64 -> ReLU -> 128 -> ReLU -> 10 classes) trained
   with plain ember ops: parameters are leaf tensors with ``requires_grad=True``, the loss is a
   cross-entropy written from log-softmax, and SGD updates the parameters in place under
   ``ember.no_grad()``. (``ember.nn`` and ``ember.optim`` will make this shorter.)

Only ember and NumPy are used; the data are synthetic and fixed by a seed, so every run prints
the same numbers.
"""
import time
import warnings

import numpy as np

import ember


def worked_example():
    print('== 1. Autograd: the worked example (seed S17) ==')
    print('>>> a = ember.tensor([10.], requires_grad=True)')
    a = ember.tensor([10.], requires_grad=True)
    print('>>> b = ember.tensor([20.], requires_grad=True)')
    b = ember.tensor([20.], requires_grad=True)
    print('>>> F = a * b')
    F = a * b
    print('>>> G = F * 2')
    G = F * 2
    print('>>> G.backward()')
    G.backward()
    print(f'a.grad = {a.grad}      # dG/da = 2 * b')
    print(f'b.grad = {b.grad}      # dG/db = 2 * a')
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        fg = F.grad
    note = f'UserWarning: {str(caught[0].message).split(". ")[0]}.' if caught else 'no warning'
    print(f'F.grad = {fg}               # {note}')
    print(f'F.grad_fn = {F.grad_fn}')
    print()
    print("The seed's table: requires_grad, grad_fn, is_leaf and grad of each tensor after backward")
    print(f"| {'tensor':6s} | {'requires_grad':13s} | {'grad_fn':14s} | {'is_leaf':7s} | {'grad':13s} |")
    print(f"|{'-' * 8}|{'-' * 15}|{'-' * 16}|{'-' * 9}|{'-' * 15}|")
    for name, t in (('a', a), ('b', b), ('F', F), ('G', G)):
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')      # .grad of a non-leaf: None (the warning is shown above)
            grad = t.grad
        gf = 'None' if t.grad_fn is None else t.grad_fn.name()
        print(f'| {name:6s} | {str(t.requires_grad):13s} | {gf:14s} | {str(t.is_leaf):7s} | {str(grad):13s} |')
    print()


# ---------------------------------------------------------------------------- training
def make_data(n, rng, rule):
    """n points with 3 features; the label is the argmax of a fixed random linear rule."""
    x = rng.standard_normal((n, 3)).astype(np.float32)
    y = (x @ rule[0] + rule[1]).argmax(axis=1)
    return x, y.astype(np.int64)


def linear_params(fan_in, fan_out, rng):
    """Weights and bias like torch's nn.Linear default: U(-1/sqrt(fan_in), 1/sqrt(fan_in))."""
    bound = 1.0 / np.sqrt(fan_in)
    w = rng.uniform(-bound, bound, (fan_in, fan_out)).astype(np.float32)
    b = rng.uniform(-bound, bound, (fan_out,)).astype(np.float32)
    return ember.tensor(w, requires_grad=True), ember.tensor(b, requires_grad=True)


def forward(params, x):
    """CustomClassifier: fc1 (3->64), ReLU, fc2 (64->128), ReLU, fc3 (128->10)."""
    (w1, b1), (w2, b2), (w3, b3) = params
    h = ember.relu(x @ w1 + b1)
    h = ember.relu(h @ w2 + b2)
    return h @ w3 + b3


def cross_entropy(logits, onehot):
    """Mean of -log softmax(logits)[label], from log-softmax = logits - logsumexp(logits)."""
    if hasattr(ember, 'logsumexp'):
        lse = ember.logsumexp(logits, dim=1, keepdim=True)
    else:
        m = logits.detach().amax(dim=1, keepdim=True)
        lse = m + ember.log(ember.exp(logits - m).sum(dim=1, keepdim=True))
    logp = logits - lse
    return -(logp * onehot).sum(dim=1).mean()


def accuracy(params, x, y):
    with ember.no_grad():
        pred = forward(params, x).argmax(dim=1)
        return (pred == y).float().mean().item()


def train(epochs=15, batch_size=64, lr=0.1):
    print('== 2. Training the seed\'s CustomClassifier (3 -> 64 -> ReLU -> 128 -> ReLU -> 10) ==')
    rng = np.random.default_rng(0)
    rule = (rng.standard_normal((3, 10)).astype(np.float32), 0.5 * rng.standard_normal(10).astype(np.float32))
    x_train, y_train = make_data(2048, rng, rule)
    x_test, y_test = make_data(512, rng, rule)
    print(f'data: {len(x_train)} training and {len(x_test)} test points, 3 features, 10 classes '
          f'(label = argmax of a fixed random linear rule)')
    params = [linear_params(3, 64, rng), linear_params(64, 128, rng), linear_params(128, 10, rng)]
    flat = [p for layer in params for p in layer]
    print(f'parameters: {sum(p.numel() for p in flat)} in {len(flat)} leaf tensors; '
          f'SGD lr={lr}, batch size {batch_size}')
    xt, yt = ember.from_numpy(x_test), ember.from_numpy(y_test)
    eye = np.eye(10, dtype=np.float32)
    losses = []
    t0 = time.perf_counter()
    for epoch in range(1, epochs + 1):
        order = rng.permutation(len(x_train))
        total, count = 0.0, 0
        for i in range(0, len(order), batch_size):
            idx = order[i:i + batch_size]
            xb = ember.from_numpy(x_train[idx])
            onehot = ember.from_numpy(eye[y_train[idx]])
            loss = cross_entropy(forward(params, xb), onehot)
            loss.backward()
            with ember.no_grad():
                for p in flat:
                    p -= lr * p.grad          # in place: p stays the same leaf tensor
                    p.grad.zero_()
            total += loss.item() * len(idx)
            count += len(idx)
        losses.append(total / count)
        print(f'epoch {epoch:2d}  loss {losses[-1]:.4f}')
    elapsed = time.perf_counter() - t0
    acc = accuracy(params, xt, yt)
    print(f'first epoch loss {losses[0]:.4f} -> final loss {losses[-1]:.4f}')
    print(f'test accuracy {acc * 100:.1f}%  ({elapsed:.2f} s of training)')
    return losses, acc


def main():
    worked_example()
    train()


if __name__ == '__main__':
    main()
