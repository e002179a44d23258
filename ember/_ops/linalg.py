"""Matrix products: matmul (``@``), mm, bmm, dot, mv, outer/ger, addmm.

``matmul`` covers every case of ``torch.matmul``: 1-D x 1-D (dot), 2-D x 1-D (mv), 1-D x 2-D,
2-D x 2-D (mm), and batched products whose batch dims broadcast (a 1-D operand is treated as a
row/column vector and its dim is dropped from the result). The operands must have the same
dtype, as in PyTorch. The forward is one ``np.matmul``; on failure the error is the one PyTorch
raises for the kernel it would have dispatched to (dot, mv, mm or bmm), and the graph node is
named as PyTorch's outermost node for that case (MmBackward0, UnsafeViewBackward0, ...).
The backward is written with ember ops, so it is differentiable again.

Example:
    >>> a = ember.randn(10, 3, 4); b = ember.randn(4, 5)
    >>> (a @ b).shape                       # torch.Size([10, 3, 5])
"""
import numpy as np
from .._backend import is_host as _is_host  # (a recorded host array too: ember.compile)
from .. import _dtype as D
from .._tensor import Tensor, _wrap, _gm, _wrap_dim
from ._core import record, backward_op, as_array, broadcast_shapes_or_raise, sum_to, check_device
from ._core import type_name as _cap, finish as _finish
from .._backend import array_module
from .shape import make_view as _make_view, _view_array
from ..amp import autocast_mode as _amp

__all__ = ['matmul', 'mm', 'bmm', 'dot', 'mv', 'outer', 'ger', 'addmm']

_MM_NAME = {'float32': 'float', 'float64': 'double', 'float16': 'c10::Half', 'int64': 'long int', 'int32': 'int',
            'int16': 'short int', 'int8': 'signed char', 'uint8': 'unsigned char', 'bool': 'bool'}


def _prod(s):
    n = 1
    for v in s:
        n *= v
    return n


def _need_tensor(fname, x, name, pos):
    if not isinstance(x, Tensor):
        raise TypeError(f"{fname}(): argument '{name}' (position {pos}) must be Tensor, not {type(x).__name__}")


# ---------------------------------------------------------------- torch's checks, per kernel
def _mm_check(sa, sb, da, db):
    if sa[1] != sb[0]:
        raise RuntimeError(f'mat1 and mat2 shapes cannot be multiplied ({sa[0]}x{sa[1]} and {sb[0]}x{sb[1]})')
    if da is not db:
        raise RuntimeError(f'expected m1 and m2 to have the same dtype, but got: {_MM_NAME[da.name]} != '
                           f'{_MM_NAME[db.name]}')
    if da is D.bool_:
        raise NotImplementedError('"addmm_impl_cpu_" not implemented for \'Bool\'')


def _mv_check(sm, sv, dm, dv):
    if sm[1] != sv[0]:
        raise RuntimeError(f'size mismatch, got input ({sm[0]}), mat ({sm[0]}x{sm[1]}), vec ({sv[0]})')
    if dm is not dv:
        raise RuntimeError(f'addmv input tensors must have the same dtype, but got {_cap(dv)}, {_cap(dm)}, '
                           f'and {_cap(dv)}')
    if dm is D.bool_:
        raise NotImplementedError('"addmv_impl_cpu" not implemented for \'Bool\'')


def _dot_check(sa, sb, da, db):
    if len(sa) != 1 or len(sb) != 1:
        raise RuntimeError(f'1D tensors expected, but got {len(sa)}D and {len(sb)}D tensors')
    if da is not db:
        raise RuntimeError(f'dot : expected both vectors to have same dtype, but found {_cap(da)} and {_cap(db)}')
    if sa[0] != sb[0]:
        raise RuntimeError(f'inconsistent tensor size, expected tensor [{sa[0]}] and src [{sb[0]}] to have the same '
                           f'number of elements, but got {sa[0]} and {sb[0]} elements respectively')
    if da is D.bool_:
        raise NotImplementedError('"dot" not implemented for \'Bool\'')


def _bmm_check(sa, sb, da, db):
    if sa[0] != sb[0] or sa[2] != sb[1]:
        raise RuntimeError(f'Expected size for first two dimensions of batch2 tensor to be: [{sa[0]}, {sa[2]}] but '
                           f'got: [{sb[0]}, {sb[1]}].')
    if da is D.bool_:
        raise NotImplementedError('"bmm" not implemented for \'Bool\'')
    if da is not db:
        raise RuntimeError(f'expected scalar type {_cap(da)} but found {_cap(db)}')


# ---------------------------------------------------------------- how torch dispatches matmul
def _squeeze_rule(sa, sb, a_rg, b_rg):
    """3-D x 3-D where one batch is 1 (and not the other) and that operand requires grad: torch
    drops its batch dim first, to fold the other operand into one matrix product."""
    if len(sa) == 3 and len(sb) == 3:
        if sa[0] == 1 and sb[0] != 1 and a_rg:
            return sa[1:], sb, 1, 0
        if sb[0] == 1 and sa[0] != 1 and b_rg:
            return sa, sb[1:], 0, 1
    return sa, sb, 0, 0


def _should_fold(t1s, t1st, dim_t2, t2_rg, dim_tensor1):
    dim_t1 = len(t1s)
    if not (dim_t1 >= 3 and dim_t2 <= 2):
        return False
    if t2_rg:
        return True
    if dim_tensor1 == 2:
        return False
    if _prod(t1s) == 0:
        return True
    for i in range(dim_t1 - 1):
        if t1st[i] != t1st[i + 1] * t1s[i + 1]:
            return False
    return True


