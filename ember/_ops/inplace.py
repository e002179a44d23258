"""In-place ops (``add_``, ``x[i] = v``, ``copy_``, ...), made from the out-of-place op.

Without autograd the result is computed and written into self's memory. With autograd, the op
runs on a copy of self's old value, so its node saves what the backward needs, and self takes
the new node as ``grad_fn``. An in-place op on a view also rewrites the base's history (torch's
``CopySlices``): the base's gradient passes through unchanged except in the viewed region.
"""
import numpy as np
from .._tensor import Tensor, _wrap, _gm, INFERENCE_INPLACE
from ._core import record, edge, backward_op, result_dtype
from ._core import type_name as _cap
from .._dtype import bfloat16 as _BF16
from .._bf16 import round_bf16


def check_inplace(t):
    """torch's refusals, raised before anything changes."""
    if t._extra and not _gm.inference and 'inference' in t._extra:
        raise RuntimeError(INFERENCE_INPLACE)
    if _gm.enabled:
        cv = t._rg and t._extra and t._extra.get('custom_view')
        if cv:
            name, i, multi = cv
            raise RuntimeError(
                f'Output {i} of {name} is a view and is being modified inplace. ' + (
                    'This view is the output of a function that returns multiple views. Such functions do not '
                    'allow the output views to be modified inplace. You should replace the inplace operation by '
                    'an out-of-place one.' if multi else
                    'This view was created inside a custom Function (or because an input was returned as-is) and '
                    'the autograd logic to handle view+inplace would override the custom backward associated with '
                    'the custom Function, leading to incorrect gradients. This behavior is forbidden. You can fix '
                    'this by cloning the output of the custom Function.'))
        if t._rg and t.grad_fn is None and not _fw_dual(t):
            raise RuntimeError('a leaf Variable that requires grad is being used in an in-place operation.')
        b = t._base
        if b is not None and b._rg and b.grad_fn is None and t._extra and 'view' in t._extra and not _fw_dual(b):
            raise RuntimeError('a view of a leaf Variable that requires grad is being used in an in-place operation.')


def _fw_dual(t):
    """A dual tensor of forward AD whose primal does not require grad (its leaf requires grad
    only so that the graph tangents are read from gets recorded): torch lets it change in place."""
    return bool(t._extra) and 'fw_hidden' in t._extra


_OVERLAP = ('unsupported operation: more than one element of the written-to tensor refers to a single memory '
            'location. Please clone() the tensor before performing the operation.')


def write(self, data):
    """Store ``data`` (cast) in self's memory; torch refuses when an element of self is
    written twice (an expanded tensor)."""
    a = self._data
    if 0 in a.strides:
        overlap_error(self)
    if self.dtype is _BF16:
        data = round_bf16(data)
    np.copyto(a, data, casting='unsafe')


def overlap_error(t):
    """torch's refusal to write the result of an op into a tensor with internal overlap."""
    a = t._data
    if a.size > 1 and any(s == 0 and n > 1 for s, n in zip(a.strides, a.shape)):
        raise RuntimeError(_OVERLAP) from None


def _check_result(self, r):
    if r._data.shape != self._data.shape:
        raise RuntimeError(f"output with shape {list(self._data.shape)} doesn't match the broadcast shape "
                           f"{list(r._data.shape)}")
    if r.dtype._cat > self.dtype._cat:
        raise RuntimeError(f"result type {_cap(r.dtype)} can't be cast to the desired output type {_cap(self.dtype)}")


def _any_grad(args, kwargs):
    for a in args:
        if isinstance(a, Tensor) and a._rg:
            return True
    for a in kwargs.values():
        if isinstance(a, Tensor) and a._rg:
            return True
    return False


def apply_inplace(self, fn, args, kwargs):
    """Run ``fn(self, *args, **kwargs)`` and store the result in self."""
    check_inplace(self)
    if not _gm.enabled or not (self._rg or _any_grad(args, kwargs)):
        prev = _gm.enabled
        _gm.enabled = False
        try:
            r = fn(self, *args, **kwargs)
        finally:
            _gm.enabled = prev
        _check_result(self, r)
        write(self, r._data)
        self._bump()
        return self
    ex = self._extra
    if self._base is not None and ex and 'view' in ex:
        return _inplace_on_view(self, fn, args, kwargs)
    r = fn(_old_value(self), *args, **kwargs)
    _check_result(self, r)
    write(self, r._data)
    self._bump()
    _saved_output_is_self(r, self)
    self.grad_fn, self._out, self._rg = r.grad_fn, r._out, r._rg
    return self


