"""A DataLoader deep-dive: custom Sampler and BatchSampler (bucketing by length), WeightedRandomSampler
for class balance, SubsetRandomSampler train/val split, random_split with a seeded generator (and
fractional lengths), ConcatDataset index mapping, ChainDataset, IterableDataset sharding via
get_worker_info (None in the main process), collate_fn returning dicts of padded batches,
default_collate on nested dicts/tuples/numpy arrays, drop_last and len() of loaders."""
import numpy as np
import torch
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import (BatchSampler, ChainDataset, ConcatDataset, DataLoader, Dataset, IterableDataset,
                              RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler, TensorDataset,
                              WeightedRandomSampler, get_worker_info, random_split)
from torch.utils.data.dataloader import default_collate

torch.manual_seed(3)


class ToySeqDataset(Dataset):
    """Variable-length token sequences with a label."""

    def __init__(self, n=14):
        g = torch.Generator().manual_seed(11)
        self.lengths = torch.randint(2, 8, (n,), generator=g).tolist()
        self.seqs = [torch.randint(1, 50, (L,), generator=g) for L in self.lengths]
        self.labels = torch.randint(0, 2, (n,), generator=g).tolist()

    def __len__(self):
        return len(self.seqs)

    def __getitem__(self, idx):
        return {'input_ids': self.seqs[idx], 'label': self.labels[idx], 'idx': idx}


def pad_collate(batch):
    ids = [b['input_ids'] for b in batch]
    lengths = torch.tensor([len(t) for t in ids])
    padded = pad_sequence(ids, batch_first=True, padding_value=0)
    mask = padded != 0
    return {'input_ids': padded, 'attention_mask': mask, 'lengths': lengths,
            'labels': torch.tensor([b['label'] for b in batch]), 'idx': [b['idx'] for b in batch]}


class BucketBatchSampler(Sampler):
    """Sort indices by length inside shuffled chunks, then cut into batches (fairseq/AllenNLP style)."""

    def __init__(self, lengths, batch_size, generator=None):
        self.lengths, self.batch_size, self.generator = lengths, batch_size, generator

    def __iter__(self):
        perm = torch.randperm(len(self.lengths), generator=self.generator).tolist()
        chunk = self.batch_size * 3
        for s in range(0, len(perm), chunk):
            part = sorted(perm[s:s + chunk], key=lambda i: self.lengths[i])
            for b in range(0, len(part), self.batch_size):
                yield part[b:b + self.batch_size]

    def __len__(self):
        return sum((min(len(self.lengths) - s, self.batch_size * 3) + self.batch_size - 1) // self.batch_size
                   for s in range(0, len(self.lengths), self.batch_size * 3))


class EvenFirstSampler(Sampler):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(list(range(0, self.n, 2)) + list(range(1, self.n, 2)))

    def __len__(self):
        return self.n


ds = ToySeqDataset()
print('lengths:', ds.lengths)
print('labels :', ds.labels)

loader = DataLoader(ds, batch_size=4, collate_fn=pad_collate)
print('len(loader):', len(loader))
first = next(iter(loader))
for k, v in first.items():
    print(' ', k, (tuple(v.shape), v.dtype) if torch.is_tensor(v) else v)
print(first['input_ids'])
print(first['attention_mask'].sum(dim=1).tolist(), first['lengths'].tolist())

print('--- bucket batch sampler')
bsampler = BucketBatchSampler(ds.lengths, batch_size=3, generator=torch.Generator().manual_seed(5))
print('len(bsampler):', len(bsampler))
bl = DataLoader(ds, batch_sampler=bsampler, collate_fn=pad_collate)
print('len(loader):', len(bl))
for batch in bl:
    print(' idx', batch['idx'], 'lens', batch['lengths'].tolist(), 'padded', tuple(batch['input_ids'].shape))

print('--- BatchSampler around custom sampler')
for drop_last in (False, True):
    bs = BatchSampler(EvenFirstSampler(10), batch_size=4, drop_last=drop_last)
    print(f' drop_last={drop_last} len={len(bs)} batches={list(bs)}')
print(list(BatchSampler(SequentialSampler(range(7)), 3, False)))
rs = RandomSampler(range(6), generator=torch.Generator().manual_seed(1))
print('RandomSampler:', list(rs), list(rs))
rs2 = RandomSampler(range(6), replacement=True, num_samples=9, generator=torch.Generator().manual_seed(1))
print('with replacement:', list(rs2), len(rs2))

print('--- WeightedRandomSampler for class balance')
labels = torch.tensor(ds.labels)
counts = torch.bincount(labels)
weights = (1.0 / counts.float())[labels]
print('class counts:', counts.tolist(), 'weights:', weights)
wrs = WeightedRandomSampler(weights, num_samples=40, replacement=True, generator=torch.Generator().manual_seed(2))
drawn = list(wrs)
print('drawn:', drawn[:20], 'len:', len(wrs))
print('drawn label counts:', torch.bincount(labels[drawn]).tolist())
wrs_nr = WeightedRandomSampler([0.1, 0.9, 0.4, 0.7, 3.0], num_samples=5, replacement=False,
                               generator=torch.Generator().manual_seed(4))
