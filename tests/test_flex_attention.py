"""FlexAttention (``torch.nn.attention.flex_attention``) against torch's: flex_attention with no
mods (= scaled_dot_product_attention), masks made by create_block_mask (causal, sliding window,
document, prefix-LM through and_masks/or_masks), score_mods (relative bias, ALiBi, tanh
soft-capping, a learned bias table), GQA, scale, return_lse / return_aux, low-precision inputs,
fully masked rows; BlockMask's tables, to_dense, sparsity, repr, str, slicing, _adjust,
from_kv_blocks; create_mask; the warnings; errors (type and message).

Gradients: torch's CPU build refuses flex_attention's backward ("FlexAttention does not support
backward on CPU"), so gradient tests compare ember's flex_attention with torch's own eager reference
(``torch._higher_order_ops.flex_attention.math_attention``, what torch's eager flex_attention runs);
``test_reference_is_torch_flex_attention`` checks that reference against torch's public function.
float64 gradcheck runs on ember alone.
"""
import math
import warnings

import numpy as np
import pytest

from conformance import run_both, torch
import ember
import ember.nn.attention.flex_attention as efa

tfa = pytest.importorskip('torch.nn.attention.flex_attention')
from torch._higher_order_ops.flex_attention import math_attention  # noqa: E402


def FA(lib):
    return tfa if lib is torch else efa


def data(lib, *shape, phase=0.0, dtype=None, grad=False, scale=1.0):
    """A deterministic, non-repeating input (no random draws)."""
    n = int(np.prod(shape))
    a = (scale * np.sin(np.arange(n) * 0.731 + phase) * np.cos(np.arange(n) * 0.113 + 2 * phase)).reshape(shape)
    t = lib.tensor(a.astype(np.float32))
    if dtype is not None:
        t = t.to(dtype)
    return t.requires_grad_() if grad else t


def qkv(lib, B=2, Hq=2, L=6, S=6, E=4, Ev=4, Hkv=None, dtype=None, grad=False):
    Hkv = Hq if Hkv is None else Hkv
    return (data(lib, B, Hq, L, E, phase=0.0, dtype=dtype, grad=grad),
            data(lib, B, Hkv, S, E, phase=1.0, dtype=dtype, grad=grad),
            data(lib, B, Hkv, S, Ev, phase=2.0, dtype=dtype, grad=grad))


def cbm(lib, *args, **kwargs):
    """create_block_mask on the default device (torch's default is the accelerator, if any)."""
    kwargs.setdefault('device', lib.empty(0).device)
    return FA(lib).create_block_mask(*args, **kwargs)


def cm(lib, *args, **kwargs):
    kwargs.setdefault('device', lib.empty(0).device)
    return FA(lib).create_mask(*args, **kwargs)