def _matmul_fail(a, b):
    """Raise the error torch.matmul raises for these operands (called only when the product fails
    or the dtypes differ)."""
    sa, sb = tuple(a._data.shape), tuple(b._data.shape)
    da, db = a.dtype, b.dtype
    d1, d2 = len(sa), len(sb)
    if d1 == 1 and d2 == 1:
        _dot_check(sa, sb, da, db)
    elif d1 == 2 and d2 == 1:
        _mv_check(sa, sb, da, db)
    elif d1 == 1 and d2 == 2:
        _mm_check((1, sa[0]), sb, da, db)
    elif d1 == 2 and d2 == 2:
        _mm_check(sa, sb, da, db)
    else:
        sta, stb = tuple(a.stride()), tuple(b.stride())
        sa, sb, cut_a, cut_b = _squeeze_rule(sa, sb, a._rg, b._rg)
        sta, stb = sta[cut_a:], stb[cut_b:]
        d1, d2 = len(sa), len(sb)
        larger = d1 >= d2
        if larger:
            t1s, t1st, dim_t2, t2_rg = sa, sta, d2, b._rg
        else:
            t1s = sb[:-2] + (sb[-1], sb[-2])
            t1st = stb[:-2] + (stb[-1], stb[-2])
            dim_t2, t2_rg = d1, a._rg
        if _should_fold(t1s, t1st, dim_t2, t2_rg, d1):
            mat = (_prod(t1s[:-1]), t1s[-1])
            if larger:
                (_mv_check if d2 == 1 else _mm_check)(mat, sb, da, db)
            elif d1 == 1:
                _mv_check(mat, sa, db, da)
            else:
                _mm_check(mat, (sa[1], sa[0]), db, da)
        else:
            n = sa[-2] if d1 > 1 else 1
            m1 = sa[-1]
            m2 = sb[-2] if d2 > 1 else sb[-1]
            p = sb[-1] if d2 > 1 else 1
            batch = broadcast_shapes_or_raise(sa[:-2], sb[:-2])
            nb = _prod(batch)
            _bmm_check((nb, n, m1), (nb, m2, p), da, db)
    raise RuntimeError(f'matmul: cannot multiply shapes {list(a.shape)} and {list(b.shape)}')


# ---------------------------------------------------------------- backward (shared by every product)
def _product_bw(node, g):
    a, b = node.saved()
    sa, sb = node._args
    na, nb = node.next_functions
    ga = gb = None
    d1, d2 = len(sa), len(sb)
    want_a, want_b = na[0] is not None, nb[0] is not None
    if d1 == 1 and d2 == 1:                       # dot: g is 0-d
        ga = g * b if want_a else None
        gb = g * a if want_b else None
    elif d2 == 1:                                  # (..., n, k) @ (k,) -> (..., n)
        if want_a:
            ga = g.unsqueeze(-1) * b
        if want_b:
            k = sa[-1]
            gb = matmul(a.mT, g) if d1 == 2 else matmul(g.reshape(g.numel()), a.reshape(_prod(sa[:-1]), k))
    elif d1 == 1:                                  # (k,) @ (..., k, p) -> (..., p)
        if want_a:
            k = sb[-2]
            ga = matmul(b, g) if d2 == 2 else matmul(b.mT.reshape(_prod(sb[:-2]) * sb[-1], k).mT, g.reshape(g.numel()))
        if want_b:
            gb = a.unsqueeze(-1) * g.unsqueeze(-2)
    else:
        if want_a:
            if d1 == 2 and d2 > 2:                 # sum over b's batch: one 2-D product
                n, k = sa
                rows = _prod(sb[:-2]) * sb[-1]
                ga = matmul(g.mT.reshape(rows, n).mT, b.mT.reshape(rows, k))
            elif d1 == 2 and d2 == 2:              # mm: the gradient in a's layout, as torch
                ga = _mat1_grad(g, b, a is not None and _col_major(a._data))
            else:
                ga = sum_to(matmul(g, b.mT), sa)
        if want_b:
            if d2 == 2 and d1 > 2:
                k, p = sb
                rows = _prod(sa[:-1])
                gb = matmul(a.reshape(rows, k).mT, g.reshape(rows, p))
            elif d1 == 2 and d2 == 2:
                gb = _mat2_grad(g, a, b is not None and _col_major(b._data))
            else:
                gb = sum_to(matmul(a.mT, g), sb)
    return ga, gb


_dot_bw = backward_op('DotBackward0')(_product_bw)
_mv_bw = backward_op('MvBackward0')(_product_bw)
_mm_bw = backward_op('MmBackward0')(_product_bw)
_bmm_bw = backward_op('BmmBackward0')(_product_bw)
_vm_bw = backward_op('SqueezeBackward4')(_product_bw)
_uview_bw = backward_op('UnsafeViewBackward0')(_product_bw)
_clone_bw = backward_op('CloneBackward0')(_product_bw)
_transp_bw = backward_op('TransposeBackward0')(_product_bw)
_SMALL = {(1, 1): _dot_bw, (2, 1): _mv_bw, (1, 2): _vm_bw, (2, 2): _mm_bw}


