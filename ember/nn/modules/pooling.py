"""Pooling layers: ``MaxPool1d/2d/3d``, ``AvgPool1d/2d/3d``, ``AdaptiveAvgPool1d/2d/3d``,
``AdaptiveMaxPool1d/2d/3d``, ``LPPool1d/2d``.

Example:
    >>> nn.MaxPool2d(3, stride=2)(ember.randn(20, 16, 50, 32)).shape     # torch.Size([20, 16, 24, 15])
"""
from .. import functional as F
from .module import Module

__all__ = ['MaxPool1d', 'MaxPool2d', 'MaxPool3d', 'AvgPool1d', 'AvgPool2d', 'AvgPool3d', 'AdaptiveAvgPool1d',
           'AdaptiveAvgPool2d', 'AdaptiveAvgPool3d', 'AdaptiveMaxPool1d', 'AdaptiveMaxPool2d', 'AdaptiveMaxPool3d',
           'LPPool1d', 'LPPool2d', 'MaxUnpool1d', 'MaxUnpool2d', 'MaxUnpool3d', 'LPPool3d', 'FractionalMaxPool2d',
           'FractionalMaxPool3d']


class _MaxPoolNd(Module):
    __constants__ = ['kernel_size', 'stride', 'padding', 'dilation', 'return_indices', 'ceil_mode']
    _fn = None

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if (stride is not None) else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def extra_repr(self):
        return ('kernel_size={kernel_size}, stride={stride}, padding={padding}'
                ', dilation={dilation}, ceil_mode={ceil_mode}'.format(**self.__dict__))

    def forward(self, input):
        return getattr(F, self._fn)(input, self.kernel_size, self.stride, self.padding, self.dilation,
                                    ceil_mode=self.ceil_mode, return_indices=self.return_indices)


class MaxPool1d(_MaxPoolNd):
    """Max over sliding windows of (N, C, L) or (C, L) input."""
    _fn = 'max_pool1d'


class MaxPool2d(_MaxPoolNd):
    r"""Max over sliding windows of (N, C, H, W) or (C, H, W) input.

    Args: kernel_size, stride (default: kernel_size), padding=0 (implicit -inf), dilation=1,
    return_indices=False, ceil_mode=False.

    Example::

        >>> m = nn.MaxPool2d((3, 2), stride=(2, 1))
        >>> m(torch.randn(20, 16, 50, 32)).shape
    """
    _fn = 'max_pool2d'


class MaxPool3d(_MaxPoolNd):
    """Max over sliding windows of (N, C, D, H, W) or (C, D, H, W) input."""
    _fn = 'max_pool3d'


class AvgPool1d(Module):
    """Mean over sliding windows of (N, C, L) or (C, L) input."""
    __constants__ = ['kernel_size', 'stride', 'padding', 'ceil_mode', 'count_include_pad']

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
        super().__init__()
        self.kernel_size = _one(kernel_size)
        self.stride = _one(stride if stride is not None else kernel_size)
        self.padding = _one(padding)
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def extra_repr(self):
        return f'kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}'

    def forward(self, input):
        return F.avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad)


def _one(x):
    return tuple(x) if isinstance(x, (list, tuple)) else (x,)


class _AvgPoolNd(Module):
    __constants__ = ['kernel_size', 'stride', 'padding', 'ceil_mode', 'count_include_pad', 'divisor_override']
    _fn = None

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                 divisor_override=None):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if (stride is not None) else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def extra_repr(self):
        return f'kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}'

    def forward(self, input):
        return getattr(F, self._fn)(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                                    self.count_include_pad, self.divisor_override)


class AvgPool2d(_AvgPoolNd):
    r"""Mean over sliding windows of (N, C, H, W) or (C, H, W) input.

    Args: kernel_size, stride (default: kernel_size), padding=0 (zeros), ceil_mode=False,
    count_include_pad=True, divisor_override=None.

    Example::

        >>> nn.AvgPool2d(3, stride=2)(torch.randn(20, 16, 50, 32)).shape
    """
    _fn = 'avg_pool2d'


class AvgPool3d(_AvgPoolNd):
    """Mean over sliding windows of (N, C, D, H, W) or (C, D, H, W) input."""
    _fn = 'avg_pool3d'


class _AdaptiveAvgPoolNd(Module):
    __constants__ = ['output_size']
    _fn = None

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def extra_repr(self):
        return f'output_size={self.output_size}'

    def forward(self, input):
        return getattr(F, self._fn)(input, self.output_size)


class AdaptiveAvgPool1d(_AdaptiveAvgPoolNd):
    """Average pooling of (N, C, L) input to a fixed length."""
    _fn = 'adaptive_avg_pool1d'


class AdaptiveAvgPool2d(_AdaptiveAvgPoolNd):
    """Average pooling of (N, C, H, W) input to a fixed (oH, oW) (``None``: keep that size).

    Example::

        >>> nn.AdaptiveAvgPool2d((5, 7))(torch.randn(1, 64, 8, 9)).shape     # torch.Size([1, 64, 5, 7])
    """
    _fn = 'adaptive_avg_pool2d'


class AdaptiveAvgPool3d(_AdaptiveAvgPoolNd):
    _fn = 'adaptive_avg_pool3d'


