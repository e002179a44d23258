"""Real-world style vision / data-pipeline / training-utility scripts (tests/scripts/real_vision/):
each runs under real PyTorch (plain ``python``) and under ``python -m ember run``, from a temporary
current directory, and the two outputs must agree line by line: the same text, or, where a line
differs only in its numbers, numbers equal within rtol 1e-4."""
import pytest

from real_scripts import check_script, script_names

NAMES = script_names('real_vision')


@pytest.mark.parametrize('name', NAMES)
def test_script_prints_what_pytorch_prints(name, tmp_path):
    check_script('real_vision', name, tmp_path)