def flex(lib, *args, **kwargs):
    """The public flex_attention of either library, its warnings silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        return FA(lib).flex_attention(*args, **kwargs)


def flex_grad(lib, q, k, v, score_mod=None, block_mask=None, scale=None, enable_gqa=False):
    """(out, lse) where both libraries run a backward: ember's flex_attention; for torch its eager
    reference math_attention (torch's CPU flex_attention refuses requires_grad inputs)."""
    if lib is ember:
        out, aux = flex(ember, q, k, v, score_mod=score_mod, block_mask=block_mask, scale=scale,
                        enable_gqa=enable_gqa, return_aux=efa.AuxRequest(lse=True))
        return out, aux.lse
    if block_mask is None:
        block_mask = tfa._create_empty_block_mask(q, k)
    scale = 1.0 / math.sqrt(q.size(-1)) if scale is None else scale
    out, lse, _ = math_attention(q, k, v, score_mod or tfa._identity, block_mask.as_tuple(), scale, {})
    return out, lse * math.log(2)


def grads_of(lib, outs, *leaves):
    """Backward of a fixed weighting of the outputs; the leaves' gradients."""
    total = 0
    for i, o in enumerate(outs):
        w = data(lib, *o.shape, phase=3.0 + i).to(o.dtype)
        total = total + (o.where(o.isfinite(), 0.0) * w).sum()
    total.backward()
    return [t.grad for t in leaves]


# ---- mask_mods and score_mods, written once for both libraries ----

def causal(b, h, q_idx, kv_idx):
    return q_idx >= kv_idx


def sliding_window(b, h, q_idx, kv_idx):
    return (q_idx - kv_idx).abs() <= 2


def make_document(lib, S):
    doc = lib.tensor([0, 0, 0, 1, 1, 2, 2, 2, 2, 3, 3, 3][:S])

    def document(b, h, q_idx, kv_idx):
        return doc[q_idx] == doc[kv_idx]
    return document


def prefix(b, h, q_idx, kv_idx):
    return kv_idx < 3


def batch_head_dependent(b, h, q_idx, kv_idx):
    return (q_idx + b >= kv_idx) & ((kv_idx + h) % 3 != 0)


def rel_bias(score, b, h, q_idx, kv_idx):
    return score + (q_idx - kv_idx)


def alibi(score, b, h, q_idx, kv_idx):
    slope = 2.0 ** (-(h + 1).float())
    return score - slope * (q_idx - kv_idx).abs()


def softcap(score, b, h, q_idx, kv_idx):
    return 2.0 * (score / 2.0).tanh()


def causal_score(score, b, h, q_idx, kv_idx):
    return score.where(q_idx >= kv_idx, float('-inf'))


MASKS = {
    'causal': lambda lib, S: causal,
    'sliding_window': lambda lib, S: sliding_window,
    'document': make_document,
    'prefix_lm_or': lambda lib, S: FA(lib).or_masks(causal, prefix),
    'causal_window_and': lambda lib, S: FA(lib).and_masks(causal, sliding_window),
    'batch_head': lambda lib, S: batch_head_dependent,
    'noop': lambda lib, S: FA(lib).noop_mask,
}
SCORE_MODS = {'rel_bias': rel_bias, 'alibi': alibi, 'softcap': softcap, 'causal_score': causal_score}


def block_mask_attrs(bm):
    return [bm.kv_num_blocks, bm.kv_indices, bm.full_kv_num_blocks, bm.full_kv_indices, bm.q_num_blocks,
            bm.q_indices, bm.full_q_num_blocks, bm.full_q_indices, bm.to_dense(), bm.shape, bm.BLOCK_SIZE,
            bm.seq_lengths, bm.numel(), bm.sparsity(), repr(bm), str(bm), bm.to_string(grid_size=2),
            bm.to_string(grid_size=-1, limit=2)]


# ---- forward through torch's public flex_attention ----

@pytest.mark.parametrize('scale', [None, 0.3])
def test_no_mods_equals_sdpa(scale):
    def body(lib):
        q, k, v = qkv(lib, L=5, S=7, Ev=3)
        out = flex(lib, q, k, v, scale=scale)
        ref = lib.nn.functional.scaled_dot_product_attention(q, k, v, scale=scale)
        return out, (out - ref).abs().max() < 1e-6
    t, e = run_both(body)
    assert bool(e[1]) and bool(t[1])


@pytest.mark.parametrize('name', sorted(MASKS))
@pytest.mark.parametrize('B,H,block', [(None, None, 128), (2, 2, 2), (None, 2, (2, 3)), (2, None, 4)])
def test_block_masks(name, B, H, block):
    S = 9

    def body(lib):
        q, k, v = qkv(lib, L=S, S=S)
        mm = MASKS[name](lib, S)
        bm = cbm(lib, mm, B, H, S, S, BLOCK_SIZE=block)
        out = flex(lib, q, k, v, block_mask=bm)
        attrs = block_mask_attrs(bm)
        return [out, cm(lib, mm, B, H, S, S)] + attrs
    run_both(body)


@pytest.mark.parametrize('name', ['causal', 'document', 'sliding_window'])
def test_block_mask_equals_dense_sdpa_mask(name):
    """flex_attention with a mask_mod is sdpa with create_mask's bool mask."""
    def body(lib):
        q, k, v = qkv(lib, L=8, S=8)
        mm = MASKS[name](lib, 8)
        bm = cbm(lib, mm, None, None, 8, 8, BLOCK_SIZE=4)
        out = flex(lib, q, k, v, block_mask=bm)
        ref = lib.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=cm(lib, mm, 1, 1, 8, 8))
        return out, (out - ref).abs().max() < 1e-6
    t, e = run_both(body)
    assert bool(e[1])


