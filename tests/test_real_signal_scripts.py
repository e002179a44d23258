"""Signal-processing programs on complex tensors and ember.fft (tests/scripts/real_signal/):
spectrograms with torch.stft / torch.istft, a hand-built mel filterbank and Griffin-Lim; window
functions (torch.*_window, torch.signal.windows), fftshift / fftfreq and FFT convolution against
F.conv1d; Llama rotary embeddings through torch.polar and view_as_complex; a complex-valued
network with dtype=torch.cfloat layers trained by SGD and Adam; FNO-style spectral convolutions and
spectral pooling; FIR filtering, torch.diff and trapezoid integration: each runs under real
PyTorch and under ``python -m ember run``, and the two outputs must agree line by line (the
comparison of tests/real_scripts.py)."""
import pytest

from real_scripts import check_script, script_names

DEVICE_AXIS = False

NAMES = script_names('real_signal')


@pytest.mark.parametrize('name', NAMES)
def test_signal_script_prints_what_pytorch_prints(name, tmp_path):
    check_script('real_signal', name, tmp_path)
