"""as_strided / empty_strided and small aliases (narrow_copy, unsafe_chunk/split, igamma/igammac,
is_signed, get_device, share_memory_/is_shared) against torch."""
import numpy as np
import pytest

from conformance import run_both


def test_as_strided_overlapping_windows_and_gradient():
    def body(L):
        x = L.arange(12., requires_grad=True)
        v = x.as_strided((4, 3), (2, 1))
        (v * L.arange(12.).reshape(4, 3)).sum().backward()
        return v, x.grad, v.grad_fn.name(), v.stride(), v.storage_offset(), v.is_contiguous()
    run_both(body)


def test_as_strided_offset_function_form_and_errors():
    def body(L):
        y = L.arange(6.)
        out = [L.as_strided(y, (2, 2), (1, 2), 1), y.as_strided((3,), (2,)), y.as_strided([2, 1], [1, 1], 4)]
        for f in (lambda: y.as_strided((4,), (2,)), lambda: y.as_strided((2,), (1, 1))):
            try:
                f()
            except RuntimeError as e:
                out.append(str(e))
        return out
    run_both(body)


def test_as_strided_view_writes_reach_the_base():
    def body(L):
        w = L.zeros(3, 4)
        w.as_strided((2, 2), (4, 1), 1).fill_(7)
        return w
    run_both(body)


def test_empty_strided():
    def body(L):
        e = L.empty_strided((2, 3), (1, 2))
        f = L.empty_strided((2, 3), (3, 1), dtype=L.float64, requires_grad=True)
        return e.shape, e.stride(), e.is_contiguous(), f.dtype, f.requires_grad, f.is_leaf, f.stride()
    run_both(body)


def test_aliases():
    def body(L):
        z = L.arange(10.)
        a = L.tensor([1., 2., 3.])
        x = L.tensor([0.5, 3., 1.], requires_grad=True)
        g = L.igamma(a, x)
        g.sum().backward()
        return (z.narrow_copy(0, 2, 3), z.unsafe_chunk(3), z.unsafe_split(4), L.is_signed(z),
                L.is_signed(L.tensor([1], dtype=L.uint8)), L.get_device(z), z.is_shared(), z.share_memory_() is z,
                z.is_shared(), g, x.grad, L.tensor([1., 2.]).igammac(L.tensor([0.5, 3.])), L.igammac(L.tensor(2.), 1.5))
    run_both(body, rtol=1e-5, atol=1e-6)
