"""Loss functions as modules: ``CrossEntropyLoss``, ``NLLLoss``, ``MSELoss``, ``L1Loss``,
``SmoothL1Loss``, ``HuberLoss``, ``BCELoss``, ``BCEWithLogitsLoss``, ``KLDivLoss``, ...

Each takes ``reduction='mean' | 'sum' | 'none'`` (the deprecated ``size_average``/``reduce``
pair is translated with torch's warning) and calls the function of the same family in
``ember.nn.functional``. Class weights are registered as buffers (they follow ``.to()``).

Example:
    >>> loss = nn.CrossEntropyLoss()
    >>> loss(ember.randn(3, 5, requires_grad=True), ember.tensor([1, 0, 4])).backward()
"""
import warnings

from .. import functional as F
from .module import Module

__all__ = ['L1Loss', 'NLLLoss', 'NLLLoss2d', 'KLDivLoss', 'MSELoss', 'BCELoss', 'BCEWithLogitsLoss', 'SmoothL1Loss',
           'HuberLoss', 'CrossEntropyLoss']


def _legacy_get_string(size_average, reduce, emit_warning=True):
    """torch.nn._reduction.legacy_get_string: the reduction meant by size_average/reduce."""
    warning = "size_average and reduce args will be deprecated, please use reduction='{}' instead."
    if size_average is None:
        size_average = True
    if reduce is None:
        reduce = True
    if size_average and reduce:
        ret = 'mean'
    elif reduce:
        ret = 'sum'
    else:
        ret = 'none'
    if emit_warning:
        warnings.warn(warning.format(ret), stacklevel=3)
    return ret


class _Loss(Module):
    def __init__(self, size_average=None, reduce=None, reduction='mean'):
        super().__init__()
        if size_average is not None or reduce is not None:
            self.reduction = _legacy_get_string(size_average, reduce)
        else:
            self.reduction = reduction


class _WeightedLoss(_Loss):
    def __init__(self, weight=None, size_average=None, reduce=None, reduction='mean'):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer('weight', weight)


class L1Loss(_Loss):
    r"""Mean absolute error :math:`|x_n - y_n|`, reduced.

    Shape:
        - Input: :math:`(*)`; Target: :math:`(*)`, same shape.
        - Output: scalar; :math:`(*)` with ``reduction='none'``.

    Example::

        >>> loss = nn.L1Loss()
        >>> loss(torch.randn(3, 5, requires_grad=True), torch.randn(3, 5)).backward()
    """
    __constants__ = ['reduction']

    def forward(self, input, target):
        return F.l1_loss(input, target, reduction=self.reduction)


class NLLLoss(_WeightedLoss):
    r"""Negative log likelihood: :math:`-w_{y_n} x_{n, y_n}` for log-probabilities ``x``.

    Shape:
        - Input: :math:`(N, C)`, :math:`(C)` or :math:`(N, C, d_1, ..., d_K)`.
        - Target: :math:`(N)`, :math:`()` or :math:`(N, d_1, ..., d_K)`, class indices in :math:`[0, C)`.
        - Output: scalar; the target's shape with ``reduction='none'``.

    Example::

        >>> m = nn.LogSoftmax(dim=1); loss = nn.NLLLoss()
        >>> loss(m(torch.randn(3, 5, requires_grad=True)), torch.tensor([1, 0, 4])).backward()
    """
    __constants__ = ['ignore_index', 'reduction']

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction='mean'):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input, target):
        return F.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)


class NLLLoss2d(NLLLoss):
    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction='mean'):
        warnings.warn('`NLLLoss2d` has been deprecated. Please use `NLLLoss` instead as a drop-in replacement and see '
                      'https://pytorch.org/docs/main/nn.html#torch.nn.NLLLoss for more details.', FutureWarning,
                      stacklevel=2)
        super().__init__(weight, size_average, ignore_index, reduce, reduction)




