"""Tutorial 3.3: building a network with nn.Sequential."""
# --- filled in: names the tutorial leaves undefined ---
import torch
import torch.nn as nn
# --- the tutorial's code ---
# 使用 Sequential 顺序构建网络
model = nn.Sequential(
    nn.Linear(10, 50),
    nn.ReLU(),
    nn.Linear(50, 20),
    nn.ReLU(),
    nn.Linear(20, 2)
)

# --- shows the result ---
print(model)
print(model(torch.randn(4, 10)).shape)
