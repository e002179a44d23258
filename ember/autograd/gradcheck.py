"""``gradcheck`` and ``gradgradcheck``: compare autograd's gradients with finite differences.

For each input that requires grad and each output that does, the numerical Jacobian comes
from central differences (perturbing one element of the input's storage at a time, as torch
does through ``.data``), and the analytical one from one ``autograd.grad`` call per output
element (a row of the Jacobian each). Both are ``(input.numel(), output.numel())`` matrices,
compared with ``allclose(analytical, numerical, rtol, atol)``. On a mismatch
``GradcheckError`` names both matrices, as torch's message does.

``fast_mode`` runs the full (slow) check: it is stricter and ember's inputs are small.
``check_forward_ad=True`` also builds the Jacobian column by column with forward AD (one
``unpack_dual`` per input element) and compares it with the numerical one, as torch does;
``check_batched_grad`` and ``check_batched_forward_grad`` (vmap over the checks) are not run.

Example:
    >>> x = ember.randn(3, dtype=ember.float64, requires_grad=True)
    >>> gradcheck(lambda t: (t * t).sum(), (x,))          # True
"""
import warnings
import numpy as np
from .. import _dtype as D
from . import engine
from .graph import node_class

__all__ = ['gradcheck', 'gradgradcheck', 'GradcheckError']


class GradcheckError(RuntimeError):
    """Error raised by :func:`gradcheck` and :func:`gradgradcheck`."""


def _T():
    from .._tensor import Tensor
    return Tensor


def _from_np(a, dtype, device):
    from .._tensor import _wrap
    t = _wrap(np.array(a, dtype=dtype.np, order="C"), dtype)
    return t if device.type == 'cpu' else t.to(device)


def _as_tuple(x):
    if isinstance(x, tuple):
        return x
    if isinstance(x, list):
        return tuple(x)
    return (x,)


def _differentiable_outputs(x):
    Tensor = _T()
    return tuple(o for o in _as_tuple(x) if isinstance(o, Tensor) and o.requires_grad)


def _diff_inputs(inputs):
    Tensor = _T()
    return [t for t in inputs if isinstance(t, Tensor) and t.requires_grad]


def _check_inputs(inputs):
    Tensor = _T()
    found = False
    for idx, inp in enumerate(inputs):
        if isinstance(inp, Tensor) and inp.requires_grad:
            if inp.dtype is not D.float64:
                warnings.warn(f'Input #{idx} requires gradient and is not a double precision floating point or '
                              'complex. This check will likely fail if all the inputs are not of double precision '
                              'floating point or complex. ', stacklevel=4)
            # perturbing one element of an expanded tensor would move all its aliases
            if not all(st > 0 or sz <= 1 for st, sz in zip(inp.stride(), inp.shape)):
                raise RuntimeError(f'The {idx}th input has a dimension with stride 0. gradcheck only supports inputs '
                                   'that are non-overlapping to be able to compute the numerical gradients '
                                   'correctly. You should call .contiguous on the input before passing it to '
                                   'gradcheck.')
            found = True
    if not found:
        raise ValueError('gradcheck expects at least one input tensor to require gradient, but none of them have '
                         'requires_grad=True.')


def _numerical_jacobians(func, inputs, outputs_idx, eps):
    """jac[i][k]: d(output outputs_idx[k]) / d(i-th differentiable input), shape (in.numel, out.numel),
    in the output's dtype (as torch allocates it)."""
    Tensor = _T()
    res = []
    for inp in _diff_inputs(inputs):
        a = inp._data
        cols = None
        for d, idx in enumerate(np.ndindex(a.shape)):
            orig = a[idx].copy()
            a[idx] = orig - eps
            outa = _snapshot(func(*inputs), outputs_idx)
            a[idx] = orig + eps
            outb = _snapshot(func(*inputs), outputs_idx)
            a[idx] = orig
            if cols is None:
                cols = [np.zeros((inp.numel(), o.size), o.dtype) for o in outa]
            for k, (oa, ob) in enumerate(zip(outa, outb)):
                if oa.shape != ob.shape or oa.dtype != ob.dtype:
                    raise AssertionError(f'Expected `func` to return outputs with the same shape and dtype when '
                                         f'inputs are perturbed on index {idx} by {eps}')
                cols[k][d] = ((ob - oa) / (2 * eps)).reshape(-1)   # central difference
        if cols is None:          # an empty input: empty Jacobians
            outs = _snapshot(func(*inputs), outputs_idx)
            cols = [np.zeros((0, o.size), o.dtype) for o in outs]
        res.append(cols)
    return res


