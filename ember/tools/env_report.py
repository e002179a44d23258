"""``python -m ember``: the environment report of the seed's test section (SPEC S01, S02).

The seed checks an installation by calling ``torch.cuda.is_available()``, ``device_count()``,
``current_device()``, ``get_device_name(0)``, ``torch.__version__`` and ``torch.version.cuda``.
This prints the same facts for ember, plus what ember runs on: Python, NumPy and the BLAS it
was built with, and CuPy with its CUDA version when installed. Nothing here raises: a fact
that cannot be read is printed as the error that reading it gave.

Example:
    >>> from ember.tools.env_report import report
    >>> print(report())        # ember 0.1.0 / Python 3.11.7 ... / ember.cuda.is_available()  False
"""
import platform
import sys

import numpy as np

import ember

__all__ = ['report', 'facts', 'main']


def _numpy_blas():
    """'scipy-openblas 0.3.31' from NumPy's build configuration, or 'unknown'."""
    try:
        blas = np.show_config(mode='dicts')['Build Dependencies']['blas']
        return f"{blas.get('name', '?')} {blas.get('version', '')}".strip()
    except Exception:        # NumPy < 1.25 has no mode='dicts'
        return 'unknown'


def _cupy():
    """(CuPy version, CUDA runtime version) or None when CuPy is not installed."""
    try:
        import cupy
    except Exception:
        return None
    try:
        v = cupy.cuda.runtime.runtimeGetVersion()       # 12040 means 12.4
        cuda = f'{v // 1000}.{v % 1000 // 10}'
    except Exception as e:
        cuda = f'unknown ({type(e).__name__}: {e})'
    return cupy.__version__, cuda


def _try(fn):
    """fn()'s value, or the error it raised (as PyTorch's CPU build raises for current_device())."""
    try:
        return repr(fn())
    except Exception as e:
        return f'{type(e).__name__}: {e}'


def facts():
    """The report as (label, value) pairs, in the order printed."""
    cuda = ember.cuda
    cp = _cupy()
    rows = [('ember.__version__', ember.__version__),
            ('ember.version.cuda', repr(ember.version.cuda)),
            ('Python', f'{platform.python_version()} ({platform.python_implementation()}, {sys.executable})'),
            ('platform', platform.platform()),
            ('NumPy', f'{np.__version__} (BLAS: {_numpy_blas()})'),
            ('CuPy', f'{cp[0]} (CUDA runtime {cp[1]})' if cp else 'not installed (ember runs on the CPU only)'),
            ('ember.cuda.is_available()', _try(cuda.is_available)),
            ('ember.cuda.device_count()', _try(cuda.device_count))]
    try:
        count = cuda.device_count()
    except Exception:
        count = 0
    rows.append(('ember.cuda.current_device()', _try(cuda.current_device)))
    for i in range(count):
        rows.append((f'device {i}', _device(i)))
    if count == 0:
        rows.append(('ember.cuda.get_device_name(0)', _try(lambda: cuda.get_device_name(0))))
    return rows


def _device(i):
    """'NVIDIA H100 80GB HBM3, 79.2 GiB, compute capability 9.0' for device i."""
    try:
        p = ember.cuda.get_device_properties(i)
        return f'{p.name}, {p.total_memory / 2 ** 30:.1f} GiB, compute capability {p.major}.{p.minor}'
    except Exception as e:
        return f'{type(e).__name__}: {e}'


def report():
    rows = facts()
    width = max(len(k) for k, _ in rows)
    return '\n'.join([f'ember {ember.__version__}: environment report'] +
                     [f'  {k:<{width}}  {v}' for k, v in rows])


def main():
    print(report())
    return 0
