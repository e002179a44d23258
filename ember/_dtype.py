"""dtypes, their PyTorch names, and PyTorch's type-promotion rules.

Example:
    >>> ember.result_type(ember.tensor([1, 2]), 1.5)
    torch.float32
"""
import numpy as np

__all__ = ['dtype', 'get_default_dtype', 'set_default_dtype', 'promote_types', 'finfo', 'iinfo']


class dtype:
    """A tensor element type. Printed as PyTorch prints it (``torch.float32``) so that
    output of a program run on ember is identical to its output on PyTorch."""
    __slots__ = ('name', 'np', 'itemsize', 'is_floating_point', 'is_complex', 'is_signed', '_cat', '_legacy')

    def __init__(self, name, np_dtype, cat, legacy):
        self.name = name
        self.np = np.dtype(np_dtype)
        self.itemsize = 2 if name == 'bfloat16' else self.np.itemsize   # (bfloat16: stored as float32)
        self.is_floating_point = cat == 2
        self.is_complex = cat == 3      # (complex dtypes: category 3, above floating)
        self.is_signed = name not in ('bool', 'uint8')
        self._cat = cat          # 0 bool, 1 integer, 2 floating: the categories of promotion
        self._legacy = legacy    # the legacy tensor-type name: FloatTensor, LongTensor, ...

    def __repr__(self):
        return 'torch.' + self.name

    def __reduce__(self):
        return (_by_name, (self.name,))

    def to_real(self):
        return _TO_REAL.get(self, self)

    def to_complex(self):
        c = _TO_COMPLEX.get(self)
        if c is None:
            raise RuntimeError(f'Unknown Complex ScalarType for {self.name.capitalize()}')
        return c

    @property
    def is_signed_(self):
        return self.is_signed


bool_ = dtype('bool', np.bool_, 0, 'BoolTensor')
uint8 = dtype('uint8', np.uint8, 1, 'ByteTensor')
int8 = dtype('int8', np.int8, 1, 'CharTensor')
int16 = dtype('int16', np.int16, 1, 'ShortTensor')
int32 = dtype('int32', np.int32, 1, 'IntTensor')
int64 = dtype('int64', np.int64, 1, 'LongTensor')
float16 = dtype('float16', np.float16, 2, 'HalfTensor')
float32 = dtype('float32', np.float32, 2, 'FloatTensor')
float64 = dtype('float64', np.float64, 2, 'DoubleTensor')
# bfloat16 is emulated: a float32 array whose values are all bfloat16 values (ember/_bf16.py rounds
# every result made for it); it reports torch's 2 bytes per element
bfloat16 = dtype('bfloat16', np.float32, 2, 'BFloat16Tensor')
complex64 = dtype('complex64', np.complex64, 3, 'ComplexFloatTensor')
complex128 = dtype('complex128', np.complex128, 3, 'ComplexDoubleTensor')
_TO_REAL = {complex64: float32, complex128: float64}
_TO_COMPLEX = {float32: complex64, float64: complex128, complex64: complex64, complex128: complex128}

ALL = (bool_, uint8, int8, int16, int32, int64, float16, float32, float64, complex64, complex128)
_NAMES = {d.name: d for d in ALL}
_NAMES['bfloat16'] = bfloat16       # (not in ALL: _FROM_NP keeps float32 -> float32)
_ALIASES = {'float': float32, 'double': float64, 'half': float16, 'long': int64, 'int': int32,
            'short': int16, 'bool': bool_, 'cfloat': complex64, 'cdouble': complex128}
_FROM_NP = {d.np: d for d in ALL}


class finfo:
    """``torch.finfo(dtype)``: the limits of a floating dtype (the default dtype without one), as
    Python floats; printed as torch prints it."""

    def __init__(self, type=None):
        d = _default[0] if type is None else type
        if isinstance(d, dtype) and d._cat == 3:       # (torch: the limits of the real part's dtype)
            d = d.to_real()
        if not isinstance(d, dtype) or d._cat != 2:
            raise TypeError("torch.finfo() requires a floating point input type. Use torch.iinfo to handle "
                            "'torch.finfo'")
        f = np.finfo(d.np)
        self.bits = d.itemsize * 8
        self.eps, self.max, self.min = float(f.eps), float(f.max), float(f.min)
        self.tiny = self.smallest_normal = float(f.smallest_normal)
        self.resolution = float(10.0 ** -f.precision)
        if d is bfloat16:
            self.eps, self.max, self.min, self.resolution = 2.0 ** -7, 3.3895313892515355e+38, -3.3895313892515355e+38, 0.01
        self.dtype = d.name

    def __eq__(self, other):
        return isinstance(other, finfo) and self.dtype == other.dtype

    def __hash__(self):
        return hash(('finfo', self.dtype))

    def __repr__(self):
        return (f'finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, '
                f'smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})')


