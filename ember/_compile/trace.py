"""Recording a call at the array level: every backend-array operation that ember's ops perform.

While a call is recorded, the arrays inside tensors are :class:`Value` objects: duck arrays that
wrap the real array and implement NumPy's dispatch protocols (``__array_ufunc__`` and
``__array_function__``), the operators and the array methods. Each operation runs for real on the
wrapped arrays (so the recorded call computes its true result) and is appended to the tape as an
instruction. Whatever a Value cannot follow stops the recording instead of being baked into it:
converting a Value into a plain array (``np.asarray(v)``, ``plain[i] = v``) raises
:class:`TraceError`, an unknown attribute raises AttributeError, and a Python number read from a
Value (``float(v)``, ``bool(v)``, ``v.item()``) becomes a *guard*: the replay recomputes it and
falls back to eager execution when it differs.

How tensors are found: ``Tensor._data`` (a slot) is replaced for the duration of the recording by a
property. Reading the array of a tensor that existed before the call makes that tensor an input of
the program (bound by identity: parameters, buffers, optimizer state; or by position for the
call's own arguments); storing an array into such a tensor is a recorded effect; tensors made
during the call are followed so that any that outlives the call without being accounted for
(an untracked Python side effect, e.g. an optimizer creating its state) is detected.

Random draws (``ember._random._gen``) are recorded as instructions, so a replay draws fresh
numbers from the same generator.

Example (what ember._compile does around a call):
    >>> tr = Tracer(); _activate(tr); out = fn(x); _deactivate(tr)    # tr.tape: the instructions
"""
import operator
import sys
import types
import weakref

import numpy as np

from .. import _backend
from .._tensor import Tensor

_ND = np.ndarray
_ACTIVE = None          # the Tracer recording now, or None


class TraceError(Exception):
    """The call did something a recording cannot follow; it runs eagerly instead."""


class GuardFailed(Exception):
    """A replay computed a Python value different from the recorded one."""


def _is_array(x):
    return type(x) is _ND or isinstance(x, np.generic) or _backend.is_device_array(x)


class Value:
    """A traced array: the real array ``a`` and its number ``id`` in the tape."""
    __slots__ = ('a', 'id', '__weakref__')
    __array_priority__ = 10000

    def __init__(self, a, id):
        self.a = a
        self.id = id

    def __repr__(self):
        return f'Value(v{self.id}, shape={self.a.shape}, dtype={self.a.dtype})'

    # structure: fixed for a recording (input shapes, dtypes and strides are guarded)
    shape = property(lambda s: s.a.shape)
    dtype = property(lambda s: s.a.dtype)
    ndim = property(lambda s: s.a.ndim)
    size = property(lambda s: s.a.size)
    itemsize = property(lambda s: s.a.itemsize)
    nbytes = property(lambda s: s.a.nbytes)
    strides = property(lambda s: s.a.strides)
    flags = property(lambda s: s.a.flags)

    def __len__(self):
        return len(self.a)

    def __iter__(self):
        return (self[i] for i in range(len(self.a)))

    # dispatch
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        fn = ufunc if method == '__call__' else getattr(ufunc, method)
        return _tracer().call(fn, inputs, kwargs, writes=_ufunc_writes(method, kwargs))

    def __array_function__(self, func, arg_types, args, kwargs):
        return _tracer().call(func, args, kwargs, writes=_function_writes(func, args, kwargs))

    def __array__(self, dtype=None, copy=None):
        if _ACTIVE is None:
            return self.a if dtype is None else self.a.astype(dtype, copy=False)
        raise TraceError('a traced array was turned into a plain array (an operation ember.compile '
                         'cannot follow)')

    # Python values read from data: guards
    def __bool__(self):
        return _tracer().convert(self, bool)

    def __float__(self):
        return _tracer().convert(self, float)

    def __int__(self):
        return _tracer().convert(self, int)

    def __index__(self):
        return _tracer().convert(self, operator.index)

    def __complex__(self):
        return _tracer().convert(self, complex)

    def item(self, *args):
        return _tracer().convert(self, _item if not args else _Method('item', args))

    def tolist(self):
        return _tracer().convert(self, _tolist)

    # indexing
    def __getitem__(self, idx):
        return _tracer().call(operator.getitem, (self, idx), {})

    def __setitem__(self, idx, value):
        _tracer().call(operator.setitem, (self, idx, value), {}, writes=True)


