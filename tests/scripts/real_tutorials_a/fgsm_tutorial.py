"""PyTorch tutorial "Adversarial Example Generation" (beginner/fgsm_tutorial.py) with a LeNet
trained briefly on synthetic MNIST-like data: input gradients (data.requires_grad = True),
fgsm_attack (sign, clamp), denorm and re-normalization, accuracy against epsilon."""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.utils.data import DataLoader, TensorDataset

epsilons = [0, .05, .1, .15, .2, .25, .3]
use_cuda = False
# Set random seed for reproducibility
torch.manual_seed(42)


# LeNet Model definition
class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(64 * 3 * 3, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        x = self.conv1(x)
        x = F.relu(x)
        x = self.conv2(x)
        x = F.relu(x)
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = self.fc1(x)
        x = F.relu(x)
        x = self.dropout2(x)
        x = self.fc2(x)
        output = F.log_softmax(x, dim=1)
        return output


def normalize(t, mean=(0.1307,), std=(0.3081,)):
    """transforms.Normalize((0.1307,), (0.3081,)) for a batch."""
    mean = torch.as_tensor(mean, dtype=t.dtype).view(-1, 1, 1)
    std = torch.as_tensor(std, dtype=t.dtype).view(-1, 1, 1)
    return t.sub(mean).div(std)


# synthetic 10x10 "digits": a bar whose position is the label
def make_digits(n, seed):
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 10, (n,), generator=g)
    x = torch.rand(n, 1, 10, 10, generator=g) * 0.3
    x[torch.arange(n), 0, :, y] += 0.7
    return normalize(x.clamp(0, 1)), y


x_train, y_train = make_digits(512, 0)
x_test, y_test = make_digits(60, 1)
test_loader = DataLoader(TensorDataset(x_test, y_test), batch_size=1, shuffle=True)
print(len(test_loader), x_train.mean(), x_train.std())

print("CUDA Available: ", torch.cuda.is_available())
device = torch.device("cuda" if use_cuda and torch.cuda.is_available() else "cpu")

# Initialize the network ("pretrained" here with a short training run)
model = Net().to(device)
print(model)
opt = optim.Adadelta(model.parameters(), lr=1.0)
model.train()
for epoch in range(3):
    for xb, yb in DataLoader(TensorDataset(x_train, y_train), batch_size=64, shuffle=True):
        opt.zero_grad()
        loss = F.nll_loss(model(xb), yb)
        loss.backward()
        opt.step()
    print('epoch', epoch, f'{loss.item():.5f}')

# Set the model in evaluation mode. In this case this is for the Dropout layers
model.eval()


# FGSM attack code
def fgsm_attack(image, epsilon, data_grad):
    # Collect the element-wise sign of the data gradient
    sign_data_grad = data_grad.sign()
    # Create the perturbed image by adjusting each pixel of the input image
    perturbed_image = image + epsilon * sign_data_grad
    # Adding clipping to maintain [0,1] range
    perturbed_image = torch.clamp(perturbed_image, 0, 1)
    # Return the perturbed image
    return perturbed_image


# restores the tensors to their original scale
def denorm(batch, mean=[0.1307], std=[0.3081]):
    if isinstance(mean, list):
        mean = torch.tensor(mean).to(device)
    if isinstance(std, list):
        std = torch.tensor(std).to(device)

    return batch * std.view(1, -1, 1, 1) + mean.view(1, -1, 1, 1)


def test(model, device, test_loader, epsilon):
    # Accuracy counter
    correct = 0
    adv_examples = []

    # Loop over all examples in test set
    for data, target in test_loader:

        # Send the data and label to the device
        data, target = data.to(device), target.to(device)

        # Set requires_grad attribute of tensor. Important for Attack
        data.requires_grad = True

        # Forward pass the data through the model
        output = model(data)
        init_pred = output.max(1, keepdim=True)[1]  # get the index of the max log-probability

        # If the initial prediction is wrong, don't bother attacking, just move on
        if init_pred.item() != target.item():
            continue

        # Calculate the loss
        loss = F.nll_loss(output, target)

        # Zero all existing gradients
        model.zero_grad()

        # Calculate gradients of model in backward pass
        loss.backward()

        # Collect ``datagrad``
        data_grad = data.grad.data

        # Restore the data to its original scale
        data_denorm = denorm(data)

        # Call FGSM Attack
        perturbed_data = fgsm_attack(data_denorm, epsilon, data_grad)

        # Reapply normalization
        perturbed_data_normalized = normalize(perturbed_data)

        # Re-classify the perturbed image
        output = model(perturbed_data_normalized)

        # Check for success
        final_pred = output.max(1, keepdim=True)[1]  # get the index of the max log-probability
        if final_pred.item() == target.item():
            correct += 1
            # Special case for saving 0 epsilon examples
            if epsilon == 0 and len(adv_examples) < 5:
                adv_ex = perturbed_data.squeeze().detach().cpu().numpy()
                adv_examples.append((init_pred.item(), final_pred.item(), adv_ex))
        else:
            # Save some adv examples for visualization later
            if len(adv_examples) < 5:
                adv_ex = perturbed_data.squeeze().detach().cpu().numpy()
                adv_examples.append((init_pred.item(), final_pred.item(), adv_ex))

    # Calculate final accuracy for this epsilon
    final_acc = correct / float(len(test_loader))
    print(f"Epsilon: {epsilon}\tTest Accuracy = {correct} / {len(test_loader)} = {final_acc}")

    # Return the accuracy and an adversarial example
    return final_acc, adv_examples


accuracies = []
examples = []

# Run test for each epsilon
for eps in epsilons:
    acc, ex = test(model, device, test_loader, eps)
    accuracies.append(acc)
    examples.append(ex)

print(accuracies)
for i in range(len(epsilons)):
    for j in range(len(examples[i])):
        orig, adv, ex = examples[i][j]
        print(epsilons[i], f"{orig} -> {adv}", ex.shape, ex.dtype, f'{float(np.abs(ex).sum()):.3f}')

# a single example in detail
data, target = x_test[:1].clone(), y_test[:1]
data.requires_grad_(True)
out = model(data)
loss = F.nll_loss(out, target)
loss.backward()
print(out.exp().sum(), loss, data.grad.abs().max(), data.grad.sign().unique(), data.is_leaf)
print(fgsm_attack(denorm(data), 0.1, data.grad).detach()[0, 0, 0], data.grad.shape)
grad_norm = [p.grad.norm() for p in model.parameters()]
print(len(grad_norm), grad_norm[0])
