"""Graph nodes of define-by-run autograd.

Every op that records itself makes one ``Node`` (a ``MulBackward0``, ...): ``next_functions``
points at the nodes of its inputs, saved tensors are kept with their version at save time, and
``_backward(*grads)`` maps output gradients to input gradients with ember ops, so the backward
pass is itself differentiable (``create_graph=True``).
"""
import re

import weakref

__all__ = ['Node', 'AccumulateGrad', 'node_class']

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
        for t, v in zip(s, vers):
            # a tensor never changed in place and never viewed has no counter: version 0
            vc = t._vc if isinstance(t, _Tensor) else None
            if vc is not None and vc[0] != v:
                _raise_modified(t, vc[0], v, self)
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


def node_class(name, backward, multi_output=False):
    """The Node subclass called ``name`` (e.g. 'MulBackward0') whose backward is ``backward``."""
    return type(name, (Node,), {'__slots__': (), '_backward': backward, '_multi_output': multi_output})
