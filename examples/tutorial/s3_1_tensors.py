"""Tutorial section 3.1 (tensors): creation, attributes, indexing, reshaping and math."""
import ember as torch

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

x = torch.randn(3, 4, 5)

# 张量属性
print(f"形状: {x.shape}")       # torch.Size([3, 4, 5])
print(f"维度: {x.dim()}")       # 3
print(f"数据类型: {x.dtype}")   # torch.float32
print(f"存储设备: {x.device}")  # cpu 或 cuda:0

# 索引和切片（类似 NumPy）
print(x[0])                     # 第一个元素
print(x[:, 0:2, :])             # 高级索引和切片

# 改变形状
y = x.view(3, 20)               # 改变形状为 3x20
y = x.reshape(3, 20)            # 类似 view，但某些情况下会复制数据
y = x.permute(2, 0, 1)          # 维度换位
y = x.transpose(0, 1)           # 交换两个维度

a = torch.randn(2, 3)
b = torch.randn(2, 3)

# 基本运算
c = a + b                       # 加法
c = torch.add(a, b)             # 函数形式的加法
c = a - b                       # 减法
c = a * b                       # 逐元素乘法
c = a / b                       # 逐元素除法

# 矩阵运算
c = torch.mm(a, b.t())          # 矩阵乘法
c = a @ b.t()                   # 矩阵乘法（Python 3.5+ 语法）
c = torch.matmul(a, b.t())      # 广义矩阵乘法

# 统计操作
mean = torch.mean(a)            # 均值
sum = torch.sum(a)              # 求和
max_val, max_idx = torch.max(a, dim=1)  # 最大值及其索引
print(mean, sum, max_val, max_idx)
