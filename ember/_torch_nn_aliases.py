"""torch-level spellings of nn.functional ops, with ATen's positional signatures (which differ from
nn.functional's): ``torch.embedding(weight, indices, ...)``, ``torch.batch_norm(input, weight, bias,
running_mean, running_var, training, momentum, eps, cudnn_enabled)``, losses taking ``reduction`` as
an int (0 none, 1 mean, 2 sum), the in-place activations and dropouts, ``native_layer_norm``,
``native_dropout``, ``frobenius_norm``/``nuclear_norm``, ``empty_permuted``. Each is a line on top of
ember.nn.functional (this module loads on first use of one of these names, as ember.nn does).

Example:
    >>> ember.embedding(weight, ember.tensor([1, 2]))        # F.embedding(indices, weight)
"""

from .nn import functional as F
from .nn.modules.rnn import lstm_cell, gru_cell, rnn_tanh_cell, rnn_relu_cell  # noqa: F401
from .nn.utils.parametrizations import _norm_except_dim as norm_except_dim, _weight_norm  # noqa: F401
from .nn._functional import dropout as _D
from ._ops._core import warn_once

_RED = {1: 'mean', 2: 'sum'}


def _red(r):
    """ATen's int reduction: 1 mean, 2 sum, any other value none. (At the torch level each loss's
    default is 0, none: torch's argument parser gives these ints no default of Mean.)"""
    return _RED.get(int(r), 'none')


def embedding(weight, indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False):
    return F.embedding(indices, weight, None if padding_idx == -1 else padding_idx,
                       scale_grad_by_freq=scale_grad_by_freq, sparse=sparse)


def batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps, cudnn_enabled):
    return F.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def instance_norm(input, weight, bias, running_mean, running_var, use_input_stats, momentum, eps, cudnn_enabled):
    return F.instance_norm(input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps)


def binary_cross_entropy_with_logits(input, target, weight=None, pos_weight=None, reduction=0):
    return F.binary_cross_entropy_with_logits(input, target, weight, reduction=_red(reduction), pos_weight=pos_weight)


def kl_div(input, target, reduction=0, *, log_target=False):
    r = _red(reduction)
    if r != 'mean':
        return F.kl_div(input, target, reduction=r, log_target=log_target)
    # (ATen's mean divides by every element, without nn.functional's warning about 'batchmean')
    return F.kl_div(input, target, reduction='none', log_target=log_target).mean()


def cosine_embedding_loss(input1, input2, target, margin=0.0, reduction=0):
    return F.cosine_embedding_loss(input1, input2, target, margin, reduction=_red(reduction))


def hinge_embedding_loss(input, target, margin=1.0, reduction=0):
    return F.hinge_embedding_loss(input, target, margin, reduction=_red(reduction))


def margin_ranking_loss(input1, input2, target, margin=0.0, reduction=0):
    return F.margin_ranking_loss(input1, input2, target, margin, reduction=_red(reduction))


def poisson_nll_loss(input, target, log_input, full, eps, reduction):
    return F.poisson_nll_loss(input, target, log_input, full, eps=eps, reduction=_red(reduction))


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False, reduction=0):
    return F.triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap, reduction=_red(reduction))


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction=0, zero_infinity=False):
    return F.ctc_loss(log_probs, targets, input_lengths, target_lengths, blank, _red(reduction), zero_infinity)


def pdist(input, p=2):
    return F.pdist(input, p)


def constant_pad_nd(input, pad, value=0):
    return F.pad(input, list(pad), 'constant', value)


def threshold_(input, threshold, value):
    return F.threshold_(input, threshold, value)


def selu_(input):
    return F.selu_(input)


def celu_(input, alpha=1.0):
    return F.celu_(input, alpha)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False, generator=None):
    return F.rrelu_(input, lower, upper, training)


def _check_p(p):
    """ATen's check (a RuntimeError; nn.functional's is a ValueError)."""
    if p < 0 or p > 1:
        raise RuntimeError(f'dropout probability has to be between 0 and 1, but got {p}')


def dropout_(input, p, train):
    _check_p(p)
    return F.dropout(input, p, train, inplace=True)


def alpha_dropout_(input, p, train):
    _check_p(p)
    return F.alpha_dropout(input, p, train, inplace=True)


def feature_dropout(input, p, train):
    _check_p(p)
    return _D._feature(input, p, train, False)


def feature_dropout_(input, p, train):
    _check_p(p)
    return _D._feature(input, p, train, True)


def feature_alpha_dropout_(input, p, train):
    _check_p(p)
    return F.feature_alpha_dropout(input, p, train, inplace=True)


