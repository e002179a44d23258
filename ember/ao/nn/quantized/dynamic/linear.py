"""``torch.ao.nn.quantized.dynamic.Linear`` (printed ``DynamicQuantizedLinear``): a Linear whose weight
is stored quantized (qint8, or float16) and whose input is quantized on the fly at each call; the
arithmetic is fbgemm's (ember/_quantized.py ``linear_dynamic``), so outputs are torch's to the bit.

Example:
    >>> m = Linear(4, 2); m.set_weight_bias(ember.quantize_per_tensor(w, 0.01, 0, ember.qint8), b); m(x)
"""
import ember as torch
from ember import nn
from ember.nn.modules.module import _addindent
from ember import _quantized as Q

__all__ = ['LinearPackedParams', 'Linear']



def _weight_observer_factory(mod):
    """The weight observer a float module's ``from_float`` uses: its qconfig's, else the default
    dynamic qconfig's (torch's rule, shared by the dynamic Linear, RNNs and cells)."""
    if not hasattr(mod, 'qconfig'):
        raise AssertionError('Input float module must have qconfig defined')
    if mod.qconfig is not None and mod.qconfig.weight is not None:
        return mod.qconfig.weight
    from ember.ao.quantization.qconfig import default_dynamic_qconfig
    return default_dynamic_qconfig.weight

class LinearPackedParams(nn.Module):
    """Holds the (quantized weight, float bias) pair; saved as ``dtype`` and ``_packed_params`` entries."""
    _version = 3

    def __init__(self, dtype=Q.qint8):
        super().__init__()
        self.dtype = dtype
        if self.dtype == Q.qint8:
            wq = Q._make(torch.zeros(1, 1, dtype=torch.int8)._data, Q.qint8, 1.0, 0, Q.per_tensor_affine)
        else:
            wq = torch.zeros(1, 1, dtype=torch.float)
        self.set_weight_bias(wq, None)

    def set_weight_bias(self, weight, bias):
        if self.dtype not in (Q.qint8, torch.float16):
            raise RuntimeError('Unsupported dtype on dynamic quantized linear!')
        self._packed_params = (weight, bias)

    def _weight_bias(self):
        return self._packed_params

    def forward(self, x):
        return x

    def _save_to_state_dict(self, destination, prefix, keep_vars):
        super()._save_to_state_dict(destination, prefix, keep_vars)
        destination[prefix + 'dtype'] = self.dtype
        destination[prefix + '_packed_params'] = self._weight_bias()

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                              error_msgs):
        if prefix + 'dtype' in state_dict:
            self.dtype = state_dict.pop(prefix + 'dtype')
        if prefix + '_packed_params' in state_dict:
            weight, bias = state_dict.pop(prefix + '_packed_params')
            self.set_weight_bias(weight, bias)
        super()._load_from_state_dict(state_dict, prefix, local_metadata, False, missing_keys, unexpected_keys,
                                      error_msgs)

    def __repr__(self):
        return self._weight_bias().__repr__()


def _hide_packed_params_repr(self, params):
    """nn.Module's repr without the packed-params child (as torch's quantized modules print)."""
    extra_lines = []
    extra_repr = self.extra_repr()
    if extra_repr:
        extra_lines = extra_repr.split('\n')
    child_lines = []
    for key, module in self._modules.items():
        if isinstance(module, params):
            continue
        child_lines.append('(' + key + '): ' + _addindent(repr(module), 2))
    lines = extra_lines + child_lines
    main_str = self._get_name() + '('
    if lines:
        if len(extra_lines) == 1 and not child_lines:
            main_str += extra_lines[0]
        else:
            main_str += '\n  ' + '\n  '.join(lines) + '\n'
    return main_str + ')'


