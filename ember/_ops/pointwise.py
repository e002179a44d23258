"""Pointwise ops: arithmetic, unary math, comparisons, logical ops, where, clamp.

Each op is defined once here, forward on backend arrays and backward with ember ops, and
``ember/_ops/__init__.py`` makes the function, the method, the operator and the in-place form.

Shapes broadcast as in PyTorch; dtypes promote by ``torch.result_type``.
Example:
    >>> ember.add(ember.ones(2, 3), ember.arange(3), alpha=2)      # shape (2, 3), float32
"""
import warnings
import operator as _operator
import numpy as np
from builtins import abs as builtins_abs
from .. import _dtype as D
from .._tensor import Tensor, _wrap, _gm
from ._core import (record, backward_op, check_device, result_dtype, scalar_array, is_scalar, to_scalar,
                    broadcast_shapes_or_raise, grad_for, grad_from_array, as_array)
from ._core import type_name as _cap, finish as _finish

_default = D._default
_scalar_rt = {}


def _operands(a, b):
    """(array_a, array_or_scalar_b, result dtype, device, tensor) for a binary op."""
    if isinstance(a, Tensor):
        t = a
        if isinstance(b, Tensor):
            if a._device is not b._device:
                check_device(a, b)
            if a.dtype is b.dtype:
                return a._data, b._data, a.dtype
            rt = result_dtype(a, b)
            xa = a._data if a.dtype is rt else a._data.astype(rt.np)
            xb = b._data if b.dtype is rt else b._data.astype(rt.np)
            return xa, xb, rt
        return _with_scalar(a, b, False)
    if isinstance(b, Tensor):
        xb, xa, rt = _with_scalar(b, a, True)
        return xa, xb, rt
    raise TypeError(f'expected at least one Tensor argument, got {type(a).__name__} and {type(b).__name__}')


def _with_scalar(t, s, swapped):
    ts = type(s)
    if (ts is float or ts is int) and t.dtype._cat == 2:
        return t._data, s, t.dtype   # a float tensor keeps its dtype with a Python number
    if ts not in (int, float, bool):
        if isinstance(s, (np.number, np.bool_)):
            s = s.item()
            ts = type(s)
        elif isinstance(s, np.ndarray):
            from .creation import tensor
            o = tensor(s, device=t._device)
            return _operands(o, t) if swapped else _operands(t, o)[:3]
        else:
            raise TypeError(f"unsupported operand type(s): 'Tensor' and '{ts.__name__}'")
    key = (t.dtype, ts, _default[0])
    rt = _scalar_rt.get(key)
    if rt is None:
        rt = _scalar_rt[key] = D._combine(t.dtype, D.scalar_dtype(s))
    x = t._data if t.dtype is rt else t._data.astype(rt.np)
    if rt._cat == 1 and ts is int and (not (-128 <= s <= 127) or (s < 0 and rt is D.uint8)):
        s = scalar_array(s, rt, x)   # NumPy refuses out-of-range Python ints; torch wraps them
    elif rt._cat == 0 and ts is not bool:
        s = bool(s)
    return x, s, rt


def _check_shapes(a, b):
    sa = a._data.shape if isinstance(a, Tensor) else ()
    sb = b._data.shape if isinstance(b, Tensor) else ()
    broadcast_shapes_or_raise(sa, sb)


def _shape(x):
    return x._data.shape if isinstance(x, Tensor) else ()


def _dt(x, rt):
    return x.dtype if isinstance(x, Tensor) else rt


def _compute(ufunc, a, b, xa, xb):
    try:
        return ufunc(xa, xb)
    except ValueError:
        _check_shapes(a, b)
        raise


def _grad_input(x):
    return isinstance(x, Tensor) and x._rg


# ---------------------------------------------------------------- add / sub
@backward_op('AddBackward0')
def _add_bw(node, g):
    sa, sb, da, db, alpha = node._args
    gb = g if alpha == 1 else g * alpha
    return grad_for(g, sa, da), grad_for(gb, sb, db)


@backward_op('SubBackward0')
def _sub_bw(node, g):
    sa, sb, da, db, alpha = node._args
    return grad_for(g, sa, da), grad_for(-g if alpha == 1 else g * -alpha, sb, db)


@backward_op('RsubBackward0')
def _rsub_bw(node, g):
    # rsub(input, other) = other - alpha * input; one edge when other is a number
    sa, sb, da, db, alpha = node._args
    ga = grad_for(-g if alpha == 1 else g * -alpha, sa, da)
    return (ga, grad_for(g, sb, db)) if len(node.next_functions) == 2 else (ga,)


_rsub_scalar_bw = backward_op('RsubBackward1')(_rsub_bw._backward)


def _fast(input, other, op):
    """The common cases of add/sub/mul, with no promotion work: two tensors of one non-bool dtype
    and device, or a float tensor and a Python number on either side. The result tensor, or None
    for the general path. (Same values and dtype as the general path.)"""
    if isinstance(input, Tensor):
        rt = input.dtype
        if isinstance(other, Tensor):
            if other.dtype is not rt or other._device is not input._device or rt is D.bool_:
                return None
            try:
                r = op(input._data, other._data)      # the operator: a little cheaper than the ufunc
            except ValueError:
                _check_shapes(input, other)
                raise
        elif (type(other) is float or type(other) is int) and rt._cat == 2:
            r = op(input._data, other)
        else:
            return None
        dev = input._device
    elif (type(input) is float or type(input) is int) and isinstance(other, Tensor) and other.dtype._cat == 2:
        rt = other.dtype
        r = op(input, other._data)
        dev = other._device
    else:
        return None
    if type(r) is not np.ndarray:
        r = np.asarray(r)
    if r.dtype is not rt.np:
        r = r.astype(rt.np)
    return _wrap(r, rt, dev)


