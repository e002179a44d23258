"""Data loading for imbalanced click / interaction data as recommender repos write it: a Dataset of
variable-length multi-hot features, a collate_fn that flattens them into (indices, offsets) for
nn.EmbeddingBag, WeightedRandomSampler for class rebalancing, BatchSampler / SubsetRandomSampler,
random_split with a seeded Generator, default_collate of dict samples, and Generator state
save/restore for reproducible negative sampling."""
import torch
import torch.nn as nn
from torch.utils.data import (BatchSampler, DataLoader, Dataset, RandomSampler, SequentialSampler,
                              SubsetRandomSampler, TensorDataset, WeightedRandomSampler, random_split)
from torch.utils.data.dataloader import default_collate

torch.manual_seed(0)


class SessionDataset(Dataset):
    def __init__(self, n, n_items, g):
        self.lengths = torch.randint(1, 6, (n,), generator=g)
        self.items = [torch.randint(0, n_items, (int(l),), generator=g) for l in self.lengths]
        self.dense = torch.randn(n, 2, generator=g)
        self.labels = (torch.rand(n, generator=g) < 0.15).long()

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return {'items': self.items[i], 'dense': self.dense[i], 'label': self.labels[i]}


def collate_bags(batch):
    items = [b['items'] for b in batch]
    lengths = torch.tensor([len(t) for t in items])
    offsets = torch.zeros(len(items), dtype=torch.long)
    offsets[1:] = torch.cumsum(lengths, 0)[:-1]
    return {'indices': torch.cat(items), 'offsets': offsets, 'lengths': lengths,
            'dense': torch.stack([b['dense'] for b in batch]),
            'label': torch.stack([b['label'] for b in batch]).float()}


g = torch.Generator().manual_seed(11)
ds = SessionDataset(120, 25, g)
print('len', len(ds), 'positives', ds.labels.sum().item())
print('sample', ds[0])
print('default_collate', default_collate([{'a': torch.tensor(1), 'b': 2.0}, {'a': torch.tensor(3), 'b': 4.0}]))
print('collate tuples', default_collate([(torch.ones(2), 1), (torch.zeros(2), 0)]))

class_counts = torch.bincount(ds.labels)
class_w = 1.0 / class_counts.double()
sample_w = class_w[ds.labels]
print('class counts', class_counts.tolist(), 'weights', sample_w[:5])
sampler = WeightedRandomSampler(sample_w, num_samples=len(ds), replacement=True, generator=torch.Generator().manual_seed(1))
idx = list(sampler)
print('sampler len', len(sampler), 'first', idx[:10])
print('resampled positive rate', ds.labels[torch.tensor(idx)].float().mean().item())
no_rep = list(WeightedRandomSampler([0.1, 0.9, 0.4, 0.0, 2.0], 4, replacement=False, generator=torch.Generator().manual_seed(2)))
print('without replacement', no_rep)
try:
    WeightedRandomSampler([0.5, 0.5], num_samples=0)
except ValueError as e:
    print('ValueError', e)

loader = DataLoader(ds, batch_size=16, sampler=sampler, collate_fn=collate_bags)
print('batches', len(loader))
bag = nn.EmbeddingBag(25, 4, mode='mean')
head = nn.Linear(6, 1)
opt = torch.optim.Adagrad(list(bag.parameters()) + list(head.parameters()), lr=0.1)
for epoch in range(3):
    tot, seen = 0.0, 0
    for b in loader:
        h = torch.cat([bag(b['indices'], b['offsets']), b['dense']], 1)
        loss = nn.functional.binary_cross_entropy_with_logits(head(h).squeeze(1), b['label'])
        opt.zero_grad()
        loss.backward()
        opt.step()
        tot += loss.item() * len(b['label'])
        seen += len(b['label'])
    print(f'epoch {epoch} loss {tot / seen:.4f} last batch', b['indices'].shape, b['offsets'][:5].tolist())

train, val, test = random_split(ds, [0.7, 0.2, 0.1], generator=torch.Generator().manual_seed(42))
print('split sizes', len(train), len(val), len(test), 'first train idx', train.indices[:5])
tr2, va2 = random_split(range(10), [7, 3], generator=torch.Generator().manual_seed(0))
print('int split', list(tr2), list(va2))
try:
    random_split(range(10), [5, 6])
except ValueError as e:
    print('ValueError', e)

bs = BatchSampler(SubsetRandomSampler(list(range(0, 20, 2)), generator=torch.Generator().manual_seed(3)), batch_size=4, drop_last=False)
print('batch sampler', list(bs), len(bs))
print('sequential drop_last', list(BatchSampler(SequentialSampler(range(10)), 3, True)))
rs = RandomSampler(range(8), replacement=True, num_samples=5, generator=torch.Generator().manual_seed(5))
print('random sampler w/ replacement', list(rs))

td = TensorDataset(torch.arange(10).float(), torch.arange(10) % 3)
dl = DataLoader(td, batch_size=4, shuffle=True, generator=torch.Generator().manual_seed(9), drop_last=True)
for xb, yb in dl:
    print('tensor batch', xb.tolist(), yb.tolist(), xb.dtype, yb.dtype)

# reproducible negatives: save the generator state, draw, restore, redraw
ng = torch.Generator().manual_seed(123)
pop = torch.bincount(torch.cat(ds.items), minlength=25).float() ** 0.75
state = ng.get_state()
neg1 = torch.multinomial(pop, 8, replacement=True, generator=ng)
ng.set_state(state)
neg2 = torch.multinomial(pop, 8, replacement=True, generator=ng)
print('negatives', neg1.tolist(), 'reproduced', torch.equal(neg1, neg2))
print('no replacement', torch.multinomial(pop, 6, generator=ng).tolist())
print('2d multinomial', torch.multinomial(torch.stack([pop, pop.flip(0)]), 3, generator=ng).tolist())
print('state', state.dtype, state.shape, ng.initial_seed())
print('randint gen', torch.randint(0, 25, (2, 3), generator=ng, dtype=torch.int32))
print('bernoulli', torch.bernoulli(torch.full((6,), 0.3), generator=ng))
print('randperm gen', torch.randperm(7, generator=ng).tolist())
