# A character-level language model (karpathy char-rnn / the PyTorch word_language_model example):
# text encoded to a LongTensor, batchify into columns, get_batch with bptt, truncated BPTT with
# repackage_hidden (detach), clip_grad_norm_, manual SGD update over parameters, perplexity,
# saving the best state_dict in memory, and sampling with a temperature through torch.multinomial
# with its own Generator, plus top-k filtering.
import copy
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(1111)

text = ('the quick brown fox jumps over the lazy dog. ' * 6 + 'pack my box with five dozen liquor jugs. ' * 4)
chars = sorted(set(text))
stoi = {c: i for i, c in enumerate(chars)}
itos = {i: c for c, i in stoi.items()}
data = torch.tensor([stoi[c] for c in text], dtype=torch.long)
print(len(chars), data.shape, data[:12])


def batchify(d, bsz):
    nbatch = d.size(0) // bsz
    d = d.narrow(0, 0, nbatch * bsz)
    return d.view(bsz, -1).t().contiguous()


def get_batch(source, i, bptt):
    seq_len = min(bptt, len(source) - 1 - i)
    return source[i:i + seq_len], source[i + 1:i + 1 + seq_len].reshape(-1)


def repackage_hidden(h):
    if isinstance(h, torch.Tensor):
        return h.detach()
    return tuple(repackage_hidden(v) for v in h)


class RNNModel(nn.Module):
    def __init__(self, rnn_type, ntoken, ninp, nhid, nlayers, dropout=0.2, tie_weights=False):
        super().__init__()
        self.drop = nn.Dropout(dropout)
        self.encoder = nn.Embedding(ntoken, ninp)
        self.rnn = getattr(nn, rnn_type)(ninp, nhid, nlayers, dropout=dropout)
        self.decoder = nn.Linear(nhid, ntoken)
        if tie_weights:
            self.decoder.weight = self.encoder.weight
        self.rnn_type, self.nhid, self.nlayers = rnn_type, nhid, nlayers
        initrange = 0.1
        nn.init.uniform_(self.encoder.weight, -initrange, initrange)
        nn.init.zeros_(self.decoder.bias)
        nn.init.uniform_(self.decoder.weight, -initrange, initrange)

    def forward(self, inp, hidden):
        emb = self.drop(self.encoder(inp))
        output, hidden = self.rnn(emb, hidden)
        output = self.drop(output)
        decoded = self.decoder(output).view(-1, self.decoder.out_features)
        return F.log_softmax(decoded, dim=1), hidden

    def init_hidden(self, bsz):
        weight = next(self.parameters())
        if self.rnn_type == 'LSTM':
            return (weight.new_zeros(self.nlayers, bsz, self.nhid), weight.new_zeros(self.nlayers, bsz, self.nhid))
        return weight.new_zeros(self.nlayers, bsz, self.nhid)


train = batchify(data, 4)
print('batchified', train.shape, train.is_contiguous(), train[:3])
bptt = 12
for rnn_type, tie in [('LSTM', True), ('GRU', False)]:
    torch.manual_seed(0)
    model = RNNModel(rnn_type, len(chars), 16, 16, 2, tie_weights=tie)
    print(rnn_type, 'tied', model.decoder.weight is model.encoder.weight, len(list(model.parameters())),
          sum(p.numel() for p in model.parameters()))
    crit = nn.NLLLoss()
    lr = 2.0
    best, best_state = None, None
    for epoch in range(3):
        model.train()
        hidden = model.init_hidden(4)
        total, n = 0.0, 0
        for batch, i in enumerate(range(0, train.size(0) - 1, bptt)):
            x, y = get_batch(train, i, bptt)
            hidden = repackage_hidden(hidden)
            model.zero_grad()
            out, hidden = model(x, hidden)
            loss = crit(out, y)
            loss.backward()
            norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 0.25)
            for p in model.parameters():
                p.data.add_(p.grad, alpha=-lr)
            total += loss.item() * len(x)
            n += len(x)
        h0 = hidden[0] if isinstance(hidden, tuple) else hidden
        avg = total / n
        print(f'  epoch {epoch} loss {avg:.4f} ppl {math.exp(avg):.3f} last norm {norm:.4f} '
              f'h requires_grad {h0.requires_grad} grad_fn {type(h0.grad_fn).__name__}')
        if best is None or avg < best:
            best, best_state = avg, copy.deepcopy(model.state_dict())
    print('  best', round(best, 4), list(best_state.keys())[:3])

    model.load_state_dict(best_state)
    model.eval()
    gen = torch.Generator().manual_seed(7)
    for temperature in [0.5, 1.0, 1.5]:
        hidden = model.init_hidden(1)
        inp = torch.tensor([[stoi['t']]])
        out_chars = ['t']
        with torch.no_grad():
            for _ in range(30):
                logp, hidden = model(inp, hidden)
                weights = logp.squeeze().div(temperature).exp()
                idx = torch.multinomial(weights, 1, generator=gen).item()
                inp.fill_(idx)
                out_chars.append(itos[idx])
        print(f'  T={temperature}:', repr(''.join(out_chars)))
    # top-k sampling from probabilities, several samples at once
    with torch.no_grad():
        logp, _ = model(torch.tensor([[stoi['o']]]), model.init_hidden(1))
        v, ix = logp.topk(5)
        probs = torch.zeros_like(logp).scatter_(1, ix, v.exp())
        probs = probs / probs.sum()
        print('  topk', [itos[i] for i in ix[0].tolist()], probs.sum().item() > 0.999)
        s = torch.multinomial(probs, 8, replacement=True, generator=gen)
        print('  samples', s.tolist())
        s2 = torch.multinomial(probs.expand(3, -1), 2, replacement=False, generator=gen)
        print('  no replacement', s2.tolist())
        # unigram fallback sampler from raw character counts (needs float weights)
        counts = torch.bincount(data, minlength=len(chars))
        try:
            torch.multinomial(counts, 4, generator=gen)
        except RuntimeError as e:
            print('  RuntimeError:', e)
        print('  unigram', torch.multinomial(counts.float(), 6, replacement=True, generator=gen).tolist())
        try:
            torch.multinomial(probs.view(1, 1, -1), 1, generator=gen)
        except RuntimeError as e:
            print('  RuntimeError:', e)
