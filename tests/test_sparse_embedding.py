"""Sparse embedding gradients against torch: ``nn.Embedding(sparse=True)``, ``F.embedding(sparse=True)``
and ``nn.EmbeddingBag(sparse=True)`` give ``weight.grad`` as a sparse COO tensor (the looked-up rows,
repeats kept, uncoalesced; values the output's gradient rows). Its parts, printed form and
accumulation over backwards; padding_idx and scale_grad_by_freq; the optimizers that take sparse
gradients (SparseAdam, SGD, Adagrad: trained step by step from the same NumPy weights, state_dict
round trips) and those that refuse them; zero_grad and gradient clipping.

Bodies return the uncoalesced ``_indices()``/``_values()`` themselves, plus ``to_dense()`` and the
coalesced parts, since the harness compares strided tensors."""
import re
import warnings

import numpy as np
import pytest

import conformance
from conformance import run_both  # noqa: F401  (its name puts this module on the device axis)

warnings.filterwarnings('ignore', message='Sparse invariant checks')
warnings.filterwarnings('ignore', message='Using backward\\(\\) with create_graph=True')

N, D = 10, 3
RNG = np.random.default_rng(7)
W0 = RNG.standard_normal((N, D)).astype(np.float32)


def _parts(g):
    """Everything that describes a sparse gradient."""
    c = g.coalesce()
    return (g._indices(), g._values(), g.is_coalesced(), g._nnz(), tuple(g.shape), g.dtype, g.is_sparse,
            str(g.layout), g.requires_grad, g.grad_fn is None, g.to_dense(), c.indices(), c.values(),
            c.is_coalesced())


def _repr(t):
    """The printed form, compared on the CPU axis (on the cuda one, torch may be running on the CPU
    in place of a GPU it does not have, and prints no device)."""
    return repr(t) if conformance.DEVICE[0] == 'cpu' else None


def _weight(lib, w=W0, dtype=None):
    return lib.nn.Parameter(lib.tensor(w, dtype=dtype))


def _emb(lib, **kw):
    e = lib.nn.Embedding(N, D, sparse=True, **kw)
    with lib.no_grad():
        e.weight.copy_(lib.tensor(W0))
        if kw.get('padding_idx') is not None:
            e.weight[kw['padding_idx']] = 0
    return e


IDX2 = [[1, 2, 1], [4, 0, 1]]
UP = np.arange(18, dtype=np.float32).reshape(2, 3, 3) / 7


# ---------------------------------------------------------------- the gradient itself
def test_grad_parts_and_repr(both):
    def body(lib):
        e = _emb(lib)
        (e(lib.tensor(IDX2)) * lib.tensor(UP)).sum().backward()
        return _parts(e.weight.grad) + (_repr(e.weight.grad), str(e.weight.grad) == repr(e.weight.grad))
    both(body)


@pytest.mark.parametrize('idx_dtype', ['int64', 'int32'])
@pytest.mark.parametrize('w_dtype', ['float32', 'float64'])
def test_functional_grad_dtypes(both, idx_dtype, w_dtype):
    def body(lib):
        w = _weight(lib, dtype=getattr(lib, w_dtype))
        out = lib.nn.functional.embedding(lib.tensor([[3], [7], [3]], dtype=getattr(lib, idx_dtype)), w,
                                          sparse=True)
        out.sum().backward()
        return _parts(w.grad) + (_repr(w.grad), out)
    both(body)


@pytest.mark.parametrize('idx', [[5], [], [2, 2]])
def test_grad_small_and_empty(both, idx):
    def body(lib):
        e = _emb(lib)
        e(lib.tensor(idx, dtype=lib.int64)).sum().backward()
        return _parts(e.weight.grad) + (_repr(e.weight.grad),)
    both(body)


