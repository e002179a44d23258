"""Variable-length sequences for the recurrent layers (``torch.nn.utils.rnn``): ``PackedSequence``,
``pad_sequence``, ``pack_padded_sequence``, ``pad_packed_sequence``, ``pack_sequence`` and their
inverses. Everything is built from ember ops (indexing, ``cat``, ``stack``), so gradients flow
through packing and padding.

Example:
    >>> a, b = ember.ones(3, 2), ember.ones(1, 2)
    >>> packed = pack_sequence([a, b])            # data (4, 2), batch_sizes tensor([2, 1, 1])
    >>> padded, lengths = pad_packed_sequence(packed)   # (3, 2, 2), tensor([3, 1])
"""
from collections.abc import Iterable
from typing import NamedTuple, Optional

import numpy as np

from ..._ops._core import fused_name

__all__ = ['PackedSequence', 'invert_permutation', 'pack_padded_sequence', 'pad_packed_sequence', 'pad_sequence',
           'unpad_sequence', 'pack_sequence', 'unpack_sequence']


def _E():
    import ember
    return ember


class PackedSequence_(NamedTuple):
    data: object
    batch_sizes: object
    sorted_indices: Optional[object]
    unsorted_indices: Optional[object]


def bind(optional, fn):
    if optional is None:
        return None
    return fn(optional)


class PackedSequence(PackedSequence_):
    r"""Holds the data and the list of ``batch_sizes`` of a packed sequence.

    Instances should not be created by hand but by :func:`pack_padded_sequence` or
    :func:`pack_sequence`. ``data`` holds the time steps one after another (each with as many
    rows as sequences still running); ``batch_sizes[t]`` is the number of rows at step ``t``.
    """

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        return super().__new__(cls, *_packed_sequence_init_args(data, batch_sizes, sorted_indices,
                                                                unsorted_indices))

    def pin_memory(self):
        return type(self)(self.data.pin_memory(), self.batch_sizes,
                          bind(self.sorted_indices, lambda t: t.pin_memory()),
                          bind(self.unsorted_indices, lambda t: t.pin_memory()))

    def to(self, *args, **kwargs):
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        sorted_indices = bind(self.sorted_indices, lambda t: t.to(data.device))
        unsorted_indices = bind(self.unsorted_indices, lambda t: t.to(data.device))
        return type(self)(data, self.batch_sizes, sorted_indices, unsorted_indices)

    def cuda(self, *args, **kwargs):
        kwargs.setdefault('device', 'cuda') if not args else None
        return self.to(*args, **kwargs)

    def cpu(self, *args, **kwargs):
        return self.to('cpu')

    def double(self):
        return self.to(dtype=_E().double)

    def float(self):
        return self.to(dtype=_E().float)

    def half(self):
        return self.to(dtype=_E().half)

    def long(self):
        return self.to(dtype=_E().long)

    def int(self):
        return self.to(dtype=_E().int)

    def short(self):
        return self.to(dtype=_E().short)

    def char(self):
        return self.to(dtype=_E().int8)

    def byte(self):
        return self.to(dtype=_E().uint8)

    @property
    def is_cuda(self):
        return self.data.is_cuda

    def is_pinned(self):
        return self.data.is_pinned()


