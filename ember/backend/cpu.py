"""The CPU backend: NumPy is the array module.

On glibc, importing ember keeps freed large blocks in the heap for reuse (``mallopt``): a
training step allocates and frees the same big activation and gradient arrays every
iteration, and by default glibc returns each to the kernel and page-faults it back on the next
step (measured: 59 -> 36 ms per step of the tutorial CNN on 2 cores). Peak memory is unchanged;
memory freed after the peak stays with the process. ``EMBER_MALLOC_TUNE=0`` turns this off.
"""
import ctypes
import ctypes.util
import math
import os
import threading
import sys

import numpy as np

xp = np

_M_TRIM_THRESHOLD, _M_TOP_PAD, _M_MMAP_THRESHOLD = -1, -2, -3


def _tune_malloc():
    if os.environ.get('EMBER_MALLOC_TUNE', '1') == '0' or not sys.platform.startswith('linux'):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library('c') or 'libc.so.6')
        mallopt = libc.mallopt
    except (OSError, AttributeError):     # not glibc (musl, ...): leave the allocator alone
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    ok = mallopt(_M_MMAP_THRESHOLD, 32 * 1024 * 1024)   # glibc's maximum on 64-bit
    ok &= mallopt(_M_TRIM_THRESHOLD, 1 << 30)
    ok &= mallopt(_M_TOP_PAD, 64 * 1024 * 1024)         # grow the heap in big steps
    return bool(ok)


malloc_tuned = _tune_malloc()


# ------------------------------------------------------------------------------ CPU threads
#
# NumPy runs copies and ufunc loops on one core; OpenBLAS runs GEMMs on all of them. ember's
# convolutions and other memory-bound passes split the batch into chunks, each handled start to
# end (im2col, GEMM, layout copies) by one thread with OpenBLAS held to one thread meanwhile, so
# the process keeps a single pool busy instead of two fighting for the cores.

class _Blas:
    """OpenBLAS's thread-count switch, found through ctypes in the loaded library (or
    threadpoolctl where that is installed); ``None`` functions where neither works."""

    def __init__(self):
        self.get = self.set = None
        try:
            self._find()
        except Exception:                       # never let discovery break the import
            self.get = self.set = None

    def _find(self):
        if sys.platform.startswith('linux'):
            with open('/proc/self/maps') as f:
                paths = sorted({ln.split()[-1] for ln in f
                                if 'openblas' in ln.split()[-1].lower() and '.so' in ln})
            for path in paths:
                lib = ctypes.CDLL(path)
                for pre, suf in (('scipy_openblas', '64_'), ('scipy_openblas', ''),
                                 ('openblas', '64_'), ('openblas', '')):
                    g = getattr(lib, f'{pre}_get_num_threads{suf}', None)
                    s = getattr(lib, f'{pre}_set_num_threads{suf}', None)
                    if g is not None and s is not None:
                        g.restype, s.argtypes, s.restype = ctypes.c_int, [ctypes.c_int], None
                        self.get, self.set = g, s
                        return
        try:
            import threadpoolctl
        except ImportError:
            return
        ctl = threadpoolctl.ThreadpoolController().select(internal_api='openblas')
        libs = getattr(ctl, 'lib_controllers', [])
        if libs:
            c = libs[0]
            self.get = lambda: c.get_num_threads()
            self.set = c.set_num_threads


_blas = _Blas()
_pool = {'exec': None, 'pid': None, 'size': 0, 'tids': [], 'cpu': None}
_local = threading.local()


def _getcpu():
    """``sched_getcpu`` (the core this thread runs on), or None where unavailable."""
    try:
        f = ctypes.CDLL(None).sched_getcpu
        f.restype = ctypes.c_int
    except (OSError, AttributeError):
        return None
    return f


_sched_getcpu = _getcpu() if sys.platform.startswith('linux') else None


