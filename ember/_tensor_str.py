"""Tensor printing for ember.

Re-implements the observable behaviour of PyTorch's ``torch/_tensor_str.py``
(dense, strided, real-valued tensors) on NumPy, so that ``repr`` of an ember
tensor is character-for-character identical to ``repr`` of the same torch
tensor.  Only NumPy and the standard library are used.

Design: instead of walking sub-tensors as torch does, we first cut the array
down to what will be shown (the "summarized" array), format every shown element
once into a flat list of strings, derive the common column width from those
strings, and then lay the strings out recursively.  That is equivalent to
torch's two passes (width pass + print pass) because both use the same format
spec, and it keeps small tensors fast.
"""

import contextlib
import math

import numpy as np

__all__ = ["set_printoptions", "get_printoptions", "printoptions", "format_tensor"]


class _PrintOptions:
    __slots__ = ("precision", "threshold", "edgeitems", "linewidth", "sci_mode")

    def __init__(self):
        self.precision = 4
        self.threshold = 1000
        self.edgeitems = 3
        self.linewidth = 80
        self.sci_mode = None


PRINT_OPTS = _PrintOptions()

# profile -> (precision, threshold, edgeitems, linewidth); unknown names are ignored, as in torch.
_PROFILES = {
    "default": (4, 1000, 3, 80),
    "short": (2, 1000, 2, 80),
    "full": (4, math.inf, 3, 80),
}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None,
                     profile=None, sci_mode=None):
    """Set printing options; same semantics as ``torch.set_printoptions``.

    Note (torch quirk): ``sci_mode`` is always assigned, so any call without
    ``sci_mode=`` resets it to ``None`` (automatic).
    """
    o = PRINT_OPTS
    if profile is not None and profile in _PROFILES:
        o.precision, o.threshold, o.edgeitems, o.linewidth = _PROFILES[profile]
    if precision is not None:
        o.precision = precision
    if threshold is not None:
        o.threshold = threshold
    if edgeitems is not None:
        o.edgeitems = edgeitems
    if linewidth is not None:
        o.linewidth = linewidth
    o.sci_mode = sci_mode


def get_printoptions():
    """Current options as a dict that can be passed back to ``set_printoptions``."""
    o = PRINT_OPTS
    return {"precision": o.precision, "threshold": o.threshold, "edgeitems": o.edgeitems,
            "linewidth": o.linewidth, "sci_mode": o.sci_mode}


class printoptions(contextlib.ContextDecorator):
    """Context manager (and decorator) temporarily changing the print options."""

    def __init__(self, **kwargs):
        self._kwargs = kwargs
        self._saved = None

    def __enter__(self):
        self._saved = get_printoptions()
        set_printoptions(**self._kwargs)
        return self

    def __exit__(self, *exc):
        set_printoptions(**self._saved)
        return False


# ---------------------------------------------------------------------------
# element formatting (torch's _Formatter)
# ---------------------------------------------------------------------------

def _format_elements(vals, is_float):
    """Format python scalars ``vals``; return (padded strings, column width).

    Like torch, the width and the fixed/int/sci decision only look at the
    nonzero finite values; nan/inf/0 may therefore be wider than the column
    (they are then printed unpadded, e.g. ``tensor([1., inf])``).
    """
    if not is_float:  # ints and bools: plain str(), width = longest string
        strs = [str(v) for v in vals]
        width = max(1, max(map(len, strs)))
        return [s.rjust(width) for s in strs], width

    isfinite = math.isfinite
    keep = [v != 0.0 and isfinite(v) for v in vals]
    nz = [v for v, k in zip(vals, keep) if k]
    int_mode, sci = True, False
    if nz:
        int_mode = all(v.is_integer() for v in nz)
        sci = PRINT_OPTS.sci_mode
        if sci is None:
            absv = [abs(v) for v in nz]
            hi, lo = max(absv), min(absv)
            # python float division yields inf on overflow, same as torch's double division
            sci = hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4
    if sci:
        spec = ".%de" % PRINT_OPTS.precision
        strs = [format(v, spec) for v in vals]
    elif int_mode:
        # integral floats print as "2." (non-finite values get no dot); -0.0 -> "-0."
        strs = [format(v, ".0f") + "." if isfinite(v) else format(v, ".0f") for v in vals]
    else:
        spec = ".%df" % PRINT_OPTS.precision
        strs = [format(v, spec) for v in vals]
    width = max([1] + [len(s) for s, k in zip(strs, keep) if k])
    return [s.rjust(width) for s in strs], width


def _format_complex(vals):
    """Complex elements as torch prints them: real and imaginary parts each through its own
    float formatter, the imaginary one unpadded, joined with its sign and a ``j``."""
    rs, w1 = _format_elements(vals.real.tolist(), True)
    ims, w2 = _format_elements(vals.imag.tolist(), True)
    out = []
    for r, i in zip(rs, ims):
        i = (i + "j").lstrip()
        out.append(r + i if i[0] in "+-" else r + "+" + i)
    return out, w1 + w2 + 1     # (torch's element length: both widths, the 'j', the separator)


# ---------------------------------------------------------------------------
# layout
# ---------------------------------------------------------------------------

def _summarize(data, e):
    """Keep the first/last ``e`` entries of every axis longer than 2*e (torch's
    get_summarized_data, done as one fancy-indexing gather)."""
    index = [np.r_[0:e, n - e:n] if n > 2 * e else np.arange(n) for n in data.shape]
    return data[np.ix_(*index)]


