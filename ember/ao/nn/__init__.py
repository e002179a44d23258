"""``torch.ao.nn``: quantized module namespaces (``quantized.dynamic``)."""
from . import quantized  # noqa: F401
