"""``ember.nn.parallel`` (``torch.nn.parallel``): ``DistributedDataParallel`` and
``DataParallel``."""
from .data_parallel import DataParallel, data_parallel
from .distributed import DistributedDataParallel

__all__ = ['DataParallel', 'DistributedDataParallel', 'data_parallel']