def _item(a):
    return a.item()


def _tolist(a):
    return a.tolist()


class _Method:
    """A call of an array method by name (replayed as ``x.name(*args)``)."""
    __slots__ = ('name', 'args')

    def __init__(self, name, args=()):
        self.name, self.args = name, args

    def __call__(self, x, *args, **kwargs):
        return getattr(x, self.name)(*(self.args + args), **kwargs)

    def __repr__(self):
        return f'.{self.name}'


_METHOD_CACHE = {}

# array methods that return new arrays or views (or numbers, which become guards)
_PURE_METHODS = ('reshape', 'transpose', 'astype', 'sum', 'mean', 'max', 'min', 'prod', 'std', 'var',
                 'any', 'all', 'argmax', 'argmin', 'cumsum', 'cumprod', 'copy', 'ravel', 'flatten',
                 'squeeze', 'swapaxes', 'view', 'clip', 'round', 'conj', 'conjugate', 'dot', 'repeat',
                 'take', 'diagonal', 'trace', 'nonzero', 'argsort', 'compress', 'searchsorted',
                 'ptp', '__copy__', '__deepcopy__', 'byteswap', 'choose', 'getfield')
# array methods that write into the array
_WRITING_METHODS = ('fill', 'sort', 'partition', 'put', 'itemset', 'setfield', 'resize')


def _make_method(name, writes):
    m = _METHOD_CACHE.setdefault(name, _Method(name))

    def method(self, *args, **kwargs):
        return _tracer().call(m, (self,) + args, kwargs, writes=writes)
    method.__name__ = name
    return method


for _n in _PURE_METHODS:
    setattr(Value, _n, _make_method(_n, False))
for _n in _WRITING_METHODS:
    setattr(Value, _n, _make_method(_n, True))
Value.T = property(lambda s: _tracer().call(_METHOD_CACHE.setdefault('T', _Attr('T')), (s,), {}))
Value.mT = property(lambda s: _tracer().call(_METHOD_CACHE.setdefault('mT', _Attr('mT')), (s,), {}))
Value.real = property(lambda s: _tracer().call(_METHOD_CACHE.setdefault('real', _Attr('real')), (s,), {}))
Value.imag = property(lambda s: _tracer().call(_METHOD_CACHE.setdefault('imag', _Attr('imag')), (s,), {}))


class _Attr:
    """Reading an array attribute that is itself an array (``x.T``)."""
    __slots__ = ('name',)

    def __init__(self, name):
        self.name = name

    def __call__(self, x):
        return getattr(x, self.name)

    def __repr__(self):
        return f'.{self.name}'


def _binary(ufunc):
    def op(self, other):
        return ufunc(self, other)

    def rop(self, other):
        return ufunc(other, self)

    def iop(self, other):
        ufunc(self, other, out=(self,))
        return self
    return op, rop, iop


for _name, _uf in (('add', np.add), ('sub', np.subtract), ('mul', np.multiply), ('truediv', np.true_divide),
                   ('floordiv', np.floor_divide), ('mod', np.remainder), ('pow', np.power),
                   ('matmul', np.matmul), ('and', np.bitwise_and), ('or', np.bitwise_or),
                   ('xor', np.bitwise_xor), ('lshift', np.left_shift), ('rshift', np.right_shift)):
    _op, _rop, _iop = _binary(_uf)
    setattr(Value, f'__{_name}__', _op)
    setattr(Value, f'__r{_name}__', _rop)
    setattr(Value, f'__i{_name}__', _iop)