def add(input, other, *, alpha=1, out=None):
    """input + alpha * other, broadcast. Example: ``ember.add(x, 1)``."""
    # ``a + b`` on tensors of one dtype is the most frequent op of all: _fast's case, inlined
    if type(input) is Tensor and type(other) is Tensor and alpha == 1:
        rt = input.dtype
        if other.dtype is rt and other._device is input._device and rt is not D.bool_:
            try:
                r = input._data + other._data
            except ValueError:
                _check_shapes(input, other)
                raise
            t = _wrap(r if type(r) is np.ndarray else np.asarray(r), rt, input._device)
            if _gm.enabled and (input._rg or other._rg):
                record(_add_bw, t, (input, other), (), (input._data.shape, other._data.shape, rt, rt, 1))
            return t if out is None else _finish(t, out)
    t = _fast(input, other, _operator.add) if alpha == 1 else None
    if t is None:
        xa, xb, rt = _operands(input, other)
        if alpha != 1:
            _check_alpha(alpha, rt)
            xb = xb * alpha
        r = as_array(_compute(np.logical_or if rt is D.bool_ and alpha == 1 else np.add, input, other, xa, xb))
        if r.dtype is not rt.np:
            r = r.astype(rt.np)
        t = _wrap(r, rt, _device_of(input, other))
    if _gm.enabled and ((isinstance(input, Tensor) and input._rg) or (isinstance(other, Tensor) and other._rg)):
        rt = t.dtype
        record(_add_bw, t, (input, other), (), (_shape(input), _shape(other), _dt(input, rt), _dt(other, rt), alpha))
    return t if out is None else _finish(t, out)


def _check_alpha(alpha, rt):
    if isinstance(alpha, float) and rt._cat < 2:
        raise RuntimeError(f'For integral input tensors, argument alpha must not be a floating point number.')
    if isinstance(alpha, bool) is False and rt is D.bool_:
        raise RuntimeError('Boolean alpha only supported for Boolean results.')


def sub(input, other, *, alpha=1, out=None, _rsub=None):
    """input - alpha * other, broadcast."""
    t = _fast(input, other, _operator.sub) if alpha == 1 else None
    if t is None:
        if _is_bool(input) or _is_bool(other):
            if _is_bool(input) and _is_bool(other):
                raise RuntimeError('Subtraction, the `-` operator, with two bool tensors is not supported. '
                                   'Use the `^` or `logical_xor()` operator instead.')
            raise RuntimeError('Subtraction, the `-` operator, with a bool tensor is not supported. '
                               'If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.')
        xa, xb, rt = _operands(input, other)
        if alpha != 1:
            _check_alpha(alpha, rt)
            xb = xb * alpha
        r = as_array(_compute(np.subtract, input, other, xa, xb))
        if r.dtype is not rt.np:
            r = r.astype(rt.np)
        t = _wrap(r, rt, _device_of(input, other))
    if _gm.enabled and ((isinstance(input, Tensor) and input._rg) or (isinstance(other, Tensor) and other._rg)):
        rt = t.dtype
        if _rsub is None:
            record(_sub_bw, t, (input, other), (), (_shape(input), _shape(other), _dt(input, rt), _dt(other, rt), alpha))
        else:   # rsub(other, input): the node sees rsub's own arguments, the number (if any) dropped
            ins = (other, input) if isinstance(input, Tensor) else (other,)
            record(_rsub_bw if len(ins) == 2 else _rsub_scalar_bw, t, ins, (),
                   (_shape(other), _shape(input), _dt(other, rt), _dt(input, rt), alpha))
    return t if out is None else _finish(t, out)


def _is_bool(x):
    return x.dtype is D.bool_ if isinstance(x, Tensor) else type(x) is bool


def _not_implemented(kernel, dt):
    """torch's error for a kernel that has no implementation for a dtype."""
    return NotImplementedError(f'"{kernel}" not implemented for \'{_cap(dt)}\'')


def _need_tensor(name, input, other):
    """torch.eq(2, t), torch.fmod(2, t), ...: these functions take a Tensor first."""
    if not isinstance(input, Tensor):
        raise TypeError(f'{name}() received an invalid combination of arguments - got ({type(input).__name__}, '
                        f'{type(other).__name__}), but expected one of:\n'
                        f' * (Tensor input, Tensor other, *, Tensor out = None)\n'
                        f' * (Tensor input, Number other, *, Tensor out = None)\n')


def rsub(input, other, *, alpha=1):
    """other - alpha * input (``2 - t`` runs ``rsub(t, 2)``)."""
    return sub(other, input, alpha=alpha, _rsub=True)


def _rtruediv(self, other):
    """``other / self``: torch computes ``self.reciprocal() * other``."""
    return mul(reciprocal(self), other)


def _device_of(a, b):
    return a._device if isinstance(a, Tensor) else b._device


# ---------------------------------------------------------------- mul / div
@backward_op('MulBackward0')
def _mul_bw(node, g):
    a, b = node.saved()
    sa, sb, da, db = node._args
    na, nb = node.next_functions
    if not _gm.enabled:     # no graph to build: the same formula on the arrays
        x = g._data
        return (grad_from_array(x * (b._data if isinstance(b, Tensor) else b), sa, da, g._device)
                if na[0] is not None else None,
                grad_from_array(x * (a._data if isinstance(a, Tensor) else a), sb, db, g._device)
                if nb[0] is not None else None)
    ga = grad_for(g * b, sa, da) if na[0] is not None else None
    gb = grad_for(g * a, sb, db) if nb[0] is not None else None
    return ga, gb


def _save_pair(a, b):
    # save only what the other input's gradient needs (torch does the same, and it lets
    # an input that needs no gradient be changed in place afterwards)
    return (a if _grad_input(b) else None, b if _grad_input(a) else None)


