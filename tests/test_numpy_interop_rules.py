"""Leaving ember for NumPy: ``Tensor.numpy()``, ``np.asarray(t)`` and ``np.array(t)`` refuse a tensor
off the CPU (TypeError), then one that requires grad while grad mode is on (RuntimeError), as torch;
``force=True`` and ``no_grad`` let them through. Compared with torch through the harness."""
import warnings

import numpy as np
import pytest

from conformance import run_both


def _outcome(fn):
    try:
        r = fn()
        return ('ok', np.asarray(r).tolist(), type(r).__name__)
    except Exception as e:   # noqa: BLE001 - the error type and text are compared
        return ('raises', type(e).__name__, str(e))


@pytest.mark.parametrize('how', ['numpy', 'asarray', 'array', 'asarray_dtype'])
def test_conversion_of_tensor_requiring_grad(both, how):
    conv = {'numpy': lambda t: t.numpy(), 'asarray': np.asarray, 'array': np.array,
            'asarray_dtype': lambda t: np.asarray(t, dtype=np.float64)}[how]

    def body(lib):
        leaf = lib.ones(2, requires_grad=True)
        out = {'leaf': _outcome(lambda: conv(leaf)), 'nonleaf': _outcome(lambda: conv(leaf * 2)),
               'detached': _outcome(lambda: conv(leaf.detach()))}
        with lib.no_grad():
            out['no_grad'] = _outcome(lambda: conv(leaf))
        return out
    run_both(body)


def test_numpy_force_and_order_of_checks(both):
    # the device is checked before requires_grad; force=True skips both
    def body(lib):
        t = lib.ones(2, requires_grad=True)
        return (_outcome(lambda: t.numpy()), _outcome(lambda: t.numpy(force=True)),
                _outcome(lambda: lib.ones(2).numpy()))
    run_both(body)


def test_slow_list_of_arrays_warning_is_once_per_process():
    # torch's TORCH_WARN_ONCE: the second conversion in a process does not warn again
    import ember
    import torch
    for lib in (torch, ember):
        seen = []
        for _ in range(2):
            with warnings.catch_warnings(record=True) as w:
                warnings.simplefilter('always')
                lib.tensor([np.array([1, 2]), np.array([3, 4])])
            seen.append(len([x for x in w if 'list of numpy.ndarrays' in str(x.message)]))
        assert seen[1] == 0 and seen[0] <= 1, (lib.__name__, seen)
