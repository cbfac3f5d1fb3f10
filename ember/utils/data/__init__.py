"""``ember.utils.data``: datasets, samplers and the DataLoader (``torch.utils.data``)."""
from .dataset import (Dataset, IterableDataset, TensorDataset, StackDataset, ConcatDataset,
                      ChainDataset, Subset, random_split)
from .sampler import (Sampler, SequentialSampler, RandomSampler, SubsetRandomSampler,
                      WeightedRandomSampler, BatchSampler)
from .distributed import DistributedSampler
from .dataloader import (DataLoader, _DatasetKind, get_worker_info, default_collate,
                         default_convert)
from ._utils.worker import WorkerInfo

__all__ = ['BatchSampler', 'ChainDataset', 'ConcatDataset', 'DataLoader', 'Dataset',
           'DistributedSampler', 'IterableDataset', 'RandomSampler', 'Sampler',
           'SequentialSampler', 'StackDataset', 'Subset', 'SubsetRandomSampler', 'TensorDataset',
           'WeightedRandomSampler', 'WorkerInfo', 'default_collate', 'default_convert',
           'get_worker_info', 'random_split']
