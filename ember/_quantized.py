"""Quantized tensors (``torch.quint8`` / ``qint8`` / ``qint32``) and the quantization arithmetic of
PyTorch's CPU (x86/fbgemm) kernels, reproduced exactly with NumPy.

A quantized tensor is a ``Tensor`` (``QTensor``, printed as torch's) whose ``_data`` holds the integer
representation; its quantizer (scale, zero point, scheme, channel axis) sits in four slots. Only what
torch's quantized CPU backend offers on such tensors is here: ``int_repr``, ``dequantize``, the
``q_*`` accessors, and the view/shape ops (applied to the integers, the quantizer kept).

The arithmetic, as fbgemm does it (checked value for value against torch on random data):
  quantize:   q = clamp(rint(float32(x * float32(1 / scale))) + zero_point, qmin, qmax)
  fake quant: (clamp(rint(x * inv_scale) + zp, qmin, qmax) - zp) * scale, gradient passed where in range
  dynamic linear (``quantized::linear_dynamic``): the input quantized to quint8 with a scale / zero
      point chosen from its min / max (ATen's ChooseQuantizationParams; 7 bits with reduce_range), an
      int32 product with the int8 weight, then fma(acc, float32(x_scale * w_scale), bias) in float32.

Example:
    >>> q = ember.quantize_per_tensor(ember.tensor([-1., 0., 1.]), 0.1, 10, ember.quint8)
    >>> q.int_repr()          # tensor([ 0, 10, 20], dtype=torch.uint8)
"""
import numpy as np
from . import _dtype as D
from ._tensor import Tensor, _wrap

__all__ = ['quint8', 'qint8', 'qint32', 'quint4x2', 'qscheme', 'per_tensor_affine', 'per_channel_affine',
           'per_tensor_symmetric', 'per_channel_symmetric', 'per_channel_affine_float_qparams',
           'quantize_per_tensor', 'quantize_per_channel', 'dequantize', 'fake_quantize_per_tensor_affine',
           'fake_quantize_per_channel_affine', 'QTensor']


def _qdtype(name, np_dtype, legacy, signed):
    d = D.dtype(name, np_dtype, 1, legacy)
    d.is_signed = signed
    D._NAMES[name] = d          # (torch.save / pickling finds dtypes by name; not in _FROM_NP: never inferred)
    return d


quint8 = _qdtype('quint8', np.uint8, 'QUInt8Tensor', False)
qint8 = _qdtype('qint8', np.int8, 'QInt8Tensor', True)
qint32 = _qdtype('qint32', np.int32, 'QInt32Tensor', True)
quint4x2 = _qdtype('quint4x2', np.uint8, 'QUInt4x2Tensor', False)
# the integer dtype of each quantized dtype's int_repr, and its range
_INT = {quint8: D.uint8, qint8: D.int8, qint32: D.int32, quint4x2: D.uint8}
_BY_NAME = {d.name: d for d in (quint8, qint8, qint32, quint4x2)}
_RANGE = {quint8: (0, 255), qint8: (-128, 127), qint32: (-2 ** 31, 2 ** 31 - 1), quint4x2: (0, 15)}


class qscheme:
    """``torch.qscheme``: how a quantized tensor maps integers to reals; printed ``torch.per_tensor_affine``."""
    __slots__ = ('name',)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return 'torch.' + self.name

    def __reduce__(self):
        return (_qscheme_by_name, (self.name,))


def _qscheme_by_name(name):
    return _QSCHEMES[name]


qscheme.__module__ = 'torch'
per_tensor_affine = qscheme('per_tensor_affine')
per_channel_affine = qscheme('per_channel_affine')
per_tensor_symmetric = qscheme('per_tensor_symmetric')
per_channel_symmetric = qscheme('per_channel_symmetric')
per_channel_affine_float_qparams = qscheme('per_channel_affine_float_qparams')
_PER_TENSOR = (per_tensor_affine, per_tensor_symmetric)
_QSCHEMES = {q.name: q for q in (per_tensor_affine, per_channel_affine, per_tensor_symmetric, per_channel_symmetric,
                                 per_channel_affine_float_qparams)}

