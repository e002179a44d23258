"""``ember.backends.mha``: the switch of torch's fast path for ``TransformerEncoder`` and
``MultiheadAttention``. ember computes the reference path only; the switch keeps the one visible
effect of that fast path: an eval-mode ``TransformerEncoder`` given a left-aligned
``src_key_padding_mask`` (no grad) runs on nested tensors and returns zeros at padded positions.
"""
_is_fastpath_enabled = True


def get_fastpath_enabled():
    """Whether the fast path for TransformerEncoder and MultiheadAttention is enabled."""
    return _is_fastpath_enabled


def set_fastpath_enabled(value):
    """Set whether the fast path is enabled."""
    global _is_fastpath_enabled
    _is_fastpath_enabled = value
