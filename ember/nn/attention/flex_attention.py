"""``ember.nn.attention.flex_attention`` (``torch.nn.attention.flex_attention``): attention with a
user ``score_mod`` and a block-sparse ``BlockMask``, run eagerly as torch's reference path
(``torch._higher_order_ops.flex_attention.math_attention``) runs it.

torch vmaps ``score_mod(score, b, h, q_idx, kv_idx)`` and ``mask_mod(b, h, q_idx, kv_idx)`` over
the four index dimensions; ember calls each mod once on broadcast int64 index tensors of shapes
``(B,1,1,1)``, ``(1,H,1,1)``, ``(1,1,Q,1)``, ``(1,1,1,KV)`` (and a ``(B,H,Q,KV)`` score), which gives
the same values for element-wise mods and for mods that index a captured table (``bias[h]``,
``table[q_idx, kv_idx]``). Everything is made of ember ops, so autograd reaches queries, keys,
values and the tensors a ``score_mod`` captures (torch's CPU build refuses the backward; ember
does it on every device). As in torch's reference, only ``block_mask.mask_mod`` decides what is
masked: the block tables describe the sparsity for kernels.

Example:
    >>> from ember.nn.attention.flex_attention import flex_attention, create_block_mask
    >>> def causal(b, h, q_idx, kv_idx):
    ...     return q_idx >= kv_idx
    >>> block_mask = create_block_mask(causal, B=None, H=None, Q_LEN=256, KV_LEN=256)
    >>> out = flex_attention(q, k, v, score_mod=lambda s, b, h, q, kv: s + (q - kv), block_mask=block_mask)
"""
from __future__ import annotations

import functools
import inspect
import itertools
import math
import operator
import warnings
from collections.abc import Callable
from enum import Enum
from typing import NamedTuple, TypedDict

from ... import _dtype as D
from ..._tensor import Tensor
from ..._ops import creation as C
from .._functional.padding import pad

__all__ = ['BlockMask', 'flex_attention', 'AuxOutput', 'AuxRequest', 'FlexKernelOptions', 'create_block_mask',
           'create_mask', 'or_masks', 'and_masks', 'noop_mask']

_FLEX_ATTENTION_DISABLE_COMPILE_DEBUG = False
_WARNINGS_SHOWN: set = set()

_score_mod_signature = Callable[[Tensor, Tensor, Tensor, Tensor, Tensor], Tensor]
_mask_mod_signature = Callable[[Tensor, Tensor, Tensor, Tensor], Tensor]

_DEFAULT_SPARSE_BLOCK_SIZE = 128
_LARGE_SPARSE_BLOCK_SIZE = 1 << 30


def _warn_once(warning_id, message, category=UserWarning):
    if warning_id not in _WARNINGS_SHOWN:
        from ...compiler import is_compiling
        if not is_compiling():
            warnings.warn(message, category, stacklevel=3)
        _WARNINGS_SHOWN.add(warning_id)


class FlexKernelOptions(TypedDict, total=False):
    """Kernel options (``BLOCK_M``, ``PRESCALE_QK``, ``BACKEND``, ...): accepted and checked as
    torch checks them; ember's one eager implementation does not need them."""
    BACKEND: str
    PRESCALE_QK: bool
    ROWS_GUARANTEED_SAFE: bool
    BLOCKS_ARE_CONTIGUOUS: bool
    WRITE_DQ: bool
    FORCE_USE_FLEX_ATTENTION: bool


class AuxRequest(NamedTuple):
    """Which auxiliary outputs ``flex_attention(..., return_aux=...)`` computes."""
    lse: bool = False
    max_scores: bool = False


class AuxOutput(NamedTuple):
    """Auxiliary outputs of flex_attention; None where not requested."""
    lse: Tensor | None = None
    max_scores: Tensor | None = None


class _ModificationType(Enum):
    SCORE_MOD = 1
    MASK_MOD = 2
    UNKNOWN = 3


def _get_mod_type(fn):
    """SCORE_MOD for a function of 5 positional arguments, MASK_MOD for 4 (as torch counts them)."""
    if hasattr(fn, '__code__'):
        n = fn.__code__.co_argcount - len(getattr(fn, '__defaults__', None) or ())
    else:
        n = sum(1 for p in inspect.signature(fn).parameters.values() if p.default is inspect.Parameter.empty)
    if n not in (4, 5):
        raise AssertionError(f'Expected 4 or 5 positional args, got {n}')
    return _ModificationType.SCORE_MOD if n == 5 else _ModificationType.MASK_MOD


def _identity(score, batch, head, token_q, token_kv):
    return score


def noop_mask(batch, head, token_q, token_kv):
    """Returns a noop mask_mod"""
    return batch.new_ones((), dtype=D.bool_, device=batch.device)


