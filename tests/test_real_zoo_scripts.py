"""Model-zoo architectures written the way their reference repositories write them
(tests/scripts/real_zoo/: torchvision ResNet/VGG/MobileNetV2/EfficientNet/DenseNet, timm ViT and
MLP-Mixer, HuggingFace BERT and GPT-2, Swin window attention): each runs under real PyTorch
(``python script.py``) and under ``python -m ember run script.py``, from a temporary current
directory, and the two outputs must agree line by line (the comparison of tests/real_scripts.py)."""
import pytest

from real_scripts import check_script, script_names

NAMES = script_names('real_zoo')


@pytest.mark.parametrize('name', NAMES)
def test_zoo_script_prints_what_pytorch_prints(name, tmp_path):
    check_script('real_zoo', name, tmp_path)
