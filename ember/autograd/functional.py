"""``ember.autograd.functional`` (``torch.autograd.functional``): whole-function derivatives.

``vjp``, ``jvp``, ``vhp``, ``hvp``, ``jacobian`` and ``hessian`` run ``func`` on fresh copies of
``inputs`` and differentiate it with ``autograd.grad`` (reverse mode; ``jvp`` and ``hvp`` use the
double-backward trick, as torch does). Tuple inputs give tuple results, as in torch.

Example:
    >>> jacobian(lambda x: x ** 2, ember.tensor([1., 2.]))      # diag([2., 4.])
    >>> hessian(lambda x: (x ** 3).sum(), ember.tensor([1., 2.]))  # diag([6., 12.])
"""
from . import grad_mode
from .engine import grad as _grad

__all__ = ['vjp', 'jvp', 'jacobian', 'hessian', 'hvp', 'vhp']


def _ember():
    import ember
    return ember


def _as_tuple(inp, arg_name=None, fn_name=None):
    """(was it a tuple, the tuple); with names, every element must be a Tensor (torch's TypeError)."""
    if arg_name is None:
        return inp if isinstance(inp, tuple) else tuple(inp) if isinstance(inp, list) else (inp,)
    is_tuple = isinstance(inp, tuple)
    inp = inp if is_tuple else (inp,)
    Tensor = _ember().Tensor
    for i, el in enumerate(inp):
        if not isinstance(el, Tensor):
            where = f'the value at index {i}' if is_tuple else f'the given {arg_name}'
            raise TypeError(f'The {arg_name} given to {fn_name} must be either a Tensor or a tuple of Tensors but '
                            f'{where} has type {type(el)}.')
    return is_tuple, inp


def _tuple_postprocess(res, to_unpack):
    """Undo the tupling: ``to_unpack`` is one flag, or (outputs were a tuple, inputs were a tuple)."""
    if isinstance(to_unpack, tuple):
        if not to_unpack[1]:
            res = tuple(el[0] for el in res)
        if not to_unpack[0]:
            res = res[0]
    elif not to_unpack:
        res = res[0]
    return res


def _grad_preprocess(inputs, create_graph, need_graph):
    # with create_graph the result must stay connected to the caller's graph: a view, not a detach
    return tuple(inp.view_as(inp) if create_graph and inp.requires_grad else inp.detach().requires_grad_(need_graph)
                 for inp in inputs)


def _grad_postprocess(inputs, create_graph):
    if isinstance(inputs[0], _ember().Tensor):
        return inputs if create_graph else tuple(inp.detach() for inp in inputs)
    return tuple(_grad_postprocess(inp, create_graph) for inp in inputs)


def _validate_v(v, other, is_other_tuple):
    if len(other) != len(v):
        if is_other_tuple:
            raise RuntimeError(f'v is a tuple of invalid length: should be {len(other)} but got {len(v)}.')
        raise RuntimeError('The given v should contain a single Tensor.')
    for idx, (el_v, el_other) in enumerate(zip(v, other)):
        if el_v.size() != el_other.size():
            prepend = f'Entry {idx} in ' if is_other_tuple else ''
            raise RuntimeError(f'{prepend}v has invalid size: should be {el_other.size()} but got {el_v.size()}.')


_STRICT_NO_GRAD = {
    'hessian': 'The hessian of the user-provided function with respect to input {i} is independent of the input. '
               'This is not allowed in strict mode. You should ensure that your function is thrice differentiable '
               'and that the hessian depends on the inputs.',
    'jacobian': 'While computing the hessian, found that the jacobian of the user-provided function with respect to '
                'input {i} is independent of the input. This is not allowed in strict mode. You should ensure that '
                'your function is twice differentiable and that the jacobian depends on the inputs (this would be '
                'violated by a linear function for example).',
    'grad_inputs': 'The gradient with respect to input {i} is independent of the inputs of the user-provided '
                   'function. This is not allowed in strict mode.',
    'outputs': 'Output {i} of the user-provided function does not require gradients. The outputs must be computed '
               'in a differentiable manner from the input when running in strict mode.',
}


