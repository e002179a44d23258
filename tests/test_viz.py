"""``ember.viz``: the autograd graph as a Graphviz picture (``make_dot``) and as text
(``explain``). The seed's two pictures (F = A*B, G = F*2; and the same with ``b`` frozen) and a
model's graph are checked in the DOT source, node by node and edge by edge, and in the SVG that
Graphviz's ``dot`` draws from it (skipped, with the reason, where ``dot`` is not installed: ``make
test`` installs it)."""
import re
import shutil
import warnings

import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from ember import viz

needs_dot = pytest.mark.skipif(
    shutil.which('dot') is None, reason="Graphviz's dot is not installed (make test installs it: apt-get install graphviz)")


def parse(dot):
    """(labels {node id: label}, fill colours {node id: colour}, edges [(tail label, head label)])."""
    src = dot.source
    found = re.findall(r'^\t(\w+) \[label="?(.*?)"?(?: fillcolor=|\])', src, re.M)
    labels = {k: label.replace('\\n', '\n') for k, label in found}
    colours = dict(re.findall(r'^\t(\w+) \[label=.* fillcolor=(\w+)\]', src, re.M))
    edges = [(labels[a], labels[b]) for a, b in re.findall(r'^\t(\w+) -> (\w+)', src, re.M)]
    return labels, colours, edges


def seed_graph(frozen_b=False):
    A = ember.tensor([10.], requires_grad=True)
    B = ember.tensor([20.], requires_grad=not frozen_b)
    F_ = A * B
    G = F_ * 2
    return A, B, F_, G


class CustomClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(3, 64)
        self.fc2 = nn.Linear(64, 128)
        self.fc3 = nn.Linear(128, 10)

    def forward(self, x):
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))


# ---------------------------------------------------------------------------- make_dot: the source
def test_seed_picture_F_is_A_times_B_G_is_F_times_2():
    A, B, _, G = seed_graph()
    labels, colours, edges = parse(viz.make_dot(G, params={'A': A, 'B': B}))
    assert sorted(labels.values()) == sorted(['A\n(1)', 'B\n(1)', 'AccumulateGrad', 'AccumulateGrad',
                                              'MulBackward0', 'MulBackward0', 'output\n(1)'])
    # leaves -> their AccumulateGrad -> F's MulBackward0 -> G's MulBackward0 -> the output
    assert edges.count(('A\n(1)', 'AccumulateGrad')) == 1 and edges.count(('B\n(1)', 'AccumulateGrad')) == 1
    assert edges.count(('AccumulateGrad', 'MulBackward0')) == 2
    assert edges.count(('MulBackward0', 'MulBackward0')) == 1
    assert edges.count(('MulBackward0', 'output\n(1)')) == 1
    assert len(edges) == 6
    by_label = {v: colours.get(k) for k, v in labels.items()}
    assert by_label['A\n(1)'] == by_label['B\n(1)'] == 'lightblue'
    assert by_label['output\n(1)'] == 'darkolivegreen1'


def test_seed_picture_with_b_frozen():
    A, b, _, G = seed_graph(frozen_b=True)
    labels, _, edges = parse(viz.make_dot(G, params={'A': A, 'b': b}))
    # b needs no grad: no AccumulateGrad, nothing of it in the picture
    assert sorted(labels.values()) == sorted(['A\n(1)', 'AccumulateGrad', 'MulBackward0', 'MulBackward0',
                                              'output\n(1)'])
    assert ('A\n(1)', 'AccumulateGrad') in edges and ('AccumulateGrad', 'MulBackward0') in edges


def test_show_saved_draws_the_saved_tensors():
    A, b, _, G = seed_graph(frozen_b=True)
    labels, colours, edges = parse(viz.make_dot(G, params={'A': A, 'b': b}, show_saved=True))
    saved = sorted(labels[k] for k, c in colours.items() if c == 'orange')
    assert 'b\n(1)' in saved                       # the frozen b: saved by F's MulBackward0
    assert ('b\n(1)', 'MulBackward0') in edges
    assert 'dir=none' in viz.make_dot(G, params={'A': A, 'b': b}, show_saved=True).source
    assert 'orange' not in viz.make_dot(G, params={'A': A, 'b': b}).source


def test_model_parameters_by_name_and_shape():
    ember.manual_seed(0)
    model = CustomClassifier()
    out = model(ember.randn(5, 3)).sum()
    dot = viz.make_dot(out, params=dict(model.named_parameters()))
    labels, colours, edges = parse(dot)
    leaves = sorted(labels[k] for k, c in colours.items() if c == 'lightblue')
    assert leaves == sorted(['fc1.weight\n(64, 3)', 'fc1.bias\n(64)', 'fc2.weight\n(128, 64)', 'fc2.bias\n(128)',
                             'fc3.weight\n(10, 128)', 'fc3.bias\n(10)'])
    assert list(labels.values()).count('AccumulateGrad') == 6
    assert 'SumBackward0' in labels.values() and 'ReluBackward0' in labels.values()
    assert ('SumBackward0', 'output\n()') in edges
    assert 'fc1.weight\\n(64, 3)' in dot.source          # as DOT writes a line break


def test_unnamed_leaves_show_their_shape_and_tuples_of_outputs():
    x = ember.ones(2, 3, requires_grad=True)
    y, z = (x * 2).sum(0), x.exp()
    labels, colours, _ = parse(viz.make_dot((y, z)))
    assert [labels[k] for k, c in colours.items() if c == 'lightblue'] == ['(2, 3)']
    assert sorted(labels[k] for k, c in colours.items() if c == 'darkolivegreen1') == ['output\n(2, 3)',
                                                                                       'output\n(3)']


