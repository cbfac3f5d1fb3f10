"""One rank of bench/ddp.py: time DDP steps of the tutorial CNN at a fixed global batch."""
import sys
import time

import numpy as np
import torch
import torch.distributed as dist
import torch.nn as nn
from torch.nn.parallel import DistributedDataParallel as DDP

sys.path.insert(0, __file__.rsplit('/', 1)[0])
from workloads import _tutorial_cnn  # noqa: E402

global_batch, steps = int(sys.argv[1]), int(sys.argv[2])
dist.init_process_group(backend='gloo')
r, W = dist.get_rank(), dist.get_world_size()
model = DDP(_tutorial_cnn(torch))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
crit = nn.CrossEntropyLoss()
rng = np.random.default_rng(r)
b = global_batch // W
x = torch.tensor(rng.standard_normal((b, 1, 28, 28), dtype=np.float32))
y = torch.tensor(rng.integers(0, 10, b))
times = []
for i in range(steps + 2):
    dist.barrier()
    t0 = time.perf_counter()
    opt.zero_grad()
    crit(model(x), y).backward()
    opt.step()
    times.append(time.perf_counter() - t0)
if r == 0:
    print('STEP', float(np.median(times[2:])), flush=True)
dist.destroy_process_group()
