"""PyTorch recipes: defining a neural network, what is a state_dict, zeroing out gradients, saving
and loading a general checkpoint, warmstarting a model from the parameters of a different model
(strict=False and the missing/unexpected keys it reports)."""
import os
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

torch.manual_seed(0)


# ---- defining a neural network
class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout2d(0.25)
        self.dropout2 = nn.Dropout2d(0.5)
        self.fc1 = nn.Linear(1024, 128)
        self.fc2 = nn.Linear(128, 10)

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


my_nn = Net()
print(my_nn)
random_data = torch.rand((1, 1, 12, 12))
result = my_nn(random_data)
print(result)


# ---- what is a state_dict
class SmallNet(nn.Module):
    def __init__(self):
        super(SmallNet, self).__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = x.view(-1, 16 * 5 * 5)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x


net = SmallNet()
optimizer = optim.SGD(net.parameters(), lr=0.001, momentum=0.9)
print("Model's state_dict:")
for param_tensor in net.state_dict():
    print(param_tensor, "\t", net.state_dict()[param_tensor].size())
print()
print("Optimizer's state_dict:")
for var_name in optimizer.state_dict():
    print(var_name, "\t", optimizer.state_dict()[var_name])

# ---- zeroing out gradients
inputs = torch.randn(8, 3, 32, 32)
labels = torch.randint(0, 10, (8,))
criterion = nn.CrossEntropyLoss()
for epoch in range(2):
    running_loss = 0.0
    for i in range(3):
        optimizer.zero_grad()
        outputs = net(inputs)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()
        running_loss += loss.item()
    print('[%d] loss: %.5f' % (epoch + 1, running_loss / 3))
print('grad after zero_grad (set_to_none default)', end=' ')
optimizer.zero_grad()
print(net.conv1.weight.grad)
net(inputs).sum().backward()
optimizer.zero_grad(set_to_none=False)
print('set_to_none=False', net.conv1.bias.grad)
net.zero_grad()
print('module zero_grad', net.fc3.bias.grad)
# accumulating without zeroing doubles the gradient
net(inputs[:1]).sum().backward()
g1 = net.fc3.bias.grad.clone()
net(inputs[:1]).sum().backward()
print('accumulated twice', torch.allclose(net.fc3.bias.grad, 2 * g1))
print('momentum buffer keys', sorted(optimizer.state_dict()['state'].keys())[:4],
      optimizer.state_dict()['state'][0]['momentum_buffer'].shape)

# ---- saving and loading a general checkpoint
EPOCH = 5
PATH = "model.pt"
LOSS = 0.4
torch.save({
    'epoch': EPOCH,
    'model_state_dict': net.state_dict(),
    'optimizer_state_dict': optimizer.state_dict(),
    'loss': LOSS,
}, PATH)
print('saved', os.path.exists(PATH))

model = SmallNet()
optimizer2 = optim.SGD(model.parameters(), lr=0.001, momentum=0.9)
checkpoint = torch.load(PATH, weights_only=True)
print('checkpoint keys', list(checkpoint.keys()))
print(model.load_state_dict(checkpoint['model_state_dict']))
optimizer2.load_state_dict(checkpoint['optimizer_state_dict'])
epoch = checkpoint['epoch']
loss = checkpoint['loss']
print('epoch', epoch, 'loss', loss, type(epoch).__name__)
model.eval()
print('same outputs', torch.equal(model(inputs), net.eval()(inputs)))
print('optimizer state restored', torch.equal(optimizer2.state[model.fc1.weight]['momentum_buffer'],
                                               optimizer.state[net.fc1.weight]['momentum_buffer']))
print(optimizer2.state_dict()['param_groups'])
model.train()

# ---- warmstarting a model using parameters from a different model
class NetA(nn.Module):
    def __init__(self):
        super(NetA, self).__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)


class NetB(nn.Module):
    def __init__(self):
        super(NetB, self).__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.head = nn.Linear(84, 4)
        self.register_buffer('steps', torch.zeros((), dtype=torch.long))


netA = NetA()
netB = NetB()
PATH = 'model_a.pt'
torch.save(netA.state_dict(), PATH)
result = netB.load_state_dict(torch.load(PATH, weights_only=True), strict=False)
print(result)
print('missing', result.missing_keys)
print('unexpected', result.unexpected_keys)
print(type(result).__name__, result._fields)
print('conv1 copied', torch.equal(netA.conv1.weight, netB.conv1.weight))
try:
    netB.load_state_dict(torch.load(PATH, weights_only=True))
except RuntimeError as e:
    print('RuntimeError', str(e))
# shape mismatch is an error even with strict=False
sd = netA.state_dict()
sd['fc2.weight'] = torch.zeros(84, 10)
try:
    netB.load_state_dict(sd, strict=False)
except RuntimeError as e:
    print('RuntimeError', str(e))
# renaming keys to warmstart a renamed layer
sd = {('head.' + k[4:] if k.startswith('fc3.') else k): v for k, v in netA.state_dict().items()}
sd['head.weight'] = sd['head.weight'][:4]
sd['head.bias'] = sd['head.bias'][:4]
print(netB.load_state_dict(sd, strict=False))
print('head warm', torch.equal(netB.head.bias, netA.fc3.bias[:4]))
os.remove('model.pt')
os.remove('model_a.pt')
