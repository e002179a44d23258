# The nn.utils.rnn packing API in detail, as forum answers and data-loader collate functions use it:
# pad_sequence (batch_first, padding_value, padding_side), pack_padded_sequence with
# enforce_sorted True / False (and the error for an unsorted batch), lengths as list / tensor,
# PackedSequence fields and repr, .to(dtype), sorted / unsorted indices, pack_sequence,
# pad_packed_sequence with total_length (and its error), a collate_fn in a DataLoader, packed
# input through RNN / LSTM / GRU and gradients flowing back through the packing.
import torch
import torch.nn as nn
from torch.nn.utils.rnn import (PackedSequence, pack_padded_sequence, pack_sequence, pad_packed_sequence,
                                pad_sequence, unpack_sequence)
from torch.utils.data import DataLoader, Dataset

torch.manual_seed(3)

seqs = [torch.arange(1, n + 1, dtype=torch.float32).unsqueeze(1) * (i + 1) for i, n in enumerate([2, 5, 3, 1])]
print([tuple(s.shape) for s in seqs])
padded = pad_sequence(seqs, batch_first=True)
print(padded.squeeze(-1))
print(pad_sequence(seqs, padding_value=-1.).squeeze(-1))
print(pad_sequence(seqs, batch_first=True, padding_side='left').squeeze(-1))
lengths = [len(s) for s in seqs]

# unsorted with enforce_sorted=True
try:
    pack_padded_sequence(padded, lengths, batch_first=True)
except RuntimeError as e:
    print('RuntimeError:', str(e).split('\n')[0][:90])

packed = pack_padded_sequence(padded, lengths, batch_first=True, enforce_sorted=False)
print(packed)
print(packed.data.squeeze(-1))
print(packed.batch_sizes, packed.batch_sizes.dtype, packed.sorted_indices, packed.unsorted_indices)
print(packed.data.dtype, packed.to(torch.float64).data.dtype, packed.double().data.dtype, packed.is_cuda)
print(torch.equal(packed.sorted_indices[packed.unsorted_indices], torch.arange(4)))

# sorted input: no permutation is stored
order = sorted(range(4), key=lambda i: -lengths[i])
sorted_padded = padded[order]
sorted_lengths = torch.tensor([lengths[i] for i in order])
packed_sorted = pack_padded_sequence(sorted_padded, sorted_lengths, batch_first=True)
print(packed_sorted.sorted_indices, packed_sorted.unsorted_indices, packed_sorted.batch_sizes)
print(torch.equal(packed_sorted.data, packed.data))

# pack_sequence and unpack_sequence round trip
ps = pack_sequence(seqs, enforce_sorted=False)
print(ps.batch_sizes, ps.sorted_indices)
back = unpack_sequence(ps)
print([b.squeeze(-1).tolist() for b in back])
try:
    pack_sequence(seqs)
except RuntimeError as e:
    print('RuntimeError:', str(e).split('\n')[0][:60])

out, out_len = pad_packed_sequence(packed, batch_first=True, padding_value=9.)
print(out.squeeze(-1), out_len)
out_t, _ = pad_packed_sequence(packed, total_length=6)
print(out_t.shape)
try:
    pad_packed_sequence(packed, batch_first=True, total_length=3)
except ValueError as e:
    print('ValueError:', str(e)[:100])

# zero length
try:
    pack_padded_sequence(padded, [2, 5, 0, 1], batch_first=True, enforce_sorted=False)
except RuntimeError as e:
    print('RuntimeError:', str(e)[:80])

# PackedSequence is a namedtuple
d, bs, si, ui = packed
print(type(packed).__mro__[1].__name__, packed._fields, len(packed))
print(isinstance(packed, PackedSequence), isinstance(packed, tuple))


# collate function for variable-length data
class ToyData(Dataset):
    def __init__(self):
        g = torch.Generator().manual_seed(11)
        self.items = [(torch.randint(1, 20, (int(n),), generator=g), int(n) % 3)
                      for n in torch.randint(1, 7, (10,), generator=g)]

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return self.items[i]


def collate(batch):
    xs, ys = zip(*batch)
    lens = torch.tensor([len(x) for x in xs])
    return pad_sequence(xs, batch_first=True), lens, torch.tensor(ys)


loader = DataLoader(ToyData(), batch_size=4, shuffle=False, collate_fn=collate)
emb = nn.Embedding(20, 4, padding_idx=0)
for kind in ['RNN', 'LSTM', 'GRU']:
    torch.manual_seed(5)
    rnn = getattr(nn, kind)(4, 3, batch_first=True)
    head = nn.Linear(3, 3)
    for x, lens, y in loader:
        pk = pack_padded_sequence(emb(x), lens, batch_first=True, enforce_sorted=False)
        o, h = rnn(pk)
        if kind == 'LSTM':
            h = h[0]
        logits = head(h[-1])
        loss = nn.functional.cross_entropy(logits, y)
        loss.backward()
        print(kind, tuple(x.shape), lens.tolist(), type(o).__name__, tuple(o.data.shape), f'{loss.item():.4f}')
    print(kind, 'grad norms', [round(p.grad.norm().item(), 4) for p in rnn.parameters()])
    print(kind, 'emb pad grad', emb.weight.grad[0].abs().sum().item())
    emb.zero_grad()

# gradient w.r.t. the padded input: zero at padded positions
x = padded.clone().requires_grad_()
pk = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
rnn = nn.GRU(1, 2, batch_first=True)
o, _ = rnn(pk)
o2, _ = pad_packed_sequence(o, batch_first=True)
o2.sum().backward()
print((x.grad.squeeze(-1) != 0).int())
print(pk.data.grad_fn.__class__.__name__, o.data.grad_fn is not None)

# a realistic batch of 32 sentences with many tied lengths
g = torch.Generator().manual_seed(2024)
lens32 = torch.randint(2, 6, (32,), generator=g)
batch32 = pad_sequence([torch.randint(1, 20, (int(n),), generator=g) for n in lens32], batch_first=True)
pk32 = pack_padded_sequence(emb(batch32), lens32, batch_first=True, enforce_sorted=False)
print(lens32.tolist())
print(pk32.sorted_indices.tolist())
print(pk32.batch_sizes.tolist(), pk32.data.shape)
gru32 = nn.GRU(4, 3, batch_first=True)
o32, h32 = gru32(pk32)
print(h32[0, :4])
print(pad_packed_sequence(o32, batch_first=True)[0][5, :, 0])
