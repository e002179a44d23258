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
from ._functional.misc import channel_shuffle, native_channel_shuffle  # noqa: E402
__all__ += ['local_response_norm', 'channel_shuffle', 'native_channel_shuffle']
from ._functional.pooling import max_unpool1d, max_unpool2d, max_unpool3d  # noqa: E402
__all__ += ['max_unpool1d', 'max_unpool2d', 'max_unpool3d']
from ._functional.sparse import embedding_bag  # noqa: E402
__all__ += ['embedding_bag']
from ._functional.vision import grid_sample, affine_grid  # noqa: E402
__all__ += ['grid_sample', 'affine_grid']
from ._functional.ctc import ctc_loss  # noqa: E402
__all__ += ['ctc_loss']


def gumbel_softmax(logits, tau=1, hard=False, eps=1e-10, dim=-1):
    r"""A sample from the Gumbel-Softmax distribution over ``dim``: ``softmax((logits + g) / tau)``
    with Gumbel noise ``g`` drawn from ember's generator; ``hard=True`` returns the one-hot of the
    argmax with the soft sample's gradient (straight-through). Same shape as ``logits``.

    Example::

        >>> F.gumbel_softmax(torch.randn(20, 32), tau=0.5, hard=True).sum(-1)     # all ones
    """
    if eps != 1e-10:
        import warnings
        warnings.warn('`eps` parameter is deprecated and has no effect.', stacklevel=2)
    from .._ops.creation import empty_like, zeros_like
    gumbels = -empty_like(logits).exponential_().log()      # ~Gumbel(0, 1)
    y_soft = ((logits + gumbels) / tau).softmax(dim)
    if not hard:
        return y_soft
    index = y_soft.max(dim, keepdim=True)[1]
    y_hard = zeros_like(logits).scatter_(dim, index, 1.0)
    # the hard value forward, the soft sample's gradient backward
    return y_hard - y_soft.detach() + y_soft


__all__ += ['gumbel_softmax']
from ._functional.pooling import (lp_pool3d, fractional_max_pool2d, fractional_max_pool3d,  # noqa: E402
                                  fractional_max_pool2d_with_indices, fractional_max_pool3d_with_indices)
__all__ += ['lp_pool3d', 'fractional_max_pool2d', 'fractional_max_pool3d', 'fractional_max_pool2d_with_indices',
            'fractional_max_pool3d_with_indices']


def pdist(input, p=2):
    r"""The p-norm distances between all pairs of rows of ``input`` (N, M): the upper triangle of
    the distance matrix, row by row, shape (N * (N - 1) / 2,).

    Example::

        >>> F.pdist(torch.tensor([[0., 0], [3, 4], [6, 8]]))       # tensor([ 5., 10.,  5.])
    """
    from .._ops.manipulation import triu_indices
    from .. import _dtype
    if input.dim() != 2:
        raise RuntimeError(f'pdist only supports 2D tensors, got: {input.dim()}D')
    if not input.dtype.is_floating_point:
        raise RuntimeError('pdist only supports floating-point dtypes')
    if p < 0:
        raise RuntimeError('pdist only supports non-negative p values')
    i, j = triu_indices(input.shape[0], input.shape[0], 1, device=input.device)
    diff = input[i] - input[j]
    if p == 0:      # a count, with the zero gradient torch gives (not None)
        from .._ops.pointwise import where
        from .._ops.creation import zeros_like
        never = zeros_like(diff, dtype=_dtype.bool_)
        return (diff != 0).sum(1).to(diff.dtype) + where(never, diff, 0.0).sum(1)
    return diff.norm(p, dim=1)


__all__ += ['pdist']


# torch.nn.functional's own helpers, which code copied from torch's sources calls
from typing import Optional  # noqa: E402,F401
from ..overrides import (has_torch_function, has_torch_function_unary,  # noqa: E402,F401
                         has_torch_function_variadic, handle_torch_function)


def boolean_dispatch(arg_name, arg_index, default, if_true, if_false, module_name=None, func_name=None):
    """A function that calls ``if_true`` or ``if_false`` by the boolean argument ``arg_name`` (at
    position ``arg_index``, else ``default``): how torch builds ``max_pool2d(..., return_indices=)``."""
    def fn(*args, **kwargs):
        flag = default
        if arg_name in kwargs:
            flag = kwargs[arg_name]
        elif arg_index < len(args):
            flag = args[arg_index]
        return if_true(*args, **kwargs) if flag else if_false(*args, **kwargs)
    if module_name is not None:
        fn.__module__ = module_name
    if func_name is not None:
        fn.__name__ = fn.__qualname__ = func_name
    fn.__doc__ = if_true.__doc__ or if_false.__doc__
    return fn


def assert_int_or_pair(arg, arg_name, message):
    assert isinstance(arg, int) or len(arg) == 2, message.format(arg_name)