def _snapshot(out, outputs_idx):
    """Copies of the chosen outputs' values (later perturbations must not change them)."""
    out = _as_tuple(out)
    return [np.array(out[k]._host(), copy=True) for k in outputs_idx]


def _analytical_jacobian(inputs, output):
    """Rows of d(output)/d(input) from one vector-Jacobian product per output element."""
    diff = _diff_inputs(inputs)
    jacs = [np.zeros((t.numel(), output.numel()), t.dtype.np) for t in diff]
    sizes_ok = types_ok = True
    go = np.zeros(output.shape, output.dtype.np)
    for j in range(output.numel()):
        go.fill(0)
        go.flat[j] = 1
        grads = engine.grad(output, diff, _from_np(go, output.dtype, output.device),
                            retain_graph=True, allow_unused=True)
        for i, (g, t) in enumerate(zip(grads, diff)):
            if g is None:
                continue
            if g.shape != t.shape:
                sizes_ok = False
            elif g.dtype is not t.dtype:
                types_ok = False
            if g.numel() == t.numel():
                jacs[i][:, j] = g._host().reshape(-1)
    return jacs, sizes_ok, types_ok


def _jac_tensor(a, like_dtype):
    from .._tensor import _wrap
    return _wrap(a, D.from_numpy_dtype(a.dtype) if a.dtype != like_dtype.np else like_dtype)


def _slow_gradcheck(func, func_out, inputs, outputs, eps, rtol, atol, check_grad_dtypes, nondet_tol):
    Tensor = _T()
    func_out = _as_tuple(func_out)
    if not outputs:
        # no differentiable output: the function must be locally constant
        float_idx = [k for k, o in enumerate(func_out) if isinstance(o, Tensor) and o.dtype.is_floating_point]
        for cols in _numerical_jacobians(func, inputs, float_idx, eps):
            for j in cols:
                if np.count_nonzero(j):
                    raise GradcheckError('Numerical gradient for function expected to be zero')
        return True
    diff_idx = [k for k, o in enumerate(func_out) if isinstance(o, Tensor) and o.requires_grad]
    numerical = _numerical_jacobians(func, inputs, diff_idx, eps)        # [input][output]
    for i, o in enumerate(outputs):
        jac1, sizes_ok, types_ok = _analytical_jacobian(inputs, o)
        # computed twice: a backward that is not deterministic fails here
        jac2, _, _ = _analytical_jacobian(inputs, o)
        if not types_ok and check_grad_dtypes:
            raise GradcheckError('Gradient has dtype mismatch')
        if not sizes_ok:
            raise GradcheckError('Analytical gradient has incorrect size')
        for a1, a2 in zip(jac1, jac2):
            if a1.size and np.abs(a1 - a2).max() > nondet_tol:
                raise GradcheckError('Backward is not reentrant, i.e., running backward with same input and '
                                     'grad_output multiple times gives different values, although analytical '
                                     f'gradient matches numerical gradient.The tolerance for nondeterminism was '
                                     f'{nondet_tol}.')
        diff = _diff_inputs(inputs)
        for j, a in enumerate(jac1):
            n = numerical[j][i]
            if not np.allclose(a, n, rtol, atol):
                an = _jac_tensor(a, diff[j].dtype)
                nu = _jac_tensor(n, o.dtype)
                raise GradcheckError(f'Jacobian mismatch for output {i:d} with respect to input {j:d},\n'
                                     f'numerical:{nu}\nanalytical:{an}\n')
    return True


def _zeros_like(o):
    return _from_np(np.zeros(o.shape, o.dtype.np), o.dtype, o.device)


def _test_backward_mul_by_grad_output(outputs, inputs):
    diff = _diff_inputs(inputs)
    if not diff:
        raise GradcheckError('no Tensors requiring grad found in input')
    grads = engine.grad(outputs, diff, [_zeros_like(o) for o in outputs], allow_unused=True)
    for gi, di in zip(grads, diff):
        if gi is None:
            continue
        if np.any(gi._host() != 0):
            raise GradcheckError('backward not multiplied by grad_output')
        if gi.dtype is not di.dtype:
            raise GradcheckError('grad is incorrect type')
        if gi.device != di.device:
            raise GradcheckError('grad is incorrect device')
        if gi.shape != di.shape:
            raise GradcheckError('grad is incorrect size')
    return True


