# Splitting, repeating and viewing: patch extraction with unfold/as_strided, sliding windows,
# and what stride()/storage_offset()/is_contiguous() say after each view.
import torch

torch.manual_seed(6)


def info(name, t):
    print(f'{name}: shape={tuple(t.shape)} stride={t.stride()} offset={t.storage_offset()} contig={t.is_contiguous()}')


x = torch.arange(24).view(2, 3, 4)
info('x', x)
info('x.t-like transpose', x.transpose(0, 2))
info('x[:, 1]', x[:, 1])
info('x[..., ::2]', x[..., ::2])
info('x[1:, 1:, 1:]', x[1:, 1:, 1:])
info('permute', x.permute(2, 0, 1))
info('movedim', torch.movedim(x, 0, -1))
info('movedim multi', x.movedim((0, 1), (2, 0)))
info('swapaxes', x.swapaxes(0, 1))
info('swapdims', torch.swapdims(x, 1, 2))
info('unsqueeze', x.unsqueeze(1))
info('expand', torch.tensor([1, 2, 3]).view(3, 1).expand(3, 4))
info('expand -1', x[:, :1].expand(-1, 5, -1))
info('narrow', x.narrow(2, 1, 2))
info('narrow tensor start', torch.narrow(x, 1, torch.tensor(1), 2))
info('diagonal', torch.arange(16).view(4, 4).diagonal(1))
info('select neg', x.select(-1, -1))
info('flatten view', x.flatten(1))
info('contiguous of transpose', x.transpose(1, 2).contiguous())
info('0-d', torch.tensor(3.5))
info('empty', torch.empty(0, 4))
info('empty slice', x[:, 3:])
print('view on non-contig fails?')
try:
    x.transpose(1, 2).view(-1)
except RuntimeError as e:
    print(type(e).__name__, str(e))
print('reshape copy:', x.transpose(1, 2).reshape(-1)[:6])

# chunk / split / tensor_split / unbind
seq = torch.arange(10)
print('chunk 3:', seq.chunk(3))
print('chunk 4:', torch.chunk(seq, 4))
print('chunk more than size:', torch.arange(3).chunk(5))
print('split 4:', seq.split(4))
print('split sizes:', torch.split(seq, [2, 5, 3]))
print('split dim1:', [t.shape for t in x.split([1, 3], dim=2)])
print('tensor_split n:', torch.tensor_split(seq, 3))
print('tensor_split idx:', torch.tensor_split(seq, [1, 5, 20]))
print('tensor_split tensor:', seq.tensor_split(torch.tensor([3, 7])))
print('unbind:', x.unbind(1)[2])
for i, t in enumerate(seq.split(4)):
    info(f'split part {i}', t)
qkv = torch.randn(2, 5, 12)
q, k, v = qkv.chunk(3, dim=-1)
info('q chunk', q)

# expand / repeat / repeat_interleave
r = torch.tensor([[1, 2], [3, 4]])
print('repeat:', r.repeat(2, 3))
print('repeat add dims:', r.repeat(2, 1, 1).shape)
print('repeat_interleave:', r.repeat_interleave(2))
print('repeat_interleave dim0:', r.repeat_interleave(torch.tensor([1, 3]), dim=0))
print('repeat_interleave output_size:', torch.repeat_interleave(torch.tensor([5, 6, 7]), torch.tensor([2, 0, 1]), output_size=3))
print('repeat_interleave counts only:', torch.repeat_interleave(torch.tensor([2, 1, 3])))
print('repeat_interleave dim1:', r.repeat_interleave(3, dim=1))
print('expand_as:', torch.tensor([1., 2.]).expand_as(torch.zeros(3, 2)))
e = torch.zeros(1, 3).expand(2, 3)
try:
    e.add_(1)
except RuntimeError as err:
    print(type(err).__name__, str(err))

# unfold windows and patches
sig = torch.arange(10.)
win = sig.unfold(0, 4, 2)
info('unfold windows', win)
print(win)
img = torch.arange(36.).view(1, 6, 6)
patches = img.unfold(1, 3, 3).unfold(2, 3, 3)
info('patches', patches)
print(patches[0, 1, 0])
print('patch means:', patches.mean(dim=(-1, -2)))
info('unfold step>size', sig.unfold(0, 2, 3))

# as_strided
base = torch.arange(9.)
sw = torch.as_strided(base, (3, 3), (1, 1))
info('as_strided overlap', sw)
print(sw)
info('as_strided offset', base.as_strided((2, 2), (3, 1), 4))
print(base.as_strided((2, 2), (3, 1), 4))
rolled = torch.as_strided(torch.arange(6), (4, 3), (1, 1))
print('hankel:', rolled)
view = base[2:]
info('slice then as_strided', view.as_strided((2,), (2,)))
print(view.as_strided((2,), (2,)), view.as_strided((2,), (2,), 0))
t = torch.zeros(4)
w = t.as_strided((2,), (2,))
w += 1
print('write through as_strided:', t)
info('T of 2d', torch.ones(3, 5).T)
info('mT batch', torch.ones(2, 3, 5).mT)
info('unflatten', torch.arange(12).unflatten(0, (3, -1)))
info('view dtype', torch.zeros(4, dtype=torch.float32).view(torch.int32))
print('data_ptr same:', x[1].data_ptr() - x.data_ptr() == 12 * x.element_size(), x.untyped_storage().nbytes())