def native_layer_norm(input, normalized_shape, weight, bias, eps):
    """(output, mean, rstd): layer_norm and the statistics it used (shaped to broadcast, no grad)."""
    out = F.layer_norm(input, list(normalized_shape), weight, bias, eps)
    dims = tuple(range(input.dim() - len(normalized_shape), input.dim()))
    x = input.detach()
    mean = x.mean(dims, keepdim=True) if dims else x.clone()
    var = x.var(dims, unbiased=False, keepdim=True) if dims else x * 0
    return out, mean, (var + eps).rsqrt()


def native_dropout(input, p, train):
    """(output, mask): dropout's result and its boolean keep-mask."""
    from ._ops.creation import ones_like
    from ._dtype import bool_
    if train is None or train:
        if p == 0 or input.numel() == 0:
            return input.clone(), ones_like(input, dtype=bool_)
        if p < 0 or p > 1:
            raise RuntimeError(f'bernoulli_ expects p to be in [0, 1], but got p={1 - p}')
        keep = _D._keep(input, p, input._data.shape)
        from ._tensor import _wrap
        mask = _wrap(keep.astype(bool), bool_, input._device)
        scale = 0.0 if p == 1 else 1.0 / (1.0 - p)
        if train is None:       # (torch's backward then scales by 1, its forward by 1/(1-p): so does ember)
            kept = input * mask
            return kept + (kept * (scale - 1.0)).detach(), mask
        return input * mask * scale, mask
    return input.clone(), ones_like(input, dtype=bool_)


def frobenius_norm(input, dim, keepdim=False, *, out=None):
    warn_once('at::frobenius_norm is deprecated and it is just left for JIT compatibility. It will be removed in a '
              'future PyTorch release. Please use `linalg.vector_norm(A, 2., dim, keepdim)` instead')
    dim = (dim,) if isinstance(dim, int) else tuple(dim)
    if len(dim) > 2:
        raise RuntimeError(f'Expected at most 2 dimensions, but got {len(dim)} dimensions instead.')
    from . import linalg
    return linalg.vector_norm(input, 2.0, dim, keepdim, out=out)


def nuclear_norm(input, dim=None, keepdim=False, *, out=None):
    warn_once('at::nuclear_norm is deprecated and it is just left for JIT compatibility. It will be removed in a '
              "future PyTorch release. Please use `linalg.matrix_norm(A, 'nuc', dim, keepdim)` instead")
    if isinstance(dim, bool):
        dim, keepdim = None, dim
    from . import linalg
    return linalg.matrix_norm(input, 'nuc', (0, 1) if dim is None else tuple(dim), keepdim, out=out)


def empty_permuted(size, physical_layout, *, dtype=None, layout=None, device=None, requires_grad=False,
                   pin_memory=False):
    """An uninitialised tensor of ``size`` whose memory order is ``physical_layout`` (outermost first)."""
    from ._ops.creation import empty
    size, order = tuple(size), tuple(physical_layout)
    if len(order) != len(size):
        raise RuntimeError(f'Number of dimensions in size does not match the length of the physical_layout; i.e. '
                           f'len(size) = {len(size)} is not equal to len(physical_layout) = {len(order)}')
    if sorted(order) != list(range(len(size))):
        raise RuntimeError('Duplicate dim not allowed')
    inv = [0] * len(order)
    for i, d in enumerate(order):
        inv[d] = i
    t = empty(tuple(size[d] for d in order), dtype=dtype, device=device).permute(inv)
    t._base = None          # (a fresh tensor with that layout, not a view in autograd's sense)
    t._extra = None
    if requires_grad:
        t.requires_grad_(True)
    return t


def max_pool1d_with_indices(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    return F.max_pool1d_with_indices(input, kernel_size, stride if stride not in ((), []) else None, padding,
                                     dilation, ceil_mode, return_indices=True)


NAMES = frozenset(('embedding', 'batch_norm', 'instance_norm', 'binary_cross_entropy_with_logits', 'kl_div',
                   'cosine_embedding_loss', 'hinge_embedding_loss', 'margin_ranking_loss', 'poisson_nll_loss',
                   'triplet_margin_loss', 'ctc_loss', 'pdist', 'constant_pad_nd', 'threshold_', 'selu_', 'celu_',
                   'rrelu_', 'dropout_', 'alpha_dropout_', 'feature_dropout', 'feature_dropout_',
                   'feature_alpha_dropout_', 'native_layer_norm', 'native_dropout', 'frobenius_norm', 'nuclear_norm',
                   'empty_permuted', 'max_pool1d_with_indices', 'lstm_cell', 'gru_cell', 'rnn_tanh_cell',
                   'rnn_relu_cell', 'norm_except_dim', '_weight_norm'))
