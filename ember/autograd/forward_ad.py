"""Forward-mode AD (``torch.autograd.forward_ad``): dual tensors that carry a tangent, and
``unpack_dual`` to read the Jacobian-vector product J t of any result computed from them.

    >>> with fwAD.dual_level():
    ...     y = fwAD.make_dual(x, v).sin()          # x, v: (N,)
    ...     jvp = fwAD.unpack_dual(y).tangent       # (N,): cos(x) * v

How ember computes it: lazily, not op by op. A dual tensor joins the reverse-mode graph (a primal
that does not require grad gets a private leaf that does, so ops record their nodes as usual),
and ``unpack_dual(y)`` reads J t off that graph with two reverse passes (the double-vjp trick:
J^T u is linear in u, so the gradient of <J^T u, t> with respect to u is J t). Every op with a
twice-differentiable backward therefore has its forward derivative, with no per-op JVP formulas.
A custom ``autograd.Function`` with a ``jvp`` gets its own rule: its outputs' tangents come from
``jvp`` when it is applied, and the reverse passes stop at its node (it may have no backward).

What differs from torch (see docs/autograd.md): ops run under ``no_grad`` inside a level do not
carry tangents, and a result computed from a dual of a primal that does not require grad has a
``grad_fn`` (the graph the tangent is read from) where torch's has none; its ``requires_grad``,
``is_leaf`` and printed form are torch's.
"""
from collections import namedtuple

from . import engine as _engine
from . import grad_mode

__all__ = ['UnpackedDualTensor', 'enter_dual_level', 'exit_dual_level', 'make_dual', 'unpack_dual', 'dual_level']


class _Level:
    """One open dual level: the tangents given to make_dual (and computed by custom jvps), each at
    the graph edge its dual tensor's gradient arrives at."""

    def __init__(self, idx):
        self.idx = idx
        self.roots = []         # (edge, tangent)
        self.barriers = set()   # custom Function nodes whose outputs' tangents came from jvp
        self.hidden = []        # the private leaves made for primals that do not require grad


_LEVEL = [None]


def _Tensor():
    from .._tensor import Tensor
    return Tensor


def enter_dual_level():
    """Open a new forward-AD level and return its index (0: torch allows one level at a time)."""
    if _LEVEL[0] is not None:
        raise RuntimeError('Nested forward mode AD is not supported at the moment')
    _LEVEL[0] = _Level(0)
    return 0


def exit_dual_level(*, level=None):
    """Close the level: every tangent made in it is gone (``unpack_dual`` then gives None)."""
    cur = _LEVEL[0]
    if level is None:
        level = -1 if cur is None else cur.idx
    if level < 0:
        raise RuntimeError('Dual level must be a positive number.')
    if cur is None or level != cur.idx:
        raise RuntimeError('Trying to exit a forward AD level that was not the last one that was created. '
                           'This is not supported.')
    for h in cur.hidden:
        h._rg = False           # later ops on the duals build no graph
    _LEVEL[0] = None


class dual_level:
    """Context manager of a forward-AD level (``with fwAD.dual_level(): ...``)."""

    def __enter__(self):
        return enter_dual_level()

    def __exit__(self, *exc):
        exit_dual_level()


_UnpackedDualTensor = namedtuple('_UnpackedDualTensor', ['primal', 'tangent'])


class UnpackedDualTensor(_UnpackedDualTensor):
    """Namedtuple returned by :func:`unpack_dual`: ``primal`` (the tensor without its tangent) and
    ``tangent`` (None when the tensor is not dual at this level)."""


def _current(level, what):
    cur = _LEVEL[0]
    if level is not None and (cur is None or level != cur.idx):
        return None
    return cur


def _hide(t):
    from .. import _tensor
    e = t._extra
    if e is None:
        t._extra = e = {}
    e['fw_hidden'] = True
    _tensor._FW_USED[0] = True


def _cache(t, lvl, tangent):
    e = t._extra
    if e is None:
        t._extra = e = {}
    e['fw_tangent'] = (lvl, tangent, t._version)


