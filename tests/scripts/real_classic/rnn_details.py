"""Recurrent-network details: GRU / LSTM with num_layers=2, bidirectional, batch_first, initial
states, pack_padded_sequence with enforce_sorted=False and pad_packed_sequence round trip,
pack_sequence, output / h_n consistency, LSTMCell and GRUCell loops, proj_size, and a tiny
sequence-classification training run."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pack_sequence, pad_packed_sequence, pad_sequence

torch.manual_seed(0)
torch.set_printoptions(precision=4)

lstm = nn.LSTM(input_size=3, hidden_size=4, num_layers=2, bidirectional=True, batch_first=True, dropout=0.0)
print(lstm)
print('weights', [n for n, _ in lstm.named_parameters()][:6], len(list(lstm.parameters())))
x = torch.randn(3, 5, 3)
h0 = torch.randn(4, 3, 4)
c0 = torch.randn(4, 3, 4)
out, (hn, cn) = lstm(x, (h0, c0))
print('shapes', out.shape, hn.shape, cn.shape)
print('fwd last == hn', torch.allclose(out[:, -1, :4], hn[2]), 'bwd first == hn', torch.allclose(out[:, 0, 4:], hn[3]))
print('out sum', round(out.sum().item(), 4), round(hn.sum().item(), 4), round(cn.sum().item(), 4))

lengths = torch.tensor([2, 5, 3])
packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
print('packed', packed.data.shape, packed.batch_sizes.tolist(), packed.sorted_indices.tolist(), packed.unsorted_indices.tolist())
pout, (phn, pcn) = lstm(packed)
unpacked, ulen = pad_packed_sequence(pout, batch_first=True)
print('unpacked', unpacked.shape, ulen.tolist())
print('padding zero', unpacked[0, 2:].abs().sum().item(), 'hn', phn.shape)
single, _ = lstm(x[0:1, :2])
print('matches single', torch.allclose(unpacked[0, :2], single[0], atol=1e-6))
print('hn fwd matches', torch.allclose(phn[2, 0], single[0, -1, :4], atol=1e-6))
rt, rl = pad_packed_sequence(pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False), batch_first=True, total_length=6)
print('round trip', rt.shape, torch.equal(rt[1, :5], x[1]), rl.tolist())

seqs = [torch.randn(4, 3), torch.randn(2, 3), torch.randn(3, 3)]
ps = pack_sequence(seqs, enforce_sorted=False)
print('pack_sequence', ps.batch_sizes.tolist(), ps.sorted_indices.tolist())

gru = nn.GRU(3, 5, num_layers=2, batch_first=False)
xs = torch.randn(6, 2, 3)
gout, gh = gru(xs)
print('gru', gout.shape, gh.shape, torch.allclose(gout[-1], gh[-1]), round(gout.mean().item(), 5))
gout2, _ = gru(xs, torch.zeros(2, 2, 5))
print('zero h0 same', torch.allclose(gout, gout2))
unb, ubh = gru(xs[:, 0])
print('unbatched', unb.shape, ubh.shape, torch.allclose(unb, gout[:, 0], atol=1e-6))
proj = nn.LSTM(3, 6, proj_size=2, batch_first=True)
po, (ph, pc) = proj(x)
print('proj', po.shape, ph.shape, pc.shape, [tuple(p.shape) for p in proj.parameters()])

cell = nn.LSTMCell(3, 4)
h, c = torch.zeros(2, 4), torch.zeros(2, 4)
outs = []
for t in range(xs.shape[0]):
    h, c = cell(xs[t], (h, c))
    outs.append(h)
print('lstmcell', torch.stack(outs).shape, round(torch.stack(outs).sum().item(), 5))
gcell = nn.GRUCell(3, 4)
hg = None
for t in range(3):
    hg = gcell(xs[t], hg)
print('grucell', round(hg.sum().item(), 5))
rc = nn.RNNCell(3, 4, nonlinearity='relu')
print('rnncell', round(rc(xs[0]).sum().item(), 5))

# packed, unsorted batch with an initial state: each sequence must match running it alone
for cls in [nn.GRU, nn.LSTM]:
    torch.manual_seed(2)
    m = cls(3, 4, num_layers=2, bidirectional=True, batch_first=True)
    xb = torch.randn(3, 5, 3)
    h0 = torch.randn(4, 3, 4)
    hx = (h0, torch.randn(4, 3, 4)) if cls is nn.LSTM else h0
    out, h = m(pack_padded_sequence(xb, torch.tensor([2, 5, 3]), batch_first=True, enforce_sorted=False), hx)
    o, lens_out = pad_packed_sequence(out, batch_first=True)
    hn = h[0] if cls is nn.LSTM else h
    same = []
    for b in range(3):
        hb = (hx[0][:, b:b + 1], hx[1][:, b:b + 1]) if cls is nn.LSTM else hx[:, b:b + 1]
        ob, hbn = m(xb[b:b + 1, :int(lens_out[b])], hb)
        hbn = hbn[0] if cls is nn.LSTM else hbn
        same.append((torch.allclose(ob[0], o[b, :int(lens_out[b])], atol=1e-5), torch.allclose(hbn[:, 0], hn[:, b], atol=1e-5)))
    grads = torch.autograd.grad(o.pow(2).sum() + hn.sum(), list(m.parameters()))
    print(cls.__name__, 'packed+h0', round(o.sum().item(), 4), same, [round(t.norm().item(), 4) for t in grads[:3]])

# a tiny sequence classifier on variable-length sequences


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(12, 6, padding_idx=0)
        self.rnn = nn.GRU(6, 8, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(16, 2)

    def forward(self, tokens, lengths):
        e = self.emb(tokens)
        packed = pack_padded_sequence(e, lengths, batch_first=True, enforce_sorted=False)
        _, h = self.rnn(packed)
        return self.fc(torch.cat([h[-2], h[-1]], 1))


torch.manual_seed(1)
data = [torch.randint(1, 12, (int(n),)) for n in torch.randint(2, 7, (16,))]
labels = torch.tensor([int((s > 6).sum() > len(s) // 2) for s in data])
tokens = pad_sequence(data, batch_first=True)
lens = torch.tensor([len(s) for s in data])
model = Classifier()
opt = torch.optim.Adam(model.parameters(), lr=0.02)
for epoch in range(10):
    logits = model(tokens, lens)
    loss = F.cross_entropy(logits, labels)
    opt.zero_grad()
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    if epoch % 3 == 0:
        print(f'epoch {epoch} loss {loss.item():.4f} acc {(logits.argmax(1) == labels).float().mean().item():.3f}')
print('emb pad grad', model.emb.weight.grad[0].abs().sum().item())
