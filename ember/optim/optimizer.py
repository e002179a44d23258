"""The optimizer base class (``torch.optim.Optimizer``).

An optimizer holds ``param_groups`` (a list of dicts: ``'params'`` plus the hyper-parameters,
each defaulting to ``defaults``) and ``state`` (a ``defaultdict(dict)`` keyed by the parameter
tensor). ``state_dict()`` gives torch's format: ``'state'`` keyed by the parameter's integer
index, ``'param_groups'`` with ``'params'`` as indices.

The update rules (``sgd.py``, ``adam.py``, ...) work on the parameters' backend arrays in
place, with torch's order of operations and rounding, then bump the version counters.

Example:
    >>> opt = ember.optim.SGD([w], lr=0.1, momentum=0.9)
    >>> opt.zero_grad(); loss_fn(w).backward(); opt.step()
"""
import functools
import sys
import threading
import warnings
from collections import OrderedDict, defaultdict
from copy import deepcopy
from itertools import chain

import numpy as np

from .. import _backend

from .._tensor import Tensor, _wrap
from .. import _dtype as D
from ..autograd import grad_mode as _grad_mode
from ..nn.modules._hooks import RemovableHandle   # (torch.utils.hooks.RemovableHandle, as for modules)

__all__ = ['Optimizer', 'register_optimizer_step_pre_hook', 'register_optimizer_step_post_hook', 'required']

_gm = _grad_mode.state
_sys_modules = sys.modules


class _RequiredParameter:
    """Singleton class representing a required parameter for an Optimizer."""

    def __repr__(self):
        return '<required parameter>'


required = _RequiredParameter()


_seen_by_compile = None       # set by ember.compile while it records a call
_global_optimizer_pre_hooks = OrderedDict()
_global_optimizer_post_hooks = OrderedDict()


def _add_hook(hooks, hook, prepend=False):
    """Add ``hook`` to the ordered dict ``hooks`` (first with ``prepend``); returns its handle."""
    handle = RemovableHandle(hooks)
    hooks[handle.id] = hook
    if prepend:
        hooks.move_to_end(handle.id, last=False)
    return handle


def register_optimizer_step_pre_hook(hook):
    """``hook(optimizer, args, kwargs) -> None or (args, kwargs)`` before every optimizer's step."""
    return _add_hook(_global_optimizer_pre_hooks, hook)


def register_optimizer_step_post_hook(hook):
    """``hook(optimizer, args, kwargs) -> None`` after every optimizer's step."""
    return _add_hook(_global_optimizer_post_hooks, hook)


# ---------------------------------------------------------------- sparse gradients
# Which optimizers refuse a sparse gradient (nn.Embedding(sparse=True)), with torch's words. SGD,
# Adagrad, SparseAdam and LBFGS take them. One check for all, run by the step wrapper before the
# update (so nothing changes), and only once sparse tensors exist (their module is loaded).
_SPARSE_REFUSALS = {'Adam': 'Adam does not support sparse gradients, please consider SparseAdam instead',
                    'AdamW': 'Adam does not support sparse gradients, please consider SparseAdam instead'}
for _name in ('RMSprop', 'Adadelta', 'Adamax', 'NAdam', 'RAdam', 'ASGD', 'Rprop', 'Adafactor', 'Muon'):
    _SPARSE_REFUSALS[_name] = f'{_name} does not support sparse gradients'
_SPARSE_MODULE = 'ember._ops.sparse_coo'
_refusal_of = {}


def _sparse_refusal(cls):
    """The message with which optimizer class ``cls`` refuses sparse gradients (its own or its
    nearest torch base's), or None."""
    msg = _refusal_of.get(cls, False)
    if msg is False:
        msg = None
        for c in cls.__mro__:
            if c.__module__.startswith('ember.optim') and c.__name__ in _SPARSE_REFUSALS:
                msg = _SPARSE_REFUSALS[c.__name__]
                break
        _refusal_of[cls] = msg
    return msg


def _refuse_sparse_grads(opt):
    msg = _sparse_refusal(type(opt))
    if msg is not None:
        for group in opt.param_groups:
            for p in group['params']:
                g = p._grad
                if g is not None and g.is_sparse:
                    raise RuntimeError(msg)


def _any_sparse(grads):
    """Whether some gradient in ``grads`` is sparse (cheap while no sparse tensor exists)."""
    return _SPARSE_MODULE in _sys_modules and any(g.is_sparse for g in grads)


def _use_grad_for_differentiable(func):
    """Run ``step`` with grad mode off (on only for ``differentiable=True``), as torch does."""
    @functools.wraps(func)
    def _use_grad(self, *args, **kwargs):
        prev = _gm.enabled
        try:
            _gm.enabled = bool(self.defaults['differentiable'])
            return func(self, *args, **kwargs)
        finally:
            _gm.enabled = prev
    return _use_grad


def _get_value(x):
    return x.item() if isinstance(x, Tensor) else x


def _to_scalar(x):
    """A 1-element tensor hyper-parameter as a 0-d tensor (torch's ``_to_scalar``): the scalar
    arithmetic on it (``lr / bias_correction``) then rounds in its dtype, as in torch."""
    if isinstance(x, Tensor) and x.dim() != 0:
        return x.squeeze()
    return x


def _f(x):
    """A scalar (a Python number, or a 0-d tensor's value) for the array kernels."""
    return x.item() if isinstance(x, Tensor) else x


def _get_scalar_dtype(is_fused=None):
    if is_fused:
        return D.float32
    return D.float64 if D.get_default_dtype() is D.float64 else D.float32


