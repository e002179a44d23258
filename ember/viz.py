"""Pictures of the autograd graph: ``make_dot`` (Graphviz, as torchviz draws it) and
``explain`` (the same graph as text, with the seed's leaf table for the user's own tensors).

The graph runs from the leaves to the output, as the seed draws it: a leaf that requires grad
(light blue, its parameter name and shape) feeds its ``AccumulateGrad`` node, which feeds the
backward nodes (``MulBackward0``, ...; grey) of the ops that used it, down to the output (green).
Saved tensors (orange) hang off the node that saved them when ``show_saved=True``.

The DOT source is built here as text, so ``.source`` needs nothing installed; ``.render()`` and
``.pipe()`` run Graphviz's ``dot`` program (``apt-get install graphviz``) and say so when it is
missing. The ``graphviz`` Python package is not needed.

Example:
    >>> a = ember.tensor([10.], requires_grad=True); b = ember.tensor([20.], requires_grad=True)
    >>> G = (a * b) * 2; ember.viz.make_dot(G, params={'a': a, 'b': b}).render('G', format='svg')
"""
import os
import shutil
import subprocess
import sys

from ._tensor import Tensor
from .autograd.graph import AccumulateGrad

__all__ = ['make_dot', 'explain', 'Digraph', 'ExecutableNotFound']

# torchviz's look: boxes in a small monospace font, filled; colours by kind of node
_NODE_ATTR = {'align': 'left', 'fontname': 'monospace', 'fontsize': '10', 'height': '0.2',
              'ranksep': '0.1', 'shape': 'box', 'style': 'filled'}
_OUTPUT, _LEAF, _SAVED, _VIEW_BASE = 'darkolivegreen1', 'lightblue', 'orange', 'darkolivegreen3'


class ExecutableNotFound(RuntimeError):
    """Graphviz's ``dot`` program is not on PATH (as the graphviz package's error of that name)."""

    def __init__(self):
        super().__init__("failed to run Graphviz's 'dot': it is not installed or not on PATH. Install "
                         "Graphviz (apt-get install graphviz, brew install graphviz, conda install graphviz) "
                         "to render; the DOT text is in .source without it.")


class Digraph:
    """A directed graph in the DOT language, enough like ``graphviz.Digraph`` for torchviz's uses:
    ``.node``, ``.edge``, ``.source``, ``.render``, ``.pipe``, and SVG display in Jupyter.

    Example:
        >>> g = Digraph(); g.node('a', 'a\\n(1)'); g.node('m', 'MulBackward0'); g.edge('a', 'm')
        >>> print(g.source)          # digraph { ... a -> m }
    """

    def __init__(self, name=None, node_attr=None, graph_attr=None):
        self.name = name
        self.node_attr = dict(node_attr or {})
        self.graph_attr = dict(graph_attr or {})
        self.body = []

    def node(self, name, label=None, **attrs):
        if label is not None:
            attrs = {'label': label, **attrs}
        self.body.append(f'\t{_quote(name)}{_attr_list(attrs)}')

    def edge(self, tail, head, **attrs):
        self.body.append(f'\t{_quote(tail)} -> {_quote(head)}{_attr_list(attrs)}')

    @property
    def source(self):
        head = 'digraph' + (f' {_quote(self.name)}' if self.name else '') + ' {'
        lines = [head]
        if self.graph_attr:
            lines.append(f'\tgraph{_attr_list(self.graph_attr)}')
        if self.node_attr:
            lines.append(f'\tnode{_attr_list(self.node_attr)}')
        return '\n'.join(lines + self.body + ['}']) + '\n'

    def __str__(self):
        return self.source

    def pipe(self, format='svg', encoding=None):
        """The picture as bytes (str with ``encoding``), drawn by ``dot -T<format>``."""
        dot = shutil.which('dot')
        if dot is None:
            raise ExecutableNotFound()
        out = subprocess.run([dot, f'-T{format}'], input=self.source.encode(), capture_output=True, check=False)
        if out.returncode != 0:
            raise RuntimeError(f'dot -T{format} failed: {out.stderr.decode(errors="replace").strip()}')
        return out.stdout.decode(encoding) if encoding else out.stdout

    def save(self, filename):
        """Write the DOT source to ``filename``; returns the path."""
        with open(filename, 'w') as f:
            f.write(self.source)
        return filename

    def render(self, filename='graph', format='svg', cleanup=False, directory=None, view=False):
        """Write the DOT source to ``filename`` and the picture to ``filename.<format>``; returns the
        picture's path. ``cleanup=True`` removes the DOT file afterwards. (``view`` is accepted and
        ignored.)"""
        if directory:
            filename = os.path.join(directory, filename)
        self.save(filename)
        path = f'{filename}.{format}'
        try:
            data = self.pipe(format=format)
        finally:
            if cleanup:
                os.remove(filename)
        with open(path, 'wb') as f:
            f.write(data)
        return path

    def _repr_svg_(self):
        return self.pipe(format='svg', encoding='utf-8')