def test_digraph_quotes_labels():
    g = viz.Digraph()
    g.node('a', 'say "hi"\\ there\nnext')
    g.edge('a', 'b', style='dotted')
    assert '\ta [label="say \\"hi\\"\\\\ there\\nnext"]' in g.source
    assert '\ta -> b [style=dotted]' in g.source
    assert g.source.startswith('digraph {') and g.source.rstrip().endswith('}')


# ---------------------------------------------------------------------------- make_dot: the picture
@needs_dot
def test_render_svg_of_the_seed_picture(tmp_path):
    A, B, _, G = seed_graph()
    path = viz.make_dot(G, params={'A': A, 'B': B}).render(str(tmp_path / 'seed'), format='svg')
    assert path == str(tmp_path / 'seed.svg')
    svg = open(path).read()
    assert svg.lstrip().startswith('<?xml') and '<svg' in svg
    texts = re.findall(r'<text[^>]*>([^<]*)</text>', svg)
    assert sorted(texts) == sorted(['A', '(1)', 'B', '(1)', 'AccumulateGrad', 'AccumulateGrad', 'MulBackward0',
                                    'MulBackward0', 'output', '(1)'])
    assert svg.count('class="edge"') == 6
    assert (tmp_path / 'seed').exists()              # the DOT source beside it, as graphviz does


@needs_dot
def test_render_svg_of_a_model_and_png(tmp_path):
    model = CustomClassifier()
    out = model(ember.randn(4, 3))
    dot = viz.make_dot(out, params=dict(model.named_parameters()))
    svg = open(dot.render(str(tmp_path / 'model'), format='svg', cleanup=True)).read()
    assert not (tmp_path / 'model').exists()         # cleanup=True removed the DOT file
    texts = re.findall(r'<text[^>]*>([^<]*)</text>', svg)
    for text in ('fc1.weight', '(64, 3)', 'fc3.bias', '(10)', 'AccumulateGrad', 'ReluBackward0', 'output', '(4, 10)'):
        assert text in texts, text
    png = open(dot.render(str(tmp_path / 'model'), format='png'), 'rb').read()
    assert png[:8] == b'\x89PNG\r\n\x1a\n'
    assert dot._repr_svg_().count('<svg') == 1


def test_render_without_graphviz_says_so(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, 'which', lambda name: None)
    A, B, _, G = seed_graph()
    dot = viz.make_dot(G)
    assert 'MulBackward0' in dot.source              # the source needs nothing installed
    with pytest.raises(viz.ExecutableNotFound, match="Graphviz's 'dot'.*apt-get install graphviz"):
        dot.render(str(tmp_path / 'g'), format='svg')
    assert isinstance(viz.ExecutableNotFound(), RuntimeError)


# ---------------------------------------------------------------------------- explain
def rows(text):
    """{tensor name: (requires_grad, is_leaf, grad_fn, retains_grad, gets .grad)} from the table."""
    table = text.split("Tensors (the seed's table)")[1].splitlines()[3:]
    return {r.split()[0]: tuple(r.split()[2:7]) for r in table}


def grads_after_backward(G, named):
    G.backward()
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')          # .grad of a non-leaf warns, as in PyTorch
        return {n: 'yes' if t.grad is not None else 'no' for n, t in named.items()}


def test_explain_the_seed_example_reads_the_callers_names(capsys):
    a = ember.tensor([10.], requires_grad=True)
    b = ember.tensor([20.], requires_grad=True)
    F_ = a * b
    G = F_ * 2
    text = viz.explain(G)
    assert capsys.readouterr().out.strip() == text.strip()
    table = rows(text)
    assert table == {'a': ('True', 'True', 'None', 'False', 'yes'),
                     'b': ('True', 'True', 'None', 'False', 'yes'),
                     'F_': ('True', 'False', 'MulBackward0', 'False', 'no'),
                     'G': ('True', 'False', 'MulBackward0', 'False', 'no')}
    assert 'retain_grad()' in text.split('\n  F_ ')[1].splitlines()[0]
    assert 'MulBackward0 (grad_fn of G) <- MulBackward0 (grad_fn of F_)' in text
    assert 'AccumulateGrad -> a.grad (1)' in text
    # the prediction is what backward does
    assert grads_after_backward(G, {'a': a, 'b': b, 'F_': F_, 'G': G}) == {n: r[4] for n, r in table.items()}


def test_explain_frozen_b_and_retain_grad():
    a = ember.tensor([10.], requires_grad=True)
    b = ember.tensor([20.])
    F_ = a * b
    F_.retain_grad()
    G = F_ * 2
    unused = ember.tensor([1.], requires_grad=True)
    named = {'a': a, 'b': b, 'F': F_, 'G': G, 'unused': unused}
    text = viz.explain(G, params=named, file=False)
    table = rows(text)
    assert table['b'] == ('False', 'True', 'None', 'False', 'no')
    assert table['F'] == ('True', 'False', 'MulBackward0', 'True', 'yes')
    assert table['unused'][4] == 'no' and 'not used to compute this output' in text
    assert 'does not require grad' in text and 'retain_grad() was called' in text
    assert grads_after_backward(G, named) == {n: r[4] for n, r in table.items()}


def test_explain_names_the_output_when_unnamed():
    x = ember.ones(3, requires_grad=True)
    text = viz.explain((x * x).sum(), params={'x': x}, file=False)
    assert text.startswith('Graph of output')
    assert 'SumBackward0 (grad_fn of output) <- MulBackward0' in text
    assert rows(text)['x'][4] == 'yes'
