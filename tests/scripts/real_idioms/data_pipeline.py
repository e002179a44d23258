"""A data pipeline the way training repositories wire it up: train/val/test random_split with
fractional lengths and a seeded generator, class-balanced sampling with WeightedRandomSampler
(inverse class frequency, its own generator), k-fold cross-validation with SubsetRandomSampler,
ConcatDataset of heterogeneous datasets, nested Subsets, a dict-returning dataset with a collate_fn
that pads with pad_sequence and builds attention masks, a BatchSampler over a length-sorted
sampler, worker seeding helpers, and a tiny model trained per fold."""
import random
from collections import Counter

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import (BatchSampler, ConcatDataset, DataLoader, Dataset, RandomSampler, Sampler,
                              SequentialSampler, Subset, SubsetRandomSampler, TensorDataset,
                              WeightedRandomSampler, random_split)


def seed_everything(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def seed_worker(worker_id):
    worker_seed = torch.initial_seed() % 2 ** 32
    np.random.seed(worker_seed)
    random.seed(worker_seed)


seed_everything(0)
N = 60
X = torch.randn(N, 5)
y = torch.cat([torch.zeros(42), torch.ones(12), torch.full((6,), 2)]).long()
y = y[torch.randperm(N)]
ds = TensorDataset(X, y)
print(len(ds), ds[3][0].shape, ds[3][1], type(ds[3]).__name__)

print('--- random_split with fractions and a generator')
g = torch.Generator().manual_seed(42)
train_ds, val_ds, test_ds = random_split(ds, [0.7, 0.2, 0.1], generator=g)
print(len(train_ds), len(val_ds), len(test_ds), type(train_ds).__name__)
print(train_ds.indices[:8], val_ds.indices[:5], test_ds.indices)
a, b = random_split(range(10), [7, 3], generator=torch.Generator().manual_seed(1))
print(list(a), list(b))
try:
    random_split(ds, [50, 5])
except ValueError as e:
    print('ValueError:', e)

print('--- class-balanced sampling')
train_labels = torch.stack([train_ds[i][1] for i in range(len(train_ds))])
class_counts = torch.bincount(train_labels, minlength=3)
class_weights = 1.0 / class_counts.float()
sample_weights = class_weights[train_labels]
print('counts', class_counts.tolist(), 'weights', class_weights)
sampler = WeightedRandomSampler(sample_weights, num_samples=len(sample_weights), replacement=True,
                                generator=torch.Generator().manual_seed(3))
print(len(sampler), sampler.num_samples, sampler.replacement, sampler.weights.dtype)
loader = DataLoader(train_ds, batch_size=14, sampler=sampler, worker_init_fn=seed_worker)
print('batches', len(loader))
for epoch in range(2):
    seen = Counter()
    for xb, yb in loader:
        seen.update(yb.tolist())
    print(f'epoch {epoch} sampled class counts {sorted(seen.items())}')
print(list(WeightedRandomSampler([0.0, 1.0, 0.0, 2.0], 6, generator=torch.Generator().manual_seed(0))))

print('--- k-fold with SubsetRandomSampler')
k = 3
idx = torch.randperm(len(train_ds), generator=torch.Generator().manual_seed(5)).tolist()
fold_size = len(idx) // k
for fold in range(k):
    val_idx = idx[fold * fold_size:(fold + 1) * fold_size]
    tr_idx = idx[:fold * fold_size] + idx[(fold + 1) * fold_size:]
    tr_loader = DataLoader(train_ds, batch_size=8, sampler=SubsetRandomSampler(tr_idx))
    va_loader = DataLoader(train_ds, batch_size=8, sampler=SubsetRandomSampler(val_idx))
    torch.manual_seed(fold)
    model = nn.Linear(5, 3)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for epoch in range(3):
        for xb, yb in tr_loader:
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
    correct = total = 0
    with torch.no_grad():
        for xb, yb in va_loader:
            correct += (model(xb).argmax(1) == yb).sum().item()
            total += yb.numel()
    print(f'fold {fold} train {len(tr_idx)} val {len(val_idx)} last loss {loss.item():.5f} '
          f'val acc {correct / total:.4f} batches {len(tr_loader)}')

print('--- ConcatDataset and nested Subset')


class Squares(Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if i >= self.n:
            raise IndexError(i)
        return torch.tensor([float(i * i)] * 5), torch.tensor(i % 3)


cat = ConcatDataset([Subset(ds, range(4)), Squares(3), TensorDataset(torch.ones(2, 5), torch.tensor([1, 1]))])
print(len(cat), cat.cumulative_sizes, cat[5][0][:2], cat[-1][1], cat[4][1])
nested = Subset(Subset(ds, [10, 11, 12, 13, 14]), [4, 0])
print(len(nested), torch.equal(nested[0][0], ds[14][0]), nested.indices)
print([yb.tolist() for _, yb in DataLoader(cat, batch_size=4)])
print(len(ConcatDataset([train_ds, val_ds])), (train_ds + val_ds).cumulative_sizes)

print('--- dict samples, padding collate, length-sorted batches')
seqs = [torch.randint(1, 20, (int(n),)) for n in torch.randint(2, 9, (10,))]


class SeqDataset(Dataset):
    def __len__(self):
        return len(seqs)

    def __getitem__(self, i):
        return {'input_ids': seqs[i], 'label': i % 2, 'length': len(seqs[i])}


def collate_fn(batch):
    ids = pad_sequence([b['input_ids'] for b in batch], batch_first=True, padding_value=0)
    mask = (ids != 0).long()
    return {'input_ids': ids, 'attention_mask': mask, 'labels': torch.tensor([b['label'] for b in batch]),
            'lengths': torch.tensor([b['length'] for b in batch])}


class SortedSampler(Sampler):
    def __init__(self, data, key):
        self.order = sorted(range(len(data)), key=key)

    def __iter__(self):
        return iter(self.order)

    def __len__(self):
        return len(self.order)


sds = SeqDataset()
bs = BatchSampler(SortedSampler(sds, key=lambda i: len(seqs[i])), batch_size=4, drop_last=False)
print(len(bs), list(bs))
for batch in DataLoader(sds, batch_sampler=bs, collate_fn=collate_fn):
    print({k: (tuple(v.shape), v.dtype) for k, v in batch.items()})
    print(batch['input_ids'], batch['attention_mask'].sum(1), batch['lengths'])
dl = DataLoader(sds, batch_size=3, shuffle=True, collate_fn=collate_fn, drop_last=True,
                generator=torch.Generator().manual_seed(9))
print(len(dl), [b['lengths'].tolist() for b in dl])
emb = nn.EmbeddingBag(20, 4, mode='mean', padding_idx=0)
batch = next(iter(DataLoader(sds, batch_size=5, collate_fn=collate_fn)))
print(emb(batch['input_ids']).shape)
print(list(BatchSampler(RandomSampler(range(7), generator=torch.Generator().manual_seed(2)), 3, True)))
print(list(SequentialSampler(sds))[:4], len(RandomSampler(sds, num_samples=4)))
