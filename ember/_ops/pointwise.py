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
from .. import _backend
from .._backend import is_host as _is_host  # (a recorded host array too: ember.compile)
from builtins import abs as builtins_abs
from .. import _dtype as D
from .._tensor import Tensor, _wrap, _gm
from ._core import (record, backward_op, check_device, result_dtype, scalar_array, is_scalar, to_scalar,
                    broadcast_shapes_or_raise, grad_for, grad_from_array, as_array)
from ._core import type_name as _cap, finish as _finish
from ._core import warn_once
from .._backend import array_module, module_for, is_array, is_device_array

_default = D._default
_scalar_rt = {}


def _operands(a, b):
    """(array_a, array_or_scalar_b, result dtype, device, tensor) for a binary op."""
    if isinstance(a, Tensor):
        t = a
        if isinstance(b, Tensor):
            if a._device is not b._device:
                a, b = check_device(a, b, allow_cpu_scalar=True)
            if a.dtype is b.dtype:
                return a._data, b._data, a.dtype
            rt = result_dtype(a, b)
            xa = a._data if a.dtype is rt else a._data.astype(rt.np)
            xb = b._data if b.dtype is rt else b._data.astype(rt.np)
            if rt is _BF16:          # (an operand cast to bfloat16 is rounded, as torch casts it)
                xa, xb = _round_bf16(xa), _round_bf16(xb)
            return xa, xb, rt
        return _with_scalar(a, b, False)
    if isinstance(b, Tensor):
        xb, xa, rt = _with_scalar(b, a, True)
        return xa, xb, rt
    raise TypeError(f'expected at least one Tensor argument, got {type(a).__name__} and {type(b).__name__}')


def _join_devices(a, b):
    """A binary op's operands with a 0-d CPU tensor moved (differentiably) to the other's CUDA
    device, as torch treats it as a number; other device mixes raise torch's error."""
    if isinstance(a, Tensor) and isinstance(b, Tensor) and a._device is not b._device:
        return check_device(a, b, allow_cpu_scalar=True)
    return a, b


def _with_scalar(t, s, swapped):
    ts = type(s)
    if (ts is float or ts is int) and t.dtype._cat == 2:
        if t.dtype is _BF16:         # (torch casts the number to bfloat16 first; mul, div: see there)
            s = _bf16_scalar(s)
        return t._data, s, t.dtype   # a float tensor keeps its dtype with a Python number
    if ts not in (int, float, bool):
        if isinstance(s, (np.number, np.bool_)):
            s = s.item()
            ts = type(s)
        elif ts is complex:
            pass
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
            if rt is _BF16 and op is not _operator.mul:     # (torch: x * s with s's float value)
                other = _bf16_scalar(other)
            elif rt is _F16 and op is _operator.mul:
                return _f16_by_scalar(np.multiply, input._data, other, input._device)
            r = op(input._data, other)
        else:
            return None
        dev = input._device
    elif (type(input) is float or type(input) is int) and isinstance(other, Tensor) and other.dtype._cat == 2:
        rt = other.dtype
        if rt is _BF16 and op is not _operator.mul:
            input = _bf16_scalar(input)
        elif rt is _F16 and op is _operator.mul:
            return _f16_by_scalar(np.multiply, other._data, input, other._device)
        r = op(input, other._data)
        dev = other._device
    else:
        return None
    if type(r) is not np.ndarray:
        r = as_array(r)
    if r.dtype is not rt.np:
        r = r.astype(rt.np)
    return _wrap(r, rt, dev)


# SparseCooTensor once ember/_ops/sparse_coo.py is loaded (it sets this): a Parameter's ``p + p.grad``
# or ``p.data.add_(p.grad, alpha=-lr)`` with nn.Embedding(sparse=True) goes to the sparse operators.
# A type test on a module global: the check costs next to nothing on the dense path.
_sparse_cls = None


def _sparse_binary(op, a, b, alpha, out):
    """add/sub/mul with a sparse operand, as the sparse tensor's own operators do them (dense +/-
    sparse is dense, dense * sparse sparse: ember/_ops/sparse_coo.py)."""
    if out is not None:
        raise NotImplementedError(f"ember: {op}(..., out=) with a sparse operand is not implemented")
    if op == 'mul':
        return a.__mul__(b) if type(a) is _sparse_cls else b.__rmul__(a)
    sign = 1 if op == 'add' else -1
    if type(a) is _sparse_cls:
        return a.add(b, alpha=sign * alpha)
    return (b if alpha == 1 else b * alpha).__radd__(a) if sign == 1 else \
        (b if alpha == 1 else b * alpha).__rsub__(a)


def add(input, other, *, alpha=1, out=None):
    """input + alpha * other, broadcast. Example: ``ember.add(x, 1)``."""
    if type(alpha) is Tensor:       # a Scalar to torch: a 0-d tensor is read with item() (also on CUDA)
        alpha = alpha.item()
    # ``a + b`` on tensors of one dtype is the most frequent op of all: _fast's case, inlined
    if type(input) is Tensor and type(other) is Tensor and alpha == 1:
        rt = input.dtype
        if other.dtype is rt and other._device is input._device and rt is not D.bool_:
            try:
                r = input._data + other._data
            except ValueError:
                _check_shapes(input, other)
                raise
            t = _wrap(r if type(r) is np.ndarray else as_array(r), rt, input._device)
            if _gm.enabled and (input._rg or other._rg):
                record(_add_bw, t, (input, other), (), (input._data.shape, other._data.shape, rt, rt, 1))
            return t if out is None else _finish(t, out)
    if _sparse_cls is not None and (type(other) is _sparse_cls or type(input) is _sparse_cls):
        return _sparse_binary('add', input, other, alpha, out)
    t = _fast(input, other, _operator.add) if alpha == 1 else None
    if t is None:
        input, other = _join_devices(input, other)
        xa, xb, rt = _operands(input, other)
        if alpha != 1:
            _check_alpha(alpha, rt)
            xb = xb * alpha if rt is not _BF16 else _bf16_times_alpha(xa, xb, alpha)
        r = as_array(_compute(np.logical_or if rt is D.bool_ and alpha == 1 else np.add, input, other, xa, xb))
        if r.dtype is not rt.np:
            r = r.astype(rt.np)
        t = _wrap(r, rt, _device_of(input, other))
    if _gm.enabled and ((isinstance(input, Tensor) and input._rg) or (isinstance(other, Tensor) and other._rg)):
        rt = t.dtype
        record(_add_bw, t, (input, other), (), (_shape(input), _shape(other), _dt(input, rt), _dt(other, rt), alpha))
    return t if out is None else _finish(t, out)