class iinfo:
    """``torch.iinfo(dtype)``: the limits of an integer dtype, as Python ints."""

    def __init__(self, type):
        if isinstance(type, dtype) and type._cat == 0:
            raise TypeError('torch.bool is not supported by torch.iinfo')
        if not isinstance(type, dtype) or type._cat != 1:
            raise TypeError("torch.iinfo() requires an integer input type. Use torch.finfo to handle 'torch.iinfo'")
        i = np.iinfo(type.np)
        self.bits, self.min, self.max, self.dtype = type.itemsize * 8, int(i.min), int(i.max), type.name

    def __eq__(self, other):
        return isinstance(other, iinfo) and self.dtype == other.dtype

    def __hash__(self):
        return hash(('iinfo', self.dtype))

    def __repr__(self):
        return f'iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})'


def _by_name(name):
    return _NAMES[name]


def from_numpy_dtype(npd):
    """The ember dtype of a NumPy dtype, or TypeError as torch.from_numpy raises."""
    d = _FROM_NP.get(npd)
    if d is None:
        # (torch names the NumPy scalar type: numpy.object_, numpy.str_ for a DataFrame's .values)
        raise TypeError(f"can't convert np.ndarray of type numpy.{np.dtype(npd).type.__name__}. The only "
                        "supported types are: float64, float32, float16, complex64, complex128, int64, int32, "
                        "int16, int8, uint64, uint32, uint16, uint8, and bool.")
    return d


_default = [float32]


def default_complex_dtype():
    """The complex dtype Python complex numbers stand for: complex128 when the default dtype is
    float64, else complex64 (torch's default complex dtype)."""
    return complex128 if _default[0] is float64 else complex64


def get_default_dtype():
    return _default[0]


def set_default_dtype(d):
    if not isinstance(d, dtype):
        raise TypeError('invalid dtype object: only floating-point types are supported as the default type')
    if not d.is_floating_point:
        raise TypeError('only floating-point types are supported as the default type')
    _default[0] = d


_ORDER = {bool_: 0, uint8: 1, int8: 1, int16: 2, int32: 3, int64: 4, float16: 5, float32: 6, float64: 7,
          bfloat16: 5}


def promote_types(a, b):
    """PyTorch's promoteTypes for two dtypes (uint8 with int8 gives int16)."""
    if a is b:
        return a
    if a is bool_:
        return b
    if b is bool_:
        return a
    if {a, b} == {uint8, int8}:
        return int16
    if {a, b} == {float16, bfloat16}:
        return float32
    try:
        return a if _ORDER[a] >= _ORDER[b] else b
    except KeyError:        # a complex dtype (not in _ORDER): complex of the wider floating part
        pass
    ra = a.to_real() if a._cat == 3 else (a if a._cat == 2 else float32)
    rb = b.to_real() if b._cat == 3 else (b if b._cat == 2 else float32)
    return (complex128 if float64 in (ra, rb) else complex64)


def _combine(higher, lower):
    # torch's combine_categories: a lower-priority operand matters only if it is of a
    # higher category (bool < integer < floating) than the higher-priority result.
    if higher is None:
        return lower
    if lower is None or higher._cat >= 2 and lower._cat <= higher._cat:
        return higher
    if lower._cat == 3 and higher._cat == 2:       # a complex number with a floating tensor: its precision
        return _TO_COMPLEX.get(higher, complex64)
    if higher is bool_ or lower._cat >= 2:
        return promote_types(higher, lower)
    return higher


def scalar_dtype(x):
    """The dtype a Python scalar stands for in promotion (floats: the default dtype)."""
    t = type(x)
    if t is bool or t is np.bool_:
        return bool_
    if t is int or isinstance(x, np.integer):
        return int64
    if t is float or isinstance(x, np.floating):
        return _default[0]
    if t is complex or isinstance(x, np.complexfloating):
        return default_complex_dtype()
    raise TypeError(f'unsupported scalar type {t.__name__}')


_cache = {}


def result_type_of(dim_dtypes, zero_dtypes, scalar_dtypes):
    """torch.result_type over three priority groups: tensors with dims, 0-d tensors, scalars."""
    key = (tuple(dim_dtypes), tuple(zero_dtypes), tuple(scalar_dtypes), _default[0])
    r = _cache.get(key)
    if r is None:
        def fold(ds):
            out = None
            for d in ds:
                out = d if out is None else promote_types(out, d)
            return out
        r = _combine(fold(dim_dtypes), _combine(fold(zero_dtypes), fold(scalar_dtypes)))
        _cache[key] = r
    return r
