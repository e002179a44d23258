"""``torch.ao.quantization.quantize``: eager-mode dynamic quantization (``quantize_dynamic``) and the
qconfig propagation / module swapping it is made of."""
import copy
import itertools
import ember as torch
from ember import nn
from ember._quantized import qint8, quint8
from .qconfig import default_dynamic_qconfig, float16_dynamic_qconfig, float_qparams_weight_only_qconfig

__all__ = ['quantize_dynamic', 'propagate_qconfig_', 'convert', 'swap_module',
           'get_default_dynamic_quant_module_mappings']


def get_default_dynamic_quant_module_mappings():
    """float module class -> dynamically quantized class (the ones ember has: Linear, the RNNs and cells)."""
    from ember.ao.nn.quantized import dynamic as nnqd
    return {nn.Linear: nnqd.Linear, nn.modules.linear.NonDynamicallyQuantizableLinear: nnqd.Linear,
            nn.LSTM: nnqd.LSTM, nn.GRU: nnqd.GRU, nn.RNNCell: nnqd.RNNCell, nn.LSTMCell: nnqd.LSTMCell,
            nn.GRUCell: nnqd.GRUCell}


def _propagate_qconfig_helper(module, qconfig_dict, qconfig_parent=None, prefix=''):
    module_qconfig = qconfig_dict.get(type(module), qconfig_parent)
    module_qconfig = qconfig_dict.get(prefix, module_qconfig)
    module_qconfig = getattr(module, 'qconfig', module_qconfig)
    module.qconfig = module_qconfig
    for name, child in module.named_children():
        _propagate_qconfig_helper(child, qconfig_dict, module_qconfig, prefix + '.' + name if prefix else name)


def propagate_qconfig_(module, qconfig_dict=None):
    """Set ``.qconfig`` on every submodule: its type's (or its name's) entry in qconfig_dict, else its parent's."""
    _propagate_qconfig_helper(module, {} if qconfig_dict is None else qconfig_dict)


def swap_module(mod, mapping, custom_module_class_mapping=None, use_precomputed_fake_quant=False):
    """``mapping[type(mod)].from_float(mod)`` when mod has a qconfig, keeping its hooks; else mod."""
    new_mod = mod
    if getattr(mod, 'qconfig', None) is not None and type(mod) in mapping:
        new_mod = mapping[type(mod)].from_float(mod)
        for hook in mod._forward_pre_hooks.values():
            new_mod.register_forward_pre_hook(hook)
        for hook in mod._forward_hooks.values():
            new_mod.register_forward_hook(hook)
    return new_mod


def _convert(module, mapping):
    reassign = {}
    for name, mod in module.named_children():
        _convert(mod, mapping)
        reassign[name] = swap_module(mod, mapping)
    for key, value in reassign.items():
        module._modules[key] = value
    return module


def _remove_qconfig(module):
    for child in module.children():
        _remove_qconfig(child)
    if hasattr(module, 'qconfig'):
        del module.qconfig


def convert(module, mapping=None, inplace=False, remove_qconfig=True, **kwargs):
    """Swap each submodule with a qconfig for its quantized counterpart in ``mapping``."""
    if mapping is None:
        mapping = get_default_dynamic_quant_module_mappings()
    if not inplace:
        module = copy.deepcopy(module)
    _convert(module, mapping)
    if remove_qconfig:
        _remove_qconfig(module)
    return module


def quantize_dynamic(model, qconfig_spec=None, dtype=qint8, mapping=None, inplace=False):
    """A copy of ``model`` (or model itself with inplace=True) whose Linear submodules (those named by
    ``qconfig_spec``: a set of types, or a dict of types / names to QConfigs) are dynamically quantized."""
    if qconfig_spec is None:
        if dtype == qint8:
            qconfig_spec = {nn.Linear: default_dynamic_qconfig, nn.LSTM: default_dynamic_qconfig,
                            nn.GRU: default_dynamic_qconfig, nn.LSTMCell: default_dynamic_qconfig,
                            nn.RNNCell: default_dynamic_qconfig, nn.GRUCell: default_dynamic_qconfig}
        elif dtype == torch.float16:
            qconfig_spec = {nn.Linear: float16_dynamic_qconfig, nn.LSTM: float16_dynamic_qconfig,
                            nn.GRU: float16_dynamic_qconfig, nn.LSTMCell: float16_dynamic_qconfig,
                            nn.RNNCell: float16_dynamic_qconfig, nn.GRUCell: float16_dynamic_qconfig}
        elif dtype == quint8:
            qconfig_spec = {nn.EmbeddingBag: float_qparams_weight_only_qconfig,
                            nn.Embedding: float_qparams_weight_only_qconfig}
        else:
            raise ValueError(f"Don't know how to quantize with default settings for {dtype}. "
                             'Provide full qconfig please')
    elif isinstance(qconfig_spec, set):
        if dtype is qint8:
            default_qconfig = default_dynamic_qconfig
        elif dtype is torch.float16:
            default_qconfig = float16_dynamic_qconfig
        elif dtype is quint8:
            default_qconfig = float_qparams_weight_only_qconfig
        else:
            raise RuntimeError('Unknown dtype specified for quantize_dynamic: ', str(dtype))
        qconfig_spec = dict(zip(qconfig_spec, itertools.repeat(default_qconfig)))
    if mapping is None:
        mapping = get_default_dynamic_quant_module_mappings()
    if not inplace:
        model = copy.deepcopy(model)
    model.eval()
    propagate_qconfig_(model, qconfig_spec)
    convert(model, mapping, inplace=True)
    return model
