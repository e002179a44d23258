"""The seed's autograd behaviours S11-S20 (/work/shared/seed/SPEC.md), each run with torch and
with ember and compared (values, dtypes, requires_grad, grad_fn names, errors, warnings)."""
import re
import warnings

import pytest

import conformance
from conformance import run_both, torch
import ember

NONLEAF_GRAD_WARNING = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute won't be "
    "populated during autograd.backward(). If you indeed want the .grad field to be populated for a non-leaf "
    "Tensor, use .retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor by mistake, make sure "
    "you access the leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 for more information.")


def _strip(msg):
    """torch appends where in its C++ sources a warning was raised; that part is not compared."""
    return re.sub(r' \(Triggered internally at [^)]*\)\.?$', '', msg)


def caught(fn):
    """(fn()'s result, [(category, message, filename)] of the warnings it raised)."""
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter('always')
        r = fn()
    return r, [(x.category.__name__, _strip(str(x.message)), x.filename) for x in w]


def node_name(t):
    return None if t.grad_fn is None else type(t.grad_fn).__name__


# ---------------------------------------------------------------- S11 define-by-run
def test_seed_S11_define_by_run_new_graph_each_iteration():
    """Each iteration records a fresh DAG of exactly the ops that ran (control flow decides)."""
    def body(lib):
        x = lib.tensor([1., 2., 3.], requires_grad=True)
        names, grads, fresh = [], [], []
        prev = None
        for i in range(4):
            y = x * 2 if i % 2 == 0 else (x + 1).exp()
            if i == 3:
                y = y.sin()
            names.append([node_name(y)] + [type(n).__name__ for n, _ in y.grad_fn.next_functions if n is not None])
            fresh.append(prev is None or y.grad_fn is not prev)
            prev = y.grad_fn
            y.backward(lib.ones(3))
            grads.append(x.grad.clone())
            x.grad = None
        return names, grads, fresh
    t, e = run_both(body)
    assert t[0] == [['MulBackward0', 'AccumulateGrad'], ['ExpBackward0', 'AddBackward0'],
                    ['MulBackward0', 'AccumulateGrad'], ['SinBackward0', 'ExpBackward0']]


def test_seed_S11_graph_is_a_dag_reaching_the_leaves():
    def body(lib):
        a = lib.tensor([10.], requires_grad=True)
        b = lib.tensor([20.], requires_grad=True)
        F = a * b
        G = F * 2
        (f_node, _), (none, nr) = G.grad_fn.next_functions
        leaves = [type(n).__name__ for n, _ in f_node.next_functions]
        return (node_name(G), f_node is F.grad_fn, none, nr, leaves,
                f_node.next_functions[0][0].variable is a, f_node.next_functions[1][0].variable is b)
    t, _ = run_both(body)
    assert t == ('MulBackward0', True, None, 0, ['AccumulateGrad', 'AccumulateGrad'], True, True)


# ---------------------------------------------------------------- S12 the leaf table
def test_seed_S12_leaf_table():
    """requires_grad / grad_fn / is_leaf / grad for the seed's four cases, after backward."""
    def body(lib):
        user_rg = lib.tensor([10.], requires_grad=True)          # needs grad, made by the user
        calc_rg = user_rg * 2                                     # needs grad, result of an op
        user_no = lib.tensor([10.])                               # no grad, made by the user
        calc_no = user_no * 2                                     # no grad, result of an op
        calc_rg.backward()
        rows = []
        for t in (user_rg, calc_rg, user_no, calc_no):
            g, w = caught(lambda: t.grad)
            rows.append((t.requires_grad, node_name(t), t.is_leaf, g, [m for _, m, _ in w]))
        return rows
    t, e = run_both(body)
    assert [r[:3] for r in t] == [(True, None, True), (True, 'MulBackward0', False), (False, None, True),
                                  (False, None, True)]
    assert e[0][3] is not None and e[1][3] is None and e[2][3] is None and e[3][3] is None
    assert e[1][4] == [NONLEAF_GRAD_WARNING] and e[0][4] == e[2][4] == e[3][4] == []


