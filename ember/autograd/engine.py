"""The backward engine: walk the graph from the outputs in dependency order, summing the
gradients that reach each node, calling its backward, and accumulating into leaves."""
import warnings
import numpy as np
from . import grad_mode
from . import graph as _graph
from .graph import AccumulateGrad, node_class

_gm = grad_mode.state
# ember._tensor imports this package, so its names are bound on first use (a function-level
# ``from .._tensor import _wrap`` runs the import machinery on every call: ~0.5 us)
_wrap = _ones_like_data = None


def _bind():
    global _wrap, _ones_like_data
    from .._tensor import _wrap, _ones_like_data

__all__ = ['backward', 'grad']


def _edge(t):
    """(node, output_nr) that receives the gradient of tensor t."""
    if t.grad_fn is not None:
        e = t._extra
        if e is not None and 'view' in e:      # a view whose base may have changed in place since
            from .._ops.inplace import refresh_view
            return refresh_view(t), t._out
        return t.grad_fn, t._out
    return t._accumulator(), 0


def _run(roots, keep_graph, create_graph, targets=None, accumulate=True, captures=False, barriers=None):
    """roots: list of (node, output_nr, grad). targets: {(node, nr): index} to capture, or None.
    Returns the captured gradients by index (None where nothing flowed). captures: the targets
    are autograd.grad's (not backward(inputs=...)'s), for multi-grad hooks. barriers: nodes (with
    targets) whose gradients are captured but whose backward does not run, nor anything reached
    only through them (forward AD's custom-jvp Functions)."""
    # 1. every node reachable from the roots, counting each node's incoming edges on the way
    order, deps = [], {}
    # two roots may share a node (one root: the usual loss.backward())
    stack = [roots[0][0]] if len(roots) == 1 else list(dict.fromkeys(n for n, _, _ in roots))
    rootnodes = stack[:]
    rootset = set(stack)
    push_, get_ = stack.append, deps.get
    # (a node is pushed once: as a root, or the first time it is met as a child, i.e. when it is
    # not yet in deps)
    while stack:
        n = stack.pop()
        order.append(n)
        if barriers is not None and n in barriers:
            continue
        for child, _ in n.next_functions:
            if child is not None:
                d = get_(child)
                if d is None:
                    deps[child] = 1
                    if child not in rootset:
                        push_(child)
                else:
                    deps[child] = d + 1
    # 2. with targets, run only the nodes that lead to one (as torch does)
    needed = None
    if targets is not None:
        tnodes = {n for n, _ in targets}
        needed = set()
        # A reverse topological order sees every child before its parents. (The DFS order above
        # is not one: in a diamond a branch can be visited after the node it shares.)
        # (nothing flows out of a barrier)
        kids = (lambda n: () if n in barriers else n.next_functions) if barriers else \
            (lambda n: n.next_functions)
        indeg = {}
        for n in order:
            for c, _ in kids(n):
                if c is not None:
                    indeg[c] = indeg.get(c, 0) + 1
        topo = [n for n in order if n not in indeg]
        for n in topo:
            for c, _ in kids(n):
                if c is not None:
                    indeg[c] -= 1
                    if indeg[c] == 0:
                        topo.append(c)
        for n in reversed(topo):
            if n in tnodes or any(c in needed for c, _ in kids(n) if c is not None):
                needed.add(n)
    if needed is not None:      # count again, over the edges between needed nodes only
        deps = {}
        for n in order:
            if n in needed:
                for child, _ in kids(n):
                    if child is not None and child in needed:
                        deps[child] = deps.get(child, 0) + 1
    buffers = {}
    for n, nr, g in roots:
        _add_to(buffers, n, nr, g)
    captured = [None] * (len(targets) if targets else 0)
    ready = [n for n in rootnodes if deps.get(n, 0) == 0]
    # the loop runs once per node: names it uses are bound to locals (a measurable share of a
    # backward pass over small tensors is this bookkeeping)
    pop, push, take, get = ready.pop, ready.append, buffers.pop, buffers.get
    pruned = needed is not None
    has_targets = targets is not None
    acc_cls, accum = AccumulateGrad, _accumulate
    if _wrap is None:
        _bind()
    # set_grad_enabled(create_graph) without building the context manager (it only raises, for
    # a create_graph that is not a bool)
    if create_graph is not True and create_graph is not False:
        grad_mode.set_grad_enabled(create_graph)
    prev_mode = _gm.enabled
    # (the running pass, for multi-grad hooks: kept only once one was registered)
    track = _graph._TRACK_TASKS[0]
    if track:
        _graph._push_task(deps, rootset, needed, tnodes if captures else None)
    _gm.enabled = create_graph
    try:
        while ready:
            node = pop()
            grads = take(node, None) or [None]
            # a node's hook lists exist once a hook was registered (Node._init_hooks makes both);
            # record() sets _pre_hooks to None so that this look-up does not raise and catch
            pre = getattr(node, '_pre_hooks', None)
            if pre:
                grads = _run_pre_hooks(node, grads)
            if has_targets:
                if type(node) is acc_cls and grads[0] is not None and node.variable._extra and \
                        'hooks' in node.variable._extra:
                    # a leaf's hooks shape what autograd.grad returns for it, as in torch
                    grads[0] = _leaf_hooks(node.variable, grads[0])
                for i, g in enumerate(grads):
                    k = targets.get((node, i))
                    if k is not None:
                        captured[k] = g
                if pruned and node not in needed or barriers is not None and node in barriers:
                    continue
            if type(node) is acc_cls:
                if accumulate and grads[0] is not None:
                    accum(node.variable, grads[0], create_graph)
                continue
            nf = node.next_functions
            if node._multi_output:
                outs = node._backward(*grads)
            elif grads[0] is None:
                outs = (None,) * len(nf)
            else:
                outs = node._backward(grads[0])
            if pre is not None:
                hooks = node._hooks
                if hooks:
                    for h in hooks:
                        r = h(tuple(outs), tuple(grads))
                        if r is not None:
                            outs = tuple(r)
            if ANOMALY[0] and ANOMALY[1]:
                _check_nan(node, outs)
            if not keep_graph:
                node._release()
            if len(outs) != len(nf):
                raise RuntimeError(f'function {node.name()} returned an incorrect number of gradients '
                                   f'(expected {len(nf)}, got {len(outs)})')
            for (child, nr), g in zip(nf, outs):
                if child is None or pruned and child not in needed:
                    continue
                if g is not None:
                    if nr == 0 and get(child) is None:
                        buffers[child] = [g]
                    else:
                        _add_to(buffers, child, nr, g)
                d = deps[child] - 1
                deps[child] = d
                if d == 0:
                    push(child)
    finally:
        _gm.enabled = prev_mode
        if track:
            _graph._TASKS.pop()
    return captured


