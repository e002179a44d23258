"""Function transforms: grad, vjp, jacrev, jacfwd, hessian, vmap, functional_call (``torch.func``).

The transforms are built on ember's reverse-mode autograd, not on functorch's levels: ``grad``
runs the function on fresh differentiable copies of its inputs and calls ``autograd.grad``
(keeping the graph when an outer transform or the caller differentiates through the result);
``jacfwd`` uses reverse mode too, and ``vmap`` calls the function once per batch element and
stacks the results: the semantics of torch.func, not its speed.

Example:
    >>> params = {k: v.detach() for k, v in model.named_parameters()}
    >>> loss = lambda p, x, y: F.cross_entropy(functional_call(model, p, (x[None],)), y[None])
    >>> per_sample_grads = vmap(grad(loss), in_dims=(None, 0, 0))(params, xs, ys)
"""
import functools

from ._tensor import Tensor
from .autograd.grad_mode import enable_grad, is_grad_enabled
from .autograd.engine import grad as _autograd_grad
from ._ops.creation import zeros_like as _zeros_like
from ._ops.shape import stack as _stack
from ._random import default_generator

__all__ = ['functional_call', 'stack_module_state', 'grad', 'grad_and_value', 'vjp', 'jvp', 'jacrev', 'jacfwd',
           'hessian', 'vmap', 'linearize']


# ------------------------------------------------------------------ pytrees (tuples, lists, dicts)
def _flatten(tree):
    """(leaves, rebuild): rebuild(new_leaves) puts leaves back into tree's structure."""
    if isinstance(tree, (list, tuple)):
        parts = [_flatten(t) for t in tree]
        leaves = [leaf for p in parts for leaf in p[0]]

        def rebuild(new):
            out, i = [], 0
            for (lv, rb) in parts:
                out.append(rb(new[i:i + len(lv)]))
                i += len(lv)
            if isinstance(tree, list):
                return out
            return type(tree)(*out) if hasattr(tree, '_fields') else type(tree)(out)
        return leaves, rebuild
    if isinstance(tree, dict):
        keys = list(tree)
        leaves, rebuild_values = _flatten([tree[k] for k in keys])
        return leaves, lambda new: type(tree)(zip(keys, rebuild_values(new))) if type(tree) is not dict \
            else dict(zip(keys, rebuild_values(new)))
    return [tree], lambda new: new[0]


def _tree_map(fn, tree):
    leaves, rebuild = _flatten(tree)
    return rebuild([fn(x) for x in leaves])


def _broadcast_prefix(spec, tree):
    """A leaf list of ``spec`` matched against ``tree`` (``spec`` is a prefix of tree's structure)."""
    if isinstance(spec, (list, tuple)) and isinstance(tree, (list, tuple)) and len(spec) == len(tree):
        return [s for sp, t in zip(spec, tree) for s in _broadcast_prefix(sp, t)]
    if isinstance(spec, dict) and isinstance(tree, dict) and set(spec) == set(tree):
        return [s for k in tree for s in _broadcast_prefix(spec[k], tree[k])]
    if isinstance(spec, (list, tuple, dict)):
        raise ValueError(f'in_dims / out_dims {spec!r} does not match the structure of the inputs/outputs')
    return [spec] * len(_flatten(tree)[0])


# ------------------------------------------------------------------ functional_call
def functional_call(module, parameter_and_buffer_dicts, args=None, kwargs=None, *, tie_weights=True, strict=False):
    """Call ``module(*args, **kwargs)`` with its parameters and buffers replaced by the given tensors.

    Example:
        >>> out = functional_call(model, {k: v * 2 for k, v in model.named_parameters()}, (x,))
    """
    from .nn.utils.stateless import _functional_call
    if isinstance(parameter_and_buffer_dicts, dict):
        parameters_and_buffers = parameter_and_buffer_dicts
    elif isinstance(parameter_and_buffer_dicts, (list, tuple)):
        if not all(isinstance(d, dict) for d in parameter_and_buffer_dicts):
            raise ValueError('Expected all elements of parameter_and_buffer_dicts to be dictionaries')
        counts = {}
        for d in parameter_and_buffer_dicts:
            for k in d:
                counts[k] = counts.get(k, 0) + 1
        repeated = [k for k, n in counts.items() if n > 1]
        if repeated:
            raise ValueError(f'{repeated} appeared in multiple dictionaries; behavior of functional call is ambiguous')
        parameters_and_buffers = {k: v for d in parameter_and_buffer_dicts for k, v in d.items()}
    else:
        raise ValueError('Expected parameter_and_buffer_dicts to be a dict, or a list/tuple of dicts, but got '
                         f'{type(parameter_and_buffer_dicts)}')
    return _functional_call(module, parameters_and_buffers, args, kwargs, tie_weights=tie_weights, strict=strict)


