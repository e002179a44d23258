"""``python -m ember demo`` (``make demo``; ``python -m ember.demo`` too): the seed's training
pattern, start to finish, on a small real dataset.

The seed trains a ``CustomClassifier`` (Linear -> ReLU -> Linear -> ReLU -> Linear) on a CSV read
with pandas into a ``Dataset``, batched by a ``DataLoader``, with ``CrossEntropyLoss`` and
``SGD`` in a train loop and a ``no_grad`` test loop. This does exactly that on the Iris data
(``ember/data/iris.csv``, 150 flowers, 4 measurements in cm, 3 species; UCI, CC BY 4.0, see
``ember/data/iris.LICENSE.txt``): 120 rows train, 30 (10 per species) test, the features
standardised with the training rows' mean and std. The model is the seed's with 4 inputs and
3 outputs (4 -> 64 -> 128 -> 3).

It prints the model summary (``ember.summary``), a progress bar per epoch (tqdm when installed,
a plain one otherwise), train and test loss and accuracy each epoch, and the final test accuracy;
with matplotlib installed it saves the loss curves as a PNG. pandas is optional: without it the
CSV is read with the ``csv`` module. Written as PyTorch code (``import ember as torch``): with
``import torch`` instead it runs on PyTorch unchanged.

Example:
    $ python -m ember demo --epochs 30 --batch-size 16 --lr 0.05 --device cpu
"""
import argparse
import csv
import os
import sys
import time

import numpy as np

import ember as torch
from ember import nn
from ember.nn import functional as F
from ember.utils.data import DataLoader, Dataset

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'data', 'iris.csv')
FEATURES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width']
SPECIES = ['Iris-setosa', 'Iris-versicolor', 'Iris-virginica']


# ---------------------------------------------------------------------------- data
def read_iris(path=DATA):
    """The CSV as (features float32 (150, 4), labels int64 (150,)); pandas when installed, as the
    seed reads its CSV, else the csv module."""
    try:
        import pandas as pd
    except ImportError:
        with open(path, newline='') as f:
            rows = list(csv.DictReader(f))
        x = np.array([[float(r[k]) for k in FEATURES] for r in rows], dtype=np.float32)
        y = np.array([SPECIES.index(r['species']) for r in rows], dtype=np.int64)
        return x, y
    frame = pd.read_csv(path)
    return frame[FEATURES].to_numpy(np.float32), frame['species'].map(SPECIES.index).to_numpy(np.int64)


def split(x, y, test_per_class=10, seed=4):
    """A fixed stratified split: ``test_per_class`` random rows of each class for testing. (With
    30 test rows one flower is 3.3%; seed 4 is the split the README's figures come from.)"""
    rng = np.random.default_rng(seed)
    test = np.concatenate([rng.permutation(np.flatnonzero(y == c))[:test_per_class] for c in np.unique(y)])
    train = np.setdiff1d(np.arange(len(y)), test)
    return (x[train], y[train]), (x[test], y[test])


class IrisDataset(Dataset):
    """The seed's CustomDataset: ``__getitem__`` gives (features (4,) float32, label int64 scalar).

    Example:
        >>> ds = IrisDataset(x, y, mean, std); features, label = ds[0]
    """

    def __init__(self, x, y, mean, std):
        self.x = (x - mean) / std          # standardised with the training rows' statistics
        self.y = y

    def __len__(self):
        return len(self.y)

    def __getitem__(self, index):
        return torch.tensor(self.x[index], dtype=torch.float32), torch.tensor(self.y[index])


# ---------------------------------------------------------------------------- model
class CustomClassifier(nn.Module):
    """The seed's model: fc1 -> ReLU -> fc2 -> ReLU -> fc3; (N, input_size) -> (N, output_size) scores.

    Example:
        >>> CustomClassifier()(torch.randn(8, 4)).shape        # torch.Size([8, 3])
    """

    def __init__(self, input_size=4, output_size=3, hidden_dim1=64, hidden_dim2=128):
        super().__init__()
        self.fc1 = nn.Linear(input_size, hidden_dim1)
        self.fc2 = nn.Linear(hidden_dim1, hidden_dim2)
        self.fc3 = nn.Linear(hidden_dim2, output_size)

    def forward(self, x):
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


# ---------------------------------------------------------------------------- loops
def train_loop(loader, model, loss_fn, optimizer, device, bar):
    """One epoch of training; returns (mean loss, accuracy) over the epoch's batches."""
    model.train()
    total, correct, seen = 0.0, 0, 0
    for inputs, labels in bar(loader):
        inputs, labels = inputs.to(device), labels.to(device)
        optimizer.zero_grad()
        outputs = model(inputs)
        loss = loss_fn(outputs, labels)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(labels)
        correct += (outputs.argmax(1) == labels).sum().item()
        seen += len(labels)
    return total / seen, correct / seen


