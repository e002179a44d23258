"""Realistic seeded scientific / autograd-heavy PyTorch scripts (tests/scripts/real_science/):
physics-informed networks, neural ODEs, MAML, Hessians, linear algebra, Gaussian processes, curve
fitting, Monte Carlo and differentiable simulation, numerics and signal processing. Each runs under
real PyTorch (``python script.py``) and under ``python -m ember run script.py`` from a temporary
current directory; the outputs must agree line by line (compare_outputs of test_real_nlp_scripts)."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_real_nlp_scripts import ROOT, compare_outputs, python  # noqa: E402

SCRIPTS = os.path.join(ROOT, 'tests', 'scripts', 'real_science')
NAMES = sorted(f for f in os.listdir(SCRIPTS) if f.endswith('.py'))


@pytest.mark.parametrize('name', NAMES)
def test_script_prints_what_pytorch_prints(name, tmp_path):
    pytest.importorskip('torch')
    script = os.path.join(SCRIPTS, name)
    on_torch = python(script, cwd=tmp_path)
    assert on_torch.returncode == 0, on_torch.stderr
    on_ember = python('-m', 'ember', 'run', script, cwd=tmp_path)
    assert on_ember.returncode == 0, on_ember.stderr[-4000:]
    bad = compare_outputs(on_torch.stdout, on_ember.stdout)
    assert not bad, f'{name}: {len(bad)} lines differ\n' + '\n'.join(bad[:20])
