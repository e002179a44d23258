"""Sparse COO tensors (``torch.sparse_coo``): the part graph-neural-network code uses.

Design: a sparse tensor is an instance of ``SparseCooTensor``, a subclass of ``Tensor`` that holds
``_idx`` (an int64 ember tensor, sparse_dim x nnz), ``_val`` (an ember tensor, nnz x dense dims),
its size and a coalesced flag. It is a subclass, not a layout flag, so that ember's dense hot path
stays as it is: no dense op checks a layout. The methods torch gives sparse tensors are overridden
here; a dense op that reaches a sparse tensor anyway finds ``_data`` to be ``_SparseData``, a
stand-in that refuses NumPy use with torch's NotImplementedError ("Could not run 'aten::exp' with
arguments from the 'SparseCPU' backend"). Only ``mm``/``matmul``/``addmm`` (ember/_ops/linalg.py)
look for a sparse operand, to route it here. This module is loaded on first use.

Autograd: values flow through ember ops, so most sparse ops are "take the values (differentiably),
apply dense ops to them, make a sparse tensor around the result". Two nodes join the sparse and
dense worlds: building a sparse tensor from values (its backward gathers the incoming gradient,
sparse or dense, at the tensor's indices) and reading the values of a sparse tensor (its backward
makes a sparse gradient of the tensor's pattern). The products have their own node. A sparse leaf
that requires grad receives its gradient through ``_SparseAccumulateGrad`` (sparse or dense, as
torch gives it: ``torch.sparse.mm`` a sparse one, ``torch.mm`` a dense one).

Kernels use array-module calls only (argsort, add.at, take), so they run on NumPy and CuPy.

Example:
    >>> i = ember.tensor([[0, 1, 1], [2, 0, 2]]); v = ember.tensor([3., 4., 5.])
    >>> a = ember.sparse_coo_tensor(i, v, (2, 3))
    >>> ember.sparse.mm(a, ember.ones(3, 1))         # tensor([[3.], [9.]])
"""
import math as _math
import numpy as np

from .. import _dtype as D
from .._tensor import Tensor, Size, _wrap, _wrap_dim
from .._backend import array_module
from ..autograd import grad_mode
from ..autograd.graph import AccumulateGrad, node_class
from ._core import record

__all__ = ['SparseCooTensor', 'sparse_coo_tensor', 'spmm', 'to_sparse', 'sparse_mm', 'sparse_addmm', 'sparse_sum',
           'sparse_softmax']

_gm = grad_mode.state
_new = object.__new__
LAYOUT = 'torch.sparse_coo'
_CHECK = [False]        # torch.sparse.check_sparse_tensor_invariants: on or off
_CHECK_WARNED = [False]


def _not_impl(op, dev='CPU'):
    return NotImplementedError(
        f"Could not run 'aten::{op}' with arguments from the 'Sparse{dev}' backend. This could be because the "
        "operator doesn't exist for this backend, or was omitted during the selective/custom build process (if "
        "using custom build).")


class _SparseData:
    """What ``_data`` of a sparse tensor is: shape metadata, and a refusal of any NumPy use."""
    __slots__ = ('shape', 'ndim', 'size', 'dtype')

    def __init__(self, shape, dtype):
        self.shape, self.ndim, self.dtype = shape, len(shape), dtype
        n = 1
        for s in shape:
            n *= s
        self.size = n

    def __array_ufunc__(self, ufunc, method, *args, **kwargs):
        raise _not_impl(ufunc.__name__)

    def __array_function__(self, func, types, args, kwargs):
        raise _not_impl(func.__name__)

    def __array__(self, *a, **k):
        raise RuntimeError('Cannot access data pointer of Tensor that doesn\'t have storage')

    def __getattr__(self, name):
        raise _not_impl(name)

    def __getitem__(self, i):
        raise _not_impl('index')

    def _binary(self, *a):
        raise _not_impl('add')

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = _binary
    __pow__ = __matmul__ = __rmatmul__ = __neg__ = __iadd__ = __imul__ = _binary


# ---------------------------------------------------------------- kernels on backend arrays
def _keys(idx, size):
    """Row-major linear keys of the columns of ``idx`` (sparse_dim x nnz) in ``size``."""
    xp = array_module(idx)
    sd = idx.shape[0]
    if sd == 0:
        return xp.zeros(idx.shape[1], dtype=np.int64)
    k = idx[0].astype(np.int64, copy=True)
    for d in range(1, sd):
        k *= size[d]
        k += idx[d]
    return k


def _coalesce_plan(idx, size):
    """(order, group id per sorted entry, first position of each group, number of groups)."""
    xp = array_module(idx)
    k = _keys(idx, size)
    order = xp.argsort(k, kind='stable')
    ks = k[order]
    n = ks.shape[0]
    if n == 0:
        return order, ks, xp.zeros(0, dtype=np.int64), 0
    new = xp.empty(n, dtype=bool)
    new[0] = True
    new[1:] = ks[1:] != ks[:-1]
    gid = xp.cumsum(new) - 1
    starts = xp.nonzero(new)[0]
    return order, gid, starts, int(starts.shape[0])


def _segment_sum(rows, vals, n):
    """``out[r] += vals[j]`` for each j with ``rows[j] == r``; out has n rows."""
    xp = array_module(vals)
    out = xp.zeros((n,) + vals.shape[1:], dtype=vals.dtype)
    if rows.shape[0]:
        xp.add.at(out, rows, vals)
    return out


def _spmm_arrays(idx, vals, n, dense, plan=None):
    """(n x k sparse given by idx, vals) @ dense (k x m) on arrays. ``plan``: (order, starts, rows)
    from ``_row_plan``: the entries sorted by row, so that NumPy sums each row's products with one
    ``add.reduceat`` (several times faster than ``add.at``)."""
    if plan is None or type(dense) is not np.ndarray:
        return _segment_sum(idx[0], vals[:, None] * dense[idx[1]], n)
    order, starts, rows = plan
    cols, v = (idx[1], vals) if order is None else (idx[1][order], vals[order])
    out = np.zeros((n, dense.shape[1]), dtype=np.result_type(vals.dtype, dense.dtype))
    if starts.shape[0]:
        out[rows] = np.add.reduceat(v[:, None] * np.take(dense, cols, axis=0), starts, axis=0)
    return out


