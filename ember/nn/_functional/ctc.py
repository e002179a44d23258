"""``ctc_loss``: the Connectionist Temporal Classification loss (Graves et al., 2006).

The negative log likelihood of each target sequence, summed over all its alignments with the
input frames, by the alpha (forward) recursion over the target extended with blanks
(``b l1 b l2 ... b``), in log space, vectorised over the batch. The backward runs the beta
recursion and gives torch's gradient wrt ``log_probs``: ``exp(lp) - posterior`` per frame (the
``exp(lp)`` term makes it the logits' gradient through a ``log_softmax``, as torch's kernel does),
zero past each input length.

Example:
    >>> lp = ember.randn(50, 16, 20).log_softmax(2).requires_grad_()
    >>> F.ctc_loss(lp, ember.randint(1, 20, (16, 30)), (50,) * 16, (30,) * 16).backward()
"""
import numpy as np

from ..._tensor import Tensor
from ...autograd.function import Function
from ...autograd.graph import Node
from ..._ops import creation as C
from ...amp import autocast_mode as _amp
from ._util import reduction_string, need_tensor, not_implemented

__all__ = ['ctc_loss']

_NEG = -np.inf


def _lse(*xs):
    """log(sum(exp)) of same-shape arrays, -inf (not nan) where all are -inf."""
    m = xs[0]
    for x in xs[1:]:
        m = np.maximum(m, x)
    ms = np.where(np.isfinite(m), m, 0.0)
    s = sum(np.exp(x - ms) for x in xs)
    with np.errstate(divide='ignore', invalid='ignore'):
        return np.where(s > 0, np.log(s) + ms, np.where(np.isnan(s), np.nan, _NEG))


def _shift(a, k):
    """a (.., L) shifted along the last axis, right by k (left for k < 0), -inf filled."""
    out = np.full_like(a, _NEG)
    L = a.shape[-1]
    if k > 0:
        out[..., k:] = a[..., :L - k]
    else:
        out[..., :L + k] = a[..., -k:]
    return out


def _alpha_beta(lp, ext, il, tl, need_beta):
    """lp (T, N, C) float64; ext (N, L) extended labels; il, tl (N,) ints -> nll (N,), alpha, beta."""
    T, N, _ = lp.shape
    L = ext.shape[1]
    lpe = lp[:, np.arange(N)[:, None], ext]                        # (T, N, L)
    s = np.arange(L)
    valid = s[None, :] < (2 * tl + 1)[:, None]
    prev2 = np.concatenate([np.full((N, 2), -1), ext[:, :-2]], 1)
    skip = (s[None, :] % 2 == 1) & (s[None, :] >= 2) & (ext != prev2)
    alpha = np.full((T, N, L), _NEG)
    a0 = np.full((N, L), _NEG)
    a0[:, 0] = lpe[0, :, 0]
    if L > 1:
        a0[:, 1] = np.where(tl > 0, lpe[0, :, 1], _NEG)
    alpha[0] = np.where(valid, a0, _NEG)
    for t in range(1, T):
        a = alpha[t - 1]
        r = _lse(a, _shift(a, 1), np.where(skip, _shift(a, 2), _NEG)) + lpe[t]
        alpha[t] = np.where(valid, r, _NEG)
    n = np.arange(N)
    last = np.maximum(il - 1, 0)
    end = alpha[last, n, 2 * tl]
    end2 = np.where(tl > 0, alpha[last, n, np.maximum(2 * tl - 1, 0)], _NEG)
    nll = -_lse(end, end2)
    nll = np.where(il > 0, nll, np.where(tl == 0, 0.0, np.inf))
    if not need_beta:
        return nll, alpha, None, lpe
    beta = np.full((T, N, L), _NEG)
    b0 = np.full((N, L), _NEG)
    b0[n, 2 * tl] = lpe[last, n, 2 * tl]
    pos = n[tl > 0]
    b0[pos, 2 * tl[pos] - 1] = lpe[last[pos], pos, 2 * tl[pos] - 1]
    skip_next = np.concatenate([skip[:, 2:], np.zeros((N, 2), bool)], 1)   # may s jump to s + 2
    nxt = np.full((N, L), _NEG)
    for t in range(T - 1, -1, -1):
        r = _lse(nxt, _shift(nxt, -1), np.where(skip_next, _shift(nxt, -2), _NEG)) + lpe[t]
        cur = np.where((t == il - 1)[:, None], b0, np.where((t < il - 1)[:, None], r, _NEG))
        cur = np.where(valid, cur, _NEG)
        beta[t] = cur
        nxt = cur
    return nll, alpha, beta, lpe