_f32 = np.float32


def _scalar(v):
    return v.item() if isinstance(v, Tensor) else v


# ---------------------------------------------------------------------------- the quantized tensor
class QTensor(Tensor):
    """A quantized tensor: integers in ``_data`` and their quantizer. ``type(q)`` prints torch.Tensor."""
    __slots__ = ('_qscale', '_qzp', '_qscheme', '_qaxis')
    is_quantized = True

    def int_repr(self):
        return _wrap(self._data.copy(), _INT[self.dtype])

    def dequantize(self):
        return _wrap(_dequant(self), D.float32)

    def q_scale(self):
        self._need(True, 'q_scale')
        return self._qscale

    def q_zero_point(self):
        self._need(True, 'q_zero_point')
        return self._qzp

    def q_per_channel_scales(self):
        self._need(False, 'q_per_channel_scales')
        return _wrap(self._qscale.copy(), D.float64)

    def q_per_channel_zero_points(self):
        self._need(False, 'q_per_channel_zero_points')
        return _wrap(self._qzp.copy(), D.int64)

    def q_per_channel_axis(self):
        self._need(False, 'q_per_channel_axis')
        return self._qaxis

    def qscheme(self):
        return self._qscheme

    def _need(self, per_tensor, what):
        if (self._qscheme in _PER_TENSOR) != per_tensor:
            raise RuntimeError(f'Expected quantizer->qscheme() == kPer{"Tensor" if per_tensor else "Channel"}Affine '
                               f'to be true, but got false.  (Could this error message be improved?  If so, please '
                               f'report an enhancement request to PyTorch.)' if per_tensor else
                               f'Expected (qscheme == kPerChannelAffine || qscheme == kPerChannelAffineFloatQParams) '
                               f'to be true, but got false.')

    def _like(self, data):
        """A quantized tensor of integers ``data`` with this one's quantizer (per tensor only)."""
        if self._qscheme not in _PER_TENSOR and data.shape != self._data.shape:
            raise NotImplementedError('ember: this op on a per-channel quantized tensor is not implemented')
        return _make(data, self.dtype, self._qscale, self._qzp, self._qscheme, self._qaxis)

    def __repr__(self, *, tensor_contents=None):
        from ._tensor_str import _tensor_str, _add_suffixes
        suffixes = ['size=' + str(tuple(self._data.shape))]
        suffixes.append('dtype=' + repr(self.dtype))
        suffixes.append('quantization_scheme=' + repr(self._qscheme))
        if self._qscheme in _PER_TENSOR:
            suffixes += ['scale=' + repr(self._qscale), 'zero_point=' + repr(self._qzp)]
        else:
            suffixes += ['scale=' + repr(self.q_per_channel_scales()),
                         'zero_point=' + repr(self.q_per_channel_zero_points()), f'axis={self._qaxis}']
        body = '[]' if self._data.size == 0 else _tensor_str(_dequant(self), len('tensor('))
        return _add_suffixes('tensor(' + body, suffixes, len('tensor('))

    __str__ = __repr__

    def __getitem__(self, idx):
        return self._like(np.ascontiguousarray(self._data[_plain(idx)]))

    def clone(self, *, memory_format=None):
        return self._like(self._data.copy())

    def detach(self):
        return self._like(self._data)

    def contiguous(self, memory_format=None):
        return self

    def cpu(self, *a, **k):
        return self

    def __deepcopy__(self, memo):
        return _make(self._data.copy(), self.dtype, self._qscale, self._qzp, self._qscheme, self._qaxis)

    def _to_parts(self):
        """What torch.save writes: (int_repr, dtype name, scale, zero point, qscheme name, axis); per channel,
        the scales and zero points as tensors."""
        pt = self._qscheme in _PER_TENSOR
        return (self.int_repr(), self.dtype.name, self._qscale if pt else self.q_per_channel_scales(),
                self._qzp if pt else self.q_per_channel_zero_points(), self._qscheme.name, self._qaxis)

    def __reduce_ex__(self, proto):
        return (_make, (self._data.copy(), self.dtype, self._qscale, self._qzp, self._qscheme, self._qaxis))

    def numpy(self, *, force=False):
        raise TypeError('Got unsupported ScalarType ' + _SCALAR_TYPE[self.dtype])

    def item(self):
        return float(_dequant(self).reshape(-1)[0]) if self._data.size == 1 else Tensor.item(self)

    def tolist(self):
        raise RuntimeError('load_scalar: invalid type')

    def to(self, *args, **kwargs):
        """Only to the CPU: another dtype would make a new quantized tensor of a float dtype (refused, as torch)."""
        for a in list(args) + list(kwargs.values()):
            if isinstance(a, D.dtype) and a not in _RANGE:
                raise RuntimeError('Creation of quantized tensor requires quantized dtype like torch.quint8')
        return self

    def mean(self, dim=None, keepdim=False, *, dtype=None):
        """torch's quantized mean: the mean of the dequantized values, quantized with the same qparams."""
        self._need(True, 'mean')
        m = _wrap(_dequant(self), D.float32).mean() if dim is None else \
            _wrap(_dequant(self), D.float32).mean(dim, keepdim)
        return _make(_quantize_array(m._data, self._qscale, self._qzp, self.dtype), self.dtype, self._qscale,
                     self._qzp, self._qscheme)

    def relu(self):
        """max(q, zero_point) on the integers (torch's quantized relu)."""
        zp = self._qzp if self._qscheme in _PER_TENSOR else 0
        return self._like(np.maximum(self._data, np.asarray(zp).astype(self._data.dtype)))

    def equal(self, other):
        return (isinstance(other, QTensor) and other.dtype is self.dtype and other._qscheme is self._qscheme
                and self._data.shape == other._data.shape and np.array_equal(self._data, other._data)
                and np.array_equal(self._qscale, other._qscale) and np.array_equal(self._qzp, other._qzp))