def _row_plan(s, transposed):
    """The row-sorted order of sparse matrix ``s``'s entries (of ``s.t()`` if ``transposed``), kept
    on ``s`` (a graph's adjacency matrix is multiplied once per layer and step); None off the CPU."""
    idx = s._idx._data
    if type(idx) is not np.ndarray:
        return None
    e = s._ex()
    key = 'plan_t' if transposed else 'plan'
    plan = e.get(key)
    if plan is None:
        rows = idx[1] if transposed else idx[0]
        order = None if (s._coal and not transposed) else np.argsort(rows, kind='stable')
        r = rows if order is None else rows[order]
        starts = np.flatnonzero(np.concatenate(([True], r[1:] != r[:-1]))) if r.shape[0] else r[:0]
        plan = e[key] = (order, starts, r[starts])
    return plan


# ---------------------------------------------------------------- the tensor
def _make(idx, val, size, coalesced, *, grad_src=None, name='SparseCooTensorWithDimsAndTensorsBackward0'):
    """A sparse tensor around ember tensors ``idx`` and ``val``. When ``val`` (or ``grad_src``: the
    values tensor to route the gradient to) requires grad, the result is in the graph: its gradient
    (sparse or dense) is gathered at ``idx`` for ``val``."""
    t = _new(SparseCooTensor)
    src = val if grad_src is None else grad_src
    v = _wrap(val._data, val.dtype, val._device) if val._rg else val      # (the graph edge is the node's)
    if not (src._rg and _gm.enabled):
        src = None
    t._idx, t._val, t._sz, t._coal = idx, v, Size(size), bool(coalesced)
    t._data = _SparseData(tuple(size), val._data.dtype)
    t.dtype, t._device = val.dtype, val._device
    t._rg, t.grad_fn, t._out, t._grad, t._vc, t._base, t._extra = False, None, 0, None, None, None, None
    if src is not None:
        record(_make_node(name), t, (src,), (), (idx, val._data.shape))
    return t


_MAKE_NODES = {}


def _make_node(name):
    cls = _MAKE_NODES.get(name)
    if cls is None:
        cls = _MAKE_NODES[name] = node_class(name, _make_bw)
    return cls


def _gather_grad(g, idx, size, val_shape):
    """The gradient for values at ``idx`` from a gradient ``g`` of the whole tensor."""
    if isinstance(g, SparseCooTensor):
        if g._idx is idx:                       # the gradient has this very pattern: entry by entry
            return g._val
        gc = g.coalesce()
        gk = _keys(gc._idx._data, size)
        xp = array_module(gk)
        k = _keys(idx._data, size)
        gv = gc._val._data
        out = xp.zeros(val_shape, dtype=gv.dtype)
        if gk.shape[0] and k.shape[0]:
            pos = xp.searchsorted(gk, k)
            pos = xp.minimum(pos, gk.shape[0] - 1)
            hit = gk[pos] == k
            out[hit] = gv[pos[hit]]
        return _wrap(out, g.dtype, g._device)
    a = g._data
    sd = idx._data.shape[0]
    return _wrap(a[tuple(idx._data[d] for d in range(sd))], g.dtype, g._device)


def _make_bw(node, g):
    idx, vshape = node._args
    return (_gather_grad(g, idx, g.shape, vshape),)


def _values_bw(node, g):
    src = node._args
    return (_pattern_grad(src, g),)


def _pattern_grad(src, g):
    """The gradient of sparse ``src`` (a sparse tensor of its pattern) from the per-entry gradient
    ``g`` of its values. Duplicate entries of an uncoalesced ``src`` all carry the gradient of their
    one position: it is kept once (torch's gradient of an uncoalesced leaf has unique indices)."""
    if src._coal:
        return _make(src._idx, g, src._sz, True)
    idx = src._idx._data
    order, _, starts, n = _coalesce_plan(idx, src._sz)
    first = order[starts]
    return _make(_wrap(idx[:, first], D.int64, src._device), _wrap(g._data[first], g.dtype, g._device), src._sz,
                 False)


def _linear(s, idx, vals, size, coal, name, grad_fn):
    """A sparse tensor made from sparse ``s`` by a linear map whose backward ``grad_fn(g)`` works on
    sparse and dense gradients alike (so a dense gradient stays dense, as in torch)."""
    out = _make(idx, vals, size, coal)
    if s._rg and _gm.enabled:
        record(_lin_node(name), out, (s,), (), grad_fn)
    return out


_LIN_NODES = {}


def _lin_node(name):
    cls = _LIN_NODES.get(name)
    if cls is None:
        cls = _LIN_NODES[name] = node_class(name, lambda node, g: (node._args(g),))
    return cls


_ValuesBackward = node_class('ValuesBackward0', _values_bw)


def _vals(s):
    """The values of ``s`` as a tensor in the graph (gradient to ``s`` as a sparse tensor)."""
    v = s._val
    if s._rg and _gm.enabled:
        v = _wrap(v._data, v.dtype, v._device)
        record(_ValuesBackward, v, (s,), (), s)
    return v


class _SparseAccumulateGrad(AccumulateGrad):
    """The gradient sink of a sparse leaf: the engine runs it as a node (its type is not
    AccumulateGrad's), so it adds a sparse or dense gradient itself."""
    __slots__ = ()

    def _backward(self, g):
        var = self.variable
        e = var._extra
        if e and 'hooks' in e:
            for fn in e['hooks']:
                r = fn(g)
                if r is not None:
                    g = r
        if isinstance(g, SparseCooTensor):
            g = _make(g._idx, _wrap(g._val._data.copy(), g.dtype, g._device), g._sz, g._coal)
        elif g._rg:
            g = g.detach()
        cur = var._grad
        if cur is None:
            var._grad = g if isinstance(g, SparseCooTensor) else _wrap(g._data.copy(), g.dtype, g._device)
        elif isinstance(cur, SparseCooTensor) != isinstance(g, SparseCooTensor):
            var._grad = (g + cur.to_dense()) if isinstance(cur, SparseCooTensor) else (cur + g.to_dense())
        else:
            with grad_mode.no_grad():
                var._grad = cur + g
        if e:
            for fn in e.get('post_hooks', ()):
                fn(var)
        return ()


def _dim_list(dim, ndim):
    if dim is None:
        return list(range(ndim))
    if isinstance(dim, int):
        dim = (dim,)
    return sorted({_wrap_dim(d, ndim) for d in dim})


