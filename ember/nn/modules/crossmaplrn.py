"""``nn.CrossMapLRN2d``: Lua-torch's local response normalisation across channels, as torch keeps it
(a custom Function with its own backward, torch/nn/modules/_functions.py): for (N, C, H, W) input,
``scale = k + alpha / size * (sum of squares over a window of channels)`` and
``output = input * scale ** -beta``.

Example:
    >>> nn.CrossMapLRN2d(3)(ember.ones(1, 4, 2, 2)).shape        # torch.Size([1, 4, 2, 2])
"""
from ..._backend import array_module
from ..._tensor import _wrap
from ...autograd import Function
from .module import Module


def _scale(x, size, alpha, k):
    xp = array_module(x)
    sq = x * x
    channels = x.shape[1]
    pre_pad = int((size - 1) / 2 + 1)
    scale = xp.zeros_like(x)
    scale[:, 0] = sq[:, :min(pre_pad, channels)].sum(1)
    for c in range(1, channels):         # (torch's running window, with its bounds, kept as they are)
        scale[:, c] = scale[:, c - 1]
        if c < channels - pre_pad + 1:
            scale[:, c] += sq[:, c + pre_pad - 1]
        if c > pre_pad:
            scale[:, c] -= sq[:, c - pre_pad]
    scale *= x.dtype.type(alpha / size)
    scale += x.dtype.type(k)
    return scale


class CrossMapLRN2d(Function):     # (the Function; its node prints as CrossMapLRN2dBackward, as torch's)
    @staticmethod
    def forward(ctx, input, size, alpha=1e-4, beta=0.75, k=1):
        if input.dim() != 4:
            raise ValueError(f'CrossMapLRN2d: Expected input to be 4D, got {input.dim()}D instead.')
        ctx.size, ctx.alpha, ctx.beta, ctx.k = size, alpha, beta, k
        x = input._data
        ctx.scale = _scale(x, size, alpha, k)
        output = _wrap(ctx.scale ** x.dtype.type(-beta) * x, input.dtype, input._device)
        ctx.save_for_backward(input, output)
        return output

    @staticmethod
    def backward(ctx, grad_output):
        input, output = ctx.saved_tensors
        x, out, go, scale = input._data, output._data, grad_output._data, ctx.scale
        xp = array_module(x)
        size = ctx.size
        n, channels, h, w = x.shape
        t = x.dtype.type
        cache_ratio_value = t(2 * ctx.alpha * ctx.beta / size)
        inverse_pre_pad = int(size - (size - 1) / 2)
        if inverse_pre_pad + channels > channels + size - 1:     # (size 1: torch's narrow refuses)
            raise RuntimeError(f'start ({inverse_pre_pad}) + length ({channels}) exceeds dimension size '
                               f'({channels + size - 1}).')
        gi = scale ** t(-ctx.beta) * go
        padded = xp.zeros((n, channels + size - 1, h, w), dtype=x.dtype)
        padded[:, inverse_pre_pad:inverse_pre_pad + channels] = go * out / scale
        accum = padded[:, :size - 1].sum(1)
        for c in range(channels):
            accum += padded[:, c + size - 1]
            gi[:, c] += -cache_ratio_value * x[:, c] * accum
            accum -= padded[:, c]
        return _wrap(gi, grad_output.dtype, grad_output._device), None, None, None, None


_CrossMapLRN2d = CrossMapLRN2d


class CrossMapLRN2d(Module):  # noqa: F811
    """``CrossMapLRN2d(size, alpha=1e-4, beta=0.75, k=1)`` over (N, C, H, W) input."""

    def __init__(self, size, alpha=1e-4, beta=0.75, k=1):
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, input):
        return _CrossMapLRN2d.apply(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self):
        return '{size}, alpha={alpha}, beta={beta}, k={k}'.format(**self.__dict__)