def make_dual(tensor, tangent, *, level=None):
    """A view of ``tensor`` whose tangent is ``tangent`` (same size) at the open level.

    Example:
        >>> with fwAD.dual_level():
        ...     d = fwAD.make_dual(torch.ones(2), torch.tensor([1., 0.]))
    """
    lvl = _current(level, 'make_dual')
    if lvl is None:
        raise RuntimeError('Trying to create a dual Tensor for forward AD but no level exists, make sure to '
                           'enter_dual_level() first.')
    if tensor.dtype._cat < 2:
        raise ValueError(f'Expected primal to be floating point or complex, but got: {tensor.dtype}')
    if tangent.dtype._cat < 2:
        raise ValueError(f'Expected tangent to be floating point or complex, but got: {tangent.dtype}')
    if tuple(tangent.shape) != tuple(tensor.shape):
        raise RuntimeError('Trying to set a forward gradient that has a different size than that of the original '
                           f'Tensor, this is not supported. Tensor is of size {list(tensor.shape)} while the given '
                           f'forward gradient is of size {list(tangent.shape)}.')
    if tangent.stride() != tensor.stride():
        # torch keeps the tangent itself when it is laid out as the primal, else a copy that is
        from .._ops.strided import empty_strided
        t2 = empty_strided(tensor.shape, tensor.stride(), dtype=tangent.dtype, device=tangent.device)
        t2._data[...] = tangent._data
        tangent = t2
    if tensor._rg and _visible_requires_grad(tensor):
        with grad_mode.enable_grad():
            d = tensor.view_as(tensor)
        lvl.roots.append(((d.grad_fn, d._out), tangent))
    else:
        # a leaf that requires grad privately, so that ops on the dual record the graph the
        # tangent is read from (in-place ops on it stay allowed: ember/_ops/inplace.py)
        d = tensor.detach()
        d._rg = True
        _hide(d)
        lvl.hidden.append(d)
        lvl.roots.append(((d._accumulator(), 0), tangent))
    _cache(d, lvl, tangent)
    return d


def unpack_dual(tensor, *, level=None):
    """``(primal, tangent)`` of ``tensor`` at the open level; tangent None when it is not dual.

    Example:
        >>> primal, jvp = fwAD.unpack_dual(y)
    """
    Tensor = _Tensor()
    lvl = _current(level, 'unpack_dual')
    if not isinstance(tensor, Tensor):
        if lvl is not None:
            raise TypeError(f"_unpack_dual(): argument 'dual' (position 1) must be Tensor, not {type(tensor).__name__}")
        return UnpackedDualTensor(tensor, None)
    tangent = _tangent(tensor, lvl) if lvl is not None else None
    if tangent is None and not (tensor._extra and 'fw_hidden' in tensor._extra):
        return UnpackedDualTensor(tensor if lvl is None or not tensor._rg or _visible_requires_grad(tensor)
                                  else tensor.detach(), None)
    return UnpackedDualTensor(_primal(tensor), tangent)


def _primal(t):
    """``t`` without its tangent: a view of it, in the reverse-mode graph only when that graph
    reaches a tensor that really requires grad."""
    if t._rg and _visible_requires_grad(t) and grad_mode.state.enabled:
        return t.view_as(t)
    return t.detach()


