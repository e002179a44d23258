"""From a recorded tape to a straight-line Python function over backend arrays.

The tape (see trace.py) lists every array operation of the recorded call. ``build`` keeps the
instructions that the wanted results depend on (guards, random draws and writes are always kept),
gives each kept value a local variable, and writes one Python function:

    def program(inputs):
        v0, v1 = inputs
        v2 = F0(v0, v1)                     # np.matmul
        if not _eq(v3, C1): raise GuardFailed
        F2(v2, C3, out=(B0,))               # a ufunc into a buffer made once
        return (v2,)

Replaying it costs the NumPy calls themselves and nothing of ember's per-op work (argument
checks, dtype promotion, tensor wrapping, graph recording, the backward engine's bookkeeping).

Buffers: a ufunc whose result lives only inside the program (every reader is an elementwise
ufunc, it is no output and is not saved) writes into a buffer allocated once for that
instruction; when its input dies at that instruction and has the same shape and dtype, the
result is written over the input instead (an elementwise chain runs in place in one buffer).

Example:
    >>> run = build(tape, inputs=[0, 1], outputs=[5]); (out,) = run([x, w])
"""
import math
import operator
import re

import numpy as np

from .._backend import is_device_array as _is_device
from .trace import Ref, Instr, GuardFailed, _Method, _Attr, _identity

_ND = np.ndarray


def _eq(a, b):
    if a == b:
        return True
    return a != a and b != b        # nan recorded, nan now


def _dce(tape, wanted):
    """The instructions needed for ``wanted`` value ids, in order."""
    live = set(wanted)
    keep = []
    for ins in reversed(tape):
        if ins.kind in ('guard', 'source') or ins.writes or any(o in live for o in ins.outs()):
            keep.append(ins)
            live.update(ins.uses)
    keep.reverse()
    return keep


def _write_targets(ins):
    """The value ids whose memory instruction ``ins`` writes into."""
    if ins.kind != 'call' or not ins.writes:
        return ()
    out = ins.kwargs.get('out')
    if out is not None:
        acc = []
        _collect(out, acc)
        return acc
    first = ins.args[0] if ins.args else None
    return (first.id,) if type(first) is Ref else ()


def _collect(x, acc):
    if type(x) is Ref:
        acc.append(x.id)
    elif type(x) in (tuple, list):
        for y in x:
            _collect(y, acc)


# array methods whose result never shares memory with the array
_COPYING_METHODS = {'copy', 'flatten', 'sum', 'mean', 'prod', 'std', 'var', 'max', 'min', 'any', 'all', 'argmax',
                    'argmin', 'cumsum', 'cumprod', 'round', 'clip', 'dot', 'repeat', 'take', 'nonzero', 'argsort'}


def _fresh_result(ins):
    if _fresh_ufunc(ins):
        return True
    fn = ins.fn
    if type(fn) is _Method and not fn.args and 'out' not in ins.kwargs:
        return fn.name in _COPYING_METHODS or fn.name == 'astype' and ins.kwargs.get('copy', True) is not False
    return False


def _roots(tape, input_ids):
    """For each value, the values whose memory it may share (itself, or the arrays it views)."""
    roots = {i: {i} for i in input_ids}
    for ins in tape:
        if ins.kind == 'call' and not _fresh_result(ins):
            r = set()
            for u in ins.uses:
                r |= roots.get(u, {u})
            for o in ins.outs():
                roots[o] = roots.get(o, set()) | r | {o}
        else:
            for o in ins.outs():
                roots.setdefault(o, {o})
    return roots


def hoist_constants(tape, input_ids, outputs, values):
    """Arrays made from constants (``np.arange(64)``, ``np.zeros(shape)``) that nothing writes
    into and that do not leave the program are made once, at recording: the tape with those
    instructions turned into 'const' ones."""
    roots = _roots(tape, input_ids)
    written = set()
    for ins in tape:
        for t in _write_targets(ins):
            written |= roots.get(t, {t})
    leaving = set()
    for o in outputs:
        leaving |= roots.get(o, {o})
    out = []
    for ins in tape:
        if ins.kind == 'make' and type(ins.out) is int and ins.out not in written and ins.out not in leaving:
            ins = Instr('const', None, (values[ins.out].a,), {}, ins.out)
        out.append(ins)
    return out


