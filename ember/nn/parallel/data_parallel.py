"""``nn.DataParallel``: a wrapper that, in torch, splits each batch over the visible GPUs.

Without a GPU torch's DataParallel keeps no device ids and calls the wrapped module unchanged;
so does ember's. With CUDA it runs the whole batch on ``device_ids[0]`` (ember replicates over no
second GPU: the result is one GPU's, the same values torch gathers from several).

Example:
    >>> dp = nn.DataParallel(nn.Linear(3, 2)); dp(ember.ones(4, 3)).shape    # torch.Size([4, 2])
    >>> dp.module                                                             # the Linear itself
"""
from ..modules.module import Module

__all__ = ['DataParallel', 'data_parallel']


def _device(d):
    from ... import device
    if isinstance(d, int):
        return device('cuda', d)
    return device(d) if isinstance(d, str) else d


def _to(obj, dev):
    """Tensors in ``obj`` (nested lists, tuples, dicts) moved to ``dev``."""
    from ..._tensor import Tensor
    if isinstance(obj, Tensor):
        return obj.to(dev)
    if isinstance(obj, (list, tuple)):
        moved = [_to(o, dev) for o in obj]
        return type(obj)(*moved) if hasattr(obj, '_fields') else type(obj)(moved)
    if isinstance(obj, dict):
        return type(obj)((k, _to(v, dev)) for k, v in obj.items())
    return obj


class DataParallel(Module):
    """``nn.DataParallel(module, device_ids=None, output_device=None, dim=0)``.

    Example:
        >>> dp = nn.DataParallel(net); y = dp(x)          # y == net(x)
        >>> dp.state_dict().keys()                        # 'module.'-prefixed keys
    """

    def __init__(self, module, device_ids=None, output_device=None, dim=0):
        super().__init__()
        from ... import cuda
        if not cuda.is_available():
            self.module = module
            self.device_ids = []
            return
        if device_ids is None:
            device_ids = list(range(cuda.device_count()))
        if output_device is None:
            output_device = device_ids[0]
        self.dim = dim
        self.module = module
        self.device_ids = [_device(x).index if not isinstance(x, int) else x for x in device_ids]
        self.output_device = _device(output_device).index if not isinstance(output_device, int) else output_device
        self.src_device_obj = _device(self.device_ids[0])

    def forward(self, *inputs, **kwargs):
        if not self.device_ids:
            return self.module(*inputs, **kwargs)
        for t in self.module.parameters():
            if t.device != self.src_device_obj:
                raise RuntimeError(f'module must have its parameters and buffers on device {self.src_device_obj} '
                                   f'(device_ids[0]) but found one of them on device: {t.device}')
        for t in self.module.buffers():
            if t.device != self.src_device_obj:
                raise RuntimeError(f'module must have its parameters and buffers on device {self.src_device_obj} '
                                   f'(device_ids[0]) but found one of them on device: {t.device}')
        out = self.module(*_to(inputs, self.src_device_obj), **_to(kwargs, self.src_device_obj))
        return _to(out, _device(self.output_device))


def data_parallel(module, inputs, device_ids=None, output_device=None, dim=0, module_kwargs=None):
    """The functional form: ``DataParallel(module, ...)(*inputs, **module_kwargs)``; without a GPU
    torch's raises "device type could not be determined", and so does ember's."""
    from ... import cuda
    if not isinstance(inputs, tuple):
        inputs = (inputs,) if inputs is not None else ()
    if not cuda.is_available():
        raise RuntimeError('device type could not be determined')
    return DataParallel(module, device_ids, output_device, dim)(*inputs, **(module_kwargs or {}))
