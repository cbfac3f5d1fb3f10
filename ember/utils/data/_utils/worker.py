"""The DataLoader worker process (``torch.utils.data._utils.worker``): seeding, the fetch
loop, ``get_worker_info``."""
import os
import queue
import random
from dataclasses import dataclass

from . import MP_STATUS_CHECK_INTERVAL, ExceptionWrapper, shm


class ManagerWatchdog:
    """Tells a worker whether the process that started it is still alive."""

    def __init__(self):
        self.manager_pid = os.getppid()
        self.manager_dead = False

    def is_alive(self):
        if not self.manager_dead:
            self.manager_dead = os.getppid() != self.manager_pid
        return not self.manager_dead


_worker_info = None


@dataclass(frozen=True)
class WorkerInfo:
    """What a worker knows about itself: ``id``, ``num_workers``, ``seed`` and its own copy of
    the ``dataset`` (frozen, as PyTorch's dataclass)."""
    id: int
    num_workers: int
    seed: int
    dataset: object
    rng: object = None
    worker_method: str = 'multiprocessing'


def get_worker_info():
    """In a DataLoader worker, its ``WorkerInfo`` (``id``, ``num_workers``, ``seed``,
    ``dataset``); ``None`` in the main process."""
    return _worker_info


@dataclass(frozen=True)
class _IterableDatasetStopIteration:
    """A worker's iterable dataset is exhausted."""
    worker_id: int


@dataclass(frozen=True)
class _ResumeIteration:
    """Start a new epoch (persistent workers)."""
    seed: object = None


class _Packed:
    """A batch pickled by the worker, its large arrays in shared memory."""
    __slots__ = ('payload',)

    def __init__(self, payload):
        self.payload = payload

    def __reduce__(self):
        return (_Packed, (self.payload,))

    def unpack(self):
        return shm.loads(self.payload)


def _generate_state(base_seed, worker_id):
    """The 4 x 32-bit seed of NumPy's global RNG in worker ``worker_id``: PyTorch's hash of
    ``(worker_id, base_seed)`` (NumPy's SeedSequence mixing), so it matches PyTorch."""
    INIT_A, MULT_A = 0x43B0D7E5, 0x931E8875
    INIT_B, MULT_B = 0x8B51F9DD, 0x58F38DED
    MIX_MULT_L, MIX_MULT_R = 0xCA01F9DD, 0x4973F715
    XSHIFT = 16
    MASK32 = 0xFFFFFFFF
    entropy = [worker_id, base_seed & MASK32, base_seed >> 32, 0]
    pool = [0] * 4
    ha = INIT_A

    def hash_(v):
        nonlocal ha
        v = (v ^ ha) & MASK32
        ha = (ha * MULT_A) & MASK32
        v = (v * ha) & MASK32
        return (v ^ (v >> XSHIFT)) & MASK32

    def mix(x, y):
        r = ((MIX_MULT_L * x) - (MIX_MULT_R * y)) & MASK32
        return (r ^ (r >> XSHIFT)) & MASK32

    for i in range(4):
        pool[i] = hash_(entropy[i])
    for s in range(4):
        for d in range(4):
            if s != d:
                pool[d] = mix(pool[d], hash_(pool[s]))
    hb = INIT_B
    state = []
    for d in range(4):
        v = (pool[d] ^ hb) & MASK32
        hb = (hb * MULT_B) & MASK32
        v = (v * hb) & MASK32
        state.append((v ^ (v >> XSHIFT)) & MASK32)
    return state


def _seed_worker(base_seed, worker_id):
    """Seed Python's, ember's and NumPy's global RNGs as PyTorch seeds a worker's."""
    seed = base_seed + worker_id
    random.seed(seed)
    from ....ops.random import manual_seed
    manual_seed(seed)
    import numpy as np
    np.random.seed(_generate_state(base_seed, worker_id))
    return seed


def _worker_loop(dataset_kind, dataset, index_queue, data_queue, done_event, auto_collation,
                 collate_fn, drop_last, base_seed, init_fn, worker_id, num_workers,
                 persistent_workers, shared_seed, shm_prefix):
    """Fetch the (index, batch indices) tasks of ``index_queue`` until told to stop (None),
    putting ``(index, batch)`` (or an ExceptionWrapper) on ``data_queue``."""
    global _worker_info
    try:
        from ....backend import cpu
        cpu.set_num_threads(1)        # as PyTorch's workers: one thread each, the cores are shared
        seed = _seed_worker(base_seed, worker_id)
        if shm_prefix is not None:
            shm.set_prefix(f'{shm_prefix}{worker_id}_')
        _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed,
                                  dataset=dataset)
        from ..dataloader import _DatasetKind
        init_exception = None
        try:
            if init_fn is not None:
                init_fn(worker_id)
            fetcher = _DatasetKind.create_fetcher(dataset_kind, dataset, auto_collation,
                                                  collate_fn, drop_last)
        except Exception:
            init_exception = ExceptionWrapper(
                where=f'in DataLoader worker process {worker_id}').portable()
        iteration_end = False
        watchdog = ManagerWatchdog()
        while watchdog.is_alive():
            try:
                r = index_queue.get(timeout=MP_STATUS_CHECK_INTERVAL)
            except queue.Empty:
                continue
            if isinstance(r, _ResumeIteration):
                data_queue.put((r, None))
                iteration_end = False
                fetcher = _DatasetKind.create_fetcher(dataset_kind, dataset, auto_collation,
                                                      collate_fn, drop_last)
                continue
            if r is None:
                break
            if done_event.is_set() or iteration_end:
                continue
            idx, index = r
            if init_exception is not None:
                data, init_exception = init_exception, None
            else:
                try:
                    data = _Packed(shm.dumps(fetcher.fetch(index)))
                except Exception as e:
                    shm.end_task()
                    if isinstance(e, StopIteration) and dataset_kind == _DatasetKind.Iterable:
                        data = _IterableDatasetStopIteration(worker_id)
                        iteration_end = True
                    else:
                        data = ExceptionWrapper(
                            where=f'in DataLoader worker process {worker_id}').portable()
            data_queue.put((idx, data))
            del data, idx, index, r
    except KeyboardInterrupt:
        pass
    if done_event.is_set():
        data_queue.cancel_join_thread()
        data_queue.close()
