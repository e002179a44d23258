"""``ember.summary(model, input_size)``: a torchsummary-style table of a model's layers.

It runs the model once on dummy input (on the model's own device, in its current train/eval
mode, under ``no_grad``) with forward hooks, and prints one row per layer call: ``Layer (type)``
as ``Type-index`` (numbered in call order), the output shape, and the parameter count; then the
totals, trainable / non-trainable parameters, the mult-adds, and memory estimates (MB).

Conventions (torchsummary's, which the seed's ``summary(model, input_size=(64, 3))`` uses):

- ``input_size`` is the shape of ONE sample, without the batch dimension; a tuple for one input,
  a list of tuples for several. The model is run on a batch of 2 (so BatchNorm works) and the
  batch dimension is shown as ``batch_size`` (default ``-1``). So ``input_size=(64, 3)`` runs an
  input of shape ``(2, 64, 3)`` and a ``Linear(3, 64)`` row reads ``[-1, 64, 64]``.
- ``input_data`` (a tensor or a list/tuple of tensors) is used as given instead; shapes are
  shown as they are (the first dimension replaced by ``batch_size`` when that is not -1).
- Rows: every module called during the forward except the model itself, down to ``depth``
  levels below it; ``Sequential``/``ModuleList``/``ModuleDict`` containers are not rows of
  their own (their children are). A module at the depth limit that has children shows the
  parameters of its whole subtree; others show their own (direct) parameters.
- Totals count each parameter of the model once. Mult-adds count Linear/Conv/bilinear-style
  layers (weight elements times output positions), per sample when ``batch_size`` is -1, else
  for ``batch_size`` samples. Memory: input size and forward/backward size (twice the outputs
  of the rows, for their gradients) per ``batch_size`` samples (one when -1), in the tensors'
  own element sizes; params size from the parameters' bytes; 1 MB = 1024**2 bytes.

The model is left as found: hooks are removed, each module's ``training`` flag, the buffers'
values (BatchNorm running stats) and the global RNG state are restored, and gradients are not
touched (``no_grad``).

Example:
    >>> s = ember.summary(model, input_size=(64, 3))      # prints the table
    >>> s.total_params, s.trainable_params, str(s)
"""

from . import _random
from .autograd import no_grad
from ._tensor import Tensor

__all__ = ['summary', 'ModelSummary']

_LINE = '-' * 64
_DLINE = '=' * 64


class ModelSummary:
    """The result of :func:`summary`: ``str()`` is the table; the numbers are attributes."""

    def __init__(self, rows, total_params, trainable_params, mult_adds, input_mb, fwd_bwd_mb, params_mb):
        self.rows = rows                    # list of dicts: name, depth, output_shape, params
        self.total_params = total_params
        self.trainable_params = trainable_params
        self.non_trainable_params = total_params - trainable_params
        self.mult_adds = mult_adds
        self.input_size_mb = input_mb
        self.forward_backward_size_mb = fwd_bwd_mb
        self.params_size_mb = params_mb
        self.total_size_mb = input_mb + fwd_bwd_mb + params_mb

    def __str__(self):
        out = [_LINE, '{:>20}  {:>25} {:>15}'.format('Layer (type)', 'Output Shape', 'Param #'), _DLINE]
        for r in self.rows:
            name = '  ' * (r['depth'] - 1) + r['name']
            out.append('{:>20}  {:>25} {:>15}'.format(name, str(r['output_shape']), '{0:,}'.format(r['params'])))
        out += [_DLINE,
                'Total params: {0:,}'.format(self.total_params),
                'Trainable params: {0:,}'.format(self.trainable_params),
                'Non-trainable params: {0:,}'.format(self.non_trainable_params),
                'Total mult-adds (M): %0.2f' % (self.mult_adds / 1e6),
                _LINE,
                'Input size (MB): %0.2f' % self.input_size_mb,
                'Forward/backward pass size (MB): %0.2f' % self.forward_backward_size_mb,
                'Params size (MB): %0.2f' % self.params_size_mb,
                'Estimated Total Size (MB): %0.2f' % self.total_size_mb,
                _LINE]
        return '\n'.join(out)

    __repr__ = __str__


def _shape(t, batch_size):
    if isinstance(t, Tensor):
        s = list(t.shape)
        if s and batch_size is not None:
            s[0] = batch_size
        return s
    if isinstance(t, (list, tuple)):
        return [_shape(o, batch_size) for o in t]
    if isinstance(t, dict):
        return {k: _shape(v, batch_size) for k, v in t.items()}
    return []