for _name, _uf in (('lt', np.less), ('le', np.less_equal), ('gt', np.greater), ('ge', np.greater_equal),
                   ('eq', np.equal), ('ne', np.not_equal)):
    setattr(Value, f'__{_name}__', _binary(_uf)[0])
Value.__hash__ = object.__hash__
Value.__neg__ = lambda s: np.negative(s)
Value.__pos__ = lambda s: np.positive(s)
Value.__abs__ = lambda s: np.absolute(s)
Value.__invert__ = lambda s: np.invert(s)


def _ufunc_writes(method, kwargs):
    return method == 'at' or kwargs.get('out') is not None


# NumPy functions that write into one of their arguments
_WRITING_FUNCTIONS = {np.copyto, np.put, np.put_along_axis, np.place, np.putmask, np.fill_diagonal}


def _function_writes(func, args, kwargs):
    return func in _WRITING_FUNCTIONS or kwargs.get('out') is not None


# ---------------------------------------------------------------------------------------------
class Ref:
    """A placeholder for value ``id`` in a recorded instruction's arguments."""
    __slots__ = ('id',)

    def __init__(self, id):
        self.id = id

    def __repr__(self):
        return f'v{self.id}'


class Instr:
    """One recorded operation: ``outs = fn(*args, **kwargs)``.

    ``out``: None (no array result), an int (one value), or a tuple of ints / None (a tuple result).
    ``kind``: 'call', 'guard' (``convert(value) == expected``), 'source' (a random draw),
    'copy' (a fresh copy of a constant: a plain array that the call wrote into).
    """
    __slots__ = ('kind', 'fn', 'args', 'kwargs', 'out', 'writes', 'expected', 'uses')

    def __init__(self, kind, fn, args, kwargs, out, writes=False, expected=None):
        self.kind, self.fn, self.args, self.kwargs, self.out = kind, fn, args, kwargs, out
        self.writes, self.expected = writes, expected
        self.uses = []
        _collect_refs(args, self.uses)
        _collect_refs(kwargs, self.uses)

    def outs(self):
        o = self.out
        if o is None:
            return ()
        if type(o) is int:
            return (o,)
        return tuple(i for i in o if i is not None)


def _collect_refs(x, acc):
    t = type(x)
    if t is Ref:
        acc.append(x.id)
    elif t is tuple or t is list:
        for y in x:
            _collect_refs(y, acc)
    elif t is dict:
        for y in x.values():
            _collect_refs(y, acc)
    elif t is slice:
        _collect_refs((x.start, x.stop, x.step), acc)


class _Ext:
    """A tensor that existed before the call and whose array the call read or replaced."""
    __slots__ = ('tensor', 'value', 'orig', 'snapshot', 'arg')

    def __init__(self, tensor, value, orig, arg):
        self.tensor, self.value, self.orig, self.arg = tensor, value, orig, arg
        self.snapshot = None