def test_grad_matches_dense_embedding(both):
    """The sparse gradient's dense form is the dense gradient of sparse=False."""
    def body(lib):
        ws, wd = _weight(lib), _weight(lib)
        i = lib.tensor(RNG_IDX)
        (lib.nn.functional.embedding(i, ws, sparse=True) * lib.tensor(UP2)).sum().backward()
        (lib.nn.functional.embedding(i, wd) * lib.tensor(UP2)).sum().backward()
        return ws.grad.to_dense(), wd.grad, ws.grad.to_dense() - wd.grad
    both(body)


RNG_IDX = RNG.integers(0, N, size=(4, 6))
UP2 = RNG.standard_normal((4, 6, D)).astype(np.float32)


def test_autograd_grad_and_hooks(both):
    def body(lib):
        w = _weight(lib)
        seen = []
        w.register_hook(lambda g: seen.append((g.is_sparse, g._nnz())))
        g, = lib.autograd.grad(lib.nn.functional.embedding(lib.tensor([4, 1, 4]), w, sparse=True).sum(), w)
        lib.nn.functional.embedding(lib.tensor([0, 9]), w, sparse=True).sum().backward()
        return _parts(g), _parts(w.grad), seen
    both(body)


# ---------------------------------------------------------------- accumulation
def test_accumulate_two_backwards_expanded(both):
    """An upstream gradient expanded from ``sum()`` has non-contiguous values: torch concatenates."""
    def body(lib):
        e = _emb(lib)
        e(lib.tensor(IDX2)).sum().backward()
        g = e.weight.grad
        e(lib.tensor([3, 1])).sum().backward()
        return _parts(e.weight.grad), e.weight.grad is g
    both(body)


def test_accumulate_two_backwards_contiguous(both):
    """Contiguous values on both sides: torch's merge of the two entry lists."""
    def body(lib):
        e = _emb(lib)
        (e(lib.tensor([3, 1, 5, 0, 1])) * lib.tensor(UP2[0, :5])).sum().backward()
        (e(lib.tensor([4, 1])) * lib.tensor(UP2[1, :2])).sum().backward()
        first = _parts(e.weight.grad)
        e(lib.tensor([4, 2])).sum().backward()           # then an expanded one: concatenated
        return first, _parts(e.weight.grad)
    both(body)


def test_accumulate_into_coalesced_grad(both):
    def body(lib):
        e = _emb(lib)
        e(lib.tensor([3, 1, 5, 1])).sum().backward()
        e.weight.grad = e.weight.grad.coalesce()
        e(lib.tensor([4, 2])).sum().backward()
        return _parts(e.weight.grad)
    both(body)


def test_accumulate_two_lookups_one_backward(both):
    """Two lookups of one table in one graph: the sum of both (the order of the entries follows
    the engine's order of nodes, so compare the coalesced and dense forms)."""
    def body(lib):
        w = _weight(lib)
        F = lib.nn.functional
        (F.embedding(lib.tensor([3, 1, 5]), w, sparse=True).sum() +
         F.embedding(lib.tensor([4, 1]), w, sparse=True).sum() * 2).backward()
        c = w.grad.coalesce()
        return w.grad.to_dense(), c.indices(), c.values(), w.grad._nnz(), w.grad.is_coalesced()
    both(body)


def test_accumulate_dense_and_sparse(both):
    def body(lib):
        F = lib.nn.functional
        w1, w2 = _weight(lib), _weight(lib)
        (w1 * 2).sum().backward()
        g1 = w1.grad
        F.embedding(lib.tensor([1, 1]), w1, sparse=True).sum().backward()
        F.embedding(lib.tensor([1, 4]), w2, sparse=True).sum().backward()
        (w2 * 2).sum().backward()
        return w1.grad, w1.grad.is_sparse, w1.grad is g1, w2.grad, w2.grad.is_sparse
    both(body)


def test_accumulate_create_graph(both):
    def body(lib):
        e = _emb(lib)
        e(lib.tensor([4, 1])).sum().backward(create_graph=True)
        e(lib.tensor([0, 1])).sum().backward(create_graph=True)
        return _parts(e.weight.grad)
    both(body)