def elide_copies(tape, input_ids, values):
    """Drop ``y = x.copy()`` where ``x`` is (a view chain of) a fresh array that nothing else
    reads or writes, and ``x`` is C-contiguous: ``y`` may then be ``x`` itself. (The engine copies
    every fresh gradient before storing it as ``.grad``; inside a program nothing else holds it.)"""
    roots = _roots(tape, input_ids)
    inputs = set(input_ids)
    family = {}                 # root -> values sharing its memory
    for v, rs in roots.items():
        for r in rs:
            family.setdefault(r, set()).add(v)
    readers = {}
    for i, ins in enumerate(tape):
        for u in ins.uses:
            readers.setdefault(u, []).append(i)
    written = set()
    for ins in tape:
        for t in _write_targets(ins):
            written |= roots.get(t, {t})
    made_by_call = {o for ins in tape if ins.kind == 'call' for o in ins.outs()}
    out = list(tape)
    for i, ins in enumerate(tape):
        fn = ins.fn
        if not (ins.kind == 'call' and type(fn) is _Method and fn.name == 'copy' and not fn.args and
                len(ins.args) == 1 and not ins.kwargs and type(ins.out) is int):
            continue
        x = ins.args[0].id
        rs = roots.get(x, {x})
        a = values[x].a
        # (the copy may be written into afterwards: its source must be made by this replay, not be a
        # constant made once, an input or a lifted buffer)
        if rs & inputs or rs & written or not rs <= made_by_call or type(a) is not _ND or \
                not a.flags.c_contiguous:
            continue
        fam = set()
        for r in rs:
            fam |= family.get(r, set())
        # every reader of the family: this copy, or a view taken on the way to x
        ok = True
        for v in fam:
            for j in readers.get(v, ()):
                if j == i:
                    continue
                rj = tape[j]
                if not (type(rj.out) is int and rj.out in fam and rj.kind == 'call' and
                        (type(rj.fn) is _Attr or type(rj.fn) is _Method and rj.fn.name in ('reshape', 'view'))):
                    ok = False
                    break
            if not ok:
                break
        if ok:
            out[i] = Instr('alias', None, (Ref(x),), {}, ins.out)
    return out


def inputs_written_before_guard(tape, input_ids):
    """The input value ids whose memory (directly or through a view) an instruction writes into
    before the last guard of ``tape``: a replay that fails that guard must put them back."""
    inputs = set(input_ids)
    roots = {i: {i} for i in inputs}
    written, before_guard = set(), set()
    for ins in tape:
        if ins.kind == 'guard':
            before_guard |= written
            continue
        for t in _write_targets(ins):
            written |= roots.get(t, set()) & inputs
        if ins.kind == 'call' and not _fresh_ufunc(ins):
            # the result may be a view of any array argument: it shares their roots
            r = set()
            for u in ins.uses:
                r |= roots.get(u, set())
            for o in ins.outs():
                roots[o] = roots.get(o, set()) | r
    return before_guard


def free_values(tape, outputs):
    """The value ids that ``tape`` (pruned to what ``outputs`` need) reads but does not make, in
    order of first use: what a program over that tape must be given."""
    tape = _dce(tape, outputs)
    made, free = set(), {}
    for ins in tape:
        for u in ins.uses:
            if u not in made:
                free.setdefault(u, None)
        made.update(ins.outs())
    for o in outputs:
        if o not in made:
            free.setdefault(o, None)
    return list(free)


def _fresh_ufunc(ins):
    """A ufunc call (or reduction) without out=: its result is a new array, never a view."""
    fn = ins.fn
    if ins.kind != 'call' or 'out' in ins.kwargs or type(ins.out) is not int:
        return False
    if type(fn) is np.ufunc:
        return True
    return getattr(fn, '__name__', None) == 'reduce' and type(getattr(fn, '__self__', None)) is np.ufunc


