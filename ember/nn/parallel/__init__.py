"""``ember.nn.parallel``: ``DataParallel`` and ``DistributedDataParallel`` (``torch.nn.parallel``).

Example:
    >>> model = nn.DataParallel(nn.Linear(3, 2))      # no GPU: calls the module as it is
    >>> list(model.state_dict())                      # ['module.weight', 'module.bias']
"""
from .data_parallel import DataParallel, data_parallel
from .distributed import DistributedDataParallel

__all__ = ['DataParallel', 'data_parallel', 'DistributedDataParallel']