# ---------------------------------------------------------------- padding_idx, scale_grad_by_freq
@pytest.mark.parametrize('pad', [1, -9, 0])
def test_padding_idx(both, pad):
    def body(lib):
        e = _emb(lib, padding_idx=pad)
        (e(lib.tensor([[1, 2, 1], [3, 0, 1]])) * lib.tensor(UP[:, :3] + 1)).sum().backward()
        return _parts(e.weight.grad), e.weight
    both(body)


def test_padding_idx_only(both):
    def body(lib):
        w = _weight(lib)
        lib.nn.functional.embedding(lib.tensor([2, 2]), w, padding_idx=2, sparse=True).sum().backward()
        first = _parts(w.grad)
        lib.nn.functional.embedding(lib.tensor([3, 3]), w, sparse=True).sum().backward()
        return first, _parts(w.grad)
    both(body)


def test_scale_grad_by_freq_refused(both):
    def body(lib):
        e = _emb(lib, scale_grad_by_freq=True)
        out = e(lib.tensor([1, 2, 1]))          # the forward is fine; the backward refuses
        out.sum().backward()
    both(body, match='^embedding_backward: scale_grad_by_freq not supported with sparse gradients$')


def test_scale_grad_by_freq_dense_still_works(both):
    def body(lib):
        w = _weight(lib)
        lib.nn.functional.embedding(lib.tensor([1, 2, 1]), w, scale_grad_by_freq=True).sum().backward()
        return w.grad, w.grad.is_sparse
    both(body)


def test_module_repr_and_flag(both):
    both(lambda lib: (repr(lib.nn.Embedding(N, D, sparse=True)), lib.nn.Embedding(N, D, sparse=True).sparse,
                      repr(lib.nn.EmbeddingBag(N, D, sparse=True))))


# ---------------------------------------------------------------- EmbeddingBag
BAG_IN = [1, 2, 1, 3, 7, 7, 0]
BAG_OFF = [0, 2, 5]


@pytest.mark.parametrize('mode', ['sum', 'mean'])
@pytest.mark.parametrize('pad', [None, 7])
def test_embedding_bag_sparse(both, mode, pad):
    def body(lib):
        b = lib.nn.EmbeddingBag.from_pretrained(lib.tensor(W0), freeze=False, mode=mode, sparse=True,
                                                padding_idx=pad)
        out = b(lib.tensor(BAG_IN), lib.tensor(BAG_OFF))
        (out * lib.tensor(UP2[0, :3])).sum().backward()
        return _parts(b.weight.grad), out, type(out.grad_fn).__name__
    both(body)


def test_embedding_bag_sparse_per_sample_weights_and_2d(both):
    def body(lib):
        b = lib.nn.EmbeddingBag.from_pretrained(lib.tensor(W0), freeze=False, mode='sum', sparse=True)
        psw = lib.tensor(np.linspace(0.5, 2, len(BAG_IN), dtype=np.float32))
        b(lib.tensor(BAG_IN), lib.tensor(BAG_OFF), per_sample_weights=psw).sum().backward()
        first = _parts(b.weight.grad)
        b2 = lib.nn.EmbeddingBag.from_pretrained(lib.tensor(W0), freeze=False, sparse=True)
        b2(lib.tensor([[1, 2], [1, 3]])).sum().backward()
        return first, _parts(b2.weight.grad)
    both(body)


def test_embedding_bag_sparse_refusals(both):
    both(lambda lib: lib.nn.EmbeddingBag(N, D, mode='max', sparse=True)(lib.tensor([[1, 2]])),
         match='^max mode does not support sparse weights$')

    def scaled(lib):
        b = lib.nn.EmbeddingBag(N, D, mode='sum', sparse=True, scale_grad_by_freq=True)
        b(lib.tensor([[1, 2, 1]])).sum().backward()
    both(scaled, match='scale_grad_by_freq not supported with sparse gradients')