# torch._C._functions.UndefinedGrad: passes no gradient (an undefined one) to its input
_UndefinedGrad = node_class('UndefinedGradBackward', lambda node, g: (None,))


def _undefined_grad(o):
    from .._ops._core import record
    alias = o.detach()
    record(_UndefinedGrad, alias, [o])
    return alias


def _test_undefined_backward_mode(func, outputs, inputs):
    diff = _diff_inputs(inputs)
    if not diff:
        raise GradcheckError('no Tensors requiring grad found in input')

    def warn_bc_breaking():
        warnings.warn('Backwards compatibility: New undefined gradient support checking feature is enabled by '
                      'default, but it may break existing callers of this function. If this is true for you, you '
                      'can call this function with "check_undefined_grad=False" to disable the feature',
                      stacklevel=2)

    def check(outs):
        try:
            grads = engine.grad(outs, diff, [_zeros_like(o) for o in outs], allow_unused=True)
        except RuntimeError as e:
            warn_bc_breaking()
            raise GradcheckError('Expected backward function to handle undefined output grads. Please look at '
                                 '"Notes about undefined output gradients" in "tools/autograd/derivatives.yaml"') from e
        for gi in grads:
            if gi is not None and np.any(gi._host() != 0):
                warn_bc_breaking()
                raise GradcheckError('Expected all input grads to be undefined or zero when all output grads are '
                                     'undefined or zero. Please look at "Notes about undefined output gradients" in '
                                     '"tools/autograd/derivatives.yaml"')
        return True

    # every output undefined at once, then (with several outputs) one at a time
    to_check = [[_undefined_grad(o) for o in _differentiable_outputs(func(*inputs))]]
    if len(to_check[0]) > 1:
        for k in range(len(outputs)):
            outs = _differentiable_outputs(func(*inputs))
            to_check.append([_undefined_grad(o) if i == k else o for i, o in enumerate(outs)])
    return all(check(outs) for outs in to_check)


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, nondet_tol=0.0,
              check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
              check_batched_forward_grad=False, check_forward_ad=False, check_backward_ad=True,
              fast_mode=False, masked=None):
    """True when the gradients of ``func`` at ``inputs`` match finite differences.

    On a mismatch raises ``GradcheckError``, or returns False with ``raise_exception=False``.
    """
    if not (check_forward_ad or check_backward_ad):
        raise AssertionError('Expected at least one of check_forward_ad or check_backward_ad to be True')
    if check_batched_grad and not check_backward_ad:
        raise AssertionError('Setting check_batched_grad=True requires check_backward_ad to be True')
    try:
        return _gradcheck_helper(func, inputs, eps, atol, rtol, nondet_tol, check_undefined_grad,
                                 check_grad_dtypes, check_forward_ad, check_backward_ad)
    except GradcheckError:
        if raise_exception:
            raise
        return False


def _gradcheck_helper(func, inputs, eps, atol, rtol, nondet_tol, check_undefined_grad, check_grad_dtypes,
                      check_forward_ad=False, check_backward_ad=True):
    inputs = _as_tuple(inputs)
    _check_inputs(inputs)
    func_out = func(*inputs)
    outputs = _differentiable_outputs(func_out)
    if check_backward_ad:
        _slow_gradcheck(func, func_out, inputs, outputs, eps, rtol, atol, check_grad_dtypes, nondet_tol)
    if check_forward_ad:
        _forward_ad_gradcheck(func, func_out, inputs, eps, rtol, atol)
    if check_backward_ad:
        _test_backward_mul_by_grad_output(outputs, inputs)
        if check_undefined_grad:
            _test_undefined_backward_mode(func, outputs, inputs)
    return True