# torch.autograd.set_detect_anomaly / detect_anomaly: [enabled, check_nan]
ANOMALY = [False, True]


def _check_nan(node, outs):
    for i, g in enumerate(outs):
        if g is not None and g.dtype._cat >= 2 and bool(np.isnan(np.asarray(g.detach().cpu()._data)).any()):
            raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th output.")


def _add_to(buffers, node, nr, g):
    buf = buffers.get(node)
    if buf is None:
        buf = buffers[node] = []
    while len(buf) <= nr:
        buf.append(None)
    old = buf[nr]
    if old is None:
        buf[nr] = g
    elif old.is_sparse or g.is_sparse:     # sparse gradients add up as torch's do (nn.Embedding(sparse=True))
        from .._ops.sparse_coo import grad_sum
        buf[nr] = grad_sum(old, g, False)
    else:
        buf[nr] = old + g


def _run_pre_hooks(node, grads):
    pre = getattr(node, '_pre_hooks', None)
    if not pre:
        return grads
    grads = list(grads)
    # tensor hooks first, in registration order; retain_grad's hooks see the final value
    for kind in ('tensor', 'retain'):
        for entry in list(pre):
            if entry[0] != kind:
                continue
            _, nr, fn = entry
            if nr < len(grads) and grads[nr] is not None:
                r = fn(grads[nr])
                if r is not None and kind == 'tensor':
                    grads[nr] = _checked_hook_result(fn, grads[nr], r)
    for entry in list(pre):
        if entry[0] == 'node':
            r = entry[1](tuple(grads))
            if r is not None:
                grads = list(r)
    return grads


def _leaf_hooks(var, g):
    for fn in var._extra.get('hooks', ()):
        r = fn(g)
        if r is not None:
            g = _checked_hook_result(fn, g, r)
    return g


def _checked_hook_result(fn, g, r):
    """A tensor hook's replacement gradient, refused as torch does when it is not like ``g``."""
    from .._tensor import Tensor
    if not isinstance(r, Tensor):
        raise TypeError(f"expected Variable, but hook returned '{type(r).__name__}'")
    name = getattr(fn, '__name__', type(fn).__name__)
    if r.dtype is not g.dtype:
        raise RuntimeError(f"hook '{name}' has changed the type of value (was torch.{g.dtype._legacy} got "
                           f"torch.{r.dtype._legacy})")
    if r._data.shape != g._data.shape:
        raise RuntimeError(f"hook '{name}' has changed the size of value")
    return r


