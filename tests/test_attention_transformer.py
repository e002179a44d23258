"""Attention and transformer layers against torch's: scaled_dot_product_attention (bool/float
masks, causal, scale, GQA), MultiheadAttention over a grid of options and masks, the
Transformer encoder/decoder layers and stacks (eval mode, torch's weights loaded into ember),
reprs, errors, and a small transformer-encoder classifier trained with Adam in both libraries."""
import warnings

import numpy as np
import pytest

from conformance import run_both, torch
from torch_versions import torch_older_than_2_13
import ember


def arr(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def err(fn):
    try:
        fn()
    except Exception as e:      # noqa: BLE001
        return type(e).__name__, str(e)
    return None


# LayerNorm's repr shows ``bias=`` from torch 2.13 on (the oracle these tests were written against):
# on an older torch the transformer tests compare everything but the module's repr
NORM_REPRS = not torch_older_than_2_13


def compare_module(make, call, inputs, rtol=1e-4, atol=1e-5, eval_mode=True, check_repr=True):
    """``make(lib)`` in both libraries (torch's weights copied into ember), ``call(lib, m, xs)`` on
    ``inputs`` (float arrays require grad), a fixed upstream gradient on every float output:
    outputs, repr (unless ``check_repr`` is false), input and parameter gradients compared."""
    ref = {}

    def body(lib):
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            m = make(lib)
        if eval_mode:
            m.eval()
        if lib is torch:
            ref['sd'] = {k: v.detach().cpu().numpy().copy() for k, v in m.state_dict().items()}
        else:
            res = m.load_state_dict({k: ember.tensor(v) for k, v in ref['sd'].items()})
            assert repr(res) == '<All keys matched successfully>'
        xs = [lib.tensor(a, requires_grad=a.dtype.kind == 'f') if isinstance(a, np.ndarray) else a for a in inputs]
        outs = call(lib, m, xs)
        outs = outs if isinstance(outs, tuple) else (outs,)
        loss = 0
        for i, o in enumerate(outs):
            if o is not None:
                g = lib.tensor(np.random.default_rng(10 + i).standard_normal(tuple(o.shape)).astype(np.float32))
                loss = loss + (o * g).sum()
        loss.backward()
        return (outs, repr(m) if check_repr else None, [x.grad if hasattr(x, 'grad') else None for x in xs],
                [(n, p.grad) for n, p in m.named_parameters()])
    return run_both(body, rtol=rtol, atol=atol)


# ---------------------------------------------------------------- scaled_dot_product_attention
SDPA = [
    dict(), dict(is_causal=True), dict(scale=0.3), dict(mask='bool'), dict(mask='float'), dict(mask='bool2d'),
    dict(mask='float', scale=2.0), dict(L=3, S=5), dict(L=5, S=3, is_causal=True),
]


@pytest.mark.parametrize('case', SDPA, ids=[str(c) for c in SDPA])
def test_sdpa(both, case):
    L, S = case.get('L', 4), case.get('S', 4)
    q, k, v = arr(2, 3, L, 6, seed=1), arr(2, 3, S, 6, seed=2), arr(2, 3, S, 5, seed=3)
    mask = case.get('mask')
    rng = np.random.default_rng(4)
    bm = rng.random((2, 3, L, S)) > 0.3
    bm[..., 0] = True                    # no fully masked rows
    fm = arr(2, 1, L, S, seed=5)

    def body(lib):
        Q, K, V = (lib.tensor(a, requires_grad=True) for a in (q, k, v))
        am = None
        if mask == 'bool':
            am = lib.tensor(bm)
        elif mask == 'bool2d':
            am = lib.tensor(bm[0, 0])
        elif mask == 'float':
            am = lib.tensor(fm, requires_grad=True)
        out = lib.nn.functional.scaled_dot_product_attention(Q, K, V, attn_mask=am, is_causal=case.get('is_causal',
                                                                                                       False),
                                                             scale=case.get('scale'))
        (out * lib.tensor(arr(*out.shape, seed=9))).sum().backward()
        return out, Q.grad, K.grad, V.grad, (am.grad if mask == 'float' else None)
    run_both(body, rtol=1e-4, atol=1e-5)


def test_sdpa_gqa_dropout_and_errors(both):
    def body(lib):
        F = lib.nn.functional
        q, k, v = lib.tensor(arr(1, 4, 3, 2)), lib.tensor(arr(1, 2, 3, 2, seed=1)), lib.tensor(arr(1, 2, 3, 2, seed=2))
        gqa = F.scaled_dot_product_attention(q, k, v, enable_gqa=True)
        lib.manual_seed(0)
        d = F.scaled_dot_product_attention(q, q, q, dropout_p=0.999999)
        mb = lib.tensor(np.array([[True, False, True], [True, True, False], [False, True, True]]))
        fm = lib.tensor(arr(3, 3, seed=4))
        return (gqa, d.abs().sum().item() < 1e-3,
                F.scaled_dot_product_attention(q, k, v, attn_mask=mb, is_causal=True, enable_gqa=True),
                F.scaled_dot_product_attention(q, q, q, attn_mask=fm, is_causal=True),
                err(lambda: F.scaled_dot_product_attention(q, q.double(), q)) is not None)
    run_both(body, rtol=1e-4, atol=1e-5)


# ---------------------------------------------------------------- MultiheadAttention
MHA = [
    dict(), dict(batch_first=True), dict(bias=False), dict(add_bias_kv=True), dict(add_zero_attn=True),
    dict(kdim=5, vdim=3), dict(kdim=5, vdim=3, batch_first=True), dict(need_weights=False),
    dict(average_attn_weights=False), dict(kpm='bool'), dict(kpm='float'), dict(am='bool'), dict(am='float'),
    dict(am='bool3d'), dict(am='causal', is_causal=True, need_weights=False), dict(am='causal', is_causal=True),
    dict(kpm='bool', am='bool', need_weights=False), dict(kpm='bool', add_bias_kv=True, add_zero_attn=True),
    dict(unbatched=True), dict(unbatched=True, kpm='bool', need_weights=False), dict(self_attn=True),
    dict(self_attn=True, batch_first=True, am='float', need_weights=False),
]


@pytest.mark.parametrize('case', MHA, ids=[str(c) for c in MHA])
def test_multihead_attention(case):
    E, H, L, S, N = 8, 2, 4, 5, 3
    kd, vd = case.get('kdim', E), case.get('vdim', E)
    self_attn = case.get('self_attn', False)
    if self_attn:
        S = L
    bf, unb = case.get('batch_first', False), case.get('unbatched', False)

    def shp(n, e):
        return (n, e) if unb else ((N, n, e) if bf else (n, N, e))
    q, k, v = arr(*shp(L, E), seed=1), arr(*shp(S, kd), seed=2), arr(*shp(S, vd), seed=3)
    rng = np.random.default_rng(4)
    kpm_b = rng.random((N, S)) > 0.6
    kpm_b[:, 0] = False
    am_b = rng.random((L, S)) > 0.6
    am_b[:, 0] = False
    am3 = rng.random((N * H, L, S)) > 0.6
    am3[..., 0] = False

    def make(lib):
        kw = {key: case[key] for key in ('batch_first', 'bias', 'add_bias_kv', 'add_zero_attn', 'kdim', 'vdim')
              if key in case}
        return lib.nn.MultiheadAttention(E, H, **kw)

    def call(lib, m, xs):
        kw = {}
        kpm = case.get('kpm')
        if kpm == 'bool':
            kw['key_padding_mask'] = lib.tensor(kpm_b[0] if unb else kpm_b)
        elif kpm == 'float':
            kw['key_padding_mask'] = lib.tensor(np.where(kpm_b, -1e9, 0.5).astype(np.float32))
        am = case.get('am')
        if am == 'bool':
            kw['attn_mask'] = lib.tensor(am_b)
        elif am == 'float':
            kw['attn_mask'] = lib.tensor(arr(L, S, seed=6))
        elif am == 'bool3d':
            kw['attn_mask'] = lib.tensor(am3)
        elif am == 'causal':
            kw['attn_mask'] = lib.nn.Transformer.generate_square_subsequent_mask(L)[:, :S] if S == L else \
                lib.tensor(np.triu(np.full((L, S), -np.inf, np.float32), 1))
            kw['is_causal'] = True
        for key in ('need_weights', 'average_attn_weights'):
            if key in case:
                kw[key] = case[key]
        if self_attn:
            return m(xs[0], xs[0], xs[0], **kw)
        return m(*xs, **kw)
    inputs = [q] if self_attn else [q, k, v]
    t, e = compare_module(make, call, inputs)
    assert t[1].startswith('MultiheadAttention(')


def test_multihead_attention_params_repr_and_errors(both):
    def body(lib):
        nn = lib.nn
        m = nn.MultiheadAttention(6, 3, kdim=4, vdim=5, add_bias_kv=True, bias=True)
        names = [(n, tuple(p.shape)) for n, p in m.named_parameters()]
        sd = list(m.state_dict())
        x = lib.ones(2, 1, 6)
        return (names, sd, repr(m), m.head_dim, m._qkv_same_embed_dim, m.in_proj_weight, m.batch_first,
                err(lambda: nn.MultiheadAttention(6, 4)), err(lambda: nn.MultiheadAttention(0, 2)),
                err(lambda: nn.MultiheadAttention(6, 2)(x, x, x, attn_mask=lib.ones(3, 3, dtype=lib.bool))),
                err(lambda: nn.MultiheadAttention(6, 2)(x, x, x, attn_mask=lib.ones(2, 2, dtype=lib.long))),
                err(lambda: nn.MultiheadAttention(6, 2)(x, x, x, is_causal=True)),
                err(lambda: nn.MultiheadAttention(6, 2)(lib.ones(6), x, x)))
    run_both(body)


def test_multihead_attention_init_stats(both):
    def body(lib):
        lib.manual_seed(0)
        m = lib.nn.MultiheadAttention(64, 4)
        w = m.in_proj_weight
        bound = (6 / (64 + 192)) ** 0.5
        return (bool(w.abs().max() <= bound), w.abs().max().item() > 0.9 * bound, m.in_proj_bias.abs().sum().item(),
                m.out_proj.bias.abs().sum().item())
    run_both(body)


# ---------------------------------------------------------------- transformer layers
ENC = [
    dict(), dict(batch_first=True), dict(norm_first=True), dict(activation='gelu'), dict(bias=False),
    dict(mask='causal'), dict(mask='causal', is_causal=True), dict(kpm=True), dict(kpm=True, mask='bool'),
    dict(activation='module'), dict(layer_norm_eps=1e-3, unbatched=True),
]


def _act(lib, name):
    if name == 'module':
        return lib.nn.GELU(approximate='tanh')
    return name


@pytest.mark.parametrize('case', ENC, ids=[str(c) for c in ENC])
@pytest.mark.parametrize('stack', [False, True])
def test_transformer_encoder(case, stack):
    E, H, L, N = 8, 2, 5, 3
    bf, unb = case.get('batch_first', False), case.get('unbatched', False)
    x = arr(L, E) if unb else (arr(N, L, E) if bf else arr(L, N, E))
    rng = np.random.default_rng(3)
    kpm = rng.random((N, L)) > 0.6
    kpm[:, 0] = False

    def make(lib):
        kw = {k: case[k] for k in ('batch_first', 'norm_first', 'bias', 'layer_norm_eps') if k in case}
        if 'activation' in case:
            kw['activation'] = _act(lib, case['activation'])
        layer = lib.nn.TransformerEncoderLayer(E, H, dim_feedforward=12, dropout=0.1, **kw)
        if stack:
            return lib.nn.TransformerEncoder(layer, 2, norm=lib.nn.LayerNorm(E))
        return layer

    def call(lib, m, xs):
        kw = {}
        mask = case.get('mask')
        if mask == 'causal':
            kw['mask' if stack else 'src_mask'] = lib.nn.Transformer.generate_square_subsequent_mask(L)
        elif mask == 'bool':
            kw['mask' if stack else 'src_mask'] = lib.tensor(np.triu(np.ones((L, L), bool), 2))
        if case.get('kpm'):
            kw['src_key_padding_mask'] = lib.tensor(kpm)
        if 'is_causal' in case:
            kw['is_causal'] = case['is_causal']
        return m(xs[0], **kw)
    t, e = compare_module(make, call, [x], check_repr=NORM_REPRS)
    assert not NORM_REPRS or ('TransformerEncoder(' if stack else 'TransformerEncoderLayer(') in t[1]


DEC = [dict(), dict(batch_first=True, norm_first=True), dict(masks=True), dict(activation='gelu', bias=False)]


@pytest.mark.parametrize('case', DEC, ids=[str(c) for c in DEC])
@pytest.mark.parametrize('stack', [False, True])
def test_transformer_decoder(case, stack):
    E, H, L, S, N = 8, 2, 4, 5, 2
    bf = case.get('batch_first', False)
    tgt, mem = (arr(N, L, E), arr(N, S, E, seed=1)) if bf else (arr(L, N, E), arr(S, N, E, seed=1))
    rng = np.random.default_rng(3)
    mkpm = rng.random((N, S)) > 0.6
    mkpm[:, 0] = False

    def make(lib):
        kw = {k: case[k] for k in ('batch_first', 'norm_first', 'bias', 'activation') if k in case}
        layer = lib.nn.TransformerDecoderLayer(E, H, dim_feedforward=12, **kw)
        return lib.nn.TransformerDecoder(layer, 2, norm=lib.nn.LayerNorm(E)) if stack else layer

    def call(lib, m, xs):
        kw = {}
        if case.get('masks'):
            kw = dict(tgt_mask=lib.nn.Transformer.generate_square_subsequent_mask(L),
                      memory_key_padding_mask=lib.tensor(mkpm),
                      memory_mask=lib.tensor(arr(L, S, seed=7)))
        return m(xs[0], xs[1], **kw)
    compare_module(make, call, [tgt, mem], check_repr=NORM_REPRS)


@pytest.mark.parametrize('batch_first', [False, True])
def test_transformer_full(batch_first):
    E, L, S, N = 8, 4, 5, 2
    src, tgt = (arr(N, S, E), arr(N, L, E, seed=1)) if batch_first else (arr(S, N, E), arr(L, N, E, seed=1))

    def make(lib):
        return lib.nn.Transformer(d_model=E, nhead=2, num_encoder_layers=2, num_decoder_layers=1, dim_feedforward=16,
                                  batch_first=batch_first)

    def call(lib, m, xs):
        return m(xs[0], xs[1], tgt_mask=m.generate_square_subsequent_mask(L),
                 src_key_padding_mask=lib.tensor(np.array([[False] * S, [False] * (S - 2) + [True] * 2])))
    t, e = compare_module(make, call, [src, tgt], check_repr=NORM_REPRS)
    assert not NORM_REPRS or ('Transformer(' in t[1] and '(decoder): TransformerDecoder(' in t[1])


def test_transformer_misc(both):
    def body(lib):
        nn = lib.nn
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter('always')
            enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2), 2)
            enc2 = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, batch_first=True), 1)
            enc3 = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 3, dim_feedforward=4, batch_first=True), 1)
        t = nn.Transformer(8, 2, 1, 1, 16)
        return (nn.Transformer.generate_square_subsequent_mask(4), t.generate_square_subsequent_mask(3,
                                                                                                     dtype=lib.float64),
                [str(x.message) for x in w], enc.use_nested_tensor, enc2.use_nested_tensor, enc3.use_nested_tensor,
                [n for n, _ in t.named_parameters()], sorted(t.state_dict()), repr(t), repr(enc3),
                err(lambda: nn.TransformerEncoderLayer(8, 2, activation='tanh')),
                err(lambda: t(lib.ones(3, 2, 8), lib.ones(3, 4, 8))),
                err(lambda: t(lib.ones(3, 2, 8), lib.ones(3, 2, 6))),
                nn.TransformerEncoderLayer(8, 2).activation_relu_or_gelu,
                nn.TransformerEncoderLayer(8, 2, activation='gelu').activation_relu_or_gelu,
                nn.TransformerEncoderLayer(8, 2, activation=lib.tanh).activation_relu_or_gelu)
    run_both(body)