class SparseCooTensor(Tensor):
    """A sparse tensor in COO layout (see the module docstring). ``type(t)`` is this subclass;
    ``isinstance(t, ember.Tensor)`` holds."""
    __slots__ = ('_idx', '_val', '_sz', '_coal')
    is_sparse = True
    layout = LAYOUT

    # ------------------------------------------------------------ metadata
    @property
    def shape(self):
        return self._sz

    def size(self, dim=None):
        if dim is None:
            return self._sz
        return self._sz[_wrap_dim(dim, len(self._sz))]

    def dim(self):
        return len(self._sz)

    ndimension = dim

    @property
    def ndim(self):
        return len(self._sz)

    def numel(self):
        return self._data.size

    nelement = numel

    def __len__(self):
        if not self._sz:
            raise TypeError('len() of a 0-d tensor')
        return self._sz[0]

    def sparse_dim(self):
        return self._idx._data.shape[0]

    def dense_dim(self):
        return len(self._sz) - self._idx._data.shape[0]

    def _nnz(self):
        return self._idx._data.shape[1]

    def is_coalesced(self):
        return self._coal

    def stride(self, dim=None):
        return (0,) * len(self._sz) if dim is None else 0

    def is_contiguous(self, memory_format=None):
        return False

    def contiguous(self, memory_format=None):
        raise RuntimeError('unsupported memory format option Contiguous')

    def data_ptr(self):
        raise RuntimeError("Cannot access data pointer of Tensor that doesn't have storage")

    def storage_offset(self):
        return 0

    def type(self, dtype=None, non_blocking=False, **kwargs):
        if dtype is None:
            return ('torch.sparse.' if self._device.type == 'cpu' else 'torch.cuda.sparse.') + self.dtype._legacy
        raise _not_impl('type')

    # ------------------------------------------------------------ parts
    def _indices(self):
        return self._idx

    def _values(self):
        return self._val

    def indices(self):
        if not self._coal:
            raise RuntimeError('Cannot get indices on an uncoalesced tensor, please call .coalesce() first')
        return self._idx

    def values(self):
        if not self._coal:
            raise RuntimeError('Cannot get values on an uncoalesced tensor, please call .coalesce() first')
        return _vals(self)

    def coalesce(self):
        if self._coal:
            return self
        idx = self._idx._data
        order, gid, starts, n = _coalesce_plan(idx, self._sz)
        new_idx = idx[:, order[starts]] if n else idx[:, :0]
        xp = array_module(idx)
        inv = xp.empty_like(gid)
        inv[order] = gid
        v = self._val
        nv = _wrap(_segment_sum(inv, v._data, n), v.dtype, v._device)
        # (torch's CoalesceBackward0 hands the gradient on as it is: a sparse one is not masked)
        return _linear(self, _wrap(xp.ascontiguousarray(new_idx), D.int64, self._device), nv, self._sz, True,
                       'CoalesceBackward0', lambda g: g)

    def to_dense(self, dtype=None, *, masked_grad=None):
        v = self._val._data
        xp = array_module(v)
        sd = self._idx._data.shape[0]
        sz = tuple(self._sz)
        out = xp.zeros((_math.prod(sz[:sd]),) + sz[sd:], dtype=v.dtype)
        if v.shape[0]:
            xp.add.at(out, _keys(self._idx._data, sz), v)
        t = _wrap(out.reshape(sz), self.dtype, self._device)
        if self._rg and _gm.enabled:
            record(_ToDense, t, (self,), (), self)
        if dtype is not None and dtype is not self.dtype:
            t = t.to(dtype)
        return t

    def to_sparse(self, *args, layout=None, **kwargs):
        if args and args[0] != self.sparse_dim():
            raise RuntimeError('to_sparse: conversion from Sparse to Sparse with sparse_dim argument '
                               '!=self.sparse_dim() '
                               'is not supported')
        return self

    to_sparse_coo = to_sparse

    # ------------------------------------------------------------ autograd and copies
    def _accumulator(self):
        e = self._ex()
        acc = e.get('acc')
        if acc is None:
            acc = e['acc'] = _SparseAccumulateGrad(self)
        return acc

    def detach(self):
        return _make(self._idx, self._val, self._sz, self._coal)

    def clone(self, *, memory_format=None):
        from .creation import clone
        return _make(_wrap(self._idx._data.copy(), D.int64, self._device), clone(_vals(self)), self._sz, self._coal,
                     name='CloneBackward0')

    def __deepcopy__(self, memo):
        t = _make(_wrap(self._idx._data.copy(), D.int64, self._device),
                  _wrap(self._val._data.copy(), self.dtype, self._device), self._sz, self._coal)
        t._rg = self._rg
        memo[id(self)] = t
        return t

    def _scale(self, fn, name):
        """values ``fn(values)`` for a linear ``fn`` (times/over a number, negation): the backward
        applies ``fn``'s transpose, ``fn`` itself, to the gradient, sparse or dense."""
        from .. import autograd
        with autograd.grad_mode.no_grad():
            nv = fn(self._val)
        return _linear(self, _wrap(self._idx._data.copy(), D.int64, self._device), nv, self._sz, self._coal, name,
                       fn)

    def _map(self, fn, name):
        """A sparse tensor of the same indices (a copy, as torch's) and values ``fn(values)``."""
        v = _vals(self)
        nv = fn(v)
        if nv is v:
            return self
        return _make(_wrap(self._idx._data.copy(), D.int64, self._device), nv, self._sz, self._coal, name=name)

    def to(self, *args, **kwargs):
        from . import creation as C
        v = _vals(self)
        nv = C.to(v, *args, **kwargs)
        if nv is v:
            return self
        idx = self._idx if nv._device is self._device else C.to(self._idx, nv._device)
        return _make(idx, nv, self._sz, self._coal, name='ToCopyBackward0')

    def cpu(self, memory_format=None):
        return self.to('cpu')

    def cuda(self, device=None, non_blocking=False, memory_format=None):
        from . import creation as C
        return self.to(C.cuda(self._val[:0], device)._device)

    def float(self):
        return self.to(D.float32)

    def double(self):
        return self.to(D.float64)

    def half(self):
        return self.to(D.float16)

    def long(self):
        return self.to(D.int64)

    def int(self):
        return self.to(D.int32)

    def bool(self):
        return self.to(D.bool_)

    def numpy(self, *, force=False):
        raise TypeError("can't convert Sparse layout tensor to numpy. Use Tensor.to_dense() first.")

    def __array__(self, dtype=None, copy=None):
        return self.numpy()

    def item(self):
        if self.numel() != 1:
            raise RuntimeError(f'a Tensor with {self.numel()} elements cannot be converted to Scalar')
        return self.to_dense().item()

    def tolist(self):
        raise RuntimeError("Cannot access data pointer of Tensor that doesn't have storage")

    def __repr__(self, *, tensor_contents=None):
        return _format(self)

    __str__ = __repr__

    def __reduce_ex__(self, proto):
        return (_rebuild_sparse, (self._idx, self._val, tuple(self._sz), self._coal, self._rg))

    def zero_(self):
        """No entries left (nnz 0, coalesced), the size kept: torch's ``zero_`` of a sparse tensor."""
        xp = array_module(self._idx._data)
        self._set_(_wrap(xp.zeros((self.sparse_dim(), 0), dtype=np.int64), D.int64, self._device),
                   _wrap(self._val._data[:0].copy(), self.dtype, self._device), True)
        return self

    def _set_(self, idx, val, coalesced):
        """Make this very tensor hold ``idx`` and ``val`` (the in-place sparse ops: ``+=`` of a
        gradient into ``.grad``, an optimizer's momentum buffer)."""
        self._idx, self._val, self._coal = idx, val, bool(coalesced)
        if self._extra:
            self._extra.pop('plan', None)
            self._extra.pop('plan_t', None)

    # ------------------------------------------------------------ refusals, as torch's
    def view(self, *shape):
        raise _not_impl('view')

    def reshape(self, *shape):
        raise RuntimeError('reshape is not implemented for sparse tensors')

    flatten = view_as = reshape

    def __getitem__(self, i):
        raise _not_impl('index')

    def __setitem__(self, i, v):
        raise _not_impl('index_put_')

    # ------------------------------------------------------------ arithmetic
    def __add__(self, other):
        return add(self, other)

    def add(self, other, *, alpha=1):
        return add(self, other, alpha=alpha)

    def sub(self, other, *, alpha=1):
        return _rename(add(self, other, alpha=-alpha), 'SubBackward0')

    def __rsub__(self, other):            # dense - sparse: dense (Python asks the subclass first)
        if isinstance(other, Tensor):
            return _dense_add(other, self, -1)
        raise RuntimeError('add(sparse, dense) is not supported. Use add(dense, sparse) instead.')

    def __radd__(self, other):            # dense + sparse: dense (Python asks the subclass first)
        if isinstance(other, Tensor) and not isinstance(other, SparseCooTensor):
            return _dense_add(other, self, 1)
        return add(self, other)

    def __sub__(self, other):
        return _rename(add(self, other, alpha=-1), 'SubBackward0')

    def __mul__(self, other):
        return mul(self, other)

    mul = __rmul__ = __mul__

    def __truediv__(self, other):
        return div(self, other)

    div = __truediv__

    def __neg__(self):
        return self._scale(lambda v: -v, 'NegBackward0')

    neg = __neg__

    def __matmul__(self, other):
        return _mm(self, other, 'matmul')

    def mm(self, mat2):
        return _mm(self, mat2, 'mm')

    def matmul(self, other):
        return _mm(self, other, 'matmul')

    def __rmatmul__(self, other):
        return _mm(other, self, 'matmul')

    def t(self):
        if self.sparse_dim() != 2 or self.dense_dim() != 0:
            if self.ndim > 2:
                raise RuntimeError(f't() expects a tensor with <= 2 sparse and 0 dense dimensions, but got '
                                   f'{self.sparse_dim()} sparse and {self.dense_dim()} dense dimensions')
        return self._transpose(0, 1, 'TBackward0') if self.ndim == 2 else self

    def transpose(self, dim0, dim1):
        return self._transpose(dim0, dim1, 'TransposeBackward0')

    def _transpose(self, dim0, dim1, name):
        n = self.ndim
        d0, d1 = _wrap_dim(dim0, n), _wrap_dim(dim1, n)
        sd = self.sparse_dim()
        if d0 >= sd or d1 >= sd:
            raise RuntimeError('transpose(): can only transpose sparse dims when the dense dims are untouched')
        idx = self._idx._data.copy()
        idx[[d0, d1]] = idx[[d1, d0]]
        sz = list(self._sz)
        sz[d0], sz[d1] = sz[d1], sz[d0]
        same = d0 == d1
        return _linear(self, _wrap(idx, D.int64, self._device), self._val, sz, self._coal and same, name,
                       lambda g: g.transpose(d0, d1))

    @property
    def T(self):
        return self.t()

    def permute(self, *dims):
        if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
            dims = tuple(dims[0])
        n = self.ndim
        dims = [_wrap_dim(d, n) for d in dims]
        sd = self.sparse_dim()
        if dims[sd:] != list(range(sd, n)):
            raise RuntimeError('permute(sparse_coo): transpositions between sparse and dense dimensions are not '
                               'allowed. '
                               'Only transpositions within sparse and within dense dimensions are allowed.')
        idx = self._idx._data[dims[:sd]]
        inv = [dims.index(d) for d in range(n)]
        return _linear(self, _wrap(idx, D.int64, self._device), self._val, [self._sz[d] for d in dims],
                       self._coal and dims == sorted(dims), 'PermuteBackward0', lambda g: g.permute(*inv))

    def sum(self, dim=None, keepdim=False, dtype=None):
        if dim is None:
            v = _vals(self)
            from .reduction import sum as dsum
            return dsum(v) if dtype is None else dsum(v, dtype=dtype)
        return sparse_sum(self, dim, dtype=dtype)

    def softmax(self, dim, dtype=None):
        raise _not_impl('_softmax')

    def exp(self):
        raise _not_impl('exp')

    def pow(self, exponent):
        if isinstance(exponent, Tensor) or exponent == 0:
            raise _not_impl('pow')
        from .pointwise import pow as dpow
        return self.coalesce()._map(lambda v: dpow(v, exponent), 'PowBackward0')

    __pow__ = pow