def _matmul_cls(a, b):
    """The node class named as torch's outermost node of matmul for these operands."""
    sa, sb = a._data.shape, b._data.shape
    cls = _SMALL.get((len(sa), len(sb)))
    if cls is not None:
        return cls
    sa, sb, _, _ = _squeeze_rule(sa, sb, a._rg, b._rg)
    if len(sa) == 2 and len(sb) >= 3 and a._rg:
        # torch folds b, multiplies transposed, and transposes back (a copy unless a vector)
        contiguous = sa[0] == 1 or sb[-1] == 1 or sa[0] * sb[-1] * _prod(sb[:-2]) == 0
        return _transp_bw if contiguous else _clone_bw
    return _uview_bw


def _record(cls, t, a, b):
    record(cls, t, (a, b), (a if b._rg else None, b if a._rg else None), (a._data.shape, b._data.shape))


def _np_product(xa, xb, acc=False):
    """xa @ xb; float16 sums in float32 and rounds once (``acc``: returns the float32 sums)."""
    # (torch's CUDA addmm/addmv return early on empty operands; its dot, also under vdot and 1-D
    # matmul, dispatches on the dtype first and refuses integers even when empty)
    if not _is_host(xa) and xa.dtype.kind in 'biu' and ((xa.size and xb.size) or xa.ndim == xb.ndim == 1):
        _no_integer_gemm(xa, xb)
    if xa.dtype == np.float16:
        r = np.matmul(xa.astype(np.float32), xb.astype(np.float32))
        return r if acc else r.astype(np.float16)
    return np.matmul(xa, xb)


def _no_integer_gemm(xa, xb):
    """torch's CUDA build has no integer matrix products (cuBLAS has none): the same refusal."""
    from .. import _dtype as _D
    kernel = ('dot' if xa.ndim == 1 and xb.ndim == 1 else 'addmv_impl_cuda' if xb.ndim == 1 else
              'baddbmm_cuda' if xa.ndim >= 3 else 'addmm_cuda')
    raise NotImplementedError(f'"{kernel}" not implemented for \'{_D._FROM_NP[xa.dtype]._legacy[:-6]}\'')


# ---------------------------------------------------------------- the ops
# SparseCooTensor once ember/_ops/sparse_coo.py is loaded (it sets this, as pointwise._sparse_cls):
# a product with a sparse operand goes there
_sparse_cls = None


def _sparse_route(a, b, fname):
    from .sparse_coo import _mm
    return _mm(a, b, fname)


def matmul(input, other, *, out=None):
    """Matrix product with torch.matmul's broadcasting rules; ``a @ b``.

    Example: ``ember.ones(2, 3) @ ember.ones(3)`` is ``tensor([3., 3.])``."""
    if _amp.active:     # autocast: float16 operands (ember/amp/autocast_mode.py)
        input, other = _amp.lower(input, other)
    if _sparse_cls is not None and (type(input) is _sparse_cls or type(other) is _sparse_cls):
        return _sparse_route(input, other, 'matmul')     # (a sparse operand: ember/_ops/sparse_coo.py)
    _need_tensor('matmul', input, 'input', 1)
    _need_tensor('matmul', other, 'other', 2)
    xa, xb = input._data, other._data
    if xa.ndim == 0 or xb.ndim == 0:
        raise RuntimeError(f'both arguments to matmul need to be at least 1D, but they are {xa.ndim}D and {xb.ndim}D')
    if input._device is not other._device:
        check_device(input, other)
    if input.dtype is not other.dtype or input.dtype is D.bool_:
        _matmul_fail(input, other)
    try:
        r = _np_product(xa, xb)
    except ValueError:
        _matmul_fail(input, other)
        raise
    if type(r) is not np.ndarray:
        r = as_array(r)
    t = _wrap(r, input.dtype, input._device)
    if _gm.enabled and (input._rg or other._rg):
        _record(_matmul_cls(input, other), t, input, other)
    return _finish(t, out)


def _fixed_product(fname, a, b, names, check_ndim, check, node, out):
    """The shared body of mm, bmm, dot and mv: argument checks in torch's order, one
    NumPy product, one node."""
    _need_tensor(fname, a, names[0], 1)
    _need_tensor(fname, b, names[1], 2)
    xa, xb = a._data, b._data
    if check_ndim is not None:
        check_ndim(xa.ndim, xb.ndim)
    else:                       # dot checks sizes and dtypes before devices
        check(xa.shape, xb.shape, a.dtype, b.dtype)
    if a._device is not b._device:
        check_device(a, b)
    if check_ndim is not None:
        check(xa.shape, xb.shape, a.dtype, b.dtype)
    t = _wrap(as_array(_np_product(xa, xb)), a.dtype, a._device)
    if _gm.enabled and (a._rg or b._rg):
        _record(node, t, a, b)
    return _finish(t, out)


def _mm_ndim(na, nb):
    if na != 2:
        raise RuntimeError('self must be a matrix')
    if nb != 2:
        raise RuntimeError('mat2 must be a matrix')


def _bmm_ndim(na, nb):
    if na != 3:
        raise RuntimeError('batch1 must be a 3D tensor')
    if nb != 3:
        raise RuntimeError('batch2 must be a 3D tensor')


def _mv_ndim(na, nb):
    if na != 2 or nb != 1:
        raise RuntimeError(f'vector + matrix @ vector expected, got 1, {na}, {nb}')


def mm(input, mat2, *, out=None):
    """Product of two matrices (no broadcasting): (n, k) @ (k, m) -> (n, m)."""
    if _amp.active:     # autocast: float16 operands (ember/amp/autocast_mode.py)
        input, mat2 = _amp.lower(input, mat2)
    if _sparse_cls is not None and (type(input) is _sparse_cls or type(mat2) is _sparse_cls):
        return _sparse_route(input, mat2, 'mm')          # (a sparse operand: ember/_ops/sparse_coo.py)
    return _fixed_product('mm', input, mat2, ('input', 'mat2'), _mm_ndim, _mm_check, _mm_bw, out)


