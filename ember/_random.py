"""Random number generators: ``ember.Generator``, ``manual_seed`` and the default generator.

ember draws from NumPy's PCG64, so the numbers differ from PyTorch's (which uses Mersenne
Twister with its own transforms), but seeding gives the same reproducibility guarantees.

Example:
    >>> g = ember.Generator().manual_seed(0); ember.rand(2, generator=g)
"""
import numpy as np

__all__ = ['Generator', 'manual_seed', 'seed', 'initial_seed', 'get_rng_state', 'set_rng_state']

_DEFAULT_SEED = 67280421310721   # torch's default seed: programs are reproducible without seeding


class Generator:
    def __init__(self, device='cpu'):
        from ._device import device as _d
        self.device = _d(device) if not isinstance(device, _d) else device
        self._seed = _DEFAULT_SEED
        self._np = np.random.Generator(np.random.PCG64(self._seed))

    def manual_seed(self, seed):
        seed = int(seed)
        if not (-0x8000000000000000 <= seed <= 0xffffffffffffffff):
            raise RuntimeError(f'Overflow when unpacking long')
        self._seed = seed & 0xffffffffffffffff
        self._np = np.random.Generator(np.random.PCG64(self._seed))
        return self

    def seed(self):
        s = int(np.random.SeedSequence().entropy) & 0xffffffffffffffff
        self.manual_seed(s)
        return s

    def initial_seed(self):
        return self._seed

    def get_state(self):
        from ._ops.creation import tensor
        import pickle
        from . import _dtype as D
        raw = np.frombuffer(pickle.dumps((self._seed, self._np.bit_generator.state)), dtype=np.uint8).copy()
        from ._tensor import _wrap
        return _wrap(raw, D.uint8)

    def set_state(self, state):
        import pickle
        self._seed, st = pickle.loads(state._data.tobytes())
        self._np.bit_generator.state = st
        return self


default_generator = Generator()


def _gen(generator):
    return (generator or default_generator)._np


def manual_seed(seed):
    """Seed the default generator (and CUDA's, when present); returns it."""
    default_generator.manual_seed(seed)
    return default_generator


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(new_state):
    default_generator.set_state(new_state)
