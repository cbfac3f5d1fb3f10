"""ember.utils.data without worker processes: datasets, samplers, collation and the
single-process DataLoader, checked against torch.utils.data where the result is deterministic."""
import collections
import math
import warnings

import numpy as np
import pytest

import ember
from ember.utils import data as ed
from tests.helpers import torch, needs_torch

if torch is not None:
    import torch.utils.data as td

Point = collections.namedtuple('Point', ['x', 'y'])


def _err(fn):
    try:
        fn()
    except Exception as e:     # noqa: BLE001
        return type(e), str(e)
    return None


def same_error(ember_fn, torch_fn):
    """Both raise, with the same exception type and message."""
    e, t = _err(ember_fn), _err(torch_fn)
    assert e is not None and t is not None, (e, t)
    assert e[0].__name__ == t[0].__name__ and e[1] == t[1], (e, t)


def to_py(x):
    """A collated batch of either library as plain Python (tensors -> (dtype, shape, list))."""
    if isinstance(x, ember.Tensor) or (torch is not None and isinstance(x, torch.Tensor)):
        return ('T', str(x.dtype).replace('torch.', ''), tuple(x.shape), x.tolist())
    if isinstance(x, dict):
        return ('dict', {k: to_py(v) for k, v in x.items()})
    if isinstance(x, tuple) and hasattr(x, '_fields'):
        return (type(x).__name__, tuple(to_py(v) for v in x))
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, [to_py(v) for v in x])
    if isinstance(x, np.ndarray):
        return ('nd', x.dtype.str, x.tolist())
    return (type(x).__name__, x)


class Squares(ed.Dataset):
    def __init__(self, n):
        self.n = n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        return i * i

    def __len__(self):
        return self.n


class Stream(ed.IterableDataset):
    def __init__(self, n, length=True):
        self.n = n
        self.length = length

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        if not self.length:
            raise TypeError('no len')
        return self.n


# ------------------------------------------------------------------------------ datasets

def test_dataset_base_and_add(device):
    with pytest.raises(NotImplementedError):
        ed.Dataset()[0]
    c = Squares(3) + Squares(2)
    assert isinstance(c, ed.ConcatDataset) and [c[i] for i in range(5)] == [0, 1, 4, 0, 1]
    ch = Stream(2) + Stream(3)
    assert isinstance(ch, ed.ChainDataset) and list(ch) == [0, 1, 0, 1, 2] and len(ch) == 5
    with pytest.raises(AssertionError, match='ChainDataset only supports IterableDataset'):
        list(ed.ChainDataset([Squares(2)]))


def test_tensor_dataset(device):
    x = ember.arange(12, device=device).reshape(4, 3)
    y = ember.arange(4, device=device)
    ds = ed.TensorDataset(x, y)
    assert len(ds) == 4
    a, b = ds[2]
    assert a.tolist() == [6, 7, 8] and b.item() == 2
    a, b = ds[1:3]          # slices index every tensor
    assert a.shape == (2, 3) and b.tolist() == [1, 2]


@needs_torch
def test_dataset_errors_like_torch(device):
    same_error(lambda: ed.TensorDataset(ember.zeros(3), ember.zeros(4)),
               lambda: td.TensorDataset(torch.zeros(3), torch.zeros(4)))
    same_error(lambda: ed.ConcatDataset([]), lambda: td.ConcatDataset([]))
    same_error(lambda: ed.ConcatDataset([Stream(2)]), lambda: td.ConcatDataset([TStream()]))
    same_error(lambda: ed.ConcatDataset([range(3), range(4)])[-9],
               lambda: td.ConcatDataset([range(3), range(4)])[-9])
    same_error(lambda: ed.ConcatDataset([range(3), range(4)])[7],
               lambda: td.ConcatDataset([range(3), range(4)])[7])
    same_error(lambda: ed.StackDataset(), lambda: td.StackDataset())
    same_error(lambda: ed.StackDataset(range(2), b=range(2)),
               lambda: td.StackDataset(range(2), b=range(2)))
    same_error(lambda: ed.StackDataset(range(2), range(3)),
               lambda: td.StackDataset(range(2), range(3)))
    same_error(lambda: ed.random_split(range(10), [3, 3]),
               lambda: td.random_split(range(10), [3, 3]))
    same_error(lambda: ed.random_split(range(10), [1.5, -0.5]),
               lambda: td.random_split(range(10), [1.5, -0.5]))


