"""ember: PyTorch's programming model on NumPy (CPU) and CuPy (CUDA).

``import ember as torch`` runs ordinary PyTorch code: tensors, autograd, and (in later parts)
nn, optim and data loading.

Example:
    >>> import ember
    >>> a = ember.tensor([10.], requires_grad=True); b = ember.tensor([20.], requires_grad=True)
    >>> G = (a * b) * 2; G.backward(); a.grad, b.grad      # (tensor([40.]), tensor([20.]))
"""
import numpy as _np
from builtins import bool as _builtin_bool  # `bool` is rebound to ember.bool below

# torch reports no floating-point warnings for inf/nan results; neither does ember. (NumPy's
# per-call errstate would cost more than the op itself on small tensors.)
_np.seterr(all='ignore')

from . import _backend as _bk  # noqa: E402
_bk.tune_malloc()               # freed memory is kept for the next temporaries (see _backend.py)
del _bk

from .version import __version__
from . import version
from ._settings import (set_num_threads, get_num_threads, set_num_interop_threads, get_num_interop_threads,
                        set_float32_matmul_precision, get_float32_matmul_precision, use_deterministic_algorithms,
                        are_deterministic_algorithms_enabled, is_deterministic_algorithms_warn_only_enabled)
from ._dtype import (dtype, get_default_dtype, set_default_dtype, promote_types, finfo, iinfo,
                     bool_ as bool, uint8, int8, int16, int32, int64, float16, float32, float64, bfloat16)
from ._dtype import float32 as float, float64 as double, float16 as half, int64 as long, int32 as int, int16 as short
from ._dtype import complex64, complex128, complex64 as cfloat, complex128 as cdouble  # noqa: E402
from ._device import device, set_default_device, get_default_device
from ._tensor import Tensor, Size
from ._tensor_str import set_printoptions, get_printoptions, printoptions
from ._random import Generator, manual_seed, seed, initial_seed, get_rng_state, set_rng_state, default_generator
from . import autograd
from .autograd import no_grad, enable_grad, set_grad_enabled, inference_mode, is_grad_enabled
from .autograd.grad_mode import is_inference_mode_enabled
from .autograd import is_anomaly_enabled, is_anomaly_check_nan_enabled  # noqa: F401
from . import _ops
from ._ops.pointwise import *  # noqa: F401,F403
from ._ops.pointwise import (add, sub, mul, div, true_divide, floor_divide, remainder, fmod, pow, float_power, neg,
                             negative, abs, absolute, exp, exp2, expm1, log, log2, log10, log1p, sqrt, rsqrt, sin, cos,
                             tan, tanh, sigmoid, reciprocal, square, sign, floor, ceil, trunc, fix, round, relu, clamp,
                             clip, clamp_min, clamp_max, maximum, minimum, fmax, fmin, eq, ne, lt, le, gt, ge, less,
                             less_equal, greater, greater_equal, not_equal, logical_and, logical_or, logical_xor,
                             logical_not, bitwise_and, bitwise_or, bitwise_xor, bitwise_not, where, rsub, positive)
from ._ops.pointwise import (erf, erfc, erfinv, sinh, cosh, asin, acos, atan, asinh, acosh, atanh, arcsin, arccos,
                             arctan, arcsinh, arccosh, arctanh, deg2rad, rad2deg, frac, sgn, signbit, nan_to_num,
                             logit, atan2, arctan2, hypot, xlogy, logaddexp, logaddexp2, copysign, heaviside, lerp,
                             addcmul, addcdiv, bitwise_left_shift, bitwise_right_shift, isnan, isinf, isfinite,
                             isposinf, isneginf, isclose, allclose, equal)
from ._ops.shape import (view_as, reshape, flatten, unflatten, permute, transpose, swapaxes, swapdims, t, squeeze,
                         unsqueeze, narrow, select, unbind, split, chunk, tensor_split, cat, concat, concatenate,
                         stack, hstack, vstack, broadcast_to)