def _keep_apart():
    """Keep the pool's workers off the core the calling thread runs on.

    A worker that sleeps between sections is woken on the waker's core (Linux's wake-affine
    placement) and then shares it with the caller for milliseconds: measured, half of the
    sections of an MLP step ran at one-core speed. The caller itself is never pinned."""
    if _sched_getcpu is None or not _pool['tids']:
        return
    here = _sched_getcpu()
    if here == _pool['cpu'] or here < 0:
        return
    try:
        others = os.sched_getaffinity(0) - {here}
        if others:
            for tid in _pool['tids']:
                os.sched_setaffinity(tid, others)
        _pool['cpu'] = here
    except OSError:
        _pool['tids'] = []


def _initial_threads():
    env = os.environ.get('EMBER_NUM_THREADS')
    if env:
        try:
            return max(1, int(env))
        except ValueError:
            pass
    if _blas.get is None:
        return 1
    return max(1, int(_blas.get()))


_threads = [_initial_threads()]
if _blas.set is not None and _threads[0] > 1:
    _blas.set(1)            # ember schedules the cores itself from here on (see gemm)


def num_threads():
    """Threads ember's CPU kernels use: ``EMBER_NUM_THREADS`` if set, else the count OpenBLAS
    had when ember was imported (``OPENBLAS_NUM_THREADS``/``OMP_NUM_THREADS``, else the
    cores); 1 where OpenBLAS's own count cannot be switched (its threads do the work then).
    ``torch.set_num_threads`` changes it."""
    return _threads[0]


def set_num_threads(n):
    """Set ember's CPU thread count; True when ember drives the cores (OpenBLAS held to one
    thread), False when only the BLAS library's own count can be set."""
    if _blas.set is None:
        _threads[0] = 1
        return False
    _threads[0] = max(1, int(n))
    _blas.set(1)
    return True


