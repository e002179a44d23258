"""``ember.compile``: record a call once, replay it as straight-line NumPy/CuPy code.

``ember.compile(model_or_fn)`` takes torch.compile's arguments (``fullgraph``, ``dynamic``,
``backend``, ``mode``, ``options``, ``disable``) and returns a module (:class:`OptimizedModule`)
or a function that behaves as the original. The first call with a new signature (tensor shapes,
dtypes, devices, strides, requires_grad; other arguments by value; grad mode) is *recorded*: it
runs eagerly while every array operation is written down (``trace.py``). Later calls *replay* the
recording (``program.py``): one generated Python function of NumPy calls, without ember's per-op
checks, tensor wrapping or graph bookkeeping; elementwise results that stay inside it reuse
buffers allocated once.

What a recorded call may contain:
- A forward pass that builds a graph (outputs that require grad): as torch's AOTAutograd, the
  backward is recorded too, right away, and a replay returns outputs whose ``grad_fn`` is one
  ``CompiledFunctionBackward`` node running the recorded backward.
- A whole training step (``loss.backward()`` and ``optimizer.step()`` inside): gradients, in-place
  updates of parameters and optimizer state, ``.grad`` assignments are replayed.

Never stale code: a replay first checks its guards (the signature; each parameter's and other
captured tensor's shape/dtype/strides/requires_grad; every module's ``training`` flag, its
parameters and plain attributes; every optimizer's hyperparameters and state). A failed guard
records the call again (up to ``RECOMPILE_LIMIT`` signatures, then eager). Python numbers read
from data (``loss.item()``, ``if x.sum() > 0``) are guards inside the program; a call whose such
value changes runs eagerly, and after 3 changes that signature stays eager. What cannot be
recorded (data-dependent shapes through plain arrays, hooks, Python side effects such as an
optimizer creating its state on its first step) runs eagerly; ``fullgraph=True`` raises instead.

Example:
    >>> step = ember.compile(train_step)      # or @ember.compile
    >>> for x, y in data: loss = step(x, y)   # call 1 records, later calls replay
"""
import functools
import gc
import warnings

import numpy as np

from .. import _backend, _random
from .. import _dtype as D
from .._tensor import Tensor, _wrap, _new, _gm
from ..autograd.graph import Node, _FREED
from . import trace as T
from .program import build, free_values, inputs_written_before_guard

__all__ = ['compile', 'OptimizedModule', 'reset', 'RECOMPILE_LIMIT']

RECOMPILE_LIMIT = 8
_UNDO_LIMIT = 1 << 20        # bytes copied per replay so that a failed guard can be undone
_GUARD_FAILURE_LIMIT = 3
_MODES = ('default', 'lite', 'reduce-overhead', 'max-autotune-no-cudagraphs', 'max-autotune')
_ALL = []               # every compiled callable (weakly), for reset()


def compile(model=None, *, fullgraph=False, dynamic=None, backend='inductor', mode=None, options=None,
            disable=False):
    """Compile ``model`` (an ``nn.Module`` or a function); usable as ``@ember.compile`` or
    ``@ember.compile(mode=...)``. Returns an :class:`OptimizedModule` for a module."""
    if model is None:
        def decorator(fn):
            return compile(fn, fullgraph=fullgraph, dynamic=dynamic, backend=backend, mode=mode,
                           options=options, disable=disable)
        return decorator
    if mode is not None and options is not None:
        raise RuntimeError("Either mode or options can be specified, but both can't be specified at the same time.")
    if mode is not None and mode not in _MODES:
        raise RuntimeError(f'Unrecognized mode={mode}, should be one of: {", ".join(_MODES)}')
    if not callable(model):
        raise AssertionError(f'A callable function is expected, but {type(model)} is provided.')
    if disable:
        return model
    from ..nn import Module
    if isinstance(model, Module):
        return OptimizedModule(model, _Compiled(model.__call__, fullgraph))
    return _Compiled(model, fullgraph)


def reset():
    """Forget every recording (``torch.compiler.reset`` / ``torch._dynamo.reset``)."""
    for ref in list(_ALL):
        c = ref()
        if c is not None:
            c._entries.clear()


def _recording():
    return T._ACTIVE is not None


