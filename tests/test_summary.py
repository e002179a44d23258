"""``ember.summary(model, input_size)`` (S23): the torchsummary-style table the seed prints for its
CustomClassifier, with the expected numbers computed by hand (not by ember), and the model left
exactly as it was found (mode, hooks, buffers, gradients, RNG)."""
import re

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F


class CustomClassifier(nn.Module):
    """The seed's model: 3 -> 64 -> relu -> 128 -> relu -> 10, relu via F.relu."""

    def __init__(self):
        super(CustomClassifier, self).__init__()
        self.input_size = 3
        self.output_size = 10
        self.hidden_dim1 = 64
        self.hidden_dim2 = 128
        self.fc1 = nn.Linear(self.input_size, self.hidden_dim1)
        self.fc2 = nn.Linear(self.hidden_dim1, self.hidden_dim2)
        self.fc3 = nn.Linear(self.hidden_dim2, self.output_size)

    def forward(self, x):
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


P1, P2, P3 = 3 * 64 + 64, 64 * 128 + 128, 128 * 10 + 10      # 256, 8320, 1290
TOTAL = P1 + P2 + P3                                           # 9866


def _rows(text):
    """(name, shape, params) of each table row, parsed from the printed text."""
    out = []
    for line in text.splitlines():
        m = re.match(r'^\s*(\S+-\d+)\s+(\[.*\])\s+([\d,]+)$', line)
        if m:
            out.append((m.group(1), m.group(2), int(m.group(3).replace(',', ''))))
    return out


def _value(text, label):
    m = re.search(re.escape(label) + r':\s*([\d.,]+)', text)
    assert m, f'{label!r} missing from the table'
    return float(m.group(1).replace(',', ''))


def test_seed_S23_summary_custom_classifier_table(capsys):
    model = CustomClassifier()
    batch_size, feature_num = 64, 3
    s = ember.summary(model, input_size=(batch_size, feature_num))
    printed = capsys.readouterr().out
    assert printed.strip() == str(s).strip()
    assert 'Layer (type)' in printed and 'Output Shape' in printed and 'Param #' in printed
    # torchsummary's convention: input_size is one sample; the batch shows as -1
    assert _rows(printed) == [('Linear-1', '[-1, 64, 64]', P1), ('Linear-2', '[-1, 64, 128]', P2),
                              ('Linear-3', '[-1, 64, 10]', P3)]
    assert _value(printed, 'Total params') == TOTAL == s.total_params
    assert _value(printed, 'Trainable params') == TOTAL == s.trainable_params
    assert _value(printed, 'Non-trainable params') == 0
    assert 'Total params: 9,866' in printed
    # memory (float32): input 64*3 floats; fwd/bwd 2 x the rows' outputs; params 9866 floats
    mb = 1024 ** 2
    assert _value(printed, 'Input size (MB)') == round(64 * 3 * 4 / mb, 2)
    fb = 2 * (64 * 64 + 64 * 128 + 64 * 10) * 4 / mb
    assert _value(printed, 'Forward/backward pass size (MB)') == round(fb, 2) == 0.10
    assert _value(printed, 'Params size (MB)') == round(TOTAL * 4 / mb, 2) == 0.04
    assert _value(printed, 'Estimated Total Size (MB)') == round(64 * 3 * 4 / mb + fb + TOTAL * 4 / mb, 2)
    # mult-adds: per sample, 64 positions x the weight elements
    assert s.mult_adds == 64 * (3 * 64 + 64 * 128 + 128 * 10)
    assert _value(printed, 'Total mult-adds (M)') == round(s.mult_adds / 1e6, 2)
    # layout: torchsummary's column widths
    assert '{:>20}  {:>25} {:>15}'.format('Linear-1', '[-1, 64, 64]', '256') in printed


