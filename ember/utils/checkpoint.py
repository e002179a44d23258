"""``ember.utils.checkpoint`` (``torch.utils.checkpoint``): trade compute for memory.

``checkpoint(fn, *args)`` runs ``fn`` without keeping its intermediate activations and runs it
again during backward to get them back, with the RNG state of the first run restored so that
dropout draws the same masks. The gradients equal those of a plain ``fn(*args)``.

- ``use_reentrant=True`` (torch's default when the argument is left out, with a warning): a
  custom Function whose backward re-runs ``fn`` and calls ``autograd.backward`` inside. As in
  torch, the output needs an input that requires grad (parameters alone are not enough).
- ``use_reentrant=False``: ``fn`` runs with its ops recorded as usual, under saved-tensor hooks
  that keep a place number instead of each saved tensor; the first backward use of one runs
  ``fn`` again and hands out its saved tensors (``_Frame``). ``autograd.grad``, keyword arguments
  and double backward work, and the output's ``grad_fn`` is ``fn``'s last op, as in torch.

Example:
    >>> y = checkpoint(block, x, use_reentrant=False)     # block's activations are not kept
    >>> y = checkpoint_sequential(model, 2, x, use_reentrant=False)
"""
import warnings

from ..autograd import grad_mode
from ..autograd.function import Function
from ..autograd import graph as _graph

__all__ = ['checkpoint', 'checkpoint_sequential', 'CheckpointFunction', 'detach_variable',
           'check_backward_validity', 'get_device_states', 'set_device_states', 'noop_context_fn']


def _ember():
    import ember
    return ember


def noop_context_fn():
    import contextlib
    return contextlib.nullcontext(), contextlib.nullcontext()


def detach_variable(inputs):
    """The tensors of a tuple detached, each keeping its ``requires_grad``; other items as they are."""
    if not isinstance(inputs, tuple):
        raise RuntimeError(f'Only tuple of tensors is supported. Got Unsupported input type: {type(inputs).__name__}')
    Tensor = _ember().Tensor
    return tuple(x.detach().requires_grad_(x.requires_grad) if isinstance(x, Tensor) else x for x in inputs)


def check_backward_validity(inputs):
    if not any(inp.requires_grad for inp in inputs if isinstance(inp, _ember().Tensor)):
        warnings.warn('None of the inputs have requires_grad=True. Gradients will be None', stacklevel=2)


def get_device_states(*args):
    """(CUDA device indices the tensor arguments live on, each device's generator state)."""
    Tensor = _ember().Tensor
    devices = sorted({a.device.index or 0 for a in args if isinstance(a, Tensor) and a.device.type == 'cuda'})
    cuda = _ember().cuda
    return devices, [cuda.get_rng_state(d) for d in devices]


def set_device_states(devices, states, *, device_type=None):
    cuda = _ember().cuda
    for d, s in zip(devices, states):
        cuda.set_rng_state(s, d)


class _RngStash:
    """The RNG states at forward time, put back (inside a fork_rng) for the recomputation; and,
    as torch, the autocast regions of the forward, re-entered for it (else the recomputed ops
    save float32 tensors for float16 gradients)."""

    def __init__(self, preserve, tensors):
        self.preserve = preserve
        if preserve:
            self.cpu = _ember().get_rng_state()
            self.devices, self.device_states = get_device_states(*tensors)
        amp = _ember().amp.autocast_mode
        self.autocast = [(d, amp.is_autocast_enabled(d), amp.get_autocast_dtype(d)) for d in ('cpu', 'cuda')]

    def replay(self):
        import contextlib
        from .. import random
        amp = _ember().amp.autocast_mode
        regions = [amp.autocast(d, dtype=dt, enabled=on) for d, on, dt in self.autocast
                   if on or amp.is_autocast_enabled(d)]
        fork = random.fork_rng(devices=self.devices, enabled=True) if self.preserve else None
        outer = self

        class _Ctx:
            def __enter__(self):
                self.stack = contextlib.ExitStack().__enter__()
                if fork is not None:
                    self.stack.enter_context(fork)
                    _ember().set_rng_state(outer.cpu)
                    set_device_states(outer.devices, outer.device_states)
                for r in regions:
                    self.stack.enter_context(r)

            def __exit__(self, *exc):
                return self.stack.__exit__(*exc)
        return _Ctx()


class CheckpointFunction(Function):
    """The reentrant checkpoint: ``apply(run_function, preserve_rng_state, *args)``."""

    @staticmethod
    def forward(ctx, run_function, preserve_rng_state, *args):
        check_backward_validity(args)
        Tensor = _ember().Tensor
        ctx.run_function = run_function
        ctx.rng = _RngStash(preserve_rng_state, args)
        # non-tensor arguments stay in ctx; tensors are saved (and version-checked) for backward
        ctx.inputs = [None if isinstance(a, Tensor) else a for a in args]
        ctx.tensor_indices = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        ctx.save_for_backward(*(args[i] for i in ctx.tensor_indices))
        with grad_mode.no_grad():
            return run_function(*args)

    @staticmethod
    def backward(ctx, *grads):
        E = _ember()
        inputs = list(ctx.inputs)
        for i, t in zip(ctx.tensor_indices, ctx.saved_tensors):
            inputs[i] = t
        with ctx.rng.replay():
            detached = detach_variable(tuple(inputs))
            with grad_mode.enable_grad():
                outputs = ctx.run_function(*detached)
        if isinstance(outputs, E.Tensor):
            outputs = (outputs,)
        pairs = [(o, g) for o, g in zip(outputs, grads) if isinstance(o, E.Tensor) and o.requires_grad]
        if not pairs:
            raise RuntimeError('none of output has requires_grad=True, this checkpoint() is not necessary')
        # (the reentrant call: parameters inside run_function get their .grad here)
        E.autograd.backward([o for o, _ in pairs], [g for _, g in pairs])
        return (None, None) + tuple(x.grad if isinstance(x, E.Tensor) else None for x in detached)


