"""What every op shares: turning arguments into backend arrays of the promoted dtype,
recording a graph node, and reducing a broadcast gradient back to an input's shape."""
import numpy as np
from .. import _backend
from .. import _dtype as D
from .._tensor import Tensor, _wrap, _new, _gm, Size
from ..autograd.graph import node_class, _SAVED_HOOKS, pack_saved

_SCALARS = (int, float, bool)
_WARNED = set()
_WARN_ALWAYS = [False]          # (ember.set_warn_always: ember/_misc.py)
_META_NAMES = {'float32': 'float', 'float64': 'double', 'float16': 'c10::Half', 'int64': 'long int', 'int32': 'int',
               'int16': 'short int', 'int8': 'signed char', 'uint8': 'unsigned char', 'bool': 'bool',
               'complex64': 'c10::complex<float>', 'complex128': 'c10::complex<double>', 'bfloat16': 'c10::BFloat16'}


def meta_name(d):
    """The C++ type name torch's TypeMeta gives a dtype in some messages ('float', 'long int')."""
    return _META_NAMES.get(d.name, d.name)     # (by ember's name: bfloat16 is stored as float32)


def warn_once(msg, stacklevel=3):
    """torch's TORCH_WARN_ONCE: the warning shows once per process (deprecations, slow paths), or
    every time after ``ember.set_warn_always(True)``."""
    if msg not in _WARNED or _WARN_ALWAYS[0]:
        _WARNED.add(msg)
        import warnings
        warnings.warn(msg, UserWarning, stacklevel=stacklevel)


def edge(t):
    """The (node, output_nr) pair a gradient for ``t`` flows into, or (None, 0)."""
    if type(t) is not Tensor and not isinstance(t, Tensor):
        return (None, 0)
    if not t._rg:
        return (None, 0)
    fn = t.grad_fn
    if fn is not None:
        e = t._extra
        if e is not None and 'view' in e:      # a view: its base may have changed in place since
            fn = (_refresh_view or _bind_refresh())(t)
        return (fn, t._out)
    e = t._extra                 # a leaf: its AccumulateGrad, made once and kept in _extra['acc']
    if e is not None:
        acc = e.get('acc')
        if acc is not None:
            return (acc, 0)
    return (t._accumulator(), 0)


_refresh_view = None


def _bind_refresh():
    # inplace.py imports this module: bound on first use (a function-level import costs ~0.5 us
    # per call, and every edge to a view, e.g. linear's weight.t(), comes here)
    global _refresh_view
    from .inplace import refresh_view as _refresh_view
    return _refresh_view


def needs_grad(*ts):
    """True when grad mode is on and some tensor argument requires grad."""
    if not _gm.enabled:
        return False
    for t in ts:
        if isinstance(t, Tensor) and t._rg:
            return True
    return False


def record(cls, out, inputs, saved=(), args=None):
    """Attach a new ``cls`` node as ``out.grad_fn``; out may be a tensor or a tuple of them."""
    node = _new(cls)
    # (the common arities spelled out: a comprehension costs more than the edges themselves)
    n = len(inputs) if type(inputs) is tuple else -1
    if n == 2:
        a, b = inputs
        node.next_functions = (edge(a), edge(b))
    elif n == 1:
        node.next_functions = (edge(inputs[0]),)
    elif n == 3:
        a, b, c = inputs
        node.next_functions = (edge(a), edge(b), edge(c))
    else:
        node.next_functions = tuple([edge(t) for t in inputs])
    if _gm.inference_made and saved:
        _refuse_inference_saved(saved)
    node._saved = pack_saved(saved, out, node) if _SAVED_HOOKS and saved else saved
    # the version of each saved tensor now (0 for None / numbers), checked by Node.saved()
    if not saved:
        node._vers = ()
    elif type(saved) is tuple and len(saved) == 2:
        x, y = saved
        vx = x._vc if isinstance(x, Tensor) else None
        vy = y._vc if isinstance(y, Tensor) else None
        node._vers = (vx[0] if vx is not None else 0, vy[0] if vy is not None else 0)
    elif type(saved) is tuple and len(saved) == 1:      # (an output or input: relu, softmax, ...)
        x = saved[0]
        vx = x._vc if isinstance(x, Tensor) else None
        node._vers = (vx[0] if vx is not None else 0,)
    else:
        node._vers = tuple([(t._vc[0] if t._vc is not None else 0) if isinstance(t, Tensor) else 0 for t in saved])
    node._args = args
    node._pre_hooks = None       # "no hooks" without an AttributeError in the engine (Node._init_hooks
    #                              still makes the lists: it tests _hooks, which stays unset)
    if type(out) is tuple or type(out) is list:
        for i, o in enumerate(out):
            if o is not None and o.dtype._cat >= 2:
                o._rg = True
                o.grad_fn = node
                o._out = i
    else:
        out._rg = True
        out.grad_fn = node
    return node


