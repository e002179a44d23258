"""``ember.utils.data``: datasets, samplers and the ``DataLoader`` (torch.utils.data's API).

Example:
    >>> from ember.utils.data import Dataset, DataLoader
    >>> class Squares(Dataset):
    ...     def __len__(self): return 100
    ...     def __getitem__(self, i): return ember.tensor([float(i)]), i * i
    >>> x, y = next(iter(DataLoader(Squares(), batch_size=64, shuffle=True)))   # (64, 1), (64,)
"""
from .dataloader import _DatasetKind, DataLoader, default_collate, default_convert, get_worker_info
from .dataset import (ChainDataset, ConcatDataset, Dataset, IterableDataset, random_split, StackDataset, Subset,
                      TensorDataset)
from .sampler import (BatchSampler, RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler,
                      WeightedRandomSampler)
from ._utils.worker import WorkerInfo
from .distributed import DistributedSampler

__all__ = ['BatchSampler', 'ChainDataset', 'ConcatDataset', 'DataLoader', 'Dataset', 'DistributedSampler',
           'IterableDataset', 'RandomSampler', 'Sampler', 'SequentialSampler', 'StackDataset', 'Subset',
           'SubsetRandomSampler', 'TensorDataset', 'WeightedRandomSampler', '_DatasetKind', 'default_collate',
           'default_convert', 'get_worker_info', 'random_split']
