"""``torch.nn.quantized.dynamic``: the old name of ``torch.ao.nn.quantized.dynamic``."""
from ember.ao.nn.quantized.dynamic import *  # noqa: F401,F403
from ember.ao.nn.quantized.dynamic import LinearPackedParams  # noqa: F401
