"""``torch.nn.quantized``: the old name of ``torch.ao.nn.quantized`` (the same objects)."""
from ember.ao.nn.quantized import *  # noqa: F401,F403
from ember.ao.nn.quantized import dynamic  # noqa: F401
