"""PyTorch tutorial "Tensors" (beginner/basics/tensorqs_tutorial.py) and the 60-minute blitz
tensor tutorial: creation, attributes, indexing, joining, arithmetic, in-place ops, the NumPy
bridge."""
import torch
import numpy as np

torch.manual_seed(0)

# Initializing a Tensor
data = [[1, 2], [3, 4]]
x_data = torch.tensor(data)
print(x_data, x_data.dtype)

np_array = np.array(data)
x_np = torch.from_numpy(np_array)
print(x_np, x_np.dtype)

x_ones = torch.ones_like(x_data)  # retains the properties of x_data
print(f"Ones Tensor: \n {x_ones} \n")

x_rand = torch.rand_like(x_data, dtype=torch.float)  # overrides the datatype of x_data
print(f"Random Tensor: \n {x_rand} \n")

shape = (2, 3,)
rand_tensor = torch.rand(shape)
ones_tensor = torch.ones(shape)
zeros_tensor = torch.zeros(shape)

print(f"Random Tensor: \n {rand_tensor} \n")
print(f"Ones Tensor: \n {ones_tensor} \n")
print(f"Zeros Tensor: \n {zeros_tensor}")

# Attributes of a Tensor
tensor = torch.rand(3, 4)

print(f"Shape of tensor: {tensor.shape}")
print(f"Datatype of tensor: {tensor.dtype}")
print(f"Device tensor is stored on: {tensor.device}")

# We move our tensor to the current accelerator if available
if torch.accelerator.is_available():
    tensor = tensor.to(torch.accelerator.current_accelerator())
print(f"Device tensor is stored on: {tensor.device}")

# Standard numpy-like indexing and slicing
tensor = torch.ones(4, 4)
print(f"First row: {tensor[0]}")
print(f"First column: {tensor[:, 0]}")
print(f"Last column: {tensor[..., -1]}")
tensor[:, 1] = 0
print(tensor)

# Joining tensors
t1 = torch.cat([tensor, tensor, tensor], dim=1)
print(t1)
print(t1.shape, torch.cat([tensor, tensor], dim=0).shape)
s1 = torch.stack([tensor, tensor, tensor])
print(s1.shape, torch.stack([tensor[0], tensor[1]], dim=1))
print(torch.hstack([tensor[0], tensor[1]]), torch.vstack([tensor[0], tensor[1]]).shape)

# Arithmetic operations
y1 = tensor @ tensor.T
y2 = tensor.matmul(tensor.T)

y3 = torch.rand_like(y1)
torch.matmul(tensor, tensor.T, out=y3)
print(y1, torch.equal(y1, y2), torch.equal(y2, y3))

z1 = tensor * tensor
z2 = tensor.mul(tensor)

z3 = torch.rand_like(tensor)
torch.mul(tensor, tensor, out=z3)
print(z3, torch.equal(z1, z2))

# Single-element tensors
agg = tensor.sum()
agg_item = agg.item()
print(agg_item, type(agg_item))

# In-place operations
print(f"{tensor} \n")
tensor.add_(5)
print(tensor)

# Bridge with NumPy
t = torch.ones(5)
print(f"t: {t}")
n = t.numpy()
print(f"n: {n}")

t.add_(1)
print(f"t: {t}")
print(f"n: {n}")

n = np.ones(5)
t = torch.from_numpy(n)

np.add(n, 1, out=n)
print(f"t: {t}")
print(f"n: {n}")

# ---- the 60-minute blitz: "What is PyTorch?" ----
x = torch.empty(5, 3).zero_()
print(x)
x = torch.rand(5, 3)
print(x)
x = torch.zeros(5, 3, dtype=torch.long)
print(x)
x = torch.tensor([5.5, 3])
print(x)
x = x.new_ones(5, 3, dtype=torch.double)      # new_* methods take in sizes
print(x)
x = torch.randn_like(x, dtype=torch.float)    # override dtype!
print(x)
print(x.size(), x.size()[0], len(x.size()), tuple(x.size()))
y = torch.rand(5, 3)
print(x + y)
print(torch.add(x, y))
result = torch.empty(5, 3)
torch.add(x, y, out=result)
print(result)
y.add_(x)
print(y)
print(x[:, 1])
x = torch.randn(4, 4)
y = x.view(16)
z = x.view(-1, 8)  # the size -1 is inferred from other dimensions
print(x.size(), y.size(), z.size())
x = torch.randn(1)
print(x)
print(x.item())
a = torch.ones(5)
b = a.numpy()
a.add_(1)
print(a)
print(b, b.dtype, type(b).__name__)
a = np.ones(5)
b = torch.from_numpy(a)
np.add(a, 1, out=a)
print(a)
print(b)

# more of the indexing and manipulation the tutorials show
t = torch.arange(12).reshape(3, 4)
print(t, t.dtype)
print(t[1:, ::2], t[[0, 2]], t[t > 5], t[:, [True, False, True, False]])
print(t.T.is_contiguous(), t.T.contiguous().stride(), t.stride())
print(torch.chunk(t, 2, dim=1), torch.split(t, [1, 2]))
print(t.unsqueeze(0).shape, t.flatten(), t.permute(1, 0).shape, t.squeeze().shape)
print(t.float().mean(), t.max(), t.argmax(dim=1), t.sum(dim=0, keepdim=True))
print(torch.where(t % 2 == 0, t, -t))
t.clamp_(2, 9)
print(t)
t.mul_(2).sub_(1)
print(t, t.add(0.5).dtype, (t / 2).dtype, (t // 2).dtype)
print(torch.zeros(2, 2).fill_(7), torch.full((2, 3), 3.14), torch.eye(3, dtype=torch.int32))
print(torch.linspace(0, 1, steps=5), torch.arange(0, 1, 0.25), torch.logspace(0, 2, 3))
print(torch.is_tensor(t), torch.numel(t), t.ndim, t.dim(), t.element_size(), t.nbytes)
arr = t.numpy()
arr[0, 0] = 100
print(t[0])
print(torch.as_tensor(np.arange(4.0)), torch.tensor(np.arange(3, dtype=np.float32)).dtype)
print(torch.tensor(3.5).shape, torch.tensor([]).shape, torch.tensor([[1], [2]]).T)
print(x_rand.tolist(), x_data.numpy().tolist(), x_data.double())
