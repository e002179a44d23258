"""Making tensors: from data (``tensor``, ``as_tensor``, ``from_numpy``), filled (``zeros``,
``ones``, ``full``, ``empty``, ranges, ``eye``, the ``*_like`` forms), random (``rand``, ``randn``,
``randint``, ``randperm``, ``normal``) and the legacy constructors (``FloatTensor``, ...);
plus dtype/device conversion (``to``, ``type``, ``float()``, ...), ``clone`` and ``contiguous``.

Example:
    >>> ember.zeros(2, 3, dtype=ember.int64).shape      # torch.Size([2, 3])
"""
import math
import warnings
import numpy as np
from .. import _backend
from .. import _dtype as D
from .._device import CPU, as_device, device as _devcls, _default as _default_dev
from .._tensor import suggest_memory_format, Tensor, Size, _wrap, _gm
from .._random import default_generator, _gen
from ._core import record, backward_op, parse_size, as_array, check_scalar_fits
from .._backend import module_for, asarray_like
from ._core import finish as _out
from ._core import warn_once
from ._core import type_name as _cap

_MISSING = object()


def _finish_new(t, requires_grad):
    if requires_grad:
        if t.dtype._cat < 2:
            raise RuntimeError('Only Tensors of floating point and complex dtype can require gradients')
        t._rg = True
    return t


def _on(arr, dev):
    """Place a host array on ``dev`` (the CUDA backend moves it; CPU keeps it)."""
    if dev is CPU or dev.type == 'meta':    # (ember's meta tensors keep a host array that no one reads)
        return arr
    from .. import cuda
    return cuda._to_device(arr, dev)


def _infer(data):
    """A NumPy array and dtype for nested Python data, with torch's dtype inference."""
    if isinstance(data, Tensor):
        return data._host(), data.dtype
    if isinstance(data, np.ndarray) or type(data) is _backend._traced_value:   # (or one ember.compile records)
        if any(s < 0 for s in data.strides):
            raise ValueError(_NEG_STRIDES)
        return data, D.from_numpy_dtype(data.dtype)
    if isinstance(data, (bool, np.bool_)):
        return np.asarray(data, dtype=np.bool_), D.bool_
    if isinstance(data, np.generic):
        return np.asarray(data), D.from_numpy_dtype(data.dtype)
    if isinstance(data, int):
        if not -2 ** 63 <= data < 2 ** 63:
            raise ValueError('Overflow when unpacking long long')
        return np.asarray(data, dtype=np.int64), D.int64
    if isinstance(data, float):
        # (kept in double precision: the caller casts once, to the dtype it was asked for)
        return np.asarray(data, dtype=np.float64), D._default[0]
    if isinstance(data, complex):
        return np.asarray(data, dtype=np.complex128), D.default_complex_dtype()
    if isinstance(data, (list, tuple)):
        leaves = set()
        _leaf_types(data, leaves)
        plain = leaves <= _PY_SCALARS
        if plain:
            items, dt = data, None
        else:
            if str in leaves and isinstance(_first_leaf(data), str):
                raise ValueError("too many dimensions 'str'")      # (torch reads a string as a sequence)
            # numpy scalars/arrays or tensors inside: the dtype promotes over the elements' dtypes
            dt = _promote_leaves(data, None)
            if any(isinstance(x, np.ndarray) for x in data):
                warn_once('Creating a tensor from a list of numpy.ndarrays is extremely slow. Please consider '
                          'converting the list to a single numpy.ndarray with numpy.array() before converting to '
                          'a tensor.', stacklevel=4)      # (TORCH_WARN_ONCE in torch)
            items = [_flatten_item(x) for x in data] if _has_tensors(data) else data
        try:
            arr = np.array(items)
        except ValueError:
            _raise_ragged(items, float in leaves)
            raise
        if arr.dtype == object:
            _raise_ragged(items, float in leaves)
            if not plain:
                raise TypeError('new(): invalid data type')
            if float not in leaves:      # ints beyond int64
                raise ValueError('Overflow when unpacking long long')
            arr = np.array(items, dtype=np.float64)
        if dt is not None:
            return arr.astype(dt.np, copy=False), dt
        k = arr.dtype.kind
        if k == 'f':
            return arr, D._default[0]        # double precision until the caller's one cast
        if k == 'i':
            return arr.astype(np.int64, copy=False), D.int64
        if k == 'u':
            raise ValueError('Overflow when unpacking long long')
        if k == 'b':
            return arr, D.bool_
        if k == 'c':
            return arr, D.default_complex_dtype()
        raise TypeError(f'new(): invalid data type {arr.dtype}')
    if isinstance(data, str):
        raise TypeError("new(): invalid data type 'str'")
    if isinstance(data, dict) or not hasattr(type(data), '__getitem__'):    # not a sequence
        raise RuntimeError(f'Could not infer dtype of {type(data).__name__}')
    return _infer(list(data))


_PY_SCALARS = {int, float, bool, complex}
_NEG_STRIDES = ('At least one stride in the given numpy array is negative, and tensors with negative strides are not '
                'currently supported. (You can probably work around this by making a copy of your array  with '
                'array.copy().) ')


def _leaf_types(data, acc):
    """The set of element types in nested lists/tuples (at C speed for flat lists)."""
    ts = set(map(type, data))
    if list in ts or tuple in ts:
        for x in data:
            if type(x) is list or type(x) is tuple:
                _leaf_types(x, acc)
        ts.discard(list)
        ts.discard(tuple)
    acc |= ts


def _promote_leaves(data, dt):
    """torch's dtype inference over mixed elements: Python floats are the default dtype, ints int64."""
    for x in data:
        if type(x) is list or type(x) is tuple:
            dt = _promote_leaves(x, dt)
            continue
        if isinstance(x, Tensor):
            d = x.dtype
        elif isinstance(x, (bool, np.bool_)):
            d = D.bool_
        elif isinstance(x, (np.ndarray, np.generic)):
            d = D.from_numpy_dtype(x.dtype)
        elif isinstance(x, int):
            d = D.int64
        elif isinstance(x, float):
            d = D._default[0]
        elif isinstance(x, complex):
            d = D.default_complex_dtype()
        elif isinstance(x, str):
            raise TypeError("new(): invalid data type 'str'")
        else:
            raise RuntimeError(f'Could not infer dtype of {type(x).__name__}')
        dt = d if dt is None else D.promote_types(dt, d)
    return dt


def _check_overflow(arr, dt):
    """torch's check when Python numbers are stored as an integer dtype (ints may wrap into uint8)."""
    if not arr.size or arr.dtype.kind == 'b':
        return
    info = np.iinfo(dt.np)
    if arr.dtype.kind == 'f':
        bad = not np.isfinite(arr).all() or arr.min() < (0 if dt is D.uint8 else info.min) or arr.max() > info.max
    else:
        bad = arr.min() < (-info.max if dt is D.uint8 else info.min) or arr.max() > info.max
    if bad:
        raise RuntimeError(f'value cannot be converted to type {dt.name} without overflow')


def _has_tensors(data):
    for x in data:
        if isinstance(x, Tensor):
            return True
        if isinstance(x, (list, tuple)) and x and _has_tensors(x):
            return True
    return False


def _flatten_item(x):
    if isinstance(x, Tensor):
        if x._data.size != 1:         # torch converts each element tensor to a number
            if x.dtype._cat < 2:
                raise TypeError('only integer tensors of a single element can be converted to an index')
            raise ValueError('only one element tensors can be converted to Python scalars')
        if x._rg and _gm.enabled:     # (torch converts each as float(x) does, with its warning)
            from .._tensor import _warn_scalar_rg
            _warn_scalar_rg()
        return x.item()
    if isinstance(x, (list, tuple)):
        return [_flatten_item(y) for y in x]
    return x


def _first_leaf(data):
    while type(data) in (list, tuple) and data:
        data = data[0]
    return data


def _is_seq(x):
    # (a NumPy array inside a list is a sequence too: a replay buffer's ragged observations)
    return isinstance(x, (list, tuple)) or (isinstance(x, np.ndarray) and x.ndim > 0)


def _raise_ragged(data, floating=False, dim=0):
    """torch's errors for nested data whose lengths or nesting depths differ."""
    if not _is_seq(data) or not len(data):
        return
    first = data[0]
    if _is_seq(first):
        n = len(first)
        for x in data[1:]:
            if not _is_seq(x):
                raise TypeError('not a sequence')
            if len(x) != n:
                raise ValueError(f'expected sequence of length {n} at dim {dim + 1} (got {len(x)})')
        for x in data:
            _raise_ragged(x, floating, dim + 1)
    else:
        for x in data[1:]:
            if isinstance(x, (list, tuple)):
                name = type(x).__name__
                raise TypeError(f'must be real number, not {name}' if floating else
                                f"'{name}' object cannot be interpreted as an integer")