def test_seed_S12_grad_fn_repr_and_printed_forms():
    user_created = ember.tensor([10.], requires_grad=True)
    calculated = user_created * 2
    assert user_created.grad_fn is None
    assert re.fullmatch(r'<MulBackward0 object at 0x[0-9a-f]+>', repr(calculated.grad_fn))
    assert str(calculated.grad_fn) == repr(calculated.grad_fn)
    assert repr(calculated) == repr(torch.tensor([10.], requires_grad=True) * 2) == \
        'tensor([20.], grad_fn=<MulBackward0>)'
    calculated.backward()
    assert repr(user_created.grad) == 'tensor([2.])'
    assert (user_created.is_leaf, calculated.is_leaf) == (True, False)


# ---------------------------------------------------------------- S13 .grad after backward; the warning
def test_seed_S13_nonleaf_grad_warning():
    def body(lib):
        x = lib.tensor([10.], requires_grad=True)
        y = x * 2
        y.backward()
        return caught(lambda: (x.grad, y.grad))
    (tv, tw), (ev, ew) = run_both(body)
    assert ev[1] is None
    assert ew == tw, f'ember warned {ew}, torch {tw}'
    assert ew == [('UserWarning', NONLEAF_GRAD_WARNING, __file__)]     # pointing at the line that read .grad


def test_seed_S13_leaf_grad_and_no_grad_leaves_have_none():
    def body(lib):
        x = lib.tensor([1., 2.], requires_grad=True)
        c = lib.tensor([3., 4.])
        (x * c).sum().backward()
        return caught(lambda: (x.grad, c.grad))
    (tv, tw), (ev, ew) = run_both(body)
    assert ew == tw == [] and ev[1] is None


# ---------------------------------------------------------------- S14 requires_grad, contagious, freezing
def test_seed_S14_three_ways_to_require_grad():
    def body(lib):
        lib.manual_seed(0)
        t1 = lib.randn((3, 3), requires_grad=True)
        t2 = lib.randn((3, 3))
        before = t2.requires_grad
        t2.requires_grad = True
        t3 = lib.randn((3, 3))
        r = t3.requires_grad_(True)
        t4 = lib.randn(2)
        t4.requires_grad_()
        return (t1.requires_grad, before, t2.requires_grad, t3.requires_grad, r is t3, t4.requires_grad,
                t1.is_leaf, t2.is_leaf, t3.is_leaf, t3.requires_grad_(False).requires_grad)
    run_both(body)


def test_seed_S14_requires_grad_is_contagious():
    def body(lib):
        lib.manual_seed(0)
        t1 = lib.randn((3, 3))
        t2 = lib.randn((3, 3))
        t1.requires_grad = True
        t3 = t1 @ t2
        t4 = t2 * 2 + t2.exp()
        return (t3.requires_grad, node_name(t3), t3.is_leaf, t4.requires_grad, node_name(t4), t4.is_leaf,
                (t4 + t3).requires_grad, (t2 - t1).requires_grad, lib.where(t2 > 0, t1, t2).requires_grad)
    run_both(body)


def test_seed_S14_layer_freezing():
    """b.requires_grad False: b's branch is frozen (no grad), a still trains."""
    def body(lib):
        x = lib.tensor([[1., 2.], [3., 4.]])
        a = lib.tensor([[0.5, -1.], [2., 0.25]], requires_grad=True)
        b = lib.tensor([[1., 1.], [-1., 2.]], requires_grad=True)
        b.requires_grad = False
        h = (x * a).relu()
        out = (h * b).sum()
        out.backward()
        return out, a.grad, b.grad, b.requires_grad, (h * b).requires_grad, node_name(h * b)
    run_both(body)


def test_seed_S14_integer_tensors_cannot_require_grad():
    run_both(lambda lib: lib.tensor([1, 2]).requires_grad_(), match='floating point')
    run_both(lambda lib: setattr(lib.tensor([1, 2]), 'requires_grad', True), match='floating point')
    run_both(lambda lib: lib.tensor([1, 2], requires_grad=True), match='floating point')


