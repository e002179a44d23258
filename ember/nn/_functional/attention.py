"""Attention: ``scaled_dot_product_attention`` and ``multi_head_attention_forward`` (torch's
slow, reference path), with the mask helpers ``_canonical_mask`` / ``_none_or_dtype``.

Everything is built from differentiable ember ops (matmul, softmax, dropout, linear), so
autograd gives the gradients of queries, keys, values, masks and projection weights.

Example:
    >>> q = k = v = ember.randn(2, 4, 5, 8)
    >>> F.scaled_dot_product_attention(q, k, v, is_causal=True).shape   # torch.Size([2, 4, 5, 8])
"""
import math
import warnings

from ... import _dtype as D
from ..._tensor import Tensor
from ..._ops import creation as C
from ..._ops.shape import cat
from .activation import softmax
from .dropout import dropout
from .linear import linear
from .padding import pad

__all__ = ['scaled_dot_product_attention', 'multi_head_attention_forward']


def _is_float(t):
    return t.dtype.is_floating_point


def _canonical_mask(mask, mask_name, other_type, other_name, target_type, check_other=True):
    """A bool mask becomes a float one (-inf where True); float masks pass through."""
    if mask is not None:
        _mask_dtype = mask.dtype
        _mask_is_float = _is_float(mask)
        if _mask_dtype is not D.bool_ and not _mask_is_float:
            raise AssertionError(f'only bool and floating types of {mask_name} are supported')
        if check_other and other_type is not None:
            if _mask_dtype != other_type:
                warnings.warn(f'Support for mismatched {mask_name} and {other_name} '
                              'is deprecated. Use same type for both instead.', stacklevel=2)
        if not _mask_is_float:
            mask = C.zeros_like(mask, dtype=target_type).masked_fill_(mask, float('-inf'))
    return mask


# True while nn.MultiheadAttention runs a call torch would send to its native fast path
# (_native_multi_head_attention: eval, no grad, batch_first self-attention, ...), whose plain softmax
# gives nan for a query with every key masked out
_NATIVE_MHA = [False]


