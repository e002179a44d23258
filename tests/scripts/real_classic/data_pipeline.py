"""Data-loading plumbing: a custom Sampler and a BatchSampler grouping by length, WeightedRandomSampler
and RandomSampler driven by a torch.Generator, SubsetRandomSampler, ConcatDataset / Subset /
random_split, a collate_fn padding variable-length sequences with pad_sequence, default_collate of
dicts / tuples / numbers / strings, worker_init_fn and generator with num_workers=0."""
import random

import numpy as np
import torch
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import (BatchSampler, ConcatDataset, DataLoader, Dataset, RandomSampler, Sampler,
                              SequentialSampler, Subset, SubsetRandomSampler, TensorDataset,
                              WeightedRandomSampler, random_split)
from torch.utils.data.dataloader import default_collate
from torch.utils.data.distributed import DistributedSampler

torch.manual_seed(0)


class SeqDataset(Dataset):
    def __init__(self, n):
        g = torch.Generator().manual_seed(5)
        self.lengths = torch.randint(2, 8, (n,), generator=g).tolist()
        self.items = [torch.arange(L) + i for i, L in enumerate(self.lengths)]

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return {'tokens': self.items[i], 'label': i % 3, 'name': f'seq{i}'}


class SortedLengthSampler(Sampler):
    def __init__(self, lengths):
        self.lengths = lengths

    def __iter__(self):
        return iter(sorted(range(len(self.lengths)), key=lambda i: (self.lengths[i], i)))

    def __len__(self):
        return len(self.lengths)


def pad_collate(batch):
    toks = [b['tokens'] for b in batch]
    lengths = torch.tensor([len(t) for t in toks])
    padded = pad_sequence(toks, batch_first=True, padding_value=-1)
    labels = torch.tensor([b['label'] for b in batch])
    return padded, lengths, labels, [b['name'] for b in batch]


ds = SeqDataset(10)
print('lengths', ds.lengths)
loader = DataLoader(ds, batch_sampler=BatchSampler(SortedLengthSampler(ds.lengths), batch_size=4, drop_last=False),
                    collate_fn=pad_collate)
print('num batches', len(loader))
for padded, lengths, labels, names in loader:
    print(padded.shape, lengths.tolist(), labels.tolist(), names)
print('batch sampler list', list(BatchSampler(SequentialSampler(range(7)), 3, drop_last=True)))
print('pad seq first', pad_sequence([torch.ones(2), torch.ones(3) * 2]).tolist())

# default_collate of dicts / tuples / numbers
batch = default_collate([{'tokens': torch.arange(3), 'label': 1, 'name': 'a'}, {'tokens': torch.arange(3, 6), 'label': 2, 'name': 'b'}])
print('collate dict keys', sorted(batch), type(batch['label']).__name__, batch['label'].tolist(), batch['name'], batch['tokens'].tolist())
tup = default_collate([(1, 2.5, np.float32(1.5), torch.tensor([1, 2])), (3, 4.5, np.float32(0.5), torch.tensor([3, 4]))])
print('collate tuple', [type(t).__name__ for t in tup], [t.dtype for t in tup], tup[3].tolist())
print('collate nested', default_collate([{'a': (1, 2)}, {'a': (3, 4)}]))
print('collate numpy', default_collate([np.array([1.0, 2.0]), np.array([3.0, 4.0])]).dtype)

# weighted sampling with a generator
g = torch.Generator()
g.manual_seed(123)
weights = torch.tensor([0.1, 0.1, 0.8, 0.0, 1.0])
ws = WeightedRandomSampler(weights, num_samples=12, replacement=True, generator=g)
draw = list(ws)
print('weighted', draw, 'never 3', 3 not in draw)
g.manual_seed(123)
print('repeatable', list(ws) == draw)
ws2 = WeightedRandomSampler([1.0, 2.0, 3.0, 4.0], num_samples=3, replacement=False, generator=torch.Generator().manual_seed(7))
print('no replacement', list(ws2))
print('random sampler', list(RandomSampler(range(8), generator=torch.Generator().manual_seed(3))))
print('random sampler replacement', list(RandomSampler(range(8), replacement=True, num_samples=5, generator=torch.Generator().manual_seed(3))))
srs = SubsetRandomSampler([10, 11, 12, 13, 14], generator=torch.Generator().manual_seed(9))
print('subset random', list(srs), len(srs))

# concat / subset / random_split
a = TensorDataset(torch.arange(5).float(), torch.zeros(5))
b = TensorDataset(torch.arange(10, 13).float(), torch.ones(3))
cat = ConcatDataset([a, b])
print('concat', len(cat), cat.cumulative_sizes, cat[6], cat[-1])
sub = Subset(cat, [0, 5, 7])
print('subset', [sub[i][0].item() for i in range(len(sub))])
tr, va = random_split(cat, [6, 2], generator=torch.Generator().manual_seed(42))
print('split', tr.indices, va.indices)
p1, p2, p3 = random_split(range(10), [0.5, 0.3, 0.2], generator=torch.Generator().manual_seed(1))
print('fraction split', list(p1), list(p2), list(p3))

seen = []


def worker_init_fn(worker_id):
    seen.append(worker_id)
    np.random.seed(torch.initial_seed() % 2 ** 32)
    random.seed(worker_id)


loader = DataLoader(cat, batch_size=3, shuffle=True, num_workers=0, worker_init_fn=worker_init_fn,
                    generator=torch.Generator().manual_seed(11), drop_last=True)
for x, y in loader:
    print('shuffled', x.tolist(), y.tolist())
print('worker_init calls', seen, len(loader))
loader = DataLoader(cat, batch_size=4, sampler=SubsetRandomSampler(range(6), generator=torch.Generator().manual_seed(2)))
print('sampler loader', [x.tolist() for x, _ in loader])
torch.manual_seed(4)
print('global-seed shuffle', [x.tolist() for x, _ in DataLoader(a, batch_size=5, shuffle=True)])
dl = DataLoader(ds, batch_size=3, collate_fn=lambda b: b)
print('identity collate', [len(b) for b in dl], type(next(iter(dl))).__name__)

# sharding by hand, as a DDP script does (explicit num_replicas / rank: no process group)
for rank in range(3):
    ds_sampler = DistributedSampler(range(10), num_replicas=3, rank=rank, shuffle=True, seed=7)
    per_epoch = []
    for epoch in range(2):
        ds_sampler.set_epoch(epoch)
        per_epoch.append(list(ds_sampler))
    print('rank', rank, per_epoch, len(ds_sampler))
print('drop_last shard', list(DistributedSampler(range(10), num_replicas=3, rank=2, shuffle=False, drop_last=True)))