# ---------------------------------------------------------------- optimizers: training loops
STEPS = 10
BATCH_IDX = RNG.integers(0, N, size=(STEPS, 8))           # repeats in every batch; rows 8, 9 often unused
TARGETS = RNG.standard_normal((STEPS, 8)).astype(np.float32)
LIN_W = RNG.standard_normal((1, D)).astype(np.float32)


def _train(lib, make_opt, steps=STEPS, with_linear=True, start=0, state=None, contiguous=True):
    """Embedding(sparse=True) (+ a dense Linear) trained on a fixed batch sequence; returns the
    parameters after every step. ``state``: an optimizer state_dict to load before the steps."""
    e = lib.nn.Embedding(N, D, sparse=True)
    lin = lib.nn.Linear(D, 1, bias=False)
    with lib.no_grad():
        e.weight.copy_(lib.tensor(W0))
        lin.weight.copy_(lib.tensor(LIN_W))
    params = list(e.parameters()) + (list(lin.parameters()) if with_linear else [])
    opt = make_opt(lib, params)
    out = []
    for t in range(start, start + steps):
        opt.zero_grad()
        h = e(lib.tensor(BATCH_IDX[t]))
        pred = lin(h).squeeze(1) if with_linear else h.sum(1)
        loss = ((pred - lib.tensor(TARGETS[t])) ** 2).mean()
        loss.backward()
        opt.step()
        out.append([p.detach().clone() for p in params])
    return out, opt, params


OPTS = {
    'SparseAdam': lambda lib, ps: lib.optim.SparseAdam(ps, lr=0.05),
    'SparseAdam-betas-maximize': lambda lib, ps: lib.optim.SparseAdam(ps, lr=0.01, betas=(0.8, 0.9), eps=1e-6,
                                                                      maximize=True),
    'SGD': lambda lib, ps: lib.optim.SGD(ps, lr=0.1),
    'SGD-momentum': lambda lib, ps: lib.optim.SGD(ps, lr=0.1, momentum=0.9),
    'SGD-dampening': lambda lib, ps: lib.optim.SGD(ps, lr=0.1, momentum=0.5, dampening=0.3),
    'SGD-nesterov': lambda lib, ps: lib.optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
    'SGD-maximize': lambda lib, ps: lib.optim.SGD(ps, lr=0.05, momentum=0.9, maximize=True),
    'Adagrad': lambda lib, ps: lib.optim.Adagrad(ps, lr=0.1),
    'Adagrad-decay-init': lambda lib, ps: lib.optim.Adagrad(ps, lr=0.1, lr_decay=0.05, initial_accumulator_value=0.2,
                                                            eps=1e-6),
    'Adagrad-maximize': lambda lib, ps: lib.optim.Adagrad(ps, lr=0.05, maximize=True),
    'SGD-foreach': lambda lib, ps: lib.optim.SGD(ps, lr=0.1, momentum=0.9, foreach=True),
    'Adagrad-foreach': lambda lib, ps: lib.optim.Adagrad(ps, lr=0.1, foreach=True),
}


@pytest.mark.parametrize('name', list(OPTS))
def test_training_loop_step_by_step(both, name):
    sparse_adam = name.startswith('SparseAdam')

    def body(lib):
        out, opt, params = _train(lib, OPTS[name], with_linear=not sparse_adam)
        return out
    both(body, rtol=2e-5, atol=2e-6)


def _state(lib, opt):
    """The state_dict with sparse tensors (SGD's momentum buffers) as their parts."""
    sd = opt.state_dict()
    st = {k: {n: (_parts(v) if getattr(v, 'is_sparse', False) else v) for n, v in s.items()}
          for k, s in sd['state'].items()}
    return st, sd['param_groups']


