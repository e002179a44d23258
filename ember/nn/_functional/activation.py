"""Activation functions: relu, relu6, hardtanh, threshold, leaky_relu, elu, selu, celu, gelu, silu,
mish, softplus, softsign, hardsigmoid, hardswish, logsigmoid, glu, tanh, sigmoid, and
softmax / log_softmax / softmin.

Each elementwise one is a NumPy forward plus a node named as torch's (EluBackward0,
GeluBackward0, ...) whose backward formula runs on arrays, or on tensors when a graph is being
built (see ``_util.pointwise_op``). ``inplace=True`` writes into the input, with torch's checks.

Example:
    >>> F.gelu(ember.tensor([-1., 0., 1.]))        # tensor([-0.1587,  0.0000,  0.8413])
"""
import warnings
import numpy as np
from ..._backend import where as _bwhere, is_host as _is_host
from ..._ops import pointwise as P, softmax as SM
from ..._ops.inplace import apply_inplace
from ._util import pointwise_op, need_tensor, not_implemented, NP

__all__ = ['relu', 'relu_', 'relu6', 'hardtanh', 'hardtanh_', 'threshold', 'threshold_', 'leaky_relu',
           'leaky_relu_', 'elu', 'elu_', 'selu', 'selu_', 'celu', 'celu_', 'gelu', 'silu', 'mish', 'softplus',
           'softsign', 'hardsigmoid', 'hardswish', 'logsigmoid', 'glu', 'tanh', 'sigmoid', 'softmax', 'log_softmax',
           'softmin', 'tanhshrink']

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
_SQRT_2_PI = 0.7978845608028654          # sqrt(2 / pi)
_INV_SQRT_2 = 0.7071067811865476
_INV_SQRT_2PI = 0.3989422804014327      # 1 / sqrt(2 pi)


def _inplace(op, input, *params):
    """``op`` applied in place (torch's ``elu_`` and friends): refused on a leaf that requires grad."""
    return apply_inplace(input, op, params, {})


# ---------------------------------------------------------------- relu family
def relu(input, inplace=False):
    """max(x, 0). ``inplace``: overwrite ``input``."""
    return input.relu_() if inplace else P.relu(input)


def relu_(input):
    return input.relu_()


_hardtanh = pointwise_op(
    'HardtanhBackward0', 'hardtanh', lambda x, lo, hi: np.minimum(np.maximum(x, lo), hi),
    lambda M, g, x, o, lo, hi: M.where((x > lo) & (x < hi), g, g * 0),
    ints=True, bool_error='Bool inputs not supported for hardtanh', zero_double=True)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """x clipped to [min_val, max_val]; the gradient is zero outside the open interval."""
    if min_val > max_val:
        raise ValueError('min_val cannot be greater than max_val')
    if inplace:
        return _inplace(_hardtanh, input, min_val, max_val)
    return _hardtanh(input, min_val, max_val)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input, inplace=False):
    """min(max(x, 0), 6)."""
    return hardtanh(input, 0.0, 6.0, inplace)


_threshold = pointwise_op(
    'ThresholdBackward0', 'threshold', lambda x, th, v: _bwhere(x > th, x, np.asarray(v).astype(x.dtype)[()]),
    lambda M, g, x, o, th, v: M.where(x > th, g, g * 0), ints=True, zero_double=True)


def threshold(input, threshold, value, inplace=False):
    """x where x > threshold, else ``value``."""
    if inplace:
        return _inplace(_threshold, input, threshold, value)
    return _threshold(input, threshold, value)


def threshold_(input, threshold, value):
    return _inplace(_threshold, input, threshold, value)


_leaky = pointwise_op(
    'LeakyReluBackward0', 'leaky_relu_cpu', lambda x, s: _bwhere(x > 0, x, x * s),
    lambda M, g, x, o, s: M.where(x > 0, g, g * s), zero_double=True)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """x where x > 0, else negative_slope * x."""
    if inplace:
        return _inplace(_leaky, input, negative_slope)
    return _leaky(input, negative_slope)


def leaky_relu_(input, negative_slope=0.01):
    return leaky_relu(input, negative_slope, True)


# ---------------------------------------------------------------- exponential units
def _elu_fwd(x, a, scale, s_in):
    return _bwhere(x > 0, x * scale, np.expm1(x * s_in) * (a * scale))


def _elu_bwd(M, g, x, o, a, scale, s_in):
    return M.where(x > 0, g * scale, g * M.exp(x * s_in) * (a * scale * s_in))


_elu = pointwise_op('EluBackward0', 'elu_cpu', _elu_fwd, _elu_bwd)
_celu = pointwise_op('CeluBackward0', 'elu_cpu', _elu_fwd, _elu_bwd)


