"""NLP / language-model code as repositories write it (tests/scripts/real_nlp_b/: word2vec skip-gram
with negative sampling, a BPE tokenizer with tensor counts, Kim's text CNN, BERT MLM masking, position
biases (T5 buckets, rotary, ALiBi, masks), nn.MultiheadAttention and TransformerDecoderLayer options,
perplexity / beam search, contrastive sentence embeddings with checkpointing): each runs under real
PyTorch (``python script.py``) and under ``python -m ember run script.py``, from a temporary current
directory, and the two outputs must agree line by line (the comparison of tests/real_scripts.py)."""
import pytest

from real_scripts import check_script, script_names

NAMES = script_names('real_nlp_b')


@pytest.mark.parametrize('name', NAMES)
def test_nlp_b_script_prints_what_pytorch_prints(name, tmp_path):
    check_script('real_nlp_b', name, tmp_path)
