"""Per-sample-gradients tutorial (torch.func): a small CNN, a naive per-example loop of backward calls,
then functional_call + grad + vmap computing all of them at once; the two must agree."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.func import functional_call, vmap, grad

torch.manual_seed(0)


class SimpleCNN(nn.Module):
    def __init__(self):
        super(SimpleCNN, self).__init__()
        self.conv1 = nn.Conv2d(1, 4, 3, 1)
        self.conv2 = nn.Conv2d(4, 8, 3, 1)
        self.fc1 = nn.Linear(8 * 2 * 2, 16)
        self.fc2 = nn.Linear(16, 10)

    def forward(self, x):
        x = self.conv1(x)
        x = F.relu(x)
        x = self.conv2(x)
        x = F.relu(x)
        x = F.max_pool2d(x, 2)
        x = torch.flatten(x, 1)
        x = self.fc1(x)
        x = F.relu(x)
        x = self.fc2(x)
        output = F.log_softmax(x, dim=1)
        return output


def loss_fn(predictions, targets):
    return F.nll_loss(predictions, targets)


device = 'cpu'
num_models = 8
batch_size = 16
data = torch.randn(batch_size, 1, 8, 8, device=device)
targets = torch.randint(10, (16,), device=device)
print('data', data.shape, data.dtype, 'targets', targets.tolist())

model = SimpleCNN().to(device=device)
predictions = model(data)
loss = loss_fn(predictions, targets)
print('batch loss', round(loss.item(), 5))


def compute_grad(sample, target):
    sample = sample.unsqueeze(0)  # prepend batch dimension for processing
    target = target.unsqueeze(0)
    prediction = model(sample)
    loss = loss_fn(prediction, target)
    return torch.autograd.grad(loss, list(model.parameters()))


def compute_sample_grads(data, targets):
    """ manually process each sample with per sample gradient """
    sample_grads = [compute_grad(data[i], targets[i]) for i in range(batch_size)]
    sample_grads = zip(*sample_grads)
    sample_grads = [torch.stack(shards) for shards in sample_grads]
    return sample_grads


per_sample_grads = compute_sample_grads(data, targets)
print('num grads', len(per_sample_grads))
print('first grad shape', per_sample_grads[0].shape)
for (name, p), g in zip(model.named_parameters(), per_sample_grads):
    print(f'{name:12s} param {tuple(p.shape)} per-sample {tuple(g.shape)} norm {g.norm():.5f}')

# the functional way
params = {k: v.detach() for k, v in model.named_parameters()}
buffers = {k: v.detach() for k, v in model.named_buffers()}
print('params keys', list(params.keys()), 'buffers', buffers)


def compute_loss(params, buffers, sample, target):
    batch = sample.unsqueeze(0)
    targets = target.unsqueeze(0)
    predictions = functional_call(model, (params, buffers), (batch,))
    loss = loss_fn(predictions, targets)
    return loss


ft_compute_grad = grad(compute_loss)
ft_compute_sample_grad = vmap(ft_compute_grad, in_dims=(None, None, 0, 0))
ft_per_sample_grads = ft_compute_sample_grad(params, buffers, data, targets)
print('ft result type', type(ft_per_sample_grads).__name__, list(ft_per_sample_grads.keys()))

for per_sample_grad, ft_per_sample_grad in zip(per_sample_grads, ft_per_sample_grads.values()):
    assert torch.allclose(per_sample_grad, ft_per_sample_grad, atol=3e-3, rtol=1e-5)
    print('match', tuple(ft_per_sample_grad.shape), ft_per_sample_grad.requires_grad,
          f'{(per_sample_grad - ft_per_sample_grad).abs().max().item() < 1e-4}')

# the mean of per-sample gradients is the batch gradient
model.zero_grad()
loss_fn(model(data), targets).backward()
for name, p in model.named_parameters():
    mean_g = ft_per_sample_grads[name].mean(0)
    print(name, 'mean == batch grad', torch.allclose(mean_g, p.grad, atol=1e-6), f'{p.grad.abs().sum():.5f}')

# per-sample gradient norms, the DP-SGD clipping step
flat = torch.cat([g.reshape(batch_size, -1) for g in ft_per_sample_grads.values()], dim=1)
norms = flat.norm(dim=1)
print('per-sample norms', norms)
clip = 1.0
factors = (clip / (norms + 1e-6)).clamp(max=1.0)
print('clip factors', factors)
clipped = {k: (g * factors.view(-1, *([1] * (g.dim() - 1)))).sum(0) / batch_size
           for k, g in ft_per_sample_grads.items()}
for k, v in clipped.items():
    print('clipped', k, tuple(v.shape), f'{v.norm():.6f}')

# grad with has_aux and argnums
def loss_with_aux(params, sample, target):
    out = functional_call(model, params, (sample.unsqueeze(0),))
    return loss_fn(out, target.unsqueeze(0)), out.argmax(1)


g, pred = vmap(grad(loss_with_aux, has_aux=True), in_dims=(None, 0, 0))(params, data, targets)
print('aux preds', pred.view(-1).tolist())
print('aux grad keys', sorted(g)[:2])
dx = vmap(grad(compute_loss, argnums=2), in_dims=(None, None, 0, 0))(params, buffers, data, targets)
print('input grads', dx.shape, f'{dx.abs().sum():.5f}')
