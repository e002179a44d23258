"""Pointwise ops: arithmetic, unary math, comparisons, logical ops, where, clamp.

Each op is defined once here, forward on backend arrays and backward with ember ops, and
``ember/_ops/__init__.py`` makes the function, the method, the operator and the in-place form.

Shapes broadcast as in PyTorch; dtypes promote by ``torch.result_type``.
Example:
    >>> ember.add(ember.ones(2, 3), ember.arange(3), alpha=2)      # shape (2, 3), float32
"""
import numpy as np
from .. import _dtype as D
from .._tensor import Tensor, _wrap, _gm
from ._core import (record, backward_op, check_device, result_dtype, scalar_array, is_scalar, to_scalar,
                    broadcast_shapes_or_raise, grad_for, as_array)

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
    if ts not in (int, float, bool):
        if isinstance(s, (np.number, np.bool_)):
            s = s.item()
            ts = type(s)
        elif isinstance(s, np.ndarray) or isinstance(s, (list, tuple)):
            from .creation import tensor
            o = tensor(s, device=t._device)
            return _operands(o, t) if swapped else _operands(t, o)[:3]
        else:
            raise TypeError(f'unsupported operand type: {ts.__name__}')
    key = (t.dtype, ts, _default[0])
    rt = _scalar_rt.get(key)
    if rt is None:
        rt = _scalar_rt[key] = D._combine(t.dtype, D.scalar_dtype(s))
    x = t._data if t.dtype is rt else t._data.astype(rt.np)
    if rt._cat == 1 and ts is int and not (-128 <= s <= 127):
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


@backward_op('RsubBackward1')
def _rsub_bw(node, g):
    sa, sb, da, db, alpha = node._args
    return grad_for(g, sa, da), grad_for(-g if alpha == 1 else g * -alpha, sb, db)


def add(input, other, *, alpha=1, out=None):
    """input + alpha * other, broadcast. Example: ``ember.add(x, 1)``."""
    xa, xb, rt = _operands(input, other)
    if alpha != 1:
        _check_alpha(alpha, rt)
        xb = xb * alpha if not is_scalar(xb) else xb * alpha
    if rt is D.bool_ and alpha == 1:
        r = _compute(np.logical_or, input, other, xa, xb)
    else:
        r = _compute(np.add, input, other, xa, xb)
    if type(r) is not np.ndarray:
        r = np.asarray(r)
    if r.dtype is not rt.np:
        r = r.astype(rt.np)
    t = _wrap(r, rt, input._device if isinstance(input, Tensor) else other._device)
    if _gm.enabled and (_grad_input(input) or _grad_input(other)):
        record(_add_bw, t, (input, other), (), (_shape(input), _shape(other), _dt(input, rt), _dt(other, rt), alpha))
    return _finish(t, out)


def _check_alpha(alpha, rt):
    if isinstance(alpha, float) and rt._cat < 2:
        raise RuntimeError(f'For integral input tensors, argument alpha must not be a floating point number.')
    if isinstance(alpha, bool) is False and rt is D.bool_:
        raise RuntimeError('Boolean alpha only supported for Boolean results.')


def sub(input, other, *, alpha=1, out=None):
    """input - alpha * other, broadcast."""
    if (isinstance(input, Tensor) and input.dtype is D.bool_) or (isinstance(other, Tensor) and other.dtype is D.bool_):
        if _dtype_of(input) is D.bool_ and _dtype_of(other) is D.bool_:
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
    if _gm.enabled and (_grad_input(input) or _grad_input(other)):
        cls = _sub_bw if isinstance(input, Tensor) else _rsub_bw
        record(cls, t, (input, other), (), (_shape(input), _shape(other), _dt(input, rt), _dt(other, rt), alpha))
    return _finish(t, out)


def rsub(input, other, *, alpha=1):
    return sub(other, input, alpha=alpha)


