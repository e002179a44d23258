"""nanoGPT-style sampling (temperature, top-k with torch.topk and -inf masking, top-p nucleus,
softmax + torch.multinomial, crop to block_size) on a tiny causal model, then an nn.Transformer
encoder-decoder copy task with generate_square_subsequent_mask, key padding masks and greedy decoding."""
import math

import torch
import torch.nn as nn
from torch.nn import functional as F

torch.manual_seed(0)


class TinyGPT(nn.Module):
    def __init__(self, vocab_size=20, block_size=16, n_embd=32, n_head=4, n_layer=2):
        super().__init__()
        self.block_size = block_size
        self.tok = nn.Embedding(vocab_size, n_embd)
        self.pos = nn.Embedding(block_size, n_embd)
        layer = nn.TransformerEncoderLayer(n_embd, n_head, 4 * n_embd, dropout=0.0, batch_first=True,
                                           norm_first=True, activation='gelu')
        self.blocks = nn.TransformerEncoder(layer, n_layer, enable_nested_tensor=False)
        self.ln_f = nn.LayerNorm(n_embd)
        self.lm_head = nn.Linear(n_embd, vocab_size, bias=False)
        self.tok.weight = self.lm_head.weight            # weight tying

    def forward(self, idx, targets=None):
        b, t = idx.size()
        assert t <= self.block_size, f'Cannot forward sequence of length {t}, block size is only {self.block_size}'
        pos = torch.arange(0, t, dtype=torch.long, device=idx.device)
        x = self.tok(idx) + self.pos(pos)
        mask = nn.Transformer.generate_square_subsequent_mask(t)
        x = self.blocks(x, mask=mask, is_causal=True)
        logits = self.lm_head(self.ln_f(x))
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1), ignore_index=-1)
        return logits, loss

    @torch.no_grad()
    def generate(self, idx, max_new_tokens, temperature=1.0, top_k=None, top_p=None):
        for _ in range(max_new_tokens):
            idx_cond = idx if idx.size(1) <= self.block_size else idx[:, -self.block_size:]
            logits, _ = self(idx_cond)
            logits = logits[:, -1, :] / temperature
            if top_k is not None:
                v, _ = torch.topk(logits, min(top_k, logits.size(-1)))
                logits[logits < v[:, [-1]]] = -float('Inf')
            if top_p is not None:
                sorted_logits, sorted_idx = torch.sort(logits, descending=True)
                cum = torch.cumsum(F.softmax(sorted_logits, dim=-1), dim=-1)
                remove = cum > top_p
                remove[..., 1:] = remove[..., :-1].clone()
                remove[..., 0] = False
                logits = logits.masked_fill(remove.scatter(1, sorted_idx, remove), float('-inf'))
            probs = F.softmax(logits, dim=-1)
            idx_next = torch.multinomial(probs, num_samples=1)
            idx = torch.cat((idx, idx_next), dim=1)
        return idx


model = TinyGPT()
n_params = sum(p.numel() for p in model.parameters())
print('number of parameters: %.4fM' % (n_params / 1e6,), n_params)
print('tied:', model.tok.weight is model.lm_head.weight, 'state_dict keys:', len(model.state_dict()))
print([k for k in model.state_dict().keys()][:8])
print(nn.Transformer.generate_square_subsequent_mask(4))

# counting task: next token = (token + 1) % 20
seq = (torch.arange(17).unsqueeze(0) + torch.randint(0, 20, (16, 1))) % 20
x, y = seq[:, :-1], seq[:, 1:].clone()
y[:2, :3] = -1                                           # ignored positions
opt = torch.optim.AdamW(model.parameters(), lr=3e-3, betas=(0.9, 0.95), weight_decay=0.1)
for it in range(15):
    logits, loss = model(x, y)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    if it % 2 == 0:
        print(f'iter {it}: loss {loss.item():.4f}')
