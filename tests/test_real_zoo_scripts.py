"""Model-zoo architectures written the way their reference repositories write them
(tests/scripts/real_zoo/: torchvision ResNet/VGG/MobileNetV2/EfficientNet/DenseNet, timm ViT and
MLP-Mixer, HuggingFace BERT and GPT-2, Swin window attention): each runs under real PyTorch
(``python script.py``) and under ``python -m ember run script.py``, from a temporary current
directory, and the two outputs must agree line by line (the comparison of test_real_nlp_scripts)."""
import os

import pytest

from test_real_nlp_scripts import ROOT, compare_outputs, python

SCRIPTS = os.path.join(ROOT, 'tests', 'scripts', 'real_zoo')
NAMES = sorted(f for f in os.listdir(SCRIPTS) if f.endswith('.py'))


@pytest.mark.parametrize('name', NAMES)
def test_zoo_script_prints_what_pytorch_prints(name, tmp_path):
    pytest.importorskip('torch')
    script = os.path.join(SCRIPTS, name)
    on_torch = python(script, cwd=tmp_path)
    assert on_torch.returncode == 0, on_torch.stderr
    on_ember = python('-m', 'ember', 'run', script, cwd=tmp_path)
    assert on_ember.returncode == 0, on_ember.stderr[-4000:]
    bad = compare_outputs(on_torch.stdout, on_ember.stdout)
    assert not bad, f'{name}: {len(bad)} lines differ\n' + '\n'.join(bad[:20])
