"""A feature extractor built with FX: trace a small CNN, make the graph return intermediate
activations (by node name) as a dict, and train the truncated model's head a few steps."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.fx import symbolic_trace, GraphModule, Graph

torch.manual_seed(0)


class Block(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, padding=1)
        self.norm = nn.BatchNorm2d(cout)

    def forward(self, x):
        return F.relu(self.norm(self.conv(x)))


class CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = Block(1, 4)
        self.layer1 = Block(4, 8)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.head = nn.Linear(8, 3)

    def forward(self, x):
        x = self.stem(x)
        x = F.max_pool2d(x, 2)
        x = self.layer1(x)
        x = self.pool(x).flatten(1)
        return self.head(x)


def create_feature_extractor(model, return_nodes):
    gm = symbolic_trace(model)
    graph = gm.graph
    env = {n.name: n for n in graph.nodes}
    old_output = graph.output_node()
    with graph.inserting_before(old_output):
        pass
    new_graph = Graph()
    val_map = {}
    for node in graph.nodes:
        if node.op == 'output':
            break
        val_map[node] = new_graph.node_copy(node, lambda n: val_map[n])
    new_graph.output({out: val_map[env[name]] for name, out in return_nodes.items()})
    fe = GraphModule(gm, new_graph, 'FeatureExtractor')
    print('removed dead code:', fe.graph.eliminate_dead_code())
    fe.graph.lint()
    fe.delete_all_unused_submodules()
    fe.recompile()
    return fe


model = CNN()
gm = symbolic_trace(model)
for n in gm.graph.nodes:
    print(n.op, n.name, n.target if isinstance(n.target, str) else n.target.__name__, n.args, dict(n.kwargs))
fe = create_feature_extractor(model, {'stem_conv': 'c1', 'max_pool2d': 'pooled', 'layer1_norm': 'l1'})
print(fe.code)
print(fe)
out = fe(torch.randn(2, 1, 8, 8))
for k, v in out.items():
    print(k, tuple(v.shape), round(float(v.mean()), 4))

# train only the head on the pooled features of the frozen trunk
trunk = create_feature_extractor(model, {'flatten': 'feat'})
head = nn.Linear(8, 3)
opt = torch.optim.SGD(head.parameters(), lr=0.5)
x = torch.randn(16, 1, 8, 8)
y = torch.randint(0, 3, (16,))
for step in range(15):
    with torch.no_grad():
        feat = trunk(x)['feat']
    loss = F.cross_entropy(head(feat), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 5 == 0:
        print(step, round(loss.item(), 4))
print('final', round(loss.item(), 4))
print(trunk.graph)
