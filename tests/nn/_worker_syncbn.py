"""Run on 2 ranks (``python -m ember.distributed.run``): SyncBatchNorm on each rank's half of a
batch equals BatchNorm on the whole batch (output, input and parameter gradients, running
stats), checked with ember itself (single-process BatchNorm on the full batch)."""
import numpy as np

import ember
import ember.distributed as dist
import ember.nn as nn

dist.init_process_group(backend='gloo')
r, W = dist.get_rank(), dist.get_world_size()
rng = np.random.default_rng(0)
sizes = [3 + k for k in range(W)]                # unequal per-rank batches
full = rng.standard_normal((sum(sizes), 4, 5, 5)).astype(np.float64)
gout = rng.standard_normal(full.shape)
w0 = rng.standard_normal(4)
b0 = rng.standard_normal(4)
lo = sum(sizes[:r])
hi = lo + sizes[r]

ref = nn.BatchNorm2d(4).double()
ref.weight.data = ember.tensor(w0)
ref.bias.data = ember.tensor(b0)
xf = ember.tensor(full, requires_grad=True)
yf = ref(xf)
(yf * ember.tensor(gout)).sum().backward()

sb = nn.SyncBatchNorm(4).double()
sb.weight.data = ember.tensor(w0)
sb.bias.data = ember.tensor(b0)
x = ember.tensor(full[lo:hi], requires_grad=True)
y = sb(x)
(y * ember.tensor(gout[lo:hi])).sum().backward()
np.testing.assert_allclose(y.detach().numpy(), yf.detach().numpy()[lo:hi], rtol=1e-9, atol=1e-9)
np.testing.assert_allclose(x.grad.numpy(), xf.grad.numpy()[lo:hi], rtol=1e-7, atol=1e-9)
wg = sb.weight.grad.clone()
dist.all_reduce(wg)                             # per-rank parameter grads sum to the full one
np.testing.assert_allclose(wg.numpy(), ref.weight.grad.numpy(), rtol=1e-7, atol=1e-9)
np.testing.assert_allclose(sb.running_mean.numpy(), ref.running_mean.numpy(), rtol=1e-9)
np.testing.assert_allclose(sb.running_var.numpy(), ref.running_var.numpy(), rtol=1e-9)
sb.eval()
np.testing.assert_allclose(sb(x).detach().numpy(), ref.eval()(xf).detach().numpy()[lo:hi],
                           rtol=1e-9, atol=1e-9)
print(f'RANK{r} SYNCBN OK', flush=True)
dist.destroy_process_group()
