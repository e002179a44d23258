"""BERT-style masked-language-model data collator and head (HuggingFace DataCollatorForLanguageModeling
style): bernoulli 15% with special tokens excluded, 80% [MASK] / 10% random / 10% kept, labels -100
elsewhere, cross_entropy with ignore_index and label smoothing, a tied decoder with its own bias,
embeddings scaled by sqrt(d) and a tiny encoder trained a few steps."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)

PAD, CLS, SEP, MASK = 0, 1, 2, 3
V, d, L = 40, 16, 12
special = torch.tensor([PAD, CLS, SEP, MASK])


def make_batch(B):
    ids = torch.randint(4, V, (B, L))
    lens = torch.randint(6, L + 1, (B,))
    ids[:, 0] = CLS
    ar = torch.arange(L).expand(B, L)
    ids = torch.where(ar == (lens - 1)[:, None], torch.full_like(ids, SEP), ids)
    ids = ids.masked_fill(ar >= lens[:, None], PAD)
    return ids, (ids != PAD).long()


def mask_tokens(inputs, mlm_probability=0.15):
    labels = inputs.clone()
    probability_matrix = torch.full(labels.shape, mlm_probability)
    special_tokens_mask = torch.isin(labels, special)
    probability_matrix.masked_fill_(special_tokens_mask, value=0.0)
    masked_indices = torch.bernoulli(probability_matrix).bool()
    labels[~masked_indices] = -100
    indices_replaced = torch.bernoulli(torch.full(labels.shape, 0.8)).bool() & masked_indices
    inputs = inputs.clone()
    inputs[indices_replaced] = MASK
    indices_random = torch.bernoulli(torch.full(labels.shape, 0.5)).bool() & masked_indices & ~indices_replaced
    random_words = torch.randint(V, labels.shape, dtype=torch.long)
    inputs[indices_random] = random_words[indices_random]
    return inputs, labels


ids, attn = make_batch(6)
print('ids', ids)
print('attention mask sums', attn.sum(1).tolist())
inp, labels = mask_tokens(ids)
print('masked inputs', inp)
print('labels', labels)
sel = labels != -100
print('num masked', sel.sum().item(), 'as MASK', (inp[sel] == MASK).sum().item(),
      'unchanged', (inp[sel] == ids[sel]).sum().item())
print('isin dtype', torch.isin(ids, special).dtype, torch.isin(ids, special).sum().item())


class MLM(nn.Module):
    def __init__(self):
        super().__init__()
        self.tok = nn.Embedding(V, d, padding_idx=PAD)
        self.pos = nn.Parameter(torch.zeros(1, L, d))
        nn.init.trunc_normal_(self.pos, std=0.02)
        layer = nn.TransformerEncoderLayer(d, 2, 32, dropout=0.0, activation='gelu', batch_first=True)
        self.enc = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
        self.transform = nn.Sequential(nn.Linear(d, d), nn.GELU(), nn.LayerNorm(d, eps=1e-12))
        self.decoder = nn.Linear(d, V, bias=False)
        self.bias = nn.Parameter(torch.zeros(V))
        self.decoder.weight = self.tok.weight           # weight tying

    def forward(self, x, attn):
        h = self.tok(x) * math.sqrt(d) + self.pos[:, :x.size(1)]
        h = self.enc(h, src_key_padding_mask=attn == 0)
        return self.decoder(self.transform(h)) + self.bias


model = MLM()
print('tied', model.decoder.weight is model.tok.weight,
      'unique params', len(list(model.parameters())), 'named', len(dict(model.named_parameters())))
print('state_dict keys with weight tying', [k for k in model.state_dict() if 'tok' in k or 'decoder' in k])
logits = model(inp, attn)
print('logits', logits.shape)
loss = F.cross_entropy(logits.view(-1, V), labels.view(-1))
print('mlm loss', round(loss.item(), 4))
loss_ls = F.cross_entropy(logits.view(-1, V), labels.view(-1), ignore_index=-100, label_smoothing=0.1)
print('mlm loss smoothed', round(loss_ls.item(), 4))
manual = F.cross_entropy(logits[sel], labels[sel])
print('manual on selected', round(manual.item(), 4), torch.allclose(manual, loss))
per = F.cross_entropy(logits.transpose(1, 2), labels, reduction='none')
print('per-token loss shape', per.shape, 'zeros where ignored', (per[~sel] == 0).all().item())
print('sum reduction', round(F.cross_entropy(logits.view(-1, V), labels.view(-1), reduction='sum').item(), 3))
crit = nn.CrossEntropyLoss(label_smoothing=0.2)
print(crit, crit.ignore_index, crit.label_smoothing)
all_ignored = torch.full((3,), -100)
print('all ignored', F.cross_entropy(torch.randn(3, V), all_ignored))
nll = F.nll_loss(F.log_softmax(logits.view(-1, V), -1), labels.view(-1), ignore_index=-100)
print('nll equal', torch.allclose(nll, loss))

opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
for step in range(6):
    b_ids, b_attn = make_batch(8)
    b_inp, b_lab = mask_tokens(b_ids)
    out = model(b_inp, b_attn)
    loss = F.cross_entropy(out.view(-1, V), b_lab.view(-1), label_smoothing=0.1)
    opt.zero_grad()
    loss.backward()
    gn = nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    print(f'step {step} loss {loss.item():.4f} grad norm {gn.item():.4f} masked {(b_lab != -100).sum().item()}')
print('tied still', model.decoder.weight.data_ptr() == model.tok.weight.data_ptr())
with torch.no_grad():
    pred = model(inp, attn).argmax(-1)
print('predictions at masks', pred[sel].tolist())
print('accuracy at masks', (pred[sel] == labels[sel]).float().mean().item())
try:
    F.cross_entropy(logits.view(-1, V), labels.view(-1).float())
except RuntimeError as e:
    print('RuntimeError', e)
