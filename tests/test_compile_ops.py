"""ember.compile over the op registry (tests/opinfo.py): for every op, a compiled call replayed on
new values of the same shapes gives eager ember's outputs and gradients exactly (eager ember is
itself checked against torch by test_ops_registry.py)."""
import numpy as np
import pytest

import ember
from opinfo import OPS

pytest.importorskip('torch')
DEVICE_AXIS = False


def _tensors(x, rg, rng, scale):
    """A registry sample value as ember tensors (float arrays require grad when ``rg``); with
    ``scale``, float values are moved a little (a new call of the same signature)."""
    if isinstance(x, np.ndarray):
        a = x
        if scale and a.dtype.kind == 'f':
            a = (a * scale + rng.uniform(-0.01, 0.01, a.shape)).astype(a.dtype)
        t = ember.tensor(a)
        return t.requires_grad_() if rg and a.dtype.kind == 'f' else t
    if isinstance(x, str) and x.startswith(('float', 'int', 'uint', 'bool')) and hasattr(ember, x):
        return getattr(ember, x)
    if isinstance(x, (tuple, list)) and any(isinstance(v, np.ndarray) for v in x):
        return type(x)(_tensors(v, rg, rng, scale) for v in x)
    return x


def _leaves(x, acc):
    if isinstance(x, ember.Tensor):
        acc.append(x)
    elif isinstance(x, (tuple, list)):
        for y in x:
            _leaves(y, acc)
    return acc


def _run(fn, sample, rg, scale, seed):
    rng = np.random.default_rng(seed)
    args = [_tensors(a, rg, rng, scale) for a in sample.args]
    kwargs = {k: _tensors(v, rg, rng, scale) for k, v in sample.kwargs.items()}
    out = fn(*args, **kwargs)
    outs = _leaves(out, [])
    vals = [o.detach().numpy().copy() for o in outs]
    grads = []
    diff = [o for o in outs if o.requires_grad and o.dtype.is_floating_point and o.numel()]
    if rg and diff:
        g = [ember.tensor(np.random.default_rng(seed + 1).standard_normal(o.shape).astype(o.detach().numpy().dtype))
             for o in diff]
        ember.autograd.backward(diff, g)
        grads = [t.grad.numpy().copy() if t.grad is not None else None for t in _leaves((args, kwargs), [])
                 if t.requires_grad]
    return vals, grads


def _params():
    out = []
    for op in OPS:
        dt = 'float32' if 'float32' in op.dtypes else op.dtypes[0]
        out.append(pytest.param(op, dt, id=op.name))
    return out


@pytest.mark.parametrize('op,dtype', _params())
def test_compiled_op_equals_eager(op, dtype):
    samples = op.sample_inputs(np.random.default_rng(7), dtype)[:4]
    for i, s in enumerate(samples):
        f = op.op(ember)
        cf = ember.compile(lambda *a, _f=f, **k: _f(*a, **k))
        rg = op.grad and dtype.startswith('float')
        for call, scale in enumerate((None, 1.1, 0.9)):
            try:
                want = _run(f, s, rg, scale, 100 * i + call)
            except Exception as e:            # noqa: BLE001  (a sample eager ember refuses)
                with pytest.raises(type(e)):
                    _run(cf, s, rg, scale, 100 * i + call)
                continue
            got = _run(cf, s, rg, scale, 100 * i + call)
            for a, b in zip(got[0] + got[1], want[0] + want[1]):
                if a is None or b is None:
                    assert a is b
                else:
                    np.testing.assert_array_equal(a, b, err_msg=f'{op.name}{s!r} call {call}')