def _scalar_tensor(value, dtype=None):
    """``torch.tensor(value, dtype=_get_scalar_dtype())``: a 0-d CPU tensor (``state['step']``)."""
    dt = dtype or _get_scalar_dtype()
    return _wrap(np.array(value, dtype=dt.np), dt)


def _zeros_like(p):
    """``torch.zeros_like(p)`` (NumPy dispatches to CuPy for a CUDA array)."""
    return _wrap(np.zeros_like(p._data), p.dtype, p._device)


def _full_like(p, value):
    return _wrap(np.full_like(p._data, value), p.dtype, p._device)


def _check_not_differentiable(differentiable):
    if differentiable:
        raise NotImplementedError('ember.optim: differentiable=True (autograd through the optimizer step) is not '
                                  'supported')


def _check_capturable(group, p, what='params and state_steps'):
    """torch's capturable kernels run on accelerators only (ember runs its usual update there)."""
    if group.get('capturable') and p._device.type != 'cuda':
        raise AssertionError(f"If capturable=True, {what} must be on supported devices: "
                             "['cuda', 'xpu', 'hpu', 'privateuseone', 'xla'].")


def _validate(allow_nan=False, **values):
    """torch's constructor checks, in the order given: ``lr`` (a Tensor must have one element),
    ``eps``, ``betas`` (each in ``[0, 1)``) and any other option (``weight_decay``, ``momentum``,
    ...) must be non-negative. ``allow_nan`` keeps SGD's ``x < 0`` form, which lets NaN through."""
    for name, v in values.items():
        if name == 'betas':
            for i in (0, 1):
                if not 0.0 <= v[i] < 1.0:
                    raise ValueError(f'Invalid beta parameter at index {i}: {v[i]}')
            continue
        if name == 'lr' and isinstance(v, Tensor) and v.numel() != 1:
            raise ValueError('Tensor lr must be 1-element')
        if (v < 0.0) if allow_nan else not 0.0 <= v:
            what = {'lr': 'learning rate', 'eps': 'epsilon value'}.get(name, name + ' value')
            raise ValueError(f'Invalid {what}: {v}')


def _check_state_steps(state_steps, name='state_steps'):
    if not all(isinstance(t, Tensor) for t in state_steps):
        raise RuntimeError(f'API has changed, `{name}` argument must contain a list of singleton tensors')


def _new_step(group, p):
    """``state['step']``: a 0-d float tensor (float32 unless the default dtype is float64; float32
    on the parameter's device for ``capturable``/``fused``)."""
    if group.get('capturable') or group.get('fused'):
        t = _scalar_tensor(0.0, _get_scalar_dtype(is_fused=group.get('fused')))
        return t.to(p.device) if p._device.type != 'cpu' else t
    return _scalar_tensor(0.0)


def _incr(step_t):
    """``state['step'] += 1``; returns the new step as a Python number."""
    step_t._data += 1
    step_t._bump()
    return _get_value(step_t)


def _default_scalar(value, dtype=None):
    """``torch.tensor(value, dtype=_get_scalar_dtype())`` with no device named: a 0-d tensor on the
    default device (``set_default_device('cuda')`` puts Adadelta's, RMSprop's, ... ``step`` there)."""
    from .._device import get_default_device
    t = _scalar_tensor(value, dtype)
    dev = get_default_device()
    return t.to(dev) if dev.type != 'cpu' else t


def _device_scalar(value, p):
    """``torch.tensor(value, dtype=_get_scalar_dtype(), device=p.device)``."""
    t = _scalar_tensor(value)
    return t.to(p.device) if p._device.type != 'cpu' else t


def _as_step_tensor(p_state, group, key='step'):
    """Old checkpoints hold a Python number for the step: make it a tensor (torch's __setstate__)."""
    if len(p_state) != 0 and not isinstance(p_state[key], Tensor):
        fused = group.get('fused')
        dt = _get_scalar_dtype(is_fused=fused) if (group.get('capturable') or fused) else _get_scalar_dtype()
        p_state[key] = _scalar_tensor(float(p_state[key]), dt)


def _bump(*tensors):
    """Bump the version counters of tensors updated in place."""
    for t in tensors:
        t._bump()


# ------------------------------------------------------------------ array kernels, torch's op order
# Each works on backend arrays with Python-float scalars, cast to the array's dtype as torch casts
# them, so that float32 results round as torch's float32 kernels do. torch's CPU kernels fuse
# ``x + s*y`` into one fused multiply-add (add with alpha, lerp, addcmul): for float32 (and float16)
# arrays ember computes those in float64, where the product of two float32 values is exact, and
# rounds once. (torch's float32 sqrt is not correctly rounded on every CPU; that last-bit
# difference remains.)

_scratch = threading.local()
_SCRATCH_MAX = 1 << 22


def _round_bf16_state(opt):
    """After a step: bfloat16 parameters and state tensors rounded to bfloat16 values (ember/_bf16.py)."""
    from .._bf16 import round_tensors_bf16
    for group in opt.param_groups:
        round_tensors_bf16(group['params'])
    for st in opt.state.values():
        if isinstance(st, dict):
            round_tensors_bf16(st.values())


from .._bf16 import USED as _BF16_USED  # noqa: E402


def _f64_scratch(shape, n):
    """A float64 work array of ``shape``, reused between calls (allocating and faulting in a fresh
    one per op would cost more than the op); at most 32 MB is kept."""
    if n > _SCRATCH_MAX:
        return np.empty(shape, np.float64)
    buf = getattr(_scratch, 'buf', None)
    if buf is None or buf.size < n:
        buf = _scratch.buf = np.empty(max(n, 1024), np.float64)
    return buf[:n].reshape(shape)


