"""Tutorial 3.1: tensor attributes, indexing and slicing, reshaping."""
# --- filled in: names the tutorial leaves undefined ---
import torch
# --- the tutorial's code ---
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

# --- shows the result ---
print(y.shape)
