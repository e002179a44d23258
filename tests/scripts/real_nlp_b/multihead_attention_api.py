"""nn.MultiheadAttention and nn.TransformerDecoderLayer as application code calls them: need_weights
and average_attn_weights, 2-D and 3-D float / bool attn_mask, key_padding_mask (bool and float),
batch_first, kdim/vdim (separate projections), add_bias_kv / add_zero_attn, is_causal; a pre-norm
decoder layer with memory masks; incremental decoding equals the full causal pass."""
import torch
import torch.nn as nn

torch.manual_seed(0)

E, H, S, T, B = 8, 2, 5, 4, 2
mha = nn.MultiheadAttention(E, H, batch_first=True)
print(mha)
print('params', [(n, tuple(p.shape)) for n, p in mha.named_parameters()])
print('_qkv_same_embed_dim', mha._qkv_same_embed_dim, 'head_dim', mha.head_dim)
x = torch.randn(B, T, E)
mem = torch.randn(B, S, E)

out, w = mha(x, mem, mem)
print('out', out.shape, 'weights (averaged)', w.shape, w.sum(-1))
out2, w2 = mha(x, mem, mem, average_attn_weights=False)
print('per-head weights', w2.shape, torch.allclose(w2.mean(1), w, atol=1e-6))
out3, w3 = mha(x, mem, mem, need_weights=False)
print('need_weights=False', w3, torch.allclose(out, out3, atol=1e-6))

kpm = torch.tensor([[False, False, False, True, True], [False, False, False, False, False]])
o, w = mha(x, mem, mem, key_padding_mask=kpm)
print('kpm weights row', w[0, 0], 'masked mass', w[0, :, 3:].sum().item())
kpm_f = torch.zeros(B, S).masked_fill(kpm, float('-inf'))
o_f, _ = mha(x, mem, mem, key_padding_mask=kpm_f)
print('float kpm same', torch.allclose(o, o_f, atol=1e-6))

causal_bool = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
causal_float = nn.Transformer.generate_square_subsequent_mask(T)
print('generate_square_subsequent_mask\n', causal_float)
oa, wa = mha(x, x, x, attn_mask=causal_bool)
ob, wb = mha(x, x, x, attn_mask=causal_float)
print('bool vs float causal', torch.allclose(oa, ob, atol=1e-6), wa[1, 1])
oc, _ = mha(x, x, x, attn_mask=causal_float, is_causal=True)
print('is_causal hint same', torch.allclose(oa, oc, atol=1e-6))
mask3d = causal_bool.repeat(B * H, 1, 1)
mask3d[0, :, 0] = True
mask3d[0, 0, 0] = False
od, wd = mha(x, x, x, attn_mask=mask3d, average_attn_weights=False)
print('3-D mask', wd.shape, wd[0, 0, 1], wd[1, 0, 1])

# sequence-first layout and kdim/vdim
mha2 = nn.MultiheadAttention(E, H, kdim=6, vdim=3, dropout=0.0)
print(mha2, mha2._qkv_same_embed_dim, mha2.in_proj_weight)
print('proj shapes', mha2.q_proj_weight.shape, mha2.k_proj_weight.shape, mha2.v_proj_weight.shape)
q_sf = torch.randn(T, B, E)
k_sf, v_sf = torch.randn(S, B, 6), torch.randn(S, B, 3)
o_sf, w_sf = mha2(q_sf, k_sf, v_sf)
print('seq-first out', o_sf.shape, w_sf.shape)
o_sf.sum().backward()
print('grads', mha2.k_proj_weight.grad.shape, mha2.v_proj_weight.grad.abs().sum() > 0)

mha3 = nn.MultiheadAttention(E, H, add_bias_kv=True, add_zero_attn=True, batch_first=True)
o3, w3 = mha3(x, mem, mem, key_padding_mask=kpm)
print('bias_kv + zero_attn weights', w3.shape, mha3.bias_k.shape, w3[0, 0])

unbatched, wu = mha(x[0], mem[0], mem[0])
print('unbatched', unbatched.shape, wu.shape, torch.allclose(unbatched, out[0], atol=1e-6))
try:
    mha(x, mem, mem, attn_mask=torch.zeros(3, 3))
except RuntimeError as e:
    print('RuntimeError', e)
try:
    nn.MultiheadAttention(10, 3)
except AssertionError as e:
    print('AssertionError', e)

# pre-norm decoder layer with a memory mask
dec = nn.TransformerDecoderLayer(E, H, dim_feedforward=16, dropout=0.0, batch_first=True, norm_first=True)
print(dec)
memory_mask = torch.zeros(T, S).masked_fill(torch.rand(T, S) < 0.3, float('-inf'))
memory_mask[:, 0] = 0.0
print('memory mask\n', memory_mask)
y = dec(x, mem, tgt_mask=causal_float, memory_mask=memory_mask, memory_key_padding_mask=kpm)
print('decoder out', y.shape, y[0, :2])
y_post = nn.TransformerDecoderLayer(E, H, 16, 0.0, activation=nn.functional.gelu, batch_first=True)(x, mem)
print('post-norm out', y_post[1, -1])
stack = nn.TransformerDecoder(dec, num_layers=2, norm=nn.LayerNorm(E))
z = stack(x, mem, tgt_mask=causal_float, tgt_is_causal=True)
print('stack', z.shape, z.mean().item() < 1e-5)
full = stack(x, mem, tgt_mask=causal_float)
prefix = stack(x[:, :2], mem, tgt_mask=nn.Transformer.generate_square_subsequent_mask(2))
print('causal prefix consistency', torch.allclose(full[:, :2], prefix, atol=1e-5))
loss = full.pow(2).mean()
loss.backward()
print('layer1 grad', stack.layers[1].multihead_attn.in_proj_weight.grad.norm().item() > 0)
print('norm_first flags', [l.norm_first for l in stack.layers])