# --------------------------------------------------------------------------------------------
class CompiledFunctionBackward(Node):
    """The backward of a replayed forward: runs the recorded backward program."""
    __slots__ = ('_program', '_shapes', '_n_grads')
    _multi_output = True

    def _backward(self, *grads):
        saved = self._saved
        if saved is None:
            raise RuntimeError(_FREED)
        if _gm.enabled:
            raise RuntimeError('ember.compile does not support double backward (create_graph=True through a '
                               'compiled function)')
        arrays = []
        n = len(grads)          # (the engine may pass fewer grads than outputs: the rest got none)
        for i, (shape, dt, dev) in enumerate(self._shapes):
            g = grads[i] if i < n else None
            if g is None:
                arrays.append(_backend.module_for(dev).zeros(shape, dt.np))
            else:
                arrays.append(g._data)
        res = self._program(arrays + list(saved[0]))
        outs = []
        for r, (dt, dev) in zip(res, saved[1]):
            outs.append(None if dt is None else _wrap(r, dt, dev))
        return tuple(outs)

    def _release(self):
        self._saved = None


class _ConsumedBackward(Node):
    """``grad_fn`` of a replayed output whose graph the recorded call already ran backward through."""
    __slots__ = ()

    def name(self):
        return 'CompiledFunctionBackward'

    def _backward(self, *grads):
        raise RuntimeError(_FREED)


# --------------------------------------------------------------------------------------------
def _key_of(x, tensors, acc):
    """Append the signature of argument ``x`` to acc; tensors found go to ``tensors``."""
    t = type(x)
    if isinstance(x, Tensor):
        a = x._data
        tensors.append(x)
        acc.append((a.shape, a.dtype.str, a.strides, x._device, x._rg, x.grad_fn is None, type(a)))
    elif t is tuple or t is list:
        acc.append((t, len(x)))
        for y in x:
            _key_of(y, tensors, acc)
    elif t is dict:
        acc.append((t, tuple(x)))
        for y in x.values():
            _key_of(y, tensors, acc)
    elif x is None or t in (bool, int, float, str, complex):
        acc.append((t, x))
    elif t is np.ndarray or _backend.is_device_array(x):
        raise _Unkeyable
    else:
        try:
            hash(x)
        except TypeError:
            raise _Unkeyable
        acc.append((t, id(x)))


class _Unkeyable(Exception):
    pass


def _signature(args, kwargs):
    tensors, acc = [], [_gm.enabled, D._default[0]]
    _key_of(args, tensors, acc)
    if kwargs:
        _key_of(kwargs, tensors, acc)
    return tuple(acc), tensors


def _substitute(x, subs):
    if isinstance(x, Tensor):
        return subs.get(id(x), x)
    t = type(x)
    if t is tuple or t is list:
        return t(_substitute(y, subs) for y in x)
    if t is dict:
        return {k: _substitute(y, subs) for k, y in x.items()}
    return x


def _flatten_out(x, leaves):
    """A template of ``x`` with tensors replaced by ('T', index)."""
    if isinstance(x, Tensor):
        leaves.append(x)
        return ('T', len(leaves) - 1)
    t = type(x)
    if t is tuple or t is list:
        return (t, [_flatten_out(y, leaves) for y in x])
    if t is dict:
        return (dict, [(k, _flatten_out(y, leaves)) for k, y in x.items()])
    if hasattr(x, '_fields') and isinstance(x, tuple):            # a namedtuple (return_types)
        return ('nt', type(x), [_flatten_out(y, leaves) for y in x])
    if x is None or t in _CONSTANT_RESULTS or isinstance(x, tuple) and all(type(y) is int for y in x):
        return ('C', x)         # numbers read from data went through guards; sizes are guarded
    raise T.TraceError(f'the call returns a {t.__name__}, which a replay could not rebuild')


def _constant_results():
    from .. import _dtype, _device
    return {bool, int, float, complex, str, bytes, _dtype.dtype, _device.device}


_CONSTANT_RESULTS = _constant_results()


def _unflatten_out(spec, leaves):
    k = spec[0]
    if k == 'T':
        return leaves[spec[1]]
    if k == 'C':
        return spec[1]
    if k == 'nt':
        return spec[1](*[_unflatten_out(s, leaves) for s in spec[2]])
    if k is dict:
        return {key: _unflatten_out(s, leaves) for key, s in spec[1]}
    return k(_unflatten_out(s, leaves) for s in spec[1])