def _accumulate(var, g, create_graph, hooks=True):
    if _wrap is None:
        _bind()
    extra = var._extra
    if extra and hooks and 'hooks' in extra:
        g = _leaf_hooks(var, g)
    if g.dtype is not var.dtype:
        g = g.to(var.dtype)
    if g._device is not var._device:
        # a 0-d CPU tensor that joined a CUDA op as a number gets its gradient on the CPU, as in torch
        g = g.to(var._device)
    cur = var._grad
    if g.is_sparse or (cur is not None and cur.is_sparse):
        # a sparse gradient of a dense leaf (nn.Embedding(sparse=True)), or one added to a sparse
        # .grad: kept or added up as torch's AccumulateGrad does (ember/_ops/sparse_coo.py)
        from .._ops.sparse_coo import grad_sum, first_grad
        if cur is None:
            var._grad = g if create_graph and g._rg else first_grad(g) if g.is_sparse else \
                _wrap(g._data.copy(), var.dtype, var._device)
        else:
            var._grad = grad_sum(cur, g, not create_graph)
    elif cur is None:
        if create_graph:
            var._grad = _copy_grad(g)
        else:
            # a fresh buffer: the incoming gradient may be shared with other leaves or the user
            r = g._data.copy()
            if r.strides != var._data.strides:     # (a channels-last or transposed leaf)
                r = _grad_like(g._data, var._data)
            var._grad = _wrap(r, var.dtype, var._device)
    elif create_graph:
        var._grad = cur + g
    else:
        # torch adds in place when grad mode is off, even into a .grad that requires grad
        cur._data += g._data
        cur._bump()
    if extra:
        for fn in extra.get('post_hooks', ()):
            fn(var)


def _grad_like(ga, va):
    """A copy of gradient array ``ga`` laid out as its leaf ``va`` (torch's AccumulateGrad layout
    contract: a channels-last or transposed parameter gets a .grad of its own strides; a leaf that
    overlaps itself or has gaps, a row-major one)."""
    from .._backend import array_module, as_strided
    st, sz, isz = va.strides, va.shape, va.itemsize
    dims = sorted((abs(st[i]), sz[i]) for i in range(va.ndim) if sz[i] != 1)
    expected = isz
    for stride, n in dims:
        if stride != expected or any(x < 0 for x in st):
            return ga.copy()
        expected *= n
    xp = array_module(ga)
    out = as_strided(xp.empty(va.size, dtype=ga.dtype), sz, st)
    out[...] = ga
    return out


def _copy_grad(g):
    """The first gradient kept in ``.grad`` under create_graph: a differentiable copy (torch's
    CopyBackwards), so that ``.grad`` is never the very tensor the backward pass computed."""
    from .._tensor import _wrap
    t = _wrap(g._data.copy(), g.dtype, g._device)
    if g._rg:
        from .._ops._core import record
        record(_CopyBackwards, t, (None, g))
    return t


_CopyBackwards = node_class('CopyBackwards', lambda node, g: (None, g))
_warned_create_graph = [False]


def _make_grads(outputs, grad_tensors, is_grads_batched=False):
    if _wrap is None:
        _bind()
    Tensor = _graph._Tensor
    res = []
    for out, g in zip(outputs, grad_tensors):
        if g is None:
            if out.numel() != 1:
                raise RuntimeError('grad can be implicitly created only for scalar outputs')
            if out.dtype._cat != 2:
                raise RuntimeError(f'grad can be implicitly created only for real scalar outputs but got {out.dtype}')
            a = out._data
            # (np.ones_like is a Python function around empty_like and copyto: ~1 us for the 0-d
            # array of a loss; np.array(1, dtype) is the same array)
            ones = np.array(1, dtype=a.dtype) if type(a) is np.ndarray and a.ndim == 0 else _ones_like_data(a)
            g = _wrap(ones, out.dtype, out._device)
        elif not isinstance(g, Tensor):
            raise TypeError(f'gradients can be either Tensors or None, but got {type(g).__name__}')
        else:
            if g.shape != out.shape:
                raise RuntimeError(f'Mismatch in shape: grad_output[{len(res)}] has a shape of {g.shape} and '
                                   f'output[{len(res)}] has a shape of {out.shape}.')
            if g._device is not out._device:
                raise RuntimeError(f'invalid gradient at index {len(res)} - expected device {_dev_str(out._device)} '
                                   f'but got {_dev_str(g._device)}')
            if g.dtype is not out.dtype:       # torch casts a gradient to its output's dtype
                g = g.to(out.dtype)
        res.append(g)
    return res


def _dev_str(d):
    return 'cuda:0' if d.type == 'cuda' and d.index is None else str(d)


def _check_requires_grad(tensors):
    for i, t in enumerate(tensors):
        if not t._rg:
            raise RuntimeError(f'element {i} of tensors does not require grad and does not have a grad_fn')


