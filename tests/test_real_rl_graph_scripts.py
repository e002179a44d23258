"""Realistic seeded PyTorch scripts about reinforcement learning, graph neural networks, tabular
data and probabilistic code (tests/scripts/real_rl_graph/): each runs under real PyTorch
(``python script.py``) and under ember (``python -m ember run script.py``), from a temporary
current directory, and the two outputs must be the same line by line (see
tests/test_real_nlp_scripts.py for the comparison)."""
import os

import pytest

from test_real_nlp_scripts import ROOT, compare_outputs, python

SCRIPTS = os.path.join(ROOT, 'tests', 'scripts', 'real_rl_graph')
NAMES = sorted(f for f in os.listdir(SCRIPTS) if f.endswith('.py'))


@pytest.mark.parametrize('name', NAMES)
def test_script_prints_what_pytorch_prints(name, tmp_path, monkeypatch):
    pytest.importorskip('torch')
    # (one thread: these scripts run many tiny ops, which torch's thread pool only slows down)
    monkeypatch.setenv('OMP_NUM_THREADS', '1')
    if name == 'tabular_pandas.py':
        pytest.importorskip('pandas')
    script = os.path.join(SCRIPTS, name)
    on_torch = python(script, cwd=tmp_path)
    assert on_torch.returncode == 0, on_torch.stderr
    on_ember = python('-m', 'ember', 'run', script, cwd=tmp_path)
    assert on_ember.returncode == 0, on_ember.stderr[-4000:]
    bad = compare_outputs(on_torch.stdout, on_ember.stdout)
    assert not bad, f'{name}: {len(bad)} lines differ\n' + '\n'.join(bad[:20])