class Tracer:
    """The tape of one recorded call (see the module docstring)."""

    def __init__(self):
        self.tape = []              # list of Instr
        self.nvalues = 0
        self.depth = 0
        self.values = {}            # id -> Value, for every value (the real arrays of the recording)
        self.inputs = []            # value ids bound at replay: ('arg', path) or ('ext', tensor)
        self.ext = {}               # id(tensor) -> _Ext
        self.lifted = {}            # id(plain array) -> (array, Value) for constants written with traced data
        self.frozen = {}            # id(plain array) -> (array, copy): constants as instructions read them
        self.created = []           # weakrefs to tensors made during the call
        self.created_ids = set()
        self.grad_sets = {}         # id(tensor) -> (tensor, old _grad, new _grad) for external tensors
        self.grad_reads = {}        # id(tensor) -> (tensor, its .grad when first read) for external tensors
        self.data_sets = {}         # id(tensor) -> tensor for external tensors whose _data was replaced
        self.modules = {}           # id -> module called during the recording
        self.optimizers = {}        # id -> optimizer stepped during the recording
        self.backward_runs = 0

    # -- values
    def new_value(self, a):
        v = Value(a, self.nvalues)
        self.values[self.nvalues] = v
        self.nvalues += 1
        return v

    def arg_input(self, tensor, key):
        """The value for a tensor argument of the call (bound by position ``key`` at replay)."""
        e = self.ext.get(id(tensor))
        if e is not None:
            return e.value
        return self._register(tensor, _SLOT.__get__(tensor, Tensor), key)

    def external(self, tensor, a):
        """The value for tensor ``tensor`` (made before the call) whose array ``a`` is read."""
        if not _is_array(a):
            return a
        return self._register(tensor, a, None)

    def _register(self, tensor, a, key):
        """A program input for a tensor that existed before the call: its array is copied (to put
        back if the recording fails) and, for the call, replaced by a Value."""
        ex = tensor._extra
        if ex and any('hook' in k for k in ex):
            # stop at once: the call then runs eagerly once, its hooks too (a recording finished
            # before refusing would have run them a second time)
            raise TraceError('a tensor with hooks')
        v = self.new_value(a)
        e = self.ext[id(tensor)] = _Ext(tensor, v, a, key)
        e.snapshot = _snapshot(a)
        self.inputs.append((v.id, 'ext', tensor) if key is None else (v.id, 'arg', key))
        _SLOT.__set__(tensor, v)
        return v

    # -- recording
    def _sub(self, x, found):
        """``x`` with Values replaced by Refs (and lifted constants by theirs); ``found`` collects
        the Values, ``plain`` arrays are collected in found[1] for write detection."""
        t = type(x)
        if t is Value:
            if self.values.get(x.id) is not x:
                # a value of an earlier recording that some cache kept: a constant here
                found[1].append(x.a)
                return x.a
            found[0].append(x)
            return Ref(x.id)
        if t is _ND or (t is not int and t is not float and t is not bool and t is not str and x is not None
                        and _backend.is_device_array(x)):
            got = self.lifted.get(id(x))
            if got is not None and got[0] is x:
                found[0].append(got[1])
                return Ref(got[1].id)
            found[1].append(x)
            return x
        if t is tuple or t is list:
            r = [self._sub(y, found) for y in x]
            return tuple(r) if t is tuple else r
        if t is dict:
            return {k: self._sub(y, found) for k, y in x.items()}
        if t is slice and (type(x.start) is Value or type(x.stop) is Value or type(x.step) is Value):
            raise TraceError('a slice bound taken from a traced array')
        return x

    def call(self, fn, args, kwargs, writes=False, force=False):
        found = ([], [])
        targs = self._sub(args, found)
        tkw = self._sub(kwargs, found) if kwargs else {}
        values, plain = found
        if not values and not force:
            # constants only: computed now, folded into the program (what fn calls is not recorded)
            self.depth += 1
            try:
                return fn(*args, **kwargs)
            finally:
                self.depth -= 1
        snaps = [(p, self._frozen(p)) for p in plain] if plain else ()
        full = fn is not operator.setitem and kwargs.get('out') is not None and 'where' not in kwargs
        rargs = _unwrap(args, self)
        rkw = _unwrap(kwargs, self) if kwargs else {}
        self.depth += 1             # NumPy's own calls inside fn are not recorded
        try:
            r = fn(*rargs, **rkw)
        finally:
            self.depth -= 1
        # a plain array (a constant of the program) that this call changed with traced data must be
        # made afresh at every replay: it is "lifted" to a value copied from its contents before
        for p, s in snaps:
            if _same(p, s):
                # a constant: the program keeps its contents as of this call (the array itself may
                # change later, in this call or after it)
                targs = _replace(targs, p, s)
                tkw = _replace(tkw, p, s)
            else:
                if p.base is not None:
                    raise TraceError('traced data written into a view of a plain array')
                v = self.new_value(p)
                # an out= target is overwritten whole: only its shape and dtype matter
                self.tape.append(Instr('copy', _fresh_empty if full else _fresh_copy, (s,), {}, v.id))
                self.lifted[id(p)] = (p, v)
                targs = _replace(targs, p, Ref(v.id))
                tkw = _replace(tkw, p, Ref(v.id))
                writes = True
        if not writes and not force and not isinstance(r, np.generic):
            # gave back its argument (asarray, astype(copy=False)): a no-op. (Not for NumPy scalars:
            # np.True_ is one object, so `a & b` can "give back" its argument and still compute.)
            for v in values:
                if v.a is r:
                    return v
        guards = []
        out = self._wrap_result(r, values, guards)
        kind = 'make' if not values and not writes else 'call'     # an array made from constants
        self.tape.append(Instr(kind, fn, targs, tkw, _out_ids(out, guards), writes=writes))
        if values and _dynamic_shape(fn, args):
            # a shape that depends on the data (boolean masks, nonzero, unique, bincount): the
            # replay checks it, since the code after it (and the program's buffers) assume it
            for o in (out if type(out) in (tuple, list) else (out,)):
                if type(o) is Value:
                    self.tape.append(Instr('guard', _shape_of, (Ref(o.id),), {}, None, expected=o.a.shape))
        for vid, num in guards:
            self.tape.append(Instr('guard', _identity, (Ref(vid),), {}, None, expected=num))
        return _plain_result(out) if guards else out

    def _frozen(self, p):
        """A copy of plain array ``p``'s contents now (one per distinct contents of one array)."""
        got = self.frozen.get(id(p))
        if got is not None and got[0] is p and _same(p, got[1]):
            return got[1]
        c = p.copy()
        self.frozen[id(p)] = (p, c)
        return c

    def _wrap_result(self, r, values, guards):
        if _is_array(r):
            if not isinstance(r, np.generic):
                for v in values:        # the call gave back one of its arguments (out=, asarray)
                    if v.a is r:
                        return v
            return self.new_value(r)
        t = type(r)
        if t is tuple or t is list:
            return t(self._wrap_result(y, values, guards) for y in r)
        if r is None:
            return None
        if t in (bool, int, float, complex):
            # a Python number computed from traced data (np.count_nonzero): recorded and guarded
            v = self.new_value(np.asarray(r))
            guards.append((v.id, r))
            return _Num(v.id, r)
        if t is np.dtype or t is str:
            return r
        raise TraceError(f'a traced operation returned {t.__name__}')

    def convert(self, v, conv):
        """A Python value read from traced value ``v``: recorded as a guard."""
        self.depth += 1             # (CuPy reads a value through numpy.empty: not recorded)
        try:
            r = conv(v.a)
        finally:
            self.depth -= 1
        self.tape.append(Instr('guard', conv, (Ref(v.id),), {}, None, expected=r))
        return r

    def source(self, fn, args, kwargs):
        """A random draw: a fresh one at every replay."""
        self.depth += 1
        try:
            r = fn(*args, **kwargs)
        finally:
            self.depth -= 1
        out = self._wrap_result(r, [], [])
        self.tape.append(Instr('source', fn, args, kwargs, _out_ids(out), writes=True))
        return out