# type(q) prints <class 'torch.Tensor'> (and type(q).__name__ is 'Tensor'), as a quantized tensor's class is torch's
QTensor.__module__, QTensor.__qualname__, QTensor.__name__ = 'ember._tensor', 'Tensor', 'Tensor'
_SCALAR_TYPE = {quint8: 'QUInt8', qint8: 'QInt8', qint32: 'QInt32', quint4x2: 'QUInt4x2'}
_BACKEND_MSG = ("Could not run 'aten::{}' with arguments from the '{}' backend. This could be because the operator "
                "doesn't exist for this backend, or was omitted during the selective/custom build process (if using "
                "custom build). If you are a Facebook employee using PyTorch on mobile, please visit "
                "https://fburl.com/ptmfixes for possible resolutions.")


def _refused(name, aten):
    def method(self, *args, **kwargs):
        if name.startswith('__') and args and not isinstance(args[0], Tensor):
            # (a number operand: torch fails making the result before reaching the kernel)
            raise RuntimeError('empty_strided not supported on quantized tensors yet see '
                               'https://github.com/pytorch/pytorch/issues/74540')
        raise NotImplementedError(_BACKEND_MSG.format(aten, 'QuantizedCPU'))
    method.__name__ = name
    return method


# arithmetic has no quantized CPU kernel in torch (it goes through torch.ao.nn.quantized.FloatFunctional)
for _n, _a in (('__add__', 'add.out'), ('__radd__', 'add.out'), ('__sub__', 'sub.out'), ('__rsub__', 'sub.out'),
               ('__mul__', 'mul.out'), ('__rmul__', 'mul.out'), ('__truediv__', 'div.out'), ('__matmul__', 'dot'),
               ('__neg__', 'neg.out'), ('__pow__', 'pow.Tensor_Scalar_out'), ('add', 'add.out'), ('sub', 'sub.out'),
               ('mul', 'mul.out'), ('div', 'div.out'), ('matmul', 'dot'), ('mm', 'mm'), ('sum', 'sum.IntList_out'),
               ('exp', 'exp.out'), ('log', 'log.out'), ('sqrt', 'sqrt.out'), ('abs', 'abs.out'), ('neg', 'neg.out'),
               ('pow', 'pow.Tensor_Scalar_out'), ('prod', 'prod.int_out'), ('softmax', '_softmax.out'),
               ('float', '_to_copy'), ('double', '_to_copy'), ('half', '_to_copy'), ('long', '_to_copy'),
               ('int', '_to_copy'), ('backward', 'backward')):
    setattr(QTensor, _n, _refused(_n, _a))
