"""Graph nodes of define-by-run autograd.

Every op that records itself makes one ``Node`` (a ``MulBackward0``, ...): ``next_functions``
points at the nodes of its inputs, saved tensors are kept with their version at save time, and
``_backward(*grads)`` maps output gradients to input gradients with ember ops, so the backward
pass is itself differentiable (``create_graph=True``).
"""
import re

import weakref

__all__ = ['Node', 'AccumulateGrad', 'node_class', 'saved_tensors_hooks', 'save_on_cpu',
           'disable_saved_tensors_hooks', 'register_multi_grad_hook']

_METADATA = weakref.WeakKeyDictionary()

_FREED = ('Trying to backward through the graph a second time (or directly access saved tensors after '
          'they have already been freed). Saved intermediate values of the graph are freed when you call '
          '.backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the '
          'graph a second time or if you need to access saved tensors after calling backward.')


_Tensor = type(None)    # ember.Tensor, set by ember/_tensor.py (which imports this module)


class Node:
    """One backward function. Subclasses define ``_backward(self, *grads) -> tuple``."""
    __slots__ = ('next_functions', '_saved', '_vers', '_args', '_pre_hooks', '_hooks', '__weakref__')
    _multi_output = False

    def name(self):
        return type(self).__name__

    def __repr__(self):
        return f'<{type(self).__name__} object at {id(self):#x}>'

    def _init_hooks(self):
        try:
            return self._pre_hooks, self._hooks
        except AttributeError:
            self._pre_hooks, self._hooks = [], []
            return self._pre_hooks, self._hooks

    def register_hook(self, fn):
        """fn(grad_inputs, grad_outputs) runs after this node; may return new grad_inputs."""
        hooks = self._init_hooks()[1]
        hooks.append(fn)
        return _RemovableHandle(hooks, fn)

    def register_prehook(self, fn):
        """fn(grad_outputs) runs before this node; may return new grad_outputs."""
        pre = self._init_hooks()[0]
        entry = ('node', fn)
        pre.append(entry)
        return _RemovableHandle(pre, entry)

    def _tensor_hook(self, out_nr, fn, retain=False):
        pre = self._init_hooks()[0]
        entry = ('retain' if retain else 'tensor', out_nr, fn)
        pre.append(entry)
        return _RemovableHandle(pre, entry)

    @property
    def metadata(self):
        """A dict kept with the node for the user's own annotations."""
        m = _METADATA.get(self)
        if m is None:
            m = _METADATA[self] = {}
        return m

    def saved(self):
        """The saved tensors, after checking that none was freed or changed in place."""
        s = self._saved
        if s is None:
            raise RuntimeError(_FREED)
        vers = self._vers
        if _PACKED_EVER[0]:                 # (the per-tensor test only once a pack hook has run)
            return self._saved_packed(s, vers)
        for t, v in zip(s, vers):
            # a tensor never changed in place and never viewed has no counter: version 0
            vc = t._vc if isinstance(t, _Tensor) else None
            if vc is not None and vc[0] != v:
                _raise_modified(t, vc[0], v, self)
        return s

    def _saved_packed(self, s, vers):
        packed = False
        for t, v in zip(s, vers):
            if type(t) is _Packed:          # saved through a pack hook: torch checks no version then
                packed = True
                continue
            vc = t._vc if isinstance(t, _Tensor) else None
            if vc is not None and vc[0] != v:
                _raise_modified(t, vc[0], v, self)
        if packed:
            return tuple(t.get() if type(t) is _Packed else t for t in s)
        return s

    def _release(self):
        if self._saved:
            self._saved = None

    def __call__(self, *grads):
        return self._backward(*grads)


def _raise_modified(t, now, expected, saved_by):
    shape = list(t.shape)
    fn = t.grad_fn
    if fn is not None and fn is not saved_by:
        # an output of ``saved_by`` changed in place since: its history (first edges back from
        # its grad_fn) reaches that node, and torch then names the node that saved it
        n = fn
        while n is not None and n is not saved_by:
            nf = n.next_functions
            n = nf[0][0] if nf else None
        if n is saved_by:
            fn = saved_by
    # torch names the op without its Backward suffix: 'output 0 of Mul'
    op = '' if fn is None else re.sub(r'Backward\d*$', '', fn.name())
    where = '' if fn is None else f', which is output {t._out} of {op},'
    raise RuntimeError(
        'one of the variables needed for gradient computation has been modified by an inplace operation: '
        f'[torch.{t.dtype._legacy} {shape}]{where} is at version {now}; expected version {expected} instead. '
        'Hint: enable anomaly detection to find the operation that failed to compute its gradient, '
        'with torch.autograd.set_detect_anomaly(True, check_nan=False).')


