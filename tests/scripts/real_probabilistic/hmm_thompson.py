"""Discrete-state models: a hidden Markov model (sampling trajectories with Categorical, the
forward algorithm in log space, forward-backward posteriors, Viterbi with backpointers, Baum-Welch
style gradient fitting of logits), and Thompson sampling / UCB for a Bernoulli bandit with Beta
posteriors, plus MC-dropout predictive uncertainty."""
import torch
import torch.nn as nn
import torch.distributions as D

torch.manual_seed(21)
K, V, T = 3, 4, 40
trans = torch.tensor([[0.8, 0.15, 0.05], [0.1, 0.8, 0.1], [0.05, 0.15, 0.8]])
emit = torch.tensor([[0.7, 0.1, 0.1, 0.1], [0.1, 0.7, 0.1, 0.1], [0.1, 0.1, 0.1, 0.7]])
init = torch.tensor([0.5, 0.3, 0.2])

z = [D.Categorical(init).sample()]
for t in range(1, T):
    z.append(D.Categorical(trans[z[-1]]).sample())
z = torch.stack(z)
x = D.Categorical(emit[z]).sample()
print('states', z.tolist())
print('obs   ', x.tolist())


def forward(log_init, log_trans, log_emit, x):
    alpha = log_init + log_emit[:, x[0]]
    alphas = [alpha]
    for t in range(1, len(x)):
        alpha = torch.logsumexp(alpha.unsqueeze(1) + log_trans, 0) + log_emit[:, x[t]]
        alphas.append(alpha)
    return torch.stack(alphas), torch.logsumexp(alpha, 0)


def backward(log_trans, log_emit, x):
    beta = torch.zeros(K)
    betas = [beta]
    for t in range(len(x) - 1, 0, -1):
        beta = torch.logsumexp(log_trans + (log_emit[:, x[t]] + beta).unsqueeze(0), 1)
        betas.append(beta)
    return torch.stack(betas[::-1])


def viterbi(log_init, log_trans, log_emit, x):
    delta = log_init + log_emit[:, x[0]]
    ptrs = []
    for t in range(1, len(x)):
        scores = delta.unsqueeze(1) + log_trans
        best, arg = scores.max(0)
        ptrs.append(arg)
        delta = best + log_emit[:, x[t]]
    path = [delta.argmax()]
    for arg in reversed(ptrs):
        path.append(arg[path[-1]])
    return torch.stack(path[::-1]), delta.max()


la, ll = forward(init.log(), trans.log(), emit.log(), x)
lb = backward(trans.log(), emit.log(), x)
post = (la + lb - ll).exp()
print('log likelihood', ll.item())
print('posterior rows sum', post.sum(1)[:5])
print('posterior argmax acc', (post.argmax(1) == z).float().mean().item())
path, score = viterbi(init.log(), trans.log(), emit.log(), x)
print('viterbi', path.tolist(), 'score', score.item(), 'acc', (path == z).float().mean().item())
print('marginal state usage', post.sum(0))

# fit an HMM by gradient ascent on the marginal likelihood
logits_init = nn.Parameter(torch.zeros(K))
logits_trans = nn.Parameter(torch.randn(K, K) * 0.1)
logits_emit = nn.Parameter(torch.randn(K, V) * 0.1)
opt = torch.optim.Adam([logits_init, logits_trans, logits_emit], lr=0.1)
for step in range(40):
    _, ll_fit = forward(logits_init.log_softmax(0), logits_trans.log_softmax(1), logits_emit.log_softmax(1), x)
    opt.zero_grad()
    (-ll_fit).backward()
    opt.step()
    if step % 10 == 0:
        print(f'hmm fit step {step} ll {ll_fit.item():.4f}')
print('fitted emission argmax', logits_emit.softmax(1).argmax(1).tolist())
print('transition diag', logits_trans.softmax(1).diagonal())

# Thompson sampling vs UCB on a 4-armed Bernoulli bandit
p_true = torch.tensor([0.2, 0.5, 0.55, 0.3])
for policy in ['thompson', 'ucb']:
    torch.manual_seed(22)
    a_post = torch.ones(4)
    b_post = torch.ones(4)
    pulls = torch.zeros(4)
    regret = 0.0
    for t in range(1, 201):
        if policy == 'thompson':
            arm = D.Beta(a_post, b_post).sample().argmax()
        else:
            mean = a_post / (a_post + b_post)
            bonus = torch.sqrt(2 * torch.log(torch.tensor(float(t))) / (pulls + 1e-9))
            arm = torch.where(pulls == 0, torch.tensor(float('inf')), mean + bonus).argmax()
        r = D.Bernoulli(p_true[arm]).sample()
        a_post[arm] += r
        b_post[arm] += 1 - r
        pulls[arm] += 1
        regret += (p_true.max() - p_true[arm]).item()
    post = D.Beta(a_post, b_post)
    print(policy, 'pulls', pulls.tolist(), 'regret', round(regret, 3))
    print(policy, 'posterior mean', post.mean, 'std', post.stddev)

# MC dropout
torch.manual_seed(23)
net = nn.Sequential(nn.Linear(1, 32), nn.ReLU(), nn.Dropout(0.2), nn.Linear(32, 1))
xs = torch.linspace(-1, 1, 32).unsqueeze(1)
ys = xs ** 3 + 0.05 * torch.randn_like(xs)
opt = torch.optim.Adam(net.parameters(), lr=0.01)
for ep in range(50):
    loss = ((net(xs) - ys) ** 2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
print('mc dropout train loss', loss.item())
net.train()
with torch.no_grad():
    xt = torch.tensor([[-2.0], [0.0], [2.0]])
    preds = torch.stack([net(xt) for _ in range(50)])
print('mc mean', preds.mean(0).squeeze(), 'mc std', preds.std(0).squeeze())
net.eval()
print('eval pred', net(xt).detach().squeeze())
