"""A capsule network (Sabour et al. 2017) as gram-ai/capsule-networks and its forks write it: PrimaryCaps
as a ModuleList of convs stacked and viewed into capsules, squash (squared_norm / (1 + squared_norm) * x
/ sqrt(squared_norm)), dynamic routing by agreement with softmax over the routes, priors via matmul of
a [routes, caps, in, out] weight and via torch.einsum, the margin loss, reconstruction masking with
one_hot / index_select, Adam steps, eval / no_grad and a BytesIO state_dict round trip."""
import io

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


def squash(tensor, dim=-1):
    squared_norm = (tensor ** 2).sum(dim=dim, keepdim=True)
    scale = squared_norm / (1 + squared_norm)
    return scale * tensor / torch.sqrt(squared_norm)


def softmax(input, dim=1):
    # the repository's own transpose-softmax-transpose helper
    transposed_input = input.transpose(dim, len(input.size()) - 1)
    softmaxed_output = F.softmax(transposed_input.contiguous().view(-1, transposed_input.size(-1)), dim=-1)
    return softmaxed_output.view(*transposed_input.size()).transpose(dim, len(input.size()) - 1)


class CapsuleLayer(nn.Module):
    def __init__(self, num_capsules, num_route_nodes, in_channels, out_channels, kernel_size=None, stride=None,
                 num_iterations=3):
        super(CapsuleLayer, self).__init__()
        self.num_route_nodes = num_route_nodes
        self.num_iterations = num_iterations
        self.num_capsules = num_capsules
        if num_route_nodes != -1:
            self.route_weights = nn.Parameter(0.1 * torch.randn(num_capsules, num_route_nodes, in_channels,
                                                                out_channels))
        else:
            self.capsules = nn.ModuleList(
                [nn.Conv2d(in_channels, out_channels, kernel_size=kernel_size, stride=stride, padding=0) for _ in
                 range(num_capsules)])

    def forward(self, x):
        if self.num_route_nodes != -1:
            priors = x[None, :, :, None, :] @ self.route_weights[:, None, :, :, :]
            logits = torch.zeros(*priors.size())
            for i in range(self.num_iterations):
                probs = softmax(logits, dim=2)
                outputs = squash((probs * priors).sum(dim=2, keepdim=True))
                if i != self.num_iterations - 1:
                    delta_logits = (priors * outputs).sum(dim=-1, keepdim=True)
                    logits = logits + delta_logits
        else:
            outputs = [capsule(x).view(x.size(0), -1, 1) for capsule in self.capsules]
            outputs = torch.cat(outputs, dim=-1)
            outputs = squash(outputs)
        return outputs


class CapsuleNet(nn.Module):
    def __init__(self, num_classes=4):
        super(CapsuleNet, self).__init__()
        self.conv1 = nn.Conv2d(in_channels=1, out_channels=16, kernel_size=5, stride=1)
        self.primary_capsules = CapsuleLayer(num_capsules=4, num_route_nodes=-1, in_channels=16, out_channels=8,
                                             kernel_size=5, stride=2)
        self.digit_capsules = CapsuleLayer(num_capsules=num_classes, num_route_nodes=8 * 4 * 4, in_channels=4,
                                           out_channels=8)
        self.decoder = nn.Sequential(
            nn.Linear(8 * num_classes, 32),
            nn.ReLU(inplace=True),
            nn.Linear(32, 256),
            nn.Sigmoid()
        )
        self.num_classes = num_classes

    def forward(self, x, y=None):
        x = F.relu(self.conv1(x), inplace=True)
        x = self.primary_capsules(x)
        x = self.digit_capsules(x).squeeze().transpose(0, 1)
        classes = (x ** 2).sum(dim=-1) ** 0.5
        classes = F.softmax(classes, dim=-1)
        if y is None:
            # In all batches, get the most active capsule.
            _, max_length_indices = classes.max(dim=1)
            y = torch.eye(self.num_classes).index_select(dim=0, index=max_length_indices.data)
        reconstructions = self.decoder((x * y[:, :, None]).reshape(x.size(0), -1))
        return classes, reconstructions


