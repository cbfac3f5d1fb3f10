"""Tutorial 3.1: creating tensors from lists, by shape, by range and with dtypes."""
import torch

# 从 Python 列表创建
x = torch.tensor([[1, 2], [3, 4]])

# 创建特定形状的张量
zeros = torch.zeros(2, 3)       # 全 0 张量
ones = torch.ones(2, 3)         # 全 1 张量
rand = torch.rand(2, 3)         # 均匀分布随机数张量
randn = torch.randn(2, 3)       # 标准正态分布随机数张量
arange = torch.arange(10)       # 序列张量
linspace = torch.linspace(0, 1, 5)  # 线性间隔张量

# 创建特定数据类型的张量
x_float = torch.tensor([1.0, 2.0], dtype=torch.float32)
x_long = torch.tensor([1, 2], dtype=torch.int64)

# --- shows the result ---
print(x, zeros, ones, rand.shape, randn.shape, arange, linspace, x_float.dtype, x_long.dtype, sep="\n")