def _forward_ad_gradcheck(func, func_out, inputs, eps, rtol, atol):
    """The Jacobian from forward AD (a column per input element: the tangent of every output for
    a one-hot tangent of that input) against the numerical one."""
    from . import forward_ad
    Tensor = _T()
    func_out = _as_tuple(func_out)
    out_idx = [k for k, o in enumerate(func_out) if isinstance(o, Tensor) and o.dtype.is_floating_point]
    numerical = _numerical_jacobians(func, inputs, out_idx, eps)        # [input][output]
    diff = _diff_inputs(inputs)
    for j, inp in enumerate(diff):
        jacs = [np.zeros((inp.numel(), func_out[k].numel()), func_out[k].dtype.np) for k in out_idx]
        for e in range(inp.numel()):
            onehot = np.zeros(inp.shape, inp.dtype.np)
            onehot.flat[e] = 1
            tangents = [_from_np(onehot, inp.dtype, inp.device) if x is inp else None for x in inputs]
            got = forward_ad.jvp_columns(func, inputs, tangents)
            for c, k in enumerate(out_idx):
                t = got[k]
                if t is not None:
                    jacs[c][e] = t._host().reshape(-1)
        for i, (a, k) in enumerate(zip(jacs, out_idx)):
            n = numerical[j][i]
            if not np.allclose(a, n, rtol, atol):
                raise GradcheckError(f'Jacobian computed with forward mode mismatch for output {i:d} with respect '
                                     f'to input {j:d},\nnumerical:{_jac_tensor(n, func_out[k].dtype)}\n'
                                     f'analytical:{_jac_tensor(a, inp.dtype)}\n')


def _random_grad_output(x, noncontiguous):
    """torch.testing.make_tensor(low=-1, high=1, requires_grad=True) for an output's shape."""
    from .._ops import creation
    dtype = x.dtype if x.dtype.is_floating_point else D.float64
    vals = np.asarray(creation.rand(tuple(x.shape), dtype=dtype)._host() * 2 - 1)   # 0-d stays an array
    if noncontiguous and vals.size > 1:
        # every other element of a buffer twice as long in the last dim
        big = np.zeros(vals.shape[:-1] + (vals.shape[-1] * 2,), vals.dtype)
        view = big[..., ::2]
        view[...] = vals
        vals = view
    from .._tensor import _wrap
    t = _wrap(vals, dtype)
    if x.device.type != 'cpu':
        t = t.to(x.device)
    return t.requires_grad_()


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True, nondet_tol=0.0,
                  check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
                  check_fwd_over_rev=False, check_rev_over_rev=True, fast_mode=False, masked=False):
    """gradcheck of the function (inputs, grad_outputs) -> d(func)/d(inputs) made with create_graph=True,
    which checks the second derivatives. Random grad_outputs in [-1, 1) are drawn when none are given."""
    if not (check_fwd_over_rev or check_rev_over_rev):
        raise AssertionError('Expected at least one of check_fwd_over_rev or check_rev_over_rev to be True')
    if check_undefined_grad and not check_rev_over_rev:
        raise AssertionError('Setting check_undefined_grad=True requires check_rev_over_rev to be True')
    Tensor = _T()
    tupled_inputs = _as_tuple(inputs)
    if grad_outputs is None:
        outs = _differentiable_outputs(func(*tupled_inputs))
        tupled_grad_outputs = tuple(_random_grad_output(x, gen_non_contig_grad_outputs) for x in outs)
    else:
        tupled_grad_outputs = _as_tuple(grad_outputs)
    num_outputs = len(tupled_grad_outputs)
    diff_input_idx = {i for i, x in enumerate(tupled_inputs) if isinstance(x, Tensor) and x.requires_grad}
    diff_grad_output_idx = {i for i, x in enumerate(tupled_grad_outputs) if x.requires_grad}

    def new_func(*args):
        input_args = tuple(x.requires_grad_() if i in diff_input_idx else x
                           for i, x in enumerate(args[:-num_outputs]))
        outputs = _differentiable_outputs(func(*input_args))
        grad_outs = tuple(x.requires_grad_() if i in diff_grad_output_idx else x
                          for i, x in enumerate(args[-num_outputs:]))
        diff_args = tuple(x for i, x in enumerate(input_args) if i in diff_input_idx)
        grads = engine.grad(outputs, diff_args, grad_outs, create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(new_func, tupled_inputs + tupled_grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, nondet_tol=nondet_tol,
                     check_undefined_grad=check_undefined_grad, check_grad_dtypes=check_grad_dtypes,
                     check_batched_grad=check_batched_grad, fast_mode=fast_mode,
                     check_forward_ad=check_fwd_over_rev, check_backward_ad=check_rev_over_rev, masked=masked)