@pytest.mark.parametrize('name', sorted(SCORE_MODS))
@pytest.mark.parametrize('with_mask', [False, True])
def test_score_mods(name, with_mask):
    def body(lib):
        q, k, v = qkv(lib, L=6, S=6)
        bm = cbm(lib, sliding_window, 2, None, 6, 6, BLOCK_SIZE=2) if with_mask else None
        out, lse = flex(lib, q, k, v, score_mod=SCORE_MODS[name], block_mask=bm, return_lse=True)
        return out, lse, cm(lib, SCORE_MODS[name], 2, 2, 6, 6)
    run_both(body)


def test_learned_bias_table_forward():
    def body(lib):
        q, k, v = qkv(lib, L=5, S=5)
        table = data(lib, 2, 9, phase=4.0)

        def bias(score, b, h, q_idx, kv_idx):
            return score + table[h, q_idx - kv_idx + 4]
        return flex(lib, q, k, v, score_mod=bias)
    run_both(body)


@pytest.mark.parametrize('Hq,Hkv', [(4, 2), (4, 1), (3, 3)])
def test_gqa(Hq, Hkv):
    def body(lib):
        q, k, v = qkv(lib, Hq=Hq, Hkv=Hkv, L=5, S=6, Ev=3)
        out = flex(lib, q, k, v, score_mod=alibi, enable_gqa=True)
        ref = lib.nn.functional.scaled_dot_product_attention(q, k, v, enable_gqa=True)
        plain = flex(lib, q, k, v, enable_gqa=True)
        return out, plain, (plain - ref).abs().max() < 1e-6
    t, e = run_both(body)
    assert bool(e[2])


def test_return_lse_and_aux():
    def body(lib):
        q, k, v = qkv(lib, L=5, S=5)
        bm = cbm(lib, causal, None, None, 5, 5, BLOCK_SIZE=2)
        o1, lse = flex(lib, q, k, v, block_mask=bm, return_lse=True)
        o2, aux = flex(lib, q, k, v, block_mask=bm, return_aux=FA(lib).AuxRequest(lse=True))
        o3, aux0 = flex(lib, q, k, v, return_aux=FA(lib).AuxRequest())
        manual = ((q @ k.transpose(-2, -1)) / 2.0).masked_fill(~cm(lib, causal, 1, 1, 5, 5),
                                                               float('-inf')).logsumexp(-1)
        return (o1, lse, o2, type(aux).__name__, aux._fields, aux.lse, aux.max_scores, o3, aux0.lse,
                aux0.max_scores, (lse - manual).abs().max() < 1e-5)
    t, e = run_both(body)
    assert bool(e[-1])


def test_fully_masked_rows_give_zero_and_neg_inf_lse():
    def body(lib):
        q, k, v = qkv(lib, L=6, S=6)

        def late(b, h, q_idx, kv_idx):
            return (q_idx >= kv_idx) & (q_idx >= 2) & (h == 0)
        bm = cbm(lib, late, None, 2, 6, 6, BLOCK_SIZE=2)
        out, lse = flex(lib, q, k, v, block_mask=bm, return_lse=True)
        return out, lse, (out[:, :, :2] == 0).all(), lse[:, 1].isneginf().all()
    t, e = run_both(body)
    assert bool(e[2]) and bool(e[3])


