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
from ..._tensor import Tensor, _wrap, _gm
from ..._ops._core import record, backward_op, as_array
from ..._ops._core import type_name as cap
from ..._ops import pointwise as P

__all__ = ['EM', 'NP', 'pointwise_op', 'need_tensor', 'not_implemented', 'reduction_string', 'apply_reduction',
           'erf_np', 'erf', 'opmath']


def need_tensor(fname, x, name='input', pos=1):
    if not isinstance(x, Tensor):
        raise TypeError(f"{fname}(): argument '{name}' (position {pos}) must be Tensor, not {type(x).__name__}")


def not_implemented(kernel, dt):
    return NotImplementedError(f'"{kernel}" not implemented for \'{cap(dt)}\'')


def opmath(x):
    """float16 computes in float32 (torch's "opmath" type on the CPU)."""
    return x.astype(np.float32) if x.dtype == np.float16 else x


# ---------------------------------------------------------------- erf (NumPy has none)
# Rational approximations of W. J. Cody's kind, with the coefficients of fdlibm's s_erf.c
# (Copyright (C) 1993 by Sun Microsystems, Inc. All rights reserved. Developed at SunPro, a Sun
# Microsystems, Inc. business. Permission to use, copy, modify, and distribute this software is
# freely granted, provided that this notice is preserved.) Accurate to about one ulp in float64.
_PP = (1.28379167095512558561e-01, -3.25042107247001499370e-01, -2.84817495755985104766e-02,
       -5.77027029648944159157e-03, -2.37630166566501626084e-05)
_QQ = (1.0, 3.97917223959155352819e-01, 6.50222499887672944485e-02, 5.08130628187576562776e-03,
       1.32494738004321644526e-04, -3.96022827877536812320e-06)
_PA = (-2.36211856075265944077e-03, 4.14856118683748331666e-01, -3.72207876035701323847e-01,
       3.18346619901161753674e-01, -1.10894694282396677476e-01, 3.54783043256182359371e-02,
       -2.16637559486879084300e-03)
_QA = (1.0, 1.06420880400844228286e-01, 5.40397917702171048937e-01, 7.18286544141962662868e-02,
       1.26171219808761642112e-01, 1.36370839120290507362e-02, 1.19844998467991074170e-02)
_RA = (-9.86494403484714822705e-03, -6.93858572707181764372e-01, -1.05586262253232909814e+01,
       -6.23753324503260060396e+01, -1.62396669462573470355e+02, -1.84605092906711035994e+02,
       -8.12874355063065934246e+01, -9.81432934416914548592e+00)
_SA = (1.0, 1.96512716674392571292e+01, 1.37657754143519042600e+02, 4.34565877475229228821e+02,
       6.45387271733267880336e+02, 4.29008140027567833386e+02, 1.08635005541779435134e+02,
       6.57024977031928170135e+00, -6.04244152148580987438e-02)
_RB = (-9.86494292470009928597e-03, -7.99283237680523006574e-01, -1.77579549177547519889e+01,
       -1.60636384855821916062e+02, -6.37566443368389627722e+02, -1.02509513161107724954e+03,
       -4.83519191608651397019e+02)
_SB = (1.0, 3.03380607434824582924e+01, 3.25792512996573918826e+02, 1.53672958608443695994e+03,
       3.19985821950859553908e+03, 2.55305040643316442583e+03, 4.74528541206955367215e+02,
       -2.24409524465858183362e+01)
_ERX = 8.45062911510467529297e-01


def _poly(c, z):
    r = np.full_like(z, c[-1])
    for a in c[-2::-1]:
        r = r * z + a
    return r


_ERFC32 = (-1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807, -1.13520398, 1.48851587,
           -0.82215223, 0.17087277)


def _erf32(x):
    """erf in float32 for float32/float16 input: 1 - erfc(|x|) with the Chebyshev-fitted erfc of
    Numerical Recipes (fractional error < 1.2e-7), one pass of ~16 array ops."""
    x = x.astype(np.float32, copy=False)
    z = np.abs(x)
    t = 1 / (1 + 0.5 * z)
    p = np.full_like(t, np.float32(_ERFC32[-1]))
    for a in _ERFC32[-2::-1]:
        p *= t
        p += np.float32(a)
    p -= z * z
    np.exp(p, out=p)
    p *= t
    np.subtract(1, p, out=p)
    return np.copysign(p, x, out=p)


def erf_np(x):
    """erf of an array: float64 to about one ulp (fdlibm's method), float32/float16 in float32."""
    dt = x.dtype
    if dt == np.float32 or dt == np.float16:
        return _erf32(x).astype(dt, copy=False)
    a = np.abs(np.asarray(x, dtype=np.float64))
    out = np.empty_like(a)
    m1 = a < 0.84375
    if m1.any():
        s = a[m1]
        z = s * s
        out[m1] = s + s * (_poly(_PP, z) / _poly(_QQ, z))
    m2 = (a >= 0.84375) & (a < 1.25)
    if m2.any():
        s = a[m2] - 1
        out[m2] = _ERX + _poly(_PA, s) / _poly(_QA, s)
    m3 = (a >= 1.25) & (a < 6)
    if m3.any():
        s = a[m3]
        z = 1 / (s * s)
        small = s < 1 / 0.35
        R = np.where(small, _poly(_RA, z), _poly(_RB, z))
        S = np.where(small, _poly(_SA, z), _poly(_SB, z))
        h = (s.view(np.uint64) & np.uint64(0xffffffff00000000)).view(np.float64)   # s to ~single precision
        out[m3] = 1 - np.exp(-h * h - 0.5625) * np.exp((h - s) * (h + s) + R / S) / s
    m4 = ~(m1 | m2 | m3)
    if m4.any():
        out[m4] = np.where(np.isnan(a[m4]), np.nan, 1.0)
    out = np.copysign(out, x)
    return out.astype(dt, copy=False) if dt.kind == 'f' else out


class NP:
    """Backward formulas over NumPy arrays."""
    exp = staticmethod(np.exp)
    expm1 = staticmethod(np.expm1)
    log = staticmethod(np.log)
    log1p = staticmethod(np.log1p)
    tanh = staticmethod(np.tanh)
    abs = staticmethod(np.abs)
    sign = staticmethod(np.sign)
    where = staticmethod(np.where)
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


def pointwise_op(name, kernel, fwd, bwd, saves='input', ints=False, bool_error=None, no_double=None):
    """An elementwise op ``op(input, *params)`` with a node called ``name``.

    ``fwd(x, *params)``: the result on an array; ``bwd(M, g, x, out, *params)``: the input
    gradient (``saves`` says which of x / out the node keeps: 'input', 'output' or 'both').
    ``kernel``: torch's kernel name for its "not implemented for 'Long'" error; ``ints``: integer
    inputs are allowed (the result keeps their dtype); ``bool_error``: the message torch raises
    for bool input; ``no_double``: torch has no derivative of this backward (the aten name of
    the backward, e.g. 'hardsigmoid_backward'): a second backward through it raises, as there."""
    @backward_op(name)
    def _bw(node, g):
        x, o = node.saved() or _NOTHING
        params = node._args
        if _gm.enabled and no_double is None:
            r = bwd(EM, g, x, o, *params)
            return (r if r.dtype is g.dtype else r.to(g.dtype),)
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


# erf as an op of its own: exact GELU's backward (evaluated on tensors) needs it differentiable
erf = pointwise_op('ErfBackward0', 'erf_vml_cpu', erf_np,
                   lambda M, g, x, o: g * (M.exp(-(x * x)) * 1.1283791670955126))


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
