"""``DataLoader`` (``torch.utils.data.dataloader``): batches from a dataset, in the main
process or in worker processes.

With ``num_workers > 0`` each worker is a real process (``multiprocessing``) fed batches of
indices round robin, at most ``prefetch_factor`` per worker in flight. Workers collate straight
into POSIX shared memory and send only the segments' names, so batches cross without a copy
(see ``_utils/shm.py``). The main process waits on the result pipe and on the workers'
process sentinels together: a worker that dies is reported at once, not after a poll
interval. Exceptions in workers are re-raised with the worker's traceback.
"""
import itertools
import math
import multiprocessing as python_multiprocessing
import multiprocessing.connection as mp_connection
import os
import queue
import threading
import time
import warnings
import weakref

from ... import _dtype
from ...ops.creation import empty
from ._utils import ExceptionWrapper, MP_STATUS_CHECK_INTERVAL, shm
from ._utils.collate import default_collate as _default_collate, \
    default_convert as _default_convert
from ._utils.fetch import _IterableDatasetFetcher, _MapDatasetFetcher
from ._utils.pin_memory import pin_memory as _pin, accelerator_available
from ._utils.worker import get_worker_info as _get_worker_info, _Packed, \
    _IterableDatasetStopIteration, _ResumeIteration, _worker_loop
from .dataset import IterableDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

__all__ = ['DataLoader', 'get_worker_info', 'default_collate', 'default_convert']

default_collate = _default_collate
default_convert = _default_convert
get_worker_info = _get_worker_info


class _DatasetKind:
    Map = 0
    Iterable = 1

    @staticmethod
    def create_fetcher(kind, dataset, auto_collation, collate_fn, drop_last):
        if kind == _DatasetKind.Map:
            return _MapDatasetFetcher(dataset, auto_collation, collate_fn, drop_last)
        return _IterableDatasetFetcher(dataset, auto_collation, collate_fn, drop_last)


class _InfiniteConstantSampler(Sampler):
    """``None`` forever: the sampler of an IterableDataset."""

    def __iter__(self):
        while True:
            yield None


def _cpu_count():
    if hasattr(os, 'sched_getaffinity'):
        return len(os.sched_getaffinity(0))
    return os.cpu_count()


