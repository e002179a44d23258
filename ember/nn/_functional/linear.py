"""Linear maps: linear, bilinear.

``linear(x, W, b)`` is ``x @ W.T + b`` as torch computes it: one ``addmm`` (AddmmBackward0) for
2-D input with a bias, and for other contiguous input with a bias through a 2-D view
(ViewBackward0 over AddmmBackward0); without a bias a matrix product (MmBackward0 for 2-D).

Example:
    >>> F.linear(ember.ones(2, 3), ember.ones(4, 3), ember.zeros(4)).shape     # torch.Size([2, 4])
"""
from ..._ops import linalg as L
from ..._tensor import Tensor
from ._util import need_tensor
from ...amp import autocast_mode as _amp

__all__ = ['linear', 'bilinear']


def linear(input, weight, bias=None):
    """y = input @ weight.T + bias; input (*, in_features), weight (out_features, in_features)."""
    if _amp.active:     # autocast: float16 operands (ember/amp/autocast_mode.py)
        input, weight, bias = _amp.lower(input, weight, bias)
    if bias is not None and type(input) is Tensor and isinstance(weight, Tensor) and input._data.ndim == 2 and \
            weight._data.ndim == 2:
        return L.addmm(bias, input, weight.t())     # the common case below, without the checks it passes
    need_tensor('linear', input)
    need_tensor('linear', weight, 'weight', 2)
    xi, xw = input._data, weight._data
    if xi.ndim == 0 or xw.ndim == 0:
        raise RuntimeError(f'both arguments to linear need to be at least 1D, but they are {xi.ndim}D and '
                           f'{xw.ndim}D')
    if bias is None:
        return L.matmul(input, weight.t())
    if xi.ndim == 2:
        return L.addmm(bias, input, weight.t())
    if xw.ndim == 2 and (xi.ndim == 1 or input.is_contiguous()):
        out = L.addmm(bias, input.reshape(-1, xi.shape[-1]), weight.t())
        return out.view(xi.shape[:-1] + (xw.shape[0],))
    return L.matmul(input, weight.t()) + bias


def bilinear(input1, input2, weight, bias=None):
    """y[..., o] = sum_ij input1[..., i] * weight[o, i, j] * input2[..., j] + bias[o]."""
    need_tensor('bilinear', input1, 'input1', 1)
    need_tensor('bilinear', input2, 'input2', 2)
    need_tensor('bilinear', weight, 'weight', 3)
    s1, s2, sw = tuple(input1.shape), tuple(input2.shape), tuple(weight.shape)
    if len(s1) != len(s2):
        raise RuntimeError(f'bilinear(): input dimensions do not match: got {len(s1)} and {len(s2)}')
    for i in range(len(s1) - 1):
        if s1[i] != s2[i]:
            raise RuntimeError(f'bilinear(): input batch dimensions do not match at dim {i}: got {s1[i]} and {s2[i]}')
    if len(sw) != 3:
        raise RuntimeError(f'bilinear(): weight must be three-dimensional, got {len(sw)}')
    if s1[-1] != sw[1]:
        raise RuntimeError(f'bilinear(): input1 size does not match weight size: got {s1[-1]} but expected {sw[1]}')
    if s2[-1] != sw[2]:
        raise RuntimeError(f'bilinear(): input2 size does not match weight size: got {s2[-1]} but expected {sw[2]}')
    if bias is not None and (bias.dim() != 1 or bias.shape[0] != sw[0]):
        raise RuntimeError(f'bilinear(): bias size does not match weight size: got {bias.shape[-1]} but expected '
                           f'{sw[0]}')
    lead = s1[:-1]
    a = input1.reshape(-1, sw[1])                                    # (n, i)
    b = input2.reshape(-1, sw[2])                                    # (n, j)
    w = weight.permute(1, 0, 2).reshape(sw[1], sw[0] * sw[2])        # (i, o*j)
    t = L.matmul(a, w).reshape(-1, sw[0], sw[2])                     # (n, o, j)
    y = (t * b.unsqueeze(1)).sum(-1)                                 # (n, o)
    if bias is not None:
        y = y + bias
    return y.reshape(lead + (sw[0],))