def _bf16_times_alpha(xa, xb, alpha):
    """``alpha * xb`` for a bfloat16 add/sub, as torch's CPU kernel computes it: alpha cast to
    bfloat16; its vectorised loop (32 elements at a time) then adds the float32 product, its
    scalar loop over the last ``n % 32`` elements of contiguous operands the product rounded to
    bfloat16 (BFloat16 arithmetic). The operands' memory order counts, as in torch's loops: the
    tail is emulated for a tensor with a number, or two tensors of one shape and layout (dense,
    any order); other broadcasts and layouts get the vectorised loop's values."""
    al = _bf16_scalar(alpha)
    sa, sb = getattr(xa, 'shape', ()), getattr(xb, 'shape', ())
    n = int(np.prod(np.broadcast_shapes(sa, sb)))
    if n % 32 == 0 or n == 1:
        return xb * al
    if getattr(xb, 'size', 1) == 1:          # a number (or one element): one product, rounded in the tail only
        v = np.float32(xb) * np.float32(al) if not hasattr(xb, 'reshape') else \
            xb.astype(np.float32).reshape(-1)[0] * np.float32(al)
        if sa != np.broadcast_shapes(sa, sb):
            return xb * al
        r = _backend.array_module(xa).empty_like(xa)
        r[...] = v
    elif getattr(xa, 'size', 1) == 1 or (sb == sa and xb.strides == xa.strides):
        r = xb * al
    else:
        return xb * al
    st = r.strides
    if any(s <= 0 for s, d in zip(st, r.shape) if d > 1):
        return r
    m = r.transpose(sorted(range(r.ndim), key=lambda i: -st[i]))
    if not m.flags.c_contiguous:
        return r
    flat = m.reshape(-1)
    n = flat.size
    flat[n - n % 32:] = _round_bf16(flat[n - n % 32:])
    return r


def _bf16_scalar(s):
    """A Python number as torch casts it to bfloat16 (a Python float)."""
    return float(_round_bf16(np.float32(s)))


def _f16_by_scalar(f, x, s, dev):
    """A float16 array times / divided by a Python number as torch's CPU kernel computes it: in
    float32 with the number's float32 value (not the number rounded to float16 first, as NumPy's
    float16 arithmetic would), the result rounded to float16."""
    r = f(x.astype(np.float32), np.float32(s))
    return _wrap(as_array(r).astype(np.float16), _F16, dev)


def _reduced_by_0d(input, other, xa, xb):
    """The operands of a bfloat16/float16 tensor times / divided by a 0-d tensor of a wider float
    dtype (second operand): torch's CPU kernel takes that tensor as a number, with its own value in
    float32 rather than the value rounded to the reduced dtype; the product/quotient in float32."""
    if other._data.ndim or other.dtype._cat != 2 or not isinstance(input, Tensor) or input.dtype._cat != 2 \
            or other.dtype.is_complex:
        return xa, xb
    return input._data.astype(np.float32), np.float32(other._data)


_BF16 = D.bfloat16
_F16 = D.float16
from .._bf16 import round_bf16 as _round_bf16  # noqa: E402


def _check_alpha(alpha, rt):
    if isinstance(alpha, float) and rt._cat < 2:
        raise RuntimeError(f'For integral input tensors, argument alpha must not be a floating point number.')
    if isinstance(alpha, bool) is False and rt is D.bool_:
        raise RuntimeError('Boolean alpha only supported for Boolean results.')


def sub(input, other, *, alpha=1, out=None, _rsub=None):
    """input - alpha * other, broadcast."""
    if type(alpha) is Tensor:
        alpha = alpha.item()
    if _sparse_cls is not None and (type(other) is _sparse_cls or type(input) is _sparse_cls):
        return _sparse_binary('sub', input, other, alpha, out)
    t = _fast(input, other, _operator.sub) if alpha == 1 else None
    if t is None:
        if _is_bool(input) or _is_bool(other):
            if _is_bool(input) and _is_bool(other):
                raise RuntimeError('Subtraction, the `-` operator, with two bool tensors is not supported. '
                                   'Use the `^` or `logical_xor()` operator instead.')
            raise RuntimeError('Subtraction, the `-` operator, with a bool tensor is not supported. '
                               'If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.')
        input, other = _join_devices(input, other)
        xa, xb, rt = _operands(input, other)
        if alpha != 1:
            _check_alpha(alpha, rt)
            xb = xb * alpha if rt is not _BF16 else _bf16_times_alpha(xa, xb, alpha)
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
    if isinstance(a, Tensor):
        if isinstance(b, Tensor) and b._device is not a._device and a._device.type == 'cpu':
            return b._device        # a 0-d CPU tensor joined b's CUDA op as a number
        return a._device
    return b._device


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
    if _sparse_cls is not None and (type(other) is _sparse_cls or type(input) is _sparse_cls):
        return _sparse_binary('mul', input, other, 1, out)
    t = _fast(input, other, _operator.mul)
    if t is None:
        input, other = _join_devices(input, other)
        xa, xb, rt = _operands(input, other)
        if (rt is _BF16 or rt is _F16) and isinstance(other, Tensor) and other.dtype is not rt:
            xa, xb = _reduced_by_0d(input, other, xa, xb)
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
    input, other = _join_devices(input, other)
    xa, xb, rt = _operands(input, other)
    if rt is _BF16 and type(other) in (float, int):      # (torch: x / s with s's float value)
        xb = other
    elif rt is _F16 and type(other) in (float, int):
        xa, xb = xa.astype(np.float32), np.float32(other)
    elif (rt is _BF16 or rt is _F16) and isinstance(other, Tensor) and other.dtype is not rt:
        xa, xb = _reduced_by_0d(input, other, xa, xb)
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
    return tuple(None if e[0] is None else grad_for(g * 0, s, d)
                 for e, s, d in zip(node.next_functions, node._args[:2], node._args[2:]))


@backward_op('NotImplemented')
def _not_implemented_bw(node, *g):
    raise RuntimeError(f'derivative for aten::{node._args} is not implemented')


def _record_not_implemented(t, name, *inputs):
    """torch has no derivative for this op: backward through it raises."""
    record(_not_implemented_bw, t, tuple(x for x in inputs if isinstance(x, Tensor)), (), name)


def _div_rounded(input, other, mode, out, name=None):
    _check_shapes(input, other)
    input, other = _join_devices(input, other)
    xa, xb, rt = _operands(input, other)
    if rt is D.bool_:
        raise _not_implemented('div_floor_cpu' if mode == 'floor' else 'div_trunc_cpu', rt)
    if rt._cat == 2:
        q = np.true_divide(xa, xb)
        r = np.trunc(q) if mode == 'trunc' else np.floor(q)
    elif rt._cat == 3:
        raise _not_implemented('div_floor_cpu' if mode == 'floor' else 'div_trunc_cpu', rt)
    else:
        _int_zero_check(xb, input, other)
        if mode == 'floor':
            r = np.floor_divide(xa, xb)
        else:
            r = np.trunc(np.true_divide(xa, xb)).astype(rt.np)
    r = as_array(r).astype(rt.np, copy=False)
    t = _wrap(r, rt, _device_of(input, other))
    if _gm.enabled and (_grad_input(input) or _grad_input(other)):
        if name is None:
            record(_div_round_bw, t, (input, other), (), (_shape(input), _shape(other), _dt(input, rt), _dt(other, rt)))
        else:
            _record_not_implemented(t, name, input, other)
    return _finish(t, out)


