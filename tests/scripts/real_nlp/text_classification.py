# "Text classification with the torchtext library" style (EmbeddingBag + offsets), and an LSTM
# classifier over padded, packed batches
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pad_sequence, pack_padded_sequence, pad_packed_sequence, pack_sequence
from torch.utils.data import DataLoader, Dataset

torch.manual_seed(7)
corpus = [(0, 'the match ended in a draw after extra time'), (1, 'stocks fell as markets reacted to rates'),
          (2, 'new phone chip doubles battery life'), (0, 'the striker scored twice in the final'),
          (1, 'the bank raised interest rates again'), (2, 'researchers release open source compiler'),
          (0, 'coach praises team defense'), (1, 'oil prices climb on supply fears'),
          (2, 'startup unveils faster database engine'), (0, 'fans celebrate league title')]
vocab = {'<pad>': 0, '<unk>': 1}
for _, text in corpus:
    for tok in text.split():
        vocab.setdefault(tok, len(vocab))
print('vocab size', len(vocab))
text_pipeline = lambda x: [vocab.get(t, 1) for t in x.split()]

class News(Dataset):
    def __len__(self):
        return len(corpus)
    def __getitem__(self, i):
        return corpus[i]

def collate_batch(batch):
    label_list, text_list, offsets = [], [], [0]
    for _label, _text in batch:
        label_list.append(_label)
        processed_text = torch.tensor(text_pipeline(_text), dtype=torch.int64)
        text_list.append(processed_text)
        offsets.append(processed_text.size(0))
    label_list = torch.tensor(label_list, dtype=torch.int64)
    offsets = torch.tensor(offsets[:-1]).cumsum(dim=0)
    text_list = torch.cat(text_list)
    return label_list, text_list, offsets

dataloader = DataLoader(News(), batch_size=4, shuffle=True, collate_fn=collate_batch)
labels, text, offsets = next(iter(dataloader))
print(labels, offsets, text.shape)

class TextClassificationModel(nn.Module):
    def __init__(self, vocab_size, embed_dim, num_class):
        super().__init__()
        self.embedding = nn.EmbeddingBag(vocab_size, embed_dim, sparse=False)
        self.fc = nn.Linear(embed_dim, num_class)
        self.init_weights()
    def init_weights(self):
        initrange = 0.5
        self.embedding.weight.data.uniform_(-initrange, initrange)
        self.fc.weight.data.uniform_(-initrange, initrange)
        self.fc.bias.data.zero_()
    def forward(self, text, offsets):
        return self.fc(self.embedding(text, offsets))

model = TextClassificationModel(len(vocab), 16, 3)
print(model)
criterion = torch.nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=5)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, 1.0, gamma=0.1)
for epoch in range(1, 4):
    model.train()
    total_acc, total_count = 0, 0
    for idx, (label, text, offsets) in enumerate(dataloader):
        optimizer.zero_grad()
        predicted_label = model(text, offsets)
        loss = criterion(predicted_label, label)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 0.1)
        optimizer.step()
        total_acc += (predicted_label.argmax(1) == label).sum().item()
        total_count += label.size(0)
        print(f'| epoch {epoch:3d} | {idx:5d} batches | loss {loss.item():8.4f} | accuracy {total_acc / total_count:8.3f}')
    scheduler.step()
    print('lr', scheduler.get_last_lr())

bag = nn.EmbeddingBag(10, 3, mode='max')
print(bag(torch.tensor([[1, 2, 4], [4, 3, 2]])))
bag_sum = nn.EmbeddingBag(10, 3, mode='sum', padding_idx=0)
print(bag_sum(torch.tensor([1, 0, 4, 5, 0]), torch.tensor([0, 2])))
print(F.embedding_bag(torch.tensor([1, 2, 3, 4]), torch.arange(30.).view(10, 3), torch.tensor([0, 1]),
                      per_sample_weights=torch.tensor([1., 2., 0.5, 0.5]), mode='sum'))

seqs = [torch.tensor(text_pipeline(t)) for _, t in corpus[:5]]
lengths = torch.tensor([len(s) for s in seqs])
print(lengths)
padded = pad_sequence(seqs, batch_first=True)
print(padded.shape, padded[1])
print(pad_sequence(seqs[:2], padding_value=-1).shape, pad_sequence(seqs[:2], batch_first=True, padding_side='left')[1])
emb = nn.Embedding(len(vocab), 6, padding_idx=0)
print(emb.weight[0], emb.padding_idx)
packed = pack_padded_sequence(emb(padded), lengths, batch_first=True, enforce_sorted=False)
print(type(packed).__name__, packed.data.shape, packed.batch_sizes, packed.sorted_indices, packed.unsorted_indices)
lstm = nn.LSTM(6, 5, batch_first=True, bidirectional=True)
out, (h, c) = lstm(packed)
unpacked, out_lens = pad_packed_sequence(out, batch_first=True)
print(unpacked.shape, out_lens, h.shape, c.shape)
print(unpacked[2, -1], unpacked[0, lengths[0] - 1, :5])
sorted_pack = pack_sequence(sorted(seqs, key=len, reverse=True))
print(sorted_pack.batch_sizes, sorted_pack.data[:8])

class LSTMClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(len(vocab), 8, padding_idx=0)
        self.rnn = nn.LSTM(8, 10, num_layers=2, batch_first=True, dropout=0.1)
        self.head = nn.Linear(10, 3)
    def forward(self, x, lengths):
        p = pack_padded_sequence(self.emb(x), lengths.cpu(), batch_first=True, enforce_sorted=False)
        _, (h, _) = self.rnn(p)
        return self.head(h[-1])

allseq = [torch.tensor(text_pipeline(t)) for _, t in corpus]
X = pad_sequence(allseq, batch_first=True)
L = torch.tensor([len(s) for s in allseq])
Y = torch.tensor([l for l, _ in corpus])
clf = LSTMClassifier()
opt = torch.optim.Adam(clf.parameters(), lr=0.02)
for step in range(15):
    opt.zero_grad()
    logits = clf(X, L)
    loss = F.cross_entropy(logits, Y, label_smoothing=0.1)
    loss.backward()
    opt.step()
    if step % 3 == 0:
        print(step, f'{loss.item():.5f}', (logits.argmax(-1) == Y).float().mean().item())
print(clf.emb.weight.grad[0], clf.emb.weight[0])
print(F.softmax(clf(X[:2], L[:2]), dim=-1))