def mul(input, other, *, out=None):
    """input * other, broadcast."""
    t = _fast(input, other, _operator.mul)
    if t is None:
        xa, xb, rt = _operands(input, other)
        r = as_array(_compute(np.logical_and if rt is D.bool_ else np.multiply, input, other, xa, xb))
        if r.dtype is not rt.np:
            r = r.astype(rt.np)
        t = _wrap(r, rt, _device_of(input, other))
    if _gm.enabled and ((isinstance(input, Tensor) and input._rg) or (isinstance(other, Tensor) and other._rg)):
        rt = t.dtype
        record(_mul_bw, t, (input, other), _save_pair(input, other),
               (_shape(input), _shape(other), _dt(input, rt), _dt(other, rt)))
    return t if out is None else _finish(t, out)


@backward_op('DivBackward0')
def _div_bw(node, g):
    a, b = node.saved()
    sa, sb, da, db = node._args
    na, nb = node.next_functions
    ga = grad_for(g / b, sa, da) if na[0] is not None else None
    gb = grad_for(-g * ((a / b) / b), sb, db) if nb[0] is not None else None
    return ga, gb


def div(input, other, *, rounding_mode=None, out=None):
    """input / other. Integer inputs give the default float dtype unless ``rounding_mode`` is
    'trunc' or 'floor'."""
    if rounding_mode is not None:
        if rounding_mode not in ('trunc', 'floor'):
            raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                               f"'{rounding_mode}'")
        return _div_rounded(input, other, rounding_mode, out)
    xa, xb, rt = _operands(input, other)
    if rt._cat < 2:
        # (a number operand divides as itself, not wrapped into the tensor's integer type)
        rt = _default[0]
        xa = float(input) if is_scalar(input) else xa.astype(rt.np)
        xb = float(other) if is_scalar(other) else xb.astype(rt.np)
    r = as_array(_compute(np.true_divide, input, other, xa, xb))
    if r.dtype is not rt.np:
        r = r.astype(rt.np)
    t = _wrap(r, rt, _device_of(input, other))
    if _gm.enabled and (_grad_input(input) or _grad_input(other)):
        sa, sb = _save_pair(input, other)
        if _grad_input(other):
            sa = input
        record(_div_bw, t, (input, other), (sa, other if isinstance(other, Tensor) else None),
               (_shape(input), _shape(other), _dt(input, rt), _dt(other, rt)))
        if not isinstance(other, Tensor):
            t.grad_fn._saved = (sa, other)
            t.grad_fn._vers = (t.grad_fn._vers[0], 0)
    return _finish(t, out)


true_divide = div


@backward_op('DivBackward2')
def _div_round_bw(node, g):
    return tuple(None if e[0] is None else g * 0 for e in node.next_functions)


@backward_op('NotImplemented')
def _not_implemented_bw(node, *g):
    raise RuntimeError(f'derivative for aten::{node._args} is not implemented')


def _record_not_implemented(t, name, *inputs):
    """torch has no derivative for this op: backward through it raises."""
    record(_not_implemented_bw, t, tuple(x for x in inputs if isinstance(x, Tensor)), (), name)


def _div_rounded(input, other, mode, out, name=None):
    xa, xb, rt = _operands(input, other)
    if rt is D.bool_:
        raise _not_implemented('div_floor_cpu' if mode == 'floor' else 'div_trunc_cpu', rt)
    if rt._cat == 2:
        q = np.true_divide(xa, xb)
        r = np.trunc(q) if mode == 'trunc' else np.floor(q)
    else:
        _int_zero_check(xb)
        if mode == 'floor':
            r = np.floor_divide(xa, xb)
        else:
            r = np.trunc(np.true_divide(xa, xb)).astype(rt.np)
    r = as_array(r).astype(rt.np, copy=False)
    t = _wrap(r, rt, _device_of(input, other))
    if _gm.enabled and (_grad_input(input) or _grad_input(other)):
        if name is None:
            record(_div_round_bw, t, (input, other))
        else:
            _record_not_implemented(t, name, input, other)
    return _finish(t, out)


def _int_zero_check(xb):
    if (np.asarray(xb) == 0).any():
        raise RuntimeError('ZeroDivisionError')


def floor_divide(input, other, *, out=None):
    """Floor division, as Python's // (torch.floor_divide)."""
    return _div_rounded(input, other, 'floor', out, 'floor_divide')


@backward_op('RemainderBackward1')
def _rem_bw(node, g):
    a, b = node.saved()
    sa, sb, da, db, mode = node._args
    na, nb = node.next_functions
    ga = grad_for(g, sa, da) if na[0] is not None else None
    gb = grad_for(-g * div(a, b, rounding_mode=mode), sb, db) if nb[0] is not None else None
    return ga, gb


_fmod_bw = backward_op('FmodBackward1')(_rem_bw._backward)
# with a number as ``other``: one edge, the gradient passes through
_rem_scalar_bw = backward_op('RemainderBackward0')(lambda node, g: (g,))
_fmod_scalar_bw = backward_op('FmodBackward0')(lambda node, g: (g,))


def _record_rem(t, input, other, rt, cls, scalar_cls, mode):
    if not isinstance(input, Tensor):
        _record_not_implemented(t, 'remainder', other)
    elif isinstance(other, Tensor):
        record(cls, t, (input, other), (input, other), (input._data.shape, other._data.shape, input.dtype,
                                                        other.dtype, mode))
    else:
        record(scalar_cls, t, (input,))


def remainder(input, other, *, out=None):
    """Python's modulus: the result has the sign of ``other``."""
    xa, xb, rt = _operands(input, other)
    if rt._cat < 2:
        if rt is D.bool_:
            raise _not_implemented('remainder_cpu', rt)
        _int_zero_check(xb)
    r = as_array(_compute(np.remainder, input, other, xa, xb)).astype(rt.np, copy=False)
    t = _wrap(r, rt, _device_of(input, other))
    if _gm.enabled and (_grad_input(input) or _grad_input(other)):
        _record_rem(t, input, other, rt, _rem_bw, _rem_scalar_bw, 'floor')
    return _finish(t, out)


