"""``ember.optim``: optimizers and learning-rate schedulers (``torch.optim``).

Example:
    >>> opt = ember.optim.Adam(model.parameters(), lr=1e-3)
    >>> sched = ember.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=100)
    >>> for x, y in data:
    ...     opt.zero_grad(); loss_fn(model(x), y).backward(); opt.step()
    ...     sched.step()
"""
from . import lr_scheduler
from .optimizer import Optimizer
from .sgd import SGD
from .adam import Adam
from .adamw import AdamW
from .rmsprop import RMSprop
from .adagrad import Adagrad
from .adamax import Adamax
from .nadam import NAdam
from .radam import RAdam
from .adadelta import Adadelta
from .rprop import Rprop
from .asgd import ASGD
from .lbfgs import LBFGS
from ._adafactor import Adafactor
from ._muon import Muon
from .sparse_adam import SparseAdam

__all__ = ['Adafactor', 'Adadelta', 'Adagrad', 'Adam', 'Adamax', 'AdamW', 'ASGD', 'LBFGS', 'lr_scheduler', 'NAdam',
           'Muon', 'Optimizer', 'RAdam', 'RMSprop', 'Rprop', 'SGD', 'SparseAdam']

# torch.optim drops its submodule names (``torch.optim.adam`` is an AttributeError there; the
# modules stay importable as ``torch.optim.adam``)
del adadelta, adagrad, adam, adamw, adamax, sgd, radam, rmsprop, optimizer, nadam, rprop, asgd, lbfgs, sparse_adam  # noqa: F821
from . import swa_utils  # noqa: E402,F401  (AveragedModel, SWALR, update_bn)
