"""Computer-vision code as repositories write it, beyond tests/scripts/real_vision (tests/scripts/real_vision_b/:
box utilities and batched NMS, a tiny YOLO head with target assignment / focal / CIoU losses, FPN with
F.interpolate and RoIAlign via affine_grid + grid_sample, segmentation metrics, super-resolution with
PixelShuffle and gram matrices, tensor-op augmentation, F.unfold / F.fold patches, convolution / pooling
output shapes, SE / CBAM attention and normalisation layers, channels_last training): each runs under
real PyTorch (``python script.py``) and under ``python -m ember run script.py``, from a temporary current
directory, and the two outputs must agree line by line (the comparison of tests/real_scripts.py)."""
import pytest

from real_scripts import check_script, script_names

NAMES = script_names('real_vision_b')


@pytest.mark.parametrize('name', NAMES)
def test_vision_b_script_prints_what_pytorch_prints(name, tmp_path):
    check_script('real_vision_b', name, tmp_path)