def _sliced_mask_mod_error(batch, head, token_q, token_kv):
    raise RuntimeError(
        "Cannot use mask_mod from a sliced BlockMask. "
        "When you slice a BlockMask using [], the mask_mod attribute is reset. "
        "You must set it from the original BlockMask's mask_mod."
        "\n\nIncorrect usage:"
        "\n  base_mask = create_block_mask(my_mask_fn, ...)"
        "\n  sliced_mask = base_mask[:, :, block_idx]"
        "\n  sliced_mask.mask_mod = apply_offset(sliced_mask.mask_mod, offset)  # WRONG!"
        "\n\nCorrect usage:"
        "\n  base_mask = create_block_mask(my_mask_fn, ...)"
        "\n  sliced_mask = base_mask[:, :, block_idx]"
        "\n  sliced_mask.mask_mod = apply_offset(base_mask.mask_mod, offset)  # Use base_mask!")


def or_masks(*mask_mods):
    """Returns a mask_mod that's the union of provided mask_mods"""
    if not all(callable(arg) for arg in mask_mods):
        raise RuntimeError(f'All inputs should be callable mask_mods: {mask_mods}')

    def or_mask(b, h, q_idx, kv_idx):
        result = b.new_zeros((), dtype=D.bool_)
        for mask in mask_mods:
            result = result | mask(b, h, q_idx, kv_idx)
        return result
    return or_mask


def and_masks(*mask_mods):
    """Returns a mask_mod that's the intersection of provided mask_mods"""
    if not all(callable(arg) for arg in mask_mods):
        raise RuntimeError(f'All inputs should be callable mask_mods: {mask_mods}')

    def and_mask(b, h, q_idx, kv_idx):
        result = b.new_ones((), dtype=D.bool_)
        for mask in mask_mods:
            result = result & mask(b, h, q_idx, kv_idx)
        return result
    return and_mask


# ---- the index grid: what torch's four vmaps give, by broadcasting ----

def _index_grid(B, H, Q, KV, device):
    """int64 index tensors b (B,1,1,1), h (1,H,1,1), q_idx (1,1,Q,1), kv_idx (1,1,1,KV)."""
    return (C.arange(B, device=device).view(B, 1, 1, 1), C.arange(H, device=device).view(1, H, 1, 1),
            C.arange(Q, device=device).view(1, 1, Q, 1), C.arange(KV, device=device).view(1, 1, 1, KV))


def _full(x, shape):
    """A mod's result broadcast to the (B, H, Q, KV) grid (torch's vmap returns it whole)."""
    if not isinstance(x, Tensor):
        raise TypeError(f'a score_mod/mask_mod must return a Tensor, got {type(x).__name__}')
    return x if tuple(x.shape) == tuple(shape) else x.expand(*shape)


def _default_device(device):
    if device is None:
        from ... import accelerator
        device = accelerator.current_accelerator() or 'cpu'
    return device


def create_mask(mod_fn, B, H, Q_LEN, KV_LEN, device=None):
    r"""The dense ``(B, H, Q_LEN, KV_LEN)`` bool mask of a mask_mod (or of a score_mod: True where
    it does not give -inf). ``B``/``H`` None mean 1."""
    device = _default_device(device)
    B = 1 if B is None else B
    H = 1 if H is None else H
    b, h, m, n = _index_grid(B, H, Q_LEN, KV_LEN, device)
    shape = (B, H, Q_LEN, KV_LEN)
    if _get_mod_type(mod_fn) == _ModificationType.SCORE_MOD:
        out = _full(mod_fn(C.zeros(*shape, device=device), b, h, m, n), shape)
        return out.isneginf().logical_not()
    return _full(mod_fn(b, h, m, n), shape).contiguous()


# ---- the block tables ----

def _ordered_to_dense(num_blocks_in_row, col_indices, num_cols):
    """The dense int32 (..., rows, num_cols) block mask of (num_blocks, indices) tables."""
    max_entries = col_indices.shape[-1]
    dense = C.zeros(*col_indices.shape[:-1], num_cols + 1, dtype=D.int32, device=col_indices.device)
    in_row = C.arange(max_entries, dtype=D.int32, device=col_indices.device) < num_blocks_in_row.unsqueeze(-1)
    valid = col_indices.where(in_row, num_cols)            # entries past num_blocks land in a spare column
    dense.scatter_(-1, valid.long(), 1)
    return dense[..., :num_cols].contiguous()


def _dense_to_ordered(dense_mask):
    dense_mask = dense_mask.to(dtype=D.int32)
    num_blocks_in_row = dense_mask.sum(dim=-1)
    col_indices = dense_mask.argsort(dim=-1, descending=True, stable=True)
    return num_blocks_in_row.to(D.int32).contiguous(), col_indices.to(D.int32).contiguous()


