"""Knowledge distillation (Hinton et al.) as tutorials and repos write it: a teacher trained
briefly, then frozen in eval mode under torch.no_grad / torch.inference_mode; temperature-softened
softmax; nn.KLDivLoss(reduction='batchmean') with log_target=False and True, F.kl_div with every
reduction, the T*T factor, an alpha mix with hard-label cross-entropy, feature (hint) distillation
with MSE through a regressor, agreement between student and teacher, and the checks people print."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(5)

N, D, C = 64, 12, 4
X = torch.randn(N, D)
W = torch.randn(D, C)
y = (X @ W + 0.3 * torch.randn(N, C)).argmax(1)
print('class counts', torch.bincount(y, minlength=C).tolist())


class Net(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.features = nn.Sequential(nn.Linear(D, hidden), nn.ReLU(), nn.Dropout(0.1))
        self.classifier = nn.Linear(hidden, C)

    def forward(self, x, return_features=False):
        f = self.features(x)
        out = self.classifier(f)
        return (out, f) if return_features else out


teacher = Net(64)
opt = torch.optim.Adam(teacher.parameters(), lr=1e-2)
for epoch in range(15):
    teacher.train()
    loss = F.cross_entropy(teacher(X), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
teacher.eval()
with torch.no_grad():
    t_acc = (teacher(X).argmax(1) == y).float().mean().item()
print(f'teacher loss {loss.item():.4f} acc {t_acc:.4f} training={teacher.training}')
for p in teacher.parameters():
    p.requires_grad_(False)
print('teacher trainable', sum(p.numel() for p in teacher.parameters() if p.requires_grad))

print('--- kl forms')
s_logits = torch.randn(5, C)
t_logits = torch.randn(5, C)
T = 3.0
log_p_s = F.log_softmax(s_logits / T, dim=-1)
p_t = F.softmax(t_logits / T, dim=-1)
log_p_t = F.log_softmax(t_logits / T, dim=-1)
a = nn.KLDivLoss(reduction='batchmean')(log_p_s, p_t)
b = nn.KLDivLoss(reduction='batchmean', log_target=True)(log_p_s, log_p_t)
hand = (p_t * (p_t.log() - log_p_s)).sum() / s_logits.size(0)
print(f'{a.item():.6f} {b.item():.6f} {hand.item():.6f}', torch.allclose(a, b), nn.KLDivLoss(log_target=True))
for red in ['none', 'sum', 'mean', 'batchmean']:
    v = F.kl_div(log_p_s, p_t, reduction=red)
    print(red, tuple(v.shape), f'{v.sum().item():.6f}')
print('zero target ok', F.kl_div(log_p_s, torch.zeros(5, C), reduction='sum').item())
print('self kl', f'{F.kl_div(log_p_t, log_p_t, log_target=True, reduction="sum").abs().item():.1f}')


def kd_loss(student_out, teacher_out, labels, T=4.0, alpha=0.9):
    soft = nn.KLDivLoss(reduction='batchmean')(F.log_softmax(student_out / T, dim=1),
                                               F.softmax(teacher_out / T, dim=1)) * (T * T)
    hard = F.cross_entropy(student_out, labels)
    return alpha * soft + (1 - alpha) * hard, soft.detach(), hard.detach()


print('--- distill')
student = Net(8)
regressor = nn.Linear(8, 64)
opt = torch.optim.SGD(list(student.parameters()) + list(regressor.parameters()), lr=0.2, momentum=0.9)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, y), batch_size=16, shuffle=False)
for epoch in range(3):
    student.train()
    total = 0.0
    for xb, yb in loader:
        with torch.no_grad():
            t_out, t_feat = teacher(xb, return_features=True)
        s_out, s_feat = student(xb, return_features=True)
        loss, soft, hard = kd_loss(s_out, t_out, yb)
        hint = F.mse_loss(regressor(s_feat), t_feat)
        opt.zero_grad()
        (loss + 0.1 * hint).backward()
        opt.step()
        total += loss.item() * xb.size(0)
    print(f'epoch {epoch} loss {total / len(loader.dataset):.5f} soft {soft.item():.5f} hard {hard.item():.5f} '
          f'hint {hint.item():.5f}', t_out.requires_grad, s_out.requires_grad)

student.eval()
with torch.inference_mode():
    s_pred = student(X).argmax(1)
    t_pred = teacher(X).argmax(1)
    out = student(X)
print('agreement', (s_pred == t_pred).float().mean().item(), 'acc', (s_pred == y).sum().item(),
      out.is_inference(), out.requires_grad)
probs = F.softmax(out / 2.0, dim=1)
print(f'entropy {(-(probs * probs.log()).sum(1)).mean().item():.5f}', probs.sum(1).allclose(torch.ones(N)))
conf, pred = probs.max(dim=1)
print(f'mean conf {conf.mean().item():.5f}', pred.dtype, torch.equal(pred, s_pred))