_DYNAMIC_SHAPE = {'nonzero', 'flatnonzero', 'argwhere', 'unique', 'compress', 'extract', 'bincount', 'repeat',
                  'delete', 'insert', 'setdiff1d', 'intersect1d', 'union1d', 'setxor1d', 'trim_zeros',
                  'unique_values', 'unique_counts', 'unique_inverse', 'unique_all', 'histogram_bin_edges'}


def _dynamic_shape(fn, args):
    """Whether ``fn(*args)`` may give a result whose shape depends on the values of its inputs."""
    name = fn.name if type(fn) is _Method else getattr(fn, '__name__', '')
    if name in _DYNAMIC_SHAPE:
        return True
    if name == 'where':
        return len(args) == 1
    if fn is operator.getitem or fn is operator.setitem:       # an index with a boolean array
        idx = args[1] if len(args) > 1 else None
        for i in (idx if type(idx) is tuple else (idx,)):
            if type(i) is Value and i.a.dtype == np.bool_ and fn is operator.getitem:
                return True
    return False


def _shape_of(a):
    return a.shape


class _Num:
    """A Python number returned by a traced call, while its value id is being noted."""
    __slots__ = ('id', 'r')

    def __init__(self, id, r):
        self.id, self.r = id, r


def _identity(x):
    return x


