"""``ember.testing`` (``torch.testing``): ``assert_close``, ``assert_allclose``, ``make_tensor``.

``assert_close`` compares tensors, NumPy arrays, numbers and nested sequences/mappings of them
with per-dtype default tolerances, and fails with torch's message: mismatched element count
and the greatest absolute and relative differences with their indices.

Example:
    >>> ember.testing.assert_close(ember.tensor([1., 2.]), ember.tensor([1., 2.000001]))
    >>> x = ember.testing.make_tensor(2, 3, dtype=ember.float32, device='cpu', low=-1, high=1)
"""
import collections.abc
import functools
import math
import warnings

import numpy as np

__all__ = ['assert_close', 'make_tensor', 'assert_allclose']


def _ember():
    import ember            # this module is imported from ember/__init__.py: bind late
    return ember


# (rtol, atol) by dtype name, as torch's table; other dtypes (integers, bool) compare exactly
_PRECISIONS = {'float16': (1e-3, 1e-5), 'bfloat16': (1.6e-2, 1e-5), 'float32': (1.3e-6, 1e-5),
               'float64': (1e-7, 1e-7), 'complex32': (1e-3, 1e-5), 'complex64': (1.3e-6, 1e-5),
               'complex128': (1e-7, 1e-7)}


class _Mismatch(Exception):
    """A failed comparison: the exception class to raise and its message (torch's ErrorMeta)."""

    def __init__(self, cls, msg, path=()):
        super().__init__(msg)
        self.cls, self.msg, self.path = cls, msg, path


def assert_close(actual, expected, *, allow_subclasses=True, rtol=None, atol=None, equal_nan=False,
                 check_device=True, check_dtype=True, check_layout=True, check_stride=False, msg=None):
    """Raise AssertionError unless ``actual`` and ``expected`` are close (|a - e| <= atol + rtol * |e|)."""
    __tracebackhide__ = True
    if (rtol is None) ^ (atol is None):
        raise ValueError(f"Both 'rtol' and 'atol' must be either specified or omitted, "
                         f"but got no {'rtol' if rtol is None else 'atol'}.")
    opts = dict(rtol=rtol, atol=atol, equal_nan=equal_nan, check_device=check_device, check_dtype=check_dtype)
    try:
        _compare(actual, expected, (), opts)
    except _Mismatch as m:
        text = m.msg
        if m.path:
            text += f"\n\nThe failure occurred for item {''.join(f'[{p!r}]' for p in m.path)}"
        if callable(msg):
            text = msg(text)
        elif msg is not None:
            text = msg
        raise m.cls(text) from None


def _is_tensor_like(x):
    return isinstance(x, (_ember().Tensor, np.ndarray))


def _compare(a, e, path, opts):
    E = _ember()
    if _is_tensor_like(a) or _is_tensor_like(e):
        # both must be tensors, or both NumPy arrays (torch: no pair for a Tensor and a list)
        if type(a) is not type(e) and not (isinstance(a, E.Tensor) and isinstance(e, E.Tensor)):
            raise TypeError(f'No comparison pair was able to handle inputs of type {type(a)} and {type(e)}.')
        if isinstance(a, np.ndarray):
            a, e = E.from_numpy(np.ascontiguousarray(a)), E.from_numpy(np.ascontiguousarray(e))
        return _compare_tensors(a, e, path, opts)
    if isinstance(a, (bool, int, float, complex)) and isinstance(e, (bool, int, float, complex)):
        return _compare_numbers(a, e, path, opts)
    if a is None and e is None:
        return
    seq = collections.abc.Sequence
    if isinstance(a, seq) and isinstance(e, seq) and not isinstance(a, str) and not isinstance(e, str):
        if len(a) != len(e):
            raise _Mismatch(AssertionError, f'The length of the sequences mismatch: {len(a)} != {len(e)}', path)
        for i, (x, y) in enumerate(zip(a, e)):
            _compare(x, y, path + (i,), opts)
        return
    if isinstance(a, collections.abc.Mapping) and isinstance(e, collections.abc.Mapping):
        ka, ke = set(a), set(e)
        if ka != ke:
            missing, extra = sorted(ke - ka, key=repr), sorted(ka - ke, key=repr)
            text = 'The keys of the mappings do not match:\n'
            if missing:
                text += f'Missing keys in the actual mapping: {missing}\n'
            if extra:
                text += f'Additional keys in the actual mapping: {extra}'
            raise _Mismatch(AssertionError, text.strip(), path)
        for k in sorted(ka, key=repr):
            _compare(a[k], e[k], path + (k,), opts)
        return
    raise TypeError(f'No comparison pair was able to handle inputs of type {type(a)} and {type(e)}.')


def _tolerances(opts, *dtypes):
    if opts['rtol'] is not None:
        return opts['rtol'], opts['atol']
    rtols, atols = zip(*[_PRECISIONS.get(d if isinstance(d, str) else str(d).split('.')[-1], (0.0, 0.0))
                         for d in dtypes])
    return max(rtols), max(atols)