def _as_seq(x):
    if x is None:
        return None
    if isinstance(x, _graph._Tensor):
        return (x,)
    return tuple(x)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, grad_variables=None, inputs=None):
    """Accumulate d(tensors)/d(leaf) into each leaf's ``.grad`` (``ember.autograd.backward``)."""
    tensors = _as_seq(tensors)
    if grad_tensors is None:
        grad_tensors = grad_variables
    grad_tensors = _as_seq(grad_tensors) if grad_tensors is not None else (None,) * len(tensors)
    grads = _make_grads(tensors, grad_tensors)
    if len(grad_tensors) != len(tensors):
        raise RuntimeError(f'got {len(tensors)} tensors and {len(grad_tensors)} gradients')
    if retain_graph is None:
        retain_graph = create_graph
    if inputs is not None:
        inputs = tuple(inputs.values()) if type(inputs) is dict else _as_seq(inputs)
        if len(inputs) == 0:
            raise RuntimeError('`inputs` argument to `backward()` cannot be empty.')
    _check_requires_grad(tensors)
    if create_graph and not _warned_create_graph[0]:
        _warned_create_graph[0] = True
        warnings.warn('Using backward() with create_graph=True will create a reference cycle between the parameter '
                      'and its gradient which can cause a memory leak. We recommend using autograd.grad when '
                      'creating the graph to avoid this. If you have to use this function, make sure to reset the '
                      '.grad fields of your parameters to None after use to break the cycle and avoid the leak.',
                      UserWarning, stacklevel=3)
    roots = [(*_edge(t), g) for t, g in zip(tensors, grads)]
    if inputs is not None:
        for t in inputs:
            if not t._rg:
                raise RuntimeError('One of the differentiated Tensors does not require grad')
        targets = {}
        for i, t in enumerate(inputs):
            targets.setdefault(_edge(t), i)
        got = _run(roots, retain_graph, create_graph, targets, accumulate=False)
        for i, t in enumerate(inputs):
            g = got[targets[_edge(t)]]
            if t.grad_fn is not None and t.retains_grad:
                continue                  # its retain_grad hook has already stored the gradient
            if g is not None:
                _accumulate(t, g, create_graph, hooks=False)     # (_run applied the leaf's hooks)
            if t.grad_fn is not None:
                t.retain_grad()           # as torch: a non-leaf input keeps its .grad from now on
        return
    _run(roots, retain_graph, create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """Gradients of ``outputs`` with respect to ``inputs``, returned, not accumulated."""
    from .._tensor import Tensor
    outputs = _as_seq(outputs)
    single = isinstance(inputs, Tensor)
    if type(inputs) is dict:    # a dict of tensors: the gradients come back as a dict with the same keys
        keys = tuple(inputs)
        res = grad(outputs, tuple(inputs.values()), grad_outputs, retain_graph, create_graph, only_inputs,
                   allow_unused, is_grads_batched, materialize_grads)
        return dict(zip(keys, res))
    inputs = _as_seq(inputs)
    if len(inputs) == 0:
        raise RuntimeError('`inputs` argument to `grad()` cannot be empty.')
    if allow_unused is None:
        allow_unused = materialize_grads
    elif materialize_grads and not allow_unused:
        raise ValueError('Expected allow_unused to be True or not passed when materialize_grads=True, but got: '
                         'allow_unused=False.')
    grad_outputs = _as_seq(grad_outputs) if grad_outputs is not None else (None,) * len(outputs)
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(f'grad requires one grad_output per output: got {len(grad_outputs)} and {len(outputs)}')
    if is_grads_batched:        # each grad_output's first dim is a batch: one backward pass per row, stacked
        from .._ops.shape import stack
        n = next(g.shape[0] for g in grad_outputs if g is not None)
        per = [grad(outputs, inputs, tuple(None if g is None else g[b] for g in grad_outputs),
                    retain_graph=True if b < n - 1 else retain_graph, create_graph=create_graph,
                    allow_unused=allow_unused, materialize_grads=materialize_grads) for b in range(n)]
        return tuple(None if per[0][i] is None else stack([p[i] for p in per]) for i in range(len(inputs)))
    if retain_graph is None:
        retain_graph = create_graph
    _check_requires_grad(outputs)
    for t in inputs:
        if not t._rg:
            raise RuntimeError('One of the differentiated Tensors does not require grad')
    grads = _make_grads(outputs, grad_outputs)
    roots = [(*_edge(t), g) for t, g in zip(outputs, grads)]
    targets = {}
    for i, t in enumerate(inputs):
        targets.setdefault(_edge(t), len(targets))
    got = _run(roots, retain_graph, create_graph, targets, accumulate=False, captures=True)
    res = []
    for i, t in enumerate(inputs):
        g = got[targets[_edge(t)]]
        if g is None:
            if materialize_grads:
                from .. import _ops
                g = _ops.creation.zeros_like(t)
            elif not allow_unused:
                raise RuntimeError(f'The differentiated Tensor at index {i} appears to not have been used in the '
                                   'graph. Set allow_unused=True if this is the desired behavior.')
        res.append(g)
    return tuple(res)