def _out_ids(out, guards=()):
    t = type(out)
    if t is Value or t is _Num:
        return out.id
    if t is tuple or t is list:
        return tuple(o.id if type(o) in (Value, _Num) else None for o in out)
    return None


def _plain_result(out):
    """The call's result as its caller sees it (numbers as numbers)."""
    t = type(out)
    if t is _Num:
        return out.r
    if (t is tuple or t is list) and any(type(o) is _Num for o in out):
        return t(o.r if type(o) is _Num else o for o in out)
    return out


def _unwrap(x, tracer):
    t = type(x)
    if t is Value:
        return x.a
    if t is tuple or t is list:
        r = [_unwrap(y, tracer) for y in x]
        return tuple(r) if t is tuple else r
    if t is dict:
        return {k: _unwrap(y, tracer) for k, y in x.items()}
    return x


def _replace(x, target, ref):
    if x is target:
        return ref
    t = type(x)
    if t is tuple or t is list:
        r = [_replace(y, target, ref) for y in x]
        return tuple(r) if t is tuple else r
    if t is dict:
        return {k: _replace(y, target, ref) for k, y in x.items()}
    return x


def _snapshot(a):
    return a.copy() if a.ndim else a.copy()


def _same(a, s):
    if a.dtype.kind in 'fc':
        return bool((a == s).all() | ((a != a) & (s != s)).all()) if a.size else True
    return bool((a == s).all()) if a.size else True


def _fresh_copy(s):
    return s.copy()


def _fresh_empty(s):
    return np.empty_like(s) if type(s) is _ND else s.copy()


class _Untraced:
    """Stands in for the tracer when no call is being recorded: a Value kept past its recording
    (say, in some op's cache) then behaves as the array it wraps."""
    depth = 1

    def call(self, fn, args, kwargs, writes=False, force=False):
        return fn(*_unwrap(args, None), **(_unwrap(kwargs, None) if kwargs else {}))

    def convert(self, v, conv):
        return conv(v.a)

    def source(self, fn, args, kwargs):
        return fn(*args, **kwargs)


_UNTRACED = _Untraced()


def _tracer():
    tr = _ACTIVE
    return _UNTRACED if tr is None else tr


# ---------------------------------------------------------------------------------------------
# Tensor._data and Tensor._grad while recording
_SLOT = Tensor.__dict__['_data']
_GRAD_SLOT = Tensor.__dict__['_grad']


def _get_data(t):
    a = _SLOT.__get__(t, Tensor)
    if type(a) is Value:
        return a
    tr = _ACTIVE
    if tr is None:
        return a
    if id(t) in tr.created_ids:         # a tensor made during the call, around a plain array:
        got = tr.lifted.get(id(a))       # one the call wrote into is the program's value,
        return got[1] if got is not None and got[0] is a else a      # else a constant
    return tr.external(t, a)


