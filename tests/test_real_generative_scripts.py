"""Generative and sequence models written the way GitHub repositories write them
(tests/scripts/real_generative/: PixelCNN masked convolutions, WaveNet, RealNVP, VQ-VAE with EMA codebook,
nanoGPT sampling and nn.Transformer greedy decoding, GRU seq2seq with packing and beam search,
conditional GAN with spectral norm, score matching with Langevin sampling, ...): each runs under real
PyTorch (``python script.py``) and under ``python -m ember run script.py``, from a temporary current
directory, and the two outputs must agree line by line (the comparison of tests/real_scripts.py)."""
import pytest

from real_scripts import check_script, script_names

NAMES = script_names('real_generative')


@pytest.mark.parametrize('name', NAMES)
def test_generative_script_prints_what_pytorch_prints(name, tmp_path):
    check_script('real_generative', name, tmp_path)
