"""Tutorial 3.1: elementwise and matrix math, statistics."""
# --- filled in: names the tutorial leaves undefined ---
import torch
# --- the tutorial's code ---
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

# --- shows the result ---
print(c.shape, mean, sum, max_val, max_idx, sep="\n")
