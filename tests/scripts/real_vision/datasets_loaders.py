"""Custom Dataset/DataLoader, collate_fn, samplers, random_split, Subset, ConcatDataset."""
import torch
from torch.utils.data import (Dataset, DataLoader, TensorDataset, random_split, Subset, ConcatDataset,
                              WeightedRandomSampler, SubsetRandomSampler, SequentialSampler,
                              RandomSampler, BatchSampler)

torch.manual_seed(7)


class ShapesDataset(Dataset):
    def __init__(self, n=20, transform=None):
        self.data = torch.randn(n, 1, 4, 4)
        self.targets = torch.randint(0, 3, (n,))
        self.transform = transform

    def __len__(self):
        return len(self.data)

    def __getitem__(self, idx):
        img = self.data[idx]
        if self.transform:
            img = self.transform(img)
        return img, self.targets[idx]


ds = ShapesDataset(transform=lambda t: t * 2)
print(len(ds), ds[0][0].shape, ds[0][1], type(ds[0][1]).__name__)
loader = DataLoader(ds, batch_size=6, shuffle=True)
print(len(loader))
for i, (xb, yb) in enumerate(loader):
    print(i, xb.shape, yb, xb.sum().item())

train_ds, val_ds = random_split(ds, [15, 5])
print(len(train_ds), len(val_ds), train_ds.indices, val_ds.indices)
g = torch.Generator().manual_seed(42)
a, b, c = random_split(range(10), [0.5, 0.3, 0.2], generator=g)
print(list(a), list(b), list(c))

# imbalanced dataset -> WeightedRandomSampler
targets = ds.targets
class_count = torch.bincount(targets)
print('class_count', class_count)
class_weights = 1.0 / class_count.float()
sample_weights = class_weights[targets]
print(sample_weights)
sampler = WeightedRandomSampler(sample_weights, num_samples=len(sample_weights), replacement=True)
idx = list(sampler)
print(idx)
wl = DataLoader(ds, batch_size=5, sampler=sampler)
for xb, yb in wl:
    print('weighted batch', yb.tolist())
print(list(WeightedRandomSampler([0.1, 0.9, 0.4, 0.7, 3.0, 0.6], 5, replacement=False)))

indices = list(range(20))
split = 4
train_idx, valid_idx = indices[split:], indices[:split]
train_sampler = SubsetRandomSampler(train_idx)
print(list(train_sampler))
vl = DataLoader(ds, batch_size=3, sampler=SubsetRandomSampler(valid_idx))
print([yb.tolist() for _, yb in vl])
print(list(SequentialSampler(range(5))), list(RandomSampler(range(6))))
print(list(RandomSampler(range(4), replacement=True, num_samples=7)))
print(list(BatchSampler(SequentialSampler(range(10)), batch_size=3, drop_last=False)))
print(list(BatchSampler(RandomSampler(range(10)), batch_size=4, drop_last=True)))


def collate_pad(batch):
    seqs, labels = zip(*batch)
    lengths = torch.tensor([len(s) for s in seqs])
    padded = torch.zeros(len(seqs), int(lengths.max()))
    for i, s in enumerate(seqs):
        padded[i, :len(s)] = s
    return padded, torch.tensor(labels), lengths


class VarLen(Dataset):
    def __len__(self):
        return 7

    def __getitem__(self, i):
        return torch.arange(1, i % 4 + 2, dtype=torch.float32), i % 2


for p, l, n in DataLoader(VarLen(), batch_size=3, collate_fn=collate_pad, shuffle=True):
    print(p, l, n)

td = TensorDataset(torch.arange(10).float().view(5, 2), torch.arange(5))
print(td[1], len(td), td.tensors[0].shape)
sub = Subset(td, [4, 0, 2])
print([s[1].item() for s in sub])
cat = ConcatDataset([td, sub])
print(len(cat), cat[6], cat.cumulative_sizes)
for batch in DataLoader(td, batch_size=2, drop_last=True):
    print(batch)
dl = DataLoader([{'x': torch.tensor([i, i]), 'y': i, 'name': f'n{i}'} for i in range(4)], batch_size=3)
for b in dl:
    print(b)
print(next(iter(DataLoader([(1, 2.5), (3, 4.5)], batch_size=2))))
print(next(iter(DataLoader([torch.tensor(1.5), torch.tensor(2.5)], batch_size=2))))
import numpy as np
print(next(iter(DataLoader([np.array([1.0, 2.0]), np.array([3.0, 4.0])], batch_size=2))))
print(next(iter(DataLoader(range(5), batch_size=None))))
gen = torch.Generator()
gen.manual_seed(3)
print([b.tolist() for b in DataLoader(range(8), batch_size=4, shuffle=True, generator=gen)])