def _zero_keeping(name, node):
    def op(self):
        from . import pointwise
        return self.coalesce()._map(getattr(pointwise, name), node)
    op.__name__ = name
    return op


for _n, _node in (('abs', 'AbsBackward0'), ('sqrt', 'SqrtBackward0'), ('relu', 'ReluBackward0'),
                  ('tanh', 'TanhBackward0'), ('sin', 'SinBackward0'), ('square', 'PowBackward0'),
                  ('sign', 'SignBackward0'), ('floor', 'FloorBackward0'), ('ceil', 'CeilBackward0'),
                  ('trunc', 'TruncBackward0'), ('expm1', 'Expm1Backward0'), ('log1p', 'Log1PBackward0'),
                  ('asin', 'AsinBackward0'), ('atan', 'AtanBackward0'), ('sinh', 'SinhBackward0'),
                  ('tan', 'TanBackward0')):
    setattr(SparseCooTensor, _n, _zero_keeping(_n, _node))
SparseCooTensor.__abs__ = SparseCooTensor.abs


def _dense_add(d, s, sign):
    """dense + sign * sparse: dense; the sparse operand's gradient is the dense one (torch's
    AddBackward0/SubBackward0 hand it on unmasked)."""
    from .. import autograd
    if tuple(d.shape) != tuple(s._sz):
        raise RuntimeError(f"add: expected 'self' and 'other' to have same size, but self has size {list(d.shape)} "
                           f'while other has size {list(s._sz)} (FYI: dense-sparse addition does not currently '
                           'support broadcasting)')
    with autograd.grad_mode.no_grad():
        out = d + s.to_dense() if sign == 1 else d - s.to_dense()
    if _gm.enabled and (d._rg or s._rg):
        record(_DenseAdd if sign == 1 else _DenseSub, out, (d, s), (), None)
    return out