def _quote(s):
    s = str(s)
    if s.isidentifier():
        return s
    return '"' + s.replace('\\', '\\\\').replace('"', '\\"').replace('\n', '\\n') + '"'


def _attr_list(attrs):
    return ' [' + ' '.join(f'{k}={_quote(v)}' for k, v in attrs.items()) + ']' if attrs else ''


def _shape(t):
    """'(64, 3)' as torchviz writes a size; '()' for a 0-d tensor."""
    return '(' + ', '.join(str(d) for d in t.shape) + ')'


def _saved_tensors(fn):
    """(name, tensor) for each tensor ``fn`` saved for backward: torch-style ``_saved_*``
    attributes where a node has them, else ember's ``_saved`` tuple as saved[0], saved[1], ..."""
    named = [(a[len('_saved_'):], getattr(fn, a, None)) for a in dir(fn) if a.startswith('_saved_')]
    named = [(n, t) for n, t in named if isinstance(t, Tensor)]
    if named:
        return named
    saved = getattr(fn, '_saved', None) or ()
    return [(f'saved[{i}]', t) for i, t in enumerate(saved) if isinstance(t, Tensor)]


def _walk(roots):
    """Every backward node reachable from the roots' grad_fns, parents before children."""
    order, seen, stack = [], set(), [t.grad_fn for t in roots if t.grad_fn is not None]
    while stack:
        fn = stack.pop()
        if fn in seen:
            continue
        seen.add(fn)
        order.append(fn)
        stack.extend(reversed([n for n, _ in fn.next_functions if n is not None]))
    return order


def make_dot(var, params=None, show_attrs=False, show_saved=False, max_attr_chars=50):
    """The autograd graph that produced ``var`` (a tensor or a tuple of them), as a :class:`Digraph`.

    Args:
        var: the output tensor(s); drawn green with their shapes.
        params (dict name -> Tensor): names for leaves (``dict(model.named_parameters())``) and for
            any other tensor in the picture; unnamed leaves show their shape only.
        show_saved (bool): draw the tensors each node saved for backward (orange).
        show_attrs, max_attr_chars: accepted for torchviz compatibility; ember's nodes keep no
            other attributes to show.

    Example:
        >>> dot = make_dot(model(x).sum(), params=dict(model.named_parameters()))
        >>> dot.render('model', format='png')          # model.png, with Graphviz installed
    """
    names = {id(t): n for n, t in (params or {}).items()}
    outputs = list(var) if isinstance(var, (tuple, list)) else [var]
    dot = Digraph(node_attr=_NODE_ATTR, graph_attr={'size': '12,12'})
    ids = {}

    def node_id(obj, saved=False):       # short stable ids: the picture's source diffs cleanly
        key = (saved, id(obj))
        if key not in ids:
            ids[key] = f'n{len(ids)}'
        return ids[key]

    def tensor_label(t, name=None):
        name = names.get(id(t), '') if name is None else name
        return f'{name}\n{_shape(t)}' if name else _shape(t)

    drawn = set()
    for fn in _walk(outputs):
        dot.node(node_id(fn), type(fn).__name__)      # 'AccumulateGrad', not its name() 'torch::autograd::...'
        if isinstance(fn, AccumulateGrad):
            v = fn.variable
            dot.node(node_id(v), tensor_label(v), fillcolor=_LEAF)
            dot.edge(node_id(v), node_id(fn))
            drawn.add(id(v))
        for child, _ in fn.next_functions:
            if child is not None:
                dot.edge(node_id(child), node_id(fn))
        if show_saved:
            for attr, t in _saved_tensors(fn):
                label = tensor_label(t, names.get(id(t), attr))
                dot.node(node_id(t, saved=True), label, fillcolor=_SAVED)
                dot.edge(node_id(t, saved=True), node_id(fn), dir='none')
    for out in outputs:
        if id(out) in drawn:              # an output that is itself a drawn leaf
            continue
        dot.node(node_id(out), tensor_label(out, names.get(id(out), 'output')), fillcolor=_OUTPUT)
        if out.grad_fn is not None:
            dot.edge(node_id(out.grad_fn), node_id(out))
    return dot