@pytest.mark.parametrize('name', ['SparseAdam', 'SGD-momentum', 'SGD-nesterov', 'Adagrad-decay-init'])
def test_state_dict_round_trip(both, name):
    """Five steps, state_dict into a fresh optimizer (and parameters), five more steps: the same as
    ten steps in one go."""
    sparse_adam = name.startswith('SparseAdam')

    def body(lib):
        full, opt_full, _ = _train(lib, OPTS[name], with_linear=not sparse_adam)
        first, opt, params = _train(lib, OPTS[name], steps=5, with_linear=not sparse_adam)
        sd = opt.state_dict()
        saved = [p.detach().clone() for p in params]

        def resume(lib2, ps):
            with lib.no_grad():
                for p, s in zip(ps, saved):
                    p.copy_(s)
            o = OPTS[name](lib2, ps)
            o.load_state_dict(sd)
            return o
        rest, opt2, _ = _train(lib, resume, steps=5, start=5, with_linear=not sparse_adam)
        return full[-1], rest[-1], _state(lib, opt2), _state(lib, opt_full)
    both(body, rtol=2e-5, atol=2e-6)


# ---------------------------------------------------------------- optimizers: refusals
REFUSED = {'Adam': 'Adam does not support sparse gradients, please consider SparseAdam instead',
           'AdamW': 'Adam does not support sparse gradients, please consider SparseAdam instead',
           'RMSprop': 'RMSprop does not support sparse gradients', 'Adadelta': 'Adadelta does not support sparse gradients',
           'Adamax': 'Adamax does not support sparse gradients', 'NAdam': 'NAdam does not support sparse gradients',
           'RAdam': 'RAdam does not support sparse gradients', 'ASGD': 'ASGD does not support sparse gradients',
           'Rprop': 'Rprop does not support sparse gradients', 'Adafactor': 'Adafactor does not support sparse gradients',
           'Muon': 'Muon does not support sparse gradients'}


def _refusal(lib, make):
    """Step an optimizer on a sparse gradient; return its message, the weight and the state after."""
    e = _emb(lib)
    opt = make(lib, e.parameters())
    e(lib.tensor([1, 2, 1])).sum().backward()
    try:
        opt.step()
    except RuntimeError as exc:
        return str(exc), e.weight, len(opt.state), _parts(e.weight.grad)
    return 'no error', e.weight


@pytest.mark.parametrize('name', list(REFUSED))
def test_refusing_optimizers(both, name):
    t, e = both(lambda lib: _refusal(lib, lambda lib, ps: getattr(lib.optim, name)(ps)))
    assert t[0] == REFUSED[name] and e[0] == REFUSED[name]


def test_refusal_raises_runtime_error(both):
    def body(lib):
        e = _emb(lib)
        opt = lib.optim.Adam(e.parameters())
        e(lib.tensor([1])).sum().backward()
        opt.step()
    both(body, match=re.escape(REFUSED['Adam']))


def test_refusal_of_subclass(both):
    def body(lib):
        class MyAdam(lib.optim.Adam):
            pass
        return _refusal(lib, lambda lib, ps: MyAdam(ps))
    both(body)


@pytest.mark.parametrize('make, msg', [
    (lambda lib, ps: lib.optim.SGD(ps, lr=0.1, weight_decay=0.01),
     'add(sparse, dense) is not supported. Use add(dense, sparse) instead.'),
    (lambda lib, ps: lib.optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.01, maximize=True),
     'add(sparse, dense) is not supported. Use add(dense, sparse) instead.'),
    (lambda lib, ps: lib.optim.Adagrad(ps, weight_decay=0.1), 'weight_decay option is not compatible with sparse '
                                                              'gradients'),
    (lambda lib, ps: lib.optim.SGD(ps, lr=0.1, fused=True), '`_fused_sgd` does not support sparse gradients'),
    (lambda lib, ps: lib.optim.Adagrad(ps, fused=True), '`fused` does not support sparse grad or complex param'),
])
def test_options_refused(both, make, msg):
    t, e = both(lambda lib: _refusal(lib, make))
    assert t[0] == msg and e[0] == msg


def test_sparse_adam_refuses_dense_grads(both):
    msg = 'SparseAdam does not support dense gradients, please consider Adam instead'

    def body(lib):
        w = _weight(lib)
        opt = lib.optim.SparseAdam([w])
        (w * 2).sum().backward()
        try:
            opt.step()
        except RuntimeError as exc:
            return str(exc), w, len(opt.state)
    t, e = both(body)
    assert t[0] == msg


