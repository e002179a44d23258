"""Tensors on the GPU: moving between devices, the cross-device error, gradients that flow from a
CUDA result back to CPU leaves, printing, ``numpy()`` and the storage queries of CUDA tensors.

A body takes ``(lib, dev)``: ``dev`` is the device its tensors go to. ``run_dev`` runs it with
ember on ``'cuda'`` and with PyTorch on ``'cuda'`` where PyTorch has CUDA, else on ``'cpu'`` (with
``EMBER_FAKE_CUDA=1`` and no GPU): values, dtypes, shapes and errors are then compared, and where
the answer is about devices the test asserts ember's side against PyTorch's documented behaviour.
"""
import re

import numpy as np
import pytest

import conformance
from conformance import torch
import ember

DEVICE_AXIS = False        # these tests place their tensors themselves
TORCH_CUDA = torch.cuda.is_available()
needs_cuda = pytest.mark.skipif(not ember.cuda.is_available(),
                                reason='needs a CUDA GPU (ember.cuda.is_available() is False)')
SAME_DEVICE = ('Expected all tensors to be on the same device, but found at least two devices, '
               '{} and {}!')


def _call(lib, dev, body):
    try:
        return 'ok', body(lib, dev)
    except Exception as exc:   # noqa: BLE001 - the error type is what is compared
        return 'err', exc


def _devless(plain):
    """A plain result with the device of its tensors and devices dropped (torch ran on the CPU)."""
    if isinstance(plain, tuple) and plain and plain[0] == 'tensor' and len(plain) == 6:
        return plain[:5] + (None,)
    if isinstance(plain, tuple) and len(plain) == 2 and plain[0] == 'device':
        return ('device', None)
    if isinstance(plain, dict):
        return {k: _devless(v) for k, v in plain.items()}
    if isinstance(plain, (list, tuple)):
        return type(plain)(_devless(v) for v in plain)
    return plain


def run_dev(body, rtol=2e-5, atol=2e-5):
    """``body(lib, dev)`` with torch and ember, compared; returns ember's result (or error)."""
    tdev = 'cuda' if TORCH_CUDA else 'cpu'
    (tk, tv), (ek, ev) = _call(torch, tdev, body), _call(ember, 'cuda', body)
    if tk == 'err' or ek == 'err':
        assert tk == ek, f'torch {"raised " + repr(tv) if tk == "err" else "returned"}, ember ' \
                         f'{"raised " + repr(ev) if ek == "err" else "returned " + repr(ev)}'
        assert conformance._builtin_base(ev) is conformance._builtin_base(tv), (ev, tv)
        return ev
    tp, ep = conformance._to_plain(tv, torch), conformance._to_plain(ev, ember)
    if not TORCH_CUDA:
        tp, ep = _devless(tp), _devless(ep)
    conformance._compare(tp, ep, rtol, atol)
    return ev


# ---------------------------------------------------------------- moving between devices
@needs_cuda
def test_to_cuda_and_back_keeps_values_and_dtype():
    def body(lib, dev):
        out = []
        for dt in (lib.float32, lib.float64, lib.int64, lib.int32, lib.uint8, lib.bool, lib.float16):
            t = lib.tensor([[1, 0, 3], [4, 5, 0]], dtype=dt)
            g = t.to(dev)
            out.append((g, g.cpu(), g.dtype, g.shape))
        return out
    res = run_dev(body)
    for g, c, _, _ in res:
        assert g.device == ember.device('cuda', 0) and g.is_cuda and not g.is_cpu
        assert c.device.type == 'cpu' and not c.is_cuda


@needs_cuda
def test_to_forms_on_cuda():
    t = ember.tensor([1.5, -2.5])
    g = t.cuda()
    assert str(g.device) == 'cuda:0' and g.get_device() == 0 and t.get_device() == -1
    assert g.cuda() is g and g.to('cuda') is g and g.to('cuda:0') is g and g.to(ember.device('cuda')) is g
    assert t.cpu() is t and g.cpu() is not g
    other = ember.zeros(1, dtype=ember.float64, device='cuda')
    r = t.to(other)                              # .to(tensor): its dtype and its device
    assert r.device.type == 'cuda' and r.dtype is ember.float64 and r.tolist() == [1.5, -2.5]
    r = g.to('cpu', ember.int32)
    assert r.device.type == 'cpu' and r.dtype is ember.int32 and r.tolist() == [1, -2]
    r = t.to(device='cuda', dtype=ember.float16, copy=True)
    assert r.is_cuda and r.dtype is ember.float16
    c = g.to('cuda', copy=True)
    assert c is not g and c.data_ptr() != g.data_ptr() and c.tolist() == g.tolist()
    assert ember.tensor([1, 2], device='cuda').device.type == 'cuda'
    assert ember.zeros(2, device=ember.device('cuda:0')).is_cuda
    assert t.to('cuda').cpu().tolist() == [1.5, -2.5]


