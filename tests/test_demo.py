"""``python -m ember demo`` (what ``make demo`` runs; ``python -m ember.demo`` too): the seed's
training pattern on the Iris data, with the final accuracy that the README states."""
import io
import os
import re
import subprocess
import sys

import numpy as np
import pytest

from ember import demo

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_demo(*args, module=('-m', 'ember', 'demo'), cwd=ROOT):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get('PYTHONPATH', ''))
    p = subprocess.run([sys.executable, *module, *args], cwd=cwd, env=env, capture_output=True, text=True,
                       timeout=300)
    assert p.returncode == 0, p.stderr
    return p.stdout


def epochs(out):
    """[(train loss, train acc, test loss, test acc)] from the per-epoch lines."""
    pattern = r'^epoch +\d+/\d+  train loss ([0-9.]+) acc +([0-9.]+)%  \|  test loss ([0-9.]+) acc +([0-9.]+)%$'
    return [tuple(map(float, m)) for m in re.findall(pattern, out, re.M)]


def test_demo_trains_to_the_accuracy_the_readme_states(tmp_path):
    out = run_demo('--device', 'cpu', '--plot', str(tmp_path / 'loss.png'))     # the README's figure is the CPU's
    assert 'data: Iris (UCI, CC BY 4.0), 120 training and 30 test rows, 4 features, 3 species' in out
    # the model summary first (S23)
    assert re.search(r'Linear-1 +\[-1, 64\] +320', out) and 'Total params: 9,027' in out
    history = epochs(out)
    assert len(history) == 30
    assert history[-1][0] < history[0][0] / 4 and history[-1][2] < history[0][2] / 4    # both losses fall
    final = re.search(r'^final test accuracy: ([0-9.]+%) \((\d+)/30\)', out, re.M)
    assert final and final.group(1) == f'{history[-1][3]:.1f}%'
    readme = open(os.path.join(ROOT, 'README.md')).read()
    assert f'final test accuracy: {final.group(1)} ({final.group(2)}/30)' in readme
    if (tmp_path / 'loss.png').exists():
        assert open(tmp_path / 'loss.png', 'rb').read(8) == b'\x89PNG\r\n\x1a\n'
        assert 'loss curves saved to' in out
    else:
        assert 'matplotlib is not installed' in out


def test_python_m_ember_demo_module_and_options():
    out = run_demo('--epochs', '2', '--batch-size', '40', '--lr', '0.1', '--device', 'cpu', '--plot', '',
                   module=('-m', 'ember.demo'))
    assert len(epochs(out)) == 2
    assert 'SGD lr=0.1, batch size 40, 2 epochs on cpu' in out
    assert 'loss curves' not in out


def test_demo_help_lists_the_options():
    out = run_demo('--help')
    for option in ('--epochs', '--batch-size', '--lr', '--device', '--plot'):
        assert option in out


def test_csv_read_without_pandas_matches_pandas(monkeypatch):
    pytest.importorskip('pandas')
    x, y = demo.read_iris()
    monkeypatch.setitem(sys.modules, 'pandas', None)      # `import pandas` now fails
    x2, y2 = demo.read_iris()
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(y, y2)
    assert x.shape == (150, 4) and x.dtype == np.float32 and np.bincount(y).tolist() == [50, 50, 50]


def test_the_dataset_ships_with_its_licence():
    folder = os.path.join(os.path.dirname(demo.__file__), 'data')
    licence = open(os.path.join(folder, 'iris.LICENSE.txt')).read()
    assert 'CC BY 4.0' in licence and 'https://doi.org/10.24432/C56C76' in licence
    assert open(demo.DATA).readline().strip() == 'sepal_length,sepal_width,petal_length,petal_width,species'


def test_split_is_stratified_and_disjoint():
    x, y = demo.read_iris()
    (xtr, ytr), (xte, yte) = demo.split(x, y)
    assert np.bincount(yte).tolist() == [10, 10, 10] and len(ytr) == 120


def test_plain_progress_bar_draws_on_a_terminal():
    class Terminal(io.StringIO):
        def isatty(self):
            return True
    stream = Terminal()
    assert list(demo.PlainBar(range(4), 'epoch 1/2', width=8, stream=stream)) == [0, 1, 2, 3]
    text = stream.getvalue()
    assert '\repoch 1/2 [##------] 1/4' in text and '\repoch 1/2 [########] 4/4' in text
    piped = io.StringIO()
    assert list(demo.PlainBar(range(4), 'epoch 1/2', stream=piped)) == [0, 1, 2, 3]
    assert piped.getvalue() == ''                            # logs get only the epoch summaries