_DenseAdd = node_class('AddBackward0', lambda node, g: (g, g))
_DenseSub = node_class('SubBackward0', lambda node, g: (g, -g))


def _todense_bw(node, g):
    s = node._args
    return (_pattern_grad(s, _gather_grad(g, s._idx, s._sz, s._val._data.shape)),)


_ToDense = node_class('ToDenseBackward0', _todense_bw)


def _rebuild_sparse(idx, val, size, coal, rg):
    t = _make(idx, val, size, coal)
    t._rg = rg
    return t


# ---------------------------------------------------------------- printing (torch/_tensor_str.py)
def _body(t, indent):
    from .._tensor_str import _tensor_str
    a = t._host()
    if a.size == 0:
        return '[], size=' + str(tuple(a.shape))
    return _tensor_str(a, indent)


def _format(s):
    from .._tensor_str import PRINT_OPTS
    indent = len('tensor(')
    suffixes = []
    if s._device.type != 'cpu':
        suffixes.append(f"device='{s._device}'")
    suffixes.append('size=' + str(tuple(s._sz)))
    suffixes.append('nnz=' + str(s._nnz()))
    dflt = D.get_default_dtype()
    if s.dtype not in (dflt, D.int64, D.bool_, D.complex128 if dflt is D.float64 else D.complex64):
        suffixes.append('dtype=torch.' + s.dtype.name)
    ip, vp = 'indices=tensor(', 'values=tensor('
    body = (ip + _body(s._idx, indent + len(ip)) + '),\n' + ' ' * indent + vp +
            _body(s._val, indent + len(vp)) + ')')
    suffixes.append('layout=' + LAYOUT)
    gf = s.grad_fn
    if gf is not None:
        suffixes.append(f'grad_fn=<{gf.name().rsplit("::", 1)[-1]}>')
    elif s._rg:
        suffixes.append('requires_grad=True')
    out = ['tensor(' + body]
    last = len(out[0]) - out[0].rfind('\n') + 1
    force = True
    for suf in suffixes:
        if force or last + len(suf) + 2 > PRINT_OPTS.linewidth:
            out.append(',\n' + ' ' * indent + suf)
            last = indent + len(suf)
            force = False
        else:
            out.append(', ' + suf)
            last += len(suf) + 2
    out.append(')')
    return ''.join(out)


# ---------------------------------------------------------------- creation
_NO_SIZE = object()


def sparse_coo_tensor(indices, values, size=_NO_SIZE, *, dtype=None, device=None, pin_memory=False, requires_grad=False,
                      check_invariants=None, is_coalesced=None):
    """``torch.sparse_coo_tensor``: a COO tensor of ``values`` at the columns of ``indices``
    (sparse_dim x nnz). Without ``size`` each sparse dim is one past its largest index.
    Duplicate indices are kept (the tensor is uncoalesced) until ``coalesce()`` sums them."""
    from . import creation as C
    if size is None:            # (torch's parser takes no size=None: size is left out or a tuple of ints)
        raise TypeError('sparse_coo_tensor() received an invalid combination of arguments - got (Tensor, Tensor, '
                        'NoneType), but expected one of: (indices, values, *, ...), (indices, values, tuple of ints '
                        'size, *, ...), (tuple of ints size, *, ...)')
    if size is _NO_SIZE:
        size = None
    if not isinstance(indices, Tensor):
        indices = C.tensor(indices, dtype=D.int64, device=device)
    if not isinstance(values, Tensor):
        values = C.tensor(values, dtype=dtype, device=device)
    if indices.dtype is not D.int64:
        indices = C.to(indices, D.int64)
    if dtype is not None and dtype is not values.dtype:
        values = C.to(values, dtype)
    if device is not None:
        values = C.to(values, device)
        indices = C.to(indices, values._device)
    if indices.ndim != 2:
        raise RuntimeError(f'indices must be sparse_dim x nnz, but got: {list(indices.shape)}')
    if indices.shape[1] != values.shape[0] if values.ndim else True:
        raise RuntimeError(f'indices and values must have same nnz, but got nnz from indices: {indices.shape[1]}, '
                           f'nnz from values: {values.shape[0] if values.ndim else 1}')
    sd = indices.shape[0]
    ia = indices._data
    if size is None:
        if ia.shape[1]:
            sz = [int(x) + 1 for x in ia.max(axis=1).tolist()]
        else:
            sz = [0] * sd
        size = sz + list(values.shape[1:])
    else:
        size = [int(s) for s in size]
        if len(size) != sd + values.ndim - 1:
            raise RuntimeError(f"'len(size) == sparse_dim + dense_dim' is not satisfied: len(size) = {len(size)}, "
                               f'sparse_dim = {sd}, dense_dim = {values.ndim - 1}')
    if check_invariants and ia.shape[1]:
        if True:
            mx = ia.max(axis=1).tolist()
            mn = ia.min(axis=1).tolist()
            for d in range(sd):
                if mn[d] < 0:
                    raise RuntimeError(f'found negative index {mn[d]} for dim {d}')
                if mx[d] >= size[d]:
                    raise RuntimeError(f'size is inconsistent with indices: for dim {d}, size is {size[d]} but found '
                                       f'index {mx[d]}')
    if check_invariants is None:
        check_invariants = _CHECK[0]
        if not _CHECK_WARNED[0]:        # (torch's TORCH_WARN_ONCE, word for word)
            _CHECK_WARNED[0] = True
            import warnings
            warnings.warn('Sparse invariant checks are implicitly disabled. Memory errors (e.g. SEGFAULT) will occur '
                          'when operating on a sparse tensor which violates the invariants, but checks incur '
                          'performance overhead. To silence this warning, explicitly opt in or out. See '
                          '`torch.sparse.check_sparse_tensor_invariants.__doc__` for guidance. ', UserWarning,
                          stacklevel=2)
    coal = bool(is_coalesced) or ia.shape[1] <= 1
    t = _make(indices, values, size, coal)
    if requires_grad:
        if t.grad_fn is not None:
            raise RuntimeError('you can only change requires_grad flags of leaf variables.')
        t.requires_grad_(True)
    return t