if torch is not None:
    class TStream(td.IterableDataset):
        def __iter__(self):
            return iter(range(2))


@needs_torch
def test_concat_dataset_like_torch(device):
    parts = [range(3), range(10, 14), range(0), range(20, 22)]
    e, t = ed.ConcatDataset(parts), td.ConcatDataset(parts)
    assert e.cumulative_sizes == t.cumulative_sizes and len(e) == len(t)
    assert [e[i] for i in range(-len(e), len(e))] == [t[i] for i in range(-len(t), len(t))]
    with pytest.warns(FutureWarning):
        assert e.cummulative_sizes == e.cumulative_sizes


def test_subset_and_stack_dataset(device):
    base = Squares(10)
    s = ed.Subset(base, [9, 2, 4])
    assert len(s) == 3 and s[0] == 81 and s.__getitems__([1, 2]) == [4, 16]
    st = ed.StackDataset(Squares(3), ed.Subset(base, [5, 6, 7]))
    assert st[1] == (1, 36) and st.__getitems__([0, 2]) == [(0, 25), (4, 49)]
    sd = ed.StackDataset(a=Squares(2), b=range(5, 7))
    assert sd[1] == {'a': 1, 'b': 6} and sd.__getitems__([0, 1]) == [{'a': 0, 'b': 5},
                                                                      {'a': 1, 'b': 6}]

    class Bad(ed.Subset):
        def __getitem__(self, i):
            return 0
    with pytest.raises(NotImplementedError, match='overrides __getitem__ but not __getitems__'):
        Bad(base, [1])


@needs_torch
@pytest.mark.parametrize('n,lengths', [(10, [3, 7]), (11, [0.3, 0.3, 0.4]), (10, [0.5, 0.5]),
                                       (7, [0.1, 0.2, 0.7])])
def test_random_split_sizes_like_torch(device, n, lengths):
    e = ed.random_split(range(n), lengths, generator=ember.Generator().manual_seed(1))
    t = td.random_split(range(n), lengths, generator=torch.Generator().manual_seed(1))
    assert [len(s) for s in e] == [len(s) for s in t]
    idx = [i for s in e for i in s.indices]
    assert sorted(idx) == list(range(n))                    # disjoint and covering
    again = ed.random_split(range(n), lengths, generator=ember.Generator().manual_seed(1))
    assert [s.indices for s in again] == [s.indices for s in e]
    other = ed.random_split(range(n), lengths, generator=ember.Generator().manual_seed(2))
    assert [s.indices for s in other] != [s.indices for s in e]


def test_random_split_default_generator_and_warning(device):
    ember.manual_seed(5)
    a = [s.indices for s in ed.random_split(range(20), [5, 15])]
    ember.manual_seed(5)
    b = [s.indices for s in ed.random_split(range(20), [5, 15])]
    assert a == b
    with pytest.warns(UserWarning, match='Length of split at index 2 is 0'):
        parts = ed.random_split(range(10), [0.5, 0.5, 0.0])
    assert [len(p) for p in parts] == [5, 5, 0]


# ------------------------------------------------------------------------------ samplers

@needs_torch
def test_sequential_and_batch_sampler_like_torch(device):
    assert list(ed.SequentialSampler(range(7))) == list(td.SequentialSampler(range(7)))
    assert len(ed.SequentialSampler(range(7))) == 7
    for bs in (1, 3, 7, 10):
        for dl in (False, True):
            e = ed.BatchSampler(ed.SequentialSampler(range(10)), bs, dl)
            t = td.BatchSampler(td.SequentialSampler(range(10)), bs, dl)
            assert list(e) == list(t) and len(e) == len(t)
    assert list(ed.BatchSampler(iter([4, 2, 9]), 2, False)) == [[4, 2], [9]]
    for bad in (0, -1, 2.0, True):
        same_error(lambda: ed.BatchSampler(range(3), bad, False),
                   lambda: td.BatchSampler(range(3), bad, False))
    same_error(lambda: ed.BatchSampler(range(3), 2, 1), lambda: td.BatchSampler(range(3), 2, 1))


