"""PyTorch's "(beta) Dynamic Quantization on an LSTM Word Language Model" tutorial, shrunk: an
RNNModel (Embedding -> 2-layer LSTM -> Linear decoder) trained briefly on a tiny synthetic corpus
(in float64, deployed in float32), then torch.quantization.quantize_dynamic(model, {nn.LSTM, nn.Linear},
dtype=torch.qint8); the printed models, quantized weights, and the evaluation loss / perplexity of
both models with batchified data and repackaged hidden states."""
import math
import warnings
import torch
import torch.nn as nn

warnings.filterwarnings("ignore")
torch.manual_seed(11)


class RNNModel(nn.Module):
    """Container module with an encoder, a recurrent module, and a decoder."""

    def __init__(self, ntoken, ninp, nhid, nlayers, dropout=0.5):
        super().__init__()
        self.drop = nn.Dropout(dropout)
        self.encoder = nn.Embedding(ntoken, ninp)
        self.rnn = nn.LSTM(ninp, nhid, nlayers, dropout=dropout)
        self.decoder = nn.Linear(nhid, ntoken)
        self.nhid, self.nlayers = nhid, nlayers
        self.init_weights()

    def init_weights(self):
        initrange = 0.1
        self.encoder.weight.data.uniform_(-initrange, initrange)
        self.decoder.bias.data.zero_()
        self.decoder.weight.data.uniform_(-initrange, initrange)

    def forward(self, input, hidden):
        emb = self.drop(self.encoder(input))
        output, hidden = self.rnn(emb, hidden)
        output = self.drop(output)
        decoded = self.decoder(output)
        return decoded, hidden

    def init_hidden(self, bsz):
        weight = next(self.parameters())
        return (weight.new_zeros(self.nlayers, bsz, self.nhid), weight.new_zeros(self.nlayers, bsz, self.nhid))


# a tiny "corpus": a noisy repeating grammar over 30 word ids
ntokens = 30
base = torch.tensor([1, 5, 9, 2, 7, 3, 11, 4, 8, 6, 13, 2])
corpus = base.repeat(40)
noise = torch.rand(len(corpus)) < 0.1
corpus[noise] = torch.randint(0, ntokens, (int(noise.sum()),))
train_data, test_data = corpus[:400], corpus[400:]


def batchify(data, bsz):
    nbatch = data.size(0) // bsz
    data = data.narrow(0, 0, nbatch * bsz)
    return data.view(bsz, -1).t().contiguous()


def get_batch(source, i, bptt=8):
    seq_len = min(bptt, len(source) - 1 - i)
    return source[i:i + seq_len], source[i + 1:i + 1 + seq_len].reshape(-1)


def repackage_hidden(h):
    if isinstance(h, torch.Tensor):
        return h.detach()
    return tuple(repackage_hidden(v) for v in h)


model = RNNModel(ntokens, 16, 32, 2, dropout=0.2).double()
criterion = nn.CrossEntropyLoss()
opt = torch.optim.Adam(model.parameters(), lr=0.01)
train = batchify(train_data, 4)
for epoch in range(3):
    model.train()
    hidden = model.init_hidden(4)
    total = 0.0
    n = 0
    for i in range(0, train.size(0) - 1, 8):
        data, targets = get_batch(train, i)
        hidden = repackage_hidden(hidden)
        output, hidden = model(data, hidden)
        loss = criterion(output.view(-1, ntokens), targets)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 0.25 * 10)
        opt.step()
        total += loss.item()
        n += 1
    print(f"| epoch {epoch + 1} | train loss {total / n:.4f} | ppl {math.exp(total / n):8.3f}")

model = model.float().eval()
quantized_model = torch.quantization.quantize_dynamic(model, {nn.LSTM, nn.Linear}, dtype=torch.qint8)
print(model)
print(quantized_model)
print("state_dict keys:", list(quantized_model.state_dict().keys()))
weights = quantized_model.rnn.get_weight()
for name, w in weights.items():
    print(f"{name}: {tuple(w.shape)} {w.dtype} scale={w.q_scale():.6f} |int|max={w.int_repr().abs().max().item()}")
print("biases:", {k: v.dtype for k, v in quantized_model.rnn.get_bias().items()})


def evaluate(model_, data_source, eval_batch_size=2):
    model_.eval()
    total_loss = 0.0
    hidden = model_.init_hidden(eval_batch_size)
    with torch.no_grad():
        for i in range(0, data_source.size(0) - 1, 8):
            data, targets = get_batch(data_source, i)
            output, hidden = model_(data, hidden)
            output_flat = output.view(-1, ntokens)
            total_loss += len(data) * criterion(output_flat, targets).item()
            hidden = repackage_hidden(hidden)
    return total_loss / (len(data_source) - 1)


test = batchify(test_data, 2)
for name, m in [("float", model), ("dynamic int8", quantized_model)]:
    loss = evaluate(m, test)
    print(f"{name:13s} test loss {loss:.4f} ppl {math.exp(loss):.3f}")

with torch.no_grad():
    data, _ = get_batch(test, 0)
    f_out, (fh, fc) = model(data, model.init_hidden(2))
    q_out, (qh, qc) = quantized_model(data, model.init_hidden(2))
    print("output shapes:", f_out.shape, q_out.shape, qh.shape, qc.shape)
    print("next-word predictions agree:", (f_out.argmax(-1) == q_out.argmax(-1)).float().mean().item())
    print("float next words:", f_out[:, 0].argmax(-1).tolist())
    print("quant next words:", q_out[:, 0].argmax(-1).tolist())
