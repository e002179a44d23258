"""Classic optimizers: LBFGS with a closure (line_search_fn='strong_wolfe' and None) fitting a small
regression, then Rprop / ASGD / Adadelta / Adamax / NAdam / RAdam a few steps each, with a
state_dict round trip into a fresh optimizer."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
X = torch.randn(64, 5)
w_true = torch.tensor([[1.5], [-2.0], [0.5], [0.0], [3.0]])
y = X @ w_true + 0.1 * torch.randn(64, 1)

for ls in ['strong_wolfe', None]:
    torch.manual_seed(1)
    model = nn.Linear(5, 1)
    opt = torch.optim.LBFGS(model.parameters(), lr=1 if ls else 0.1, max_iter=20, history_size=10,
                            line_search_fn=ls)
    calls = [0]

    def closure():
        calls[0] += 1
        opt.zero_grad()
        loss = F.mse_loss(model(X), y)
        loss.backward()
        return loss

    for step in range(3):
        loss = opt.step(closure)
        print(f'lbfgs {ls} step {step} loss {loss.item():.6f}')
    print('final', round(F.mse_loss(model(X), y).item(), 5), 'weights', [round(v, 3) for v in model.weight.view(-1).tolist()])
    st = opt.state_dict()['state'][0]
    print('state keys', sorted(st.keys()))
    print('n_iter', st['n_iter'], 'func_evals', st['func_evals'], 'closure calls', calls[0])

configs = [
    ('Rprop', lambda p: torch.optim.Rprop(p, lr=0.01, etas=(0.5, 1.2), step_sizes=(1e-6, 50))),
    ('ASGD', lambda p: torch.optim.ASGD(p, lr=0.05, lambd=1e-4, alpha=0.75, t0=2)),
    ('Adadelta', lambda p: torch.optim.Adadelta(p, lr=1.0, rho=0.9, weight_decay=0.01)),
    ('Adamax', lambda p: torch.optim.Adamax(p, lr=0.01)),
    ('NAdam', lambda p: torch.optim.NAdam(p, lr=0.01, momentum_decay=4e-3)),
    ('NAdamW', lambda p: torch.optim.NAdam(p, lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ('RAdam', lambda p: torch.optim.RAdam(p, lr=0.01)),
    ('RAdamW', lambda p: torch.optim.RAdam(p, lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
]


def train(model, opt, steps):
    out = []
    for _ in range(steps):
        opt.zero_grad()
        loss = F.mse_loss(model(X), y)
        loss.backward()
        opt.step()
        out.append(loss.item())
    return out


for name, make in configs:
    torch.manual_seed(2)
    model = nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 1))
    opt = make(model.parameters())
    losses = train(model, opt, 8)
    print(name, ' '.join(f'{l:.5f}' for l in losses))
    sd = opt.state_dict()
    print(' state keys', sorted(sd['state'][0].keys()), 'groups', len(sd['param_groups']))
    print(' group keys', sorted(k for k in sd['param_groups'][0].keys()))
    # round trip into a fresh optimizer and keep going: must equal continuing the old one
    import copy
    model2 = copy.deepcopy(model)
    opt2 = make(model2.parameters())
    opt2.load_state_dict(sd)
    a = train(model, opt, 3)
    b = train(model2, opt2, 3)
    print(' resumed', ' '.join(f'{l:.5f}' for l in a), 'same', all(abs(u - v) < 1e-7 for u, v in zip(a, b)))
    step = sd['state'][0].get('step')
    print(' step', step if not torch.is_tensor(step) else (step.item(), step.dtype))

# Rprop on a plain tensor, sign behaviour
w = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
opt = torch.optim.Rprop([w], lr=0.1)
for i in range(5):
    opt.zero_grad()
    ((w - torch.tensor([0.5, 0.5, 0.5])) ** 2).sum().backward()
    opt.step()
    print('rprop', [round(v, 5) for v in w.tolist()], [round(v, 5) for v in opt.state[w]['step_size'].tolist()])
asgd = torch.optim.ASGD([w], lr=0.1, t0=1)
for i in range(3):
    asgd.zero_grad()
    (w ** 2).sum().backward()
    asgd.step()
st = asgd.state[w]
print('asgd', [round(v, 5) for v in w.tolist()], [round(v, 5) for v in st['ax'].tolist()],
      round(float(st['eta']), 6), round(float(st['mu']), 6))
