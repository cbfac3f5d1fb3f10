"""Tutorial 5.2: evaluating accuracy under no_grad after training."""
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

import torch
from torch.utils.data import TensorDataset, DataLoader

torch.manual_seed(0)
input_size, hidden_size, output_size = 20, 64, 3
centers = torch.randn(output_size, input_size) * 2
labels_all = torch.randint(0, output_size, (4000,))
features_all = centers[labels_all] + 2 * torch.randn(4000, input_size)
train_dataset = TensorDataset(features_all[:3600], labels_all[:3600])
test_loader = DataLoader(TensorDataset(features_all[3600:], labels_all[3600:]), batch_size=100)

# (the model trained by tutorial 5.1)
import torch.optim as optim

# 假设已经定义好模型、数据集和数据加载器
model = SimpleNet(input_size, hidden_size, output_size)
criterion = nn.CrossEntropyLoss()
optimizer = optim.Adam(model.parameters(), lr=0.001)
train_loader = DataLoader(train_dataset, batch_size=32, shuffle=True)

# 将模型移至 GPU（如果可用）
device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
model.to(device)

# 训练循环
num_epochs = 3
for epoch in range(num_epochs):
    model.train()  # 设置为训练模式
    running_loss = 0.0
    
    for i, (inputs, targets) in enumerate(train_loader):
        # 将数据移至 GPU
        inputs = inputs.to(device)
        targets = targets.to(device)
        
        # 前向传播
        outputs = model(inputs)
        loss = criterion(outputs, targets)
        
        # 反向传播和优化
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        
        # 统计损失
        running_loss += loss.item()
        
        if (i + 1) % 100 == 0:
            pass  # print(f'Epoch [{epoch+1}/{num_epochs}], Step [{i+1}/{len(train_loader)}], Loss: {running_loss/100:.4f}')
            running_loss = 0.0
# --- the tutorial's code ---
model.eval()  # 设置为评估模式
correct = 0
total = 0

with torch.no_grad():  # 禁用梯度计算
    for inputs, targets in test_loader:
        inputs = inputs.to(device)
        targets = targets.to(device)
        
        # 前向传播
        outputs = model(inputs)
        _, predicted = torch.max(outputs.data, 1)
        
        # 统计准确率
        total += targets.size(0)
        correct += (predicted == targets).sum().item()

print(f'测试准确率: {100 * correct / total:.2f}%')
