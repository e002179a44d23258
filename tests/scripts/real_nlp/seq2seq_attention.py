# PyTorch "NLP From Scratch: Translation with a Sequence to Sequence Network and Attention" style
import random
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import optim

random.seed(0)
torch.manual_seed(0)
SOS_token, EOS_token = 0, 1
pairs = [('je suis froid', 'i am cold'), ('il est grand', 'he is tall'), ('elle est petite', 'she is small'),
         ('nous sommes ici', 'we are here'), ('je suis content', 'i am happy'), ('il est fatigue', 'he is tired')]

class Lang:
    def __init__(self, name):
        self.name = name
        self.word2index = {}
        self.index2word = {0: 'SOS', 1: 'EOS'}
        self.n_words = 2
    def addSentence(self, s):
        for w in s.split(' '):
            if w not in self.word2index:
                self.word2index[w] = self.n_words
                self.index2word[self.n_words] = w
                self.n_words += 1

inp, out = Lang('fra'), Lang('eng')
for a, b in pairs:
    inp.addSentence(a)
    out.addSentence(b)
print(inp.name, inp.n_words, out.name, out.n_words)
MAX_LENGTH = 5

def tensorFromSentence(lang, s):
    idx = [lang.word2index[w] for w in s.split(' ')] + [EOS_token]
    return torch.tensor(idx, dtype=torch.long).view(1, -1)

class EncoderRNN(nn.Module):
    def __init__(self, input_size, hidden_size, dropout_p=0.1):
        super().__init__()
        self.embedding = nn.Embedding(input_size, hidden_size)
        self.gru = nn.GRU(hidden_size, hidden_size, batch_first=True)
        self.dropout = nn.Dropout(dropout_p)
    def forward(self, x):
        embedded = self.dropout(self.embedding(x))
        return self.gru(embedded)

class BahdanauAttention(nn.Module):
    def __init__(self, hidden_size):
        super().__init__()
        self.Wa = nn.Linear(hidden_size, hidden_size)
        self.Ua = nn.Linear(hidden_size, hidden_size)
        self.Va = nn.Linear(hidden_size, 1)
    def forward(self, query, keys):
        scores = self.Va(torch.tanh(self.Wa(query) + self.Ua(keys)))
        scores = scores.squeeze(2).unsqueeze(1)
        weights = F.softmax(scores, dim=-1)
        context = torch.bmm(weights, keys)
        return context, weights

class AttnDecoderRNN(nn.Module):
    def __init__(self, hidden_size, output_size, dropout_p=0.1):
        super().__init__()
        self.embedding = nn.Embedding(output_size, hidden_size)
        self.attention = BahdanauAttention(hidden_size)
        self.gru = nn.GRU(2 * hidden_size, hidden_size, batch_first=True)
        self.out = nn.Linear(hidden_size, output_size)
        self.dropout = nn.Dropout(dropout_p)
    def forward(self, encoder_outputs, encoder_hidden, target_tensor=None):
        batch_size = encoder_outputs.size(0)
        decoder_input = torch.empty(batch_size, 1, dtype=torch.long).fill_(SOS_token)
        decoder_hidden = encoder_hidden
        decoder_outputs, attentions = [], []
        for i in range(MAX_LENGTH):
            decoder_output, decoder_hidden, attn_weights = self.forward_step(decoder_input, decoder_hidden, encoder_outputs)
            decoder_outputs.append(decoder_output)
            attentions.append(attn_weights)
            if target_tensor is not None:
                decoder_input = target_tensor[:, i].unsqueeze(1)
            else:
                _, topi = decoder_output.topk(1)
                decoder_input = topi.squeeze(-1).detach()
        decoder_outputs = torch.cat(decoder_outputs, dim=1)
        decoder_outputs = F.log_softmax(decoder_outputs, dim=-1)
        attentions = torch.cat(attentions, dim=1)
        return decoder_outputs, decoder_hidden, attentions
    def forward_step(self, input, hidden, encoder_outputs):
        embedded = self.dropout(self.embedding(input))
        query = hidden.permute(1, 0, 2)
        context, attn_weights = self.attention(query, encoder_outputs)
        input_gru = torch.cat((embedded, context), dim=2)
        output, hidden = self.gru(input_gru, hidden)
        return self.out(output), hidden, attn_weights

