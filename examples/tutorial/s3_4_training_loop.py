"""Tutorial 3.4: the training loop (zero_grad, backward, step, scheduler.step); the loss falls."""
# --- filled in: names the tutorial leaves undefined ---
import torch
import torch.optim as optim
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

torch.manual_seed(0)
model = SimpleNet(10, 50, 2)
inputs = torch.randn(64, 10)
targets = (inputs.sum(1) > 0).long()
criterion = nn.CrossEntropyLoss()
optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=30, gamma=0.1)
print(f'initial loss {criterion(model(inputs), targets).item():.4f}')
# --- the tutorial's code ---
# 训练循环
for epoch in range(100):
    # 前向传播
    outputs = model(inputs)
    loss = criterion(outputs, targets)
    
    # 反向传播和优化
    optimizer.zero_grad()  # 清零梯度
    loss.backward()        # 计算梯度
    optimizer.step()       # 更新参数
    
    # 更新学习率（如果使用调度器）
    scheduler.step()

# --- shows the result ---
print(f'final loss {loss.item():.4f}, lr {scheduler.get_last_lr()[0]:.6f}')