@needs_torch
def test_random_sampler(device):
    g = ember.Generator().manual_seed(0)
    s = ed.RandomSampler(range(10), generator=g)
    a, b = list(s), list(s)
    assert sorted(a) == list(range(10)) and sorted(b) == list(range(10)) and a != b
    assert list(ed.RandomSampler(range(10), generator=ember.Generator().manual_seed(0))) == a
    # num_samples past the dataset: whole permutations, then part of one
    s = ed.RandomSampler(range(4), num_samples=10, generator=g)
    r = list(s)
    assert len(s) == 10 and len(r) == 10
    assert sorted(r[:4]) == sorted(r[4:8]) == [0, 1, 2, 3] and len(set(r[8:])) == 2
    s = ed.RandomSampler(range(5), replacement=True, num_samples=70, generator=g)
    r = list(s)
    assert len(r) == 70 and set(r) <= set(range(5)) and len(set(r)) == 5
    # without a generator: drawn from the default generator, so manual_seed fixes it
    ember.manual_seed(3)
    a = list(ed.RandomSampler(range(50)))
    ember.manual_seed(3)
    assert list(ed.RandomSampler(range(50))) == a
    same_error(lambda: ed.RandomSampler(range(3), replacement=1),
               lambda: td.RandomSampler(range(3), replacement=1))
    for bad in (0, -2, 1.5):
        same_error(lambda: ed.RandomSampler(range(3), num_samples=bad),
                   lambda: td.RandomSampler(range(3), num_samples=bad))
    same_error(lambda: ed.RandomSampler([]), lambda: td.RandomSampler([]))


def test_subset_random_sampler(device):
    idx = [10, 20, 30, 40, 50]
    s = ed.SubsetRandomSampler(idx, generator=ember.Generator().manual_seed(4))
    r = list(s)
    assert sorted(r) == idx and len(s) == 5
    assert list(ed.SubsetRandomSampler(idx, generator=ember.Generator().manual_seed(4))) == r


@needs_torch
def test_weighted_random_sampler(device):
    g = ember.Generator().manual_seed(0)
    w = [0.0, 1.0, 0.0, 3.0, 0.5]
    s = ed.WeightedRandomSampler(w, 200, generator=g)
    r = list(s)
    assert len(r) == 200 and len(s) == 200 and set(r) == {1, 3, 4}
    assert r.count(3) > r.count(1) > r.count(4)
    r = list(ed.WeightedRandomSampler(w, 3, replacement=False, generator=g))
    assert sorted(r) == [1, 3, 4]
    assert s.weights.dtype == ember.float64
    for bad in (0, -1, True, 2.0):
        same_error(lambda: ed.WeightedRandomSampler(w, bad),
                   lambda: td.WeightedRandomSampler(w, bad))
    same_error(lambda: ed.WeightedRandomSampler(w, 2, replacement=0),
               lambda: td.WeightedRandomSampler(w, 2, replacement=0))
    same_error(lambda: ed.WeightedRandomSampler([[1.0, 2.0]], 2),
               lambda: td.WeightedRandomSampler([[1.0, 2.0]], 2))


@needs_torch
@pytest.mark.parametrize('n', [0, 1, 5, 10, 11, 13])
@pytest.mark.parametrize('replicas', [1, 3, 4, 16])
@pytest.mark.parametrize('drop_last', [False, True])
def test_distributed_sampler_like_torch(device, n, replicas, drop_last):
    if n == 0 and not drop_last:
        return          # PyTorch itself fails (ZeroDivisionError) padding an empty dataset
    for rank in range(replicas):
        e = ed.DistributedSampler(range(n), replicas, rank, shuffle=False, drop_last=drop_last)
        t = td.DistributedSampler(range(n), replicas, rank, shuffle=False, drop_last=drop_last)
        assert list(e) == list(t) and len(e) == len(t)
        assert (e.num_samples, e.total_size) == (t.num_samples, t.total_size)


