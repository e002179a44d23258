"""Custom autograd functions: ``ember.autograd.Function`` (``torch.autograd.Function``).

A subclass defines ``forward`` and ``backward`` as static methods and is used through
``MyFn.apply(*args)``. Every subclass gets a node class ``<Name>Backward`` (made by the
metaclass, as torch does); one instance of it is the ``ctx`` passed to ``forward`` and, when
an input requires grad, becomes the outputs' ``grad_fn``. The engine calls its ``_backward``
with one gradient per forward output and expects one per ``next_functions`` entry (tensor
inputs only), so ``_backward`` translates between that and the user's ``backward``, which
sees one gradient per output and returns one per forward argument.

Example:
    >>> class Exp(Function):
    ...     @staticmethod
    ...     def forward(ctx, i):
    ...         r = i.exp(); ctx.save_for_backward(r); return r
    ...     @staticmethod
    ...     def backward(ctx, g):
    ...         r, = ctx.saved_tensors; return g * r
    >>> y = Exp.apply(x)          # y.grad_fn is an ExpBackward
"""
import functools
import inspect
import warnings
from . import grad_mode
from . import forward_ad as _fwad
from .graph import Node, node_class, _FREED, _SAVED_HOOKS, pack_saved

__all__ = ['FunctionCtx', 'BackwardCFunction', 'FunctionMeta', 'Function', 'once_differentiable',
           'InplaceFunction']

# ember._tensor imports this package, so the Tensor-level helpers are imported on first use.
_Tensor = None


def _tensor_cls():
    global _Tensor
    if _Tensor is None:
        from .._tensor import Tensor
        _Tensor = Tensor
    return _Tensor


class FunctionCtx:
    """What ``forward``/``setup_context`` may call on ``ctx``; anything else is a plain attribute."""

    def save_for_backward(self, *tensors):
        self.to_save = tensors          # validated and versioned when forward returns, as torch

    def save_for_forward(self, *tensors):
        self.saved_for_forward = tensors

    def mark_dirty(self, *args):
        self.dirty_tensors = args

    def mark_non_differentiable(self, *args):
        self.non_differentiable = args

    def set_materialize_grads(self, value):
        self.materialize_grads = value

    def mark_shared_storage(self, *pairs):
        warnings.warn('`mark_shared_storage` is deprecated. Tensors with shared storages are automatically '
                      'tracked. Note that calls to `set_()` are not tracked', FutureWarning, stacklevel=2)


class BackwardCFunction(Node, FunctionCtx):
    """The node (and ctx) of one ``Function.apply`` call. No ``__slots__``: ctx takes any attribute."""
    # The engine then calls _backward even when no gradient reached an output: torch runs the
    # node with zero-filled gradients in that case too.
    _multi_output = True
    materialize_grads = True
    _needs = ()

    __repr__ = object.__repr__          # torch: <torch.autograd.function.FooBackward object at ...>

    @property
    def needs_input_grad(self):
        return self._needs

    @property
    def saved_tensors(self):
        fw = self.__dict__.get('_fw_saved')
        if fw is not None:              # inside jvp: what save_for_forward kept
            return fw
        if not hasattr(self, '_vers'):   # still inside forward: nothing packed yet
            return tuple(getattr(self, 'to_save', ()))
        return self.saved()

    @property
    def saved_variables(self):
        warnings.warn("'saved_variables' is deprecated; use 'saved_tensors'", DeprecationWarning, stacklevel=2)
        return self.saved_tensors

    def _release(self):
        self._saved = None               # even when nothing was saved: torch then raises on access too

    def _get_user_fn(self):
        cls = self._forward_cls
        bw, vjp = cls.backward, cls.vjp
        if bw is not Function.backward and vjp is not Function.vjp:
            raise RuntimeError("Implementing both 'backward' and 'vjp' for a custom Function is not allowed. "
                               'You should only implement one of them.')
        return vjp if vjp is not Function.vjp else bw

    def apply(self, *grads):
        """The user's backward, called directly (``y.grad_fn.apply(g)`` as in torch)."""
        return self._get_user_fn()(self, *grads)

    def _backward(self, *grads):
        from .._ops import _core
        Tensor = _tensor_cls()
        metas = self._out_meta
        grads = list(grads) + [None] * (len(metas) - len(grads))
        if self.materialize_grads:
            from .._ops.creation import zeros
            for i, m in enumerate(metas):
                if grads[i] is None and m is not None:
                    shape, dtype, device = m
                    grads[i] = zeros(shape, dtype=dtype, device=device)
        res = self.apply(*grads)
        if not isinstance(res, tuple):
            res = (res,)
        name = self.name()
        inputs = self._in_meta
        n = len(inputs)
        if len(res) > n and all(r is None for r in res[n:]):
            res = res[:n]                # torch drops surplus trailing Nones
        if len(res) != n:
            raise RuntimeError(f'function {name} returned an incorrect number of gradients '
                               f'(expected {n}, got {len(res)})')
        out = []
        for i, (g, m) in enumerate(zip(res, inputs)):
            if m is None:                # a non-tensor argument: no edge, gradient must be None
                if g is not None:
                    raise RuntimeError(f'function {name} returned a gradient different than None at position '
                                       f'{i + 1}, but the corresponding forward input was not a Variable')
                continue
            k = len(out)
            if g is not None:
                if not isinstance(g, Tensor):
                    raise RuntimeError(f'expected Variable or None (got {type(g).__name__})')
                if self.next_functions[k][0] is not None:   # gradients for inputs without grad are dropped
                    shape, dtype = m
                    if tuple(g.shape) != shape:
                        if not _expandable(shape, tuple(g.shape)):
                            raise RuntimeError(f'Function {name} returned an invalid gradient at index {k} - got '
                                               f'{list(g.shape)} but expected shape compatible with {list(shape)}')
                        g = _core.sum_to(g, shape)
                    if g.dtype is not dtype:
                        g = g.to(dtype)
            out.append(g)
        return tuple(out)


