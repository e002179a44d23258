"""PyTorch's official NLP/sequence tutorials re-created with small made-up data
(tests/scripts/real_tutorials_nlp/: classifying and generating names with a character-level RNN,
seq2seq translation with attention, the LSTM part-of-speech tagger, the Bi-LSTM CRF, N-gram and
CBOW word embeddings, language modeling and translation with nn.Transformer, packed sequences,
the chatbot tutorial with beam search, Deep Learning for NLP's introduction): each runs under real
PyTorch (``python script.py``) and under ``python -m ember run script.py``, from a temporary
current directory, and the two outputs must agree line by line (the comparison of
tests/real_scripts.py)."""
import pytest

from real_scripts import check_script, script_names

NAMES = script_names('real_tutorials_nlp')


@pytest.mark.parametrize('name', NAMES)
def test_tutorials_nlp_script_prints_what_pytorch_prints(name, tmp_path):
    check_script('real_tutorials_nlp', name, tmp_path)