@pytest.mark.parametrize('dtype', ['float64', 'float16'] + (['bfloat16'] if hasattr(ember, 'bfloat16') else []))
def test_dtypes(dtype):
    def body(lib):
        q, k, v = qkv(lib, L=4, S=5, dtype=getattr(lib, dtype))
        out, lse = flex(lib, q, k, v, score_mod=softcap, return_lse=True)
        seen = []

        def record(score, b, h, q_idx, kv_idx):
            seen.append((score.dtype, b.dtype, h.dtype, q_idx.dtype, kv_idx.dtype))
            return score
        FA(lib)._FLEX_ATTENTION_DISABLE_COMPILE_DEBUG = True     # torch: let the score_mod record
        try:
            flex(lib, q, k, v, score_mod=record)
        finally:
            FA(lib)._FLEX_ATTENTION_DISABLE_COMPILE_DEBUG = False
        return out, lse, sorted(set(seen), key=str)
    tol = dict(rtol=1e-2, atol=1e-2) if dtype != 'float64' else {}
    run_both(body, **tol)


def test_mixed_kv_dtype_and_batch_broadcast():
    def body(lib):
        q, _, _ = qkv(lib, B=3, L=4, S=4)
        k = data(lib, 1, 2, 4, 4, phase=1.0, dtype=lib.float16)
        v = data(lib, 1, 2, 4, 4, phase=2.0)
        bm = cbm(lib, causal, 3, None, 4, 4, BLOCK_SIZE=2)
        return flex(lib, q, k, v, block_mask=bm)
    run_both(body, rtol=1e-2, atol=1e-2)


def test_autocast():
    """Under autocast q/k/v are cast to the region's dtype; scores stay float32 (torch's rule)."""
    def body(lib):
        q, k, v = qkv(lib, L=4, S=5)
        dev = q.device.type
        with lib.autocast(dev, dtype=lib.float16):
            out, lse = flex(lib, q, k, v, score_mod=softcap, return_lse=True)
        return out, lse
    run_both(body, rtol=1e-3, atol=1e-3)


def test_noop_and_combinators():
    def body(lib):
        fa = FA(lib)
        i = [lib.tensor(x) for x in (0, 1, 3, 2)]
        return (fa.noop_mask(*i), fa.and_masks()(*i), fa.or_masks()(*i), fa.and_masks(causal, prefix)(*i),
                fa.or_masks(causal, prefix)(*i), fa.and_masks(causal).__name__, fa.or_masks(causal).__name__)
    run_both(body)


# ---- BlockMask ----

def test_block_mask_slicing_adjust_and_from_kv_blocks():
    def body(lib):
        fa = FA(lib)
        bm = cbm(lib, batch_head_dependent, 3, 2, 10, 12, BLOCK_SIZE=4)
        parts = []
        for index in (1, -1, (0, 1), (slice(0, 2), slice(1, 2)), (slice(None), 0, slice(1, 3))):
            s = bm[index]
            parts += block_mask_attrs(s)[:-4] + [s.mask_mod.__name__]
        adj = bm._adjust(8, 8)
        parts += block_mask_attrs(adj)[:-4]
        kvn = lib.tensor([[[1, 2, 0]]], dtype=lib.int32)
        kvi = lib.tensor([[[[1, 0, 2], [0, 2, 1], [0, 1, 2]]]], dtype=lib.int32)
        fb = fa.BlockMask.from_kv_blocks(kvn, kvi, BLOCK_SIZE=2)
        fb2 = fa.BlockMask.from_kv_blocks(kvn, kvi, kvn.flip(-1), kvi, BLOCK_SIZE=(2, 3), seq_lengths=(5, 7),
                                          compute_q_blocks=False)
        parts += block_mask_attrs(fb) + block_mask_attrs(fb2)
        tup = fb.as_tuple()
        parts += [len(tup), tup[:2], tup[-3:-1], tup[-1].__name__, len(fb.as_tuple(flatten=False))]
        moved = bm.to('cpu')
        parts += block_mask_attrs(moved)[:-4]
        return parts
    run_both(body)