@pytest.mark.parametrize('kw', [dict(lr=0.0), dict(lr=-1.0), dict(eps=0.0), dict(betas=(1.0, 0.9)),
                                dict(betas=(0.9, -0.1)), dict(lr='tensor2')])
def test_sparse_adam_constructor_errors(both, kw):
    def body(lib):
        k = dict(kw)
        if k.get('lr') == 'tensor2':
            k['lr'] = lib.tensor([0.1, 0.2])
        try:
            lib.optim.SparseAdam([_weight(lib)], **k)
        except ValueError as exc:
            return str(exc)
        return 'no error'
    t, e = both(body)
    assert t != 'no error'


def test_sparse_adam_refuses_sparse_and_complex_params(both):
    def body(lib):
        s = lib.sparse_coo_tensor(lib.tensor([[0, 1]]), lib.tensor([1., 2.]), (3,), requires_grad=True)
        msgs = []
        for params in ([_weight(lib), s], [{'params': [_weight(lib)]}, {'params': [lib.zeros(2, dtype=lib.complex64,
                                                                                             requires_grad=True)]}]):
            try:
                lib.optim.SparseAdam(params)
            except ValueError as exc:
                msgs.append(str(exc))
        return msgs
    t, e = both(body)
    assert len(t) == 2


def test_sparse_adam_defaults_and_repr(both):
    def body(lib):
        opt = lib.optim.SparseAdam([_weight(lib)], lr=0.01)
        return opt.defaults, repr(opt), opt.state_dict()['param_groups']
    both(body)


def test_sparse_adam_untouched_rows_and_state(both):
    """Rows no gradient names keep their values and zero moments; ``step`` is a Python int; an
    empty gradient still counts a step."""
    def body(lib):
        e = _emb(lib, padding_idx=2)
        opt = lib.optim.SparseAdam(e.parameters(), lr=0.1)
        e(lib.tensor([1, 5, 1])).sum().backward()
        opt.step()
        opt.zero_grad()
        e(lib.tensor([2])).sum().backward()          # only the padding row: nnz 0
        opt.step()
        st = opt.state[e.weight]
        return e.weight, st['step'], type(st['step']).__name__, st['exp_avg'], st['exp_avg_sq']
    both(body)


# ---------------------------------------------------------------- zero_grad, to_dense, coalesce, clipping
def test_zero_grad_set_to_none_false(both):
    def body(lib):
        e = _emb(lib)
        opt = lib.optim.SGD(e.parameters(), lr=0.1)
        e(lib.tensor([3, 1, 3])).sum().backward()
        g = e.weight.grad
        opt.zero_grad(set_to_none=False)
        zeroed = _parts(e.weight.grad) + (e.weight.grad is g, _repr(e.weight.grad))
        e(lib.tensor([4, 1])).sum().backward()
        after = _parts(e.weight.grad) + (e.weight.grad is g,)
        opt.step()
        opt.zero_grad()
        return zeroed, after, e.weight, e.weight.grad is None
    both(body)


def test_grad_zero_method(both):
    def body(lib):
        e = _emb(lib)
        e(lib.tensor([3, 1, 3])).sum().backward()
        r = e.weight.grad.zero_()
        return _parts(e.weight.grad), r is e.weight.grad
    both(body)


def test_to_dense_and_coalesce_of_grad(both):
    def body(lib):
        e = _emb(lib)
        (e(lib.tensor(RNG_IDX)) * lib.tensor(UP2)).sum().backward()
        c = e.weight.grad.coalesce()
        return e.weight.grad.to_dense(), c.indices(), c.values(), c.is_coalesced(), c._nnz(), \
            e.weight.grad.is_coalesced(), e.weight.detach() + e.weight.grad
    both(body)