# -- guards on Python objects the call used
_PLAIN = (int, float, bool, str, type(None))


def _module_fingerprint(m):
    d = m.__dict__
    return (m.training, tuple(map(id, d['_parameters'].values())), tuple(map(id, d['_buffers'].values())),
            tuple(map(id, d['_modules'].values())),
            tuple((k, v) for k, v in d.items() if type(v) in _PLAIN))


def _optimizer_fingerprint(opt):
    # hyperparameters by value (a scheduler changes lr), tensors and params by identity; the state
    # by its dict and size (load_state_dict replaces it; a first step adds to it)
    groups = [[v if type(v) in _PLAIN or type(v) is tuple else id(v) for v in g.values()] for g in opt.param_groups]
    return groups, [list(map(id, g['params'])) for g in opt.param_groups], id(opt.state), len(opt.state), \
        len(opt._optimizer_step_pre_hooks) + len(opt._optimizer_step_post_hooks)


_MISSING = object()
_NEVER = object()           # an _extra no tensor has: always check that tensor's hooks


def _code_names(code, acc):
    acc.update(code.co_names)
    for c in code.co_consts:
        if hasattr(c, 'co_names'):          # a lambda, comprehension or nested function
            _code_names(c, acc)
    return acc


def _globals_guard(fn):
    """What the compiled function reads from its globals and closure, to check before a replay:
    plain values (numbers, strings, tuples of them) by value, anything else by identity.
    (torch guards every global a compiled frame reads; ember checks the function's own.)"""
    f = fn
    while True:
        if isinstance(f, functools.partial):
            f = f.func
        elif hasattr(f, '__func__'):            # a bound method
            f = f.__func__
        elif hasattr(f, '__wrapped__'):
            f = f.__wrapped__
        else:
            break
    code = getattr(f, '__code__', None)
    if code is None:
        return None
    g = f.__globals__
    names = tuple(sorted(n for n in _code_names(code, set()) if n in g))
    cells = tuple(f.__closure__ or ())
    return g, names, cells


def _snapshot_globals(guard):
    g, names, cells = guard
    return tuple(_plain_or_id(g.get(n, _MISSING)) for n in names) + \
        tuple(_plain_or_id(_cell(c)) for c in cells)


def _cell(c):
    try:
        return c.cell_contents
    except ValueError:          # an empty cell
        return _MISSING


def _plain_or_id(v):
    t = type(v)
    if t in _PLAIN or t is tuple and all(type(y) in _PLAIN for y in v):
        return (t, v)
    return id(v)


def _has_module_hooks(m):
    from ..nn.modules import module as M
    return bool(m._forward_hooks or m._forward_pre_hooks or m._backward_hooks or m._backward_pre_hooks or
                M._global_forward_hooks or M._global_forward_pre_hooks or M._global_backward_hooks or
                M._global_backward_pre_hooks)


def _has_tensor_hooks(t):
    e = t._extra
    return bool(e) and any('hook' in k for k in e)


# -- the hooks installed while recording
def _activate(tr):
    from ..nn.modules import module as M
    from ..optim import optimizer as O
    from ..autograd import engine as E

    def saw_module(m):
        if id(m) not in tr.modules:
            if _has_module_hooks(m):
                raise T.TraceError(f'module {type(m).__name__} has hooks')
            tr.modules[id(m)] = (m, _module_fingerprint(m))
            tr.module_dicts.append((m, dict(m.__dict__)))

    def saw_optimizer(o):
        if id(o) not in tr.optimizers:
            if o._optimizer_step_pre_hooks or o._optimizer_step_post_hooks or O._global_optimizer_pre_hooks or \
                    O._global_optimizer_post_hooks:
                raise T.TraceError(f'optimizer {type(o).__name__} has step hooks')
            # its Python state as it was, put back if the recording fails
            tr.optimizers[id(o)] = (o, {p: dict(s) for p, s in o.state.items()})

    real_run = E._run

    def run(roots, keep_graph, create_graph, targets=None, accumulate=True, **kw):
        if create_graph:
            raise T.TraceError('backward with create_graph=True')
        if keep_graph and targets is None:
            raise T.TraceError('backward with retain_graph=True')
        if accumulate:
            tr.backward_runs += 1
        return real_run(roots, keep_graph, create_graph, targets, accumulate, **kw)

    tr._saved_hooks = (E._run, M._seen_by_compile, O._seen_by_compile, _random._tracing,
                       _backend._traced_value, _backend._traced_namespace)
    E._run = run
    M._seen_by_compile = saw_module
    O._seen_by_compile = saw_optimizer
    _random._tracing = T.draw_proxy
    _backend._traced_value = T.Value
    _backend._traced_namespace = T.namespace_for
    Tensor._data = T._DATA_PROP
    Tensor._grad = T._GRAD_PROP
    T.patch_numpy(True)
    T._ACTIVE = tr


