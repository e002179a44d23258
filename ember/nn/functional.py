"""``ember.nn.functional`` (``torch.nn.functional``): activations, softmax, dropout, linear maps,
embeddings, padding, normalisation, distances and losses, as functions.

Each family lives in ``ember/nn/_functional/<family>.py``; this module gathers them under
torch's names, signatures and defaults.

Example:
    >>> import ember as torch
    >>> import ember.nn.functional as F
    >>> logits = torch.randn(4, 3, requires_grad=True)
    >>> loss = F.cross_entropy(logits, torch.tensor([0, 2, 1, 0]))
    >>> loss.backward()            # loss.grad_fn is NllLossBackward0, as in torch
"""
from ._functional.activation import (relu, relu_, relu6, hardtanh, hardtanh_, threshold, threshold_, leaky_relu,
                                     leaky_relu_, elu, elu_, selu, selu_, celu, celu_, gelu, silu, mish, softplus,
                                     softsign, hardsigmoid, hardswish, logsigmoid, glu, tanh, sigmoid, softmax,
                                     log_softmax, softmin, tanhshrink)
from ._functional.dropout import (dropout, dropout1d, dropout2d, dropout3d, alpha_dropout,
                                  feature_alpha_dropout)
from ._functional.linear import linear, bilinear
from ._functional.sparse import embedding, one_hot
from ._functional.padding import pad
from ._functional.normalization import layer_norm, rms_norm, normalize, cosine_similarity, pairwise_distance
from ._functional.conv import (conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d, conv_transpose3d,
                               unfold, fold)
from ._functional.pooling import (max_pool1d, max_pool2d, max_pool3d, max_pool1d_with_indices,
                                  max_pool2d_with_indices, max_pool3d_with_indices, avg_pool1d, avg_pool2d,
                                  avg_pool3d, adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d,
                                  adaptive_max_pool1d, adaptive_max_pool2d, adaptive_max_pool3d,
                                  adaptive_max_pool1d_with_indices, adaptive_max_pool2d_with_indices,
                                  adaptive_max_pool3d_with_indices, lp_pool1d, lp_pool2d)
from ._functional.batchnorm import batch_norm, instance_norm, group_norm
from ._functional.loss import (nll_loss, cross_entropy, mse_loss, l1_loss, smooth_l1_loss, huber_loss,
                               binary_cross_entropy, binary_cross_entropy_with_logits, kl_div)

__all__ = ['relu', 'relu_', 'relu6', 'hardtanh', 'hardtanh_', 'threshold', 'threshold_', 'leaky_relu',
           'leaky_relu_', 'elu', 'elu_', 'selu', 'selu_', 'celu', 'celu_', 'gelu', 'silu', 'mish', 'softplus',
           'softsign', 'hardsigmoid', 'hardswish', 'logsigmoid', 'glu', 'tanh', 'sigmoid', 'softmax', 'log_softmax',
           'softmin', 'tanhshrink', 'dropout', 'dropout1d', 'dropout2d', 'dropout3d', 'alpha_dropout',
           'feature_alpha_dropout', 'linear', 'bilinear', 'embedding', 'one_hot', 'pad', 'layer_norm', 'rms_norm',
           'normalize', 'cosine_similarity', 'pairwise_distance', 'nll_loss', 'cross_entropy', 'mse_loss', 'l1_loss',
           'smooth_l1_loss', 'huber_loss', 'binary_cross_entropy', 'binary_cross_entropy_with_logits', 'kl_div',
           'conv1d', 'conv2d', 'conv3d', 'conv_transpose1d', 'conv_transpose2d', 'conv_transpose3d', 'unfold', 'fold',
           'max_pool1d', 'max_pool2d', 'max_pool3d', 'max_pool1d_with_indices', 'max_pool2d_with_indices',
           'max_pool3d_with_indices', 'avg_pool1d', 'avg_pool2d', 'avg_pool3d', 'adaptive_avg_pool1d',
           'adaptive_avg_pool2d', 'adaptive_avg_pool3d', 'adaptive_max_pool1d', 'adaptive_max_pool2d',
           'adaptive_max_pool3d', 'adaptive_max_pool1d_with_indices', 'adaptive_max_pool2d_with_indices',
           'adaptive_max_pool3d_with_indices', 'lp_pool1d', 'lp_pool2d', 'batch_norm', 'instance_norm',
           'group_norm']
from ._functional.attention import (scaled_dot_product_attention, multi_head_attention_forward,  # noqa: E402
                                    _canonical_mask, _none_or_dtype, _mha_shape_check)
__all__ += ['scaled_dot_product_attention', 'multi_head_attention_forward']
from ._functional.misc import (interpolate, upsample, upsample_nearest, upsample_bilinear, pixel_shuffle,  # noqa: E402
                               pixel_unshuffle, prelu, rrelu, rrelu_, hardshrink, softshrink, margin_ranking_loss,
                               cosine_embedding_loss, triplet_margin_loss, poisson_nll_loss, gaussian_nll_loss)
__all__ += ['interpolate', 'upsample', 'upsample_nearest', 'upsample_bilinear', 'pixel_shuffle', 'pixel_unshuffle',
            'prelu', 'rrelu', 'rrelu_', 'hardshrink', 'softshrink', 'margin_ranking_loss', 'cosine_embedding_loss',
            'triplet_margin_loss', 'poisson_nll_loss', 'gaussian_nll_loss']
from ._functional.loss import (hinge_embedding_loss, soft_margin_loss, multilabel_soft_margin_loss,  # noqa: E402
                               multi_margin_loss, multilabel_margin_loss, triplet_margin_with_distance_loss)
__all__ += ['hinge_embedding_loss', 'soft_margin_loss', 'multilabel_soft_margin_loss', 'multi_margin_loss',
            'multilabel_margin_loss', 'triplet_margin_with_distance_loss']
from ._functional.normalization import local_response_norm  # noqa: E402
from ._functional.misc import channel_shuffle  # noqa: E402
__all__ += ['local_response_norm', 'channel_shuffle']
from ._functional.pooling import max_unpool1d, max_unpool2d, max_unpool3d  # noqa: E402
__all__ += ['max_unpool1d', 'max_unpool2d', 'max_unpool3d']
from ._functional.sparse import embedding_bag  # noqa: E402
__all__ += ['embedding_bag']
