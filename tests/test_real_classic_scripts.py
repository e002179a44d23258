"""Classic PyTorch programs (tests/scripts/real_classic/): LBFGS with closures and the less common
optimizers (Rprop, ASGD, Adadelta, Adamax, NAdam, RAdam) with state_dict round trips,
torch.nn.utils.parametrize / parametrizations (weight_norm, spectral_norm, orthogonal, custom),
an EmbeddingBag + BPR recommender, hand-written detection utilities (IoU, NMS, anchors, box coding,
focal loss), an encoder-decoder segmentation net (ConvTranspose2d, interpolate, Dice + CE, mIoU),
classic ML with torch.linalg (lstsq, normal equations, PCA, k-NN, k-means), data-loading plumbing
(samplers, collate functions, ConcatDataset, random_split), autograd numerics
(autograd.functional, torch.func, higher-order grads), nn.Module APIs and RNN details: each runs
under real PyTorch (``python script.py``) and under ``python -m ember run script.py``, from a
temporary current directory, and the two outputs must agree line by line (the comparison of
tests/real_scripts.py)."""
import pytest

from real_scripts import check_script, script_names

NAMES = script_names('real_classic')


@pytest.mark.parametrize('name', NAMES)
def test_classic_script_prints_what_pytorch_prints(name, tmp_path):
    check_script('real_classic', name, tmp_path)
