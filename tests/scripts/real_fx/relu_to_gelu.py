"""Graph rewriting three ways: a Transformer replacing relu with gelu, a manual pass inserting nodes
with graph.inserting_after + call_function, and subgraph_rewriter.replace_pattern; plus fx.wrap
leaf functions, concrete_args, and the TraceError of data-dependent control flow."""
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.fx as fx
from torch.fx import symbolic_trace, Transformer, replace_pattern, wrap


def scaled_clip(x, s):
    return x.clamp(-s, s) * 2


wrap('scaled_clip')


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.l1 = nn.Linear(4, 8)
        self.l2 = nn.Linear(8, 8)
        self.act = nn.ReLU()

    def forward(self, x):
        h = F.relu(self.l1(x))
        h = torch.relu(self.l2(h)) + self.act(h)
        h = scaled_clip(h, 1.5)
        return h.relu().sum(dim=-1)


class ReluToGelu(Transformer):
    def call_function(self, target, args, kwargs):
        if target in (F.relu, torch.relu):
            return super().call_function(F.gelu, args, {})
        return super().call_function(target, args, kwargs)

    def call_method(self, target, args, kwargs):
        if target == 'relu':
            return super().call_function(F.gelu, args, {})
        return super().call_method(target, args, kwargs)


torch.manual_seed(0)
net = Net()
gm = symbolic_trace(net)
print(gm.code)
x = torch.randn(3, 4)
print(torch.allclose(gm(x), net(x)))

new = ReluToGelu(gm).transform()
print(new.code)
print(new.graph)
print(new(x))

# manual pass: add 1 after every call_module linear
g = gm.graph
for node in list(g.nodes):
    if node.op == 'call_module' and node.target.startswith('l'):
        with g.inserting_after(node):
            new_node = g.call_function(torch.add, (node, 1.0))
            node.replace_all_uses_with(new_node)
            new_node.args = (node, 1.0)
g.lint()
gm.recompile()
print(gm.code)
print(gm(x))


def pattern(a):
    return torch.relu(a) + 1


def replacement(a):
    return torch.sigmoid(a) * 3


def f(x):
    y = torch.relu(x) + 1
    z = torch.relu(y * 2) + 1
    return y - z


traced = symbolic_trace(f)
matches = replace_pattern(traced, pattern, replacement)
print(len(matches))
print(traced.code)
print(traced(torch.tensor([-1.0, 0.5, 2.0])))


def g2(x, flag):
    if flag:
        return x * 2
    return x - 1


t2 = symbolic_trace(g2, concrete_args={'flag': True})
print(t2.code)
print(t2(torch.tensor([1.0, 2.0]), True))


def bad(x):
    if x.sum() > 0:
        return x
    return -x


try:
    symbolic_trace(bad)
except fx.proxy.TraceError as e:
    print(type(e).__name__, e)
try:
    symbolic_trace(lambda x: len(x))
except RuntimeError as e:
    print(type(e).__name__, e)
dead = symbolic_trace(lambda x: (x + 1, x * 2)[0])
print(dead.graph)
print(dead.graph.eliminate_dead_code())
dead.recompile()
print(dead.code)
