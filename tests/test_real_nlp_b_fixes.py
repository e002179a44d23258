"""Conformance tests for the differences found by the NLP scripts of tests/scripts/real_nlp_b/
(tests/test_real_nlp_b_scripts.py)."""
import pytest


@pytest.mark.parametrize('largest', [True, False])
@pytest.mark.parametrize('n,k', [(268, 5), (268, 3), (40, 1), (20, 7), (300, 2), (1000, 15)])
def test_topk_orders_ties_as_torch_cpu_kernel(both, n, k, largest):
    # BPE token counts: hist.topk(5) over bincount output with tied counts; torch's CPU kernel uses
    # nth_element (+ std::sort) or, for k * 64 <= n, partial_sort, neither stable
    def body(lib):
        g = lib.Generator().manual_seed(n + k)
        x = lib.randint(0, 4, (3, n), generator=g)
        xf = x.float()
        xf[0, :3] = float('nan')
        return (x.topk(k, largest=largest), xf.topk(k, largest=largest), x.t().double().topk(k, dim=0, largest=largest))
    both(body)


@pytest.mark.parametrize('kw', [{}, {'label_smoothing': 0.1}, {'weight': 'w'}])
def test_cross_entropy_probability_targets_grad_fn(both, kw):
    # soft-label / distillation losses print the loss: torch divides by the integer count (DivBackward1)
    def body(lib):
        g = lib.Generator().manual_seed(0)
        x = lib.randn(6, 5, generator=g, requires_grad=True)
        p = lib.softmax(lib.randn(6, 5, generator=g), 1)
        args = {k: (lib.arange(1., 6.) if v == 'w' else v) for k, v in kw.items()}
        out = lib.nn.functional.cross_entropy(x, p, **args)
        out.backward()
        return out, type(out.grad_fn).__name__, x.grad
    both(body)


@pytest.mark.parametrize('n', [10, 17, 100, 700])
def test_sort_unstable_orders_ties_as_std_sort(both, n):
    # torch.sort / argsort with stable=False (the default) on the CPU is std::sort: ties past 16
    # elements come out in its order (word counts sorted for a vocabulary, beam candidates)
    def body(lib):
        g = lib.Generator().manual_seed(n)
        x = lib.randint(0, 4, (2, n), generator=g)
        f = x.float()
        f[1, :2] = float('nan')
        return (lib.sort(x), lib.sort(f, descending=True), lib.argsort(x.t(), dim=0, descending=True),
                x.sort(stable=True), lib.argsort(f, stable=True, descending=True), lib.msort(x.t()))
    both(body)


@pytest.mark.parametrize('n', [5, 10, 33, 300])
def test_kthvalue_median_mode_tie_indices(both, n):
    # kthvalue: TH's quickselect; mode: the last of its run after std::sort
    def body(lib):
        g = lib.Generator().manual_seed(n)
        x = lib.randint(0, 3, (3, n), generator=g)
        f = x.double()
        f[2, 1] = float('nan')
        return (lib.kthvalue(x, (n + 1) // 2), lib.kthvalue(f, 1, dim=1, keepdim=True), x.t().kthvalue(2, dim=0),
                lib.median(x, 1), lib.mode(x, 1), lib.mode(x.float().t(), 0, keepdim=True))
    both(body)


def test_unique_keeps_each_nan_apart(both):
    def body(lib):
        f = lib.tensor([[1., float('nan'), 2., float('nan'), 1., float('nan')]])
        return (lib.unique(f, return_inverse=True, return_counts=True), lib.unique(f.double(), sorted=False),
                lib.unique(lib.full((3,), float('nan'))))
    both(body)


@pytest.mark.parametrize('n,k', [(50, 5), (20, 20), (1000, 4), (130, 3)])
def test_topk_sorted_false_order(both, n, k):
    # topk(sorted=False) leaves nth_element's order (k * 64 > n), partial_sort's otherwise
    def body(lib):
        g = lib.Generator().manual_seed(n)
        x = lib.randn(3, n, generator=g)
        return x.topk(k, sorted=False), x.topk(k, dim=1, largest=False, sorted=False)
    both(body)
