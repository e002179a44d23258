"""The PyTorch FX tutorial's conv-bn fusion pass: trace, fold BatchNorm into the preceding Conv2d,
erase the bn nodes, recompile; the fused model gives the same outputs."""
import copy
import torch
import torch.nn as nn
import torch.fx as fx

torch.manual_seed(0)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 4, 3)
        self.bn2 = nn.BatchNorm2d(4)
        self.fc = nn.Linear(4 * 4 * 4, 5)

    def forward(self, x):
        x = torch.relu(self.bn1(self.conv1(x)))
        x = self.bn2(self.conv2(x))
        x = torch.flatten(x, 1)
        return self.fc(x)


def fuse_conv_bn_weights(conv_w, conv_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b):
    if conv_b is None:
        conv_b = torch.zeros_like(bn_rm)
    bn_var_rsqrt = torch.rsqrt(bn_rv + bn_eps)
    conv_w = conv_w * (bn_w * bn_var_rsqrt).reshape([-1] + [1] * (len(conv_w.shape) - 1))
    conv_b = (conv_b - bn_rm) * bn_var_rsqrt * bn_w + bn_b
    return nn.Parameter(conv_w), nn.Parameter(conv_b)


def fuse_conv_bn_eval(conv, bn):
    fused = copy.deepcopy(conv)
    fused.weight, fused.bias = fuse_conv_bn_weights(fused.weight, fused.bias, bn.running_mean, bn.running_var,
                                                    bn.eps, bn.weight, bn.bias)
    return fused


def _parent_name(target):
    *parent, name = target.rsplit('.', 1)
    return parent[0] if parent else '', name


def replace_node_module(node, modules, new_module):
    parent_name, name = _parent_name(node.target)
    setattr(modules[parent_name], name, new_module)


def fuse(model):
    model = copy.deepcopy(model)
    fx_model = fx.symbolic_trace(model)
    modules = dict(fx_model.named_modules())
    count = 0
    for node in fx_model.graph.nodes:
        if node.op != 'call_module':
            continue
        if type(modules[node.target]) is nn.BatchNorm2d and isinstance(node.args[0], fx.Node) \
                and node.args[0].op == 'call_module' and type(modules[node.args[0].target]) is nn.Conv2d:
            if len(node.args[0].users) > 1:
                continue
            conv = modules[node.args[0].target]
            bn = modules[node.target]
            replace_node_module(node.args[0], modules, fuse_conv_bn_eval(conv, bn))
            node.replace_all_uses_with(node.args[0])
            fx_model.graph.erase_node(node)
            count += 1
    fx_model.graph.lint()
    fx_model.delete_all_unused_submodules()
    fx_model.recompile()
    return fx_model, count


model = Net()
# give the batch norms some statistics
model.train()
for _ in range(3):
    model(torch.randn(4, 3, 6, 6))
model.eval()

traced = fx.symbolic_trace(model)
print(traced.graph)
print(traced.code)
fused, count = fuse(model)
print('fused pairs:', count)
print(fused.graph)
print(fused.code)
print(fused)
print([name for name, _ in fused.named_modules()])
x = torch.randn(2, 3, 6, 6)
a, b = model(x), fused(x)
print('max abs diff:', round(float((a - b).abs().max()), 4))
print(torch.allclose(a, b, atol=1e-4))
print(sorted(fused.state_dict().keys()))