_INFERENCE_SAVED = ('Inference tensors cannot be saved for backward. Please do not use Tensors created in inference '
                    'mode in computation tracked by autograd. To work around this, you can make a clone to get a '
                    'normal tensor and use it in autograd, or use `torch.no_grad()` instead of `torch.inference_mode()`.')


def _refuse_inference_saved(saved):
    """torch keeps no version counter for an inference tensor, so autograd may not save one."""
    for t in (saved if type(saved) is tuple or type(saved) is list else (saved,)):
        if isinstance(t, Tensor) and t._extra and t._extra.get('inference'):
            raise RuntimeError(_INFERENCE_SAVED)


def backward_op(name, multi_output=False):
    """Decorator: the function becomes the backward of a new Node class called ``name``."""
    def deco(fn):
        return node_class(name, fn, multi_output)
    return deco


_PASS_NODES = {}        # name -> a Node class whose backward passes its gradient on


def _pass_bw(node, g):
    return (g,)


def fused_name(out, name):
    """``out`` under one pass-through graph node called ``name``: torch computes some functions
    (mse_loss, interpolate, cholesky_solve, ...) in one fused op, so ``print(out)`` shows
    grad_fn=<MseLossBackward0>; ember composes them from ops, and names the result as torch does.
    ``out`` itself when no graph is being built or its node already has that name."""
    if not (_gm.enabled and out._rg) or type(out.grad_fn).__name__ == name:
        return out
    cls = _PASS_NODES.get(name)
    if cls is None:
        cls = _PASS_NODES[name] = backward_op(name)(_pass_bw)
    t = _wrap(out._data, out.dtype, out._device)
    record(cls, t, (out,))
    return t


def check_device(a, b, allow_cpu_scalar=False):
    """Raise torch's error for tensors on two devices. With ``allow_cpu_scalar`` (elementwise ops),
    a 0-d CPU tensor joins a CUDA op as a number does, as in torch: returns (a, b) with it moved."""
    if a._device is b._device:
        return a, b
    if allow_cpu_scalar:
        if a._device.type == 'cpu' and a._data.ndim == 0:
            return a.to(b._device), b
        if b._device.type == 'cpu' and b._data.ndim == 0:
            return a, b.to(a._device)
    if a._device.type == 'meta' or b._device.type == 'meta':     # (torch's meta kernels word it so)
        raise RuntimeError(f'Tensor on device {_dev_name(b._device)} is not on the expected device '
                           f'{_dev_name(a._device)}!')
    raise RuntimeError(f'Expected all tensors to be on the same device, but found at least two devices, '
                       f'{_dev_name(a._device)} and {_dev_name(b._device)}!')


def _dev_name(d):
    return str(d)


def is_scalar(x):
    return type(x) in _SCALARS or isinstance(x, (np.number, np.bool_))


def to_scalar(x):
    return x.item() if isinstance(x, (np.number, np.bool_)) else x


