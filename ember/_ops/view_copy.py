"""The ``*_copy`` functions of torch (``view_copy``, ``permute_copy``, ``split_copy``, ...): the view
op's result in new memory. The gradient is the view op's own node, renamed as torch names it
(``grad_fn=<PermuteBackward0_copy>``), so a copy costs one graph node, as in torch.

Example:
    >>> y = ember.permute_copy(x, (1, 0))        # x.permute(1, 0), contiguous, not a view of x
"""
import sys

from .._tensor import Tensor, _wrap

_COPY_NODES = {}


def _copy(t, name, fn_cls_cache=_COPY_NODES):
    out = _wrap(t._data.copy(), t.dtype, t._device)
    fn = t.grad_fn
    if fn is not None and t._rg:
        key = (type(fn), name)
        cls = fn_cls_cache.get(key)
        if cls is None:
            cls = fn_cls_cache[key] = type(name, (type(fn),), {'__slots__': ()})
        if type(fn) is not cls:
            fn.__class__ = cls
        out._rg, out.grad_fn, out._out = True, fn, t._out
    return out


def _finish(v, name, out):
    if isinstance(v, Tensor):
        r = _copy(v, name)
        if out is not None:
            out.resize_(r.shape).copy_(r)
            return out
        return r
    r = tuple(_copy(t, name) for t in v)
    if out is not None:
        for o, t in zip(out, r):      # (torch resizes no tensor of an out= list: each must fit)
            o.copy_(t)
        return None
    return r


def view_copy(input, size, *, out=None):
    from .. import _dtype as D
    if isinstance(size, D.dtype):            # (a reinterpretation of the bits: not differentiable)
        return _finish(input.detach().view(size), 'ViewBackward0_copy', out)
    # (a copy needs no compatible strides: what view refuses on a non-contiguous input, reshape copies)
    return _finish(input.reshape(size), 'ViewBackward0_copy', out)


def permute_copy(input, dims, *, out=None):
    return _finish(input.permute(dims), 'PermuteBackward0_copy', out)


def transpose_copy(input, dim0, dim1, *, out=None):
    return _finish(input.transpose(dim0, dim1), 'TransposeBackward0_copy', out)


def t_copy(input, *, out=None):
    return _finish(input.t(), 'TBackward0_copy', out)


def squeeze_copy(input, dim=None, *, out=None):
    name = 'SqueezeBackward0_copy' if dim is None else 'SqueezeBackward2_copy' if isinstance(dim, (tuple, list)) \
        else 'SqueezeBackward1_copy'
    return _finish(input.squeeze() if dim is None else input.squeeze(dim), name, out)


def unsqueeze_copy(input, dim, *, out=None):
    return _finish(input.unsqueeze(dim), 'UnsqueezeBackward0_copy', out)


def expand_copy(input, size, *, implicit=False, out=None):
    return _finish(input.expand(size), 'ExpandBackward0_copy', out)


def detach_copy(input, *, out=None):
    return _finish(input.detach(), 'DetachBackward0_copy', out)


def diagonal_copy(input, offset=0, dim1=0, dim2=1, *, out=None):
    return _finish(input.diagonal(offset, dim1, dim2), 'DiagonalBackward0_copy', out)


def select_copy(input, dim, index, *, out=None):
    return _finish(input.select(dim, index), 'SelectBackward0_copy', out)


def slice_copy(input, dim=0, start=None, end=None, step=1, *, out=None):
    if step <= 0:
        raise RuntimeError('slice step must be positive')
    d = dim + input.dim() if dim < 0 else dim
    if not 0 <= d < max(input.dim(), 1):
        raise IndexError(f'Dimension out of range (expected to be in range of [{-input.dim()}, {input.dim() - 1}], '
                         f'but got {dim})')
    end = None if end is not None and end >= sys.maxsize else end
    return _finish(input[(slice(None),) * d + (slice(start, end, step),)], 'SliceBackward0_copy', out)


def split_copy(input, split_size, dim=0, *, out=None):
    return _finish(input.split(split_size, dim), 'SplitBackward0_copy', out)


def split_with_sizes_copy(input, split_sizes, dim=0, *, out=None):
    return _finish(input.split(list(split_sizes), dim), 'SplitWithSizesBackward0_copy', out)


def unbind_copy(input, dim=0, *, out=None):
    return _finish(input.unbind(dim), 'UnbindBackward0_copy', out)


def unfold_copy(input, dimension, size, step, *, out=None):
    return _finish(input.unfold(dimension, size, step), 'UnfoldBackward0_copy', out)


def alias_copy(input, *, out=None):
    return _finish(input.view_as(input), 'AliasBackward0_copy', out)


def as_strided_copy(input, size, stride, storage_offset=None, *, out=None):
    from .strided import as_strided
    return _finish(as_strided(input, size, stride, storage_offset), 'AsStridedBackward0_copy', out)


def view_as_real_copy(input, *, out=None):
    from .complex import view_as_real
    return _finish(view_as_real(input), 'ViewAsRealBackward0_copy', out)


def view_as_complex_copy(input, *, out=None):
    from .complex import view_as_complex
    from ._core import needs_grad
    if needs_grad(input):
        raise RuntimeError('view_as_complex_copy does not support automatic differentiation for outputs with complex '
                           'dtype.')
    return _finish(view_as_complex(input), 'ViewAsComplexBackward0_copy', out)


__all__ = ['view_copy', 'permute_copy', 'transpose_copy', 't_copy', 'squeeze_copy', 'unsqueeze_copy', 'expand_copy',
           'detach_copy', 'diagonal_copy', 'select_copy', 'slice_copy', 'split_copy', 'split_with_sizes_copy',
           'unbind_copy', 'unfold_copy', 'alias_copy', 'as_strided_copy', 'view_as_real_copy', 'view_as_complex_copy']
