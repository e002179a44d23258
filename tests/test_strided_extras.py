"""as_strided / empty_strided and small aliases (narrow_copy, unsafe_chunk/split, igamma/igammac,
is_signed, get_device, share_memory_/is_shared) against torch."""
import numpy as np
import pytest

from conformance import run_both, cpu_random_only
import ember


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


@pytest.mark.parametrize('fmt', ['channels_last', 'channels_last_3d'])
def test_channels_last_layouts(fmt):
    """contiguous/clone/to(memory_format=channels_last[_3d]) lay the data out channels-last (torch's
    strides), is_contiguous(memory_format=...) reads the strides (size-1 dims skipped), elementwise
    results keep the layout, gradients come back in the input's layout, Module.to converts 4-D/5-D
    parameters only, and the wrong rank is refused."""
    def body(lib):
        mf = getattr(lib, fmt)
        shape = (2, 3, 4, 5) if fmt == 'channels_last' else (2, 3, 4, 5, 2)
        n = 1
        for s in shape:
            n *= s
        x = lib.arange(float(n)).reshape(shape).requires_grad_()
        y = x.contiguous(memory_format=mf)
        z = x.to(memory_format=mf)
        w = x.clone(memory_format=mf)
        (z.sum() + (w * 2).sum()).backward()
        flags = [t.is_contiguous(memory_format=mf) for t in (x, y, z, w, y + 1, y.contiguous())] + \
            [lib.ones(2, 1, 4, 5).is_contiguous(memory_format=lib.channels_last), lib.ones(2, 3).is_contiguous(
                memory_format=mf), y.is_contiguous(), y.contiguous(memory_format=mf) is y]
        conv = lib.nn.Conv2d(3, 2, 3) if fmt == 'channels_last' else lib.nn.Conv3d(3, 2, 1)
        with lib.no_grad():         # (not the libraries' random init: their CUDA generators differ)
            conv.weight.copy_(lib.linspace(-1, 1, conv.weight.numel()).reshape(conv.weight.shape))
            conv.bias.fill_(0.5)
        conv = conv.to(memory_format=mf)
        back = z.to(memory_format=lib.contiguous_format)
        kept = conv.weight.to(memory_format=mf) is conv.weight
        errs = []
        for bad in (lambda: lib.ones(2, 3).contiguous(memory_format=mf), lambda: lib.ones(2, 3).to(memory_format=mf),
                    lambda: lib.ones(2, 3).clone(memory_format=mf)):
            try:
                bad()
            except RuntimeError as e:
                errs.append(str(e))
        return (y, y.stride(), z.stride(), w.stride(), (y * 2).stride(), type(z.grad_fn).__name__,
                type(w.grad_fn).__name__, x.grad.stride(), x.grad, flags, conv.weight.stride(), conv.bias.stride(),
                conv(y), errs, back.stride(), back.is_contiguous(), kept)
    run_both(body)


def test_as_strided_of_random_and_reshaped_tensors():
    """A tensor whose array is a reshape of a fresh buffer (randn, arange(...).reshape) owns its
    storage from offset 0: as_strided works on it (it was refused as if it were a view)."""
    cpu_random_only()

    def body(lib):
        lib.manual_seed(0)
        x = lib.randn(2, 3)
        y = lib.arange(12.).reshape(3, 4)
        return (lib.as_strided(x, (2, 2), (1, 2), 1), lib.as_strided_copy(x, (3,), (2,)),
                y.as_strided((2, 3), (4, 1), 2), x.storage_offset())
    run_both(body)


@pytest.mark.parametrize('offset', [None, 1])
def test_as_strided_scatter(offset):
    """torch.as_strided_scatter / Tensor.as_strided_scatter: values, errors, and torch's gradients
    as they are (the input's is g inside the region: torch's own gradcheck of this op fails; ember
    follows torch, and the test checks that both libraries' gradchecks fail alike)."""
    def body(lib):
        a = lib.arange(4.).reshape(2, 2).requires_grad_()
        b = lib.linspace(-1, 1, 9).reshape(3, 3).requires_grad_()
        c = lib.as_strided_scatter(b, a, (2, 2), (1, 2), offset)
        (c * lib.arange(9.).reshape(3, 3)).sum().backward()
        errs = []
        for bad in (lambda: lib.as_strided_scatter(b, lib.ones(3), (2, 2), (1, 2)),
                    lambda: b.as_strided_scatter(lib.ones(2, 2), (2, 2), (1, 20))):
            try:
                bad()
            except RuntimeError as e:
                errs.append(str(e))
        return c, type(c.grad_fn).__name__, a.grad, b.grad, b.detach().as_strided_scatter(a.detach(), (2,), (4,)), errs
    run_both(body)
    fails = []
    for lib in (ember, pytest.importorskip('torch')):
        x = lib.linspace(-1, 1, 9, dtype=lib.float64).reshape(3, 3).requires_grad_()
        s = lib.linspace(2, 3, 4, dtype=lib.float64).reshape(2, 2).requires_grad_()
        try:
            lib.autograd.gradcheck(lambda x, s: lib.as_strided_scatter(x, s, (2, 2), (1, 2), offset), (x, s))
            fails.append(False)
        except Exception:       # noqa: BLE001 - GradcheckError (ember's and torch's classes differ)
            fails.append(True)
    assert fails == [True, True]


def test_empty_and_like_factories_with_channels_last():
    """empty(memory_format=...) and *_like(memory_format=...) lay the new tensor out channels-last
    (torch's strides, dim_order); the wrong rank is refused; new_zeros/new_ones/new_empty take
    size as a keyword too."""
    def body(lib):
        x = lib.ones(2, 3, 4, 5)
        out = [lib.empty(2, 3, 4, 5, memory_format=lib.channels_last).stride(),
               lib.empty((2, 3, 5, 7), memory_format=lib.channels_last).dim_order(),
               lib.zeros_like(x, memory_format=lib.channels_last), lib.ones_like(x, memory_format=lib.channels_last),
               lib.full_like(lib.ones(1, 2, 3, 4, 5), 2., memory_format=lib.channels_last_3d).stride(),
               lib.empty_like(x, memory_format=lib.channels_last).is_contiguous(memory_format=lib.channels_last),
               x.new_zeros(size=(2, 3)), x.new_ones(size=()), x.new_empty(size=(1,)).shape, x.new_zeros(2, 3)]
        for bad in (lambda: lib.empty(2, 3, memory_format=lib.channels_last),
                    lambda: lib.zeros_like(lib.ones(2), memory_format=lib.channels_last),
                    lambda: x.new_zeros((2,), size=(3,))):
            try:
                bad()
            except (RuntimeError, TypeError) as e:
                out.append((type(e).__name__, str(e)))
        return out
    run_both(body)