def _deactivate(tr):
    from ..nn.modules import module as M
    from ..optim import optimizer as O
    from ..autograd import engine as E
    T._ACTIVE = None
    T.patch_numpy(False)
    Tensor._data = T._SLOT
    Tensor._grad = T._GRAD_SLOT
    (E._run, M._seen_by_compile, O._seen_by_compile, _random._tracing, _backend._traced_value,
     _backend._traced_namespace) = tr._saved_hooks
    # every tensor holds its real array again
    for e in tr.ext.values():
        a = T._SLOT.__get__(e.tensor, Tensor)
        if type(a) is T.Value:
            T._SLOT.__set__(e.tensor, a.a)
    for r in tr.created:
        t = r()
        if t is not None:
            a = T._SLOT.__get__(t, Tensor)
            if type(a) is T.Value:
                T._SLOT.__set__(t, a.a)


def _undo(tr, rng):
    """Put back what a failed recording changed: arrays of captured tensors, .grad, the RNG."""
    for e in tr.ext.values():
        if e.snapshot is not None:
            T._SLOT.__set__(e.tensor, e.orig)
            if e.orig.shape == e.snapshot.shape:
                e.orig[...] = e.snapshot
    for t, old in tr.grad_sets.values():
        T._GRAD_SLOT.__set__(t, old)
    _rng_restore(rng)
    for o, state in tr.optimizers.values():
        o.state.clear()
        o.state.update(state)
    for m, d in tr.module_dicts:
        m.__dict__.clear()
        m.__dict__.update(d)


def _rng_snapshot():
    gens = [_random.default_generator] + list(_random._cuda_generators.values())
    return [(g, g.get_state()) for g in gens]


def _rng_restore(snap):
    for g, s in snap:
        g.set_state(s)


def _value_id(tr, t, tape):
    """The value id holding tensor ``t``'s array (a constant becomes a fresh copy in ``tape``)."""
    a = T._SLOT.__get__(t, Tensor)
    if type(a) is T.Value:
        return a.id
    got = tr.lifted.get(id(a))
    if got is not None and got[0] is a:     # a plain array the call wrote into: made afresh by the program
        return got[1].id
    v = tr.new_value(a)
    tape.append(T.Instr('copy', T._fresh_copy, (a.copy(),), {}, v.id))
    return v.id