class KLDivLoss(_Loss):
    r"""Kullback-Leibler divergence :math:`y (\log y - x)` for log-probabilities ``x`` (and
    ``y`` as log-probabilities too with ``log_target=True``). ``reduction='batchmean'`` divides
    the sum by the batch size, the mathematically correct KL divergence.

    Shape:
        - Input: :math:`(*)`; Target: :math:`(*)`, same shape.
        - Output: scalar; :math:`(*)` with ``reduction='none'``.

    Example::

        >>> kl = nn.KLDivLoss(reduction='batchmean')
        >>> kl(F.log_softmax(torch.randn(3, 5), dim=1), F.softmax(torch.rand(3, 5), dim=1))
    """
    __constants__ = ['reduction']

    def __init__(self, size_average=None, reduce=None, reduction='mean', log_target=False):
        super().__init__(size_average, reduce, reduction)
        self.log_target = log_target

    def forward(self, input, target):
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class MSELoss(_Loss):
    r"""Mean squared error :math:`(x_n - y_n)^2`, reduced.

    Shape:
        - Input: :math:`(*)`; Target: :math:`(*)`, same shape.
        - Output: scalar; :math:`(*)` with ``reduction='none'``.

    Example::

        >>> loss = nn.MSELoss()
        >>> loss(torch.randn(3, 5, requires_grad=True), torch.randn(3, 5)).backward()
    """
    __constants__ = ['reduction']

    def forward(self, input, target):
        return F.mse_loss(input, target, reduction=self.reduction)


class BCELoss(_WeightedLoss):
    r"""Binary cross entropy :math:`-w_n [y_n \log x_n + (1 - y_n) \log(1 - x_n)]` for
    probabilities ``x`` (the logs are clamped at -100).

    Shape:
        - Input: :math:`(*)`; Target: :math:`(*)`, same shape.
        - Output: scalar; :math:`(*)` with ``reduction='none'``.

    Example::

        >>> m = nn.Sigmoid(); loss = nn.BCELoss()
        >>> loss(m(torch.randn(3, requires_grad=True)), torch.empty(3).random_(2)).backward()
    """
    __constants__ = ['reduction']

    def forward(self, input, target):
        return F.binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    r"""A Sigmoid and :class:`BCELoss` in one, computed stably from logits; ``pos_weight``
    weighs the positive examples per class.

    Shape:
        - Input: :math:`(*)`; Target: :math:`(*)`, same shape.
        - Output: scalar; :math:`(*)` with ``reduction='none'``.

    Example::

        >>> loss = nn.BCEWithLogitsLoss()
        >>> loss(torch.randn(3, requires_grad=True), torch.empty(3).random_(2)).backward()
    """

    def __init__(self, weight=None, size_average=None, reduce=None, reduction='mean', pos_weight=None):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer('weight', weight)
        self.register_buffer('pos_weight', pos_weight)

    def forward(self, input, target):
        return F.binary_cross_entropy_with_logits(input, target, self.weight, pos_weight=self.pos_weight,
                                                  reduction=self.reduction)



class SmoothL1Loss(_Loss):
    r"""Squared error below ``beta`` (scaled by ``0.5 / beta``), absolute error (minus ``0.5 * beta``) above.

    Shape:
        - Input: :math:`(*)`; Target: :math:`(*)`, same shape.
        - Output: scalar; :math:`(*)` with ``reduction='none'``.
    """
    __constants__ = ['reduction']

    def __init__(self, size_average=None, reduce=None, reduction='mean', beta=1.0):
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input, target):
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    r"""Squared error (halved) below ``delta``, ``delta * (|x - y| - 0.5 * delta)`` above.

    Shape:
        - Input: :math:`(*)`; Target: :math:`(*)`, same shape.
        - Output: scalar; :math:`(*)` with ``reduction='none'``.
    """
    __constants__ = ['reduction', 'delta']

    def __init__(self, reduction='mean', delta=1.0):
        if not isinstance(delta, (float, int)):
            raise TypeError(f'delta must be a float or int, got: {type(delta)}')
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input, target):
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)



class CrossEntropyLoss(_WeightedLoss):
    r"""Cross entropy between logits and a target: ``log_softmax`` and ``nll_loss`` in one.
    The target is class indices (integers, ``ignore_index`` skipped) or class probabilities
    (floats, the input's shape); ``label_smoothing`` mixes in the uniform distribution.

    Shape:
        - Input: :math:`(N, C)`, :math:`(C)` or :math:`(N, C, d_1, ..., d_K)`.
        - Target: indices :math:`(N)`, :math:`()` or :math:`(N, d_1, ..., d_K)`; or probabilities, the input's shape.
        - Output: scalar; the target's (index) shape with ``reduction='none'``.

    Example::

        >>> loss = nn.CrossEntropyLoss()
        >>> input = torch.randn(3, 5, requires_grad=True)
        >>> loss(input, torch.empty(3, dtype=torch.long).random_(5)).backward()
    """
    __constants__ = ['ignore_index', 'reduction', 'label_smoothing']

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction='mean',
                 label_smoothing=0.0):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input, target):
        return F.cross_entropy(input, target, weight=self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)





