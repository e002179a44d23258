"""``torch.ao.quantization.qconfig``: QConfig (the observer factories for a module's activation and
weight) and torch's default configurations."""
from collections import namedtuple
import ember as torch
from .observer import (default_dynamic_quant_observer, default_weight_observer, default_observer,
                       default_per_channel_weight_observer, PlaceholderObserver, default_float_qparams_observer)
from .fake_quantize import default_fake_quant, default_weight_fake_quant, default_per_channel_weight_fake_quant

__all__ = ['QConfig', 'QConfigDynamic', 'default_qconfig', 'default_dynamic_qconfig', 'float16_dynamic_qconfig',
           'per_channel_dynamic_qconfig', 'default_qat_qconfig', 'default_per_channel_qconfig',
           'float_qparams_weight_only_qconfig', 'float16_static_qconfig', 'default_weight_only_qconfig']


class QConfig(namedtuple('QConfig', ['activation', 'weight'])):
    """How to observe a module's activation and weight: two observer factories (classes or ``with_args``)."""
    __slots__ = ()

    def __new__(cls, activation, weight):
        if isinstance(activation, torch.nn.Module) or isinstance(weight, torch.nn.Module):
            raise ValueError('QConfig received observer instance, please pass observer class instead. '
                             'Use MyObserver.with_args(x=1) to override arguments to constructor if needed')
        return super().__new__(cls, activation, weight)


QConfigDynamic = QConfig

default_qconfig = QConfig(activation=default_observer, weight=default_weight_observer)
default_dynamic_qconfig = QConfig(activation=default_dynamic_quant_observer, weight=default_weight_observer)
float16_dynamic_qconfig = QConfig(activation=PlaceholderObserver.with_args(dtype=torch.float16, is_dynamic=True),
                                  weight=PlaceholderObserver.with_args(dtype=torch.float16))
float16_static_qconfig = QConfig(activation=PlaceholderObserver.with_args(dtype=torch.float16),
                                 weight=PlaceholderObserver.with_args(dtype=torch.float16))
per_channel_dynamic_qconfig = QConfig(activation=default_dynamic_quant_observer,
                                      weight=default_per_channel_weight_observer)
default_per_channel_qconfig = QConfig(activation=default_observer, weight=default_per_channel_weight_observer)
float_qparams_weight_only_qconfig = QConfig(activation=PlaceholderObserver.with_args(dtype=torch.float32),
                                            weight=default_float_qparams_observer)
default_qat_qconfig = QConfig(activation=default_fake_quant, weight=default_weight_fake_quant)
default_weight_only_qconfig = QConfig(activation=torch.nn.Identity, weight=default_weight_fake_quant)
default_qat_qconfig_per_channel = QConfig(activation=default_fake_quant, weight=default_per_channel_weight_fake_quant)
