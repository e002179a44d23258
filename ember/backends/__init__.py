"""``ember.backends``: the switches of ``torch.backends`` that scripts commonly set or ask about.

ember has no cuDNN or MPS: ``mps.is_available()`` is False, ``cudnn.is_available()`` follows
``ember.cuda.is_available()`` (CuPy's kernels stand in for cuDNN's), and the flags
(``cudnn.benchmark``, ``cudnn.deterministic``, ``cuda.matmul.allow_tf32``) are kept so that a
script can set them, but they change nothing.

Example:
    >>> ember.backends.mps.is_available()     # False
    >>> ember.backends.cudnn.benchmark = True  # accepted, no effect
"""
from . import cuda, cudnn, mha, mps  # noqa: F401
