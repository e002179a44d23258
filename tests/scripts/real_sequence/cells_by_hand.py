# Recurrent cells looped by hand and a hand-written LSTM / GRU checked against nn.LSTM / nn.GRU by
# copying their weights (weight_ih_l0, weight_hh_l0, bias_*), as blog posts "LSTM from scratch"
# do: gate chunking, unbatched inputs, RNNCell with relu, all_weights / _flat_weights_names,
# flatten_parameters(), bias=False, forget-gate bias init, orthogonal init of weight_hh, and the
# gradients of the hand-written and the built-in versions compared.
import math

import torch
import torch.nn as nn

torch.manual_seed(0)
I, H, T, B = 3, 4, 6, 2


class MyLSTM(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.W = nn.Parameter(torch.empty(input_size, 4 * hidden_size))
        self.U = nn.Parameter(torch.empty(hidden_size, 4 * hidden_size))
        self.b = nn.Parameter(torch.empty(4 * hidden_size))
        stdv = 1.0 / math.sqrt(hidden_size)
        for w in self.parameters():
            w.data.uniform_(-stdv, stdv)

    def forward(self, x, state=None):
        B, T, _ = x.shape
        hs = self.hidden_size
        h, c = state if state is not None else (torch.zeros(B, hs), torch.zeros(B, hs))
        outs = []
        for t in range(T):
            gates = x[:, t, :] @ self.W + h @ self.U + self.b
            i, f, g, o = (torch.sigmoid(gates[:, :hs]), torch.sigmoid(gates[:, hs:2 * hs]),
                          torch.tanh(gates[:, 2 * hs:3 * hs]), torch.sigmoid(gates[:, 3 * hs:]))
            c = f * c + i * g
            h = o * torch.tanh(c)
            outs.append(h.unsqueeze(1))
        return torch.cat(outs, dim=1), (h, c)


ref = nn.LSTM(I, H, batch_first=True)
mine = MyLSTM(I, H)
with torch.no_grad():
    mine.W.copy_(ref.weight_ih_l0.t())
    mine.U.copy_(ref.weight_hh_l0.t())
    mine.b.copy_(ref.bias_ih_l0 + ref.bias_hh_l0)
ref.flatten_parameters()
print(ref._flat_weights_names)
print([tuple(w.shape) for w in ref.all_weights[0]])
x = torch.randn(B, T, I)
o1, (h1, c1) = ref(x)
o2, (h2, c2) = mine(x)
print('max diff out', (o1 - o2).abs().max() < 1e-6, 'h', torch.allclose(h1[0], h2, atol=1e-6), 'c', torch.allclose(c1[0], c2, atol=1e-6))
print(o1[1, -1], c1.squeeze(0)[0])
o1.pow(2).sum().backward()
o2.pow(2).sum().backward()
print('grad W', torch.allclose(ref.weight_ih_l0.grad.t(), mine.W.grad, atol=1e-5),
      'grad b', torch.allclose(ref.bias_hh_l0.grad, mine.b.grad, atol=1e-5))
print(ref.bias_ih_l0.grad)

# LSTMCell / GRUCell / RNNCell loops equal the layers
for Layer, Cell in [(nn.LSTM, nn.LSTMCell), (nn.GRU, nn.GRUCell), (nn.RNN, nn.RNNCell)]:
    torch.manual_seed(1)
    layer = Layer(I, H)
    cell = Cell(I, H)
    cell.load_state_dict({k[:-3]: v for k, v in layer.state_dict().items()})
    xs = torch.randn(T, B, I)
    out, hid = layer(xs)
    hx = None
    steps = []
    for t in range(T):
        hx = cell(xs[t], hx)
        steps.append(hx[0] if isinstance(hx, tuple) else hx)
    print(Cell.__name__, cell, torch.allclose(torch.stack(steps), out, atol=1e-6))
    print('  ', list(cell.state_dict().keys()))

# unbatched inputs
cell = nn.GRUCell(I, H)
h = cell(torch.randn(I))
print('unbatched GRUCell', h.shape, h.grad_fn.__class__.__name__)
lc = nn.LSTMCell(I, H, bias=False)
h, c = lc(torch.randn(I))
print('unbatched LSTMCell', h.shape, c.shape, lc.bias_ih)
rnn = nn.RNN(I, H, nonlinearity='relu', num_layers=2)
out, hn = rnn(torch.randn(T, I))
print('unbatched RNN', out.shape, hn.shape, (out >= 0).all().item())
rc = nn.RNNCell(I, H, nonlinearity='relu')
print(rc, rc(torch.randn(B, I)).min().item() >= 0)
try:
    nn.RNNCell(I, H, nonlinearity='gelu')
except ValueError as e:
    print('ValueError:', e)
try:
    nn.RNN(I, H, nonlinearity='sigmoid')
except ValueError as e:
    print('ValueError:', e)
try:
    cell(torch.randn(B, I + 1))
except RuntimeError as e:
    print('RuntimeError:', e)
try:
    cell(torch.randn(B, I), torch.randn(B + 1, H))
except RuntimeError as e:
    print('RuntimeError:', e)

# passing LSTMCell only h is a common slip
try:
    lc2 = nn.LSTMCell(I, H)
    lc2(torch.randn(B, I), torch.zeros(B, H))
except TypeError as e:
    print('TypeError:', e)
try:
    lc2(torch.randn(B, I), (torch.zeros(B, H),))
except RuntimeError as e:
    print('RuntimeError:', e)

# the functional cells (torch.lstm_cell / gru_cell / rnn_tanh_cell) with a module's weights
lc3 = nn.LSTMCell(I, H)
xin, h_, c_ = torch.randn(B, I), torch.randn(B, H), torch.randn(B, H)
fh, fc = torch.lstm_cell(xin, (h_, c_), lc3.weight_ih, lc3.weight_hh, lc3.bias_ih, lc3.bias_hh)
mh, mc = lc3(xin, (h_, c_))
print('torch.lstm_cell', torch.equal(fh, mh), torch.equal(fc, mc), fh[0])
gc = nn.GRUCell(I, H)
print('torch.gru_cell', torch.equal(torch.gru_cell(xin, h_, gc.weight_ih, gc.weight_hh, gc.bias_ih, gc.bias_hh), gc(xin, h_)))
rcell = nn.RNNCell(I, H)
print('torch.rnn_tanh_cell', torch.rnn_tanh_cell(xin, h_, rcell.weight_ih, rcell.weight_hh)[1])

# initialization recipes: orthogonal hh, xavier ih, forget bias 1
lstm = nn.LSTM(I, H, num_layers=2)
for name, p in lstm.named_parameters():
    if 'weight_hh' in name:
        nn.init.orthogonal_(p)
    elif 'weight_ih' in name:
        nn.init.xavier_uniform_(p)
    elif 'bias' in name:
        nn.init.zeros_(p)
        p.data[H:2 * H].fill_(1.0)
w = lstm.weight_hh_l1
print('orthogonal', torch.allclose(w[:H] @ w[:H].t(), torch.eye(H), atol=1e-5) or w.shape)
print(lstm.bias_ih_l0.view(4, H)[:, 0])
i_, f_, g_, o_ = lstm.weight_ih_l0.chunk(4, 0)
print(i_.shape, f_.norm() > 0)
out, (hn, cn) = lstm(torch.randn(T, B, I))
print(out.shape, hn.shape, out[-1, 0])

# hand-written GRU against nn.GRU (the reset gate applied to W_hn h + b_hn)
gru = nn.GRU(I, H, batch_first=True, bias=True)
xs = torch.randn(B, T, I)
Wi, Wh = gru.weight_ih_l0, gru.weight_hh_l0
bi, bh = gru.bias_ih_l0, gru.bias_hh_l0
h = torch.zeros(B, H)
for t in range(T):
    gi = xs[:, t] @ Wi.t() + bi
    gh = h @ Wh.t() + bh
    i_r, i_z, i_n = gi.chunk(3, 1)
    h_r, h_z, h_n = gh.chunk(3, 1)
    r = torch.sigmoid(i_r + h_r)
    z = torch.sigmoid(i_z + h_z)
    n = torch.tanh(i_n + r * h_n)
    h = (1 - z) * n + z * h
ref_out, ref_h = gru(xs)
print('GRU by hand', torch.allclose(h, ref_h[0], atol=1e-6), h[0])
g1 = torch.autograd.grad(h.sum(), Wh)[0]
g2 = torch.autograd.grad(ref_h.sum(), Wh)[0]
print('GRU grads', torch.allclose(g1, g2, atol=1e-5), g1.norm())
