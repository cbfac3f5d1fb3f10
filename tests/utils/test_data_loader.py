"""ember.utils.data.DataLoader with worker processes: determinism, seeding, errors, dead and
slow workers, iterable datasets, persistent workers, shared-memory transport, shutdown.

Every multi-process loader here has a small ``timeout`` so that a hang fails fast."""
import mmap
import os
import random
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import ember
from ember.utils import data as ed
from ember.utils.data._utils import shm
from tests.helpers import needs_torch

pytestmark = pytest.mark.skipif(not hasattr(os, 'fork'), reason='needs fork')
CTX = 'fork'
T = 20          # seconds: a loader's timeout; generous for a busy machine, short for a hang


def loader(ds, **kw):
    kw.setdefault('num_workers', 2)
    kw.setdefault('multiprocessing_context', CTX)
    kw.setdefault('timeout', T)
    return ed.DataLoader(ds, **kw)


def shm_names():
    if not os.path.isdir('/dev/shm'):
        return set()
    return {n for n in os.listdir('/dev/shm') if n.startswith(f'edl{os.getpid()}_')}


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:            # a zombie child counts as gone
        with open(f'/proc/{pid}/stat') as f:
            return f.read().split(')')[-1].split()[0] != 'Z'
    except OSError:
        return True


class Squares(ed.Dataset):
    def __init__(self, n):
        self.n = n

    def __getitem__(self, i):
        return i * i

    def __len__(self):
        return self.n


class WhoAmI(ed.Dataset):
    """Each sample says which worker made it and what its RNGs give."""

    def __len__(self):
        return 4

    def __getitem__(self, i):
        info = ed.get_worker_info()
        return {'i': i, 'id': info.id, 'nw': info.num_workers, 'seed': info.seed,
                'pid': os.getpid(), 'py': random.random(), 'np': float(np.random.rand()),
                'ember': float(ember.rand(1).item()), 'same_ds': info.dataset is self,
                'init': INIT_CALLS[:]}


INIT_CALLS = []


def record_init(worker_id):
    INIT_CALLS.append(worker_id)


class Failing(ed.Dataset):
    def __init__(self, exc):
        self.exc = exc

    def __len__(self):
        return 6

    def __getitem__(self, i):
        if i == 2:
            raise self.exc
        return i


class Dying(ed.Dataset):
    def __init__(self, how):
        self.how = how

    def __len__(self):
        return 8

    def __getitem__(self, i):
        if i == 3:
            if self.how == 'exit':
                os._exit(3)
            os.kill(os.getpid(), signal.SIGKILL)
        return i


