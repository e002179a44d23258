# dtype promotion, in-place ops and views, numpy interop, caught errors
import numpy as np
import torch

torch.manual_seed(3)
i = torch.tensor([1, 2, 3])
f = torch.tensor([0.5, 1.5, 2.5])
b = torch.tensor([True, False, True])
h = torch.tensor([1.0, 2.0], dtype=torch.float16)
d = torch.tensor([1.0, 2.0], dtype=torch.float64)
u8 = torch.tensor([200, 100], dtype=torch.uint8)
i8 = torch.tensor([-3, 5], dtype=torch.int8)
print((i + f).dtype, (i * 2.5).dtype, (i / 2).dtype, (i // 2).dtype, (b + b).dtype, (b * 1.5).dtype)
print((h + 1.0).dtype, (h + d).dtype, (h + i[:2]).dtype, (u8 + i8).dtype, (u8 + 100), (i8 * 2).dtype)
print(i / 2, i // 2, i % 2, -i // 2, torch.tensor([-7, 7]) % 3, torch.fmod(torch.tensor([-7, 7]), 3))
print(i ** 2, i ** 0.5, 2 ** i, i.pow(-1.0), torch.tensor(2) ** torch.tensor(3))
print(b.sum(), b.float().mean(), b.long(), b.int().dtype, (~b), b & torch.tensor([True, True, False]))
print(torch.tensor(5) / torch.tensor(2), torch.tensor(5).div(2, rounding_mode='floor'), torch.div(torch.tensor(-5), 2, rounding_mode='trunc'))
print(u8 + u8, u8.to(torch.int32) + u8, u8 - 201)
print(torch.tensor(3, dtype=torch.int32) + torch.tensor([1, 2], dtype=torch.int16))
print(torch.result_type(i, 1.0), torch.promote_types(torch.int32, torch.float16), torch.can_cast(torch.float32, torch.int32))
print(f.int(), f.long(), torch.tensor([-1.7, 1.7]).long(), f.to(torch.float64), f.double().dtype, f.type(torch.int64))
print(f.type(), i.type(), torch.tensor([1.0]).half().type())
print(f.to(i), f.to(dtype=torch.int16, copy=True), i.is_floating_point(), f.is_floating_point(), torch.is_tensor(f))
print(torch.mean(i.float()), torch.sum(i, dtype=torch.float32), i.sum().dtype, torch.prod(i8).dtype)

a = torch.arange(12)
v = a.view(3, 4)
v[0, 0] = 100
print(a[0], v.data_ptr() == a.data_ptr(), v._base is a if hasattr(v, '_base') else None)
t = v.t()
print(t.is_contiguous(), t.stride(), t.contiguous().stride())
try:
    t.view(-1)
except RuntimeError as e:
    print('RuntimeError:', e)
print(t.reshape(-1))
p = torch.randn(2, 3, 4).permute(2, 0, 1)
print(p.shape, p.stride(), p.is_contiguous())
e = torch.ones(3, 1).expand(3, 4)
print(e.shape, e.stride(), torch.ones(3).expand(2, -1).shape)
try:
    e.add_(1)
except RuntimeError as err:
    print('RuntimeError:', err)
x = torch.zeros(4)
y = x[1:3]
y.fill_(7)
print(x)
x.unsqueeze_(0)
print(x.shape)
x.squeeze_()
print(x.shape, x.unsqueeze(-1).shape, x.flatten().shape, torch.arange(24).view(2, 3, 4).flatten(1).shape)
print(torch.arange(6).view(2, 3).unflatten(1, (3, 1)).shape, torch.arange(6).view(-1, 2).shape)
z = torch.arange(6.0).view(2, 3)
z.mul_(2).add_(1).clamp_(max=8)
print(z, z.sub_(torch.tensor([1.0, 1.0, 1.0])), z.div_(2))
z.t_()
print(z.shape)
c = z.clone()
c[0, 0] = -5
print(z[0, 0], c[0, 0])
dt = z.detach()
dt[0, 0] = 42
print(z[0, 0])

n = np.arange(6, dtype=np.float32).reshape(2, 3)
tn = torch.from_numpy(n)
n[0, 0] = 99
print(tn, tn.dtype)
tn[1, 1] = -1
print(n)
tt = torch.tensor(n)
n[0, 1] = 55
print(tt[0, 1], torch.as_tensor(n)[0, 1])
back = tn.numpy()
back[1, 2] = 77
print(tn[1, 2], type(back), back.dtype)
print(torch.from_numpy(np.array([1, 2, 3])).dtype, torch.from_numpy(np.array([1.0])).dtype, torch.tensor(np.float64(2.5)).dtype)
print(torch.tensor(np.array([True, False])).dtype, torch.from_numpy(np.zeros((2, 2), dtype=np.int32)).dtype)
r = torch.randn(3, requires_grad=True)
try:
    r.numpy()
except RuntimeError as err:
    print('RuntimeError:', err)
print(r.detach().numpy().shape, np.asarray(torch.ones(2)).dtype, torch.ones(2, dtype=torch.float64).numpy().dtype)
print(np.array(torch.arange(3)), float(torch.tensor([2.5])), int(torch.tensor(7)), bool(torch.tensor([1])))
print(torch.arange(4).numpy().sum(), torch.tensor([1, 2]).tolist() == [1, 2])

def show(fn):
    try:
        fn()
    except Exception as err:
        print(type(err).__name__ + ':', err)

show(lambda: torch.ones(2, 3) + torch.ones(3, 2))
show(lambda: torch.ones(2, 3) @ torch.ones(2, 3))
show(lambda: torch.mm(torch.ones(2, 3), torch.ones(4, 5)))
show(lambda: torch.cat([torch.ones(2, 3), torch.ones(2, 4)]))
show(lambda: torch.ones(6).view(4, 2))
show(lambda: torch.ones(2, 3).reshape(4))
show(lambda: torch.ones(3)[5])
show(lambda: torch.nn.Linear(4, 2)(torch.ones(3, 5)))
show(lambda: torch.nn.functional.cross_entropy(torch.randn(3, 4), torch.tensor([0, 1, 4])))
show(lambda: torch.stack([torch.ones(2), torch.ones(3)]))
show(lambda: torch.ones(2, 2).bmm(torch.ones(2, 2)))
show(lambda: torch.zeros(3).item())
show(lambda: torch.tensor([1, 2]) + torch.tensor([1, 2, 3]))
show(lambda: torch.ones(2, 3).permute(0))
show(lambda: torch.ones(2).sum(dim=2))
show(lambda: torch.randn(2, requires_grad=True).add_(1))
show(lambda: torch.nn.Embedding(5, 2)(torch.tensor([5])))
show(lambda: torch.ones(2, 3).expand(3, 3))
show(lambda: torch.ones(3, 4).gather(1, torch.tensor([[0, 1]], dtype=torch.int32)))
show(lambda: torch.ones(2, 2).masked_fill(torch.tensor([1, 0]), 0.0))
show(lambda: torch.ones(2, 3).transpose(0, 2))
