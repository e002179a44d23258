"""What the functional families share: argument checks in torch's words, the reduction
argument, and ``pointwise_op``, the maker of elementwise ops with their own graph node.

A pointwise op is a forward on arrays plus one backward formula ``bwd(M, g, x, out, *params)``.
The formula is written once over a namespace ``M`` and Python operators: with ``M = EM`` it runs
on ember tensors (differentiable: ``create_graph=True`` works), with ``M = NP`` on the bare NumPy
arrays (when no graph is being built: one pass of NumPy calls, no per-op wrapping).
"""
import warnings
import numpy as np
from ... import _dtype as D
from ... import _backend
from ..._tensor import Tensor, _wrap, _gm
from ..._ops._core import record, backward_op, as_array, fused_name  # noqa: F401  (fused_name: re-exported)
from ..._ops._core import type_name as cap
from ..._ops import pointwise as P
from ...amp import autocast_mode as _amp

__all__ = ['EM', 'NP', 'pointwise_op', 'need_tensor', 'not_implemented', 'reduction_string', 'apply_reduction',
           'erf_np', 'erf', 'opmath', 'xp_of', 'contig', 'arr', 'fused_name']

_ND = np.ndarray


def xp_of(a):
    """The array namespace of ``a`` (numpy for host arrays and scalars, cupy for device arrays)."""
    if type(a) is _ND:
        return np
    return _backend.array_module(a)     # (through the module: a function-level import costs ~0.5 us)


def contig(a, dtype=None):
    """``np.ascontiguousarray(a, dtype)`` on ``a``'s backend (numpy scalars become 0-d host arrays)."""
    if type(a) is _ND:
        return np.ascontiguousarray(a, dtype=dtype)
    return xp_of(a).ascontiguousarray(a, dtype=dtype)


def arr(a, dtype=None):
    """``np.asarray(a, dtype)`` on ``a``'s backend."""
    if type(a) is _ND:
        return a if dtype is None else np.asarray(a, dtype=dtype)
    return xp_of(a).asarray(a, dtype=dtype)


def need_tensor(fname, x, name='input', pos=1):
    if not isinstance(x, Tensor):
        raise TypeError(f"{fname}(): argument '{name}' (position {pos}) must be Tensor, not {type(x).__name__}")


def not_implemented(kernel, dt):
    return NotImplementedError(f'"{kernel}" not implemented for \'{cap(dt)}\'')


def check_mixed_dtype(input, *params):
    """torch's CPU norm kernels (batch/layer/group norm) on parameters of another dtype than the input
    (mixed_data_type.h): a float16/bfloat16 input may take float32 parameters, nothing else mixes (a
    float64 batch through a float32 BatchNorm raises); call only when some dtype differs."""
    dt = input.dtype
    first = next((p.dtype for p in params if p is not None), None)
    if first is None or first is dt:
        bad = next(p.dtype for p in params if p is not None and p.dtype is not dt)
        raise RuntimeError(f'expected scalar type {cap(dt)} but found {cap(bad)}')
    if any(p is not None and p.dtype is not D.float32 for p in params):
        raise RuntimeError('mixed dtype (CPU): expect parameter to have scalar type of Float')
    if dt not in (D.float16, D.bfloat16):
        raise RuntimeError('mixed dtype (CPU): all inputs must share same datatype.')


def opmath(x):
    """float16 computes in float32 (torch's "opmath" type on the CPU)."""
    return x.astype(np.float32) if x.dtype == np.float16 else x


# erf (NumPy has none) is an op of _ops/pointwise.py; exact GELU's backward needs it differentiable
from ..._ops.pointwise import erf_np, erf  # noqa: E402,F401


class NP:
    """Backward formulas over NumPy arrays."""
    exp = staticmethod(np.exp)
    expm1 = staticmethod(np.expm1)
    log = staticmethod(np.log)
    log1p = staticmethod(np.log1p)
    tanh = staticmethod(np.tanh)
    abs = staticmethod(np.abs)
    sign = staticmethod(np.sign)
    where = staticmethod(_backend.where)
    erf = staticmethod(erf_np)

    @staticmethod
    def sigmoid(x):
        return 1 / (1 + np.exp(-x))

    @staticmethod
    def softplus(x):
        return np.logaddexp(0, x)


class EM:
    """The same formulas over ember tensors (differentiable)."""
    exp = staticmethod(lambda x: x.exp())
    expm1 = staticmethod(lambda x: x.expm1())
    log = staticmethod(lambda x: x.log())
    log1p = staticmethod(lambda x: x.log1p())
    tanh = staticmethod(lambda x: x.tanh())
    abs = staticmethod(lambda x: x.abs())
    sign = staticmethod(lambda x: x.sign())
    sigmoid = staticmethod(lambda x: x.sigmoid())
    where = staticmethod(lambda c, a, b: P.where(c, a, b))
    erf = staticmethod(lambda x: erf(x))
    softplus = staticmethod(lambda x: _softplus_em(x))
    clamp_min = staticmethod(lambda x, v: x.clamp_min(v))


_NOTHING = (None, None)


def _zero_input_bw(node, gg):
    return gg, _wrap(np.zeros_like(gg._data), gg.dtype, gg._device)


