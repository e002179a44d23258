"""Modern PyTorch programs (tests/scripts/real_modern/): a Llama-style block (nn.RMSNorm, SwiGLU,
rotary embeddings, causal scaled_dot_product_attention with GQA and sdpa_kernel, KV-cache
generation with top-k / top-p sampling), a toy DDPM, SimCLR / CLIP contrastive losses and triplet
mining, knowledge distillation with KLDivLoss and inference_mode, LoRA adapters with
load_state_dict(strict=False), time-series forecasting with Tensor.unfold and seeded DataLoaders,
a VAE with torch.distributions, training utilities (early stopping, ReduceLROnPlateau, OneCycleLR,
float16 autocast, checkpoints in io.BytesIO, RNG state round trips) and mixture-of-experts
routing: each runs under real PyTorch (``python script.py``) and under ``python -m ember run
script.py``, from a temporary current directory, and the two outputs must agree line by line (the
comparison of tests/real_scripts.py)."""
import pytest

from real_scripts import check_script, script_names

NAMES = script_names('real_modern')


@pytest.mark.parametrize('name', NAMES)
def test_modern_script_prints_what_pytorch_prints(name, tmp_path):
    check_script('real_modern', name, tmp_path)