def _dtype_of(x):
    if isinstance(x, Tensor):
        return x.dtype
    return D.scalar_dtype(x)


def _device_of(a, b):
    return a._device if isinstance(a, Tensor) else b._device


def _finish(t, out):
    if out is None:
        return t
    from .shape import copy_out
    return copy_out(out, t)


# ---------------------------------------------------------------- mul / div
@backward_op('MulBackward0')
def _mul_bw(node, g):
    a, b = node.saved()
    sa, sb, da, db = node._args
    na, nb = node.next_functions
    ga = grad_for(g * b, sa, da) if na[0] is not None else None
    gb = grad_for(g * a, sb, db) if nb[0] is not None else None
    return ga, gb


def _save_pair(a, b):
    # save only what the other input's gradient needs (torch does the same, and it lets
    # an input that needs no gradient be changed in place afterwards)
    return (a if _grad_input(b) else None, b if _grad_input(a) else None)


def mul(input, other, *, out=None):
    """input * other, broadcast."""
    xa, xb, rt = _operands(input, other)
    r = _compute(np.logical_and if rt is D.bool_ else np.multiply, input, other, xa, xb)
    if type(r) is not np.ndarray:
        r = np.asarray(r)
    if r.dtype is not rt.np:
        r = r.astype(rt.np)
    t = _wrap(r, rt, _device_of(input, other))
    if _gm.enabled and (_grad_input(input) or _grad_input(other)):
        sa, sb = _save_pair(input, other)
        record(_mul_bw, t, (input, other), (_scalar_t(sa, rt, t), _scalar_t(sb, rt, t)),
               (_shape(input), _shape(other), _dt(input, rt), _dt(other, rt)))
    return _finish(t, out)


def _scalar_t(x, rt, like):
    """A saved operand: tensors as they are, Python scalars kept as scalars (ops accept them)."""
    return x


@backward_op('DivBackward0')
def _div_bw(node, g):
    a, b = node.saved()
    sa, sb, da, db = node._args
    na, nb = node.next_functions
    ga = grad_for(g / b, sa, da) if na[0] is not None else None
    gb = grad_for(-g * a / (b * b), sb, db) if nb[0] is not None else None
    return ga, gb


def div(input, other, *, rounding_mode=None, out=None):
    """input / other. Integer inputs give the default float dtype unless ``rounding_mode`` is
    'trunc' or 'floor'."""
    if rounding_mode is not None:
        if rounding_mode not in ('trunc', 'floor'):
            raise ValueError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{rounding_mode}'")
        return _div_rounded(input, other, rounding_mode, out)
    xa, xb, rt = _operands(input, other)
    if rt._cat < 2:
        rt = _default[0]
        xa = xa.astype(rt.np) if isinstance(xa, np.ndarray) else float(xa)
        xb = xb.astype(rt.np) if isinstance(xb, np.ndarray) else float(xb)
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


@backward_op('DivBackward1')
def _div_round_bw(node, g):
    return tuple(None if e[0] is None else g * 0 for e in node.next_functions)


def _div_rounded(input, other, mode, out):
    xa, xb, rt = _operands(input, other)
    if rt._cat == 2:
        q = np.true_divide(xa, xb)
        r = np.trunc(q) if mode == 'trunc' else np.floor(q)
    else:
        _int_zero_check(xb)
        if mode == 'floor':
            r = np.floor_divide(xa, xb)
        else:
            r = np.trunc(np.true_divide(xa, xb)).astype(rt.np)
    r = as_array(_compute_checked(r, input, other)).astype(rt.np, copy=False)
    t = _wrap(r, rt, _device_of(input, other))
    if _gm.enabled and (_grad_input(input) or _grad_input(other)):
        record(_div_round_bw, t, (input, other))
    return _finish(t, out)


def _compute_checked(r, a, b):
    return r


def _int_zero_check(xb):
    if (np.asarray(xb) == 0).any():
        raise RuntimeError('ZeroDivisionError')