hidden = 16
encoder = EncoderRNN(inp.n_words, hidden)
decoder = AttnDecoderRNN(hidden, out.n_words)
print(encoder)
print(decoder)
X = torch.zeros(len(pairs), MAX_LENGTH, dtype=torch.long)
Y = torch.zeros(len(pairs), MAX_LENGTH, dtype=torch.long)
for i, (a, b) in enumerate(pairs):
    x, y = tensorFromSentence(inp, a)[0], tensorFromSentence(out, b)[0]
    X[i, :len(x)] = x
    Y[i, :len(y)] = y
print(X)
print(Y)
enc_opt = optim.Adam(encoder.parameters(), lr=0.01)
dec_opt = optim.Adam(decoder.parameters(), lr=0.01)
criterion = nn.NLLLoss()
for epoch in range(1, 31):
    enc_opt.zero_grad()
    dec_opt.zero_grad()
    eo, eh = encoder(X)
    do, _, _ = decoder(eo, eh, Y)
    loss = criterion(do.view(-1, do.size(-1)), Y.view(-1))
    loss.backward()
    enc_opt.step()
    dec_opt.step()
    if epoch % 5 == 0:
        print(f'epoch {epoch} loss {loss.item():.5f}')
encoder.eval()
decoder.eval()
with torch.no_grad():
    for a, b in pairs[:3]:
        eo, eh = encoder(tensorFromSentence(inp, a))
        do, dh, att = decoder(eo, eh)
        _, topi = do.topk(1)
        ids = topi.squeeze()
        words = []
        for idx in ids:
            if idx.item() == EOS_token:
                words.append('<EOS>')
                break
            words.append(out.index2word[idx.item()])
        print(a, '->', ' '.join(words))
        print(att.shape, att[0, 0])
        print(dh.shape, dh.norm().item())

# LSTM seq2seq with teacher forcing ratio
class Seq2Seq(nn.Module):
    def __init__(self, vin, vout, emb=8, hid=12, layers=2):
        super().__init__()
        self.enc_emb = nn.Embedding(vin, emb)
        self.dec_emb = nn.Embedding(vout, emb)
        self.encoder = nn.LSTM(emb, hid, num_layers=layers, dropout=0.2)
        self.decoder = nn.LSTM(emb, hid, num_layers=layers, dropout=0.2)
        self.fc = nn.Linear(hid, vout)
        self.vout = vout
    def forward(self, src, trg, teacher_forcing_ratio=0.5):
        T, B = trg.shape
        outputs = torch.zeros(T, B, self.vout)
        _, (h, c) = self.encoder(self.enc_emb(src))
        x = trg[0, :]
        for t in range(1, T):
            o, (h, c) = self.decoder(self.dec_emb(x.unsqueeze(0)), (h, c))
            pred = self.fc(o.squeeze(0))
            outputs[t] = pred
            teacher_force = random.random() < teacher_forcing_ratio
            x = trg[t] if teacher_force else pred.argmax(1)
        return outputs

m = Seq2Seq(inp.n_words, out.n_words)
opt = optim.SGD(m.parameters(), lr=0.5, momentum=0.9)
crit = nn.CrossEntropyLoss(ignore_index=0)
src, trg = X.t().contiguous(), Y.t().contiguous()
print(src.shape, src.is_contiguous(), X.t().is_contiguous())
for epoch in range(10):
    opt.zero_grad()
    output = m(src, trg)
    loss = crit(output[1:].view(-1, output.shape[-1]), trg[1:].view(-1))
    loss.backward()
    gn = nn.utils.clip_grad_norm_(m.parameters(), 1)
    opt.step()
    print(epoch, round(loss.item(), 5), f'{gn.item():.4f}')
for name, p in m.named_parameters():
    if 'encoder' in name:
        print(name, tuple(p.shape), f'{p.data.abs().mean():.5f}')
