"""Tutorial 3.2: gradients accumulate over backward calls (3 x 2 = 6) until zeroed."""
# --- filled in: names the tutorial leaves undefined ---
import torch
# --- the tutorial's code ---
x = torch.randn(2, 2, requires_grad=True)

# 多次前向和反向传播会累积梯度
for _ in range(3):
    y = x * 2
    y.sum().backward()
    
print(x.grad)  # 梯度值为 6 (3次累积，每次为2)

# 清零梯度
x.grad.zero_()

# --- shows the result ---
print(x.grad)
