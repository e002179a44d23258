"""Recurrent / sequence-model code as repositories and tutorials write it (tests/scripts/real_sequence/:
seq2seq with Bahdanau and Luong attention and teacher forcing, the nn.utils.rnn packing API,
bidirectional multi-layer taggers with inter-layer dropout and proj_size, a batched BiLSTM-CRF,
char-RNN with truncated BPTT and temperature sampling, hand-written cells and LSTM / GRU checked
against nn.LSTM / nn.GRU, a weight-normed TCN, a sliding-window forecaster, masked sequence losses,
RNN module internals and errors, AWD-LSTM regularization with ASGD and adaptive softmax, and
parallel-scan recurrences): each runs under real PyTorch (``python script.py``) and under
``python -m ember run script.py``, from a temporary current directory, and the two outputs must
agree line by line (the comparison of tests/real_scripts.py)."""
import pytest

from real_scripts import check_script, script_names

NAMES = script_names('real_sequence')


@pytest.mark.parametrize('name', NAMES)
def test_sequence_script_prints_what_pytorch_prints(name, tmp_path):
    check_script('real_sequence', name, tmp_path)
