"""Tutorial 3.2: detach() and no_grad() stop gradient tracking."""
# --- filled in: names the tutorial leaves undefined ---
import torch
# --- the tutorial's code ---
# 分离张量，阻止梯度传播
x = torch.randn(2, 2, requires_grad=True)
y = x * 2
z = y.detach()  # z 不会追踪梯度

# 临时禁用梯度计算（推理阶段常用）
with torch.no_grad():
    y = x * 2  # 不会记录梯度

# --- shows the result ---
print(z.requires_grad, y.requires_grad)