QTensor.float = QTensor.double = QTensor.half = QTensor.long = QTensor.int = \
    lambda self, *a, **k: QTensor.to(self, D.float32)


def _from_parts(ints, dtype_name, scale, zp, scheme_name, axis):
    """The quantized tensor QTensor._to_parts describes (torch.load)."""
    if isinstance(scale, Tensor):
        scale, zp = scale._host().astype(np.float64), zp._host().astype(np.int64)
    return _make(ints._host().copy(), _BY_NAME[dtype_name], scale, zp, _QSCHEMES[scheme_name], axis)


def _plain(idx):
    return tuple(_plain(i) for i in idx) if isinstance(idx, tuple) else (idx._data if isinstance(idx, Tensor) else idx)


def _shape_method(name):
    def method(self, *args, **kwargs):
        r = getattr(Tensor, name)(_wrap(self._data, _INT[self.dtype]), *args, **kwargs)
        return self._like(np.ascontiguousarray(r._data))
    method.__name__ = name
    method.__doc__ = f'``{name}`` on the integers; the quantizer is kept.'
    return method


for _n in ('view', 'reshape', 'flatten', 'squeeze', 'unsqueeze', 'transpose', 't', 'permute', 'expand',
           'narrow', 'select', 'repeat', 'flip', 'view_as', 'reshape_as', 'unflatten', 'movedim'):
    setattr(QTensor, _n, _shape_method(_n))


def _make(data, dt, scale, zp, scheme, axis=None):
    q = object.__new__(QTensor)
    q._data = data
    q.dtype = dt
    from ._device import CPU
    q._device = CPU
    q._rg = False
    q.grad_fn = None
    q._out = 0
    q._grad = None
    q._vc = None
    q._base = None
    q._extra = None
    q._qscale, q._qzp, q._qscheme, q._qaxis = scale, zp, scheme, axis
    return q


def _dequant(q):
    a = q._data.astype(np.int64)
    if q._qscheme in _PER_TENSOR:
        return ((a - q._qzp).astype(_f32) * _f32(q._qscale)).astype(_f32)
    shape = [1] * a.ndim
    shape[q._qaxis] = -1
    s = q._qscale.astype(_f32).reshape(shape)
    if q._qscheme is per_channel_affine_float_qparams:
        return (a.astype(_f32) - q._qzp.astype(_f32).reshape(shape)) * s
    return (a - q._qzp.reshape(shape)).astype(_f32) * s


def _quantize_array(x, scale, zp, dt):
    """fbgemm's Quantize: rint(float32(x * float32(1 / scale))) + zero_point, clamped to the dtype."""
    lo, hi = _RANGE[dt]
    v = np.rint((x.astype(_f32) * (_f32(1) / np.asarray(scale, _f32))).astype(_f32)).astype(np.float64) + zp
    return np.clip(v, lo, hi).astype(dt.np)