def _compare_numbers(a, e, path, opts):
    if isinstance(a, bool) and isinstance(e, bool):
        if a is not e:
            raise _Mismatch(AssertionError, f'Booleans mismatch: {a} is not {e}', path)
        return
    if opts['check_dtype'] and type(a) is not type(e):
        raise _Mismatch(AssertionError, f'The (d)types do not match: {type(a)} != {type(e)}.', path)
    # a number's tolerance is that of the dtype it would become as a tensor (float: float64)
    kind = {bool: 'bool', int: 'int64', float: 'float64', complex: 'complex128'}
    rtol, atol = _tolerances(opts, kind[type(a)], kind[type(e)])
    if a == e or (opts['equal_nan'] and _isnan(a) and _isnan(e)):
        return
    if rtol or atol:
        if not any(_isnan(v) or _isinf(v) for v in (a, e)) and abs(a - e) <= atol + rtol * abs(e):
            return
    abs_diff = abs(a - e)
    rel_diff = float('inf') if e == 0 else abs_diff / abs(e)
    raise _Mismatch(AssertionError, _mismatch_msg('Scalars', f'Expected {e} but got {a}.', abs_diff, None,
                                                  atol, rel_diff, None, rtol), path)


def _isnan(v):
    return isinstance(v, (float, complex)) and v != v


def _isinf(v):
    return isinstance(v, (float, complex)) and math.isinf(abs(v))


def _compare_tensors(a, e, path, opts):
    E = _ember()
    if a.shape != e.shape:
        raise _Mismatch(AssertionError, f"The values for attribute 'shape' do not match: {a.shape} != {e.shape}.",
                        path)
    if opts['check_device'] and a.device != e.device:
        raise _Mismatch(AssertionError, f"The values for attribute 'device' do not match: {a.device} != {e.device}.",
                        path)
    if opts['check_dtype'] and a.dtype != e.dtype:
        raise _Mismatch(AssertionError, f"The values for attribute 'dtype' do not match: "
                                        f"{_name(a.dtype)} != {_name(e.dtype)}.", path)
    # check_layout: ember tensors are all strided; check_stride: ignored, as its default is
    rtol, atol = _tolerances(opts, a.dtype, e.dtype)
    a, e = a.detach(), e.detach()
    if a.device != e.device:
        a, e = a.cpu(), e.cpu()
    if a.dtype != e.dtype:
        common = E.promote_types(a.dtype, e.dtype)
        a, e = a.to(common), e.to(common)
    if a.dtype == E.bool:           # isclose needs numbers
        a, e = a.to(E.uint8), e.to(E.uint8)
    matches = E.isclose(a, e, rtol=rtol, atol=atol, equal_nan=opts['equal_nan'])
    if bool(matches.all()):
        return
    if a.dim() == 0:
        av, ev = a.item(), e.item()
        diff = abs(av - ev)
        rel = float('inf') if ev == 0 else diff / abs(ev)
        raise _Mismatch(AssertionError, _mismatch_msg('Scalars', f'Expected {ev} but got {av}.', diff, None, atol,
                                                      rel, None, rtol), path)
    raise _Mismatch(AssertionError, _tensor_msg(a, e, matches, rtol, atol), path)


def _name(dtype):
    return str(dtype).replace('ember.', 'torch.')


def _tensor_msg(a, e, matches, rtol, atol):
    E = _ember()
    n = matches.numel()
    bad = n - int(matches.sum())
    extra = f'Mismatched elements: {bad} / {n} ({bad / n:.1%})'
    af, ef, mf = a.flatten(), e.flatten(), matches.flatten()
    if not a.dtype.is_floating_point and not a.dtype.is_complex:
        af, ef = af.to(E.int64), ef.to(E.int64)     # no overflow in the difference
    abs_diff = (af - ef).abs()
    abs_diff[mf] = 0                # only the mismatches count
    max_abs, abs_idx = abs_diff.max(0)
    rel_diff = abs_diff / ef.abs()
    rel_diff[mf] = 0
    max_rel, rel_idx = rel_diff.max(0)
    shape = tuple(matches.shape)
    return _mismatch_msg('Tensor-likes', extra, max_abs.item(), _unravel(int(abs_idx), shape), atol,
                         max_rel.item(), _unravel(int(rel_idx), shape), rtol)


def _unravel(flat, shape):
    return tuple(int(i) for i in np.unravel_index(flat, shape)) if shape else ()


def _mismatch_msg(what, extra, abs_diff, abs_idx, atol, rel_diff, rel_idx, rtol):
    equality = rtol == 0 and atol == 0

    def diff(kind, d, idx, tol):
        s = f'{kind.title()} difference: {d}' if idx is None else f'Greatest {kind} difference: {d} at index {idx}'
        return s + ('' if equality else f' (up to {tol} allowed)') + '\n'

    text = f"{what} are not {'equal' if equality else 'close'}!\n\n{extra.strip()}\n"
    text += diff('absolute', abs_diff, abs_idx, atol) + diff('relative', rel_diff, rel_idx, rtol)
    return text.strip()