def checkpoint(function, *args, use_reentrant=None, context_fn=noop_context_fn, determinism_check='default',
               debug=False, early_stop=True, **kwargs):
    """``function(*args, **kwargs)`` without keeping its activations; they are recomputed in backward."""
    if use_reentrant is None:
        warnings.warn('torch.utils.checkpoint: the use_reentrant parameter should be passed explicitly. Starting '
                      'in PyTorch 2.9, calling checkpoint without use_reentrant will raise an exception. '
                      'use_reentrant=False is recommended, but if you need to preserve the current default '
                      'behavior, you can pass use_reentrant=True. Refer to docs for more details on the '
                      'differences between the two variants.', stacklevel=2)
        use_reentrant = True
    preserve = kwargs.pop('preserve_rng_state', True)
    if kwargs and use_reentrant:
        raise ValueError('Unexpected keyword arguments: ' + ','.join(arg for arg in kwargs))
    if use_reentrant:
        if context_fn is not noop_context_fn or debug is not False:
            raise ValueError('Passing `context_fn` or `debug` is only supported when use_reentrant=False.')
        return CheckpointFunction.apply(function, preserve, *args)
    return _checkpoint_hooks(function, preserve, context_fn, args, kwargs)


# ---------------------------------------------------------------- use_reentrant=False, as torch does it
class _Frame:
    """One non-reentrant checkpoint call: the forward runs under saved_tensors_hooks that keep
    only a place number for each tensor an op saves; the first unpack in backward runs the
    function again (RNG restored, grad on) under hooks that collect the saved tensors, detached,
    in the same order. The ops keep their own nodes, so the output's grad_fn is the function's
    last op, as in torch."""

    def __init__(self, function, args, kwargs, rng, context_fn):
        self.function, self.args, self.kwargs, self.rng, self.context_fn = function, args, kwargs, rng, context_fn
        self.n_saved = 0
        self.recomputed = None

    def pack(self, t):
        i = self.n_saved
        self.n_saved += 1
        return i

    def unpack(self, i):
        if self.recomputed is None:
            got = []

            def collect(t):
                got.append(t.detach() if t.requires_grad else t)
                return t
            with self.rng.replay():
                _, recompute_ctx = self.context_fn()
                with grad_mode.enable_grad(), recompute_ctx, _graph.saved_tensors_hooks(collect, lambda t: t):
                    self.function(*self.args, **self.kwargs)
            self.recomputed = got
        return self.recomputed[i]


def _checkpoint_hooks(function, preserve, context_fn, args, kwargs):
    Tensor = _ember().Tensor
    tensors = [a for a in args if isinstance(a, Tensor)] + [v for v in kwargs.values() if isinstance(v, Tensor)]
    frame = _Frame(function, args, kwargs, _RngStash(preserve, tensors), context_fn)
    forward_ctx, _ = context_fn()
    with forward_ctx, _graph.saved_tensors_hooks(frame.pack, frame.unpack):
        return function(*args, **kwargs)


def checkpoint_sequential(functions, segments, input, use_reentrant=None, **kwargs):
    """Run ``functions`` (a list or an nn.Sequential) in ``segments`` chunks, each but the last checkpointed."""
    if use_reentrant is None:
        warnings.warn('torch.utils.checkpoint.checkpoint_sequential: the use_reentrant parameter should be passed '
                      'explicitly. In version 2.9 we will raise an exception if use_reentrant is not passed. '
                      'use_reentrant=False is recommended, but if you need to preserve the current default '
                      'behavior, you can pass use_reentrant=True. Refer to docs for more details on the '
                      'differences between the two variants.', stacklevel=2)
        use_reentrant = True
    preserve = kwargs.pop('preserve_rng_state', True)
    if kwargs:
        raise ValueError('Unexpected keyword arguments: ' + ','.join(arg for arg in kwargs))

    def run_function(start, end, functions):
        def forward(input):
            for j in range(start, end + 1):
                input = functions[j](input)
            return input
        return forward

    if isinstance(functions, _ember().nn.Sequential):
        functions = list(functions.children())
    segment_size = len(functions) // segments
    end = -1                        # the last chunk runs plainly: its output is needed now
    for start in range(0, segment_size * (segments - 1), segment_size):
        end = start + segment_size - 1
        input = checkpoint(run_function(start, end, functions), input, use_reentrant=use_reentrant,
                           preserve_rng_state=preserve)
    return run_function(end + 1, len(functions) - 1, functions)(input)
