# "NLP From Scratch: Classifying/Generating Names with a Character-Level RNN" style, with
# RNNCell/GRUCell/LSTMCell loops, hidden-state detaching (truncated BPTT), torch.Generator sampling
import string
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(123)
all_letters = string.ascii_letters + " .,;'"
n_letters = len(all_letters)
def letterToIndex(letter):
    return all_letters.find(letter)
def lineToTensor(line):
    tensor = torch.zeros(len(line), 1, n_letters)
    for li, letter in enumerate(line):
        tensor[li][0][letterToIndex(letter)] = 1
    return tensor
print(lineToTensor('Jones').size(), lineToTensor('Jo').nonzero())

class RNN(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.i2h = nn.Linear(input_size, hidden_size)
        self.h2h = nn.Linear(hidden_size, hidden_size)
        self.h2o = nn.Linear(hidden_size, output_size)
        self.softmax = nn.LogSoftmax(dim=1)
    def forward(self, input, hidden):
        hidden = F.tanh(self.i2h(input) + self.h2h(hidden))
        return self.softmax(self.h2o(hidden)), hidden
    def initHidden(self):
        return torch.zeros(1, self.hidden_size)

categories = ['English', 'French', 'Italian']
data = {'English': ['Smith', 'Jones', 'Brown'], 'French': ['Dubois', 'Lefevre', 'Moreau'],
        'Italian': ['Rossi', 'Russo', 'Ferrari']}
rnn = RNN(n_letters, 32, len(categories))
criterion = nn.NLLLoss()
g = torch.Generator().manual_seed(99)
for it in range(30):
    ci = torch.randint(0, 3, (1,), generator=g).item()
    li = torch.randint(0, 3, (1,), generator=g).item()
    category, line = categories[ci], data[categories[ci]][li]
    category_tensor = torch.tensor([ci], dtype=torch.long)
    line_tensor = lineToTensor(line)
    hidden = rnn.initHidden()
    rnn.zero_grad()
    for i in range(line_tensor.size()[0]):
        output, hidden = rnn(line_tensor[i], hidden)
    loss = criterion(output, category_tensor)
    loss.backward()
    for p in rnn.parameters():
        p.data.add_(p.grad.data, alpha=-0.05)
    if it % 6 == 0:
        top_n, top_i = output.topk(1)
        print(it, category, line, f'{loss.item():.4f}', categories[top_i[0].item()], top_n.item() < 0)

text = 'hello world, hello there. ' * 3
chars = sorted(set(text))
ix = {c: i for i, c in enumerate(chars)}
seq = torch.tensor([ix[c] for c in text])
print(len(chars), seq[:12], seq.dtype)
cells = {'rnn': nn.RNNCell(len(chars), 16, nonlinearity='relu'), 'gru': nn.GRUCell(len(chars), 16),
         'lstm': nn.LSTMCell(len(chars), 16)}
for name, cell in cells.items():
    head = nn.Linear(16, len(chars))
    opt = torch.optim.RMSprop(list(cell.parameters()) + list(head.parameters()), lr=0.01)
    h = torch.zeros(1, 16)
    c = torch.zeros(1, 16)
    for chunk in range(3):
        h = h.detach()
        c = c.detach()
        loss = 0
        for t in range(chunk * 10, chunk * 10 + 10):
            x = F.one_hot(seq[t:t + 1], len(chars)).float()
            if name == 'lstm':
                h, c = cell(x, (h, c))
            else:
                h = cell(x, h)
            loss = loss + F.cross_entropy(head(h), seq[t + 1:t + 2])
        opt.zero_grad()
        (loss / 10).backward()
        opt.step()
        print(name, chunk, f'{(loss / 10).item():.5f}', h.requires_grad, h.grad_fn.name())
    gen = torch.Generator().manual_seed(2024)
    out = [ix['h']]
    h = torch.zeros(1, 16)
    c = torch.zeros(1, 16)
    with torch.no_grad():
        for _ in range(15):
            x = F.one_hot(torch.tensor([out[-1]]), len(chars)).float()
            if name == 'lstm':
                h, c = cell(x, (h, c))
            else:
                h = cell(x, h)
            p = F.softmax(head(h)[0], dim=0)
            out.append(torch.multinomial(p, 1, generator=gen).item())
    print(repr(''.join(chars[i] for i in out)))

rnn = nn.RNN(4, 6, num_layers=2, nonlinearity='tanh', batch_first=False)
inp = torch.randn(5, 3, 4)
o, hn = rnn(inp)
print(o.shape, hn.shape, o[-1, 0], hn[-1, 0])
gru = nn.GRU(4, 6, bidirectional=True)
o, hn = gru(inp, torch.zeros(2, 3, 6))
print(o.shape, hn.shape, torch.allclose(o[-1, :, :6], hn[0]), torch.allclose(o[0, :, 6:], hn[1]))
lstm = nn.LSTM(4, 6, proj_size=3)
o, (hn, cn) = lstm(inp)
print(o.shape, hn.shape, cn.shape, o[2, 1])
print([(n, tuple(p.shape)) for n, p in lstm.named_parameters()])
single = nn.GRU(4, 6)(torch.randn(5, 4))
print(single[0].shape, single[1].shape)
