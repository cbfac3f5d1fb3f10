"""Tutorial 7.1 on CPU processes: the same DDP program with the gloo backend (no GPU), trained for a
few steps with a DistributedSampler; every rank ends with identical parameters.

Run with: python -m ember.distributed.run --nproc_per_node 2 examples/tutorial/s7_1_distributed_gloo.py"""
# --- filled in: names the tutorial leaves undefined ---
import torch
import torch.nn as nn


class CNN(nn.Module):
    def __init__(self):
        super(CNN, self).__init__()
        self.conv1 = nn.Conv2d(1, 32, kernel_size=3, stride=1, padding=1)
        self.pool = nn.MaxPool2d(kernel_size=2, stride=2)
        self.conv2 = nn.Conv2d(32, 64, kernel_size=3, stride=1, padding=1)
        self.fc1 = nn.Linear(64 * 7 * 7, 128)
        self.fc2 = nn.Linear(128, 10)
        self.relu = nn.ReLU()

    def forward(self, x):
        x = self.pool(self.relu(self.conv1(x)))
        x = self.pool(self.relu(self.conv2(x)))
        x = x.view(-1, 64 * 7 * 7)
        x = self.relu(self.fc1(x))
        x = self.fc2(x)
        return x
import os
local_rank = int(os.environ.get('LOCAL_RANK', 0))
# --- the tutorial's code ---
# 单机多卡训练
import torch.nn as nn
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel as DDP

# 初始化分布式环境
dist.init_process_group(backend='gloo')

# 创建模型并移至 GPU
model = CNN()
# 包装为 DDP 模型
model = DDP(model, device_ids=None)

# 训练过程与普通训练类似，但使用 DistributedSampler

# --- shows the result ---
from torch.utils.data import TensorDataset, DataLoader, DistributedSampler
torch.manual_seed(0)
data = TensorDataset(torch.randn(64, 1, 28, 28), torch.randint(0, 10, (64,)))
sampler = DistributedSampler(data)
loader = DataLoader(data, batch_size=8, sampler=sampler)
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
criterion = nn.CrossEntropyLoss()
for inputs, targets in loader:
    optimizer.zero_grad()
    criterion(model(inputs), targets).backward()
    optimizer.step()
total = sum(p.detach().double().sum() for p in model.parameters()).reshape(1)
gathered = [torch.zeros_like(total) for _ in range(dist.get_world_size())]
dist.all_gather(gathered, total)
print(f'rank {dist.get_rank()}: parameters identical across ranks: '
      f'{all(torch.equal(g, gathered[0]) for g in gathered)}')
dist.destroy_process_group()