# ---------------------------------------------------------------- training
def test_transformer_encoder_trains_like_torch(both):
    """Embedding + TransformerEncoder + linear head, 5 Adam steps from the same weights, dropout 0:
    the same losses and final weights as torch."""
    V, E, L, N, C = 11, 16, 6, 4, 3
    rng = np.random.default_rng(0)
    tokens = rng.integers(0, V, (N, L))
    labels = rng.integers(0, C, N)
    ref = {}

    def body(lib):
        nn = lib.nn

        class Model(nn.Module):
            def __init__(self):
                super().__init__()
                self.emb = nn.Embedding(V, E)
                layer = nn.TransformerEncoderLayer(E, 4, dim_feedforward=32, dropout=0.0, batch_first=True)
                self.enc = nn.TransformerEncoder(layer, num_layers=2)
                self.head = nn.Linear(E, C)

            def forward(self, x, pad):
                h = self.enc(self.emb(x), src_key_padding_mask=pad)
                return self.head(h.mean(dim=1))

        lib.manual_seed(0)
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            model = Model()
        if lib is torch:
            ref['sd'] = {k: v.detach().cpu().numpy().copy() for k, v in model.state_dict().items()}
        else:
            model.load_state_dict({k: ember.tensor(v) for k, v in ref['sd'].items()})
        opt = lib.optim.Adam(model.parameters(), lr=1e-2)
        x, y = lib.tensor(tokens), lib.tensor(labels)
        pad = lib.zeros(N, L, dtype=lib.bool)
        pad[1, -2:] = True
        losses = []
        for _ in range(5):
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(x, pad), y)
            loss.backward()
            opt.step()
            losses.append(loss.item())
        return losses, model.head.weight.detach(), model.enc.layers[1].self_attn.in_proj_weight.detach()
    t, e = run_both(body, rtol=1e-4, atol=1e-5)
    assert t[0][-1] < t[0][0]