def stack_module_state(models):
    """(params, buffers): each model's tensors stacked along a new first dimension, for ``vmap`` ensembles.

    Example:
        >>> params, buffers = stack_module_state([make_model() for _ in range(5)])
    """
    if len(models) == 0:
        raise RuntimeError('stack_module_state: Expected at least one model, got 0.')
    if not (all(m.training for m in models) or all(not m.training for m in models)):
        raise RuntimeError('stack_module_state: Expected all models to have the same training/eval mode.')
    if not all(type(m) is type(models[0]) for m in models):
        raise RuntimeError('stack_module_state: Expected all models to be of the same class.')

    def stacked_leaf(tensors, name):
        all_rg = all(t.requires_grad for t in tensors)
        if not all_rg and any(t.requires_grad for t in tensors):
            raise RuntimeError(f'Expected {name} from each model to have the same .requires_grad')
        result = _stack(tensors)
        return result.detach().requires_grad_() if all_rg else result

    all_params = [dict(m.named_parameters()) for m in models]
    all_buffers = [dict(m.named_buffers()) for m in models]
    return ({k: stacked_leaf(tuple(p[k] for p in all_params), k) for k in all_params[0]},
            {k: stacked_leaf(tuple(b[k] for b in all_buffers), k) for k in all_buffers[0]})


# ------------------------------------------------------------------ reverse-mode transforms
def _check_argnums(argnums, nargs, api):
    nums = argnums if isinstance(argnums, tuple) else (argnums,)
    if isinstance(argnums, tuple) and len(argnums) == 0:
        raise RuntimeError(f'{api}: argnums must be non-empty')
    for a in nums:
        if not isinstance(a, int):
            raise RuntimeError(f'{api}: argnums must be int or Tuple[int, ...], got: {type(a)}')
        if not -nargs <= a < nargs:
            raise RuntimeError(f'Got argnum={a}, but only {nargs} positional inputs')
    return tuple(a % nargs for a in nums)


def _lift(args, argnums):
    """Fresh differentiable copies of the args at ``argnums``; whether the graph must be kept
    (some input is already differentiated by an outer transform or the caller)."""
    keep = False
    outer = is_grad_enabled()       # under an outer no_grad the transform still differentiates, as torch's

    def lift(x):
        nonlocal keep
        if not isinstance(x, Tensor):
            return x
        if x.requires_grad and outer:
            keep = True
            return x.view_as(x)     # stays connected to the outer graph
        fresh = x.detach().requires_grad_()
        fresh._extra['func_lifted'] = True      # (detach made _extra: {'root': x})
        return fresh

    args = list(args)
    with enable_grad():
        for a in argnums:
            args[a] = _tree_map(lift, args[a])
    # grad enabled outside: the function may close over tensors that require grad (a module's
    # parameters), and torch's results then stay differentiable with respect to them: 'outer'
    return args, keep or ('outer' if outer else False)


def _grads(outputs, inputs, cotangents, create_graph):
    """autograd.grad, with zeros for inputs the outputs do not depend on."""
    pairs = [(o, c) for o, c in zip(outputs, cotangents) if o.requires_grad]
    if not pairs or not inputs:
        return [_zeros_like(x) for x in inputs]
    got = _autograd_grad([o for o, _ in pairs], inputs, [c for _, c in pairs], retain_graph=True,
                         create_graph=create_graph, allow_unused=True)
    return [_zeros_like(x) if g is None else g for g, x in zip(got, inputs)]


