"""``DistributedSampler`` (``torch.utils.data.distributed``): each of ``num_replicas``
processes loads its own exclusive share of a dataset."""
import math

from ...ops.random import Generator, randperm
from .sampler import Sampler

__all__ = ['DistributedSampler']


def _dist():
    try:
        from ... import distributed as dist
    except ImportError:
        return None
    is_available = getattr(dist, 'is_available', None)
    return dist if is_available is not None and is_available() else None


class DistributedSampler(Sampler):
    """The indices of replica ``rank``: the (optionally shuffled) indices padded by repeating
    from the front to a multiple of ``num_replicas`` (or with the tail dropped when
    ``drop_last``), then every ``num_replicas``-th one starting at ``rank``, as PyTorch does.

    Args:
        dataset: the dataset (only its length is used).
        num_replicas: number of processes (default: the process group's world size).
        rank: this process's rank (default: from the process group).
        shuffle: shuffle with a generator seeded with ``seed + epoch``.
        seed: the shuffling seed, identical on every replica.
        drop_last: drop the tail instead of padding.

    Call ``set_epoch(epoch)`` before each epoch for a new order per epoch.
    """

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0,
                 drop_last=False):
        if num_replicas is None or rank is None:
            dist = _dist()
            if dist is None:
                raise RuntimeError('Requires distributed package to be available')
            if num_replicas is None:
                num_replicas = dist.get_world_size()
            if rank is None:
                rank = dist.get_rank()
        if rank >= num_replicas or rank < 0:
            raise ValueError(f'Invalid rank {rank}, rank should be in the interval '
                             f'[0, {num_replicas - 1}]')
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        n = len(self.dataset)
        if self.drop_last and n % self.num_replicas != 0:
            self.num_samples = math.ceil((n - self.num_replicas) / self.num_replicas)
        else:
            self.num_samples = math.ceil(n / self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def __iter__(self):
        n = len(self.dataset)
        if self.shuffle:
            g = Generator()
            g.manual_seed(self.seed + self.epoch)
            indices = randperm(n, generator=g).tolist()
        else:
            indices = list(range(n))
        if not self.drop_last:
            pad = self.total_size - len(indices)
            if pad <= len(indices):
                indices += indices[:pad]
            else:
                indices += (indices * math.ceil(pad / len(indices)))[:pad]
        else:
            indices = indices[:self.total_size]
        if len(indices) != self.total_size:
            raise AssertionError(f'Number of indices ({len(indices)}) does not match total_size '
                                 f'({self.total_size})')
        indices = indices[self.rank:self.total_size:self.num_replicas]
        if len(indices) != self.num_samples:
            raise AssertionError(f'Number of subsampled indices ({len(indices)}) does not match '
                                 f'num_samples ({self.num_samples})')
        return iter(indices)

    def __len__(self):
        return self.num_samples

    def set_epoch(self, epoch):
        """Set the epoch: with ``shuffle``, each epoch gets its own order (seed + epoch)."""
        self.epoch = epoch
