"""``LazyModuleMixin``: modules whose parameter shapes are inferred from the first input, and the
lazy layers built on it: ``LazyConv1d/2d/3d``, ``LazyConvTranspose1d/2d/3d``,
``LazyBatchNorm1d/2d/3d``, ``LazyInstanceNorm1d/2d/3d`` (``LazyLinear`` is in linear.py).

Until the first forward, the parameters are ``UninitializedParameter`` (buffers
``UninitializedBuffer``); a forward pre-hook calls ``initialize_parameters(input)``, which
materializes them, and the module then becomes its ``cls_to_become`` (``LazyConv2d`` -> ``Conv2d``).

Example:
    >>> m = nn.LazyConv2d(8, 3)
    >>> m(ember.randn(2, 3, 10, 10)).shape; m        # torch.Size([2, 8, 8, 8]); Conv2d(3, 8, ...)
"""
import itertools

from ...autograd import grad_mode
from ..parameter import is_lazy

__all__ = ['LazyModuleMixin', 'LazyConv1d', 'LazyConv2d', 'LazyConv3d', 'LazyConvTranspose1d',
           'LazyConvTranspose2d', 'LazyConvTranspose3d', 'LazyBatchNorm1d', 'LazyBatchNorm2d', 'LazyBatchNorm3d',
           'LazyInstanceNorm1d', 'LazyInstanceNorm2d', 'LazyInstanceNorm3d']


class LazyModuleMixin:
    """Mixin for modules that infer their parameters' shapes from the first input."""
    cls_to_become = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._load_hook = self._register_load_state_dict_pre_hook(self._lazy_load_hook)
        self._initialize_hook = self.register_forward_pre_hook(self._infer_parameters, with_kwargs=True)

    def _save_to_state_dict(self, destination, prefix, keep_vars):
        for name, param in self._parameters.items():
            if param is not None:
                if not (is_lazy(param) or keep_vars):
                    param = param.detach()
                destination[prefix + name] = param
        for name, buf in self._buffers.items():
            if buf is not None and name not in self._non_persistent_buffers_set:
                if not (is_lazy(buf) or keep_vars):
                    buf = buf.detach()
                destination[prefix + name] = buf

    def _lazy_load_hook(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs):
        for name, param in itertools.chain(self._parameters.items(), self._buffers.items()):
            key = prefix + name
            if key in state_dict and param is not None:
                input_param = state_dict[key]
                if is_lazy(param) and not is_lazy(input_param):
                    with grad_mode.no_grad():
                        param.materialize(input_param.shape)

    def initialize_parameters(self, *args, **kwargs):
        raise NotImplementedError(f'initialize_parameters is not implemented for {self.__class__.__name__}')

    def has_uninitialized_params(self):
        for param in itertools.chain(self._parameters.values(), self._buffers.values()):
            if is_lazy(param):
                return True
        return False

    def _infer_parameters(self, module, args, kwargs=None):
        kwargs = kwargs if kwargs else {}
        module.initialize_parameters(*args, **kwargs)
        if module.has_uninitialized_params():
            raise RuntimeError(f'module {self._get_name()} has not been fully initialized')
        module._initialize_hook.remove()
        module._load_hook.remove()
        delattr(module, '_initialize_hook')
        delattr(module, '_load_hook')
        if module.cls_to_become is not None:
            module.__class__ = module.cls_to_become

    def _replicate_for_data_parallel(self):
        raise RuntimeError("Modules with uninitialized parameters can't be used with `DataParallel`. Run a dummy "
                           'forward pass to correctly initialize the modules')


# ---------------------------------------------------------------- lazy convolutions
# (imported here, below the mixin: linear.py imports this module for LazyModuleMixin)
from ... import _dtype as D  # noqa: E402
from ..._ops.creation import tensor as _tensor  # noqa: E402
from ..parameter import UninitializedParameter, UninitializedBuffer  # noqa: E402
from .conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d  # noqa: E402
from .batchnorm import BatchNorm1d, BatchNorm2d, BatchNorm3d, _BatchNorm, _NormBase  # noqa: E402
from .instancenorm import InstanceNorm1d, InstanceNorm2d, InstanceNorm3d, _InstanceNorm  # noqa: E402