@needs_torch
def test_distributed_sampler_shuffle_and_errors(device):
    def ranks(seed=0, epoch=0, drop_last=False, n=23):
        out = []
        for r in range(4):
            s = ed.DistributedSampler(range(n), 4, r, seed=seed, drop_last=drop_last)
            s.set_epoch(epoch)
            out.append(list(s))
        return out
    a = ranks()
    flat = [i for r in a for i in r]
    assert len(flat) == 24 and set(flat) == set(range(23))       # padded by one repeat
    d = ranks(drop_last=True)
    flat = [i for r in d for i in r]
    assert len(flat) == 20 and len(set(flat)) == 20               # tail dropped, disjoint
    assert ranks() == a and ranks(epoch=1) != a and ranks(seed=1) != a
    # the order is seeded with seed + epoch: a fresh generator's randperm
    perm = ember.randperm(23, generator=ember.Generator().manual_seed(7)).tolist()
    assert ranks(seed=5, epoch=2)[1] == (perm + perm[:1])[1:24:4]
    same_error(lambda: ed.DistributedSampler(range(4), 2, 2),
               lambda: td.DistributedSampler(range(4), 2, 2))
    same_error(lambda: ed.DistributedSampler(range(4), 2, -1),
               lambda: td.DistributedSampler(range(4), 2, -1))
    with pytest.raises((RuntimeError, ValueError)):
        ed.DistributedSampler(range(4))


# ------------------------------------------------------------------------------ collation

def _collate_cases():
    rng = np.random.default_rng(0)
    return [
        [1, 2, 3],
        [1.5, 2.0],
        [True, False],
        [np.float32(1.5), np.float32(2)],
        [np.int32(1), np.int32(7)],
        [np.float64(1.0), np.float64(2.0)],
        [np.bool_(True), np.bool_(False)],
        [rng.standard_normal((2, 3)).astype(np.float32) for _ in range(4)],
        [rng.integers(0, 9, (5,)).astype(np.int16) for _ in range(3)],
        [rng.integers(0, 255, (2, 2)).astype(np.uint8) for _ in range(2)],
        [np.array(3.5), np.array(1.0)],
        ['a', 'bc'],
        [b'x', b'y'],
        [{'a': 1, 'b': 2.5, 'c': 'x'}, {'a': 3, 'b': 0.5, 'c': 'y'}],
        [Point(1, 2.0), Point(3, 4.0)],
        [(1, 'u', 2.0), (3, 'v', 4.0)],
        [[1, 2], [3, 4]],
        [{'img': np.ones((2, 2), np.float32), 'meta': {'id': 1, 'p': (0.5, 1)}},
         {'img': np.zeros((2, 2), np.float32), 'meta': {'id': 2, 'p': (1.5, 2)}}],
    ]


@needs_torch
@pytest.mark.parametrize('case', range(len(_collate_cases())))
def test_default_collate_like_torch(device, case):
    batch = _collate_cases()[case]
    assert to_py(ed.default_collate(batch)) == to_py(td.default_collate(batch))


@needs_torch
def test_default_collate_tensors_like_torch(device):
    rng = np.random.default_rng(1)
    for dt in (np.float32, np.float64, np.int64, np.int32, np.uint8, np.bool_):
        arrs = [rng.integers(0, 2, (3, 2)).astype(dt) for _ in range(4)]
        e = ed.default_collate([ember.tensor(a, device=device) for a in arrs])
        t = td.default_collate([torch.tensor(a) for a in arrs])
        assert to_py(e) == to_py(t) and e.device.type == device
    # views (non-contiguous samples) and pairs, as TensorDataset yields
    x = ember.tensor(np.arange(24.0, dtype=np.float32).reshape(4, 6), device=device)
    xt = torch.tensor(np.arange(24.0, dtype=np.float32).reshape(4, 6))
    e = ed.default_collate([(x[i, ::2], x[i, 1]) for i in range(4)])
    t = td.default_collate([(xt[i, ::2], xt[i, 1]) for i in range(4)])
    assert to_py(e) == to_py(t)