@pytest.mark.parametrize('call', [
    lambda lib, ps: lib.nn.utils.clip_grad_norm_(ps, 1.0),
    lambda lib, ps: lib.nn.utils.clip_grad_norm_(ps, 1.0, foreach=False),
    lambda lib, ps: lib.nn.utils.clip_grad_norm_(ps, 1.0, norm_type='inf'),
    lambda lib, ps: lib.nn.utils.get_total_norm([p.grad for p in ps]),
    lambda lib, ps: lib.nn.utils.clip_grad_value_(ps, 0.5),
    lambda lib, ps: lib.nn.utils.clip_grad_value_(ps, 0.5, foreach=False),
])
def test_clipping_refuses_sparse_grads(both, call):
    def body(lib):
        e = _emb(lib)
        lin = lib.nn.Linear(D, 1, bias=False)
        with lib.no_grad():
            lin.weight.copy_(lib.tensor(LIN_W))
        lin(e(lib.tensor([1, 2, 1]))).sum().backward()
        ps = list(e.parameters()) + list(lin.parameters())
        before = lin.weight.grad.clone()
        try:
            call(lib, ps)
        except NotImplementedError as exc:
            m = re.match(r"Could not run '(aten::\w+)' with arguments from the '(\w+)' backend", str(exc))
            # (the backend, SparseCPU or SparseCUDA, on the CPU axis: see _repr)
            found = (m.group(1), m.group(2) if conformance.DEVICE[0] == 'cpu' else None) if m else str(exc)
            return found, _parts(e.weight.grad), lin.weight.grad - before
        return 'no error'
    t, e = both(body)
    assert t[0] != 'n'


def test_lbfgs_densifies_sparse_gradients():
    """LBFGS reads a sparse gradient densified, as torch (it viewed it, which sparse tensors refuse)."""
    w0 = np.linspace(-1, 1, 12).reshape(4, 3).astype(np.float32)

    def body(lib):
        e = lib.nn.Embedding(4, 3, sparse=True)
        with lib.no_grad():
            e.weight.copy_(lib.from_numpy(w0))
        opt = lib.optim.LBFGS(e.parameters(), lr=0.5, max_iter=3)
        idx = lib.tensor([0, 2, 2])

        def closure():
            opt.zero_grad()
            loss = (e(idx) ** 2).sum()
            loss.backward()
            return loss
        opt.step(closure)
        return e.weight.detach()
    run_both(body)


@pytest.mark.parametrize('op', ['p+g', 'p-g', 'data+g', 'data.add_(g, alpha)', 'data.sub_(g)', 'p*g',
                                'torch.add(p, g)', 'torch.sub(p, g, alpha)', 'torch.mul(g, p)'])
def test_dense_parameter_with_a_sparse_gradient(op):
    """A Parameter (or its .data) with its sparse gradient: p + g, p - g, the manual SGD update
    p.data.add_(p.grad, alpha=-lr), p * g (sparse), and the function forms, as torch."""
    w0 = np.linspace(-1, 1, 8).reshape(4, 2).astype(np.float32)

    def body(lib):
        e = lib.nn.Embedding(4, 2, sparse=True)
        with lib.no_grad():
            e.weight.copy_(lib.from_numpy(w0))
        e(lib.tensor([1, 1, 3])).sum().backward()
        p, g = e.weight, e.weight.grad
        r = {'p+g': lambda: p + g, 'p-g': lambda: p - g, 'data+g': lambda: p.data + g,
             'data.add_(g, alpha)': lambda: p.data.add_(g, alpha=-0.1), 'data.sub_(g)': lambda: p.data.sub_(g),
             'p*g': lambda: p * g, 'torch.add(p, g)': lambda: lib.add(p, g),
             'torch.sub(p, g, alpha)': lambda: lib.sub(p.detach(), g, alpha=2),
             'torch.mul(g, p)': lambda: lib.mul(g, p)}[op]()
        return r.is_sparse, (r.to_dense() if r.is_sparse else r).detach(), p.detach()
    run_both(body)
