"""Optional compiled CPU kernels (Numba; ``pip install ember[fast]``).

A few passes take NumPy several ufunc calls over strided views (2x2 max-pooling: nine, and
three boolean arrays of bookkeeping; ReLU's backward: three; batch norm's sums and affine passes:
two to four each, with temporaries); a compiled loop does each in one pass over the data. ember
runs without Numba: every caller keeps its NumPy code and uses a kernel only where
:func:`get` returns one. Kernels release the GIL, so ember's CPU threads run them on chunks of
the batch; they are compiled on first use and cached on disk. ``EMBER_NUMBA=0`` turns them off.
"""
import os

import numpy as np

from .cpu import FLOATS

enabled = os.environ.get('EMBER_NUMBA', '1') != '0'
_K = {}


def get(name, *arrays):
    """The compiled kernel ``name`` for ``arrays``, or None: Numba missing, kernels turned off,
    or an array that is not a NumPy float32/float64 array of the first one's dtype (the
    kernels are compiled for those only; callers keep their NumPy code for the rest)."""
    if not enabled:
        return None
    if arrays:
        dt = arrays[0].dtype
        if dt not in FLOATS or any(type(a) is not np.ndarray or a.dtype != dt for a in arrays):
            return None
    if not _K:
        _K.update(_compile())
    return _K.get(name)


def _compile():
    try:
        from numba import njit
    except ImportError:
        return {'': None}
    opts = dict(nogil=True, cache=True)          # no fastmath: NaN must stay NaN

    @njit(**opts)
    def pool2x2_fwd(x, out, code):
        """2x2/stride-2 max pooling of x (B, H, W) into out (B, Ho, Wo), and code: the window
        position 0-3 (row-major) of the maximum, PyTorch's rule: a later element wins only
        if greater, or if it is NaN."""
        B, Ho, Wo = out.shape
        for b in range(B):
            for i in range(Ho):
                r = 2 * i
                for j in range(Wo):
                    c = 2 * j
                    m = x[b, r, c]
                    k = 0
                    v = x[b, r, c + 1]
                    if v > m or v != v:
                        m = v
                        k = 1
                    v = x[b, r + 1, c]
                    if v > m or v != v:
                        m = v
                        k = 2
                    v = x[b, r + 1, c + 1]
                    if v > m or v != v:
                        m = v
                        k = 3
                    out[b, i, j] = m
                    code[b, i, j] = k

    @njit(**opts)
    def pool2x2_bwd(g, code, gx):
        """Route g (B, Ho, Wo) to the positions ``code`` names in gx (B, H, W); every other
        element of gx (incl. an odd last row/column) is written 0."""
        B, Ho, Wo = g.shape
        H, W = gx.shape[1], gx.shape[2]
        for b in range(B):
            for i in range(Ho):
                r = 2 * i
                for j in range(Wo):
                    c = 2 * j
                    k = code[b, i, j]
                    v = g[b, i, j]
                    gx[b, r, c] = v if k == 0 else 0
                    gx[b, r, c + 1] = v if k == 1 else 0
                    gx[b, r + 1, c] = v if k == 2 else 0
                    gx[b, r + 1, c + 1] = v if k == 3 else 0
                if W > 2 * Wo:
                    gx[b, r, W - 1] = 0
                    gx[b, r + 1, W - 1] = 0
            if H > 2 * Ho:
                for c in range(W):
                    gx[b, H - 1, c] = 0

    @njit(**opts)
    def relu_bwd(g, y, r):
        """``r = g where y > 0 else 0`` over flat arrays (PyTorch's threshold_backward: an
        infinite or NaN g where y <= 0 gives 0, not NaN)."""
        for i in range(r.shape[0]):
            r[i] = g[i] if y[i] > 0 else 0

    # Batch norm over (n, C, L) arrays. Row sums accumulate in float64; 'reassoc' lets the
    # compiler reorder (vectorise) them, as NumPy's pairwise sum does; NaN still propagates.
    red = dict(nogil=True, cache=True, fastmath={'reassoc'})

    @njit(**red)
    def bn_sums(x, m, out):
        """out[n, c] = sum_l x[n, c, l] (m is None) or sum_l (x[n, c, l] - m[c])^2, float64."""
        n, C, L = x.shape
        for b in range(n):
            for c in range(C):
                s = 0.0
                if m is None:
                    for i in range(L):
                        s += np.float64(x[b, c, i])
                else:
                    mc = m[c]
                    for i in range(L):
                        d = np.float64(x[b, c, i]) - mc
                        s += d * d
                out[b, c] = s

    @njit(**red)
    def bn_grad_sums(g, x, m, sg, sgd):
        """sg[n, c] = sum_l g, sgd[n, c] = sum_l g (x - m[c]), float64."""
        n, C, L = x.shape
        for b in range(n):
            for c in range(C):
                mc = m[c]
                s1 = 0.0
                s2 = 0.0
                for i in range(L):
                    gv = np.float64(g[b, c, i])
                    s1 += gv
                    s2 += gv * (np.float64(x[b, c, i]) - mc)
                sg[b, c] = s1
                sgd[b, c] = s2

    @njit(nogil=True, cache=True)
    def bn_affine(x, a, bias, g, ga, out):
        """out = x * a[c] + bias[c] (+ g * ga[c] when g is given), in x's dtype."""
        n, C, L = x.shape
        for b in range(n):
            for c in range(C):
                ac = a[c]
                bc = bias[c]
                if g is None:
                    for i in range(L):
                        out[b, c, i] = x[b, c, i] * ac + bc
                else:
                    gc = ga[c]
                    for i in range(L):
                        out[b, c, i] = (x[b, c, i] * ac + bc) + g[b, c, i] * gc

    @njit(nogil=True, cache=True)
    def adam(d, g, m, v, mx, wd_mode, wd, c1, b2, c2, bc2_sqrt, eps, step_size):
        """One Adam/AdamW update of flat float arrays in place, operation for operation as
        ``optim.adam._update`` (same roundings in the parameter's dtype). wd_mode: 0 none,
        1 L2 (g + wd d), 2 decoupled (d *= wd, wd = 1 - lr * weight_decay)."""
        for i in range(d.shape[0]):
            gi = g[i]
            di = d[i]
            if wd_mode == 2:
                di = di * wd
            elif wd_mode == 1:
                gi = gi + di * wd
            mi = m[i]
            mi = mi + (gi - mi) * c1
            vi = v[i] * b2
            vi = vi + (gi * gi) * c2
            m[i] = mi
            v[i] = vi
            if mx is not None:
                if vi > mx[i] or vi != vi:
                    mx[i] = vi
                vi = mx[i]
            denom = np.sqrt(vi) / bc2_sqrt + eps
            d[i] = di - (step_size * mi) / denom

    return {'pool2x2_fwd': pool2x2_fwd, 'pool2x2_bwd': pool2x2_bwd, 'relu_bwd': relu_bwd,
            'adam': adam,
            'bn_sums': bn_sums, 'bn_grad_sums': bn_grad_sums, 'bn_affine': bn_affine}
