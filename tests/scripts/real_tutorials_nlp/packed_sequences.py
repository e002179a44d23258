# Variable-length batches through recurrent layers, as the NLP tutorials and their forum answers
# write them: pad_sequence, pack_padded_sequence(enforce_sorted=False), pad_packed_sequence with
# total_length, bidirectional multi-layer LSTM and GRU, h_n viewed as (layers, directions, B, H),
# last valid outputs by gather, pack_sequence/unpack_sequence/unpad_sequence, and a classifier
# trained on packed batches
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import (PackedSequence, pack_padded_sequence, pack_sequence, pad_packed_sequence,
                                pad_sequence, unpack_sequence, unpad_sequence)

torch.manual_seed(7)

vocab = ['<pad>', 'i', 'like', 'cats', 'dogs', 'hate', 'rain', 'sun', 'very', 'much', 'we', 'love']
stoi = {w: i for i, w in enumerate(vocab)}
sentences = ['i like cats', 'we love the sun very much', 'i hate rain', 'dogs', 'we like dogs very much']
seqs = [torch.tensor([stoi.get(w, 0) for w in s.split()]) for s in sentences]
lengths = torch.tensor([len(s) for s in seqs])
print(lengths, lengths.dtype)

padded = pad_sequence(seqs, batch_first=True, padding_value=0)
print(padded)
print(pad_sequence(seqs).shape, pad_sequence(seqs, padding_side='left', batch_first=True)[3])

emb = nn.Embedding(len(vocab), 6, padding_idx=0)
print(emb.weight[0], emb(padded).shape)
packed = pack_padded_sequence(emb(padded), lengths, batch_first=True, enforce_sorted=False)
print(type(packed).__name__, isinstance(packed, tuple), packed.data.shape)
print(packed.batch_sizes, packed.sorted_indices, packed.unsorted_indices)
print(packed.is_cuda, packed.data.grad_fn is not None)

lstm = nn.LSTM(6, 5, num_layers=2, bidirectional=True, batch_first=True, dropout=0.0)
print(lstm)
print([(n, tuple(p.shape)) for n, p in lstm.named_parameters()][:4], len(list(lstm.parameters())))
packed_out, (h_n, c_n) = lstm(packed)
print(type(packed_out).__name__, packed_out.data.shape, h_n.shape, c_n.shape)
out, out_lengths = pad_packed_sequence(packed_out, batch_first=True)
print(out.shape, out_lengths)
print(out[3])
out_total, _ = pad_packed_sequence(packed_out, batch_first=True, total_length=8, padding_value=-1.0)
print(out_total.shape, out_total[0, -1])
# the last layer's forward and backward final states, as (num_layers, num_directions, batch, hidden)
h = h_n.view(2, 2, len(seqs), 5)
last_fwd, last_bwd = h[-1, 0], h[-1, 1]
print(torch.allclose(last_fwd, out[torch.arange(len(seqs)), lengths - 1, :5]))
print(torch.allclose(last_bwd, out[:, 0, 5:]))
# gather the last valid time step
idx = (lengths - 1).view(-1, 1, 1).expand(-1, 1, out.size(2))
last = out.gather(1, idx).squeeze(1)
print(last.shape, last[:, :3])
print(torch.cat([h_n[-2], h_n[-1]], dim=1).shape)

# the same batch without packing: padded positions change the backward direction
out_nopack, _ = lstm(emb(padded))
print((out_nopack[0, :3] - out[0, :3]).abs().max() > 0, (out_nopack[:, :, :5] - out[:, :, :5])[1].abs().max() < 1e-6)

gru = nn.GRU(6, 4, num_layers=3, bidirectional=True)
print(gru)
packed_t = pack_padded_sequence(emb(padded).transpose(0, 1), lengths, enforce_sorted=False)
gout, gh = gru(packed_t)
gout_p, glen = pad_packed_sequence(gout)
print(gout_p.shape, gh.shape, glen)
print(gh.view(3, 2, -1, 4)[:, :, 2, 0])

# sorted packing and pack_sequence
order = lengths.argsort(descending=True)
print(order, lengths[order])
packed_sorted = pack_padded_sequence(padded[order], lengths[order], batch_first=True)
print(packed_sorted.sorted_indices, packed_sorted.batch_sizes)
try:
    pack_padded_sequence(padded, lengths, batch_first=True)
except RuntimeError as e:
    print('RuntimeError:', str(e)[:80])
ps = pack_sequence(seqs, enforce_sorted=False)
print(ps.data, ps.batch_sizes)
print([t.tolist() for t in unpack_sequence(ps)])
print([t.tolist() for t in unpad_sequence(padded, lengths, batch_first=True)])
ps_float = ps.to(torch.float64)
print(ps_float.data.dtype, ps.float().data.dtype, ps.long().data.dtype)
manual = PackedSequence(ps.data, ps.batch_sizes, ps.sorted_indices, ps.unsorted_indices)
print(pad_packed_sequence(manual, batch_first=True)[0][1])

# what print() shows for packed embeddings, padded outputs and a batch_first GRU
small = emb(padded[[0, 2], :3])
small_packed = pack_padded_sequence(small, torch.tensor([3, 2]), batch_first=True)
print(small_packed)
small_out, small_len = pad_packed_sequence(nn.GRU(6, 2)(pack_padded_sequence(small.transpose(0, 1), [3, 2]))[0])
print(small_out, small_len)
gru_bf = nn.GRU(6, 2, batch_first=True)
print(gru_bf(small)[0])
print(pad_sequence([small[0], small[1, :2]]))
print([t.shape for t in unpad_sequence(small_out.detach().clone(), small_len)], small_out.shape)


# a classifier trained on packed batches
class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(len(vocab), 8, padding_idx=0)
        self.rnn = nn.GRU(8, 8, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(16, 2)

    def forward(self, x, lengths):
        p = pack_padded_sequence(self.emb(x), lengths.cpu(), batch_first=True, enforce_sorted=False)
        _, h = self.rnn(p)
        return self.fc(torch.cat([h[0], h[1]], dim=-1))


labels = torch.tensor([1, 1, 0, 1, 1])
model = Classifier()
opt = torch.optim.RMSprop(model.parameters(), lr=0.01)
for step in range(25):
    logits = model(padded, lengths)
    loss = F.cross_entropy(logits, labels)
    opt.zero_grad()
    loss.backward()
    if step % 5 == 0:
        print(step, f'{loss.item():.5f}', f'{model.emb.weight.grad[0].abs().sum().item():.1f}',
              f'{model.rnn.weight_hh_l0_reverse.grad.norm():.5f}')
    opt.step()
print(logits.argmax(1), F.softmax(logits, 1)[:, 1])
