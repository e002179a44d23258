"""Padding layers over ``F.pad``: ``ZeroPad1d/2d/3d``, ``ConstantPad1d/2d/3d``,
``ReflectionPad1d/2d/3d``, ``ReplicationPad1d/2d/3d`` and ``CircularPad1d/2d/3d`` (torch.nn names).

``padding`` is an int (the same on every side) or a tuple (left, right[, top, bottom[, front,
back]]), as in ``F.pad``; negative amounts crop.

Example:
    >>> nn.ReflectionPad2d(1)(ember.arange(9.).reshape(1, 1, 3, 3)).shape   # torch.Size([1, 1, 5, 5])
"""
import collections.abc
from itertools import repeat

from .. import functional as F
from .module import Module

__all__ = ['CircularPad1d', 'CircularPad2d', 'CircularPad3d', 'ConstantPad1d', 'ConstantPad2d', 'ConstantPad3d',
           'ReflectionPad1d', 'ReflectionPad2d', 'ReflectionPad3d', 'ReplicationPad1d', 'ReplicationPad2d',
           'ReplicationPad3d', 'ZeroPad1d', 'ZeroPad2d', 'ZeroPad3d']


def _ntuple(n):
    def parse(x):
        if isinstance(x, collections.abc.Iterable):
            return tuple(x)
        return tuple(repeat(x, n))
    return parse


_pair, _quadruple, _sextuple = _ntuple(2), _ntuple(4), _ntuple(6)


# ---------------------------------------------------------------- circular
class _CircularPadNd(Module):
    __constants__ = ['padding']
    _dims = None

    def _check_input_dim(self, input):
        a, b = self._dims
        if input.dim() != a and input.dim() != b:
            raise ValueError(f'expected {a}D or {b}D input (got {input.dim()}D input)')

    def forward(self, input):
        self._check_input_dim(input)
        return F.pad(input, self.padding, 'circular')

    def extra_repr(self):
        return f'{self.padding}'


class CircularPad1d(_CircularPadNd):
    r"""Pads (C, W) or (N, C, W) input circularly: the end of the dim pads its beginning and
    the beginning its end; ``padding``: int or (left, right).

    Example::

        >>> nn.CircularPad1d(2)(torch.arange(8.).reshape(1, 2, 4))[0, 0]   # tensor([2., 3., 0., 1., 2., 3., 0., 1.])
    """
    _dims = (2, 3)

    def __init__(self, padding):
        super().__init__()
        self.padding = _pair(padding)


class CircularPad2d(_CircularPadNd):
    r"""Pads (C, H, W) or (N, C, H, W) input circularly; ``padding``: int or (left, right, top, bottom)."""
    _dims = (3, 4)

    def __init__(self, padding):
        super().__init__()
        self.padding = _quadruple(padding)


class CircularPad3d(_CircularPadNd):
    r"""Pads (C, D, H, W) or (N, C, D, H, W) input circularly; ``padding``: int or a 6-tuple."""
    _dims = (4, 5)

    def __init__(self, padding):
        super().__init__()
        self.padding = _sextuple(padding)


# ---------------------------------------------------------------- constant
class _ConstantPadNd(Module):
    __constants__ = ['padding', 'value']

    def __init__(self, value):
        super().__init__()
        self.value = value

    def forward(self, input):
        return F.pad(input, self.padding, 'constant', self.value)

    def extra_repr(self):
        return f'padding={self.padding}, value={self.value}'


class ConstantPad1d(_ConstantPadNd):
    r"""Pads the last dim with ``value``; ``padding``: int or (left, right).

    Example::

        >>> nn.ConstantPad1d(2, 3.5)(torch.zeros(1, 2, 4)).shape       # torch.Size([1, 2, 8])
    """

    def __init__(self, padding, value):
        super().__init__(value)
        self.padding = _pair(padding)


class ConstantPad2d(_ConstantPadNd):
    r"""Pads the last 2 dims with ``value``; ``padding``: int or (left, right, top, bottom)."""
    __constants__ = ['padding', 'value']

    def __init__(self, padding, value):
        super().__init__(value)
        self.padding = _quadruple(padding)


class ConstantPad3d(_ConstantPadNd):
    r"""Pads the last 3 dims with ``value``; ``padding``: int or a 6-tuple."""

    def __init__(self, padding, value):
        super().__init__(value)
        self.padding = _sextuple(padding)


# ---------------------------------------------------------------- reflection
class _ReflectionPadNd(Module):
    __constants__ = ['padding']

    def forward(self, input):
        return F.pad(input, self.padding, 'reflect')

    def extra_repr(self):
        return f'{self.padding}'


class ReflectionPad1d(_ReflectionPadNd):
    r"""Pads (C, W) or (N, C, W) input with the reflection of its boundary (the edge itself not
    repeated); each amount must be less than the dim's size.

    Example::

        >>> nn.ReflectionPad1d(2)(torch.arange(4.).reshape(1, 1, 4))[0, 0]   # tensor([2., 1., 0., 1., 2., 3., 2., 1.])
    """

    def __init__(self, padding):
        super().__init__()
        self.padding = _pair(padding)


class ReflectionPad2d(_ReflectionPadNd):
    r"""Reflection padding of (C, H, W) or (N, C, H, W) input; ``padding``: int or a 4-tuple."""

    def __init__(self, padding):
        super().__init__()
        self.padding = _quadruple(padding)


class ReflectionPad3d(_ReflectionPadNd):
    r"""Reflection padding of (C, D, H, W) or (N, C, D, H, W) input; ``padding``: int or a 6-tuple."""

    def __init__(self, padding):
        super().__init__()
        self.padding = _sextuple(padding)


# ---------------------------------------------------------------- replication
class _ReplicationPadNd(Module):
    __constants__ = ['padding']

    def forward(self, input):
        return F.pad(input, self.padding, 'replicate')

    def extra_repr(self):
        return f'{self.padding}'


class ReplicationPad1d(_ReplicationPadNd):
    r"""Pads (C, W) or (N, C, W) input by repeating its edge values.

    Example::

        >>> nn.ReplicationPad1d((1, 2))(torch.tensor([[[1., 2.]]]))      # tensor([[[1., 1., 2., 2., 2.]]])
    """

    def __init__(self, padding):
        super().__init__()
        self.padding = _pair(padding)


class ReplicationPad2d(_ReplicationPadNd):
    r"""Replication padding of (C, H, W) or (N, C, H, W) input; ``padding``: int or a 4-tuple."""

    def __init__(self, padding):
        super().__init__()
        self.padding = _quadruple(padding)


class ReplicationPad3d(_ReplicationPadNd):
    r"""Replication padding of (C, D, H, W) or (N, C, D, H, W) input; ``padding``: int or a 6-tuple."""

    def __init__(self, padding):
        super().__init__()
        self.padding = _sextuple(padding)


# ---------------------------------------------------------------- zero
class ZeroPad1d(ConstantPad1d):
    r"""Pads the last dim with zeros; ``padding``: int or (left, right)."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f'{self.padding}'


class ZeroPad2d(ConstantPad2d):
    r"""Pads the last 2 dims with zeros; ``padding``: int or (left, right, top, bottom).

    Example::

        >>> nn.ZeroPad2d((1, 1, 2, 0))(torch.ones(1, 1, 3, 3)).shape     # torch.Size([1, 1, 5, 5])
    """

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f'{self.padding}'


class ZeroPad3d(ConstantPad3d):
    r"""Pads the last 3 dims with zeros; ``padding``: int or a 6-tuple."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f'{self.padding}'