def to_sparse(self, *args, layout=None, blocksize=None, dense_dim=None):
    """``Tensor.to_sparse(sparse_dim=ndim)`` of a dense tensor: its nonzeros (rows of its first
    ``sparse_dim`` dims that are not all zero), coalesced."""
    if isinstance(self, SparseCooTensor):
        return self.to_sparse(*args)
    if layout is not None and layout != LAYOUT:
        raise RuntimeError(f'to_sparse for Strided to {layout} conversion is not implemented')
    a = self._data
    n = a.ndim
    sd = args[0] if args else (n - (dense_dim or 0))
    if not 0 <= sd <= n:
        raise RuntimeError(f'sparse_dim argument must be in [0,{n}] range, but {sd} is given')
    xp = array_module(a)
    lead = a.reshape((_math.prod(a.shape[:sd]),) + a.shape[sd:])
    nz = lead != 0
    if n > sd:
        nz = nz.reshape(nz.shape[0], -1).any(axis=1)
    keys = xp.nonzero(nz)[0]
    idx = xp.stack(xp.unravel_index(keys, a.shape[:sd])) if sd else xp.zeros((0, keys.shape[0]), dtype=np.int64)
    idx = idx.astype(np.int64).reshape(sd, -1)
    vals = lead[keys]
    out = _make(_wrap(idx, D.int64, self._device), _wrap(vals, self.dtype, self._device), a.shape, True)
    if self._rg and _gm.enabled:
        record(_ToSparse0 if args else _ToSparse, out, (self,), (), None)
    return out


def _tosparse_bw(node, g):
    return (g.to_dense() if isinstance(g, SparseCooTensor) else g,)


_ToSparse = node_class('ToSparseBackward1', _tosparse_bw)
_ToSparse0 = node_class('ToSparseBackward0', _tosparse_bw)


# ---------------------------------------------------------------- elementwise
def _check_sparse_pair(a, b):
    if a._sz != b._sz:
        raise RuntimeError(f'add: expected \'self\' and \'other\' to have same size, but self has size '
                           f'{list(a._sz)} while other has size {list(b._sz)} (FYI: dense-sparse addition does not '
                           'currently support broadcasting)')


def _merge_positions(ka, kb, a_coal, b_coal):
    """Where each entry of a and of b lands in a + b, as torch's CPU kernel merges them: one walk
    over both key lists (equal keys at the two cursors become one entry). Returns (pa, pb, n)."""
    xp = array_module(ka)
    na, nb = ka.shape[0], kb.shape[0]
    if na == nb and bool((ka == kb).all()):
        p = xp.arange(na)
        return p, p, na
    if a_coal and b_coal:                         # sorted, unique keys: the walk is a sorted union
        u = xp.unique(xp.concatenate([ka, kb]))
        return xp.searchsorted(u, ka), xp.searchsorted(u, kb), int(u.shape[0])
    la, lb = ka.tolist(), kb.tolist()
    pa, pb = [0] * na, [0] * nb
    i = j = n = 0
    while i < na and j < nb:
        if la[i] == lb[j]:
            pa[i] = pb[j] = n
            i += 1
            j += 1
        elif la[i] < lb[j]:
            pa[i] = n
            i += 1
        else:
            pb[j] = n
            j += 1
        n += 1
    for i in range(i, na):
        pa[i] = n
        n += 1
    for j in range(j, nb):
        pb[j] = n
        n += 1
    return xp.asarray(pa, dtype=np.int64), xp.asarray(pb, dtype=np.int64), n


def _rename(t, name):
    """Give the node that made ``t`` torch's name for the op (its backward stays the same)."""
    fn = t.grad_fn
    if fn is not None:
        key = (type(fn), name)
        cls = _RENAMED.get(key)
        if cls is None:
            cls = _RENAMED[key] = type(name, (type(fn),), {'__slots__': ()})
        fn.__class__ = cls
    return t


_RENAMED = {}


def add(a, b, *, alpha=1):
    """sparse + sparse (torch: add(sparse, dense) is refused; dense + sparse is dense)."""
    if not isinstance(b, SparseCooTensor):
        raise RuntimeError('add(sparse, dense) is not supported. Use add(dense, sparse) instead.')
    _check_sparse_pair(a, b)
    va, vb = a._val, b._val
    if alpha != 1:
        vb = vb * alpha
    if vb.dtype is not va.dtype:
        vb = vb.to(va.dtype)
    # (torch's AddBackward0 hands the gradient to both operands as it is, sparse or dense: not masked)
    if a._idx is b._idx:                         # one pattern (a + a): torch adds the values
        idx, nv, coal = a._idx, va + vb, a._coal
    else:
        ia, ib = a._idx._data, b._idx._data
        pa, pb, n = _merge_positions(_keys(ia, a._sz), _keys(ib, a._sz), a._coal, b._coal)
        xp = array_module(ia)
        ix = xp.empty((ia.shape[0], n), dtype=np.int64)
        ix[:, pa] = ia
        ix[:, pb] = ib
        out = xp.zeros((n,) + tuple(va.shape[1:]), dtype=va._data.dtype)
        xp.add.at(out, pa, va._data)
        xp.add.at(out, pb, vb._data)
        idx, nv, coal = _wrap(ix, D.int64, a._device), _wrap(out, va.dtype, a._device), a._coal and b._coal
    t = _make(idx, nv, a._sz, coal)
    if _gm.enabled and (a._rg or b._rg):
        record(_AddBackward, t, (a, b), (), alpha)
    return t


_AddBackward = node_class('AddBackward0', lambda node, g: (g, g if node._args == 1 else g * node._args))