def tensor(data=_MISSING, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor copying ``data`` (nested lists, scalars, NumPy arrays, tensors).

    Example:
        >>> ember.tensor([[1, 2], [3, 4]]).dtype      # torch.int64
    """
    if data is _MISSING:
        raise TypeError('tensor() missing 1 required positional arguments: "data"')
    if isinstance(data, Tensor):
        warnings.warn('To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() or '
                      'sourceTensor.detach().clone().requires_grad_(True), rather than torch.tensor(sourceTensor).',
                      UserWarning, stacklevel=2)
    arr, dt = _infer(data)
    if dtype is not None:
        want = _as_dtype(dtype)
        if want is not dt and want._cat == 1 and not isinstance(data, (np.ndarray, Tensor)):
            if dt._cat == 3:
                raise TypeError("'complex' object cannot be interpreted as an integer")
            _check_overflow(arr, want)
        elif want is not dt and dt._cat == 3 and not isinstance(data, (np.ndarray, Tensor)):
            if want._cat == 2:
                raise TypeError('must be real number, not complex')
            if want._cat == 0:      # (bool: whether the number is nonzero)
                arr = arr != 0
        dt = want
    arr = np.array(arr, dtype=dt.np, copy=True)
    dev = as_device(device if device is not None or not isinstance(data, Tensor) or _default_dev[0] is not CPU
                    else data._device)
    return _finish_new(_wrap(_on(arr, dev), dt, dev), requires_grad)


def _as_dtype(dtype):
    if isinstance(dtype, D.dtype):
        return dtype
    if dtype in (float, 'float'):
        return D.float64 if dtype is float else D.float32
    if dtype is int:
        return D.int64
    if dtype is bool:
        return D.bool_
    try:
        return D.from_numpy_dtype(np.dtype(dtype))
    except TypeError:
        raise TypeError(f"dtype must be a torch.dtype, not {type(dtype).__name__}") from None


def as_tensor(data, dtype=None, device=None):
    """Like ``tensor`` but shares memory with a NumPy array or tensor when it can."""
    dt = _as_dtype(dtype) if dtype is not None else None
    dev = as_device(device) if device is not None else None
    if isinstance(data, Tensor):
        return data.to(device=dev, dtype=dt) if (dt or dev) else data
    if dev is None and _default_dev[0] is not CPU:     # set_default_device applies to non-tensor data
        dev = _default_dev[0]
    if isinstance(data, np.ndarray) and (dev is None or dev is CPU):
        t = from_numpy(data)
        return t if dt is None or dt is t.dtype else t.to(dt)
    return tensor(data, dtype=dt, device=dev)


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=None):
    """``torch.asarray``: ``obj`` as a tensor, sharing memory with a tensor, NumPy array or buffer
    when it can (``copy=True``: never; ``copy=False``: always, or ValueError). A tensor keeps its
    requires_grad and history unless ``requires_grad`` says otherwise.

    Example:
        >>> a = np.arange(3.); t = ember.asarray(a); t[0] = 7.; a[0]      # 7.0 (shared)
    """
    dt = _as_dtype(dtype) if dtype is not None else None
    dev = as_device(device) if device is not None else None
    if isinstance(obj, Tensor):
        if requires_grad is None and obj.requires_grad:
            warn_once('torch.asarray: unspecified requires_grad now defaults to obj.requires_grad instead of False. '
                      'Pass requires_grad=False explicitly to get the old behavior and silence this warning.')
        rg = obj.requires_grad if requires_grad is None else bool(requires_grad)
        if copy is False:
            if dt is not None and dt is not obj.dtype:
                raise ValueError(f"can't alias tensor with dtype '{_cap(obj.dtype)}' into dtype '{_cap(dt)}'.")
            if dev is not None and dev != obj._device:
                raise ValueError(f"can't alias tensor from device '{obj._device}' to '{dev}'.")
        t = obj.to(device=dev, dtype=dt) if (dt or dev) else obj
        if copy and t is obj:
            t = clone(obj)
        if not rg and t.requires_grad:
            t = t.detach()
        elif rg and not t.requires_grad:
            t = (t if t is not obj else t.detach()).requires_grad_()
        return t
    if isinstance(obj, (np.ndarray, np.generic)):
        a = np.asarray(obj)
        src = D.from_numpy_dtype(a.dtype)
        if copy is False and dt is not None and dt is not src:
            raise ValueError(f"can't alias tensor with dtype '{_cap(src)}' into dtype '{_cap(dt)}'.")
        t = from_numpy(a.copy() if copy or isinstance(obj, np.generic) else a)
        t = t.to(device=dev, dtype=dt) if (dt or dev) else t
    elif isinstance(obj, (bytes, bytearray, memoryview)) or (hasattr(obj, '__buffer__') and not
                                                               isinstance(obj, (list, tuple))):
        from .._misc import frombuffer
        t = frombuffer(obj, dtype=dt or D.get_default_dtype())
        t = t.clone() if copy else t
        t = t.to(device=dev) if dev else t
    else:
        if copy is False:
            raise ValueError("can't alias arbitrary sequence into a tensor.")
        t = tensor(obj, dtype=dt, device=dev)
    return t.requires_grad_() if requires_grad else t


def from_numpy(ndarray):
    """A tensor sharing memory with ``ndarray`` and keeping its dtype."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f'expected np.ndarray (got {type(ndarray).__name__})')
    if any(s < 0 for s in ndarray.strides):
        raise ValueError(_NEG_STRIDES)
    dt = D.from_numpy_dtype(ndarray.dtype)
    if not ndarray.flags.writeable:
        warnings.warn('The given NumPy array is not writable, and PyTorch does not support non-writable tensors. '
                      'This means writing to this tensor will result in undefined behavior. You may want to copy the '
                      'array to protect its data or make it writable before converting it to a tensor. This type of '
                      'warning will be suppressed for the rest of this program.', UserWarning, stacklevel=2)
    if ndarray.dtype.byteorder not in '=|':
        raise ValueError('given numpy array has byte order different from the native byte order. Conversion between '
                         'byte orders is currently not supported.')
    return _wrap(ndarray, dt, CPU)


def _factory(size, dtype, device, requires_grad, fill, fname):
    shape = parse_size(size, fname)
    dt = _as_dtype(dtype) if dtype is not None else D._default[0]
    dev = as_device(device)
    arr = fill(shape, dt.np, module_for(dev))
    return _finish_new(_wrap(arr, dt, dev), requires_grad)


def zeros(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    """A tensor of zeros. ``zeros(2, 3)`` or ``zeros((2, 3))``."""
    try:
        return _out(_factory(size, dtype, device, requires_grad, _zeros, 'zeros'), out)
    except RuntimeError as e:
        if str(e).startswith('Trying to create tensor with negative dimension'):
            raise RuntimeError('zeros: Dimension size must be non-negative.') from None   # (torch's CPU zeros)
        raise


def _zeros_plain(*size, dtype=None, device=None, requires_grad=False):
    """``zeros`` for ``Tensor.new_zeros``, which reports a negative size with the generic message."""
    return _factory(size, dtype, device, requires_grad, _zeros, 'zeros')


_zeros_plain.__name__ = 'zeros'


def ones(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    return _out(_factory(size, dtype, device, requires_grad, _ones, 'ones'), out)


def empty(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False,
          memory_format=None):
    t = _factory(size, dtype, device, requires_grad, _empty, 'empty')
    return _out(_laid_out(t, memory_format), out)


def _laid_out(t, memory_format):
    """A fresh tensor ``t`` laid out channels-last when ``memory_format`` asks for it."""
    if memory_format in _CHANNELS_LAST:
        t._data = channels_last_copy(t._data, memory_format)
    return t


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    """A tensor filled with ``fill_value``; the dtype is inferred from it (``full((2,), 7)`` is int64)."""
    if isinstance(fill_value, Tensor):
        if fill_value._data.ndim or fill_value.requires_grad:     # (torch's Number: a 0-dim tensor without grad)
            raise TypeError("full(): argument 'fill_value' (position 2) must be Number, not Tensor")
        fill_value = fill_value.item()
    dt = _as_dtype(dtype) if dtype is not None else D.scalar_dtype(fill_value)
    check_scalar_fits(fill_value, dt, floats=True)
    return _out(_factory((size,) if isinstance(size, (int, np.integer)) else (tuple(size),), dt, device,
                         requires_grad, lambda s, d, xp: _full(s, fill_value, d, xp), 'full'), out)


def _zeros(shape, npdt, xp):
    return xp.zeros(shape, npdt)


def _ones(shape, npdt, xp):
    return xp.ones(shape, npdt)


def _empty(shape, npdt, xp):
    return xp.empty(shape, npdt)


def _full(shape, value, npdt, xp=np):
    try:
        return xp.full(shape, value, dtype=npdt)
    except OverflowError:           # a negative int into uint8 wraps, as in torch
        return xp.full(shape, np.asarray(value).astype(npdt)[()], dtype=npdt)


def _like(input, dtype, device, requires_grad, fill, memory_format=None):
    dt = _as_dtype(dtype) if dtype is not None else input.dtype
    dev = as_device(device) if device is not None else input._device
    a = input._data
    perm = None if a.flags.c_contiguous or memory_format not in (None, 'torch.preserve_format') else _memory_order(a)
    if perm is None:
        arr = fill(a.shape, dt.np, module_for(dev))
    else:       # torch's preserve_format: a dense input's strides are kept (a channels-last one stays so)
        arr = fill(tuple(a.shape[i] for i in perm), dt.np, module_for(dev)).transpose(np.argsort(perm))
    return _finish_new(_wrap(arr, dt, dev), requires_grad)


def zeros_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    return _laid_out(_like(input, dtype, device, requires_grad, _zeros, memory_format), memory_format)


def ones_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    return _laid_out(_like(input, dtype, device, requires_grad, _ones, memory_format), memory_format)


def empty_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    return _laid_out(_like(input, dtype, device, requires_grad, _empty, memory_format), memory_format)


def full_like(input, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    return _laid_out(_like(input, dtype, device, requires_grad, lambda s, d, xp: _full(s, fill_value, d, xp),
                           memory_format), memory_format)


def arange(start=None, end=None, step=1, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """Values from ``start`` to ``end`` (exclusive); int64 when all arguments are ints."""
    if end is None:
        if start is None:
            raise TypeError("arange() missing required argument 'end' (pos 1)")
        start, end = 0, start
    elif start is None:
        start = 0
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    start, end, step = vals
    if step == 0:
        raise RuntimeError('step must be nonzero')
    if (end - start) * step < 0:
        raise RuntimeError('upper bound and lower bound inconsistent with step sign')
    if dtype is None:
        dt = D._default[0] if any(isinstance(v, float) for v in vals) else D.int64
    else:
        dt = _as_dtype(dtype)
    if dt._cat == 3:
        from ._core import type_name
        raise NotImplementedError(f'"arange_cpu" not implemented for \'{type_name(dt)}\'')
    n = int(np.ceil((end - start) / step))
    arr = (start + step * np.arange(n, dtype=np.float64 if dt._cat == 2 or any(isinstance(v, float) for v in vals)
                                    else np.int64)).astype(dt.np)
    dev = as_device(device)
    return _out(_finish_new(_wrap(_on(arr, dev), dt, dev), requires_grad), out)


def range_(start=0, end=None, step=1, *, dtype=None, device=None, requires_grad=False):
    dt = _as_dtype(dtype) if dtype is not None else D._default[0]
    n = int(np.floor((end - start) / step)) + 1
    arr = (start + step * np.arange(n, dtype=np.float64)).astype(dt.np)
    warnings.warn('torch.range is deprecated and will be removed in a future release because its behavior is '
                  'inconsistent with Python\'s range builtin. Instead, use torch.arange, which produces values in '
                  '[start, end).', UserWarning, stacklevel=2)
    dev = as_device(device)
    return _finish_new(_wrap(_on(arr, dev), dt, dev), requires_grad)


def linspace(start, end, steps, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    if not isinstance(steps, (int, np.integer)):
        raise TypeError(f"linspace(): argument 'steps' (position 3) must be int, not {type(steps).__name__}")
    if steps < 0:
        raise RuntimeError('number of steps must be non-negative')
    start, end = (v.item() if isinstance(v, Tensor) else v for v in (start, end))
    if isinstance(start, complex) or isinstance(end, complex) or (dtype is not None and _as_dtype(dtype)._cat == 3):
        return _linspace_complex(start, end, steps, dtype, device, requires_grad, out)
    dt = _as_dtype(dtype) if dtype is not None else D._default[0]
    # torch fills the first half from start and the second half from end (symmetric rounding).
    # The step is in the result dtype (double for integer results); each value is one fused
    # multiply-add, done here in a wider type and rounded once.
    ct = dt.np.type if dt._cat == 2 else np.float64
    if dt._cat < 2:
        start, end = (int(v) for v in (start, end))
    s0, e0 = np.asarray(start, ct), np.asarray(end, ct)
    if steps == 1:
        arr = s0.reshape(1)
    else:
        wide = np.longdouble if ct is np.float64 else ct if ct is np.float16 else np.float64
        step = ((e0 - s0) / ct(steps - 1)).astype(wide)
        s0, e0 = s0.astype(wide), e0.astype(wide)
        i = np.arange(steps).astype(wide)
        half = steps // 2
        arr = np.where(i < half, s0 + step * i, e0 - step * (steps - 1 - i)).astype(ct)
    if dt._cat < 2:
        arr = np.trunc(arr)
    dev = as_device(device)
    return _out(_finish_new(_wrap(_on(arr.astype(dt.np), dev), dt, dev), requires_grad), out)


def _linspace_complex(start, end, steps, dtype, device, requires_grad, out):
    """linspace with complex ends or a complex dtype: the real and imaginary parts each spaced as a
    real linspace in the matching real dtype."""
    from ._core import type_name
    cdt = D._default[0].to_complex() if dtype is None else _as_dtype(dtype)
    if cdt._cat != 3:
        raise RuntimeError(f'torch.linspace(): inferred dtype c10::complex<{"float" if cdt.itemsize <= 4 else "double"}> '
                           f"can't be safely cast to passed dtype {type_name(cdt)}")
    rdt = cdt.to_real()
    s, e = complex(start), complex(end)
    re = linspace(s.real, e.real, steps, dtype=rdt)._data
    im = linspace(s.imag, e.imag, steps, dtype=rdt)._data
    dev = as_device(device)
    return _out(_finish_new(_wrap(_on((re + 1j * im).astype(cdt.np), dev), cdt, dev), requires_grad), out)


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False):
    lin = linspace(start, end, steps, dtype=D.float64)
    dt = _as_dtype(dtype) if dtype is not None else D._default[0]
    return _finish_new(_wrap(np.power(base, lin._data).astype(dt.np), dt, lin._device), requires_grad)


def eye(n, m=None, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    dt = _as_dtype(dtype) if dtype is not None else D._default[0]
    if n < 0:
        raise RuntimeError(f'n must be greater or equal to 0, got {n}')
    if m is not None and m < 0:
        raise RuntimeError(f'm must be greater or equal to 0, got {m}')
    dev = as_device(device)
    return _out(_finish_new(_wrap(_on(np.eye(n, m, dtype=dt.np), dev), dt, dev), requires_grad), out)


def scalar_tensor(s, *, dtype=None, device=None, requires_grad=False):
    dt = _as_dtype(dtype) if dtype is not None else D._default[0]
    dev = as_device(device)
    return _finish_new(_wrap(_on(np.asarray(s, dtype=dt.np), dev), dt, dev), requires_grad)


# ---------------------------------------------------------------- random
_KERNEL = {'rand': 'check_uniform_bounds', 'randn': 'normal_kernel_cpu'}


def _rand_factory(size, generator, dtype, device, requires_grad, draw, fname):
    shape = parse_size(size, fname)
    dt = _as_dtype(dtype) if dtype is not None else D._default[0]
    if dt._cat != 2:
        if dt._cat < 2:
            raise NotImplementedError(f'"{_KERNEL[fname]}" not implemented for \'{dt._legacy[:-6]}\'')
        from .complex import draw_complex      # complex: real and imaginary parts drawn as torch draws them
        draw = draw_complex(draw)
    dev = as_device(device)
    arr = draw(_gen(generator, dev), shape, dt)
    return _finish_new(_wrap(_on(arr, dev), dt, dev), requires_grad)


def _torch_cpu(g):
    """Whether ``g`` draws PyTorch's CPU numbers (ember/_mt19937.py; also while ember.compile
    records its draws), whose sampling methods take torch's arguments."""
    return getattr(g, 'torch_cpu', False)


def _draw_uniform(g, shape, dt):
    return g.random(shape, dtype=np.float64 if dt is D.float64 else np.float32).astype(dt.np, copy=False)


def _draw_normal(g, shape, dt):
    if dt is D.bfloat16 and _torch_cpu(g):
        return g.standard_normal(shape, dtype=np.float32, bf16=True)
    return g.standard_normal(shape, dtype=np.float64 if dt is D.float64 else np.float32).astype(dt.np, copy=False)


def _draw_normal_ms(g, shape, dt, mean, std):
    """torch's ``normal_(mean, std)`` for a tensor of ``shape`` and ``dt``."""
    if _torch_cpu(g):
        if dt is D.bfloat16:
            return g.normal(mean, std, shape, np.float32, bf16=True)
        return g.normal(mean, std, shape, np.float64 if dt is D.float64 else np.float32)
    return mean + std * _draw_normal(g, shape, dt)


def rand(*size, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    """Uniform samples on [0, 1). ``rand(2, 3)`` or ``rand((2, 3))``."""
    return _out(_rand_factory(size, generator, dtype, device, requires_grad, _draw_uniform, 'rand'), out)


def randn(*size, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    """Standard normal samples."""
    return _out(_rand_factory(size, generator, dtype, device, requires_grad, _draw_normal, 'randn'), out)


def _random_like(input, dtype, device, requires_grad, memory_format, fill):
    """torch's rand_like / randn_like / randint_like of a non-contiguous input: empty_like (its
    layout preserved) filled in place, in memory order."""
    t = empty_like(input, dtype=dtype, device=device, memory_format=memory_format)
    with _no_grad_fill():
        fill(t)
    return t.requires_grad_(requires_grad) if requires_grad else t


def _no_grad_fill():
    from ..autograd.grad_mode import no_grad
    return no_grad()


def rand_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    if not input._data.flags.c_contiguous:
        return _random_like(input, dtype, device, requires_grad, memory_format, lambda t: t.uniform_())
    return rand(input.shape, dtype=dtype or input.dtype, device=device or input._device, requires_grad=requires_grad)


def randn_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    if not input._data.flags.c_contiguous:
        return _random_like(input, dtype, device, requires_grad, memory_format, lambda t: t.normal_())
    return randn(input.shape, dtype=dtype or input.dtype, device=device or input._device, requires_grad=requires_grad)


def randint(*args, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False, size=None,
            low=None, high=None):
    """Integers in [low, high): ``randint(high, size)`` or ``randint(low, high, size)``; int64."""
    args = list(args)
    if size is None and args and not isinstance(args[-1], (int, np.integer)):
        size = args.pop()
    if size is None:
        if len(args) == 2:
            raise TypeError(f"randint(): argument 'size' (position 2) must be tuple of ints, not "
                            f'{type(args[1]).__name__}')
        raise TypeError(f"randint() received an invalid combination of arguments - got "
                        f"({', '.join(type(a).__name__ for a in args)})")
    if high is None:
        if len(args) == 1:
            high = args[0]
        elif len(args) == 2:
            low, high = args
        else:
            raise TypeError('randint() received an invalid combination of arguments')
    low = 0 if low is None else low
    if low >= high:
        raise RuntimeError(f'random_ expects \'from\' to be less than \'to\', but got from={low} >= to={high}')
    shape = parse_size((size,), 'randint')
    dt = _as_dtype(dtype) if dtype is not None else D.int64
    dev = as_device(device)
    arr = _gen(generator, dev).integers(low, high, shape, dtype=np.int64).astype(dt.np)
    return _out(_finish_new(_wrap(_on(arr, dev), dt, dev), requires_grad), out)


def randint_like(input, low=0, high=None, *, dtype=None, device=None, requires_grad=False):
    if high is None:
        low, high = 0, low
    if not input._data.flags.c_contiguous:
        return _random_like(input, dtype, device, requires_grad, None, lambda t: t.random_(low, high))
    return randint(low, high, input.shape, dtype=dtype or input.dtype, device=device or input._device)


def randperm(n, *, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
             pin_memory=False):
    """A random permutation of 0..n-1 (int64)."""
    if n < 0:
        raise RuntimeError(f'n must be non-negative, got{n}')
    dt = _as_dtype(dtype) if dtype is not None else D.int64
    dev = as_device(device)
    arr = _gen(generator, dev).permutation(n).astype(dt.np)
    return _out(_finish_new(_wrap(_on(arr, dev), dt, dev), requires_grad), out)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, out=None, dtype=None, layout=None, device=None,
           requires_grad=False):
    """Normal samples: tensor mean and/or std broadcast, or float mean/std with ``size``."""
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        ref = mean if isinstance(mean, Tensor) else std
        g = _gen(generator, ref._device)
        m = mean._data if isinstance(mean, Tensor) else mean
        s = std._data if isinstance(std, Tensor) else std
        if isinstance(std, Tensor) and (std._data < 0).any():
            raise RuntimeError('normal expects all elements of std >= 0.0')
        shape = np.broadcast_shapes(np.shape(m), np.shape(s))
        dt = ref.dtype
        if _torch_cpu(g):
            # torch: out.normal_(0, 1), then out.mul_(std).add_(mean), in the tensor's dtype
            z = _draw_normal(g, shape, dt)
            return _out(_wrap(as_array(z * s + m).astype(dt.np, copy=False), dt, ref._device), out)
        z = g.standard_normal(shape).astype(dt.np)
        return _out(_wrap(as_array(m + s * z).astype(dt.np, copy=False), dt, ref._device), out)
    if std < 0:
        raise RuntimeError(f'normal expects std >= 0.0, but found std {std}')
    if size is None:
        raise TypeError('normal() received an invalid combination of arguments')
    shape = parse_size((size,), 'normal')
    dt = _as_dtype(dtype) if dtype is not None else D._default[0]
    dev = as_device(device)
    arr = _draw_normal_ms(_gen(generator, dev), shape, dt, mean, std).astype(dt.np)
    return _out(_finish_new(_wrap(_on(arr, dev), dt, dev), requires_grad), out)


def bernoulli(input, p=None, *, generator=None, out=None):
    pr = input._data if p is None else p
    g = _gen(generator, input._device)
    if _torch_cpu(g):
        keep = g.bernoulli_tensor(pr) if p is None else g.bernoulli(p, input._data.shape)
        return _out(_wrap(keep.astype(input.dtype.np), input.dtype, input._device), out)
    arr = (g.random(input._data.shape) < pr).astype(input.dtype.np)
    return _out(_wrap(arr, input.dtype, input._device), out)


def multinomial(input, num_samples, replacement=False, *, generator=None, out=None):
    g = _gen(generator)            # drawn on the host: the rows' checks and choice() are host work
    # torch's checks, in its order: rank, dtype (weights of counts need .float()), then the count
    if not 1 <= input.dim() <= 2:
        raise RuntimeError('prob_dist must be 1 or 2 dim')
    if input.dtype._cat != 2:
        raise RuntimeError(f'multinomial only supports floating-point dtypes for input, got: {_cap(input.dtype)}')
    if num_samples <= 0:
        raise RuntimeError('cannot sample n_sample <= 0 samples')
    p = input._host().astype(np.float64)
    rows = p.reshape(-1, p.shape[-1]) if p.ndim > 1 else p[None]
    if not replacement and num_samples > rows.shape[-1]:
        raise RuntimeError('cannot sample n_sample > prob_dist.size(-1) samples without replacement')
    if not replacement or num_samples == 1:
        if not (rows >= 0).all() or not np.isfinite(rows).all():
            raise RuntimeError('probability tensor contains either `inf`, `nan` or element < 0')
    elif not (rows >= 0).all():
        raise RuntimeError('invalid multinomial distribution (encountering probability entry < 0)')
    elif not np.isfinite(rows).all():
        raise RuntimeError('invalid multinomial distribution (encountering probability entry = infinity or NaN)')
    if (rows.sum(-1) <= 0).any():
        raise RuntimeError('invalid multinomial distribution (sum of probabilities <= 0)')
    if _torch_cpu(g):
        rows_t = (input._host() if p.ndim > 1 else input._host()[None]).reshape(rows.shape)
        res = g.multinomial(rows_t if rows_t.dtype.kind == 'f' else rows, num_samples, replacement)
    elif replacement:
        res = np.stack([g.choice(r.shape[0], num_samples, replace=True, p=r / r.sum()) for r in rows])
    else:   # torch's way: the largest p / Exp(1) keys (zero-weight entries come last, in any order)
        keys = rows / g.exponential(size=rows.shape)
        res = np.argsort(-keys, axis=-1, kind='stable')[:, :num_samples]
    if p.ndim == 1:
        res = res[0]
    return _out(_wrap(_on(res.astype(np.int64), input._device), D.int64, input._device), out)


# ---------------------------------------------------------------- poisson, _standard_gamma, _sample_dirichlet
def _need_tensor(input, fname):
    if not isinstance(input, Tensor):
        raise TypeError(f"{fname}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")


def _host_source(generator):
    """The generator to draw host-side samplers from: ``generator``'s (a CPU one), else the
    default CPU generator (ember's CPU generator draws torch's numbers; a GPU generator has no
    host stream, so its tensors draw from the CPU one here)."""
    g = _gen(generator)
    return g if _torch_cpu(g) else _gen(None)


def _uniform64_stream(g, hint):
    """(next, commit): ``next()`` is torch's ``uniform_real_distribution<double>(0, 1)`` drawn one
    at a time from ``g`` (ATen's CPU samplers draw per element), ``commit()`` leaves ``g``
    advanced by exactly the draws taken. Uniforms are drawn ahead in blocks of ``hint`` and the
    generator is rewound to consume only those used, so the stream stays torch's."""
    saved, fresh = g._bg.state, g._fresh
    state = {'buf': [], 'i': 0, 'used': 0}

    def nxt():
        if state['i'] == len(state['buf']):
            state['buf'] = g._uniform01(max(int(hint), 64), np.dtype(np.float64)).tolist()
            state['i'] = 0
        state['i'] += 1
        state['used'] += 1
        return state['buf'][state['i'] - 1]

    def commit():
        g._bg.state, g._fresh = saved, fresh
        if state['used']:
            g._uniform01(state['used'], np.dtype(np.float64))
    return nxt, commit


_I64_MIN = -2 ** 63


def _floor_i64(x):
    # C++'s (int64_t)std::floor(x) on x86: out-of-range, infinite and NaN values give INT64_MIN
    return int(math.floor(x)) if math.isfinite(x) and -2.0 ** 63 <= x < 2.0 ** 63 else _I64_MIN


def _sample_poisson(lam, uniform):
    """ATen's CPU ``sample_poisson(lambda)`` (an int64): Hoermann's transformed rejection for
    lambda >= 10, else the product of uniforms."""
    if not lam >= 0:
        raise RuntimeError('invalid Poisson rate, expected rate to be non-negative')
    if lam >= 10:
        slam, loglam = math.sqrt(lam), math.log(lam)
        b = 0.931 + 2.53 * slam
        a = -0.059 + 0.02483 * b
        invalpha = 1.1239 + 1.1328 / (b - 3.4)
        vr = 0.9277 - 3.6224 / (b - 2)
        while True:
            u = uniform() - 0.5
            v = uniform()
            us = 0.5 - abs(u)
            k = _floor_i64((2 * a / us + b) * u + lam + 0.43) if us else _I64_MIN
            if us >= 0.07 and v <= vr:
                return k
            if k < 0 or (us < 0.013 and v > us):
                continue
            if (math.log(v) if v > 0 else -math.inf) + math.log(invalpha) - math.log(a / (us * us) + b) <= \
                    -lam + k * loglam - math.lgamma(k + 1.0):
                return k
    if lam == 0:
        return 0
    enlam = math.exp(-lam)
    x, prod = 0, 1.0
    while True:
        prod *= uniform()
        if prod > enlam:
            x += 1
        else:
            return x


@backward_op('PoissonBackward0')
def _poisson_bw(node, g):
    return (g * 0,)          # torch: the samples' gradient in the rates is zero


def poisson(input, generator=None):
    """``torch.poisson(rates)``: a Poisson(rate) count per element, as a float tensor of the
    input's dtype. On the CPU the draws are torch's (ATen's ``sample_poisson``, element by element
    in memory order, from torch's stream). Differentiable with a zero gradient, as torch."""
    _need_tensor(input, 'poisson')
    if not input.dtype.is_floating_point or input.dtype.is_complex:
        from ._core import type_name
        raise NotImplementedError(f'"poisson_cpu" not implemented for \'{type_name(input.dtype)}\'')
    lam = input._host().astype(np.float64).ravel().tolist()
    g = _host_source(generator)
    uniform, commit = _uniform64_stream(g, sum(min(x, 10.0) for x in lam if x == x) * 1.1 + 2.5 * len(lam) + 16)
    out = []
    try:
        for x in lam:
            out.append(_sample_poisson(x, uniform))
    finally:
        commit()
    arr = np.array(out, dtype=np.float64).reshape(input.shape).astype(input.dtype.np)
    t = _wrap(_on(arr, input._device), input.dtype, input._device)
    if _gm.enabled and input._rg:
        record(_poisson_bw, t, (input,))
    return t


# ---------------------------------------------------------------- binomial
_STIRLING_TAIL = (0.0810614667953272, 0.0413406959554092, 0.0276779256849983, 0.02079067210376509,
                  0.0166446911898211, 0.0138761288230707, 0.0118967099458917, 0.0104112652619720,
                  0.00925546218271273, 0.00833056343336287)


def _stirling_approx_tail(k):
    if k <= 9:
        return _STIRLING_TAIL[int(k)]
    kp1sq = (k + 1) * (k + 1)
    return (1.0 / 12 - (1.0 / 360 - 1.0 / 1260 / kp1sq) / kp1sq) / (k + 1)


def _log0(v):
    return math.log(v) if v > 0 else (-math.inf if v == 0 else math.nan)


def _btrs(count, prob, uniform, S):
    """ATen's BTRS (Hormann's transformed rejection, TensorFlow's variant) for count * prob >= 10:
    ``S`` is scalar_t (np.float32 or float), whose arithmetic the float parts keep."""
    stddev = float(np.sqrt(S(count * prob * (S(1) - prob))))
    b = 1.15 + 2.53 * stddev
    a = -0.0873 + 0.0248 * b + 0.01 * float(prob)
    c = float(S(count * prob)) + 0.5
    v_r = 0.92 - 4.2 / b
    r = float(S(prob / (S(1) - prob)))
    alpha = (2.83 + 5.1 / b) * stddev
    m = float(math.floor(float(S((count + S(1)) * prob))))
    fc = float(count)
    while True:
        U = uniform() - 0.5
        V = uniform()
        us = 0.5 - abs(U)
        if us == 0:
            continue            # k = +-inf (or nan): rejected
        kd = math.floor((2 * a / us + b) * U + c)
        k = S(kd)
        if k < 0 or k > count:
            continue
        if us >= 0.07 and V <= v_r:
            return k
        V = _log0(V * alpha / (a / (us * us) + b))
        fk = float(k)
        upperbound = ((m + 0.5) * math.log((m + 1) / (r * (fc - m + 1)))
                      + float(S(count + S(1))) * math.log((fc - m + 1) / float(S(S(count - k) + S(1))))
                      + (fk + 0.5) * math.log(r * float(S(S(count - k) + S(1))) / float(S(k + S(1))))
                      + _stirling_approx_tail(m) + _stirling_approx_tail(fc - m)
                      - _stirling_approx_tail(fk) - _stirling_approx_tail(float(S(count - k))))
        if V <= upperbound:
            return k


def _binomial_inversion(count, prob, uniform, S):
    if S is float:
        logprob = math.log1p(-prob)
    else:
        f = _libm_raw('log1pf', 1)
        logprob = float(f(float(-prob))) if f is not None else float(S(math.log1p(-float(prob))))
    geom_sum, num_geom, fc = 0.0, S(0), float(count)
    while True:
        U = uniform()
        q = _log0(U) / logprob if logprob else math.inf
        geom = math.ceil(q) if math.isfinite(q) else q
        geom_sum += geom
        if geom_sum > fc:
            break
        num_geom = S(num_geom + S(1))
    return num_geom


def _sample_binomial(count, prob, uniform, S):
    """ATen's CPU ``sample_binomial(count, prob)`` in scalar_t ``S``: BTRS where the mean (of
    the rarer outcome) is >= 10, inversion of geometric waiting times otherwise."""
    count, prob = S(count), S(prob)
    if count <= 0.0 or prob <= 0.0:
        return S(0)
    if prob >= 1.0:
        return count
    if prob <= 0.5:
        if float(S(count * prob)) >= 10.0:
            return _btrs(count, prob, uniform, S)
        return _binomial_inversion(count, prob, uniform, S)
    if prob > 0.5:
        qprob = S(1.0 - float(prob))
        if float(S(count * qprob)) >= 10.0:
            return S(count - _btrs(count, qprob, uniform, S))
        return S(count - _binomial_inversion(count, qprob, uniform, S))
    return S(math.nan)


@backward_op('NotImplemented')
def _no_derivative_binomial_bw(node, g):
    raise RuntimeError("the derivative for 'binomial' is not implemented.")


def binomial(count, prob, generator=None):
    """``torch.binomial(count, prob)``: a Binomial(count, prob) draw per (broadcast) element, a
    float tensor of count's dtype. On the CPU the draws are torch's (ATen's ``sample_binomial``,
    element by element in memory order, from torch's stream)."""
    _need_tensor(count, 'binomial')
    if not isinstance(prob, Tensor):
        raise TypeError(f"binomial(): argument 'prob' (position 2) must be Tensor, not {type(prob).__name__}")
    from ._core import type_name
    if not count.dtype.is_floating_point or count.dtype.is_complex:
        raise ValueError(f'binomial only supports floating-point dtypes for count, got: {type_name(count.dtype)}')
    if prob.dtype is not count.dtype:
        raise RuntimeError(f'Found dtype {type_name(prob.dtype)} but expected {type_name(count.dtype)}')
    if count.dtype not in (D.float32, D.float64):
        raise NotImplementedError(f'"binomial_cpu" not implemented for \'{type_name(count.dtype)}\'')
    S = float if count.dtype is D.float64 else np.float32
    dt = np.dtype(count.dtype.np)
    n_arr, p_arr = np.broadcast_arrays(np.asarray(count._host(), dtype=dt), np.asarray(prob._host(), dtype=dt))
    shape = n_arr.shape
    ns, ps = n_arr.ravel().tolist(), p_arr.ravel().tolist()
    g = _host_source(generator)
    hint = sum(min(n * min(p, 1 - p), 10.0) for n, p in zip(ns, ps) if n == n and p == p) * 1.1 + 3 * len(ns) + 16
    uniform, commit = _uniform64_stream(g, hint)
    out = []
    try:
        for n, p in zip(ns, ps):
            out.append(float(_sample_binomial(n, p, uniform, S)))
    finally:
        commit()
    arr = np.array(out, dtype=np.float64).reshape(shape).astype(dt)
    t = _wrap(_on(arr, count._device), count.dtype, count._device)
    if _gm.enabled and (count._rg or prob._rg):
        record(_no_derivative_binomial_bw, t, (count, prob))
    return t


def _standard_gamma(input, generator=None):
    """``torch._standard_gamma(alpha)``: Gamma(alpha, 1) samples, torch's for a seed on the CPU,
    with ember's reparameterized gradient in alpha (the one ``Gamma.rsample`` uses)."""
    _need_tensor(input, '_standard_gamma')
    if input.dtype not in (D.float32, D.float64):
        from ._core import type_name
        raise NotImplementedError(f'"gamma_cpu" not implemented for \'{type_name(input.dtype)}\'')
    from ..distributions.utils import _standard_gamma as sg
    if generator is None:
        return sg(input)
    return _standard_gamma_from().apply(input, _host_source(generator))


_GAMMA_FROM = []


def _standard_gamma_from():
    """distributions/utils.py's ``_StandardGamma`` drawing from a given generator: the forward
    made with that generator in place of the default one; the backward (the gradient) inherited."""
    if not _GAMMA_FROM:
        from ..distributions import utils as U

        class _StandardGammaFrom(U._StandardGamma):
            @staticmethod
            def forward(ctx, alpha, rng):
                a = np.asarray(alpha._host(), dtype=np.float64)
                boost = a < 1
                y, u, scale = U._torch_cpu_gamma(a, rng, alpha.dtype is D.float64)
                x = np.maximum(y * scale, np.finfo(alpha.dtype.np).tiny)
                ctx.save_for_backward(alpha)
                ctx.state = (a, np.where(boost, a + 1, a), y, u, scale, boost, x)     # (what backward reads)
                return U._like(x, alpha)
        _GAMMA_FROM.append(_StandardGammaFrom)
    return _GAMMA_FROM[0]


@backward_op('NotImplemented')
def _no_derivative_dirichlet_bw(node, g):
    raise RuntimeError('derivative for aten::_sample_dirichlet is not implemented')


def _sample_dirichlet(input, generator=None):
    """``torch._sample_dirichlet(alpha)``: Dirichlet samples along the last dim, torch's for a
    seed on the CPU (ATen's ``_s_dirichlet_cpu``: Gamma(alpha) drawn in double, normalized in
    double, cast, clamped to [tiny, 1 - ulp]). torch has no derivative for it: backward raises."""
    _need_tensor(input, '_sample_dirichlet')
    if input.dtype not in (D.float32, D.float64):
        from ._core import type_name
        raise NotImplementedError(f'"dirichlet" not implemented for \'{type_name(input.dtype)}\'')
    from ..distributions.utils import _torch_cpu_gamma
    a = np.asarray(input._host(), dtype=np.float64)
    y, _, scale = _torch_cpu_gamma(a, _host_source(generator), True)
    gam = np.maximum(y * scale, np.finfo(np.float64).tiny)
    total = gam.sum(-1, keepdims=True) if gam.ndim else gam
    dt = np.dtype(input.dtype.np)
    r = (gam / total).astype(dt)
    r = np.minimum(np.nextafter(dt.type(1), dt.type(0)), np.maximum(np.finfo(dt).tiny, r))
    t = _wrap(_on(np.asarray(r, dtype=dt), input._device), input.dtype, input._device)
    if _gm.enabled and input._rg:
        record(_no_derivative_dirichlet_bw, t, (input,))
    return t


# ATen's digamma_one asymptotic-series coefficients (Cephes)
_DG_A = (8.33333333333333333333E-2, -2.10927960927960927961E-2, 7.57575757575757575758E-3,
         -4.16666666666666666667E-3, 3.96825396825396825397E-3, -8.33333333333333333333E-3,
         8.33333333333333333333E-2)
_DG_PSI_10 = 2.25175258906672110764


_LIBM_F32 = {}


def _libm_raw(name, nin):
    """The C library's float function ``name`` (logf, powf, log1pf) through ctypes, or None:
    ATen's float kernels call them, and glibc's are not always correctly rounded (within 1 ulp)."""
    key = (name, 'raw')
    if key not in _LIBM_F32:
        f = None
        try:
            import ctypes
            import ctypes.util
            f = getattr(ctypes.CDLL(ctypes.util.find_library('m') or 'libm.so.6'), name)
            f.restype, f.argtypes = ctypes.c_float, [ctypes.c_float] * nin
        except (OSError, AttributeError):
            f = None
        _LIBM_F32[key] = f
    return _LIBM_F32[key]


def _libm_f32(name, nin):
    """``_libm_raw(name)`` as a NumPy ufunc (object-valued), or None."""
    if name not in _LIBM_F32:
        f = _libm_raw(name, nin)
        _LIBM_F32[name] = np.frompyfunc(f, nin, 1) if f is not None else None
    return _LIBM_F32[name]


def _flog(x):
    """log in the array's dtype: float32 as the C library's logf (else correctly rounded)."""
    if x.dtype == np.float32 and x.size:
        f = _libm_f32('logf', 1)
        if f is not None:
            return np.asarray(f(x), dtype=np.float32).reshape(x.shape)
    return np.log(x.astype(np.float64)).astype(x.dtype)


def _fpow(x, y):
    if x.dtype == np.float32 and x.size:
        f = _libm_f32('powf', 2)
        if f is not None:
            return np.asarray(f(x, y), dtype=np.float32).reshape(np.broadcast(x, y).shape)
    return np.power(x.astype(np.float64), y.astype(np.float64)).astype(x.dtype)


def _digamma_one(x):
    """ATen's ``digamma_one<scalar_t, double>`` for positive x, vectorised: x's own dtype
    (scalar_t: float32 or float64) for the argument's arithmetic, double for the sum."""
    ft = x.dtype.type
    x = x.copy()
    result = np.zeros(x.shape)
    for _ in range(10):             # push x to >= 10 (alpha > 0 here: at most 10 steps)
        m = x < 10
        if not m.any():
            break
        result = np.where(m, result - (ft(1) / x).astype(np.float64), result)
        x = np.where(m, x + ft(1), x)
    z = (1.0 / (x * x).astype(np.float64))
    poly = np.zeros(x.shape)
    for c in _DG_A:
        poly = poly * z + c
    y = np.where(x < 1e17, z * poly, 0.0)
    out = result + _flog(x).astype(np.float64) - (ft(0.5) / x).astype(np.float64) - y
    out = np.where(x == 10, result + _DG_PSI_10, out)
    return out.astype(x.dtype)


def _beta_grad_alpha_small(x, alpha, beta):
    ft = x.dtype.type
    factor = _digamma_one(alpha) - _digamma_one(alpha + beta) - _flog(x)
    numer = np.ones_like(x)
    series = numer / alpha * (factor + ft(1) / alpha)
    for i in range(1, 11):
        fi = ft(i)
        numer = numer * ((fi - beta) * x / fi)
        denom = alpha + fi
        series = series + numer / denom * (factor + ft(1) / denom)
    r = x * _fpow(ft(1) - x, -beta) * series
    return np.where(np.isnan(r), ft(0), r)


def _beta_grad_beta_small(x, alpha, beta):
    ft = x.dtype.type
    factor = _digamma_one(alpha + beta) - _digamma_one(beta)
    numer, betas, dbetas = np.ones_like(x), np.ones_like(x), np.zeros_like(x)
    series = factor / alpha
    for i in range(1, 9):
        fi = ft(i)
        numer = numer * (-x / fi)
        dbetas = dbetas * (beta - fi) + betas
        betas = betas * (beta - fi)
        series = series + numer / (alpha + fi) * (dbetas + factor * betas)
    r = -_fpow(ft(1) - x, ft(1) - beta) * series
    return np.where(np.isnan(r), ft(0), r)


def _beta_grad_alpha_mid(x, alpha, beta):
    # (float64 throughout: ATen's Rice saddle-point expansion in its accumulate type)
    total = alpha + beta
    mean = alpha / total
    std = np.sqrt(alpha * beta / (total + 1)) / total
    near = (mean - 0.1 * std <= x) & (x <= mean + 0.1 * std)
    bb = beta * beta
    poly = 47 * x * bb * bb + alpha * (
        (43 + 20 * (16 + 27 * beta) * x) * bb * beta + alpha * (
            3 * (59 + 180 * beta - 90 * x) * bb + alpha * (
                (453 + 1620 * beta * (1 - x) - 455 * x) * beta + alpha * (
                    8 * (1 - x) * (135 * beta - 11)))))
    prefactor_num = (1 + 12 * alpha) * (1 + 12 * beta) / (total * total)
    prefactor_den = 12960 * alpha * alpha * alpha * beta * beta * (1 + 12 * total)
    r_near = prefactor_num / (1 - x) * poly / prefactor_den
    prefactor = -x / np.sqrt(2 * alpha * beta / total)
    stirling = ((1 + 1 / (12 * alpha) + 1 / (288 * alpha * alpha)) * (1 + 1 / (12 * beta) + 1 / (288 * beta * beta))
                / (1 + 1 / (12 * total) + 1 / (288 * total * total)))
    term1_num = 2 * (alpha * alpha) * (x - 1) + alpha * beta * (x - 1) - x * (beta * beta)
    axbx = alpha * (x - 1) + beta * x
    term1 = term1_num / (np.sqrt(2 * alpha / beta) * np.power(total, 1.5) * axbx * axbx)
    term2 = 0.5 * np.log(alpha / (total * x))
    term3 = np.sqrt(8 * alpha * beta / total) / (beta * x + alpha * (x - 1))
    term4 = np.power(beta * np.log(beta / (total * (1 - x))) + alpha * np.log(alpha / (total * x)), -1.5)
    term1234 = term1 + term2 * (term3 + np.where(x < mean, term4, -term4))
    return np.where(near, r_near, stirling * prefactor * term1234)


# the rational correction's coefficients: [p or q][power of u][power of a][power of b]
_DIRICHLET_C = np.array([
    [[[1.003668233, -0.01061107488, -0.0657888334, 0.01201642863],
      [0.6336835991, -0.3557432599, 0.05486251648, -0.001465281033],
      [-0.03276231906, 0.004474107445, 0.002429354597, -0.0001557569013]],
     [[0.221950385, -0.3187676331, 0.01799915743, 0.01074823814],
      [-0.2951249643, 0.06219954479, 0.01535556598, 0.001550077057],
      [0.02155310298, 0.004170831599, 0.001292462449, 6.976601077e-05]],
     [[-0.05980841433, 0.008441916499, 0.01085618172, 0.002319392565],
      [0.02911413504, 0.01400243777, -0.002721828457, 0.000751041181],
      [0.005900514878, -0.001936558688, -9.495446725e-06, 5.385558597e-05]]],
    [[[1, -0.02924021934, -0.04438342661, 0.007285809825],
      [0.6357567472, -0.3473456711, 0.05454656494, -0.002407477521],
      [-0.03301322327, 0.004845219414, 0.00231480583, -0.0002307248149]],
     [[0.5925320577, -0.1757678135, 0.01505928619, 0.000564515273],
      [0.1014815858, -0.06589186703, 0.01272886114, -0.0007316646956],
      [-0.007258481865, 0.001096195486, 0.0003934994223, -4.12701925e-05]],
     [[0.06469649321, -0.0236701437, 0.002902096474, -5.896963079e-05],
      [0.001925008108, -0.002869809258, 0.0008000589141, -6.063713228e-05],
      [-0.0003477407336, 6.959756487e-05, 1.097287507e-05, -1.650964693e-06]]]])


def _dirichlet_grad_np(x, alpha, total):
    """ATen's ``dirichlet_grad_one`` elementwise on arrays of one float dtype (float32 or
    float64: the series near 0 and 1 run in that dtype, the rest in double, as ATen's CPU
    kernel): -(d/dalpha cdf(x; alpha, total - alpha)) / pdf / (1 - x) of a Beta sample x."""
    ft = x.dtype.type
    x, alpha, total = np.broadcast_arrays(x, alpha, total)
    out = np.empty(x.shape, dtype=x.dtype)
    with np.errstate(all='ignore'):
        beta = total - alpha
        boundary = total * x * (ft(1) - x)
        small = (x <= ft(0.5)) & (boundary < ft(2.5))
        large = ~small & (x >= ft(0.5)) & (boundary < ft(0.75))
        mid = ~small & ~large & (alpha > 6) & (beta > 6)
        rat = ~small & ~large & ~mid
        if small.any():
            out[small] = _beta_grad_alpha_small(x[small], alpha[small], beta[small])
        if large.any():
            out[large] = -_beta_grad_beta_small(ft(1) - x[large], beta[large], alpha[large])
        x64, a64, t64 = x.astype(np.float64), alpha.astype(np.float64), total.astype(np.float64)
        if mid.any():
            out[mid] = _beta_grad_alpha_mid(x64[mid], a64[mid], t64[mid] - a64[mid])
        if rat.any():
            xx, aa, tt = x64[rat], a64[rat], t64[rat]
            u = np.log(xx)
            a = np.log(aa) - u
            b = np.log(tt) - a
            pu, pa = (np.ones_like(u), u, u * u), (np.ones_like(a), a, a * a)
            p, q = np.zeros_like(u), np.zeros_like(u)
            for i in range(3):
                for j in range(3):
                    ua = pu[i] * pa[j]
                    cp, cq = _DIRICHLET_C[0, i, j], _DIRICHLET_C[1, i, j]
                    p = p + ua * (cp[0] + b * (cp[1] + b * (cp[2] + b * cp[3])))
                    q = q + ua * (cq[0] + b * (cq[1] + b * (cq[2] + b * cq[3])))
            dg = (_digamma_one(total[rat]).astype(np.float64) - _digamma_one(alpha[rat]).astype(np.float64))
            approx = xx * dg / (tt - aa)
            out[rat] = p / q * approx
    return out


@backward_op('NotImplemented')
def _no_derivative_dirichlet_grad_bw(node, g):
    raise RuntimeError('derivative for aten::_dirichlet_grad is not implemented')


def _dirichlet_grad(x, alpha, total):
    """``torch._dirichlet_grad(x, alpha, total)``: the reparameterized gradient of Dirichlet
    samples x in alpha, elementwise (broadcast), the values ATen's CPU kernel computes (what
    ``Dirichlet.rsample``'s backward uses). torch has no derivative for it."""
    for name, t in (('x', x), ('alpha', alpha), ('total', total)):
        if not isinstance(t, Tensor):
            raise TypeError(f"_dirichlet_grad(): argument '{name}' (position "
                            f"{('x', 'alpha', 'total').index(name) + 1}) must be Tensor, not {type(t).__name__}")
    from ._core import type_name
    for t in (alpha, total):
        if t.dtype is not x.dtype:
            raise RuntimeError(f'Found dtype {type_name(t.dtype)} but expected {type_name(x.dtype)}')
    if x.dtype not in (D.float32, D.float64):
        raise NotImplementedError(f'"_dirichlet_grad_cpu" not implemented for \'{type_name(x.dtype)}\'')
    dt = np.dtype(x.dtype.np)
    r = _dirichlet_grad_np(np.asarray(x._host(), dtype=dt), np.asarray(alpha._host(), dtype=dt),
                           np.asarray(total._host(), dtype=dt))
    t = _wrap(_on(np.ascontiguousarray(r), x._device), x.dtype, x._device)
    if _gm.enabled and (x._rg or alpha._rg or total._rg):
        record(_no_derivative_dirichlet_grad_bw, t, (x, alpha, total))
    return t

# in-place random fills, used by nn.init (they run under no_grad there)
def _host_float(dt):
    return np.float64 if dt is D.float64 else np.float32


def _memory_order(a):
    """The dims of a non-contiguous array ``a`` from outermost to innermost in memory, as
    TensorIterator's reorder_dimensions (and empty_like's infer_dense_strides) sorts them: the order
    torch's random fills draw in and the layout preserve_format gives; None for a C-contiguous one."""
    if a.flags.c_contiguous:
        return None
    st, sz = a.strides, a.shape
    perm = list(range(a.ndim - 1, -1, -1))          # innermost first, insertion-sorted by stride
    for i in range(1, a.ndim):
        d1 = i
        for d0 in range(i - 1, -1, -1):
            s0, s1 = st[perm[d0]], st[perm[d1]]
            if s0 == 0 or s1 == 0 or (s0 == s1 and sz[perm[d0]] <= sz[perm[d1]]):
                continue                             # (ambiguous: a broadcast dim, or equal strides)
            if s0 < s1:
                break
            perm[d0], perm[d1] = perm[d1], perm[d0]
            d1 = d0
    return perm[::-1]


def _drawn_in_order(draw, a):
    """``draw(shape)``'s values placed on array ``a``'s elements in the order torch fills them."""
    perm = _memory_order(a)
    if perm is None:
        return draw(a.shape)
    return draw(tuple(a.shape[i] for i in perm)).transpose(np.argsort(perm))


def uniform_(self, a=0.0, b=1.0, *, generator=None):
    g = _gen(generator, self._device)
    if _torch_cpu(g) and self.dtype._cat == 2:
        return _fill_from(self, _drawn_in_order(lambda s: g.uniform(a, b, s, _host_float(self.dtype)), self._data))
    if self.dtype._cat == 3:        # complex: the real and imaginary parts, as torch (view_as_real)
        from .complex import view_as_real
        view_as_real(self).uniform_(a, b, generator=generator)
        return self
    arr = g.random(self._data.shape)
    return _fill_from(self, a + (b - a) * arr)


def normal_(self, mean=0.0, std=1.0, *, generator=None):
    g = _gen(generator, self._device)
    if _torch_cpu(g) and self.dtype._cat == 2:
        if self.dtype is D.bfloat16:
            return _fill_from(self, g.normal(mean, std, self._data.shape, np.float32, bf16=True))
        serial = not self._data.flags.c_contiguous      # (torch's normal_fill is for contiguous tensors only)
        return _fill_from(self, _drawn_in_order(
            lambda s: g.normal(mean, std, s, _host_float(self.dtype), serial=serial), self._data))
    if self.dtype._cat == 3:        # complex: each part with std / sqrt(2), as torch
        from .complex import view_as_real
        view_as_real(self).normal_(mean, std / math.sqrt(2), generator=generator)
        return self
    return _fill_from(self, mean + std * g.standard_normal(self._data.shape))


def bernoulli_(self, p=0.5, *, generator=None):
    pr = p._data if isinstance(p, Tensor) else p
    g = _gen(generator, self._device)
    if _torch_cpu(g):
        if isinstance(p, Tensor):
            return _fill_from(self, g.bernoulli_tensor(np.broadcast_to(p._host(), self._data.shape)))
        return _fill_from(self, _drawn_in_order(lambda s: g.bernoulli(p, s), self._data))
    return _fill_from(self, g.random(self._data.shape) < pr)


def random_(self, from_=0, to=None, *, generator=None):
    g = _gen(generator, self._device)
    if to is None and not from_ and _torch_cpu(g):      # random_(): torch's full range
        return _fill_from(self, g.random_full(self._data.shape, self._data.dtype))
    if to is None:
        from_, to = 0, (from_ if from_ else 2 ** 24 if self.dtype._cat == 2 else np.iinfo(self.dtype.np).max)
    return _fill_from(self, _drawn_in_order(lambda s: g.integers(from_, to, s), self._data))


def exponential_(self, lambd=1.0, *, generator=None):
    g = _gen(generator, self._device)
    if _torch_cpu(g):       # (-1/lambd) * log1p(-u), as torch: no 1/(1/lambd) round trip
        u = _drawn_in_order(lambda s: g.random(s, np.float64), self._data)
        return _fill_from(self, (-1.0 / lambd) * np.log1p(-u))
    return _fill_from(self, g.exponential(1.0 / lambd, self._data.shape))


def geometric_(self, p, *, generator=None):
    return _fill_from(self, _gen(generator, self._device).geometric(p, self._data.shape))


def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
    g = _gen(generator, self._device)
    if _torch_cpu(g):
        return _fill_from(self, g.log_normal(mean, std, self._data.shape))
    return _fill_from(self, np.exp(mean + std * g.standard_normal(self._data.shape)))


def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
    return _fill_from(self, median + sigma * _gen(generator, self._device).standard_cauchy(self._data.shape))


def fill_(self, value):
    if isinstance(value, Tensor):
        if value._data.ndim != 0:
            raise RuntimeError(f'fill_ only supports 0-dimension value tensor but got tensor with '
                               f'{value._data.ndim} dimensions.')
        value = value.item()
    else:
        check_scalar_fits(value, self.dtype, floats=True)
    return _fill_from(self, value)


def zero_(self):
    return _fill_from(self, 0)


def resize_(self, *sizes, memory_format=None):
    """Give self the shape ``sizes``, keeping its elements in order: the first ``numel`` of them
    when it shrinks (sharing memory, as a view of the same storage), zeros after them when it grows
    (torch leaves that memory uninitialized). ``t.new().resize_(n, 1).bernoulli_(p)`` is AWD-LSTM's
    embedding dropout mask."""
    if self._rg:
        raise RuntimeError('cannot resize variables that require grad')
    dims = sizes[0] if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)) else sizes
    if any(isinstance(n, int) and n < 0 for n in dims):
        raise RuntimeError('numel: integer multiplication overflow')      # (torch's words)
    shape = tuple(parse_size(sizes))
    if shape == self._data.shape:
        return self
    n = int(np.prod(shape, dtype=np.int64))
    flat = _storage_from(self._data)
    if n <= flat.size:
        new = flat[:n].reshape(shape)
    else:
        new = module_for(self._device).zeros(n, dtype=self._data.dtype)
        new[:flat.size] = flat
        new = new.reshape(shape)
    self._data = new
    self._bump()
    return self


def _storage_from(a):
    """The memory from ``a``'s first element to the end of the array that owns it (torch's
    storage from the storage offset on: shrinking keeps the storage, growing again shows it), as
    one flat array; else ``a``'s own elements in order."""
    from .._backend import data_ptr
    owner = a
    while getattr(owner, 'base', None) is not None and hasattr(owner.base, 'flags'):
        owner = owner.base
    if owner.flags.c_contiguous and owner.dtype == a.dtype and all(st >= 0 for st in a.strides):
        off = (data_ptr(a) - data_ptr(owner)) // a.itemsize
        if 0 <= off <= owner.size:
            return owner.reshape(-1)[off:]
    return a.reshape(-1)


def resize_as_(self, the_template, memory_format=None):
    return resize_(self, the_template.shape, memory_format=memory_format)


def _fill_from(self, values):
    from .inplace import check_inplace
    check_inplace(self)
    if isinstance(values, (int, float, bool)):
        try:
            self._data[...] = values
        except OverflowError:       # a negative int into uint8 wraps, as in torch
            self._data[...] = np.asarray(values).astype(self.dtype.np)[()]
    else:
        self._data[...] = asarray_like(values, self._data).astype(self.dtype.np)
    if self.dtype is D.bfloat16:
        from .._bf16 import round_bf16_inplace
        round_bf16_inplace(self._data)
    self._bump()
    if _gm.enabled and self._rg:
        # the old value no longer matters: the gradient flowing into it is zero
        old = _wrap(self._data, self.dtype, self._device)
        old._rg, old.grad_fn, old._out = True, self.grad_fn, self._out
        record(_fill_bw, self, (old,))
    return self


@backward_op('FillBackward0')
def _fill_bw(node, g):
    return (g * 0,)


# ---------------------------------------------------------------- conversions
@backward_op('ToCopyBackward0')
def _to_bw(node, g):
    dt, dev = node._args
    return ((g.real if g.dtype._cat == 3 and dt._cat == 2 else g).to(device=dev, dtype=dt) if dt._cat >= 2 else None,)


_TO_KWARGS = frozenset(('dtype', 'device', 'non_blocking', 'copy', 'memory_format'))


def _arg_type_name(a):
    if isinstance(a, D.dtype):
        return 'torch.dtype'
    if isinstance(a, _devcls):
        return 'torch.device'
    return 'Tensor' if isinstance(a, Tensor) else type(a).__name__


def _to_error(args, kwargs):
    got = ', '.join([_arg_type_name(a) for a in args] + [f'{k}={_arg_type_name(v)}' for k, v in kwargs.items()])
    if kwargs and not args:
        got += ', '
    return TypeError(
        f'to() received an invalid combination of arguments - got ({got}), but expected one of:\n'
        ' * (torch.device device = None, torch.dtype dtype = None, bool non_blocking = False, bool copy = False, *, '
        'torch.memory_format memory_format = None)\n'
        ' * (torch.dtype dtype, bool non_blocking = False, bool copy = False, *, torch.memory_format memory_format = '
        'None)\n'
        ' * (Tensor tensor, bool non_blocking = False, bool copy = False, *, torch.memory_format memory_format = '
        'None)\n')


def to(self, *args, **kwargs):
    """``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(other)``; self when nothing changes.
    Positional forms: (device, dtype, non_blocking, copy), (dtype, non_blocking, copy),
    (tensor, non_blocking, copy)."""
    dev = dt = None
    copy = False
    rest = args
    if rest:
        a = rest[0]
        if isinstance(a, Tensor):
            dt, dev, rest = a.dtype, a._device, rest[1:]
        else:
            if a is None or isinstance(a, (str, _devcls)) or (isinstance(a, int) and not isinstance(a, bool)):
                dev, rest = a, rest[1:]
            if rest and (isinstance(rest[0], D.dtype) or rest[0] is None):   # to(device, None, ...)
                dt, rest = rest[0], rest[1:]
    if len(rest) > 2 or any(not isinstance(a, bool) for a in rest) or (kwargs and not kwargs.keys() <= _TO_KWARGS):
        raise _to_error(args, kwargs)
    if len(rest) == 2:
        copy = rest[1]
    if kwargs:
        copy = kwargs.get('copy', copy)
        if kwargs.get('dtype') is not None:
            dt = _as_dtype(kwargs['dtype'])
        if kwargs.get('device') is not None:
            dev = kwargs['device']
    if dev is not None:
        if type(dev) is str and dev.startswith('cpu:') or type(dev) is _devcls and dev.type == 'cpu' and \
                dev.index is not None:
            copy = True     # torch copies for an indexed CPU device ('cpu:0' is not its tensors' 'cpu')
        dev = as_device(dev)
    dt = dt or self.dtype
    dev = dev or self._device
    fmt = kwargs.get('memory_format') if kwargs else None
    if fmt is not None and fmt != 'torch.preserve_format' and suggest_memory_format(self._data) != fmt:
        # (torch keeps the tensor itself when its strides already suggest that format)
        if fmt in _CHANNELS_LAST and self._data.ndim != _CHANNELS_LAST[fmt][0]:
            raise RuntimeError(f'required rank {_CHANNELS_LAST[fmt][0]} tensor to use {fmt[6:]} format')
        t = to(self, dev, dt)
        t = t if t is not self else _wrap(self._data, dt, dev)
        t._data = channels_last_copy(t._data, fmt) if fmt in _CHANNELS_LAST else \
            _backend.array_module(t._data).ascontiguousarray(t._data)
        if _gm.enabled and self._rg and dt._cat >= 2 and t.grad_fn is None:
            record(_to_bw, t, (self,), (), (self.dtype, self._device))
        return t
    if dt is self.dtype and dev is self._device and not copy:
        return self
    if self.dtype._cat == 3 and dt._cat != 3:      # complex -> real: torch warns, keeps the real part
        from .complex import complex_to_real
        return complex_to_real(self, dt, dev)
    if dev is self._device:
        src = self._data
        if dev is not CPU and src.dtype.kind == 'f' and dt._cat == 1 and dt.itemsize < 8:
            src = src.astype(np.int64)      # the GPU saturates float -> small int; torch wraps, as the CPU does
        arr = src.astype(dt.np, copy=True)
    elif self._device.type == 'meta':
        raise NotImplementedError('Cannot copy out of meta tensor; no data!')
    elif dev is CPU:
        arr = self._host().astype(dt.np, copy=True)
    else:
        arr = _on(self._host().astype(dt.np, copy=True), dev)
    t = _wrap(arr, dt, dev)
    if _gm.enabled and self._rg and dt._cat >= 2:
        record(_to_bw, t, (self,), (), (self.dtype, self._device))
    return t


def _cast(dt):
    def method(self, *, memory_format=None):
        return to(self, dt)
    return method


def cpu(self, memory_format=None):
    return to(self, CPU)


def pin_memory(self, device=None):
    """A copy in page-locked host memory, for fast copies to the GPU. (ember's host arrays are
    NumPy's; the copy is marked pinned, as torch's answers say, but the memory is ordinary.)"""
    from .. import cuda as _cuda
    if not _cuda.is_available():
        raise RuntimeError('Cannot access accelerator device when none is available.')
    if self._device.type != 'cpu':
        raise RuntimeError(f"cannot pin '{self.type()}' only dense CPU tensors can be pinned")
    t = _wrap(self._data.copy(), self.dtype, CPU)
    t._ex()['pinned'] = True
    if _gm.enabled and self._rg:
        record(_clone_bw, t, (self,))
    return t


def is_pinned(self, device=None):
    e = self._extra
    return bool(e and e.get('pinned'))


def cuda(self, device=None, non_blocking=False, memory_format=None):
    # an int index goes through ember.device, which refuses it without an accelerator as torch does
    return to(self, as_device('cuda' if device is None else device if not isinstance(device, int) else
                              _devcls(device)))


_NO_ATEN_CUDA = (
    'Cannot initialize CUDA without ATen_cuda library. PyTorch splits its backend into two shared libraries: a CPU '
    'library and a CUDA library; this error has occurred because you are trying to use some CUDA functionality, but '
    'the CUDA library has not been loaded by the dynamic linker for some reason.  The CUDA library MUST be loaded, '
    'EVEN IF you don\'t directly use any symbols from the CUDA library! One common culprit is a lack of '
    '-Wl,--no-as-needed in your link arguments; many dynamic linkers will delete dynamic library dependencies if you '
    'don\'t depend on any of their symbols.  You can check if this has occurred by using ldd on your binary to see if '
    'there is a dependency on *_cuda.so library.')


def _to_type(self, t):
    if isinstance(t, str):
        name = t.split('.')[-1]
        dt = _LEGACY_BY_NAME.get(name) if t in ('torch.' + name, 'torch.cuda.' + name) else None
        if dt is None:
            raise ValueError(f'invalid type: \'{t}\'')
        dev = 'cuda' if '.cuda.' in t else 'cpu'
        if dev == 'cuda':
            from .. import cuda as _cuda
            if not _cuda.is_available():
                raise RuntimeError(_NO_ATEN_CUDA)
        return to(self, dev, dt)
    if isinstance(t, D.dtype):
        return to(self, t)
    if isinstance(t, _LegacyMeta):            # torch.FloatTensor names a CPU type, torch.cuda.FloatTensor a CUDA one
        return _to_type(self, ('torch.cuda.' if t._devtype == 'cuda' else 'torch.') + t.__name__)
    raise TypeError(f'type(): invalid type {t!r}')


@backward_op('CloneBackward0')
def _clone_bw(node, g):
    return (g,)


_CHANNELS_LAST = {'torch.channels_last': (4, (0, 2, 3, 1), (0, 3, 1, 2)),
                  'torch.channels_last_3d': (5, (0, 2, 3, 4, 1), (0, 4, 1, 2, 3))}


def channels_last_copy(a, memory_format):
    """A copy of array ``a`` laid out channels-last (N, H, W, C in memory; N, D, H, W, C for 3-D),
    seen in a's (N, C, ...) order: what torch's channels_last tensors hold."""
    nd, to_last, back = _CHANNELS_LAST[memory_format]
    if a.ndim != nd:
        raise RuntimeError(f'required rank {nd} tensor to use {memory_format[6:]} format')
    return a.transpose(to_last).copy().transpose(back)


def keep_channels_last(src, out, fmts=('torch.channels_last', 'torch.channels_last_3d')):
    """``out`` (a tensor or a tuple of them), relaid channels-last when the input ``src`` suggests
    one of ``fmts``: torch's channels-last propagation through conv2d / batch_norm / pooling /
    interpolate. A contiguous input costs one flag check."""
    a = src._data
    if a.flags.c_contiguous or a.ndim not in (4, 5):
        return out
    fmt = suggest_memory_format(a)
    if fmt not in fmts:
        return out
    for t in (out if isinstance(out, tuple) else (out,)):
        if t._data.ndim == a.ndim:
            t._data = channels_last_copy(t._data, fmt)
    return out


def clone(input, *, memory_format=None):
    """A copy with its own memory, differentiable. It keeps the input's layout (torch's
    preserve_format: a transposed input gives a transposed copy) unless the input overlaps
    itself (an expanded tensor) or ``memory_format=torch.contiguous_format``;
    ``torch.channels_last`` (4-D) / ``torch.channels_last_3d`` (5-D) lay it out channels-last."""
    a = input._data
    if memory_format in _CHANNELS_LAST:
        r = channels_last_copy(a, memory_format)
    else:
        r = a.copy(order='C' if memory_format == 'torch.contiguous_format' or 0 in a.strides else 'K')
    t = _wrap(r, input.dtype, input._device)
    if _gm.enabled and input._rg:
        record(_clone_bw, t, (input,))
    return t


def contiguous(self, memory_format=None):
    if memory_format in _CHANNELS_LAST:
        return self if self.is_contiguous(memory_format=memory_format) else clone(self, memory_format=memory_format)
    if self._data.flags.c_contiguous:
        return self
    return clone(self, memory_format='torch.contiguous_format')


# ---------------------------------------------------------------- legacy constructors
class _LegacyMeta(type):
    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj.dtype is cls._dtype and obj._device.type == cls._devtype

    def __call__(cls, *args, device=None):
        dev = device if cls._devtype == 'cpu' else (device or 'cuda')
        return _legacy_new(Tensor, cls._dtype, args, dev, cls._devtype, typed=True)

    def __repr__(cls):
        return f"<class 'torch.{'cuda.' if cls._devtype == 'cuda' else ''}{cls.__name__}'>"


def _legacy_new(cls, dt, args, device, devtype='cpu', typed=False):
    """``Tensor(...)``/``FloatTensor(...)``: no args (empty), sizes (uninitialised), a tensor
    (an alias of it), or data."""
    if device is not None:
        want = device if isinstance(device, _devcls) else _devcls(device)
        if want.type != devtype:
            raise RuntimeError(f'legacy constructor expects device type: {devtype} but device type: {want.type} '
                               f'was passed')
    dev = as_device(device) if device is not None else CPU    # legacy types are CPU types
    if len(args) == 0:
        return _wrap(_on(np.empty((0,), dt.np), dev), dt, dev)
    if len(args) == 1 and isinstance(args[0], Tensor):
        src = args[0]
        if typed and (src.dtype is not dt or src._device.type != devtype):
            # torch compares dtype and backend (so a CUDA tensor is refused by a CPU type, and back)
            raise TypeError(f'expected {_options(dt, devtype)} (got {_options(src.dtype, str(src._device))})')
        return src[...]
    if len(args) == 1 and isinstance(args[0], Size) or \
            all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in args):
        shape = parse_size(args, 'new')
        return _wrap(_on(np.zeros(shape, dt.np), dev), dt, dev)
    if len(args) == 1:
        a = args[0]
        if isinstance(a, (list, tuple, np.ndarray)):
            arr, src_dt = _infer(a)
            if dt._cat == 1 and src_dt is not dt and not isinstance(a, np.ndarray):
                _check_overflow(arr, dt)
            return _wrap(_on(np.array(arr, dtype=dt.np), dev), dt, dev)
        raise TypeError(f'new(): data must be a sequence (got {type(a).__name__})')
    bad = next(a for a in args if not isinstance(a, (int, np.integer)) or isinstance(a, bool))
    raise TypeError(f"new(): argument 'size' failed to unpack the object at pos {args.index(bad) + 1} with error "
                    f'"type must be tuple of ints,but got {type(bad).__name__}"')


def _options(dt, device):
    """torch's printed TensorOptions, as its legacy constructors name them in errors."""
    from ._core import meta_name
    name = meta_name(dt)
    return (f'TensorOptions(dtype={name}, device={device}, layout=Strided, requires_grad=false (default), '
            'pinned_memory=false (default), memory_format=(nullopt))')


def _legacy(name, dt, devtype='cpu', meta=_LegacyMeta):
    # (torch's legacy types also answer dtype, is_cuda, is_sparse and layout as class attributes)
    return meta(name, (), {'_dtype': dt, '_devtype': devtype, 'dtype': dt, 'is_cuda': devtype == 'cuda',
                                  'is_sparse': False, 'layout': 'torch.strided'})


FloatTensor = _legacy('FloatTensor', D.float32)
DoubleTensor = _legacy('DoubleTensor', D.float64)
HalfTensor = _legacy('HalfTensor', D.float16)
BFloat16Tensor = _legacy('BFloat16Tensor', D.bfloat16)
LongTensor = _legacy('LongTensor', D.int64)
IntTensor = _legacy('IntTensor', D.int32)
ShortTensor = _legacy('ShortTensor', D.int16)
CharTensor = _legacy('CharTensor', D.int8)
ByteTensor = _legacy('ByteTensor', D.uint8)
BoolTensor = _legacy('BoolTensor', D.bool_)
LEGACY = [FloatTensor, DoubleTensor, HalfTensor, BFloat16Tensor, LongTensor, IntTensor, ShortTensor, CharTensor, ByteTensor, BoolTensor]
_LEGACY_BY_NAME = {c.__name__: c._dtype for c in LEGACY}
