"""``torch.ao.quantization.observer``: modules that record running statistics (min / max) of the tensors
passed through them and turn them into a scale and zero point (``calculate_qparams``), with torch's
float32 arithmetic, so that the qparams are torch's to the bit.

Example:
    >>> obs = MinMaxObserver(); obs(ember.tensor([-1., 2.])); obs.calculate_qparams()
    (tensor([0.0118]), tensor([85], dtype=torch.int32))
"""
import functools
import warnings
import numpy as np
import ember as torch
from ember import nn
from ember._tensor import _TorchClassRepr
from ember._quantized import (quint8, qint8, qint32, per_tensor_affine, per_tensor_symmetric, per_channel_affine,
                              per_channel_symmetric, per_channel_affine_float_qparams)

__all__ = ['ObserverBase', 'UniformQuantizationObserverBase', 'MinMaxObserver', 'MovingAverageMinMaxObserver',
           'PerChannelMinMaxObserver', 'MovingAveragePerChannelMinMaxObserver', 'PlaceholderObserver',
           'HistogramObserver', 'NoopObserver', 'default_observer', 'default_weight_observer',
           'default_dynamic_quant_observer', 'default_per_channel_weight_observer', 'default_placeholder_observer',
           'weight_observer_range_neg_127_to_127', 'per_channel_weight_observer_range_neg_127_to_127',
           'default_float_qparams_observer']


class _PartialWrapper:
    """What ``Observer.with_args(...)`` returns: a factory printed as torch's (a partial, then its callable args)."""

    def __init__(self, p):
        self.p = p
        self.callable_args = {}

    def __call__(self, *args, **keywords):
        for name in self.callable_args:
            if name not in keywords:
                keywords = {**keywords, name: self.callable_args[name]()}
        return self.p(*args, **keywords)

    def __repr__(self):
        return self.p.__repr__() + self.callable_args.__repr__()

    def with_args(self, **kwargs):
        return _with_args(self, **kwargs)

    def with_callable_args(self, **kwargs):
        r = _PartialWrapper(self.p)
        r.callable_args = {**self.callable_args, **kwargs}
        return r


def _with_args(cls_or_self, **kwargs):
    return _PartialWrapper(functools.partial(cls_or_self, **kwargs))


def _is_per_tensor(qscheme):
    return qscheme in (per_tensor_affine, per_tensor_symmetric)


def _is_per_channel(qscheme):
    return qscheme in (per_channel_affine, per_channel_symmetric, per_channel_affine_float_qparams)


def calculate_qmin_qmax(quant_min, quant_max, has_customized_qrange, dtype, reduce_range):
    """The (quant_min, quant_max) an observer of ``dtype`` uses (torch.ao.quantization.utils)."""
    if has_customized_qrange:
        lo, hi = (0, 2 ** 32 - 1) if dtype in (qint32, torch.int32) else (0, 255)
        if quant_min is not None and quant_max is not None:
            lo, hi = quant_min, quant_max
        n = hi - lo + 1
        if dtype in (qint8, torch.int8) and not 0 < n <= 256:
            raise AssertionError('quantization range should be positive and not exceed the maximum bit range (=256).')
        if dtype in (qint32, torch.int32) and not 0 < n <= 2 ** 32:
            raise AssertionError('quantization range should be positive and not exceed the maximum bit range '
                                 '(=4294967296).')
        if reduce_range:
            quant_min, quant_max = quant_min // 2, quant_max // 2
    elif dtype in (qint8, torch.int8):
        quant_min, quant_max = (-64, 63) if reduce_range else (-128, 127)
    elif dtype in (quint8, torch.uint8):
        quant_min, quant_max = (0, 127) if reduce_range else (0, 255)
    elif dtype in (qint32, torch.int32):
        quant_min, quant_max = -1 * (2 ** 31), (2 ** 31) - 1
    elif dtype == torch.int16:
        quant_min, quant_max = -(2 ** 15), 2 ** 15 - 1
    else:
        quant_min, quant_max = 0, 15
    return quant_min, quant_max