def _fma(x, s, y, out=None):
    """``y + s*x`` rounded once, ``s`` a scalar (cast to x's dtype) or an array of x's dtype."""
    dt = y.dtype
    if dt.itemsize >= 8 or dt.kind != 'f':
        r = x * s
        return np.add(y, r, out=out if out is not None else r)
    if not hasattr(s, 'shape'):
        s = float(dt.type(s))
        if out is not None and type(y) is np.ndarray:
            if y.size > _CHUNK:
                return _fma_chunked(x, s, y, out)
            if type(x) is np.ndarray and type(out) is np.ndarray and x.shape == y.shape == out.shape and \
                    y.size <= np.getbufsize():
                return _fma_small(x, s, y, out)
    if type(y) is np.ndarray:
        r = _f64_scratch(y.shape, y.size)
        np.multiply(x, s, out=r, dtype=np.float64)
    else:                       # a CuPy array, or one ember.compile records (one call fewer than astype, *=)
        r = np.multiply(x, s, dtype=np.float64)
    r += y
    if out is None:
        return r.astype(dt)
    np.copyto(out, r, casting='unsafe')
    return out


_CHUNK = 1 << 15


_PAIRS_MAX = 1 << 20


def _pairs(shape, n):
    """Two float64 work arrays of ``shape``, kept per shape and thread (an optimizer meets the
    same few parameter shapes every step; slicing and reshaping a shared scratch costs ~0.7 us a
    call), at most _PAIRS_MAX elements in all, then shared scratch."""
    d = getattr(_scratch, 'pairs', None)
    if d is None:
        d = _scratch.pairs = {}
        _scratch.pairs_size = 0
    p = d.get(shape)
    if p is None:
        if _scratch.pairs_size + 2 * n > _PAIRS_MAX:
            buf = _f64_scratch((2 * n,), 2 * n)
            return buf[:n].reshape(shape), buf[n:].reshape(shape)
        p = d[shape] = (np.empty(shape, np.float64), np.empty(shape, np.float64))
        _scratch.pairs_size += 2 * n
    return p


def _fma_small(x, s, y, out):
    """``_fma`` with a Python-float ``s`` and an ``out``, all host arrays of one shape with at most
    _CHUNK elements: the same float64 arithmetic as the general path (x and y widened exactly,
    ``x*s`` exact, one float64 add, one rounding to out's dtype), written as five single-dtype
    steps: NumPy's mixed-dtype ufunc calls (``np.multiply(x, s, out=r, dtype=float64)``) cost
    ~1 us each on small arrays, the plain ones a fraction of that (a parameter of SEED_MLP's SGD
    step: 4.3 -> ~1.2 us). Both operands are copied before ``out`` is written, so any overlap of
    ``out`` with ``x`` or ``y`` reads the old values, as the general path does. Only for arrays
    within NumPy's ufunc buffer (np.getbufsize()): the general path's mixed-dtype calls are
    buffered, i.e. run in chunks of that size, and where two NaNs meet, which one an add returns
    depends on the element's place in its chunk (SIMD body or tail): one chunk is one pass, as here."""
    r, ry = _pairs(y.shape, y.size)
    r[...] = x                  # exact: float32/float16 -> float64
    r *= s                      # exact: a float32 product fits a float64
    ry[...] = y
    r += ry
    out[...] = r                # one rounding (unsafe cast, as np.copyto(..., casting='unsafe'))
    return out


def _fma_chunked(x, s, y, out):
    """``_fma`` with a scalar ``s`` and an ``out``, in blocks of 32768 elements: the same float64
    arithmetic, but the scratch (256 KiB) stays in L2 instead of streaming a float64 copy of the
    whole array through memory three times (-18% for a 512x784 weight)."""
    if not (x.shape == y.shape == out.shape and x.flags.c_contiguous and y.flags.c_contiguous and
            out.flags.c_contiguous and (x is out or not np.may_share_memory(x, out)) and
            (y is out or not np.may_share_memory(y, out))):
        r = _f64_scratch(y.shape, y.size)
        np.multiply(x, s, out=r, dtype=np.float64)
        r += y
        np.copyto(out, r, casting='unsafe')
        return out
    xf, yf, of = x.reshape(-1), y.reshape(-1), out.reshape(-1)
    n = yf.size
    buf = _f64_scratch((_CHUNK,), _CHUNK)
    for i in range(0, n, _CHUNK):
        j = i + _CHUNK if i + _CHUNK < n else n
        r = buf if j - i == _CHUNK else buf[:j - i]
        np.copyto(r, xf[i:j])            # exact: float32 -> float64
        r *= s                           # exact: a float32 product fits a float64
        r += yf[i:j]
        np.copyto(of[i:j], r, casting='unsafe')
    return out


