"""What the tests/scripts/real_signal corpus needed from ember, against PyTorch: the window
functions (torch.hann_window ... kaiser_window, ember/_ops/spectral.py), torch.stft / torch.istft
and their Tensor methods, torch.signal.windows (ember/signal/windows), the constants torch.pi /
e / inf / nan / newaxis, and torch.polar's correctly rounded float32 cos / sin."""
import math
import warnings

import pytest

from conformance import run_both

# complex results: the fake-CuPy test backend has no complex support
DEVICE_AXIS = False

WINDOWS = ['hann_window', 'hamming_window', 'blackman_window', 'bartlett_window', 'kaiser_window']
SIG = [0.3, -1.2, 2.5, 0.7, -0.4, 1.9, -2.2, 0.1, 1.1, -0.6, 0.9, 0.05, -1.7, 0.45, 2.2, -0.8,
       0.35, 1.3, -0.25, -1.05, 0.6, 0.15, -0.9, 1.6, -0.3, 0.8, -1.4, 0.2, 0.55, -0.1, 1.0, -2.0]


@pytest.mark.parametrize('name', WINDOWS)
@pytest.mark.parametrize('n', [0, 1, 2, 5, 8])
def test_window_functions(name, n):
    def body(lib):
        f = getattr(lib, name)
        return f(n), f(n, periodic=False), f(n, False, dtype=lib.float64), f(n, True, dtype=lib.float64)
    run_both(body)


def test_window_extra_arguments_and_requires_grad():
    def body(lib):
        return (lib.hamming_window(7, False, 0.5, 0.5), lib.hamming_window(6, True, alpha=0.6, beta=0.4),
                lib.kaiser_window(7, False, 5.0), lib.kaiser_window(6, True, beta=2.0, dtype=lib.float64),
                lib.hann_window(4, requires_grad=True).requires_grad, lib.hann_window(4, dtype=lib.float16))
    run_both(body, rtol=1e-3, atol=1e-3)


@pytest.mark.parametrize('name', WINDOWS)
def test_window_negative_length_raises(name):
    run_both(lambda lib: getattr(lib, name)(-1), match='requires non-negative window_length')


def test_window_integer_dtype_raises():
    run_both(lambda lib: lib.hann_window(4, dtype=lib.int64), match='floating point')


@pytest.mark.parametrize('center,mode,normalized', [(True, 'reflect', False), (True, 'constant', True),
                                                    (True, 'replicate', False), (False, 'reflect', True)])
def test_stft_options_and_backward(center, mode, normalized):
    def body(lib):
        x = lib.tensor([SIG, SIG[::-1]], requires_grad=True)
        w = lib.hann_window(8)
        s = lib.stft(x, 8, hop_length=2, window=w, center=center, pad_mode=mode, normalized=normalized,
                     return_complex=True)
        (s.abs() ** 2).sum().backward()
        return s, x.grad
    run_both(body, rtol=1e-5, atol=1e-5)


def test_stft_defaults_onesided_win_length_and_method():
    def body(lib):
        x = lib.tensor(SIG, dtype=lib.float64)
        a = lib.stft(x, 8, window=lib.hann_window(8, dtype=lib.float64), return_complex=True)
        b = x.stft(8, hop_length=3, win_length=6, window=lib.hamming_window(6, dtype=lib.float64),
                   return_complex=True)
        c = lib.stft(x, 8, 4, window=lib.hann_window(8, dtype=lib.float64), onesided=False, return_complex=True)
        z = lib.complex(x, x.flip(0))
        d = lib.stft(z, 8, 4, window=lib.hann_window(8, dtype=lib.float64), return_complex=True)
        e = lib.stft(x, 8, 4, window=lib.hann_window(8, dtype=lib.float64), return_complex=False)
        return a, b, c, d, e
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        run_both(body)


def test_stft_without_window_warns_and_uses_ones():
    def body(lib):
        with warnings.catch_warnings(record=True) as rec:
            warnings.simplefilter('always')
            s = lib.stft(lib.tensor(SIG), 8, 4, return_complex=True)
        return s, any('window was not provided' in str(r.message) for r in rec)
    run_both(body, rtol=1e-5)


def test_stft_real_input_requires_return_complex():
    run_both(lambda lib: lib.stft(lib.tensor(SIG), 8, window=lib.hann_window(8)), match='return_complex')