@needs_torch
def test_default_collate_errors_like_torch(device):
    same_error(lambda: ed.default_collate([ember.zeros(3), ember.zeros(4)]),
               lambda: td.default_collate([torch.zeros(3), torch.zeros(4)]))
    same_error(lambda: ed.default_collate([np.zeros(3), np.zeros(4)]),
               lambda: td.default_collate([np.zeros(3), np.zeros(4)]))
    same_error(lambda: ed.default_collate([[1, 2], [3]]), lambda: td.default_collate([[1, 2], [3]]))
    same_error(lambda: ed.default_collate([object()]), lambda: td.default_collate([object()]))
    same_error(lambda: ed.default_collate([None, None]), lambda: td.default_collate([None, None]))
    same_error(lambda: ed.default_collate([np.array(['a']), np.array(['b'])]),
               lambda: td.default_collate([np.array(['a']), np.array(['b'])]))


@needs_torch
def test_default_convert_like_torch(device):
    cases = [0, 'abc', np.array([0, 1]), np.float32(2.5), Point(np.array(0), 1),
             [np.array([0, 1]), np.array([2.5])], (np.int16(3), 'x'),
             {'a': np.ones(2, np.float32), 'b': [np.int64(4)]}, np.array(['s'])]
    for c in cases:
        assert to_py(ed.default_convert(c)) == to_py(td.default_convert(c)), c
    t = ember.zeros(2)
    assert ed.default_convert(t) is t


def test_collate_fn_map_extension(device):
    from ember.utils.data._utils.collate import collate, default_collate_fn_map

    class Box:
        def __init__(self, v):
            self.v = v

    def box_fn(batch, *, collate_fn_map):
        return sum(b.v for b in batch)
    m = dict(default_collate_fn_map)
    m[Box] = box_fn
    assert collate([(Box(1), 2), (Box(3), 4)], collate_fn_map=m)[0] == 4


# ------------------------------------------------------------------------------ DataLoader, no workers

def test_loader_batches_and_len(device):
    x = ember.arange(20, device=device).reshape(10, 2).float()
    y = ember.arange(10, device=device)
    dl = ed.DataLoader(ed.TensorDataset(x, y), batch_size=4)
    bs = list(dl)
    assert len(dl) == 3 and [b[1].tolist() for b in bs] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert bs[0][0].dtype == ember.float32 and bs[0][0].shape == (4, 2)
    dl = ed.DataLoader(ed.TensorDataset(x, y), batch_size=4, drop_last=True)
    assert len(dl) == 2 and len(list(dl)) == 2
    # batch_size=None: no batching, samples go through default_convert
    dl = ed.DataLoader([np.array([1, 2]), (np.float32(3), 'a')], batch_size=None)
    out = list(dl)
    assert isinstance(out[0], ember.Tensor) and out[0].tolist() == [1, 2]
    assert isinstance(out[1], list) and out[1][0].dtype == ember.float32 and out[1][1] == 'a'
    assert len(dl) == 2


def test_loader_shuffle_generator_reproducible(device):
    ds = Squares(50)
    a = [b.tolist() for b in ed.DataLoader(ds, batch_size=8, shuffle=True,
                                           generator=ember.Generator().manual_seed(9))]
    b = [b.tolist() for b in ed.DataLoader(ds, batch_size=8, shuffle=True,
                                           generator=ember.Generator().manual_seed(9))]
    assert a == b and sorted(v for bb in a for v in bb) == [i * i for i in range(50)]
    dl = ed.DataLoader(ds, batch_size=50, shuffle=True, generator=ember.Generator().manual_seed(9))
    e1, e2 = next(iter(dl)).tolist(), next(iter(dl)).tolist()
    assert e1 != e2                                             # a new order every epoch


