"""The CPU backend: NumPy is the array module.

On glibc, importing ember keeps freed large blocks in the heap for reuse (``mallopt``): a
training step allocates and frees the same big activation and gradient arrays every
iteration, and by default glibc returns each to the kernel and page-faults it back on the next
step (measured: 59 -> 36 ms per step of the tutorial CNN on 2 cores). Peak memory is unchanged;
memory freed after the peak stays with the process. ``EMBER_MALLOC_TUNE=0`` turns this off.
"""
import ctypes
import ctypes.util
import os
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
