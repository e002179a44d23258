"""``ember.random`` (``torch.random``): the default generator's seed and state, and ``fork_rng``.

Everything delegates to ``ember._random``; this module is the torch-shaped front door.

Example:
    >>> with ember.random.fork_rng():
    ...     a = ember.rand(2)        # drawn here, undone on exit: the next draw repeats a
"""
import contextlib
import warnings

from ._random import default_generator, manual_seed, seed, initial_seed, get_rng_state, set_rng_state

__all__ = ['set_rng_state', 'get_rng_state', 'manual_seed', 'seed', 'initial_seed', 'fork_rng', 'default_generator']

_fork_rng_warned_already = False


@contextlib.contextmanager
def fork_rng(devices=None, enabled=True, _caller='fork_rng', _devices_kw='devices', device_type=None):
    """Save the CPU generator (and the CUDA ones of ``devices``) and restore them on exit."""
    global _fork_rng_warned_already
    if device_type == 'meta' or not enabled:
        yield
        return
    device_type = device_type or 'cuda'
    from . import cuda
    if device_type != 'cuda':
        raise RuntimeError(f'torch has no module of `{device_type}`, you should register a module by '
                           '`torch._register_device_module`.')
    if devices is None:
        n = cuda.device_count() if cuda.is_available() else 0
        if n > 1 and not _fork_rng_warned_already:
            # (torch's message is longer; the gist is the same)
            warnings.warn(f'CUDA reports that you have {n} available devices, and you have used {_caller} without '
                          f"explicitly specifying which devices are being used. Set the '{_devices_kw}' keyword "
                          f'argument of {_caller} to `range(torch.cuda.device_count())` to suppress this warning.',
                          stacklevel=3)
            _fork_rng_warned_already = True
        devices = list(range(n))
    else:
        devices = list(devices)     # a generator would be used up by the first pass
    cpu_state = get_rng_state()
    device_states = [cuda.get_rng_state(d) for d in devices]
    try:
        yield
    finally:
        set_rng_state(cpu_state)
        for d, s in zip(devices, device_states):
            cuda.set_rng_state(s, d)