def test_inference_under_no_grad_matches_torch_fast_path(both):
    """Under no_grad in eval mode torch takes its fused fast path; ember's reference path gives the same values
    (padded positions included, on the layer; the encoder stack zeroes them in torch's nested-tensor path, so
    only unpadded positions are compared there)."""
    E, L, N = 8, 5, 3
    x = arr(N, L, E)
    kpm = np.zeros((N, L), bool)
    kpm[1, 3:] = True
    ref = {}

    def body(lib):
        nn = lib.nn
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            lib.manual_seed(0)
            mha = nn.MultiheadAttention(E, 2, batch_first=True)
            enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(E, 2, 16, batch_first=True), 2)
        mha.eval()
        enc.eval()
        if lib is torch:
            ref['a'] = {k: v.cpu().numpy().copy() for k, v in mha.state_dict().items()}
            ref['e'] = {k: v.cpu().numpy().copy() for k, v in enc.state_dict().items()}
        else:
            mha.load_state_dict({k: ember.tensor(v) for k, v in ref['a'].items()})
            enc.load_state_dict({k: ember.tensor(v) for k, v in ref['e'].items()})
        X, P = lib.tensor(x), lib.tensor(kpm)
        with lib.no_grad():
            o1, w1 = mha(X, X, X, key_padding_mask=P)
            o2, _ = mha(X, X, X, need_weights=False)
            o3 = enc(X, src_key_padding_mask=P)
            o4 = enc.layers[0](X)
        keep = lib.tensor(~kpm)
        return o1, w1, o2, o3[keep], o4
    both(body, rtol=1e-4, atol=1e-5)