def _expandable(shape, target):
    """True when a tensor of ``shape`` broadcasts to ``target`` (torch's is_expandable_to)."""
    if len(shape) > len(target):
        return False
    for s, t in zip(reversed(shape), reversed(target)):
        if s != t and s != 1:
            return False
    return True


class FunctionMeta(type):
    """Gives every Function subclass its node class ``<Name>Backward`` (``cls._backward_cls``)."""

    def __init__(cls, name, bases, attrs):
        cls._backward_cls = type(name + 'Backward', (BackwardCFunction,), {'_forward_cls': cls})
        super().__init__(name, bases, attrs)


class Function(FunctionCtx, metaclass=FunctionMeta):
    """Base class of custom autograd functions; see the module docstring."""
    generate_vmap_rule = False

    def __init__(self, *args, **kwargs):
        warnings.warn(f'{self.__class__} should not be instantiated. Methods on autograd functions are all static, '
                      'so you should invoke them on the class itself. Instantiating an autograd function will '
                      'raise an error in a future version of PyTorch.', DeprecationWarning, stacklevel=2)

    def __call__(self, *args, **kwargs):
        raise RuntimeError('Legacy autograd function with non-static forward method is deprecated. Please use '
                           'new-style autograd function with static forward method. '
                           '(Example: https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function)')

    @staticmethod
    def forward(*args, **kwargs):
        raise NotImplementedError('You must implement the forward function for custom autograd.Function.')

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError('setup_context is not implemented.')

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError('You must implement either the backward or vjp method for your custom '
                                  'autograd.Function to use it with backward mode AD.')

    vjp = backward                      # torch: the two names are aliases; a subclass overrides one

    @staticmethod
    def jvp(ctx, *grad_inputs):
        raise NotImplementedError('You must implement the jvp function for custom autograd.Function to use it '
                                  'with forward mode AD.')

    @staticmethod
    def vmap(info, in_dims, *args):
        raise NotImplementedError('To use autograd.Function with vmap, you must either override the vmap '
                                  'staticmethod or set generate_vmap_rule=True.')

    @classmethod
    def apply(cls, *args, **kwargs):
        from .._ops._core import edge
        Tensor = _tensor_cls()
        new_style = cls.setup_context is not Function.setup_context
        if new_style:                   # setup_context sees every argument, defaults filled in
            bound = inspect.signature(cls.forward).bind(*args, **kwargs)
            bound.apply_defaults()
            args, kwargs = bound.args, bound.kwargs
        ctx = object.__new__(cls._backward_cls)
        # torch: needs_input_grad follows requires_grad alone, even under no_grad
        ctx._needs = tuple(isinstance(a, Tensor) and a._rg for a in args)
        tensor_args = [a for a in args if isinstance(a, Tensor)]
        executable = grad_mode.state.enabled and any(ctx._needs)
        # the edges before forward runs: a dirty input's grad_fn is about to be replaced
        ctx.next_functions = tuple(edge(a) for a in tensor_args) if executable else ()
        with grad_mode.no_grad():
            if new_style:
                output = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, output)
            else:
                output = cls.forward(ctx, *args, **kwargs)
        result = _process_outputs(ctx, args, tensor_args, output, executable)
        if _fwad._LEVEL[0] is not None:     # forward AD: tangents of the outputs from cls.jvp
            _fwad.function_jvp(ctx, cls, args, result)
        return result