# ---------------------------------------------------------------- more losses
class _PairMarginLoss(_Loss):
    """A loss of two inputs and a +-1 target with a margin; ``_fn`` names its functional form."""
    __constants__ = ['margin', 'reduction']

    def __init__(self, margin=0.0, size_average=None, reduce=None, reduction='mean'):
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1, input2, target):
        return getattr(F, self._fn)(input1, input2, target, margin=self.margin, reduction=self.reduction)


class MarginRankingLoss(_PairMarginLoss):
    r"""max(0, -y (x1 - x2) + margin)."""
    _fn = 'margin_ranking_loss'


class CosineEmbeddingLoss(_PairMarginLoss):
    r"""1 - cos(x1, x2) for y = 1, max(0, cos(x1, x2) - margin) for y = -1."""
    _fn = 'cosine_embedding_loss'


class TripletMarginLoss(_Loss):
    r"""max(0, d(a, p) - d(a, n) + margin) with the p-norm distance."""
    __constants__ = ['margin', 'p', 'eps', 'swap', 'reduction']

    def __init__(self, margin=1.0, p=2.0, eps=1e-6, swap=False, size_average=None, reduce=None, reduction='mean'):
        super().__init__(size_average, reduce, reduction)
        if margin <= 0:
            raise ValueError(f'TripletMarginLoss: expected margin to be greater than 0, got {margin} instead')
        self.margin = margin
        self.p = p
        self.eps = eps
        self.swap = swap

    def forward(self, anchor, positive, negative):
        return F.triplet_margin_loss(anchor, positive, negative, margin=self.margin, p=self.p, eps=self.eps,
                                     swap=self.swap, reduction=self.reduction)


class PoissonNLLLoss(_Loss):
    r"""Negative log likelihood of a Poisson target."""
    __constants__ = ['log_input', 'full', 'eps', 'reduction']

    def __init__(self, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None, reduction='mean'):
        super().__init__(size_average, reduce, reduction)
        self.log_input = log_input
        self.full = full
        self.eps = eps

    def forward(self, log_input, target):
        return F.poisson_nll_loss(log_input, target, log_input=self.log_input, full=self.full, eps=self.eps,
                                  reduction=self.reduction)


class GaussianNLLLoss(_Loss):
    r"""Negative log likelihood of a Gaussian target with predicted mean and variance."""
    __constants__ = ['full', 'eps', 'reduction']

    def __init__(self, *, full=False, eps=1e-6, reduction='mean'):
        super().__init__(None, None, reduction)
        self.full = full
        self.eps = eps

    def forward(self, input, target, var):
        return F.gaussian_nll_loss(input, target, var, full=self.full, eps=self.eps, reduction=self.reduction)


__all__ += ['MarginRankingLoss', 'CosineEmbeddingLoss', 'TripletMarginLoss', 'PoissonNLLLoss', 'GaussianNLLLoss']


# ---------------------------------------------------------------- margin losses
class HingeEmbeddingLoss(_Loss):
    r"""``x`` where ``y = 1``, ``max(0, margin - x)`` where ``y = -1``, reduced; for learning
    whether two inputs are similar from a distance ``x``.

    Shape:
        - Input: :math:`(*)`; Target: :math:`(*)`, the same shape, of 1 and -1.
        - Output: scalar; :math:`(*)` with ``reduction='none'``.
    """
    __constants__ = ['margin', 'reduction']

    def __init__(self, margin=1.0, size_average=None, reduce=None, reduction='mean'):
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input, target):
        return F.hinge_embedding_loss(input, target, margin=self.margin, reduction=self.reduction)


class SoftMarginLoss(_Loss):
    r"""The two-class logistic loss :math:`\log(1 + \exp(-y x))` for targets of 1 and -1, reduced."""
    __constants__ = ['reduction']

    def forward(self, input, target):
        return F.soft_margin_loss(input, target, reduction=self.reduction)