# ---------------------------------------------------------------- S15 no_grad
def test_seed_S15_no_grad_records_nothing():
    def body(lib):
        w = lib.tensor([1., -2.], requires_grad=True)
        x = lib.tensor([3., 4.])
        with lib.no_grad():
            y = (w * x).exp() + w
            inside = lib.is_grad_enabled()
        z = w * x
        return (y, y.requires_grad, node_name(y), y.is_leaf, inside, lib.is_grad_enabled(), z.requires_grad,
                node_name(z))
    run_both(body)


def test_seed_S15_no_grad_inference_then_training_continues():
    def body(lib):
        w = lib.tensor([0.5, 1.5], requires_grad=True)
        with lib.no_grad():
            pred = (w * 3).sum()
        loss = (w * w).sum()
        loss.backward()
        return pred, pred.requires_grad, w.grad, w.requires_grad
    run_both(body)


def test_seed_S15_no_grad_restores_state_after_exception():
    def body(lib):
        try:
            with lib.no_grad():
                raise KeyError('x')
        except KeyError:
            pass
        return lib.is_grad_enabled()
    run_both(body)


# ---------------------------------------------------------------- S16 non-scalar backward
def test_seed_S16_nonscalar_backward_raises():
    def body(lib):
        a = lib.tensor([10., 1.], requires_grad=True)
        G = a * 2
        G.backward()
    run_both(body, match=r'^grad can be implicitly created only for scalar outputs$')


def test_seed_S16_vector_jacobian_product():
    def body(lib):
        a = lib.tensor([10., 1., -2.], requires_grad=True)
        b = lib.tensor([20., 3., 0.5], requires_grad=True)
        F = a * b
        G = F * 2
        G.backward(lib.ones(G.shape))
        ga, gb = a.grad.clone(), b.grad.clone()
        a.grad = b.grad = None
        H = (a * b).exp() * a
        v = lib.tensor([1., -1., 0.5])
        H.backward(v)
        return ga, gb, a.grad, b.grad
    run_both(body)


# ---------------------------------------------------------------- S17 the worked example
def test_seed_S17_worked_example():
    def body(lib):
        a = lib.tensor([10.], requires_grad=True)
        b = lib.tensor([20.], requires_grad=True)
        F = a * b
        G = F * 2
        G.backward()
        fgrad, w = caught(lambda: F.grad)
        return a.grad, b.grad, fgrad, w, node_name(F), node_name(G), G
    t, e = run_both(body)
    a_grad, b_grad, f_grad, w, fname, gname, G = e
    assert a_grad.tolist() == [40.] and b_grad.tolist() == [20.] and f_grad is None
    assert w == t[3] == [('UserWarning', NONLEAF_GRAD_WARNING, __file__)]
    assert fname == 'MulBackward0'


def test_seed_S17_printed_output():
    a = ember.tensor([10.], requires_grad=True)
    b = ember.tensor([20.], requires_grad=True)
    F = a * b
    G = F * 2
    G.backward()
    assert str(a.grad) == 'tensor([40.])' and str(b.grad) == 'tensor([20.])'
    with pytest.warns(UserWarning, match=re.escape(NONLEAF_GRAD_WARNING)):
        assert F.grad is None
    assert re.fullmatch(r'<MulBackward0 object at 0x[0-9a-f]+>', str(F.grad_fn))


# ---------------------------------------------------------------- S18 retain_grad
def test_seed_S18_retain_grad():
    def body(lib):
        a = lib.tensor([10.], requires_grad=True)
        b = lib.tensor([20.], requires_grad=True)
        F = a * b
        G = F * 2
        F.retain_grad()
        G.backward()
        fg, w = caught(lambda: F.grad)
        gg, w2 = caught(lambda: G.grad)
        return fg, w, gg, [m for _, m, _ in w2], F.retains_grad, G.retains_grad, a.retains_grad, a.grad, b.grad
    t, e = run_both(body)
    # (on the cuda axis the printed tensor names its device, as torch's does)
    printed = 'tensor([2.])' if conformance.DEVICE[0] == 'cpu' else "tensor([2.], device='cuda:0')"
    assert e[0].tolist() == [2.] and e[1] == [] and str(e[0]) == printed