def result_dtype(a, b):
    """torch.result_type(a, b) for tensors and Python scalars."""
    if type(a) is not Tensor and not isinstance(a, Tensor):
        a, b = b, a
    if isinstance(b, Tensor):
        if a.dtype is b.dtype:
            return a.dtype
        da, db = a._data.ndim > 0, b._data.ndim > 0
        if da == db:
            return D.promote_types(a.dtype, b.dtype)
        dim, zero = (a, b) if da else (b, a)
        return D._combine(dim.dtype, zero.dtype)
    sd = D.scalar_dtype(b)
    if a._data.ndim > 0:
        return D._combine(a.dtype, sd)
    return D._combine(a.dtype, sd)


def scalar_array(x, dtype, like):
    """A Python scalar as a 0-d array of ``dtype`` (wrapping out-of-range ints as torch does)."""
    try:
        r = np.asarray(x, dtype=dtype.np)
    except (OverflowError, ValueError):
        r = np.asarray(x).astype(dtype.np)
    return r if type(like) is np.ndarray else r[()]     # CuPy takes NumPy scalars, not host arrays


_C_NAMES = {'uint8': 'uint8_t', 'int8': 'int8_t', 'int16': 'int16_t', 'int32': 'int', 'int64': 'int64_t'}


_INT_RANGES = {n: (-int(np.iinfo(n).max) if n == 'uint8' else int(np.iinfo(n).min),
                   0 if n == 'uint8' else int(np.iinfo(n).min), int(np.iinfo(n).max))
               for n in ('uint8', 'int8', 'int16', 'int32', 'int64')}
_F_NAMES = {'float16': ('c10::Half', 65504.0), 'float32': ('float', 3.4028234663852886e+38)}


def check_scalar_fits(v, dt, floats=False):
    """torch's checked conversion when a Python number is stored into an integer tensor (fill_,
    ``t[i] = v``, ``full``): ints may wrap into uint8 (-255..255), floats must be in range.
    ``floats``: also refuse finite values beyond float16/float32 range (fill_ and full do)."""
    if dt._cat != 1 or isinstance(v, (bool, np.bool_)):
        if floats and dt.name in _F_NAMES and not isinstance(v, (bool, np.bool_)):
            name, big = _F_NAMES[dt.name]
            f = float(v)
            if f - f == 0 and abs(f) > big:         # finite and too large
                raise RuntimeError(f'value cannot be converted to type {name} without overflow')
        return
    lo_int, lo_float, hi = _INT_RANGES[dt.name]
    if isinstance(v, (int, np.integer)):
        v = int(v)
        if not -2 ** 63 <= v < 2 ** 63:
            if floats:
                raise RuntimeError(f'value cannot be converted to type {_C_NAMES[dt.name]} without overflow')
            raise ValueError('Overflow when unpacking long long')
        ok = lo_int <= v <= hi
    else:
        v = float(v)
        ok = lo_float <= v <= hi       # False for nan
    if not ok:
        raise RuntimeError(f'value cannot be converted to type {_C_NAMES[dt.name]} without overflow')


def broadcast_shapes_or_raise(sa, sb):
    """Broadcast two shapes, or raise torch's message naming the sizes and the dimension."""
    n = max(len(sa), len(sb))
    out = []
    for i in range(-1, -n - 1, -1):      # from the last dim, as torch reports the first mismatch it meets
        x = sa[i] if -i <= len(sa) else 1
        y = sb[i] if -i <= len(sb) else 1
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f'The size of tensor a ({x}) must match the size of tensor b ({y}) '
                               f'at non-singleton dimension {i + n}')
        out.append(y if x == 1 else x)
    out.reverse()
    return tuple(out)


def sum_to(g, shape):
    """Sum gradient ``g`` over the dims that broadcasting added or stretched, giving ``shape``."""
    gs = g._data.shape
    if gs == tuple(shape):
        return g
    lead = len(gs) - len(shape)
    dims = list(range(lead))
    for i, s in enumerate(shape):
        if s == 1 and gs[lead + i] != 1:
            dims.append(lead + i)
    if dims:
        g = g.sum(dims, keepdim=True)
    if lead:
        g = g.reshape(shape)
    return g


