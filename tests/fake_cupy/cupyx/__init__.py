"""Fake ``cupyx`` (see tests/fake_cupy/cupy): ``scatter_add`` and friends as NumPy's ufunc.at."""
import numpy as _np
from cupy import _unwrap


def scatter_add(a, slices, value):
    _np.add.at(a._a, _unwrap(slices), _unwrap(value))


def scatter_max(a, slices, value):
    _np.maximum.at(a._a, _unwrap(slices), _unwrap(value))


def scatter_min(a, slices, value):
    _np.minimum.at(a._a, _unwrap(slices), _unwrap(value))