def floor_divide(input, other, *, out=None):
    """Floor division, as Python's // (torch.floor_divide)."""
    return _div_rounded(input, other, 'floor', out)


@backward_op('RemainderBackward0')
def _rem_bw(node, g):
    a, b = node.saved()
    sa, sb, da, db = node._args
    na, nb = node.next_functions
    ga = grad_for(g, sa, da) if na[0] is not None else None
    gb = grad_for(-g * div(a, b, rounding_mode='floor'), sb, db) if nb[0] is not None else None
    return ga, gb


def remainder(input, other, *, out=None):
    """Python's modulus: the result has the sign of ``other``."""
    xa, xb, rt = _operands(input, other)
    if rt._cat < 2:
        _int_zero_check(xb)
    r = as_array(_compute(np.remainder, input, other, xa, xb)).astype(rt.np, copy=False)
    t = _wrap(r, rt, _device_of(input, other))
    if _gm.enabled and (_grad_input(input) or _grad_input(other)):
        record(_rem_bw, t, (input, other), (input, other),
               (_shape(input), _shape(other), _dt(input, rt), _dt(other, rt)))
    return _finish(t, out)


def fmod(input, other, *, out=None):
    xa, xb, rt = _operands(input, other)
    if rt._cat < 2:
        _int_zero_check(xb)
    r = as_array(_compute(np.fmod, input, other, xa, xb)).astype(rt.np, copy=False)
    t = _wrap(r, rt, _device_of(input, other))
    if _gm.enabled and (_grad_input(input) or _grad_input(other)):
        record(_rem_bw, t, (input, other), (input, other),
               (_shape(input), _shape(other), _dt(input, rt), _dt(other, rt)))
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
        ga = grad_for(g * b * a ** (b - 1), sa, da)
        ga = where(_eq0(b, ga), 0., ga) if False else ga
    if nb[0] is not None:
        la = log(a) if isinstance(a, Tensor) else np.log(a)
        gb_full = g * out * la
        gb_full = where((a == 0) & (b >= 0), 0., gb_full) if isinstance(a, Tensor) else gb_full
        gb = grad_for(gb_full, sb, db)
    return ga, gb


def _eq0(b, like):
    return None


@backward_op('PowBackward2')
def _rpow_bw(node, g):
    (b, out) = node.saved()
    base, sb, db = node._args
    return (None, grad_for(g * out * float(np.log(base)) if base > 0 else g * out * float('nan') if base < 0
                           else where(b >= 0, 0., g * out * float('-inf')), sb, db))


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
    if rt._cat == 1 and (np.asarray(xb) < 0).any():
        raise RuntimeError('Integers to negative integer powers are not allowed.')
    r = as_array(_compute(np.power, input, exponent, xa, xb)).astype(rt.np, copy=False)
    dev = _device_of(input, exponent)
    t = _wrap(r, rt, dev)
    if _gm.enabled and (_grad_input(input) or _grad_input(exponent)):
        if isinstance(input, Tensor):
            record(_pow_bw, t, (input, exponent), (input, exponent, t),
                   (_shape(input), _shape(exponent), _dt(input, rt), _dt(exponent, rt)))
        else:
            record(_rpow_bw, t, (input, exponent), (exponent, t), (to_scalar(input), _shape(exponent), exponent.dtype))
    return _finish(t, out)


def float_power(input, exponent):
    from .creation import _cast
    a = input.double() if isinstance(input, Tensor) else float(input)
    b = exponent.double() if isinstance(exponent, Tensor) else float(exponent)
    return pow(a, b)


# ---------------------------------------------------------------- maximum / minimum
@backward_op('MaximumBackward0')
def _maxi_bw(node, g):
    a, b = node.saved()
    sa, sb, da, db, is_max = node._args
    na, nb = node.next_functions
    win_a = (a > b) if is_max else (a < b)
    tie = a == b
    half = g * 0.5
    ga = grad_for(where(win_a, g, where(tie, half, 0.)), sa, da) if na[0] is not None else None
    win_b = (b > a) if is_max else (b < a)
    gb = grad_for(where(win_b, g, where(tie, half, 0.)), sb, db) if nb[0] is not None else None
    return ga, gb