def _int_zero_check(xb, input, other):
    # torch's CUDA kernels do not check (and a check would synchronise), a number divisor included
    # (torch's CUDA build: remainder(int_tensor, 0) answers a tensor)
    if is_device_array(xb) or _device_of(input, other).type == 'cuda':
        return
    if bool(np.any(xb == 0)):
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
    input, other = _join_devices(input, other)
    xa, xb, rt = _operands(input, other)
    if rt._cat != 2:
        if rt._cat == 3 or rt is D.bool_:
            raise _not_implemented('remainder_cpu', rt)
        _int_zero_check(xb, input, other)
    if rt._cat == 2:
        r = _float_remainder(input, other, xa, xb)
    else:
        r = as_array(_compute(np.remainder, input, other, xa, xb)).astype(rt.np, copy=False)
    t = _wrap(r, rt, _device_of(input, other))
    if _gm.enabled and (_grad_input(input) or _grad_input(other)):
        _record_rem(t, input, other, rt, _rem_bw, _rem_scalar_bw, 'floor')
    return _finish(t, out)


def _float_remainder(input, other, xa, xb):
    """Python's modulus from fmod, as torch's kernels (CPU and CUDA): fmod is exact (CuPy's remainder
    computes a - b * floor(a / b), which loses the answer for large |a|), and a zero keeps fmod's
    sign (remainder(-2., 2) is -0., where NumPy's remainder gives 0.)."""
    r = _compute(np.fmod, input, other, xa, xb)
    fix = (r != 0) & ((r < 0) != (xb < 0))
    return np.where(fix, r + xb, r).astype(r.dtype, copy=False)


def fmod(input, other, *, out=None):
    """C's fmod: the result has the sign of ``input``."""
    _need_tensor('fmod', input, other)
    input, other = _join_devices(input, other)
    xa, xb, rt = _operands(input, other)
    if rt._cat < 2:
        if rt is D.bool_:
            raise _not_implemented('fmod_cpu', rt)
        _int_zero_check(xb, input, other)
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
    input, exponent = _join_devices(input, exponent)
    xa, xb, rt = _operands(input, exponent)
    if rt is D.bool_:
        raise _not_implemented('pow', rt)
    if rt._cat == 1 and bool(np.any(xb < 0)):
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
    xp = array_module(input._data if isinstance(input, Tensor) else exponent._data)
    xa, xb = np.broadcast_arrays(xp.asarray(xa), xp.asarray(xb))
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
    input, other = _join_devices(input, other)
    xa, xb, rt = _operands(input, other)
    if rt._cat == 3:
        raise RuntimeError(f'{name[1:] if name[0] == "f" else name} not implemented for complex tensors.')
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
    ordered = name not in ('eq', 'ne')

    def op(input, other, *, out=None):
        if not isinstance(input, Tensor):
            _need_tensor(name, input, other)
        input, other = _join_devices(input, other)
        xa, xb, rt = _operands(input, other)
        if ordered and rt._cat == 3:
            raise _not_implemented(name + '_cpu', rt)
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
    _need_input('logical_not', input)
    return _finish(_wrap(as_array(np.logical_not(input._data)), D.bool_, input._device), out)


def _bitwise(ufunc, name):
    def op(input, other, *, out=None):
        input, other = _join_devices(input, other)
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
    _need_input('bitwise_not', input)
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
        warn_once('where received a uint8 condition tensor. This behavior is deprecated and will be removed in a '
                  'future version of PyTorch. Use a boolean condition instead.')      # (TORCH_WARN_ONCE in torch)
    if isinstance(input, Tensor) or isinstance(other, Tensor):
        input, other = _join_devices(input, other)
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
        r = as_array(_backend.where(condition._data, xa, xb)).astype(rt.np, copy=False)
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
    return _wrap(module_for(like._device).asarray(x, dtype=D.scalar_dtype(x).np), D.scalar_dtype(x), like._device)


# ---------------------------------------------------------------- unary ops
_NOTHING_SAVED = (None, None)


class _EmberMath:
    """The functions a unary backward formula may call, as ember ops (see _unary); the same names
    as NumPy's, which stands in for this class when no graph is built."""
    sin = staticmethod(lambda x: sin(x))
    cos = staticmethod(lambda x: cos(x))
    sign = staticmethod(lambda x: sign(x))
    sinh = staticmethod(lambda x: sinh(x))
    cosh = staticmethod(lambda x: cosh(x))
    exp = staticmethod(lambda x: exp(x))
    sqrt = staticmethod(lambda x: sqrt(x))


def _unary_backward(name, backward):
    """The node class of a unary op whose gradient is ``backward(M, g, x, out)``.

    The formula is written once, over a namespace ``M`` and operators, so that it runs on ember
    tensors (``M`` = ember ops: differentiable, for ``create_graph=True``) or, when no graph is
    being built, on the bare arrays (``M`` = NumPy: one pass of NumPy calls, no per-op wrapping).
    """
    def bw(node, g):
        x, o = node.saved() or _NOTHING_SAVED
        if _gm.enabled or g.dtype is _BF16:     # (bfloat16: each step rounded, as torch's formulas)
            return (backward(_EmberMath, g, x, o),)
        r = backward(np, g._data, None if x is None else x._data, None if o is None else o._data)
        if type(r) is not np.ndarray:
            r = as_array(r)
        return (_wrap(r, D._FROM_NP[r.dtype] if g.dtype is not _BF16 else _BF16, g._device),)
    return backward_op(name)(bw)


def _unary(name, f, backward=None, saves='input', to_float=True, bool_error=None, int_kernel=None):
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
                if f is np.abs and input._device.type == 'cuda':
                    # torch's CUDA build has abs for bool ("abs_cuda" takes Bool): the values themselves
                    t = _wrap(x.copy(), dt, input._device)
                    return t if out is None else _finish(t, out)
                raise bool_error[0](bool_error[1])
            if int_kernel is not None:      # torch has no integer kernel: "frac_cpu" not implemented for 'Long'
                raise _not_implemented(int_kernel, dt)
            if to_float:
                dt = _default[0]
                x = x.astype(dt.np)
        try:
            r = f(x)
        except TypeError:
            if dt._cat == 3:        # NumPy has no complex kernel for it: nor has torch
                from .complex import not_for_complex
                raise not_for_complex(op.__name__ + '_cpu', dt) from None
            raise
        if type(r) is not np.ndarray:
            r = as_array(r)
        if r.dtype is not dt.np:
            if dt._cat == 3 and r.dtype.kind == 'f':      # |z| of a complex tensor: a real result
                from .complex import complex_abs
                return complex_abs(input, r, out)
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
        t = _wrap(as_array(r).astype(rt.np, copy=False), rt, g._device)
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
    if x.size >= 65536 and type(x) is np.ndarray and x.dtype.char in 'fd':
        return _sigmoid_into(x)
    return 1 / (1 + np.exp(-x))