def assert_allclose(actual, expected, rtol=None, atol=None, equal_nan=True, msg=''):
    """Deprecated (torch 1.12): ``assert_close`` with the other argument made a tensor like ``actual``."""
    warnings.warn('`torch.testing.assert_allclose()` is deprecated since 1.12 and will be removed in a future '
                  'release. Please use `torch.testing.assert_close()` instead. You can find detailed upgrade '
                  'instructions in https://github.com/pytorch/pytorch/issues/61844.', FutureWarning, stacklevel=2)
    E = _ember()
    if not isinstance(actual, E.Tensor):
        actual = E.tensor(actual)
    if not isinstance(expected, E.Tensor):
        expected = E.tensor(expected, dtype=actual.dtype)
    if rtol is None and atol is None:
        # the old function's own table: looser for float32 than assert_close's
        old = {E.float16: (1e-3, 1e-3), E.float32: (1e-4, 1e-5), E.float64: (1e-5, 1e-8)}
        rtol, atol = (max(old.get(actual.dtype, (0., 0.))[i], old.get(expected.dtype, (0., 0.))[i]) for i in (0, 1))
    assert_close(actual, expected, rtol=rtol, atol=atol, equal_nan=equal_nan, check_device=True,
                 check_dtype=False, check_stride=False, msg=msg or None)


def make_tensor(*shape, dtype, device, low=None, high=None, requires_grad=False, noncontiguous=False,
                exclude_zero=False, memory_format=None):
    """A tensor of ``shape`` with values drawn uniformly from ``[low, high)`` (defaults per dtype:
    floats [-9, 9), signed ints [-9, 10), unsigned [0, 10), bool [0, 2))."""
    E = _ember()
    if len(shape) == 1 and isinstance(shape[0], collections.abc.Sequence):
        shape = shape[0]
    shape = tuple(shape)
    if noncontiguous and memory_format is not None:
        raise ValueError(f'The parameters `noncontiguous` and `memory_format` are mutually exclusive, but got '
                         f'noncontiguous={noncontiguous!r} and memory_format={memory_format!r}')
    floating = dtype.is_floating_point or dtype.is_complex
    if requires_grad and not floating:
        raise ValueError(f'`requires_grad=True` is not supported for boolean and integral dtypes, but got '
                         f'dtype={_name(dtype)}')
    noncontiguous = noncontiguous and functools.reduce(lambda x, y: x * y, shape, 1) > 1
    if noncontiguous:
        shape = (*shape[:-1], 2 * shape[-1])
    if dtype == E.bool:
        low, high = _low_high(low, high, dtype, 0, 2, 0, 2)
        result = E.randint(low, high, shape, device=device, dtype=dtype)
    elif not floating:
        info = np.iinfo(dtype.np)
        low, high = _low_high(low, high, dtype, int(info.min), int(info.max) + (1 if dtype != E.int64 else 0),
                              0 if info.min == 0 else -9, 10)
        result = E.randint(low, high, shape, device=device, dtype=dtype)
    else:
        info = np.finfo(dtype.np)
        low, high = _low_high(low, high, dtype, float(info.min), float(info.max), -9, 9)
        result = E.empty(shape, device=device, dtype=dtype)
        target = E.view_as_real(result) if dtype.is_complex else result     # (ember has no complex yet)
        if high - low >= info.max:      # the width itself would overflow: draw half, then double
            target.uniform_(low / 2, high / 2).mul_(2)
        else:
            target.uniform_(low, high)
    if noncontiguous:
        result = result[..., 1::2]
    elif memory_format is not None:
        result = result.clone(memory_format=memory_format)
    if exclude_zero:
        result[result == 0] = float(np.finfo(dtype.np).tiny) if floating else 1
    if floating:
        result.requires_grad = requires_grad
    return result


def _low_high(low, high, dtype, lowest, highest, default_low, default_high):
    low = default_low if low is None else low
    high = default_high if high is None else high
    floating = dtype.is_floating_point or dtype.is_complex
    if any(isinstance(v, float) and math.isnan(v) for v in (low, high)):
        raise ValueError(f'`low` and `high` cannot be NaN, but got low={low!r} and high={high!r}')
    elif low == high and floating:
        warnings.warn('Passing `low==high` to `torch.testing.make_tensor` for floating or complex types is deprecated '
                      'since 2.1 and will be removed in 2.3. Use `torch.full(...)` instead.', FutureWarning,
                      stacklevel=4)
    elif low >= high:
        raise ValueError(f'`low` must be less than `high`, but got {low} >= {high}')
    elif high < lowest or low >= highest:
        raise ValueError(f'The value interval specified by `low` and `high` is [{low}, {high}), but {_name(dtype)} '
                         f'only supports [{lowest}, {highest})')
    low, high = min(max(low, lowest), highest), min(max(high, lowest), highest)
    if not floating:
        return math.ceil(low), math.ceil(high)
    return low, high