def _set_data(t, a):
    tr = _ACTIVE
    if tr is not None:
        k = id(t)
        try:
            _SLOT.__get__(t, Tensor)
        except AttributeError:      # a tensor being made (the first store, in _wrap)
            # (its id may be that of a tensor made and freed earlier in the call: ids are reused)
            tr.created.append(weakref.ref(t))
            tr.created_ids.add(k)
            _SLOT.__set__(t, a)
            return
        if k not in tr.created_ids:     # a live tensor with such an id was made during the call
            if k not in tr.ext:
                tr.external(t, _SLOT.__get__(t, Tensor))
            # an external tensor's array is replaced: an effect of the call, redone after a replay
            tr.data_sets[k] = t
            if type(a) is not Value and _is_array(a):
                v = tr.new_value(a)
                tr.tape.append(Instr('copy', _fresh_copy, (a.copy(),), {}, v.id))
                a = v
    _SLOT.__set__(t, a)


def _get_grad(t):
    g = _GRAD_SLOT.__get__(t, Tensor)
    tr = _ACTIVE
    if tr is not None:
        k = id(t)
        if k not in tr.grad_reads and k not in tr.grad_sets and k not in tr.created_ids:
            # the .grad a tensor had when the call first looked (None, or which tensor): the path
            # taken depends on it (accumulate into it, or make a new one), so the replay checks it
            tr.grad_reads[k] = (t, g)
    return g


def _set_grad(t, g):
    tr = _ACTIVE
    if tr is not None and id(t) not in tr.created_ids:
        try:
            old = _GRAD_SLOT.__get__(t, Tensor)
        except AttributeError:
            old = None
        if id(t) not in tr.grad_sets:
            tr.grad_sets[id(t)] = (t, old)
    _GRAD_SLOT.__set__(t, g)


_DATA_PROP = property(_get_data, _set_data)
_GRAD_PROP = property(_get_grad, _set_grad)


class _Namespace:
    """``array_module(value)`` while recording: NumPy (or CuPy) whose functions record, including
    those that do not dispatch on duck arrays (``np.lib.stride_tricks.as_strided``) and those that
    make arrays from nothing (``zeros``: recorded, so that a replay makes them afresh)."""

    def __init__(self, mod):
        self._mod = mod

    def __getattr__(self, name):
        a = _ORIGINAL.get(name, _NONE) if self._mod is np else _NONE
        if a is _NONE:
            a = getattr(self._mod, name)
        if isinstance(a, type) or a is None or type(a) in (int, float, bool, str, np.dtype):
            r = a
        elif callable(a):
            r = _Recorder(a, name in _MAKERS)
        else:                   # a submodule (np.lib, np.linalg) or a namespace-like object
            r = _Namespace(a)
        setattr(self, name, r)
        return r


class _Recorder:
    """A function (or ufunc) of a backend namespace whose calls are recorded; its attributes
    (``xp.add.at``) are recorders too."""
    __slots__ = ('_f', '_force')

    def __init__(self, f, force=False):
        self._f, self._force = f, force

    def __call__(self, *args, **kwargs):
        tr = _tracer()
        f = self._f
        if tr.depth:
            return f(*args, **kwargs)
        return tr.call(f, args, kwargs, force=self._force, writes=f in _WRITING_FUNCTIONS or
                       kwargs.get('out') is not None or getattr(f, '__name__', '') == 'at')

    def __getattr__(self, name):
        a = getattr(self._f, name)
        return _Recorder(a) if callable(a) and not isinstance(a, type) else a


_MAKERS = {'zeros', 'ones', 'empty', 'full', 'arange', 'eye', 'identity', 'array', 'asarray',
           'ascontiguousarray', 'asanyarray', 'asfortranarray', 'linspace', 'tri', 'indices', 'frombuffer'}
_NONE = object()
# NumPy's own functions that make arrays do not dispatch on their arguments (np.asarray(value)
# would turn a traced value into a plain array): while recording, numpy's attributes of these
# names are recorders (patch_numpy), and the originals are kept here
_ORIGINAL = {name: getattr(np, name) for name in sorted(_MAKERS)}