def test_loop(loader, model, loss_fn, device):
    """Loss and accuracy on ``loader`` in eval mode under ``no_grad``; returns (loss, accuracy, correct)."""
    model.eval()
    total, correct, seen = 0.0, 0, 0
    with torch.no_grad():
        for inputs, labels in loader:
            inputs, labels = inputs.to(device), labels.to(device)
            outputs = model(inputs)
            total += loss_fn(outputs, labels).item() * len(labels)
            correct += (outputs.argmax(1) == labels).sum().item()
            seen += len(labels)
    return total / seen, correct / seen, correct


# ---------------------------------------------------------------------------- progress and plot
class PlainBar:
    """A progress bar for when tqdm is not installed: ``epoch  3/30 [########------] 5/8``, redrawn
    in place on a terminal and cleared at the end (the epoch's summary line follows). Not drawn
    when the stream is not a terminal, so that logs hold only the summaries."""

    def __init__(self, iterable, desc, width=24, stream=None):
        self.iterable, self.desc, self.width = iterable, desc, width
        self.stream = stream or sys.stderr
        self.live = getattr(self.stream, 'isatty', lambda: False)()

    def _draw(self, done, total):
        filled = self.width * done // max(total, 1)
        self.stream.write(f'\r{self.desc} [{"#" * filled}{"-" * (self.width - filled)}] {done}/{total}')
        self.stream.flush()

    def __iter__(self):
        total = len(self.iterable)
        for done, item in enumerate(self.iterable, 1):
            yield item
            if self.live:
                self._draw(done, total)
        if self.live:
            self.stream.write('\r' + ' ' * (len(self.desc) + self.width + 16) + '\r')


def progress_bar(desc):
    """A function wrapping an iterable in a progress bar titled ``desc``: tqdm's if installed."""
    try:
        from tqdm import tqdm
    except ImportError:
        return lambda it: PlainBar(it, desc)
    return lambda it: tqdm(it, desc=desc, leave=False)


def save_plot(history, path):
    """Train and test loss per epoch as a PNG; returns False when matplotlib is not installed."""
    try:
        import matplotlib
        matplotlib.use('Agg')
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    epochs = range(1, len(history) + 1)
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(epochs, [h[0] for h in history], label='train loss')
    ax.plot(epochs, [h[2] for h in history], label='test loss')
    ax.set_xlabel('epoch')
    ax.set_ylabel('cross-entropy loss')
    ax.set_title('ember demo: CustomClassifier on Iris')
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return True


# ---------------------------------------------------------------------------- main
def parse_args(argv=None):
    p = argparse.ArgumentParser(prog='python -m ember demo',
                                description="Train the seed's CustomClassifier on the Iris data (UCI, CC BY 4.0).")
    p.add_argument('--epochs', type=int, default=30, help='passes over the training rows (default 30)')
    p.add_argument('--batch-size', type=int, default=16, help='rows per batch (default 16)')
    p.add_argument('--lr', type=float, default=0.05, help='SGD learning rate (default 0.05)')
    p.add_argument('--device', default=None, help="'cpu' or 'cuda' (default: cuda when available, else cpu)")
    p.add_argument('--seed', type=int, default=0, help='seed for the weights and the shuffling (default 0)')
    p.add_argument('--plot', default='ember-demo-loss.png', metavar='PATH',
                   help="where to save the loss curves (needs matplotlib; default ember-demo-loss.png; '' for none)")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    device = args.device or ('cuda' if torch.cuda.is_available() else 'cpu')
    torch.manual_seed(args.seed)

    (x_train, y_train), (x_test, y_test) = split(*read_iris())
    mean, std = x_train.mean(axis=0), x_train.std(axis=0)
    train_loader = DataLoader(IrisDataset(x_train, y_train, mean, std), batch_size=args.batch_size, shuffle=True)
    test_loader = DataLoader(IrisDataset(x_test, y_test, mean, std), batch_size=args.batch_size)
    print(f'data: Iris (UCI, CC BY 4.0), {len(y_train)} training and {len(y_test)} test rows, '
          f'{len(FEATURES)} features, {len(SPECIES)} species')

    model = CustomClassifier().to(device)
    torch.summary(model, input_size=(len(FEATURES),))
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr)
    print(f'CrossEntropyLoss, SGD lr={args.lr}, batch size {args.batch_size}, {args.epochs} epochs on {device}')

    history, t0 = [], time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        bar = progress_bar(f'epoch {epoch:3d}/{args.epochs}')
        train_loss, train_acc = train_loop(train_loader, model, loss_fn, optimizer, device, bar)
        test_loss, test_acc, correct = test_loop(test_loader, model, loss_fn, device)
        history.append((train_loss, train_acc, test_loss, test_acc))
        print(f'epoch {epoch:3d}/{args.epochs}  train loss {train_loss:.4f} acc {100 * train_acc:5.1f}%  |  '
              f'test loss {test_loss:.4f} acc {100 * test_acc:5.1f}%', flush=True)
    print(f'final test accuracy: {100 * history[-1][3]:.1f}% ({correct}/{len(y_test)}) '
          f'after {args.epochs} epochs, {time.perf_counter() - t0:.1f} s')
    if args.plot:
        if save_plot(history, args.plot):
            print(f'loss curves saved to {args.plot}')
        else:
            print('loss curves not saved: matplotlib is not installed (pip install matplotlib)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