def elu(input, alpha=1.0, inplace=False):
    """x where x > 0, else alpha * (exp(x) - 1)."""
    if inplace:
        return _inplace(_elu, input, alpha, 1.0, 1.0)
    return _elu(input, alpha, 1.0, 1.0)


def elu_(input, alpha=1.0):
    return elu(input, alpha, True)


def selu(input, inplace=False):
    """scale * elu(x, alpha) with the self-normalising constants."""
    if inplace:
        return _inplace(_elu, input, _SELU_ALPHA, _SELU_SCALE, 1.0)
    return _elu(input, _SELU_ALPHA, _SELU_SCALE, 1.0)


def selu_(input):
    return selu(input, True)


def celu(input, alpha=1.0, inplace=False):
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1))."""
    if alpha == 0:
        raise RuntimeError('ZeroDivisionError')
    if inplace:
        return _inplace(_celu, input, alpha, 1.0, 1.0 / alpha)
    return _celu(input, alpha, 1.0, 1.0 / alpha)


def celu_(input, alpha=1.0):
    return celu(input, alpha, True)


# ---------------------------------------------------------------- smooth gates
def _gelu_tanh_parts(M, x):
    inner = (x + x * x * x * 0.044715) * _SQRT_2_PI
    return M.tanh(inner)


def _ndtr32(x):
    """Phi(x), the standard normal CDF, of a float32 host array, in float32: 0.5 erfc(|x| / sqrt 2)
    with Numerical Recipes' erfc (fractional error < 1.2e-7, so the lower tail keeps its relative
    precision where torch's 1 + erf(x / sqrt 2) cancels), and 1 minus that where x >= 0. About 30
    whole-array passes, in place: exact GELU's forward and backward each need one."""
    from ..._ops.pointwise import _ERFC32 as C
    f = np.float32
    z = np.abs(x)
    z *= f(_INV_SQRT_2)
    t = z * f(0.5)
    t += f(1)
    np.reciprocal(t, out=t)
    p = t * f(C[-1])
    p += f(C[-2])
    for a in C[-3::-1]:
        p *= t
        p += f(a)
    np.multiply(z, z, out=z)
    p -= z
    np.exp(p, out=p)
    p *= t
    p *= f(0.5)                         # Phi(-|x|)
    np.subtract(f(1), p, out=z)         # Phi(|x|)
    return _bwhere(x >= 0, z, p)


def _gelu_fwd(x):
    if _is_host(x) and x.dtype == np.float32 and x.ndim:     # (also a recorded host array: ember.compile)
        y = _ndtr32(x)
        y *= x
        return y
    return x * (1 + _erf(x * _INV_SQRT_2)) * 0.5


def _gelu_bwd(M, g, x, o):
    """g * (Phi(x) + x phi(x)), as torch's GeluBackward."""
    if M is NP and _is_host(x) and x.dtype == np.float32 and x.ndim and _is_host(g) and g.shape == x.shape:
        d = _ndtr32(x)
        e = x * x
        e *= np.float32(-0.5)
        np.exp(e, out=e)
        e *= np.float32(_INV_SQRT_2PI)
        e *= x
        d += e
        d *= g
        return d
    return g * ((M.erf(x * _INV_SQRT_2) + 1) * 0.5 + x * M.exp(x * x * -0.5) * _INV_SQRT_2PI)


_gelu_none = pointwise_op('GeluBackward0', 'GeluKernelImpl', _gelu_fwd, _gelu_bwd)
_gelu_tanh = pointwise_op(
    'GeluBackward0', 'GeluKernelImpl', lambda x: x * (1 + _gelu_tanh_parts(np, x)) * 0.5,
    lambda M, g, x, o: _gelu_tanh_grad(M, g, x))


def _erf(x):
    from ._util import erf_np
    return erf_np(x)


def _gelu_tanh_grad(M, g, x):
    t = _gelu_tanh_parts(M, x)
    d_inner = (x * x * (3 * 0.044715) + 1) * _SQRT_2_PI
    return g * ((t + 1) * 0.5 + x * 0.5 * (1 - t * t) * d_inner)


def gelu(input, approximate='none'):
    """x * Phi(x) (Phi: the standard normal CDF); ``approximate='tanh'`` uses the tanh formula."""
    if approximate == 'none':
        return _gelu_none(input)
    if approximate == 'tanh':
        return _gelu_tanh(input)
    raise RuntimeError('approximate argument must be either none or tanh.')


def _sig(x):
    return 1 / (1 + np.exp(-x))


