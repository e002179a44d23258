"""``ember.autocast``: automatic mixed precision regions (``torch.autocast``).

Inside an enabled region the matrix-product ops of torch's "lower precision" list (linear,
matmul, mm, bmm, addmm, baddbmm, addbmm, conv*, conv_transpose*; scaled_dot_product_attention
through its matmuls) cast their floating inputs (not float64) on the region's device to the
region's dtype and so return that dtype. The losses of torch's "float32" list (cross_entropy,
nll_loss, mse_loss, l1/smooth_l1/huber, binary_cross_entropy(_with_logits), kl_div, the margin
losses) cast float16 inputs to float32 and so return float32; other ops of that list (norms,
softmax, ...) are not cast: they run in their inputs' dtype.

CPU autocast defaults to bfloat16, as torch's (ember's bfloat16 is emulated: ember/_bf16.py);
``dtype=float16`` (torch allows it on the CPU too) runs those ops in float16 as torch does.

Example:
    >>> with ember.autocast('cpu', dtype=ember.float16):
    ...     (ember.ones(2, 3) @ ember.ones(3, 4)).dtype      # torch.float16
"""
import functools
import threading
import warnings

from .. import _dtype as D

__all__ = ['autocast', 'is_autocast_available', 'custom_fwd', 'custom_bwd', 'is_autocast_enabled',
           'set_autocast_enabled', 'get_autocast_dtype', 'set_autocast_dtype', 'is_autocast_cache_enabled',
           'set_autocast_cache_enabled', 'clear_autocast_cache', 'autocast_increment_nesting',
           'autocast_decrement_nesting', 'is_autocast_cpu_enabled', 'get_autocast_cpu_dtype',
           'get_autocast_gpu_dtype']

bfloat16 = D.bfloat16                   # torch's default CPU autocast dtype
_LOWER = (bfloat16, D.float16)          # the dtypes torch's CPU autocast accepts


def _bf16_supported():
    from .. import cuda
    return cuda.is_bf16_supported()
_DEVICES = ('cpu', 'cuda')              # those ember has
_TORCH_DEVICES = ('cpu', 'cuda', 'ipu', 'xpu', 'mkldnn', 'opengl', 'opencl', 'ideep', 'hip', 've', 'fpga', 'maia',
                  'xla', 'lazy', 'vulkan', 'mps', 'meta', 'hpu', 'mtia', 'privateuseone')

# The hooked ops test this one module-level number before anything else: the count of open
# enabled regions in any thread (state itself is per thread, as torch's). Zero: no cost.
active = 0
_lock = threading.Lock()


class _State(threading.local):
    def __init__(self):
        self.enabled = {'cpu': False, 'cuda': False}
        self.dtype = {'cpu': bfloat16, 'cuda': D.float16}
        self.cache = True
        self.nesting = 0


_state = _State()


def _check_device(device_type):
    if device_type not in _DEVICES:
        if device_type in _TORCH_DEVICES:
            raise RuntimeError(f"User specified an unsupported autocast device_type '{device_type}'")
        raise RuntimeError(f"Expected one of {', '.join(_TORCH_DEVICES)} device type at start of device string: "
                           f"{device_type}")


def is_autocast_available(device_type):
    """True for the device types ember can autocast on ('cpu', 'cuda')."""
    return device_type in _DEVICES


def is_autocast_enabled(device_type=None):
    """Whether autocast is on for ``device_type`` (no argument: 'cuda', as torch)."""
    return _state.enabled['cuda' if device_type is None else _dev(device_type)]


def _dev(device_type):
    _check_device(device_type)
    return device_type


def set_autocast_enabled(device_type, enabled=None):
    global active
    if enabled is None:             # torch's older one-argument form: the CUDA state
        device_type, enabled = 'cuda', device_type
    _state.enabled[_dev(device_type)] = bool(enabled)
    if enabled:
        with _lock:
            active += 1             # set outside a region: the hooks stay armed (a cheap miss after)


def get_autocast_dtype(device_type):
    return _state.dtype[_dev(device_type)]


def set_autocast_dtype(device_type, dtype):
    _state.dtype[_dev(device_type)] = dtype


def is_autocast_cache_enabled():
    return _state.cache


def set_autocast_cache_enabled(enabled):
    _state.cache = bool(enabled)


def clear_autocast_cache():
    """ember keeps no cache of cast weights (each op casts again): nothing to clear."""


def autocast_increment_nesting():
    _state.nesting += 1
    return _state.nesting


def autocast_decrement_nesting():
    _state.nesting -= 1
    return _state.nesting


