"""``ember.fx`` (``torch.fx``): symbolic tracing of modules and functions into a Graph of Nodes,
the Python code generated from it (``GraphModule``), and the tools that run and rewrite graphs
(``Interpreter``, ``Transformer``, ``replace_pattern``, ``passes.shape_prop.ShapeProp``). The
printed forms (``print(graph)``, ``gm.code``, ``print(gm)``) are torch's, with torch's names.

Example:
    >>> import ember as torch
    >>> gm = torch.fx.symbolic_trace(lambda x: torch.relu(x) + 1)
    >>> [n.op for n in gm.graph.nodes]
    ['placeholder', 'call_function', 'call_function', 'output']
"""
from . import immutable_collections  # noqa: F401
from .graph import CodeGen, Graph  # noqa: F401
from .graph_module import GraphModule  # noqa: F401
from .node import has_side_effect, map_arg, Node  # noqa: F401
from .proxy import Proxy  # noqa: F401
from ._symbolic_trace import PH, ProxyableClassMeta, symbolic_trace, Tracer, wrap  # noqa: F401
from .interpreter import Interpreter, Transformer  # noqa: F401
from .subgraph_rewriter import replace_pattern  # noqa: F401
from . import passes  # noqa: F401

__all__ = ['symbolic_trace', 'Tracer', 'wrap', 'Graph', 'GraphModule', 'Interpreter', 'Transformer', 'Node', 'Proxy',
           'replace_pattern', 'has_side_effect', 'map_arg']
