"""Conformance tests for the differences found by the recommender / tabular scripts of
tests/scripts/real_recsys_tabular/ (tests/test_real_recsys_tabular_scripts.py)."""
import pytest


@pytest.mark.parametrize('mode', ['sum', 'mean'])
@pytest.mark.parametrize('pad', [None, 2])
def test_embedding_bag_scale_grad_by_freq_dense_backward(both, mode, pad):
    # fastText-style EmbeddingBag(scale_grad_by_freq=True): torch's CPU dense backward divides the
    # i-th distinct index's rows by the count of the i-th *sorted* index
    def body(lib):
        w = lib.arange(30.).view(10, 3).requires_grad_()
        inp = lib.tensor([1, 2, 4, 5, 4, 3, 2, 9, 9, 9, 0])
        out = lib.nn.functional.embedding_bag(inp, w, lib.tensor([0, 4, 7]), mode=mode,
                                              scale_grad_by_freq=True, padding_idx=pad)
        (out * lib.arange(1., 4.)[:, None]).sum().backward()
        bag = lib.nn.EmbeddingBag(6, 2, mode=mode, scale_grad_by_freq=True)
        bag(lib.tensor([[0, 0, 5], [5, 1, 3]])).sum().backward()
        return out, w.grad, bag.weight.grad
    both(body)


@pytest.mark.parametrize('dtype', ['float32', 'float64'])
@pytest.mark.parametrize('mode', ['sum', 'mean', 'max'])
def test_embedding_bag_out_of_range_index_messages(both, dtype, mode):
    # hashed ids past the table: the float32 sum/mean kernel (fbgemm, one chunk of bags per thread)
    # reports 'Index i of input takes value v ...' or its chunk-relative 'Expected i < index_size';
    # mode='max', padding_idx and float64 name the bad index
    def body(lib):
        F = lib.nn.functional
        w = lib.randn(10, 3, dtype=getattr(lib, dtype))
        msgs = []
        fast_decreasing = [([1, 2, 4, 5], [0, 3, 2], {}), ([1, 2, 4, 5, 6, 7], [0, 5, 3, 4], {})]
        for idx, offs, kw in [([1, 12, 3, 4], [0], {}), ([1, 2, 3, 10, 4, 5], [0, 2, 4], {}),
                              ([1, 2, 3, 4, 10, 5], [0, 2, 4], {}), ([-1, 2, 3, 4], [0, 2], {}),
                              ([[1, 2], [3, 4], [5, 10]], None, {}), ([[1, 20], [3, 4]], None, {}),
                              ([1, 2, 3, 10], [0, 2, 4], {'include_last_offset': True}),
                              ([1, 2, 10, 3], [0, 2], {'padding_idx': 0})] + \
                (fast_decreasing if dtype == 'float32' and mode != 'max' else []):
            try:
                F.embedding_bag(lib.tensor(idx), w, None if offs is None else lib.tensor(offs), mode=mode, **kw)
                msgs.append('ok')
            except RuntimeError as e:
                msgs.append(str(e))
        return msgs
    both(body)


@pytest.mark.parametrize('eq,shapes', [('bkd,bkd->b', [(2, 3, 4)] * 2), ('ij,jk->ik', [(3, 4), (4, 5)]),
                                       ('ij->ji', [(3, 4)]), ('ii->i', [(3, 3)]), ('ij->', [(3, 4)]),
                                       ('i,j->ij', [(3,), (4,)]), ('ij,k->k', [(3, 4), (5,)]),
                                       ('ij,ij->ij', [(2, 3)] * 2), ('i,i,i->i', [(3,)] * 3),
                                       ('ij,jk,kl->il', [(2, 3), (3, 4), (4, 5)]), ('...d,...d->...', [(2, 3, 4)] * 2)])
def test_einsum_grad_fn_is_torchs_last_op(both, eq, shapes):
    # FM / FFM pair interactions print einsum results: torch's einsum is composed, so they show
    # grad_fn=<ViewBackward0> (bmm reshaped), MulBackward0, SumBackward1 or PermuteBackward0
    def body(lib):
        g = lib.Generator().manual_seed(0)
        ops = [lib.randn(*s, generator=g, dtype=lib.float64, requires_grad=True) for s in shapes]
        out = lib.einsum(eq, *ops)
        (out * out).sum().backward()
        return out, type(out.grad_fn).__name__, [o.grad for o in ops]
    both(body)