def bmm(input, mat2, *, out=None):
    """Batched product of 3-D tensors with equal batch sizes: (b, n, k) @ (b, k, m) -> (b, n, m)."""
    if _amp.active:     # autocast: float16 operands (ember/amp/autocast_mode.py)
        input, mat2 = _amp.lower(input, mat2)
    return _fixed_product('bmm', input, mat2, ('input', 'mat2'), _bmm_ndim, _bmm_check, _bmm_bw, out)


def dot(input, tensor, *, out=None):
    """Inner product of two 1-D tensors of the same size and dtype (a 0-d result)."""
    return _fixed_product('dot', input, tensor, ('input', 'tensor'), None, _dot_check, _dot_bw, out)


def mv(input, vec, *, out=None):
    """Matrix-vector product: (n, k) @ (k,) -> (n,)."""
    return _fixed_product('mv', input, vec, ('input', 'vec'), _mv_ndim, _mv_check, _mv_bw, out)


def outer(input, vec2, *, out=None):
    """Outer product of two 1-D tensors: (n,) x (m,) -> (n, m); dtypes promote as in ``*``."""
    _need_tensor('outer', input, 'input', 1)
    _need_tensor('outer', vec2, 'vec2', 2)
    if input._data.ndim != 1:
        raise RuntimeError(f'outer: Expected 1-D argument self, but got {input._data.ndim}-D')
    if vec2._data.ndim != 1:
        raise RuntimeError(f'outer: Expected 1-D argument vec2, but got {vec2._data.ndim}-D')
    from .pointwise import mul
    return mul(input.reshape(input._data.shape[0], 1), vec2, out=out)


ger = outer


@backward_op('AddmmBackward0')
def _addmm_bw(node, g):
    m1, m2 = node.saved()
    s_in, d_in, beta, alpha, col1, col2 = node._args
    n_in, n1, n2 = node.next_functions
    if not _gm.enabled and beta == 1 and alpha == 1 and g.dtype is d_in and type(g) is Tensor:
        # no graph is being built (the engine's usual case): the same NumPy products and the
        # same view tensors as the ember ops below, without their dispatch and checks
        r = _addmm_bw_arrays(g, m1, m2, s_in, n_in[0] is not None, n1[0] is not None, n2[0] is not None,
                             col1, col2)
        if r is not None:
            return r
    gi = g1 = g2 = None
    if n_in[0] is not None:
        gi = sum_to(g if beta == 1 else g * beta, s_in)
        if gi.dtype is not d_in:
            gi = gi.to(d_in)
    if n1[0] is not None:
        g1 = _mat1_grad(g, m2, col1)
        if alpha != 1:
            g1 = g1 * alpha
    if n2[0] is not None:
        g2 = _mat2_grad(g, m1, col2)
        if alpha != 1:
            g2 = g2 * alpha
    return gi, g1, g2


def _addmm_bw_arrays(g, m1, m2, s_in, want_in, want1, want2, col1, col2):
    """``_addmm_bw`` (beta = alpha = 1, grad mode off) on the arrays: the values, dtypes, layouts
    and views that ``sum_to``, ``_mat1_grad`` and ``_mat2_grad`` give, or None for a case it does
    not cover (the ember ops then run). The operands are 2-D: ``.T`` is their ``.mT``."""
    gd = g._data
    dt, dev = g.dtype, g._device
    gs = gd.shape
    if len(gs) != 2:
        return None
    gi = g1 = g2 = None
    if want_in:
        if gs == s_in:
            gi = g
        elif len(s_in) == 1 and s_in[0] == gs[1]:
            # sum_to: g.sum([0], keepdim=True).reshape(s_in), as reduction.sum and shape.reshape
            acc = np.float32 if dt.np == np.float16 else dt.np
            # (ndarray.sum is np.add.reduce behind a Python wrapper)
            r = np.add.reduce(gd, (0,), acc, None, True) if type(gd) is np.ndarray else \
                gd.sum(axis=(0,), dtype=acc, keepdims=True)
            if type(r) is not np.ndarray:
                r = as_array(r)
            if r.dtype is not dt.np:
                r = r.astype(dt.np)
            sm = _wrap(r, dt, dev)
            isz = r.itemsize
            if s_in[0] != 1 and r.strides == (s_in[0] * isz, isz):
                v = r.reshape(s_in)     # what _view_array gives for standard strides
            else:
                v = _view_array(sm, s_in)
                if v is None:
                    return None
            gi = _make_view(sm, v, None, None, ('view', s_in))
        else:
            return None
    if want1:
        if m2.dtype is not dt or m2._device is not dev:
            return None
        xb = m2._data
        if col1:                # matmul(m2, g.mT).mT
            r = _wrap(_np_product(xb, gd.T), dt, dev)
            g1 = _make_view(r, r._data.T, None, None, ('transpose', (0, 1)))
        else:                   # matmul(g, m2.mT)
            g1 = _wrap(_np_product(gd, xb.T), dt, dev)
    if want2:
        if m1.dtype is not dt or m1._device is not dev:
            return None
        xa = m1._data
        if col2:                # matmul(g.mT, m1).mT
            r = _wrap(_np_product(gd.T, xa), dt, dev)
            g2 = _make_view(r, r._data.T, None, None, ('transpose', (0, 1)))
        else:                   # matmul(m1.mT, g)
            g2 = _wrap(_np_product(xa.T, gd), dt, dev)
    return gi, g1, g2


