"""``torch.fx.subgraph_rewriter.replace_pattern``: find each match of a pattern's graph in a
GraphModule and replace it with the replacement's graph; returns the list of ``Match``es."""
import copy
from typing import NamedTuple

from ._symbolic_trace import symbolic_trace
from .graph_module import GraphModule
from .node import map_arg

__all__ = ['Match', 'replace_pattern']


class Match(NamedTuple):
    anchor: object
    nodes_map: dict


def _same_target(pn, gn):
    if pn.op != gn.op:
        return False
    if pn.op in ('call_function', 'call_method'):
        return pn.target == gn.target
    if pn.op == 'call_module':
        return True
    if pn.op == 'get_attr':
        return pn.target == gn.target
    return True


def _match(pn, gn, nodes_map, pattern_placeholders):
    """Whether pattern node ``pn`` matches graph node ``gn`` (recursively through the inputs)."""
    if pn in nodes_map:
        return nodes_map[pn] is gn
    if pn.op == 'placeholder':
        if gn in nodes_map.values():
            return False
        nodes_map[pn] = gn
        return True
    if not _same_target(pn, gn) or len(pn.args) != len(gn.args) or set(pn.kwargs) != set(gn.kwargs):
        return False
    saved = dict(nodes_map)
    nodes_map[pn] = gn

    def match_arg(pa, ga):
        from .node import Node
        if isinstance(pa, Node):
            return isinstance(ga, Node) and _match(pa, ga, nodes_map, pattern_placeholders)
        if isinstance(pa, (list, tuple)):
            return isinstance(ga, (list, tuple)) and len(pa) == len(ga) and all(match_arg(a, b) for a, b in zip(pa, ga))
        return pa == ga and type(pa) is type(ga)
    ok = all(match_arg(a, b) for a, b in zip(pn.args, gn.args)) and \
        all(match_arg(pn.kwargs[k], gn.kwargs[k]) for k in pn.kwargs)
    if not ok:
        nodes_map.clear()
        nodes_map.update(saved)
    return ok


def replace_pattern(gm, pattern, replacement):
    """Replace every non-overlapping match of ``pattern`` in ``gm`` with ``replacement`` (functions
    or modules, traced); returns the matches (``Match(anchor, nodes_map)``)."""
    original_graph = gm.graph
    pattern_graph = pattern.graph if isinstance(pattern, GraphModule) else symbolic_trace(pattern).graph
    replacement_graph = replacement.graph if isinstance(replacement, GraphModule) else \
        symbolic_trace(replacement).graph
    p_placeholders = [n for n in pattern_graph.nodes if n.op == 'placeholder']
    p_output = pattern_graph.output_node()
    p_returns = p_output.args[0]
    p_returns = list(p_returns) if isinstance(p_returns, (list, tuple)) else [p_returns]
    anchor = p_returns[0]
    matches = []
    used = set()
    for gn in original_graph.nodes:
        nodes_map = {}
        if gn in used or not _match(anchor, gn, nodes_map, p_placeholders):
            continue
        if any(r not in nodes_map for r in p_returns):
            continue
        inner = [p for p in nodes_map if p.op not in ('placeholder', 'output')]
        # inner nodes other than the returned ones must not be used outside the match
        ok = all(gn_ in used or True for gn_ in nodes_map.values())
        for p in inner:
            g = nodes_map[p]
            if g in used:
                ok = False
            if p not in p_returns and any(u not in nodes_map.values() for u in g.users):
                ok = False
        if not ok:
            continue
        nodes_map[p_output] = None
        matches.append(Match(anchor=anchor, nodes_map=nodes_map))
        used.update(nodes_map[p] for p in inner)
    for match in matches:
        r_placeholders = [n for n in replacement_graph.nodes if n.op == 'placeholder']
        val_map = {rn: match.nodes_map[pn] for rn, pn in zip(r_placeholders, p_placeholders)}
        returned = [match.nodes_map[r] for r in p_returns]
        matched = set(match.nodes_map.values())
        # the replacement goes before the first node outside the match that uses its results (torch's place)
        insert_point = next((n for n in original_graph.nodes if n not in matched
                             and any(r in n._input_nodes for r in returned)), returned[-1])
        with original_graph.inserting_before(insert_point):
            copied = original_graph.graph_copy(replacement_graph, val_map)
        copied = list(copied) if isinstance(copied, (list, tuple)) else [copied]
        for old, new in zip(returned, copied):
            old.replace_all_uses_with(new)
        for pn in reversed(list(pattern_graph.nodes)):
            if pn.op in ('placeholder', 'output'):
                continue
            g = match.nodes_map.get(pn)
            if g is not None and not g.users and not g._erased:
                original_graph.erase_node(g)
    gm.recompile()
    if isinstance(replacement, GraphModule) or hasattr(replacement, 'named_modules'):
        for node in replacement_graph.nodes:
            if node.op in ('call_module', 'get_attr'):
                if not hasattr(gm, node.target.split('.')[0]):
                    from .graph_module import _copy_attr
                    _copy_attr(replacement if not isinstance(replacement, GraphModule) else replacement, gm,
                               node.target)
    return matches