def test_loader_sampler_batch_sampler_collate(device):
    ds = Squares(10)
    dl = ed.DataLoader(ds, sampler=[9, 0, 3], batch_size=2)
    assert [b.tolist() for b in dl] == [[81, 0], [9]]
    dl = ed.DataLoader(ds, batch_sampler=[[1, 2], [5], [0, 0, 0]])
    assert [b.tolist() for b in dl] == [[1, 4], [25], [0, 0, 0]] and len(dl) == 3
    dl = ed.DataLoader(ds, batch_size=3, collate_fn=lambda b: tuple(b))
    assert list(dl)[0] == (0, 1, 4)
    assert dl.batch_size == 3 and isinstance(dl.sampler, ed.SequentialSampler)
    assert isinstance(ed.DataLoader(ds, shuffle=True).sampler, ed.RandomSampler)


def test_loader_iterable_dataset(device):
    dl = ed.DataLoader(Stream(10), batch_size=4)
    assert [b.tolist() for b in dl] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]] and len(dl) == 3
    dl = ed.DataLoader(Stream(10), batch_size=4, drop_last=True)
    assert [b.tolist() for b in dl] == [[0, 1, 2, 3], [4, 5, 6, 7]] and len(dl) == 2
    dl = ed.DataLoader(Stream(3), batch_size=None)
    assert list(dl) == [0, 1, 2]

    class Liar(Stream):
        def __len__(self):
            return 2
    dl = ed.DataLoader(Liar(4), batch_size=None)
    assert len(dl) == 2
    with pytest.warns(UserWarning, match='was reported to be 2'):
        assert list(dl) == [0, 1, 2, 3]


@needs_torch
def test_loader_argument_errors_like_torch(device):
    e_ds, t_ds = Squares(4), list(range(4))

    def both(**kw):
        same_error(lambda: ed.DataLoader(e_ds, **kw), lambda: td.DataLoader(t_ds, **kw))
    both(num_workers=-1)
    both(timeout=-1)
    both(prefetch_factor=2)
    both(num_workers=1, prefetch_factor=-1)
    both(persistent_workers=True)
    both(sampler=[0, 1], shuffle=True)
    both(batch_sampler=[[0]], batch_size=2)
    both(batch_sampler=[[0]], shuffle=True)
    both(batch_sampler=[[0]], sampler=[0])
    both(batch_sampler=[[0]], drop_last=True)
    both(batch_size=None, drop_last=True)
    both(multiprocessing_context='fork')
    both(num_workers=1, multiprocessing_context='nope')
    both(num_workers=1, multiprocessing_context=3)
    both(batch_size=0)
    same_error(lambda: ed.DataLoader(Stream(2), shuffle=True),
               lambda: td.DataLoader(TStream(), shuffle=True))
    same_error(lambda: ed.DataLoader(Stream(2), batch_sampler=[[0]]),
               lambda: td.DataLoader(TStream(), batch_sampler=[[0]]))
    e, t = ed.DataLoader(e_ds), td.DataLoader(t_ds)
    for attr in ('batch_size', 'sampler', 'dataset', 'drop_last', 'batch_sampler',
                 'persistent_workers'):
        same_error(lambda: setattr(e, attr, 1), lambda: setattr(t, attr, 1))
    e.num_workers = 0                         # other attributes may change
    same_error(lambda: iter(ed.DataLoader(e_ds, timeout=1)),
               lambda: iter(td.DataLoader(t_ds, timeout=1)))


def test_loader_pin_memory_without_accelerator(device):
    from ember.utils.data._utils.pin_memory import accelerator_available
    if accelerator_available():
        pytest.skip('an accelerator is present')
    dl = ed.DataLoader(Squares(3), batch_size=2, pin_memory=True)
    with pytest.warns(UserWarning, match="'pin_memory' argument is set as true but no accelerator"):
        out = [b.tolist() for b in dl]
    assert out == [[0, 1], [4]]


def test_worker_info_in_main_process(device):
    assert ed.get_worker_info() is None


def test_too_many_workers_warns(device):
    import os
    n = len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else os.cpu_count()
    with pytest.warns(UserWarning, match=f'This DataLoader will create {n + 1} worker processes'):
        ed.DataLoader(Squares(3), num_workers=n + 1)
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        ed.DataLoader(Squares(3), num_workers=1)
    assert math.isfinite(n)
