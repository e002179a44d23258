"""Process-wide settings that scripts set: thread counts, float32 matmul precision, determinism.

ember has no thread pool of its own. ``set_num_threads`` limits the BLAS/OpenMP pools that NumPy
uses through threadpoolctl when it is installed, and otherwise only remembers the number.
The matmul precision and the determinism flags are remembered and reported (ember's kernels are
deterministic and compute float32 matmuls in full float32 precision)."""
import os
import warnings

_state = {'num_threads': None, 'interop_threads': None, 'matmul_precision': 'highest',
          'deterministic': False, 'warn_only': False}


def _physical_cores():
    """The number of physical cores (what PyTorch's intra-op pool uses by default)."""
    cores = set()
    base = '/sys/devices/system/cpu'
    try:
        for name in os.listdir(base):
            if not (name.startswith('cpu') and name[3:].isdigit()):
                continue
            top = os.path.join(base, name, 'topology')
            with open(os.path.join(top, 'core_id')) as f:
                core = f.read().strip()
            with open(os.path.join(top, 'physical_package_id')) as f:
                pkg = f.read().strip()
            cores.add((pkg, core))
    except OSError:
        cores = set()
    if cores:
        return len(cores)
    return os.cpu_count() or 1


def _env_threads():
    for var in ('MKL_NUM_THREADS', 'OMP_NUM_THREADS'):
        try:
            n = int(os.environ.get(var, ''))
        except ValueError:
            continue
        if n > 0:
            return n
    return None


def _check_count(name, n):
    if isinstance(n, bool) or not isinstance(n, int):
        raise RuntimeError(f'{name} expects an int, but got {type(n).__name__}')
    if n <= 0:
        raise RuntimeError(f'{name} expects a positive integer')


def set_num_threads(int):  # noqa: A002  (torch's parameter name)
    """Sets the number of threads used for intra-op parallelism on the CPU (BLAS pools, via threadpoolctl)."""
    n = int
    _check_count('set_num_threads', n)
    _state['num_threads'] = n
    try:
        import threadpoolctl
    except ImportError:
        return
    try:
        threadpoolctl.threadpool_limits(limits=n)
    except Exception:  # noqa: BLE001 - a pool that cannot be limited is not an error here
        pass


def get_num_threads():
    """The number of threads used for intra-op parallelism (the value set, else torch's default)."""
    if _state['num_threads'] is not None:
        return _state['num_threads']
    return _env_threads() or _physical_cores()


def set_num_interop_threads(int):  # noqa: A002
    """Sets the number of threads used for inter-op parallelism; as in torch, only once."""
    n = int
    _check_count('set_num_interop_threads', n)
    if _state['interop_threads'] is not None:
        raise RuntimeError('Error: cannot set number of interop threads after parallel work has started '
                           'or set_num_interop_threads called')
    _state['interop_threads'] = n


def get_num_interop_threads():
    """The number of threads used for inter-op parallelism."""
    if _state['interop_threads'] is not None:
        return _state['interop_threads']
    return _physical_cores()


def set_float32_matmul_precision(precision):
    """Sets float32 matmul precision: 'highest', 'high' or 'medium' (others warn and are ignored, as in torch)."""
    if not isinstance(precision, str):
        raise RuntimeError(f'set_float32_matmul_precision expects a str, but got {type(precision).__name__}')
    if precision not in ('highest', 'high', 'medium'):
        warnings.warn(f"{precision} is not one of 'highest', 'high', or 'medium'; the current "
                      'setFloat32MatmulPrecision call has no effect.', UserWarning, stacklevel=2)
        return
    _state['matmul_precision'] = precision
    from .backends import cuda
    cuda.matmul.allow_tf32 = precision != 'highest'


def get_float32_matmul_precision():
    """The current float32 matmul precision: 'highest', 'high' or 'medium'."""
    from .backends import cuda
    prec = _state['matmul_precision']
    if prec == 'highest' and cuda.matmul.allow_tf32:        # set through backends.cuda.matmul.allow_tf32
        return 'high'
    if prec != 'highest' and not cuda.matmul.allow_tf32:
        return 'highest'
    return prec


def use_deterministic_algorithms(mode, *, warn_only=False):
    """Asks for deterministic algorithms (ember's are); remembered for ``are_deterministic_algorithms_enabled``."""
    if not isinstance(mode, bool):
        raise TypeError(f"_set_deterministic_algorithms(): argument 'mode' (position 1) must be bool, "
                        f'not {type(mode).__name__}')
    if not isinstance(warn_only, bool):
        raise TypeError(f"_set_deterministic_algorithms(): argument 'warn_only' must be bool, "
                        f'not {type(warn_only).__name__}')
    _state['deterministic'] = mode
    _state['warn_only'] = warn_only


def are_deterministic_algorithms_enabled():
    """Whether ``use_deterministic_algorithms(True)`` is in effect."""
    return _state['deterministic']


def is_deterministic_algorithms_warn_only_enabled():
    """Whether ``use_deterministic_algorithms(True, warn_only=True)`` is in effect."""
    return _state['warn_only']