def _process_outputs(ctx, args, tensor_args, output, executable):
    Tensor = _tensor_cls()
    single = not isinstance(output, tuple)
    outs = [output] if single else list(output)
    dirty = ctx.__dict__.get('dirty_tensors', ())
    nondiff = ctx.__dict__.get('non_differentiable', ())
    if dirty and not all(any(d is o for o in outs) for d in dirty):
        raise RuntimeError('Some elements marked as dirty during the forward method were not returned as output. '
                           'The inputs that are modified inplace must all be outputs of the Function.')
    metas = []
    views = []          # differentiable outputs that are views (torch refuses in-place ops on them)
    for i, o in enumerate(outs):
        if not isinstance(o, Tensor):
            metas.append(None)
            continue
        as_is = False
        if any(o is d for d in dirty):
            if o.grad_fn is None and o._rg:
                raise RuntimeError('a leaf Variable that requires grad has been used in an in-place operation.')
            o._bump()
        elif any(o is a for a in tensor_args):
            # an input returned unchanged: the output is a new alias of it, so that
            # giving it a grad_fn leaves the input's own history alone (torch: a view)
            o = outs[i] = o.detach()
            as_is = True
        metas.append((tuple(o.shape), o.dtype, o._device))
        # integer outputs and those marked non-differentiable stay out of the graph
        if executable and o.dtype._cat >= 2 and not any(o is n for n in nondiff):
            o._rg = True
            o.grad_fn = ctx
            o._out = i
            if as_is or (o._base is not None and o._extra and 'view' in o._extra):
                views.append((i, o))
    n_diff = sum(1 for o in outs if isinstance(o, Tensor) and o.grad_fn is ctx)
    for i, o in views:      # see ember/_ops/inplace.py check_inplace
        o._extra['custom_view'] = (ctx._forward_cls.__name__, i, n_diff > 1)
    to_save = ctx.__dict__.pop('to_save', ())
    for i, t in enumerate(to_save):
        if t is not None and not isinstance(t, Tensor):
            raise TypeError(f'save_for_backward can only save variables, but argument {i} is of type '
                            f'{type(t).__name__}')
    ctx._saved = tuple(to_save) if not _SAVED_HOOKS else pack_saved(to_save)
    ctx._vers = tuple(t._version if t is not None else 0 for t in to_save)
    ctx._out_meta = metas
    ctx._in_meta = [(tuple(a.shape), a.dtype) if isinstance(a, Tensor) else None for a in args]
    return outs[0] if single else tuple(outs)


class InplaceFunction(Function):
    """Kept for backward compatibility, as in torch."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace


def _error_backward(node, *grads):
    raise RuntimeError('trying to differentiate twice a function that was marked with @once_differentiable')


_DelayedError = node_class('Error', _error_backward, multi_output=True)


def once_differentiable(fn):
    """Run a backward under no_grad; differentiating its result again raises an error."""
    @functools.wraps(fn)
    def wrapper(ctx, *args, **kwargs):
        with grad_mode.no_grad():
            outputs = fn(ctx, *args, **kwargs)
        if not grad_mode.state.enabled:
            return outputs
        Tensor = _tensor_cls()
        if not any(isinstance(a, Tensor) and a._rg for a in args):
            return outputs
        from .._ops._core import record
        outs = outputs if isinstance(outputs, tuple) else (outputs,)
        # as torch: each gradient becomes an output of an Error node fed by a fresh leaf that
        # requires grad, so a double backward reaches the node and raises
        leaves = [o.detach().requires_grad_() if isinstance(o, Tensor) else None for o in outs]
        new = tuple(l.detach() if l is not None else None for l in leaves)
        record(_DelayedError, new, leaves)
        return new if isinstance(outputs, tuple) else new[0]
    return wrapper
