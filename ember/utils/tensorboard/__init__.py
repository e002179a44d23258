"""``ember.utils.tensorboard`` (``torch.utils.tensorboard``): log to TensorBoard event files.

As in torch, this is Python on top of the ``tensorboard`` package (its event-file writer and
protobufs), which must be installed (``pip install tensorboard``, or ember's ``tensorboard``
extra); without it, importing this module raises the ``ImportError`` that torch raises.

Example:
    >>> from ember.utils.tensorboard import SummaryWriter
    >>> with SummaryWriter('runs/exp1') as w:
    ...     w.add_scalar('loss', 0.25, 0)
"""
import tensorboard

if not hasattr(tensorboard, '__version__') or tuple(
        int(p) if p.isdigit() else 0 for p in tensorboard.__version__.split('.')[:2]) < (1, 15):
    raise ImportError('TensorBoard logging requires TensorBoard version 1.15 or above')

del tensorboard

from .writer import FileWriter, SummaryWriter  # noqa: E402
from tensorboard.summary.writer.record_writer import RecordWriter  # noqa: E402

__all__ = ['FileWriter', 'RecordWriter', 'SummaryWriter']