def fmod(input, other, *, out=None):
    """C's fmod: the result has the sign of ``input``."""
    _need_tensor('fmod', input, other)
    xa, xb, rt = _operands(input, other)
    if rt._cat < 2:
        if rt is D.bool_:
            raise _not_implemented('fmod_cpu', rt)
        _int_zero_check(xb)
    r = as_array(_compute(np.fmod, input, other, xa, xb)).astype(rt.np, copy=False)
    t = _wrap(r, rt, input._device)
    if _gm.enabled and (_grad_input(input) or _grad_input(other)):
        _record_rem(t, input, other, rt, _fmod_bw, _fmod_scalar_bw, 'trunc')
    return _finish(t, out)


# ---------------------------------------------------------------- pow
@backward_op('PowBackward0')
def _pow_scalar_bw(node, g):
    (a,) = node.saved()
    e = node._args
    if e == 0:
        return (g * 0,)
    return (g * e * a ** (e - 1),)


@backward_op('PowBackward1')
def _pow_bw(node, g):
    a, b, out = node.saved()
    sa, sb, da, db = node._args
    na, nb = node.next_functions
    ga = gb = None
    if na[0] is not None:
        ga = g * b * a ** (b - 1)
        if isinstance(b, Tensor):      # torch: no gradient where the exponent is 0 (0 ** -1 is inf)
            ga = where(b == 0, 0., ga)
        ga = grad_for(ga, sa, da)
    if nb[0] is not None:
        la = log(a) if isinstance(a, Tensor) else np.log(a)
        gb_full = g * out * la
        gb_full = where((a == 0) & (b >= 0), 0., gb_full) if isinstance(a, Tensor) else gb_full
        gb = grad_for(gb_full, sb, db)
    return ga, gb


@backward_op('PowBackward2')
def _rpow_bw(node, g):
    (b, out) = node.saved()
    base, sb, db = node._args
    return (grad_for(g * out * float(np.log(base)) if base > 0 else g * out * float('nan') if base < 0
                     else where(b >= 0, 0., g * out * float('-inf')), sb, db),)


def pow(input, exponent, *, out=None):
    """input ** exponent, tensor or scalar either side."""
    if isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        e = to_scalar(exponent)
        xa, xb, rt = _operands(input, e)
        if rt._cat == 1 and isinstance(e, int) and e < 0:
            raise RuntimeError('Integers to negative integer powers are not allowed.')
        if rt is D.bool_:
            r = np.power(xa.astype(np.int64), int(e)).astype(np.bool_) if e != 0 else np.ones_like(xa)
        else:
            r = as_array(np.power(xa, xb))
        t = _wrap(r.astype(rt.np, copy=False), rt, input._device)
        if _gm.enabled and input._rg:
            record(_pow_scalar_bw, t, (input,), (input,), e)
        return _finish(t, out)
    xa, xb, rt = _operands(input, exponent)
    if rt is D.bool_:
        raise _not_implemented('pow', rt)
    if rt._cat == 1 and (np.asarray(xb) < 0).any():
        r = _int_pow_neg(input, exponent, xa, xb, rt)
    else:
        r = as_array(_compute(np.power, input, exponent, xa, xb)).astype(rt.np, copy=False)
    dev = _device_of(input, exponent)
    t = _wrap(r, rt, dev)
    if _gm.enabled and (_grad_input(input) or _grad_input(exponent)):
        if isinstance(input, Tensor):
            record(_pow_bw, t, (input, exponent), (input, exponent, t),
                   (_shape(input), _shape(exponent), _dt(input, rt), _dt(exponent, rt)))
        else:
            record(_rpow_bw, t, (exponent,), (exponent, t), (to_scalar(input), _shape(exponent), exponent.dtype))
    return _finish(t, out)


def _int_pow_neg(input, exponent, xa, xb, rt):
    """Integer powers with some negative exponents (a tensor of them): 1 ** -n is 1, (-1) ** -n is
    +-1, anything else truncates to 0, as torch computes."""
    if not isinstance(exponent, Tensor):
        raise RuntimeError('Integers to negative integer powers are not allowed.')
    xa, xb = np.broadcast_arrays(np.asarray(xa), np.asarray(xb))
    neg = xb < 0
    r = np.power(xa, np.where(neg, 0, xb)).astype(rt.np, copy=False)
    odd = (xb % 2) != 0
    return np.where(neg, np.where(xa == 1, 1, np.where(xa == -1, np.where(odd, -1, 1), 0)), r).astype(rt.np)


def float_power(input, exponent):
    """pow computed in float64."""
    a = input.double() if isinstance(input, Tensor) else float(input)
    b = exponent.double() if isinstance(exponent, Tensor) else float(exponent)
    return pow(a, b)


# ---------------------------------------------------------------- maximum / minimum
def _maxmin_bw(node, g):
    # torch: where(a == b, g / 2, g) with the loser's share zeroed (a NaN passes g to both)
    a, b = node.saved()
    sa, sb, da, db, is_max = node._args
    na, nb = node.next_functions
    x, y = a._data, b._data
    shared = where(_mask(x == y, a), g / 2, g)
    ga = grad_for(where(_mask(x < y if is_max else x > y, a), 0., shared), sa, da) if na[0] is not None else None
    gb = grad_for(where(_mask(x > y if is_max else x < y, a), 0., shared), sb, db) if nb[0] is not None else None
    return ga, gb


def _fmaxmin_bw(node, g):
    # torch: all of g goes to ``input`` where it wins or ties or ``other`` is NaN, else to ``other``
    a, b = node.saved()
    sa, sb, da, db, is_max = node._args
    na, nb = node.next_functions
    x, y = a._data, b._data
    to_a = _mask(((x >= y) if is_max else (x <= y)) | np.isnan(y), a)
    ga = grad_for(where(to_a, g, 0.), sa, da) if na[0] is not None else None
    gb = grad_for(where(to_a, 0., g), sb, db) if nb[0] is not None else None
    return ga, gb


