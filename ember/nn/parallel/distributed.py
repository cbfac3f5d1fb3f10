"""``DistributedDataParallel``: data parallel training over the ranks of a process group."""
from contextlib import contextmanager

import numpy as np

from ..module import Module

__all__ = ['DistributedDataParallel']

_UNFINISHED = (
    'Expected to have finished reduction in the prior iteration before starting a new one. '
    'This error indicates that your module has parameters that were not used in producing '
    'loss. You can enable unused parameter detection by passing the keyword argument '
    '`find_unused_parameters=True` to `torch.nn.parallel.DistributedDataParallel`, and by \n'
    'making sure all `forward` function outputs participate in calculating loss. \n'
    'If you already have done the above, then the distributed data parallel module wasn\'t '
    'able to locate the output tensors in the return value of your module\'s `forward` '
    'function. Please include the loss function and the structure of the return value of '
    '`forward` of your module when reporting this issue (e.g. list, dict, iterable).')


def _dist():
    from ... import distributed
    return distributed


def _tensors_in(obj, out):
    from ..._tensor import Tensor
    if isinstance(obj, Tensor):
        out.append(obj)
    elif isinstance(obj, (list, tuple)):
        for o in obj:
            _tensors_in(o, out)
    elif isinstance(obj, dict):
        for o in obj.values():
            _tensors_in(o, out)
    return out


def _reachable_leaves(outputs):
    """ids of the leaf tensors the autograd graph of ``outputs`` reaches."""
    from ...autograd.function import AccumulateGrad
    seen, found = set(), set()
    stack = []
    for t in outputs:
        if t.grad_fn is not None:
            stack.append(t.grad_fn)
        elif t.requires_grad:
            found.add(id(t))
    while stack:
        n = stack.pop()
        if n in seen:
            continue
        seen.add(n)
        if type(n) is AccumulateGrad:
            found.add(id(n.variable))
            continue
        for e in n._next:
            if e is not None and e[0] is not None and e[0] not in seen:
                stack.append(e[0])
    return found


class _Bucket:
    __slots__ = ('idx', 'offsets', 'flat', 'pending', 'views')

    def __init__(self, idx, params, xp, dtype):
        self.idx = idx                  # parameter indices, in bucket order
        self.offsets = []
        off = 0
        for i in idx:
            self.offsets.append(off)
            off += params[i]._data.size
        self.flat = xp.zeros(off, dtype=dtype)
        self.pending = len(idx)
        self.views = [None] * len(idx)