def _check_requires_grad(inputs, input_type, strict):
    if not strict:
        return
    for i, inp in enumerate(inputs):
        if inp is None:
            raise RuntimeError(f'The output of the user-provided function is independent of input {i}. This is not '
                               'allowed in strict mode.')
        if not inp.requires_grad:
            raise RuntimeError(_STRICT_NO_GRAD[input_type].format(i=i))


def _autograd_grad(outputs, inputs, grad_outputs=None, create_graph=False, retain_graph=None):
    """autograd.grad over the outputs that require grad; all None when none does."""
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o is not None and o.requires_grad]
    if not pairs:
        return (None,) * len(inputs)
    outs, gouts = zip(*pairs)
    return _grad(outs, inputs, gouts, allow_unused=True, create_graph=create_graph, retain_graph=retain_graph)


_STRICT_NONE = {
    'back': 'The output of the user-provided function is independent of input {i}. This is not allowed in strict '
            'mode.',
    'back_trick': 'The gradient with respect to the input is independent of entry {i} in the grad_outputs when '
                  'using the double backward trick to compute forward mode gradients. This is not allowed in strict '
                  'mode.',
    'double_back': 'The jacobian of the user-provided function is independent of input {i}. This is not allowed in '
                   'strict mode.',
    'double_back_trick': 'The hessian of the user-provided function is independent of entry {i} in the grad_jacobian. '
                         'This is not allowed in strict mode as it prevents from using the double backward trick to '
                         'replace forward mode AD.',
}


def _fill_in_zeros(grads, refs, strict, create_graph, stage):
    """None gradients become zeros (or, in strict mode, torch's error for that stage)."""
    res = ()
    for i, g in enumerate(grads):
        if g is None:
            if strict:
                raise RuntimeError(_STRICT_NONE[stage].format(i=i))
            g = _ember().zeros_like(refs[i])
        elif strict and create_graph and not g.requires_grad:
            what = 'hessian' if 'double' in stage else 'jacobian'
            raise RuntimeError(f'The {what} of the user-provided function is independent of input {i}. This is not '
                               'allowed in strict mode when create_graph=True.')
        res += (g,)
    return res


def _prepare(func, inputs, v, create_graph, strict, name, v_like_outputs):
    """Run func on fresh inputs with grad enabled; check v against outputs (vjp) or inputs (the rest)."""
    is_in_tuple, inputs = _as_tuple(inputs, 'inputs', name)
    inputs = _grad_preprocess(inputs, create_graph=create_graph, need_graph=True)
    if not v_like_outputs:
        v = _check_v(v, inputs, is_in_tuple, create_graph, name,
                     'the input to the user-provided function is a single Tensor with a single element')
    outputs = func(*inputs)
    is_out_tuple, outputs = _as_tuple(outputs, 'outputs of the user-provided function', name)
    _check_requires_grad(outputs, 'outputs', strict=strict)
    if v_like_outputs:
        v = _check_v(v, outputs, is_out_tuple, create_graph, name,
                     'the user-provided function returns a single Tensor with a single element')
    return is_in_tuple, inputs, is_out_tuple, outputs, v


