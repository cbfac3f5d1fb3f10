"""Tutorial section 3.2 (autograd): gradients, accumulation, zeroing, detach and no_grad."""
import ember as torch

# 创建需要梯度的张量
x = torch.randn(2, 2, requires_grad=True)
y = torch.randn(2, 2, requires_grad=True)

# 前向计算
z = x * 2 + y * y

# 计算梯度
z.backward(torch.ones_like(z))

# 查看梯度
print(x.grad)  # dz/dx = 2
print(y.grad)  # dz/dy = 2*y

x = torch.randn(2, 2, requires_grad=True)

# 多次前向和反向传播会累积梯度
for _ in range(3):
    y = x * 2
    y.sum().backward()

print(x.grad)  # 梯度值为 6 (3次累积，每次为2)

# 清零梯度
x.grad.zero_()

# 分离张量，阻止梯度传播
x = torch.randn(2, 2, requires_grad=True)
y = x * 2
z = y.detach()  # z 不会追踪梯度

# 临时禁用梯度计算（推理阶段常用）
with torch.no_grad():
    y = x * 2  # 不会记录梯度
print(z.requires_grad, y.requires_grad)