def _momentum_step_chunked(p, g, b, momentum, alpha):
    """SGD's momentum step, ``b.mul_(momentum).add_(g)`` then ``p.add_(b, alpha=alpha)``, in blocks
    of _CHUNK elements: per element the same float32 multiply and add, then ``_fma``'s float64
    arithmetic, so the results are bitwise those of the three separate passes; but each block of
    p, g and b is read from memory once and worked on in cache (MNIST_MLP's 512x784 weight: the
    five passes over 1.6 MB arrays cost ~40% more). Returns False, having done nothing, unless
    the three are float32/float16 host arrays (or arrays ember.compile records) of one shape,
    C-contiguous, larger than a block, not overlapping."""
    if not (_backend.is_host(p) and _backend.is_host(g) and _backend.is_host(b)):
        return False
    dt = p.dtype
    if dt.kind != 'f' or dt.itemsize >= 8 or g.dtype != dt or b.dtype != dt or not (p.shape == g.shape == b.shape):
        return False
    n = p.size
    if n <= _CHUNK:
        return False
    traced = type(p) is _backend._traced_value
    reals = [x.a if type(x) is _backend._traced_value else x for x in (p, g, b)]
    for x in reals:
        if not x.flags.c_contiguous:
            return False
    if any(np.may_share_memory(reals[i], reals[j]) for i, j in ((0, 1), (0, 2), (1, 2))):
        return False
    m = dt.type(momentum)
    s = float(dt.type(alpha))
    pf, gf, bf = p.reshape(-1), g.reshape(-1), b.reshape(-1)
    # (while ember.compile records, the work array is the program's own: plain scratch cannot
    # take traced data)
    buf = _backend.array_module(p).empty(_CHUNK, np.float64) if traced else _f64_scratch((_CHUNK,), _CHUNK)
    for i in range(0, n, _CHUNK):
        j = i + _CHUNK if i + _CHUNK < n else n
        bc = bf[i:j]
        bc *= m
        bc += gf[i:j]
        r = buf if j - i == _CHUNK else buf[:j - i]
        np.copyto(r, bc)                 # exact: float32 -> float64
        r *= s                           # exact: a float32 product fits a float64
        pc = pf[i:j]
        r += pc
        np.copyto(pc, r, casting='unsafe')
    return True


def _adam_step_chunked(p, g, m, v, vmax, beta1, beta2, neg_step_size, bc2_sqrt, eps):
    """Adam's update of one parameter after its weight decay - ``m.lerp_(g, 1-beta1)``,
    ``v.mul_(beta2).addcmul_(g, g, value=1-beta2)``, (amsgrad: ``vmax = max(vmax, v)``),
    ``denom = sqrt(v or vmax) / bc2_sqrt + eps``, ``p.addcdiv_(m, denom, value=neg_step_size)`` -
    in blocks of _CHUNK elements with the same per-element arithmetic as those kernels (so the
    same bits), but each block of p, g, m, v read from memory once and its float32/float64
    temporaries kept in L2: over 1M parameters the separate passes stream ~10 arrays of 4-8 MB.
    Returns False, having done nothing, unless all are float32/float16 C-contiguous host arrays
    of one shape, larger than a block, not overlapping (and the scalars are Python numbers)."""
    dt = p.dtype
    if dt.kind != 'f' or dt.itemsize >= 8 or p.size <= _CHUNK:
        return False
    arrays = (p, g, m, v) if vmax is None else (p, g, m, v, vmax)
    for x in arrays:
        if type(x) is not np.ndarray or x.dtype != dt or x.shape != p.shape or not x.flags.c_contiguous:
            return False
    for x in (beta1, beta2, neg_step_size, bc2_sqrt, eps):
        if not isinstance(x, (int, float)):
            return False
    for i in range(len(arrays)):
        for j in range(i + 1, len(arrays)):
            if np.may_share_memory(arrays[i], arrays[j]):
                return False
    w = 1 - beta1                                   # lerp's weight, as _lerp_ gets it
    t = dt.type
    lerp_s = float(t(w)) if abs(w) < 0.5 else -float(t(1) - t(w))
    b2, c2 = beta2, 1 - beta2
    n = p.size
    pf, gf, mf, vf = p.reshape(-1), g.reshape(-1), m.reshape(-1), v.reshape(-1)
    xf = None if vmax is None else vmax.reshape(-1)
    r64 = _f64_scratch((_CHUNK,), _CHUNK)
    ta, tb = _f32_pair(dt)
    for i in range(0, n, _CHUNK):
        j = i + _CHUNK if i + _CHUNK < n else n
        k = j - i
        r, d, tmp = (r64, ta, tb) if k == _CHUNK else (r64[:k], ta[:k], tb[:k])
        gc, mc, vc, pc = gf[i:j], mf[i:j], vf[i:j], pf[i:j]
        np.subtract(gc, mc, out=d)                  # _lerp_: diff = end - a, then _fma in float64
        np.copyto(r, d)
        r *= lerp_s
        r += mc if abs(w) < 0.5 else gc
        np.copyto(mc, r, casting='unsafe')
        vc *= b2                                    # v.mul_(beta2)
        np.multiply(gc, c2, out=tmp)                # _addcmul_: (value * g) * g + v, one rounding
        np.multiply(tmp, gc, out=r, dtype=np.float64)
        r += vc
        np.copyto(vc, r, casting='unsafe')
        if xf is not None:
            np.maximum(xf[i:j], vc, out=xf[i:j])
            np.sqrt(xf[i:j], out=d)
        else:
            np.sqrt(vc, out=d)
        d /= bc2_sqrt
        d += eps
        np.multiply(mc, neg_step_size, out=tmp)     # _addcdiv_: (value * m) / denom, added
        tmp /= d
        pc += tmp
    return True


def _f32_pair(dt):
    """Two work blocks of _CHUNK elements of ``dt``, kept per thread."""
    d = getattr(_scratch, 'pairs32', None)
    if d is None:
        d = _scratch.pairs32 = {}
    pr = d.get(dt)
    if pr is None:
        pr = d[dt] = (np.empty(_CHUNK, dt), np.empty(_CHUNK, dt))
    return pr


def _lerp_(a, end, w):
    """``a.lerp_(end, w)``: ``a + w*(end-a)`` for ``|w| < 0.5``, else ``end - (end-a)*(1-w)``."""
    diff = end - a
    if abs(w) < 0.5:
        _fma(diff, w, a, out=a)
    else:
        t = a.dtype.type
        _fma(diff, -float(t(1) - t(w)), end, out=a)


def _addcmul_(a, t1, t2, value):
    """``a.addcmul_(t1, t2, value=v)``: ``a + (v*t1)*t2``."""
    tmp = t1 * value if value != 1 else t1
    _fma(tmp, t2, a, out=a)


