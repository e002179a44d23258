"""Sequential recommendation as SASRec / GRU4Rec implementations write it: left-padded item
histories, item + learned position embeddings, a causal mask combined with a key padding mask in
nn.TransformerEncoder, next-item prediction against the shared item table (weight tying) with
cross_entropy(ignore_index=0), GRU4Rec with pack_padded_sequence / pad_packed_sequence, and
evaluation of the last position with topk and masked history."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence

torch.manual_seed(0)
N_ITEMS, L, D = 30, 8, 16
g = torch.Generator().manual_seed(2)
seqs = []
for s in range(48):
    n = int(torch.randint(3, L + 2, (1,), generator=g))
    start = int(torch.randint(1, N_ITEMS, (1,), generator=g))
    step = int(torch.randint(1, 4, (1,), generator=g))
    seqs.append(((start + step * torch.arange(n)) % (N_ITEMS - 1)) + 1)   # items 1..N-1, 0 = pad
lengths = torch.tensor([len(s) for s in seqs])
print('lengths', lengths[:10].tolist(), 'max', lengths.max().item())

# left-pad to L+1 (inputs = first L, targets = shifted by one)
batch = torch.zeros(len(seqs), L + 1, dtype=torch.long)
for k, s in enumerate(seqs):
    s = s[-(L + 1):]
    batch[k, -len(s):] = s
inputs, targets = batch[:, :-1], batch[:, 1:]
targets = targets.masked_fill(inputs == 0, 0)
print('inputs', inputs[:2].tolist())
print('targets', targets[:2].tolist())
right = pad_sequence(seqs, batch_first=True, padding_value=0)
print('pad_sequence', right.shape, right[0].tolist())
print('padding_side left', pad_sequence(seqs[:2], batch_first=True, padding_side='left').tolist())


class SASRec(nn.Module):
    def __init__(self):
        super().__init__()
        self.item = nn.Embedding(N_ITEMS, D, padding_idx=0)
        self.pos = nn.Embedding(L, D)
        layer = nn.TransformerEncoderLayer(D, 2, 32, dropout=0.0, batch_first=True, norm_first=True)
        self.enc = nn.TransformerEncoder(layer, 2, norm=nn.LayerNorm(D), enable_nested_tensor=False)
        self.register_buffer('causal', nn.Transformer.generate_square_subsequent_mask(L))

    def forward(self, x):
        h = self.item(x) * D ** 0.5 + self.pos(torch.arange(x.shape[1]))
        h = h * (x != 0).unsqueeze(-1)
        pad = x == 0
        pad[:, -1] = False                        # keep at least one key per row
        h = self.enc(h, mask=self.causal, src_key_padding_mask=pad)
        return h @ self.item.weight.T             # tied output layer


print('causal mask', SASRec().causal[:3, :3])
model = SASRec()
print('item pad row', model.item.weight[0].abs().sum().item())
opt = torch.optim.Adam(model.parameters(), lr=5e-3, betas=(0.9, 0.98))
for step in range(25):
    logits = model(inputs)
    loss = F.cross_entropy(logits.reshape(-1, N_ITEMS), targets.reshape(-1), ignore_index=0)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 6 == 0 or step == 24:
        print(f'sasrec step {step:2d} loss {loss.item():.4f}')
print('pad row grad', model.item.weight.grad[0].abs().sum().item())

model.eval()
with torch.no_grad():
    last = model(inputs)[:, -1]
    seen = torch.zeros(len(seqs), N_ITEMS, dtype=torch.bool).scatter_(1, inputs, True)
    seen[:, 0] = True
    last = last.masked_fill(seen, -1e9)
    top = last.topk(5, dim=1).indices
    truth = batch[:, -1]
    print('hit@5', (top == truth[:, None]).any(1).float().mean().item())
    print('top5 row0', top[0].tolist(), 'truth', truth[0].item())


class GRU4Rec(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(N_ITEMS, D, padding_idx=0)
        self.gru = nn.GRU(D, D, batch_first=True)
        self.out = nn.Linear(D, N_ITEMS)

    def forward(self, x, lens):
        packed = pack_padded_sequence(self.emb(x), lens, batch_first=True, enforce_sorted=False)
        out, h = self.gru(packed)
        out, out_lens = pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])
        return self.out(out), h, out_lens


gin = right[:, :-1]
gtg = right[:, 1:]
glen = (lengths - 1).clamp(max=gin.shape[1])
gru = GRU4Rec()
packed = pack_padded_sequence(gin[:3], glen[:3], batch_first=True, enforce_sorted=False)
print('packed batch sizes', packed.batch_sizes.tolist(), 'sorted idx', packed.sorted_indices.tolist())
opt = torch.optim.Adagrad(gru.parameters(), lr=0.1)
for step in range(15):
    logits, h, out_lens = gru(gin, glen)
    loss = F.cross_entropy(logits.transpose(1, 2), gtg, ignore_index=0)
    opt.zero_grad()
    loss.backward()
    nn.utils.clip_grad_value_(gru.parameters(), 1.0)
    opt.step()
    if step % 5 == 4:
        print(f'gru4rec step {step} loss {loss.item():.4f}')
print('h', h.shape, 'out lens', out_lens[:6].tolist())
last_idx = (glen - 1).view(-1, 1, 1).expand(-1, 1, N_ITEMS)
final = logits.gather(1, last_idx).squeeze(1)
print('final equals h-based', torch.allclose(final, gru.out(h[0]), atol=1e-5))
