"""Realistic seeded scientific / autograd-heavy PyTorch scripts (tests/scripts/real_science/):
physics-informed networks, neural ODEs, MAML, Hessians, linear algebra, Gaussian processes, curve
fitting, Monte Carlo and differentiable simulation, numerics and signal processing. Each runs under
real PyTorch (``python script.py``) and under ``python -m ember run script.py`` from a temporary
current directory; the outputs must agree line by line (compare_outputs of tests/real_scripts.py)."""
import pytest

from real_scripts import check_script, script_names

NAMES = script_names('real_science')


@pytest.mark.parametrize('name', NAMES)
def test_script_prints_what_pytorch_prints(name, tmp_path):
    check_script('real_science', name, tmp_path)