def _mask(arr, like):
    return _wrap(as_array(arr), D.bool_, like._device)


_maxi_bw = backward_op('MaximumBackward0')(_maxmin_bw)
_mini_bw = backward_op('MinimumBackward0')(_maxmin_bw)
_fmax_bw = backward_op('FmaxBackward0')(_fmaxmin_bw)
_fmin_bw = backward_op('FminBackward0')(_fmaxmin_bw)


def _maxmin(input, other, ufunc, cls, is_max, out):
    name = ufunc.__name__
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    if not isinstance(other, Tensor):
        raise TypeError(f"{name}(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}")
    xa, xb, rt = _operands(input, other)
    r = as_array(_compute(ufunc, input, other, xa, xb))
    t = _wrap(r, rt, input._device)
    if _gm.enabled and (input._rg or other._rg):
        record(cls, t, (input, other), (input, other),
               (input.shape, other.shape, input.dtype, other.dtype, is_max))
    return _finish(t, out)


def maximum(input, other, *, out=None):
    """Elementwise max; NaN propagates. Ties split the gradient evenly."""
    return _maxmin(input, other, np.maximum, _maxi_bw, True, out)


def minimum(input, other, *, out=None):
    return _maxmin(input, other, np.minimum, _mini_bw, False, out)


def fmax(input, other, *, out=None):
    return _maxmin(input, other, np.fmax, _fmax_bw, True, out)


def fmin(input, other, *, out=None):
    return _maxmin(input, other, np.fmin, _fmin_bw, False, out)


# ---------------------------------------------------------------- comparisons and logic
def _cmp(ufunc, name):
    def op(input, other, *, out=None):
        if not isinstance(input, Tensor):
            _need_tensor(name, input, other)
        xa, xb, rt = _operands(input, other)
        r = as_array(_compute(ufunc, input, other, xa, xb))
        return _finish(_wrap(r, D.bool_, input._device), out)
    op.__name__ = name
    return op


eq = _cmp(np.equal, 'eq')
ne = _cmp(np.not_equal, 'ne')
lt = _cmp(np.less, 'lt')
le = _cmp(np.less_equal, 'le')
gt = _cmp(np.greater, 'gt')
ge = _cmp(np.greater_equal, 'ge')
less, less_equal, greater, greater_equal, not_equal = lt, le, gt, ge, ne


