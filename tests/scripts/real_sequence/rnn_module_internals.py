# What people poke at on nn.RNN / nn.LSTM / nn.GRU modules when debugging: input-shape errors
# (wrong feature size, wrong hidden shape, 4-D input, batch_first mix-ups), double-precision
# modules, .to(dtype) and dtype mismatches, unbatched input with and without h0, hidden state of a
# packed batch with enforce_sorted=False and a given h0 (permuted in and out), forward hooks on a
# recurrent module, deepcopy / state_dict round trip, requires_grad_(False) freezing, and
# gradcheck of a GRUCell in float64.
import copy

import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

torch.manual_seed(9)

lstm = nn.LSTM(4, 3, num_layers=2, batch_first=True)
gru = nn.GRU(4, 3, batch_first=True, bidirectional=True)
rnn = nn.RNN(4, 3, bias=False)
print(lstm, gru, rnn, sep='\n')
print(lstm.mode, gru.mode, rnn.mode, rnn.nonlinearity, lstm.num_layers, gru.bidirectional, lstm.batch_first)
print(rnn._flat_weights_names, rnn.bias)

x = torch.randn(2, 5, 4)
for bad, what in [(torch.randn(2, 5, 6), 'features'), (torch.randn(2, 5, 4, 1), '4-D'),
                  (torch.randn(5, 6), 'unbatched wrong features')]:
    try:
        lstm(bad)
    except (RuntimeError, ValueError) as e:
        print(what, type(e).__name__ + ':', e)
for h0 in [torch.zeros(2, 2, 3), torch.zeros(1, 2, 3), torch.zeros(2, 5, 3)]:
    try:
        gru(x, h0)
    except RuntimeError as e:
        print('gru h0', tuple(h0.shape), 'RuntimeError:', e)
try:
    lstm(x, torch.zeros(2, 2, 3))
except (RuntimeError, ValueError, TypeError, AttributeError) as e:
    print('lstm single hx', type(e).__name__)
try:
    gru(x, torch.zeros(2, 3))
except RuntimeError as e:
    print('gru 2-D hx with batched input RuntimeError:', e)

# unbatched
o, h = gru(torch.randn(5, 4))
print('unbatched', o.shape, h.shape)
o, (h, c) = lstm(torch.randn(5, 4), (torch.zeros(2, 3), torch.zeros(2, 3)))
print('unbatched with h0', o.shape, h.shape, c.shape)

# dtypes
lstm64 = copy.deepcopy(lstm).double()
print(lstm64.weight_ih_l0.dtype, lstm64(x.double())[0].dtype)
try:
    lstm64(x)
except (RuntimeError, ValueError) as e:
    print('dtype mismatch', type(e).__name__ + ':', str(e)[:80])
print(torch.allclose(lstm64(x.double())[0].float(), lstm(x)[0], atol=1e-6))

# state_dict round trip
sd = lstm.state_dict()
print(list(sd.keys()), sd['weight_hh_l1'].shape)
clone = nn.LSTM(4, 3, num_layers=2, batch_first=True)
print(clone.load_state_dict(sd))
print(torch.equal(clone(x)[0], lstm(x)[0]))
try:
    nn.LSTM(4, 3, batch_first=True).load_state_dict(sd)
except RuntimeError as e:
    print('RuntimeError:', str(e).splitlines()[0], len(str(e).splitlines()))
res = nn.LSTM(4, 3, batch_first=True).load_state_dict(sd, strict=False)
print(res.missing_keys, res.unexpected_keys)

# packed batch with an explicit h0 and enforce_sorted=False: h0 follows the batch order
lengths = torch.tensor([3, 5])
h0 = torch.stack([torch.full((3,), 0.5), torch.full((3,), -0.5)]).unsqueeze(0).repeat(2, 1, 1)
pk = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
po, ph = gru(pk, h0)
po, _ = pad_packed_sequence(po, batch_first=True)
o0, h_0 = gru(x[:1, :3], h0[:, :1].contiguous())
o1, h_1 = gru(x[1:], h0[:, 1:].contiguous())
print(torch.allclose(po[0, :3], o0[0], atol=1e-6), torch.allclose(po[1], o1[0], atol=1e-6))
print(torch.allclose(ph[:, 0], h_0[:, 0], atol=1e-6), torch.allclose(ph[:, 1], h_1[:, 0], atol=1e-6))
print(ph[1])

# forward hooks see the (output, hidden) tuple
seen = []
hk = lstm.register_forward_hook(lambda m, i, out: seen.append((type(out).__name__, len(out), tuple(out[0].shape),
                                                               type(out[1]).__name__)))
pre = lstm.register_forward_pre_hook(lambda m, args: seen.append(('pre', len(args))))
lstm(x)
lstm(x, (torch.zeros(2, 2, 3), torch.zeros(2, 2, 3)))
hk.remove()
pre.remove()
lstm(x)
print(seen)

# freezing layers
for name, p in lstm.named_parameters():
    if name.endswith('l0'):
        p.requires_grad_(False)
out, _ = lstm(x)
out.sum().backward()
print([(n, p.grad is None) for n, p in lstm.named_parameters()])
print(sum(p.numel() for p in lstm.parameters() if p.requires_grad))

# gradcheck on double cells
cell = nn.GRUCell(3, 2).double()
inp = torch.randn(4, 3, dtype=torch.float64, requires_grad=True)
hx = torch.randn(4, 2, dtype=torch.float64, requires_grad=True)
print('gradcheck GRUCell', torch.autograd.gradcheck(cell, (inp, hx)))
lc = nn.LSTMCell(3, 2).double()
cx = torch.randn(4, 2, dtype=torch.float64, requires_grad=True)
print('gradcheck LSTMCell', torch.autograd.gradcheck(lambda a, b, c: lc(a, (b, c)), (inp, hx, cx)))
r = nn.RNN(3, 2, nonlinearity='tanh').double()
print('gradcheck RNN', torch.autograd.gradcheck(lambda a: r(a)[0], (torch.randn(3, 2, 3, dtype=torch.float64, requires_grad=True),)))

# zero-size batch / sequence
try:
    print(gru(torch.randn(0, 5, 4))[0].shape)
except RuntimeError as e:
    print('RuntimeError:', str(e)[:80])