from ._ops.indexing import nonzero, argwhere, masked_fill, index_put
from ._ops.creation import (tensor, as_tensor, asarray, from_numpy, zeros, ones, empty, full, zeros_like, ones_like,
                            empty_like, full_like, arange, linspace, logspace, eye, scalar_tensor, rand, randn,
                            rand_like, randn_like, randint, randint_like, randperm, normal, bernoulli, multinomial,
                            poisson, binomial, _standard_gamma, _sample_dirichlet, _dirichlet_grad,
                            clone, FloatTensor, DoubleTensor, HalfTensor, BFloat16Tensor, LongTensor, IntTensor, ShortTensor,
                            CharTensor, ByteTensor, BoolTensor)
from ._ops.creation import range_ as range  # noqa: A001  (torch.range, deprecated there too)
from . import cuda
from . import accelerator, backends  # noqa: E402  (torch.accelerator, torch.backends: used by scripts to pick a device)
from ._ops.pointwise import _operands as _unused  # noqa: F401

from . import return_types
from ._ops.reduction import *  # noqa: F401,F403  (rebinds sum, max, min, all, any: builtins are not used below)
from ._ops.linalg import *  # noqa: F401,F403
from ._ops.decomp import inverse, det, slogdet, logdet, matrix_power, pinverse  # noqa: F401
from ._ops.decomp import (cholesky_solve, cholesky_inverse, matrix_exp, svd_old as svd,  # noqa: F401
                          cholesky_old as cholesky, vander_old as vander)
from ._ops.softmax import softmax, log_softmax  # noqa: F401


def is_tensor(obj):
    return isinstance(obj, Tensor)


def is_floating_point(input):
    return input.dtype.is_floating_point


def is_complex(input):
    return input.dtype.is_complex


def numel(input):
    return input.numel()


def result_type(tensor1, tensor2):
    from ._ops._core import result_dtype
    if not isinstance(tensor1, Tensor) and not isinstance(tensor2, Tensor):
        from ._dtype import scalar_dtype, _combine
        a, b = scalar_dtype(tensor1), scalar_dtype(tensor2)
        return _combine(a, b) if a._cat >= b._cat else _combine(b, a)
    return result_dtype(tensor1, tensor2)


def can_cast(from_, to):
    if from_._cat >= 2 and to._cat < from_._cat:
        return False
    if from_._cat >= 1 and to._cat == 0:
        return False
    return True


def typename(obj):
    """``torch.typename``: 'torch.FloatTensor' for a tensor, the dotted path of a class or function
    otherwise (ember's own under their torch names: 'torch.nn.parameter.Parameter')."""
    if isinstance(obj, Tensor):
        return obj.type()
    module = getattr(obj, '__module__', '') or ''
    if hasattr(obj, '__qualname__'):
        qualname = obj.__qualname__
    elif hasattr(obj, '__name__'):
        qualname = obj.__name__
    else:
        module = obj.__class__.__module__ or ''
        qualname = obj.__class__.__qualname__
    if module in ('', 'builtins'):
        return qualname
    if module == 'ember' or module.startswith('ember.'):
        module = 'torch' + module[5:]
    return f'{module}.{qualname}'


def set_default_tensor_type(t):
    set_default_dtype(t._dtype if hasattr(t, '_dtype') else _ops.creation._LEGACY_BY_NAME[t.split('.')[-1]])


def detach(input):
    return input.detach()


def _assert(condition, message):
    """``assert condition, message`` as a function (torchvision/timm write it so model code traces)."""
    if not condition:
        raise AssertionError(message)


def _check(cond, message=None):
    """Raise RuntimeError(``message()``) unless ``cond`` (a Python bool) holds."""
    if isinstance(cond, Tensor):
        raise TypeError('cond must be a bool, but got a Tensor. For tensor conditions, use '
                        'torch._check_tensor_all() to assert that all elements are true.')
    if not cond:
        raise RuntimeError(message() if message is not None else
                           'Expected cond to be True, but got False. (Could this error message be improved? '
                           'If so, please report an enhancement request to PyTorch.)')


