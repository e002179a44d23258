"""Shape propagation over a small transformer-ish encoder: ShapeProp fills node.meta['tensor_meta'];
print a per-node table of shapes and dtypes, parameter counts per call_module, and a graph built
by hand (Graph() + GraphModule(root, graph)) run through the Interpreter."""
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.fx as fx
from torch.fx.passes.shape_prop import ShapeProp

torch.manual_seed(0)


class Encoder(nn.Module):
    def __init__(self, vocab=20, dim=8, heads=2):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim)
        self.pos = nn.Parameter(torch.randn(1, 6, dim) * 0.02)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.norm = nn.LayerNorm(dim)
        self.heads = heads
        self.dim = dim

    def forward(self, ids):
        x = self.emb(ids) + self.pos
        b, t, d = x.shape
        q, k, v = self.qkv(x).chunk(3, dim=-1)
        q = q.view(b, t, self.heads, d // self.heads).transpose(1, 2)
        k = k.view(b, t, self.heads, d // self.heads).transpose(1, 2)
        v = v.view(b, t, self.heads, d // self.heads).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) / (d // self.heads) ** 0.5
        att = F.softmax(att, dim=-1)
        y = (att @ v).transpose(1, 2).reshape(b, t, d)
        return self.norm(x + self.proj(y)), att.argmax(dim=-1).to(torch.int32)


model = Encoder()
gm = fx.symbolic_trace(model)
print(gm.code)
ids = torch.randint(0, 20, (2, 6))
ShapeProp(gm).propagate(ids)
for node in gm.graph.nodes:
    tm = node.meta.get('tensor_meta')
    if tm is None:
        print(f'{node.name:<14} {node.op:<14} -', node.meta.get('type'))
    elif isinstance(tm, tuple) and not hasattr(tm, 'shape'):
        print(f'{node.name:<14} {node.op:<14}', [tuple(m.shape) for m in tm])
    else:
        print(f'{node.name:<14} {node.op:<14} {tuple(tm.shape)} {tm.dtype} {tm.requires_grad} {tm.stride}')
mods = dict(gm.named_modules())
for node in gm.graph.nodes:
    if node.op == 'call_module':
        print(node.target, type(mods[node.target]).__name__, sum(p.numel() for p in mods[node.target].parameters()),
              [u.name for u in node.users])

# a graph built by hand
graph = fx.Graph()
x = graph.placeholder('x')
w = graph.get_attr('weight')
mm = graph.call_function(torch.matmul, (x, w))
act = graph.call_method('tanh', (mm,))
s = graph.call_function(torch.sum, (act,), {'dim': 1})
graph.output((act, s))
root = nn.Module()
root.weight = nn.Parameter(torch.ones(3, 2))
hand = fx.GraphModule(root, graph, 'Hand')
print(graph)
print(hand.code)
print(hand)
a, b = fx.Interpreter(hand).run(torch.arange(6.0).reshape(2, 3) / 10)
print(a, b)
print([(n.name, n.op, [u.name for u in n.users]) for n in graph.nodes])
print(list(map(str, graph.nodes)), len(graph.nodes))