def parallel(n, fn, work=None, grain=1, chunks=None):
    """Run ``fn(start, stop)`` over chunks of ``range(n)`` on the CPU threads and return the
    results in chunk order (deterministic whatever thread ran which chunk).

    Threads take chunks as they free up (a busy core gets fewer). OpenBLAS is held to one
    thread while the section runs. Runs inline, as one chunk, for one thread, a nested call,
    or ``work`` (elements touched) under ~256K.

    Args:
        n: the range to split (e.g. the batch).
        fn: ``fn(start, stop) -> result`` on a sub-range.
        work: elements the whole call touches, to skip threading small calls.
        grain: the smallest chunk.
        chunks: how many chunks (default: four per thread, so a busy core takes fewer).
    """
    t = num_threads()
    if t < 2 or n < 2 or getattr(_local, 'busy', False) or (work is not None and work < (1 << 18)):
        return [fn(0, n)]
    chunks = max(1, min(n // max(1, grain), chunks or 4 * t))
    bounds = [n * i // chunks for i in range(chunks + 1)]
    ex = _pool['exec']
    if ex is None or _pool['pid'] != os.getpid() or _pool['size'] != t - 1:
        from concurrent.futures import ThreadPoolExecutor
        tids = []
        ex = _pool['exec'] = ThreadPoolExecutor(
            t - 1, thread_name_prefix='ember-cpu',
            initializer=lambda: tids.append(threading.get_native_id()))
        _pool.update(pid=os.getpid(), size=t - 1, tids=tids, cpu=None)
    results = [None] * chunks
    ticket = iter(range(chunks))
    lock = threading.Lock()

    def worker():
        _local.busy = True
        try:
            while True:
                with lock:
                    i = next(ticket, None)
                if i is None:
                    return
                results[i] = fn(bounds[i], bounds[i + 1])
        finally:
            _local.busy = False

    def pooled():
        with np.errstate(**err):              # NumPy's error state is per thread
            worker()

    blas = _blas.get() if _blas.set is not None else None
    if blas is not None and blas != 1:
        _blas.set(1)
    try:
        err = np.geterr()
        _keep_apart()
        futs = [ex.submit(pooled) for _ in range(t - 1)]
        try:
            worker()
        finally:
            for f in futs:
                f.result()
    finally:
        if blas is not None and blas != 1:
            _blas.set(blas)
    return results


_GEMM_SPLIT = 1 << 22          # M*N*K from which a product is split over ember's threads
FLOATS = (np.dtype(np.float32), np.dtype(np.float64))     # the dtypes ember's kernels split


def _splittable(a, b):
    """Whether a product of a and b may run on ember's threads (float32/64 of one dtype,
    OpenBLAS held to one thread, two or more threads, and not already inside a section)."""
    return (a.dtype in FLOATS and b.dtype == a.dtype and _blas.set is not None
            and num_threads() > 1 and not getattr(_local, 'busy', False))


def gemm(a, b):
    """``a @ b`` for 2-D float32/float64 arrays, without waking OpenBLAS's own thread pool.

    OpenBLAS's idle workers spin for ~0.1 s after each multi-threaded call, on the cores
    ember's threads need for the memory-bound passes that follow (measured: a 2x slower
    LSTM step), so ember holds OpenBLAS to one thread from import on and splits a large
    product by rows (or columns) over its own threads instead. Other dtypes and setups
    where the switch is missing go straight to ``np.matmul``.
    """
    (M, K), N = a.shape, b.shape[1]
    if M * N * K < _GEMM_SPLIT or not _splittable(a, b):
        return np.matmul(a, b)
    out = np.empty((M, N), a.dtype)
    if M >= N:
        parallel(M, lambda s, e: np.matmul(a[s:e], b, out=out[s:e]), chunks=num_threads())
    else:
        parallel(N, lambda s, e: np.matmul(a, b[:, s:e], out=out[:, s:e]), chunks=num_threads())
    return out


def matmul(a, b):
    """``np.matmul`` on ember's threads: 2-D products through :func:`gemm`, stacked ones
    split over their batch (one single-threaded GEMM per chunk of the batch). Broadcast
    batch dims, small products and other dtypes go straight to ``np.matmul``."""
    if a.ndim == 2 and b.ndim == 2:
        return gemm(a, b)
    if a.ndim < 2 or b.ndim < 2 or not _splittable(a, b):
        return np.matmul(a, b)
    batch = a.shape[:-2] if a.ndim >= b.ndim else b.shape[:-2]
    if (a.ndim > 2 and a.shape[:-2] != batch) or (b.ndim > 2 and b.shape[:-2] != batch):
        return np.matmul(a, b)                       # broadcast batch dims
    (M, K), N = a.shape[-2:], b.shape[-1]
    B = math.prod(batch)
    if B < 2 or B * M * N * K < _GEMM_SPLIT:
        return np.matmul(a, b)
    a3 = a.reshape(B, M, K) if a.ndim > 2 else a
    b3 = b.reshape(B, K, N) if b.ndim > 2 else b
    out = np.empty(batch + (M, N), a.dtype)
    o3 = out.reshape(B, M, N)

    def run(s, e):
        np.matmul(a3[s:e] if a.ndim > 2 else a3, b3[s:e] if b.ndim > 2 else b3, out=o3[s:e])
    parallel(B, run)
    return out


class blas_threads:
    """Context: OpenBLAS on ember's thread count for the calls inside (LAPACK's
    factorisations and solves thread inside OpenBLAS, not over a batch), then back to one.
    Its workers spin ~0.1 s afterwards, which suits the rare, large calls this serves."""

    def __enter__(self):
        self.prev = _blas.get() if _blas.set is not None else None
        if self.prev is not None and num_threads() > 1 and not getattr(_local, 'busy', False):
            _blas.set(num_threads())
        return self

    def __exit__(self, *exc):
        if self.prev is not None:
            _blas.set(self.prev)
        return False


class _Lapack:
    """``np.linalg`` whose functions run under :class:`blas_threads` (``backend.cpu.lapack``)."""

    def __getattr__(self, name):
        f = getattr(np.linalg, name)
        if not callable(f) or isinstance(f, type):
            return f

        def call(*args, **kw):
            with blas_threads():
                return f(*args, **kw)
        return call


lapack = _Lapack()