def test_seed_S18_retain_grad_accumulates_and_leaf_is_noop():
    def body(lib):
        a = lib.tensor([10.], requires_grad=True)
        F = a * 3
        F.retain_grad()
        F.retain_grad()                 # twice: still one gradient per backward
        a.retain_grad()                 # on a leaf: nothing to do
        G = F * F
        G.backward(retain_graph=True)
        first = F.grad.clone()
        G.backward()
        return first, F.grad, a.grad, F.grad.requires_grad, F.grad.is_leaf
    run_both(body)


# ---------------------------------------------------------------- S19 the GPU case
def test_seed_S19_to_cuda_on_a_cpu_build_raises_like_torch():
    """What a CPU-only run can observe: moving to 'cuda' raises as torch's CPU build does."""
    if ember.cuda.is_available():
        pytest.skip('a GPU is present: the CPU-build behaviour does not apply')
    assert not torch.cuda.is_available()

    def body(lib):
        a = lib.tensor([10.], requires_grad=True)
        return lib.cuda.is_available(), a.to('cpu') is a, a.to('cpu').is_leaf
    run_both(body)
    for f in (lambda lib: lib.tensor([10.], requires_grad=True).to('cuda'),
              lambda lib: lib.tensor([10.], requires_grad=True).cuda(),
              lambda lib: lib.tensor([10.], requires_grad=True).to(device='cuda'),
              lambda lib: lib.tensor([10.], requires_grad=True, device='cuda')):
        run_both(f, match='Torch not compiled with CUDA enabled')
    with pytest.raises(AssertionError, match='Torch not compiled with CUDA enabled'):
        ember.tensor([10.], requires_grad=True).to('cuda')


@pytest.mark.skipif(not ember.cuda.is_available(), reason='S19 needs a CUDA GPU (ember.cuda.is_available() is False)')
def test_seed_S19_gpu_case():
    # the seed's first listing: copies on the GPU are non-leaves, the CPU leaves get the gradients
    a = ember.tensor([10.], requires_grad=True)
    b = ember.tensor([20.], requires_grad=True)
    a_cuda = a.to('cuda')
    b_cuda = b.to('cuda')
    assert not a_cuda.is_leaf and a_cuda.is_cuda and a_cuda.grad_fn is not None
    F = a_cuda * b_cuda
    G = F * 2
    G.backward()
    assert str(a.grad) == 'tensor([40.])' and str(b.grad) == 'tensor([20.])'
    assert a.grad.device.type == 'cpu'
    for t in (a_cuda, b_cuda):
        with pytest.warns(UserWarning, match=re.escape(NONLEAF_GRAD_WARNING)):
            assert t.grad is None
    # the second listing: leaves made on the GPU get their gradients there
    a_cuda = ember.tensor([10.], requires_grad=True, device='cuda')
    b_cuda = ember.tensor([20.], requires_grad=True, device='cuda')
    assert a_cuda.is_leaf
    F = a_cuda * b_cuda
    G = F * 2
    G.backward()
    assert str(a_cuda.grad) == "tensor([40.], device='cuda:0')"
    assert str(b_cuda.grad) == "tensor([20.], device='cuda:0')"


# ---------------------------------------------------------------- S20 accumulation
def test_seed_S20_gradients_accumulate_until_zeroed():
    def body(lib):
        a = lib.tensor([10.], requires_grad=True)
        b = lib.tensor([20.], requires_grad=True)
        seen = []
        for _ in range(3):
            G = (a * b) * 2
            G.backward()
            seen.append((a.grad.clone(), b.grad.clone()))
        grad_obj = a.grad
        a.grad.zero_()
        zeroed = a.grad.clone()
        (a * b * 2).backward()
        same_obj = a.grad is grad_obj          # accumulation is in place into the same tensor
        b.grad = None
        (a * b * 2).backward()
        return seen, zeroed, a.grad, b.grad, same_obj
    run_both(body)


def test_seed_S20_accumulation_with_retained_graph():
    def body(lib):
        x = lib.tensor([1., 2.], requires_grad=True)
        y = (x * x).sum()
        y.backward(retain_graph=True)
        g1 = x.grad.clone()
        y.backward(retain_graph=True)
        g2 = x.grad.clone()
        y.backward()
        return g1, g2, x.grad
    run_both(body)
