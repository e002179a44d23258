"""A small CNN classifier with BatchNorm, Dropout and a residual block on synthetic images."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class ResBlock(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.conv1 = nn.Conv2d(ch, ch, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(ch)
        self.conv2 = nn.Conv2d(ch, ch, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(ch)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + x)


class Net(nn.Module):
    def __init__(self, num_classes=4):
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(3, 8, kernel_size=3, stride=1, padding=1),
            nn.BatchNorm2d(8),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2),
        )
        self.res = ResBlock(8)
        self.pool = nn.AdaptiveAvgPool2d((1, 1))
        self.dropout = nn.Dropout(p=0.25)
        self.fc = nn.Linear(8, num_classes)

    def forward(self, x):
        x = self.stem(x)
        x = self.res(x)
        x = self.pool(x)
        x = torch.flatten(x, 1)
        x = self.dropout(x)
        return self.fc(x)


model = Net()
print(model)
n_params = sum(p.numel() for p in model.parameters())
n_train = sum(p.numel() for p in model.parameters() if p.requires_grad)
print(f"Total params: {n_params:,}  trainable: {n_train:,}")
for name, p in model.named_parameters():
    print(name, tuple(p.shape), p.dtype)
print(list(model.state_dict().keys()))
print(model.state_dict()['stem.1.num_batches_tracked'])

X = torch.randn(64, 3, 16, 16)
y = torch.randint(0, 4, (64,))
X[y == 1] += 0.5
X[y == 2, 0] -= 0.7
print(X.shape, X.dtype, y[:10])
print('class counts', torch.bincount(y, minlength=4))

criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)

for epoch in range(4):
    model.train()
    running = 0.0
    correct = 0
    for i in range(0, 64, 16):
        xb, yb = X[i:i + 16], y[i:i + 16]
        optimizer.zero_grad()
        out = model(xb)
        loss = criterion(out, yb)
        loss.backward()
        optimizer.step()
        running += loss.item() * xb.size(0)
        correct += (out.argmax(dim=1) == yb).sum().item()
    print(f"epoch {epoch+1}: loss {running / 64:.5f} acc {correct / 64:.4f}")

print('bn running_mean', model.stem[1].running_mean)
print('bn running_var', model.stem[1].running_var)
print('num_batches_tracked', model.stem[1].num_batches_tracked.item())

model.eval()
with torch.no_grad():
    logits = model(X)
    probs = F.softmax(logits, dim=1)
    preds = probs.argmax(1)
print(logits[:3])
print(probs[:2].round(decimals=4))
print('eval acc', (preds == y).float().mean().item())
conf = torch.zeros(4, 4, dtype=torch.int64)
for t, p in zip(y, preds):
    conf[t, p] += 1
print(conf)
conf2 = torch.bincount(y * 4 + preds, minlength=16).reshape(4, 4)
print(torch.equal(conf, conf2))
per_class = conf.diag().float() / conf.sum(1).clamp(min=1).float()
print('per-class acc', per_class)
top2 = logits.topk(2, dim=1).indices
print('top2 acc', (top2 == y.unsqueeze(1)).any(dim=1).float().mean())