def _keeps_private(ins, o):
    """Whether instruction ``ins``, a reader of value ``o``, leaves no alias of ``o`` behind: a
    ufunc making a new array, one writing into ``o`` itself (``out=(o,)``: the result is ``o``
    again, and its readers are ``o``'s), or ``np.copyto`` (no result)."""
    if _fresh_ufunc(ins):
        return True
    if ins.kind != 'call':
        return False
    fn = ins.fn
    if type(fn) is np.ufunc and fn.nout == 1 and ins.out == o:
        out = ins.kwargs.get('out')
        return type(out) is tuple and len(out) == 1 and type(out[0]) is Ref and out[0].id == o
    return fn is np.copyto and ins.out is None


def _plan_buffers(tape, keep_out, values):
    """{instruction index: ('buf', value id) or ('over', input id)} for ufuncs whose results stay
    inside the program. ``keep_out``: ids that leave the program (outputs, saved, effects)."""
    readers = {}
    last_use = {}
    for i, ins in enumerate(tape):
        for u in ins.uses:
            readers.setdefault(u, []).append(i)
            last_use[u] = i
    plan = {}
    owned = set()           # values living in a buffer of the program (safe to overwrite once dead)
    for i, ins in enumerate(tape):
        if type(ins.fn) is not np.ufunc or not _fresh_ufunc(ins) or ins.fn.nout != 1:
            continue
        o = ins.out
        a = values[o].a
        if type(a) is not _ND or a.ndim == 0 or o in keep_out:
            continue
        rs = readers.get(o, ())
        if not rs or not all(_keeps_private(tape[j], o) for j in rs):
            continue
        # overwrite an input that dies here (same shape and dtype, itself a buffer of ours)
        over = None
        for u in ins.uses:
            if u in owned and last_use.get(u) == i and ins.uses.count(u) >= 1:
                b = values[u].a
                if b.shape == a.shape and b.dtype == a.dtype:
                    over = u
                    break
        plan[i] = ('over', over) if over is not None else ('buf', o)
        owned.add(o)
    return plan


class _Emitter:
    def __init__(self):
        self.consts = {}
        self.glob = {'GuardFailed': GuardFailed, '_eq': _eq, 'slice': slice, 'Ellipsis': Ellipsis}
        self._ids = {}

    def const(self, x):
        k = id(x)
        name = self._ids.get(k)
        if name is None:
            name = f'C{len(self._ids)}'
            self._ids[k] = name
            # an array constant is the program's own copy: the array it came from (a cache or a
            # scratch buffer of some op) may change after the recording
            self.glob[name] = x.copy() if type(x) is _ND or _is_device(x) else x
            self.consts[k] = x          # keeps x alive so that its id stays its own
        return name

    def expr(self, x):
        t = type(x)
        if t is Ref:
            return f'v{x.id}'
        if x is None or t is bool or t is int or t is str:
            return repr(x)
        if t is float:
            return repr(x) if math.isfinite(x) else self.const(x)
        if x is Ellipsis:
            return '...'
        if t is tuple:
            return '(' + ''.join(self.expr(y) + ', ' for y in x) + ')'
        if t is list:
            return '[' + ', '.join(self.expr(y) for y in x) + ']'
        if t is dict and all(type(k) is str for k in x):
            return '{' + ', '.join(f'{k!r}: {self.expr(y)}' for k, y in x.items()) + '}'
        if t is slice:
            return f'slice({self.expr(x.start)}, {self.expr(x.stop)}, {self.expr(x.step)})'
        return self.const(x)

    def call(self, fn, args, kwargs):
        parts = [self.expr(a) for a in args]
        parts += [f'{k}={self.expr(v)}' for k, v in kwargs.items()]
        return f'{self.const(fn)}({", ".join(parts)})'


def _target(out):
    if type(out) is int:
        return f'v{out}'
    return ', '.join(f'v{o}' if o is not None else '_' for o in out) + (',' if len(out) == 1 else '')


_VNAME = re.compile(r'\bv(\d+)\b')