print('without replacement:', list(wrs_nr))

print('--- SubsetRandomSampler split')
idx = torch.randperm(len(ds), generator=torch.Generator().manual_seed(9)).tolist()
train_idx, val_idx = idx[:10], idx[10:]
tl = DataLoader(ds, batch_size=4, sampler=SubsetRandomSampler(train_idx, generator=torch.Generator().manual_seed(0)),
                collate_fn=pad_collate, drop_last=True)
vl = DataLoader(ds, batch_size=4, sampler=SubsetRandomSampler(val_idx), collate_fn=pad_collate)
print('train len', len(tl), 'val len', len(vl), 'sampler len', len(tl.sampler))
print('train order:', [b['idx'] for b in tl])

print('--- random_split')
tds = TensorDataset(torch.arange(20).float().unsqueeze(1), torch.arange(20) % 3)
a, b, c = random_split(tds, [10, 6, 4], generator=torch.Generator().manual_seed(42))
print(type(a).__name__, len(a), len(b), len(c))
print('a indices:', a.indices)
print('b indices:', b.indices)
fa, fb = random_split(range(10), [0.7, 0.3], generator=torch.Generator().manual_seed(42))
print('fractional:', len(fa), len(fb), list(fa), list(fb))
try:
    random_split(tds, [10, 5])
except ValueError as e:
    print('ValueError:', e)
print('subset item:', a[0], type(a[0]))

print('--- ConcatDataset')
d1 = TensorDataset(torch.arange(3), torch.zeros(3))
d2 = TensorDataset(torch.arange(10, 15), torch.ones(5))
cat = ConcatDataset([d1, d2])
print('len', len(cat), 'cumulative_sizes', cat.cumulative_sizes)
print([cat[i][0].item() for i in range(len(cat))], cat[-1], cat[3])
print('concat loader:', [b[0].tolist() for b in DataLoader(cat, batch_size=3)])
cat2 = d1 + d2
print('via +:', type(cat2).__name__, len(cat2))


print('--- IterableDataset / ChainDataset')
class RangeStream(IterableDataset):
    def __init__(self, start, end):
        self.start, self.end = start, end

    def __iter__(self):
        info = get_worker_info()
        if info is None:
            lo, hi = self.start, self.end
            print(f'  single-process stream {lo}..{hi}')
        else:
            per = (self.end - self.start + info.num_workers - 1) // info.num_workers
            lo = self.start + info.id * per
            hi = min(lo + per, self.end)
        for i in range(lo, hi):
            yield torch.tensor([i, i * i])


s = RangeStream(0, 7)
print('get_worker_info in main:', get_worker_info())
print([t.tolist() for t in DataLoader(s, batch_size=3)])
print([t.shape for t in DataLoader(s, batch_size=3, drop_last=True)])
chain = ChainDataset([RangeStream(0, 2), RangeStream(100, 103)])
print('chain:', [t.tolist() for t in chain])
print('chain batched:', [t[:, 0].tolist() for t in DataLoader(chain, batch_size=2)])
try:
    len(DataLoader(s, batch_size=2))
except TypeError as e:
    print('TypeError:', e)

print('--- default_collate')
samples = [
    {'img': np.full((2, 2), i, dtype=np.float32), 'meta': {'id': i, 'name': f's{i}', 'scale': 0.5 * i},
     'pair': (torch.tensor([i, -i]), np.int64(i)), 'flag': bool(i % 2)}
    for i in range(3)
]
out = default_collate(samples)
print(sorted(out.keys()))
print('img', out['img'].dtype, tuple(out['img'].shape))
print('meta', out['meta'])
print('pair', out['pair'])
print('flag', out['flag'])
print(default_collate([(1, 2.0), (3, 4.0)]))
print(default_collate([np.array([1, 2]), np.array([3, 4])]))
print(default_collate([[1, 2], [3, 4], [5, 6]]))
print(default_collate(['a', 'b']))

print('--- shuffle with a seeded generator is reproducible')
g = torch.Generator()
g.manual_seed(123)
order1 = [b.tolist() for (b,) in DataLoader(TensorDataset(torch.arange(8)), batch_size=3, shuffle=True, generator=g)]
g.manual_seed(123)
order2 = [b.tolist() for (b,) in DataLoader(TensorDataset(torch.arange(8)), batch_size=3, shuffle=True, generator=g)]
print(order1, order1 == order2)
print('global-RNG shuffle:', [b.tolist() for (b,) in DataLoader(TensorDataset(torch.arange(8)), batch_size=4, shuffle=True)])