class DataLoader:
    """Iterate over a dataset in batches, as ``torch.utils.data.DataLoader``.

    Args:
        dataset: a map-style ``Dataset`` (anything with ``__getitem__``/``__len__``) or an
            ``IterableDataset``.
        batch_size: samples per batch (default 1); ``None`` turns batching off (samples are
            passed through ``collate_fn``, by default ``default_convert``).
        shuffle: reshuffle every epoch (``RandomSampler``).
        sampler: an iterable of indices (exclusive with ``shuffle``).
        batch_sampler: an iterable of lists of indices (exclusive with ``batch_size``,
            ``shuffle``, ``sampler`` and ``drop_last``).
        num_workers: worker processes (0: load in the main process).
        collate_fn: merges a list of samples (default ``default_collate``).
        pin_memory: copy batches into pinned memory (needs an accelerator; else a warning).
        drop_last: drop the last incomplete batch.
        timeout: seconds to wait for a batch from the workers (0: forever); past it,
            ``RuntimeError: DataLoader timed out after N seconds``.
        worker_init_fn: called with the worker id in each worker, after seeding.
        multiprocessing_context: a start method name ('fork', 'spawn', 'forkserver') or a
            context.
        generator: drives ``RandomSampler`` and the workers' ``base_seed``.
        prefetch_factor: batches in flight per worker (default 2 with workers).
        persistent_workers: keep the workers (and their dataset copies) across epochs.
        pin_memory_device: deprecated, ignored with a warning (as in PyTorch).
        in_order: with workers, return batches in sampler order (else as they arrive).
    """
    __initialized = False

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False, timeout=0,
                 worker_init_fn=None, multiprocessing_context=None, generator=None, *,
                 prefetch_factor=None, persistent_workers=False, pin_memory_device='',
                 in_order=True):
        if num_workers < 0:
            raise ValueError('num_workers option should be non-negative; use num_workers=0 to '
                             'disable multiprocessing.')
        if timeout < 0:
            raise ValueError('timeout option should be non-negative')
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError('prefetch_factor option could only be specified in '
                             'multiprocessing.let num_workers > 0 to enable multiprocessing, '
                             'otherwise set prefetch_factor to None.')
        elif num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        elif prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError('prefetch_factor option should be non-negative')
        if persistent_workers and num_workers == 0:
            raise ValueError('persistent_workers option needs num_workers > 0')

        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.in_order = in_order

        if isinstance(dataset, IterableDataset):
            self._dataset_kind = _DatasetKind.Iterable
            if shuffle not in {False, None}:
                raise ValueError('DataLoader with IterableDataset: expected unspecified shuffle '
                                 f'option, but got shuffle={shuffle}')
            if sampler is not None:
                raise ValueError('DataLoader with IterableDataset: expected unspecified sampler '
                                 f'option, but got sampler={sampler}')
            elif batch_sampler is not None:
                raise ValueError('DataLoader with IterableDataset: expected unspecified '
                                 f'batch_sampler option, but got batch_sampler={batch_sampler}')
        else:
            shuffle = bool(shuffle)
            self._dataset_kind = _DatasetKind.Map

        if sampler is not None and shuffle:
            raise ValueError('sampler option is mutually exclusive with shuffle')

        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError('batch_sampler option is mutually exclusive with batch_size, '
                                 'shuffle, sampler, and drop_last')
            batch_size = None
            drop_last = False
        elif batch_size is None:
            if drop_last:
                raise ValueError('batch_size=None option disables auto-batching and is mutually '
                                 'exclusive with drop_last')

        if sampler is None:
            if self._dataset_kind == _DatasetKind.Iterable:
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)

        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator

        if collate_fn is None:
            collate_fn = _default_collate if self._auto_collation else _default_convert
        self.collate_fn = collate_fn
        self.persistent_workers = persistent_workers

        self.__initialized = True
        self._IterableDataset_len_called = None
        self._iterator = None
        self.check_worker_number_rationality()

    def _get_iterator(self):
        if self.num_workers == 0:
            return _SingleProcessDataLoaderIter(self)
        self.check_worker_number_rationality()
        return _MultiProcessingDataLoaderIter(self)

    @property
    def multiprocessing_context(self):
        return self.__multiprocessing_context

    @multiprocessing_context.setter
    def multiprocessing_context(self, ctx):
        if ctx is not None:
            if self.num_workers > 0:
                if isinstance(ctx, str):
                    valid = python_multiprocessing.get_all_start_methods()
                    if ctx not in valid:
                        raise ValueError('multiprocessing_context option should specify a valid '
                                         f'start method in {valid!r}, but got '
                                         f'multiprocessing_context={ctx!r}')
                    ctx = python_multiprocessing.get_context(ctx)
                if not isinstance(ctx, python_multiprocessing.context.BaseContext):
                    raise TypeError('multiprocessing_context option should be a valid context '
                                    'object or a string specifying the start method, but got '
                                    f'multiprocessing_context={ctx}')
            else:
                raise ValueError('multiprocessing_context can only be used with multi-process '
                                 'loading (num_workers > 0), but got '
                                 f'num_workers={self.num_workers}')
        self.__multiprocessing_context = ctx

    def __setattr__(self, attr, val):
        if self.__initialized and attr in ('batch_size', 'batch_sampler', 'sampler', 'drop_last',
                                           'dataset', 'persistent_workers'):
            raise ValueError(f'{attr} attribute should not be set after '
                             f'{self.__class__.__name__} is initialized')
        super().__setattr__(attr, val)

    def __iter__(self):
        if self.persistent_workers and self.num_workers > 0:
            if self._iterator is None:
                self._iterator = self._get_iterator()
            else:
                self._iterator._reset(self)
            return self._iterator
        return self._get_iterator()

    @property
    def _auto_collation(self):
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    def __len__(self):
        if self._dataset_kind == _DatasetKind.Iterable:
            length = self._IterableDataset_len_called = len(self.dataset)
            if self.batch_size is not None:
                if self.drop_last:
                    length = length // self.batch_size
                else:
                    length = math.ceil(length / self.batch_size)
            return length
        return len(self._index_sampler)

    def check_worker_number_rationality(self):
        """Warn when more workers are asked for than there are CPUs to run them."""
        if not self.num_workers:
            return
        suggest = _cpu_count()
        if suggest is None or self.num_workers > suggest:
            cpuset = hasattr(os, 'sched_getaffinity')
            if suggest is not None:
                s = (f"Our suggested max number of worker in current system is {suggest}"
                     f"{'' if cpuset else ' (`cpuset` is not taken into account)'}, which is "
                     'smaller than what this DataLoader is going to create.')
            else:
                s = ('DataLoader is not able to compute a suggested max number of worker in '
                     'current system.')
            warnings.warn(f'This DataLoader will create {self.num_workers} worker processes in '
                          f'total. {s} Please be aware that excessive worker creation might get '
                          'DataLoader running slow or even freeze, lower the worker number to '
                          'avoid potential slowness/freeze if necessary.', stacklevel=2)