def _sigmoid_into(x):
    """1 / (1 + exp(-x)) of a float32/float64 host array (ndim >= 1) in one buffer: the same
    operations (so the same bits) without three temporaries of x's size (page faults and cache
    misses on large arrays: sigmoid of 4M float32 3.1 -> 2.4 ms; torch 0.9 ms)."""
    r = np.negative(x)
    np.exp(r, out=r)
    np.add(r, 1, out=r)
    return np.divide(1, r, out=r)


def square(input, *, out=None):
    return pow(input, 2, out=out)


def _need_input(name, input):
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")


def sign(input, *, out=None):
    _need_input('sign', input)
    if input.dtype is D.bool_:
        return _finish(input.clone(), out)
    r = as_array(np.sign(input._data))
    if input.dtype._cat == 2:
        r = as_array(np.nan_to_num(r, copy=False, nan=0.))      # torch.sign(nan) is 0
    elif input.dtype._cat == 3:
        raise NotImplementedError('Unlike NumPy, torch.sign is not intended to support complex numbers. Please use '
                                  'torch.sgn instead.')
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
        _need_input(op.__name__, input)
        if input.dtype._cat < 2:
            if input.dtype is D.bool_:
                raise _not_implemented(kernel, input.dtype)
            return _finish(input.clone(), out)
        elif input.dtype._cat == 3:
            raise (NotImplementedError(f'{op.__name__} is not supported for complex inputs') if op.__name__ in
                   ('floor', 'ceil', 'trunc') else _not_implemented(kernel, input.dtype))
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
    _need_input('round', input)
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
    gd, od = g._data, out._data
    stop = od <= 0          # torch's rule: 0 where out <= 0, else g (so a NaN output passes g on)
    it = _SAME_WIDTH_INT.get(gd.dtype.itemsize) if gd.dtype.kind == 'f' and gd.shape == od.shape else None
    if it is not None and _is_host(gd) and _is_host(stop):
        # np.where with a data-dependent mask is branchy (about 3 ns an element); the same bits come
        # from an AND with an all-zeros/all-ones integer mask, ~20x faster (NaN -> +0 where stopped,
        # -0.0 kept where not, exactly as np.where and torch's threshold_backward)
        mi = (stop.view(np.int8) - np.int8(1)).astype(it)   # (int8 -> int: ~25% faster than bool -> int)
        np.bitwise_and(mi, np.ascontiguousarray(gd).view(it), out=mi)
        r = _wrap(mi.view(gd.dtype), g.dtype, g._device)
    else:
        r = _wrap(as_array(np.where(stop, 0, gd)).astype(gd.dtype, copy=False), g.dtype, g._device)
    if _gm.enabled and (g._rg or out._rg):
        record(_threshold_bw_bw, r, (g, out), (), _mask(~stop, out))
    return r


_SAME_WIDTH_INT = {2: np.int16, 4: np.int32, 8: np.int64}


@backward_op('ThresholdBackwardBackward0')
def _threshold_bw_bw(node, gg):
    return _threshold_backward(gg, node._args), _wrap(np.zeros_like(gg._data), gg.dtype, gg._device)


_ZEROS_MAX = 1 << 20
_np_zeros = np.zeros
_zeros_bufs = {}        # dtype -> a flat read-only array of zeros
_zeros_views = {}       # (shape, dtype) -> a view of it


def _zeros_like_host(x):
    """A read-only C-contiguous array of zeros of ``x``'s shape and dtype (a view of one shared
    buffer per dtype), or None past _ZEROS_MAX elements. NumPy's ``maximum`` against a Python
    scalar does not take its SIMD loop (3.1 us for 64x128 float32) but against an array does
    (1.0 us), with the same result bits (NaN passed through, -0.0 -> 0.0)."""
    key = (x.shape, x.dtype)
    z = _zeros_views.get(key)
    if z is None:
        n = x.size
        if n > _ZEROS_MAX:
            return None
        buf = _zeros_bufs.get(x.dtype)
        if buf is None or buf.size < n:
            # (NumPy's own zeros, not the one ember.compile records while recording: this buffer is
            # a constant of the program, never traced data)
            buf = _np_zeros(max(n, 4096), x.dtype)
            buf.flags.writeable = False
            _zeros_bufs[x.dtype] = buf
        if len(_zeros_views) >= 256:
            _zeros_views.clear()
        z = _zeros_views[key] = buf[:n].reshape(x.shape)
    return z


def relu(input):
    """max(input, 0). Example: ``ember.relu(ember.tensor([-1., 2.]))`` is ``tensor([0., 2.])``."""
    _need_input('relu', input)
    x = input._data
    if input.dtype._cat != 2:
        if input.dtype is D.bool_:
            raise RuntimeError('Boolean inputs not supported for relu')
        if input.dtype._cat == 3:
            raise NotImplementedError('clamp is not supported for complex types')
    z = _zeros_like_host(x) if _is_host(x) and x.ndim and x.flags.c_contiguous else None
    if z is not None:
        r = np.maximum(x, z)        # the same values as below, ~3x faster (see _zeros_like_host)
    else:
        r = np.maximum(x, 0, dtype=x.dtype) if x.ndim else as_array(np.maximum(x, 0)).astype(x.dtype)
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
    if min is not None and max is not None and isinstance(min, Tensor) is not isinstance(max, Tensor):
        # one Tensor bound, one number: torch's argument parser takes a 0-d tensor that needs no
        # gradient as a Number there (the scalar overload)
        t = min if isinstance(min, Tensor) else max
        if t.dim() == 0 and not t.requires_grad:
            if t is min:
                min = t.item()
            else:
                max = t.item()
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        if not (min is None or isinstance(min, Tensor)) or not (max is None or isinstance(max, Tensor)):
            raise TypeError(f'clamp() received an invalid combination of arguments - got (Tensor, '
                            f'{type(min).__name__}, {type(max).__name__}), but expected one of:\n'
                            ' * (Tensor input, Tensor min = None, Tensor max = None, *, Tensor out = None)\n'
                            ' * (Tensor input, Number min = None, Number max = None, *, Tensor out = None)\n')
        return _clamp_tensor(input, min, max, out, _cls)
    x = input._data
    dt = input.dtype
    if dt._cat == 3:
        raise NotImplementedError('clamp is not supported for complex types')
    for v in (min, max):
        if v is not None:
            v = to_scalar(v)
            dt = D._combine(dt, D.scalar_dtype(v))
            _check_fits(v, dt)
    if dt is not input.dtype:
        x = x.astype(dt.np)
    r = x
    if min is not None:
        r = np.maximum(r, np.asarray(min).astype(dt.np)[()])
    if max is not None:
        r = np.minimum(r, np.asarray(max).astype(dt.np)[()])
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
    if dt is D.uint8 and isinstance(v, (int, np.integer)):
        lim = (-255, 255)       # torch wraps small negative ints into uint8 (-1 is 255)
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