# --------------------------------------------------------------------------------------------
class _Entry:
    """One recorded signature: its program(s), guards and how to rebuild outputs and effects."""
    eager = False
    reason = ''

    def __init__(self):
        self.failures = 0

    def check(self):
        """The guards on what the call used besides its arguments: True when all still hold."""
        last = self.ext_last
        for i, (t, shape, dt, strides, rg) in enumerate(self.ext_checks):
            a = t._data
            if a is not last[i]:        # a new array: compare what the program depends on
                if a.shape != shape or a.dtype != dt or a.strides != strides or type(a) is not type(last[i]):
                    return False
                last[i] = a
            if t._rg is not rg:
                return False
        for t, g, same in self.grad_checks:
            now = t._grad
            if (now is not g) if same else ((now is None) is not (g is None)):
                return False
        av, H = _module_versions or _load_module_versions()
        version = (av[0], H.next_id, H.removed)
        if version != self.module_version:      # some module changed, or hooks came or went
            for m, fp in self.module_fps:
                if _module_fingerprint(m) != fp or _has_module_hooks(m):
                    return False
            self.module_version = version
        for t, e0, n0 in self.hook_checks:
            e = t._extra
            # (hooks live in _extra under keys naming them; keys are never removed: the same dict
            # with as many keys as when it had none means none since)
            if (e is not e0 or (e is not None and len(e) != n0)) and _has_tensor_hooks(t):
                return False
        for o, fp in self.opt_fps:
            if _optimizer_fingerprint(o) != fp:
                return False
        return True

    def replay(self, tensors):
        arrays = [tensors[b]._data if type(b) is int else b._data for b in self.binding]
        rng = _rng_snapshot() if self.rng_guarded else None
        undo = [(arrays[i], arrays[i].copy()) for i in self.undo] if self.undo else None
        try:
            res = self.forward(arrays)
        except T.GuardFailed:
            if rng is not None:
                _rng_restore(rng)
            if undo:
                for a, s in undo:
                    a[...] = s
            raise
        return self.finish(res, tensors)

    def finish(self, res, tensors):
        """Outputs and effects from the forward program's results ``res``."""
        for t, k in self.data_effects:
            if type(t) is int:
                t = tensors[t]
            t._data = res[k]
        for t, how in self.grad_effects:
            if type(t) is int:
                t = tensors[t]
            if how is None:
                t._grad = None
            elif type(how) is tuple:
                k, dt, dev = how
                t._grad = _wrap(res[k], dt, dev)
            else:
                t._grad = how
        node = None
        if self.mode == 'autograd':
            node = _new(CompiledFunctionBackward)
            node.next_functions = tuple(_edge(tensors[b] if type(b) is int else b) for b in self.wrt)
            node._saved = ([res[k] for k in self.saved_idx], self.grad_meta)
            node._vers = ()
            node._args = None
            node._pre_hooks = None
            node._program = self.backward
            node._shapes = self.grad_shapes
        elif self.mode == 'consumed':
            node = _new(_ConsumedBackward)
            node.next_functions = ()
            node._saved = None
            node._vers = ()
            node._args = None
            node._pre_hooks = None
        leaves = []
        for how in self.out_leaves:
            kind = how[0]
            if kind == 'new':
                _, k, dt, dev, nr, copy = how
                t = _wrap(res[k].copy() if copy else res[k], dt, dev)
                if nr is not None:
                    t._rg = True
                    t.grad_fn = node
                    t._out = nr
                leaves.append(t)
            elif kind == 'arg':
                leaves.append(tensors[how[1]])
            else:
                leaves.append(how[1])
        return _unflatten_out(self.out_spec, leaves)


_module_versions = None      # (module._attr_version, RemovableHandle) once nn is loaded


def _load_module_versions():
    # (bound on first use: an import statement inside check() costs ~1 us a call)
    global _module_versions
    from ..nn.modules.module import _attr_version
    from ..nn.modules._hooks import RemovableHandle
    _module_versions = (_attr_version, RemovableHandle)
    return _module_versions


from .._ops._core import edge as _edge  # noqa: E402