def _quantize_weight(float_wt, observer):
    """The weight quantized with its observer's qparams (torch.ao.nn.quantized.modules.utils)."""
    wt_scale, wt_zp = observer.calculate_qparams()
    if observer.qscheme in (Q.per_tensor_symmetric, Q.per_tensor_affine):
        return torch.quantize_per_tensor(float_wt, float(wt_scale), int(wt_zp), Q.qint8)
    if observer.qscheme in (Q.per_channel_symmetric, Q.per_channel_affine):
        return torch.quantize_per_channel(float_wt, wt_scale.to(torch.double), wt_zp.to(torch.int64),
                                          observer.ch_axis, Q.qint8)
    raise ValueError(f'Unexpected qscheme {observer.qscheme}')


class Linear(nn.Module):
    """A dynamically quantized linear layer (float in, float out)."""
    _version = 4

    def __init__(self, in_features, out_features, bias_=True, dtype=Q.qint8):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        bias = torch.zeros(out_features, dtype=torch.float) if bias_ else None
        if dtype == Q.qint8:
            qweight = Q._make(torch.zeros(out_features, in_features, dtype=torch.int8)._data, Q.qint8, 1.0, 0,
                              Q.per_tensor_affine)
        elif dtype == torch.float16:
            qweight = torch.zeros(out_features, in_features, dtype=torch.float)
        else:
            raise RuntimeError('Unsupported dtype specified for quantized Linear!')
        self._packed_params = LinearPackedParams(dtype)
        self._packed_params.set_weight_bias(qweight, bias)
        self.scale = 1.0
        self.zero_point = 0
        self.version = 4

    def _get_name(self):
        return 'DynamicQuantizedLinear'

    def extra_repr(self):
        s = f'in_features={self.in_features}, out_features={self.out_features}, dtype={self._packed_params.dtype}'
        if self._packed_params.dtype == Q.qint8:
            s += f', qscheme={self.weight().qscheme()}'
        return s

    def __repr__(self):
        return _hide_packed_params_repr(self, LinearPackedParams)

    def forward(self, x):
        w, b = self._packed_params._packed_params
        if self._packed_params.dtype == Q.qint8:
            y = Q.linear_dynamic(x, w, b, reduce_range=self.version is None or self.version >= 4)
        else:
            # fbgemm's fp16 linear: the weight rounded to float16, the product in float32
            y = torch.nn.functional.linear(x.float(), w.to(torch.float16).float(), None if b is None else b.detach())
        return y.to(x.dtype)

    def _save_to_state_dict(self, destination, prefix, keep_vars):
        super()._save_to_state_dict(destination, prefix, keep_vars)
        destination[prefix + 'scale'] = torch.tensor(self.scale)
        destination[prefix + 'zero_point'] = torch.tensor(self.zero_point)

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                              error_msgs):
        self.scale = float(state_dict.pop(prefix + 'scale', self.scale))
        self.zero_point = int(state_dict.pop(prefix + 'zero_point', self.zero_point))
        super()._load_from_state_dict(state_dict, prefix, local_metadata, False, missing_keys, unexpected_keys,
                                      error_msgs)

    def _weight_bias(self):
        return self._packed_params._weight_bias()

    def weight(self):
        return self._weight_bias()[0]

    def bias(self):
        return self._weight_bias()[1]

    def set_weight_bias(self, w, b):
        self._packed_params.set_weight_bias(w, b)

    @classmethod
    def from_float(cls, mod, use_precomputed_fake_quant=False):
        float_modules = [nn.Linear, nn.modules.linear.NonDynamicallyQuantizableLinear]
        if type(mod) not in float_modules:
            raise AssertionError('nn.quantized.dynamic.Linear.from_float only works for one of'
                                 + str([m.__name__ for m in float_modules]) + f', got {type(mod)}')
        weight_observer = _weight_observer_factory(mod)()
        dtype = weight_observer.dtype
        if dtype not in (Q.qint8, torch.float16):
            raise AssertionError('The only supported dtypes for dynamic quantized linear are qint8 and float16, '
                                 f'got: {dtype}')
        weight_observer(mod.weight)
        qweight = _quantize_weight(mod.weight.float(), weight_observer) if dtype == Q.qint8 else mod.weight.float()
        qlinear = cls(mod.in_features, mod.out_features, dtype=dtype)
        qlinear.set_weight_bias(qweight, mod.bias)
        return qlinear
