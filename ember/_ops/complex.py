"""Complex tensors (complex64, complex128): the ops that exist only for them or behave
differently on them, kept out of the real-dtype paths.

* views: ``view_as_real`` / ``view_as_complex``, ``Tensor.real`` / ``Tensor.imag`` (writable views);
* ``complex(real, imag)``, ``polar(abs, angle)``, ``conj`` (materialized: ``is_conj()`` is always
  False in ember), ``abs`` / ``angle`` / ``sgn`` of complex tensors (real results for abs, angle);
* autograd with torch's convention: the gradient of a real loss L w.r.t. z = x + iy is
  dL/dx + i dL/dy. For a holomorphic op (mul, div, exp, matmul, ...) that is
  ``grad_in = grad_out * conj(f'(z))``, computed here as ``conj(backward(conj(grad_out)))`` around
  the op's own real backward formula (``_holomorphic``), so each formula is written once.

Example:
    >>> z = ember.tensor([1 + 2j], requires_grad=True)
    >>> (z.abs() ** 2).sum().backward(); z.grad         # tensor([2.+4.j])
"""
import math
import warnings
import numpy as np
from .. import _dtype as D
from .._tensor import Tensor, _wrap, _gm
from .._backend import array_module
from ._core import (record, backward_op, as_array, sum_to, finish as _finish, fused_name, broadcast_shapes_or_raise,
                    grad_for)
from ._core import type_name as _cap
from . import pointwise as P, shape as S, linalg as L

__all__ = ['view_as_real', 'view_as_complex', 'complex', 'polar', 'angle', 'conj', 'conj_physical', 'resolve_conj',
           'is_conj', 'sgn', 'isreal', 'adjoint']


# ---------------------------------------------------------------- helpers
def _need_complex_ok(t, name):
    if not isinstance(t, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(t).__name__}")


def _const(arr, like):
    """A tensor of ``arr`` (no history) on ``like``'s device."""
    arr = as_array(arr)
    return _wrap(arr, D._FROM_NP[arr.dtype], like._device)


def _conj_any(g):
    """conj of a gradient (a tensor or None); real tensors unchanged."""
    if g is None or g.dtype._cat != 3:
        return g
    return conj(g)


def _holomorphic(orig):
    """A backward for a holomorphic op from its real formula: conj(orig(conj(g)))."""
    def bw(node, g):        # (single-output nodes: one gradient)
        if g is None or g.dtype._cat != 3:
            return orig(node, g)
        return tuple([_conj_any(x) for x in orig(node, conj(g))])
    bw.__wrapped__ = orig
    return bw


def _install_holomorphic():
    classes = [P._mul_bw, P._div_bw, P._pow_scalar_bw, L._addmm_bw, L._dot_bw, L._mv_bw, L._mm_bw, L._bmm_bw, L._vm_bw,
               L._uview_bw, L._clone_bw, L._transp_bw, *L._EINSUM_NODES.values()]
    for name in ('exp', 'log', 'sqrt', 'sin', 'cos', 'tan', 'tanh', 'sigmoid', 'reciprocal', 'rsqrt', 'expm1',
                 'log1p', 'sinh', 'cosh', 'log2', 'log10', 'exp2'):
        op = getattr(P, name, None)
        if op is None or op.__closure__ is None:
            continue
        cells = dict(zip(op.__code__.co_freevars, (c.cell_contents for c in op.__closure__)))
        cls = cells.get('cls')
        if cls is not None:
            classes.append(cls)
    from . import reduction as R
    classes += [P._rpow_bw, R._prod0_bw, R._prod1_bw]
    for cls in classes:
        if not hasattr(cls._backward, '__wrapped__'):
            cls._backward = _holomorphic(cls._backward)
    if not hasattr(P._pow_bw._backward, '__wrapped__'):
        P._pow_bw._backward = _pow_bw(P._pow_bw._backward)
    L._MM_NAME.setdefault('complex64', 'c10::complex<float>')
    L._MM_NAME.setdefault('complex128', 'c10::complex<double>')