@backward_op('MinimumBackward0')
def _mini_bw(node, g):
    return _maxi_bw(node, g)


def _maxmin(input, other, ufunc, cls, is_max, out):
    if not isinstance(other, Tensor):
        raise TypeError(f"{'maximum' if is_max else 'minimum'}(): argument 'other' (position 2) must be Tensor, "
                        f'not {type(other).__name__}')
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
    return _maxmin(input, other, np.fmax, _maxi_bw, True, out)


def fmin(input, other, *, out=None):
    return _maxmin(input, other, np.fmin, _mini_bw, False, out)


# ---------------------------------------------------------------- comparisons and logic
def _cmp(ufunc):
    def op(input, other, *, out=None):
        xa, xb, rt = _operands(input, other)
        r = as_array(_compute(ufunc, input, other, xa, xb))
        return _finish(_wrap(r, D.bool_, _device_of(input, other)), out)
    op.__name__ = ufunc.__name__
    return op


eq = _cmp(np.equal)
ne = _cmp(np.not_equal)
lt = _cmp(np.less)
le = _cmp(np.less_equal)
gt = _cmp(np.greater)
ge = _cmp(np.greater_equal)
less, less_equal, greater, greater_equal, not_equal = lt, le, gt, ge, ne


def _logical(ufunc):
    def op(input, other, *, out=None):
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
            raise RuntimeError(f'"{name}_cpu" not implemented for \'{"Float" if rt is D.float32 else rt.name.capitalize()}\'')
        r = as_array(_compute(ufunc, input, other, xa, xb)).astype(rt.np, copy=False)
        return _finish(_wrap(r, rt, _device_of(input, other)), out)
    op.__name__ = name
    return op


bitwise_and = _bitwise(np.bitwise_and, 'bitwise_and')
bitwise_or = _bitwise(np.bitwise_or, 'bitwise_or')
bitwise_xor = _bitwise(np.bitwise_xor, 'bitwise_xor')


def bitwise_not(input, *, out=None):
    if input.dtype._cat == 2:
        raise TypeError('~ (operator.invert) is only implemented on integer and Boolean-type tensors')
    f = np.logical_not if input.dtype is D.bool_ else np.invert
    return _finish(_wrap(as_array(f(input._data)), input.dtype, input._device), out)


# ---------------------------------------------------------------- where
@backward_op('WhereBackward0')
def _where_bw(node, g):
    (cond,) = node.saved()
    sa, sb, da, db = node._args
    na, nb = node.next_functions[1:]
    z = g * 0
    ga = grad_for(where(cond, g, z), sa, da) if na[0] is not None else None
    gb = grad_for(where(cond, z, g), sb, db) if nb[0] is not None else None
    return None, ga, gb


def where(condition, input=None, other=None, *, out=None):
    """``input`` where ``condition`` else ``other``; ``where(cond)`` is ``nonzero(as_tuple=True)``."""
    if input is None and other is None:
        from .indexing import nonzero
        return nonzero(condition, as_tuple=True)
    if condition.dtype is not D.bool_ and condition.dtype is not D.uint8:
        raise RuntimeError(f'where expected condition to be a boolean tensor, but got a tensor with dtype {_cap(condition.dtype)}')
    if isinstance(input, Tensor) or isinstance(other, Tensor):
        xa, xb, rt = _operands(input, other)
    else:
        xa, xb, rt = _operands(_wrap(np.asarray(input), D.scalar_dtype(input)) if False else
                               _scalar_tensor(input, condition), other)
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
        record(_where_bw, t, (condition, input, other), (condition,),
               (_shape(input), _shape(other), _dt(input, rt), _dt(other, rt)))
    return _finish(t, out)


