"""A byte-pair-encoding tokenizer trained in Python (minbpe style), with pair counts held in tensors:
ids as a LongTensor, adjacent pairs packed to one integer, torch.unique(return_counts=True) and
bincount to find the most frequent pair, merges applied with masks; then encode/decode round trips."""
import torch

torch.manual_seed(0)

text = ("low lower lowest newer newest wider widest low low lower newest newest "
        "the lowest newest wider slower slowest")
data = torch.tensor(list(text.encode('utf-8')), dtype=torch.long)
print('bytes', data.shape, data.dtype, data[:10].tolist())
print('unique bytes', torch.unique(data).numel())


def pair_stats(ids):
    pairs = ids[:-1] * 100000 + ids[1:]
    uniq, counts = torch.unique(pairs, return_counts=True)
    return uniq, counts


def best_pair(ids):
    uniq, counts = pair_stats(ids)
    # ties go to the smallest pair id, as sorted unique + argmax gives
    top = counts.argmax()
    p = uniq[top].item()
    return (p // 100000, p % 100000), counts[top].item()


def merge(ids, pair, new_id):
    out = []
    i = 0
    L = ids.tolist()
    while i < len(L):
        if i < len(L) - 1 and L[i] == pair[0] and L[i + 1] == pair[1]:
            out.append(new_id)
            i += 2
        else:
            out.append(L[i])
            i += 1
    return torch.tensor(out, dtype=torch.long)


def merge_vectorized(ids, pair, new_id):
    # mark starts of matches, suppress overlapping ones (a a a -> (a a) a)
    m = (ids[:-1] == pair[0]) & (ids[1:] == pair[1])
    m = torch.cat([m, torch.zeros(1, dtype=torch.bool)])
    starts = m.clone()
    for i in range(1, len(starts)):
        if starts[i] and starts[i - 1]:
            starts[i] = False
    drop = torch.roll(starts, 1)
    drop[0] = False
    out = ids.clone()
    out[starts] = new_id
    return out[~drop]


num_merges = 12
ids = data.clone()
merges = {}
vocab = {i: bytes([i]) for i in range(256)}
for k in range(num_merges):
    pair, cnt = best_pair(ids)
    new_id = 256 + k
    a = merge(ids, pair, new_id)
    b = merge_vectorized(ids, pair, new_id)
    assert torch.equal(a, b)
    ids = a
    merges[pair] = new_id
    vocab[new_id] = vocab[pair[0]] + vocab[pair[1]]
    print(f'merge {k}: {pair} -> {new_id} {vocab[new_id]!r} count={cnt} len={len(ids)}')

print('compression', round(len(data) / len(ids), 4))
hist = torch.bincount(ids, minlength=256 + num_merges)
print('hist shape', hist.shape, 'used', (hist > 0).sum().item(), 'max', hist.max().item())
print('top tokens', [vocab[i] for i in hist.topk(5).indices.tolist()])


def encode(s):
    ids = torch.tensor(list(s.encode('utf-8')), dtype=torch.long)
    while len(ids) >= 2:
        uniq, _ = pair_stats(ids)
        cands = [(merges.get((p // 100000, p % 100000), 10 ** 9), p) for p in uniq.tolist()]
        rank, p = min(cands)
        if rank == 10 ** 9:
            break
        ids = merge(ids, (p // 100000, p % 100000), rank)
    return ids


def decode(ids):
    return b''.join(vocab[i] for i in ids.tolist()).decode('utf-8', errors='replace')


for s in ['lowest', 'newer wider', 'slowly', 'héllo']:
    e = encode(s)
    print(repr(s), e.tolist(), repr(decode(e)), decode(e) == s)

# a padded batch of encodings, with an attention mask
batch = [encode(s) for s in ['low', 'newest wider', 'the slowest']]
lens = torch.tensor([len(b) for b in batch])
padded = torch.nn.utils.rnn.pad_sequence(batch, batch_first=True, padding_value=-1)
mask = padded.ne(-1)
print('padded', padded)
print('lens', lens, 'mask sum', mask.sum(1))
print('sorted', torch.sort(lens, descending=True))
u, inv, c = torch.unique(padded[mask], return_inverse=True, return_counts=True)
print('unique', u.tolist(), inv.shape, c.tolist())
print('unique_consecutive', torch.unique_consecutive(torch.tensor([1, 1, 2, 2, 2, 3, 1, 1]), return_counts=True))
vals, counts = torch.unique(ids, sorted=True, return_counts=True)
print('token counts dtype', vals.dtype, counts.dtype, counts.sum().item() == len(ids))
# a frequency-ordered vocabulary (ties in counts are common): sort / argsort / kthvalue / mode
sv, si = torch.sort(hist, descending=True)
print('by frequency', si[:20].tolist(), sv[:20].tolist())
print('argsort ascending head', torch.argsort(hist)[:12].tolist())
print('stable', torch.sort(hist, descending=True, stable=True).indices[:10].tolist())
print('kthvalue', torch.kthvalue(hist.float(), 260), 'mode', torch.mode(ids))
print('median token id', torch.median(ids), ids.float().median())
