# A batched BiLSTM-CRF for named-entity tagging, as the pytorch-crf style repositories write it:
# transition matrix with start / end transitions, the forward algorithm in log space with
# torch.logsumexp and a mask, the gold-path score with gather, Viterbi decoding with max over the
# previous tag and backtracking through argmax pointers, the NLL trained for a few steps with SGD,
# and a brute-force check of the partition function over all tag paths on a tiny case.
import itertools

import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

torch.manual_seed(2)


class CRF(nn.Module):
    def __init__(self, num_tags):
        super().__init__()
        self.num_tags = num_tags
        self.start = nn.Parameter(torch.empty(num_tags).uniform_(-0.1, 0.1))
        self.end = nn.Parameter(torch.empty(num_tags).uniform_(-0.1, 0.1))
        self.trans = nn.Parameter(torch.empty(num_tags, num_tags).uniform_(-0.1, 0.1))

    def extra_repr(self):
        return f'num_tags={self.num_tags}'

    def score(self, em, tags, mask):
        # em: (T, B, K), tags: (T, B), mask: (T, B) bool
        T, B = tags.shape
        s = self.start[tags[0]] + em[0].gather(1, tags[0].unsqueeze(1)).squeeze(1)
        for t in range(1, T):
            step = self.trans[tags[t - 1], tags[t]] + em[t].gather(1, tags[t].unsqueeze(1)).squeeze(1)
            s = s + step * mask[t]
        last = tags.gather(0, (mask.long().sum(0) - 1).unsqueeze(0)).squeeze(0)
        return s + self.end[last]

    def partition(self, em, mask):
        alpha = self.start + em[0]
        for t in range(1, em.size(0)):
            nxt = torch.logsumexp(alpha.unsqueeze(2) + self.trans + em[t].unsqueeze(1), dim=1)
            alpha = torch.where(mask[t].unsqueeze(1), nxt, alpha)
        return torch.logsumexp(alpha + self.end, dim=1)

    def nll(self, em, tags, mask, reduction='mean'):
        llh = self.score(em, tags, mask) - self.partition(em, mask)
        return -llh.mean() if reduction == 'mean' else -llh.sum()

    @torch.no_grad()
    def viterbi(self, em, mask):
        T, B, K = em.shape
        score = self.start + em[0]
        history = []
        for t in range(1, T):
            nxt = score.unsqueeze(2) + self.trans + em[t].unsqueeze(1)
            best, idx = nxt.max(dim=1)
            score = torch.where(mask[t].unsqueeze(1), best, score)
            history.append(idx)
        score = score + self.end
        best_score, best_last = score.max(dim=1)
        lengths = mask.long().sum(0)
        paths = []
        for b in range(B):
            tag = best_last[b].item()
            path = [tag]
            for hist in reversed(history[:lengths[b] - 1]):
                tag = hist[b][tag].item()
                path.append(tag)
            paths.append(path[::-1])
        return best_score, paths


class BiLSTMCRF(nn.Module):
    def __init__(self, vocab, tags, emb=8, hidden=6):
        super().__init__()
        self.emb = nn.Embedding(vocab, emb, padding_idx=0)
        self.lstm = nn.LSTM(emb, hidden // 2, bidirectional=True)
        self.proj = nn.Linear(hidden, tags)
        self.crf = CRF(tags)

    def emissions(self, x, lengths):
        packed = pack_padded_sequence(self.emb(x), lengths, enforce_sorted=False)
        out, _ = self.lstm(packed)
        out, _ = pad_packed_sequence(out)
        return self.proj(out)


tag_names = ['O', 'B-PER', 'I-PER', 'B-LOC', 'I-LOC']
x = torch.tensor([[3, 4, 5, 6, 7], [8, 9, 2, 0, 0], [10, 3, 11, 12, 0], [5, 6, 0, 0, 0]]).t()
tags = torch.tensor([[1, 2, 0, 3, 4], [0, 0, 3, 0, 0], [1, 0, 0, 3, 0], [1, 2, 0, 0, 0]]).t()
mask = x != 0
lengths = mask.sum(0)
print(x.shape, lengths)

model = BiLSTMCRF(13, len(tag_names))
print(model)
em = model.emissions(x, lengths)
print('emissions', em.shape, em[0, 0])
print('gold score', model.crf.score(em, tags, mask))
print('log Z', model.crf.partition(em, mask))
print('nll', model.crf.nll(em, tags, mask))

# brute force check of log Z for the sequence of length 2 (index 3)
e3 = em[:2, 3]
tot = []
for path in itertools.product(range(5), repeat=2):
    s = model.crf.start[path[0]] + e3[0, path[0]] + model.crf.trans[path[0], path[1]] + e3[1, path[1]] + model.crf.end[path[1]]
    tot.append(s)
bf = torch.logsumexp(torch.stack(tot), 0)
print('brute force', torch.allclose(bf, model.crf.partition(em, mask)[3]), bf)

opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
for epoch in range(25):
    opt.zero_grad()
    loss = model.crf.nll(model.emissions(x, lengths), tags, mask)
    loss.backward()
    gn = nn.utils.clip_grad_norm_(model.parameters(), max_norm=5.0, norm_type=2)
    opt.step()
    if epoch % 6 == 0:
        print(f'epoch {epoch} nll {loss.item():.4f} grad {gn:.4f} trans_grad {model.crf.trans.grad.abs().sum():.4f}')

best, paths = model.crf.viterbi(model.emissions(x, lengths), mask)
print('viterbi scores', best)
for p, l in zip(paths, lengths.tolist()):
    print(len(p) == l, [tag_names[i] for i in p])
print('transitions\n', model.crf.trans.detach())
print('sum-reduced nll', model.crf.nll(model.emissions(x, lengths), tags, mask, reduction='sum').item())