def _with_dels(lines):
    """``lines`` (a program's body, one statement a line, the return last) with ``del`` of each
    local after the line that reads it last: otherwise every intermediate array of the call stays
    alive to the end, and later arrays cannot reuse its memory while it is still in cache (LeNet's
    step: ~50 MB of live intermediates, more than the L3)."""
    last = {}
    for i, line in enumerate(lines[1:-1], 1):
        for m in _VNAME.finditer(line):
            last[m.group(1)] = i
    keep = set(_VNAME.findall(lines[-1]))                 # the returned values
    dies = {}
    for v, i in last.items():
        if v not in keep:
            dies.setdefault(i, []).append(v)
    out = [lines[0]]
    for i, line in enumerate(lines[1:-1], 1):
        out.append(line)
        if i in dies:
            out.append('    del ' + ', '.join(f'v{v}' for v in sorted(dies[i], key=int)))
    out.append(lines[-1])
    return out


def build(tape, inputs, outputs, values, buffers=True, name='program', hoist=True):
    """A function ``run(arrays) -> tuple`` replaying ``tape``: ``inputs`` are the value ids bound
    to ``arrays`` in order, ``outputs`` the ids returned (an id may also be an input)."""
    tape = _dce(tape, outputs)
    if hoist:
        tape = hoist_constants(tape, inputs, outputs, values)
        tape = elide_copies(tape, inputs, values)
    em = _Emitter()
    lines = [f'def {name}(inputs):']
    if inputs:
        lines.append('    ' + ''.join(f'v{i}, ' for i in inputs) + '= inputs')
    plan = _plan_buffers(tape, set(outputs), values) if buffers else {}
    bufs = []
    for i, ins in enumerate(tape):
        k = ins.kind
        if k == 'guard':
            (arg,) = ins.args
            val = em.expr(arg) if ins.fn is _identity else f'{em.const(ins.fn)}({em.expr(arg)})'
            lines.append(f'    if not _eq({val}, {em.const(ins.expected)}): raise GuardFailed')
            continue
        if k == 'copy':
            lines.append(f'    v{ins.out} = {em.const(ins.fn)}({em.const(ins.args[0])})')
            continue
        if k == 'alias':
            lines.append(f'    v{ins.out} = {em.expr(ins.args[0])}')
            continue
        if k == 'const':
            lines.append(f'    v{ins.out} = {em.const(ins.args[0])}')
            continue
        p = plan.get(i)
        if p is not None:
            how, ref = p
            if how == 'buf':
                a = values[ins.out].a
                buf = np.empty_like(a)
                bufs.append(buf)
                dest = em.const(buf)
            else:
                dest = f'v{ref}'
            kw = dict(ins.kwargs)
            kw['out'] = Ref(-1)      # placeholder, spelled below
            c = em.call(ins.fn, ins.args, kw).replace('out=v-1', f'out={dest}')
            lines.append(f'    v{ins.out} = {c}')
            continue
        fn = ins.fn
        if fn is operator.getitem:
            x, idx = ins.args
            rhs = f'{em.expr(x)}[{em.expr(idx)}]'
        elif fn is operator.setitem:
            x, idx, val = ins.args
            lines.append(f'    {em.expr(x)}[{em.expr(idx)}] = {em.expr(val)}')
            continue
        elif type(fn) is _Method and not fn.args:
            x, *rest = ins.args
            parts = [em.expr(a) for a in rest] + [f'{kk}={em.expr(v)}' for kk, v in ins.kwargs.items()]
            rhs = f'{em.expr(x)}.{fn.name}({", ".join(parts)})'
        elif type(fn) is _Attr:
            rhs = f'{em.expr(ins.args[0])}.{fn.name}'
        else:
            rhs = em.call(fn, ins.args, ins.kwargs)
        if ins.out is None:
            lines.append(f'    {rhs}')
        else:
            lines.append(f'    {_target(ins.out)} = {rhs}')
    lines.append('    return (' + ''.join(f'v{o}, ' for o in outputs) + ')')
    src = '\n'.join(_with_dels(lines)) + '\n'
    code = compile(src, f'<ember.compile {name}>', 'exec')
    ns = dict(em.glob)
    exec(code, ns)
    fn = ns[name]
    fn.source = src
    fn.buffers = bufs
    fn.n_instructions = len(tape)
    return fn