class _LazyConvXdMixin(LazyModuleMixin):
    """in_channels from the first input: dim 1 batched, dim 0 unbatched."""
    _k = None

    def reset_parameters(self):
        # (the base __init__ calls this with in_channels 0, before anything is materialized)
        if not self.has_uninitialized_params() and self.in_channels != 0:
            super().reset_parameters()

    def initialize_parameters(self, input, *args, **kwargs):
        if self.has_uninitialized_params():
            self.in_channels = self._get_in_channels(input)
            if self.in_channels % self.groups != 0:
                raise ValueError('in_channels must be divisible by groups')
            with grad_mode.no_grad():
                if self.transposed:
                    self.weight.materialize((self.in_channels, self.out_channels // self.groups,
                                             *self.kernel_size))
                else:
                    self.weight.materialize((self.out_channels, self.in_channels // self.groups,
                                             *self.kernel_size))
                if self.bias is not None:
                    self.bias.materialize((self.out_channels,))
            self.reset_parameters()

    def _get_in_channels(self, input):
        nb = self._k + 1
        if input.dim() not in (nb, nb + 1):
            raise RuntimeError(f'Expected {nb}D (unbatched) or {nb + 1}D (batched) input to '
                               f'{self.__class__.__name__}, but got input of size: {input.shape}')
        return input.shape[1] if input.dim() == nb + 1 else input.shape[0]

    def _get_num_spatial_dims(self):
        return self._k


class _LazyConv(_LazyConvXdMixin):
    def __init__(self, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
                 padding_mode='zeros', device=None, dtype=None):
        # bias False here: no tensor made only to be replaced by an uninitialized one
        super().__init__(0, 0, kernel_size, stride, padding, dilation, groups, False, padding_mode, device, dtype)
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        self.out_channels = out_channels
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)


class _LazyConvTranspose(_LazyConvXdMixin):
    def __init__(self, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1, bias=True,
                 dilation=1, padding_mode='zeros', device=None, dtype=None):
        super().__init__(0, 0, kernel_size, stride, padding, output_padding, groups, False, dilation, padding_mode,
                         device, dtype)
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        self.out_channels = out_channels
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)


class LazyConv1d(_LazyConv, Conv1d):
    r"""A :class:`Conv1d` whose ``in_channels`` is inferred from the first input (N, C, L) or (C, L).

    Example::

        >>> m = nn.LazyConv1d(8, 3); m(torch.randn(2, 4, 10)).shape; m      # (2, 8, 8); Conv1d(4, 8, ...)
    """
    cls_to_become = Conv1d
    _k = 1


class LazyConv2d(_LazyConv, Conv2d):
    r"""A :class:`Conv2d` whose ``in_channels`` is inferred from the first input (N, C, H, W) or (C, H, W)."""
    cls_to_become = Conv2d
    _k = 2


class LazyConv3d(_LazyConv, Conv3d):
    r"""A :class:`Conv3d` whose ``in_channels`` is inferred from the first input (N, C, D, H, W)."""
    cls_to_become = Conv3d
    _k = 3


class LazyConvTranspose1d(_LazyConvTranspose, ConvTranspose1d):
    r"""A :class:`ConvTranspose1d` whose ``in_channels`` is inferred from the first input."""
    cls_to_become = ConvTranspose1d
    _k = 1


class LazyConvTranspose2d(_LazyConvTranspose, ConvTranspose2d):
    r"""A :class:`ConvTranspose2d` whose ``in_channels`` is inferred from the first input.

    Example::

        >>> m = nn.LazyConvTranspose2d(4, 3); m(torch.randn(1, 2, 5, 5)).shape     # (1, 4, 7, 7)
    """
    cls_to_become = ConvTranspose2d
    _k = 2


