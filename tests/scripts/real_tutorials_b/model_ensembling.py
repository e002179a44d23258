"""Model-ensembling tutorial (torch.func): stack_module_state stacks the parameters of several copies
of a model; vmap over functional_call on a 'meta' base model runs them all at once, with different or
the same minibatch, and matches the loop over models."""
import copy
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.func import stack_module_state, functional_call, vmap

torch.manual_seed(0)


class SimpleMLP(nn.Module):
    def __init__(self):
        super(SimpleMLP, self).__init__()
        self.fc1 = nn.Linear(784, 128)
        self.fc2 = nn.Linear(128, 128)
        self.fc3 = nn.Linear(128, 10)

    def forward(self, x):
        x = x.flatten(1)
        x = self.fc1(x)
        x = F.relu(x)
        x = self.fc2(x)
        x = F.relu(x)
        x = self.fc3(x)
        return x


device = 'cpu'
num_models = 10

data = torch.randn(10, 64, 1, 28, 28, device=device)
targets = torch.randint(10, (640,), device=device)
print('targets head', targets[:10].tolist())

models = [SimpleMLP().to(device) for _ in range(num_models)]
print('model 0 fc1 weight mean', f'{models[0].fc1.weight.mean().item():.6f}')

minibatches = data[:num_models]
predictions_diff_minibatch_loop = [model(minibatch) for model, minibatch in zip(models, minibatches)]

minibatch = data[0]
predictions2 = [model(minibatch) for model in models]
print('loop outputs', len(predictions2), predictions2[0].shape)

params, buffers = stack_module_state(models)
print('stacked keys', list(params.keys()))
for k, v in params.items():
    print(' ', k, tuple(v.shape), v.requires_grad, v.is_leaf)
print('buffers', buffers)

# Construct a "stateless" version of one of the models. It is "stateless" in
# the sense that the parameters are meta Tensors and do not have storage.
base_model = copy.deepcopy(models[0])
base_model = base_model.to('meta')
print('meta weight', base_model.fc1.weight.device, base_model.fc1.weight.shape, base_model.fc1.weight.is_meta)


def fmodel(params, buffers, x):
    return functional_call(base_model, (params, buffers), (x,))


print([p.size(0) for p in params.values()])  # show the leading 'num_models' dimension
print(minibatches.shape)  # verify minibatch has leading dimension of size 'num_models'

predictions1_vmap = vmap(fmodel)(params, buffers, minibatches)
print('vmap diff minibatch', predictions1_vmap.shape, predictions1_vmap.requires_grad)
# verify the ``vmap`` predictions match the
assert torch.allclose(predictions1_vmap, torch.stack(predictions_diff_minibatch_loop), atol=1e-3, rtol=1e-5)
print('max diff', (predictions1_vmap - torch.stack(predictions_diff_minibatch_loop)).abs().max().item() < 1e-5)

predictions2_vmap = vmap(fmodel, in_dims=(0, 0, None))(params, buffers, minibatch)
assert torch.allclose(predictions2_vmap, torch.stack(predictions2), atol=1e-3, rtol=1e-5)
print('vmap same minibatch', predictions2_vmap.shape)
print('first logits', predictions2_vmap[:3, 0])

# ensemble prediction: average the softmaxes, then accuracy against the targets
probs = predictions2_vmap.softmax(-1).mean(0)
print('ensemble probs', probs.shape, f'{probs.sum(-1).mean().item():.5f}')
pred = probs.argmax(-1)
print('ensemble preds', pred[:16].tolist())
print('agreement', (predictions2_vmap.argmax(-1) == pred).float().mean(1))

# train the whole ensemble at once: stacked params are leaves, one optimizer over them
opt = torch.optim.SGD(list(params.values()), lr=0.05)
x_all = data[:num_models]
y_all = targets[:num_models * 64].view(num_models, 64)


def ens_loss(p, b, x, y):
    return F.cross_entropy(fmodel(p, b, x), y)


for step in range(3):
    losses = vmap(ens_loss)(params, buffers, x_all, y_all)
    opt.zero_grad()
    losses.sum().backward()
    opt.step()
    print('step', step, 'losses', [round(l, 4) for l in losses.tolist()])
print('fc3 bias grad shape', params['fc3.bias'].grad.shape)

# chunked vmap and randomness argument
out_chunk = vmap(fmodel, in_dims=(0, 0, None), chunk_size=3)(params, buffers, minibatch)
# (atol: torch's chunked and whole batched GEMMs round apart on some BLAS kernels, e.g. MKL on AVX-512)
print('chunked equal', torch.allclose(out_chunk, vmap(fmodel, in_dims=(0, 0, None))(params, buffers, minibatch),
                                      atol=1e-6))
try:
    vmap(lambda x: F.dropout(x, 0.5, training=True))(torch.ones(3, 4))
except RuntimeError as e:
    print('RuntimeError', str(e)[:80])
dr = vmap(lambda x: F.dropout(x, 0.5, training=True), randomness='same')(torch.ones(3, 4))
print('same randomness rows equal', bool((dr[0] == dr[1]).all() and (dr[1] == dr[2]).all()), dr.shape)