def _logical(ufunc):
    def op(input, other, *, out=None):
        if not isinstance(input, Tensor):
            raise TypeError(f"{ufunc.__name__}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
        if not isinstance(other, Tensor):
            raise TypeError(f"{ufunc.__name__}(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}")
        if input._device is not other._device:
            check_device(input, other)
        try:
            r = as_array(ufunc(input._data, other._data))
        except ValueError:
            _check_shapes(input, other)
            raise
        return _finish(_wrap(r, D.bool_, input._device), out)
    op.__name__ = ufunc.__name__
    return op


logical_and = _logical(np.logical_and)
logical_or = _logical(np.logical_or)
logical_xor = _logical(np.logical_xor)


def logical_not(input, *, out=None):
    return _finish(_wrap(as_array(np.logical_not(input._data)), D.bool_, input._device), out)


def _bitwise(ufunc, name):
    def op(input, other, *, out=None):
        xa, xb, rt = _operands(input, other)
        if rt._cat == 2:
            raise _not_implemented(name + '_cpu', rt)
        r = as_array(_compute(ufunc, input, other, xa, xb)).astype(rt.np, copy=False)
        return _finish(_wrap(r, rt, _device_of(input, other)), out)
    op.__name__ = name
    return op


bitwise_and = _bitwise(np.bitwise_and, 'bitwise_and')
bitwise_or = _bitwise(np.bitwise_or, 'bitwise_or')
bitwise_xor = _bitwise(np.bitwise_xor, 'bitwise_xor')


def bitwise_not(input, *, out=None):
    if input.dtype._cat == 2:
        raise _not_implemented('bitwise_not_cpu', input.dtype)
    f = np.logical_not if input.dtype is D.bool_ else np.invert
    return _finish(_wrap(as_array(f(input._data)), input.dtype, input._device), out)


def _invert(input):
    """The ``~`` operator: bitwise_not, with torch's TypeError for floating tensors."""
    if input.dtype._cat == 2:
        raise TypeError('~ (operator.invert) is only implemented on integer and Boolean-type tensors')
    return bitwise_not(input)


# ---------------------------------------------------------------- where
@backward_op('WhereBackward0')
def _where_bw(node, g):
    (cond,) = node.saved()
    sa, sb, da, db = node._args
    na, nb = node.next_functions
    ga = grad_for(where(cond, g, 0.), sa, da) if na[0] is not None else None
    gb = grad_for(where(cond, 0., g), sb, db) if nb[0] is not None else None
    return ga, gb


def where(condition, input=None, other=None, *, out=None):
    """``input`` where ``condition`` else ``other``; ``where(cond)`` is ``nonzero(as_tuple=True)``."""
    if input is None and other is None:
        from .indexing import nonzero
        return nonzero(condition, as_tuple=True)
    if condition.dtype is not D.bool_:
        if condition.dtype is not D.uint8:
            raise RuntimeError(f'where expected condition to be a boolean tensor, but got a tensor with dtype '
                               f'{_cap(condition.dtype)}')
        warnings.warn('where received a uint8 condition tensor. This behavior is deprecated and will be removed in a '
                      'future version of PyTorch. Use a boolean condition instead.', UserWarning, stacklevel=2)
    if isinstance(input, Tensor) or isinstance(other, Tensor):
        xa, xb, rt = _operands(input, other)
        if rt._cat == 1:
            for v in (input, other):
                if type(v) is int:
                    _check_fits(v, rt)
    else:
        xa, xb, rt = _operands(_scalar_tensor(input, condition), other)
    for x in (input, other):
        if isinstance(x, Tensor) and x._device is not condition._device:
            check_device(condition, x)
    try:
        r = as_array(np.where(condition._data, xa, xb)).astype(rt.np, copy=False)
    except ValueError:
        s = broadcast_shapes_or_raise(condition.shape, _shape(input))
        broadcast_shapes_or_raise(s, _shape(other))
        raise
    t = _wrap(r, rt, condition._device)
    if _gm.enabled and (_grad_input(input) or _grad_input(other)):
        record(_where_bw, t, (input, other), (condition,),
               (_shape(input), _shape(other), _dt(input, rt), _dt(other, rt)))
    return _finish(t, out)


def _scalar_tensor(x, like):
    return _wrap(np.asarray(x, dtype=D.scalar_dtype(x).np), D.scalar_dtype(x), like._device)


# ---------------------------------------------------------------- unary ops
_NOTHING_SAVED = (None, None)


class _EmberMath:
    """The functions a unary backward formula may call, as ember ops (see _unary)."""
    sin = staticmethod(lambda x: sin(x))
    cos = staticmethod(lambda x: cos(x))
    sign = staticmethod(lambda x: sign(x))


def _unary_backward(name, backward):
    """The node class of a unary op whose gradient is ``backward(M, g, x, out)``.

    The formula is written once, over a namespace ``M`` and operators, so that it runs on ember
    tensors (``M`` = ember ops: differentiable, for ``create_graph=True``) or, when no graph is
    being built, on the bare arrays (``M`` = NumPy: one pass of NumPy calls, no per-op wrapping).
    """
    def bw(node, g):
        x, o = node.saved() or _NOTHING_SAVED
        if _gm.enabled:
            return (backward(_EmberMath, g, x, o),)
        r = backward(np, g._data, None if x is None else x._data, None if o is None else o._data)
        if type(r) is not np.ndarray:
            r = np.asarray(r)
        return (_wrap(r, D._FROM_NP[r.dtype], g._device),)
    return backward_op(name)(bw)


def _unary(name, f, backward=None, saves='input', to_float=True, bool_error=None):
    """An elementwise op. ``backward(M, g, x, out)`` gives the input gradient (see
    _unary_backward); ``to_float``: integer inputs compute in the default float dtype
    (torch.exp(int) is float); ``bool_error``: (exception class, message) raised for bool input."""
    cls = _unary_backward(name, backward) if backward else None

    def op(input, *, out=None):
        if not isinstance(input, Tensor):
            raise TypeError(f'{op.__name__}(): argument \'input\' (position 1) must be Tensor, not {type(input).__name__}')
        x = input._data
        dt = input.dtype
        if dt._cat < 2:
            if bool_error is not None and dt is D.bool_:
                raise bool_error[0](bool_error[1])
            if to_float:
                dt = _default[0]
                x = x.astype(dt.np)
        r = f(x)
        if type(r) is not np.ndarray:
            r = np.asarray(r)
        if r.dtype is not dt.np:
            r = r.astype(dt.np)
        t = _wrap(r, dt, input._device)
        if cls is not None and _gm.enabled and input._rg:
            if saves == 'input':
                record(cls, t, (input,), (input, None))
            elif saves == 'output':
                record(cls, t, (input,), (None, t))
            elif saves == 'none':         # (a graph that saved nothing can be walked again, as in torch)
                record(cls, t, (input,))
            else:
                record(cls, t, (input,), (input, t))
        return t if out is None else _finish(t, out)
    op.__name__ = name.split('Backward')[0].lower()
    return op


neg = _unary('NegBackward0', np.negative, lambda M, g, x, o: -g, saves='none', to_float=False,
             bool_error=(RuntimeError, 'Negation, the `-` operator, on a bool tensor is not supported. If you are '
                                       'trying to invert a mask, use the `~` or `logical_not()` operator instead.'))
negative = neg


def positive(input):
    """``+t``: t itself (bool tensors refused, as in torch)."""
    if input.dtype is D.bool_:
        raise RuntimeError('The `+` operator, on a bool tensor is not supported.')
    return input


abs = _unary('AbsBackward0', np.abs, lambda M, g, x, o: g * M.sign(x), to_float=False,
             bool_error=(NotImplementedError, '"abs_cpu" not implemented for \'Bool\''))
absolute = abs
exp = _unary('ExpBackward0', np.exp, lambda M, g, x, o: g * o, saves='output')
exp2 = _unary('Exp2Backward0', np.exp2, lambda M, g, x, o: g * o * 0.6931471805599453, saves='output')
expm1 = _unary('Expm1Backward0', np.expm1, lambda M, g, x, o: g * (o + 1), saves='output')
log = _unary('LogBackward0', np.log, lambda M, g, x, o: g / x)
log2 = _unary('Log2Backward0', np.log2, lambda M, g, x, o: g / (x * 0.6931471805599453))
log10 = _unary('Log10Backward0', np.log10, lambda M, g, x, o: g / (x * 2.302585092994046))
log1p = _unary('Log1PBackward0', np.log1p, lambda M, g, x, o: g / (x + 1))
sqrt = _unary('SqrtBackward0', np.sqrt, lambda M, g, x, o: g / (o * 2), saves='output')
rsqrt = _unary('RsqrtBackward0', lambda x: 1 / np.sqrt(x), lambda M, g, x, o: g * -0.5 * o * o * o, saves='output')
sin = _unary('SinBackward0', np.sin, lambda M, g, x, o: g * M.cos(x))
cos = _unary('CosBackward0', np.cos, lambda M, g, x, o: g * -M.sin(x))
tan = _unary('TanBackward0', np.tan, lambda M, g, x, o: g * (o * o + 1), saves='output')


# tanh and sigmoid differentiate through fused backward ops, as torch's tanh_backward and
# sigmoid_backward: one op instead of three per node, each with its own derivative so that
# higher-order gradients still work
def _fused_backward(name, f, d_grad, d_out):
    """An op ``(g, o) -> f(g, o)`` on arrays, whose backward is ``(gg * d_grad(o), gg * d_out(g, o))``."""
    @backward_op(name)
    def _bw(node, gg):
        g, o = node.saved()
        ng, no = node.next_functions
        return (gg * d_grad(o) if ng[0] is not None else None,
                gg * d_out(g, o) if no[0] is not None else None)

    def op(g, o):
        r = f(g._data, o._data)
        rt = D.promote_types(g.dtype, o.dtype)
        t = _wrap(r.astype(rt.np, copy=False) if type(r) is np.ndarray else np.asarray(r, rt.np), rt, g._device)
        if _gm.enabled and (g._rg or o._rg):
            record(_bw, t, (g, o), (g, o))
        return t
    op.on_arrays = f
    return op


tanh_backward = _fused_backward('TanhBackwardBackward0', lambda g, o: g * (1 - o * o),
                                lambda o: 1 - o * o, lambda g, o: g * o * -2)
sigmoid_backward = _fused_backward('SigmoidBackwardBackward0', lambda g, o: g * o * (1 - o),
                                   lambda o: o * (1 - o), lambda g, o: g * (1 - o * 2))
tanh = _unary('TanhBackward0', np.tanh, lambda M, g, x, o: (tanh_backward if M is _EmberMath else tanh_backward.on_arrays)(g, o),
              saves='output')
sigmoid = _unary('SigmoidBackward0', lambda x: _sigmoid(x), lambda M, g, x, o: (sigmoid_backward if M is _EmberMath else sigmoid_backward.on_arrays)(g, o),
                 saves='output')
reciprocal = _unary('ReciprocalBackward0', lambda x: 1 / x, lambda M, g, x, o: g * -(o * o), saves='output')


def _sigmoid(x):
    # torch's formula (sigmoid(-100.) is 0 in float32, as there); float16 computes in float32,
    # where exp does not overflow
    if x.dtype == np.float16:
        x = x.astype(np.float32)
    return 1 / (1 + np.exp(-x))


def square(input, *, out=None):
    return pow(input, 2, out=out)


def sign(input, *, out=None):
    if input.dtype is D.bool_:
        return input.clone()
    r = as_array(np.sign(input._data))
    if input.dtype._cat == 2:
        r = np.nan_to_num(r, copy=False, nan=0.)      # torch.sign(nan) is 0
    t = _wrap(r, input.dtype, input._device)
    if _gm.enabled and input._rg:
        record(_zero_bw, t, (input,))
    return _finish(t, out)


@backward_op('SignBackward0')
def _zero_bw(node, g):
    return (g * 0,)


def _rounding(name, f):
    cls = backward_op(name)(lambda node, g: (g * 0,))

    kernel = name.split('Backward')[0].lower() + '_vml_cpu'

    def op(input, *, out=None):
        if input.dtype._cat < 2:
            if input.dtype is D.bool_:
                raise _not_implemented(kernel, input.dtype)
            return input.clone()
        t = _wrap(as_array(f(input._data)), input.dtype, input._device)
        if _gm.enabled and input._rg:
            record(cls, t, (input,))
        return _finish(t, out)
    op.__name__ = name.split('Backward')[0].lower()
    return op


floor = _rounding('FloorBackward0', np.floor)
ceil = _rounding('CeilBackward0', np.ceil)
trunc = _rounding('TruncBackward0', np.trunc)
fix = trunc
_round0 = _rounding('RoundBackward0', np.round)


_round1_bw = backward_op('RoundBackward1')(lambda node, g: (g * 0,))


def round(input, *, decimals=0, out=None):
    """Round half to even; ``decimals`` digits after the point (negative: before it)."""
    if decimals == 0:
        return _round0(input, out=out)
    if input.dtype._cat < 2:
        raise _not_implemented('round_cpu', input.dtype)
    x = input._data
    s = 10.0 ** builtins_abs(decimals)
    r = np.round(x / s) * s if decimals < 0 else np.round(x * s) / s
    t = _wrap(as_array(r).astype(x.dtype, copy=False), input.dtype, input._device)
    if _gm.enabled and input._rg:
        record(_round1_bw, t, (input,))
    return _finish(t, out)


class _NoGrad:
    def __enter__(self):
        self.prev = _gm.enabled
        _gm.enabled = False

    def __exit__(self, *a):
        _gm.enabled = self.prev


# ---------------------------------------------------------------- relu / clamp
@backward_op('ReluBackward0')
def _relu_bw(node, g):
    (out,) = node.saved()
    return (_threshold_backward(g, out),)


def _threshold_backward(g, out):
    """g where out > 0, else 0; like torch's threshold_backward it is differentiable in ``out``
    too (with zero gradient), so a double backward result requires grad as torch's does."""
    m = out._data > 0
    r = _wrap(as_array(np.where(m, g._data, 0)).astype(g._data.dtype, copy=False), g.dtype, g._device)
    if _gm.enabled and (g._rg or out._rg):
        record(_threshold_bw_bw, r, (g, out), (), _mask(m, out))
    return r


@backward_op('ThresholdBackwardBackward0')
def _threshold_bw_bw(node, gg):
    return _threshold_backward(gg, node._args), _wrap(np.zeros_like(gg._data), gg.dtype, gg._device)


def relu(input):
    """max(input, 0). Example: ``ember.relu(ember.tensor([-1., 2.]))`` is ``tensor([0., 2.])``."""
    x = input._data
    if input.dtype is D.bool_:
        raise RuntimeError('Boolean inputs not supported for relu')
    r = np.maximum(x, 0, dtype=x.dtype) if x.ndim else np.asarray(np.maximum(x, 0)).astype(x.dtype)
    t = _wrap(r, input.dtype, input._device)
    if _gm.enabled and input._rg:
        record(_relu_bw, t, (input,), (t,))
    return t


def _clamp_scalar_bw(node, g):
    (x,) = node.saved()
    lo, hi = node._args
    a = x._data
    mask = None
    if lo is not None:
        mask = a >= lo
    if hi is not None:
        m2 = a <= hi
        mask = m2 if mask is None else mask & m2
    return (where(_mask(mask, x), g, 0.),)


_clamp_bw = backward_op('ClampBackward1')(_clamp_scalar_bw)
_clamp_min_bw = backward_op('ClampMinBackward0')(_clamp_scalar_bw)
_clamp_max_bw = backward_op('ClampMaxBackward0')(_clamp_scalar_bw)


@backward_op('ClampBackward0')
def _clamp_t_bw(node, g):
    x, lo, hi = node.saved()
    sx, slo, shi, dx, dlo, dhi = node._args
    nx, nlo, nhi = node.next_functions
    in_range = None
    if lo is not None:
        in_range = x >= lo
    if hi is not None:
        in_range = (x <= hi) if in_range is None else in_range & (x <= hi)
    gx = grad_for(where(in_range, g, 0.), sx, dx) if nx[0] is not None else None
    glo = ghi = None
    if lo is not None and nlo[0] is not None:
        glo = grad_for(where(x < lo, g, 0.) if hi is None else where((x < lo) & (lo < hi), g, 0.), slo, dlo)
    if hi is not None and nhi[0] is not None:
        ghi = grad_for(where(x > hi, g, 0.) if lo is None else where((x > hi) | (hi < lo), g, 0.), shi, dhi)
    return gx, glo, ghi


def clamp(input, min=None, max=None, *, out=None, _cls=None):
    """Clip to [min, max]; min > max gives max everywhere, as in torch."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        if not (min is None or isinstance(min, Tensor)) or not (max is None or isinstance(max, Tensor)):
            raise TypeError(f'clamp() received an invalid combination of arguments - got (Tensor, '
                            f'{type(min).__name__}, {type(max).__name__}), but expected one of:\n'
                            ' * (Tensor input, Tensor min = None, Tensor max = None, *, Tensor out = None)\n'
                            ' * (Tensor input, Number min = None, Number max = None, *, Tensor out = None)\n')
        return _clamp_tensor(input, min, max, out, _cls)
    x = input._data
    dt = input.dtype
    for v in (min, max):
        if v is not None:
            v = to_scalar(v)
            dt = D._combine(dt, D.scalar_dtype(v))
            _check_fits(v, dt)
    if dt is not input.dtype:
        x = x.astype(dt.np)
    r = x
    if min is not None:
        r = np.maximum(r, np.asarray(min).astype(dt.np))
    if max is not None:
        r = np.minimum(r, np.asarray(max).astype(dt.np))
    if r is x:
        r = x.copy()
    t = _wrap(as_array(r).astype(dt.np, copy=False), dt, input._device)
    if _gm.enabled and input._rg:
        record(_cls or _clamp_bw, t, (input,), (input,), (min, max))
    return _finish(t, out)


_LIMITS = {}


def _check_fits(v, dt):
    """torch's refusal to convert a bound that the result's dtype cannot hold."""
    if dt._cat == 0 or type(v) is bool:
        return
    lim = _LIMITS.get(dt)
    if lim is None:
        info = np.iinfo(dt.np) if dt._cat == 1 else np.finfo(dt.np)
        lim = _LIMITS[dt] = (int(info.min), int(info.max)) if dt._cat == 1 else (float(info.min), float(info.max))
    if not (lim[0] <= v <= lim[1]) and v == v and (dt._cat == 1 or builtins_abs(v) != float('inf')):
        ctype = {'uint8': 'uint8_t', 'int8': 'int8_t', 'int16': 'int16_t', 'int32': 'int', 'int64': 'int64_t',
                 'float16': 'c10::Half', 'float32': 'float', 'float64': 'double'}[dt.name]
        raise RuntimeError(f'value cannot be converted to type {ctype} without overflow')


def _clamp_tensor(input, lo_t, hi_t, out, cls=None):
    r = input
    with _NoGrad():
        if lo_t is not None:
            r = maximum(r, lo_t.to(result_dtype(r, lo_t)))
        if hi_t is not None:
            r = minimum(r, hi_t.to(result_dtype(r, hi_t)))
    if r is input:
        r = input.clone()
    if _gm.enabled and (input._rg or _grad_input(lo_t) or _grad_input(hi_t)):
        r = _wrap(r._data, r.dtype, r._device)
        if cls is None:
            record(_clamp_t_bw, r, (input, lo_t, hi_t), (input, lo_t, hi_t),
                   (input.shape, _shape(lo_t), _shape(hi_t), input.dtype, _dt(lo_t, r.dtype), _dt(hi_t, r.dtype)))
        else:      # clamp_min / clamp_max with a tensor bound: two edges
            b = lo_t if hi_t is None else hi_t
            record(cls, r, (input, b), (input, lo_t, hi_t),
                   (input.shape, _shape(b), input.dtype, _dt(b, r.dtype)))
    return _finish(r, out)


def _clamp_minmax_t_bw(node, g):
    x, lo, hi = node.saved()
    sx, sb, dx, db = node._args
    nx, nb = node.next_functions
    keep = (x >= lo) if lo is not None else (x <= hi)
    gx = grad_for(where(keep, g, 0.), sx, dx) if nx[0] is not None else None
    gb = grad_for(where(keep, 0., g), sb, db) if nb[0] is not None else None
    return gx, gb


_clamp_min_t_bw = backward_op('ClampMinBackward1')(_clamp_minmax_t_bw)
_clamp_max_t_bw = backward_op('ClampMaxBackward1')(_clamp_minmax_t_bw)


clip = clamp


def clamp_min(input, min):
    return clamp(input, min=min, _cls=_clamp_min_t_bw if isinstance(min, Tensor) else _clamp_min_bw)


def clamp_max(input, max):
    return clamp(input, max=max, _cls=_clamp_max_t_bw if isinstance(max, Tensor) else _clamp_max_bw)
