"""Run on every rank: DDP training equals single-process training on the full batch."""
import numpy as np
import torch
import torch.distributed as dist
import torch.nn as nn
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset

dist.init_process_group(backend='gloo')
r, W = dist.get_rank(), dist.get_world_size()

N = 8 * W
rng = np.random.default_rng(0)                    # the same data on every rank
X = torch.tensor(rng.standard_normal((N, 5)).astype(np.float32))
Y = torch.tensor(rng.integers(0, 3, N))


def make(seed):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(5, 16), nn.Tanh(), nn.Linear(16, 3))


def params(m):
    return [p.detach().numpy().copy() for p in m.parameters()]


def close(a, b, what):
    for x, y in zip(a, b):
        np.testing.assert_allclose(x, y, rtol=2e-5, atol=2e-6, err_msg=what)


# 1. training: every rank starts from a different init; DDP broadcasts rank 0's
ref = make(0)
ddp = DDP(make(r), bucket_cap_mb=0.0001)           # tiny buckets: several all-reduces
close(params(ddp.module), params(ref), 'construction broadcasts rank 0 parameters')
assert list(ddp.state_dict()) == ['module.' + k for k in ref.state_dict()]
assert ddp.module is not None and len(ddp.reducer.buckets) > 1
opt = torch.optim.SGD(ddp.parameters(), lr=0.5, momentum=0.9)
ropt = torch.optim.SGD(ref.parameters(), lr=0.5, momentum=0.9)
sampler = DistributedSampler(TensorDataset(X, Y), shuffle=True, seed=3)
loader = DataLoader(TensorDataset(X, Y), batch_size=N // W // 2, sampler=sampler)
loss_fn = nn.CrossEntropyLoss()
for epoch in range(2):
    sampler.set_epoch(epoch)
    # the reference sees, per step, the union of every rank's batch
    parts = [list(DistributedSampler(TensorDataset(X, Y), num_replicas=W, rank=k,
                                     shuffle=True, seed=3)) for k in range(W)]
    for k in range(W):
        s = DistributedSampler(TensorDataset(X, Y), num_replicas=W, rank=k, shuffle=True,
                               seed=3)
        s.set_epoch(epoch)
        parts[k] = list(s)
    bs = N // W // 2
    for step, (xb, yb) in enumerate(loader):
        opt.zero_grad()
        loss_fn(ddp(xb), yb).backward()
        opt.step()
        idx = [i for k in range(W) for i in parts[k][step * bs:(step + 1) * bs]]
        ropt.zero_grad()
        loss_fn(ref(X[idx]), Y[idx]).backward()
        ropt.step()
        close([p.grad.numpy() for p in ddp.parameters()],
              [p.grad.numpy() for p in ref.parameters()], f'grads epoch {epoch} step {step}')
close(params(ddp.module), params(ref), 'DDP training == full-batch training')
allp = [None] * W
dist.all_gather_object(allp, params(ddp.module))
for k in range(W):
    close(allp[k], allp[0], 'every rank holds the same parameters')

# 2. no_sync: local accumulation, then one synchronised backward averages the sum
ref = make(1)
ddp = DDP(make(1), gradient_as_bucket_view=True)
half = N // W
mine = slice(r * half, (r + 1) * half)
xa, ya = X[mine][: half // 2], Y[mine][: half // 2]
xb, yb = X[mine][half // 2:], Y[mine][half // 2:]
with ddp.no_sync():
    loss_fn(ddp(xa), ya).backward()
local = [p.grad.numpy().copy() for p in ddp.parameters()]
loss_fn(ref(xa), ya).backward()
close(local, [p.grad.numpy() for p in ref.parameters()], 'no_sync keeps local gradients')
loss_fn(ddp(xb), yb).backward()
ref.zero_grad()
for k in range(W):
    s = slice(k * half, (k + 1) * half)
    xs, ys = X[s], Y[s]
    (loss_fn(ref(xs[: half // 2]), ys[: half // 2]) / W).backward()
    (loss_fn(ref(xs[half // 2:]), ys[half // 2:]) / W).backward()
close([p.grad.numpy() for p in ddp.parameters()], [p.grad.numpy() for p in ref.parameters()],
      'no_sync accumulation then sync')
# gradient_as_bucket_view: the gradients now are views of the buckets, and a second
# iteration accumulates into them correctly
for p in ddp.parameters():
    p.grad = None
ref.zero_grad()
for _ in range(2):
    for p in ddp.parameters():
        if p.grad is not None:
            p.grad.zero_()
    ref.zero_grad()
    loss_fn(ddp(X[mine]), Y[mine]).backward()
    (loss_fn(ref(X), Y)).backward()
    close([p.grad.numpy() for p in ddp.parameters()],
          [p.grad.numpy() for p in ref.parameters()], 'gradient_as_bucket_view')

# 3. find_unused_parameters: a branch used by no rank keeps no gradient, a branch used on
# one rank only is averaged over all
class Branchy(nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(5)
        self.a = nn.Linear(5, 3)
        self.b = nn.Linear(5, 3)
        self.never = nn.Linear(5, 3)

    def forward(self, x, use_b):
        return self.a(x) + (self.b(x) if use_b else 0)


m = DDP(Branchy(), find_unused_parameters=True)
out = m(X[mine], use_b=(r == 0))
out.sum().backward()
assert m.module.never.weight.grad is None
bref = Branchy()
ga = sum(X[k * half:(k + 1) * half].sum(0).numpy() for k in range(W)) / W
np.testing.assert_allclose(m.module.a.weight.grad.numpy(), np.tile(ga, (3, 1)), rtol=1e-5)
gb = X[0:half].sum(0).numpy() / W
np.testing.assert_allclose(m.module.b.weight.grad.numpy(), np.tile(gb, (3, 1)), rtol=1e-5)

# without find_unused_parameters an unused parameter makes the next forward fail as in PyTorch
m = DDP(Branchy())
m(X[mine], use_b=False).sum().backward()
try:
    m(X[mine], use_b=False)
    raise AssertionError('expected the unfinished-reduction error')
except RuntimeError as e:
    assert 'Expected to have finished reduction in the prior iteration' in str(e)

# 4. buffers: broadcast from rank 0 at each forward
class WithBuf(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(5, 1)
        self.register_buffer('scale', torch.tensor([1.0]))

    def forward(self, x):
        return self.lin(x) * self.scale


m = DDP(WithBuf())
m.module.scale.fill_(float(r + 2))
m(X[:2])
assert m.module.scale.item() == 2.0, m.module.scale.item()
m.eval()
with torch.no_grad():
    m.module.scale.fill_(float(r + 2))
    m(X[:2])                                # no sync without grad
assert m.module.scale.item() == float(r + 2)

# 5. DDP over a subgroup
g = dist.new_group(list(range(W)))
m = DDP(make(0), process_group=g)
m(X[mine]).sum().backward()

dist.destroy_process_group()
print(f'RANK{r} DDP OK', flush=True)
