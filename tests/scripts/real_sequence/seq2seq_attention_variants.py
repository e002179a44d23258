# Seq2seq encoder-decoder with Bahdanau (additive) and Luong (dot / general / concat) attention,
# as the translation tutorials and repos write it: bidirectional GRU encoder over a packed batch,
# source mask from lengths, teacher forcing chosen per step with random.random, masked attention,
# bmm context, training a few steps with Adam and clip_grad_norm_, greedy decoding.
import random

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

torch.manual_seed(0)
random.seed(0)

PAD, SOS, EOS = 0, 1, 2
V_SRC, V_TGT, E, H = 12, 10, 8, 16


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(V_SRC, E, padding_idx=PAD)
        self.rnn = nn.GRU(E, H, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(2 * H, H)

    def forward(self, src, lengths):
        packed = pack_padded_sequence(self.emb(src), lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, h = self.rnn(packed)
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=src.size(1))
        hidden = torch.tanh(self.fc(torch.cat((h[-2], h[-1]), dim=1)))
        return out, hidden


class BahdanauAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.W = nn.Linear(2 * H + H, H)
        self.v = nn.Linear(H, 1, bias=False)

    def forward(self, hidden, enc_out, mask):
        T = enc_out.size(1)
        hid = hidden.unsqueeze(1).repeat(1, T, 1)
        energy = torch.tanh(self.W(torch.cat((hid, enc_out), dim=2)))
        scores = self.v(energy).squeeze(2)
        scores = scores.masked_fill(mask == 0, -1e10)
        return F.softmax(scores, dim=1)


class LuongAttention(nn.Module):
    def __init__(self, method):
        super().__init__()
        self.method = method
        self.proj = nn.Linear(2 * H, H, bias=False)
        if method == 'general':
            self.W = nn.Linear(H, H, bias=False)
        elif method == 'concat':
            self.W = nn.Linear(2 * H, H)
            self.v = nn.Parameter(torch.rand(H))

    def forward(self, hidden, enc_out, mask):
        keys = self.proj(enc_out)
        if self.method == 'dot':
            scores = torch.bmm(keys, hidden.unsqueeze(2)).squeeze(2)
        elif self.method == 'general':
            scores = torch.sum(hidden.unsqueeze(1) * self.W(keys), dim=2)
        else:
            e = torch.tanh(self.W(torch.cat((hidden.unsqueeze(1).expand_as(keys), keys), 2)))
            scores = torch.einsum('bth,h->bt', e, self.v)
        scores = scores.masked_fill(~mask, float('-inf'))
        return torch.softmax(scores, dim=-1)


class Decoder(nn.Module):
    def __init__(self, attn):
        super().__init__()
        self.attn = attn
        self.emb = nn.Embedding(V_TGT, E)
        self.rnn = nn.GRU(2 * H + E, H)
        self.out = nn.Linear(2 * H + H + E, V_TGT)
        self.drop = nn.Dropout(0.1)

    def forward(self, tok, hidden, enc_out, mask):
        emb = self.drop(self.emb(tok)).unsqueeze(0)
        a = self.attn(hidden, enc_out, mask)
        ctx = torch.bmm(a.unsqueeze(1), enc_out).permute(1, 0, 2)
        out, h = self.rnn(torch.cat((emb, ctx), dim=2), hidden.unsqueeze(0))
        logits = self.out(torch.cat((out.squeeze(0), ctx.squeeze(0), emb.squeeze(0)), dim=1))
        return logits, h.squeeze(0), a


class Seq2Seq(nn.Module):
    def __init__(self, attn):
        super().__init__()
        self.enc, self.dec = Encoder(), Decoder(attn)

    def forward(self, src, lengths, tgt, tf_ratio=0.5):
        B, T = tgt.shape
        outputs = torch.zeros(B, T, V_TGT)
        enc_out, hidden = self.enc(src, lengths)
        mask = src != PAD
        tok = tgt[:, 0]
        for t in range(1, T):
            logits, hidden, _ = self.dec(tok, hidden, enc_out, mask)
            outputs[:, t] = logits
            teacher = random.random() < tf_ratio
            tok = tgt[:, t] if teacher else logits.argmax(1)
        return outputs


src = torch.tensor([[5, 6, 7, 8, 3], [4, 9, 3, 0, 0], [10, 11, 0, 0, 0], [7, 7, 7, 4, 0]])
lengths = (src != PAD).sum(1)
tgt = torch.tensor([[1, 5, 6, 7, 2, 0], [1, 4, 8, 2, 0, 0], [1, 9, 2, 0, 0, 0], [1, 3, 3, 5, 2, 0]])
print('lengths', lengths, lengths.dtype)

for name, attn in [('bahdanau', BahdanauAttention()), ('dot', LuongAttention('dot')),
                   ('general', LuongAttention('general')), ('concat', LuongAttention('concat'))]:
    torch.manual_seed(1)
    model = Seq2Seq(attn)
    n_params = sum(p.numel() for p in model.parameters() if p.requires_grad)
    print(name, 'params', n_params)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    crit = nn.CrossEntropyLoss(ignore_index=PAD)
    for step in range(12):
        model.train()
        opt.zero_grad()
        out = model(src, lengths, tgt, tf_ratio=0.75)
        loss = crit(out[:, 1:].reshape(-1, V_TGT), tgt[:, 1:].reshape(-1))
        loss.backward()
        gn = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if step % 4 == 0 or step == 11:
            print(f'  step {step:2d} loss {loss.item():.4f} grad_norm {gn.item():.4f}')
    model.eval()
    with torch.no_grad():
        enc_out, hidden = model.enc(src, lengths)
        mask = src != PAD
        tok = torch.full((src.size(0),), SOS, dtype=torch.long)
        preds, attns = [], []
        for t in range(5):
            logits, hidden, a = model.dec(tok, hidden, enc_out, mask)
            tok = logits.argmax(-1)
            preds.append(tok)
            attns.append(a)
        preds = torch.stack(preds, 1)
        attns = torch.stack(attns, 1)
        print('  greedy', preds.tolist())
        print('  attn shape', tuple(attns.shape), 'row sums', attns.sum(-1)[0].round(decimals=4))
        print('  attn on pad', attns[2, :, 2:].max().item())
        print('  attn[1,0]', attns[1, 0])

print(model)
