"""A GRU encoder / LSTM-cell-free GRU decoder seq2seq on a toy reversal task: variable-length
sequences batched with pad_sequence, the encoder on pack_padded_sequence / pad_packed_sequence
(bidirectional, hidden summed), teacher forcing with a ratio, and beam search that ranks
beam*vocab flattened scores with torch.topk (with length normalisation)."""
import random

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence

torch.manual_seed(0)
random.seed(0)
PAD, SOS, EOS = 0, 1, 2
V = 10


class Encoder(nn.Module):
    def __init__(self, vocab, emb, hid):
        super().__init__()
        self.embedding = nn.Embedding(vocab, emb, padding_idx=PAD)
        self.rnn = nn.GRU(emb, hid, batch_first=True, bidirectional=True)

    def forward(self, src, lengths):
        packed = pack_padded_sequence(self.embedding(src), lengths, batch_first=True, enforce_sorted=False)
        out, h = self.rnn(packed)
        out, out_lens = pad_packed_sequence(out, batch_first=True, padding_value=0.0)
        hid = out.size(2) // 2
        out = out[:, :, :hid] + out[:, :, hid:]
        return out, h[0:1] + h[1:2], out_lens


class Decoder(nn.Module):
    def __init__(self, vocab, emb, hid):
        super().__init__()
        self.embedding = nn.Embedding(vocab, emb, padding_idx=PAD)
        self.rnn = nn.GRU(emb + hid, hid, batch_first=True)
        self.out = nn.Linear(2 * hid, vocab)

    def forward(self, tok, h, enc_out, src_mask):
        e = self.embedding(tok).unsqueeze(1)                       # (B, 1, E)
        scores = torch.bmm(enc_out, h[-1].unsqueeze(2)).squeeze(2)  # dot attention (B, S)
        scores = scores.masked_fill(~src_mask, float('-inf'))
        attn = F.softmax(scores, dim=1)
        ctx = torch.bmm(attn.unsqueeze(1), enc_out)                # (B, 1, H)
        o, h = self.rnn(torch.cat([e, ctx], 2), h)
        logits = self.out(torch.cat([o.squeeze(1), ctx.squeeze(1)], 1))
        return F.log_softmax(logits, dim=1), h, attn


def make_batch(n):
    seqs = [torch.randint(3, V, (random.randint(2, 6),)) for _ in range(n)]
    lengths = torch.tensor([len(s) for s in seqs])
    src = pad_sequence(seqs, batch_first=True, padding_value=PAD)
    tgt = pad_sequence([torch.cat([s.flip(0), torch.tensor([EOS])]) for s in seqs], batch_first=True)
    return src, lengths, tgt


enc, dec = Encoder(V, 16, 24), Decoder(V, 16, 24)
print(enc)
print(dec)
print('enc params', sum(p.numel() for p in enc.parameters()), 'dec params', sum(p.numel() for p in dec.parameters()))
print('GRU weights:', [n for n, _ in enc.rnn.named_parameters()])

src, lengths, tgt = make_batch(6)
print('src\n', src, '\nlengths', lengths, '\ntgt\n', tgt)
packed = pack_padded_sequence(src, lengths, batch_first=True, enforce_sorted=False)
print('packed batch_sizes', packed.batch_sizes, 'sorted_indices', packed.sorted_indices)
print('packed data', packed.data)
unpacked, ul = pad_packed_sequence(packed, batch_first=True, total_length=8)
print('unpacked', unpacked.shape, ul)

params = list(enc.parameters()) + list(dec.parameters())
opt = torch.optim.Adam(params, lr=5e-3)
for step in range(14):
    src, lengths, tgt = make_batch(16)
    enc_out, h, _ = enc(src, lengths)
    mask = src[:, :enc_out.size(1)] != PAD
    tok = torch.full((src.size(0),), SOS, dtype=torch.long)
    loss, n_tok = 0.0, 0
    teacher = random.random() < 0.5
    for t in range(tgt.size(1)):
        logp, h, _ = dec(tok, h, enc_out, mask)
        loss = loss + F.nll_loss(logp, tgt[:, t], ignore_index=PAD, reduction='sum')
        n_tok += (tgt[:, t] != PAD).sum().item()
        tok = tgt[:, t] if teacher else logp.argmax(1).detach()
    loss = loss / n_tok
    opt.zero_grad()
    loss.backward()
    norm = nn.utils.clip_grad_norm_(params, 5.0)
    opt.step()
    print(f'step {step:2d} teacher={teacher!s:5} loss {loss.item():.4f} norm {norm.item():.3f}')


@torch.no_grad()
def beam_search(src, length, beam=3, max_len=8, alpha=0.7):
    enc_out, h, _ = enc(src.unsqueeze(0), length.view(1))
    mask = torch.ones(1, enc_out.size(1), dtype=torch.bool)
    seqs = torch.full((1, 1), SOS, dtype=torch.long)
    scores = torch.zeros(1)
    finished = []
    for t in range(max_len):
        k = seqs.size(0)
        logp, h_new, _ = dec(seqs[:, -1], h.expand(-1, k, -1).contiguous() if h.size(1) != k else h,
                             enc_out.expand(k, -1, -1), mask.expand(k, -1))
        cand = (scores.unsqueeze(1) + logp).view(-1)              # (k * V,)
        top_scores, top_idx = torch.topk(cand, beam)
        beam_idx = torch.div(top_idx, V, rounding_mode='floor')
        tok_idx = top_idx % V
        seqs = torch.cat([seqs[beam_idx], tok_idx.unsqueeze(1)], 1)
        h = h_new[:, beam_idx]
        scores = top_scores
        done = tok_idx == EOS
        for i in torch.nonzero(done).flatten().tolist():
            lp = ((5 + seqs.size(1) - 1) / 6) ** alpha
            finished.append((scores[i].item() / lp, seqs[i, 1:].tolist()))
        if done.all():
            break
        keep = ~done
        seqs, scores, h = seqs[keep], scores[keep], h[:, keep]
        beam = int(keep.sum())
    finished.sort(key=lambda x: -x[0])
    return finished[:3], seqs


enc.eval()
dec.eval()
src, lengths, tgt = make_batch(3)
for i in range(3):
    s = src[i, :lengths[i]]
    hyps, live = beam_search(s, lengths[i])
    print('src', s.tolist(), 'target', tgt[i, :lengths[i] + 1].tolist())
    for sc, hy in hyps:
        print('   %.4f %s' % (sc, hy))
    print('   live beams', live.shape)
try:
    pack_padded_sequence(src, torch.tensor([3, 0, 2]), batch_first=True, enforce_sorted=False)
except RuntimeError as e:
    print('RuntimeError:', e)
try:
    pack_padded_sequence(src, torch.tensor([2, 5, 3]), batch_first=True)
except RuntimeError as e:
    print('RuntimeError:', str(e)[:90])
