"""Samplers (``torch.utils.data.sampler``): iterables of dataset indices (or of batches of
indices) that decide the order a ``DataLoader`` loads samples in."""
import itertools

from ... import _dtype
from ...ops.creation import empty, as_tensor
from ...ops.random import Generator, randperm, randint, multinomial

__all__ = ['BatchSampler', 'RandomSampler', 'Sampler', 'SequentialSampler',
           'SubsetRandomSampler', 'WeightedRandomSampler']


class Sampler:
    """Base class of samplers: ``__iter__`` yields indices (or lists of indices); ``__len__``
    is optional but needed for ``len(DataLoader)``."""

    def __iter__(self):
        raise NotImplementedError

    def __class_getitem__(cls, item):    # Sampler[int] in annotations
        return cls


class SequentialSampler(Sampler):
    """Indices ``0, 1, ..., len(data_source) - 1`` in order."""

    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


def _fresh_generator():
    """A generator seeded from the default one (PyTorch's RandomSampler without generator)."""
    seed = int(empty((), dtype=_dtype.int64).random_().item())
    return Generator().manual_seed(seed)


class RandomSampler(Sampler):
    """Random indices: a fresh permutation per pass (without replacement; ``num_samples`` may
    exceed the dataset, taking whole permutations then a part of one), or uniform draws with
    replacement (in chunks of 32, as PyTorch).

    Args:
        data_source: the dataset (only its length is used).
        replacement: draw with replacement.
        num_samples: how many indices per epoch (default ``len(data_source)``).
        generator: the generator to draw from (default: one seeded from the default generator
            at every ``iter``).
    """

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(self.replacement, bool):
            raise TypeError('replacement should be a boolean value, but got '
                            f'replacement={self.replacement}')
        if not isinstance(self.num_samples, int) or self.num_samples <= 0:
            raise ValueError('num_samples should be a positive integer value, but got '
                             f'num_samples={self.num_samples}')

    @property
    def num_samples(self):
        if self._num_samples is None:
            return len(self.data_source)
        return self._num_samples

    def __iter__(self):
        n = len(self.data_source)
        g = _fresh_generator() if self.generator is None else self.generator
        m = self.num_samples
        if self.replacement:
            for _ in range(m // 32):
                yield from randint(high=n, size=(32,), dtype=_dtype.int64, generator=g).tolist()
            yield from randint(high=n, size=(m % 32,), dtype=_dtype.int64, generator=g).tolist()
        else:
            for _ in range(m // n):
                yield from randperm(n, generator=g).tolist()
            yield from randperm(n, generator=g).tolist()[:m % n]

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given ``indices`` in a random order (a fresh permutation per pass).

    Args:
        indices: a sequence of indices.
        generator: the generator to draw from.
    """

    def __init__(self, indices, generator=None):
        self.indices = indices
        self.generator = generator

    def __iter__(self):
        for i in randperm(len(self.indices), generator=self.generator).tolist():
            yield self.indices[i]

    def __len__(self):
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """Indices ``0..len(weights)-1`` drawn with probabilities proportional to ``weights``
    (``multinomial``).

    Args:
        weights: a 1-D sequence of non-negative weights (need not sum to one).
        num_samples: how many indices to draw.
        replacement: draw with replacement (default) or without.
        generator: the generator to draw from.
    """

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        if not isinstance(num_samples, int) or isinstance(num_samples, bool) or \
                num_samples <= 0:
            raise ValueError('num_samples should be a positive integer value, but got '
                             f'num_samples={num_samples}')
        if not isinstance(replacement, bool):
            raise ValueError('replacement should be a boolean value, but got '
                             f'replacement={replacement}')
        w = as_tensor(weights, dtype=_dtype.float64)
        if len(w.shape) != 1:
            raise ValueError('weights should be a 1d sequence but given weights have shape '
                             f'{tuple(w.shape)}')
        self.weights = w
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def __iter__(self):
        r = multinomial(self.weights, self.num_samples, self.replacement,
                        generator=self.generator)
        yield from iter(r.tolist())

    def __len__(self):
        return self.num_samples


class BatchSampler(Sampler):
    """Groups the indices of ``sampler`` into lists of ``batch_size``; the last, shorter one is
    kept unless ``drop_last``.

    Args:
        sampler: any iterable of indices.
        batch_size: the batch size (a positive int).
        drop_last: drop the last incomplete batch.
    """

    def __init__(self, sampler, batch_size, drop_last):
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError('batch_size should be a positive integer value, but got '
                             f'batch_size={batch_size}')
        if not isinstance(drop_last, bool):
            raise ValueError(f'drop_last should be a boolean value, but got drop_last={drop_last}')
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self):
        it = iter(self.sampler)
        if self.drop_last:
            for b in zip(*([it] * self.batch_size)):
                yield [*b]
        else:
            b = [*itertools.islice(it, self.batch_size)]
            while b:
                yield b
                b = [*itertools.islice(it, self.batch_size)]

    def __len__(self):
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size