def _deprecated(old, new):
    warnings.warn(f'torch.{old}() is deprecated. Please use torch.{new} instead.', DeprecationWarning, stacklevel=3)


def is_autocast_cpu_enabled():
    _deprecated('is_autocast_cpu_enabled', "is_autocast_enabled('cpu')")
    return _state.enabled['cpu']


def get_autocast_cpu_dtype():
    _deprecated('get_autocast_cpu_dtype', "get_autocast_dtype('cpu')")
    return _state.dtype['cpu']


def get_autocast_gpu_dtype():
    _deprecated('get_autocast_gpu_dtype', "get_autocast_dtype('cuda')")
    return _state.dtype['cuda']


def _cuda_available():
    from .. import cuda
    return cuda.is_available()


class autocast:
    """``torch.autocast(device_type, dtype=None, enabled=True, cache_enabled=None)``: a context
    manager (and decorator) running the lower-precision ops of its region in ``dtype``.

    Example:
        >>> with ember.autocast('cpu', dtype=ember.float16): y = nn.Linear(3, 2)(x)   # y float16
        >>> ember.is_autocast_enabled('cpu')                                         # False again
    """

    def __init__(self, device_type, dtype=None, enabled=True, cache_enabled=None):
        if not isinstance(device_type, str):
            raise ValueError(f'Expected `device_type` of type `str`, got: `{type(device_type)}`')
        self.fast_dtype = get_autocast_dtype(device_type) if dtype is None else dtype
        self.device = device_type
        self._cache_enabled = is_autocast_cache_enabled() if cache_enabled is None else cache_enabled
        if enabled:
            if device_type == 'cuda':
                if not _cuda_available():
                    warnings.warn('CUDA is not available or torch_xla is imported. Disabling autocast.',
                                  stacklevel=2)
                    enabled = False
                elif self.fast_dtype is bfloat16 and not _bf16_supported():
                    raise RuntimeError('Current CUDA Device does not support bfloat16. Please switch dtype to '
                                       'float16.')
            elif self.fast_dtype not in _LOWER:
                name = device_type.upper()
                warnings.warn(f'In {name} autocast, but the target dtype is not supported. Disabling autocast.\n'
                              f'{name} Autocast only supports dtypes of torch.bfloat16, torch.float16 currently.',
                              stacklevel=2)
                enabled = False
        self._enabled = bool(enabled)

    def __enter__(self):
        global active
        st = _state
        self.prev_cache_enabled = st.cache
        self.prev = st.enabled[self.device]
        self.prev_fastdtype = st.dtype[self.device]
        st.enabled[self.device] = self._enabled
        st.dtype[self.device] = self.fast_dtype
        st.nesting += 1
        st.cache = self._cache_enabled
        with _lock:
            active += 1
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        global active
        st = _state
        st.nesting -= 1
        st.enabled[self.device] = self.prev
        st.dtype[self.device] = self.prev_fastdtype
        st.cache = self.prev_cache_enabled
        with _lock:
            active -= 1
        return False

    def __call__(self, func):
        if not callable(func):
            raise TypeError(f'autocast()(func) requires a callable, but got {type(func).__name__}. Did you mean to '
                            f'use autocast as a context manager? For example:\n    with torch.autocast('
                            f'device_type=...):\n        output = model(input)')

        @functools.wraps(func)
        def decorate_autocast(*args, **kwargs):
            with self:
                return func(*args, **kwargs)
        return decorate_autocast

    def __repr__(self):
        return f"autocast(device_type='{self.device}', dtype={self.fast_dtype}, enabled={self._enabled})"


def lower(*args):
    """``args`` as a lower-precision op sees them in the current region: floating tensors (not
    float64) on an autocast-enabled device cast to its dtype (differentiably, as ``.to``); others,
    None and everything outside a region unchanged. Called by the hooked ops when ``active``."""
    st = _state
    if not (st.enabled['cpu'] or st.enabled['cuda']):
        return args
    return tuple(_cast_one(a, st) for a in args)


def higher(*args):
    """``args`` as an op of torch's autocast "float32" list (the losses) sees them in the current
    region: lower-precision floating tensors on an autocast-enabled device cast to float32; others
    unchanged. Called by the hooked ops when ``active``."""
    st = _state
    if not (st.enabled['cpu'] or st.enabled['cuda']):
        return args
    from .._tensor import Tensor
    return tuple(a.to(D.float32) if isinstance(a, Tensor) and a.dtype in _LOWER and
                 st.enabled.get(a.device.type, False) else a for a in args)