def _check_v(v, like, is_tuple, create_graph, name, single):
    if v is not None:
        _, v = _as_tuple(v, 'v', name)
        v = _grad_preprocess(v, create_graph=create_graph, need_graph=False)
        _validate_v(v, like, is_tuple)
    elif len(like) != 1 or like[0].nelement() != 1:
        raise RuntimeError(f'The vector v can only be None if {single}.')
    return v


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T J): the vector-Jacobian product at ``inputs``."""
    with grad_mode.enable_grad():
        is_in_tuple, inputs, is_out_tuple, outputs, v = _prepare(func, inputs, v, create_graph, strict, 'vjp', True)
    with grad_mode.set_grad_enabled(True if create_graph else grad_mode.is_grad_enabled()):
        res = _fill_in_zeros(_autograd_grad(outputs, inputs, v, create_graph=create_graph), inputs, strict,
                             create_graph, 'back')
    return (_tuple_postprocess(_grad_postprocess(outputs, create_graph), is_out_tuple),
            _tuple_postprocess(_grad_postprocess(res, create_graph), is_in_tuple))


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), J v): the Jacobian-vector product, by differentiating a vjp with respect to its vector."""
    E = _ember()
    with grad_mode.enable_grad():
        is_in_tuple, inputs, is_out_tuple, outputs, v = _prepare(func, inputs, v, create_graph, strict, 'jvp', False)
        # u -> J^T u is linear in u: its vjp with v is J v (the double-backward trick)
        grad_outputs = tuple(E.zeros_like(out, requires_grad=True) for out in outputs)
        grad_inputs = _autograd_grad(outputs, inputs, grad_outputs, create_graph=True)
        _check_requires_grad(grad_inputs, 'grad_inputs', strict=strict)
    with grad_mode.set_grad_enabled(True if create_graph else grad_mode.is_grad_enabled()):
        res = _fill_in_zeros(_autograd_grad(grad_inputs, grad_outputs, v, create_graph=create_graph), outputs,
                             strict, create_graph, 'back_trick')
    return (_tuple_postprocess(_grad_postprocess(outputs, create_graph), is_out_tuple),
            _tuple_postprocess(_grad_postprocess(res, create_graph), is_out_tuple))


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy='reverse-mode'):
    """The Jacobian of ``func`` at ``inputs``: for output i and input j, a tensor of shape
    ``out_i.shape + in_j.shape`` (nested tuples as torch: outputs outer, inputs inner).
    ``vectorize=True`` is accepted and computes the same rows one at a time."""
    E = _ember()
    if strategy not in ('forward-mode', 'reverse-mode'):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode". Hint: If your '
                             'function has more outputs than inputs, "forward-mode" tends to be more performant. '
                             'Otherwise, prefer to use "reverse-mode".')
    if strategy == 'forward-mode':
        if create_graph:
            raise NotImplementedError('torch.autograd.functional.jacobian: `create_graph=True` and '
                                      '`strategy="forward-mode"` are not supported together (yet). Please either set '
                                      '`create_graph=False` or `strategy="reverse-mode"`.')
        if strict:
            raise RuntimeError('torch.autograd.functional.jacobian: `strict=True` and `strategy="forward-mode"` are '
                               'not supported together (yet). Please either set `strict=False` or '
                               '`strategy="reverse-mode"`.')
        if not vectorize:
            raise NotImplementedError('Computing Jacobian using forward-AD or forward-over-reverse Hessian is'
                                      'only implemented for `vectorize=True`.')
        # ember has no forward-mode AD: the same Jacobian comes from the reverse-mode code below
    with grad_mode.enable_grad():
        is_in_tuple, inputs = _as_tuple(inputs, 'inputs', 'jacobian')
        inputs = _grad_preprocess(inputs, create_graph=create_graph, need_graph=True)
        outputs = func(*inputs)
        is_out_tuple, outputs = _as_tuple(outputs, 'outputs of the user-provided function', 'jacobian')
        _check_requires_grad(outputs, 'outputs', strict=strict)
        if vectorize and strict:
            raise RuntimeError('torch.autograd.functional.jacobian: `strict=True` and `vectorized=True` are not '
                               'supported together. Please either set `strict=False` or `vectorize=False`.')
        jac = ()
        for i, out in enumerate(outputs):
            rows = tuple([] for _ in inputs)     # one row of d out_i / d in_j per element of out_i
            flat = out.reshape(-1)
            for k in range(out.nelement()):
                vj = _autograd_grad((flat[k],), inputs, retain_graph=True, create_graph=create_graph)
                for j, (row, g, inp) in enumerate(zip(rows, vj, inputs)):
                    if g is None:
                        if strict:
                            raise RuntimeError(f'Output {i} of the user-provided function is independent of input '
                                               f'{j}. This is not allowed in strict mode.')
                        g = E.zeros_like(inp)
                    elif strict and create_graph and not g.requires_grad:
                        raise RuntimeError(f'The jacobian of the user-provided function is independent of input {i}. '
                                           'This is not allowed in strict mode when create_graph=True.')
                    row.append(g)
            jac += (tuple(E.stack(row, dim=0).view(out.size() + inputs[j].size()) if row else
                          E.zeros(tuple(out.size()) + tuple(inputs[j].size()), dtype=inputs[j].dtype,
                                  device=inputs[j].device)
                          for j, row in enumerate(rows)),)
        return _tuple_postprocess(_grad_postprocess(jac, create_graph), (is_out_tuple, is_in_tuple))


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False, outer_jacobian_strategy='reverse-mode'):
    """The Hessian of a scalar ``func`` at ``inputs``: the Jacobian of its gradient."""
    Tensor = _ember().Tensor
    is_in_tuple, inputs = _as_tuple(inputs, 'inputs', 'hessian')
    if outer_jacobian_strategy not in ('forward-mode', 'reverse-mode'):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode".')

    def single_output(*inp):
        out = func(*inp)
        is_out_tuple, t_out = _as_tuple(out, 'outputs of the user-provided function', 'hessian')
        _check_requires_grad(t_out, 'outputs', strict=strict)
        if is_out_tuple or not isinstance(out, Tensor):
            raise RuntimeError('The function given to hessian should return a single Tensor')
        if out.nelement() != 1:
            raise RuntimeError('The Tensor returned by the function given to hessian should contain a single element')
        return out.squeeze()

    def jac_func(*inp):
        if outer_jacobian_strategy == 'forward-mode':
            inp = tuple(t.requires_grad_(True) for t in inp)
        jac = jacobian(single_output, inp, create_graph=True)
        _check_requires_grad(jac, 'jacobian', strict=strict)
        return jac

    res = jacobian(jac_func, inputs, create_graph=create_graph, strict=strict, vectorize=vectorize,
                   strategy=outer_jacobian_strategy)
    return _tuple_postprocess(res, (is_in_tuple, is_in_tuple))