def _pow_bw(orig):
    """pow(tensor, tensor)'s backward, for complex gradients: g * conj(d out / d a) and
    g * conj(out * log(a)) (0 where a == 0 and Re(b) >= 0, as torch)."""
    def bw(node, g):
        if g.dtype._cat != 3:
            return orig(node, g)
        a, b, out = node.saved()
        sa, sb, da, db = node._args
        na, nb = node.next_functions
        ga = gb = None
        if na[0] is not None:
            d = b * a ** (b - 1)
            if isinstance(b, Tensor):
                d = P.where(b == 0, 0., d)
            ga = grad_for(g * conj(d), sa, da)
        if nb[0] is not None:
            d = out * (P.log(a) if isinstance(a, Tensor) else np.log(a))
            if isinstance(a, Tensor):
                d = P.where((a == 0) & (real(b) >= 0), 0., d)
            gb = grad_for(g * conj(d), sb, db)
        return ga, gb
    bw.__wrapped__ = orig
    return bw


# ---------------------------------------------------------------- dtype conversion, random draws
def complex_to_real(self, dt, dev):
    """``t.to(real_dtype)`` of a complex tensor: torch warns and keeps the real part (bool: z != 0,
    without a warning)."""
    if dt is D.bool_:
        return _wrap(as_array(self._data != 0), D.bool_, self._device).to(device=dev)
    warnings.warn('Casting complex values to real discards the imaginary part', UserWarning, stacklevel=3)
    return real(self).to(dtype=dt, device=dev, copy=True)


def draw_complex(draw):
    """A random draw of complex numbers: torch draws the real and imaginary parts as one real
    tensor of shape (..., 2) (view_as_real), and for normal samples with std 1/sqrt(2)."""
    from .creation import _draw_normal, _draw_normal_ms

    def d(g, shape, dt):
        rdt = dt.to_real()
        if draw is _draw_normal:
            arr = _draw_normal_ms(g, tuple(shape) + (2,), rdt, 0.0, 1 / math.sqrt(2))
        else:
            arr = draw(g, tuple(shape) + (2,), rdt)
        arr = np.ascontiguousarray(as_array(arr).astype(rdt.np, copy=False))
        return arr.view(dt.np)[..., 0]
    return d


# ---------------------------------------------------------------- views
def _real_part_view(a, part):
    """The float view of the real (0) or imaginary (1) parts of complex array ``a``."""
    return a.real if part == 0 else a.imag


def _as_real_array(a):
    xp = array_module(a)
    rdt = a.real.dtype
    base = a.real          # same memory and strides as a, dtype float
    return xp.lib.stride_tricks.as_strided(base, a.shape + (2,), a.strides + (rdt.itemsize,))


@backward_op('ViewAsRealBackward0')
def _view_as_real_bw(node, g):
    return (view_as_complex(g.contiguous()),)


@backward_op('ViewAsComplexBackward0')
def _view_as_complex_bw(node, g):
    return (view_as_real(g).clone(),)


@backward_op('RealBackward0')
def _real_bw(node, g):
    return (complex(g, P.mul(g, 0)),)


@backward_op('ImagBackward0')
def _imag_bw(node, g):
    return (complex(P.mul(g, 0), g),)


def _retype(v, dt):
    v.dtype = dt
    return v


def view_as_real(input):
    """A real view of a complex tensor, with a last dimension of size 2 (real, imaginary)."""
    _need_complex_ok(input, 'view_as_real')
    if input.dtype._cat != 3:
        raise RuntimeError('view_as_real is only supported for complex tensors')
    return _retype(S.make_view(input, _as_real_array(input._data), _view_as_real_bw, None, ('_view_as_real', ())),
                   input.dtype.to_real())


