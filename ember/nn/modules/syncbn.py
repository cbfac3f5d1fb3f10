"""``nn.SyncBatchNorm``: batch norm whose batch statistics span every rank of a process group."""
from ..module import Module  # noqa: F401
from .. import functional as F
from .normalization import _BatchNorm
from ...autograd.function import Primitive

__all__ = ['SyncBatchNorm']


def _dist():
    from ... import distributed as dist
    return dist


class _AllReduceSum(Primitive):
    """Sum of an array over the ranks of a group; the gradient is summed the same way (each
    rank's result feeds its own loss, so every input contributes to every rank's loss)."""

    def forward(ctx, xp, x, group):
        from ..._tensor import _wrap
        ctx.group = group
        t = _wrap(x.copy())
        _dist().all_reduce(t, group=group)
        return t._data

    def backward(ctx, g):
        return _AllReduceSum.apply(g.contiguous(), ctx.group), None


def _sync_batch_norm(x, weight, bias, running_mean, running_var, eps, momentum, group):
    """Batch norm with mean and (biased) variance over the batch of all ranks, two passes
    (sum, then sum of squared deviations) for accuracy; running stats get the unbiased one."""
    from ...autograd.grad_mode import no_grad
    from ...ops.creation import tensor
    from ...ops.pointwise import rsqrt
    C = x.shape[1]
    dims = [0] + list(range(2, x.dim()))
    shape = [1, C] + [1] * (x.dim() - 2)
    n = tensor([float(x.numel() // C)], dtype=x.dtype, device=x.device)
    _dist().all_reduce(n, group=group)
    n = n.item()
    if n <= 1:
        raise ValueError(f'Expected more than 1 value per channel when training, got input size '
                         f'{list(x.shape)}')
    mean = _AllReduceSum.apply(x.sum(dims), group) / n
    xc = x - mean.reshape(shape)
    var = _AllReduceSum.apply((xc * xc).sum(dims), group) / n
    out = xc * rsqrt(var + eps).reshape(shape)
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    if running_mean is not None:
        with no_grad():
            running_mean.mul_(1 - momentum).add_(mean.detach() * momentum)
            running_var.mul_(1 - momentum).add_(var.detach() * (momentum * n / (n - 1)))
    return out


class SyncBatchNorm(_BatchNorm):
    """Batch norm over (N, C, *) whose training statistics are computed over the whole batch
    of every rank of ``process_group`` (``nn.SyncBatchNorm``).

    Without an initialised ``ember.distributed`` process group, with one rank, or in eval mode
    it computes exactly what ``BatchNorm`` does.

    Args:
        num_features: C. eps=1e-5, momentum=0.1 (None: cumulative average), affine=True,
        track_running_stats=True, process_group: the group to synchronise over (default: the
        world).
    """

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True, process_group=None, device=None, dtype=None, *,
                 bias=True):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype,
                         bias=bias)
        self.process_group = process_group

    def _check_input_dim(self, input):
        if input.dim() < 2:
            raise ValueError(f'expected at least 2D input (got {input.dim()}D input)')

    def _check_non_zero_input_channels(self, input):
        if input.size(1) == 0:
            raise ValueError('SyncBatchNorm number of input channels should be non-zero')

    def forward(self, input):
        self._check_input_dim(input)
        self._check_non_zero_input_channels(input)
        eaf = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            self.num_batches_tracked.add_(1)
            eaf = 1.0 / float(self.num_batches_tracked) if self.momentum is None \
                else self.momentum
        bn_training = self.training or (self.running_mean is None and self.running_var is None)
        running_mean = self.running_mean if not self.training or self.track_running_stats \
            else None
        running_var = self.running_var if not self.training or self.track_running_stats \
            else None
        dist = _dist()
        need_sync = bn_training and self.training and dist.is_available() and \
            dist.is_initialized()
        group = None
        if need_sync:
            group = self.process_group or dist.group.WORLD
            need_sync = dist.get_world_size(group) > 1
        if not need_sync:
            return F.batch_norm(input, running_mean, running_var, self.weight, self.bias,
                                bn_training, eaf, self.eps)
        return _sync_batch_norm(input, self.weight, self.bias, running_mean, running_var,
                                self.eps, eaf, group)

    @classmethod
    def convert_sync_batchnorm(cls, module, process_group=None):
        """A copy of ``module`` where every ``BatchNorm*D`` layer is a ``SyncBatchNorm`` with
        the same parameters and buffers (the module itself when it has none)."""
        module_output = module
        if isinstance(module, _BatchNorm):
            from ...autograd.grad_mode import no_grad
            module_output = SyncBatchNorm(module.num_features, module.eps, module.momentum,
                                          module.affine, module.track_running_stats,
                                          process_group)
            if module.affine:
                with no_grad():
                    module_output.weight = module.weight
                    module_output.bias = module.bias
            module_output.running_mean = module.running_mean
            module_output.running_var = module.running_var
            module_output.num_batches_tracked = module.num_batches_tracked
            module_output.training = module.training
            if hasattr(module, 'qconfig'):
                module_output.qconfig = module.qconfig
        for name, child in module.named_children():
            module_output.add_module(name, cls.convert_sync_batchnorm(child, process_group))
        del module
        return module_output