def _col_major(x):
    """Whether a 2-D array is laid out column-major, by torch's test (strides (1, rows) in
    elements): a transposed view such as ``linear``'s ``weight.t()``."""
    st = x.strides
    it = x.itemsize
    return st[0] == it and st[1] == x.shape[0] * it


def _mat1_grad(g, m2, col):
    """d(m1 @ m2)/d(m1) given g, in m1's layout as torch's mm_mat1_backward: a column-major m1
    gets ``(m2 @ g^T)^T``, so that the gradient of a transposed view is contiguous once
    transposed back."""
    return matmul(m2, g.mT).mT if col else matmul(g, m2.mT)


def _mat2_grad(g, m1, col):
    """d(m1 @ m2)/d(m2) in m2's layout (torch's mm_mat2_backward): for linear's ``weight.t()``
    the product is computed as ``(g^T @ m1)^T``, whose transpose back to the weight is
    contiguous (the plain ``m1^T @ g`` made ``.grad`` a transposing copy: ~20x a plain copy)."""
    return matmul(g.mT, m1).mT if col else matmul(m1.mT, g)


def _expand_check(shape, target, dt):
    if len(shape) > len(target):
        raise RuntimeError(f'expand(torch.{dt._legacy}{{{list(shape)}}}, size={list(target)}): the number of sizes '
                           f'provided ({len(target)}) must be greater or equal to the number of dimensions in the '
                           f'tensor ({len(shape)})')
    lead = len(target) - len(shape)
    for i in range(len(shape) - 1, -1, -1):
        s = shape[i]
        if s != 1 and s != target[lead + i]:
            raise RuntimeError(f'The expanded size of the tensor ({target[lead + i]}) must match the existing size '
                               f'({s}) at non-singleton dimension {lead + i}.  Target sizes: {list(target)}.  '
                               f'Tensor sizes: {list(shape)}')


def addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * (mat1 @ mat2)``; ``input`` broadcasts to the product's shape.
    With ``beta=0`` the input is ignored (its NaNs do not propagate)."""
    if _amp.active:     # autocast: float16 operands (ember/amp/autocast_mode.py)
        input, mat1, mat2 = _amp.lower(input, mat1, mat2)
    if beta == 1 and alpha == 1 and out is None and type(mat1) is Tensor:
        t = _addmm_plain(input, mat1, mat2, beta, alpha)      # linear's case, else None
        if t is not None:
            return t
    if _sparse_cls is not None and type(mat1) is _sparse_cls:    # (ember/_ops/sparse_coo.py)
        from .sparse_coo import sparse_addmm
        return sparse_addmm(input, mat1, mat2, beta=beta, alpha=alpha, _name='AddmmBackward0')
    _need_tensor('addmm', input, 'input', 1)
    _need_tensor('addmm', mat1, 'mat1', 2)
    _need_tensor('addmm', mat2, 'mat2', 3)
    if input.dtype is not mat2.dtype:
        raise RuntimeError(f'self and mat2 must have the same dtype, but got {_cap(input.dtype)} and '
                           f'{_cap(mat2.dtype)}')
    if mat1.dtype is not mat2.dtype:
        raise RuntimeError(f'mat1 and mat2 must have the same dtype, but got {_cap(mat1.dtype)} and '
                           f'{_cap(mat2.dtype)}')
    x1, x2, xi = mat1._data, mat2._data, input._data
    if x1.ndim != 2:
        raise RuntimeError(f'mat1 must be a matrix, got {x1.ndim}-D tensor')
    if x2.ndim != 2:
        raise RuntimeError(f'mat2 must be a matrix, got {x2.ndim}-D tensor')
    if x1.shape[1] != x2.shape[0]:
        raise RuntimeError(f'mat1 and mat2 shapes cannot be multiplied ({x1.shape[0]}x{x1.shape[1]} and '
                           f'{x2.shape[0]}x{x2.shape[1]})')
    target = (x1.shape[0], x2.shape[1])
    if xi.shape != target:
        _expand_check(xi.shape, target, input.dtype)
    dt = mat1.dtype
    if dt is D.bool_:
        raise NotImplementedError('"addmm_impl_cpu_" not implemented for \'Bool\'')
    for dev in (mat1._device, mat2._device):
        if dev is not input._device:
            check_device(input, mat1 if mat1._device is not input._device else mat2)
    if dt._cat < 2:
        alpha, beta = int(alpha), int(beta)
    half = x1.dtype == np.float16     # torch scales and adds the input in float32, rounding once
    r = _np_product(x1, x2, acc=half)
    if alpha != 1:
        r = r * (alpha if half else dt.np.type(alpha))
    if beta != 0:
        xh = xi.astype(np.float32) if half else xi
        xb = xh if beta == 1 else xh * (beta if half else dt.np.type(beta))
        if r.shape == target and r.dtype == xb.dtype:
            r += xb             # r is the product's fresh array: no second (n, m) allocation
        else:
            r = r + xb
    elif r.shape != target:
        r = np.broadcast_to(r, target)
    r = np.ascontiguousarray(r, dtype=dt.np) if type(r) is np.ndarray else \
        array_module(r).ascontiguousarray(r, dtype=dt.np)
    t = _wrap(r, dt, input._device)
    if _gm.enabled and (input._rg or mat1._rg or mat2._rg):
        record(_addmm_bw, t, (input, mat1, mat2), (mat1 if mat2._rg else None, mat2 if mat1._rg else None),
               (xi.shape, input.dtype, beta, alpha, mat1._rg and _col_major(x1), mat2._rg and _col_major(x2)))
    return _finish(t, out)


def _addmm_plain(input, mat1, mat2, beta, alpha):
    """``addmm`` with beta = alpha = 1 and no ``out`` for operands that pass all of its checks: one
    floating dtype, one device, 2-D matrices that multiply, ``input`` of the product's shape or of
    its last dim (a bias). The same product, in-place bias add, tensor and node as the general
    path, without its checks one by one; None for anything else."""
    if not (isinstance(input, Tensor) and isinstance(mat2, Tensor)):
        return None
    dt = mat1.dtype
    dev = mat1._device
    if input.dtype is not dt or mat2.dtype is not dt or dt._cat != 2 or input._device is not dev or \
            mat2._device is not dev or dt is D.float16:     # (float16: the general path adds in float32)
        return None
    x1, x2, xi = mat1._data, mat2._data, input._data
    if x1.ndim != 2 or x2.ndim != 2 or x1.shape[1] != x2.shape[0]:
        return None
    target = (x1.shape[0], x2.shape[1])
    si = xi.shape
    if si != target and si != target[1:]:
        return None
    r = _np_product(x1, x2)
    if r.shape != target or r.dtype != xi.dtype or not r.flags.c_contiguous or r.dtype != dt.np:
        return None             # (never for a product of this dtype: then the general path decides)
    r += xi                     # r is the product's fresh array: no second (n, m) allocation
    t = _wrap(r, dt, dev)
    if _gm.enabled and (input._rg or mat1._rg or mat2._rg):
        record(_addmm_bw, t, (input, mat1, mat2), (mat1 if mat2._rg else None, mat2 if mat1._rg else None),
               (si, dt, beta, alpha, mat1._rg and _col_major(x1), mat2._rg and _col_major(x2)))
    return t


# ================================================================ more products (compositions of ember ops,
# so their gradients, of any order, come from the ops they are made of)
__all__ += ['einsum', 'tensordot', 'kron', 'cross', 'baddbmm', 'addmv', 'addbmm']


def _scaled(x, c):
    return x if c == 1 else x * c


def _add_scaled(input, p, beta, msg):
    """beta * input + p, input broadcast to p's shape (beta == 0: input ignored, NaN too)."""
    try:
        s = broadcast_shapes_or_raise(tuple(input.shape), tuple(p.shape))
    except RuntimeError:
        s = None
    if s != tuple(p.shape):
        raise RuntimeError(msg)
    if beta == 0:       # input's values ignored (NaN too); its gradient is zero, as in torch
        from .pointwise import nan_to_num
        return p + nan_to_num(input * 0, 0., 0., 0.)
    return p + _scaled(input, beta)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * (batch1 @ batch2), batched; beta == 0 ignores input (NaN too)."""
    if _amp.active:     # autocast: float16 operands (ember/amp/autocast_mode.py)
        input, batch1, batch2 = _amp.lower(input, batch1, batch2)
    p = _scaled(bmm(batch1, batch2), alpha)
    return _finish(_add_scaled(input, p, beta, f'The expanded size of the tensor ({p.shape[-1]}) must match the '
                                               f'existing size ({input.shape[-1] if input.dim() else 1}) at '
                                               f'non-singleton dimension {max(input.dim() - 1, 0)}.'), out)


def addmv(input, mat, vec, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * (mat @ vec)."""
    p = _scaled(mv(mat, vec), alpha)
    return _finish(_add_scaled(input, p, beta, f'size mismatch, got input ({list(input.shape)}), mat '
                                               f'({mat.shape[0]}x{mat.shape[1]}), vec ({vec.shape[0]})'), out)


def addbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * sum_b(batch1[b] @ batch2[b])."""
    if _amp.active:     # autocast: float16 operands (ember/amp/autocast_mode.py)
        input, batch1, batch2 = _amp.lower(input, batch1, batch2)
    p = _scaled(bmm(batch1, batch2).sum(0), alpha)
    return _finish(_add_scaled(input, p, beta, f'The expanded size of the tensor ({p.shape[-1]}) must match the '
                                               f'existing size ({input.shape[-1] if input.dim() else 1}) at '
                                               f'non-singleton dimension {max(input.dim() - 1, 0)}.'), out)


def tensordot(a, b, dims=2, out=None):
    """Sum over the last ``dims`` dims of a and the first of b, or over the dims listed in
    ``dims = (dims_a, dims_b)``."""
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f'tensordot expects dims >= 0, but got dims={dims}')
        if dims > min(a.dim(), b.dim()):
            raise RuntimeError(f'tensordot expects dims < ndim_a or ndim_b, but got dims={dims}')
        da, db = list(range(-dims, 0)), list(range(dims))      # (as torch: its messages name dims so)
    else:
        da, db = dims
        da = [da] if isinstance(da, int) else list(da)
        db = [db] if isinstance(db, int) else list(db)
    if len(da) != len(db):
        raise RuntimeError('both dimension lists should have same length')
    wa, wb = [], []
    for x, y in zip(da, db):
        wa.append(_wrap_dim(x, a.dim()))
        wb.append(_wrap_dim(y, b.dim()))
        if a.shape[wa[-1]] != b.shape[wb[-1]]:
            raise RuntimeError(f'contracted dimensions need to match, but first has size {a.shape[wa[-1]]} in dim '
                               f'{x} and second has size {b.shape[wb[-1]]} in dim {y}')
    da, db = wa, wb
    fa = [d for d in range(a.dim()) if d not in da]
    fb = [d for d in range(b.dim()) if d not in db]
    k = _prod([a.shape[d] for d in da])
    A = a.permute(*(fa + da)).reshape(_prod([a.shape[d] for d in fa]), k)
    B = b.permute(*(db + fb)).reshape(k, _prod([b.shape[d] for d in fb]))
    r = mm(A, B).reshape(*([a.shape[d] for d in fa] + [b.shape[d] for d in fb]))
    return _finish(r, out)


def kron(input, other, *, out=None):
    """The Kronecker product: result[i*n + k, ...] = input[i, ...] * other[k, ...]."""
    n = max(input.dim(), other.dim())
    sa = (1,) * (n - input.dim()) + tuple(input.shape)
    sb = (1,) * (n - other.dim()) + tuple(other.shape)
    a = input.reshape(*[v for s in sa for v in (s, 1)])
    b = other.reshape(*[v for s in sb for v in (1, s)])
    return _finish((a * b).reshape(*[x * y for x, y in zip(sa, sb)]), out)


def _rot(x, k, d):
    from .shape import cat
    return cat([x.narrow(d, k, 3 - k), x.narrow(d, 0, k)], d)


def cross(input, other, dim=None, *, out=None):
    """The cross product of 3-vectors along ``dim`` (default: the first dim of size 3)."""
    if input.dim() != other.dim():
        raise RuntimeError(f'linalg.cross: inputs must have the same number of dimensions.')
    if dim is None:
        s = broadcast_shapes_or_raise(tuple(input.shape), tuple(other.shape))
        dim = next((i for i, v in enumerate(s) if v == 3), None)
        if dim is None:
            raise RuntimeError('no dimension of size 3 in input')
    return linalg_cross(input, other, dim=dim, out=out)


def linalg_cross(input, other, *, dim=-1, out=None):
    """torch.linalg.cross: the cross product along ``dim`` (inputs broadcast)."""
    if input.dim() != other.dim():
        raise RuntimeError(f'linalg.cross: inputs must have the same number of dimensions.')
    d = dim % max(input.dim(), 1)
    if input.shape[d] != 3 or other.shape[d] != 3:
        raise RuntimeError(f'linalg.cross: inputs dimension {dim} must have length 3. Got {input.shape[d]} and '
                           f'{other.shape[d]}')
    s = broadcast_shapes_or_raise(tuple(input.shape), tuple(other.shape))
    a, b = input.expand(*s), other.expand(*s)
    r = _rot(a, 1, d) * _rot(b, 2, d) - _rot(a, 2, d) * _rot(b, 1, d)
    return _finish(r, out)


# ---------------------------------------------------------------- einsum
_LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'


def _parse_einsum(eq, ops):
    eq = eq.replace(' ', '')
    lhs, arrow, rhs = eq.partition('->')
    ins = lhs.split(',')
    if len(ins) != len(ops):
        raise RuntimeError(f'einsum(): more operands were provided than specified in the equation'
                           if len(ops) > len(ins) else 'einsum(): fewer operands were provided than specified in '
                           'the equation')
    used = set(c for c in eq if c.isalpha())
    free = [c for c in _LETTERS if c not in used]
    ell = 0
    for s, o in zip(ins, ops):
        if '...' in s:
            ell = max(ell, o.dim() - (len(s) - 3))
    el = ''.join(free[:ell])
    subs = []
    for s, o in zip(ins, ops):
        if '...' in s:
            n = o.dim() - (len(s) - 3)
            s = s.replace('...', el[ell - n:] if n else '')
        if len(s) != o.dim():
            raise RuntimeError(f'einsum(): the number of subscripts in the equation ({len(s)}) does not match the '
                               f'number of dimensions ({o.dim()}) for operand {len(subs)}'
                               + ('' if '...' in eq else ' and no ellipsis was given'))
        subs.append(s)
    if arrow:
        out = rhs.replace('...', el)
    else:
        cnt = {}
        for s in subs:
            for c in s:
                cnt[c] = cnt.get(c, 0) + 1
        out = el + ''.join(sorted(c for c in cnt if cnt[c] == 1 and c not in el))
    return subs, out


def _einsum_bw(node, g):
    ops = node.saved()
    subs, out = node._args
    grads = []
    for i, (s, nf) in enumerate(zip(subs, node.next_functions)):
        if nf[0] is None:
            grads.append(None)
            continue
        full_s, full_shape = s, tuple(ops[i].shape)
        if len(set(s)) != len(s):       # a repeated subscript ('ii->i'): the gradient of its diagonal
            first = [k for k, c in enumerate(s) if s.index(c) == k]
            s = ''.join(s[k] for k in first)
            shape_i = tuple(full_shape[k] for k in first)
        else:
            shape_i = full_shape
        others = [o for j, o in enumerate(ops) if j != i]
        osubs = [t for j, t in enumerate(subs) if j != i]
        keep = ''.join(c for c in s if c in out or any(c in t for t in osubs))
        r = _einsum(','.join([out] + osubs) + '->' + keep, [g] + others)
        if keep != s:        # dims summed away in the forward: the gradient is constant along them
            r = r.reshape(*[shape_i[k] if c in keep else 1 for k, c in enumerate(s)]).expand(*shape_i)
        if full_s != s:      # put it back on the diagonal: zero where the repeated indices differ
            r = r.reshape(*[n if full_s.index(c) == k else 1 for k, (c, n) in enumerate(zip(full_s, full_shape))])
            r = r.expand(*full_shape)
            for k, c in enumerate(full_s):
                p = full_s.index(c)
                if p != k:
                    n = full_shape[k]
                    eye = _wrap(array_module(r._data).eye(n, dtype=r.dtype.np), r.dtype, r._device)
                    r = r * eye.reshape(*[n if d in (p, k) else 1 for d in range(len(full_s))])
        grads.append(r)
    return tuple(grads)


# torch's einsum is composed (Linear.cpp): its result's node is that of its last op; one backward here
_EINSUM_NODES = {n: backward_op(n)(_einsum_bw)
                 for n in ('ViewBackward0', 'MulBackward0', 'SumBackward1', 'PermuteBackward0')}


def _einsum_node(subs, out):
    """The node torch's einsum ends with. One operand: a sum (SumBackward1) where a subscript is
    summed, else a permute. More: the last operand's pair product, a bmm reshaped back
    (ViewBackward0) where it sums a subscript (last seen in that operand or, with two operands, in
    either), else a mul (MulBackward0)."""
    summed = [c for c in set(''.join(subs)) if c not in out]
    if len(subs) == 1:
        return _EINSUM_NODES['SumBackward1' if summed else 'PermuteBackward0']
    n = len(subs)
    last = {c: max(i for i, s in enumerate(subs) if c in s) for c in summed}
    view = any(last[c] == n - 1 or (n == 2 and last[c] == 0) for c in summed)
    return _EINSUM_NODES['ViewBackward0' if view else 'MulBackward0']


def _einsum(eq, ops):
    subs, out = _parse_einsum(eq, ops)
    dt = ops[0].dtype
    for o in ops:
        if o.dtype is not dt:
            raise RuntimeError(f'expected scalar type {_cap(dt)} but found {_cap(o.dtype)}')
    sizes = {}
    for i, (s, o) in enumerate(zip(subs, ops)):     # torch's checks and messages, in its order
        for dim, (c, n) in enumerate(zip(s, o.shape)):
            if c in s[:dim]:
                m = o.shape[s.index(c)]
                if n != m:
                    raise RuntimeError(f"einsum(): subscript {c} is repeated for operand {i} but the sizes don't "
                                       f"match, {n} != {m}")
            elif n != 1:
                seen = sizes.get(c, 1)
                if seen != 1 and seen != n:
                    if c in eq:
                        raise RuntimeError(f'einsum(): subscript {c} has size {n} for operand {i} which does not '
                                           f'broadcast with previously seen size {seen}')
                    raise RuntimeError(f'einsum(): dimension {dim} covered by ellipsis in operand {i}has size {n} '
                                       f'which does not broadcast with previously seen ellipsis with size {seen} '
                                       'for the respective dimension')     # (sic: torch's message lacks a space)
                sizes[c] = n
    arrs = [o._data for o in ops]
    if dt.np == np.float16:     # torch sums half products in float32 (bmm's accumulator), rounding once
        arrs = [a.astype(np.float32) for a in arrs]
    r = as_array(np.einsum(','.join(subs) + '->' + out, *arrs, optimize=len(ops) > 2))
    if r.dtype is not dt.np:
        r = r.astype(dt.np)
    t = _wrap(r, dt, ops[0]._device)
    if _gm.enabled and any(o._rg for o in ops):
        record(_einsum_node(subs, out), t, tuple(ops), tuple(ops), (subs, out))
    return t


def _einsum_sublists(args):
    """(equation, operands) from einsum's sublist form: operand, sublist, ..., [output sublist]."""
    def letters(sub):
        return ''.join('...' if i is Ellipsis else 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'[i]
                       for i in sub)
    ops, subs = args[0::2], args[1::2]
    eq = ','.join(letters(s) for s in subs[:len(ops)])
    if len(args) % 2:
        ops, eq = ops[:-1], ','.join(letters(s) for s in subs) + '->' + letters(args[-1])
    return eq, tuple(ops)