def _transpose_ordered(num_blocks_in_row, col_indices):
    dense = _ordered_to_dense(num_blocks_in_row, col_indices, col_indices.shape[-1])
    return _dense_to_ordered(dense.transpose(-2, -1))


def _adjust_num_blocks_and_indices(num_blocks, indices, new_num_rows, new_num_cols):
    indices = indices[:, :, :new_num_rows, :new_num_cols]
    num_blocks = num_blocks[:, :, :new_num_rows]
    num_blocks = num_blocks.where(num_blocks < new_num_cols, new_num_cols)
    num_blocks = (indices < num_blocks[:, :, :, None]).sum(dim=-1).to(D.int32)
    return num_blocks, indices


class BlockMask:
    r"""A block-sparse attention mask (torch's BCSR-like format).

    ``kv_num_blocks`` (B, H, Q_BLOCKS) / ``kv_indices`` (B, H, Q_BLOCKS, KV_BLOCKS): for each row of
    query blocks, how many key blocks are partially masked, and which (first ``kv_num_blocks``
    entries). ``full_kv_*``: the same for blocks with nothing masked. ``q_*`` / ``full_q_*``: the
    transposed tables (for a backward kernel). ``BLOCK_SIZE``: (Q_BLOCK_SIZE, KV_BLOCK_SIZE);
    ``mask_mod``: the element-wise mask, which is what ``flex_attention`` applies.
    """
    _TENSOR_ATTRS = ['kv_num_blocks', 'kv_indices', 'full_kv_num_blocks', 'full_kv_indices', 'q_num_blocks',
                     'q_indices', 'full_q_num_blocks', 'full_q_indices', 'dq_write_order', 'dq_write_order_full',
                     'dq_kv_order']
    _CONTEXT_ATTRS = ['seq_lengths', 'BLOCK_SIZE', 'mask_mod', 'dq_kv_order_spt']

    def __init__(self, seq_lengths, kv_num_blocks, kv_indices, full_kv_num_blocks, full_kv_indices, q_num_blocks,
                 q_indices, full_q_num_blocks, full_q_indices,
                 BLOCK_SIZE=(_DEFAULT_SPARSE_BLOCK_SIZE, _DEFAULT_SPARSE_BLOCK_SIZE), mask_mod=noop_mask, *,
                 dq_write_order=None, dq_write_order_full=None, dq_kv_order=None, dq_kv_order_spt=None):
        if kv_indices.dim() < 2:
            raise RuntimeError('BlockMask must have at least 2 dimensions')
        if kv_num_blocks is None:
            raise AssertionError('kv_num_blocks must be provided')
        if (full_kv_num_blocks is None) != (full_kv_indices is None):
            raise AssertionError('full_kv_num_blocks and full_kv_indices must be both provided or omitted')
        if (full_q_num_blocks is None) != (full_q_indices is None):
            raise AssertionError('full_q_num_blocks and full_q_indices must be both provided or omitted')
        if dq_write_order_full is not None and dq_write_order is None:
            raise ValueError('dq_write_order_full requires dq_write_order')
        self.seq_lengths = seq_lengths
        self.kv_num_blocks, self.kv_indices = kv_num_blocks, kv_indices
        self.full_kv_num_blocks, self.full_kv_indices = full_kv_num_blocks, full_kv_indices
        self.q_num_blocks, self.q_indices = q_num_blocks, q_indices
        self.full_q_num_blocks, self.full_q_indices = full_q_num_blocks, full_q_indices
        self.dq_write_order, self.dq_write_order_full = dq_write_order, dq_write_order_full
        self.dq_kv_order, self.dq_kv_order_spt = dq_kv_order, dq_kv_order_spt
        self.BLOCK_SIZE = BLOCK_SIZE
        self.mask_mod = mask_mod

    @classmethod
    def from_kv_blocks(cls, kv_num_blocks, kv_indices, full_kv_num_blocks=None, full_kv_indices=None,
                       BLOCK_SIZE=_DEFAULT_SPARSE_BLOCK_SIZE, mask_mod=None, seq_lengths=None, compute_q_blocks=True,
                       *, dq_write_order=None, dq_write_order_full=None, dq_kv_order=None):
        """A BlockMask from its kv tables; the q tables are made by transposing them."""
        if kv_indices.dim() < 2:
            raise RuntimeError('BlockMask must have at least 2 dimensions')
        if (full_kv_num_blocks is None) != (full_kv_indices is None):
            raise AssertionError('full_kv_num_blocks and full_kv_indices must be both provided or omitted')
        q_num_blocks = q_indices = full_q_num_blocks = full_q_indices = None
        if compute_q_blocks:
            q_num_blocks, q_indices = _transpose_ordered(kv_num_blocks, kv_indices)
            if full_kv_num_blocks is not None:
                full_q_num_blocks, full_q_indices = _transpose_ordered(full_kv_num_blocks, full_kv_indices)
        if isinstance(BLOCK_SIZE, int):
            BLOCK_SIZE = (BLOCK_SIZE, BLOCK_SIZE)
        mask_mod = mask_mod if mask_mod is not None else noop_mask
        if seq_lengths is None:
            seq_lengths = (kv_indices.shape[-2] * BLOCK_SIZE[0], kv_indices.shape[-1] * BLOCK_SIZE[1])
        if dq_kv_order is not None and not isinstance(dq_kv_order, (bool, Tensor)):
            raise ValueError('dq_kv_order must be a bool, Tensor, or None')
        return cls(seq_lengths=seq_lengths, kv_num_blocks=kv_num_blocks, kv_indices=kv_indices,
                   full_kv_num_blocks=full_kv_num_blocks, full_kv_indices=full_kv_indices,
                   q_num_blocks=q_num_blocks, q_indices=q_indices, full_q_num_blocks=full_q_num_blocks,
                   full_q_indices=full_q_indices, BLOCK_SIZE=BLOCK_SIZE, mask_mod=mask_mod,
                   dq_write_order=dq_write_order, dq_write_order_full=dq_write_order_full,
                   dq_kv_order=dq_kv_order if isinstance(dq_kv_order, Tensor) else None,
                   dq_kv_order_spt=dq_kv_order if isinstance(dq_kv_order, bool) else None)

    def as_tuple(self, flatten=True):
        """The attributes as a tuple (BLOCK_SIZE and seq_lengths flattened unless ``flatten=False``)."""
        block_size = tuple(self.BLOCK_SIZE) if flatten else (self.BLOCK_SIZE,)
        seq_lengths = tuple(self.seq_lengths) if flatten else (self.seq_lengths,)
        return (*seq_lengths, self.kv_num_blocks, self.kv_indices, self.full_kv_num_blocks, self.full_kv_indices,
                self.q_num_blocks, self.q_indices, self.full_q_num_blocks, self.full_q_indices, self.dq_write_order,
                self.dq_write_order_full, self.dq_kv_order, self.dq_kv_order_spt, *block_size, self.mask_mod)

    @property
    def shape(self):
        return tuple(self.kv_indices.shape[:-2]) + tuple(self.seq_lengths)

    def __str__(self):
        return f'BlockMask(shape={self.shape}, sparsity={self.sparsity():.2f}%, \n' + self.to_string().strip() + '\n)'

    def __repr__(self):
        def shape_or_none(x):
            return x.shape if x is not None else None
        return (f'BlockMask(\n'
                f'    kv_num_blocks={self.kv_num_blocks.shape},\n'
                f'    kv_indices={self.kv_indices.shape},\n'
                f'    full_kv_num_blocks={shape_or_none(self.full_kv_num_blocks)},\n'
                f'    full_kv_indices={shape_or_none(self.full_kv_indices)},\n'
                f'    q_num_blocks={shape_or_none(self.q_num_blocks)},\n'
                f'    q_indices={shape_or_none(self.q_indices)},\n'
                f'    full_q_num_blocks={shape_or_none(self.full_q_num_blocks)},\n'
                f'    full_q_indices={shape_or_none(self.full_q_indices)},\n'
                f'    BLOCK_SIZE={self.BLOCK_SIZE},\n'
                f'    shape={self.shape},\n'
                f'    sparsity={self.sparsity():.2f}%,\n'
                f"    mask_mod={self.mask_mod.__name__ if hasattr(self.mask_mod, '__name__') else self.mask_mod}\n"
                f')')

    def __getitem__(self, index):
        """The mask of some batches / heads / query-block rows (``bm[0]``, ``bm[:, 1]``); its
        mask_mod is reset (set it from the original's)."""
        index = (index,) if not isinstance(index, tuple) else index
        padded = (*index, slice(None), slice(None), slice(None))[:3]
        sizes = self.kv_num_blocks.shape[:3]
        index = tuple((slice(i + n, i + n + 1) if -n <= i < 0 else slice(i, i + 1)) if isinstance(i, int) else i
                      for i, n in zip(padded, sizes))
        full = self.full_kv_num_blocks is not None
        new = BlockMask.from_kv_blocks(self.kv_num_blocks[index], self.kv_indices[index],
                                       self.full_kv_num_blocks[index] if full else None,
                                       self.full_kv_indices[index] if full else None, BLOCK_SIZE=self.BLOCK_SIZE,
                                       mask_mod=_sliced_mask_mod_error, seq_lengths=self.seq_lengths,
                                       compute_q_blocks=self.q_indices is not None)
        new.dq_kv_order_spt = self.dq_kv_order_spt
        return new

    def _adjust(self, new_q_len, new_kv_len):
        """The mask cropped to its upper-left (new_q_len, new_kv_len) corner."""
        rows = (new_q_len + self.BLOCK_SIZE[0] - 1) // self.BLOCK_SIZE[0]
        cols = (new_kv_len + self.BLOCK_SIZE[1] - 1) // self.BLOCK_SIZE[1]
        kv = _adjust_num_blocks_and_indices(self.kv_num_blocks, self.kv_indices, rows, cols)
        full = (None, None) if self.full_kv_num_blocks is None else \
            _adjust_num_blocks_and_indices(self.full_kv_num_blocks, self.full_kv_indices, rows, cols)
        new = self.from_kv_blocks(*kv, *full, BLOCK_SIZE=self.BLOCK_SIZE, mask_mod=self.mask_mod,
                                  seq_lengths=(new_q_len, new_kv_len), compute_q_blocks=self.q_indices is not None)
        new.dq_kv_order_spt = self.dq_kv_order_spt
        return new

    def numel(self):
        """Returns the number of elements (not accounting for sparsity) in the mask."""
        return functools.reduce(operator.mul, self.shape, 1)

    def sparsity(self):
        """Computes the percentage of blocks that are sparse (i.e. not computed)"""
        computed_blocks = self.kv_num_blocks.sum()
        if self.full_kv_num_blocks is not None:
            computed_blocks += self.full_kv_num_blocks.sum()
        computed_size = computed_blocks.item() * self.BLOCK_SIZE[0] * self.BLOCK_SIZE[1]
        return 100 * (1 - computed_size / self.numel())

    def to_dense(self):
        """Returns a dense block that is equivalent to the block mask."""
        partial = _ordered_to_dense(self.kv_num_blocks, self.kv_indices, self.kv_indices.shape[-1])
        if self.full_kv_num_blocks is not None:
            return partial | _ordered_to_dense(self.full_kv_num_blocks, self.full_kv_indices,
                                               self.full_kv_indices.shape[-1])
        return partial

    def to_string(self, grid_size=(20, 20), limit=4):
        """A picture of the block mask (full blocks '█', partial '░'), at most ``grid_size`` cells
        a side (-1: every block) and ``limit`` batch/head pairs."""
        dense = self.to_dense()
        *batch_dims, num_rows, num_cols = dense.shape
        if isinstance(grid_size, int) and grid_size != -1:
            max_rows = max_cols = grid_size
        elif grid_size == -1:
            max_rows, max_cols = num_rows, num_cols
        else:
            max_rows, max_cols = grid_size
        row_step = max(1, -(-num_rows // max_rows))
        col_step = max(1, -(-num_cols // max_cols))
        arr = dense.cpu().numpy()

        def summarize(section):
            frac = section.astype('float32').mean()
            return '█' if frac == 1 else ' ' if frac == 0 else '░'

        out = []
        for idx, batch_idx in enumerate(itertools.product(*[range(i) for i in batch_dims])):
            if idx == limit:
                out += ['...', 'To print out more, set BlockMask.to_string(limit=N)',
                        'You can also index (BlockMask[batch, head]) to choose a specific batch or head']
                break
            cur = arr[batch_idx]
            vis = f'{batch_idx}\n'
            for r in range(0, num_rows, row_step):
                vis += ''.join(summarize(cur[r:r + row_step, c:c + col_step]) * 2
                               for c in range(0, num_cols, col_step)) + '\n'
            out.append(vis)
        return '\n'.join(out)

    def to(self, device):
        """A new BlockMask with its tensors on ``device``."""
        moved = {a: (None if getattr(self, a) is None else getattr(self, a).to(device)) for a in self._TENSOR_ATTRS}
        return BlockMask(seq_lengths=self.seq_lengths, **moved, BLOCK_SIZE=self.BLOCK_SIZE, mask_mod=self.mask_mod,
                         dq_kv_order_spt=self.dq_kv_order_spt)


def _convert_mask_to_block_mask(mask, Q_BLOCK_SIZE=_DEFAULT_SPARSE_BLOCK_SIZE,
                                KV_BLOCK_SIZE=_DEFAULT_SPARSE_BLOCK_SIZE, separate_full_blocks=False):
    """Per (q block, kv block): int8 tables of partially masked blocks and of full ones."""
    if mask.dtype is not D.bool_:
        raise AssertionError(f'mask.dtype must be torch.bool, got {mask.dtype}')
    while mask.dim() < 4:
        mask = mask.unsqueeze(0)
    pad_q = -mask.shape[-2] % Q_BLOCK_SIZE
    pad_kv = -mask.shape[-1] % KV_BLOCK_SIZE
    if pad_q or pad_kv:
        mask = pad(mask, (0, pad_kv, 0, pad_q))
    B, H, Q, KV = mask.shape
    block_sum = mask.reshape(B, H, Q // Q_BLOCK_SIZE, Q_BLOCK_SIZE, KV // KV_BLOCK_SIZE, KV_BLOCK_SIZE) \
        .permute(0, 1, 2, 4, 3, 5).sum(dim=[-2, -1])
    if separate_full_blocks:
        full_sum = Q_BLOCK_SIZE * KV_BLOCK_SIZE
        full = block_sum == full_sum
        partial = (block_sum > 0) & (block_sum < full_sum)
        return partial.to(dtype=D.int8), full.to(dtype=D.int8)
    return (block_sum > 0).to(dtype=D.int8), None


def create_block_mask(mask_mod, B, H, Q_LEN, KV_LEN, device=None, BLOCK_SIZE=_DEFAULT_SPARSE_BLOCK_SIZE,
                      _compile=False, separate_full_blocks=True, compute_dq_write_order=False, dq_kv_order=True):
    r"""The BlockMask of ``mask_mod(b, h, q_idx, kv_idx) -> bool`` (True = attend) for a
    ``(B, H, Q_LEN, KV_LEN)`` problem (``B``/``H`` None: 1, broadcast over all). Blocks are
    ``BLOCK_SIZE`` (an int or (Q, KV)) a side; with ``separate_full_blocks`` the blocks with
    nothing masked are listed apart (``full_kv_*``).

    Example:
        >>> bm = create_block_mask(lambda b, h, q, kv: q >= kv, None, None, 512, 512)
    """
    device = _default_device(device)
    if _get_mod_type(mask_mod) != _ModificationType.MASK_MOD:
        raise AssertionError(f'create-block_mask requires a mask_mod function! Got {mask_mod}')
    B = 1 if B is None else B
    H = 1 if H is None else H
    Q_BLOCK_SIZE, KV_BLOCK_SIZE = (BLOCK_SIZE, BLOCK_SIZE) if isinstance(BLOCK_SIZE, int) else BLOCK_SIZE
    if _compile:
        warnings.warn('_compile flag on create_block_mask was originally added to work around a torch.compile '
                      'limitation. That limitation has since been addressed. So, to compile create_block_mask, we '
                      'suggest doing torch.compile(create_block_mask). This still works for now, but will be '
                      'removed in the future.', DeprecationWarning, stacklevel=2)
    if not isinstance(dq_kv_order, bool):
        raise ValueError('dq_kv_order must be a bool when using create_block_mask')
    if compute_dq_write_order:
        raise NotImplementedError('create_block_mask(compute_dq_write_order=True): the deterministic FLASH '
                                  'backward metadata is not supported by ember')
    mask = create_mask(mask_mod, B, H, Q_LEN, KV_LEN, device)
    partial, full = _convert_mask_to_block_mask(mask, Q_BLOCK_SIZE, KV_BLOCK_SIZE, separate_full_blocks)
    partial_bm = _dense_to_ordered(partial)
    full_bm = _dense_to_ordered(full) if full is not None else (None, None)
    return BlockMask.from_kv_blocks(partial_bm[0], partial_bm[1], full_bm[0], full_bm[1],
                                    BLOCK_SIZE=(Q_BLOCK_SIZE, KV_BLOCK_SIZE), mask_mod=mask_mod,
                                    seq_lengths=(Q_LEN, KV_LEN))


def _create_empty_block_mask(query, key):
    """The default: one block covering everything, mask_mod noop_mask."""
    return BlockMask.from_kv_blocks(kv_num_blocks=C.ones(1, 1, 1, dtype=D.int32, device=query.device),
                                    kv_indices=C.zeros(1, 1, 1, 1, dtype=D.int32, device=query.device),
                                    BLOCK_SIZE=_LARGE_SPARSE_BLOCK_SIZE, seq_lengths=(1, 1))


_BACKENDS = ('AUTO', 'TRITON', 'FLASH', 'TRITON_DECODE')


def _check_kernel_options(kernel_options, return_aux):
    opts = {} if kernel_options is None else dict(kernel_options)
    if 'BACKEND' in opts and opts.get('FORCE_USE_FLEX_ATTENTION', False):
        raise RuntimeError('BACKEND cannot be combined with legacy FORCE_USE_FLEX_ATTENTION. BACKEND supersedes the '
                           'legacy knob; please drop FORCE_USE_FLEX_ATTENTION and only specify the desired BACKEND.')
    if 'BACKEND' in opts and opts['BACKEND'] not in _BACKENDS:
        raise ValueError(f"Invalid BACKEND value '{opts['BACKEND']}'. Must be one of {_BACKENDS}")
    for k in ('OUTPUT_LOGSUMEXP', 'OUTPUT_MAX'):
        if k in opts:
            raise AssertionError(f'{k} must not be in kernel_options')
    if opts.get('BACKEND') == 'FLASH' and return_aux is not None and return_aux.max_scores:
        raise NotImplementedError("Returning max scores is not supported with BACKEND='FLASH'. "
                                  'Use return_aux=AuxRequest(lse=True) or omit max_scores.')


def _validate(query, key, value, block_mask, enable_gqa):
    if query.device != key.device or query.device != value.device:
        raise ValueError('Expected query, key, and value to have the same device type, but got query.device: '
                         f'{query.device}, key.device: {key.device}, and value.device: {value.device} instead.')
    if query.dim() < 2 or key.dim() < 2 or value.dim() < 2:
        raise ValueError('Expected query, key, and value to all be  at least 2 dimensional, but got query.dim: '
                         f'{query.dim()}, key.dim: {key.dim()} and value.dim: {value.dim()} instead.')
    if query.size(-1) != key.size(-1):
        raise ValueError('Expect query and key/value to have the same embedding dimension but got '
                         f'E={query.size(-1)} and E={key.size(-1)}.')
    if query.dim() != 4 or key.dim() != 4 or value.dim() != 4:
        raise NotImplementedError('NYI: query, key, and value must be 4D tensors')
    if not enable_gqa and query.size(-3) != key.size(-3):
        raise ValueError(f'Expect query and key/value to have the same number of heads but got Hq={query.size(-3)} '
                         f'and Hkv={key.size(-3)}. Try setting enable_gqa=True for GQA.')
    if enable_gqa and query.size(1) % key.size(1) != 0:
        raise ValueError('Expect number of query heads to be a multiple of kv heads for GQA but got '
                         f'Hq={query.size(1)} and Hkv={key.size(1)}.')
    if query.size(0) != key.size(0):
        if block_mask is None:
            raise ValueError('Expect query and key/value to have the same batch size, or non-none block_mask, '
                             f'but got block_mask=None, Bq={query.size(0)}, and Bkv={key.size(0)}.')
        if block_mask.kv_num_blocks.size(0) != query.size(0):
            raise ValueError('Expect query and key/value to have the same batch size, or block_mask and query to '
                             f'have the same batch size, but got Bq={query.size(0)}, Bkv={key.size(0)}, '
                             f'B_block_mask={block_mask.kv_num_blocks.size(0)}.')


def _check_block_mask_lengths(block_mask, query, key):
    if block_mask.BLOCK_SIZE[0] == _LARGE_SPARSE_BLOCK_SIZE and block_mask.BLOCK_SIZE[1] == _LARGE_SPARSE_BLOCK_SIZE:
        return
    q_len, kv_len = block_mask.shape[-2], block_mask.shape[-1]
    L, S = query.size(-2), key.size(-2)
    if L > q_len or S > kv_len:
        raise ValueError(f'block_mask was created for block_mask.shape={block_mask.shape} but got q_len={L} and '
                         f"kv_len={S}. As the block mask was created for a smaller length than you're using it for, "
                         'you likely need to create a new block mask.')
    if (L < q_len and S <= kv_len) or (L <= q_len and S < kv_len):
        raise ValueError(f'block_mask was created for block_mask.shape={block_mask.shape} but got q_len={L} and '
                         f"kv_len={S}. As the block mask was created for a larger length than you're using it for, "
                         'you can either 1. create a new block mask with the correct length, or 2. '
                         "'adjust' the existing block mask to the correct length by calling "
                         "block_mask._adjust(q_len, kv_len). This essentially 'crops' the block mask to the upper "
                         'left corner, which does not work for all mask_mods!')


def _math_attention(query, key, value, score_mod, mask_mod, scale, need_max):
    """torch's eager reference: scores in float32 (float64 for float64 inputs), score_mod, mask_mod
    (-inf), a softmax that gives 0 for fully masked rows; returns out, lse, max_scores."""
    G = query.size(1) // key.size(1)
    if G != 1:
        key, value = key.repeat_interleave(G, dim=1), value.repeat_interleave(G, dim=1)
    Bq, Bkv = query.size(0), key.size(0)
    if not (Bq == Bkv or (Bq > 1 and Bkv == 1)):
        raise RuntimeError(f'Bq and Bkv must broadcast. Got Bq={Bq} and Bkv={Bkv}')
    if Bkv != Bq:
        key, value = key.expand(Bq, *key.shape[1:]), value.expand(Bq, *value.shape[1:])
    wp = D.float64 if query.dtype is D.float64 else D.float32
    scores = (query.to(wp) @ key.to(wp).transpose(-2, -1)) * scale
    shape = tuple(scores.shape)
    b, h, m, n = _index_grid(*shape, scores.device)
    post = _full(score_mod(scores, b, h, m, n), shape)
    if mask_mod is not noop_mask:
        keep = _full(mask_mod(b, h, m, n), shape)
        post = post.where(keep, C.tensor(float('-inf'), dtype=wp, device=scores.device))
    elif not post.dtype.is_floating_point:              # (torch's where with a float -inf would promote)
        post = post.to(wp)
    dead = (post == float('-inf')).all(dim=-1, keepdim=True)          # fully masked rows
    safe = post.where(dead.logical_not(), 0.0)                         # keeps nan out of the backward
    lse = safe.logsumexp(dim=-1).where(dead.squeeze(-1).logical_not(), float('-inf'))
    p = safe.softmax(dim=-1).where(dead.logical_not(), 0.0)
    out = p.to(query.dtype) @ value.to(query.dtype)
    max_scores = post.amax(dim=-1) if need_max else None
    return out, lse, max_scores


def flex_attention(query, key, value, score_mod=None, block_mask=None, scale=None, enable_gqa=False,
                   return_lse=False, kernel_options=None, *, return_aux=None):
    r"""Attention with a score modification and a block mask:
    ``softmax(where(mask_mod, score_mod(Q K^T * scale, b, h, q_idx, kv_idx), -inf)) V``.

    query (B, Hq, L, E), key (B, Hkv, S, E), value (B, Hkv, S, Ev) -> (B, Hq, L, Ev).
    ``scale``: default 1/sqrt(E); ``enable_gqa``: Hq a multiple of Hkv, key/value heads repeated;
    ``return_lse`` (deprecated) or ``return_aux=AuxRequest(lse=True, max_scores=True)``: also the
    log-sum-exp (and max) of each row's scores, (B, Hq, L), in float32 (float64 for float64
    inputs). Fully masked rows give 0 output and -inf lse.

    Example:
        >>> out = flex_attention(q, k, v, score_mod=lambda s, b, h, qi, ki: s + (qi - ki))
    """
    _validate(query, key, value, block_mask, enable_gqa)
    if score_mod is None:
        score_mod = _identity
    if block_mask is None:
        block_mask = _create_empty_block_mask(query, key)
    if getattr(block_mask, 'mask_mod', None) is _sliced_mask_mod_error:
        raise RuntimeError('Cannot use mask_mod from a sliced BlockMask')
    _check_block_mask_lengths(block_mask, query, key)
    if scale is None:
        scale = 1.0 / math.sqrt(query.size(-1))
    if query.device != block_mask.kv_num_blocks.device:
        raise RuntimeError('Expect q/k/v and block_mask to be on the same device but got '
                           f'{query.device} and {block_mask.kv_num_blocks.device}.')
    if return_lse and return_aux is not None:
        raise ValueError('Cannot specify both return_lse and return_aux. '
                         'return_lse is deprecated, please use return_aux=AuxRequest(lse=True) instead.')
    if return_lse:
        _warn_once('deprecated_return_lse', 'return_lse is deprecated and will be removed in v2.10. '
                   'Please use return_aux=AuxRequest(lse=True) instead.', category=FutureWarning)
    _check_kernel_options(kernel_options, return_aux)
    if not _FLEX_ATTENTION_DISABLE_COMPILE_DEBUG:
        _warn_once('flex_attention_performance',
                   'flex_attention called without torch.compile() - this will use an unfused implementation that '
                   'materializes the full scores matrix instead of generating a fused kernel.\n\n'
                   'SOLUTION: Use torch.compile(flex_attention)(...)\n\n'
                   'If you want to debug your score_mod/mask_mod, you can set:\n'
                   'torch.nn.attention.flex_attention._FLEX_ATTENTION_DISABLE_COMPILE_DEBUG = True\n\n'
                   "This will allow you to use print statements or breakpoints. Note: This doesn't work with the "
                   'backwards pass and may produce incorrect results.')
    want_max = return_aux is not None and return_aux.max_scores
    from ...amp import autocast_mode as ac
    dev = query.device.type
    if ac.active and ac.is_autocast_enabled(dev):       # as torch's autocast rule: cast q/k/v, then no autocast
        dt = ac.get_autocast_dtype(dev)
        query, key, value = (ac._cast(t, dev, dt) for t in (query, key, value))
        with ac.autocast(dev, enabled=False):
            out, lse, max_scores = _math_attention(query, key, value, score_mod, block_mask.mask_mod, scale, want_max)
    else:
        out, lse, max_scores = _math_attention(query, key, value, score_mod, block_mask.mask_mod, scale, want_max)
    if return_aux is not None:
        return out, AuxOutput(lse=lse if return_aux.lse else None, max_scores=max_scores)
    if return_lse:
        return out, lse
    return out