def test_block_mask_of_long_sequences_and_str_limit():
    def body(lib):
        bm = cbm(lib, causal, 2, 3, 300, 200)
        bm2 = cbm(lib, sliding_window, 2, 3, 70, 70, BLOCK_SIZE=8, separate_full_blocks=False)
        return block_mask_attrs(bm)[1:] + block_mask_attrs(bm2) + [bm.to_string(limit=7), bm2.to_string((3, 2))]
    run_both(body)


# ---- gradients (torch's eager reference as the oracle) ----

def test_reference_is_torch_flex_attention():
    """The gradient oracle (math_attention) gives what torch's public flex_attention gives."""
    q, k, v = qkv(torch, L=6, S=6)
    bm = tfa.create_block_mask(sliding_window, None, None, 6, 6, device='cpu', BLOCK_SIZE=2)
    for mod in (None, rel_bias, alibi):
        out, lse = flex(torch, q, k, v, score_mod=mod, block_mask=bm, return_lse=True)
        rout, rlse = flex_grad(torch, q, k, v, score_mod=mod, block_mask=bm)
        torch.testing.assert_close(out, rout)
        torch.testing.assert_close(lse, rlse)


@pytest.mark.parametrize('mod', [None] + sorted(SCORE_MODS))
@pytest.mark.parametrize('mask', [None, 'causal', 'document'])
def test_gradients_qkv(mod, mask):
    def body(lib):
        q, k, v = qkv(lib, L=6, S=6, grad=True)
        bm = None if mask is None else cbm(lib, MASKS[mask](lib, 6), None, None, 6, 6, BLOCK_SIZE=2)
        out, lse = flex_grad(lib, q, k, v, score_mod=SCORE_MODS.get(mod), block_mask=bm)
        return [out, lse] + grads_of(lib, (out, lse), q, k, v)
    run_both(body, rtol=1e-5, atol=1e-5)