class LazyConvTranspose3d(_LazyConvTranspose, ConvTranspose3d):
    r"""A :class:`ConvTranspose3d` whose ``in_channels`` is inferred from the first input."""
    cls_to_become = ConvTranspose3d
    _k = 3


# ---------------------------------------------------------------- lazy normalisation
class _LazyNormBase(LazyModuleMixin, _NormBase):
    """num_features from the first input's dim 1 (as torch: also for unbatched instance norm)."""

    def __init__(self, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True, device=None, dtype=None,
                 *, bias=True):
        # affine and track_running_stats False here, to make no tensors only to be replaced
        super().__init__(0, eps, momentum, False, False, device, dtype, bias=False)
        self.affine = affine
        self.track_running_stats = track_running_stats
        if self.affine:
            self.weight = UninitializedParameter(device=device, dtype=dtype)
            if bias:
                self.bias = UninitializedParameter(device=device, dtype=dtype)
        if self.track_running_stats:
            self.running_mean = UninitializedBuffer(device=device, dtype=dtype)
            self.running_var = UninitializedBuffer(device=device, dtype=dtype)
            self.num_batches_tracked = _tensor(0, dtype=D.int64, device=device)

    def reset_parameters(self):
        if not self.has_uninitialized_params() and self.num_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input):
        if self.has_uninitialized_params():
            self.num_features = input.shape[1]
            with grad_mode.no_grad():
                if self.affine:
                    self.weight.materialize((self.num_features,))
                    if self.bias is not None:
                        self.bias.materialize((self.num_features,))
                if self.track_running_stats:
                    self.running_mean.materialize((self.num_features,))
                    self.running_var.materialize((self.num_features,))
            self.reset_parameters()


class LazyBatchNorm1d(_LazyNormBase, _BatchNorm):
    r"""A :class:`BatchNorm1d` whose ``num_features`` is inferred from the first input (N, C[, L]).

    Example::

        >>> m = nn.LazyBatchNorm1d(); m(torch.randn(8, 5)).shape; m     # (8, 5); BatchNorm1d(5, ...)
    """
    cls_to_become = BatchNorm1d
    _check_input_dim = BatchNorm1d._check_input_dim


class LazyBatchNorm2d(_LazyNormBase, _BatchNorm):
    r"""A :class:`BatchNorm2d` whose ``num_features`` is inferred from the first input (N, C, H, W)."""
    cls_to_become = BatchNorm2d
    _check_input_dim = BatchNorm2d._check_input_dim


class LazyBatchNorm3d(_LazyNormBase, _BatchNorm):
    r"""A :class:`BatchNorm3d` whose ``num_features`` is inferred from the first input (N, C, D, H, W)."""
    cls_to_become = BatchNorm3d
    _check_input_dim = BatchNorm3d._check_input_dim


class LazyInstanceNorm1d(_LazyNormBase, _InstanceNorm):
    r"""An :class:`InstanceNorm1d` whose ``num_features`` is inferred from the first input's dim 1.
    As in torch, ``affine`` and ``track_running_stats`` default to True here."""
    cls_to_become = InstanceNorm1d
    _nobatch = InstanceNorm1d._nobatch


class LazyInstanceNorm2d(_LazyNormBase, _InstanceNorm):
    r"""An :class:`InstanceNorm2d` whose ``num_features`` is inferred from the first input's dim 1."""
    cls_to_become = InstanceNorm2d
    _nobatch = InstanceNorm2d._nobatch


class LazyInstanceNorm3d(_LazyNormBase, _InstanceNorm):
    r"""An :class:`InstanceNorm3d` whose ``num_features`` is inferred from the first input's dim 1."""
    cls_to_become = InstanceNorm3d
    _nobatch = InstanceNorm3d._nobatch