def _tangent(y, lvl):
    """J t for tensor ``y`` at level ``lvl`` (None: ``y`` does not depend on a dual tensor)."""
    e = y._extra
    if e:
        c = e.get('fw_tangent')
        if c is not None and c[0] is lvl and c[2] == y._version:
            return c[1]
    if not y._rg or y.dtype._cat < 2 or not lvl.roots:
        return None
    from .._ops.creation import zeros_like
    targets, tangents = {}, []
    for edge_, t in lvl.roots:
        if edge_ not in targets:
            targets[edge_] = len(tangents)
            tangents.append(t)
    u = zeros_like(y).requires_grad_()
    roots = [(*_engine._edge(y), u)]
    with grad_mode.enable_grad():
        got = _engine._run(roots, True, True, targets, accumulate=False, barriers=lvl.barriers or None)
    pairs = [(g, t) for g, t in zip(got, tangents) if g is not None]
    if not pairs:
        return None
    live = [(g, t) for g, t in pairs if g._rg]
    jt = None
    if live:
        jt = _engine.grad([g for g, _ in live], [u], [t.to(g.dtype) for g, t in live], allow_unused=True)[0]
    if jt is None:      # y depends on a dual only through ops of zero derivative (floor, sign, ...)
        jt = zeros_like(y, dtype=pairs[0][1].dtype)
    else:
        jt = jt.detach()
        dt = pairs[0][1].dtype
        if jt.dtype is not dt and all(t.dtype is dt for _, t in pairs):
            jt = jt.to(dt)      # (a float64 tangent of a float32 primal stays float64, as torch's)
    _cache(y, lvl, jt)
    return jt


def _visible_requires_grad(t):
    """Whether ``t`` requires grad as torch sees it: its graph reaches a leaf that requires grad
    other than the private leaves of dual tensors."""
    from .graph import reaches_leaf
    if t.grad_fn is None:
        return t._rg and not (t._extra and 'fw_hidden' in t._extra)
    return reaches_leaf(t.grad_fn, 'fw_hidden')


def _is_hidden_result(t):
    """A tensor whose grad_fn exists only for forward AD (torch shows no grad_fn for it)."""
    return t._rg and not _visible_requires_grad(t)


def function_jvp(ctx, cls, args, outputs):
    """After ``Function.apply``'s forward: when an input is dual at the open level, the outputs'
    tangents from ``cls.jvp`` (inputs without a tangent get zeros, as torch materializes them), and
    the node becomes a barrier (the reverse passes that read tangents do not run its backward)."""
    lvl = _LEVEL[0]
    Tensor = _Tensor()
    tans = [_tangent(a, lvl) if isinstance(a, Tensor) and a._rg else None for a in args]
    if all(t is None for t in tans):
        return
    from .._ops.creation import zeros_like
    tans = [t if t is not None else (zeros_like(a) if isinstance(a, Tensor) and a.dtype._cat >= 2 else None)
            for a, t in zip(args, tans)]
    sff = ctx.__dict__.get('saved_for_forward')
    if sff is not None:
        ctx._fw_saved = tuple(sff)
    try:
        with grad_mode.no_grad():
            res = cls.jvp(ctx, *tans)
    finally:
        ctx.__dict__.pop('_fw_saved', None)
    outs = list(outputs) if isinstance(outputs, tuple) else [outputs]
    res = list(res) if isinstance(res, tuple) else [res]
    if len(res) != len(outs):
        raise RuntimeError(f'jvp of {cls.__name__} returned {len(res)} tangents, expected {len(outs)}')
    for i, (o, t) in enumerate(zip(outs, res)):
        if not isinstance(o, Tensor) or t is None or o.dtype._cat < 2:
            continue
        if o.grad_fn is ctx:
            lvl.roots.append(((ctx, i), t))
            lvl.barriers.add(ctx)
        else:
            if not o._rg:
                o._rg = True
                _hide(o)
                lvl.hidden.append(o)
            lvl.roots.append(((o._accumulator(), 0), t))
        _cache(o, lvl, t)


def jvp_columns(fn, inputs, tangents):
    """J t of ``fn`` at ``inputs`` for one tangent per input (gradcheck's forward-AD check):
    the flattened tangents of ``fn``'s tensor outputs, None for an output without one."""
    Tensor = _Tensor()
    with dual_level():
        duals = [make_dual(x, t) if isinstance(x, Tensor) and t is not None else x for x, t in zip(inputs, tangents)]
        out = fn(*duals)
        outs = out if isinstance(out, (tuple, list)) else (out,)
        return [unpack_dual(o).tangent if isinstance(o, Tensor) else None for o in outs]
