"""torch.fx as programs use it (tests/scripts/real_fx/: the FX tutorial's conv-bn fusion, a feature
extractor returning intermediate outputs, a FLOP-counting Interpreter, relu->gelu rewriting with a
Transformer / manual graph surgery / replace_pattern / wrap / concrete_args, and a ShapeProp report
with a hand-built Graph): each runs under real PyTorch (``python script.py``) and under
``python -m ember run script.py``, and the two outputs must agree line by line (the printed
graphs and generated code exactly; see tests/real_scripts.py)."""
import pytest

from real_scripts import check_script, script_names

NAMES = script_names('real_fx')


@pytest.mark.parametrize('name', NAMES)
def test_fx_script_prints_what_pytorch_prints(name, tmp_path):
    check_script('real_fx', name, tmp_path)
