"""Research-code idioms (tests/scripts/real_idioms/): custom autograd.Functions (save_for_backward,
needs_input_grad, mark_non_differentiable, set_materialize_grads, mark_dirty, once_differentiable,
setup_context), module hooks and Grad-CAM, weight EMA with _foreach ops, gradient accumulation and
clipping, WGAN-GP, hand-written losses, mixup/CutMix with Beta draws, init schemes and summaries,
samplers and collate functions, parameter groups and scheduler chains: each runs under real
PyTorch (``python script.py``) and under ``python -m ember run script.py``, from a temporary
current directory, and the two outputs must agree line by line (the comparison of
tests/real_scripts.py)."""
import pytest

from real_scripts import check_script, script_names

NAMES = script_names('real_idioms')


@pytest.mark.parametrize('name', NAMES)
def test_idioms_script_prints_what_pytorch_prints(name, tmp_path):
    check_script('real_idioms', name, tmp_path)