def _scalar_tensor(x, like):
    return _wrap(np.asarray(x, dtype=D.scalar_dtype(x).np), D.scalar_dtype(x), like._device)


def _cap(d):
    return {'float32': 'Float', 'float64': 'Double', 'float16': 'Half', 'int64': 'Long', 'int32': 'Int',
            'int16': 'Short', 'int8': 'Char', 'uint8': 'Byte', 'bool': 'Bool'}[d.name]


# ---------------------------------------------------------------- unary ops
def _unary(name, f, backward=None, saves='input', to_float=True, ints_ok=True):
    """An elementwise op. ``backward(node, g, x, out)`` gives the input gradient;
    ``to_float``: integer inputs compute in the default float dtype (torch.exp(int) is float)."""
    cls = backward_op(name)(lambda node, g: (backward(node, g, *node.saved()),)) if backward else None

    def op(input, *, out=None):
        if not isinstance(input, Tensor):
            raise TypeError(f'{op.__name__}(): argument \'input\' (position 1) must be Tensor, not {type(input).__name__}')
        x = input._data
        dt = input.dtype
        if dt._cat < 2 and to_float:
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
            else:
                record(cls, t, (input,), (input, t))
        return _finish(t, out)
    op.__name__ = name.split('Backward')[0].lower()
    return op


neg = _unary('NegBackward0', np.negative, lambda n, g, x, o: -g, saves='none', to_float=False)
negative = neg
abs = _unary('AbsBackward0', np.abs, lambda n, g, x, o: g * sign(x), to_float=False)
absolute = abs
exp = _unary('ExpBackward0', np.exp, lambda n, g, x, o: g * o, saves='output')
exp2 = _unary('Exp2Backward0', np.exp2, lambda n, g, x, o: g * o * 0.6931471805599453, saves='output')
expm1 = _unary('Expm1Backward0', np.expm1, lambda n, g, x, o: g * (o + 1), saves='output')
log = _unary('LogBackward0', np.log, lambda n, g, x, o: g / x)
log2 = _unary('Log2Backward0', np.log2, lambda n, g, x, o: g / (x * 0.6931471805599453))
log10 = _unary('Log10Backward0', np.log10, lambda n, g, x, o: g / (x * 2.302585092994046))
log1p = _unary('Log1PBackward0', np.log1p, lambda n, g, x, o: g / (x + 1))
sqrt = _unary('SqrtBackward0', np.sqrt, lambda n, g, x, o: g / (o * 2), saves='output')
rsqrt = _unary('RsqrtBackward0', lambda x: 1 / np.sqrt(x), lambda n, g, x, o: g * -0.5 * o * o * o, saves='output')
sin = _unary('SinBackward0', np.sin, lambda n, g, x, o: g * cos(x))
cos = _unary('CosBackward0', np.cos, lambda n, g, x, o: g * -sin(x))
tan = _unary('TanBackward0', np.tan, lambda n, g, x, o: g * (o * o + 1), saves='output')
tanh = _unary('TanhBackward0', np.tanh, lambda n, g, x, o: g * (1 - o * o), saves='output')
sigmoid = _unary('SigmoidBackward0', lambda x: _sigmoid(x), lambda n, g, x, o: g * o * (1 - o), saves='output')
reciprocal = _unary('ReciprocalBackward0', lambda x: 1 / x, lambda n, g, x, o: g * -(o * o), saves='output')
square_ = None


def _sigmoid(x):
    # exp(-|x|) never overflows; both halves of the formula are exact where they are used
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


def square(input, *, out=None):
    return pow(input, 2, out=out)


def sign(input, *, out=None):
    if input.dtype is D.bool_:
        return input.clone()
    t = _wrap(as_array(np.sign(input._data)), input.dtype, input._device)
    if _gm.enabled and input._rg:
        record(_zero_bw, t, (input,))
    return _finish(t, out)


