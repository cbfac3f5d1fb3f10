"""Tutorial 3.5: the common loss functions."""
# --- filled in: names the tutorial leaves undefined ---
import torch
# --- the tutorial's code ---
import torch.nn as nn

# 二分类交叉熵损失
bce_loss = nn.BCELoss()

# 分类交叉熵损失（带logits）
ce_loss = nn.CrossEntropyLoss()

# 均方误差损失（回归）
mse_loss = nn.MSELoss()

# L1损失（回归）
l1_loss = nn.L1Loss()

# 平滑L1损失（回归）
smooth_l1 = nn.SmoothL1Loss()

# --- shows the result ---
p = torch.sigmoid(torch.randn(4))
t = torch.tensor([0., 1., 1., 0.])
logits, labels = torch.randn(4, 3), torch.tensor([0, 2, 1, 2])
a, b = torch.randn(4), torch.randn(4)
print(bce_loss, ce_loss, mse_loss, l1_loss, smooth_l1, sep="\n")
print(bce_loss(p, t).item(), ce_loss(logits, labels).item(), mse_loss(a, b).item(), l1_loss(a, b).item(),
      smooth_l1(a, b).item())
