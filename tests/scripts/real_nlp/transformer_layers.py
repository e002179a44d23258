# nn.MultiheadAttention with key_padding_mask, nn.TransformerEncoder/Decoder, masks, positional encoding
import math
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(11)

class PositionalEncoding(nn.Module):
    def __init__(self, d_model, dropout=0.1, max_len=50):
        super().__init__()
        self.dropout = nn.Dropout(p=dropout)
        position = torch.arange(max_len).unsqueeze(1)
        div_term = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
        pe = torch.zeros(max_len, 1, d_model)
        pe[:, 0, 0::2] = torch.sin(position * div_term)
        pe[:, 0, 1::2] = torch.cos(position * div_term)
        self.register_buffer('pe', pe)
    def forward(self, x):
        x = x + self.pe[:x.size(0)]
        return self.dropout(x)

pe = PositionalEncoding(8)
print(pe.pe[:3, 0])
print(pe.pe.shape, pe.pe.dtype)

mha = nn.MultiheadAttention(embed_dim=8, num_heads=2, batch_first=True)
q = torch.randn(2, 4, 8)
kv = torch.randn(2, 5, 8)
kpm = torch.tensor([[False, False, False, True, True], [False, False, False, False, False]])
out, w = mha(q, kv, kv, key_padding_mask=kpm)
print(out.shape, w.shape)
print(w[0])
print(out[0, 0])
out2, w2 = mha(q, kv, kv, key_padding_mask=kpm, average_attn_weights=False)
print(w2.shape, w2[0, 1, 0])
out3, w3 = mha(q, q, q, attn_mask=nn.Transformer.generate_square_subsequent_mask(4), need_weights=True)
print(nn.Transformer.generate_square_subsequent_mask(4))
print(w3[1])
out4, none = mha(q, q, q, need_weights=False, is_causal=True, attn_mask=torch.triu(torch.ones(4, 4, dtype=torch.bool), 1))
print(none, out4[1, 2])
print(torch.allclose(out4, out3, atol=1e-6))

enc_layer = nn.TransformerEncoderLayer(d_model=8, nhead=2, dim_feedforward=16, dropout=0.0, batch_first=True)
encoder = nn.TransformerEncoder(enc_layer, num_layers=2, enable_nested_tensor=False)
src = torch.randn(3, 6, 8)
src_kpm = torch.zeros(3, 6, dtype=torch.bool)
src_kpm[0, 4:] = True
memory = encoder(src, src_key_padding_mask=src_kpm)
print(memory.shape, memory[0, 0])
dec_layer = nn.TransformerDecoderLayer(d_model=8, nhead=2, dim_feedforward=16, dropout=0.0, batch_first=True, norm_first=True)
decoder = nn.TransformerDecoder(dec_layer, num_layers=2, norm=nn.LayerNorm(8))
tgt = torch.randn(3, 5, 8)
tgt_mask = nn.Transformer.generate_square_subsequent_mask(5)
y = decoder(tgt, memory, tgt_mask=tgt_mask, memory_key_padding_mask=src_kpm, tgt_is_causal=True)
print(y.shape, y[1, -1])
print(sum(p.numel() for p in decoder.parameters()), len(decoder.layers))
print([n for n, _ in dec_layer.named_children()])

class TinyTranslator(nn.Module):
    def __init__(self, vs, vt, d=16):
        super().__init__()
        self.src_emb = nn.Embedding(vs, d, padding_idx=0)
        self.tgt_emb = nn.Embedding(vt, d, padding_idx=0)
        self.pos = PositionalEncoding(d, dropout=0.1)
        self.transformer = nn.Transformer(d_model=d, nhead=4, num_encoder_layers=1, num_decoder_layers=1,
                                          dim_feedforward=32, dropout=0.1)
        self.generator = nn.Linear(d, vt)
        self.d = d
    def forward(self, src, tgt):
        s = self.pos(self.src_emb(src) * math.sqrt(self.d))
        t = self.pos(self.tgt_emb(tgt) * math.sqrt(self.d))
        tm = self.transformer.generate_square_subsequent_mask(tgt.size(0))
        h = self.transformer(s, t, tgt_mask=tm, src_key_padding_mask=(src == 0).T, tgt_key_padding_mask=(tgt == 0).T,
                             memory_key_padding_mask=(src == 0).T)
        return self.generator(h)

src = torch.randint(1, 10, (6, 4))
src[4:, 0] = 0
tgt = torch.randint(1, 10, (5, 4))
model = TinyTranslator(10, 10)
opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.98), eps=1e-9)
for step in range(8):
    logits = model(src, tgt[:-1])
    loss = F.cross_entropy(logits.reshape(-1, 10), tgt[1:].reshape(-1), ignore_index=0)
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(step, f'{loss.item():.5f}')
model.eval()
with torch.no_grad():
    ys = torch.ones(1, 1, dtype=torch.long)
    for i in range(4):
        out = model(src[:, :1], ys)
        nxt = out[-1].argmax(-1, keepdim=True)
        ys = torch.cat([ys, nxt], dim=0)
    print(ys.flatten().tolist())

q = torch.randn(2, 3, 5, 4)
k = torch.randn(2, 3, 5, 4)
v = torch.randn(2, 3, 5, 4)
m = torch.rand(5, 5) > 0.3
m.fill_diagonal_(True)
a = F.scaled_dot_product_attention(q, k, v, attn_mask=m)
ref = torch.softmax((q @ k.transpose(-2, -1) / math.sqrt(4)).masked_fill(~m, float('-inf')), -1) @ v
print(a[0, 0, 0], (a - ref).abs().max() < 1e-5)
fm = torch.zeros(5, 5).masked_fill(~m, -1e9)
print(F.scaled_dot_product_attention(q, k, v, attn_mask=fm, scale=0.3)[1, 2, 4])
print(F.scaled_dot_product_attention(q, k[:, :, :3], v[:, :, :3], is_causal=True)[0, 0, :, 0])
