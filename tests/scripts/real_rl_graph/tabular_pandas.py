# Tabular binary classification: a pandas DataFrame -> one-hot + hand-written scaler -> MLP
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
from torch.utils.data import TensorDataset, DataLoader

np.random.seed(0)
torch.manual_seed(0)
n = 400
df = pd.DataFrame({
    'age': np.random.randint(18, 80, n),
    'income': np.random.lognormal(10, 0.5, n).round(2),
    'city': np.random.choice(['paris', 'lyon', 'nice'], n),
    'plan': np.random.choice(['basic', 'pro'], n, p=[0.7, 0.3]),
    'visits': np.random.poisson(3, n),
})
logit = -2.5 + 0.03 * (df['age'] - 45) + 0.8 * (df['plan'] == 'pro') + 0.2 * df['visits'] - 0.5 * (df['city'] == 'nice')
df['churn'] = (np.random.rand(n) < 1 / (1 + np.exp(-logit))).astype(int)
print(df.head())
print(df.dtypes.to_dict())
print('positive rate', df['churn'].mean())

X_df = pd.get_dummies(df.drop(columns='churn'), columns=['city', 'plan'], drop_first=False)
print(list(X_df.columns))
try:
    torch.tensor(X_df.values)      # bool dummies + ints + floats: an object array
except TypeError as e:
    print('TypeError:', e)
X = X_df.values.astype(np.float32)
y = df['churn'].values
idx = np.random.permutation(n)
tr, te = idx[:300], idx[300:]


class StandardScaler:
    def fit(self, x):
        self.mean = x.mean(0, keepdim=True)
        self.std = x.std(0, unbiased=False, keepdim=True).clamp_min(1e-8)
        return self

    def transform(self, x):
        return (x - self.mean) / self.std


X_t = torch.from_numpy(X)
print('from_numpy', X_t.dtype, X_t.shape)
y_t = torch.from_numpy(y).float()
print('labels', y_t.dtype, torch.from_numpy(y).dtype)
scaler = StandardScaler().fit(X_t[tr])
print('mean', scaler.mean)
print('std', scaler.std)
X_tr, X_te = scaler.transform(X_t[tr]), scaler.transform(X_t[te])
y_tr, y_te = y_t[tr], y_t[te]
pos = y_tr.sum()
pos_weight = (len(y_tr) - pos) / pos
print('pos_weight', pos_weight)

# the classic mistake first: integer labels straight from the DataFrame
try:
    nn.BCEWithLogitsLoss()(torch.zeros(4), torch.from_numpy(y[:4]))
except RuntimeError as e:
    print('RuntimeError:', e)
try:
    torch.distributions.Bernoulli(logits=torch.zeros(4)).log_prob(torch.from_numpy(y[:4]))
except RuntimeError as e:
    print('RuntimeError:', e)
model = nn.Sequential(nn.Linear(X.shape[1], 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Dropout(0.2), nn.Linear(32, 1))
criterion = nn.BCEWithLogitsLoss(pos_weight=pos_weight)
opt = torch.optim.Adam(model.parameters(), lr=1e-2, weight_decay=1e-4)
loader = DataLoader(TensorDataset(X_tr, y_tr), batch_size=64, shuffle=True)
for epoch in range(8):
    model.train()
    total = 0.0
    for xb, yb in loader:
        opt.zero_grad()
        loss = criterion(model(xb).squeeze(1), yb)
        loss.backward()
        opt.step()
        total += loss.item() * len(xb)
    print(f'epoch {epoch} train loss {total / len(X_tr):.5f}')


def roc_auc(scores, labels):
    order = torch.argsort(scores, descending=True)
    l = labels[order]
    tps = torch.cumsum(l, 0)
    fps = torch.cumsum(1 - l, 0)
    tpr = torch.cat([torch.zeros(1), tps / tps[-1]])
    fpr = torch.cat([torch.zeros(1), fps / fps[-1]])
    return torch.trapezoid(tpr, fpr).item()


def auc_rank(scores, labels):
    ranks = torch.empty_like(scores)
    ranks[scores.argsort()] = torch.arange(1, len(scores) + 1, dtype=scores.dtype)
    n_pos = labels.sum()
    n_neg = len(labels) - n_pos
    return ((ranks[labels == 1].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)).item()


model.eval()
with torch.no_grad():
    logits = model(X_te).squeeze(1)
    probs = torch.sigmoid(logits)
    preds = (probs > 0.5).long()
    print('test loss', criterion(logits, y_te).item())
    print('auc', round(roc_auc(probs, y_te), 5), round(auc_rank(probs, y_te), 5))
    tp = ((preds == 1) & (y_te == 1)).sum().item()
    fp = ((preds == 1) & (y_te == 0)).sum().item()
    fn = ((preds == 0) & (y_te == 1)).sum().item()
    print('tp fp fn', tp, fp, fn, 'precision', tp / max(tp + fp, 1), 'recall', tp / max(tp + fn, 1))
    print('probs', probs[:6])

# multi-class with class weights from counts
yc = torch.from_numpy(pd.Categorical(df['city']).codes.astype(np.int64))
print('codes', yc[:10], yc.dtype)
counts = torch.bincount(yc)
weights = counts.sum() / (len(counts) * counts.float())
print('class weights', weights)
clf = nn.Linear(X.shape[1] - 3, 3)
Xc = torch.tensor(X_df.drop(columns=[c for c in X_df.columns if c.startswith('city')]).values.astype('float32'))
Xc = (Xc - Xc.mean(0)) / Xc.std(0)
ce = nn.CrossEntropyLoss(weight=weights, label_smoothing=0.05)
print('weighted ce', ce(clf(Xc), yc).item())
print('nll weighted', nn.functional.nll_loss(torch.log_softmax(clf(Xc), 1), yc, weight=weights, reduction='sum').item())
print('bce pos_weight fn', nn.functional.binary_cross_entropy_with_logits(torch.tensor([0.3, -1.0, 2.0]), torch.tensor([1.0, 0.0, 1.0]),
      pos_weight=torch.tensor([3.0]), reduction='none'))
print(torch.tensor(df[['age', 'visits']].values).dtype, torch.tensor(df['income'].values[:3]))
print(torch.tensor(df['plan'].eq('pro').values[:5]))
