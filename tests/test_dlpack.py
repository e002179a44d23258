"""DLPack: ember.from_dlpack / ember.utils.dlpack against torch's: memory shared with NumPy arrays,
torch tensors and capsules (consumed once), ember tensors exported to torch and NumPy, dtypes,
and the refusals (a tensor that requires grad, a non-DLPack object, a used capsule)."""
import numpy as np
import pytest

import ember

torch = pytest.importorskip('torch')
import torch.utils.dlpack  # noqa: E402


def _outcome(fn):
    try:
        return 'ok', fn()
    except Exception as e:      # noqa: BLE001 - the error is what is compared
        return type(e).__name__, str(e)


@pytest.mark.parametrize('lib', ['torch', 'ember'])
def test_from_numpy_objects_shares_memory(lib):
    L = torch if lib == 'torch' else ember
    a = np.arange(4.)
    t = L.from_dlpack(a)
    t[0] = 9.
    assert a[0] == 9. and str(t.dtype) == 'torch.float64'
    b = np.array([True, False])
    assert L.from_dlpack(b).tolist() == [True, False] and str(L.from_dlpack(b).dtype) == 'torch.bool'


def test_between_ember_and_torch_memory_is_shared():
    e = ember.arange(3.)
    t = torch.from_dlpack(e)                # torch reads ember's export
    t[1] = 7.
    assert e.tolist() == [0., 7., 2.]
    x = torch.arange(5)
    y = ember.from_dlpack(x)                # ember reads torch's export
    y[0] = 100
    assert x.tolist() == [100, 1, 2, 3, 4] and y.dtype is ember.int64
    assert np.from_dlpack(ember.arange(3)).tolist() == [0, 1, 2]
    assert ember.arange(3).__dlpack_device__() == torch.arange(3).__dlpack_device__()


def test_capsules_errors_and_requires_grad():
    for lib in (torch, ember):
        c = lib.utils.dlpack.to_dlpack(lib.ones(2))
        assert lib.from_dlpack(c).tolist() == [1., 1.]
    used = [_outcome(lambda: L.from_dlpack(L.utils.dlpack.to_dlpack(L.ones(2)))) for L in (torch, ember)]
    assert used[0][0] == used[1][0] == 'ok'
    for make in (lambda L: L.from_dlpack([1, 2]),
                 lambda L: L.ones(2, requires_grad=True).__dlpack__()):
        assert _outcome(lambda: make(ember)) == _outcome(lambda: make(torch))
    again = []
    for L in (torch, ember):
        c = L.utils.dlpack.to_dlpack(L.ones(2))
        L.from_dlpack(c)
        again.append(_outcome(lambda: L.from_dlpack(c)))
    assert again[0] == again[1]
    assert ember.from_dlpack(ember.ones(2).detach()).tolist() == [1., 1.]