print('logits', logits.shape, logits.dtype)

model.eval()
ctx = torch.tensor([[3, 4, 5]])
print('greedy-ish t=0.01 :', model.generate(ctx, 8, temperature=0.01)[0].tolist())
torch.manual_seed(42)
print('t=1.0 top_k=5     :', model.generate(ctx, 20, temperature=1.0, top_k=5)[0].tolist())
print('t=0.8 top_p=0.9   :', model.generate(ctx.repeat(2, 1), 10, temperature=0.8, top_p=0.9).tolist())
lg = torch.randn(2, 10)
v, ix = torch.topk(lg, 3)
print('topk values', v, 'indices', ix)
lg[lg < v[:, [-1]]] = -float('Inf')
print('masked', lg)
print('probs', F.softmax(lg, dim=-1))
try:
    model(torch.zeros(1, 17, dtype=torch.long))
except AssertionError as e:
    print('AssertionError:', e)


# ---- nn.Transformer seq2seq copy with padding and greedy decoding
class Seq2Seq(nn.Module):
    def __init__(self, vocab=12, d=32, pad=0):
        super().__init__()
        self.pad = pad
        self.emb = nn.Embedding(vocab, d, padding_idx=pad)
        self.d = d
        self.register_buffer('pe', self._pe(32, d))
        self.tf = nn.Transformer(d, 4, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=64,
                                 dropout=0.0, batch_first=True)
        self.out = nn.Linear(d, vocab)

    @staticmethod
    def _pe(n, d):
        pos = torch.arange(n).unsqueeze(1)
        div = torch.exp(torch.arange(0, d, 2) * (-math.log(10000.0) / d))
        pe = torch.zeros(n, d)
        pe[:, 0::2] = torch.sin(pos * div)
        pe[:, 1::2] = torch.cos(pos * div)
        return pe

    def embed(self, t):
        return self.emb(t) * math.sqrt(self.d) + self.pe[:t.size(1)]

    def forward(self, src, tgt):
        tgt_mask = self.tf.generate_square_subsequent_mask(tgt.size(1))
        h = self.tf(self.embed(src), self.embed(tgt), tgt_mask=tgt_mask, src_key_padding_mask=src == self.pad,
                    tgt_key_padding_mask=tgt == self.pad, memory_key_padding_mask=src == self.pad)
        return self.out(h)

    @torch.no_grad()
    def greedy(self, src, bos=1, max_len=7):
        memory = self.tf.encoder(self.embed(src), src_key_padding_mask=src == self.pad)
        ys = torch.full((src.size(0), 1), bos, dtype=torch.long)
        for _ in range(max_len - 1):
            mask = self.tf.generate_square_subsequent_mask(ys.size(1))
            out = self.tf.decoder(self.embed(ys), memory, tgt_mask=mask, memory_key_padding_mask=src == self.pad)
            nxt = self.out(out[:, -1]).argmax(-1, keepdim=True)
            ys = torch.cat([ys, nxt], dim=1)
        return ys


torch.manual_seed(3)
s2s = Seq2Seq()
print('seq2seq params', sum(p.numel() for p in s2s.parameters()))
src = torch.randint(2, 12, (8, 6))
src[0, 4:] = 0
src[3, 5:] = 0
tgt = torch.cat([torch.ones(8, 1, dtype=torch.long), src], 1)
opt = torch.optim.Adam(s2s.parameters(), lr=2e-3)
for it in range(12):
    logits = s2s(src, tgt[:, :-1])
    loss = F.cross_entropy(logits.reshape(-1, 12), tgt[:, 1:].reshape(-1), ignore_index=0)
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(f's2s iter {it} loss {loss.item():.4f}')
s2s.eval()
out = s2s.greedy(src[:3])
print('src   ', src[:3].tolist())
print('greedy', out.tolist())
print('accuracy %.3f' % (out[:, 1:] == src[:3]).float().mean().item())