# ---------------------------------------------------------------- erf, erfc, erfinv (NumPy has none)
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
# erf near 0 in float32: Eigen's generic_fast_erf, x P(x^2) / Q(x^2) (coefficients highest power first)
_ERF32_P = (0.00022905065861350646, 0.0034082910107109506, 0.050955695062380861, 0.18520832239976145,
            1.128379143519084)
_ERF32_Q = (-1.1791602954361697e-7, 0.000023547966471313185, 0.0010179625278914885, 0.014070470171167667,
            0.11098505178285362, 0.49746925110067538, 1.0)


_ERF_BLOCK = 65536     # elements per block of the float32 erf (256 KB a temporary: L2-sized)


def _erf32(x):
    """erf in float32 for float32/float16 input: 1 - erfc(|x|) with the Chebyshev-fitted erfc of
    Numerical Recipes (fractional error < 1.2e-7, so the tails keep their precision); near 0, where
    1 - erfc loses the relative precision, Eigen's rational form (within ~2 ulp there). All in
    float32 (the float64 series it replaced cost 3/4 of the time). A large host array goes through
    in cache-sized blocks (elementwise, so the same bits; 5x less time than whole-array passes)."""
    n = x.size
    if type(x) is not np.ndarray or n <= 2 * _ERF_BLOCK:
        return _erf32_block(x, None)
    xf = np.ascontiguousarray(x).reshape(-1)
    out = np.empty(n, dtype=np.float32)
    for i in range(0, n, _ERF_BLOCK):
        _erf32_block(xf[i:i + _ERF_BLOCK], out[i:i + _ERF_BLOCK])
    return out.reshape(x.shape)


def _erf32_block(x, out):
    f = np.float32
    x = x.astype(f, copy=False)
    z = np.abs(x)
    t = 1 / (1 + f(0.5) * z)
    if out is None:
        p = np.full_like(t, f(_ERFC32[-1]))
    else:
        p = out
        p[...] = f(_ERFC32[-1])
    for a in _ERFC32[-2::-1]:
        p *= t
        p += f(a)
    p -= z * z
    np.exp(p, out=p)
    p *= t
    np.subtract(1, p, out=p)
    if out is None:
        p = np.copysign(p, x, out=p)
    else:       # copysign as the bits do it (a third of np.copysign's time)
        pb = p.view(np.int32)
        pb &= np.int32(0x7fffffff)
        pb |= x.view(np.int32) & np.int32(-0x80000000)
    small = z < 0.84375
    if small.any():
        x2 = x * x
        n = x2 * f(_ERF32_P[0])
        for a in _ERF32_P[1:-1]:
            n += f(a)
            n *= x2
        n += f(_ERF32_P[-1])
        n *= x
        q = x2 * f(_ERF32_Q[0])
        for b in _ERF32_Q[1:-1]:
            q += f(b)
            q *= x2
        q += f(_ERF32_Q[-1])
        n /= q
        if out is None:
            p = _backend.where(small, n, p)
        else:       # the where() as a blend of the bits (np.where branches per element)
            m = np.negative(small.view(np.int8)).astype(np.int32)
            nb = n.view(np.int32)
            nb &= m
            np.invert(m, out=m)
            pb &= m
            pb |= nb
    return p


def _erfc_tail(s):
    """erfc(s) for s >= 1.25 (float64), fdlibm's asymptotic form."""
    z = 1 / (s * s)
    small = s < 1 / 0.35
    R = np.where(small, _poly(_RA, z), _poly(_RB, z))
    S = np.where(small, _poly(_SA, z), _poly(_SB, z))
    h = (s.view(np.uint64) & np.uint64(0xffffffff00000000)).view(np.float64)   # s to ~single precision
    return np.exp(-h * h - 0.5625) * np.exp((h - s) * (h + s) + R / S) / s


def _device_special(name, x):
    """erf/erfc/erfinv of a CUDA array: one CuPy kernel (cupyx.scipy.special), computed in the
    array's own float dtype as torch's CUDA kernels do."""
    from cupyx.scipy import special
    return getattr(special, name)(x)


def erf_np(x):
    """erf of an array: float64 to about one ulp (fdlibm's method), float32/float16 in float32."""
    dt = x.dtype
    if type(x) is not np.ndarray and is_device_array(x):
        return _device_special('erf', x)
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
        out[m3] = 1 - _erfc_tail(a[m3])
    m4 = ~(m1 | m2 | m3)
    if m4.any():
        out[m4] = np.where(np.isnan(a[m4]), np.nan, 1.0)
    out = np.copysign(out, x)
    return out.astype(dt, copy=False) if dt.kind == 'f' else out


def erfc_np(x):
    """erfc of an array, computed in float64 (keeps its relative precision in the far tail)."""
    dt = x.dtype
    if type(x) is not np.ndarray and is_device_array(x):
        return _device_special('erfc', x)
    x64 = np.asarray(x, dtype=np.float64)
    a = np.abs(x64)
    out = np.empty_like(a)
    m1 = a < 0.84375
    if m1.any():
        s = a[m1]
        z = s * s
        out[m1] = 1 - (s + s * (_poly(_PP, z) / _poly(_QQ, z)))
    m2 = (a >= 0.84375) & (a < 1.25)
    if m2.any():
        s = a[m2] - 1
        out[m2] = 1 - _ERX - _poly(_PA, s) / _poly(_QA, s)
    m3 = (a >= 1.25) & (a < 28)
    if m3.any():
        out[m3] = _erfc_tail(a[m3])
    m4 = ~(m1 | m2 | m3)
    if m4.any():
        out[m4] = np.where(np.isnan(a[m4]), np.nan, 0.0)
    out = np.where(x64 < 0, 2 - out, out)
    return out.astype(dt, copy=False) if dt.kind == 'f' else out


