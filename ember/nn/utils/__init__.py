"""``ember.nn.utils``: gradient clipping and flattening parameters into one vector."""
from . import clip_grad  # noqa: F401
from .clip_grad import clip_grad_norm, clip_grad_norm_, clip_grad_value_, get_total_norm, clip_grads_with_norm_
from .convert_parameters import parameters_to_vector, vector_to_parameters

__all__ = ['clip_grad_norm', 'clip_grad_norm_', 'clip_grad_value_', 'get_total_norm', 'clip_grads_with_norm_',
           'parameters_to_vector', 'vector_to_parameters']
from . import rnn  # noqa: E402,F401
__all__ += ['rnn']
from . import parametrize, parametrizations  # noqa: E402,F401  (register_parametrization, weight_norm, ...)
__all__ += ['parametrize', 'parametrizations']
from .weight_norm import weight_norm, remove_weight_norm  # noqa: E402,F401  (the older, hook-based API)
from .spectral_norm import spectral_norm, remove_spectral_norm  # noqa: E402,F401
__all__ += ['weight_norm', 'remove_weight_norm', 'spectral_norm', 'remove_spectral_norm']
from . import stateless  # noqa: E402,F401  (functional_call, the deprecated alias of ember.func's)
__all__ += ['stateless']
from .fusion import (fuse_conv_bn_eval, fuse_conv_bn_weights, fuse_linear_bn_eval,  # noqa: E402,F401
                     fuse_linear_bn_weights)
__all__ += ['fuse_conv_bn_eval', 'fuse_conv_bn_weights', 'fuse_linear_bn_eval', 'fuse_linear_bn_weights']
# (ember.nn.utils.prune, as torch's, is imported by `import torch.nn.utils.prune`)
