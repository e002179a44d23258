"""A stand-in for CuPy on machines without a GPU, for testing ember's CUDA routing on the CPU.

Arrays here wrap NumPy arrays but behave like CuPy's where it matters to ember: they are not
``numpy.ndarray`` instances, they refuse implicit conversion to NumPy (``numpy.asarray(a)``
raises TypeError, as CuPy's do), a NumPy array mixed into an op with them raises TypeError,
reductions return 0-d arrays rather than scalars, and every array draws its memory from the
allocator installed with ``cupy.cuda.set_allocator`` (so ember's caching allocator is exercised).
NumPy functions dispatch to them through ``__array_function__``/``__array_ufunc__``, as with CuPy.

Enabled by ``EMBER_FAKE_CUDA=1`` (tests/conftest.py puts this folder first on sys.path). It is a
test fixture, never part of ember.
"""
import weakref as _weakref
import numpy as _np
from numpy.lib.mixins import NDArrayOperatorsMixin as _Mixin

from . import cuda  # noqa: E402  (the device, streams, events and the allocator hook)

_CONVERTERS = {'asarray', 'array', 'asanyarray', 'ascontiguousarray'}
_owners = {}       # id(root NumPy array) -> (weakref to it, the MemoryPointer that "holds" it)


def _unsupported(x):
    return TypeError(f'Unsupported type {type(x)}')


def _foreign(x):
    """A duck array of another library (ember.compile's traced values): CuPy's functions refuse it
    ("Unsupported type"), and its NumPy protocols return NotImplemented so that the other library gets its turn."""
    t = type(x)
    return t is not ndarray and t is not _np.ndarray and hasattr(t, '__array_ufunc__')


def _any_foreign(xs):
    for x in xs:
        t = type(x)
        if (t is tuple or t is list) and _any_foreign(x):
            return True
        if _foreign(x):
            return True
    return False


def _unwrap(x):
    """Inner NumPy data of fake arrays; NumPy arrays and other libraries' duck arrays are refused,
    as CuPy refuses them."""
    t = type(x)
    if t is ndarray:
        return x._a
    if t is _np.ndarray or _foreign(x):
        raise _unsupported(x)
    if t is tuple or t is list:
        return t(_unwrap(v) for v in x)
    if t is dict:
        return {k: _unwrap(v) for k, v in x.items()}
    return x


def _wrap(r):
    t = type(r)
    if t is _np.ndarray:
        return ndarray._of(r)
    if isinstance(r, _np.generic):
        return ndarray._of(_np.asarray(r))
    if t is tuple or t is list:
        return t(_wrap(v) for v in r)
    if isinstance(r, tuple):            # NumPy's named results (SlogdetResult, QRResult, ...)
        return t(*[_wrap(v) for v in r])
    return r


def _root(a):
    """The array that owns ``a``'s memory (through views and as_strided's DummyArray bases)."""
    while True:
        b = a.base
        if isinstance(b, _np.ndarray):
            a = b
        elif b is not None and isinstance(getattr(b, 'base', None), _np.ndarray):
            a = b.base
        else:
            return a


def _account(a):
    """Charge the array's root buffer to the installed allocator once, for as long as it lives."""
    root = _root(a)
    key = id(root)
    held = _owners.get(key)
    if held is not None and held[0]() is root:
        return held[1]
    mem = cuda.memory._alloc(root.nbytes)
    _owners[key] = (_weakref.ref(root, lambda r, k=key: _owners.pop(k, None)), mem)
    return mem


