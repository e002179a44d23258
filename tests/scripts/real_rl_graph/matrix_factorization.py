# Matrix-factorisation recommender with nn.Embedding, biases and plain SGD over (user, item, rating) triples
import random
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import Dataset, DataLoader

random.seed(4)
np.random.seed(4)
torch.manual_seed(4)
n_users, n_items, k_true = 30, 20, 3
U = np.random.randn(n_users, k_true)
V = np.random.randn(n_items, k_true)
triples = []
for u in range(n_users):
    for i in random.sample(range(n_items), 8):
        r = float(np.clip(3 + U[u] @ V[i] + 0.3 * np.random.randn(), 1, 5))
        triples.append((u, i, r))
random.shuffle(triples)
print('ratings', len(triples), triples[:3])
split = int(0.8 * len(triples))
train, test = triples[:split], triples[split:]


class Ratings(Dataset):
    def __init__(self, rows):
        self.users = torch.tensor([r[0] for r in rows])
        self.items = torch.tensor([r[1] for r in rows])
        self.ratings = torch.tensor([r[2] for r in rows], dtype=torch.float32)

    def __len__(self):
        return len(self.ratings)

    def __getitem__(self, idx):
        return self.users[idx], self.items[idx], self.ratings[idx]


class MF(nn.Module):
    def __init__(self, n_users, n_items, dim=8):
        super().__init__()
        self.user_emb = nn.Embedding(n_users, dim)
        self.item_emb = nn.Embedding(n_items, dim)
        self.user_bias = nn.Embedding(n_users, 1)
        self.item_bias = nn.Embedding(n_items, 1)
        self.global_bias = nn.Parameter(torch.tensor(3.0))
        nn.init.normal_(self.user_emb.weight, std=0.1)
        nn.init.normal_(self.item_emb.weight, std=0.1)
        nn.init.zeros_(self.user_bias.weight)
        nn.init.zeros_(self.item_bias.weight)

    def forward(self, u, i):
        dot = (self.user_emb(u) * self.item_emb(i)).sum(dim=1)
        return dot + self.user_bias(u).squeeze(-1) + self.item_bias(i).squeeze(-1) + self.global_bias


model = MF(n_users, n_items)
print(model)
print(model.user_emb, model.user_emb.weight.shape, model.user_emb.embedding_dim, model.user_emb.num_embeddings)
opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
loader = DataLoader(Ratings(train), batch_size=32, shuffle=True)
test_ds = Ratings(test)
for epoch in range(15):
    model.train()
    tot, cnt = 0.0, 0
    for u, i, r in loader:
        pred = model(u, i)
        loss = nn.functional.mse_loss(pred, r) + 1e-3 * (model.user_emb(u).pow(2).sum() + model.item_emb(i).pow(2).sum()) / len(r)
        opt.zero_grad()
        loss.backward()
        opt.step()
        tot += loss.item() * len(r)
        cnt += len(r)
    if epoch % 3 == 2:
        model.eval()
        with torch.no_grad():
            p = model(test_ds.users, test_ds.items).clamp(1, 5)
            rmse = torch.sqrt(((p - test_ds.ratings) ** 2).mean())
            mae = (p - test_ds.ratings).abs().mean()
        print(f'epoch {epoch + 1:2d} train {tot / cnt:.5f} test rmse {rmse:.5f} mae {mae:.5f}')

with torch.no_grad():
    scores = model.user_emb.weight @ model.item_emb.weight.T + model.item_bias.weight.T
    print('scores', scores.shape)
    seen = torch.zeros(n_users, n_items, dtype=torch.bool)
    tr_u = torch.tensor([t[0] for t in train])
    tr_i = torch.tensor([t[1] for t in train])
    seen[tr_u, tr_i] = True
    print('seen per user', seen.sum(1)[:10])
    scores = scores.masked_fill(seen, float('-inf'))
    top = scores.topk(3, dim=1)
    print('top items user0', top.indices[0], top.values[0])
    # precision@3 against held-out ratings >= 3.5
    rel = torch.zeros(n_users, n_items, dtype=torch.bool)
    for u, i, r in test:
        if r >= 3.5:
            rel[u, i] = True
    hits = rel.gather(1, top.indices).float()
    print('precision@3', hits.mean().item(), 'users with hits', (hits.sum(1) > 0).sum().item())
    sim = nn.functional.normalize(model.item_emb.weight, dim=1) @ nn.functional.normalize(model.item_emb.weight, dim=1).T
    sim.fill_diagonal_(-1)
    print('most similar to item 0', sim[0].argmax().item(), round(sim[0].max().item(), 4))

# EmbeddingBag (mean of a user's items) and padding_idx
bag = nn.EmbeddingBag(n_items, 4, mode='mean')
items = torch.tensor([1, 2, 4, 5, 4, 3, 2, 9])
offsets = torch.tensor([0, 4])
print('bag', bag(items, offsets).shape, bag(items, offsets))
pad = nn.Embedding(5, 3, padding_idx=0)
print('pad row', pad.weight[0], pad(torch.tensor([[0, 2], [4, 0]])).shape)
emb = nn.Embedding.from_pretrained(torch.arange(12.0).view(4, 3), freeze=True)
print(emb(torch.tensor([3, 1])), emb.weight.requires_grad)
out = pad(torch.tensor([0, 1, 1]))
out.sum().backward()
print('pad grad', pad.weight.grad)
sparse_emb = nn.Embedding(6, 2, max_norm=1.0)
print('max_norm', sparse_emb(torch.tensor([1, 2])).norm(dim=1))
