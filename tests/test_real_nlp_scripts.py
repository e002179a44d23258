"""Realistic seeded PyTorch scripts about sequence models, NLP and general tensor programming
(tests/scripts/real_nlp/): each runs under real PyTorch (``python script.py``) and under ember
(``python -m ember run script.py``), from a temporary current directory, and the two outputs
must be the same line by line: identical, or differing only in numbers that agree within a
relative tolerance (float32 rounding in long computations)."""
import pytest

from real_scripts import check_script, script_names, same_line

NAMES = script_names('real_nlp')


def test_compare_helper():
    assert same_line('loss 2.3456', 'loss 2.3457')          # last digit
    assert same_line('tensor([1.0000e-05, 2.0000e+00])', 'tensor([1.0000e-05, 2.0000e+00])')
    assert not same_line('loss 2.3456', 'loss 2.3556')
    assert not same_line('tensor([1, 2])', 'tensor([1., 2.])')
    assert not same_line('torch.float32', 'torch.float64')


@pytest.mark.parametrize('name', NAMES)
def test_script_prints_what_pytorch_prints(name, tmp_path):
    check_script('real_nlp', name, tmp_path)