def _silu_fwd(x):
    if x.size >= 65536 and type(x) is np.ndarray and x.dtype.char in 'fd':
        # the sigmoid in one buffer (the same bits); not x * s into s's buffer: an in-place
        # product swaps the operands, and with two NaNs the result's NaN would be s's, not x's
        return x * P._sigmoid_into(x)
    return x * _sig(x)


_silu = pointwise_op(
    'SiluBackward0', 'silu_cpu', _silu_fwd,
    lambda M, g, x, o: _silu_grad(M, g, x))


def _silu_grad(M, g, x):
    s = M.sigmoid(x)
    return g * s * (x * (1 - s) + 1)


def silu(input, inplace=False):
    """x * sigmoid(x) (swish)."""
    if inplace:
        return _inplace(_silu, input)
    return _silu(input)


_mish = pointwise_op(
    'MishBackward0', 'mish_cpu', lambda x: x * np.tanh(np.logaddexp(0, x)),
    lambda M, g, x, o: _mish_grad(M, g, x))


def _mish_grad(M, g, x):
    t = M.tanh(M.softplus(x))
    return g * (t + x * M.sigmoid(x) * (1 - t * t))


def mish(input, inplace=False):
    """x * tanh(softplus(x))."""
    if inplace:
        return _inplace(_mish, input)
    return _mish(input)


def _softplus_fwd(x, beta, th):
    z = x * beta
    return _bwhere(z > th, x, np.logaddexp(0, z) / beta)


_softplus = pointwise_op(
    'SoftplusBackward0', 'softplus_cpu', _softplus_fwd,
    lambda M, g, x, o, beta, th: M.where(x * beta > th, g, g * M.sigmoid(x * beta)))


def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + exp(beta * x)) / beta, linear where beta * x > threshold (computed without overflow)."""
    return _softplus(input, beta, threshold)


def softsign(input):
    """x / (1 + |x|)."""
    return input / (input.abs() + 1)


def tanhshrink(input):
    return input - input.tanh()


_hardsigmoid = pointwise_op(
    'HardsigmoidBackward0', 'hardsigmoid_cpu', lambda x: np.minimum(np.maximum(x + 3, 0), 6) / 6,
    lambda M, g, x, o: M.where((x > -3) & (x < 3), g / 6, g * 0), no_double='hardsigmoid_backward')


def hardsigmoid(input, inplace=False):
    """relu6(x + 3) / 6."""
    if inplace:
        return _inplace(_hardsigmoid, input)
    return _hardsigmoid(input)


_hardswish = pointwise_op(
    'HardswishBackward0', 'hardswish_cpu', lambda x: x * np.minimum(np.maximum(x + 3, 0), 6) / 6,
    lambda M, g, x, o: M.where(x <= -3, g * 0, M.where(x < 3, g * (x / 3 + 0.5), g)))


def hardswish(input, inplace=False):
    """x * relu6(x + 3) / 6."""
    if inplace:
        return _inplace(_hardswish, input)
    return _hardswish(input)


logsigmoid = pointwise_op(
    'LogSigmoidBackward0', 'log_sigmoid_cpu', lambda x: np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x))),
    lambda M, g, x, o: g * M.sigmoid(-x))
logsigmoid.__name__ = 'logsigmoid'


def tanh(input):
    return input.tanh()


def sigmoid(input):
    return input.sigmoid()


# ---------------------------------------------------------------- glu
def glu(input, dim=-1):
    """a * sigmoid(b), where a and b are the two halves of ``input`` along ``dim``."""
    need_tensor('glu', input)
    if input.dim() == 0:
        raise RuntimeError('glu does not support scalars because halving size must be even')
    if input.dtype._cat < 2:
        raise not_implemented('glu_cpu', input.dtype)
    n = input.size(dim)
    if n % 2:
        d = dim + input.dim() if dim < 0 else dim
        raise RuntimeError(f'Halving dimension must be even, but dimension {d} is size {n}')
    a, b = input.split(n // 2, dim)
    return a * b.sigmoid()


# ---------------------------------------------------------------- softmax family
def _softmax_dim(name, ndim, stacklevel):
    warnings.warn(f'Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X as '
                  'an argument.', stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """exp(x) / sum(exp(x)) along ``dim``; ``dtype``: cast the input first."""
    if dim is None:
        dim = _softmax_dim('softmax', input.dim(), _stacklevel)
    return SM.softmax(input, dim, dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """log(softmax(x)) along ``dim``, computed stably."""
    if dim is None:
        dim = _softmax_dim('log_softmax', input.dim(), _stacklevel)
    return SM.log_softmax(input, dim, dtype)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """softmax(-x) along ``dim``."""
    if dim is None:
        dim = _softmax_dim('softmin', input.dim(), _stacklevel)
    return SM.softmax(-input, dim, dtype)
