"""``add_graph`` for ember: the module-call graph of one forward run.

torch traces the model with ``torch.jit`` and writes every aten op. ember has no tracer, so it
runs ``model(*inputs)`` once (in eval mode, without grad, training flag restored after) with a
forward hook on each leaf module, and writes one node per leaf call:

- ``input/<arg>`` and ``output/output.<i>`` are ``IO Node`` s, as in torch;
- a call is ``<Model>/<Class>[<name>]/...`` (torch's scope names), op ``<Class>``, with the
  module's ``extra_repr`` as its ``attr`` and its output shape as ``_output_shapes``;
- a call's inputs are the nodes that produced its input tensors; a tensor made outside leaf
  modules (a functional op in ``forward``) is taken to come from the call before it.
"""
import inspect

from tensorboard.compat.proto.attr_value_pb2 import AttrValue
from tensorboard.compat.proto.config_pb2 import RunMetadata
from tensorboard.compat.proto.graph_pb2 import GraphDef
from tensorboard.compat.proto.node_def_pb2 import NodeDef
from tensorboard.compat.proto.step_stats_pb2 import DeviceStepStats, StepStats
from tensorboard.compat.proto.tensor_shape_pb2 import TensorShapeProto
from tensorboard.compat.proto.versions_pb2 import VersionDef


def _tensors(x):
    import ember
    if isinstance(x, ember.Tensor):
        return [x]
    if isinstance(x, (list, tuple)):
        return [t for v in x for t in _tensors(v)]
    if isinstance(x, dict):
        return [t for v in x.values() for t in _tensors(v)]
    return []


def _node(name, op, inputs=(), shape=None, attr=''):
    attrs = {'attr': AttrValue(s=attr.encode('utf-8'))}
    if shape is not None:
        dims = TensorShapeProto(dim=[TensorShapeProto.Dim(size=d) for d in shape])
        attrs['_output_shapes'] = AttrValue(list=AttrValue.ListValue(shape=[dims]))
    return NodeDef(name=name, op=op, input=list(inputs), attr=attrs)


def graph(model, args, verbose=False):
    """(GraphDef, RunMetadata) of ``model(*args)``'s leaf-module calls."""
    import ember
    args = tuple(args) if isinstance(args, (list, tuple)) else (args,)
    try:
        names = [p for p in inspect.signature(model.forward).parameters][:len(args)]
    except (TypeError, ValueError):
        names = []
    names += [f'input.{i}' for i in range(len(names), len(args))]
    nodes, producer, keep, last = [], {}, [], [None]
    for n, a in zip(names, args):
        for t in _tensors(a):
            name = f'input/{n}' if len(_tensors(a)) == 1 else f'input/{n}.{len(nodes)}'
            nodes.append(_node(name, 'IO Node', shape=tuple(t.shape)))
            producer[id(t)] = last[0] = name
            keep.append(t)
    root = type(model).__name__
    paths = {m: root + ''.join(f'/{type(mod).__name__}[{p}]' for p, mod in _chain(model, q))
             for q, m in model.named_modules()}
    seen = {}

    def hook(mod, inputs, output):
        base = paths[mod]
        k = seen[base] = seen.get(base, -1) + 1
        name = f'{base}/{type(mod).__name__}' + (f'.{k}' if k else '')
        ins = []
        for t in _tensors(inputs):
            src = producer.get(id(t), last[0])
            if src is not None and src not in ins:
                ins.append(src)
        outs = _tensors(output)
        nodes.append(_node(name, type(mod).__name__, ins, tuple(outs[0].shape) if outs else None,
                           mod.extra_repr() if hasattr(mod, 'extra_repr') else ''))
        for t in outs:
            producer[id(t)] = name
        keep.extend(outs)
        last[0] = name

    leaves = [m for _, m in model.named_modules() if not any(True for _ in m.children())]
    handles = [m.register_forward_hook(hook) for m in leaves]
    training = model.training
    try:
        model.eval()
        with ember.no_grad():
            out = model(*args)
    finally:
        model.train(training)
        for h in handles:
            h.remove()
    for i, t in enumerate(_tensors(out)):
        nodes.append(_node(f'output/output.{i + 1}', 'IO Node', [producer.get(id(t), last[0])],
                           tuple(t.shape)))
    if verbose:
        print('\n'.join(f'{n.name} <- {list(n.input)}' for n in nodes))
    stats = RunMetadata(step_stats=StepStats(dev_stats=[DeviceStepStats(device='/device:CPU:0')]))
    return GraphDef(node=nodes, versions=VersionDef(producer=22)), stats


def _chain(model, qualname):
    """(name, module) pairs from ``model`` down to the submodule at ``qualname``."""
    out, m = [], model
    for part in qualname.split('.') if qualname else []:
        m = getattr(m, part)
        out.append((part, m))
    return out