class _BaseDataLoaderIter:
    def __init__(self, loader):
        self._dataset = loader.dataset
        self._shared_seed = None
        self._dataset_kind = loader._dataset_kind
        self._IterableDataset_len_called = loader._IterableDataset_len_called
        self._auto_collation = loader._auto_collation
        self._drop_last = loader.drop_last
        self._index_sampler = loader._index_sampler
        self._num_workers = loader.num_workers
        if loader.pin_memory and loader.pin_memory_device:
            warnings.warn('pin_memory_device is deprecated, the current accelerator will be used '
                          f"as the device,ignore pin_memory_device='{loader.pin_memory_device}'.",
                          stacklevel=2)
        acc = accelerator_available() if loader.pin_memory else False
        if loader.pin_memory and not acc:
            warnings.warn("'pin_memory' argument is set as true but no accelerator is found, "
                          "then device pinned memory won't be used.", stacklevel=2)
        self._pin_memory = loader.pin_memory and acc
        self._pin_memory_device = 'cuda' if self._pin_memory else None
        self._timeout = loader.timeout
        self._collate_fn = loader.collate_fn
        self._sampler_iter = iter(self._index_sampler)
        self._base_seed = int(empty((), dtype=_dtype.int64).random_(
            generator=loader.generator).item())
        self._persistent_workers = loader.persistent_workers
        self._num_yielded = 0

    def __iter__(self):
        return self

    def _reset(self, loader, first_iter=False):
        self._sampler_iter = iter(self._index_sampler)
        self._num_yielded = 0
        self._IterableDataset_len_called = loader._IterableDataset_len_called

    def _next_index(self):
        return next(self._sampler_iter)

    def _next_data(self):
        raise NotImplementedError

    def __next__(self):
        if self._sampler_iter is None:
            self._reset()
        data = self._next_data()
        self._num_yielded += 1
        if self._dataset_kind == _DatasetKind.Iterable and \
                self._IterableDataset_len_called is not None and \
                self._num_yielded > self._IterableDataset_len_called:
            msg = (f'Length of IterableDataset {self._dataset} was reported to be '
                   f'{self._IterableDataset_len_called}(when accessing len(dataloader)), but '
                   f'{self._num_yielded} samples have been fetched. ')
            if self._num_workers > 0:
                msg += ('For multiprocessing data-loading, this could be caused by not properly '
                        'configuring the IterableDataset replica at each worker. Please see '
                        'https://pytorch.org/docs/stable/data.html#torch.utils.data.'
                        'IterableDataset for examples.')
            warnings.warn(msg, stacklevel=2)
        return data

    def __len__(self):
        return len(self._index_sampler)

    def __getstate__(self):
        raise NotImplementedError('{} cannot be pickled', self.__class__.__name__)


class _SingleProcessDataLoaderIter(_BaseDataLoaderIter):
    def __init__(self, loader):
        super().__init__(loader)
        if self._timeout != 0:
            raise AssertionError('_SingleProcessDataLoaderIter requires timeout == 0')
        if self._num_workers != 0:
            raise AssertionError('_SingleProcessDataLoaderIter requires num_workers == 0')
        self._dataset_fetcher = _DatasetKind.create_fetcher(
            self._dataset_kind, self._dataset, self._auto_collation, self._collate_fn,
            self._drop_last)

    def _next_data(self):
        index = self._next_index()
        data = self._dataset_fetcher.fetch(index)
        if self._pin_memory:
            data = _pin(data, self._pin_memory_device)
        return data


class _WorkerPool:
    """The processes and queues of one multi-process iterator. Kept apart from the iterator
    so that a ``weakref.finalize`` can stop them when the iterator is collected (even inside
    a reference cycle, where the queues' own finalizers would otherwise run first)."""

    def __init__(self, ctx, persistent, prefix):
        self.workers = []
        self.index_queues = []
        self.status = []            # per worker: still has work to do this epoch
        self.persistent = persistent
        self.prefix = prefix
        self.result_queue = ctx.Queue()
        self.done_event = ctx.Event()
        self.stopped = False


