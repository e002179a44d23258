"""Official PyTorch tutorials and recipes written as their pages write them
(tests/scripts/real_tutorials_b/: per-sample gradients, model ensembling, Jacobians/Hessians and
neural tangent kernels with torch.func; the parametrizations and pruning tutorials; the state_dict,
checkpoint, warmstarting and zeroing-gradients recipes; the 'Introduction to PyTorch' tensors and
autograd pieces): each runs under real PyTorch (``python script.py``) and under
``python -m ember run script.py``, from a temporary current directory, and the two outputs must
agree line by line (the comparison of tests/real_scripts.py)."""
import pytest

from real_scripts import check_script, script_names

NAMES = script_names('real_tutorials_b')


@pytest.mark.parametrize('name', NAMES)
def test_tutorials_b_script_prints_what_pytorch_prints(name, tmp_path):
    check_script('real_tutorials_b', name, tmp_path)