def _none_or_dtype(input):
    if input is None:
        return None
    if isinstance(input, Tensor):
        return input.dtype
    raise RuntimeError('input to _none_or_dtype() must be None or torch.Tensor')


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None,
                                 enable_gqa=False):
    r"""softmax(Q K^T * scale + mask) V over the last two dims (batch dims broadcast).

    ``attn_mask``: bool (True = take part) or float (added to the scores), broadcastable to
    ``(..., L, S)``; ``is_causal``: a lower-triangular mask (combined with ``attn_mask`` if given);
    ``scale``: default ``1/sqrt(E)``; ``enable_gqa``: keys/values with fewer heads are repeated."""
    for name, t in (('query', query), ('key', key), ('value', value)):
        if not isinstance(t, Tensor):
            pos = ('query', 'key', 'value').index(name) + 1
            raise TypeError(f"scaled_dot_product_attention(): argument '{name}' (position {pos}) must be Tensor, "
                            f'not {type(t).__name__}')
    if not (query.dtype == key.dtype == value.dtype):
        raise RuntimeError('Expected query, key, and value to have the same dtype, but got query.dtype: '
                           f'{query.dtype} key.dtype: {key.dtype} and value.dtype: {value.dtype} instead.')
    if query.dim() < 2 or key.dim() < 2 or value.dim() < 2:
        raise RuntimeError(f'Expected query, key, and value to all be  at least 2 dimensional, but got query.dim: '
                           f'{query.dim()} key.dim: {key.dim()} and value.dim: {value.dim()} instead.')
    L, S = query.size(-2), key.size(-2)
    scale_factor = 1 / math.sqrt(query.size(-1)) if scale is None else scale
    bias = None
    if is_causal:
        keep = C.ones(L, S, dtype=D.bool_, device=query.device).tril(diagonal=0)
        bias = C.zeros(L, S, dtype=query.dtype, device=query.device).masked_fill_(keep.logical_not(), float('-inf'))
    if attn_mask is not None:
        if attn_mask.dtype is D.bool_:
            m = C.zeros(attn_mask.shape, dtype=query.dtype, device=query.device).masked_fill_(attn_mask.logical_not(), float('-inf'))
        else:
            m = attn_mask
        bias = m if bias is None else m + bias       # with is_causal, both apply (as torch)
    if enable_gqa and query.dim() >= 3 and key.size(-3) != query.size(-3):
        key = key.repeat_interleave(query.size(-3) // key.size(-3), -3)
        value = value.repeat_interleave(query.size(-3) // value.size(-3), -3)
    w = (query @ key.transpose(-2, -1)) * scale_factor
    if bias is not None:
        w = w + bias
        # torch's kernels (flash on the CPU, the math path's _safe_softmax) give a query whose keys
        # are all masked out zeros, not nan (left-padded histories under a causal mask), and a zero
        # gradient; nn.MultiheadAttention's native fast path (_NATIVE_MHA) keeps softmax's nan
        dead = None if _NATIVE_MHA[0] else (w == float('-inf')).all(dim=-1, keepdim=True)
        if dead is not None and bool(dead.any()):
            w = softmax(w.masked_fill(dead, 0.0), dim=-1).masked_fill(dead, 0.0)
        else:
            w = softmax(w, dim=-1)
    else:
        w = softmax(w, dim=-1)
    if dropout_p > 0.0:
        w = dropout(w, dropout_p, training=True)
    return w @ value


def _in_projection_packed(q, k, v, w, b=None):
    E = q.size(-1)
    if k is v and q is k:
        proj = linear(q, w, b)
        return proj[..., :E], proj[..., E:2 * E], proj[..., 2 * E:]
    w_q, w_k, w_v = w.chunk(3)
    b_q, b_k, b_v = (None, None, None) if b is None else b.chunk(3)
    return linear(q, w_q, b_q), linear(k, w_k, b_k), linear(v, w_v, b_v)


def _in_projection(q, k, v, w_q, w_k, w_v, b_q=None, b_k=None, b_v=None):
    Eq, Ek, Ev = q.size(-1), k.size(-1), v.size(-1)
    if w_q.shape != (Eq, Eq):
        raise AssertionError(f'expecting query weights shape of {(Eq, Eq)}, but got {w_q.shape}')
    if w_k.shape != (Eq, Ek):
        raise AssertionError(f'expecting key weights shape of {(Eq, Ek)}, but got {w_k.shape}')
    if w_v.shape != (Eq, Ev):
        raise AssertionError(f'expecting value weights shape of {(Eq, Ev)}, but got {w_v.shape}')
    return linear(q, w_q, b_q), linear(k, w_k, b_k), linear(v, w_v, b_v)


def _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads):
    if query.dim() == 3:
        is_batched = True
        if key.dim() != 3 or value.dim() != 3:
            raise AssertionError('For batched (3-D) `query`, expected `key` and `value` to be 3-D'
                                 f' but found {key.dim()}-D and {value.dim()}-D tensors respectively')
        if key_padding_mask is not None and key_padding_mask.dim() != 2:
            raise AssertionError('For batched (3-D) `query`, expected `key_padding_mask` to be `None` or 2-D'
                                 f' but found {key_padding_mask.dim()}-D tensor instead')
        if attn_mask is not None and attn_mask.dim() not in (2, 3):
            raise AssertionError('For batched (3-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D'
                                 f' but found {attn_mask.dim()}-D tensor instead')
    elif query.dim() == 2:
        is_batched = False
        if key.dim() != 2 or value.dim() != 2:
            raise AssertionError('For unbatched (2-D) `query`, expected `key` and `value` to be 2-D'
                                 f' but found {key.dim()}-D and {value.dim()}-D tensors respectively')
        if key_padding_mask is not None and key_padding_mask.dim() != 1:
            raise AssertionError('For unbatched (2-D) `query`, expected `key_padding_mask` to be `None` or 1-D'
                                 f' but found {key_padding_mask.dim()}-D tensor instead')
        if attn_mask is not None:
            if attn_mask.dim() not in (2, 3):
                raise AssertionError('For unbatched (2-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D'
                                     f' but found {attn_mask.dim()}-D tensor instead')
            if attn_mask.dim() == 3:
                expected_shape = (num_heads, query.shape[0], key.shape[0])
                if attn_mask.shape != expected_shape:
                    raise AssertionError(f'Expected `attn_mask` shape to be {expected_shape} but got '
                                         f'{attn_mask.shape}')
    else:
        raise AssertionError(f'query should be unbatched 2D or batched 3D tensor but received {query.dim()}-D query '
                             'tensor')
    return is_batched


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias,
                                 bias_k, bias_v, add_zero_attn, dropout_p, out_proj_weight, out_proj_bias,
                                 training=True, key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None, k_proj_weight=None,
                                 v_proj_weight=None, static_k=None, static_v=None, average_attn_weights=True,
                                 is_causal=False):
    """Multi-head attention over (L, N, E) / (L, E) inputs, as torch's reference path."""
    is_batched = _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not is_batched:
        query = query.unsqueeze(1)
        key = key.unsqueeze(1)
        value = value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    src_len = key.shape[0]
    key_padding_mask = _canonical_mask(key_padding_mask, 'key_padding_mask', _none_or_dtype(attn_mask), 'attn_mask',
                                       query.dtype)
    if is_causal and attn_mask is None:
        raise RuntimeError('Need attn_mask if specifying the is_causal hint. You may use the Transformer module '
                           'method `generate_square_subsequent_mask` to create this mask.')
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None
    else:
        attn_mask = _canonical_mask(attn_mask, 'attn_mask', None, '', query.dtype, check_other=False)
        if key_padding_mask is not None:
            is_causal = False
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f'was expecting embedding dimension of {embed_dim_to_check}, but got {embed_dim}')
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f'embed_dim {embed_dim} not divisible by num_heads {num_heads}')
    if use_separate_proj_weight:
        if key.shape[:2] != value.shape[:2]:
            raise AssertionError(f"key's sequence and batch dims {key.shape[:2]} do not match value's "
                                 f'{value.shape[:2]}')
    elif key.shape != value.shape:
        raise AssertionError(f'key shape {key.shape} does not match value shape {value.shape}')
    if not use_separate_proj_weight:
        if in_proj_weight is None:
            raise AssertionError('use_separate_proj_weight is False but in_proj_weight is None')
        q, k, v = _in_projection_packed(query, key, value, in_proj_weight, in_proj_bias)
    else:
        for n, w in (('q', q_proj_weight), ('k', k_proj_weight), ('v', v_proj_weight)):
            if w is None:
                raise AssertionError(f'use_separate_proj_weight is True but {n}_proj_weight is None')
        b_q, b_k, b_v = (None, None, None) if in_proj_bias is None else in_proj_bias.chunk(3)
        q, k, v = _in_projection(query, key, value, q_proj_weight, k_proj_weight, v_proj_weight, b_q, b_k, b_v)
    if attn_mask is not None:
        if attn_mask.dim() == 2:
            correct_2d_size = (tgt_len, src_len)
            if attn_mask.shape != correct_2d_size:
                raise RuntimeError(f'The shape of the 2D attn_mask is {attn_mask.shape}, but should be '
                                   f'{correct_2d_size}.')
            attn_mask = attn_mask.unsqueeze(0)
        elif attn_mask.dim() == 3:
            correct_3d_size = (bsz * num_heads, tgt_len, src_len)
            if attn_mask.shape != correct_3d_size:
                raise RuntimeError(f'The shape of the 3D attn_mask is {attn_mask.shape}, but should be '
                                   f'{correct_3d_size}.')
        else:
            raise RuntimeError(f"attn_mask's dimension {attn_mask.dim()} is not supported")
    if bias_k is not None and bias_v is not None:
        if static_k is not None:
            raise AssertionError('bias cannot be added to static key.')
        if static_v is not None:
            raise AssertionError('bias cannot be added to static value.')
        k = cat([k, bias_k.repeat(1, bsz, 1)])
        v = cat([v, bias_v.repeat(1, bsz, 1)])
        if attn_mask is not None:
            attn_mask = pad(attn_mask, (0, 1))
        if key_padding_mask is not None:
            key_padding_mask = pad(key_padding_mask, (0, 1))
    else:
        if bias_k is not None:
            raise AssertionError('bias_k is set but bias_v is None')
        if bias_v is not None:
            raise AssertionError('bias_v is set but bias_k is None')
    q = q.reshape(tgt_len, bsz * num_heads, head_dim).transpose(0, 1)
    if static_k is None:
        k = k.reshape(k.shape[0], bsz * num_heads, head_dim).transpose(0, 1)
    else:
        if static_k.size(0) != bsz * num_heads:
            raise AssertionError(f'expecting static_k.size(0) of {bsz * num_heads}, but got {static_k.size(0)}')
        if static_k.size(2) != head_dim:
            raise AssertionError(f'expecting static_k.size(2) of {head_dim}, but got {static_k.size(2)}')
        k = static_k
    if static_v is None:
        v = v.reshape(v.shape[0], bsz * num_heads, head_dim).transpose(0, 1)
    else:
        if static_v.size(0) != bsz * num_heads:
            raise AssertionError(f'expecting static_v.size(0) of {bsz * num_heads}, but got {static_v.size(0)}')
        if static_v.size(2) != head_dim:
            raise AssertionError(f'expecting static_v.size(2) of {head_dim}, but got {static_v.size(2)}')
        v = static_v
    if add_zero_attn:
        zero_attn_shape = (bsz * num_heads, 1, head_dim)
        k = cat([k, C.zeros(zero_attn_shape, dtype=k.dtype, device=k.device)], dim=1)
        v = cat([v, C.zeros(zero_attn_shape, dtype=v.dtype, device=v.device)], dim=1)
        if attn_mask is not None:
            attn_mask = pad(attn_mask, (0, 1))
        if key_padding_mask is not None:
            key_padding_mask = pad(key_padding_mask, (0, 1))
    src_len = k.size(1)
    if key_padding_mask is not None:
        if key_padding_mask.shape[0] != bsz:
            raise AssertionError(f'Expected key_padded_mask.shape[0] to be {bsz}, but got {key_padding_mask.shape[0]}')
        if key_padding_mask.shape[1] != src_len:
            raise AssertionError(f'Expected key_padded_mask.shape[1] to be {src_len}, but got '
                                 f'{key_padding_mask.shape[1]}')
        key_padding_mask = (key_padding_mask.reshape(bsz, 1, 1, src_len).expand(-1, num_heads, -1, -1)
                            .reshape(bsz * num_heads, 1, src_len))
        attn_mask = key_padding_mask if attn_mask is None else attn_mask + key_padding_mask
    if not training:
        dropout_p = 0.0
    if need_weights:
        E = q.shape[2]
        q_scaled = q * math.sqrt(1.0 / float(E))
        if is_causal and attn_mask is None:
            raise AssertionError('FIXME: is_causal not implemented for need_weights')
        w = q_scaled @ k.transpose(-2, -1)
        if attn_mask is not None:
            w = attn_mask + w
        w = softmax(w, dim=-1)
        if dropout_p > 0.0:
            w = dropout(w, p=dropout_p)
        attn_output = w @ v
        attn_output = attn_output.transpose(0, 1).reshape(tgt_len * bsz, embed_dim)
        attn_output = linear(attn_output, out_proj_weight, out_proj_bias)
        attn_output = attn_output.reshape(tgt_len, bsz, attn_output.size(1))
        w = w.reshape(bsz, num_heads, tgt_len, src_len)
        if average_attn_weights:
            w = w.mean(dim=1)
        if not is_batched:
            attn_output = attn_output.squeeze(1)
            w = w.squeeze(0)
        return attn_output, w
    if attn_mask is not None:
        if attn_mask.size(0) == 1 and attn_mask.dim() == 3:
            attn_mask = attn_mask.unsqueeze(0)
        else:
            attn_mask = attn_mask.reshape(bsz, num_heads, -1, src_len)
    q = q.reshape(bsz, num_heads, tgt_len, head_dim)
    k = k.reshape(bsz, num_heads, src_len, head_dim)
    v = v.reshape(bsz, num_heads, src_len, head_dim)
    attn_output = scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal)
    attn_output = attn_output.permute(2, 0, 1, 3).reshape(bsz * tgt_len, embed_dim)
    attn_output = linear(attn_output, out_proj_weight, out_proj_bias)
    attn_output = attn_output.reshape(tgt_len, bsz, attn_output.size(1))
    if not is_batched:
        attn_output = attn_output.squeeze(1)
    return attn_output, None
