"""A tiny Vision Transformer: patch embedding with Conv2d and with F.unfold, class token, position
embedding, nn.MultiheadAttention, LayerNorm/GELU MLP, plus nn.Fold/Unfold round trip."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(21)


class PatchEmbed(nn.Module):
    def __init__(self, img=8, patch=4, cin=3, dim=16):
        super().__init__()
        self.n = (img // patch) ** 2
        self.proj = nn.Conv2d(cin, dim, patch, patch)

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)


class Block(nn.Module):
    def __init__(self, dim=16, heads=2):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, dim * 2), nn.GELU(), nn.Dropout(0.1), nn.Linear(dim * 2, dim))

    def forward(self, x):
        h = self.norm1(x)
        a, w = self.attn(h, h, h, need_weights=True)
        x = x + a
        return x + self.mlp(self.norm2(x)), w


class ViT(nn.Module):
    def __init__(self, dim=16, classes=3):
        super().__init__()
        self.patch = PatchEmbed(dim=dim)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, self.patch.n + 1, dim))
        nn.init.trunc_normal_(self.pos_embed, std=.02)
        nn.init.trunc_normal_(self.cls_token, std=.02)
        self.blocks = nn.ModuleList([Block(dim) for _ in range(2)])
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, classes)

    def forward(self, x):
        x = self.patch(x)
        cls = self.cls_token.expand(x.shape[0], -1, -1)
        x = torch.cat((cls, x), dim=1) + self.pos_embed
        ws = []
        for blk in self.blocks:
            x, w = blk(x)
            ws.append(w)
        return self.head(self.norm(x)[:, 0]), ws


model = ViT()
print(model)
print(sum(p.numel() for p in model.parameters()))
for n, p in model.named_parameters():
    if 'attn' in n:
        print(n, list(p.shape))
imgs = torch.randn(4, 3, 8, 8)
labels = torch.tensor([0, 1, 2, 1])
opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.05)
for step in range(4):
    logits, ws = model(imgs)
    loss = F.cross_entropy(logits, labels, label_smoothing=0.1)
    opt.zero_grad()
    loss.backward()
    gn = nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    print(f'step {step} loss {loss.item():.5f} gradnorm {gn.item():.4f}')
print(ws[0].shape, ws[0][0, 0].sum().item())
model.eval()
with torch.no_grad():
    out, ws = model(imgs)
print(out)
print(ws[1][0, :2])

patches = F.unfold(imgs, kernel_size=4, stride=4)
print(patches.shape)
emb = patches.transpose(1, 2) @ model.patch.proj.weight.flatten(1).t() + model.patch.proj.bias
print(torch.allclose(emb, model.patch(imgs), atol=1e-5))
unf = nn.Unfold(kernel_size=(2, 3), padding=1, stride=2)
u = unf(imgs)
print(unf, u.shape, u[0, :3, :4])
fold = nn.Fold(output_size=(8, 8), kernel_size=4, stride=4)
print(torch.equal(fold(patches), imgs))
ov = F.fold(F.unfold(imgs, 3, padding=1), (8, 8), 3, padding=1)
print(ov[0, 0, :2, :4])
print((ov / F.fold(F.unfold(torch.ones_like(imgs), 3, padding=1), (8, 8), 3, padding=1) - imgs).abs().max() < 1e-5)
q = torch.randn(2, 5, 8)
att = torch.einsum('bid,bjd->bij', q, q) / 8 ** 0.5
print(att.softmax(-1)[0, 0])
print(F.scaled_dot_product_attention(q, q, q)[0, 0])
mask = torch.triu(torch.ones(5, 5, dtype=torch.bool), 1)
print(att.masked_fill(mask, float('-inf')).softmax(-1)[0, 1])