def test_gradient_of_learned_bias_table():
    def body(lib):
        q, k, v = qkv(lib, L=5, S=5, grad=True)
        table = data(lib, 2, 9, phase=4.0, grad=True)
        head_gain = data(lib, 2, phase=5.0, grad=True)

        def bias(score, b, h, q_idx, kv_idx):
            return score * head_gain[h] + table[h, q_idx - kv_idx + 4]
        bm = cbm(lib, causal, None, None, 5, 5, BLOCK_SIZE=2)
        out, lse = flex_grad(lib, q, k, v, score_mod=bias, block_mask=bm)
        return [out, lse] + grads_of(lib, (out, lse), q, k, v, table, head_gain)
    run_both(body, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize('Hq,Hkv', [(4, 2), (2, 1)])
def test_gradients_gqa_and_scale(Hq, Hkv):
    def body(lib):
        q, k, v = qkv(lib, Hq=Hq, Hkv=Hkv, L=4, S=6, Ev=3, grad=True)
        out, lse = flex_grad(lib, q, k, v, score_mod=alibi, scale=0.7, enable_gqa=True)
        return [out, lse] + grads_of(lib, (out, lse), q, k, v)
    run_both(body, rtol=1e-5, atol=1e-5)


def test_gradient_with_fully_masked_rows_is_finite():
    def body(lib):
        q, k, v = qkv(lib, L=6, S=6, grad=True)

        def late(b, h, q_idx, kv_idx):
            return (q_idx >= kv_idx) & (q_idx >= 2)
        bm = cbm(lib, late, None, None, 6, 6, BLOCK_SIZE=3)
        out, _ = flex_grad(lib, q, k, v, block_mask=bm)
        return [out] + grads_of(lib, (out,), q, k, v)
    t, e = run_both(body)
    assert all(bool(g.isfinite().all()) for g in e[1:])


def test_max_scores():
    """return_aux max_scores (torch's CPU build refuses it; torch's reference computes it)."""
    def body(lib):
        q, k, v = qkv(lib, L=5, S=5)
        bm = cbm(lib, causal, None, None, 5, 5)
        if lib is ember:
            out, aux = flex(lib, q, k, v, score_mod=rel_bias, block_mask=bm,
                            return_aux=efa.AuxRequest(lse=True, max_scores=True))
            return out, aux.lse, aux.max_scores
        out, lse, mx = math_attention(q, k, v, rel_bias, bm.as_tuple(), 0.5, {})
        return out, lse * math.log(2), mx * math.log(2)
    run_both(body)


@pytest.mark.parametrize('mod', [None, 'alibi', 'table'])
def test_gradcheck_float64(mod):
    q, k, v = (t.detach().double().requires_grad_() for t in qkv(ember, B=1, Hq=2, L=4, S=5, Ev=3))
    table = data(ember, 2, 9, phase=4.0).double().requires_grad_()
    bm = efa.create_block_mask(causal, None, None, 4, 5, device='cpu', BLOCK_SIZE=2)
    score_mod = {'alibi': alibi, 'table': lambda s, b, h, qi, ki: s + table[h, qi - ki + 4]}.get(mod)

    def f(q, k, v, table):
        out, lse = flex(ember, q, k, v, score_mod=score_mod, block_mask=bm, return_lse=True)
        return out, lse
    assert ember.autograd.gradcheck(f, (q, k, v, table))


# ---- warnings and errors ----

def test_warnings():
    def body(lib):
        fa = FA(lib)
        fa._WARNINGS_SHOWN.clear()
        q, k, v = qkv(lib, L=3, S=3)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter('always')
            fa.flex_attention(q, k, v, return_lse=True)
            fa.flex_attention(q, k, v, return_lse=True)     # each once per process
            fa.create_block_mask(causal, 1, 1, 4, 4, device='cpu', _compile=True)
        return [(x.category.__name__, str(x.message)) for x in w if 'torch.jit' not in str(x.message)]
    run_both(body)


def bad_calls():
    return {
        'embed_dim': lambda lib: flex(lib, data(lib, 1, 2, 4, 4), data(lib, 1, 2, 4, 3), data(lib, 1, 2, 4, 4)),
        'heads': lambda lib: flex(lib, data(lib, 1, 4, 4, 4), data(lib, 1, 2, 4, 4), data(lib, 1, 2, 4, 4)),
        'gqa_multiple': lambda lib: flex(lib, data(lib, 1, 3, 4, 4), data(lib, 1, 2, 4, 4), data(lib, 1, 2, 4, 4),
                                         enable_gqa=True),
        'gqa_value_heads': lambda lib: flex(lib, data(lib, 1, 2, 4, 4), data(lib, 1, 1, 4, 4),
                                            data(lib, 1, 2, 4, 4), enable_gqa=True),
        'batch_no_mask': lambda lib: flex(lib, data(lib, 2, 2, 4, 4), data(lib, 3, 2, 4, 4), data(lib, 3, 2, 4, 4)),
        'batch_mask': lambda lib: flex(lib, data(lib, 2, 2, 4, 4), data(lib, 3, 2, 4, 4), data(lib, 3, 2, 4, 4),
                                       block_mask=cbm(lib, causal, 1, 1, 4, 4)),
        'batch_broadcast': lambda lib: flex(lib, data(lib, 3, 2, 4, 4), data(lib, 2, 2, 4, 4),
                                            data(lib, 2, 2, 4, 4),
                                            block_mask=cbm(lib, causal, 3, 1, 4, 4)),
        'three_d': lambda lib: flex(lib, data(lib, 2, 4, 4), data(lib, 2, 4, 4), data(lib, 2, 4, 4)),
        'one_d': lambda lib: flex(lib, data(lib, 4), data(lib, 2, 4, 4), data(lib, 2, 4, 4)),
        'key_len': lambda lib: flex(lib, data(lib, 1, 2, 4, 4), data(lib, 1, 2, 5, 4), data(lib, 1, 2, 4, 4)),
        'mask_too_small': lambda lib: flex(lib, *qkv(lib, L=6, S=6),
                                           block_mask=cbm(lib, causal, 1, 1, 4, 4)),
        'mask_too_large': lambda lib: flex(lib, *qkv(lib, L=4, S=4),
                                           block_mask=cbm(lib, causal, 1, 1, 8, 8)),
        'sliced_mask': lambda lib: flex(lib, *qkv(lib, L=4, S=4),
                                        block_mask=cbm(lib, causal, 2, 1, 4, 4)[0]),
        'lse_and_aux': lambda lib: flex(lib, *qkv(lib, L=4, S=4), return_lse=True,
                                        return_aux=FA(lib).AuxRequest(lse=True)),
        'bad_backend': lambda lib: flex(lib, *qkv(lib, L=4, S=4), kernel_options={'BACKEND': 'CUTE'}),
        'backend_and_force': lambda lib: flex(lib, *qkv(lib, L=4, S=4),
                                              kernel_options={'BACKEND': 'AUTO', 'FORCE_USE_FLEX_ATTENTION': True}),
        'three_arg_mod': lambda lib: cbm(lib, lambda b, h, q: q, 1, 1, 4, 4),
        'mask_mod_args': lambda lib: cm(lib, lambda b: b, 1, 1, 4, 4),
        'or_masks_not_callable': lambda lib: FA(lib).or_masks(causal, 3),
        'and_masks_not_callable': lambda lib: FA(lib).and_masks(None),
        'dq_kv_order': lambda lib: cbm(lib, causal, 1, 1, 4, 4, dq_kv_order=1),
        'one_dim_kv_indices': lambda lib: FA(lib).BlockMask.from_kv_blocks(lib.tensor([1], dtype=lib.int32),
                                                                          lib.tensor([0], dtype=lib.int32)),
        'half_full_tables': lambda lib: FA(lib).BlockMask.from_kv_blocks(
            lib.ones(1, 1, 1, dtype=lib.int32), lib.zeros(1, 1, 1, 1, dtype=lib.int32),
            full_kv_num_blocks=lib.ones(1, 1, 1, dtype=lib.int32)),
        'sliced_mask_mod_call': lambda lib: cbm(lib, causal, 2, 1, 4, 4)[0].mask_mod(
            *[lib.tensor(0)] * 4),
    }


@pytest.mark.parametrize('name', sorted(bad_calls()))
def test_errors(name):
    tv, ev = run_both(bad_calls()[name])
    assert isinstance(tv, Exception) and isinstance(ev, Exception), (tv, ev)
    assert str(ev) == str(tv)


def test_score_mod_as_mask_mod_error():
    def body(lib):
        return cbm(lib, rel_bias, 1, 1, 4, 4)
    tv, ev = run_both(body)
    assert str(ev).split(' Got ')[0] == str(tv).split(' Got ')[0] == 'create-block_mask requires a mask_mod function!'


def test_submodule_and_names():
    import ember.nn.attention
    assert ember.nn.attention.flex_attention is efa
    assert efa.__all__ == tfa.__all__
    for name in tfa.__all__ + ['_score_mod_signature', '_mask_mod_signature', '_DEFAULT_SPARSE_BLOCK_SIZE',
                               '_LARGE_SPARSE_BLOCK_SIZE', '_identity', '_create_empty_block_mask']:
        assert hasattr(efa, name), name
    assert efa.AuxRequest._fields == tfa.AuxRequest._fields and efa.AuxOutput._fields == tfa.AuxOutput._fields