def _layout(strs, shape, summ, axis, offset, indent, width, e, linewidth):
    ndim = len(shape)
    n = shape[axis]
    if axis == ndim - 1:
        items = strs[offset:offset + n]
        if summ[axis]:
            items = items[:e] + [" ..."] + items[e:]  # note the leading space in vectors
        per_line = max(1, math.floor((linewidth - indent) / (width + 2)))
        lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
    stride = 1
    for m in shape[axis + 1:]:
        stride *= m
    parts = [_layout(strs, shape, summ, axis + 1, offset + i * stride, indent + 1,
                     width, e, linewidth) for i in range(n)]
    if summ[axis]:
        parts.insert(e, "...")
    # sub-blocks of a k-d tensor are separated by k-1 newlines (blank lines for 3-d+)
    return "[" + ("," + "\n" * (ndim - axis - 1) + " " * (indent + 1)).join(parts) + "]"


def _tensor_str(data, indent):
    """Body of the repr (without prefix/suffixes) for a non-empty array."""
    o = PRINT_OPTS
    e = o.edgeitems
    summarize = data.size > o.threshold
    if summarize:
        if not e and data.ndim:
            return "[...]"  # torch prints only an ellipsis when edgeitems == 0
        summ = [n > 2 * e for n in data.shape]
        data = _summarize(data, e)
    else:
        summ = [False] * data.ndim
    if data.dtype.kind == "c":
        strs, width = _format_complex(data.ravel())
    else:
        strs, width = _format_elements(data.ravel().tolist(), data.dtype.kind == "f")
    if data.ndim == 0:
        return strs[0]
    return _layout(strs, data.shape, summ, 0, 0, indent, width, e, o.linewidth)


def _add_suffixes(tensor_str, suffixes, indent):
    # torch quirk: with no newline, rfind() is -1 so the measured line is len+2.
    last_line_len = len(tensor_str) - tensor_str.rfind("\n") + 1
    out = [tensor_str]
    for suffix in suffixes:
        if last_line_len + len(suffix) + 2 > PRINT_OPTS.linewidth:
            out.append(",\n" + " " * indent + suffix)
            last_line_len = indent + len(suffix)
        else:
            out.append(", " + suffix)
            last_line_len += len(suffix) + 2
    out.append(")")
    return "".join(out)


def format_tensor(data, *, dtype_name, show_dtype=None, device_str=None, requires_grad=False,
                  grad_fn_name=None, tensor_name="tensor", default_dtype_name="float32", tangent=None,
                  meta=False):
    """Return the string torch's ``repr(t)`` (== ``str(t)``) would give.

    data: host numpy array (bool, (u)int8..64, float16/32/64), 0-d allowed.  Values
        must equal the tensor's values (e.g. bfloat16 data upcast to float32 is fine).
    dtype_name: torch dtype name without prefix, e.g. 'float32' -> 'dtype=torch.float32'.
    show_dtype: for non-empty tensors, whether to print the dtype suffix.  None means
        torch's rule: dtype not in (default dtype, int64, bool).  Empty tensors ignore
        it and, like torch, show the dtype whenever it differs from the default dtype
        (so ``tensor([], dtype=torch.int64)``).
    device_str: None for the default device, else e.g. 'cuda:0'.
    grad_fn_name / requires_grad: 'grad_fn=<Name>' wins over 'requires_grad=True'.
    tensor_name: the prefix, 'tensor' for plain tensors.
    default_dtype_name: name of the current default floating dtype.

    Suffix order is torch's: device, size, dtype, grad_fn/requires_grad.
    """
    data = np.asarray(data)
    prefix = tensor_name + "("
    indent = len(prefix)
    suffixes = []
    if device_str is not None:
        suffixes.append("device='%s'" % device_str)
    if meta:  # a meta tensor has no values: its size, always, and its dtype when not the default
        suffixes.append("size=" + str(tuple(int(n) for n in data.shape)))
        if dtype_name != default_dtype_name:
            suffixes.append("dtype=torch." + dtype_name)
        body = "..."
    elif data.size == 0:
        if data.ndim != 1:  # like NumPy, shape is explicit unless it is (0,)
            suffixes.append("size=" + str(tuple(int(n) for n in data.shape)))
        if dtype_name != default_dtype_name:  # no element shows the type
            suffixes.append("dtype=torch." + dtype_name)
        body = "[]"
    else:
        if not PRINT_OPTS.edgeitems:
            suffixes.append("size=" + str(tuple(int(n) for n in data.shape)))
        if show_dtype is None:
            show_dtype = dtype_name not in (default_dtype_name, "int64", "bool")
            if show_dtype and data.dtype.kind == "c":      # the default complex dtype is not shown either
                show_dtype = dtype_name != ("complex128" if default_dtype_name == "float64" else "complex64")
        if show_dtype:
            suffixes.append("dtype=torch." + dtype_name)
        body = _tensor_str(data, indent)
    if grad_fn_name is not None:
        suffixes.append("grad_fn=<%s>" % grad_fn_name)
    elif requires_grad:
        suffixes.append("requires_grad=True")
    if tangent is not None:     # a dual tensor of forward AD
        suffixes.append(f"tangent={tangent}")
    return _add_suffixes(prefix + body, suffixes, indent)