class _RemovableHandle:
    __slots__ = ('_list', '_item')

    def __init__(self, lst, item):
        self._list, self._item = lst, item

    def remove(self):
        try:
            self._list.remove(self._item)
        except ValueError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.remove()


class AccumulateGrad(Node):
    """The sink for a leaf that requires grad: adds the incoming gradient into ``variable.grad``."""
    __slots__ = ('variable',)

    def __init__(self, variable):
        self.variable = variable
        self.next_functions = ()
        self._saved = ()
        self._pre_hooks = None

    def name(self):
        return 'torch::autograd::AccumulateGrad'

    def _backward(self, grad):
        raise RuntimeError('AccumulateGrad is applied by the engine')


def reaches_leaf(node, marker):
    """Whether the graph below ``node`` reaches a leaf that requires grad and whose ``_extra`` lacks
    ``marker``: the transforms' and forward AD's private leaves carry one (ember.func's lifted
    inputs, forward AD's duals), so a result that reaches only those does not require grad as torch
    sees it."""
    seen, todo = set(), [node]
    while todo:
        node = todo.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, AccumulateGrad):     # (a sparse leaf's accumulator is a subclass)
            v = node.variable
            if v._rg and not (v._extra and v._extra.get(marker)):
                return True
            continue
        todo.extend(n for n, _ in node.next_functions)
    return False


def node_class(name, backward, multi_output=False):
    """The Node subclass called ``name`` (e.g. 'MulBackward0') whose backward is ``backward``."""
    return type(name, (Node,), {'__slots__': (), '_backward': backward, '_multi_output': multi_output})


# ---------------------------------------------------------------- saved-tensor hooks
_SAVED_HOOKS = []       # the (pack_hook, unpack_hook) of each saved_tensors_hooks open now (innermost last)
_PACKED_EVER = [False]  # whether any tensor was ever saved through a pack hook (Node.saved's test)
_HOOKS_DISABLED = []    # the messages of the disable_saved_tensors_hooks open now


class _Packed:
    """A saved tensor as its pack hook returned it, with the unpack hook and its place in the
    graph (``edge``: its node and output number, or its AccumulateGrad; None when it needs no
    grad). As in torch, an in-place change of the tensor after packing is not checked."""
    __slots__ = ('packed', 'unpack', 'edge')

    def __init__(self, packed, unpack, edge):
        self.packed, self.unpack, self.edge = packed, unpack, edge

    def get(self):
        """unpack_hook(packed), wired into the graph where the saved tensor was (as torch's
        SavedVariable: a double backward through it reaches the saved tensor's history)."""
        u = self.unpack(self.packed)
        e = self.edge
        if e is None or not isinstance(u, _Tensor):
            return u
        a = u.detach()
        a._rg = True
        if e[0] is None:
            a._extra = {'acc': e[1]}
        else:
            a.grad_fn, a._out = e
        return a


def _edge_of(t, outs, node):
    for i, o in enumerate(outs):
        if o is t:                      # an output of the node being recorded
            return (node, i) if t.dtype._cat >= 2 else None
    if not t._rg:
        return None
    if t.grad_fn is not None:
        return (t.grad_fn, t._out)
    return (None, t._accumulator())


def pack_saved(saved, out=None, node=None):
    """``saved`` with each tensor passed through the innermost pack hook (called while recording
    ``node``, whose output is ``out``, when saved_tensors_hooks are open). A hook's own ops save
    nothing through hooks."""
    pack, unpack = _SAVED_HOOKS[-1]
    _PACKED_EVER[0] = True
    hooks = _SAVED_HOOKS[:]
    del _SAVED_HOOKS[:]
    outs = out if type(out) in (tuple, list) else () if out is None else (out,)
    try:
        return tuple(_Packed(pack(t), unpack, _edge_of(t, outs, node))
                     if isinstance(t, _Tensor) else t for t in saved)
    finally:
        _SAVED_HOOKS[:] = hooks


class saved_tensors_hooks:
    """Within it, every tensor an op saves for the backward is stored as ``pack_hook(tensor)``
    and given back to the backward as ``unpack_hook(packed)`` (activation offloading,
    compression). Example::

        with ember.autograd.graph.saved_tensors_hooks(lambda t: t.half(), lambda t: t.float()):
            y = (x.exp() * x).sum()
    """

    def __init__(self, pack_hook, unpack_hook):
        self.pack_hook, self.unpack_hook = pack_hook, unpack_hook

    def __enter__(self):
        if _HOOKS_DISABLED:
            raise RuntimeError(_HOOKS_DISABLED[-1])
        _SAVED_HOOKS.append((self.pack_hook, self.unpack_hook))

    def __exit__(self, *args):
        _SAVED_HOOKS.pop()


