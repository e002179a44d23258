"""Realistic seeded PyTorch scripts about reinforcement learning, graph neural networks, tabular
data and probabilistic code (tests/scripts/real_rl_graph/): each runs under real PyTorch
(``python script.py``) and under ember (``python -m ember run script.py``), from a temporary
current directory, and the two outputs must be the same line by line (see
tests/real_scripts.py.py for the comparison)."""
import pytest

from real_scripts import check_script, script_names

NAMES = script_names('real_rl_graph')


@pytest.mark.parametrize('name', NAMES)
def test_script_prints_what_pytorch_prints(name, tmp_path, monkeypatch):
    # (one thread: these scripts run many tiny ops, which torch's thread pool only slows down)
    monkeypatch.setenv('OMP_NUM_THREADS', '1')
    if name == 'tabular_pandas.py':
        pytest.importorskip('pandas')
    check_script('real_rl_graph', name, tmp_path)
