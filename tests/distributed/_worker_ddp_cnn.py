"""Run on 2 ranks: DDP training of the tutorial's MNIST CNN for 20 steps gives identical
parameters on every rank, equal to single-process training on the combined batch."""
import numpy as np
import torch
import torch.distributed as dist
import torch.nn as nn
from torch.nn.parallel import DistributedDataParallel as DDP


class CNN(nn.Module):
    def __init__(self):
        super().__init__()
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
        return self.fc2(x)


dist.init_process_group(backend='gloo')
r, W = dist.get_rank(), dist.get_world_size()
B = 8                                              # per-rank batch
rng = np.random.default_rng(0)                     # the same data on every rank
X = torch.tensor(rng.standard_normal((20, W * B, 1, 28, 28)).astype(np.float32))
Y = torch.tensor(rng.integers(0, 10, (20, W * B)))

torch.manual_seed(1 + r)                           # different inits: DDP broadcasts rank 0's
model = DDP(CNN())
opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
loss_fn = nn.CrossEntropyLoss()
ref = CNN()                                        # single-process reference from the same start
ropt = torch.optim.SGD(ref.parameters(), lr=0.05, momentum=0.9)
with torch.no_grad():
    for p, q in zip(ref.parameters(), model.module.parameters()):
        p.copy_(q)
for step in range(20):
    xb, yb = X[step, r * B:(r + 1) * B], Y[step, r * B:(r + 1) * B]
    opt.zero_grad()
    loss_fn(model(xb), yb).backward()
    opt.step()
    ropt.zero_grad()
    loss_fn(ref(X[step]), Y[step]).backward()
    ropt.step()
flat = torch.cat([p.detach().reshape(-1) for p in model.module.parameters()])
gathered = [torch.zeros_like(flat) for _ in range(W)]
dist.all_gather(gathered, flat)
same = all(torch.equal(g, gathered[0]) for g in gathered)
rflat = torch.cat([p.detach().reshape(-1) for p in ref.parameters()])
err = float((flat - rflat).abs().max()) / float(rflat.abs().max())
assert same, 'parameters differ across ranks'
assert err < 1e-4, f'DDP and single-process training differ: {err}'
print(f'RANK{r} DDPCNN OK (max rel diff {err:.2e})', flush=True)
dist.destroy_process_group()