def check_min_max_valid(min_val, max_val):
    if min_val.numel() == 0 or max_val.numel() == 0:
        warnings.warn('must run observer before calling calculate_qparams. Returning default values.')
        return False
    if min_val.dim() == 0 or max_val.dim() == 0:
        if min_val == float('inf') and max_val == float('-inf'):
            warnings.warn('must run observer before calling calculate_qparams. Returning default values.')
            return False
        if not min_val <= max_val:
            raise AssertionError(f'min {min_val} should be less than max {max_val}')
    elif not torch.all(min_val <= max_val):
        raise AssertionError(f'min {min_val} should be less than max {max_val}')
    return True


class ObserverBase(nn.Module, metaclass=_TorchClassRepr):   # (classes print as torch's)
    """The base of observers: ``dtype`` and ``is_dynamic``; ``with_args`` makes a factory of them."""

    def __init__(self, dtype, is_dynamic=False):
        super().__init__()
        self.dtype = dtype
        self.is_dynamic = is_dynamic

    with_args = classmethod(_with_args)

    def with_callable_args(cls, **kwargs):
        r = _PartialWrapper(functools.partial(cls))
        return r.with_callable_args(**kwargs)

    with_callable_args = classmethod(with_callable_args)


class UniformQuantizationObserverBase(ObserverBase):
    """Observers for affine / symmetric 8-bit quantization: the quant range and the qparams arithmetic."""
    eps: torch.Tensor

    def __init__(self, dtype=quint8, qscheme=per_tensor_affine, reduce_range=False, quant_min=None, quant_max=None,
                 factory_kwargs=None, eps=torch.finfo(torch.float32).eps, is_dynamic=False, **kwargs):
        super().__init__(dtype=dtype, is_dynamic=is_dynamic)
        self.qscheme = qscheme
        if reduce_range:
            warnings.warn('Please use quant_min and quant_max to specify the range for observers. '
                          'reduce_range will be deprecated in a future release of PyTorch.')
        self.reduce_range = reduce_range
        self.register_buffer('eps', torch.tensor([eps]))
        if self.qscheme not in (per_tensor_affine, per_tensor_symmetric, per_channel_affine, per_channel_symmetric,
                                per_channel_affine_float_qparams):
            raise AssertionError('Default Observer only works for per_tensor_affine, per_tensor_symmetric, '
                                 'per_channel_affine, per_channel_symmetric and per_channel_float_qparams '
                                 'quantization scheme')
        self.has_customized_qrange = (quant_min is not None) and (quant_max is not None)
        if self.has_customized_qrange:
            if not quant_min <= 0 <= quant_max:
                raise AssertionError('Used-specified quantization range must include 0.')
            if quant_min >= quant_max:
                raise AssertionError('qmin must be strictly less than qmax for user-specified quantization range.')
        self.quant_min, self.quant_max = calculate_qmin_qmax(quant_min, quant_max, self.has_customized_qrange,
                                                             self.dtype, self.reduce_range)

    def _calculate_qparams(self, min_val, max_val):
        """Scale and zero point (1-element tensors per tensor, one per channel) from min / max, as torch."""
        if not check_min_max_valid(min_val, max_val):
            return torch.tensor([1.0]), torch.tensor([0])
        quant_min, quant_max = self.quant_min, self.quant_max
        min_val_neg = torch.min(min_val, torch.zeros_like(min_val))
        max_val_pos = torch.max(max_val, torch.zeros_like(max_val))
        scale = torch.ones(min_val_neg.size(), dtype=torch.float32)
        zero_point = torch.zeros(min_val_neg.size(), dtype=torch.int64)
        if self.qscheme in (per_tensor_symmetric, per_channel_symmetric):
            max_val_pos = torch.max(-min_val_neg, max_val_pos)
            scale = max_val_pos / (float(quant_max - quant_min) / 2)
            scale = torch.max(scale, self.eps)
            if self.dtype in (quint8, torch.uint8):
                if self.has_customized_qrange:
                    zero_point = zero_point.new_full(zero_point.size(), (quant_min + quant_max) // 2)
                else:
                    zero_point = zero_point.new_full(zero_point.size(), 128)
            elif self.dtype == getattr(torch, 'uint16', None):
                zero_point = zero_point.new_full(zero_point.size(), 2 ** 15)
        elif self.qscheme == per_channel_affine_float_qparams:
            scale = (max_val - min_val) / float(quant_max - quant_min)
            scale = torch.where(scale > self.eps, scale, torch.ones_like(scale))
            zero_point = -1 * min_val / scale
        else:
            scale = (max_val_pos - min_val_neg) / float(quant_max - quant_min)
            scale = torch.max(scale, self.eps)
            zero_point = quant_min - torch.round(min_val_neg / scale).to(torch.int)
            zero_point = torch.clamp(zero_point, quant_min, quant_max)
        if len(scale.shape) == 0:
            scale = torch.tensor([float(scale)], dtype=scale.dtype)
        if len(zero_point.shape) == 0:
            zero_point = torch.tensor([int(zero_point)], dtype=zero_point.dtype)
            if self.qscheme == per_channel_affine_float_qparams:
                zero_point = torch.tensor([float(zero_point)], dtype=zero_point.dtype)
        return scale, zero_point

    def reset_min_max_vals(self):
        raise NotImplementedError('Cannot reset min/max values in the given observer.')


_ObserverBase = UniformQuantizationObserverBase


class MinMaxObserver(UniformQuantizationObserverBase):
    """Records the running min and max of the tensors seen (per tensor)."""

    def __init__(self, dtype=quint8, qscheme=per_tensor_affine, reduce_range=False, quant_min=None, quant_max=None,
                 factory_kwargs=None, eps=torch.finfo(torch.float32).eps, is_dynamic=False, **kwargs):
        if not _is_per_tensor(qscheme):
            raise NotImplementedError("MinMaxObserver's qscheme only support torch.per_tensor_symmetric "
                                      "                    and torch.per_tensor_affine.")
        super().__init__(dtype=dtype, qscheme=qscheme, reduce_range=reduce_range, quant_min=quant_min,
                         quant_max=quant_max, factory_kwargs=factory_kwargs, eps=eps, is_dynamic=is_dynamic, **kwargs)
        self.register_buffer('min_val', torch.tensor(float('inf')))
        self.register_buffer('max_val', torch.tensor(float('-inf')))
        if self.qscheme == per_tensor_symmetric and self.reduce_range and self.dtype == quint8:
            raise NotImplementedError('Cannot reduce range for symmetric                                        '
                                      'quantization for quint8')

    def forward(self, x_orig):
        if x_orig.numel() == 0:
            return x_orig
        x = x_orig.detach().to(self.min_val.dtype)
        min_val_cur, max_val_cur = torch.aminmax(x)
        self.min_val.copy_(torch.min(min_val_cur, self.min_val))
        self.max_val.copy_(torch.max(max_val_cur, self.max_val))
        return x_orig

    def calculate_qparams(self):
        return self._calculate_qparams(self.min_val, self.max_val)

    def extra_repr(self):
        return f'min_val={self.min_val}, max_val={self.max_val}'

    def reset_min_max_vals(self):
        self.min_val.copy_(torch.tensor(float('inf')))
        self.max_val.copy_(torch.tensor(float('-inf')))


class MovingAverageMinMaxObserver(MinMaxObserver):
    """min / max as moving averages: m += averaging_constant * (current - m)."""

    def __init__(self, averaging_constant=0.01, dtype=quint8, qscheme=per_tensor_affine, reduce_range=False,
                 quant_min=None, quant_max=None, eps=torch.finfo(torch.float32).eps, is_dynamic=False, **kwargs):
        if not _is_per_tensor(qscheme):
            raise NotImplementedError(f"MovingAverageMinMaxObserver's qscheme only support                 "
                                      f"torch.per_tensor_symmetric and torch.per_tensor_affine.                 "
                                      f"but got: {qscheme}")
        self.averaging_constant = averaging_constant
        if is_dynamic and self.averaging_constant != 1:
            raise NotImplementedError("MovingAverageMinMaxObserver doesn't support dynamic quantization for "
                                      f'averaging constant of {self.averaging_constant}')
        super().__init__(dtype=dtype, qscheme=qscheme, reduce_range=reduce_range, quant_min=quant_min,
                         quant_max=quant_max, eps=eps, is_dynamic=is_dynamic, **kwargs)

    def forward(self, x_orig):
        if x_orig.numel() == 0:
            return x_orig
        x = x_orig.detach().to(self.min_val.dtype)
        min_val, max_val = self.min_val, self.max_val
        if min_val == float('inf') and max_val == float('-inf'):
            min_val, max_val = torch.aminmax(x)
        else:
            min_val_cur, max_val_cur = torch.aminmax(x)
            min_val = min_val + self.averaging_constant * (min_val_cur - min_val)
            max_val = max_val + self.averaging_constant * (max_val_cur - max_val)
        self.min_val.copy_(min_val)
        self.max_val.copy_(max_val)
        return x_orig


class PerChannelMinMaxObserver(UniformQuantizationObserverBase):
    """Records the running min and max of each slice along ``ch_axis``."""

    def __init__(self, ch_axis=0, dtype=quint8, qscheme=per_channel_affine, reduce_range=False, quant_min=None,
                 quant_max=None, factory_kwargs=None, eps=torch.finfo(torch.float32).eps, is_dynamic=False,
                 **kwargs):
        if not _is_per_channel(qscheme):
            raise NotImplementedError("PerChannelMinMaxObserver's qscheme only support                     "
                                      "torch.per_channel_symmetric, torch.per_channel_affine and "
                                      "torch.per_channel_affine_float_qparams.")
        if is_dynamic:
            raise NotImplementedError("PerChannelMinMaxObserver doesn't support dynamic quantization")
        super().__init__(dtype=dtype, qscheme=qscheme, reduce_range=reduce_range, quant_min=quant_min,
                         quant_max=quant_max, factory_kwargs=factory_kwargs, eps=eps, is_dynamic=is_dynamic,
                         **kwargs)
        self.ch_axis = ch_axis
        self.register_buffer('min_val', torch.tensor([]))
        self.register_buffer('max_val', torch.tensor([]))
        if self.qscheme == per_channel_symmetric and self.reduce_range and self.dtype == quint8:
            raise NotImplementedError('Cannot reduce range for symmetric quantization for quint8')

    def forward(self, x_orig):
        return self._forward(x_orig)

    def _forward(self, x_orig):
        if x_orig.numel() == 0:
            return x_orig
        x = x_orig.detach()
        min_val, max_val = self.min_val, self.max_val
        axes = list(range(x.dim()))
        axes[self.ch_axis] = 0
        axes[0] = self.ch_axis
        y = torch.flatten(x.permute(axes).to(self.min_val.dtype), start_dim=1)
        if min_val.numel() == 0 or max_val.numel() == 0:
            min_val, max_val = torch.aminmax(y, dim=1)
        else:
            min_val_cur, max_val_cur = torch.aminmax(y, dim=1)
            min_val = torch.min(min_val_cur, min_val)
            max_val = torch.max(max_val_cur, max_val)
        self.min_val.resize_(min_val.shape)
        self.max_val.resize_(max_val.shape)
        self.min_val.copy_(min_val)
        self.max_val.copy_(max_val)
        return x_orig

    def calculate_qparams(self):
        return self._calculate_qparams(self.min_val, self.max_val)

    def extra_repr(self):
        return f'min_val={self.min_val}, max_val={self.max_val}'

    def reset_min_max_vals(self):
        self.min_val = torch.tensor([])
        self.max_val = torch.tensor([])


class MovingAveragePerChannelMinMaxObserver(PerChannelMinMaxObserver):
    """Per-channel min / max as moving averages."""

    def __init__(self, averaging_constant=0.01, ch_axis=0, dtype=quint8, qscheme=per_channel_affine,
                 reduce_range=False, quant_min=None, quant_max=None, eps=torch.finfo(torch.float32).eps,
                 is_dynamic=False, **kwargs):
        if not _is_per_channel(qscheme):
            raise NotImplementedError("MovingAveragePerChannelMinMaxObserver's qscheme only support "
                                      "torch.per_channel_symmetric, torch.per_channel_affine and "
                                      "torch.per_channel_affine_float_qparams.")
        super().__init__(ch_axis=ch_axis, dtype=dtype, qscheme=qscheme, reduce_range=reduce_range,
                         quant_min=quant_min, quant_max=quant_max, eps=eps, is_dynamic=is_dynamic, **kwargs)
        self.averaging_constant = averaging_constant

    def forward(self, x_orig):
        if x_orig.numel() == 0:
            return x_orig
        x = x_orig.detach().to(self.min_val.dtype)
        min_val, max_val = self.min_val, self.max_val
        axes = list(range(x.dim()))
        axes[self.ch_axis] = 0
        axes[0] = self.ch_axis
        y = torch.flatten(x.permute(axes), start_dim=1)
        if min_val.numel() == 0 or max_val.numel() == 0:
            min_val, max_val = torch.aminmax(y, dim=1)
        else:
            min_val_cur, max_val_cur = torch.aminmax(y, dim=1)
            min_val = min_val + self.averaging_constant * (min_val_cur - min_val)
            max_val = max_val + self.averaging_constant * (max_val_cur - max_val)
        self.min_val.resize_(min_val.shape)
        self.max_val.resize_(max_val.shape)
        self.min_val.copy_(min_val)
        self.max_val.copy_(max_val)
        return x_orig


class HistogramObserver(UniformQuantizationObserverBase):
    """A running histogram of the values seen (``bins`` bins over the running min / max); the qparams
    come from the min / max that minimize the L2 quantization error of the histogram (torch's search,
    step for step, so that the result is torch's)."""

    def __init__(self, bins=2048, dtype=quint8, qscheme=per_tensor_affine, reduce_range=False, quant_min=None,
                 quant_max=None, factory_kwargs=None, eps=torch.finfo(torch.float32).eps, is_dynamic=False,
                 **kwargs):
        if not _is_per_tensor(qscheme):
            raise NotImplementedError("HistogramObserver's qscheme only support torch.per_tensor_symmetric "
                                      "                    and torch.per_tensor_affine.")
        if is_dynamic:
            raise NotImplementedError("HistogramObserver doesn't support dynamic quantization")
        super().__init__(dtype=dtype, qscheme=qscheme, reduce_range=reduce_range, quant_min=quant_min,
                         quant_max=quant_max, factory_kwargs=factory_kwargs, eps=eps, is_dynamic=is_dynamic,
                         **kwargs)
        self.bins = bins
        self.register_buffer('histogram', torch.zeros(self.bins))
        self.register_buffer('min_val', torch.tensor(float('inf')))
        self.register_buffer('max_val', torch.tensor(float('-inf')))
        self.dst_nbins = 2 ** {quint8: 8, qint8: 8, qint32: 32}.get(self.dtype, getattr(self.dtype, 'itemsize', 1) * 8)
        self.upsample_rate = 16

    def _get_norm(self, delta_begin, delta_end, density):
        norm = (delta_end * delta_end * delta_end - delta_begin * delta_begin * delta_begin) / 3
        return density * norm

    def _compute_quantization_error(self, next_start_bin, next_end_bin):
        bin_width = (self.max_val.item() - self.min_val.item()) / self.bins
        dst_bin_width = bin_width * (next_end_bin - next_start_bin + 1) / self.dst_nbins
        if dst_bin_width == 0.0:
            return 0.0
        src_bin = torch.arange(self.bins)
        src_bin_begin = (src_bin - next_start_bin) * bin_width
        src_bin_end = src_bin_begin + bin_width
        dst_bin_of_begin = torch.clamp(torch.div(src_bin_begin, dst_bin_width, rounding_mode='floor'), 0,
                                       self.dst_nbins - 1)
        dst_bin_of_begin_center = (dst_bin_of_begin + 0.5) * dst_bin_width
        dst_bin_of_end = torch.clamp(torch.div(src_bin_end, dst_bin_width, rounding_mode='floor'), 0,
                                     self.dst_nbins - 1)
        density = self.histogram / bin_width
        norm = torch.zeros(self.bins)
        delta_begin = src_bin_begin - dst_bin_of_begin_center
        delta_end = dst_bin_width / 2
        norm += self._get_norm(delta_begin, torch.ones(self.bins) * delta_end, density)
        norm += (dst_bin_of_end - dst_bin_of_begin - 1) * self._get_norm(
            torch.tensor(-dst_bin_width / 2), torch.tensor(dst_bin_width / 2), density)
        dst_bin_of_end_center = dst_bin_of_end * dst_bin_width + dst_bin_width / 2
        delta_begin = -dst_bin_width / 2
        delta_end = src_bin_end - dst_bin_of_end_center
        norm += self._get_norm(torch.tensor(delta_begin), delta_end, density)
        return norm.sum().item()

    def _non_linear_param_search(self):
        """caffe2's NonlinearQuantizationParamsSearch: shrink [min, max] from the side with less mass
        while the L2 error keeps falling."""
        if self.histogram.size()[0] != self.bins:
            raise AssertionError('bins mismatch')
        bin_width = (self.max_val - self.min_val) / self.bins
        total = torch.sum(self.histogram).item()
        csum = torch.cumsum(self.histogram, dim=0).tolist()
        # (the float32 cumsum read once; torch compares its elements with the bound rounded to float32)
        f32 = np.float32
        stepsize, alpha, beta = 1e-5, 0.0, 1.0
        start_bin, end_bin = 0, self.bins - 1
        norm_min = float('inf')
        while alpha < beta:
            next_alpha, next_beta = alpha + stepsize, beta - stepsize
            lo, hi = start_bin, end_bin
            a_bound, b_bound = float(f32(next_alpha * total)), float(f32(next_beta * total))
            while lo < end_bin and csum[lo] < a_bound:
                lo += 1
            while hi > start_bin and csum[hi] > b_bound:
                hi -= 1
            next_start_bin, next_end_bin = start_bin, end_bin
            if (lo - start_bin) > (end_bin - hi):
                next_start_bin = lo
                alpha = next_alpha
            else:
                next_end_bin = hi
                beta = next_beta
            if next_start_bin == start_bin and next_end_bin == end_bin:
                continue
            norm = self._compute_quantization_error(next_start_bin, next_end_bin)
            if norm > norm_min:
                break
            norm_min = norm
            start_bin, end_bin = next_start_bin, next_end_bin
        return self.min_val + bin_width * start_bin, self.min_val + bin_width * (end_bin + 1)

    def _upscale_histogram(self, histogram, orig_min, orig_max, update_min, update_max):
        histogram = histogram.repeat_interleave(self.upsample_rate) / self.upsample_rate
        bin_size = (orig_max - orig_min) / (self.bins * self.upsample_rate)
        mid_points = torch.linspace(orig_min, orig_max, self.bins * self.upsample_rate + 1)[:-1] + 0.5 * bin_size
        boundaries = torch.linspace(update_min, update_max, self.bins + 1)
        bucket = torch.bucketize(mid_points, boundaries, right=True) - 1
        bucket[bucket >= self.bins] = self.bins - 1
        bucket[bucket < 0] = 0
        return torch.bincount(bucket, weights=histogram, minlength=self.bins)

    def _combine_histograms(self, orig_hist, orig_min, orig_max, update_hist, update_min, update_max):
        if update_min == orig_min and update_max == orig_max:
            return orig_hist + update_hist
        if orig_min == orig_max:
            bin_value = torch.sum(orig_hist)
            return torch.histc(orig_min, bins=self.bins, min=update_min, max=update_max) * bin_value + update_hist
        if update_min > orig_min:
            raise AssertionError('update_min must be <= orig_min')
        if update_max < orig_max:
            raise AssertionError('update_max must be >= orig_max')
        return update_hist + self._upscale_histogram(orig_hist, orig_min, orig_max, update_min, update_max)

    def reset_histogram(self, x, min_val, max_val):
        self.min_val.resize_(min_val.shape)
        self.min_val.copy_(min_val)
        self.max_val.resize_(max_val.shape)
        self.max_val.copy_(max_val)
        new_histogram = torch.histc(x, self.bins, min=min_val, max=max_val)
        self.histogram.detach_().resize_(new_histogram.shape)
        self.histogram.copy_(new_histogram)

    def forward(self, x_orig):
        if x_orig.numel() == 0:
            return x_orig
        x = x_orig.detach()
        x_min, x_max = torch.aminmax(x)
        if x_min == -torch.inf or x_max == torch.inf:
            warnings.warn('torch.inf detected in input tensor, ignoring input', stacklevel=2)
            x = x[x.abs() != torch.inf]
            if x.numel() == 0:
                return x_orig
            x_min, x_max = torch.aminmax(x)
        current_min, current_max = self.min_val, self.max_val
        if self.min_val == float('inf') or self.max_val == float('-inf'):
            self.reset_histogram(x, x_min, x_max)
        else:
            new_min = torch.min(current_min, x_min).detach()
            new_max = torch.max(current_max, x_max).detach()
            update_histogram = torch.histc(x, self.bins, min=new_min, max=new_max)
            if new_min == current_min and new_max == current_max:
                combined = self.histogram + update_histogram
                self.histogram.detach_().resize_(combined.shape)
                self.histogram.copy_(combined)
            else:
                combined = self._combine_histograms(self.histogram, current_min, current_max, update_histogram,
                                                    new_min, new_max)
                self.histogram.detach_().resize_(combined.shape)
                self.histogram.copy_(combined)
                self.min_val.detach_().resize_(new_min.shape)
                self.min_val.copy_(new_min)
                self.max_val.detach_().resize_(new_max.shape)
                self.max_val.copy_(new_max)
        return x_orig

    def calculate_qparams(self):
        if self.min_val == float('inf') and self.max_val == float('-inf'):
            warnings.warn('must run observer before calling calculate_qparams.                                    '
                          'Returning default scale and zero point ', stacklevel=2)
            return torch.tensor([1.0]), torch.tensor([0])
        if self.bins != len(self.histogram):
            raise AssertionError('The number of bins in histogram should be equal to the number of bins '
                                 'supplied while making this observer')
        new_min, new_max = self._non_linear_param_search()
        return self._calculate_qparams(new_min, new_max)

    def extra_repr(self):
        return f'min_val={self.min_val}, max_val={self.max_val}'


class PlaceholderObserver(ObserverBase):
    """Observes nothing: carries the dtype (and qparams settings) for dynamic / float16 quantization."""

    def __init__(self, dtype=torch.float32, custom_op_name='', compute_dtype=None, quant_min=None, quant_max=None,
                 qscheme=None, eps=None, is_dynamic=False):
        super().__init__(dtype=dtype, is_dynamic=is_dynamic)
        if qscheme is None:
            qscheme = per_tensor_affine
        if eps is None:
            eps = torch.finfo(torch.float32).eps
        self.dtype = dtype
        self.qscheme = qscheme
        self.quant_min = quant_min
        self.quant_max = quant_max
        self.eps = eps
        self.custom_op = custom_op_name

    def forward(self, x):
        return x

    def extra_repr(self):
        return f'dtype={self.dtype}, is_dynamic={self.is_dynamic}'

    def calculate_qparams(self):
        raise Exception('calculate_qparams should not be called for PlaceholderObserver')  # noqa: TRY002


class NoopObserver(ObserverBase):
    """Observes nothing (float16 weights)."""

    def __init__(self, dtype=torch.float16, custom_op_name=''):
        super().__init__(dtype=dtype)
        self.dtype = dtype
        self.custom_op = custom_op_name

    def forward(self, x):
        return x

    def calculate_qparams(self):
        raise Exception('calculate_qparams should not be called for NoopObserver')  # noqa: TRY002


default_observer = MinMaxObserver.with_args(quant_min=0, quant_max=127)
default_placeholder_observer = PlaceholderObserver
default_weight_observer = MinMaxObserver.with_args(dtype=qint8, qscheme=per_tensor_symmetric)
weight_observer_range_neg_127_to_127 = MinMaxObserver.with_args(dtype=qint8, qscheme=per_tensor_symmetric,
                                                                quant_min=-127, quant_max=127, eps=2 ** -12)
default_per_channel_weight_observer = PerChannelMinMaxObserver.with_args(dtype=qint8, qscheme=per_channel_symmetric)
per_channel_weight_observer_range_neg_127_to_127 = PerChannelMinMaxObserver.with_args(
    dtype=qint8, qscheme=per_channel_symmetric, quant_min=-127, quant_max=127, eps=2 ** -12)
default_dynamic_quant_observer = PlaceholderObserver.with_args(dtype=quint8, quant_min=0, quant_max=255,
                                                               is_dynamic=True)
default_float_qparams_observer = PerChannelMinMaxObserver.with_args(dtype=quint8,
                                                                    qscheme=per_channel_affine_float_qparams,
                                                                    ch_axis=0)
