"""HuggingFace / nanoGPT-style GPT-2: Conv1D (torch.addmm with a transposed weight), causal mask buffer
torch.tril(...).view(1, 1, n, n) (bool, persistent=False), masked_bias, _split_heads/_merge_heads,
NewGELU (tanh approximation written out and F.gelu(approximate='tanh')), tied lm_head, scaled c_proj
init (std 0.02/sqrt(2*n_layer)), shift-by-one LM loss, generate with top-k and multinomial sampling."""
import math

import torch
import torch.nn as nn
from torch.nn import functional as F

torch.manual_seed(2024)


class Conv1D(nn.Module):
    def __init__(self, nf, nx):
        super().__init__()
        self.nf = nf
        self.weight = nn.Parameter(torch.empty(nx, nf))
        self.bias = nn.Parameter(torch.zeros(nf))
        nn.init.normal_(self.weight, std=0.02)

    def __repr__(self) -> str:
        return "Conv1D(nf={nf}, nx={nx})".format(**self.__dict__) if False else \
            f"Conv1D(nf={self.nf}, nx={self.weight.shape[0]})"

    def forward(self, x):
        size_out = x.size()[:-1] + (self.nf,)
        x = torch.addmm(self.bias, x.view(-1, x.size(-1)), self.weight)
        x = x.view(size_out)
        return x


class NewGELUActivation(nn.Module):
    def forward(self, input):
        return 0.5 * input * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (input + 0.044715 * torch.pow(input, 3.0))))


class GPT2Attention(nn.Module):
    def __init__(self, config, layer_idx=None):
        super().__init__()
        max_positions = config["n_positions"]
        self.register_buffer(
            "bias",
            torch.tril(torch.ones((max_positions, max_positions), dtype=torch.bool)).view(
                1, 1, max_positions, max_positions),
            persistent=False,
        )
        self.register_buffer("masked_bias", torch.tensor(-1e4), persistent=False)
        self.embed_dim = config["n_embd"]
        self.num_heads = config["n_head"]
        self.head_dim = self.embed_dim // self.num_heads
        self.split_size = self.embed_dim
        self.scale_attn_weights = True
        self.layer_idx = layer_idx
        self.c_attn = Conv1D(3 * self.embed_dim, self.embed_dim)
        self.c_proj = Conv1D(self.embed_dim, self.embed_dim)
        self.attn_dropout = nn.Dropout(config["attn_pdrop"])
        self.resid_dropout = nn.Dropout(config["resid_pdrop"])

    def _attn(self, query, key, value, attention_mask=None):
        attn_weights = torch.matmul(query, key.transpose(-1, -2))
        if self.scale_attn_weights:
            attn_weights = attn_weights / torch.full(
                [], value.size(-1) ** 0.5, dtype=attn_weights.dtype, device=attn_weights.device)
        query_length, key_length = query.size(-2), key.size(-2)
        causal_mask = self.bias[:, :, key_length - query_length: key_length, :key_length]
        mask_value = torch.finfo(attn_weights.dtype).min
        mask_value = torch.full([], mask_value, dtype=attn_weights.dtype, device=attn_weights.device)
        attn_weights = torch.where(causal_mask, attn_weights.to(attn_weights.dtype), mask_value)
        if attention_mask is not None:
            attn_weights = attn_weights + attention_mask
        attn_weights = nn.functional.softmax(attn_weights, dim=-1)
        attn_weights = attn_weights.type(value.dtype)
        attn_weights = self.attn_dropout(attn_weights)
        attn_output = torch.matmul(attn_weights, value)
        return attn_output, attn_weights

    def _split_heads(self, tensor, num_heads, attn_head_size):
        new_shape = tensor.size()[:-1] + (num_heads, attn_head_size)
        tensor = tensor.view(new_shape)
        return tensor.permute(0, 2, 1, 3)

    def _merge_heads(self, tensor, num_heads, attn_head_size):
        tensor = tensor.permute(0, 2, 1, 3).contiguous()
        new_shape = tensor.size()[:-2] + (num_heads * attn_head_size,)
        return tensor.view(new_shape)

    def forward(self, hidden_states, layer_past=None, attention_mask=None, use_cache=False):
        query, key, value = self.c_attn(hidden_states).split(self.split_size, dim=2)
        query = self._split_heads(query, self.num_heads, self.head_dim)
        key = self._split_heads(key, self.num_heads, self.head_dim)
        value = self._split_heads(value, self.num_heads, self.head_dim)
        if layer_past is not None:
            past_key, past_value = layer_past
            key = torch.cat((past_key, key), dim=-2)
            value = torch.cat((past_value, value), dim=-2)
        present = (key, value) if use_cache is True else None
        attn_output, attn_weights = self._attn(query, key, value, attention_mask)
        attn_output = self._merge_heads(attn_output, self.num_heads, self.head_dim)
        attn_output = self.c_proj(attn_output)
        attn_output = self.resid_dropout(attn_output)
        return attn_output, present


