"""``ember.types`` (``torch.types``): the type aliases annotations use (``Number``, ``Device``,
``_TensorOrTensors``, ``_size``, ...), spelled with ember's classes.

Example:
    >>> from ember.types import Number, _TensorOrTensors
    >>> def scale(x: _TensorOrTensors, by: Number): ...
"""
import os
from collections.abc import Sequence
from typing import IO, Any, TYPE_CHECKING, TypeAlias, Union  # noqa: F401  (torch.types re-exports them)

try:
    from typing import Self  # noqa: F401
except ImportError:     # Python < 3.11
    Self = Any

from ._device import device as _device
from ._dtype import dtype as _dtype
from ._tensor import Tensor, Size
from .storage import TypedStorage as Storage  # noqa: F401

_bool = bool
_bytes = bytes
_complex = complex
_float = float
_int = int
_str = str
_layout = object            # (ember has the strided layout only: torch.strided, torch.sparse_coo are names)
_qscheme = object
_dispatchkey = Union[str, object]
DispatchKey = _dispatchkey


class SymInt(int):
    """torch.SymInt stands for a symbolic size under tracing; ember's sizes are plain ints."""


class SymFloat(float):
    """torch.SymFloat: a float (ember has no symbolic shapes)."""


class SymBool:
    """torch.SymBool: ember has no symbolic shapes."""


py_sym_types = (SymInt, SymFloat, SymBool)
PySymType = Union[SymInt, SymFloat, SymBool]
IntLikeType = Union[int, SymInt]
FloatLikeType = Union[float, SymFloat]
BoolLikeType = Union[bool, SymBool]

_TensorOrTensors = Union[Tensor, Sequence[Tensor]]
_TensorOrOptionalTensors = Union[Tensor, Sequence[Union[Tensor, None]]]
_TensorOrTensorsOrGradEdge = Union[Tensor, Sequence[Tensor], object]
_size = Union[Size, list[int], tuple[int, ...]]
_symsize = Union[Size, Sequence[Union[int, SymInt]]]
_Number = (int, float, bool)
Number = Union[int, float, bool]
Device = Union[_device, str, int, None]
FileLike = Union[str, os.PathLike, IO[bytes]]

__all__ = ['Number', 'Device', 'Storage', 'FileLike', 'IntLikeType', 'FloatLikeType', 'BoolLikeType', 'PySymType',
           'py_sym_types', 'SymInt', 'SymFloat', 'SymBool']
