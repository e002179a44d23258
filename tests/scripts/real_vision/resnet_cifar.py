"""A CIFAR-style ResNet (BasicBlock with downsample shortcuts, kaiming init, zero-init residual BN)
trained for a few steps with SGD + nesterov + OneCycleLR, label smoothing and gradient accumulation,
then evaluated with test-time augmentation (horizontal flip averaging)."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(10)


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, in_planes, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_planes != self.expansion * planes:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_planes, self.expansion * planes, kernel_size=1, stride=stride, bias=False),
                nn.BatchNorm2d(self.expansion * planes))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out += self.shortcut(x)
        return F.relu(out)


class ResNet(nn.Module):
    def __init__(self, block, num_blocks, num_classes=10, width=8):
        super().__init__()
        self.in_planes = width
        self.conv1 = nn.Conv2d(3, width, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.layer1 = self._make_layer(block, width, num_blocks[0], stride=1)
        self.layer2 = self._make_layer(block, width * 2, num_blocks[1], stride=2)
        self.layer3 = self._make_layer(block, width * 4, num_blocks[2], stride=2)
        self.linear = nn.Linear(width * 4 * block.expansion, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode='fan_out', nonlinearity='relu')
            elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)
        for m in self.modules():
            if isinstance(m, BasicBlock):
                nn.init.constant_(m.bn2.weight, 0)

    def _make_layer(self, block, planes, num_blocks, stride):
        strides = [stride] + [1] * (num_blocks - 1)
        layers = []
        for stride in strides:
            layers.append(block(self.in_planes, planes, stride))
            self.in_planes = planes * block.expansion
        return nn.Sequential(*layers)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.layer3(self.layer2(self.layer1(out)))
        out = F.adaptive_avg_pool2d(out, 1)
        return self.linear(out.view(out.size(0), -1))


net = ResNet(BasicBlock, [2, 2, 2])
print(net.layer2[0])
print('params', sum(p.numel() for p in net.parameters()), 'modules', len(list(net.modules())))
mean = torch.tensor([0.4914, 0.4822, 0.4465]).view(3, 1, 1)
std = torch.tensor([0.2470, 0.2435, 0.2616]).view(3, 1, 1)
images = torch.rand(32, 3, 16, 16)
labels = torch.randint(0, 10, (32,))
images = (images - mean) / std
criterion = nn.CrossEntropyLoss(label_smoothing=0.1)
optimizer = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4, nesterov=True)
accum = 2
steps = 2 * (32 // 8) // accum
scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.1, total_steps=steps, pct_start=0.3)
for epoch in range(2):
    net.train()
    train_loss, correct, total = 0, 0, 0
    perm = torch.randperm(32)
    for batch_idx in range(4):
        idx = perm[batch_idx * 8:(batch_idx + 1) * 8]
        inputs, targets = images[idx], labels[idx]
        flip = torch.rand(8) < 0.5
        inputs = torch.where(flip[:, None, None, None], inputs.flip(3), inputs)
        outputs = net(inputs)
        loss = criterion(outputs, targets) / accum
        loss.backward()
        if (batch_idx + 1) % accum == 0:
            optimizer.step()
            optimizer.zero_grad()
            scheduler.step()
        train_loss += loss.item() * accum
        _, predicted = outputs.max(1)
        total += targets.size(0)
        correct += predicted.eq(targets).sum().item()
    print('Epoch %d | Loss: %.4f | Acc: %.3f%% (%d/%d) | lr %.5f' % (
        epoch, train_loss / 4, 100. * correct / total, correct, total, scheduler.get_last_lr()[0]))
net.eval()
with torch.no_grad():
    logits = (net(images) + net(images.flip(3))) / 2
    print('tta acc', (logits.argmax(1) == labels).float().mean().item())
    print(logits[:2])
    print(net.layer1[0].bn2.weight[:4], net.bn1.running_var[:4])
