"""``ember.library`` (``torch.library``): operators a script defines in Python.

``@custom_op("mylib::name", mutates_args=())`` turns a function with type annotations into an
operator, callable directly and as ``torch.ops.mylib.name``; ``register_autograd`` gives it a
backward (through an autograd.Function named as torch names it), ``register_kernel`` a kernel per
device, ``register_fake`` the shape function torch.compile uses (kept, not needed eagerly). The
older ``Library("mylib", "DEF")`` / ``define`` / ``impl`` spelling registers into the same table.

Example:
    >>> @custom_op("mylib::twice", mutates_args=())
    ... def twice(x: Tensor) -> Tensor:
    ...     return x * 2
    >>> ember.ops.mylib.twice(ember.ones(2))          # tensor([2., 2.])
"""
import collections.abc
import inspect
import types
import typing

__all__ = ['Library', 'custom_op', 'CustomOpDef', 'define', 'impl', 'register_kernel', 'register_fake',
           'register_autograd', 'register_torch_dispatch', 'register_vmap', 'register_autocast', 'impl_abstract',
           'infer_schema', 'opcheck', 'get_ctx', 'fallthrough_kernel']

_REGISTRY = {}          # 'ns::name' -> CustomOpDef (what torch.ops.ns.name calls)


def _split(name):
    namespace, opname = name.split('::')      # (torch's own ValueError for a name without '::')
    return namespace, opname


# ------------------------------------------------------------------ schemas from annotations
def _schema_type(ann, arg_name, sig):
    from ._tensor import Tensor
    from ._dtype import dtype
    from ._device import device
    origin, args = typing.get_origin(ann), typing.get_args(ann)
    if origin in (typing.Union, types.UnionType):
        rest = [a for a in args if a is not type(None)]
        if len(rest) == 1 and len(rest) < len(args):
            inner = _schema_type(rest[0], arg_name, sig)
            return inner if inner.endswith('?') else inner + '?'
        if set(rest) == {int, float, bool}:
            return 'Scalar' + ('?' if len(rest) < len(args) else '')
    if origin in (list, collections.abc.Sequence, typing.Sequence, typing.List) and len(args) == 1:
        return _schema_type(args[0], arg_name, sig) + '[]'
    simple = {Tensor: 'Tensor', int: 'SymInt', float: 'float', bool: 'bool', str: 'str', dtype: 'ScalarType',
              device: 'Device'}
    if ann in simple:
        return simple[ann]
    if isinstance(ann, str) and ann.endswith('Number'):
        return 'Scalar'
    raise ValueError(f'infer_schema(func): Parameter {arg_name} has unsupported type {ann}. The valid types are: '
                     f'Tensor, int, float, bool, str, torch.dtype, torch.device, Number, and Optional / Sequence of '
                     f'them. Got func with signature {sig})')


def _default(v):
    if v is None:
        return 'None'
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, (int, float, str)):
        return repr(v) if isinstance(v, str) else str(v)
    raise TypeError(type(v))


def infer_schema(prototype_function, /, *, mutates_args, op_name=None):
    """The operator schema of an annotated function: ``"(Tensor x, SymInt n) -> Tensor"``."""
    sig = inspect.signature(prototype_function)
    params, mutated = [], []
    names = set(sig.parameters)
    if mutates_args != 'unknown':
        unknown = set(mutates_args) - names
        if unknown:
            raise ValueError(f'infer_schema(func): {unknown} in mutates_args were not found in the custom op\'s '
                             f'signature. mutates_args should contain the names of all args that the custom op '
                             f'mutates, or just the string \'unknown\' if you don\'t know. Got func with signature {sig})')
    alias = 0
    for name, p in sig.parameters.items():
        if p.annotation is inspect.Parameter.empty:
            raise ValueError(f'infer_schema(func): Parameter {name} must have a type annotation. Got func with '
                             f'signature {sig})')
        ty = _schema_type(p.annotation, name, sig)
        if ty.startswith('Tensor') and (mutates_args == 'unknown' or name in mutates_args):
            ty = f'Tensor(a{alias}!)' + ty[6:]
            mutated.append(name)
        if ty.startswith('Tensor'):
            alias += 1
        if p.default is not inspect.Parameter.empty:
            try:
                ty += f' {name}={_default(p.default)}'
            except TypeError:
                raise ValueError(f'infer_schema(func): Parameter {name} has an unsupported default value type '
                                 f'{type(p.default)}. Please file an issue on GitHub so we can prioritize this. Got '
                                 f'func with signature {sig})') from None
        else:
            ty += f' {name}'
        if p.kind is inspect.Parameter.KEYWORD_ONLY and not any(x == '*' for x in params):
            params.append('*')
        params.append(ty)
    ret = sig.return_annotation
    if ret is inspect.Signature.empty:
        raise ValueError(f'infer_schema(func): No return type annotation was provided. Please add one. Got func with '
                         f'signature {sig})')
    if ret is None or ret is type(None):
        out = '()'
    elif typing.get_origin(ret) is tuple:
        out = '(' + ', '.join(_schema_type(a, 'return', sig) for a in typing.get_args(ret)) + ')'
    else:
        out = _schema_type(ret, 'return', sig)
    return f'{op_name or ""}({", ".join(params)}) -> {out}'


