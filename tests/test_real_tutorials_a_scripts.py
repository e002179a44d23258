"""PyTorch's official beginner/intermediate tutorials re-created with small synthetic data
(tests/scripts/real_tutorials_a/: Tensors, Autograd, Learning PyTorch with Examples, Datasets &
DataLoaders / Transforms, Build the Neural Network, Optimization loop / Quickstart, Save and Load,
What is torch.nn really?, FGSM adversarial examples, Spatial Transformer Networks, Neural Style
Transfer): each runs under real PyTorch (``python script.py``) and under ``python -m ember run
script.py``, from a temporary current directory, and the two outputs must agree line by line (the
comparison of tests/real_scripts.py)."""
import pytest

from real_scripts import check_script, script_names

NAMES = script_names('real_tutorials_a')


@pytest.mark.parametrize('name', NAMES)
def test_tutorial_script_prints_what_pytorch_prints(name, tmp_path):
    check_script('real_tutorials_a', name, tmp_path)