class _AdaptiveMaxPoolNd(Module):
    __constants__ = ['output_size', 'return_indices']
    _fn = None

    def __init__(self, output_size, return_indices=False):
        super().__init__()
        self.output_size = output_size
        self.return_indices = return_indices

    def extra_repr(self):
        return f'output_size={self.output_size}'

    def forward(self, input):
        return getattr(F, self._fn)(input, self.output_size, self.return_indices)


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    _fn = 'adaptive_max_pool1d'


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    """Max pooling of (N, C, H, W) input to a fixed (oH, oW)."""
    _fn = 'adaptive_max_pool2d'


class AdaptiveMaxPool3d(_AdaptiveMaxPoolNd):
    _fn = 'adaptive_max_pool3d'


class _LPPoolNd(Module):
    __constants__ = ['norm_type', 'kernel_size', 'stride', 'ceil_mode']
    _fn = None

    def __init__(self, norm_type, kernel_size, stride=None, ceil_mode=False):
        super().__init__()
        self.norm_type = norm_type
        self.kernel_size = kernel_size
        self.stride = stride
        self.ceil_mode = ceil_mode

    def extra_repr(self):
        return ('norm_type={norm_type}, kernel_size={kernel_size}, stride={stride}, '
                'ceil_mode={ceil_mode}'.format(**self.__dict__))

    def forward(self, input):
        return getattr(F, self._fn)(input, float(self.norm_type), self.kernel_size, self.stride, self.ceil_mode)


class LPPool1d(_LPPoolNd):
    _fn = 'lp_pool1d'


class LPPool2d(_LPPoolNd):
    _fn = 'lp_pool2d'


class LPPool3d(_LPPoolNd):
    r"""The power-average ``(sum over the window of x ** p) ** (1 / p)`` of (N, C, D, H, W) or
    (C, D, H, W) input.

    Example::

        >>> nn.LPPool3d(2, 3, stride=2)(torch.randn(20, 16, 50, 44, 31)).shape     # (20, 16, 24, 21, 15)
    """
    _fn = 'lp_pool3d'


# ---------------------------------------------------------------- max unpooling
def _unpool_ntuple(n):
    def parse(x):
        return tuple(x) if isinstance(x, (list, tuple)) else (x,) * n
    return parse


class _MaxUnpoolNd(Module):
    _k = None

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        t = _unpool_ntuple(self._k)
        self.kernel_size = t(kernel_size)
        self.stride = t(stride if (stride is not None) else kernel_size)
        self.padding = t(padding)

    def extra_repr(self):
        return f'kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}'

    def forward(self, input, indices, output_size=None):
        return getattr(F, f'max_unpool{self._k}d')(input, indices, self.kernel_size, self.stride, self.padding,
                                                   output_size)


class MaxUnpool1d(_MaxUnpoolNd):
    r"""The partial inverse of :class:`MaxPool1d`: each value put back where ``indices`` (from
    ``MaxPool1d(return_indices=True)``) says, zeros elsewhere; ``output_size`` picks among the
    sizes that pool to the input's.

    Example::

        >>> pool, unpool = nn.MaxPool1d(2, return_indices=True), nn.MaxUnpool1d(2)
        >>> unpool(*pool(torch.tensor([[[1., 2, 3, 4, 5, 6, 7, 8]]])))    # tensor([[[0., 2., 0., 4., 0., 6., 0., 8.]]])
    """
    _k = 1


class MaxUnpool2d(_MaxUnpoolNd):
    r"""The partial inverse of :class:`MaxPool2d` (from its indices), zeros elsewhere."""
    _k = 2


class MaxUnpool3d(_MaxUnpoolNd):
    r"""The partial inverse of :class:`MaxPool3d` (from its indices), zeros elsewhere."""
    _k = 3


# ---------------------------------------------------------------- fractional max pooling
class _FractionalMaxPoolNd(Module):
    _k = None

    def __init__(self, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                 _random_samples=None):
        super().__init__()
        k = self._k
        t = _unpool_ntuple(k)
        self.kernel_size = t(kernel_size)
        self.return_indices = return_indices
        self.register_buffer('_random_samples', _random_samples)
        self.output_size = t(output_size) if output_size is not None else None
        self.output_ratio = t(output_ratio) if output_ratio is not None else None
        if output_size is None and output_ratio is None:
            raise ValueError(f'FractionalMaxPool{k}d requires specifying either an output size, or a pooling ratio')
        if output_size is not None and output_ratio is not None:
            raise ValueError('only one of output_size and output_ratio may be specified')
        if self.output_ratio is not None and not all(0 < r < 1 for r in self.output_ratio):
            raise ValueError(f'output_ratio must be between 0 and 1 (got {output_ratio})')

    def forward(self, input):
        return getattr(F, f'fractional_max_pool{self._k}d')(
            input, self.kernel_size, self.output_size, self.output_ratio, return_indices=self.return_indices,
            _random_samples=self._random_samples)


class FractionalMaxPool2d(_FractionalMaxPoolNd):
    r"""Max over windows of (N, C, H, W) or (C, H, W) input placed at pseudo-random steps, to
    ``output_size`` or ``output_ratio`` of the input size (Graham, "Fractional Max-Pooling").

    Example::

        >>> m = nn.FractionalMaxPool2d(3, output_ratio=(0.5, 0.5))
        >>> m(torch.randn(20, 16, 50, 32)).shape                              # (20, 16, 25, 16)
    """
    _k = 2


class FractionalMaxPool3d(_FractionalMaxPoolNd):
    r"""Fractional max pooling of (N, C, T, H, W) or (C, T, H, W) input.

    Example::

        >>> nn.FractionalMaxPool3d(3, output_size=(13, 12, 11))(torch.randn(20, 16, 50, 32, 16)).shape
    """
    _k = 3