class _Compiled:
    """A compiled function (see the module docstring)."""

    def __init__(self, fn, fullgraph=False):
        self._fn = fn
        self._fullgraph = fullgraph
        self._entries = {}
        self._rerecords = {}
        self._warned = False
        self.stats = {'recorded': 0, 'replayed': 0, 'eager': 0}
        self._globals = _globals_guard(fn)
        functools.update_wrapper(self, fn, updated=())
        import weakref
        _ALL.append(weakref.ref(self))

    def __get__(self, obj, objtype=None):         # a decorated method
        if obj is None:
            return self
        return functools.partial(self, obj)

    def __call__(self, *args, **kwargs):
        if T._ACTIVE is not None:           # called inside another recording: part of it
            return self._fn(*args, **kwargs)
        try:
            key, tensors = _signature(args, kwargs)
        except _Unkeyable:
            self.stats['eager'] += 1
            return self._fn(*args, **kwargs)
        entry = self._entries.get(key)
        if entry is not None and self._globals is not None and \
                _snapshot_globals(self._globals) != entry.globals_seen:
            del self._entries[key]              # a global or closure variable it reads changed
            entry = None
        if entry is not None:
            if entry.eager:
                self.stats['eager'] += 1
                return self._fn(*args, **kwargs)
            if entry.check():
                try:
                    out = entry.replay(tensors)
                    self.stats['replayed'] += 1
                    return out
                except T.GuardFailed:
                    entry.failures += 1
                    if entry.failures >= _GUARD_FAILURE_LIMIT:
                        entry.eager = True
                        entry.reason = 'a Python value read from data changed between calls'
                    self.stats['eager'] += 1
                    return self._fn(*args, **kwargs)
            del self._entries[key]
        limit = globals()['RECOMPILE_LIMIT']        # (ember._dynamo.config.recompile_limit sets it)
        if len(self._entries) >= limit:
            if not self._warned:
                self._warned = True
                warnings.warn(f'ember.compile: {getattr(self._fn, "__name__", "function")} reached the recompile '
                              f'limit ({limit} signatures); new signatures run eagerly')
            self.stats['eager'] += 1
            return self._fn(*args, **kwargs)
        return self._record(key, tensors, args, kwargs)

    # ------------------------------------------------------------------ recording
    def _record(self, key, tensors, args, kwargs):
        tr = T.Tracer()
        tr.module_dicts = []
        subs = {}
        if _gm.enabled:
            # an argument with autograd history enters as a leaf: the recorded backward stops there
            for t in tensors:
                if t._rg and t.grad_fn is not None and id(t) not in subs:
                    p = t.detach()
                    p._rg = True
                    subs[id(t)] = p
        call_args, call_kwargs = (_substitute(args, subs), _substitute(kwargs, subs)) if subs else (args, kwargs)
        rng = _rng_snapshot()
        seen = _snapshot_globals(self._globals) if self._globals is not None else None
        _activate(tr)
        try:
            for i, t in enumerate(tensors):
                tr.arg_input(subs.get(id(t), t), i)
            out = self._fn(*call_args, **call_kwargs)
            entry = self._build(tr, out, tensors, subs)
        except Exception as e:
            _deactivate(tr)
            _undo(tr, rng)
            reason = f'{type(e).__name__}: {e}'
            if self._fullgraph and isinstance(e, (T.TraceError, AttributeError)):
                raise RuntimeError(f'ember.compile(fullgraph=True) cannot record this call: {reason}') from e
            entry = _Entry()
            entry.eager = True
            entry.reason = reason
            entry.error = e             # with its traceback: where the recording stopped
            entry.globals_seen = seen
            self._entries[key] = entry
            self.stats['eager'] += 1
            return self._fn(*args, **kwargs)
        _deactivate(tr)
        self.stats['recorded'] += 1
        if entry.mode == 'autograd':       # the outputs, as a replay makes them
            result = entry.finish([tr.values[i].a for i in entry.recorded_results], tensors)
        else:
            result = out
        entry.recorded_results = None
        # a tensor made during the call that outlives it, and is neither returned nor stored as a
        # .grad, holds state the replay would not update (an optimizer's new momentum buffer, ...)
        keep = entry.keep_ids
        entry.keep_ids = None
        del out
        escaped = [r for r in tr.created if r() is not None and id(r()) not in keep]
        if escaped:
            gc.collect()
            escaped = [r for r in escaped if r() is not None]
        if escaped:
            n = self._rerecords[key] = self._rerecords.get(key, 0) + 1
            if n >= 3:
                entry = _Entry()
                entry.eager = True
                entry.reason = 'each call leaves new tensors behind (state the replay cannot update)'
                entry.globals_seen = seen
                self._entries[key] = entry
            return result
        tr.values = None
        entry.globals_seen = seen
        self._entries[key] = entry
        return result

    def _build(self, tr, out, tensors, subs):
        """Turn the finished recording into an _Entry."""
        leaves = []
        spec = _flatten_out(out, leaves)
        if tr.grad_sets and any(k in tr.created_ids for k in tr.grad_sets):
            for k in [k for k in tr.grad_sets if k in tr.created_ids]:
                del tr.grad_sets[k]
        for e in tr.ext.values():
            if _has_tensor_hooks(e.tensor):
                raise T.TraceError('a tensor with hooks')
        entry = _Entry()
        graph_outs = [t for t in leaves if t.grad_fn is not None and id(t) in tr.created_ids]
        if tr.backward_runs:
            mode = 'consumed' if graph_outs else 'plain'
        elif graph_outs and _gm.enabled:
            mode = 'autograd'
        else:
            mode = 'plain'
        entry.mode = mode
        fw_tape = tr.tape
        # inputs of the forward program: arguments by position, other tensors by identity
        binding, in_ids = [], []
        for vid, kind, who in tr.inputs:
            in_ids.append(vid)
            binding.append(who if kind == 'arg' else who)
        entry.binding = binding
        wanted = []                 # value ids the forward program returns

        def want(vid):
            wanted.append(vid)
            return len(wanted) - 1

        # outputs
        out_leaves = []
        grad_nr = {}
        if mode in ('autograd', 'consumed'):
            for t in graph_outs:
                grad_nr[id(t)] = len(grad_nr)
        arg_of = {id(e.tensor): e.arg for e in tr.ext.values() if e.arg is not None}

        def who(t):         # a tensor of the call's arguments by position, any other by identity
            return arg_of.get(id(t), t)

        for t in leaves:
            if id(t) in tr.created_ids:
                nr = grad_nr.get(id(t))
                vid = _value_id(tr, t, fw_tape)
                out_leaves.append(('new', want(vid), t.dtype, t._device, nr, vid))
            elif id(t) in arg_of:
                out_leaves.append(('arg', arg_of[id(t)]))
            else:
                out_leaves.append(('ext', t))
        entry.out_spec, entry.out_leaves = spec, out_leaves
        if mode != 'autograd':
            out_leaves[:] = [h[:5] + (False,) if h[0] == 'new' else h for h in out_leaves]
        # effects on tensors that existed before the call
        if subs and (tr.backward_runs or tr.data_sets or tr.grad_sets):
            raise T.TraceError('a backward pass or an effect on an argument that has autograd history')
        entry.data_effects = [(who(t), want(_value_id(tr, t, fw_tape))) for t in tr.data_sets.values()]
        grad_effects = []
        keep = set() if mode == 'autograd' else set(map(id, leaves))
        for t, _old in tr.grad_sets.values():
            g = T._GRAD_SLOT.__get__(t, Tensor)
            if g is None:
                grad_effects.append((who(t), None))
            elif id(g) in tr.created_ids:
                if g.grad_fn is not None or g._rg:
                    raise T.TraceError('a .grad with history')
                grad_effects.append((who(t), (want(_value_id(tr, g, fw_tape)), g.dtype, g._device)))
                keep.add(id(g))
            else:
                grad_effects.append((who(t), g))
        entry.grad_effects = grad_effects
        entry.keep_ids = keep
        # the backward, recorded now (AOT): d(outputs)/d(every captured leaf that requires grad)
        if mode == 'autograd':
            from ..autograd import grad as autograd_grad
            wrt_ext = []
            for e in tr.ext.values():
                t = e.tensor
                if t._rg:
                    if t.grad_fn is not None:
                        raise T.TraceError('a captured tensor with history from outside the compiled call')
                    wrt_ext.append(e)
            split = len(tr.tape)
            gvals, gts = [], []
            for t in graph_outs:
                gv = tr.new_value(np.ones_like(t._data.a))
                gvals.append(gv.id)
                gts.append(_wrap(gv, t.dtype, t._device))
            grads = autograd_grad(graph_outs, [e.tensor for e in wrt_ext], grad_outputs=gts, allow_unused=True)
            bw_tape = tr.tape[split:]
            fw_tape = tr.tape[:split]
            grad_ids, grad_meta = [], []
            for g in grads:
                if g is None:
                    grad_meta.append((None, None))
                    grad_ids.append(None)
                else:
                    grad_meta.append((g.dtype, g._device))
                    grad_ids.append(_value_id(tr, g, bw_tape))
            bw_out = [i for i in grad_ids if i is not None]
            saved = [i for i in free_values(bw_tape, bw_out) if i not in gvals]
            entry.saved_idx = [want(i) for i in saved]
            # an output the backward also reads is handed out as a copy: changing it in place
            # (which eager autograd would refuse) must not change the gradients
            saved_set = set(saved)
            out_leaves[:] = [h[:5] + (h[5] in saved_set,) if h[0] == 'new' else h for h in out_leaves]
            bwfn = build(bw_tape, gvals + saved, bw_out, tr.values, name='backward')
            # grads of unused inputs come back as None
            idx = iter(range(len(bw_out)))
            order = [None if i is None else next(idx) for i in grad_ids]

            def backward(arrays, _bw=bwfn, _order=order):
                r = _bw(arrays)
                return [None if k is None else r[k] for k in _order]
            entry.backward = backward
            entry.grad_meta = grad_meta
            entry.grad_shapes = [(t._data.a.shape, t.dtype, t._device) for t in graph_outs]
            entry.wrt = [e.arg if e.arg is not None else e.tensor for e in wrt_ext]
            del grads, gts
        # guards: captured tensors' metadata, modules, optimizers
        entry.ext_checks = [(e.tensor, e.orig.shape, e.orig.dtype, e.orig.strides, e.tensor._rg)
                            for e in tr.ext.values() if e.arg is None]
        entry.ext_last = [e.orig for e in tr.ext.values() if e.arg is None]
        if any(k in arg_of for k in tr.grad_reads):
            raise T.TraceError("the call reads an argument's .grad")
        # whether each captured tensor had a .grad (zero_grad and the engine branch on it), and which
        # one where the call used its values (accumulating into it)
        entry.grad_checks = [(t, g, g is not None and id(g) in tr.ext) for t, g in tr.grad_reads.values()]
        from ..nn.modules.module import _attr_version
        from ..nn.modules._hooks import RemovableHandle as H
        entry.module_version = (_attr_version[0], H.next_id, H.removed)
        entry.hook_checks = [(t, t._extra, len(t._extra) if t._extra else 0) if not _has_tensor_hooks(t)
                             else (t, _NEVER, -1) for t in (e.tensor for e in tr.ext.values())]
        entry.module_fps = []
        for m, fp in tr.modules.values():
            now = _module_fingerprint(m)
            if now != fp:
                raise T.TraceError(f'module {type(m).__name__} changed its attributes during the call')
            entry.module_fps.append((m, now))
        entry.opt_fps = [(o, _optimizer_fingerprint(o)) for o, _ in tr.optimizers.values()]
        # a replay that fails a guard must leave no trace: arrays updated in place before a guard
        # are copied first (BatchNorm's running statistics before the loss checks its targets)
        undo = inputs_written_before_guard(fw_tape, in_ids)
        entry.undo = [in_ids.index(i) for i in undo]
        if sum(tr.values[i].a.nbytes for i in undo) > _UNDO_LIMIT:
            raise T.TraceError('a Python value is read from data after in-place updates of large tensors '
                               '(e.g. an optimizer reading its step count)')
        entry.forward = build(fw_tape, in_ids, wanted, tr.values, name='forward')
        entry.rng_guarded = _draw_before_guard(fw_tape)
        entry.recorded_results = wanted
        return entry


