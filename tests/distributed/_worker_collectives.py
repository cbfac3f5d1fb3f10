"""Run on every rank (through ``python -m ember.distributed.run``): each collective's result
checked against values computed here with NumPy from every rank's known input."""
import warnings

import numpy as np
import torch
import torch.distributed as dist

dist.init_process_group(backend='gloo')
r, W = dist.get_rank(), dist.get_world_size()
assert torch.__name__ == 'ember'
assert dist.is_initialized() and dist.get_backend() == 'gloo'
assert dist.group.WORLD is not None


def base(k, npd):
    """Rank k's input: (2, 3), no zeros (PRODUCT), differs per rank."""
    return (np.arange(6).reshape(2, 3) * (1 if k % 2 == 0 else -1) + 3 * k + 1).astype(npd)


def check(t, expected, dtype):
    assert t.dtype == dtype, (t.dtype, dtype)
    np.testing.assert_allclose(t.numpy(), expected, rtol=1e-6)


R = dist.ReduceOp
for dtype, npd in ((torch.float32, np.float32), (torch.int64, np.int64)):
    vals = np.stack([base(k, npd) for k in range(W)])
    mean = vals.mean(0) if npd == np.float32 else np.trunc(vals.sum(0) / W)
    expect = {R.SUM: vals.sum(0), R.MAX: vals.max(0), R.MIN: vals.min(0),
              R.PRODUCT: vals.prod(0), R.AVG: mean}
    for op, exp in expect.items():
        t = torch.tensor(base(r, npd))
        v0 = t._version
        assert dist.all_reduce(t, op=op) is None
        check(t, exp, dtype)
        assert t._version > v0
        # asynchronous: a work handle
        t = torch.tensor(base(r, npd))
        w = dist.all_reduce(t, op=op, async_op=True)
        assert w.wait() is True and w.is_completed()
        check(t, exp, dtype)
    # a non-contiguous view is reduced in place (its base sees it)
    big = torch.tensor(np.ascontiguousarray(base(r, npd).T))
    view = big.t()
    dist.all_reduce(view)
    check(view, vals.sum(0), dtype)
    check(big, vals.sum(0).T, dtype)
    # broadcast from rank W-1
    t = torch.tensor(base(r, npd))
    dist.broadcast(t, src=W - 1)
    check(t, vals[W - 1], dtype)
    w = dist.broadcast(torch.tensor(base(r, npd)), src=0, async_op=True)
    w.wait()
    # all_gather (list) and all_gather_into_tensor (concatenated / stacked)
    outs = [torch.zeros(2, 3, dtype=dtype) for _ in range(W)]
    dist.all_gather(outs, torch.tensor(base(r, npd)))
    for k in range(W):
        check(outs[k], vals[k], dtype)
    cat = torch.zeros(2 * W, 3, dtype=dtype)
    dist.all_gather_into_tensor(cat, torch.tensor(base(r, npd)))
    check(cat, vals.reshape(2 * W, 3), dtype)
    st = torch.zeros(W, 2, 3, dtype=dtype)
    w = dist.all_gather_into_tensor(st, torch.tensor(base(r, npd)), async_op=True)
    w.wait()
    check(st, vals, dtype)
    # reduce to rank 0
    t = torch.tensor(base(r, npd))
    dist.reduce(t, dst=0, op=R.MAX)
    if r == 0:
        check(t, vals.max(0), dtype)
    # reduce_scatter_tensor: rank r keeps block r of the sum
    allin = np.stack([np.stack([base(k, npd) * (j + 1) for j in range(W)]) for k in range(W)])
    out = torch.zeros(2, 3, dtype=dtype)
    dist.reduce_scatter_tensor(out, torch.tensor(allin[r].reshape(2 * W, 3)))
    check(out, allin.sum(0)[r], dtype)
    out = torch.zeros(2, 3, dtype=dtype)
    dist.reduce_scatter(out, [torch.tensor(base(r, npd) * (j + 1)) for j in range(W)],
                        op=R.SUM)
    check(out, allin.sum(0)[r], dtype)
    # gather to rank W-1, scatter from rank 0
    dst = W - 1
    gl = [torch.zeros(2, 3, dtype=dtype) for _ in range(W)] if r == dst else None
    dist.gather(torch.tensor(base(r, npd)), gl, dst=dst)
    if r == dst:
        for k in range(W):
            check(gl[k], vals[k], dtype)
    t = torch.zeros(2, 3, dtype=dtype)
    sl = [torch.tensor(base(k, npd) * 7) for k in range(W)] if r == 0 else None
    dist.scatter(t, sl, src=0)
    check(t, base(r, npd) * 7, dtype)
    # all_to_all_single: rank r sends row-block j to rank j
    mine = np.stack([base(r, npd)[0] + 100 * j for j in range(W)])        # (W, 3)
    got = torch.zeros(W, 3, dtype=dtype)
    dist.all_to_all_single(got, torch.tensor(mine))
    check(got, np.stack([base(k, npd)[0] + 100 * r for k in range(W)]), dtype)
    outl = [torch.zeros(3, dtype=dtype) for _ in range(W)]
    dist.all_to_all(outl, [torch.tensor(base(r, npd)[1] + 100 * j) for j in range(W)])
    for k in range(W):
        check(outl[k], base(k, npd)[1] + 100 * r, dtype)