class _CTC(Function):
    @staticmethod
    def forward(ctx, log_probs, ext, il, tl, zero_infinity):
        lp = np.asarray(log_probs.detach().cpu()._data, dtype=np.float64)    # (host recursion, also for CuPy)
        with np.errstate(invalid='ignore', over='ignore'):
            nll, alpha, beta, lpe = _alpha_beta(lp, ext, il, tl, log_probs.requires_grad)
        ctx.state = (lp, lpe, ext, il, tl, zero_infinity, nll, alpha, beta)
        out = np.where(np.isinf(nll), 0.0, nll) if zero_infinity else nll
        return C.tensor(out, dtype=log_probs.dtype, device=log_probs.device)

    @staticmethod
    def backward(ctx, grad):
        lp, lpe, ext, il, tl, zero_infinity, nll, alpha, beta = ctx.state
        T, N, Cn = lp.shape
        gr = np.asarray(grad.detach().cpu()._data, dtype=np.float64)
        with np.errstate(invalid='ignore', over='ignore'):
            # the posterior of each extended position, then summed per class
            post = np.exp(alpha + beta + nll[None, :, None] - lpe)
            post = np.where(np.isnan(post) & np.isfinite(nll)[None, :, None], 0.0, post)
            occ = np.zeros((T, N, Cn))
            ti, ni, si = np.meshgrid(np.arange(T), np.arange(N), np.arange(ext.shape[1]), indexing='ij')
            np.add.at(occ, (ti, ni, ext[ni, si]), post)
            g = (np.exp(lp) - occ) * gr[None, :, None]
        # an impossible alignment (nll inf): 0 with zero_infinity, else nan as torch's -inf + inf
        g = np.where(np.isinf(nll)[None, :, None], 0.0 if zero_infinity else np.nan, g)
        g = np.where((np.arange(T)[:, None] < il[None, :])[..., None], g, 0.0)
        return (C.tensor(g, dtype=grad.dtype, device=grad.device), None, None, None, None)


# the node prints as torch's native op's (reduction='none': grad_fn=<CtcLossBackward0>, its repr
# <CtcLossBackward0 object at ...>), not as a custom Function's <..._CTCBackward object at ...>
_CTC._backward_cls.__name__ = _CTC._backward_cls.__qualname__ = 'CtcLossBackward0'
_CTC._backward_cls.__repr__ = Node.__repr__