def _packed_sequence_init_args(data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
    if unsorted_indices is None:
        unsorted_indices = invert_permutation(sorted_indices)
    if batch_sizes is not None:
        if batch_sizes.device.type != 'cpu':
            raise ValueError(
                'batch_sizes should always be on CPU. '
                'Instances of PackedSequence should never be created manually. '
                'They should be instantiated by functions like pack_sequence '
                'and pack_padded_sequences in nn.utils.rnn. '
                'https://pytorch.org/docs/stable/nn.html#torch.nn.utils.rnn.pack_sequence')
        return data, batch_sizes, sorted_indices, unsorted_indices
    if not (isinstance(data, (list, tuple)) and len(data) == 2):
        raise AssertionError('Expected data to be a list or tuple of length 2')
    return data[0], data[1], sorted_indices, unsorted_indices


def _packed_sequence_init(data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
    data, batch_sizes, sorted_indices, unsorted_indices = _packed_sequence_init_args(
        data, batch_sizes, sorted_indices, unsorted_indices)
    return PackedSequence(data, batch_sizes, sorted_indices, unsorted_indices)


def invert_permutation(permutation):
    """The inverse of a permutation tensor (``None`` stays ``None``)."""
    if permutation is None:
        return None
    E = _E()
    p = np.asarray(permutation.detach().cpu().tolist(), dtype=np.int64).reshape(-1)
    out = np.empty_like(p)
    out[p] = np.arange(p.size, dtype=np.int64)
    return E.tensor(out.tolist(), dtype=permutation.dtype, device=permutation.device)


def _pack_padded(input, lengths, batch_first):
    """``_VF._pack_padded_sequence``: (data, batch_sizes) from a padded tensor and sorted lengths."""
    E = _E()
    if lengths.dim() != 1 or lengths.device.type != 'cpu':     # (torch: lengths on a GPU are refused too)
        raise RuntimeError(f"'lengths' argument should be a 1D CPU int64 tensor, but got {lengths.dim()}D "
                           f'{lengths.device} Long tensor')
    if batch_first:
        input = input.transpose(0, 1)
    lens = [int(v) for v in lengths.tolist()]
    batch = input.size(1)
    if len(lens) != batch:
        raise RuntimeError(f'Expected `len(lengths)` to be equal to batch_size, but got {len(lens)} '
                           f'(batch_size={batch})')
    if not lens or lens[-1] <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element in 'lengths' "
                           'that is <= 0')
    for a, b in zip(lens, lens[1:]):
        if b > a:
            raise RuntimeError('`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. '
                               'You can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to '
                               'sidestep this requirement if you do not need ONNX exportability.')
    if lens[0] > input.size(0):
        raise RuntimeError(f'Expected sequence lengths to be at most the input length {input.size(0)}, '
                           f'but got {lens[0]}')
    batch_sizes = [sum(1 for n in lens if n > t) for t in range(lens[0])]
    data = fused_name(E.cat([input[t, :bs] for t, bs in enumerate(batch_sizes)], 0), 'PackPaddedSequenceBackward0')
    return data, E.tensor(batch_sizes, dtype=E.int64, device="cpu")     # always on the CPU, as in torch


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    r"""Pack a padded batch of variable-length sequences.

    ``input`` is ``(T, B, *)`` (or ``(B, T, *)`` with ``batch_first``); ``lengths`` the length of
    each sequence. With ``enforce_sorted=True`` the sequences must be sorted by decreasing length;
    otherwise they are sorted here and the permutation is kept in the result.
    """
    E = _E()
    if not isinstance(lengths, E.Tensor):
        lengths = E.as_tensor(lengths, dtype=E.int64, device='cpu')
    else:
        lengths = lengths.to(dtype=E.int64)
    if enforce_sorted:
        sorted_indices = None
    else:
        # torch's default sort, not a stable one: past 16 sequences tied lengths come out in
        # std::sort's order (a batch of 32 with repeated lengths)
        lengths, sorted_indices = E.sort(lengths, descending=True)
        sorted_indices = sorted_indices.to(input.device)
        batch_dim = 0 if batch_first else 1
        input = input.index_select(batch_dim, sorted_indices)
    data, batch_sizes = _pack_padded(input, lengths, batch_first)
    return _packed_sequence_init(data, batch_sizes, sorted_indices, None)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    r"""Pad a packed batch of variable-length sequences: the inverse of :func:`pack_padded_sequence`.

    Returns ``(padded, lengths)``: ``padded`` is ``(T, B, *)`` (``(B, T, *)`` with ``batch_first``),
    ``lengths`` an int64 tensor of the sequence lengths.
    """
    E = _E()
    batch_sizes = [int(v) for v in sequence.batch_sizes.tolist()]
    max_seq_length = len(batch_sizes)
    if total_length is not None:
        if total_length < max_seq_length:
            raise ValueError('Expected total_length to be at least the length '
                             'of the longest sequence in input, but got '
                             f'total_length={total_length} and max sequence length being {max_seq_length}')
        max_seq_length = total_length
    data = sequence.data
    batch = batch_sizes[0]
    rest = tuple(data.shape[1:])
    # as ATen's _pad_packed_sequence: each step copied into a (T, B, *) output (grad_fn=<CopySlices>),
    # then transposed for batch_first
    padded = E.full((max_seq_length, batch) + rest, padding_value, dtype=data.dtype, device=data.device)
    off = 0
    for t, bs in enumerate(batch_sizes):
        padded[t].narrow(0, 0, bs).copy_(data[off:off + bs])
        off += bs
    if batch_first:
        padded = padded.transpose(0, 1)
    lengths = E.tensor([sum(1 for bs in batch_sizes if bs > b) for b in range(batch)], dtype=E.int64, device="cpu")
    unsorted_indices = sequence.unsorted_indices
    if unsorted_indices is not None:
        batch_dim = 0 if batch_first else 1
        return padded.index_select(batch_dim, unsorted_indices), lengths[unsorted_indices.cpu()]
    return padded, lengths


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side='right'):
    r"""Stack a list of variable-length tensors ``(L_i, *)`` into ``(T, B, *)`` (``(B, T, *)`` with
    ``batch_first``), padding with ``padding_value`` on the ``padding_side`` (``'right'``/``'left'``).
    """
    E = _E()
    if not isinstance(sequences, Iterable):
        raise RuntimeError('pad_sequence: Expected iterable for input sequences, but got arg of type: '
                           f'{type(sequences)}')
    sequences = tuple(sequences)
    if padding_side not in ('left', 'right'):
        raise RuntimeError(f'Expected padding_side to be one of left or right, but got {padding_side}.')
    if len(sequences) == 0:
        raise RuntimeError('received an empty list of sequences')
    # as ATen's pad_sequence: an output of the first sequence's dtype and trailing shape, each
    # sequence copied in with copy_ (broadcasting, converting; grad_fn=<CopySlices>)
    if sequences[0].dim() == 0:         # (ATen slices the first one's sizes before any size(0))
        raise RuntimeError('ArrayRef: invalid slice, N = 1; size = 0')
    trailing = tuple(sequences[0].shape[1:])
    max_len = max(s.size(0) for s in sequences)
    b = len(sequences)
    out = E.full(((b, max_len) if batch_first else (max_len, b)) + trailing, padding_value,
                 dtype=sequences[0].dtype, device=sequences[0].device)
    for i, s in enumerate(sequences):
        n = s.size(0)
        start = max_len - n if padding_side == 'left' else 0
        dest = out.select(0, i).narrow(0, start, n) if batch_first else out.narrow(0, start, n).select(1, i)
        dest.copy_(s)
    return out


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """Split a padded tensor back into a list of variable-length tensors."""
    E = _E()
    if not batch_first:
        padded_sequences.transpose_(0, 1)        # in place, as torch does
    idx = E.arange(padded_sequences.shape[1], device=lengths.device)
    return [seq[idx < length] for seq, length in zip(padded_sequences, lengths, strict=True)]   # (as torch)


def pack_sequence(sequences, enforce_sorted=True):
    r"""Pack a list of variable-length tensors ``(L_i, *)``: ``pad_sequence`` then
    ``pack_padded_sequence``."""
    E = _E()
    lengths = E.as_tensor([v.size(0) for v in sequences])
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    """The list of tensors a :class:`PackedSequence` holds (the inverse of :func:`pack_sequence`)."""
    padded_sequences, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded_sequences, lengths, batch_first=True)