def grad_for(g, t_shape, t_dtype):
    """The gradient for an input of shape/dtype from the broadcast output gradient."""
    if g._data.shape == t_shape and g.dtype is t_dtype:     # the usual case: nothing to do
        return g
    g = sum_to(g, t_shape)
    if g.dtype is not t_dtype and t_dtype._cat >= 2:
        if g.dtype._cat == 3 and t_dtype._cat == 2:      # a real input of a complex result: the real part
            g = g.real
        g = g.to(t_dtype)
    return g


def grad_from_array(r, shape, dtype, device):
    """``grad_for`` on a bare array result (backward formulas evaluated in NumPy when no graph
    is being built): summed to ``shape`` and cast to ``dtype`` when that is floating."""
    if type(r) is not np.ndarray:
        r = as_array(r)
    if r.shape != tuple(shape):
        lead = r.ndim - len(shape)
        dims = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(shape) if s == 1 and r.shape[lead + i] != 1)
        r = r.sum(axis=dims, keepdims=True).reshape(shape) if dims else r.reshape(shape)
    if dtype._cat >= 2:
        if r.dtype is not dtype.np:
            r = (r.real if r.dtype.kind == 'c' and dtype._cat == 2 else r).astype(dtype.np)
        return _wrap(r, dtype, device)
    return _wrap(r, D._FROM_NP[r.dtype], device)


def as_array(r):
    """NumPy returns scalars from 0-d operations; tensors always hold arrays. (CuPy returns 0-d
    device arrays, which are kept as they are.)"""
    if type(r) is np.ndarray:
        return r
    if isinstance(r, (np.generic, int, float, bool, complex)):
        return np.asarray(r)
    if type(r) is _backend._traced_value and isinstance(r.a, np.generic):     # (ember.compile recording)
        return np.asarray(r)
    return r


def norm_dims(dim, ndim):
    """A tuple of non-negative dims from an int, a sequence or None (None: all dims)."""
    from .._tensor import _wrap_dim
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (int, np.integer)):
        return (_wrap_dim(int(dim), ndim),)
    dims = tuple(_wrap_dim(int(d), ndim) for d in dim)
    seen = set()
    for d in dims:
        if d in seen:
            raise RuntimeError(f'dim {d} appears multiple times in the list of dims')
        seen.add(d)
    return dims


def parse_size(size, fname='size', allow_negative=False):
    """A shape from varargs or one tuple/list/Size argument: f(2, 3) or f((2, 3)).
    ``allow_negative``: view/reshape/expand take -1 (checked by the caller)."""
    if len(size) == 1 and not isinstance(size[0], (int, np.integer)):
        s = size[0]
        if isinstance(s, Tensor):
            s = s.tolist()
        size = tuple(s) if not isinstance(s, (int, np.integer)) else (s,)
    out = []
    for s in size:
        if isinstance(s, Tensor):
            s = int(s)
        if not isinstance(s, (int, np.integer)) or isinstance(s, bool):
            raise TypeError(f"{fname}(): argument 'size' (position 1) must be tuple of ints, but found element of "
                            f'type {type(s).__name__} at pos {len(out)}')
        if s < 0 and not allow_negative:
            raise RuntimeError(f'Trying to create tensor with negative dimension {s}: {list(size)}')
        out.append(int(s))
    return tuple(out)


_TYPE_NAMES = {'float32': 'Float', 'float64': 'Double', 'float16': 'Half', 'int64': 'Long', 'int32': 'Int',
               'int16': 'Short', 'int8': 'Char', 'uint8': 'Byte', 'bool': 'Bool'}
_TYPE_NAMES.update(complex64='ComplexFloat', complex128='ComplexDouble', bfloat16='BFloat16')


def type_name(d):
    """torch's ScalarType name of a dtype, as its messages print it ('Float', 'Long')."""
    return _TYPE_NAMES[d.name]


def finish(t, out):
    """Return ``t``, or write it into the user's ``out=`` tensor and return that."""
    if out is None:
        return t
    from .shape import copy_out
    return copy_out(out, t)