def _on_outer_graph(t):
    """Whether ``t``'s graph reaches a leaf that requires grad other than the transforms' own
    differentiable copies of their inputs (a captured parameter, say)."""
    from .autograd.graph import reaches_leaf
    return reaches_leaf(t.grad_fn, 'func_lifted')


def _undiff(tree, keep):
    # results a caller sees are detached unless something outside differentiates through them
    if keep == 'outer':
        return _tree_map(lambda t: t.detach() if isinstance(t, Tensor) and t.grad_fn is not None and
                         not _on_outer_graph(t) else t, tree)
    return tree if keep else _tree_map(lambda t: t.detach() if isinstance(t, Tensor) else t, tree)


def grad_and_value(func, argnums=0, has_aux=False):
    """Like :func:`grad`, returning ``(gradient, value)`` (``((gradient, value), aux)`` with has_aux).

    Example:
        >>> g, loss = grad_and_value(loss_fn)(params, x, y)
    """
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        nums = _check_argnums(argnums, len(args), 'grad_and_value(f)(*args)')
        args, keep = _lift(args, nums)
        with enable_grad():
            output = func(*args, **kwargs)
            if has_aux:
                if not (isinstance(output, tuple) and len(output) == 2):
                    raise RuntimeError('grad_and_value(f)(*args): output of function f should be a tuple: '
                                       '(output, aux) if has_aux is True')
                output, aux = output
            if not isinstance(output, Tensor):
                raise RuntimeError('grad_and_value(f)(*args): Expected f(*args) to return a Tensor, '
                                   f'got {type(output)}')
            if output.dim() != 0:
                raise RuntimeError('grad_and_value(f)(*args): Expected f(*args) to return a scalar Tensor, got '
                                   f'tensor with {output.dim()} dims. Maybe you wanted to use the vjp or jacrev '
                                   'APIs instead?')
            flat, rebuilds = [], []
            for a in nums:
                leaves, rb = _flatten(args[a])
                flat.extend(leaves)
                rebuilds.append((len(leaves), rb))
            g = _grads([output], flat, [None], create_graph=bool(keep))
        out, i = [], 0
        for n, rb in rebuilds:
            out.append(rb(g[i:i + n]))
            i += n
        result = _undiff(out[0] if isinstance(argnums, int) else tuple(out), keep)
        value = _undiff(output, keep)
        if has_aux:
            return (result, (value, _undiff(aux, keep)))
        return result, value
    return wrapper


def grad(func, argnums=0, has_aux=False):
    """The gradient of scalar-valued ``func`` with respect to argument ``argnums`` (a pytree: a
    dict of parameters gives a dict of gradients).

    Example:
        >>> grad(lambda x: (x ** 3).sum())(torch.tensor([1., 2.]))     # tensor([ 3., 12.])
    """
    gv = grad_and_value(func, argnums, has_aux)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        if has_aux:
            g, (_, aux) = gv(*args, **kwargs)
            return g, aux
        return gv(*args, **kwargs)[0]
    return wrapper


def vjp(func, *primals, has_aux=False):
    """``(func(*primals), vjp_fn)``; ``vjp_fn(cotangents)`` returns one gradient per primal (a tuple).

    Example:
        >>> out, vjp_fn = vjp(torch.sin, x)
        >>> (g,) = vjp_fn(torch.ones_like(out))                # cos(x)
    """
    nums = tuple(range(len(primals)))
    args, keep = _lift(primals, nums)
    with enable_grad():
        output = func(*args)
        if has_aux:
            if not (isinstance(output, tuple) and len(output) == 2):
                raise RuntimeError('vjp(f, *primals): output of function f should be a tuple: (output, aux) '
                                   'if has_aux is True')
            output, aux = output
    out_leaves, _ = _flatten(output)
    for o in out_leaves:
        if not isinstance(o, Tensor):
            raise RuntimeError(f'vjp(f, *primals): Expected f to be a function that has non-empty output of Tensors, '
                               f'but got an output of type {type(o)}')
    in_parts = [_flatten(a) for a in args]
    flat_in = [leaf for lv, _ in in_parts for leaf in lv]

    def vjp_fn(cotangents, *, retain_graph=True, create_graph=None):
        ct_leaves, _ = _flatten(cotangents)
        if len(ct_leaves) != len(out_leaves):
            raise RuntimeError('Expected pytree structure of cotangents to be the same as pytree structure of outputs '
                               'to the function.')
        for o, c in zip(out_leaves, ct_leaves):
            if tuple(o.shape) != tuple(c.shape):
                raise RuntimeError(f'Mismatch in shape: grad_output[0] has a shape of {tuple(c.shape)} and output[0] '
                                   f'has a shape of {tuple(o.shape)}.')
        cg = (keep or any(c.requires_grad for c in ct_leaves)) if create_graph is None else create_graph
        g = _grads(out_leaves, flat_in, ct_leaves, create_graph=bool(cg))
        res, i = [], 0
        for lv, rb in in_parts:
            res.append(rb(g[i:i + len(lv)]))
            i += len(lv)
        return _undiff(tuple(res), cg)

    if has_aux:
        return _undiff(output, keep), vjp_fn, _undiff(aux, keep)
    return _undiff(output, keep), vjp_fn


