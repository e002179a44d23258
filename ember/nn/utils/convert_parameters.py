"""``parameters_to_vector`` / ``vector_to_parameters``: all parameters as one flat vector and back.

Example:
    >>> v = nn.utils.parameters_to_vector(model.parameters())      # 1-D, numel of all parameters
    >>> nn.utils.vector_to_parameters(v * 0, model.parameters())    # zeros every parameter
"""
from ..._tensor import Tensor

__all__ = ['parameters_to_vector', 'vector_to_parameters']


def parameters_to_vector(parameters):
    r"""Flatten and concatenate an iterable of parameters into one 1-D tensor."""
    from ..._ops.shape import cat
    param_device = None
    vec = []
    for param in parameters:
        param_device = _check_param_device(param, param_device)
        vec.append(param.view(-1))
    return cat(vec)


def vector_to_parameters(vec, parameters):
    r"""Copy slices of the 1-D ``vec`` into the parameters (each takes ``param.numel()`` values)."""
    if not isinstance(vec, Tensor):
        from ..modules.module import _typename
        raise TypeError(f'expected torch.Tensor, but got: {_typename(vec)}')
    param_device = None
    pointer = 0
    for param in parameters:
        param_device = _check_param_device(param, param_device)
        num_param = param.numel()
        # slice the vector, reshape it, and replace the old data of the parameter
        param.data = vec[pointer:pointer + num_param].view_as(param).data
        pointer += num_param


def _check_param_device(param, old_param_device):
    if old_param_device is None:
        old_param_device = param.get_device() if param.device.type == 'cuda' else -1
    else:
        if param.device.type == 'cuda':
            warn = param.get_device() != old_param_device
        else:
            warn = old_param_device != -1
        if warn:
            raise TypeError('Found two parameters on different devices, this is currently not supported.')
    return old_param_device
