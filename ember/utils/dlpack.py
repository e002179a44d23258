"""``ember.utils.dlpack`` (``torch.utils.dlpack``): tensors in and out of other libraries through
DLPack, sharing memory (NumPy, PyTorch, JAX, CuPy, ...).

``from_dlpack(x)`` takes any object with ``__dlpack__`` (or a DLPack capsule, used once); a CPU
one becomes a CPU tensor over the same memory, a CUDA one (through CuPy) a CUDA tensor. Tensors
export themselves (``Tensor.__dlpack__``), so ``torch.from_dlpack(ember_tensor)`` and
``numpy.from_dlpack(ember_tensor)`` share ember's memory too.

Example:
    >>> a = numpy.arange(3.); t = ember.from_dlpack(a); t[0] = 7.; a[0]     # 7.0
"""
import numpy as np

__all__ = ['from_dlpack', 'to_dlpack']

_CPU, _CUDA = 1, 2          # DLDeviceType codes
_INVALID = ('from_dlpack received an invalid capsule. Note that DLTensor capsules can be consumed only once, so '
            'you might have already constructed a tensor from it once.')


class _CapsuleHolder:
    """A bare capsule as the ``__dlpack__`` protocol's producer (NumPy and CuPy take only those)."""

    def __init__(self, capsule, device):
        self._capsule, self._device = capsule, device

    def __dlpack__(self, **kwargs):
        return self._capsule

    def __dlpack_device__(self):
        return self._device


def from_dlpack(ext_tensor):
    """A tensor over the memory of ``ext_tensor`` (an object with ``__dlpack__``, or a capsule)."""
    from .. import _backend
    from .._tensor import Tensor, _wrap
    from .. import _dtype as D
    from .._device import CPU, device as _devcls
    if isinstance(ext_tensor, Tensor):
        return ext_tensor
    if hasattr(ext_tensor, '__dlpack__'):
        dev = tuple(int(v) for v in ext_tensor.__dlpack_device__())
    elif type(ext_tensor).__name__ == 'PyCapsule':
        dev = None
    else:
        raise RuntimeError(_INVALID)
    if dev is None or dev[0] == _CPU:
        try:
            arr = np.from_dlpack(ext_tensor if dev is not None else _CapsuleHolder(ext_tensor, (_CPU, 0)))
            return _wrap(arr, D.from_numpy_dtype(arr.dtype), CPU)
        except ValueError:
            if dev is None:     # (a capsule already used: NumPy finds its name changed)
                raise RuntimeError(_INVALID) from None
            raise
        except (BufferError, RuntimeError, TypeError):
            if dev is not None:
                raise
    cp = _backend.cupy()
    if cp is None:
        raise RuntimeError(f'from_dlpack: a tensor on DLPack device {dev[0] if dev else "?"} needs CUDA, which this '
                           'ember has not (CuPy and a GPU)')
    arr = cp.from_dlpack(ext_tensor)
    return _wrap(arr, D.from_numpy_dtype(arr.dtype), _devcls('cuda', arr.device.id))


def to_dlpack(tensor):
    """A DLPack capsule of ``tensor``'s memory (to be consumed once)."""
    return tensor.__dlpack__()
