"""Training-engineering code of real projects
(tests/scripts/real_engineering/: a hand-written Lightning-like Trainer, DataLoader samplers and
collation, optimizer and scheduler internals, model surgery, RNG reproducibility, save/load): each runs under real PyTorch
(``python script.py``) and under ``python -m ember run script.py``, from a temporary current
directory, and the two outputs must agree line by line (the comparison of tests/real_scripts.py)."""
import pytest

from real_scripts import check_script, script_names

NAMES = script_names('real_engineering')


@pytest.mark.parametrize('name', NAMES)
def test_engineering_script_prints_what_pytorch_prints(name, tmp_path):
    check_script('real_engineering', name, tmp_path)
