"""Tutorial 7.1: DistributedDataParallel over NCCL, one process per GPU.

Run with: python -m ember.distributed.run --nproc_per_node <GPUs> examples/tutorial/s7_1_distributed.py
(on a machine without GPUs, NCCL is unavailable and init_process_group says so, as in PyTorch;
s7_1_distributed_gloo.py is the same program on CPU processes)."""
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
dist.init_process_group(backend='nccl')

# 创建模型并移至 GPU
model = CNN().cuda()
# 包装为 DDP 模型
model = DDP(model, device_ids=[local_rank])

# 训练过程与普通训练类似，但使用 DistributedSampler

# --- shows the result ---
print(f'rank {dist.get_rank()}/{dist.get_world_size()}: {type(model).__name__} wraps {type(model.module).__name__}')
dist.destroy_process_group()