def view_as_complex(input):
    """A complex view of a real tensor whose last dimension has size 2 and stride 1."""
    _need_complex_ok(input, 'view_as_complex')
    dt = input.dtype
    if dt._cat != 2:
        raise RuntimeError('view_as_complex is only supported for half, float and double tensors, but got a tensor '
                           f'of scalar type: {_cap(dt)}')
    a = input._data
    if a.ndim == 0 or a.shape[-1] != 2:
        raise RuntimeError('Tensor must have a last dimension of size 2')
    if a.strides[-1] != a.itemsize:
        raise RuntimeError('Tensor must have a last dimension with stride 1')
    if any((s // a.itemsize) % 2 for s in a.strides[:-1]):
        raise RuntimeError('Tensor must have a stride divisible by 2 for all but last dimension')
    if dt is D.float16:
        raise RuntimeError('ember has no complex32 (ComplexHalf) dtype')
    cdt = dt.to_complex()
    c = a.view(cdt.np)[..., 0]
    return _retype(S.make_view(input, c, _view_as_complex_bw, None, ('_view_as_complex', ())), cdt)


def _real_view(self):
    if self.dtype._cat != 3:
        return self
    return _retype(S.make_view(self, self._data.real, _real_bw, None, ('_real_view', ())), self.dtype.to_real())


def _imag_view(self):
    if self.dtype._cat != 3:
        raise RuntimeError('imag is not implemented for tensors with non-complex dtypes.')
    return _retype(S.make_view(self, self._data.imag, _imag_bw, None, ('_imag_view', ())), self.dtype.to_real())


def real(input):
    """The real part: a view for complex tensors, the tensor itself for real ones."""
    _need_complex_ok(input, 'real')
    return _real_view(input)


def imag(input):
    """The imaginary part (a view); real tensors raise as in torch."""
    _need_complex_ok(input, 'imag')
    return _imag_view(input)


def _set_part(self, value, part):
    v = _real_view(self) if part == 0 else _imag_view(self)
    v.copy_(value if isinstance(value, Tensor) else P._scalar_tensor(value, self))


# ---------------------------------------------------------------- complex(), polar()
def _check_parts(a, b, name='complex'):
    for x, pos, arg in ((a, 1, 'real'), (b, 2, 'imag')):
        if not isinstance(x, Tensor):
            raise TypeError(f"{name}(): argument '{arg if name == 'complex' else ('abs' if pos == 1 else 'angle')}' "
                            f"(position {pos}) must be Tensor, not {type(x).__name__}")
    if a.dtype._cat != 2 or b.dtype._cat != 2:
        raise RuntimeError(f'Expected both inputs to be Half, Float or Double tensors but got {_cap(a.dtype)} and '
                           f'{_cap(b.dtype)}')
    if a.dtype is not b.dtype:
        raise RuntimeError(f'Expected object of scalar type {_cap(a.dtype)} but got scalar type {_cap(b.dtype)} for '
                           'second argument')
    if a.dtype is D.float16:
        raise RuntimeError('ember has no complex32 (ComplexHalf) dtype')
    if a._device is not b._device:
        from ._core import check_device
        check_device(a, b)


@backward_op('ComplexBackward0')
def _complex_bw(node, g):
    sa, sb = node._args
    na, nb = node.next_functions
    gr = sum_to(real(g).clone(), sa) if na[0] is not None else None
    gi = sum_to(imag(g).clone(), sb) if nb[0] is not None else None
    return gr, gi


def complex(real, imag, *, out=None):
    """A complex tensor from real and imaginary parts of one floating dtype (broadcast)."""
    _check_parts(real, imag)
    cdt = real.dtype.to_complex()
    xp = array_module(real._data)
    shape = broadcast_shapes_or_raise(real._data.shape, imag._data.shape)
    r = xp.empty(shape, dtype=cdt.np)
    r.real = real._data
    r.imag = imag._data
    t = _wrap(r, cdt, real._device)
    if _gm.enabled and (real._rg or imag._rg):
        record(_complex_bw, t, (real, imag), (), (real._data.shape, imag._data.shape))
    return _finish(t, out)


def polar(abs, angle, *, out=None):
    """``abs * (cos(angle) + i sin(angle))``."""
    _check_parts(abs, angle, 'polar')
    # torch's polar kernel is scalar std::cos / std::sin: correctly rounded in float32, as cos and
    # sin taken in float64 and rounded (numpy's float32 SIMD sin and cos may be one ulp off)
    wide = angle.to(D.float64) if angle.dtype in (D.float32, D.float16) else angle
    c, s = P.cos(wide).to(angle.dtype), P.sin(wide).to(angle.dtype)
    t = complex(P.mul(abs, c), P.mul(abs, s))
    return _finish(fused_name(t, 'PolarBackward0'), out)


# ---------------------------------------------------------------- conj, abs, angle, sgn
@backward_op('ConjBackward0')
def _conj_bw(node, g):
    return (conj(g),)


@backward_op('ConjPhysicalBackward0')
def _conj_physical_bw(node, g):
    return (conj(g),)


def _conj(input, cls):
    if input.dtype._cat != 3:
        return input
    t = _wrap(as_array(array_module(input._data).conj(input._data)), input.dtype, input._device)
    if _gm.enabled and input._rg:
        record(cls, t, (input,))
    return t


def conj(input):
    """The complex conjugate (materialized: ember has no lazy conjugate bit); real tensors: themselves."""
    _need_complex_ok(input, 'conj')
    return _conj(input, _conj_bw)


def conj_physical(input, *, out=None):
    """The conjugate, materialized."""
    _need_complex_ok(input, 'conj_physical')
    t = _conj(input, _conj_physical_bw)
    if out is not None:
        from .shape import copy_out
        return copy_out(out, t)
    return t


def resolve_conj(input):
    """``input`` itself: ember's conjugates are never lazy."""
    _need_complex_ok(input, 'resolve_conj')
    return input


def is_conj(input):
    """Always False: ember materializes conjugates (torch's ``z.conj()`` reports True)."""
    _need_complex_ok(input, 'is_conj')
    return False


def isreal(input):
    """Whether each element is real (imaginary part 0; always True for real dtypes)."""
    _need_complex_ok(input, 'isreal')
    if input.dtype._cat != 3:
        from .creation import ones
        return ones(tuple(input.shape), dtype=D.bool_, device=input._device)
    return _wrap(as_array(input._data.imag == 0), D.bool_, input._device)


def _sgn_array(a):
    xp = array_module(a)
    m = xp.abs(a)
    with np.errstate(invalid='ignore', divide='ignore'):
        r = xp.where(m == 0, 0, a / xp.where(m == 0, 1, m))
    return as_array(r).astype(a.dtype, copy=False)


@backward_op('AbsBackward0')
def _cabs_bw(node, g):
    (z,) = node.saved()
    return (P.mul(g, _const(_sgn_array(z._data), z)),)


def complex_abs(input, r, out):
    """abs of a complex tensor, given NumPy's |z| array ``r``: a real tensor."""
    t = _wrap(as_array(r), input.dtype.to_real(), input._device)
    if _gm.enabled and input._rg:
        record(_cabs_bw, t, (input,), (input,))
    return _finish(t, out)


@backward_op('AngleBackward0')
def _angle_bw(node, g):
    (z,) = node.saved()
    if z.dtype._cat != 3:
        return (P.mul(g, 0),)
    a = z._data
    xp = array_module(a)
    m2 = (a.real * a.real + a.imag * a.imag)
    with np.errstate(invalid='ignore', divide='ignore'):
        f = xp.where(m2 == 0, 0, 1j * a / xp.where(m2 == 0, 1, m2)).astype(a.dtype, copy=False)
    return (P.mul(g, _const(f, z)),)


def angle(input, *, out=None):
    """The argument of each element (real dtypes: 0 or pi, as torch)."""
    _need_complex_ok(input, 'angle')
    a = input._data
    xp = array_module(a)
    dt = input.dtype
    if dt._cat == 3:
        r = xp.angle(a)
        rdt = dt.to_real()
    else:
        rdt = dt if dt._cat == 2 else D._default[0]
        x = a.astype(rdt.np, copy=False)
        r = xp.where(xp.isnan(x), x, xp.where(x < 0, math.pi, 0.0))
    t = _wrap(as_array(r).astype(rdt.np, copy=False), rdt, input._device)
    if _gm.enabled and input._rg:
        record(_angle_bw, t, (input,), (input,))
    return _finish(t, out)


@backward_op('SgnBackward0')
def _sgn_bw(node, g):
    # torch's sgn_backward: (g - Re(g * conj(sgn z)) * sgn z) / |z|, 0 where z == 0
    (z,) = node.saved()
    a = z._data
    xp = array_module(a)
    s = _sgn_array(a)
    m = xp.abs(a)
    gd = g._data
    with np.errstate(invalid='ignore', divide='ignore'):
        r = xp.where(m == 0, 0, (gd - (gd * xp.conj(s)).real * s) / xp.where(m == 0, 1, m))
    return (_const(as_array(r).astype(a.dtype, copy=False), z),)


def sgn(input, *, out=None):
    """z / |z| (0 at 0) for complex tensors; ``sign`` for real ones."""
    _need_complex_ok(input, 'sgn')
    if input.dtype._cat != 3:
        return P.sign(input, out=out)
    t = _wrap(_sgn_array(input._data), input.dtype, input._device)
    if _gm.enabled and input._rg:
        record(_sgn_bw, t, (input,), (input,))
    return _finish(t, out)


def not_for_complex(kernel, dt):
    """torch's NotImplementedError for a kernel with no complex implementation."""
    return NotImplementedError(f'"{kernel}" not implemented for \'{_cap(dt)}\'')


def adjoint(input):
    """The conjugate transpose of the last two dims (``input.mH``)."""
    _need_complex_ok(input, 'adjoint')
    return input.mH


def _no_inplace_abs(orig):
    def abs_(self):
        if self.dtype._cat == 3:
            raise RuntimeError('In-place abs is not supported for complex tensors.')
        return orig(self)
    return abs_


def _plain_real_view(t):
    """view_as_real of ``t`` without autograd, sharing its version counter (optimizer steps)."""
    if not isinstance(t, Tensor) or t.dtype._cat != 3:
        return t
    v = _wrap(_as_real_array(t._data), t.dtype.to_real(), t._device)
    v._vc = t._shared_vc()
    return v


def step_as_real(params, grads, lists):
    """An optimizer's gathered entries for its last (complex) parameter replaced by their real
    views, as torch's optimizers step complex parameters (view_as_real)."""
    params[-1] = _plain_real_view(params[-1])
    grads[-1] = _plain_real_view(grads[-1])
    for lst in lists:
        lst[-1] = _plain_real_view(lst[-1])


# ---------------------------------------------------------------- binding
def _bind():
    T = Tensor
    T.real = property(_real_view, lambda self, v: _set_part(self, v, 0))
    T.imag = property(_imag_view, lambda self, v: _set_part(self, v, 1))
    T._real_view = _real_view
    T._imag_view = _imag_view
    T._view_as_real = view_as_real
    T._view_as_complex = view_as_complex
    T.conj = conj
    T.conj_physical = conj_physical
    T.resolve_conj = resolve_conj
    T.is_conj = is_conj
    T.angle = angle
    T.sgn = sgn
    T.isreal = isreal
    T.cfloat = lambda self, memory_format=None: self.to(D.complex64)
    T.cdouble = lambda self, memory_format=None: self.to(D.complex128)

    def conj_physical_(self):
        if self.dtype._cat == 3:
            self.copy_(conj(self.detach()) if not self._rg else conj(self))
        return self
    T.conj_physical_ = conj_physical_

    h, mh = T.H.fget, T.mH.fget
    T.H = property(lambda self: _conj_any(h(self)))
    T.mH = property(lambda self: _conj_any(mh(self)))
    T.adjoint = adjoint
    for name in ('abs_', 'absolute_'):
        setattr(T, name, _no_inplace_abs(getattr(T, name)))

    def sgn_(self):
        return self.copy_(sgn(self)) if self.dtype._cat == 3 else self.sign_()
    T.sgn_ = sgn_
    _install_holomorphic()


_bind()