class ndarray(_Mixin):
    __slots__ = ('_a', '_mem', '__weakref__')
    __array_priority__ = 100

    def __init__(self, shape, dtype=float, memptr=None, strides=None, order='C'):
        self._a = _np.empty(shape, dtype=dtype, order=order)
        self._mem = _account(self._a)

    @classmethod
    def _of(cls, a):
        self = object.__new__(cls)
        self._a = a
        self._mem = _account(a)
        return self

    # -- the NumPy protocols
    def __array__(self, dtype=None, copy=None):
        raise TypeError('Implicit conversion to a NumPy array is not allowed. Please use `.get()` to construct a '
                        'NumPy array explicitly.')

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        out = kwargs.get('out')
        if _any_foreign(inputs) or (out is not None and _any_foreign(out)):
            return NotImplemented
        res = getattr(ufunc, method)(*_unwrap(inputs), **_unwrap(kwargs))
        if out is not None:
            return out[0] if len(out) == 1 else out
        return _wrap(res)

    def __array_function__(self, func, types, args, kwargs):
        if any(t is not ndarray and t is not _np.ndarray for t in types):
            return NotImplemented
        out = kwargs.get('out')
        res = func(*_unwrap(args), **_unwrap(kwargs))
        if out is not None and type(out) is ndarray:
            return out
        return _wrap(res)

    # -- attributes and methods: delegated, with arrays wrapped
    def __getattr__(self, name):
        if name in ('__array_interface__', '__array_struct__', 'ctypes', 'tofile'):
            raise AttributeError(f"'cupy.ndarray' object has no attribute '{name}'")
        v = getattr(self._a, name)
        if callable(v):
            def method(*args, **kwargs):
                return _wrap(v(*_unwrap(args), **_unwrap(kwargs)))
            return method
        return _wrap(v) if type(v) is _np.ndarray else v

    @property
    def data(self):
        """The allocator's pointer plus this view's offset into its root buffer."""
        root = _root(self._a)
        off = self._a.__array_interface__['data'][0] - root.__array_interface__['data'][0]
        mem = self._mem
        return cuda.memory.MemoryPointer(mem.mem, off) if mem is not None else None

    @property
    def device(self):
        return cuda.Device(0)

    @property
    def base(self):
        b = self._a.base
        return ndarray._of(b) if type(b) is _np.ndarray else None

    def get(self, stream=None, order='C', out=None):
        # as CuPy's (Cython) get: a host buffer from numpy.empty, then a copy through its pointer
        host = _np.empty(self._a.shape, dtype=self._a.dtype, order=order) if out is None else out
        host.ctypes.data
        _np.copyto(host, self._a)
        return host

    def set(self, arr, stream=None):
        self._a[...] = arr

    # CuPy reads values on the host through get() (and so through numpy.empty)
    def item(self, *args):
        return self.get().item(*args)

    def tolist(self):
        return self.get().tolist()

    # -- in-place operators: CuPy runs its kernel at once (no NumPy dispatch), so another library's
    # duck array on the right is refused ("Unsupported type"), as is any non-scalar object
    def _inplace(self, ufunc, other):
        if type(other) in _PY_SCALARS:
            _c_scalar(other)
        ufunc(self._a, _unwrap(other), out=self._a)
        return self

    def __iadd__(self, other):
        return self._inplace(_np.add, other)

    def __isub__(self, other):
        return self._inplace(_np.subtract, other)

    def __imul__(self, other):
        return self._inplace(_np.multiply, other)

    def __itruediv__(self, other):
        return self._inplace(_np.true_divide, other)

    def __ifloordiv__(self, other):
        return self._inplace(_np.floor_divide, other)

    def __imod__(self, other):
        return self._inplace(_np.remainder, other)

    def __ipow__(self, other):
        return self._inplace(_np.power, other)

    def __iand__(self, other):
        return self._inplace(_np.bitwise_and, other)

    def __ior__(self, other):
        return self._inplace(_np.bitwise_or, other)

    def __ixor__(self, other):
        return self._inplace(_np.bitwise_xor, other)

    def __ilshift__(self, other):
        return self._inplace(_np.left_shift, other)

    def __irshift__(self, other):
        return self._inplace(_np.right_shift, other)

    # -- container protocol
    def __getitem__(self, key):
        return _wrap(self._a[_unwrap(key)])

    def __setitem__(self, key, value):
        self._a[_unwrap(key)] = _unwrap(value)

    def __len__(self):
        return len(self._a)

    def __iter__(self):
        for v in self._a:
            yield _wrap(v)

    def __bool__(self):
        return bool(self.get())

    def __int__(self):
        return int(self.get())

    def __float__(self):
        return float(self.get())

    def __complex__(self):
        return complex(self.get())

    def __repr__(self):
        return repr(self._a)

    def __str__(self):
        return str(self._a)

    def __format__(self, spec):
        return format(self._a, spec)

    def __copy__(self):
        return ndarray._of(self._a.copy())

    def __deepcopy__(self, memo):
        return ndarray._of(self._a.copy())

    def __reduce__(self):
        return (_rebuild, (self._a.copy(),))

    __hash__ = None