@needs_cuda
def test_device_spellings_name_one_device():
    a = ember.ones(2, device='cuda:0')
    b = ember.ones(2, device='cuda')
    c = ember.ones(2).to(ember.device('cuda', 0))
    assert a.device == b.device == c.device == ember.device('cuda:0')
    assert (a + b + c).tolist() == [3., 3.] and ember.cat([a, b, c]).shape == (6,)
    assert a.to('cuda') is a and b.to('cuda:0') is b
    a.requires_grad_()
    a.grad = ember.zeros(2, device='cuda')


@needs_cuda
def test_copy_between_devices_is_a_copy():
    t = ember.tensor([1., 2., 3.])
    g = t.to('cuda')
    g.add_(1)
    assert t.tolist() == [1., 2., 3.] and g.tolist() == [2., 3., 4.]
    back = g.cpu()
    back[0] = 10
    assert g.tolist() == [2., 3., 4.]
    g[1:] = ember.tensor([7., 8.])              # copy_ semantics: a CPU value may be written into CUDA
    assert g.tolist() == [2., 7., 8.] and g.is_cuda
    g.copy_(ember.tensor([0., 1., 2.]))
    assert g.tolist() == [0., 1., 2.] and g.is_cuda


# ---------------------------------------------------------------- one device per op
@needs_cuda
@pytest.mark.parametrize('op', [
    lambda g, c: g + c, lambda g, c: c * g, lambda g, c: ember.cat([g, c]), lambda g, c: ember.stack([c, g]),
    lambda g, c: g @ c, lambda g, c: ember.matmul(c, g), lambda g, c: ember.where(g > 0, g, c),
    lambda g, c: g.index_select(0, c.long()), lambda g, c: g.gather(0, c.long()),
    lambda g, c: g.masked_fill(c > 0, 1.), lambda g, c: ember.addmm(g.view(3, 1) @ g.view(1, 3), g.view(3, 1),
                                                                      c.view(1, 3)),
    lambda g, c: ember.einsum('i,i->', g, c), lambda g, c: ember.linalg.solve(ember.eye(3, device='cuda'), c),
    lambda g, c: ember.searchsorted(g.sort().values, c), lambda g, c: g.scatter_add(0, c.long(), g),
    lambda g, c: ember.dot(c, g), lambda g, c: ember.outer(g, c),
], ids=['add', 'mul', 'cat', 'stack', 'matmul@', 'matmul', 'where', 'index_select', 'gather', 'masked_fill',
        'addmm', 'einsum', 'solve', 'searchsorted', 'scatter_add', 'dot', 'outer'])
def test_ops_mixing_cuda_and_cpu_raise_torch_error(op):
    g = ember.tensor([1., 0., 2.], device='cuda')
    c = ember.tensor([0., 1., 1.])
    with pytest.raises(RuntimeError) as e:
        op(g, c)
    msg = str(e.value)
    assert msg in (SAME_DEVICE.format('cuda:0', 'cpu'), SAME_DEVICE.format('cpu', 'cuda:0')), msg


@needs_cuda
def test_cpu_scalar_tensor_joins_cuda_op_as_a_number():
    def body(lib, dev):
        g = lib.tensor([1., 2.], device=dev)
        s = lib.tensor(3.)                      # a 0-d CPU tensor: torch allows it with CUDA tensors
        return g + s, s * g, g.masked_fill(g > 1, lib.tensor(0.5)), g.pow(lib.tensor(2))
    for r in run_dev(body):
        assert r.is_cuda


@needs_cuda
def test_indexing_across_devices():
    def body(lib, dev):
        g = lib.arange(6., device=dev).view(2, 3)
        i = lib.tensor([1, 0, 1])               # CPU indices may index a CUDA tensor, as in torch
        m = lib.tensor([True, False])
        g2 = g.clone()
        g2[i[:2], i[1:]] = lib.tensor([-1., -2.], device=dev)
        return g[i], g[:, i], g[m], g2, g[i - 1, 1:]
    for r in run_dev(body):
        assert r.is_cuda
    with pytest.raises(RuntimeError, match='indices should be either on cpu or on the same device'):
        ember.arange(3)[ember.tensor([0], device='cuda')]


@needs_cuda
def test_out_of_range_index_on_cuda_raises_instead_of_wrapping():
    g = ember.arange(3., device='cuda')         # CuPy would wrap index 3 around; torch refuses it
    with pytest.raises(IndexError, match='index 3 is out of bounds for dimension 0 with size 3'):
        g[ember.tensor([0, 3], device='cuda')]
    with pytest.raises(IndexError):
        g[ember.tensor([0, 3], device='cuda')] = 1.
    with pytest.raises(IndexError):
        g.index_put_((ember.tensor([-4], device='cuda'),), ember.tensor(1., device='cuda'))


