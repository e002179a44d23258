# AWD-LSTM style regularization (salesforce/awd-lstm-lm, fastai): embedding dropout on whole
# words, locked (variational) dropout sharing one mask over time, DropConnect on weight_hh through
# a raw parameter re-applied before each forward, activation / temporal activation
# regularization (AR / TAR), NT-ASGD (ASGD optimizer with t0 / lambd), and an adaptive softmax
# (nn.AdaptiveLogSoftmaxWithLoss) over a Zipf-like vocabulary.
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(141)


def embedded_dropout(embed, words, dropout=0.1):
    mask = embed.weight.new_empty((embed.weight.size(0), 1)).bernoulli_(1 - dropout).expand_as(embed.weight) / (1 - dropout)
    masked_weight = mask * embed.weight
    return F.embedding(words, masked_weight, embed.padding_idx, embed.max_norm, embed.norm_type,
                       embed.scale_grad_by_freq, embed.sparse)


class LockedDropout(nn.Module):
    def forward(self, x, dropout=0.5):
        if not self.training or not dropout:
            return x
        m = x.new_empty(1, x.size(1), x.size(2)).bernoulli_(1 - dropout)
        return m.div_(1 - dropout).expand_as(x) * x


class WeightDropLSTM(nn.Module):
    """LSTM whose recurrent weight gets a fresh DropConnect mask every forward."""
    def __init__(self, ninp, nhid, dropout=0.3):
        super().__init__()
        self.lstm = nn.LSTM(ninp, nhid)
        self.dropout = dropout
        w = self.lstm.weight_hh_l0
        del self.lstm._parameters['weight_hh_l0']
        self.weight_hh_raw = nn.Parameter(w.data.clone())

    def forward(self, x, h=None):
        w = F.dropout(self.weight_hh_raw, p=self.dropout, training=self.training)
        out, h = torch.func.functional_call(self.lstm, {'weight_hh_l0': w}, (x, h) if h is not None else (x,))
        return out, h


class AWDLM(nn.Module):
    def __init__(self, ntok, emb=12, nhid=16):
        super().__init__()
        self.encoder = nn.Embedding(ntok, emb)
        self.rnns = nn.ModuleList([WeightDropLSTM(emb, nhid), WeightDropLSTM(nhid, emb)])
        self.lockdrop = LockedDropout()
        self.asm = nn.AdaptiveLogSoftmaxWithLoss(emb, ntok, cutoffs=[4, 10], div_value=2.0)

    def forward(self, inp, targets):
        emb = embedded_dropout(self.encoder, inp, dropout=0.1 if self.training else 0)
        x = self.lockdrop(emb, 0.2)
        raw_outs, outs = [], []
        for i, rnn in enumerate(self.rnns):
            x, _ = rnn(x)
            raw_outs.append(x)
            if i != len(self.rnns) - 1:
                x = self.lockdrop(x, 0.25)
                outs.append(x)
        x = self.lockdrop(x, 0.3)
        outs.append(x)
        res = self.asm(x.reshape(-1, x.size(2)), targets.reshape(-1))
        return res, raw_outs, outs


# a Zipf-like corpus
ntok = 20
probs = 1.0 / torch.arange(1, ntok + 1).float()
corpus = torch.multinomial(probs, 400, replacement=True)
print('counts', torch.bincount(corpus, minlength=ntok)[:8])
data = corpus[:396].view(-1, 4)
print(data.shape)

model = AWDLM(ntok)
print(model.asm)
print([n for n, _ in model.named_parameters()])
print('head', model.asm.head.weight.shape, [tuple(t[1].weight.shape) for t in model.asm.tail])

# locked dropout shares a mask over time
ld = LockedDropout().train()
z = ld(torch.ones(5, 2, 3), 0.5)
print(z[:, 0], torch.equal(z[0], z[4]))

opt = torch.optim.ASGD(model.parameters(), lr=0.5, t0=0, lambd=0.0, weight_decay=1.2e-6)
print(opt)
alpha, beta, bptt = 2.0, 1.0, 8
for step, i in enumerate(range(0, data.size(0) - 1 - bptt, bptt)):
    model.train()
    x, y = data[i:i + bptt], data[i + 1:i + 1 + bptt]
    opt.zero_grad()
    res, raw_outs, outs = model(x, y)
    loss = res.loss
    ar = alpha * outs[-1].pow(2).mean()
    tar = beta * (raw_outs[-1][1:] - raw_outs[-1][:-1]).pow(2).mean()
    (loss + ar + tar).backward()
    gn = nn.utils.clip_grad_norm_(model.parameters(), 0.25)
    opt.step()
    if step % 3 == 0:
        print(f'step {step} loss {loss.item():.4f} ar {ar.item():.5f} tar {tar.item():.5f} gn {gn.item():.4f} '
              f'out {tuple(res.output.shape)}')

st = opt.state[model.asm.head.weight]
print(sorted(st.keys()), st['step'], st['eta'], st['mu'])
print('ax close to param', torch.allclose(st['ax'], model.asm.head.weight.detach(), atol=1.0))

model.eval()
with torch.no_grad():
    x, y = data[:-1], data[1:]
    res, _, _ = model(x, y)
    lp = model.asm.log_prob(torch.randn(3, 12))
    print('eval loss', round(res.loss.item(), 4), 'log_prob', lp.shape, lp.exp().sum(1))
    print('predict', model.asm.predict(torch.randn(4, 12)))
    o1, _ = model.rnns[0](model.encoder(x[:3]))
    o2, _ = model.rnns[0](model.encoder(x[:3]))
    print('eval deterministic', torch.equal(o1, o2))
try:
    nn.AdaptiveLogSoftmaxWithLoss(12, ntok, cutoffs=[10, 4])
except ValueError as e:
    print('ValueError:', e)
try:
    model.asm(torch.randn(3, 12), torch.tensor([0, 1, ntok]))
except RuntimeError as e:
    print('RuntimeError:', e)