def _stop_pool(pool):
    """Stop the workers (a None task each, then join; terminate what lingers) and unlink the
    shared-memory segments of batches still in flight."""
    if pool.stopped:
        return
    pool.stopped = True
    try:
        pool.done_event.set()
        for i, q in enumerate(pool.index_queues):
            if pool.persistent or pool.status[i]:
                try:
                    q.put(None)
                except (OSError, ValueError):
                    pass
                pool.status[i] = False
        deadline = time.monotonic() + MP_STATUS_CHECK_INTERVAL
        for w in pool.workers:
            w.join(timeout=max(0.0, deadline - time.monotonic()))
        for q in pool.index_queues:
            q.cancel_join_thread()
            q.close()
    finally:
        for w in pool.workers:
            if w.is_alive():
                w.terminate()
                w.join(timeout=1.0)
        pool.result_queue.cancel_join_thread()
        pool.result_queue.close()
        if pool.prefix is not None:
            shm.cleanup(pool.prefix)
        with _live_lock:
            _live_pools.discard(pool)


_live_pools = set()
_live_lock = threading.Lock()
_atexit_registered = False
_prefix_counter = itertools.count()


def _stop_all_at_exit():
    with _live_lock:
        pools = tuple(_live_pools)
    for pool in pools:
        try:
            _stop_pool(pool)
        except Exception:
            pass


def _register(pool):
    global _atexit_registered
    with _live_lock:
        _live_pools.add(pool)
        if not _atexit_registered:
            # registered after multiprocessing's exit hook, so it runs first: workers are
            # asked to stop, not terminated
            import atexit
            atexit.register(_stop_all_at_exit)
            _atexit_registered = True