def _lengths(v, name):
    if isinstance(v, Tensor):
        if v.dtype.is_floating_point or v.dtype.is_complex:
            raise RuntimeError(f'{name} must be integral')
        return np.asarray(v.detach().cpu()._data, dtype=np.int64).reshape(-1)
    if isinstance(v, (int, np.integer)):
        raise TypeError(f'ctc_loss(): argument \'{name}\' must be tuple of ints or Tensor, not int')
    return np.asarray([int(i) for i in v], dtype=np.int64).reshape(-1)


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction='mean', zero_infinity=False):
    r"""The CTC loss of ``log_probs`` against unaligned ``targets``.

    Shapes: log_probs (T, N, C) or (T, C) (log-softmax outputs); targets (N, S) padded or 1-D,
    the targets concatenated (``sum(target_lengths)``); input_lengths, target_lengths (N,) ints
    (tuples or tensors). Returns (N,) for ``reduction='none'``; 'mean' divides each loss by its
    target length, then averages over the batch.

    Example::

        >>> lp = torch.randn(50, 16, 20).log_softmax(2).detach().requires_grad_()
        >>> F.ctc_loss(lp, torch.randint(1, 20, (16, 30)), (50,) * 16, (30,) * 16)
    """
    need_tensor('ctc_loss', log_probs, 'log_probs')
    need_tensor('ctc_loss', targets, 'targets', 2)
    if _amp.active:     # autocast: on torch's CPU "float32" list
        log_probs, = _amp.higher_op('ctc_loss', log_probs)
    reduction = reduction_string(None, None, reduction)
    il, tl = _lengths(input_lengths, 'input_lengths'), _lengths(target_lengths, 'target_lengths')
    unbatched = log_probs.dim() == 2
    if unbatched:
        log_probs = log_probs.unsqueeze(1)
        if targets.dim() == 1 and len(tl) == 1:
            targets = targets.unsqueeze(0)
    if not log_probs.dtype.is_floating_point or log_probs.dtype.np == np.float16 and log_probs.device.type == 'cpu':
        raise not_implemented('ctc_loss_cpu', log_probs.dtype)      # (torch's CPU kernel has no Half)
    if log_probs.dim() != 3:
        raise RuntimeError(f'ctc_loss: expected log_probs to be 2-D or 3-D, but got {log_probs.dim()}-D')
    T, N, Cn = log_probs.shape
    if not 0 <= blank < Cn:
        raise RuntimeError('blank must be in label range')
    if len(il) != N:
        raise RuntimeError('input_lengths must be of size batch_size')
    if len(tl) != N:
        raise RuntimeError('target_lengths must be of size batch_size')
    for name, v, hi in (('input_lengths', il, T), ('target_lengths', tl, None)):
        if (v < 0).any():
            raise RuntimeError(f'Expected {name} to have value at least 0, but got value {int(v.min())} (while '
                               f'checking arguments for ctc_loss_allocate_outputs)')
        if hi is not None and (v > hi).any():
            raise RuntimeError(f'Expected {name} to have value at most {hi}, but got value {int(v.max())} (while '
                               f'checking arguments for ctc_loss_allocate_outputs)')
    tg = np.asarray(targets.detach().cpu()._data).astype(np.int64)
    Smax = int(tl.max()) if N else 0
    if targets.dim() == 1:
        if tg.shape[0] < tl.sum():
            raise RuntimeError(f'Expected tensor to have size at least {int(tl.sum())} at dimension 0, but got size '
                               f'{tg.shape[0]} for argument #2 \'targets\' (while checking arguments for '
                               f'ctc_loss_allocate_outputs)')
        offs = np.concatenate([[0], np.cumsum(tl)[:-1]])
        padded = np.zeros((N, Smax), np.int64)
        for n in range(N):
            padded[n, :tl[n]] = tg[offs[n]:offs[n] + tl[n]]
    else:
        if tg.shape[1] < Smax:
            raise RuntimeError(f'Expected tensor to have size at least {Smax} at dimension 1, but got size '
                               f'{tg.shape[1]} for argument #2 \'targets\' (while checking arguments for '
                               f'ctc_loss_allocate_outputs)')
        padded = tg[:, :Smax]
    padded = np.where(np.arange(Smax)[None, :] < tl[:, None], padded, blank)
    if ((padded < 0) | (padded >= Cn)).any():
        raise IndexError('ctc_loss: target index out of range')
    ext = np.full((N, 2 * Smax + 1), blank, np.int64)
    ext[:, 1::2] = padded
    loss = _CTC.apply(log_probs, ext, il, tl, bool(zero_infinity))
    if reduction == 'mean':
        div = C.tensor(np.maximum(tl, 1), dtype=loss.dtype, device=loss.device)
        loss = (loss / div).mean()
    elif reduction == 'sum':
        loss = loss.sum()
    elif unbatched:
        loss = loss.squeeze(0)
    return loss