def _jacobian(func, argnums, has_aux, api):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        nums = _check_argnums(argnums, len(args), api)
        args, keep = _lift(args, nums)
        with enable_grad():
            output = func(*args, **kwargs)
            if has_aux:
                if not (isinstance(output, tuple) and len(output) == 2):
                    raise RuntimeError(f'{api}: output of function f should be a tuple: (output, aux) '
                                       'if has_aux is True')
                output, aux = output
            out_leaves, out_rebuild = _flatten(output)
            for o in out_leaves:
                if not isinstance(o, Tensor):
                    raise RuntimeError(f'{api}: Expected f to be a function that has non-empty output of Tensors, '
                                       f'but got an output of type {type(o)}')
            in_parts = [_flatten(args[a]) for a in nums]
            flat_in = [leaf for lv, _ in in_parts for leaf in lv]
            per_out = []
            for o in out_leaves:
                rows = [[] for _ in flat_in]
                flat_o = o.reshape(-1)
                for j in range(flat_o.shape[0]):       # one reverse pass per output element
                    for k, g in enumerate(_grads([flat_o[j]], flat_in, [None], create_graph=bool(keep))):
                        rows[k].append(g)
                jacs = []
                for x, r in zip(flat_in, rows):
                    j = _stack(r) if r else x.new_zeros((0,) + tuple(x.shape))
                    jacs.append(j.reshape(tuple(o.shape) + tuple(x.shape)))
                parts, i = [], 0
                for lv, rb in in_parts:
                    parts.append(rb(jacs[i:i + len(lv)]))
                    i += len(lv)
                per_out.append(parts[0] if isinstance(argnums, int) else tuple(parts))
        result = _undiff(out_rebuild(per_out), keep)
        return (result, _undiff(aux, keep)) if has_aux else result
    return wrapper


def jacrev(func, argnums=0, *, has_aux=False, chunk_size=None, _preallocate_and_copy=False):
    """The Jacobian of ``func`` with respect to argument ``argnums``, by reverse mode: shape
    ``output.shape + input.shape``.

    Example:
        >>> jacrev(torch.sin)(x)                               # diag(cos(x))
    """
    return _jacobian(func, argnums, has_aux, 'jacrev(f, argnums)(*args)')


def jacfwd(func, argnums=0, has_aux=False, *, randomness='error'):
    """The Jacobian as :func:`jacrev` gives it (ember computes it in reverse mode as well).

    Example:
        >>> jacfwd(lambda x: x ** 2)(torch.tensor([1., 2.]))   # [[2, 0], [0, 4]]
    """
    return _jacobian(func, argnums, has_aux, 'jacfwd(f, argnums)(*args)')


def hessian(func, argnums=0):
    """The Hessian of scalar ``func`` with respect to argument ``argnums`` (``jacfwd(jacrev(func))``).

    Example:
        >>> hessian(lambda x: (x ** 3).sum())(torch.tensor([1., 2.]))   # diag(6x)
    """
    return jacfwd(jacrev(func, argnums), argnums)


