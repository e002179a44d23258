"""ember.fx against torch.fx: the same body traced with each library; the printed graph, the
generated code, the node fields and the results must be the same (strings compared exactly)."""
import operator

from conformance import both  # noqa: F401


def _net(lib):
    nn, F = lib.nn, lib.nn.functional

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = nn.Linear(4, 3)
            self.register_buffer('scale', lib.ones(3) * 2)
            self.p = nn.Parameter(lib.zeros(3))

        def forward(self, x):
            y = F.relu(self.linear(x)) * self.scale + self.p
            y = lib.cat([y, y.softmax(-1)], dim=1)
            return y.view(-1, y.shape[1] // 2, 2), x.size(0)
    lib.manual_seed(0)
    return Net()


def test_graph_code_and_repr(both):
    def body(lib):
        gm = lib.fx.symbolic_trace(_net(lib))
        return str(gm.graph), gm.code, str(gm)
    both(body)


def test_node_fields(both):
    def body(lib):
        gm = lib.fx.symbolic_trace(_net(lib))
        out = []
        for n in gm.graph.nodes:
            t = n.target if isinstance(n.target, str) else n.target.__name__
            out.append((n.op, n.name, t, str(n.args), str(dict(n.kwargs)), str(list(n.users))))
        return out
    both(body)


def test_forward_backward_match_the_model(both):
    def body(lib):
        m = _net(lib)
        gm = lib.fx.symbolic_trace(m)
        x = lib.randn(2, 4)
        a, n = gm(x)
        a.sum().backward()
        return a, n, m.linear.weight.grad, m.p.grad
    both(body)


def test_graph_surgery_and_dead_code(both):
    def body(lib):
        gm = lib.fx.symbolic_trace(lambda x: lib.relu(x) + (x * 3))
        g = gm.graph
        for node in list(g.nodes):
            if node.target is operator.add:
                with g.inserting_after(node):
                    neg = g.call_function(lib.neg, (node,))
                node.replace_all_uses_with(neg)
                neg.args = (node,)
            if node.target is operator.mul:
                node.args = (node.args[0], 5)
        with g.inserting_before(g.output_node()):
            g.call_function(lib.sigmoid, (next(iter(g.nodes)),))
        g.lint()
        changed = g.eliminate_dead_code()
        gm.recompile()
        return str(g), gm.code, changed, gm(lib.tensor([-1.0, 2.0]))
    both(body)


def test_hand_built_graph_and_interpreter(both):
    def body(lib):
        g = lib.fx.Graph()
        x = g.placeholder('x')
        w = g.get_attr('w')
        y = g.call_function(lib.matmul, (x, w))
        z = g.call_method('clamp', (y,), {'min': 0.0})
        g.output(z)
        root = lib.nn.Module()
        root.w = lib.nn.Parameter(lib.eye(2))
        gm = lib.fx.GraphModule(root, g, 'Hand')

        class Doubler(lib.fx.Interpreter):
            def call_function(self, target, args, kwargs):
                return super().call_function(target, args, kwargs) * 2
        inp = lib.tensor([[1.0, -2.0]])
        return str(g), gm.code, str(gm), Doubler(gm).run(inp), lib.fx.Interpreter(gm).run(inp)
    both(body)


def test_transformer_and_replace_pattern(both):
    def body(lib):
        F = lib.nn.functional

        class T(lib.fx.Transformer):
            def call_function(self, target, args, kwargs):
                if target is lib.relu:
                    return super().call_function(F.gelu, args, {})
                return super().call_function(target, args, kwargs)

        def f(x):
            return lib.relu(x) + 1 - lib.relu(x * 2) + 1
        gm = T(lib.fx.symbolic_trace(f)).transform()

        def pattern(a):
            return lib.relu(a) + 1

        def replacement(a):
            return lib.sigmoid(a)
        gm2 = lib.fx.symbolic_trace(f)
        matches = lib.fx.replace_pattern(gm2, pattern, replacement)
        x = lib.tensor([-1.0, 0.5])
        return gm.code, gm(x), len(matches), gm2.code, gm2(x)
    both(body)


def test_shape_prop_meta(both):
    def body(lib):
        from importlib import import_module
        ShapeProp = import_module(lib.__name__ + '.fx.passes.shape_prop').ShapeProp
        m = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.ReLU())
        gm = lib.fx.symbolic_trace(m)
        ShapeProp(gm).propagate(lib.randn(2, 3))
        return [(n.name, tuple(n.meta['tensor_meta'].shape), str(n.meta['tensor_meta'].dtype),
                 n.meta['tensor_meta'].requires_grad, n.meta['tensor_meta'].stride, n.meta['type'].__name__)
                for n in gm.graph.nodes if n.op != 'output']
    both(body)


def test_control_flow_trace_error_and_concrete_args(both):
    def body(lib):
        def f(x, flag):
            if flag:
                return x + 1
            return x

        try:
            lib.fx.symbolic_trace(f)
        except lib.fx.proxy.TraceError as e:
            msg = str(e)
        gm = lib.fx.symbolic_trace(f, concrete_args={'flag': False})
        return msg, str(gm.graph), gm.code, gm(lib.ones(2), False)
    both(body)


def test_print_tabular_needs_tabulate(both):
    def body(lib):
        lib.fx.symbolic_trace(lambda x: x + 1).graph.print_tabular()
    both(body)