def _addcdiv_(a, t1, t2, value):
    """``a.addcdiv_(t1, t2, value=v)``: ``a + (v*t1)/t2``."""
    # (x * 1 is exact: the copy only saves the multiply; a value ember.compile records is multiplied)
    tmp = t1 * value if type(value) is _backend._traced_value or value != 1 else t1.copy()
    tmp /= t2
    a += tmp


def _add_alpha(a, b, alpha):
    """``a.add(b, alpha=alpha)``: a new array ``a + alpha*b``."""
    alpha = _f(alpha)
    return _fma(b, alpha, a) if alpha != 1 else a + b


def _grad(grad, maximize):
    """The gradient's array, negated for ``maximize``."""
    return -grad._data if maximize else grad._data


def _weight_decay(p, g, lr, weight_decay, decoupled=False):
    """Apply ``weight_decay``: decoupled (AdamW: ``p *= 1 - lr*wd``) or L2 (returns ``g + wd*p``)."""
    if weight_decay != 0:
        if decoupled:
            p *= _f(1 - lr * weight_decay)
        else:
            g = _add_alpha(g, p, weight_decay)
    return g


def _adam_moments_(m, v, g, beta1, beta2):
    """Adam's moment updates in place: ``m.lerp_(g, 1-beta1)``, ``v.mul_(beta2).addcmul_(g, g, value=1-beta2)``."""
    _lerp_(m, g, _f(1 - beta1))
    v *= _f(beta2)
    _addcmul_(v, g, g, _f(1 - beta2))


_FOREACH_MAX = 1 << 18


def _add_alpha_foreach_(arrays, others, alpha):
    """``a.add_(b, alpha=alpha)`` for every pair, as ``_add_alpha_`` on each in turn, computed with
    one float64 multiply and one add over all of them (torch's foreach kernels): for models of
    many small parameters the per-array ufunc calls, not the arithmetic, are the cost. Returns
    False, having done nothing, unless: every array is a float32 (or every one a float16) host
    array that owns its memory (so that no two overlap, and updating one in turn cannot change
    what a later pair reads), each ``b`` has its ``a``'s shape and dtype, alpha != 1, the
    total is at most _FOREACH_MAX elements, and no result is NaN. Per element the arithmetic is
    ``_fma``'s, so the results are bitwise the same."""
    n = len(arrays)
    if n < 2 or len(others) != n:
        return False
    a0 = arrays[0]
    if type(a0) is not np.ndarray:
        if type(a0) is _backend._traced_value:
            return _add_alpha_foreach_traced_(arrays, others, alpha)
        return False
    dt = a0.dtype
    if dt.kind != 'f' or dt.itemsize >= 8:
        return False
    alpha = _f(alpha)
    if alpha == 1:
        return False
    ids = set()
    for a, b in zip(arrays, others):
        if type(a) is not np.ndarray or type(b) is not np.ndarray or a.dtype != dt or b.dtype != dt or \
                a.base is not None or b.base is not None or a.shape != b.shape:
            return False
        ids.add(id(a))
        ids.add(id(b))
    if len(ids) != 2 * n:
        return False
    lay = _foreach_layout(tuple([a.shape for a in arrays]))
    if lay is None:
        return False
    rs, ys, rf, yf = lay
    for i in range(n):
        rs[i][...] = others[i]          # exact: float32/float16 -> float64
        ys[i][...] = arrays[i]
    rf *= float(dt.type(alpha))         # exact: a float32 product fits a float64
    rf += yf
    m = np.minimum.reduce(rf) if rf.size else 0.0
    if m != m:
        # a NaN: which operand's NaN (sign, payload) an add of two NaNs returns depends on
        # whether NumPy's SIMD body or its tail loop met the element, i.e. on its place in the
        # array; the per-array path keeps those bits as they were (nothing is written yet)
        return False
    for i in range(n):
        arrays[i][...] = rs[i]          # one rounding, as np.copyto(..., casting='unsafe')
    return True


def _add_alpha_foreach_traced_(arrays, others, alpha):
    """``_add_alpha_foreach_`` while ember.compile records (the arrays are its traced values): the
    same float64 arithmetic, its work arrays made by the program (``concatenate`` widens every
    array into one flat float64 array in one call) rather than kept as plain scratch, which the
    recording could not write traced data into. The NaN test becomes a guard of the program."""
    dt = arrays[0].dtype
    if dt.kind != 'f' or dt.itemsize >= 8:
        return False
    alpha = _f(alpha)
    if alpha == 1:
        return False
    reals = []
    total = 0
    for a, b in zip(arrays, others):
        if not (_backend.is_host(a) and _backend.is_host(b)) or a.dtype != dt or b.dtype != dt or \
                a.shape != b.shape:
            return False
        reals += (a.a, b.a)
        total += a.size
    if total > _FOREACH_MAX:
        return False
    # no two arrays may overlap (the eager path asks that each owns its memory; a program's
    # gradient may be a view of a fresh array): checked once, at recording, on the real arrays,
    # whose layout every replay repeats
    for i in range(len(reals)):
        for j in range(i + 1, len(reals)):
            if np.may_share_memory(reals[i], reals[j]):
                return False
    rf = np.concatenate([b.reshape(-1) for b in others], dtype=np.float64)     # exact widening
    rf *= float(dt.type(alpha))         # exact: a float32 product fits a float64
    rf += np.concatenate([a.reshape(-1) for a in arrays], dtype=np.float64)
    m = np.minimum.reduce(rf)
    if m != m:                          # (a guard: see _add_alpha_foreach_ on NaNs)
        return False
    off = 0
    for a in arrays:
        k = a.size
        np.copyto(a, rf[off:off + k].reshape(a.shape), casting='unsafe')      # one rounding
        off += k
    return True


