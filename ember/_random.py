"""Random number generators: ``ember.Generator``, ``manual_seed`` and the default generator.

On the CPU ember draws PyTorch's numbers: its Mersenne Twister and its transforms
(ember/_mt19937.py), so ``ember.manual_seed(s)`` followed by the same sampling calls gives what
``torch.manual_seed(s)`` gives. On a GPU the numbers come from CuPy's generator (cuRAND, as
torch's do, but not the same stream).

Example:
    >>> g = ember.Generator().manual_seed(0); ember.rand(2, generator=g)
"""
import numpy as np

from ._mt19937 import TorchCPURandom


def D_uint8():
    from . import _dtype as D
    return D.uint8

__all__ = ['Generator', 'manual_seed', 'seed', 'initial_seed', 'get_rng_state', 'set_rng_state']

# the seed before any manual_seed: fixed, so that an unseeded program gives the same numbers every
# run (torch 2.13 seeds its default CPU generator from the OS's entropy at start-up instead;
# 67280421310721 is the constant its generators used to start from)
_DEFAULT_SEED = 67280421310721


class Generator:
    """A source of random numbers for one device: torch's Mersenne Twister on the CPU
    (ember/_mt19937.py), CuPy's generator (cuRAND) on a GPU, so that random tensors are drawn
    where they live."""

    def __init__(self, device='cpu'):
        from ._device import device as _d, as_device
        d = _d(device) if not isinstance(device, _d) else device
        self.device = as_device(d) if d.type == 'cuda' else d
        self._seed = _DEFAULT_SEED
        self._np = self._source(self._seed)

    def _source(self, seed):
        if self.device.type == 'cuda':
            return _DeviceRandom(seed, self.device.index)
        return TorchCPURandom(seed)

    def manual_seed(self, seed):
        seed = int(seed)
        if not (-0x8000000000000000 <= seed <= 0xffffffffffffffff):
            raise RuntimeError(f'Overflow when unpacking long')
        self._seed = seed & 0xffffffffffffffff
        self._np = self._source(self._seed)
        return self

    def seed(self):
        s = int(np.random.SeedSequence().entropy) & 0xffffffffffffffff
        self.manual_seed(s)
        return s

    def initial_seed(self):
        return self._seed

    def get_state(self):
        if self.device.type == 'cuda':
            # cuRAND's state cannot be read (nor its position be set): a stream that has drawn is
            # continued from a fresh seed derived from its own, and the state is that seed (with the
            # initial one), so that set_state restores it exactly and at once. (Asking for the state
            # thus moves the stream on to another sequence, deterministically.)
            from ._tensor import _wrap
            from . import _dtype as D
            if self._np.draws:
                self._np = self._source(_next_stream_seed(self._np.seed, self._np.draws))
            return _wrap(np.array([self._seed, self._np.seed], dtype=np.uint64).view(np.uint8), D.uint8)
        from ._tensor import _wrap
        from . import _dtype as D
        return _wrap(np.frombuffer(self._np.state_bytes(), dtype=np.uint8).copy(), D.uint8)

    def set_state(self, state):
        if self.device.type == 'cuda':
            seed, stream = state._host().view(np.uint64)
            self._seed = int(seed)
            self._np = self._source(int(stream))
            return self
        from ._tensor import Tensor
        if not isinstance(state, Tensor):
            raise TypeError(f'expected a torch.ByteTensor, but got {type(state).__name__}')
        if state.dtype is not D_uint8():
            raise TypeError(f'expected a torch.ByteTensor, but got {state.type()}')
        self._np.set_state_bytes(state._host().tobytes())
        self._seed = self._np.seed
        return self


def _next_stream_seed(seed, draws):
    """A new 64-bit seed from a stream's seed and draw count (SplitMix64's finaliser)."""
    z = (seed + 0x9E3779B97F4A7C15 * (draws + 1)) & 0xffffffffffffffff
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & 0xffffffffffffffff
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & 0xffffffffffffffff
    return z ^ (z >> 31)


class _DeviceRandom:
    """NumPy-Generator-like draws made on a CUDA device by CuPy's RandomState (cuRAND), so that
    ``randn(..., device='cuda')`` and dropout masks never pass through host memory."""

    def __init__(self, seed, index):
        from . import _backend
        cp = _backend.module_for(_cuda_device(index))
        self._cp = cp
        self._index = index or 0
        self.seed = seed & 0xffffffffffffffff
        with cp.cuda.Device(self._index):
            self._rs = cp.random.RandomState(self.seed)
        self.draws = 0

    def _call(self, name, *args, **kwargs):
        self.draws += 1
        with self._cp.cuda.Device(self._index):
            return getattr(self._rs, name)(*args, **kwargs)

    def random(self, size=None, dtype=np.float64):
        return self._call('random_sample', size=size, dtype=dtype)

    def standard_normal(self, size=None, dtype=np.float64):
        return self._call('standard_normal', size=size, dtype=dtype)

    def integers(self, low, high=None, size=None, dtype=np.int64, endpoint=False):
        if high is None:
            low, high = 0, low
        return self._call('randint', low, high + 1 if endpoint else high, size=size, dtype=dtype)

    def permutation(self, n):
        return self._call('permutation', n)

    def exponential(self, scale=1.0, size=None):
        return self._call('exponential', scale, size=size)

    def geometric(self, p, size=None):
        return self._call('geometric', p, size=size)

    def standard_cauchy(self, size=None):
        return self._call('standard_cauchy', size=size)


def _cuda_device(index):
    from ._device import device as _d
    return _d('cuda', index or 0)


default_generator = Generator()
_cuda_generators = {}               # device index -> that device's default generator
_cuda_seed = [None]                 # the last seed given to all devices (applied to generators made later)


def cuda_generator(index):
    g = _cuda_generators.get(index)
    if g is None:
        g = Generator(_cuda_device(index))
        if _cuda_seed[0] is not None:
            g.manual_seed(_cuda_seed[0])
        _cuda_generators[index] = g
    return g


def seed_cuda(seed, all_devices):
    """``ember.cuda.manual_seed(_all)``: seed the (current or every) device's generator."""
    if all_devices:
        _cuda_seed[0] = seed
        for g in _cuda_generators.values():
            g.manual_seed(seed)
        return
    from . import cuda
    if cuda.is_available():
        cuda_generator(cuda.current_device()).manual_seed(seed)


def _gen(generator, device=None):
    """The backend generator to draw from for a tensor on ``device`` (default: the CPU)."""
    if _tracing is not None:        # ember.compile is recording: draws become instructions
        return _tracing(generator, device)
    return _gen_real(generator, device)


_tracing = None


def _gen_real(generator, device=None):
    if generator is not None:
        if device is not None and generator.device.type != device.type:
            raise RuntimeError(f"Expected a '{device.type}' device type for generator but found "
                               f"'{generator.device.type}'")
        return generator._np
    if device is None or device.type == 'cpu':
        return default_generator._np
    if device.type == 'meta':       # a meta tensor has no values: its fills must not advance the CPU's draws
        return _META_SOURCE.setdefault(0, TorchCPURandom(_DEFAULT_SEED))
    return cuda_generator(device.index)._np


_META_SOURCE = {}


def manual_seed(seed):
    """Seed the default generator and every CUDA device's; returns the CPU one."""
    default_generator.manual_seed(seed)
    seed_cuda(int(seed), all_devices=True)
    return default_generator


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(new_state):
    default_generator.set_state(new_state)