def _rebuild(a):
    return ndarray._of(a)


def _same(a):
    """A fake array over ``a`` that shares its memory accounting (the same device buffer)."""
    return ndarray._of(a)


_PY_SCALARS = (bool, int, float, complex)


def _c_scalar(x):
    """As CuPy's CScalar: a Python scalar argument of a kernel is read through numpy."""
    s = _np.asarray(x)
    if type(s) is not _np.ndarray:
        raise TypeError(f'Unsupported type {type(s)}')
    return s


class _Function:
    """A NumPy function used as a CuPy one: fake arrays unwrapped, NumPy arrays refused."""
    __slots__ = ('_f', '_convert')

    def __init__(self, f, convert=False):
        self._f = f
        self._convert = convert

    def __call__(self, *args, **kwargs):
        for a in args:
            if type(a) in _PY_SCALARS:
                _c_scalar(a)
        if self._convert:
            host = bool(args) and type(args[0]) is _np.ndarray
            args = tuple(a._a if type(a) is ndarray else a for a in args)
            r = self._f(*args, **kwargs)
            if host and r is args[0]:
                r = r.copy()          # a host array handed over is copied to the "device"
            elif type(r) is _np.ndarray and args and r is args[0]:
                return _same(r)       # CuPy returns the same device array, no copy
            return _wrap(r)
        return _wrap(self._f(*_unwrap(args), **_unwrap(kwargs)))

    def __getattr__(self, name):      # ufunc methods: add.at, maximum.reduce, ...
        v = getattr(self._f, name)
        return _Function(v) if callable(v) else v


class _Namespace:
    def __init__(self, mod):
        self._mod = mod

    def __getattr__(self, name):
        v = getattr(self._mod, name)
        if isinstance(v, type) or not callable(v):
            return v
        return _Function(v)


def asnumpy(a, stream=None, order='C', out=None):
    if type(a) is ndarray:
        return _np.array(a._a, order=order)
    return _np.asarray(a, order=order)


def get_array_module(*args):
    import sys
    for a in args:
        if type(a) is ndarray:
            return sys.modules[__name__]
    return _np


linalg = _Namespace(_np.linalg)
fft = _Namespace(_np.fft)


class _Lib:
    stride_tricks = _Namespace(_np.lib.stride_tricks)


lib = _Lib()


class _RandomState:
    def __init__(self, seed=None):
        self._rs = _np.random.RandomState(None if seed is None else seed % 2 ** 32)

    def __getattr__(self, name):
        v = getattr(self._rs, name)
        if not callable(v):
            return v

        def method(*args, dtype=None, **kwargs):
            r = v(*_unwrap(args), **_unwrap(kwargs))
            if dtype is not None and isinstance(r, (_np.ndarray, _np.generic)):
                r = _np.asarray(r).astype(dtype)
            return _wrap(r)
        return method

    def seed(self, seed=None):
        self._rs.seed(None if seed is None else seed % 2 ** 32)


class _Random:
    RandomState = _RandomState

    def default_rng(self, seed=None):
        return _Namespace(_np.random.default_rng(seed))


random = _Random()


def __getattr__(name):
    v = getattr(_np, name)
    if isinstance(v, type) or not callable(v):
        return v
    return _Function(v, convert=name in _CONVERTERS)


__version__ = '0.0.0+fake'