def einsum(equation, *operands):
    """Sums of products over named subscripts, e.g. ``einsum('bij,bjk->bik', a, b)``; also the
    sublist form ``einsum(a, [0, 1], b, [1], [0])`` (subscripts as ints, Ellipsis for ...)."""
    if isinstance(equation, Tensor):
        equation, operands = _einsum_sublists((equation,) + operands)
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    for o in operands:
        if not isinstance(o, Tensor):
            raise TypeError(f"einsum(): argument 'operands' must be tuple of Tensors, not {type(o).__name__}")
        if o._device is not operands[0]._device:
            check_device(operands[0], o)
    if _amp.active and len(operands) > 1:     # autocast (ember/amp/autocast_mode.py)
        operands = _einsum_autocast(equation, operands)
    return _einsum(equation, list(operands))


def _einsum_autocast(eq, ops):
    """einsum's operands in an autocast region. torch contracts operand pairs with bmm, an op of
    its lower-precision list: when a subscript is summed across two operands ('ij,jk->ik',
    'ij,ij->i') they run in the region's dtype; a product with no such subscript ('i,j->ij') is a
    mul and keeps theirs."""
    subs, out = _parse_einsum(eq, ops)
    if any(c not in out and sum(c in s for s in subs) > 1 for c in set(''.join(subs))):
        return _amp.lower(*ops)
    return ops