class save_on_cpu(saved_tensors_hooks):
    """Saved tensors are kept on the CPU and moved back to their device for the backward."""

    def __init__(self, pin_memory=False, device_type='cuda'):
        def pack_to_cpu(tensor):
            return (tensor.device, tensor.cpu())

        def unpack_from_cpu(packed):
            device, tensor = packed
            return tensor.to(device, non_blocking=pin_memory)
        super().__init__(pack_to_cpu, unpack_from_cpu)


class disable_saved_tensors_hooks:
    """Within it, opening saved_tensors_hooks raises RuntimeError(error_message)."""

    def __init__(self, error_message):
        self.error_message = error_message

    def __enter__(self):
        if _SAVED_HOOKS:
            raise RuntimeError(self.error_message)
        _HOOKS_DISABLED.append(self.error_message)

    def __exit__(self, *args):
        _HOOKS_DISABLED.pop()


# ---------------------------------------------------------------- multi-grad hooks
# The backward passes running now (innermost last), each (task id, deps, root nodes, needed,
# the nodes autograd.grad captures):
# what ``_will_engine_execute_node`` asks. The engine keeps them only once a multi-grad hook was
# registered (``_TRACK_TASKS``), so a backward pass without one pays a single list read.
_TASKS = []
_TRACK_TASKS = [False]
_TASK_IDS = [0]


def _push_task(deps, rootset, needed, captured):
    _TASK_IDS[0] += 1
    _TASKS.append((_TASK_IDS[0], deps, rootset, needed, captured))


def _current_graph_task_id():
    """The id of the backward pass running now; -1 outside one (torch._C._current_graph_task_id)."""
    return _TASKS[-1][0] if _TASKS else -1


def _will_engine_execute_node(node):
    """Whether the running backward pass will run ``node`` (reached from its roots and, with
    ``inputs``, on the way to one of them)."""
    if not _TASKS:
        raise RuntimeError('_will_engine_execute_node should only be called during the backward pass')
    _, deps, rootset, needed, captured = _TASKS[-1]
    if needed is None:
        return node in deps or node in rootset
    if node not in needed:
        return False
    if captured and node in captured and all(c is None for c, _ in node.next_functions):
        raise RuntimeError('A leaf node was passed to _will_engine_execute_node but we are currently running '
                           'autograd.grad(). This is currently not supported.')
    return True


def _grad_fn_or_acc(t):
    if t._rg and t.grad_fn is None:
        return t._accumulator()
    node = t.grad_fn
    if node is None:
        raise AssertionError('Expected gradient function to be set')
    return node


class _MultiHandle(_RemovableHandle):
    __slots__ = ('handles',)

    def __init__(self, handles):
        self.handles = handles

    def remove(self):
        for h in self.handles:
            h.remove()


def register_multi_grad_hook(tensors, fn, *, mode='all'):
    """Register ``fn`` on several tensors at once (torch.autograd.graph.register_multi_grad_hook).

    ``mode="all"``: after the gradients of all the tensors that this backward pass reaches are
    computed, ``fn(grads)`` runs once with a list of them (None for a tensor it does not reach).
    ``mode="any"``: ``fn(grad)`` runs once per backward pass, with the first of those gradients.
    Returns a handle whose ``remove()`` unregisters the hook from every tensor.
    """
    supported_modes = ('all', 'any')
    if mode not in supported_modes:
        raise ValueError(f'Expects mode to be one of {supported_modes} but got {mode}')
    _TRACK_TASKS[0] = True
    if mode == 'all':
        count, buffer = {}, {}
        nb_calls = None
        grad_fns = list(map(_grad_fn_or_acc, tensors))
        len_tensors = len(tensors)

        def get_inner_hook(idx):
            def inner_hook(grad):
                nonlocal nb_calls
                tid = _current_graph_task_id()
                if tid == -1:
                    raise AssertionError('expected this hook to be called inside a backward call')
                count[tid] = count.get(tid, 0)
                buffer[tid] = buffer.get(tid, [None] * len_tensors)
                curr_count, count[tid] = count[tid], count[tid] + 1
                if curr_count == 0:     # on the first call: how many of the tensors this pass reaches
                    nb_calls = sum(map(_will_engine_execute_node, grad_fns))
                buffer[tid][idx] = grad
                if curr_count == nb_calls - 1:
                    fn(buffer[tid])
                    del count[tid]
                    del buffer[tid]
            return inner_hook

        handles = tuple(t.register_hook(get_inner_hook(i)) for i, t in enumerate(tensors))
    else:
        import functools
        ran_hook = {}

        @functools.wraps(fn)
        def wrapped_fn(grad):
            tid = _current_graph_task_id()
            if tid == -1:
                raise AssertionError('expected this hook to be called inside a backward call')
            prev, ran_hook[tid] = ran_hook.get(tid, False), True
            if prev:
                return
            fn(grad)

        handles = tuple(t.register_hook(wrapped_fn) for t in tensors if t.requires_grad)
    return _MultiHandle(handles)