# point to point: a ring
nxt, prv = (r + 1) % W, (r - 1) % W
t = torch.zeros(4)
if r % 2 == 0:
    dist.send(torch.full((4,), float(r)), dst=nxt)
    src = dist.recv(t, src=prv)
else:
    src = dist.recv(t, src=prv)
    dist.send(torch.full((4,), float(r)), dst=nxt)
assert src == prv
check(t, np.full(4, prv, np.float32), torch.float32)
t = torch.zeros(2, dtype=torch.int64)
ws = dist.irecv(t, src=prv), dist.isend(torch.tensor([r, 5 * r]), dst=nxt)
for w in ws:
    w.wait()
check(t, np.array([prv, 5 * prv]), torch.int64)
# receive from any source
if r == 0:
    t = torch.zeros(1)
    src = dist.recv(t)
    assert src == W - 1 and t.item() == 42.0
elif r == W - 1:
    dist.send(torch.tensor([42.0]), dst=0)
ops = [dist.P2POp(dist.isend, torch.tensor([float(r)]), nxt),
       dist.P2POp(dist.irecv, t := torch.zeros(1), prv)]
for w in dist.batch_isend_irecv(ops):
    w.wait()
assert t.item() == prv

# other dtypes: bool, float16, float64
b = torch.tensor([r == 0, False, True])
dist.all_reduce(b)
check(b, np.array([True, False, True]), torch.bool)
h = torch.tensor([1.5, 2.0], dtype=torch.float16) * (r + 1)
dist.all_reduce(h)
check(h, np.array([1.5, 2.0]) * sum(range(1, W + 1)), torch.float16)
h = torch.tensor([0.25, 8.0], dtype=torch.float16) * (r + 1)
dist.broadcast(h, src=W - 1)
check(h, np.array([0.25, 8.0]) * W, torch.float16)
d = torch.tensor([1.0, 2.0], dtype=torch.float64) * (r + 1)
dist.all_reduce(d, op=dist.ReduceOp.AVG)
check(d, np.array([1.0, 2.0]) * (W + 1) / 2, torch.float64)

# object collectives
objs = [{'rank': r}, 'hello', None] if r == 0 else [None, None, None]
dist.broadcast_object_list(objs, src=0)
assert objs == [{'rank': 0}, 'hello', None]
got = [None] * W
dist.all_gather_object(got, {'r': r, 'sq': r * r, 't': torch.tensor([float(r)])})
assert [g['r'] for g in got] == list(range(W)) and [g['sq'] for g in got] == [k * k for k in
                                                                              range(W)]
assert [g['t'].item() for g in got] == [float(k) for k in range(W)]
gl = [None] * W if r == 0 else None
dist.gather_object(('x', r), gl, dst=0)
if r == 0:
    assert gl == [('x', k) for k in range(W)]
out = [None]
dist.scatter_object_list(out, [k * 11 for k in range(W)] if r == W - 1 else None, src=W - 1)
assert out == [r * 11]

# new_group: a group of the last rank only, and one of all ranks in reverse (sorted)
solo = dist.new_group([W - 1])
every = dist.new_group(list(reversed(range(W))))
assert dist.get_process_group_ranks(every) == list(range(W))
t = torch.tensor([float(r + 1)])
dist.all_reduce(t, group=every)
assert t.item() == W * (W + 1) / 2
if r == W - 1:
    assert dist.get_rank(solo) == 0 and dist.get_world_size(solo) == 1
    assert dist.get_global_rank(solo, 0) == W - 1 and dist.get_group_rank(solo, W - 1) == 0
    t = torch.tensor([3.0])
    dist.all_reduce(t, group=solo)
    assert t.item() == 3.0
    objs = ['solo']
    dist.broadcast_object_list(objs, src=W - 1, group=solo)
    assert objs == ['solo']
else:
    assert solo is dist.GroupMember.NON_GROUP_MEMBER
    assert dist.get_rank(solo) == -1 and dist.get_world_size(solo) == -1
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        assert dist.all_reduce(torch.ones(1), group=solo) is None
    assert any('does not belong to the given group' in str(c.message) for c in caught)
if W >= 2:
    pair = dist.new_group([0, 1])
    if r in (0, 1):
        t = torch.tensor([10.0 * (r + 1)])
        dist.broadcast(t, src=1, group=pair)
        assert t.item() == 20.0
        t = torch.tensor([1.0])
        dist.broadcast(t, group=pair, group_src=0)

# barrier, sync and async
dist.barrier()
w = dist.barrier(async_op=True)
w.wait()
assert w.is_completed()

# errors shaped like PyTorch's
try:
    dist.all_gather([torch.zeros(2)], torch.zeros(2)) if W > 1 else None
    assert W == 1, 'expected an error for a short tensor_list'
except ValueError:
    pass
try:
    dist.gather(torch.zeros(1), [torch.zeros(1)] * W, dst=0) if r != 0 else None
    assert r == 0
except ValueError as e:
    assert 'must NOT be specified on non-destination ranks' in str(e)
try:
    dist.init_process_group('gloo')
    raise AssertionError('init twice must fail')
except ValueError as e:
    assert 'twice' in str(e)

dist.barrier()
dist.destroy_process_group()
assert not dist.is_initialized()
try:
    dist.get_rank()
    raise AssertionError('get_rank after destroy must fail')
except ValueError as e:
    assert 'Default process group has not been initialized' in str(e)
print(f'RANK{r} COLLECTIVES OK', flush=True)
