"""Dynamic quantization of a (tiny) BERT-style classifier, following PyTorch's "Dynamic Quantization
on BERT" tutorial: fine-tune a small HF-style encoder on a toy task, quantize its nn.Linear layers to
int8 with torch.quantization.quantize_dynamic, then compare the printed model, the weights' storage,
logits and accuracy of the float and quantized models."""
import math
import warnings
import torch
import torch.nn as nn
import torch.nn.functional as F

warnings.filterwarnings("ignore")
torch.manual_seed(42)


class SelfAttention(nn.Module):
    def __init__(self, hidden, heads):
        super().__init__()
        self.heads, self.dh = heads, hidden // heads
        self.query = nn.Linear(hidden, hidden)
        self.key = nn.Linear(hidden, hidden)
        self.value = nn.Linear(hidden, hidden)
        self.dense = nn.Linear(hidden, hidden)
        self.norm = nn.LayerNorm(hidden, eps=1e-12)

    def split(self, x):
        b, t, _ = x.shape
        return x.view(b, t, self.heads, self.dh).transpose(1, 2)

    def forward(self, x, mask):
        q, k, v = self.split(self.query(x)), self.split(self.key(x)), self.split(self.value(x))
        scores = q @ k.transpose(-1, -2) / math.sqrt(self.dh) + mask
        ctx = (scores.softmax(-1) @ v).transpose(1, 2).reshape(x.shape)
        return self.norm(x + self.dense(ctx))


class Layer(nn.Module):
    def __init__(self, hidden, heads, inter):
        super().__init__()
        self.attention = SelfAttention(hidden, heads)
        self.intermediate = nn.Linear(hidden, inter)
        self.output = nn.Linear(inter, hidden)
        self.norm = nn.LayerNorm(hidden, eps=1e-12)

    def forward(self, x, mask):
        x = self.attention(x, mask)
        return self.norm(x + self.output(F.gelu(self.intermediate(x))))


class TinyBert(nn.Module):
    def __init__(self, vocab=50, hidden=32, heads=4, inter=64, layers=2, max_len=16, classes=2):
        super().__init__()
        self.word = nn.Embedding(vocab, hidden)
        self.pos = nn.Embedding(max_len, hidden)
        self.emb_norm = nn.LayerNorm(hidden, eps=1e-12)
        self.layers = nn.ModuleList([Layer(hidden, heads, inter) for _ in range(layers)])
        self.pooler = nn.Linear(hidden, hidden)
        self.classifier = nn.Linear(hidden, classes)

    def forward(self, ids, attention_mask):
        pos = torch.arange(ids.shape[1]).unsqueeze(0)
        x = self.emb_norm(self.word(ids) + self.pos(pos))
        mask = (1.0 - attention_mask[:, None, None, :].float()) * -10000.0
        for layer in self.layers:
            x = layer(x, mask)
        pooled = torch.tanh(self.pooler(x[:, 0]))
        return self.classifier(pooled)


# toy task: does the sequence contain token 7 more often than token 9?
def make_batch(n, length=12):
    ids = torch.randint(1, 50, (n, length))
    lengths = torch.randint(6, length + 1, (n,))
    attn = (torch.arange(length)[None, :] < lengths[:, None]).long()
    ids = ids * attn
    ids[:, 0] = 1   # [CLS]
    labels = (((ids == 7) & attn.bool()).sum(1) > ((ids == 9) & attn.bool()).sum(1)).long()
    return ids, attn, labels


model = TinyBert()
opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
train = [make_batch(32) for _ in range(8)]
for epoch in range(3):
    total = 0.0
    for ids, attn, labels in train:
        loss = F.cross_entropy(model(ids, attn), labels)
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += loss.item()
    print(f"epoch {epoch}: loss {total / len(train):.4f}")

model.eval()
quantized = torch.quantization.quantize_dynamic(model, {nn.Linear}, dtype=torch.qint8)
print(quantized.layers[0])
print(quantized.classifier)


def weight_bytes(m):
    total = 0
    for k, v in m.state_dict().items():
        if isinstance(v, tuple):        # packed (weight, bias) of a dynamic quantized Linear
            w, b = v
            total += w.numel() * w.element_size() + (b.numel() * b.element_size() if b is not None else 0)
        elif isinstance(v, torch.Tensor):
            total += v.numel() * v.element_size()
    return total


print("float bytes:", weight_bytes(model), "quantized bytes:", weight_bytes(quantized))
keys = list(quantized.state_dict().keys())
print("num keys float/quantized:", len(model.state_dict()), len(keys))
print([k for k in keys if k.startswith("layers.0.attention.query")])
print("packed dtype:", quantized.state_dict()["classifier._packed_params.dtype"])
print("trainable params left:", sum(p.numel() for p in quantized.parameters()))

qw = quantized.layers[0].attention.query.weight()
fw = model.layers[0].attention.query.weight
print("query weight scale:", qw.q_scale(), "zp:", qw.q_zero_point(), qw.qscheme())
print("query weight int8 range:", qw.int_repr().min().item(), qw.int_repr().max().item())
print("max weight error:", (qw.dequantize() - fw).abs().max().item())

test_ids, test_attn, test_labels = make_batch(64)
with torch.no_grad():
    f_logits = model(test_ids, test_attn)
    q_logits = quantized(test_ids, test_attn)
print("float logits[:3]:", f_logits[:3])
print("quant logits[:3]:", q_logits[:3])
print("max |diff|:", (f_logits - q_logits).abs().max().item())
print("float acc:", (f_logits.argmax(1) == test_labels).float().mean().item())
print("quant acc:", (q_logits.argmax(1) == test_labels).float().mean().item())
print("agreement:", (f_logits.argmax(1) == q_logits.argmax(1)).float().mean().item())
probs = q_logits.softmax(-1)
print("quantized probs row 0:", probs[0], probs.dtype)