def _foreach_layout(shapes):
    """Two flat float64 work arrays for ``shapes`` and, per shape, a view of each; kept per list
    of shapes (an optimizer meets the same one every step), None past _FOREACH_MAX elements."""
    d = getattr(_scratch, 'layouts', None)
    if d is None:
        d = _scratch.layouts = {}
    lay = d.get(shapes)
    if lay is None:
        sizes = []
        for s in shapes:
            k = 1
            for x in s:
                k *= x
            sizes.append(k)
        tot = sum(sizes)
        if tot > _FOREACH_MAX or len(d) >= 16:
            return None
        rf, yf = np.empty(tot, np.float64), np.empty(tot, np.float64)
        rs, ys, off = [], [], 0
        for s, k in zip(shapes, sizes):
            rs.append(rf[off:off + k].reshape(s))
            ys.append(yf[off:off + k].reshape(s))
            off += k
        lay = d[shapes] = (rs, ys, rf, yf)
    return lay


def _add_alpha_(a, b, alpha):
    """``a.add_(b, alpha=alpha)`` in place."""
    alpha = _f(alpha)
    if alpha == 1:
        a += b
    else:
        _fma(b, alpha, a, out=a)


class Optimizer:
    """Base class for all optimizers.

    Args:
        params (iterable): an iterable of tensors, of ``(name, tensor)`` pairs, or of dicts
            (parameter groups).
        defaults (dict): default values of the optimization options (used when a parameter group
            does not give them).
    """

    def __init__(self, params, defaults):
        self.defaults = defaults
        self._optimizer_step_pre_hooks = OrderedDict()
        self._optimizer_step_post_hooks = OrderedDict()
        self._optimizer_state_dict_pre_hooks = OrderedDict()
        self._optimizer_state_dict_post_hooks = OrderedDict()
        self._optimizer_load_state_dict_pre_hooks = OrderedDict()
        self._optimizer_load_state_dict_post_hooks = OrderedDict()
        self._patch_step_function()

        if isinstance(params, Tensor):
            from .. import typename
            raise TypeError('params argument given to the optimizer should be an iterable of Tensors or dicts, '
                            'but got ' + typename(params))

        self.state = defaultdict(dict)
        self.param_groups = []

        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError('optimizer got an empty parameter list')
        if not isinstance(param_groups[0], dict):
            param_groups = [{'params': param_groups}]
        for param_group in param_groups:
            self.add_param_group(param_group)
        self._warned_capturable_if_run_uncaptured = True

    def __getstate__(self):
        return {'defaults': self.defaults, 'state': self.state, 'param_groups': self.param_groups}

    def __setstate__(self, state):
        self.__dict__.update(state)
        for name in ('_optimizer_step_pre_hooks', '_optimizer_step_post_hooks', '_optimizer_state_dict_pre_hooks',
                     '_optimizer_state_dict_post_hooks', '_optimizer_load_state_dict_pre_hooks',
                     '_optimizer_load_state_dict_post_hooks'):
            if name not in self.__dict__:
                setattr(self, name, OrderedDict())
        self._patch_step_function()
        self.defaults.setdefault('differentiable', False)

    def __repr__(self):
        format_string = self.__class__.__name__ + ' ('
        for i, group in enumerate(self.param_groups):
            format_string += '\n'
            format_string += f'Parameter Group {i}\n'
            for key in sorted(group.keys()):
                if key != 'params':
                    format_string += f'    {key}: {group[key]}\n'
        format_string += ')'
        return format_string

    def _accelerator_graph_capture_health_check(self):
        pass

    _cuda_graph_capture_health_check = _accelerator_graph_capture_health_check

    def _optimizer_step_code(self):
        """Entry point for profilers (a no-op, as in torch)."""

    @staticmethod
    def profile_hook_step(func):
        """Wrap ``step`` so that the step pre- and post-hooks run around it."""
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            self, *_ = args
            if _seen_by_compile is not None:    # ember.compile is recording: it guards on optimizers
                _seen_by_compile(self)
            if _SPARSE_MODULE in _sys_modules:  # (no sparse tensor can exist before that module is loaded)
                _refuse_sparse_grads(self)
            if not (_global_optimizer_pre_hooks or self._optimizer_step_pre_hooks):
                out = func(*args, **kwargs)         # no pre-hook: the loop below would run none
                if _BF16_USED[0]:
                    _round_bf16_state(self)
                self._optimizer_step_code()
                if not (self._optimizer_step_post_hooks or _global_optimizer_post_hooks):
                    return out
                for post_hook in chain(self._optimizer_step_post_hooks.values(), _global_optimizer_post_hooks.values()):
                    post_hook(self, args, kwargs)
                return out
            for pre_hook in chain(_global_optimizer_pre_hooks.values(), self._optimizer_step_pre_hooks.values()):
                result = pre_hook(self, args, kwargs)
                if result is not None:
                    if isinstance(result, tuple) and len(result) == 2:
                        args, kwargs = result
                    else:
                        raise RuntimeError(f'{func} must return None or a tuple of (new_args, new_kwargs), but got '
                                           f'{result}.')
            out = func(*args, **kwargs)
            if _BF16_USED[0]:
                _round_bf16_state(self)
            self._optimizer_step_code()
            for post_hook in chain(self._optimizer_step_post_hooks.values(), _global_optimizer_post_hooks.values()):
                post_hook(self, args, kwargs)
            return out
        return wrapper

    def _patch_step_function(self):
        self._zero_grad_profile_name = f'Optimizer.zero_grad#{self.__class__.__name__}.zero_grad'
        hooked = getattr(self.__class__.step, 'hooked', None)
        if not hooked:
            self.__class__.step = self.profile_hook_step(self.__class__.step)
            self.__class__.step.hooked = True

    # ------------------------------------------------------------------ hooks
    def register_step_pre_hook(self, hook):
        """``hook(optimizer, args, kwargs) -> None or (new_args, new_kwargs)`` before ``step``."""
        return _add_hook(self._optimizer_step_pre_hooks, hook)

    def register_step_post_hook(self, hook):
        """``hook(optimizer, args, kwargs) -> None`` after ``step``."""
        return _add_hook(self._optimizer_step_post_hooks, hook)

    def register_state_dict_pre_hook(self, hook, prepend=False):
        return _add_hook(self._optimizer_state_dict_pre_hooks, hook, prepend)

    def register_state_dict_post_hook(self, hook, prepend=False):
        return _add_hook(self._optimizer_state_dict_post_hooks, hook, prepend)

    def register_load_state_dict_pre_hook(self, hook, prepend=False):
        return _add_hook(self._optimizer_load_state_dict_pre_hooks, hook, prepend)

    def register_load_state_dict_post_hook(self, hook, prepend=False):
        return _add_hook(self._optimizer_load_state_dict_post_hooks, hook, prepend)

    # ------------------------------------------------------------------ state dict
    def state_dict(self):
        """The optimizer state: ``{'state': {index: {...}}, 'param_groups': [{..., 'params': [indices]}]}``.
        The state's tensors are the optimizer's own (not copies), as in torch."""
        for pre_hook in self._optimizer_state_dict_pre_hooks.values():
            pre_hook(self)
        param_mappings = {}
        start_index = 0

        def pack_group(group):
            nonlocal start_index
            packed = {k: v for k, v in group.items() if k != 'params'}
            param_mappings.update({id(p): i for i, p in enumerate(group['params'], start_index)
                                   if id(p) not in param_mappings})
            packed['params'] = [param_mappings[id(p)] for p in group['params']]
            start_index += len(packed['params'])
            return packed

        param_groups = [pack_group(g) for g in self.param_groups]
        packed_state = {(param_mappings[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()}
        state_dict = {'state': packed_state, 'param_groups': param_groups}
        for post_hook in self._optimizer_state_dict_post_hooks.values():
            hook_result = post_hook(self, state_dict)
            if hook_result is not None:
                state_dict = hook_result
        return state_dict

    @staticmethod
    def _process_value_according_to_param_policy(param, value, param_id, param_groups, key=None):
        fused = capturable = False
        for pg in param_groups:
            if param_id in pg['params']:
                fused = pg.get('fused', False)
                capturable = pg.get('capturable', False)
                break
        if key == 'step':
            if capturable or fused:
                return value.to(dtype=D.float32, device=param.device)
            return value
        if param.is_floating_point():
            return value.to(dtype=param.dtype, device=param.device)
        return value.to(device=param.device)

    def load_state_dict(self, state_dict):
        """Load a state from :meth:`state_dict` (parameters are matched by order)."""
        state_dict = state_dict.copy()
        for pre_hook in self._optimizer_load_state_dict_pre_hooks.values():
            hook_result = pre_hook(self, state_dict)
            if hook_result is not None:
                state_dict = hook_result
        groups = self.param_groups
        saved_groups = deepcopy(state_dict['param_groups'])
        if len(groups) != len(saved_groups):
            raise ValueError('loaded state dict has a different number of parameter groups')
        param_lens = (len(g['params']) for g in groups)
        saved_lens = (len(g['params']) for g in saved_groups)
        if any(p_len != s_len for p_len, s_len in zip(param_lens, saved_lens)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match the size of "
                             "optimizer's group")
        id_map = dict(zip(chain.from_iterable(g['params'] for g in saved_groups),
                          chain.from_iterable(g['params'] for g in groups)))

        def _cast(param, value, param_id=None, param_groups=None, key=None):
            if isinstance(value, Tensor):
                return Optimizer._process_value_according_to_param_policy(param, value, param_id, param_groups, key)
            if isinstance(value, dict):
                return {k: _cast(param, v, param_id=param_id, param_groups=param_groups, key=k)
                        for k, v in value.items()}
            if isinstance(value, (list, tuple, set)) or (hasattr(value, '__iter__') and not isinstance(value, str)
                                                          and not isinstance(value, bytes)):
                try:
                    return type(value)(_cast(param, v, param_id=param_id, param_groups=param_groups) for v in value)
                except TypeError:
                    return value
            return value

        state = defaultdict(dict)
        for k, v in state_dict['state'].items():
            if k in id_map:
                param = id_map[k]
                state[param] = _cast(param, v, param_id=k, param_groups=state_dict['param_groups'])
            else:
                state[k] = v

        def update_group(group, new_group):
            new_group['params'] = group['params']
            if 'param_names' in group and 'param_names' not in new_group:
                new_group['param_names'] = group['param_names']
            return new_group

        param_groups = [update_group(g, ng) for g, ng in zip(groups, saved_groups)]
        self.__setstate__({'state': state, 'param_groups': param_groups})
        for post_hook in self._optimizer_load_state_dict_post_hooks.values():
            post_hook(self)

    # ------------------------------------------------------------------ gradients and steps
    def zero_grad(self, set_to_none=True):
        """Reset the gradients of all optimized tensors: to None (default), or to zeros."""
        if not hasattr(self, '_zero_grad_profile_name'):
            self._patch_step_function()
        for group in self.param_groups:
            for p in group['params']:
                g = p._grad
                if g is not None:
                    if set_to_none:
                        p._grad = None
                    else:
                        if g.grad_fn is not None:
                            g.detach_()
                        else:
                            g.requires_grad_(False)
                        if g.is_sparse:         # (no entries left, as torch's zero_ of a sparse tensor)
                            g.zero_()
                            continue
                        g._data[...] = 0
                        g._bump()

    def step(self, closure=None):
        """Perform a single optimization step (subclasses implement it)."""
        raise NotImplementedError

    def add_param_group(self, param_group):
        """Add a parameter group (a dict with ``'params'`` and optional options) to ``param_groups``."""
        if not isinstance(param_group, dict):
            raise TypeError(f'param_group must be a dict, but got {type(param_group)}')
        params = param_group['params']
        if isinstance(params, Tensor):
            param_group['params'] = [params]
        elif isinstance(params, set):
            raise TypeError('optimizer parameters need to be organized in ordered collections, but the ordering of '
                            'tensors in sets will change between runs. Please use a list instead.')
        else:
            param_group['params'] = list(params)

        extracted_param_tensors = []
        extracted_param_names = []
        for param in param_group['params']:
            if isinstance(param, tuple):
                extracted_param_names.append(param[0])
                extracted_param_tensors.append(param[1])
            else:
                extracted_param_tensors.append(param)
        param_group['params'] = extracted_param_tensors
        if len(extracted_param_names) != 0:
            if len(extracted_param_names) == len(extracted_param_tensors):
                param_group['param_names'] = extracted_param_names
            else:
                raise ValueError('all optimizer params should be with/without names. Some param names are missing')

        for param in param_group['params']:
            if not isinstance(param, Tensor):
                from .. import typename
                raise TypeError('optimizer can only optimize Tensors, but one of the params is ' + typename(param))
            if not self.defaults.get('differentiable', None) and not (param.is_leaf or param.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")

        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter {name}")
            param_group.setdefault(name, default)

        params = param_group['params']
        if len(params) != len(set(params)):
            warnings.warn('optimizer contains a parameter group with duplicate parameters; in future, this will '
                          'cause an error; see github.com/pytorch/pytorch/issues/40967 for more information',
                          stacklevel=3)

        param_set = set()
        for group in self.param_groups:
            param_set.update(set(group['params']))
            if ('param_names' in param_group) != ('param_names' in group):
                current_group_txt = 'with names' if 'param_names' in param_group else 'without names'
                raise ValueError('all optimizer param groups should be with/without names. '
                                 f'cannot add param group {current_group_txt} to the optimizer')
        if not param_set.isdisjoint(set(param_group['params'])):
            raise ValueError('some parameters appear in more than one parameter group')
        self.param_groups.append(param_group)

    # ------------------------------------------------------------------ helpers for subclasses
    def _setstate_groups(self, step_tensors=True, **defaults):
        """torch's ``__setstate__`` for old checkpoints: give every group the missing options (in the
        order given) and, with ``step_tensors``, make Python-number steps tensors."""
        for group in self.param_groups:
            for name, default in defaults.items():
                group.setdefault(name, default)
            if step_tensors:
                for p in group['params']:
                    _as_step_tensor(self.state.get(p, []), group)

    def _setstate_scalars(self, keys=('step',), always_on_device=False):
        """torch's ``__setstate__`` for optimizers whose 0-d state tensors (``keys``) live on the
        parameter's device when ``capturable`` (or always): old checkpoints' Python numbers become them."""
        for group in self.param_groups:
            on_device = always_on_device or group['capturable']
            for p in group['params']:
                s = self.state.get(p, [])
                if len(s) != 0:
                    for key in keys:
                        if not isinstance(s[key], Tensor):
                            v = float(s[key])
                            s[key] = _device_scalar(v, p) if on_device else _scalar_tensor(v)

    def _new_state(self, group, p, state, names):
        """Fill a parameter's empty state: a zero ``step``, then zeros like ``p`` for ``names``."""
        state['step'] = _device_scalar(0.0, p) if group.get('capturable') else _default_scalar(0.0)
        for name in names:
            state[name] = _zeros_like(p)

    def _gather(self, group, names, what='params and state_steps'):
        """torch's ``_init_group``: for the group's parameters that have a gradient, make their state
        on first use (:meth:`_new_state`) and return ``params, grads, *one list per name, steps``."""
        params, grads, steps = [], [], []
        lists = [[] for _ in names]
        state_of = self.state
        for p in group['params']:
            if p._grad is None:
                continue
            params.append(p)
            grads.append(p._grad)
            state = state_of[p]
            if len(state) == 0:
                self._new_state(group, p, state, names)
            dev = p._device
            for lst, name in zip(lists, names):
                v = state[name]
                vd = getattr(v, '_device', dev)
                if vd is not dev and vd != dev and v._data.ndim:   # (0-d CPU scalars, e.g. NAdam's mu_product,
                    # stay on the CPU as in torch); e.g. the model was moved after its state was made
                    raise RuntimeError(f'Expected all tensors to be on the same device, but found at least two '
                                       f'devices, {dev} and {vd}!')
                lst.append(v)
            if p.dtype._cat == 3:       # complex: torch steps on view_as_real of the param, grad and state
                from .._ops.complex import step_as_real
                step_as_real(params, grads, lists)
            steps.append(state['step'])
        if group.get('capturable'):
            for p in params:
                _check_capturable(group, p, what)
        return (params, grads, *lists, steps)

    def _run_closure(self, closure):
        if closure is None:
            return None
        prev = _gm.enabled
        _gm.enabled = True
        try:
            return closure()
        finally:
            _gm.enabled = prev


def _check_fused_foreach(fused, foreach, differentiable):
    if fused:
        if differentiable:
            raise RuntimeError('`fused` does not support `differentiable`')
        if foreach:
            raise RuntimeError('`fused` and `foreach` cannot be `True` together.')

