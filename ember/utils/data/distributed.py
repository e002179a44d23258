"""``DistributedSampler``: each of ``num_replicas`` processes takes its own share of the indices.

ember has no process groups, so ``num_replicas`` and ``rank`` must be given (as torch needs an
initialised process group to find them). With ``shuffle``, each epoch's order is a ``randperm``
from a generator seeded with ``seed + epoch`` (call ``set_epoch`` each epoch), as in torch.

Example:
    >>> list(DistributedSampler(range(10), num_replicas=3, rank=2, shuffle=False))
    [2, 5, 8, 1]
"""
import math

from ..._random import Generator
from ..._ops.creation import randperm
from .sampler import Sampler

__all__ = ['DistributedSampler']


class DistributedSampler(Sampler):
    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0, drop_last=False):
        if num_replicas is None or rank is None:
            raise ValueError('Default process group has not been initialized, please make sure to call '
                             'init_process_group.')
        if rank >= num_replicas or rank < 0:
            raise ValueError(f'Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]')
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        if self.drop_last and len(self.dataset) % self.num_replicas != 0:
            self.num_samples = math.ceil((len(self.dataset) - self.num_replicas) / self.num_replicas)
        else:
            self.num_samples = math.ceil(len(self.dataset) / self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def __iter__(self):
        if self.shuffle:
            g = Generator()
            g.manual_seed(self.seed + self.epoch)
            indices = randperm(len(self.dataset), generator=g).tolist()
        else:
            indices = list(range(len(self.dataset)))
        if not self.drop_last:
            padding_size = self.total_size - len(indices)
            if padding_size <= len(indices):
                indices += indices[:padding_size]
            else:
                indices += (indices * math.ceil(padding_size / len(indices)))[:padding_size]
        else:
            indices = indices[:self.total_size]
        indices = indices[self.rank:self.total_size:self.num_replicas]
        return iter(indices)

    def __len__(self):
        return self.num_samples

    def set_epoch(self, epoch):
        self.epoch = epoch