def erfinv_np(y):
    """erfinv of an array: Giles' approximation refined by Newton steps on erf (float64)."""
    dt = y.dtype
    if type(y) is not np.ndarray and is_device_array(y):
        return _device_special('erfinv', y)
    y64 = np.asarray(y, dtype=np.float64)
    w = -np.log((1 - y64) * (1 + y64))
    small = w < 5
    ws = w - 2.5
    wl = np.sqrt(np.where(small, 5., w)) - 3
    ps = _poly((1.50140941, 0.246640727, -0.00417768164, -0.00125372503, 0.00021858087, -4.39150654e-06,
                -3.5233877e-06, 3.43273939e-07, 2.81022636e-08), ws)
    pl = _poly((2.83297682, 1.00167406, 0.00943887047, -0.0076224613, 0.00573950773, -0.00367342844,
                0.00134934322, 0.000100950558, -0.000200214257), wl)
    x = np.where(small, ps, pl) * y64
    fin = np.isfinite(x)
    xs = np.where(fin, x, 0.)
    for _ in range(3):
        xs = xs - (erf_np(xs) - y64) / (1.1283791670955126 * np.exp(-xs * xs))
    x = np.where(fin, xs, x)
    x = np.where(np.abs(y64) == 1, np.copysign(np.inf, y64), np.where(np.abs(y64) > 1, np.nan, x))
    return x.astype(dt, copy=False) if dt.kind == 'f' else x


erf = _unary('ErfBackward0', erf_np, lambda M, g, x, o: g * M.exp(-(x * x)) * 1.1283791670955126)
erfc = _unary('ErfcBackward0', erfc_np, lambda M, g, x, o: g * M.exp(-(x * x)) * -1.1283791670955126)
erfinv = _unary('ErfinvBackward0', erfinv_np, lambda M, g, x, o: g * M.exp(o * o) * 0.886226925452758,
                saves='output')

# ---------------------------------------------------------------- more unary math
sinh = _unary('SinhBackward0', np.sinh, lambda M, g, x, o: g * M.cosh(x))
cosh = _unary('CoshBackward0', np.cosh, lambda M, g, x, o: g * M.sinh(x))
asin = _unary('AsinBackward0', np.arcsin, lambda M, g, x, o: g / M.sqrt(1 - x * x))
acos = _unary('AcosBackward0', np.arccos, lambda M, g, x, o: -g / M.sqrt(1 - x * x))
atan = _unary('AtanBackward0', np.arctan, lambda M, g, x, o: g / (x * x + 1))
asinh = _unary('AsinhBackward0', np.arcsinh, lambda M, g, x, o: g / M.sqrt(x * x + 1))
acosh = _unary('AcoshBackward0', np.arccosh, lambda M, g, x, o: g / M.sqrt(x * x - 1))
atanh = _unary('AtanhBackward0', np.arctanh, lambda M, g, x, o: g / (1 - x * x))
arcsin, arccos, arctan, arcsinh, arccosh, arctanh = asin, acos, atan, asinh, acosh, atanh
deg2rad = _unary('Deg2RadBackward0', lambda x: x * (np.pi / 180), lambda M, g, x, o: g * (np.pi / 180), saves='none')
rad2deg = _unary('Rad2DegBackward0', lambda x: x * (180 / np.pi), lambda M, g, x, o: g * (180 / np.pi), saves='none')
frac = _unary('FracBackward0', lambda x: x - np.trunc(x), lambda M, g, x, o: g, saves='none', int_kernel='frac_cpu')
sgn = sign


def signbit(input, *, out=None):
    """True where the sign bit is set (-0.0 included)."""
    _need_input('signbit', input)
    x = input._data
    r = np.zeros_like(x, dtype=np.bool_) if input.dtype is D.bool_ else np.signbit(x)
    return _finish(_wrap(as_array(r), D.bool_, input._device), out)


def _isfn(f, name):
    def op(input):
        _need_input(name, input)
        x = input._data
        if input.dtype._cat < 2:
            r = np.full_like(x, name == 'isfinite', dtype=np.bool_)
        else:
            r = f(x)
        return _wrap(as_array(r), D.bool_, input._device)
    op.__name__ = name
    return op


isnan = _isfn(np.isnan, 'isnan')
isinf = _isfn(np.isinf, 'isinf')
isfinite = _isfn(np.isfinite, 'isfinite')


def isposinf(input, *, out=None):
    return _finish(_wrap(as_array(np.isposinf(input._data)), D.bool_, input._device), out)


def isneginf(input, *, out=None):
    return _finish(_wrap(as_array(np.isneginf(input._data)), D.bool_, input._device), out)


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """|input - other| <= atol + rtol * |other| (equal infinities too), elementwise."""
    _need_input('isclose', input)
    if not isinstance(other, Tensor):
        raise TypeError(f"isclose(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}")
    if input.dtype is not other.dtype:
        raise RuntimeError(f'{_cap(input.dtype)} did not match {_cap(other.dtype)}')
    broadcast_shapes_or_raise(input.shape, other.shape)
    a, b = input._data, other._data
    if input.dtype._cat < 2:
        a, b = a.astype(np.float64), b.astype(np.float64)
    return _wrap(as_array(np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)), D.bool_, input._device)


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


def equal(input, other):
    """True when both have the same size and elements."""
    return input.shape == other.shape and bool((input._data == other._data).all())


def nan_to_num(input, nan=0.0, posinf=None, neginf=None, *, out=None):
    """NaN -> ``nan``, +inf -> ``posinf`` (default: the dtype's max), -inf -> ``neginf`` (its min)."""
    _need_input('nan_to_num', input)
    if input.dtype._cat < 2:
        return _finish(input.clone(), out)
    x = input._data
    r = as_array(np.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)).astype(x.dtype, copy=False)
    t = _wrap(r, input.dtype, input._device)
    if _gm.enabled and input._rg:
        record(_nan_to_num_bw, t, (input,), (input,))
    return _finish(t, out)


@backward_op('NanToNumBackward0')
def _nan_to_num_bw(node, g):
    (x,) = node.saved()
    return (where(_mask(np.isfinite(x._data), x), g, 0.),)


@backward_op('LogitBackward0')
def _logit_bw(node, g):
    (x,) = node.saved()
    eps = node._args
    r = g / (x * (1 - x))
    if eps is not None:
        r = where(_mask((x._data < eps) | (x._data > 1 - eps), x), 0., r)
    return (r,)


def logit(input, eps=None, *, out=None):
    """log(p / (1 - p)); with ``eps``, p is first clamped to [eps, 1 - eps]."""
    _need_input('logit', input)
    x = input._data
    dt = input.dtype
    if dt._cat < 2:
        dt = _default[0]
        x = x.astype(dt.np)
    if dt is _BF16:     # (torch's bfloat16 logit: BFloat16 arithmetic, each step rounded)
        if eps is not None:
            lo = _bf16_scalar(eps)
            x = np.clip(x, lo, _bf16_scalar(1 - lo))
        r = np.log(_round_bf16(x / _round_bf16(1 - x)))
    else:
        if eps is not None:
            x = np.clip(x, eps, 1 - eps)
        r = np.log(x / (1 - x))
    t = _wrap(as_array(r).astype(dt.np, copy=False), dt, input._device)
    if _gm.enabled and input._rg:
        record(_logit_bw, t, (input,), (input,), eps)
    return _finish(t, out)