class CapsuleLoss(nn.Module):
    def __init__(self):
        super(CapsuleLoss, self).__init__()
        self.reconstruction_loss = nn.MSELoss(reduction='sum')

    def forward(self, images, labels, classes, reconstructions):
        left = F.relu(0.9 - classes, inplace=True) ** 2
        right = F.relu(classes - 0.1, inplace=True) ** 2
        margin_loss = labels * left + 0.5 * (1. - labels) * right
        margin_loss = margin_loss.sum()
        assert torch.numel(images) == torch.numel(reconstructions)
        images = images.view(reconstructions.size()[0], -1)
        reconstruction_loss = self.reconstruction_loss(reconstructions, images)
        return (margin_loss + 0.0005 * reconstruction_loss) / images.size(0)


# squash keeps direction, maps length to |s|^2 / (1 + |s|^2)
s = torch.tensor([[3., 4.], [0.3, 0.4], [1e-3, 0.]])
v = squash(s)
print('squash', v, v.norm(dim=-1))
print('softmax helper', softmax(torch.arange(6.).view(1, 2, 3), dim=1))

# routing: matmul priors equal an einsum formulation
torch.manual_seed(1)
layer = CapsuleLayer(num_capsules=3, num_route_nodes=6, in_channels=4, out_channels=5, num_iterations=3)
u = torch.randn(2, 6, 4)
priors = u[None, :, :, None, :] @ layer.route_weights[:, None, :, :, :]
priors_e = torch.einsum('bri,crio->cbro', u, layer.route_weights)
print('priors', priors.shape, priors_e.shape, torch.allclose(priors.squeeze(3), priors_e, atol=1e-6))
out = layer(u)
print('routed', out.shape, out.squeeze().norm(dim=-1))


def routing_einsum(u_hat, iters=3):
    # [B, routes, caps, D] formulation (many re-implementations)
    b = torch.zeros(u_hat.shape[:3])
    for it in range(iters):
        c = b.softmax(dim=1)  # over the routes, as the repository's softmax(logits, dim=2)
        s = torch.einsum('brc,brcd->bcd', c, u_hat)
        v = squash(s)
        if it < iters - 1:
            b = b + torch.einsum('brcd,bcd->brc', u_hat, v)
    return v, c


u_hat = torch.einsum('bri,crio->brco', u, layer.route_weights)
v2, c2 = routing_einsum(u_hat)
print('einsum routing', v2.shape, c2.sum(1)[0], torch.allclose(v2.permute(1, 0, 2), out.squeeze(), atol=1e-5))

torch.manual_seed(2)
model = CapsuleNet()
print('params', sum(p.numel() for p in model.parameters()))
print(model.primary_capsules.capsules[0], model.digit_capsules.route_weights.shape)
g = torch.Generator().manual_seed(3)
images = torch.rand(8, 1, 16, 16, generator=g)
labels = torch.arange(8) % 4
images[labels == 0, :, :8] *= 0.1
images[labels == 1, :, 8:] *= 0.1
images[labels == 2, :, :, :8] *= 0.1
one_hot = F.one_hot(labels, 4).float()
print('one_hot', one_hot[:4], one_hot.dtype)
crit = CapsuleLoss()
opt = torch.optim.Adam(model.parameters(), lr=5e-3)
for epoch in range(5):
    classes, recon = model(images, one_hot)
    loss = crit(images, one_hot, classes, recon)
    opt.zero_grad()
    loss.backward()
    opt.step()
    acc = (classes.argmax(1) == labels).float().mean().item()
    print(f'epoch {epoch} loss {loss.item():.6f} acc {acc:.3f} rw grad {model.digit_capsules.route_weights.grad.norm():.6f}')

model.eval()
with torch.no_grad():
    classes, recon = model(images)
print('eval', classes.shape, recon.shape, classes.argmax(1).tolist(), round(recon.mean().item(), 5))
try:
    crit(images[:4], one_hot, classes, recon)
except AssertionError:
    print('AssertionError on mismatched batch')

buf = io.BytesIO()
torch.save(model.state_dict(), buf)
buf.seek(0)
m2 = CapsuleNet()
print(m2.load_state_dict(torch.load(buf)), list(m2.state_dict())[:4])
with torch.no_grad():
    c2_, r2_ = m2(images)
print('restored', torch.equal(c2_, classes), torch.equal(r2_, recon))