# ---------------------------------------------------------------------------- explain
def explain(tensor, params=None, file=None):
    """Print (and return) the graph behind ``tensor`` as text: each backward node with what feeds
    it, then the seed's leaf table for the named tensors: requires_grad, is_leaf, grad_fn,
    retains_grad, and whether ``tensor.backward()`` will fill its ``.grad``, and why (or why not).

    Args:
        tensor: the output (what ``.backward()`` would be called on).
        params (dict name -> Tensor): the tensors to list; default: the tensors among the
            caller's local variables (so ``explain(G)`` in the seed's example lists a, b, F, G).
        file: where to print (default stdout; None prints nothing when ``file=False``).

    Example:
        >>> a = ember.tensor([10.], requires_grad=True); b = ember.tensor([20.])
        >>> F = a * b; G = F * 2; text = ember.viz.explain(G)     # a gets .grad; b, F do not
    """
    if params is None:
        # the caller's variable names are what the user calls these tensors
        params = {k: v for k, v in sys._getframe(1).f_locals.items() if isinstance(v, Tensor) and not k.startswith('_')}
    named = dict(params)
    if not any(v is tensor for v in named.values()):
        named['output'] = tensor
    name_of = {id(t): n for n, t in named.items()}
    fn_names = {}
    for n, t in named.items():          # a node is called after the tensor it produced (F's MulBackward0)
        if t.grad_fn is not None:
            fn_names.setdefault(t.grad_fn, n)
    nodes = _walk([tensor])
    leaves = {id(fn.variable) for fn in nodes if isinstance(fn, AccumulateGrad)}

    def describe(fn):
        if isinstance(fn, AccumulateGrad):
            v = fn.variable
            return f"AccumulateGrad -> {name_of.get(id(v), 'a leaf')}.grad {_shape(v)}"
        return fn.name() + (f' (grad_fn of {fn_names[fn]})' if fn in fn_names else '')

    lines = [f'Graph of {name_of[id(tensor)]} (backward runs from the top down):']
    if tensor.grad_fn is None:
        lines.append('  (no graph: ' + ('a leaf; backward() fills its own .grad)' if tensor.requires_grad
                                         else 'the tensor does not require grad)'))
    for fn in nodes:
        if isinstance(fn, AccumulateGrad):
            continue
        inputs = [describe(c) if c is not None else 'None (an input that needs no grad)'
                  for c, _ in fn.next_functions]
        lines.append(f'  {describe(fn)} <- ' + ', '.join(inputs))
    lines += ['', "Tensors (the seed's table): who gets .grad from "
                  f'{name_of[id(tensor)]}.backward()', '']
    rows = [('tensor', 'shape', 'requires_grad', 'is_leaf', 'grad_fn', 'retains_grad', 'gets .grad', 'why')]
    for n, t in named.items():
        gets, why = _will_get_grad(t, t is tensor, leaves, nodes)
        rows.append((n, _shape(t), str(t.requires_grad), str(t.is_leaf),
                     t.grad_fn.name() if t.grad_fn is not None else 'None', str(t.retains_grad), gets, why))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    for r in rows:
        lines.append('  ' + '  '.join(c.ljust(w) for c, w in zip(r, widths)) + '  ' + r[-1])
    text = '\n'.join(lines)
    if file is not False:
        print(text, file=file)
    return text


def _will_get_grad(t, is_output, leaves, nodes):
    """('yes' or 'no', the reason), following the seed's leaf table."""
    if not t.requires_grad:
        return 'no', 'does not require grad: a constant to autograd (no grad_fn, a leaf)'
    if t.is_leaf:
        if id(t) in leaves or (is_output and t.grad_fn is None):
            return 'yes', 'a leaf that requires grad: its AccumulateGrad adds the gradient into .grad'
        return 'no', 'a leaf that requires grad, but not used to compute this output'
    in_graph = t.grad_fn in nodes
    if not in_graph:
        return 'no', 'not part of this graph'
    if t.retains_grad:
        return 'yes', 'not a leaf, but retain_grad() was called'
    return 'no', f'not a leaf: {t.grad_fn.name()} passes the gradient on; call retain_grad() to keep it'