class MultiLabelSoftMarginLoss(_WeightedLoss):
    r"""The multi-label one-versus-all loss from logits: per sample
    :math:`-\frac{1}{C} \sum_i w_i [y_i \log \sigma(x_i) + (1 - y_i) \log \sigma(-x_i)]`, reduced.

    Shape:
        - Input: :math:`(N, C)` or :math:`(C)`; Target: the same shape, of 0 and 1.
        - Output: scalar; :math:`(N)` with ``reduction='none'``.
    """
    __constants__ = ['reduction']

    def forward(self, input, target):
        return F.multilabel_soft_margin_loss(input, target, weight=self.weight, reduction=self.reduction)


class MultiMarginLoss(_WeightedLoss):
    r"""The multi-class hinge loss :math:`\frac{1}{C} \sum_{i \neq y} \max(0, w_y (\text{margin} - x_y + x_i))^p`
    for class indices ``y``; ``p`` is 1 or 2.

    Shape:
        - Input: :math:`(N, C)` or :math:`(C)`; Target: :math:`(N)` or :math:`()`, class indices.
        - Output: scalar; the target's shape with ``reduction='none'``.
    """
    __constants__ = ['p', 'margin', 'reduction']

    def __init__(self, p=1, margin=1.0, weight=None, size_average=None, reduce=None, reduction='mean'):
        super().__init__(weight, size_average, reduce, reduction)
        if p != 1 and p != 2:
            raise ValueError('only p == 1 and p == 2 supported')
        if weight is not None and weight.dim() != 1:
            raise ValueError(f'MultiMarginLoss: expected weight to be None or 1D tensor, got {weight.dim()}D instead')
        self.p = p
        self.margin = margin

    def forward(self, input, target):
        return F.multi_margin_loss(input, target, p=self.p, margin=self.margin, weight=self.weight,
                                   reduction=self.reduction)


class MultiLabelMarginLoss(_Loss):
    r"""The multi-label hinge loss: ``target`` lists each sample's classes (the list ends at the
    first -1); :math:`\sum_{j \in y} \sum_{i \notin y} \max(0, 1 - (x_j - x_i)) / C`.

    Shape:
        - Input: :math:`(N, C)` or :math:`(C)`; Target: the same shape, class indices padded with -1.
        - Output: scalar; :math:`(N)` with ``reduction='none'``.
    """
    __constants__ = ['reduction']

    def forward(self, input, target):
        return F.multilabel_margin_loss(input, target, reduction=self.reduction)


class TripletMarginWithDistanceLoss(_Loss):
    r"""``max(0, d(a, p) - d(a, n) + margin)`` with any distance function ``d`` of two tensors
    (default: :class:`PairwiseDistance`); ``swap`` uses ``min(d(a, n), d(p, n))``."""
    __constants__ = ['margin', 'swap', 'reduction']

    def __init__(self, *, distance_function=None, margin=1.0, swap=False, reduction='mean'):
        super().__init__(size_average=None, reduce=None, reduction=reduction)
        if margin <= 0:
            raise ValueError(f'TripletMarginWithDistanceLoss: expected margin to be greater than 0, got {margin} '
                             f'instead')
        from .distance import PairwiseDistance
        self.distance_function = distance_function if distance_function is not None else PairwiseDistance()
        self.margin = margin
        self.swap = swap

    def forward(self, anchor, positive, negative):
        return F.triplet_margin_with_distance_loss(anchor, positive, negative,
                                                   distance_function=self.distance_function, margin=self.margin,
                                                   swap=self.swap, reduction=self.reduction)


__all__ += ['HingeEmbeddingLoss', 'SoftMarginLoss', 'MultiLabelSoftMarginLoss', 'MultiMarginLoss',
            'MultiLabelMarginLoss', 'TripletMarginWithDistanceLoss']


class CTCLoss(_Loss):
    r"""The Connectionist Temporal Classification loss of (T, N, C) or (T, C) log-probabilities
    against unaligned targets (see :func:`ember.nn.functional.ctc_loss` for the shapes).

    Example::

        >>> ctc = nn.CTCLoss()
        >>> ctc(torch.randn(50, 16, 20).log_softmax(2), torch.randint(1, 20, (16, 30)), (50,) * 16, (30,) * 16)
    """
    __constants__ = ['blank', 'reduction']

    def __init__(self, blank=0, reduction='mean', zero_infinity=False):
        super().__init__(reduction=reduction)
        self.blank = blank
        self.zero_infinity = zero_infinity

    def forward(self, log_probs, targets, input_lengths, target_lengths):
        return F.ctc_loss(log_probs, targets, input_lengths, target_lengths, self.blank, self.reduction,
                          self.zero_infinity)


__all__ += ['CTCLoss']
