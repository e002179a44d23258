"""``torch.ao.nn.quantized``: quantized modules; only the dynamic ones (``.dynamic``) exist in ember."""
from . import dynamic  # noqa: F401
from .dynamic.linear import LinearPackedParams  # noqa: F401
