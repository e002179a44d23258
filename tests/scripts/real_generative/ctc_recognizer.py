"""A CTC sequence recogniser (DeepSpeech / CRNN style) on synthetic 'spectrograms': Conv1d front end,
bidirectional LSTM, log_softmax over (T, N, C), nn.CTCLoss with padded and concatenated targets,
per-sample losses, zero_infinity for impossible alignments, greedy decoding with unique_consecutive,
and a CTC prefix beam search."""
import collections
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
BLANK, C = 0, 6                       # blank + 5 symbols
FRAMES_PER_SYMBOL = 3


def make_example(length):
    labels = torch.randint(1, C, (length,))
    frames = []
    for s in labels.tolist():
        proto = torch.zeros(8)
        proto[s] = 1.0
        frames.append(proto.repeat(FRAMES_PER_SYMBOL, 1))
        frames.append(torch.zeros(1, 8))                    # a silence frame between symbols
    x = torch.cat(frames) + 0.1 * torch.randn(length * (FRAMES_PER_SYMBOL + 1), 8)
    return x, labels


class Recognizer(nn.Module):
    def __init__(self, n_feats=8, hidden=24, n_classes=C):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv1d(n_feats, hidden, 3, padding=1, bias=False), nn.BatchNorm1d(hidden), nn.GELU())
        self.rnn = nn.LSTM(hidden, hidden, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(2 * hidden, n_classes)

    def forward(self, x, lengths):
        h = self.conv(x.transpose(1, 2)).transpose(1, 2)
        packed = nn.utils.rnn.pack_padded_sequence(h, lengths, batch_first=True, enforce_sorted=False)
        out, _ = self.rnn(packed)
        out, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True)
        return self.fc(out).log_softmax(-1).transpose(0, 1)          # (T, N, C)


def batch(n):
    exs = [make_example(int(l)) for l in torch.randint(2, 6, (n,))]
    xs = nn.utils.rnn.pad_sequence([e[0] for e in exs], batch_first=True)
    in_lens = torch.tensor([e[0].shape[0] for e in exs])
    tg = nn.utils.rnn.pad_sequence([e[1] for e in exs], batch_first=True)
    tg_lens = torch.tensor([e[1].shape[0] for e in exs])
    return xs, in_lens, tg, tg_lens


model = Recognizer()
print(model)
print('params', sum(p.numel() for p in model.parameters()))
ctc = nn.CTCLoss(blank=BLANK, reduction='mean', zero_infinity=True)
print(ctc, ctc.blank, ctc.zero_infinity)
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for step in range(15):
    xs, in_lens, tg, tg_lens = batch(8)
    log_probs = model(xs, in_lens)
    loss = ctc(log_probs, tg, in_lens, tg_lens)
    opt.zero_grad()
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), 5.0)
    opt.step()
    if step % 2 == 0:
        print(f'step {step:2d} ctc {loss.item():.4f} T={log_probs.shape[0]} log_probs {tuple(log_probs.shape)}')

model.eval()
xs, in_lens, tg, tg_lens = batch(4)
with torch.no_grad():
    lp = model(xs, in_lens)
per = F.ctc_loss(lp, tg, in_lens, tg_lens, reduction='none')
print('per-sample', per, per.dtype)
flat = torch.cat([tg[i, :tg_lens[i]] for i in range(4)])
print('concatenated targets give the same:', torch.allclose(per, F.ctc_loss(lp, flat, in_lens, tg_lens, reduction='none')))
print('sum', F.ctc_loss(lp, tg, tuple(in_lens.tolist()), tuple(tg_lens.tolist()), reduction='sum'))
short = in_lens.clone()
short[1] = 2
print('impossible (inf):', F.ctc_loss(lp, tg, short, tg_lens, reduction='none'))
print('zero_infinity:', F.ctc_loss(lp, tg, short, tg_lens, reduction='none', zero_infinity=True))
q = lp.detach().clone().requires_grad_()
r = F.ctc_loss(q, tg, in_lens, tg_lens, reduction='none')
print('grad_fn', r.grad_fn.name())
r.sum().backward()
print('grad rows sum to ~0:', bool(q.grad[:int(in_lens.min())].sum(-1).abs().max() < 1e-4), 'grad beyond length zero:',
      bool((q.grad[in_lens[0]:, 0] == 0).all()) if in_lens[0] < q.shape[0] else True)


def greedy_decode(lp, lens):
    best = lp.argmax(-1).t()
    out = []
    for seq, n in zip(best, lens):
        u = torch.unique_consecutive(seq[:n])
        out.append(u[u != BLANK].tolist())
    return out


def prefix_beam_search(probs, beam=4):
    beams = {(): (1.0, 0.0)}                          # prefix -> (p_blank, p_non_blank)
    for t in range(probs.shape[0]):
        nxt = collections.defaultdict(lambda: [0.0, 0.0])
        for prefix, (pb, pnb) in beams.items():
            for c in range(probs.shape[1]):
                p = probs[t, c].item()
                if c == BLANK:
                    nxt[prefix][0] += (pb + pnb) * p
                    continue
                last = prefix[-1] if prefix else None
                new = prefix + (c,)
                if c == last:
                    nxt[new][1] += pb * p
                    nxt[prefix][1] += pnb * p
                else:
                    nxt[new][1] += (pb + pnb) * p
        beams = dict(sorted(nxt.items(), key=lambda kv: -sum(kv[1]))[:beam])
    best, (pb, pnb) = max(beams.items(), key=lambda kv: sum(kv[1]))
    return list(best), math.log(pb + pnb)


print('targets:', [tg[i, :tg_lens[i]].tolist() for i in range(4)])
print('greedy :', greedy_decode(lp, in_lens))
for i in range(2):
    seq, score = prefix_beam_search(lp[:in_lens[i], i].exp())
    print(f'beam {i}:', seq, '%.4f' % score, 'ctc says %.4f' % -F.ctc_loss(lp[:in_lens[i], i], torch.tensor(seq),
                                                                       (int(in_lens[i]),), (len(seq),), reduction='sum').item())
vals, counts = torch.unique_consecutive(torch.tensor([0, 0, 3, 3, 0, 2, 2, 2]), return_counts=True)
print('unique_consecutive', vals, counts)
