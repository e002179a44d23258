"""IterableDataset, worker info, default_collate of namedtuples/dicts/numpy, DistributedSampler
with set_epoch, ChainDataset, a custom batch sampler, and a prefetching loop."""
import collections
import math
import numpy as np
import torch
from torch.utils.data import (IterableDataset, DataLoader, Dataset, TensorDataset, ChainDataset,
                              DistributedSampler, Sampler, get_worker_info, default_collate)

torch.manual_seed(17)


class Stream(IterableDataset):
    def __init__(self, start, end):
        super().__init__()
        self.start, self.end = start, end

    def __iter__(self):
        info = get_worker_info()
        print('worker info', info)
        return iter(torch.arange(self.start, self.end).float() ** 2)


for b in DataLoader(Stream(0, 7), batch_size=3):
    print(b)
print(list(DataLoader(Stream(1, 4), batch_size=None)))
for b in DataLoader(ChainDataset([Stream(0, 2), Stream(5, 7)]), batch_size=2, drop_last=False):
    print(b)

Point = collections.namedtuple('Point', ['x', 'y'])
print(default_collate([Point(1, 2.0), Point(3, 4.0)]))
print(default_collate([{'img': torch.ones(2), 'label': 1, 'meta': {'id': 'a'}},
                       {'img': torch.zeros(2), 'label': 0, 'meta': {'id': 'b'}}]))
print(default_collate([np.array([1, 2]), np.array([3, 4])]))
print(default_collate([1.5, 2.5]).dtype, default_collate([True, False]), default_collate(['a', 'b']))
print(default_collate([(torch.tensor(1), 'x'), (torch.tensor(2), 'y')]))

ds = TensorDataset(torch.arange(10))
for rank in range(2):
    s = DistributedSampler(ds, num_replicas=2, rank=rank, shuffle=True, seed=0)
    out = []
    for epoch in range(2):
        s.set_epoch(epoch)
        out.append(list(s))
    print('rank', rank, out, len(s))
print(list(DistributedSampler(ds, num_replicas=3, rank=2, shuffle=False)))
print(list(DistributedSampler(ds, num_replicas=3, rank=2, shuffle=False, drop_last=True)))


class BucketBatchSampler(Sampler):
    def __init__(self, lengths, batch_size):
        self.lengths, self.batch_size = lengths, batch_size

    def __iter__(self):
        order = torch.argsort(torch.tensor(self.lengths), stable=True).tolist()
        batches = [order[i:i + self.batch_size] for i in range(0, len(order), self.batch_size)]
        for j in torch.randperm(len(batches)).tolist():
            yield batches[j]

    def __len__(self):
        return math.ceil(len(self.lengths) / self.batch_size)


lengths = [5, 2, 8, 3, 3, 7, 1, 6]


class Seqs(Dataset):
    def __len__(self):
        return len(lengths)

    def __getitem__(self, i):
        return torch.full((lengths[i],), i)


def pad_collate(batch):
    return torch.nn.utils.rnn.pad_sequence(batch, batch_first=True, padding_value=-1)


dl = DataLoader(Seqs(), batch_sampler=BucketBatchSampler(lengths, 3), collate_fn=pad_collate)
print(len(dl))
for b in dl:
    print(b)
dl = DataLoader(TensorDataset(torch.randn(10, 2), torch.arange(10)), batch_size=4, shuffle=True, drop_last=True,
                num_workers=0, pin_memory=False)
print(len(dl), dl.batch_size, dl.drop_last, type(dl.sampler).__name__, type(dl.batch_sampler).__name__)
for epoch in range(2):
    it = iter(dl)
    x, y = next(it)
    print(epoch, y, x.shape)
print(len(dl.dataset))
