"""PyTorch tutorial "Spatial Transformer Networks" (intermediate/spatial_transformer_tutorial.py)
on synthetic 28x28 digits: the localization network, fc_loc initialised to the identity
transform, F.affine_grid / F.grid_sample, training and testing loops, convert_image_np."""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")


def make_digits(n, seed):
    """28x28 images with a shifted 8x8 block; the label is the block's quadrant-and-row code."""
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 10, (n,), generator=g)
    x = torch.rand(n, 1, 28, 28, generator=g) * 0.2
    offs = torch.randint(0, 4, (n, 2), generator=g)
    for i in range(n):
        r = 2 * int(y[i]) % 18 + int(offs[i, 0])
        c = int(offs[i, 1]) + 8
        x[i, 0, r:r + 8, c:c + 8] += 0.8
    return (x - 0.1307) / 0.3081, y


x_train, y_train = make_digits(192, 0)
x_test, y_test = make_digits(64, 1)
train_loader = DataLoader(TensorDataset(x_train, y_train), batch_size=64, shuffle=True)
test_loader = DataLoader(TensorDataset(x_test, y_test), batch_size=64, shuffle=True)


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 10, kernel_size=5)
        self.conv2 = nn.Conv2d(10, 20, kernel_size=5)
        self.conv2_drop = nn.Dropout2d()
        self.fc1 = nn.Linear(320, 50)
        self.fc2 = nn.Linear(50, 10)

        # Spatial transformer localization-network
        self.localization = nn.Sequential(
            nn.Conv2d(1, 8, kernel_size=7),
            nn.MaxPool2d(2, stride=2),
            nn.ReLU(True),
            nn.Conv2d(8, 10, kernel_size=5),
            nn.MaxPool2d(2, stride=2),
            nn.ReLU(True)
        )

        # Regressor for the 3 * 2 affine matrix
        self.fc_loc = nn.Sequential(
            nn.Linear(10 * 3 * 3, 32),
            nn.ReLU(True),
            nn.Linear(32, 3 * 2)
        )

        # Initialize the weights/bias with identity transformation
        self.fc_loc[2].weight.data.zero_()
        self.fc_loc[2].bias.data.copy_(torch.tensor([1, 0, 0, 0, 1, 0], dtype=torch.float))

    # Spatial transformer network forward function
    def stn(self, x):
        xs = self.localization(x)
        xs = xs.view(-1, 10 * 3 * 3)
        theta = self.fc_loc(xs)
        theta = theta.view(-1, 2, 3)

        grid = F.affine_grid(theta, x.size())
        x = F.grid_sample(x, grid)

        return x

    def forward(self, x):
        # transform the input
        x = self.stn(x)

        # Perform the usual forward pass
        x = F.relu(F.max_pool2d(self.conv1(x), 2))
        x = F.relu(F.max_pool2d(self.conv2_drop(self.conv2(x)), 2))
        x = x.view(-1, 320)
        x = F.relu(self.fc1(x))
        x = F.dropout(x, training=self.training)
        x = self.fc2(x)
        return F.log_softmax(x, dim=1)


model = Net().to(device)
print(model)
print(model.fc_loc[2].weight.abs().sum(), model.fc_loc[2].bias)

# identity theta reproduces the input (align_corners=False)
with torch.no_grad():
    theta = torch.tensor([[[1., 0, 0], [0, 1, 0]]]).repeat(2, 1, 1)
    grid = F.affine_grid(theta, (2, 1, 28, 28), align_corners=False)
    print(grid.shape, grid[0, 0, :3],
          torch.allclose(F.grid_sample(x_test[:2], grid, align_corners=False), x_test[:2], atol=1e-5))
    rot = torch.tensor([[[0., -1, 0], [1, 0, 0]]])
    small = torch.arange(16.).view(1, 1, 4, 4)
    print(F.grid_sample(small, F.affine_grid(rot, (1, 1, 4, 4), align_corners=True), align_corners=True))
    zoom = torch.tensor([[[0.5, 0, 0.25], [0, 0.5, 0]]])
    print(F.grid_sample(small, F.affine_grid(zoom, (1, 1, 4, 4), align_corners=False), align_corners=False))
    print(F.grid_sample(small, F.affine_grid(zoom, (1, 1, 3, 3), align_corners=False), mode='nearest',
                        padding_mode='border', align_corners=False))

optimizer = optim.SGD(model.parameters(), lr=0.01)


def train(epoch):
    model.train()
    for batch_idx, (data, target) in enumerate(train_loader):
        data, target = data.to(device), target.to(device)

        optimizer.zero_grad()
        output = model(data)
        loss = F.nll_loss(output, target)
        loss.backward()
        optimizer.step()
        if batch_idx % 1 == 0:
            print('Train Epoch: {} [{}/{} ({:.0f}%)]\tLoss: {:.6f}'.format(
                epoch, batch_idx * len(data), len(train_loader.dataset),
                100. * batch_idx / len(train_loader), loss.item()))


def test():
    with torch.no_grad():
        model.eval()
        test_loss = 0
        correct = 0
        for data, target in test_loader:
            data, target = data.to(device), target.to(device)
            output = model(data)

            # sum up batch loss
            test_loss += F.nll_loss(output, target, size_average=False).item()
            # get the index of the max log-probability
            pred = output.max(1, keepdim=True)[1]
            correct += pred.eq(target.view_as(pred)).sum().item()

        test_loss /= len(test_loader.dataset)
        print('\nTest set: Average loss: {:.4f}, Accuracy: {}/{} ({:.0f}%)\n'
              .format(test_loss, correct, len(test_loader.dataset),
                      100. * correct / len(test_loader.dataset)))


def convert_image_np(inp):
    """Convert a Tensor to numpy image."""
    inp = inp.numpy().transpose((1, 2, 0))
    mean = np.array([0.485, 0.456, 0.406])
    std = np.array([0.229, 0.224, 0.225])
    inp = std * inp + mean
    inp = np.clip(inp, 0, 1)
    return inp


def visualize_stn():
    with torch.no_grad():
        # Get a batch of training data
        data = next(iter(test_loader))[0].to(device)

        input_tensor = data.cpu()
        transformed_input_tensor = model.stn(data).cpu()

        # (torchvision.utils.make_grid of 16 images, 4 by 4, without padding)
        in_grid = convert_image_np(input_tensor[:16].view(4, 4, 28, 28).permute(0, 2, 1, 3).reshape(1, 112, 112))
        out_grid = convert_image_np(
            transformed_input_tensor[:16].view(4, 4, 28, 28).permute(0, 2, 1, 3).reshape(1, 112, 112))
        print(in_grid.shape, in_grid.dtype, f'{in_grid.mean():.5f}', f'{out_grid.mean():.5f}')


for epoch in range(1, 4):
    train(epoch)
    test()

visualize_stn()
with torch.no_grad():
    model.eval()
    xs = model.localization(x_test[:4]).view(-1, 90)
    # the learned transforms, near the identity after 3 short epochs (rounded: their last digits
    # follow the float32 rounding of the BLAS the run uses, amplified by training)
    print(model.fc_loc(xs).view(-1, 2, 3).round(decimals=1))
x = x_test[:2].clone().requires_grad_()
theta = torch.tensor([[[0.9, 0.1, 0.05], [-0.1, 0.8, 0.0]]] * 2, requires_grad=True)
out = F.grid_sample(x, F.affine_grid(theta, x.size(), align_corners=False), align_corners=False)
out.pow(2).mean().backward()
print(out.shape, theta.grad, x.grad.abs().sum())