class GPT2MLP(nn.Module):
    def __init__(self, intermediate_size, config):
        super().__init__()
        embed_dim = config["n_embd"]
        self.c_fc = Conv1D(intermediate_size, embed_dim)
        self.c_proj = Conv1D(embed_dim, intermediate_size)
        self.act = NewGELUActivation()
        self.dropout = nn.Dropout(config["resid_pdrop"])

    def forward(self, hidden_states):
        return self.dropout(self.c_proj(self.act(self.c_fc(hidden_states))))


class GPT2Block(nn.Module):
    def __init__(self, config, layer_idx=None):
        super().__init__()
        hidden_size = config["n_embd"]
        self.ln_1 = nn.LayerNorm(hidden_size, eps=config["layer_norm_epsilon"])
        self.attn = GPT2Attention(config, layer_idx=layer_idx)
        self.ln_2 = nn.LayerNorm(hidden_size, eps=config["layer_norm_epsilon"])
        self.mlp = GPT2MLP(4 * hidden_size, config)

    def forward(self, hidden_states, layer_past=None, use_cache=False):
        residual = hidden_states
        attn_output, present = self.attn(self.ln_1(hidden_states), layer_past=layer_past, use_cache=use_cache)
        hidden_states = attn_output + residual
        residual = hidden_states
        hidden_states = residual + self.mlp(self.ln_2(hidden_states))
        return hidden_states, present


class GPT2LMHeadModel(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.config = config
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(config["vocab_size"], config["n_embd"]),
            wpe=nn.Embedding(config["n_positions"], config["n_embd"]),
            drop=nn.Dropout(config["embd_pdrop"]),
            h=nn.ModuleList([GPT2Block(config, layer_idx=i) for i in range(config["n_layer"])]),
            ln_f=nn.LayerNorm(config["n_embd"], eps=config["layer_norm_epsilon"]),
        ))
        self.lm_head = nn.Linear(config["n_embd"], config["vocab_size"], bias=False)
        self.apply(self._init_weights)
        self.lm_head.weight = self.transformer.wte.weight
        for name, p in self.named_parameters():
            if name.endswith("c_proj.weight"):
                torch.nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * config["n_layer"]))

    def _init_weights(self, module):
        if isinstance(module, (nn.Linear, Conv1D)):
            module.weight.data.normal_(mean=0.0, std=0.02)
            if module.bias is not None:
                module.bias.data.zero_()
        elif isinstance(module, nn.Embedding):
            module.weight.data.normal_(mean=0.0, std=0.02)
        elif isinstance(module, nn.LayerNorm):
            module.bias.data.zero_()
            module.weight.data.fill_(1.0)

    def forward(self, idx, targets=None, past_key_values=None, use_cache=False):
        b, t = idx.size()
        past_length = 0 if past_key_values is None else past_key_values[0][0].size(-2)
        pos = torch.arange(past_length, t + past_length, dtype=torch.long, device=idx.device).unsqueeze(0)
        x = self.transformer.drop(self.transformer.wte(idx) + self.transformer.wpe(pos))
        presents = () if use_cache else None
        for i, block in enumerate(self.transformer.h):
            x, present = block(x, layer_past=None if past_key_values is None else past_key_values[i],
                               use_cache=use_cache)
            if use_cache:
                presents = presents + (present,)
        x = self.transformer.ln_f(x)
        logits = self.lm_head(x)
        loss = None
        if targets is not None:
            shift_logits = logits[..., :-1, :].contiguous()
            shift_labels = targets[..., 1:].contiguous()
            loss = F.cross_entropy(shift_logits.view(-1, shift_logits.size(-1)), shift_labels.view(-1),
                                   ignore_index=-1)
        return logits, loss, presents

    @torch.no_grad()
    def generate(self, idx, max_new_tokens, temperature=1.0, top_k=None):
        for _ in range(max_new_tokens):
            idx_cond = idx if idx.size(1) <= self.config["n_positions"] else idx[:, -self.config["n_positions"]:]
            logits, _, _ = self(idx_cond)
            logits = logits[:, -1, :] / temperature
            if top_k is not None:
                v, _ = torch.topk(logits, min(top_k, logits.size(-1)))
                logits[logits < v[:, [-1]]] = -float('Inf')
            probs = F.softmax(logits, dim=-1)
            idx_next = torch.multinomial(probs, num_samples=1)
            idx = torch.cat((idx, idx_next), dim=1)
        return idx


