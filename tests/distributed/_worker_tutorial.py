"""The tutorial's section 7.1 (single machine, several ranks) with backend='gloo' and CPU
tensors instead of 'nccl' and .cuda(); then the training the tutorial describes, with a
DistributedSampler."""
import os

import torch
import torch.nn as nn
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.data.distributed import DistributedSampler

local_rank = int(os.environ['LOCAL_RANK'])


class CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(4 * 7 * 7, 10)

    def forward(self, x):
        x = self.pool(torch.relu(self.conv1(x)))
        x = self.pool(x)
        return self.fc(x.flatten(1))


# 初始化分布式环境
dist.init_process_group(backend='gloo')

# 创建模型 (CPU)
torch.manual_seed(dist.get_rank())
model = CNN()
# 包装为 DDP 模型
model = DDP(model)

g = torch.Generator().manual_seed(0)
data = TensorDataset(torch.randn(32, 1, 28, 28, generator=g), torch.randint(0, 10, (32,),
                                                                            generator=g))
sampler = DistributedSampler(data)
loader = DataLoader(data, batch_size=4, sampler=sampler)
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(2):
    sampler.set_epoch(epoch)
    for x, y in loader:
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
flat = torch.cat([p.detach().flatten() for p in model.parameters()])
everyone = [torch.zeros_like(flat) for _ in range(dist.get_world_size())]
dist.all_gather(everyone, flat)
assert all(torch.equal(e, everyone[0]) for e in everyone), 'ranks diverged'
if dist.get_rank() == 0:
    torch.save(model.module.state_dict(), os.environ['CKPT'])
dist.destroy_process_group()
print(f'RANK{local_rank} TUTORIAL OK loss={loss.item():.4f}', flush=True)