def jvp(func, primals, tangents, *, strict=False, has_aux=False):
    """``(func(*primals), J @ tangents)``, by the double-vjp trick (two reverse passes).

    Example:
        >>> out, jv = jvp(torch.sin, (x,), (torch.ones_like(x),))  # cos(x)
    """
    if not isinstance(primals, tuple) or not isinstance(tangents, tuple):
        raise RuntimeError('jvp(f, primals, tangents): Expected primals to be a tuple. E.g. it should be valid to '
                           'call f(*primals).')
    if len(primals) != len(tangents):
        raise RuntimeError('jvp(f, primals, tangents): Expected primals and tangents to have the same python '
                           f'structure. For example, if primals is a tuple of 3 tensors, tangents also must be. Got '
                           f'primals with structure {len(primals)} and tangents with structure {len(tangents)}')
    res = vjp(func, *primals, has_aux=has_aux)
    output, vjp_fn = res[0], res[1]
    out_leaves, out_rebuild = _flatten(output)
    # J^T u is linear in u: differentiating <J^T u, t> with respect to u gives J t
    us = [_zeros_like(o).requires_grad_() for o in out_leaves]
    with enable_grad():
        back = vjp_fn(out_rebuild(us), create_graph=True)
        b_leaves, _ = _flatten(back)
        t_leaves, _ = _flatten(tangents)
        jv = _grads(b_leaves, us, t_leaves, create_graph=False)
    jv = out_rebuild([j.detach() for j in jv])
    return (output, jv, res[2]) if has_aux else (output, jv)


def linearize(func, *primals):
    """``(func(*primals), jvp_fn)``: jvp_fn(*tangents) is J @ tangents at ``primals`` (torch.func.linearize;
    each call runs jvp again).

    Example:
        >>> out, jvp_fn = linearize(torch.sin, torch.zeros(3)); jvp_fn(torch.ones(3))  # cos(0) = 1
    """
    output = _tree_map(lambda t: t.detach() if isinstance(t, Tensor) else t, func(*primals))
    n = len(primals)

    def jvp_fn(*tangents):
        if len(tangents) != n:
            raise RuntimeError(f'linearize: expected {n} tangents (one per primal), got {len(tangents)}')
        return jvp(func, primals, tangents)[1]
    return output, jvp_fn