config = dict(vocab_size=40, n_positions=16, n_embd=32, n_layer=2, n_head=4, embd_pdrop=0.1, attn_pdrop=0.1,
              resid_pdrop=0.1, layer_norm_epsilon=1e-5)
model = GPT2LMHeadModel(config)
print(model)
n_params = sum(p.numel() for p in model.parameters())
print("number of parameters: %.2fK" % (n_params / 1e3,), n_params)
print(len(list(model.parameters())), len(list(model.named_parameters(remove_duplicate=False))))
print(model.lm_head.weight is model.transformer.wte.weight)
print([(n, tuple(p.shape)) for n, p in model.named_parameters() if ".h.1." not in n])
sd = model.state_dict()
print(len(sd), "lm_head.weight" in sd, [k for k in sd if "attn.bias" in k])
print(model.transformer.h[0].attn.bias.dtype, model.transformer.h[0].attn.bias.shape,
      model.transformer.h[0].attn.bias[0, 0, :4, :4])
print(model.transformer.h[0].attn.masked_bias)
print(["%.4f" % p.std().item() for n, p in model.named_parameters() if n.endswith("c_proj.weight")])

# activation checks
x = torch.linspace(-3, 3, 7)
print(NewGELUActivation()(x))
print(F.gelu(x, approximate="tanh"))
print(nn.GELU(approximate="tanh"), torch.allclose(NewGELUActivation()(x), F.gelu(x, approximate="tanh"), atol=1e-6))

# nanoGPT configure_optimizers
param_dict = {pn: p for pn, p in model.named_parameters() if p.requires_grad}
decay_params = [p for n, p in param_dict.items() if p.dim() >= 2]
nodecay_params = [p for n, p in param_dict.items() if p.dim() < 2]
optim_groups = [{'params': decay_params, 'weight_decay': 0.1}, {'params': nodecay_params, 'weight_decay': 0.0}]
print(f"num decayed parameter tensors: {len(decay_params)}, with {sum(p.numel() for p in decay_params):,} parameters")
print(f"num non-decayed parameter tensors: {len(nodecay_params)}, "
      f"with {sum(p.numel() for p in nodecay_params):,} parameters")
optimizer = torch.optim.AdamW(optim_groups, lr=3e-3, betas=(0.9, 0.95), fused=False)

data = torch.randint(0, config["vocab_size"], (200,))
block_size, batch_size = 12, 4


def get_batch():
    ix = torch.randint(len(data) - block_size, (batch_size,))
    x = torch.stack([data[i:i + block_size] for i in ix])
    y = torch.stack([data[i + 1:i + 1 + block_size] for i in ix])
    return x, y


def get_lr(it, warmup_iters=2, lr_decay_iters=6, learning_rate=3e-3, min_lr=3e-4):
    if it < warmup_iters:
        return learning_rate * (it + 1) / (warmup_iters + 1)
    if it > lr_decay_iters:
        return min_lr
    decay_ratio = (it - warmup_iters) / (lr_decay_iters - warmup_iters)
    coeff = 0.5 * (1.0 + math.cos(math.pi * decay_ratio))
    return min_lr + coeff * (learning_rate - min_lr)


model.train()
for it in range(5):
    lr = get_lr(it)
    for param_group in optimizer.param_groups:
        param_group['lr'] = lr
    X, Y = get_batch()
    logits, loss, _ = model(X, Y)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    print(f"iter {it}: loss {loss.item():.4f}, lr {lr:.2e}, norm {norm:.4f}")

model.eval()
with torch.no_grad():
    X, Y = get_batch()
    logits, loss, _ = model(X, Y)
    print(logits.shape, f"{loss.item():.5f}")
    # kv-cache equals full recompute
    full, _, _ = model(X[:, :6])
    first, _, past = model(X[:, :5], use_cache=True)
    step, _, _ = model(X[:, 5:6], past_key_values=past)
    print(len(past), past[0][0].shape, torch.allclose(full[:, -1], step[:, -1], atol=1e-5))
torch.manual_seed(7)
out = model.generate(torch.zeros((2, 1), dtype=torch.long), max_new_tokens=8, temperature=0.8, top_k=5)
print(out)
print(out.tolist()[0])
