"""Named-tuple results of ops that return several tensors (``torch.return_types``).

``ember.max(x, 1)`` returns ``ember.return_types.max(values=..., indices=...)``: a tuple that
unpacks as ``values, indices = ...`` and prints exactly as PyTorch prints it.

Example:
    >>> r = ember.max(ember.tensor([[1., 5.], [7., 2.]]), dim=1)
    >>> r.values, r.indices                  # (tensor([5., 7.]), tensor([1, 0]))
    >>> r
    torch.return_types.max(
    values=tensor([5., 7.]),
    indices=tensor([1, 0]))

New result types come from ``make(name, fields)``; they are module attributes here, so that
results pickle by reference.
"""
import collections

__all__ = ['make']


def _repr(self):
    body = ',\n'.join(f'{f}={v!r}' for f, v in zip(self._fields, self))
    return f'torch.return_types.{type(self).__name__}(\n{body})'


def _reduce(self):
    return (type(self), (tuple(self),))


def _new_from_seq(cls, *args, **kwargs):
    # T(values, indices), T(values=..., indices=...), or structseq-style T((values, indices))
    if len(args) == 1 and not kwargs and len(cls._fields) > 1:
        seq = tuple(args[0])
        if len(seq) != len(cls._fields):
            raise TypeError(f'torch.return_types.{cls.__name__} takes a {len(cls._fields)}-sequence '
                            f'({len(seq)}-sequence given)')
        return tuple.__new__(cls, seq)
    vals = list(args) + [kwargs.pop(f) for f in cls._fields[len(args):] if f in kwargs]
    if kwargs or len(vals) != len(cls._fields):
        raise TypeError(f'torch.return_types.{cls.__name__}: expected fields {cls._fields}')
    return tuple.__new__(cls, vals)


def make(name, fields):
    """A named-tuple class ``torch.return_types.<name>`` with ``fields``; registered in this module."""
    existing = globals().get(name)
    if isinstance(existing, type) and issubclass(existing, tuple) and getattr(existing, '_fields', None) == tuple(fields):
        return existing
    base = collections.namedtuple(name, fields)
    cls = type(name, (base,), {'__slots__': (), '__repr__': _repr, '__str__': _repr, '__reduce__': _reduce,
                               '__new__': _new_from_seq, 'n_fields': len(fields),
                               'n_sequence_fields': len(fields), 'n_unnamed_fields': 0})
    cls.__module__ = __name__
    cls.__qualname__ = name
    globals()[name] = cls
    __all__.append(name)
    return cls


_VI = ('values', 'indices')
for _n in ('max', 'min', 'sort', 'topk', 'kthvalue', 'mode', 'median', 'nanmedian', 'cummax', 'cummin'):
    make(_n, _VI)
    make(_n + '_out', _VI)      # what the op returns when given out=(values, indices)
make('aminmax', ('min', 'max'))
make('frexp', ('mantissa', 'exponent'))
make('slogdet', ('sign', 'logabsdet'))
make('linalg_slogdet', ('sign', 'logabsdet'))
make('qr', ('Q', 'R'))
make('linalg_qr', ('Q', 'R'))
make('svd', ('U', 'S', 'V'))
make('linalg_svd', ('U', 'S', 'Vh'))
make('linalg_eigh', ('eigenvalues', 'eigenvectors'))
make('linalg_eig', ('eigenvalues', 'eigenvectors'))
make('geqrf', ('a', 'tau'))
make('lu_unpack', ('P', 'L', 'U'))
make('linalg_lu_factor', ('LU', 'pivots'))
make('linalg_inv_ex', ('inverse', 'info'))
make('linalg_cholesky_ex', ('L', 'info'))
make('histogram', ('hist', 'bin_edges'))
del _n
