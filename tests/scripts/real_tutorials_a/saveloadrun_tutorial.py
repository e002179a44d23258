"""PyTorch tutorial "Save and Load the Model" (saveloadrun_tutorial.py) and the recipes "Saving and
loading models" / "Saving and loading a general checkpoint" / "Warmstarting a model using
parameters from a different model": state_dict, whole-model torch.save/torch.load
(weights_only=False), checkpoints with optimizer state, map_location, load_state_dict(strict=False)."""
import os
import pickle

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

torch.manual_seed(0)


def make_layers(cfg, batch_norm=False):
    """torchvision.models.vgg.make_layers, small."""
    layers = []
    in_channels = 3
    for v in cfg:
        if v == "M":
            layers += [nn.MaxPool2d(kernel_size=2, stride=2)]
        else:
            conv2d = nn.Conv2d(in_channels, v, kernel_size=3, padding=1)
            if batch_norm:
                layers += [conv2d, nn.BatchNorm2d(v), nn.ReLU(inplace=True)]
            else:
                layers += [conv2d, nn.ReLU(inplace=True)]
            in_channels = v
    return nn.Sequential(*layers)


class VGG(nn.Module):
    def __init__(self, features, num_classes=10):
        super().__init__()
        self.features = features
        self.avgpool = nn.AdaptiveAvgPool2d((2, 2))
        self.classifier = nn.Sequential(
            nn.Linear(16 * 2 * 2, 32), nn.ReLU(True), nn.Dropout(p=0.5), nn.Linear(32, num_classes),
        )

    def forward(self, x):
        x = self.features(x)
        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        return self.classifier(x)


def vgg_tiny(batch_norm=False):
    return VGG(make_layers([8, "M", 16, "M"], batch_norm=batch_norm))


# Saving and Loading Model Weights
model = vgg_tiny()
torch.save(model.state_dict(), 'model_weights.pth')
print(sorted(os.listdir('.')))

model2 = vgg_tiny()  # we do not specify ``weights``, i.e. create untrained model
print(torch.equal(model2.features[0].weight, model.features[0].weight))
print(model2.load_state_dict(torch.load('model_weights.pth', weights_only=True)))
print(model2.eval())
print(torch.equal(model2.features[0].weight, model.features[0].weight))

# Saving and Loading Models with Shapes
torch.save(model, 'model.pth')
model3 = torch.load('model.pth', weights_only=False)
print(type(model3).__name__, model3.training, torch.equal(model3.classifier[3].bias, model.classifier[3].bias))
x = torch.randn(2, 3, 8, 8)
model.eval()
model3.eval()
print(model(x), torch.allclose(model(x), model3(x)))
# weights_only=True (the default) unpickles a whole model only once its classes are allowlisted
try:
    torch.load('model.pth')
except pickle.UnpicklingError as e:
    print('UnpicklingError', 'Unsupported global' in str(e), 'VGG' in str(e))
torch.serialization.add_safe_globals([VGG, nn.Sequential, nn.Conv2d, nn.ReLU, nn.MaxPool2d, nn.AdaptiveAvgPool2d,
                                      nn.Linear, nn.Dropout])
model4 = torch.load('model.pth')
print(type(model4).__name__, model4.features, torch.equal(model4.eval()(x), model(x)))
torch.serialization.clear_safe_globals()

# What is a state_dict?
class TheModelClass(nn.Module):
    def __init__(self):
        super(TheModelClass, self).__init__()
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


model = TheModelClass()
optimizer = optim.SGD(model.parameters(), lr=0.001, momentum=0.9)

print("Model's state_dict:")
for param_tensor in model.state_dict():
    print(param_tensor, "\t", model.state_dict()[param_tensor].size())

inputs = torch.randn(4, 3, 32, 32)
labels = torch.randint(0, 10, (4,))
criterion = nn.CrossEntropyLoss()
for epoch in range(3):
    optimizer.zero_grad()
    loss = criterion(model(inputs), labels)
    loss.backward()
    optimizer.step()
    print(epoch, f'{loss.item():.6f}')