# ------------------------------------------------------------------ the operator
class CustomOpDef:
    """An operator made by :func:`custom_op`: call it like the function it wraps."""

    def __init__(self, namespace, name, schema, fn, mutates_args):
        self._namespace, self._name, self._schema = namespace, name, schema
        self._init_fn = fn
        self._kernels = {}              # 'cpu' / 'cuda' -> function
        self._backward = self._setup_context = None
        self._fake = None
        self._function = None           # the autograd.Function that runs it when an input requires grad
        self._mutates = mutates_args
        self._direct = False            # Library.impl's kernels: autograd sees their ops
        self.__name__ = name
        self.__doc__ = fn.__doc__ if fn is not None else None
        _REGISTRY[f'{namespace}::{name}'] = self

    def __repr__(self):
        return f'<CustomOpDef({self._namespace}::{self._name})>'

    # -- registration
    def register_kernel(self, device_types, fn=None):
        def register(f):
            for d in ((device_types,) if isinstance(device_types, str) or device_types is None else device_types):
                self._kernels[str(d or 'default').split(':')[0]] = f
            return f
        return register(fn) if fn is not None else register

    def register_fake(self, fn):
        self._fake = fn
        return fn

    def register_autograd(self, backward, /, *, setup_context=None):
        self._backward, self._setup_context = backward, setup_context
        self._function = None

    def register_torch_dispatch(self, torch_dispatch_class, fn=None, /):
        return fn if fn is not None else (lambda f: f)

    def register_vmap(self, func=None, /):
        return func if func is not None else (lambda f: f)

    def register_autocast(self, device_type, cast_inputs):
        pass

    def set_kernel_enabled(self, device_type, enabled=True):
        import contextlib
        return contextlib.nullcontext()

    # -- calling
    def _kernel(self, args):
        from ._tensor import Tensor
        if self._kernels:
            dev = next((a.device.type for a in args if isinstance(a, Tensor)), 'cpu')
            k = self._kernels.get(dev) or self._kernels.get('default')
            if k is not None:
                return k
        if self._init_fn is None:
            raise NotImplementedError(f'{self._namespace}::{self._name}: no kernel registered for these inputs')
        return self._init_fn

    def __call__(self, *args, **kwargs):
        from ._tensor import Tensor
        from .autograd import grad_mode
        kernel = self._kernel(args)
        if (self._direct and self._backward is None) or not (grad_mode.state.enabled and any(isinstance(a, Tensor) and a.requires_grad
                                                for a in list(args) + list(kwargs.values()))):
            return kernel(*args, **kwargs)
        if kwargs:      # (an autograd.Function takes positional inputs: bind the keywords by the signature)
            bound = inspect.signature(self._init_fn or kernel).bind(*args, **kwargs)
            bound.apply_defaults()
            args, kwargs = bound.args, {}
        return self._autograd_function().apply(kernel, *args)

    def _autograd_function(self):
        if self._function is None:
            from .autograd.function import Function
            op = self
            qual = f'{self._namespace}.{self._name}.default'

            def forward(kernel, *args):
                return kernel(*args)

            def setup_context(ctx, inputs, output):
                if op._setup_context is not None:
                    op._setup_context(ctx, inputs[1:], output)

            def backward(ctx, *grads):
                if op._backward is None:
                    raise RuntimeError(f'Trying to backward through {qual} but no autograd formula was registered. '
                                       'Please use register_autograd to add one.')
                res = op._backward(ctx, *grads)
                return (None,) + (tuple(res) if isinstance(res, (tuple, list)) else (res,))

            name = f'GeneratedBackwardFor_{self._namespace}_{self._name}_default'
            self._function = type(name, (Function,), {'forward': staticmethod(forward),
                                                      'setup_context': staticmethod(setup_context),
                                                      'backward': staticmethod(backward)})
        return self._function