def _draw_before_guard(tape):
    drawn = False
    for ins in tape:
        if ins.kind == 'source':
            drawn = True
        elif ins.kind == 'guard' and drawn:
            return True
    return False


# --------------------------------------------------------------------------------------------
from ..nn.modules.module import Module as _Module  # noqa: E402  (ember._compile loads on first use)


class OptimizedModule(_Module):
    """A compiled module (torch's ``OptimizedModule``): ``_orig_mod`` is the module itself; its
    attributes, ``parameters()`` and ``state_dict()`` (keys prefixed ``_orig_mod.``) show through."""

    def __init__(self, mod, compiled):
        super().__init__()
        self._orig_mod = mod
        object.__setattr__(self, '_compiled', compiled)
        object.__setattr__(self, 'training', mod.training)

    def forward(self, *args, **kwargs):
        return self._compiled(*args, **kwargs)

    def __call__(self, *args, **kwargs):
        return self._compiled(*args, **kwargs)

    def __getattr__(self, name):
        if name == '_orig_mod':
            return super().__getattr__(name)
        return getattr(self._orig_mod, name)

    def train(self, mode=True):
        self._orig_mod.train(mode)
        object.__setattr__(self, 'training', mode)
        return self

    def __repr__(self):
        return 'OptimizedModule(\n  (_orig_mod): ' + repr(self._orig_mod).replace('\n', '\n  ') + '\n)'