def _scalar_output(outputs, is_out_tuple, name):
    if is_out_tuple or not isinstance(outputs[0], _ember().Tensor):
        raise RuntimeError(f'The function given to {name} should return a single Tensor')
    if outputs[0].nelement() != 1:
        raise RuntimeError(f'The Tensor returned by the function given to {name} should contain a single element')


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T H) for a scalar ``func``."""
    with grad_mode.enable_grad():
        is_in_tuple, inputs, is_out_tuple, outputs, v = _prepare(func, inputs, v, create_graph, strict, 'vhp', False)
        _scalar_output(outputs, is_out_tuple, 'vhp')
        jac = _autograd_grad(outputs, inputs, create_graph=True)
        _check_requires_grad(jac, 'jacobian', strict=strict)
    with grad_mode.set_grad_enabled(True if create_graph else grad_mode.is_grad_enabled()):
        res = _fill_in_zeros(_autograd_grad(jac, inputs, v, create_graph=create_graph), inputs, strict,
                             create_graph, 'double_back')
    return (_tuple_postprocess(_grad_postprocess(outputs, create_graph), is_out_tuple),
            _tuple_postprocess(_grad_postprocess(res, create_graph), is_in_tuple))


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), H v) for a scalar ``func``, by the double-backward trick."""
    E = _ember()
    with grad_mode.enable_grad():
        is_in_tuple, inputs, is_out_tuple, outputs, v = _prepare(func, inputs, v, create_graph, strict, 'hvp', False)
        _scalar_output(outputs, is_out_tuple, 'hvp')
        jac = _autograd_grad(outputs, inputs, create_graph=True)
        _check_requires_grad(jac, 'jacobian', strict=strict)
        grad_jac = tuple(E.zeros_like(inp, requires_grad=True) for inp in inputs)
        double_back = _autograd_grad(jac, inputs, grad_jac, create_graph=True)
        _check_requires_grad(jac, 'hessian', strict=strict)
    with grad_mode.set_grad_enabled(True if create_graph else grad_mode.is_grad_enabled()):
        res = _fill_in_zeros(_autograd_grad(double_back, grad_jac, v, create_graph=create_graph), inputs, strict,
                             create_graph, 'double_back_trick')
    return (_tuple_postprocess(_grad_postprocess(outputs, create_graph), is_out_tuple),
            _tuple_postprocess(_grad_postprocess(res, create_graph), is_in_tuple))