_ZERO_INPUT_NODES = {}


def _zero_grad_to(r, x, name):
    """``r`` under a node called ``name`` that also takes ``x`` and gives it a zero gradient: the
    backward of a piecewise-linear op is differentiable in its input with zero derivative in torch
    (``self: zeros_like(grad)``), so a double backward leaves zeros, not None, in ``x``'s leaves."""
    cls = _ZERO_INPUT_NODES.get(name)
    if cls is None:
        cls = _ZERO_INPUT_NODES[name] = backward_op(name)(_zero_input_bw)
    t = _wrap(r._data, r.dtype, r._device)
    record(cls, t, (r, x))
    return t


def pointwise_op(name, kernel, fwd, bwd, saves='input', ints=False, bool_error=None, no_double=None,
                 zero_double=False):
    """An elementwise op ``op(input, *params)`` with a node called ``name``.

    ``fwd(x, *params)``: the result on an array; ``bwd(M, g, x, out, *params)``: the input
    gradient (``saves`` says which of x / out the node keeps: 'input', 'output' or 'both').
    ``kernel``: torch's kernel name for its "not implemented for 'Long'" error; ``ints``: integer
    inputs are allowed (the result keeps their dtype); ``bool_error``: the message torch raises
    for bool input; ``no_double``: torch has no derivative of this backward (the aten name of
    the backward, e.g. 'hardsigmoid_backward'): a second backward through it raises, as there;
    ``zero_double``: the backward's derivative in the input is zero (leaky_relu, hardtanh, ...): a
    double backward gives the input zeros, under torch's node ``<Name>BackwardBackward0``."""
    @backward_op(name)
    def _bw(node, g):
        x, o = node.saved() or _NOTHING
        params = node._args
        if _gm.enabled and no_double is None:
            r = bwd(EM, g, x, o, *params)
            r = r if r.dtype is g.dtype else r.to(g.dtype)
            if zero_double and x is not None and x._rg:
                r = _zero_grad_to(r, x, name.replace('Backward0', 'BackwardBackward0'))
            return (r,)
        ga = g._data
        r = bwd(NP, opmath(ga), None if x is None else opmath(x._data), None if o is None else opmath(o._data),
                *params)
        r = as_array(r)
        if r.dtype is not ga.dtype:
            r = r.astype(ga.dtype)
        t = _wrap(r, g.dtype, g._device)
        if _gm.enabled and (g._rg or (x is not None and x._rg)):
            P._record_not_implemented(t, no_double, g, x)
        return (t,)

    def op(input, *params):
        if not isinstance(input, Tensor):
            raise TypeError(f"{name.split('Backward')[0].lower()}(): argument 'input' (position 1) must be Tensor, "
                            f"not {type(input).__name__}")
        dt = input.dtype
        if dt._cat < 2:
            if dt is D.bool_ and bool_error is not None:
                raise RuntimeError(bool_error)
            if not ints or dt is D.bool_:
                raise not_implemented(kernel, dt)
        x = input._data
        r = as_array(fwd(opmath(x), *params))
        if r.dtype is not x.dtype:
            r = r.astype(x.dtype)
        t = _wrap(r, dt, input._device)
        if _gm.enabled and input._rg:
            if saves == 'input':
                saved = (input, None)
            elif saves == 'output':
                saved = (None, t)
            else:
                saved = (input, t)
            record(_bw, t, (input,), saved, params)
        return t
    op.node_class = _bw
    return op


def _softplus_em(x):
    from .activation import softplus
    return softplus(x)


# ---------------------------------------------------------------- reductions of losses
def reduction_string(size_average, reduce, reduction, emit=True):
    """torch's _Reduction: the legacy ``size_average``/``reduce`` flags, when given, decide
    (with a deprecation warning); else ``reduction``, checked."""
    if size_average is not None or reduce is not None:
        sa = True if size_average is None else size_average
        rd = True if reduce is None else reduce
        ret = 'mean' if sa and rd else 'sum' if rd else 'none'
        if emit:
            warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{ret}' instead.",
                          stacklevel=3)
        return ret
    return check_reduction(reduction)


def check_reduction(reduction):
    if reduction in ('none', 'mean', 'sum'):
        return reduction
    if reduction == 'elementwise_mean':
        warnings.warn("reduction='elementwise_mean' is deprecated. Please use reduction='mean' instead.",
                      stacklevel=4)
        return 'mean'
    raise ValueError(f'{reduction} is not a valid value for reduction')


def apply_reduction(loss, reduction):
    if reduction == 'none':
        return loss
    if reduction == 'sum':
        return loss.sum()
    return loss.mean()


def autocast_fp32(f):
    """Decorator for a loss of torch's autocast "float32" list: inside an enabled autocast region
    its float16 tensor arguments are cast to float32 first (so it returns float32, as torch's)."""
    import functools

    @functools.wraps(f)
    def fp32_op(*args, **kwargs):
        if _amp.active:
            args = _amp.higher(*args)
            if kwargs:
                kwargs = dict(zip(kwargs, _amp.higher(*kwargs.values())))
        return f(*args, **kwargs)
    return fp32_op