def is_nonzero(input):
    if input.numel() != 1:
        raise RuntimeError('Boolean value of Tensor with more than one value is ambiguous')
    return _builtin_bool(input)


# (equal, allclose, isclose, isnan, isinf, isfinite: ops of _ops/pointwise.py, exported above)
Tensor.is_nonzero = is_nonzero

strided = 'torch.strided'
sparse_coo = 'torch.sparse_coo'     # the COO layout: ember/_ops/sparse_coo.py, ember.sparse (loaded on first use)
contiguous_format = 'torch.contiguous_format'
preserve_format = 'torch.preserve_format'
channels_last = 'torch.channels_last'

from . import linalg  # noqa: E402  (ember.linalg: norms, solvers, decompositions)
from ._lowrank import svd_lowrank, pca_lowrank  # noqa: E402
from ._ops.decomp import lu_unpack, triangular_solve, lu_old as lu, lu_solve_old as lu_solve, geqrf  # noqa: E402
from ._ops.decomp import householder_product as orgqr  # noqa: E402

# nn, optim, utils (data loading), viz, save/load and summary are imported on first use, as a
# fraction of scripts need them and they are half of ember's import time:
#   ember.nn (Module, layers, functional, init), ember.optim (optimizers, lr_scheduler),
#   ember.utils.data (Dataset, DataLoader), ember.viz (make_dot, explain),
#   ember.save / ember.load (safe checkpoint files), ember.summary (torchsummary-style table),
#   ember.compile (record a call once, replay it without per-op overhead: ember/_compile)
_LAZY_MODULES = ('nn', 'optim', 'utils', 'viz', 'serialization', 'compiler', '_dynamo', 'hub')
_LAZY_NAMES = {'save': 'serialization', 'load': 'serialization', 'summary': 'summary', 'compile': '_compile',
               'from_dlpack': 'utils.dlpack', 'ops': '_op_namespace'}
_LAZY_NAMES.update(dict.fromkeys(('TypedStorage', 'UntypedStorage', 'is_storage', 'FloatStorage', 'DoubleStorage',
                                  'HalfStorage', 'LongStorage', 'IntStorage', 'ShortStorage', 'CharStorage',
                                  'ByteStorage', 'BoolStorage', 'ComplexFloatStorage', 'ComplexDoubleStorage'),
                                 'storage'))


# torch.X for these is torch.nn.functional.X (same arguments); the dropouts take ``train``
_FUNCTIONAL_ALIASES = frozenset((
    'pairwise_distance', 'cosine_similarity', 'channel_shuffle', 'native_channel_shuffle', 'pixel_shuffle',
    'pixel_unshuffle', 'conv1d',
    'conv2d', 'conv3d', 'conv_transpose1d', 'conv_transpose2d', 'conv_transpose3d', 'max_pool1d', 'max_pool2d',
    'max_pool3d', 'avg_pool1d', 'adaptive_avg_pool1d', 'adaptive_max_pool1d', 'prelu', 'rrelu', 'selu', 'celu',
    'hardshrink', 'threshold', 'layer_norm', 'group_norm', 'bilinear', 'rms_norm'))
_DROPOUTS = frozenset(('dropout', 'alpha_dropout', 'feature_alpha_dropout'))
# torch.X with ATen's own signature, a line on nn.functional each (ember/_torch_nn_aliases.py, loaded on first use)
_NN_ALIASES = frozenset((
    'embedding', 'batch_norm', 'instance_norm', 'binary_cross_entropy_with_logits', 'kl_div', 'cosine_embedding_loss',
    'hinge_embedding_loss', 'margin_ranking_loss', 'poisson_nll_loss', 'triplet_margin_loss', 'ctc_loss', 'pdist',
    'constant_pad_nd', 'threshold_', 'selu_', 'celu_', 'rrelu_', 'dropout_', 'alpha_dropout_', 'feature_dropout',
    'feature_dropout_', 'feature_alpha_dropout_', 'native_layer_norm', 'native_dropout', 'frobenius_norm',
    'nuclear_norm', 'empty_permuted', 'max_pool1d_with_indices', 'lstm_cell', 'gru_cell', 'rnn_tanh_cell',
    'rnn_relu_cell', 'norm_except_dim', '_weight_norm'))


