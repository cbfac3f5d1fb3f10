"""Tutorial 3.4: SGD, Adam and RMSprop optimizers and a StepLR scheduler."""
# --- filled in: names the tutorial leaves undefined ---
import torch.nn as nn
import torch.nn.functional as F


class SimpleNet(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super(SimpleNet, self).__init__()
        self.fc1 = nn.Linear(input_size, hidden_size)
        self.fc2 = nn.Linear(hidden_size, output_size)

    def forward(self, x):
        x = F.relu(self.fc1(x))
        x = self.fc2(x)
        return x
# --- the tutorial's code ---
import torch.optim as optim

# 定义网络
model = SimpleNet(10, 50, 2)

# 随机梯度下降(SGD)优化器
optimizer = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

# Adam 优化器
optimizer = optim.Adam(model.parameters(), lr=0.001, betas=(0.9, 0.999))

# RMSprop 优化器
optimizer = optim.RMSprop(model.parameters(), lr=0.01, alpha=0.99)

# 学习率调度器
scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=30, gamma=0.1)

# --- shows the result ---
print(optimizer)
print(scheduler.get_last_lr())