# ---------------------------------------------------------------- gradients across devices (seed S19)
@needs_cuda
def test_grads_flow_from_cuda_result_to_cpu_leaves():
    def body(lib, dev):
        a = lib.tensor([10., 3.], requires_grad=True)
        b = lib.tensor([20., -1.], requires_grad=True)
        ac, bc = a.to(dev), b.to(dev)
        G = ((ac * bc) * 2).sum()
        G.backward()
        return a.grad, b.grad, G.detach()
    run_dev(body)
    a = ember.tensor([10.], requires_grad=True)
    ac = a.to('cuda')
    assert not ac.is_leaf and ac.grad_fn.name() == 'ToCopyBackward0' and ac.requires_grad
    (ac * 3).sum().backward()
    assert a.grad.device.type == 'cpu' and a.grad.tolist() == [3.]
    assert a.to('cuda', ember.float64).grad_fn.name() == 'ToCopyBackward0'


@needs_cuda
def test_grads_of_cuda_leaves_stay_on_cuda():
    def body(lib, dev):
        w = lib.tensor([[1., 2.], [3., -4.]], requires_grad=True, device=dev)
        x = lib.tensor([0.5, -1.], device=dev)
        y = (w @ x).tanh().sum() + (w * 2).expand(3, 2, 2).sum() + w[lib.tensor([1, 0, 1])].max()
        y.backward()
        return w.grad, y
    g, _ = run_dev(body)
    assert g.is_cuda


@needs_cuda
def test_cuda_back_to_cpu_graph():
    def body(lib, dev):
        w = lib.tensor([1., -2., 3.], requires_grad=True, device=dev)
        loss = (w.cpu() ** 2).sum()               # the loss on the CPU, the leaf on the GPU
        loss.backward()
        return w.grad, loss
    g, loss = run_dev(body)
    assert g.is_cuda and loss.device.type == 'cpu'


@needs_cuda
def test_backward_seed_and_gradient_device():
    x = ember.tensor([1., 2.], device='cuda', requires_grad=True)
    (x * 2).sum().backward()                      # the implicit seed: ones on the output's device
    assert x.grad.is_cuda and x.grad.tolist() == [2., 2.]
    with pytest.raises(RuntimeError, match=re.escape('invalid gradient at index 0 - expected device cuda:0 but '
                                                     'got cpu')):
        (x * 2).sum().backward(ember.tensor(1.))
    x.grad = None
    (x * 2).backward(ember.ones(2, device='cuda'))
    assert x.grad.tolist() == [2., 2.]
    gx, = ember.autograd.grad((x ** 3).sum(), x, create_graph=True)
    gx.sum().backward()
    assert gx.is_cuda and x.grad.is_cuda


# ---------------------------------------------------------------- printing
def _with_device(s):
    """torch's CPU repr with ``device='cuda:0'`` where torch puts it (first of the suffixes)."""
    m = re.search(r"(, (size|dtype|requires_grad|grad_fn)=.*)?\)$", s, re.S)
    return s[:m.start()] + ", device='cuda:0'" + s[m.start():]


@needs_cuda
@pytest.mark.parametrize('make', [
    lambda lib, d: lib.tensor([1., 2.5], device=d), lambda lib, d: lib.tensor(3., device=d),
    lambda lib, d: lib.tensor([], device=d), lambda lib, d: lib.tensor([1, 2], device=d),
    lambda lib, d: lib.tensor([1., 2.], dtype=lib.float64, device=d),
    lambda lib, d: lib.tensor([True, False], device=d), lambda lib, d: lib.arange(2000., device=d).view(40, 50) / 3,
    lambda lib, d: lib.tensor([1e-8, 1e8], device=d), lambda lib, d: lib.tensor([1., 2.], requires_grad=True, device=d),
    lambda lib, d: lib.tensor([1., 2.], requires_grad=True, device=d) * 2,
    lambda lib, d: lib.tensor([[1, 2]], dtype=lib.int8, device=d), lambda lib, d: lib.zeros(2, 0, 3, device=d),
    lambda lib, d: lib.tensor([float('nan'), float('inf'), -1.], device=d),
    lambda lib, d: lib.zeros(0, dtype=lib.int32, device=d),
], ids=['float', '0d', 'empty', 'int', 'float64', 'bool', 'summarized', 'sci', 'requires_grad', 'grad_fn', 'int8',
        'empty_2d', 'nonfinite', 'empty_int32'])