# ------------------------------------------------------------------ vmap
def vmap(func, in_dims=0, out_dims=0, randomness='error', *, chunk_size=None):
    """``func`` applied to each slice of its inputs along ``in_dims``, the results stacked along ``out_dims``.
    ember loops over the batch (same results as torch.vmap, not its speed).

    Example:
        >>> vmap(torch.dot)(a, b)                              # a, b: (B, N) -> (B,)
    """
    if randomness not in ('error', 'different', 'same'):
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or 'same'. "
                           f'Got {randomness}')
    if chunk_size is not None and (not isinstance(chunk_size, int) or chunk_size <= 0):
        raise ValueError(f'vmap: chunk_size should be None or greater than 0. (got {chunk_size})')
    name = getattr(func, '__name__', repr(func))

    @functools.wraps(func)
    def wrapped(*args, **kwargs):
        if not isinstance(in_dims, (int, tuple)):
            raise ValueError(f'vmap({name}, in_dims={in_dims}, ...)(<inputs>): expected `in_dims` to be int or a '
                             f'(potentially nested) tuple matching the structure of inputs, got: {type(in_dims)}.')
        if len(args) == 0:
            raise ValueError(f'vmap({name})(<inputs>): got no inputs. Maybe you forgot to add inputs, or you are '
                             'trying to vmap over a function with no inputs. The latter is unsupported.')
        if isinstance(in_dims, tuple) and len(in_dims) != len(args):
            raise ValueError(f'vmap({name}, in_dims={in_dims}, ...)(<inputs>): in_dims is not compatible with the '
                             f'structure of `inputs`. in_dims has structure {len(in_dims)} but inputs has '
                             f'structure {len(args)}.')
        leaves, rebuild = _flatten(list(args))
        dims = _broadcast_prefix(list(in_dims) if isinstance(in_dims, tuple) else in_dims, list(args))
        size = None
        norm_dims = []
        for x, d in zip(leaves, dims):
            if d is None:
                norm_dims.append(None)
                continue
            if not isinstance(d, int):
                raise ValueError(f'vmap({name}, in_dims={in_dims}, ...)(<inputs>): in_dims must be int or None, '
                                 f'got {type(d)}')
            if not isinstance(x, Tensor):
                raise ValueError(f'vmap({name}, in_dims={in_dims}, ...)(<inputs>): Got in_dim={d} for an input but '
                                 f'the input is of type {type(x)}. We cannot vmap over non-Tensor arguments, please '
                                 'use None as the respective in_dim')
            if not -x.dim() <= d < max(x.dim(), 1) or x.dim() == 0:
                raise ValueError(f'vmap({name}, in_dims={in_dims}, ...)(<inputs>): Got in_dim={d} for some input, but '
                                 f'that input is a Tensor of dimensionality {x.dim()} so expected in_dim to satisfy '
                                 f'-{x.dim()} <= in_dim < {x.dim()}.')
            d = d % x.dim()
            if size is not None and x.shape[d] != size:
                sizes = [x.shape[dd % x.dim()] for x, dd in zip(leaves, dims) if dd is not None]
                raise ValueError(f'vmap: Expected all tensors to have the same size in the mapped dimension, got '
                                 f'sizes {sizes} for the mapped dimension')
            size = x.shape[d]
            norm_dims.append(d)
        if size is None:
            raise ValueError(f'vmap({name}, in_dims={in_dims}, ...)(<inputs>): at least one input must be mapped over '
                             '(got in_dims=None for all inputs)')
        states = None
        if randomness == 'same':
            from . import random as _random, cuda as _cuda
            states = [(_random.set_rng_state, _random.get_rng_state())]
            if _cuda.is_available():
                states.append((_cuda.set_rng_state, _cuda.get_rng_state()))
        saved = None
        if randomness == 'error':       # torch refuses a random op here: a draw from the CPU generator raises
            saved = default_generator._np
            default_generator._np = _REFUSE_DRAWS
        outs = []
        try:
            for i in range(size):
                for set_state, state in states or ():     # each element draws the same random numbers
                    set_state(state)
                sliced = [x if d is None else x.select(d, i) for x, d in zip(leaves, norm_dims)]
                outs.append(func(*rebuild(sliced), **kwargs))
        finally:
            if saved is not None:
                default_generator._np = saved
        return _stack_outputs(outs, out_dims, name, size)
    return wrapped


class _RefuseDraws:
    """Stands in for the CPU generator's source inside vmap(randomness='error'): any draw raises."""
    def __getattr__(self, name):
        raise RuntimeError("vmap: called random operation while in randomness error mode. Please either use the "
                           "'same' or 'different' randomness flags on vmap or perform the randomness operation out "
                           "of vmap")


_REFUSE_DRAWS = _RefuseDraws()


def _stack_outputs(outs, out_dims, name, size):
    if size == 0:
        raise ValueError('vmap: batch size 0 is not supported')
    per, rebuild = zip(*(_flatten(o) for o in outs))
    leaves0 = per[0]
    spec = out_dims
    if isinstance(spec, tuple) and not isinstance(outs[0], (list, tuple)):
        if len(spec) != 1:
            raise ValueError(f'vmap({name}, ..., out_dims={out_dims})(<inputs>): out_dims is not compatible with the '
                             'structure of `outputs`.')
        spec = spec[0]
    od = _broadcast_prefix(list(spec) if isinstance(spec, tuple) else spec,
                           list(outs[0]) if isinstance(spec, tuple) else outs[0])
    stacked = []
    for k, leaf in enumerate(leaves0):
        if not isinstance(leaf, Tensor):
            raise ValueError(f'vmap({name}, ...): `{name}` must only return Tensors, got type {type(leaf)}. Did you '
                             'mean to set out_dims= to None for output?' if leaf is not None else
                             f'vmap({name}, ...): `{name}` must only return Tensors, got type {type(leaf)}.')
        d = od[k]
        if d is None:
            stacked.append(leaf)
            continue
        nd = leaf.dim() + 1
        if not -nd <= d < nd:
            raise IndexError(f'Dimension out of range (expected to be in range of [{-nd}, {nd - 1}], but got {d})')
        stacked.append(_stack([p[k] for p in per], dim=d))
    return rebuild[0](stacked)