def _numpy_recorder(name):
    a = _ORIGINAL[name]

    def make(*args, **kwargs):
        # (also with constant arguments: a plain array made here and written into with traced data
        # later could be read through its own methods, which a recording does not see)
        tr = _ACTIVE
        if tr is None or tr.depth:
            return a(*args, **kwargs)
        return tr.call(a, args, kwargs, force=True)
    make.__name__ = name
    return make


def _has_value(x):
    t = type(x)
    if t is Value:
        return True
    if t is tuple or t is list:
        return any(_has_value(y) for y in x)
    if t is dict:
        return any(_has_value(y) for y in x.values())
    return False


_RECORDERS = {name: _numpy_recorder(name) for name in _ORIGINAL}


# CuPy makes host arrays with numpy's makers inside its own code (``get`` through numpy.empty,
# ``full`` through numpy.array): while recording, CuPy's modules see this copy of numpy, whose
# makers are NumPy's own, so that a recorder never hands a traced value to CuPy's internals.
_PLAIN_NUMPY = types.ModuleType('numpy', np.__doc__)
_PLAIN_NUMPY.__dict__.update(np.__dict__)
_PLAIN_NUMPY.__dict__.update(_ORIGINAL)
_FOREIGN_ROOTS = ('cupy', 'cupyx', 'cupy_backends')
_foreign_refs = [0, []]         # [len(sys.modules) when scanned, [(module dict, name), ...]]


def _foreign_numpy_refs():
    """(dict, name) of every global of CuPy's loaded modules that names numpy."""
    n = len(sys.modules)
    if _foreign_refs[0] != n:
        refs = []
        for name, mod in list(sys.modules.items()):
            if name.partition('.')[0] in _FOREIGN_ROOTS and mod is not None:
                d = getattr(mod, '__dict__', None)
                if d is not None:
                    refs.extend((d, k) for k, v in list(d.items()) if v is np)
        _foreign_refs[:] = [n, refs]
    return _foreign_refs[1]


def patch_numpy(on):
    src = _RECORDERS if on else _ORIGINAL
    for name, f in src.items():
        setattr(np, name, f)
    for d, k in _foreign_numpy_refs():
        d[k] = _PLAIN_NUMPY if on else np
_NS = {}


def namespace_for(v, mod=None):
    """The recording namespace for value ``v``'s backend (or for module ``mod``)."""
    if mod is None:
        mod = np if type(v.a) is _ND or isinstance(v.a, np.generic) else _backend.array_module(v.a)
    if type(mod) is _Namespace:
        return mod
    ns = _NS.get(mod)
    if ns is None:
        ns = _NS[mod] = _Namespace(mod)
    return ns


class _DrawProxy:
    """``_random._gen(...)`` while recording: draws become 'source' instructions."""

    def __init__(self, generator, device):
        from .. import _random
        self._g, self._d = generator, device
        # (torch's CPU generator's methods take torch's arguments: ember/_mt19937.py)
        self.torch_cpu = getattr(_random._gen_real(generator, device), 'torch_cpu', False)

    def __getattr__(self, name):
        from .. import _random
        g, d = self._g, self._d
        getattr(_random._gen_real(g, d), name)      # AttributeError for what generators do not have

        def draw(*args, **kwargs):
            if any(type(a) is Value for a in args) or any(type(a) is Value for a in kwargs.values()):
                raise TraceError('a random draw with traced parameters')
            return _tracer().source(_Draw(g, d, name), args, kwargs)
        return draw


class _Draw:
    __slots__ = ('g', 'd', 'name')

    def __init__(self, g, d, name):
        self.g, self.d, self.name = g, d, name

    def __call__(self, *args, **kwargs):
        from .. import _random
        return getattr(_random._gen_real(self.g, self.d), self.name)(*args, **kwargs)


def draw_proxy(generator, device):
    from .. import _random
    tr = _tracer()
    tr.depth += 1               # (making a generator on first use is NumPy work of its own)
    try:
        _random._gen_real(generator, device)        # its errors, and the generator made now
    finally:
        tr.depth -= 1
    return _DrawProxy(generator, device)
