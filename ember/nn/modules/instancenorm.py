"""Instance normalisation: ``InstanceNorm1d``, ``InstanceNorm2d``, ``InstanceNorm3d`` (each
(sample, channel) plane normalised on its own; no affine parameters or running statistics by
default).

Example:
    >>> nn.InstanceNorm2d(100)(ember.randn(20, 100, 35, 45)).shape     # torch.Size([20, 100, 35, 45])
"""
import warnings

from .. import functional as F
from .batchnorm import _NormBase

__all__ = ['InstanceNorm1d', 'InstanceNorm2d', 'InstanceNorm3d']


class _InstanceNorm(_NormBase):
    _nobatch = 2

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=False, track_running_stats=False, device=None,
                 dtype=None, *, bias=True):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias)

    def _check_input_dim(self, input):
        if input.dim() not in (self._nobatch, self._nobatch + 1):
            raise ValueError(f'expected {self._nobatch}D or {self._nobatch + 1}D input (got {input.dim()}D input)')

    def _apply_instance_norm(self, input):
        return F.instance_norm(input, self.running_mean, self.running_var, self.weight, self.bias,
                               self.training or not self.track_running_stats,
                               self.momentum if self.momentum is not None else 0.0, self.eps)

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                              error_msgs):
        version = local_metadata.get('version', None)
        if version is None and not self.track_running_stats:
            keys = [prefix + n for n in ('running_mean', 'running_var') if prefix + n in state_dict]
            if keys:
                error_msgs.append(
                    'Unexpected running stats buffer(s) {names} for {klass} with track_running_stats=False. If '
                    'state_dict is a checkpoint saved before 0.4.0, this may be expected because {klass} does not '
                    'track running stats by default since 0.4.0. Please remove these keys from state_dict. If the '
                    'running stats are actually needed, instead set track_running_stats=True in {klass} to enable '
                    'them. See the documentation of {klass} for details.'.format(
                        names=' and '.join(f'"{k}"' for k in keys), klass=self.__class__.__name__))
                for k in keys:
                    state_dict.pop(k)
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                                      error_msgs)

    def forward(self, input):
        self._check_input_dim(input)
        feature_dim = input.dim() - self._nobatch
        if input.size(feature_dim) != self.num_features:
            if self.affine:
                raise ValueError(f'expected input\'s size at dim={feature_dim} to match num_features '
                                 f'({self.num_features}), but got: {input.size(feature_dim)}.')
            warnings.warn(f'input\'s size at dim={feature_dim} does not match num_features. You can silence this '
                          'warning by not passing in num_features, which is not used because affine=False')
        if input.dim() == self._nobatch:
            return self._apply_instance_norm(input.unsqueeze(0)).squeeze(0)
        return self._apply_instance_norm(input)


class InstanceNorm1d(_InstanceNorm):
    """Instance normalisation over (N, C, L) or (C, L) input."""
    _nobatch = 2


class InstanceNorm2d(_InstanceNorm):
    """Instance normalisation over (N, C, H, W) or (C, H, W) input."""
    _nobatch = 3


class InstanceNorm3d(_InstanceNorm):
    """Instance normalisation over (N, C, D, H, W) or (C, D, H, W) input."""
    _nobatch = 4