def test_seed_S23_summary_sequential_variant_shows_relu_rows(capsys):
    model = nn.Sequential(nn.Linear(3, 64), nn.ReLU(), nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    s = ember.summary(model, input_size=(3,), verbose=0)
    assert capsys.readouterr().out == ''
    assert _rows(str(s)) == [('Linear-1', '[-1, 64]', P1), ('ReLU-2', '[-1, 64]', 0), ('Linear-3', '[-1, 128]', P2),
                             ('ReLU-4', '[-1, 128]', 0), ('Linear-5', '[-1, 10]', P3)]
    assert s.total_params == TOTAL


def test_seed_S23_summary_leaves_model_unchanged():
    class Counter(nn.Module):                    # a buffer the forward changes in training mode
        def __init__(self):
            super().__init__()
            self.register_buffer('calls', ember.zeros(()))
            self.drop = nn.Dropout(0.5)

        def forward(self, x):
            if self.training:
                self.calls.add_(1)
            return self.drop(x)

    model = CustomClassifier()
    model.extra = Counter()
    fwd = model.forward
    model.forward = lambda x: model.extra(fwd(x))
    model.fc2.eval()                             # a mixed mode must be kept exactly
    model.fc3.weight.requires_grad_(False)
    x = ember.randn(5, 3)
    model(x).sum().backward()                    # existing gradients must stay as they are
    grads = {n: (None if p.grad is None else p.grad.clone()) for n, p in model.named_parameters()}
    flags = {n: m.training for n, m in model.named_modules()}
    params = {n: p.detach().clone() for n, p in model.named_parameters()}
    calls_before = model.extra.calls.item()
    state = ember.get_rng_state()
    hooks_before = [(len(m._forward_hooks), len(m._forward_pre_hooks)) for m in model.modules()]

    s = ember.summary(model, input_size=(3,), verbose=0)

    assert s.total_params == TOTAL and s.trainable_params == TOTAL - 128 * 10
    assert s.non_trainable_params == 128 * 10
    assert [(m.training) for _, m in model.named_modules()] == list(flags.values())
    assert [(len(m._forward_hooks), len(m._forward_pre_hooks)) for m in model.modules()] == hooks_before
    for n, p in model.named_parameters():
        assert np.array_equal(p.detach().numpy(), params[n].numpy())
        if grads[n] is None:
            assert p.grad is None
        else:
            assert np.array_equal(p.grad.numpy(), grads[n].numpy()), n
    assert model.extra.calls.item() == calls_before          # buffer restored
    assert np.array_equal(ember.get_rng_state().numpy(), state.numpy())
    names = [r['name'] for r in s.rows]
    assert names == ['Linear-1', 'Linear-2', 'Linear-3', 'Counter-4', 'Dropout-5']


def test_summary_depth_and_nested_modules():
    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.net = nn.Sequential(nn.Linear(4, 8), nn.ReLU())
            self.out = nn.Linear(8, 2)

        def forward(self, x):
            return self.out(self.net(x))

    model = nn.Sequential(Block(), nn.Linear(2, 1))
    deep = ember.summary(model, input_size=(4,), verbose=0)
    assert [(r['name'], r['depth'], r['params']) for r in deep.rows] == [
        ('Block-1', 1, 0), ('Linear-2', 3, 4 * 8 + 8), ('ReLU-3', 3, 0), ('Linear-4', 2, 8 * 2 + 2),
        ('Linear-5', 1, 2 + 1)]
    shallow = ember.summary(model, input_size=(4,), depth=1, verbose=0)
    assert [(r['name'], r['output_shape'], r['params']) for r in shallow.rows] == [
        ('Block-1', [-1, 2], 40 + 18), ('Linear-2', [-1, 1], 3)]
    assert deep.total_params == shallow.total_params == 40 + 18 + 3


def test_summary_input_data_batch_size_and_errors():
    model = CustomClassifier()
    s = ember.summary(model, input_data=ember.randn(7, 3), verbose=0)
    assert [r['output_shape'] for r in s.rows] == [[7, 64], [7, 128], [7, 10]]
    assert s.mult_adds == 7 * (3 * 64 + 64 * 128 + 128 * 10)
    s2 = ember.summary(model, input_size=(3,), batch_size=16, verbose=0)
    assert s2.rows[0]['output_shape'] == [16, 64]
    assert s2.input_size_mb == 16 * 3 * 4 / 1024 ** 2
    with pytest.raises(ValueError):
        ember.summary(model, verbose=0)
    with pytest.raises(RuntimeError):                          # a wrong shape fails in the model...
        ember.summary(model, input_size=(5,), verbose=0)
    assert all(not m._forward_hooks and not m._forward_pre_hooks for m in model.modules())   # ...hooks gone