class _Reducer:
    """Averages gradients across ranks: each parameter's post-accumulate-grad hook marks it
    ready; a bucket whose parameters are all ready is all-reduced asynchronously (buckets are
    launched in index order on every rank, so the collectives match); when the last bucket
    was launched the averaged gradients are written back."""

    def __init__(self, params, cap_bytes, group, find_unused, as_view):
        from ..._tensor import _wrap
        self._wrap = _wrap
        self.params = params
        self.group = group
        self.find_unused = find_unused
        self.as_view = as_view
        self.world = _dist().get_world_size(group)
        self.slot = {}                  # param index -> (bucket, position)
        self.buckets = []
        # PyTorch fills buckets in reverse registration order (roughly backward order),
        # keeping dtypes and devices apart; the first bucket is small so communication
        # starts early
        groups = {}
        for i in reversed(range(len(params))):
            p = params[i]
            groups.setdefault((p._data.dtype, type(p._data)), []).append(i)
        first = min(cap_bytes, 1 << 20)
        for (dtype, atype), idx in groups.items():
            xp = np if atype is np.ndarray else __import__('cupy')
            cur, size = [], 0
            for i in idx:
                nb = params[i]._data.nbytes
                if cur and size + nb > (first if not self.buckets else cap_bytes):
                    self._add_bucket(cur, xp, dtype)
                    cur, size = [], 0
                cur.append(i)
                size += nb
            if cur:
                self._add_bucket(cur, xp, dtype)
        self.active = False
        self.started = False
        self.next = 0
        self.ready = [False] * len(self.buckets)
        self.works = []
        self.used = np.zeros(len(params), dtype=np.uint8)
        self.marked = [False] * len(params)

    def _add_bucket(self, idx, xp, dtype):
        b = _Bucket(list(idx), self.params, xp, dtype)
        for pos, i in enumerate(idx):
            self.slot[i] = (len(self.buckets), pos)
        self.buckets.append(b)

    def prepare(self, outputs):
        """Called by forward when gradients will be synchronised."""
        if self.started:
            raise RuntimeError(_UNFINISHED)
        self.active = True
        self.next = 0
        self.works = []
        self.ready = [False] * len(self.buckets)
        self.marked = [False] * len(self.params)
        self.used[:] = 0
        for b in self.buckets:
            b.pending = len(b.idx)
        if self.find_unused:
            reach = _reachable_leaves(_tensors_in(outputs, []))
            unused = [i for i, p in enumerate(self.params) if id(p) not in reach]
            for i in unused:
                self._mark(i, used=False)

    def hook(self, i):
        if not self.active or self.marked[i]:
            return
        self.started = True
        self._mark(i, used=True)

    def _mark(self, i, used):
        self.marked[i] = True
        self.used[i] = used
        bi, _ = self.slot[i]
        b = self.buckets[bi]
        b.pending -= 1
        if b.pending == 0:
            self.ready[bi] = True
            while self.next < len(self.buckets) and self.ready[self.next]:
                self._launch(self.next)
                self.next += 1
            if self.next == len(self.buckets):
                self._finalize()

    def _launch(self, bi):
        b = self.buckets[bi]
        flat = b.flat
        for pos, i in enumerate(b.idx):
            p = self.params[i]
            g = p._grad
            off, n = b.offsets[pos], p._data.size
            if g is None or not self.used[i]:
                flat[off:off + n] = 0
            elif g is not b.views[pos]:
                flat[off:off + n] = g._data.reshape(-1)
        self.works.append(_dist().all_reduce(self._wrap(flat), group=self.group, async_op=True))

    def _finalize(self):
        for w in self.works:
            w.wait()
        self.works = []
        self.active = False
        self.started = False
        used = self.used
        if self.find_unused:
            u = self._wrap(used.astype(np.int64))
            _dist().all_reduce(u, op=_dist().ReduceOp.MAX, group=self.group)
            used = u._data
        else:
            used = np.ones(len(self.params), dtype=np.uint8)
        for b in self.buckets:
            flat = b.flat
            flat /= self.world
            for pos, i in enumerate(b.idx):
                if not used[i]:
                    continue
                p = self.params[i]
                off, n = b.offsets[pos], p._data.size
                piece = flat[off:off + n].reshape(p._data.shape)
                g = p._grad
                if self.as_view:
                    if g is not b.views[pos]:
                        b.views[pos] = self._wrap(piece)
                        p._grad = b.views[pos]
                    continue
                if g is not None and not g._rg and g._data.flags.writeable \
                        and g._data.shape == piece.shape:
                    g._data[...] = piece
                    g._vc[0] += 1
                else:
                    p._grad = self._wrap(piece.copy())


