"""``torch.quantization``: the old name of ``torch.ao.quantization`` (the same objects)."""
from ember.ao.quantization import *  # noqa: F401,F403
from ember.ao.quantization import (observer, fake_quantize, qconfig, stubs, quantize,  # noqa: F401
                                   fake_quantize_per_tensor_affine, fake_quantize_per_channel_affine,
                                   _PartialWrapper, _with_args)