def _dropout_alias(name):
    def dropout(input, p, train):
        from .nn import functional
        if p < 0 or p > 1:      # (ATen's RuntimeError; nn.functional raises ValueError)
            raise RuntimeError(f'dropout probability has to be between 0 and 1, but got {p}')
        return getattr(functional, name)(input, p, train)
    dropout.__name__ = dropout.__qualname__ = name
    dropout.__doc__ = f'``torch.{name}(input, p, train)``: ``nn.functional.{name}`` with ``training=train``.'
    return dropout


def __getattr__(name):
    import importlib
    if name in _LAZY_MODULES:
        return importlib.import_module('.' + name, __name__)
    if name in _FUNCTIONAL_ALIASES or name in _DROPOUTS:
        value = getattr(importlib.import_module('.nn.functional', __name__), name) if name in _FUNCTIONAL_ALIASES \
            else _dropout_alias(name)
        globals()[name] = value
        return value
    if name in _NN_ALIASES:
        value = getattr(importlib.import_module('._torch_nn_aliases', __name__), name)
        globals()[name] = value
        return value
    if name in _LAZY_NAMES:
        value = getattr(importlib.import_module('.' + _LAZY_NAMES[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'ember' has no attribute '{name}'")


def __dir__():
    return sorted(set(globals()) | set(_LAZY_MODULES) | set(_LAZY_NAMES) | _FUNCTIONAL_ALIASES | _DROPOUTS | _NN_ALIASES)
from ._ops.manipulation import *  # noqa: E402,F401,F403  (flip, gather, scatter, index_*, diag, tril, ...)
from ._ops.sorting import *  # noqa: E402,F401,F403  (sort, topk, unique, median, quantile, ...)
from ._ops.composite import *  # noqa: E402,F401,F403  (multiply, nansum, atleast_1d, hsplit, inner, cdist, ...)
from . import random  # noqa: E402,F401  (ember.random: torch.random)
from ._ops.foreach import *  # noqa: E402,F401,F403  (torch._foreach_add_, _foreach_lerp_, ...: RL target updates)
_LAZY_MODULES += ('testing',)  # noqa: E305  (ember.testing: torch.testing, loaded on first use)
_LAZY_MODULES += ('distributions',)  # noqa: E305  (ember.distributions, loaded on first use)
_LAZY_MODULES += ('profiler',)  # noqa: E305  (ember.profiler: torch.profiler, loaded on first use)
_LAZY_MODULES += ('functional', 'types', 'overrides', 'torch_version', 'library')  # noqa: E305  (torch.functional, ...)
from ._ops.special import lgamma, digamma, polygamma, mvlgamma, i0, sinc  # noqa: E402,F401  (special functions)
from . import special  # noqa: E402,F401  (ember.special: torch.special)
from . import masked  # noqa: E402,F401  (ember.masked: torch.masked's functional ops)
from ._ops import _npnames  # noqa: E402  (axis=/keepdims= for dim=/keepdim=, as torch's argument parser)
_npnames.apply(globals(), Tensor)
from . import amp  # noqa: E402  (ember.amp and ember.autocast: mixed precision; ember/amp/autocast_mode.py)
from .amp.autocast_mode import (autocast, is_autocast_enabled, set_autocast_enabled,  # noqa: E402,F401
                                get_autocast_dtype, set_autocast_dtype, is_autocast_cache_enabled,
                                set_autocast_cache_enabled, clear_autocast_cache, autocast_increment_nesting,
                                autocast_decrement_nesting, is_autocast_cpu_enabled, get_autocast_cpu_dtype,
                                get_autocast_gpu_dtype)
_LAZY_MODULES += ('jit', 'distributed', 'multiprocessing')  # noqa: E305  (loaded on first use, as nn)
_LAZY_MODULES += ('func',)  # noqa: E305  (ember.func: grad, vmap, jacrev, functional_call: torch.func)
_LAZY_MODULES += ('fx',)  # noqa: E305  (ember.fx: torch.fx symbolic tracing, GraphModule; loaded on first use)
_LAZY_NAMES['vmap'] = 'func'
from ._ops.complex import (view_as_real, view_as_complex, complex, polar, angle, conj,  # noqa: E402,F401,A004
                           conj_physical, resolve_conj, is_conj, sgn, isreal, real, imag, adjoint)
from . import fft  # noqa: E402  (ember.fft: torch.fft on numpy.fft / cupy.fft)
from ._ops.spectral import (hann_window, hamming_window, blackman_window, bartlett_window,  # noqa: E402,F401
                            kaiser_window, stft, istft)
_LAZY_MODULES += ('signal',)  # noqa: E305  (ember.signal.windows: torch.signal, loaded on first use)
import math as _math  # noqa: E402
pi, e, inf, nan, newaxis = _math.pi, _math.e, _math.inf, _math.nan, None  # noqa: E305  (torch.pi, torch.e, ...)
from ._ops.strided import (as_strided, empty_strided, narrow_copy, unsafe_chunk, unsafe_split,  # noqa: E402,F401
                           is_signed, get_device)
from ._ops.special import gammainc as igamma, gammaincc as igammac  # noqa: E402,F401  (torch.igamma, igammac)
from .cuda import OutOfMemoryError  # noqa: E402,F401  (torch.OutOfMemoryError is torch.cuda.OutOfMemoryError)
channels_last_3d = 'torch.channels_last_3d'  # noqa: E305  (a memory_format, as channels_last above)
from ._misc import (unravel_index, frombuffer, is_inference, set_warn_always, is_warn_always_enabled,  # noqa: E402
                    set_flush_denormal, compiled_with_cxx11_abi, get_device_module, sym_int, sym_float, sym_max,
                    sym_min, sym_not, sym_sqrt, sym_ite, sym_sum)
_LAZY_MODULES += ('cpu', 'storage')  # noqa: E305  (ember.cpu, ember.storage: loaded on first use)
from ._ops.tensor_extra import nonzero_static, qr, as_strided_  # noqa: E402,F401  (torch.nonzero_static, torch.qr, ...)
_LAZY_MODULES += ('sparse',)  # noqa: E305  (ember.sparse: torch.sparse; sparse COO tensors, loaded on first use)
_LAZY_NAMES.update(sparse_coo_tensor='_ops.sparse_coo', spmm='_ops.sparse_coo')
from ._ops.view_copy import *  # noqa: E402,F401,F403  (view_copy, permute_copy, ...: a view op's result copied)
from ._control_flow import cond, while_loop  # noqa: E402,F401  (torch.cond, torch.while_loop: eager if / while)
_LAZY_MODULES += ('ao', 'quantization')  # noqa: E305  (ember.ao.quantization and its alias ember.quantization)
_LAZY_NAMES.update(dict.fromkeys((  # quantized dtypes / tensors (ember/_quantized.py, loaded on first use)
    'quint8', 'qint8', 'qint32', 'quint4x2', 'qscheme', 'per_tensor_affine', 'per_channel_affine',
    'per_tensor_symmetric', 'per_channel_symmetric', 'per_channel_affine_float_qparams', 'quantize_per_tensor',
    'quantize_per_channel', 'dequantize', 'fake_quantize_per_tensor_affine', 'fake_quantize_per_channel_affine'),
    '_quantized'))
