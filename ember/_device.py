"""``ember.device``: where a tensor lives. Devices are interned, so ops compare them by identity.

Example:
    >>> ember.device('cuda', 0)
    device(type='cuda', index=0)
"""

__all__ = ['device']

_interned = {}


class device:
    __slots__ = ('type', 'index', '__weakref__')

    def __new__(cls, type_or_str, index=None):
        if isinstance(type_or_str, device):
            if index is not None:
                raise TypeError('device(): a device object takes no index')
            return type_or_str
        if isinstance(type_or_str, int) and not isinstance(type_or_str, bool):
            from . import cuda        # an index alone means the current accelerator
            if not cuda.is_available():
                raise RuntimeError('Cannot access accelerator device when none is available.')
            type_or_str, index = 'cuda', type_or_str
        if not isinstance(type_or_str, str):
            raise TypeError(f'device() received an invalid combination of arguments - got ({type(type_or_str).__name__})')
        key = (type_or_str, index)
        d = _interned.get(key)
        if d is not None:
            return d
        s = type_or_str
        typ, idx = s, index
        if ':' in s:
            if index is not None:
                raise RuntimeError(f'type (string) must not include an index because index was passed explicitly: {s}')
            typ, _, num = s.partition(':')
            if not num.isdigit():
                raise RuntimeError(f'Invalid device string: \'{s}\'')
            idx = int(num)
        if typ not in ('cpu', 'cuda', 'meta'):
            raise RuntimeError('Expected one of cpu, cuda, ipu, xpu, mkldnn, opengl, opencl, ideep, hip, ve, fpga, '
                               'maia, xla, lazy, vulkan, mps, meta, hpu, mtia, privateuseone device type at start of '
                               f'device string: {s}')
        if idx is not None and idx < 0:
            raise RuntimeError(f'Device index must not be negative')
        d = _interned.get((typ, idx))      # 'cuda:0' and ('cuda', 0) are one object: ops compare with `is`
        if d is not None:
            _interned[key] = d
            return d
        d = object.__new__(cls)
        object.__setattr__(d, 'type', typ)
        object.__setattr__(d, 'index', idx)
        _interned[key] = d
        _interned[(typ, idx)] = d
        return d

    def __setattr__(self, k, v):
        raise AttributeError('readonly attribute')

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f'{self.type}:{self.index}'

    def __eq__(self, other):
        if not isinstance(other, device):      # torch: a device never equals a string
            return NotImplemented
        return self.type == other.type and self.index == other.index

    def __hash__(self):
        return hash((self.type, self.index))

    def __reduce__(self):
        return (device, (self.type, self.index))

    def __enter__(self):
        # ``with torch.device(d):`` makes d the default device of the factory functions inside
        _device_stack.append(_default[0])
        set_default_device(self)
        return self

    def __exit__(self, *exc):
        _default[0] = _device_stack.pop()
        return False


CPU = device('cpu')
_default = [CPU]        # set_default_device: where factory functions put new tensors
_device_stack = []      # the defaults that open ``with device(...)`` regions will restore


def as_device(d):
    """A canonical device for a device argument ('cuda' means the current CUDA device);
    None means the default device (``set_default_device``)."""
    if d is None:
        return _default[0]
    if d is CPU:
        return CPU
    if type(d) is not device:
        if isinstance(d, str) or isinstance(d, int):
            d = device(d)
        else:
            raise TypeError(f'expected a device, got {type(d).__name__}')
    if d.type == 'cpu':
        return CPU                  # 'cpu:0' is the one CPU device
    if d.type == 'cuda':
        from . import cuda
        cuda._check_available()
        if d.index is None:
            d = device('cuda', cuda.current_device())
    return d


def set_default_device(device):
    """Where factory functions (``zeros``, ``tensor``, ``randn``, module parameters, ...) put new
    tensors when no ``device=`` is given; None means the CPU."""
    _default[0] = CPU if device is None else as_device(device)


def get_default_device():
    return _default[0]
