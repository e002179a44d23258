"""``ember.nn.grad`` (torch.nn.grad): the gradients of a convolution with respect to its input
and its weight, given the gradient of its output. Each is the backward of ember's own conv,
through autograd, so it agrees with ``conv*d(...).backward(grad_output)``.

Example:
    >>> gi = ember.nn.grad.conv2d_input(x.shape, w, go, stride=2)   # == x.grad after conv2d(x, w, stride=2)
"""
from .. import autograd
from ..autograd import grad_mode
from . import functional as F

__all__ = ['conv1d_input', 'conv1d_weight', 'conv2d_input', 'conv2d_weight', 'conv3d_input', 'conv3d_weight']


def _grad(conv, wrt_input, input, weight, grad_output, stride, padding, dilation, groups):
    from .._ops.creation import zeros
    from .._tensor import Tensor
    make_graph = grad_mode.is_grad_enabled() and any(isinstance(t, Tensor) and t.requires_grad
                                                     for t in (input, weight, grad_output))
    if wrt_input:
        leaf = zeros(tuple(input), dtype=grad_output.dtype, device=grad_output.device, requires_grad=True)
        args = (leaf, weight)
    else:
        leaf = zeros(tuple(weight), dtype=grad_output.dtype, device=grad_output.device, requires_grad=True)
        args = (input, leaf)
    with grad_mode.enable_grad():
        out = conv(*args, None, stride, padding, dilation, groups)
        g, = autograd.grad(out, leaf, grad_output, create_graph=make_graph)
    return g


def conv1d_input(input_size, weight, grad_output, stride=1, padding=0, dilation=1, groups=1):
    """The gradient of conv1d with respect to an input of ``input_size``."""
    return _grad(F.conv1d, True, input_size, weight, grad_output, stride, padding, dilation, groups)


def conv1d_weight(input, weight_size, grad_output, stride=1, padding=0, dilation=1, groups=1):
    """The gradient of conv1d with respect to a weight of ``weight_size``."""
    return _grad(F.conv1d, False, input, weight_size, grad_output, stride, padding, dilation, groups)


def conv2d_input(input_size, weight, grad_output, stride=1, padding=0, dilation=1, groups=1):
    return _grad(F.conv2d, True, input_size, weight, grad_output, stride, padding, dilation, groups)


def conv2d_weight(input, weight_size, grad_output, stride=1, padding=0, dilation=1, groups=1):
    return _grad(F.conv2d, False, input, weight_size, grad_output, stride, padding, dilation, groups)


def conv3d_input(input_size, weight, grad_output, stride=1, padding=0, dilation=1, groups=1):
    return _grad(F.conv3d, True, input_size, weight, grad_output, stride, padding, dilation, groups)


def conv3d_weight(input, weight_size, grad_output, stride=1, padding=0, dilation=1, groups=1):
    return _grad(F.conv3d, False, input, weight_size, grad_output, stride, padding, dilation, groups)
