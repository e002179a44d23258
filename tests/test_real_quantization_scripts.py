"""Quantization code as tutorials and repositories write it (tests/scripts/real_quantization/:
quantized tensors by hand and with quantize_per_tensor / per_channel, dynamic quantization of a tiny
BERT-style classifier and of the LSTM word language model of PyTorch's tutorial, quantization-aware
training with fake quantization and observers, calibrating observers, a dynamically quantized MLP's
state_dict save / load round trip): each runs under real PyTorch
(``python script.py``) and under ``python -m ember run script.py``, from a temporary current
directory, and the two outputs must agree line by line (the comparison of tests/real_scripts.py)."""
import pytest

from real_scripts import check_script, script_names

NAMES = script_names('real_quantization')


@pytest.mark.parametrize('name', NAMES)
def test_quantization_script_prints_what_pytorch_prints(name, tmp_path):
    check_script('real_quantization', name, tmp_path)
