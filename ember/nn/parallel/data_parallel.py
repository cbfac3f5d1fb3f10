"""``DataParallel`` (``torch.nn.DataParallel``) as a single-device pass-through."""
from ..module import Module

__all__ = ['DataParallel', 'data_parallel']


class DataParallel(Module):
    """Wraps ``module`` as ``torch.nn.DataParallel`` does, running it on its one device.

    PyTorch's DataParallel splits each batch over several GPUs in one process; ember runs
    the module as it is (the single-device case, and PyTorch's own behaviour without GPUs).
    ``.module`` is the wrapped model and ``state_dict`` keys carry the ``module.`` prefix, so
    checkpoints interchange with PyTorch's. For several processes use
    ``DistributedDataParallel``.

    Args:
        module: the model.
        device_ids: CUDA devices (only the first is used).
        output_device: accepted for compatibility.
        dim: the batch dimension (accepted for compatibility).
    """

    def __init__(self, module, device_ids=None, output_device=None, dim=0):
        super().__init__()
        self.module = module
        self.dim = dim
        from ...backend import cuda
        if device_ids is None:
            device_ids = [0] if cuda.is_available() else []
        self.device_ids = [getattr(d, 'index', d) for d in device_ids]
        if output_device is None and self.device_ids:
            output_device = self.device_ids[0]
        self.output_device = getattr(output_device, 'index', output_device)

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)


def data_parallel(module, inputs, device_ids=None, output_device=None, dim=0,
                  module_kwargs=None):
    """Evaluate ``module(*inputs)`` (``torch.nn.parallel.data_parallel``) on its device."""
    if not isinstance(inputs, tuple):
        inputs = (inputs,)
    return module(*inputs, **(module_kwargs or {}))