# ---------------------------------------------------------------- more binary math
def _binary(name, f, backward=None, kernel=None, to_float=True, node=None):
    """An elementwise op of two operands (tensor, tensor or number), promoted as torch does.
    ``backward(g, a, b, out, need_a, need_b)`` gives (grad_a, grad_b) with ember ops (either may be
    None); ``kernel``: torch has no integer kernel of this name; ``to_float``: integer inputs
    compute in the default float dtype."""
    cls = None
    if backward is not None:
        @backward_op(node or name.capitalize() + 'Backward0')
        def cls(node_, g):
            a, b, o = node_.saved()
            sa, sb, da, db = node_._args
            na, nb = node_.next_functions
            ga, gb = backward(g, a, b, o, na[0] is not None, nb[0] is not None)
            return (grad_for(ga, sa, da) if ga is not None and na[0] is not None else None,
                    grad_for(gb, sb, db) if gb is not None and nb[0] is not None else None)

    def op(input, other, *, out=None):
        if not isinstance(input, Tensor):
            _need_tensor(name, input, other)
        input, other = _join_devices(input, other)
        xa, xb, rt = _operands(input, other)
        if rt._cat < 2:
            if kernel is not None:
                raise _not_implemented(kernel, rt)
            if to_float:
                rt = _default[0]
                xa = xa.astype(rt.np) if is_array(xa) else float(xa)
                xb = xb.astype(rt.np) if is_array(xb) else float(xb)
        r = as_array(_compute(f, input, other, xa, xb)).astype(rt.np, copy=False)
        t = _wrap(r, rt, _device_of(input, other))
        if _gm.enabled and (_grad_input(input) or _grad_input(other)):
            if cls is None:
                _record_not_implemented(t, name, input, other)
            else:
                record(cls, t, (input, other), (input, other, t),
                       (_shape(input), _shape(other), _dt(input, rt), _dt(other, rt)))
        return _finish(t, out)
    op.__name__ = name
    return op


def _atan2_bw(g, a, b, o, na, nb):
    d = a * a + b * b
    return (g * b / d if na else None), (g * -a / d if nb else None)


atan2 = _binary('atan2', np.arctan2, _atan2_bw)
arctan2 = atan2
hypot = _binary('hypot', np.hypot, lambda g, a, b, o, na, nb: (g * a / o if na else None, g * b / o if nb else None),
                kernel='hypot_cpu')
logaddexp = _binary('logaddexp', np.logaddexp,
                    lambda g, a, b, o, na, nb: (g * exp(a - o) if na else None, g * exp(b - o) if nb else None),
                    kernel='logaddexp_cpu')
logaddexp2 = _binary('logaddexp2', np.logaddexp2,
                     lambda g, a, b, o, na, nb: (g * exp2(a - o) if na else None, g * exp2(b - o) if nb else None),
                     kernel='logaddexp2_cpu')


def _xlogy_np(a, b):
    r = a * np.log(b)
    return np.where((a == 0) & ~np.isnan(b), 0., r)


def _xlogy_bw(g, a, b, o, na, nb):
    ga = gb = None
    if na:
        # torch: xlogy(grad, other), zeroed where self == 0 and other <= 0 (so d/dself at self == 0 is
        # log(other) for other > 0)
        stop = (a == 0) & (b <= 0) if isinstance(b, Tensor) else a == 0 if b <= 0 else None
        gb_ = xlogy(g, b)
        ga = gb_ if stop is None else where(stop, 0., gb_)
    if nb:
        gb = g * a / b
    return ga, gb


def _xlogy_np_bf16(a, b):
    # torch's kernel: x * std::log(y) on c10::BFloat16, whose log is rounded to bfloat16 before
    # the product (a Poisson's log_prob in bfloat16); float16 arrays already round so in NumPy
    return np.where((a == 0) & ~np.isnan(b), 0., a * _round_bf16(np.log(b)))


_XLOGY = {}


def _xlogy_op(bf16, k):
    """xlogy's op: torch's node XlogyBackward0 (two tensors), 1 (a number self), 2 (a number
    other); ``bf16``: the bfloat16 kernel."""
    op = _XLOGY.get((bf16, k))
    if op is None:
        op = _XLOGY[bf16, k] = _binary('xlogy', _xlogy_np_bf16 if bf16 else _xlogy_np, _xlogy_bw,
                                       node=f'XlogyBackward{k}')
    return op


def xlogy(input, other, *, out=None):
    """input * log(other), 0 where input == 0 (unless other is nan); input may be a Number, as in torch."""
    k = 0
    if not isinstance(input, Tensor) and isinstance(other, Tensor) and type(input) in (int, float, bool):
        input, k = _scalar_tensor(input, other), 1
    elif isinstance(input, Tensor) and type(other) in (int, float, bool):
        other, k = _scalar_tensor(other, input), 2    # (torch: log of the number cast to the result dtype)
    bf16 = (((isinstance(other, Tensor) and other.dtype is _BF16) or (isinstance(input, Tensor) and input.dtype is _BF16))
            and result_dtype(input, other) is _BF16)
    return _xlogy_op(bf16, k)(input, other, out=out)


def _copysign_bw(g, a, b, o, na, nb):
    ga = None
    if na:
        ga = where(a == 0, 0., g * (o / a))
    return ga, (g * 0 if nb else None)


copysign = _binary('copysign', np.copysign, _copysign_bw)


def heaviside(input, values, *, out=None):
    """0 where input < 0, ``values`` where input == 0, 1 where input > 0 (no gradient in torch)."""
    _need_input('heaviside', input)
    if not isinstance(values, Tensor):
        raise TypeError(f"heaviside(): argument 'values' (position 2) must be Tensor, not {type(values).__name__}")
    if input.dtype is not values.dtype:
        raise RuntimeError('heaviside is not yet implemented for tensors with different dtypes.')
    x, v = input._data, values._data
    broadcast_shapes_or_raise(x.shape, v.shape)
    r = as_array(np.where(x == 0, v, x > 0)).astype(input.dtype.np, copy=False)
    t = _wrap(r, input.dtype, input._device)
    if _gm.enabled and (input._rg or values._rg):
        _record_not_implemented(t, 'heaviside', input, values)
    return _finish(t, out)


bitwise_left_shift = _bitwise(np.left_shift, 'lshift')
bitwise_right_shift = _bitwise(np.right_shift, 'rshift')
bitwise_left_shift.__name__, bitwise_right_shift.__name__ = 'bitwise_left_shift', 'bitwise_right_shift'