def custom_op(name, fn=None, /, *, mutates_args, device_types=None, schema=None, tags=None):
    """Make an operator ``name`` ("namespace::opname") of the annotated function (a decorator
    when ``fn`` is not given)."""
    def inner(f):
        sch = schema if schema is not None else infer_schema(f, mutates_args=mutates_args)
        namespace, opname = _split(name)
        op = CustomOpDef(namespace, opname, sch, f if device_types is None else None, mutates_args)
        if device_types is not None:
            op.register_kernel(device_types, f)
        return op
    return inner(fn) if fn is not None else inner


def _op(qualname):
    op = qualname if isinstance(qualname, CustomOpDef) else _REGISTRY.get(str(qualname).replace('.default', ''))
    if op is None:
        raise ValueError(f'register: operator {qualname} was not defined (torch.library.custom_op or Library.define)')
    return op


def register_kernel(op, device_types, func=None, /, *, lib=None):
    return _op(op).register_kernel(device_types, func)


def register_fake(op, func=None, /, *, lib=None, _stacklevel=1, allow_override=False):
    o = _op(op)
    return o.register_fake(func) if func is not None else o.register_fake


impl_abstract = register_fake


def register_autograd(op, backward, /, *, setup_context=None, lib=None):
    _op(op).register_autograd(backward, setup_context=setup_context)


def register_torch_dispatch(op, torch_dispatch_class, func=None, /, *, lib=None):
    return func if func is not None else (lambda f: f)


def register_vmap(op, func=None, /, *, lib=None):
    return func if func is not None else (lambda f: f)


def register_autocast(op, device_type, cast_inputs, /, *, lib=None):
    pass


def fallthrough_kernel():
    raise NotImplementedError('fallthrough_kernel() should never be called.')


def get_ctx():
    """The context of the fake (meta) kernel being run: ember runs no fake kernels."""
    raise RuntimeError('torch.library.get_ctx() is only valid inside a fake kernel (ember runs none)')


def opcheck(op, args, kwargs=None, *, test_utils=('test_schema', 'test_autograd_registration', 'test_faketensor',
                                                  'test_aot_dispatch_dynamic'), raise_exception=True, atol=None,
            rtol=None):
    """torch's operator checks, as far as an eager library can make them: the operator runs on the
    arguments (raising what it raises). Returns the {check: 'SUCCESS'} dict torch returns."""
    op(*args, **(kwargs or {}))
    return {t: 'SUCCESS' for t in ((test_utils,) if isinstance(test_utils, str) else test_utils)}


class Library:
    """``Library("mylib", "DEF")``: define operators by schema string, then give them kernels with ``impl``."""

    def __init__(self, ns, kind, dispatch_key=''):
        if kind not in ('IMPL', 'DEF', 'FRAGMENT'):
            raise ValueError('Unsupported kind: ', kind)
        self.ns, self.kind, self.dispatch_key = ns, kind, dispatch_key

    def define(self, schema, alias_analysis='', *, tags=()):
        name = schema.split('(', 1)[0].strip().split('.')[0]
        op = _REGISTRY.get(f'{self.ns}::{name}')
        if op is None:
            CustomOpDef(self.ns, name, schema[len(name):], None, ())
        return name

    def impl(self, op_name, fn, dispatch_key='', *, with_keyset=False, allow_override=False):
        name = op_name if isinstance(op_name, str) else op_name.__name__
        name = name.split('::')[-1].split('.')[0]
        op = _REGISTRY.get(f'{self.ns}::{name}') or CustomOpDef(self.ns, name, '', None, ())
        key = (dispatch_key or self.dispatch_key or 'CompositeImplicitAutograd')
        if key == 'CUDA':
            op._kernels['cuda'] = fn
        elif key in ('CPU', 'CompositeImplicitAutograd', 'CompositeExplicitAutograd', 'Autograd'):
            op._kernels['default' if key != 'CPU' else 'cpu'] = fn
            if op._init_fn is None:
                op._init_fn = fn
        # without register_autograd, autograd records the kernel's own ops (torch: SinBackward0 for
        # a kernel that calls sin), not an operator node
        op._direct = True

    def fallback(self, fn, dispatch_key='', *, with_keyset=False):
        pass

    def _destroy(self):
        pass


def define(qualname, schema, *, lib=None, tags=()):
    ns, name = _split(qualname)
    Library(ns, 'FRAGMENT').define(name + schema)


def impl(qualname, types, func=None, *, lib=None):
    ns, name = _split(qualname)

    def register(f):
        keys = (types,) if isinstance(types, str) else types
        for k in keys:
            Library(ns, 'FRAGMENT').impl(name, f, {'cpu': 'CPU', 'cuda': 'CUDA'}.get(k, k))
        return f
    return register(func) if func is not None else register
