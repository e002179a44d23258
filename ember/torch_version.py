"""``ember.torch_version``: the PyTorch version whose API ember follows, as torch's ``TorchVersion``.

Scripts test ``torch.__version__`` before using newer features (``if torch.__version__ >= "2.0":
model = torch.compile(model)``). Under ``python -m ember run`` the script's ``torch.__version__``
is ``TorchVersion('2.13.0+ember0.1.0')``: the PyTorch API level ember implements, with ember's own
version as the local label; ``ember.__version__`` stays ember's.

Example:
    >>> ember.torch_version.__version__ >= (2, 0)      # True
"""
import re

from .version import __version__ as _ember_version

__all__ = ['TorchVersion', 'TORCH_API', '__version__']

TORCH_API = '2.13.0'        # the PyTorch release whose behaviour the tests compare against


def _release(v):
    """The numeric release of a version string or tuple: '2.13.0+cpu' -> (2, 13, 0)."""
    if isinstance(v, str):
        m = re.match(r'\s*v?(\d+(?:\.\d+)*)', v)
        if m is None:
            return None
        return tuple(int(x) for x in m.group(1).split('.'))
    try:
        return tuple(int(x) for x in v)
    except (TypeError, ValueError):
        return None


def _pad(a, b):
    n = max(len(a), len(b))
    return a + (0,) * (n - len(a)), b + (0,) * (n - len(b))


class TorchVersion(str):
    """A version string that also compares with tuples and other version strings by release
    numbers (``TorchVersion('2.13.0') > (2, 1)``, ``> '1.13'``); unparsable operands compare
    as plain strings, as torch's does. (Pre-release and local parts are not ordered here.)"""
    __slots__ = ()

    def _cmp(self, other, op):
        a, b = _release(str(self)), _release(other if isinstance(other, (str, tuple, list)) else str(other))
        if a is None or b is None:
            return getattr(str, op)(self, other)
        a, b = _pad(a, b)
        return getattr(a, op)(b)

    def __lt__(self, other):
        return self._cmp(other, '__lt__')

    def __le__(self, other):
        return self._cmp(other, '__le__')

    def __gt__(self, other):
        return self._cmp(other, '__gt__')

    def __ge__(self, other):
        return self._cmp(other, '__ge__')

    def __eq__(self, other):
        if isinstance(other, str) and not isinstance(other, TorchVersion):
            return str.__eq__(self, other) or self._cmp(other, '__eq__')
        return self._cmp(other, '__eq__')

    def __ne__(self, other):
        return not self.__eq__(other)

    __hash__ = str.__hash__


__version__ = TorchVersion(f'{TORCH_API}+ember{_ember_version}')
