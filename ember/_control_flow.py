"""``torch.cond`` and ``torch.while_loop``: the control-flow operators torch.export traces; eagerly
(which is what ember runs) they are an if and a while over the operands.

Example:
    >>> ember.cond(x.sum() > 0, lambda a: a.sin(), lambda a: a.cos(), (x,))
    >>> ember.while_loop(lambda i, a: i < 3, lambda i, a: (i + 1, a * 2), (ember.tensor(0), x))
"""
from ._tensor import Tensor

__all__ = ['cond', 'while_loop']


def _truth(pred, what):
    if isinstance(pred, Tensor):
        if pred.numel() != 1:
            raise RuntimeError(f'Expected {what} to be bool or single-element tensor, but got {pred}.')
        return bool(pred.item())
    if isinstance(pred, (bool, int, float)):
        return bool(pred)
    raise RuntimeError(f'Expected {what} to be bool or tensor, but got {pred}.')


def cond(pred, true_fn, false_fn, operands=()):
    """``true_fn(*operands)`` if ``pred`` else ``false_fn(*operands)``; pred a bool or a one-element tensor."""
    return (true_fn if _truth(pred, 'pred') else false_fn)(*operands)


def while_loop(cond_fn, body_fn, carried_inputs):
    """Apply ``body_fn`` to the carried values while ``cond_fn`` of them is true; returns them as a tuple."""
    if not isinstance(carried_inputs, (tuple, list)):
        raise RuntimeError(f'carried_inputs must be a tuple or list but got {type(carried_inputs)}')
    carried = tuple(carried_inputs)
    while _truth(cond_fn(*carried), 'cond_fn to return a boolean'):
        out = body_fn(*carried)
        carried = tuple(out) if isinstance(out, (tuple, list)) else (out,)
        if len(carried) != len(carried_inputs):
            raise RuntimeError(f'body_fn should return the same number of elements as carried_inputs: got '
                               f'{len(carried)} and {len(carried_inputs)}')
    return carried
