"""An LSTM language model the way AWD-LSTM / word_language_model write it: LSTM with proj_size,
multi-layer with dropout, tied weights, hidden state detached between BPTT chunks (repackage_hidden),
batchify / get_batch, weight-dropped LSTMCell loop, pack_sequence / unpack_sequence, the 'dropout with
num_layers=1' warning, perplexity, and temperature sampling with torch.multinomial over exp(logits/T)."""
import math
import warnings

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_sequence, unpack_sequence, pad_packed_sequence, PackedSequence

torch.manual_seed(0)


class RNNModel(nn.Module):
    def __init__(self, rnn_type, ntoken, ninp, nhid, nlayers, dropout=0.2, tie_weights=False, proj=0):
        super().__init__()
        self.ntoken = ntoken
        self.drop = nn.Dropout(dropout)
        self.encoder = nn.Embedding(ntoken, ninp)
        if rnn_type in ['LSTM', 'GRU']:
            kw = {'proj_size': proj} if proj else {}
            self.rnn = getattr(nn, rnn_type)(ninp, nhid, nlayers, dropout=dropout, **kw)
        else:
            nonlinearity = {'RNN_TANH': 'tanh', 'RNN_RELU': 'relu'}[rnn_type]
            self.rnn = nn.RNN(ninp, nhid, nlayers, nonlinearity=nonlinearity, dropout=dropout)
        out_dim = proj or nhid
        self.decoder = nn.Linear(out_dim, ntoken)
        if tie_weights:
            if out_dim != ninp:
                raise ValueError('When using the tied flag, nhid must be equal to emsize')
            self.decoder.weight = self.encoder.weight
        self.init_weights()
        self.rnn_type, self.nhid, self.nlayers, self.proj = rnn_type, nhid, nlayers, proj

    def init_weights(self):
        initrange = 0.1
        nn.init.uniform_(self.encoder.weight, -initrange, initrange)
        nn.init.zeros_(self.decoder.bias)
        nn.init.uniform_(self.decoder.weight, -initrange, initrange)

    def forward(self, input, hidden):
        emb = self.drop(self.encoder(input))
        output, hidden = self.rnn(emb, hidden)
        output = self.drop(output)
        decoded = self.decoder(output).view(-1, self.ntoken)
        return F.log_softmax(decoded, dim=1), hidden

    def init_hidden(self, bsz):
        weight = next(self.parameters())
        if self.rnn_type == 'LSTM':
            return (weight.new_zeros(self.nlayers, bsz, self.proj or self.nhid),
                    weight.new_zeros(self.nlayers, bsz, self.nhid))
        return weight.new_zeros(self.nlayers, bsz, self.nhid)


def repackage_hidden(h):
    if isinstance(h, torch.Tensor):
        return h.detach()
    return tuple(repackage_hidden(v) for v in h)


def batchify(data, bsz):
    nbatch = data.size(0) // bsz
    data = data.narrow(0, 0, nbatch * bsz)
    return data.view(bsz, -1).t().contiguous()


def get_batch(source, i, bptt=8):
    seq_len = min(bptt, len(source) - 1 - i)
    return source[i:i + seq_len], source[i + 1:i + 1 + seq_len].view(-1)


corpus = torch.tensor([(i * 7 + (i // 5)) % 13 for i in range(300)])
train = batchify(corpus, 4)
print('batchified', train.shape, train[:3])

for rnn_type, proj, tie in [('LSTM', 12, True), ('GRU', 0, False), ('RNN_RELU', 0, False)]:
    torch.manual_seed(1)
    model = RNNModel(rnn_type, 13, 12, 20, 2, proj=proj, tie_weights=tie)
    print(f'--- {rnn_type}: {model.rnn}')
    print('params', sum(p.numel() for p in model.parameters()), [(n, tuple(p.shape)) for n, p in model.rnn.named_parameters()][:5])
    opt = torch.optim.SGD(model.parameters(), lr=1.0)
    hidden = model.init_hidden(4)
    model.train()
    total = 0.
    for batch, i in enumerate(range(0, train.size(0) - 1, 8)):
        data, targets = get_batch(train, i)
        hidden = repackage_hidden(hidden)
        model.zero_grad()
        output, hidden = model(data, hidden)
        loss = F.nll_loss(output, targets)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 0.25)
        for p in model.parameters():
            p.data.add_(p.grad, alpha=-1.0)
        total += loss.item()
        if batch % 3 == 0:
            print(f'{rnn_type} batch {batch} data {tuple(data.shape)} loss {loss.item():.4f} ppl {math.exp(loss.item()):.3f}')
    print('hidden', [tuple(h.shape) for h in hidden] if isinstance(hidden, tuple) else tuple(hidden.shape),
          'requires_grad', (hidden[0] if isinstance(hidden, tuple) else hidden).requires_grad)
    model.eval()
    with torch.no_grad():
        hidden = model.init_hidden(1)
        inp = torch.tensor([[3]])
        words = []
        for _ in range(12):
            output, hidden = model(inp, hidden)
            word_weights = output.squeeze().div(0.8).exp()
            word_idx = torch.multinomial(word_weights, 1)[0]
            inp.fill_(word_idx)
            words.append(word_idx.item())
        print('sampled', words)

try:
    RNNModel('GRU', 13, 12, 20, 2, tie_weights=True)
except ValueError as e:
    print('ValueError:', e)
with warnings.catch_warnings(record=True) as w:
    warnings.simplefilter('always')
    nn.LSTM(4, 4, 1, dropout=0.5)
    print('warning:', w[0].category.__name__, str(w[0].message)[:120])
try:
    nn.LSTM(4, 4, proj_size=4)
except ValueError as e:
    print('ValueError:', e)

# LSTMCell loop (weight-drop style: mask on hidden-to-hidden weights)
cell = nn.LSTMCell(6, 8)
mask = F.dropout(torch.ones_like(cell.weight_hh), p=0.3, training=True)
raw_w = cell.weight_hh.detach().clone()
print('mask kept fraction %.3f' % (mask > 0).float().mean().item(), 'scale', mask.max().item())
x = torch.randn(5, 3, 6)
h, c = torch.zeros(3, 8), torch.zeros(3, 8)
outs = []
for t in range(5):
    h, c = cell(x[t], (h, c))
    outs.append(h)
out = torch.stack(outs)
print('LSTMCell out', out.shape, out[-1, 0, :4])
lstm = nn.LSTM(6, 8)
lstm.load_state_dict({'weight_ih_l0': cell.weight_ih, 'weight_hh_l0': cell.weight_hh,
                      'bias_ih_l0': cell.bias_ih, 'bias_hh_l0': cell.bias_hh})
print('cell loop == nn.LSTM:', torch.allclose(lstm(x)[0], out, atol=1e-6))

seqs = [torch.randn(4, 6), torch.randn(2, 6), torch.randn(3, 6)]
packed = pack_sequence(seqs, enforce_sorted=False)
print('packed', type(packed).__name__, packed.data.shape, packed.batch_sizes, packed.sorted_indices, packed.unsorted_indices)
out, (hn, cn) = lstm(packed)
print('packed out', isinstance(out, PackedSequence), out.data.shape, 'hn', hn.shape)
for s, o in zip(seqs, unpack_sequence(out)):
    print('len', s.shape[0], 'matches unpacked run:', torch.allclose(lstm(s)[0], o, atol=1e-6))
padded, lens = pad_packed_sequence(out)
print('padded', padded.shape, lens, 'last hidden == hn:', torch.allclose(padded[lens - 1, torch.arange(3)], hn[0], atol=1e-6))