def _check_float(input, fname):
    if not isinstance(input, Tensor):
        raise TypeError(f"{fname}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    if input.dtype not in (D.float32, D.float16, D.float64, D.bfloat16):
        from ._ops._core import type_name
        raise RuntimeError(f'Quantize only works on Float Tensor, got {type_name(input.dtype)}')


def quantize_per_tensor(input, scale, zero_point, dtype):
    """``torch.quantize_per_tensor``: a quantized tensor of ``input`` (a list of tensors gives a list)."""
    if isinstance(input, (list, tuple)):
        return [quantize_per_tensor(t, s, z, dtype) for t, s, z in zip(input, scale._data, zero_point._data)]
    _check_float(input, 'quantize_per_tensor')
    if dtype not in _RANGE:
        from ._ops._core import type_name
        raise RuntimeError(f'ScalarType {type_name(dtype)} is not supported in new_qtensor.')
    scale, zero_point = float(_scalar(scale)), int(_scalar(zero_point))
    x = input._host().astype(_f32)
    return _make(_quantize_array(x, scale, zero_point, dtype), dtype, scale, zero_point, per_tensor_affine)


def quantize_per_channel(input, scales, zero_points, axis, dtype):
    """``torch.quantize_per_channel``: ``input`` quantized with a scale / zero point along ``axis``."""
    _check_float(input, 'quantize_per_channel')
    x = input._host().astype(_f32)
    ax = axis + x.ndim if axis < 0 else axis
    s = np.asarray(scales._host(), np.float64)
    z = np.asarray(zero_points._host(), np.int64)
    if s.shape[0] != x.shape[ax]:
        raise RuntimeError(f'Expected scales.numel() == self.size(axis) to be true, but got false.')
    shape = [1] * x.ndim
    shape[ax] = -1
    lo, hi = _RANGE[dtype]
    v = np.rint((x * (_f32(1) / s.astype(_f32)).reshape(shape)).astype(_f32)).astype(np.float64) + z.reshape(shape)
    return _make(np.clip(v, lo, hi).astype(dtype.np), dtype, s, z, per_channel_affine, ax)


def dequantize(input):
    """``torch.dequantize``: float32 values of a quantized tensor (a float tensor comes back as is;
    a list of tensors gives a list)."""
    if isinstance(input, (list, tuple)):
        return [dequantize(t) for t in input]
    return input.dequantize()


def _tensor_dequantize(self):
    return self            # (torch: a non-quantized tensor's dequantize() is itself)


def _not_quantized(name):
    def method(self, *a, **k):
        raise NotImplementedError(_BACKEND_MSG.format(name, 'CPU'))
    method.__name__ = name
    return method


Tensor.dequantize = _tensor_dequantize
for _n in ('int_repr', 'q_scale', 'q_zero_point', 'q_per_channel_scales', 'q_per_channel_zero_points',
           'q_per_channel_axis', 'qscheme'):
    setattr(Tensor, _n, _not_quantized(_n))


# ---------------------------------------------------------------------------- fake quantization
def _fq_bw(node, g):
    mask = node._args
    return (g * mask,) + (None,) * (len(node.next_functions) - 1)


def _fake_quant(input, scale_arr, zp_arr, quant_min, quant_max, node_name, others=()):
    from ._ops._core import needs_grad, record, backward_op
    x = input._host()
    inv = _f32(1) / scale_arr.astype(_f32)
    qv = np.rint((x * inv).astype(x.dtype)).astype(np.float64) + zp_arr
    out = ((np.clip(qv, quant_min, quant_max) - zp_arr) * scale_arr.astype(_f32)).astype(x.dtype)
    r = _wrap(out, input.dtype)
    if needs_grad(input):
        cls = _FQ_NODES.get(node_name)
        if cls is None:
            cls = _FQ_NODES[node_name] = backward_op(node_name)(_fq_bw)
        mask = _wrap(((qv >= quant_min) & (qv <= quant_max)).astype(x.dtype), input.dtype)
        record(cls, r, (input,) + tuple(others), args=mask)
    return r


_FQ_NODES = {}


def _check_range(quant_min, quant_max):
    if quant_min > quant_max:
        raise RuntimeError('`quant_min` should be less than or \n        equal to `quant_max`.')


def fake_quantize_per_tensor_affine(input, scale, zero_point, quant_min, quant_max):
    """``torch.fake_quantize_per_tensor_affine``: quantize and dequantize in float; the gradient
    passes (straight through) where the quantized value is inside [quant_min, quant_max]."""
    _check_range(quant_min, quant_max)
    tensor_q = isinstance(scale, Tensor)
    s = np.asarray(float(_scalar(scale)), np.float64)
    z = np.asarray(int(_scalar(zero_point)), np.float64)
    name = ('FakeQuantizePerTensorAffineCachemaskTensorQparamsBackward0' if tensor_q
            else 'FakeQuantizePerTensorAffineCachemaskBackward0')
    return _fake_quant(input, s, z, quant_min, quant_max, name, (scale, zero_point) if tensor_q else ())


def fake_quantize_per_channel_affine(input, scale, zero_point, axis, quant_min, quant_max):
    """``torch.fake_quantize_per_channel_affine``: fake quantization with a scale / zero point per
    slice along ``axis`` (the gradient as the per-tensor one)."""
    _check_range(quant_min, quant_max)
    if zero_point.dtype not in (D.int32, D.float32, D.float16):
        raise RuntimeError('Zero-point must be Int32, Float or Half, found ' + zero_point.dtype.name.capitalize()
                           .replace('Int64', 'Long'))
    nd = input.ndim
    ax = axis + nd if axis < 0 else axis
    shape = [1] * nd
    shape[ax] = -1
    s = scale._host().astype(np.float64).reshape(shape)
    z = np.rint(zero_point._host().astype(np.float64)).reshape(shape)
    return _fake_quant(input, s, z, quant_min, quant_max, 'FakeQuantizePerChannelAffineCachemaskBackward0',
                       (scale, zero_point))


# ---------------------------------------------------------------------------- dynamic linear
def choose_qparams(mn, mx, qmin, qmax, reduce_range=False, preserve_sparsity=False):
    """ATen's ChooseQuantizationParams (quant_utils.h): (scale as a double, zero point) for float32
    min / max, done in double as there."""
    if reduce_range:
        qmin, qmax = qmin // 2, qmax // 2
    mn, mx = min(float(_f32(mn)), 0.0), max(float(_f32(mx)), 0.0)
    scale = (mx - mn) / (qmax - qmin)
    if _f32(scale) == 0 or np.isinf(_f32(1) / _f32(scale)):
        scale = 0.1
    small = float(_f32(6.1e-5))
    if scale < small:
        org = scale
        scale = small
        if mn == 0:
            mx = float(_f32(small * (qmax - qmin)))
        elif mx == 0:
            mn = float(_f32(-small * (qmax - qmin)))
        else:
            amp = _f32(small / _f32(org))
            mn, mx = float(_f32(mn) * amp), float(_f32(mx) * amp)
    z_min, z_max = qmin - mn / scale, qmax - mx / scale
    e_min, e_max = abs(qmin) - abs(mn / scale), abs(qmax) - abs(mx / scale)
    z = z_min if e_min < e_max else z_max
    if mn < 0 and mx > 0 and preserve_sparsity:
        z = (qmin + qmax) / 2
    zp = qmin if z < qmin else (qmax if z > qmax else int(np.rint(z)))
    return scale, zp


def linear_dynamic(input, w, bias=None, reduce_range=True):
    """fbgemm's ``quantized::linear_dynamic``: y = x W^T + b with x quantized per tensor to quint8 on the
    fly and ``w`` a qint8 tensor (per tensor or per channel, axis 0), accumulated in int32."""
    x = input._host().astype(_f32)
    k = x.shape[-1]
    x2 = x.reshape(-1, k)
    if x2.size:
        mn, mx = float(x2.min()), float(x2.max())
    else:
        mn = mx = 0.0
    scale, zp = choose_qparams(mn, mx, 0, 255, reduce_range)
    s32 = _f32(scale)
    xq = np.clip(np.rint((x2 * (_f32(1) / s32)).astype(_f32)) + zp, 0, 255).astype(np.int64)
    W = w._data.astype(np.int64)
    if w._qscheme in _PER_TENSOR:
        wzp, ws = np.int64(w._qzp), np.full(W.shape[0], _f32(w._qscale))
    else:
        wzp, ws = w._qzp.astype(np.int64), w._qscale.astype(_f32)
    acc = xq @ W.T - zp * W.sum(1)[None, :] - np.outer(xq.sum(1), np.broadcast_to(wzp, (W.shape[0],))) \
        + k * zp * wzp
    mult = (s32 * ws).astype(_f32).astype(np.float64)
    out = acc.astype(_f32).astype(np.float64) * mult
    if bias is not None:
        out = out + bias._host().astype(_f32)
    return _wrap(out.astype(_f32).reshape(x.shape[:-1] + (W.shape[0],)), D.float32)