@backward_op('SignBackward0')
def _zero_bw(node, g):
    return (g * 0,)


def _rounding(name, f):
    cls = backward_op(name)(lambda node, g: (g * 0,))

    def op(input, *, out=None):
        if input.dtype._cat < 2:
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


def round(input, *, decimals=0, out=None):
    if decimals == 0:
        return _round0(input, out=out)
    s = 10.0 ** decimals
    with _NoGrad():
        r = _round0(input * s) / s
    r = r.to(input.dtype)
    if _gm.enabled and input._rg:
        record(_round0_cls(), r, (input,))
    return _finish(r, out)


def _round0_cls():
    return backward_op('RoundBackward1')(lambda node, g: (g * 0,))


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
    return (where(out > 0, g, 0.),)


def relu(input, *, out=None):
    """max(input, 0). Example: ``ember.relu(ember.tensor([-1., 2.]))`` is ``tensor([0., 2.])``."""
    x = input._data
    if input.dtype is D.bool_:
        raise RuntimeError('"clamp_min_scalar_cpu" not implemented for \'Bool\'')
    r = np.maximum(x, 0, dtype=x.dtype) if x.ndim else np.asarray(np.maximum(x, 0)).astype(x.dtype)
    t = _wrap(r, input.dtype, input._device)
    if _gm.enabled and input._rg:
        record(_relu_bw, t, (input,), (t,))
    return _finish(t, out)


@backward_op('ClampBackward1')
def _clamp_bw(node, g):
    (x,) = node.saved()
    lo, hi = node._args
    mask = None
    if lo is not None:
        mask = x >= lo
    if hi is not None:
        m2 = x <= hi
        mask = m2 if mask is None else mask & m2
    return (where(mask, g, 0.),)


@backward_op('ClampBackward0')
def _clamp_t_bw(node, g):
    x, lo, hi = node.saved()
    sx, slo, shi, dx, dlo, dhi = node._args
    nx, nlo, nhi = node.next_functions
    z = g * 0
    in_range = None
    if lo is not None:
        in_range = x >= lo
    if hi is not None:
        in_range = (x <= hi) if in_range is None else in_range & (x <= hi)
    gx = grad_for(where(in_range, g, z), sx, dx) if nx[0] is not None else None
    glo = ghi = None
    if lo is not None and nlo[0] is not None:
        glo = grad_for(where(x < lo, g, z) if hi is None else where((x < lo) & (lo <= hi), g, z), slo, dlo)
    if hi is not None and nhi[0] is not None:
        ghi = grad_for(where(x > hi, g, z) if lo is None else where((x > hi) | (lo > hi), g, z), shi, dhi)
    return gx, glo, ghi


def clamp(input, min=None, max=None, *, out=None):
    """Clip to [min, max]; min > max gives max everywhere, as in torch."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        return _clamp_tensor(input, min, max, out)
    x = input._data
    dt = input.dtype
    for v in (min, max):
        if v is not None and isinstance(v, float) and dt._cat < 2:
            dt = _default[0]
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
        record(_clamp_bw, t, (input,), (input,), (min, max))
    return _finish(t, out)


def _clamp_tensor(input, lo, hi, out):
    from .creation import tensor as _t
    lo_t = lo if lo is None or isinstance(lo, Tensor) else _scalar_tensor(lo, input)
    hi_t = hi if hi is None or isinstance(hi, Tensor) else _scalar_tensor(hi, input)
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
        record(_clamp_t_bw, r, (input, lo_t, hi_t), (input, lo_t, hi_t),
               (input.shape, _shape(lo_t), _shape(hi_t), input.dtype, _dt(lo_t, r.dtype), _dt(hi_t, r.dtype)))
    return _finish(r, out)


clip = clamp


def clamp_min(input, min):
    return clamp(input, min=min)


def clamp_max(input, max):
    return clamp(input, max=max)