class DistributedDataParallel(Module):
    """Data parallel training (``torch.nn.parallel.DistributedDataParallel``).

    At construction rank 0's parameters and buffers are broadcast to every rank. During
    backward, the gradients are averaged across the ranks of the process group with bucketed
    asynchronous all-reduces started by per-parameter post-accumulate-grad hooks, so after
    ``loss.backward()`` every rank holds the mean of all ranks' gradients. Buffers are broadcast
    from rank 0 at each forward (``broadcast_buffers``). ``no_sync()`` accumulates gradients
    locally. The wrapped model is ``.module``; ``state_dict`` keys are prefixed ``module.``.

    Args:
        module: the model to replicate.
        device_ids: ``None`` for CPU modules; ``[i]`` for a module on CUDA device ``i``.
        output_device: accepted as PyTorch's (outputs stay where the module puts them).
        broadcast_buffers: sync buffers from rank 0 at each forward (default True).
        process_group: the group to average over (default group when None).
        bucket_cap_mb: bucket size in MiB (default 25).
        find_unused_parameters: detect parameters the forward outputs don't reach, so
            backward completes without their gradients.
        gradient_as_bucket_view: gradients become views of the communication buckets.
        static_graph: accepted (the same graph every iteration).
    """

    def __init__(self, module, device_ids=None, output_device=None, dim=0,
                 broadcast_buffers=None, init_sync=True, process_group=None, bucket_cap_mb=None,
                 find_unused_parameters=False, check_reduction=False,
                 gradient_as_bucket_view=False, static_graph=False,
                 delay_all_reduce_named_params=None, param_to_hook_all_reduce=None,
                 mixed_precision=None, device_mesh=None, skip_all_reduce_unused_params=False,
                 **kwargs):
        super().__init__()
        dist = _dist()
        if process_group is None:
            if not dist.is_initialized():
                raise ValueError(dist.distributed_c10d._NOT_INIT)
            process_group = dist.group.WORLD
        params = [p for p in module.parameters() if p.requires_grad]
        if not params:
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't "
                               'have any parameter that requires a gradient.')
        devices = {p.device for p in module.parameters()}
        types = {d.type for d in devices}
        if device_ids is not None and 'cpu' in types:
            raise ValueError(
                'DistributedDataParallel device_ids and output_device arguments only work with '
                'single-device/multiple-device GPU modules or CPU modules, but got device_ids '
                f'{device_ids}, output_device {output_device}, and module parameters '
                f'{devices}.')
        if device_ids is not None and len(device_ids) > 1:
            raise ValueError('device_ids can only be None or contain a single element.')
        self.module = module
        self.process_group = process_group
        self.device_ids = None if device_ids is None else [
            getattr(d, 'index', d) for d in device_ids]
        self.output_device = output_device if output_device is not None else (
            self.device_ids[0] if self.device_ids else None)
        self.dim = dim
        self.device_type = next(iter(types))
        self.broadcast_buffers = True if broadcast_buffers is None else bool(broadcast_buffers)
        self.find_unused_parameters = find_unused_parameters
        self.gradient_as_bucket_view = gradient_as_bucket_view
        self.static_graph = static_graph
        self.require_backward_grad_sync = True
        self.require_forward_param_sync = True
        self.bucket_bytes_cap = int((25 if bucket_cap_mb is None else bucket_cap_mb)
                                    * 1024 * 1024)
        self._module_copies = [module]
        self._verify_params(params)
        if init_sync:
            self._sync_module_states()
        self.reducer = _Reducer(params, self.bucket_bytes_cap, process_group,
                                find_unused_parameters, gradient_as_bucket_view)
        self._hook_handles = [p.register_post_accumulate_grad_hook(self._make_hook(i))
                              for i, p in enumerate(params)]

    def _make_hook(self, i):
        reducer = self.reducer

        def hook(p):
            reducer.hook(i)
        return hook

    def _verify_params(self, params):
        dist = _dist()
        mine = [(tuple(p.shape), str(p.dtype)) for p in params]
        allp = [None] * dist.get_world_size(self.process_group)
        dist.all_gather_object(allp, mine, group=self.process_group)
        for r, theirs in enumerate(allp):
            if len(theirs) != len(allp[0]):
                raise RuntimeError(f'DDP expects same model across all ranks, but Rank {0} has '
                                   f'{len(allp[0])} params, while rank {r} has inconsistent '
                                   f'{len(theirs)} params.')
            for j, (a, b) in enumerate(zip(allp[0], theirs)):
                if a != b:
                    raise RuntimeError(f'DDP expects same model across all ranks, but Rank {r} '
                                       f'has param {j} with shape/dtype {b} while rank 0 has '
                                       f'{a}.')

    def _broadcast_all(self, tensors):
        dist = _dist()
        src = dist.get_global_rank(self.process_group, 0) \
            if self.process_group is not dist.group.WORLD else 0
        works = [dist.broadcast(t.detach(), src=src, group=self.process_group, async_op=True)
                 for t in tensors]
        for w in works:
            if w is not None:
                w.wait()

    def _sync_module_states(self):
        """Broadcast rank 0's parameters and buffers."""
        ts = list(self.module.parameters())
        if self.broadcast_buffers:
            ts += list(self.module.buffers())
        self._broadcast_all(ts)

    def _sync_buffers(self):
        bufs = list(self.module.buffers())
        if bufs:
            self._broadcast_all(bufs)

    def forward(self, *inputs, **kwargs):
        from ... import autograd
        sync = autograd.is_grad_enabled() and self.require_backward_grad_sync
        if sync:
            self.require_forward_param_sync = True
            if self.reducer.started:
                raise RuntimeError(_UNFINISHED)
        else:
            self.require_forward_param_sync = False
        if self.require_forward_param_sync and self.broadcast_buffers:
            self._sync_buffers()
        out = self.module(*inputs, **kwargs)
        if sync:
            self.reducer.prepare(out)
        else:
            self.reducer.active = False
        return out

    @contextmanager
    def no_sync(self):
        """Within this context gradients accumulate locally, without communication; the
        first backward after it averages the accumulated gradients."""
        old = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = old

    def _set_static_graph(self):
        self.static_graph = True

    def train(self, mode=True):
        super().train(mode)
        return self