class _MultiProcessingDataLoaderIter(_BaseDataLoaderIter):
    """Batches loaded by ``num_workers`` processes. Task ``i`` (a batch of indices) goes to
    the next live worker round robin; results are re-ordered by task index (``in_order``)."""

    def __init__(self, loader):
        super().__init__(loader)
        self._prefetch_factor = loader.prefetch_factor
        self._in_order = loader.in_order
        assert self._num_workers > 0
        assert self._prefetch_factor is not None and self._prefetch_factor >= 0
        ctx = loader.multiprocessing_context or python_multiprocessing
        self._worker_init_fn = loader.worker_init_fn
        self._shutdown = False
        prefix = f'edl{os.getpid()}_{next(_prefix_counter)}_' if shm.AVAILABLE else None
        pool = self._pool = _WorkerPool(ctx, self._persistent_workers, prefix)
        self._workers = pool.workers
        self._index_queues = pool.index_queues
        self._workers_status = pool.status
        self._worker_result_queue = pool.result_queue
        self._workers_done_event = pool.done_event
        _register(pool)
        self._finalizer = weakref.finalize(self, _stop_pool, pool)
        try:
            for i in range(self._num_workers):
                iq = ctx.Queue()
                iq.cancel_join_thread()
                w = ctx.Process(target=_worker_loop, args=(
                    self._dataset_kind, self._dataset, iq, self._worker_result_queue,
                    self._workers_done_event, self._auto_collation, self._collate_fn,
                    self._drop_last, self._base_seed, self._worker_init_fn, i,
                    self._num_workers, self._persistent_workers, self._shared_seed, prefix))
                w.daemon = True
                w.start()
                self._index_queues.append(iq)
                self._workers.append(w)
                self._workers_status.append(True)
        except BaseException:
            self._shutdown_workers()
            raise
        self._data_queue = self._worker_result_queue
        self._reset(loader, first_iter=True)

    def _reset(self, loader, first_iter=False):
        super()._reset(loader, first_iter)
        self._send_idx = 0
        self._rcvd_idx = 0
        self._task_info = {}          # task idx -> (worker,) while out, (worker, data) if early
        self._tasks_outstanding = 0
        self._workers_status[:] = [True] * self._num_workers
        self._workers_num_tasks = [0] * self._num_workers
        self._worker_queue_idx_cycle = itertools.cycle(range(self._num_workers))
        if not first_iter:
            for i in range(self._num_workers):
                self._index_queues[i].put(_ResumeIteration(self._shared_seed))
            left = self._num_workers
            while left > 0:
                idx, data = self._get_data()
                if isinstance(idx, _ResumeIteration):
                    left -= 1
        for _ in range(self._prefetch_factor * self._num_workers):
            self._try_put_index()

    # ------------------------------------------------------------------ receiving
    def _dead_workers(self):
        return [w for i, w in enumerate(self._workers)
                if self._workers_status[i] and not w.is_alive()]

    def _try_get_data(self, timeout=MP_STATUS_CHECK_INTERVAL):
        """``(True, item)`` from the result queue, or ``(False, None)`` after ``timeout``
        seconds; RuntimeError as soon as a worker that still had work is found dead."""
        q = self._data_queue
        reader = getattr(q, '_reader', None)
        deadline = time.monotonic() + timeout
        while True:
            left = max(0.0, deadline - time.monotonic())
            if reader is not None:
                live = [w.sentinel for i, w in enumerate(self._workers)
                        if self._workers_status[i]]
                ready = mp_connection.wait([reader] + live, left)
                wait_get = 1.0 if reader in ready else 0.0
            else:
                ready, wait_get = True, min(left, 0.1)
            if ready:
                try:
                    return True, self._unpack(q.get(timeout=wait_get) if wait_get
                                              else q.get(block=False))
                except queue.Empty:
                    pass
            failed = self._dead_workers()
            if failed:
                for w in failed:
                    self._mark_worker_as_unavailable(self._workers.index(w))
                pids = ', '.join(str(w.pid) for w in failed)
                self._shutdown_workers()
                raise RuntimeError(f'DataLoader worker (pid(s) {pids}) exited unexpectedly')
            if time.monotonic() >= deadline:
                return False, None

    @staticmethod
    def _unpack(item):
        idx, data = item
        if isinstance(data, _Packed):
            data = data.unpack()
        return idx, data

    def _get_data(self):
        if self._timeout > 0:
            ok, data = self._try_get_data(self._timeout)
            if ok:
                return data
            raise RuntimeError(f'DataLoader timed out after {self._timeout} seconds')
        while True:
            ok, data = self._try_get_data()
            if ok:
                return data

    def _next_data(self):
        while True:
            # skip tasks of workers that have stopped (exhausted iterable datasets)
            while self._rcvd_idx < self._send_idx:
                info = self._task_info.get(self._rcvd_idx)
                if info:
                    if len(info) == 2 or self._workers_status[info[0]]:
                        break
                    del self._task_info[self._rcvd_idx]
                self._rcvd_idx += 1
            else:
                if not self._persistent_workers:
                    self._shutdown_workers()
                raise StopIteration
            if len(self._task_info[self._rcvd_idx]) == 2:
                worker_id, data = self._task_info.pop(self._rcvd_idx)
                self._rcvd_idx += 1
                return self._process_data(data, worker_id)
            if self._shutdown or self._tasks_outstanding <= 0:
                raise AssertionError('Invalid iterator state: shutdown or no outstanding tasks '
                                     'when fetching next data')
            idx, data = self._get_data()
            self._tasks_outstanding -= 1
            if self._dataset_kind == _DatasetKind.Iterable and \
                    isinstance(data, _IterableDatasetStopIteration):
                if self._persistent_workers:
                    self._workers_status[data.worker_id] = False
                else:
                    self._mark_worker_as_unavailable(data.worker_id)
                self._try_put_index()
                continue
            if idx != self._rcvd_idx:
                if not self._in_order:
                    worker_id = self._task_info.pop(idx)[0]
                    return self._process_data(data, worker_id)
                self._task_info[idx] += (data,)
            else:
                worker_id = self._task_info.pop(idx)[0]
                self._rcvd_idx += 1
                return self._process_data(data, worker_id)

    def _try_put_index(self):
        max_tasks = self._prefetch_factor * self._num_workers
        if self._tasks_outstanding >= max_tasks:
            raise AssertionError('Number of outstanding tasks exceeded maximum allowed tasks')
        try:
            index = self._next_index()
        except StopIteration:
            return
        for _ in range(self._num_workers):
            wid = next(self._worker_queue_idx_cycle)
            if self._workers_status[wid]:
                if self._in_order:
                    break
                if self._workers_num_tasks[wid] < max_tasks // sum(self._workers_status):
                    break
        else:
            return
        self._index_queues[wid].put((self._send_idx, index))
        self._task_info[self._send_idx] = (wid,)
        self._workers_num_tasks[wid] += 1
        self._tasks_outstanding += 1
        self._send_idx += 1

    def _process_data(self, data, worker_idx):
        self._workers_num_tasks[worker_idx] -= 1
        self._try_put_index()
        if isinstance(data, ExceptionWrapper):
            data.reraise()
        if self._pin_memory:
            data = _pin(data, self._pin_memory_device)
        return data

    # ------------------------------------------------------------------ shutting down
    def _mark_worker_as_unavailable(self, worker_id, shutdown=False):
        try:
            self._index_queues[worker_id].put(None)
        except (OSError, ValueError):
            pass
        self._workers_status[worker_id] = False

    def _shutdown_workers(self):
        """Stop the workers and free what they left in shared memory (idempotent)."""
        if getattr(self, '_shutdown', True):
            return
        self._shutdown = True
        self._finalizer()