def mul(a, b):
    """sparse * number (or 0-d tensor), sparse * dense of the same shape: sparse, a's pattern."""
    from .pointwise import mul as dmul
    if isinstance(b, SparseCooTensor):
        raise _not_impl('mul')
    if isinstance(b, Tensor) and b.ndim:
        if tuple(b.shape) != tuple(a._sz):
            raise RuntimeError(f'mul(sparse, dense): expected dense of size {list(a._sz)}, got {list(b.shape)}')
        sd = a.sparse_dim()
        from .indexing import getitem
        ix = tuple(_wrap(a._idx._data[d], D.int64, a._device) for d in range(sd))
        return a._map(lambda v: dmul(v, getitem(b, ix)), 'MulBackward0')
    if isinstance(b, Tensor) and b._rg:
        return a._map(lambda v: dmul(v, b), 'MulBackward0')
    return a._scale(lambda v: v * b, 'MulBackward0')


def div(a, b):
    from .pointwise import div as ddiv
    if isinstance(b, Tensor) and (isinstance(b, SparseCooTensor) or b.ndim):
        raise _not_impl('div')
    if isinstance(b, Tensor) and b._rg:
        return a._map(lambda v: ddiv(v, b), 'DivBackward0')
    return a._scale(lambda v: v / b, 'DivBackward0')


# ---------------------------------------------------------------- products
def _mm_checks(s, d, fname):
    if not isinstance(d, Tensor):
        raise TypeError(f"{fname}(): argument 'mat2' (position 2) must be Tensor, not {type(d).__name__}")
    if d.ndim != 2:
        raise IndexError('Dimension out of range (expected to be in range of [-1, 0], but got 1)'
                         if d.ndim == 1 else f'{fname}: mat2 must be a matrix')
    if s.sparse_dim() != 2 or s.dense_dim() != 0:
        raise RuntimeError(f'addmm: matrices expected, got {s.sparse_dim()}D tensor')
    if s.dtype is not d.dtype:
        raise RuntimeError(f'expected scalar type {s.dtype._legacy[:-6]} but found {d.dtype._legacy[:-6]}')
    if s._sz[1] != d.shape[0]:
        raise RuntimeError(f'addmm: Argument #3 (dense): Expected dim 0 size {s._sz[1]}, got {d.shape[0]}')
    if s._device is not d._device:
        from ._core import check_device
        check_device(s, d)


def _spmm_bw(node, g):
    s, d = node.saved()
    sparse_grad, = node._args
    ga = g._data
    gs = gd = None
    idx = s._idx._data
    if s._rg:
        if sparse_grad:         # torch.sparse.mm: the gradient at the operand's entries only
            vg = (ga[idx[0]] * d._data[idx[1]]).sum(axis=-1)
            gs = _pattern_grad(s, _wrap(vg, g.dtype, g._device))
        else:                   # torch.mm, spmm, @: the dense gradient
            gs = g.mm(d.t())
    if d._rg:
        gd = _wrap(_spmm_arrays(idx[::-1], s._val._data, s._sz[1], ga, _row_plan(s, True)), g.dtype, g._device)
    return gs, gd


_SparseAddmmBackward = node_class('SparseAddmmBackward0', _spmm_bw)
_MmBackward = node_class('MmBackward0', _spmm_bw)


def sparse_mm(s, d, *, _sparse_grad=True, _fname='mm'):
    """sparse (n x k) @ dense (k x m) -> dense (n x m); the gradient of a sparse operand that
    requires grad is sparse, of the operand's pattern (``torch.sparse.mm``)."""
    if not isinstance(s, SparseCooTensor):
        if isinstance(d, SparseCooTensor):        # dense @ sparse = (sparse.t() @ dense.t()).t()
            r = sparse_mm(d.t(), s.t(), _sparse_grad=_sparse_grad, _fname=_fname).t()
            return _rename(r, 'TransposeBackward0' if _sparse_grad else 'MmBackward0')
        from .linalg import mm
        return mm(s, d)
    if isinstance(d, SparseCooTensor):
        raise _not_impl('_sparse_sparse_matmul')
    _mm_checks(s, d, _fname)
    out = _wrap(_spmm_arrays(s._idx._data, s._val._data, s._sz[0], d._data, _row_plan(s, False)), s.dtype,
                s._device)
    if _gm.enabled and (s._rg or d._rg):
        record(_SparseAddmmBackward if _sparse_grad else _MmBackward, out, (s, d), (s, d), (_sparse_grad,))
    return out


def spmm(input, mat2):
    """``torch.spmm``: ``torch.mm`` with a sparse first operand (dense gradient for it)."""
    return _mm(input, mat2, 'mm')


def _mm(a, b, fname):
    """mm / matmul / @ with a sparse operand (from ember/_ops/linalg.py and the methods)."""
    if fname == 'matmul' and isinstance(a, SparseCooTensor) and isinstance(b, Tensor) and b.ndim == 1:
        from .shape import unsqueeze
        return sparse_mm(a, unsqueeze(b, 1), _sparse_grad=False, _fname=fname).squeeze(1)
    return sparse_mm(a, b, _sparse_grad=False, _fname=fname)


def sparse_addmm(input, mat1, mat2, *, beta=1.0, alpha=1.0, _name='SparseAddmmBackward0'):
    """``torch.sparse.addmm``: ``beta * input + alpha * (mat1 @ mat2)`` with ``mat1`` sparse."""
    from .pointwise import add as dadd, mul as dmul
    p = sparse_mm(mat1, mat2, _sparse_grad=_name == 'SparseAddmmBackward0')
    if alpha != 1:
        p = dmul(p, alpha)
    r = dadd(input if beta == 1 else dmul(input, beta), p)
    return _rename(r, _name)


# ---------------------------------------------------------------- reductions
def sparse_sum(input, dim=None, dtype=None):
    """``torch.sparse.sum``: all of it (a dense 0-d tensor) or over ``dim``: sparse while some
    sparse dims are left, else dense."""
    from .reduction import sum as dsum
    if not isinstance(input, SparseCooTensor):
        return dsum(input, dim) if dim is not None else dsum(input)
    v = _vals(input)
    if dtype is not None:
        v = v.to(dtype)
    if dim is None:
        return dsum(v)
    dims = _dim_list(dim, input.ndim)
    sd = input.sparse_dim()
    sdims = [d for d in dims if d < sd]
    ddims = [d - sd + 1 for d in dims if d >= sd]
    if ddims:
        v = dsum(v, tuple(ddims))
    keep = [d for d in range(sd) if d not in sdims]
    size = [input._sz[d] for d in range(input.ndim) if d not in dims]
    if not keep:
        return dsum(v, 0)
    idx = _wrap(input._idx._data[keep], D.int64, input._device)
    out = _make(idx, v, size, False, name='SparseSumBackward0')
    return _rename(out.coalesce(), 'SparseSumBackward0')