@pytest.mark.parametrize('center,normalized,length', [(True, False, None), (True, True, 30), (True, False, 40),
                                                      (False, False, None)])
def test_istft_round_trip_and_backward(center, normalized, length):
    def body(lib):
        x = lib.tensor([SIG, SIG[::-1]], dtype=lib.float64)
        w = lib.hann_window(8, dtype=lib.float64)
        s = lib.stft(x, 8, 2, window=w, center=center, normalized=normalized, return_complex=True)
        s = s.detach().requires_grad_(True)
        y = lib.istft(s, 8, 2, window=w, center=center, normalized=normalized, length=length)
        (y * lib.arange(y.shape[-1], dtype=lib.float64)).sum().backward()
        return y, s.grad
    run_both(body)


def test_istft_rectangular_window_twosided_and_method():
    def body(lib):
        x = lib.tensor(SIG, dtype=lib.float64)
        s = lib.stft(x, 8, 4, window=lib.ones(8, dtype=lib.float64), center=False, onesided=False,
                     return_complex=True)
        y = lib.istft(s, 8, 4, window=lib.ones(8, dtype=lib.float64), center=False, onesided=False)
        s1 = lib.stft(x, 8, 4, window=lib.hann_window(8, dtype=lib.float64), return_complex=True)
        return y, s1.istft(8, 4, window=lib.hann_window(8, dtype=lib.float64))
    run_both(body)


def test_istft_errors():
    def body(lib):
        x = lib.tensor(SIG)
        s = lib.stft(x, 8, 2, window=lib.hann_window(8), center=False, return_complex=True)
        return lib.istft(s, 8, 2, window=lib.hann_window(8), center=False)
    run_both(body, match='window overlap add min')
    run_both(lambda lib: lib.istft(lib.ones(5, 3), 8), match='complex')


@pytest.mark.parametrize('name,kw', [('hann', {}), ('hamming', {}), ('blackman', {}), ('bartlett', {}),
                                     ('cosine', {}), ('nuttall', {}), ('gaussian', {'std': 1.5}),
                                     ('kaiser', {'beta': 8.0}), ('exponential', {'tau': 2.0}),
                                     ('general_hamming', {'alpha': 0.6}), ('general_cosine', {'a': [0.5, 0.3, 0.2]})])
@pytest.mark.parametrize('n', [0, 1, 6, 7])
def test_signal_windows(name, kw, n):
    def body(lib):
        import importlib
        W = importlib.import_module(lib.__name__ + '.signal.windows')
        f = getattr(W, name)
        return f(n, **kw), f(n, sym=False, **kw), f(n, dtype=lib.float64, **kw)
    run_both(body)


def test_signal_windows_errors():
    def body(lib):
        import importlib
        W = importlib.import_module(lib.__name__ + '.signal.windows')
        return W.gaussian(4, std=-1.0)
    run_both(body, match='Standard deviation must be positive')

    def body2(lib):
        import importlib
        return importlib.import_module(lib.__name__ + '.signal.windows').hann(4, dtype=lib.int64)
    run_both(body2, match='expects float32 or float64')


def test_constants():
    def body(lib):
        return lib.pi, lib.e, lib.inf, math.isnan(lib.nan), lib.newaxis, lib.ones(3)[lib.newaxis].shape
    run_both(body)


def test_polar_float32_rounding():
    def body(lib):
        ang = lib.outer(lib.arange(6.), 1.0 / (10000 ** (lib.arange(0, 8, 2).float() / 8)))
        p = lib.polar(lib.ones_like(ang), ang)
        return p.real, p.imag, p.dtype
    run_both(body, rtol=0, atol=0)


def test_istft_warnings():
    def body(lib):
        x = lib.tensor(SIG, dtype=lib.float64)
        s = lib.stft(x, 8, 2, window=lib.ones(8, dtype=lib.float64), return_complex=True)
        with warnings.catch_warnings(record=True) as rec:   # the first time (maybe in an earlier test)
            warnings.simplefilter('always')
            lib.istft(s, 8, 2, length=40)
        with warnings.catch_warnings(record=True) as rec:   # torch warns once per process
            warnings.simplefilter('always')
            y = lib.istft(s, 8, 2, length=40)
        msgs = [str(r.message) for r in rec]
        return y, any('window was not provided' in m for m in msgs), any('padded with zeros' in m for m in msgs)
    run_both(body)
