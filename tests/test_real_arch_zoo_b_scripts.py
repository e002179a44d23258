"""CNN / point-cloud / misc architectures as model-zoo repositories write them (tests/scripts/
real_arch_zoo_b/: U-Net with ConvTranspose2d / padding / center crop, GoogLeNet Inception blocks with aux
heads, SqueezeNet fire modules, ShuffleNetV2 channel shuffle, ResNeXt grouped convs with SE blocks,
ConvNeXt with LayerNorm over channels-last and stochastic depth, PointNet with T-Nets, a capsule network
with dynamic routing, HRNet-style multi-branch fusion, a DETR-like box head with generalized IoU):
parameter counts, forward shapes, a few optimizer steps, eval / no_grad outputs and state_dict round
trips through io.BytesIO. Each runs under real PyTorch (``python script.py``) and under ``python -m ember
run script.py``, from a temporary current directory, and the two outputs must agree line by line (the
comparison of tests/real_scripts.py)."""
import pytest

from real_scripts import check_script, script_names

NAMES = script_names('real_arch_zoo_b')


@pytest.mark.parametrize('name', NAMES)
def test_arch_zoo_b_script_prints_what_pytorch_prints(name, tmp_path):
    check_script('real_arch_zoo_b', name, tmp_path)