def _numel_per_sample(t):
    if isinstance(t, Tensor):
        n = t.numel()
        return (n // t.shape[0] if t.dim() and t.shape[0] else n), t.element_size()
    if isinstance(t, (list, tuple)):
        pairs = [_numel_per_sample(o) for o in t]
        return sum(p[0] for p in pairs), (pairs[0][1] if pairs else 4)
    if isinstance(t, dict):
        return _numel_per_sample(list(t.values()))
    return 0, 4


def _mult_adds(module, output):
    """Multiply-accumulates of one call, for the whole batch (0 for weightless layers)."""
    w = module._parameters.get('weight') if hasattr(module, '_parameters') else None
    if w is None or not isinstance(output, Tensor) or output.dim() == 0:
        return 0
    name = type(module).__name__
    if name in ('Linear', 'Bilinear', 'LazyLinear'):
        return w.numel() * (output.numel() // output.shape[-1])
    if name.startswith('Conv') or name.startswith('LazyConv'):       # weight elems * output positions
        return w.numel() * (output.numel() // output.shape[1] if output.dim() > 1 else 1)
    if name == 'Embedding' or 'Norm' in name:
        return 0
    return w.numel() * (output.shape[0] if output.dim() else 1)


def summary(model, input_size=None, batch_size=-1, device=None, dtypes=None, input_data=None, depth=3,
            verbose=1):
    """Print (``verbose`` > 0) and return a :class:`ModelSummary` of ``model``; see the module
    docstring for the conventions.

    Args:
        model (nn.Module): the model (left unchanged).
        input_size (tuple or list of tuples): one sample's shape per input, no batch dimension.
        batch_size (int): the batch dimension shown in shapes and used for memory (-1: per sample).
        device: where to make the dummy input; default the model's (its first parameter's).
        dtypes (list of dtypes): the dummy inputs' dtypes (default float32).
        input_data (Tensor or sequence of Tensors): real input, used instead of ``input_size``.
        depth (int): how many levels of nested modules to show.
    """
    from .nn.modules.container import Sequential, ModuleList, ModuleDict
    from . import _ops
    if input_data is None and input_size is None:
        raise ValueError('summary needs input_size or input_data')
    if device is None:
        p = next(iter(model.parameters()), None)
        if p is None:
            p = next(iter(model.buffers()), None)
        device = p.device if p is not None else 'cpu'

    # depth of every module below the model (first name wins for shared modules)
    depth_of, parent_shown = {}, {}
    for name, m in model.named_modules():
        if m is model:
            continue
        depth_of.setdefault(id(m), name.count('.') + 1)

    rng = _random.get_rng_state()
    from ._device import device as _dev
    dev = device if isinstance(device, _dev) else _dev(device)
    cuda_rng = None
    if dev.type == 'cuda':              # the dummy input is drawn from the device's generator
        from . import cuda as _cuda
        cuda_rng = (_cuda.get_rng_state(dev), dev)
    if input_data is not None:
        xs = list(input_data) if isinstance(input_data, (list, tuple)) else [input_data]
        shown_batch = batch_size if batch_size != -1 else None
    else:
        sizes = [input_size] if isinstance(input_size, tuple) and all(isinstance(s, int) for s in input_size) \
            else list(input_size)
        if dtypes is None:
            dtypes = [None] * len(sizes)
        from ._dtype import float32
        xs = []
        for s, dt in zip(sizes, dtypes):
            dt = dt or float32
            if dt.is_floating_point:
                xs.append(_ops.creation.rand(2, *s, dtype=dt, device=device))
            else:
                xs.append(_ops.creation.zeros(2, *s, dtype=dt, device=device))
        shown_batch = batch_size
    rows, calls, hooks = [], [], []

    def pre_hook(module, inp):
        d = depth_of.get(id(module))
        if d is None or d > depth:
            calls.append(None)
            return
        has_children = any(True for _ in module.children())
        leaf_view = d == depth or not has_children
        if isinstance(module, (Sequential, ModuleList, ModuleDict)) and not leaf_view:
            calls.append(None)
            return
        params = sum(p.numel() for p in module.parameters(recurse=leaf_view))
        trainable = sum(p.numel() for p in module.parameters(recurse=leaf_view) if p.requires_grad)
        row = {'name': f'{type(module).__name__}-{len(rows) + 1}', 'depth': d, 'output_shape': None,
               'params': params, 'trainable': trainable, 'module': type(module).__name__}
        rows.append(row)
        calls.append(row)

    macs = [0]

    def hook(module, inp, out):
        row = calls.pop() if calls else None
        if row is not None:
            row['output_shape'] = _shape(out, shown_batch)
            row['_out'] = _numel_per_sample(out)
        macs[0] += _mult_adds(module, out)

    training = [(m, m.training) for m in model.modules()]
    buffers = [(b, b._data.copy()) for b in model.buffers()]
    try:
        for m in model.modules():
            if m is not model:
                hooks.append(m.register_forward_pre_hook(pre_hook))
                hooks.append(m.register_forward_hook(hook))
        with no_grad():
            model(*xs)
    finally:
        for h in hooks:
            h.remove()
        for m, flag in training:
            m.training = flag
        for b, saved in buffers:
            b._data[...] = saved
        _random.set_rng_state(rng)
        if cuda_rng is not None:
            _cuda.set_rng_state(*cuda_rng)

    run_batch = xs[0].shape[0] if xs and xs[0].dim() else 1
    n = 1 if batch_size == -1 else batch_size
    if input_data is not None and batch_size == -1:
        n = run_batch
    seen, total, trainable, pbytes = set(), 0, 0, 0
    for p in model.parameters():
        if id(p) in seen:
            continue
        seen.add(id(p))
        total += p.numel()
        pbytes += p.numel() * p.element_size()
        if p.requires_grad:
            trainable += p.numel()
    in_bytes = sum(_numel_per_sample(x)[0] * x.element_size() for x in xs) * n
    out_bytes = sum(r['_out'][0] * r['_out'][1] for r in rows if '_out' in r) * n
    for r in rows:
        r.pop('_out', None)
    mult_adds = macs[0] * n // max(run_batch, 1)
    mb = 1024.0 ** 2
    s = ModelSummary(rows, total, trainable, mult_adds, in_bytes / mb, 2.0 * out_bytes / mb, pbytes / mb)
    if verbose:
        print(s)
    return s