# torch's autocast "float32" ops outside the losses (``higher_op``): a CUDA region runs each of
# them in float32 (cdist, prod, cumsum, cumprod, logsumexp, norm / linalg.vector_norm,
# layer_norm, group_norm, softmax, log_softmax); a CPU region only cdist and prod of those (torch
# 2.x's CPU list: the others return float16 there, checked against torch), and the CPU-only
# entries below (reflection/replication padding, the 3-d pools, max_unpool, fractional max
# pooling, grid_sampler, trace, ctc_loss: a float16 ReflectionPad2d input comes out float32)
_CPU_ONLY = frozenset(('reflection_pad', 'replication_pad', 'pool3d', 'max_unpool', 'fractional_max_pool',
                       'grid_sampler', 'trace', 'ctc_loss'))
_FP32_CPU = frozenset(('cdist', 'prod')) | _CPU_ONLY


def higher_op(op, *args, dtype=None):
    """``args`` as autocast op ``op`` sees them in the current region: float16 tensors on an
    enabled device whose torch autocast list runs ``op`` in float32 cast to float32 (on CUDA,
    not when the call names a ``dtype``: torch's "set_opt_dtype" ops keep it); others unchanged.
    Called by the hooked ops when ``active``."""
    st = _state
    if not (st.enabled['cpu'] or st.enabled['cuda']):
        return args
    from .._tensor import Tensor
    cpu_ok = op in _FP32_CPU
    return tuple(a.to(D.float32) if isinstance(a, Tensor) and a.dtype in _LOWER and
                 st.enabled.get(a.device.type, False) and
                 (cpu_ok if a.device.type == 'cpu' else op not in _CPU_ONLY and
                  (dtype is None or op in ('cdist', 'logsumexp', 'layer_norm', 'group_norm')))
                 else a for a in args)


def _cast_one(a, st):
    from .._tensor import Tensor
    if not isinstance(a, Tensor):
        return a
    dt = a.dtype
    if not dt.is_floating_point or dt is D.float64:
        return a
    dev = a.device.type
    if not st.enabled.get(dev, False):
        return a
    target = st.dtype[dev]
    if target is dt:
        return a
    return a.to(target)


def _cast(value, device_type, dtype):
    """Tensors in ``value`` (nested in lists, tuples, dicts) cast as a lower-precision op would."""
    from .._tensor import Tensor
    if isinstance(value, Tensor):
        ok = value.is_floating_point() and value.device.type == device_type and value.dtype is not D.float64
        return value.to(dtype) if ok else value
    if isinstance(value, (str, bytes)):
        return value
    if isinstance(value, dict):
        return {_cast(k, device_type, dtype): _cast(v, device_type, dtype) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        it = (_cast(v, device_type, dtype) for v in value)
        return type(value)(it) if type(value) in (list, tuple) else tuple(it)
    return value


def custom_fwd(fwd=None, *, device_type, cast_inputs=None):
    """Decorator for a custom autograd Function's ``forward`` (``torch.amp.custom_fwd``): records
    the region's state for ``custom_bwd``; with ``cast_inputs`` runs forward with autocast off and
    its floating inputs cast to ``cast_inputs``."""
    if not isinstance(device_type, str):
        raise ValueError(f'Expected `device_type` of type `str`, got: `{type(device_type)}`')
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type, cast_inputs=cast_inputs)

    @functools.wraps(fwd)
    def decorate_fwd(*args, **kwargs):
        args[0]._dtype = get_autocast_dtype(device_type)
        if cast_inputs is None:
            args[0]._fwd_used_autocast = is_autocast_enabled(device_type)
            return fwd(*args, **kwargs)
        on = is_autocast_enabled(device_type)
        args[0]._fwd_used_autocast = False
        if on:
            with autocast(device_type=device_type, enabled=False):
                return fwd(*_cast(args, device_type, cast_inputs), **_cast(kwargs, device_type, cast_inputs))
        return fwd(*args, **kwargs)
    return decorate_fwd


def custom_bwd(bwd=None, *, device_type):
    """Decorator for a custom autograd Function's ``backward``: runs it in forward's autocast state."""
    if not isinstance(device_type, str):
        raise ValueError(f'Expected `device_type` of type `str`, got: `{type(device_type)}`')
    if bwd is None:
        return functools.partial(custom_bwd, device_type=device_type)

    @functools.wraps(bwd)
    def decorate_bwd(*args, **kwargs):
        with autocast(device_type=device_type, enabled=args[0]._fwd_used_autocast, dtype=args[0]._dtype):
            return bwd(*args, **kwargs)
    return decorate_bwd