class Slow(ed.Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        if i == 1:
            time.sleep(1.5)
        return i


class Stream(ed.IterableDataset):
    def __init__(self, n, shard):
        self.n = n
        self.shard = shard

    def __iter__(self):
        info = ed.get_worker_info()
        if info is None or not self.shard:
            return iter(range(self.n))
        return iter(range(info.id, self.n, info.num_workers))


class Counter(ed.Dataset):
    """State kept in the worker's copy: counts the samples that worker served."""

    def __init__(self):
        self.count = 0

    def __len__(self):
        return 4

    def __getitem__(self, i):
        self.count += 1
        return (os.getpid(), self.count)


class Images(ed.Dataset):
    def __init__(self, n):
        self.x = np.random.default_rng(0).standard_normal((n, 3, 16, 16)).astype(np.float32)

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return ember.from_numpy(self.x[i]), i


# ------------------------------------------------------------------------------ determinism

def test_same_batches_with_and_without_workers(device):
    x = ember.tensor(np.random.default_rng(0).standard_normal((37, 5)).astype(np.float32))
    ds = ed.TensorDataset(x, ember.arange(37))

    def run(nw):
        kw = dict(num_workers=nw, multiprocessing_context=CTX, timeout=T) if nw else {}
        dl = ed.DataLoader(ds, batch_size=6, shuffle=True,
                           generator=ember.Generator().manual_seed(11), **kw)
        return [(a.numpy().copy(), b.tolist()) for a, b in dl]
    single, multi = run(0), run(2)
    assert [b for _, b in single] == [b for _, b in multi]
    assert all(np.array_equal(a, c) for (a, _), (c, _) in zip(single, multi))
    assert sorted(i for _, b in single for i in b) == list(range(37))
    assert multi[0][0].dtype == np.float32 and len(multi) == 7


def test_spawn_context(device):
    x = ember.arange(30, dtype=ember.float32).reshape(10, 3)
    ds = ed.TensorDataset(x, ember.arange(10))
    g = ember.Generator().manual_seed(2)
    want = [b.tolist() for _, b in ed.DataLoader(ds, batch_size=3, shuffle=True, generator=g)]
    g = ember.Generator().manual_seed(2)
    dl = ed.DataLoader(ds, batch_size=3, shuffle=True, generator=g, num_workers=2,
                       multiprocessing_context='spawn', timeout=60)
    got = [(a.tolist(), b.tolist()) for a, b in dl]
    assert [b for _, b in got] == want
    assert all(a == [[3.0 * i, 3.0 * i + 1, 3.0 * i + 2] for i in b] for a, b in got)


def test_worker_seeding_like_torch(device):
    INIT_CALLS.clear()
    g = ember.Generator().manual_seed(123)
    base = int(ember.empty((), dtype=ember.int64).random_(
        generator=ember.Generator().manual_seed(123)).item())
    out = list(loader(WhoAmI(), batch_size=None, generator=g, worker_init_fn=record_init))
    assert [o['id'] for o in out] == [0, 1, 0, 1]          # round robin
    from ember.utils.data._utils.worker import _generate_state
    for o in out[:2]:
        wid, seed = o['id'], o['seed']
        assert seed == base + wid and o['nw'] == 2 and o['same_ds'] and o['init'] == [wid]
        assert o['py'] == random.Random(seed).random()
        assert o['np'] == np.random.RandomState(_generate_state(base, wid)).rand()
        with ember.random.fork_rng():
            ember.manual_seed(seed)
            assert o['ember'] == ember.rand(1).item()
    assert out[0]['py'] != out[1]['py'] and out[0]['np'] != out[1]['np']
    assert out[0]['pid'] != out[1]['pid'] != os.getpid()
    assert INIT_CALLS == []                                 # ran in the workers only


@needs_torch
def test_numpy_seed_state_matches_torch(device):
    from torch.utils.data._utils.worker import _generate_state as torch_state
    from ember.utils.data._utils.worker import _generate_state
    for base in (0, 1, 2 ** 32 + 5, 2 ** 63 - 1, 98765432123):
        for wid in range(3):
            assert _generate_state(base, wid) == torch_state(base, wid)


# ------------------------------------------------------------------------------ errors

def test_worker_exception_reraised_with_traceback(device):
    it = iter(loader(Failing(ValueError('bad sample')), batch_size=2))
    assert next(it).tolist() == [0, 1]
    with pytest.raises(ValueError) as ei:
        next(it)
    msg = str(ei.value)
    assert msg.startswith('Caught ValueError in DataLoader worker process 1.\n'
                          'Original Traceback (most recent call last):\n')
    assert 'in __getitem__' in msg and 'raise self.exc' in msg and 'bad sample' in msg
    assert next(it).tolist() == [4, 5]          # the loader goes on, as PyTorch's does
    with pytest.raises(StopIteration):
        next(it)


def test_worker_exception_kinds(device):
    with pytest.raises(KeyError) as ei:
        list(loader(Failing(KeyError('k')), batch_size=None, num_workers=1))
    assert 'Caught KeyError in DataLoader worker process 0' in repr(ei.value)

    class Two(Exception):
        def __init__(self, a, b):
            super().__init__(a, b)
    with pytest.raises(RuntimeError, match='Caught Two in DataLoader worker process 0'):
        list(loader(Failing(Two(1, 2)), batch_size=None, num_workers=1))


def test_worker_init_fn_exception(device):
    def bad_init(wid):
        raise ZeroDivisionError('init failed')
    with pytest.raises(ZeroDivisionError, match='Caught ZeroDivisionError in DataLoader worker '
                                                'process 0'):
        list(loader(Squares(4), worker_init_fn=bad_init, num_workers=1))


@pytest.mark.parametrize('how', ['exit', 'kill'])
def test_dead_worker_raises(device, how):
    t0 = time.monotonic()
    with pytest.raises(RuntimeError, match=r'DataLoader worker \(pid\(s\) \d+\) exited '
                                           r'unexpectedly'):
        list(loader(Dying(how), batch_size=None))
    assert time.monotonic() - t0 < 10             # noticed at once, not after a long poll


def test_dead_worker_without_timeout(device):
    """With ``timeout=0`` (wait forever) a dead worker still raises instead of hanging."""
    def hang(signum, frame):
        raise TimeoutError('the DataLoader hung on a dead worker')
    old = signal.signal(signal.SIGALRM, hang)
    signal.alarm(30)
    try:
        with pytest.raises(RuntimeError, match='exited unexpectedly'):
            list(loader(Dying('kill'), batch_size=2, timeout=0))
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def test_timeout(device):
    dl = loader(Slow(), batch_size=None, num_workers=1, timeout=0.3)
    it = iter(dl)
    assert next(it) == 0
    t0 = time.monotonic()
    with pytest.raises(RuntimeError, match=r'^DataLoader timed out after 0\.3 seconds$'):
        next(it)
    assert time.monotonic() - t0 < 2.5
    del it


def test_unpicklable_batch_raises(device):
    with pytest.raises(Exception, match='DataLoader worker process 0'):
        list(loader(Squares(2), batch_size=None, num_workers=1,
                    collate_fn=lambda s: (lambda: s)))


# ------------------------------------------------------------------------------ iterable datasets

def test_iterable_dataset_each_worker_own_copy(device):
    out = [int(b) for b in loader(Stream(5, shard=False), batch_size=None)]
    assert sorted(out) == sorted(list(range(5)) * 2)
    out = [v for b in loader(Stream(10, shard=True), batch_size=3) for v in b.tolist()]
    assert sorted(out) == list(range(10))
    out = [b.tolist() for b in loader(Stream(10, shard=True), batch_size=3, drop_last=True)]
    assert all(len(b) == 3 for b in out) and len(out) == 2    # worker 0: 0,2,4 ; worker 1: 1,3,5


# ------------------------------------------------------------------------------ lifecycle

def test_persistent_workers(device):
    dl = loader(Counter(), batch_size=None, persistent_workers=True)
    e1 = [tuple(b) for b in dl]
    e2 = [tuple(b) for b in dl]
    pids = {p for p, _ in e1}
    assert len(pids) == 2 and {p for p, _ in e2} == pids          # the same processes
    assert sorted(c for _, c in e1) == [1, 1, 2, 2] and sorted(c for _, c in e2) == [3, 3, 4, 4]
    it = dl._iterator
    workers = list(it._workers)
    del it
    dl._iterator._shutdown_workers()
    assert not any(w.is_alive() for w in workers)
    fresh = loader(Counter(), batch_size=None)
    a = {p for p, _ in fresh}
    assert {p for p, _ in fresh}.isdisjoint(a)                    # new workers each epoch


def test_persistent_iterable_dataset_epochs(device):
    dl = loader(Stream(6, shard=True), batch_size=2, persistent_workers=True)
    for _ in range(3):
        assert sorted(v for b in dl for v in b.tolist()) == list(range(6))
    dl._iterator._shutdown_workers()


def test_in_order_false_and_prefetch(device):
    out = [b.tolist() for b in loader(Squares(20), batch_size=3, in_order=False,
                                      prefetch_factor=1)]
    assert sorted(v for b in out for v in b) == [i * i for i in range(20)]
    out = [b.tolist() for b in loader(Squares(20), batch_size=3, prefetch_factor=4)]
    assert out[0] == [0, 1, 4] and len(out) == 7


def test_shutdown_on_delete_and_early_break(device):
    dl = loader(Squares(100), batch_size=2)
    it = iter(dl)
    next(it)
    workers = list(it._workers)
    assert all(w.is_alive() for w in workers)
    del it
    assert not any(alive(w.pid) for w in workers)
    assert shm_names() == set()
    for i, _ in enumerate(dl):          # breaking out of a loop frees the workers too
        if i == 2:
            break
    import gc
    gc.collect()
    assert shm_names() == set()


def test_shutdown_at_program_exit(device, tmp_path):
    script = tmp_path / 'prog.py'
    script.write_text(textwrap.dedent('''
        import os, sys
        import numpy as np
        import ember
        from ember.utils.data import DataLoader, TensorDataset
        ds = TensorDataset(ember.zeros(64, 1024), ember.arange(64))
        dl = DataLoader(ds, batch_size=8, num_workers=2, multiprocessing_context='fork',
                        persistent_workers=True, timeout=20)
        it = iter(dl)
        next(it)                      # batches still in flight when the program ends
        print(os.getpid(), *[w.pid for w in it._workers], flush=True)
    '''))
    env = dict(os.environ, PYTHONPATH=os.getcwd())
    r = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                       timeout=60, env=env)
    assert r.returncode == 0, r.stderr
    pids = [int(p) for p in r.stdout.split()]
    time.sleep(0.2)
    assert not any(alive(p) for p in pids[1:])
    if os.path.isdir('/dev/shm'):
        assert not [n for n in os.listdir('/dev/shm') if n.startswith(f'edl{pids[0]}_')]