print("Optimizer's state_dict:")
for var_name in optimizer.state_dict():
    print(var_name, "\t", optimizer.state_dict()[var_name])

# Saving & Loading a General Checkpoint for Inference and/or Resuming Training
EPOCH = 5
PATH = "model.pt"
LOSS = loss.item()
torch.save({
    'epoch': EPOCH,
    'model_state_dict': model.state_dict(),
    'optimizer_state_dict': optimizer.state_dict(),
    'loss': LOSS,
}, PATH)

model = TheModelClass()
optimizer = optim.SGD(model.parameters(), lr=0.001, momentum=0.9)

checkpoint = torch.load(PATH, weights_only=True)
print(sorted(checkpoint.keys()), type(checkpoint['model_state_dict']).__name__)
model.load_state_dict(checkpoint['model_state_dict'])
optimizer.load_state_dict(checkpoint['optimizer_state_dict'])
epoch = checkpoint['epoch']
loss = checkpoint['loss']
print(epoch, f'{loss:.6f}', type(epoch).__name__, type(loss).__name__)
print(optimizer.state_dict()['state'][0]['momentum_buffer'].shape, optimizer.param_groups[0]['lr'])
model.train()
optimizer.zero_grad()
loss = criterion(model(inputs), labels)
loss.backward()
optimizer.step()
print('resumed', f'{loss.item():.6f}')

# Saving Multiple Models in One File / Warmstarting
netA = TheModelClass()
netB = TheModelClass()
optimizerA = optim.SGD(netA.parameters(), lr=0.001, momentum=0.9)
optimizerB = optim.Adam(netB.parameters(), lr=0.001)
torch.save({
    'modelA_state_dict': netA.state_dict(),
    'modelB_state_dict': netB.state_dict(),
    'optimizerA_state_dict': optimizerA.state_dict(),
    'optimizerB_state_dict': optimizerB.state_dict(),
}, 'multi.tar')
checkpoint = torch.load('multi.tar', weights_only=True)
print(checkpoint['optimizerB_state_dict']['param_groups'][0]['betas'], checkpoint['optimizerB_state_dict']['state'])


class NetB(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc4 = nn.Linear(84, 3)
        self.extra = nn.Linear(3, 3)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = x.view(-1, 16 * 5 * 5)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.extra(self.fc4(x))


torch.save(netA.state_dict(), 'netA.pth')
netB = NetB()
result = netB.load_state_dict(torch.load('netA.pth', weights_only=True), strict=False)
print(result)
print(result.missing_keys, result.unexpected_keys, type(result).__name__)
missing, unexpected = result
print(len(missing), len(unexpected), torch.equal(netB.fc1.weight, netA.fc1.weight))
try:
    netB.load_state_dict(torch.load('netA.pth', weights_only=True))
except RuntimeError as e:
    print(str(e).splitlines()[0])
    print(str(e).splitlines()[1])

# Saving on one device, loading on another (map_location)
sd = torch.load('netA.pth', map_location=torch.device('cpu'), weights_only=True)
print(sd['fc3.bias'].device, list(sd.keys())[:4])
sd = torch.load('netA.pth', map_location='cpu', weights_only=True)
print(sd['conv1.bias'], sd['conv1.bias'].requires_grad)
sd = torch.load('netA.pth', map_location=lambda storage, loc: storage, weights_only=True)
print(sd['fc3.weight'].shape, sd['fc3.weight'].dtype)

# Tensors, views, and nested containers in one file
t = torch.arange(6.).view(2, 3)
torch.save({'t': t, 'row': t[1], 'list': [1, 2.5, 'x'], 'tuple': (t.sum(), None)}, 'misc.pt')
m = torch.load('misc.pt')
print(m['t'], m['row'], m['list'], m['tuple'])
m['t'][1, 0] = -1
print(m['row'])
