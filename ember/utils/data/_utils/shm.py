"""Moving batches from workers to the main process through POSIX shared memory.

A worker allocates a named shared-memory segment per large array (``default_collate`` stacks
the samples straight into one, so a batch is written exactly once), pickles the batch with
those arrays replaced by ``(segment, offset, dtype, shape, strides)`` and sends the few bytes
through the result queue. The main process maps each segment, unlinks its name at once (the
mapping lives on until the last array using it is freed) and wraps a NumPy array around it:
no copy on either side. Arrays below ``MIN_BYTES`` and anything where POSIX shared memory is
absent travel pickled through the pipe.

Segments are named ``<prefix><worker>_<n>``; the main process unlinks whatever is left under
its prefix (batches in flight at shutdown) when the workers are gone.
"""
import io
import mmap
import os
import pickle
import threading

import numpy as np

try:
    import _posixshmem
except ImportError:          # Windows: no POSIX shared memory; batches go through the pipe
    _posixshmem = None

AVAILABLE = _posixshmem is not None
MIN_BYTES = 8192
_SHM_DIR = '/dev/shm' if os.path.isdir('/dev/shm') else None
_ndarray = np.ndarray

# ---------------------------------------------------------------------------- worker side
_prefix = None            # set in a worker: segment names start with it
_seq = 0
_created = {}             # id(mmap) -> (name, mmap, base address): segments of this task


def set_prefix(prefix):
    """Name this process's segments ``prefix + n`` (called once in each worker)."""
    global _prefix, _seq
    _prefix = prefix
    _seq = 0
    _created.clear()


def active():
    return AVAILABLE and _prefix is not None


def empty(shape, dtype):
    """A new array in a fresh shared segment (None when shared memory is off or the array is
    small: the caller then allocates normally)."""
    global _seq
    dtype = np.dtype(dtype)
    n = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if not active() or n < MIN_BYTES or dtype.hasobject:
        return None
    name = f'{_prefix}{_seq}'
    _seq += 1
    fd = _posixshmem.shm_open('/' + name, os.O_CREAT | os.O_EXCL | os.O_RDWR, mode=0o600)
    try:
        os.ftruncate(fd, n)
        mm = mmap.mmap(fd, n)
    finally:
        os.close(fd)
    flat = np.frombuffer(mm, np.uint8, n)
    _created[id(mm)] = (name, mm, flat.ctypes.data)
    return flat.view(dtype).reshape(shape)


def _segment_of(arr):
    """``(name, address)`` of the segment of this task that ``arr`` lives in, else None."""
    b = arr
    while isinstance(b, _ndarray):
        b = b.base
    if isinstance(b, memoryview):
        b = b.obj
    if type(b) is mmap.mmap:
        e = _created.get(id(b))
        if e is not None and e[1] is b:
            return e[0], e[2]
    return None


def _describe(arr, sent):
    """The wire form of a CPU array: a shared segment (reused if ``arr`` already lives in
    one, else copied into a new one), or None to pickle it inline."""
    if arr.dtype.hasobject or arr.nbytes == 0:
        return None
    seg = _segment_of(arr)
    if seg is not None and all(s >= 0 for s in arr.strides):
        name, base = seg
        sent.add(name)
        return (name, arr.ctypes.data - base, arr.dtype, arr.shape, arr.strides)
    if arr.nbytes < MIN_BYTES:
        return None
    out = empty(arr.shape, arr.dtype)
    if out is None:
        return None
    np.copyto(out, arr)
    name, base = _segment_of(out)
    sent.add(name)
    return (name, out.ctypes.data - base, out.dtype, out.shape, out.strides)


class _Pickler(pickle.Pickler):
    def __init__(self, f):
        super().__init__(f, pickle.HIGHEST_PROTOCOL)
        self.sent = set()
        from ...._tensor import Tensor
        self._tensor = Tensor

    def reducer_override(self, obj):
        t = type(obj)
        if t is _ndarray:
            d = _describe(obj, self.sent)
            return NotImplemented if d is None else (_rebuild_array, (d,))
        if t is self._tensor and type(obj._data) is _ndarray:
            d = _describe(obj._data, self.sent)
            return NotImplemented if d is None else (_rebuild_tensor, (d, obj._rg))
        return NotImplemented


def dumps(obj):
    """Pickle ``obj`` for the main process, large arrays through shared memory. Segments made
    during this task but not referenced by ``obj`` are unlinked."""
    f = io.BytesIO()
    try:
        p = _Pickler(f)
        p.dump(obj)
        sent = p.sent
    except BaseException:
        sent = ()
        raise
    finally:
        end_task(sent)
    return f.getvalue()


def end_task(keep=()):
    """Forget this task's segments, unlinking those whose names are not in ``keep``."""
    for name, _, _ in list(_created.values()):
        if name not in keep:
            _unlink(name)
    _created.clear()


def _unlink(name):
    try:
        _posixshmem.shm_unlink('/' + name)
    except OSError:
        pass


# ---------------------------------------------------------------------------- main side
_tls = threading.local()


def _open(name):
    cache = getattr(_tls, 'cache', None)
    if cache is not None and name in cache:
        return cache[name]
    fd = _posixshmem.shm_open('/' + name, os.O_RDWR, mode=0o600)
    try:
        mm = mmap.mmap(fd, os.fstat(fd).st_size)
    finally:
        os.close(fd)
    _unlink(name)          # the mapping stays valid; the memory goes with the last array
    if cache is not None:
        cache[name] = mm
    return mm


def _rebuild_array(desc):
    name, offset, dtype, shape, strides = desc
    return np.ndarray(shape, dtype, buffer=_open(name), offset=offset, strides=strides)


def _rebuild_tensor(desc, rg):
    from ...._tensor import _wrap
    return _wrap(_rebuild_array(desc), rg)


def loads(data):
    """Unpickle a worker's batch, mapping its shared segments (each unlinked once mapped)."""
    _tls.cache = {}
    try:
        return pickle.loads(data)
    finally:
        _tls.cache = None


def cleanup(prefix):
    """Unlink every segment left under ``prefix`` (main process, after the workers stopped)."""
    if _SHM_DIR is None or not AVAILABLE:
        return
    try:
        names = os.listdir(_SHM_DIR)
    except OSError:
        return
    for n in names:
        if n.startswith(prefix):
            _unlink(n)
