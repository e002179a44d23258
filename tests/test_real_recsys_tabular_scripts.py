"""Recommender-system and tabular deep-learning code as repositories write it
(tests/scripts/real_recsys_tabular/: a DLRM with nn.EmbeddingBag (offsets, per_sample_weights) and
the bmm pairwise interaction, sparse embedding gradients with SparseAdam / Adagrad, two-tower
retrieval with in-batch negatives, BPR / NeuMF with negative sampling, factorization machines,
Wide & Deep and DCN cross networks, FT-Transformer / TabTransformer tokenizers, feature hashing and
bucketing, feature normalisation, ranking metrics in tensors, weighted sampling and collate_fn
building offsets): each runs under real PyTorch (``python script.py``) and under
``python -m ember run script.py``, from a temporary current directory, and the two outputs must
agree line by line (the comparison of tests/real_scripts.py)."""
import pytest

from real_scripts import check_script, script_names

NAMES = script_names('real_recsys_tabular')


@pytest.mark.parametrize('name', NAMES)
def test_recsys_tabular_script_prints_what_pytorch_prints(name, tmp_path):
    check_script('real_recsys_tabular', name, tmp_path)