# ---------------------------------------------------------------- lerp, addcmul, addcdiv
@backward_op('LerpBackward1')
def _lerp_bw(node, g):
    s, e, w = node.saved()
    ss, se, sw, dt = node._args
    nf = node.next_functions
    gs = grad_for(g * (1 - w), ss, dt) if nf[0][0] is not None else None
    ge = grad_for(g * w, se, dt) if nf[1][0] is not None else None
    gw = grad_for(g * (e - s), sw, dt) if len(nf) > 2 and nf[2][0] is not None else None
    return (gs, ge, gw) if len(nf) > 2 else (gs, ge)


_lerp_scalar_bw = backward_op('LerpBackward0')(_lerp_bw._backward)


def lerp(input, end, weight, *, out=None):
    """input + weight * (end - input); ``weight`` a number or a tensor (torch's two-sided formula)."""
    _need_input('lerp', input)
    if not isinstance(end, Tensor):
        raise TypeError(f"lerp(): argument 'end' (position 2) must be Tensor, not {type(end).__name__}")
    dt = input.dtype
    if end.dtype is not dt:
        raise RuntimeError(f'expected dtype {_MMN[dt.name]} for `end` but got dtype {_MMN[end.dtype.name]}')
    if dt._cat < 2:
        raise _not_implemented('lerp_kernel_scalar' if not isinstance(weight, Tensor) else 'lerp_kernel_tensor', dt)
    if isinstance(weight, Tensor):
        if weight.dtype is not dt:
            raise RuntimeError(f'expected dtype {_MMN[dt.name]} for `weight` but got dtype {_MMN[weight.dtype.name]}')
        w = weight._data
        s = broadcast_shapes_or_raise(broadcast_shapes_or_raise(input.shape, end.shape), weight.shape)
    else:
        w = to_scalar(weight)
        s = broadcast_shapes_or_raise(input.shape, end.shape)
    a, b = input._data, end._data
    d = b - a
    if dt is _BF16 and not isinstance(weight, Tensor) and a.shape == b.shape:
        r = _bf16_lerp(a, b, d, w)
    else:
        r = as_array(np.where(np.abs(w) < 0.5, a + w * d, b - d * (1 - w))).astype(dt.np, copy=False)
    r = np.broadcast_to(r, s).copy() if r.shape != s else r
    t = _wrap(r, dt, input._device)
    if _gm.enabled and (input._rg or end._rg or _grad_input(weight)):
        if isinstance(weight, Tensor):
            record(_lerp_bw, t, (input, end, weight), (input, end, weight),
                   (input.shape, end.shape, weight.shape, dt))
        else:
            # (torch saves neither tensor for a number weight: its gradients are g*(1-w) and g*w)
            record(_lerp_scalar_bw, t, (input, end), (None, None, w), (input.shape, end.shape, (), dt))
    return _finish(t, out)


_MMN = {'float32': 'float', 'float64': 'double', 'float16': 'c10::Half', 'int64': 'long int', 'int32': 'int',
        'int16': 'short int', 'int8': 'signed char', 'uint8': 'unsigned char', 'bool': 'bool'}


def _bf16_lerp(a, b, d, w):
    """torch's bfloat16 lerp with a number weight (float32 ``w``): its vectorised loop (32 elements
    at a time) fuses the multiply-add (emulated in float64: the float32 product is exact there), its
    scalar loop over the last ``n % 32`` elements does not."""
    w32 = np.float32(w)
    a64, b64, d64 = a.astype(np.float64), b.astype(np.float64), d.astype(np.float64)
    w64 = np.float64(w32)
    r = as_array((a64 + w64 * d64) if builtins_abs(w32) < 0.5 else (b64 - d64 * np.float64(np.float32(1) - w32)))
    r = r.astype(np.float32)
    n = r.size
    if n % 32 and a.flags.c_contiguous and b.flags.c_contiguous:
        k = n - n % 32
        fa, fb, fd = a.reshape(-1)[k:], b.reshape(-1)[k:], d.reshape(-1)[k:]
        r.reshape(-1)[k:] = (fa + w32 * fd) if builtins_abs(w32) < 0.5 else (fb - fd * (np.float32(1) - w32))
    return r


def addcmul(input, tensor1, tensor2, *, value=1, out=None):
    """input + value * tensor1 * tensor2."""
    if (input.dtype is _BF16 or input.dtype is _F16) and not _grad_any(input, tensor1, tensor2):
        # (torch fuses the last multiply with the add: emulated in float64, where it is exact)
        t = _bf16_pointwise3(input, tensor1, tensor2,
                             lambda a, b, c, v: a.astype(np.float64) + (v * b).astype(np.float64) * c, value)
        if t is not None:
            return _finish(t, out)
    p = mul(tensor1, tensor2)
    return _finish(add(input, p if value == 1 else mul(p, value)), out)


def addcdiv(input, tensor1, tensor2, *, value=1, out=None):
    """input + value * tensor1 / tensor2 (floating tensors only, as in torch)."""
    if tensor1.dtype._cat < 2 and tensor2.dtype._cat < 2:
        raise RuntimeError('Integer division with addcdiv is no longer supported, and in a future  release addcdiv '
                           'will perform a true division of tensor1 and tensor2. The historic addcdiv behavior can be '
                           'implemented as (input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for '
                           'integer inputs and as (input + value * tensor1 / tensor2) for float inputs. The future '
                           'addcdiv behavior is just the latter implementation: (input + value * tensor1 / tensor2), '
                           'for all dtypes.')
    if (input.dtype is _BF16 or input.dtype is _F16) and not _grad_any(input, tensor1, tensor2):
        t = _bf16_pointwise3(input, tensor1, tensor2, lambda a, b, c, v: a + v * b / c, value)
        if t is not None:
            return _finish(t, out)
    q = div(tensor1, tensor2)
    return _finish(add(input, q if value == 1 else mul(q, value)), out)


def _grad_any(*ts):
    return _gm.enabled and any(isinstance(t, Tensor) and t._rg for t in ts)


def _bf16_pointwise3(input, t1, t2, f, value):
    """addcmul/addcdiv of three bfloat16 (or three float16) tensors on one device as torch's CPU
    kernel for reduced floating types computes them: in float32 with ``value`` as a float32,
    rounded once (None: not that case)."""
    dt = input.dtype
    if not (isinstance(t1, Tensor) and isinstance(t2, Tensor) and t1.dtype is dt and t2.dtype is dt) or \
            not (input._device is t1._device is t2._device) or type(value) not in (int, float):
        return None
    if dt is _F16:
        r = as_array(f(input._data.astype(np.float32), t1._data.astype(np.float32), t2._data.astype(np.float32),
                       np.float32(value)))
    else:
        r = as_array(f(input._data, t1._data, t2._data, np.float32(value)))
    s = broadcast_shapes_or_raise(broadcast_shapes_or_raise(input.shape, t1.shape), t2.shape)
    if r.shape != s:
        r = np.broadcast_to(r, s).copy()
    r = r.astype(np.float32, copy=False)
    return _wrap(r if dt is _BF16 else r.astype(np.float16), dt, input._device)
