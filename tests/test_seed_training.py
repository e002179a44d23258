"""The seed's training section end to end (S28): a CSV-backed Dataset, DataLoader(batch_size=64,
shuffle=True), the seed's CustomClassifier, CrossEntropyLoss, SGD, ``model.train()`` for every
epoch and a ``model.eval()`` / ``no_grad`` test loop every 10th epoch. The loss must fall, and
(with shuffle=False and the same initial weights) ember's loss trajectory must match torch's."""
import numpy as np
import pytest

from conformance import torch
import ember

pd = pytest.importorskip('pandas')

N_TRAIN, N_TEST, NUM_EPOCHS = 256, 64, 21


def _write_csv(path, n, seed):
    """Three features; the label (10 classes) is a learnable function of them."""
    rng = np.random.default_rng(seed)
    f = rng.standard_normal((n, 3)).astype(np.float32)
    score = f[:, 0] + 2 * f[:, 1] - f[:, 2]
    label = np.digitize(score, np.quantile(score, np.linspace(0, 1, 11)[1:-1]))
    pd.DataFrame({'feature1': f[:, 0], 'feature2': f[:, 1], 'feature3': f[:, 2], 'label': label}).to_csv(path,
                                                                                                      index=False)


def _seed_program(lib, train_csv, test_csv, shuffle, init=None, lr=0.1):
    """The seed's code, written against ``lib`` as ``torch`` (only the paths and lr filled in).
    Returns (per-epoch train losses, [(epoch, test loss)], the model's initial state)."""
    torch_ = lib
    nn = lib.nn
    F = lib.nn.functional
    Dataset, DataLoader = lib.utils.data.Dataset, lib.utils.data.DataLoader

    class CustomDataset(Dataset):
        def __init__(self, path):
            self.sample = pd.read_csv(path)
            self.x = np.array(self.sample[['feature1', 'feature2', 'feature3']])
            self.y = np.array(self.sample[['label']])

        def __len__(self):
            return len(self.sample)

        def __getitem__(self, index):
            x = torch_.tensor(self.x[index].reshape(1, -1), dtype=torch_.float32)
            y = self.y[index]
            return x, y

    class CustomClassifier(nn.Module):
        def __init__(self):
            super(CustomClassifier, self).__init__()
            self.input_size = 3
            self.output_size = 10
            self.hidden_dim1 = 64
            self.hidden_dim2 = 128
            self.fc1 = nn.Linear(self.input_size, self.hidden_dim1)
            self.fc2 = nn.Linear(self.hidden_dim1, self.hidden_dim2)
            self.fc3 = nn.Linear(self.hidden_dim2, self.output_size)
            self.act = nn.ReLU()

        def forward(self, x):
            x = F.relu(self.fc1(x))
            x = self.act(self.fc2(x))
            output = self.fc3(x)
            return output

    train_dataloader = DataLoader(CustomDataset(train_csv), batch_size=64, shuffle=shuffle)
    test_dataloader = DataLoader(CustomDataset(test_csv), batch_size=64, shuffle=False)
    model = CustomClassifier()
    if init is not None:
        model.load_state_dict({k: torch_.tensor(v) for k, v in init.items()})
    initial = {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch_.optim.SGD(model.parameters(), lr=lr)

    train_losses, test_losses = [], []

    def train_loop():
        running_loss = 0.0
        model.train()
        for data in train_dataloader:
            inputs, labels = data
            # the seed's samples are (1, 3) features and (1,) labels: flatten for (N, C) / (N,)
            inputs, labels = inputs.view(-1, 3), labels.view(-1)
            optimizer.zero_grad()
            outputs = model(inputs)
            loss = loss_fn(outputs, labels)
            loss.backward()
            optimizer.step()
            running_loss += loss.item()
        return running_loss / len(train_dataloader)

    def test_loop():
        test_loss = 0.0
        model.eval()
        with torch_.no_grad():
            for data in test_dataloader:
                inputs, labels = data
                outputs = model(inputs.view(-1, 3))
                loss = loss_fn(outputs, labels.view(-1))
                assert not loss.requires_grad and loss.grad_fn is None
                test_loss += loss.item()
        return test_loss / len(test_dataloader)

    for epoch in range(NUM_EPOCHS):
        train_losses.append(train_loop())
        assert model.training
        if epoch % 10 == 0:
            test_losses.append((epoch, test_loop()))
            assert not model.training and not model.fc1.training
    return train_losses, test_losses, initial


@pytest.fixture(scope='module')
def csvs(tmp_path_factory):
    d = tmp_path_factory.mktemp('seed_data')
    _write_csv(d / 'train.csv', N_TRAIN, 0)
    _write_csv(d / 'test.csv', N_TEST, 1)
    return d / 'train.csv', d / 'test.csv'


def test_seed_S28_epoch_loop_loss_falls(csvs):
    ember.manual_seed(0)
    train_losses, test_losses, _ = _seed_program(ember, *csvs, shuffle=True)
    assert len(train_losses) == NUM_EPOCHS and [e for e, _ in test_losses] == [0, 10, 20]
    assert all(np.isfinite(train_losses)) and all(isinstance(x, float) for x in train_losses)
    assert train_losses[0] > 2.0                                  # ~ln(10) at the start
    assert train_losses[-1] < 0.7 * train_losses[0]
    assert np.mean(train_losses[-5:]) < np.mean(train_losses[:5])
    assert test_losses[-1][1] < 0.8 * test_losses[0][1]


def test_seed_S28_loss_trajectory_matches_torch(csvs):
    ember.manual_seed(1)
    e_train, e_test, init = _seed_program(ember, *csvs, shuffle=False)
    t_train, t_test, t_init = _seed_program(torch, *csvs, shuffle=False, init=init)
    for k in init:
        assert np.array_equal(init[k], t_init[k])
    np.testing.assert_allclose(e_train, t_train, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose([l for _, l in e_test], [l for _, l in t_test], rtol=1e-5, atol=1e-6)
    assert e_train[-1] < 0.7 * e_train[0]