# ------------------------------------------------------------------------------ transport

def test_batches_arrive_in_shared_memory(device):
    ds = Images(24)
    before = shm_names()
    dl = loader(ds, batch_size=8)
    n = 0
    for x, i in dl:
        assert x.dtype == ember.float32 and x.shape == (8, 3, 16, 16)
        np.testing.assert_array_equal(x.numpy(), ds.x[i.numpy()])
        base = x.numpy()
        while isinstance(base, np.ndarray):
            base = base.base
        if shm.AVAILABLE:
            assert isinstance(base, mmap.mmap)          # mapped, not copied out of a pipe
        x.add_(1)                                       # writable like any tensor
        n += 1
    assert n == 3 and shm_names() == before


def test_custom_collate_and_numpy_batches(device):
    ds = Images(10)

    def collate(samples):
        xs = np.stack([s[0].numpy() for s in samples])
        return {'x': xs, 'ids': [s[1] for s in samples], 'view': xs[:, 0]}
    out = list(loader(ds, batch_size=5, collate_fn=collate))
    assert len(out) == 2
    for k, b in enumerate(out):
        np.testing.assert_array_equal(b['x'], ds.x[5 * k:5 * k + 5])
        np.testing.assert_array_equal(b['view'], ds.x[5 * k:5 * k + 5, 0])
        assert b['ids'] == list(range(5 * k, 5 * k + 5)) and b['x'].dtype == np.float32


def test_requires_grad_and_small_tensors(device):
    x = ember.ones(6, 3, requires_grad=True)

    class D(ed.Dataset):
        def __len__(self):
            return 6

        def __getitem__(self, i):
            return x[i].detach().requires_grad_(True), ember.tensor(float(i))
    out = list(loader(D(), batch_size=3))
    assert out[0][0].shape == (3, 3) and out[1][1].tolist() == [3.0, 4.0, 5.0]
    assert out[0][1].dtype == ember.float32


def test_pin_memory_with_workers(device):
    from ember.utils.data._utils.pin_memory import accelerator_available
    dl = loader(Squares(4), batch_size=2, pin_memory=True)
    if accelerator_available():
        assert [b.tolist() for b in dl] == [[0, 1], [4, 9]]
    else:
        with pytest.warns(UserWarning, match='no accelerator is found'):
            assert [b.tolist() for b in dl] == [[0, 1], [4, 9]]


def test_len_and_batch_size_none_with_workers(device):
    dl = loader(Squares(7), batch_size=None)
    assert len(dl) == 7 and [int(v) for v in dl] == [i * i for i in range(7)]
    dl = loader(Squares(7), batch_size=2)
    assert len(dl) == 4 and len(iter(dl)) == 4