def sparse_softmax(input, dim, dtype=None, *, _log=False):
    """``torch.sparse.softmax``: softmax over ``dim`` among the specified entries only
    (unspecified ones count as -inf); the result has ``input``'s pattern, coalesced."""
    s = input.coalesce()
    if dtype is not None:
        s = s.to(dtype)
    n = s.ndim
    d = _wrap_dim(dim, n)
    sd = s.sparse_dim()
    v = _vals(s)
    if d >= sd:                                   # a dense dim: ordinary softmax of the values
        from .softmax import softmax, log_softmax
        nv = (log_softmax if _log else softmax)(v, d - sd + 1)
        return _make(s._idx, nv, s._sz, True, name='SparseLogSoftmaxBackward0' if _log else 'SparseSoftmaxBackward0')
    idx = s._idx._data
    xp = array_module(idx)
    keep = [k for k in range(sd) if k != d]
    sub = idx[keep]
    if keep:
        _, gid, _, ng = _coalesce_plan(sub, [s._sz[k] for k in keep])
        order = xp.argsort(_keys(sub, [s._sz[k] for k in keep]), kind='stable')
        g = xp.empty_like(gid)
        g[order] = gid
    else:
        g = xp.zeros(idx.shape[1], dtype=np.int64)
        ng = 1 if idx.shape[1] else 0
    gi = _wrap(g, D.int64, s._device)
    # max per group (no gradient: a shift), then exp / sum per group with ember ops
    va = v._data
    mx = xp.full((ng,) + va.shape[1:], -np.inf, dtype=va.dtype)
    if ng:
        xp.maximum.at(mx, g, va)
    from .pointwise import sub as dsub, exp, div as ddiv, log
    from .manipulation import index_add, index_select
    from .creation import zeros
    sh = dsub(v, _wrap(mx[g], v.dtype, v._device))
    e = exp(sh)
    tot = index_add(zeros((ng,) + tuple(va.shape[1:]), dtype=v.dtype, device=v._device), 0, gi, e)
    tg = index_select(tot, 0, gi)
    nv = dsub(sh, log(tg)) if _log else ddiv(e, tg)
    return _make(s._idx, nv, s._sz, True, name='SparseLogSoftmaxBackward0' if _log else 'SparseSoftmaxBackward0')


# ---------------------------------------------------------------- sparse gradients (nn.Embedding(sparse=True))
def embedding_grad(rows, g, n, device):
    """The sparse gradient of an embedding table of ``n`` rows: indices ``rows`` (the looked-up rows,
    repeats kept, in order; an int64 array), values ``g`` (an ember tensor, one gradient row per
    index). Uncoalesced unless nnz <= 1, as torch's ``embedding_sparse_backward``."""
    idx = _wrap(rows.reshape(1, -1), D.int64, device)
    return _make(idx, g, (n, g.shape[1]), rows.shape[0] <= 1)


def _contiguous(a):
    return a.flags.c_contiguous


def grad_sum(cur, g, in_place):
    """``cur + g`` for two gradients of one tensor where one is sparse (the engine's input buffers
    and accumulation into ``.grad``), as torch adds them: two sparse ones merge (the walk of
    ``add``) when both value arrays are contiguous, else their entries are concatenated, ``cur``'s
    first (torch's add_out_sparse_non_contiguous: a gradient expanded from ``sum()`` is not
    contiguous); a sparse and a dense one give a dense sum. ``in_place``: a sparse ``cur`` holds
    the result itself (torch's ``variable.grad += new_grad`` with grad mode off)."""
    cs, gs = isinstance(cur, SparseCooTensor), isinstance(g, SparseCooTensor)
    if not (cs and gs):
        if cs:
            return g + cur.to_dense()
        if in_place:
            dense_add_(cur._data, g)
            cur._bump()
            return cur
        return cur + g
    _check_sparse_pair(cur, g)
    if _contiguous(cur._val._data) and _contiguous(g._val._data):
        r = add(cur, g)
    else:
        xp = array_module(cur._idx._data)
        idx = _wrap(xp.concatenate([cur._idx._data, g._idx._data], axis=1), D.int64, cur._device)
        if _gm.enabled and (cur._rg or g._rg):
            from .shape import cat
            r = _make(idx, cat([_vals(cur), _vals(g)]), cur._sz, False)
        else:
            r = _make(idx, _wrap(xp.concatenate([cur._val._data, g._val._data]), cur.dtype, cur._device), cur._sz,
                      False)
    if in_place and r.grad_fn is None:
        cur._set_(r._idx, r._val, r._coal)
        return cur
    return r


def first_grad(g):
    """What ``.grad`` keeps of the first sparse gradient: its entries with values in a contiguous
    copy of their own (torch's AccumulateGrad stores a sparse gradient that way)."""
    v = g._val
    return _make(g._idx, _wrap(array_module(v._data).ascontiguousarray(v._data).copy(), v.dtype, v._device), g._sz,
                 g._coal)


def dense_add_(dense, s, alpha=1, values=None):
    """``dense.add_(s, alpha=alpha)`` on arrays for a sparse ``s`` of ``dense``'s shape: each entry's
    value (times ``alpha``) added into its position, in order (duplicates add up). ``values``: an
    array to use in place of ``s``'s values (a sparse tensor of ``s``'s pattern)."""
    v = s._val._data if values is None else values
    if not v.shape[0]:
        return
    if alpha != 1:
        v = v * alpha
    sz = tuple(s._sz)
    sd = s._idx._data.shape[0]
    flat = dense.reshape((_math.prod(sz[:sd]),) + sz[sd:])      # (a view of a contiguous ``dense``)
    array_module(v).add.at(flat, _keys(s._idx._data, sz), v.astype(dense.dtype, copy=False))
    if not dense.flags.c_contiguous:
        dense[...] = flat.reshape(dense.shape)


def mask_rows(dense, s):
    """``dense.sparse_mask(s)._values()`` on arrays for a coalesced ``s``: ``dense`` at ``s``'s entries."""
    sz = tuple(s._sz)
    sd = s._idx._data.shape[0]
    return dense.reshape((_math.prod(sz[:sd]),) + sz[sd:])[_keys(s._idx._data, sz)]


from . import pointwise as _pointwise, linalg as _linalg  # noqa: E402
# (a dense op with a sparse operand in add/sub/mul and the products comes here: see their _sparse_cls)
_pointwise._sparse_cls = _linalg._sparse_cls = SparseCooTensor