def _saved_output_is_self(r, self):
    """A node that saved its output (exp_, sigmoid_, ...) saved ``r``; the output is self now, so
    later in-place changes to self must be caught by the version check, as torch does."""
    n = r.grad_fn
    saved = n._saved if n is not None else None
    if saved:
        for s in saved:
            if s is r:
                v = self._version
                n._vers = tuple(v if s is r else x for s, x in zip(saved, n._vers))
                n._saved = tuple(self if s is r else s for s in saved)
                return


def _old_value(self):
    """A stand-in for self before the change: a copy of its data, wired to self's graph edge."""
    old = _wrap(self._data.copy(), self.dtype, self._device)
    old._rg, old.grad_fn, old._out = self._rg, self.grad_fn, self._out
    if old.grad_fn is None and old._rg:     # (a forward-AD dual leaf: the same graph edge)
        old._extra = {'acc': self._accumulator()}
    return old


def view_chain(v):
    """[(method, args), ...] that remake view ``v`` from its base."""
    chain = []
    while v._base is not None and v._extra and 'view' in v._extra:
        parent, how = v._extra['view']
        chain.append(how)
        v = parent
    chain.reverse()
    return chain


def refresh_view(v):
    """The grad_fn of view ``v``, remade if its base has changed in place since ``v`` was made
    (through the base or another view): torch regenerates a view's grad_fn from its base's new
    history, else the view's gradient would skip that change."""
    src, how = v._extra['view']
    fn = v.grad_fn
    if src.grad_fn is None:
        # a view of a leaf (linear's weight.t(), on every forward): its AccumulateGrad is made once
        # and kept in _extra['acc'] (what src._accumulator() returns, without two calls)
        if not src._rg:
            return fn
        se = src._extra
        want = se.get('acc') if se is not None else None
        if want is None:
            want = src._accumulator()
    else:
        if src._extra and 'view' in src._extra:
            refresh_view(src)
        want = src.grad_fn if src.grad_fn is not None else src._accumulator() if src._rg else None
    nf = fn.next_functions
    if want is None or (nf and nf[0][0] is want):
        return fn
    prev = _gm.enabled
    _gm.enabled = True
    try:
        fresh = replay(src, [how])
    finally:
        _gm.enabled = prev
    v.grad_fn, v._out = fresh.grad_fn, fresh._out
    return v.grad_fn


def replay(t, chain):
    for name, args in chain:
        if name == 'getitem':
            t = t[args]
        else:
            t = getattr(t, name)(*args)
    return t


@backward_op('CopySlices')
def _copy_slices_bw(node, g):
    chain, fn_node, n_other = node._args
    res = g.clone()
    region = replay(res, chain)
    sub = fn_node._backward(region.clone())
    if sub[0] is None:
        region.zero_()
    else:
        region.copy_(sub[0])
    return (res,) + tuple(sub[1:])


_copy_slices_bw.name = lambda self: 'torch::autograd::CopySlices'     # torch's C++ name for this node


def _inplace_on_view(self, fn, args, kwargs):
    base = self._base
    chain = view_chain(self)
    old_view = _old_value(self)
    r = fn(old_view, *args, **kwargs)
    _check_result(self, r)
    write(self, r._data)
    self._bump()
    _saved_output_is_self(r, self)
    n = r.grad_fn
    base_edge_holder = _old_value_edge(base)
    others = n.next_functions[1:] if n is not None else ()
    node = _copy_slices_bw.__new__(_copy_slices_bw)
    node.next_functions = (edge(base_edge_holder),) + tuple(others)
    node._saved = ()
    node._vers = ()
    node._args = (chain, n, len(others))
    base.grad_fn, base._out, base._rg = node, 0, True
    fresh = replay(base, chain)
    self.grad_fn, self._out, self._rg = fresh.grad_fn, fresh._out, True
    return self


def _old_value_edge(t):
    s = _wrap(t._data, t.dtype, t._device)
    s._rg, s.grad_fn, s._out = t._rg, t.grad_fn, t._out
    if t._rg and t.grad_fn is None:
        s._extra = {'acc': t._accumulator()}
    return s


def make_inplace(fn, check_type=False):
    """The ``op_`` method from the out-of-place ``op``. ``check_type``: refuse a promoted result
    type before running the op (torch does so before a kernel can report a missing dtype)."""
    def method(self, *args, **kwargs):
        if check_type and args:
            rt = result_dtype(self, args[0])
            if rt._cat > self.dtype._cat:
                raise RuntimeError(f"result type {_cap(rt)} can't be cast to the desired output type "
                                   f"{_cap(self.dtype)}")
        return apply_inplace(self, fn, args, kwargs)
    method.__name__ = fn.__name__ + '_'
    return method
