# A bidirectional multi-layer LSTM / GRU sequence tagger (POS / NER style) with dropout between
# layers, embedding dropout and an LSTM with proj_size: parameter names and shapes, the module
# reprs, train-mode outputs (the inter-layer dropout draws from the global generator), eval-mode
# determinism, masked token accuracy, and a short training run with weight decay and a
# StepLR schedule.
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(42)

V, T_TAGS, E, H = 30, 5, 12, 10


class Tagger(nn.Module):
    def __init__(self, cell='lstm', layers=2, proj=0):
        super().__init__()
        self.emb = nn.Embedding(V, E, padding_idx=0)
        self.emb_drop = nn.Dropout(0.2)
        kw = dict(num_layers=layers, bidirectional=True, batch_first=True, dropout=0.3)
        if cell == 'lstm':
            self.rnn = nn.LSTM(E, H, proj_size=proj, **kw)
        else:
            self.rnn = nn.GRU(E, H, **kw)
        out_dim = 2 * (proj if proj else H)
        self.fc = nn.Linear(out_dim, T_TAGS)

    def forward(self, x):
        h, _ = self.rnn(self.emb_drop(self.emb(x)))
        return self.fc(h)


x = torch.randint(1, V, (4, 7))
x[1, 5:] = 0
x[3, 3:] = 0
y = torch.randint(0, T_TAGS, (4, 7))
y[x == 0] = -100
mask = x != 0
print(x)
print(mask.sum(1))

for cell, proj in [('lstm', 0), ('lstm', 4), ('gru', 0)]:
    torch.manual_seed(0)
    m = Tagger(cell, 2, proj)
    print(m)
    for n, p in m.rnn.named_parameters():
        if n.endswith('l1_reverse') or n.endswith('l0'):
            print(' ', n, tuple(p.shape))
    print('  num params', sum(p.numel() for p in m.parameters()))
    m.train()
    torch.manual_seed(1)
    a = m(x)
    torch.manual_seed(1)
    b = m(x)
    c = m(x)
    print('  train same seed equal', torch.equal(a, b), 'different draw equal', torch.equal(b, c))
    print('  train logits[0,0]', a[0, 0])
    m.eval()
    with torch.no_grad():
        e1, e2 = m(x), m(x)
    print('  eval equal', torch.equal(e1, e2), e1.shape)
    print('  eval logits[3,:3]', e1[3, :3])
    out, (hn, cn) = (m.rnn(m.emb(x)) if cell == 'lstm' else (m.rnn(m.emb(x))[0], (m.rnn(m.emb(x))[1], None)))
    print('  out', tuple(out.shape), 'h_n', tuple(hn.shape), 'c_n', None if cn is None else tuple(cn.shape))

    opt = torch.optim.AdamW(m.parameters(), lr=0.02, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=5, gamma=0.5)
    m.train()
    for step in range(12):
        opt.zero_grad()
        logits = m(x)
        loss = F.cross_entropy(logits.transpose(1, 2), y)
        loss.backward()
        opt.step()
        sched.step()
        if step % 4 == 3:
            m.eval()
            with torch.no_grad():
                pred = m(x).argmax(-1)
            acc = ((pred == y) & mask).sum().item() / mask.sum().item()
            m.train()
            print(f'  step {step} loss {loss.item():.4f} acc {acc:.3f} lr {sched.get_last_lr()[0]:.4f}')

# proj_size constraints and explicit initial states
try:
    nn.LSTM(4, 3, proj_size=3)
except ValueError as e:
    print('ValueError:', e)
try:
    nn.GRU(4, 3, proj_size=2)
except (ValueError, TypeError) as e:
    print(type(e).__name__)
lstm = nn.LSTM(4, 6, num_layers=2, proj_size=2, bidirectional=True)
inp = torch.randn(5, 3, 4)
h0 = torch.zeros(4, 3, 2)
c0 = torch.zeros(4, 3, 6)
o, (hn, cn) = lstm(inp, (h0, c0))
print(o.shape, hn.shape, cn.shape)
print(lstm.weight_hr_l0.shape, lstm.weight_hh_l1_reverse.shape, lstm.weight_ih_l1.shape)
try:
    lstm(inp, (torch.zeros(4, 3, 6), c0))
except RuntimeError as e:
    print('RuntimeError:', e)
try:
    lstm(inp, (h0, torch.zeros(4, 3, 2)))
except RuntimeError as e:
    print('RuntimeError:', e)
print(lstm.state_dict().keys())
