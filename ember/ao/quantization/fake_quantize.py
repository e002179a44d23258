"""``torch.ao.quantization.fake_quantize``: modules that observe a tensor and fake-quantize it
(quantize then dequantize, in float, with a straight-through gradient) for quantization-aware training.

Example:
    >>> fq = FakeQuantize(); y = fq(ember.randn(4))       # observed, then rounded to the quint8 grid
"""
import ember as torch
from ember import nn
from ember._tensor import _TorchClassRepr
from ember._quantized import quint8, qint8, per_tensor_affine, per_tensor_symmetric, per_channel_symmetric, \
    per_channel_affine_float_qparams
from .observer import (MovingAverageMinMaxObserver, MovingAveragePerChannelMinMaxObserver, _with_args,
                       _is_per_channel, _is_per_tensor)

__all__ = ['FakeQuantizeBase', 'FakeQuantize', 'default_fake_quant', 'default_weight_fake_quant',
           'default_per_channel_weight_fake_quant', 'disable_fake_quant', 'enable_fake_quant', 'disable_observer',
           'enable_observer']


class FakeQuantizeBase(nn.Module, metaclass=_TorchClassRepr):   # (classes print as torch's)
    """The ``fake_quant_enabled`` / ``observer_enabled`` switches (uint8 buffers, as torch)."""

    def __init__(self):
        super().__init__()
        self.register_buffer('fake_quant_enabled', torch.tensor([1], dtype=torch.uint8))
        self.register_buffer('observer_enabled', torch.tensor([1], dtype=torch.uint8))

    def enable_fake_quant(self, enabled=True):
        self.fake_quant_enabled[0] = 1 if enabled else 0

    def disable_fake_quant(self):
        self.enable_fake_quant(False)

    def enable_observer(self, enabled=True):
        self.observer_enabled[0] = 1 if enabled else 0

    def disable_observer(self):
        self.enable_observer(False)

    @classmethod
    def with_args(cls, **kwargs):
        return _with_args(cls, **kwargs)


class FakeQuantize(FakeQuantizeBase):
    """Observes its input (``activation_post_process``) and fake-quantizes it with the observed qparams."""

    def __init__(self, observer=MovingAverageMinMaxObserver, quant_min=None, quant_max=None, is_dynamic=False,
                 **observer_kwargs):
        super().__init__()
        if quant_min is not None and quant_max is not None:
            if quant_min > quant_max:
                raise AssertionError('quant_min must be less than or equal to quant_max')
            dtype = observer_kwargs.get('dtype', quint8)
            if hasattr(observer, 'p'):
                dtype = getattr(getattr(observer, 'p', {}), 'keywords', {}).get('dtype', dtype)
            info = torch.iinfo(_INT_OF.get(dtype, dtype))
            if info.min > quant_min:
                raise AssertionError('quant_min out of bound')
            if quant_max > info.max:
                raise AssertionError('quant_max out of bound')
            observer_kwargs.update({'quant_min': quant_min, 'quant_max': quant_max})
        observer_kwargs['is_dynamic'] = is_dynamic
        self.activation_post_process = observer(**observer_kwargs)
        self.quant_min = self.activation_post_process.quant_min
        self.quant_max = self.activation_post_process.quant_max
        self.is_dynamic = self.activation_post_process.is_dynamic
        zp_dtype = torch.float if self.activation_post_process.qscheme == per_channel_affine_float_qparams \
            else torch.int
        self.register_buffer('scale', torch.tensor([1.0], dtype=torch.float))
        self.register_buffer('zero_point', torch.tensor([0], dtype=zp_dtype))
        self.dtype = self.activation_post_process.dtype
        self.qscheme = self.activation_post_process.qscheme
        self.ch_axis = getattr(self.activation_post_process, 'ch_axis', -1)
        if not (_is_per_channel(self.qscheme) or _is_per_tensor(self.qscheme)):
            raise AssertionError('Only per channel and per tensor quantization are supported in fake quantize'
                                 ' got qscheme: ' + str(self.qscheme))
        self.is_per_channel = _is_per_channel(self.qscheme)

    def calculate_qparams(self):
        return self.activation_post_process.calculate_qparams()

    def forward(self, X):
        if self.observer_enabled[0] == 1:
            self.activation_post_process(X.detach())
            _scale, _zero_point = self.calculate_qparams()
            if self.scale.shape != _scale.shape:
                self.scale.resize_(_scale.shape)
                self.zero_point.resize_(_zero_point.shape)
            self.scale.copy_(_scale)
            self.zero_point.copy_(_zero_point)
        if self.fake_quant_enabled[0] == 1:
            if self.is_per_channel:
                X = torch.fake_quantize_per_channel_affine(X, self.scale, self.zero_point, self.ch_axis,
                                                           self.activation_post_process.quant_min,
                                                           self.activation_post_process.quant_max)
            else:
                X = torch.fake_quantize_per_tensor_affine(X, self.scale, self.zero_point,
                                                          self.activation_post_process.quant_min,
                                                          self.activation_post_process.quant_max)
        return X

    def extra_repr(self):
        return (f'fake_quant_enabled={self.fake_quant_enabled}, observer_enabled={self.observer_enabled}, '
                f'quant_min={self.activation_post_process.quant_min}, '
                f'quant_max={self.activation_post_process.quant_max}, '
                f'dtype={self.dtype}, qscheme={self.qscheme}, ch_axis={self.ch_axis}, '
                f'scale={self.scale}, zero_point={self.zero_point}')

    def _save_to_state_dict(self, destination, prefix, keep_vars):
        super()._save_to_state_dict(destination, prefix, keep_vars)
        destination[prefix + 'scale'] = self.scale
        destination[prefix + 'zero_point'] = self.zero_point


from ember._quantized import qint32 as _qint32  # noqa: E402
_INT_OF = {quint8: torch.uint8, qint8: torch.int8, _qint32: torch.int32}

default_fake_quant = FakeQuantize.with_args(observer=MovingAverageMinMaxObserver, quant_min=0, quant_max=255,
                                            dtype=quint8, qscheme=per_tensor_affine, reduce_range=True)
default_weight_fake_quant = FakeQuantize.with_args(observer=MovingAverageMinMaxObserver, quant_min=-128,
                                                   quant_max=127, dtype=qint8, qscheme=per_tensor_symmetric,
                                                   reduce_range=False)
default_per_channel_weight_fake_quant = FakeQuantize.with_args(observer=MovingAveragePerChannelMinMaxObserver,
                                                               quant_min=-128, quant_max=127, dtype=qint8,
                                                               qscheme=per_channel_symmetric, reduce_range=False,
                                                               ch_axis=0)


def disable_fake_quant(mod):
    if isinstance(mod, FakeQuantizeBase):
        mod.disable_fake_quant()


def enable_fake_quant(mod):
    if isinstance(mod, FakeQuantizeBase):
        mod.enable_fake_quant()


def disable_observer(mod):
    if isinstance(mod, FakeQuantizeBase):
        mod.disable_observer()


def enable_observer(mod):
    if isinstance(mod, FakeQuantizeBase):
        mod.enable_observer()
