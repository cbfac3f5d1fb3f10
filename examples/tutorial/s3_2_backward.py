"""Tutorial 3.2: backward of z = 2x + y*y gives dz/dx = 2 and dz/dy = 2y."""
# --- filled in: names the tutorial leaves undefined ---
import torch
# --- the tutorial's code ---
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

# --- shows the result ---
print(torch.allclose(y.grad, 2 * y))