def test_repr_of_cuda_tensor(make):
    want = make(torch, 'cuda' if TORCH_CUDA else 'cpu')
    want = repr(want) if TORCH_CUDA else _with_device(repr(want))
    g = make(ember, 'cuda')
    assert repr(g) == want
    assert str(g) == want


@needs_cuda
def test_repr_examples():
    assert repr(ember.tensor([1., 2.], device='cuda')) == "tensor([1., 2.], device='cuda:0')"
    assert repr(ember.tensor([1., 2.], device='cuda', dtype=ember.float64)) == \
        "tensor([1., 2.], device='cuda:0', dtype=torch.float64)"
    assert repr(ember.tensor(1., device='cuda', requires_grad=True)) == \
        "tensor(1., device='cuda:0', requires_grad=True)"
    assert f'{ember.tensor(2.5, device="cuda"):.2f}' == '2.50'


# ---------------------------------------------------------------- host conversions
@needs_cuda
def test_numpy_of_cuda_tensor_raises_like_torch():
    g = ember.tensor([1., 2.], device='cuda')
    msg = "can't convert cuda:0 device type tensor to numpy. Use Tensor.cpu() to copy the tensor to host memory first."
    with pytest.raises(TypeError) as e:
        g.numpy()
    assert str(e.value) == msg
    with pytest.raises(TypeError):
        np.asarray(g)
    assert g.cpu().numpy().tolist() == [1., 2.]
    assert g.numpy(force=True).tolist() == [1., 2.]


@needs_cuda
def test_python_conversions_of_cuda_tensors():
    def body(lib, dev):
        g = lib.tensor([[1.5, -2.], [0., 4.]], device=dev)
        return (g.tolist(), g[0, 0].item(), float(g[1, 1]), int(g[0, 1]), bool(g[1, 0]), 4. in g, 5. in g,
                g.sum().item(), [v.item() for v in g[0]], len(g), g.argmax().item(), g.max().item(),
                complex(g[0, 0]), g.to(lib.int64)[1, 1].__index__())
    run_dev(body)
    with pytest.raises(RuntimeError, match='Boolean value of Tensor with more than one value is ambiguous'):
        bool(ember.ones(2, device='cuda'))


@needs_cuda
def test_storage_queries_of_cuda_views():
    g = ember.arange(12., device='cuda')
    v = g[3:]
    w = g.view(3, 4)[1]
    assert g.data_ptr() != 0 and v.data_ptr() == g.data_ptr() + 3 * 4
    assert v.storage_offset() == 3 and w.storage_offset() == 4 and g.storage_offset() == 0
    assert v.untyped_storage().data_ptr() == g.untyped_storage().data_ptr() == g.data_ptr()
    assert g.untyped_storage().nbytes() == 48
    assert ember.empty(0, device='cuda').data_ptr() == 0
    c = g.to('cuda', copy=True)
    assert c.untyped_storage().data_ptr() != g.untyped_storage().data_ptr()


@needs_cuda
def test_cuda_ops_values_match_torch():
    def body(lib, dev):
        x = lib.tensor([[3., 1., 2., 4.], [0., -1., 5., 6.]], device=dev)   # no ties: CUDA sorts are not stable
        i = lib.tensor([[0, 1, 0, 1], [1, 1, 1, 0]], device=dev)
        s = lib.tensor([[2., 3., 4., 5.], [6., 7., 8., 9.]], device=dev)
        return (x.sort(), x.sort(descending=True), x.topk(2), x.kthvalue(2), x.argsort(), x.median(1), x.mode(1),
                x.unique(return_inverse=True, return_counts=True), x.cummax(1), x.quantile(0.3, dim=1),
                x.scatter_reduce(0, i, s, 'prod'), x.scatter_reduce(0, i, s, 'amax', include_self=False),
                x.scatter_add(0, i, s), x.index_add(1, lib.tensor([0, 0], device=dev), s[:, :2]),
                x.diag_embed(), x[0].diag(), x.tril(), x.trace(), x.flip(1), x.roll(1, 1), x.repeat_interleave(2, 0),
                lib.searchsorted(lib.tensor([1., 2., 3.], device=dev), x), x.nonzero(), x.count_nonzero(),
                lib.tril_indices(3, 3, device=dev), x.unique_consecutive(), x.t().contiguous().view(-1),
                x.expand(2, 2, 4).sum(0), x[:, None, 1:].squeeze(1), x.masked_select(x > 1),
                lib.linalg.inv(x[:, :2] + 2 * lib.eye(2, device=dev)), lib.linalg.det(x[:, 2:]),
                lib.linalg.solve(x[:, 1:3] + 3 * lib.eye(2, device=dev), s[:, 0]))
    run_dev(body)