@pytest.mark.parametrize('op,args,kw', [('sum', (0,), {}), ('sum', (), {}), ('mean', (0,), {}), ('mean', (1,), {'keepdim': True}),
                                        ('amax', (1,), {}), ('amin', (0,), {}), ('argmax', (1,), {}), ('prod', (0,), {}),
                                        ('var', (0,), {}), ('std', (1,), {'unbiased': False}),
                                        ('var', (1,), {'correction': 0, 'keepdim': True}), ('norm', (2, 0), {}),
                                        ('softmax', (1,), {}), ('log_softmax', (1,), {}), ('softmin', (1,), {}),
                                        ('normalize', (2.0, 1), {}), ('logsumexp', (1,), {}), ('cumsum', (1,), {}),
                                        ('median', (1,), {})])
def test_torch_masked_reductions(both, op, args, kw):
    # masked statistics of features with missing values: torch.masked.mean(x, 0, mask=~x.isnan())
    def body(lib):
        x = lib.tensor([[1., 2., float('nan'), 7.], [3., 4., 5., float('nan')], [0.5, float('nan'), -1., 2.]],
                       requires_grad=True)
        m = ~x.isnan()
        out = getattr(lib.masked, op)(x, *args, mask=m, **kw)
        if out.requires_grad:
            lib.where(lib.isfinite(out), out, 0.).sum().backward()
        bcast = getattr(lib.masked, op)(x.detach(), *args, mask=m[0], **kw)
        xi = lib.tensor([[1, 2, 3], [4, 5, 6]], dtype=lib.int32)
        ints = getattr(lib.masked, op)(xi, *args, mask=xi > 2, **kw) if op in ('sum', 'amax', 'amin', 'prod', 'var') else None
        return out, x.grad, bcast, ints
    both(body)


def test_torch_masked_errors(both):
    def body(lib):
        x = lib.ones(2, 3)
        out = []
        for f in (lambda: lib.masked.mean(x, 0, mask=lib.ones(1, 2, 3, dtype=lib.bool)),
                  lambda: lib.masked.mean(lib.ones(2, dtype=lib.int64), 0, mask=lib.ones(2, dtype=lib.bool)),
                  lambda: lib.masked.sum(x, (0, 0), mask=x > 0), lambda: lib.masked.sum(x, 2, mask=x > 0)):
            try:
                f()
            except Exception as e:
                out.append((type(e).__name__, str(e)))
        return out
    both(body)


@pytest.mark.parametrize('kind', ['bool', 'float'])
def test_sdpa_fully_masked_query_gives_zeros(both, kind):
    # SASRec: left-padded histories under a causal mask leave early queries with no key; torch's
    # kernels give zeros there (and a zero gradient), not nan
    def body(lib):
        g = lib.Generator().manual_seed(0)
        q = lib.randn(1, 2, 3, 4, generator=g, requires_grad=True)
        k, v = lib.randn(1, 2, 3, 4, generator=g), lib.randn(1, 2, 3, 4, generator=g)
        keep = lib.tensor([[False, False, False], [True, False, False], [True, True, True]])
        m = keep if kind == 'bool' else lib.zeros(3, 3).masked_fill(~keep, float('-inf'))
        out = lib.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=m)
        out.sum().backward()
        return out, q.grad[:, :, 0], q.grad[:, :, 2]
    both(body)


def test_mha_fully_masked_rows_reference_vs_native_path(both):
    # training (reference path, SDPA): zeros; eval under no_grad (torch's native fast path): nan
    def body(lib):
        lib.manual_seed(0)
        mha = lib.nn.MultiheadAttention(4, 2, batch_first=True)
        enc = lib.nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0, batch_first=True)
        x = lib.randn(2, 3, 4)
        kpm = lib.tensor([[True, True, True], [False, True, True]])
        res = [mha(x, x, x, key_padding_mask=kpm, need_weights=False)[0], enc(x, src_key_padding_mask=kpm)]
        mha.eval()
        enc.eval()
        with lib.no_grad():
            res += [mha(x, x, x, key_padding_mask=kpm, need_weights=False)[0], enc(x, src_key_padding_mask=kpm),
                    mha(x, x.clone(), x, key_padding_mask=kpm, need_weights=False)[0]]
        res.append(mha(x, x, x, key_padding_mask=kpm, need_weights=False)[0])
        return [r.detach() for r in res]
    both(body)
