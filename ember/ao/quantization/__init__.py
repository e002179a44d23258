"""``torch.ao.quantization`` (also ``torch.quantization``): observers, fake quantization, QConfigs,
stubs and eager-mode dynamic quantization (``quantize_dynamic``: Linear layers). Static quantization
(prepare / convert to quantized kernels), HistogramObserver and quantized RNNs are not implemented."""
import ember as _torch
from .observer import *  # noqa: F401,F403
from .observer import _PartialWrapper, _with_args  # noqa: F401
from .fake_quantize import *  # noqa: F401,F403
from .qconfig import *  # noqa: F401,F403
from .stubs import *  # noqa: F401,F403
from .quantize import *  # noqa: F401,F403
from . import observer, fake_quantize, qconfig, stubs, quantize  # noqa: F401

fake_quantize_per_tensor_affine = _torch.fake_quantize_per_tensor_affine
fake_quantize_per_channel_affine = _torch.fake_quantize_per_channel_affine
