"""Pooling and resampling: max / avg / adaptive / Lp pooling, max-unpooling, ``interpolate``,
pixel (un)shuffle and channel shuffle (see ember/nn/functional.py for the public names).

All pooling runs on the last ``nd`` axes of an array of any leading shape, so batched and
unbatched inputs share one code path. Loops run over kernel positions only, never elements:

* max pooling with non-overlapping windows (kernel == stride, no padding; e.g. 2x2/stride 2)
  is ``maximum`` over the ``prod(K)`` strided slices; its backward routes the gradient to the
  first maximum of each window with the same slices (``MaxPoolFast`` / ``MaxPoolFastGrad``);
* the general case pads with -inf and scans the kernel positions keeping the first maximum
  (a NaN wins, as in PyTorch); indices are flat positions in each input plane and the backward
  is one scatter over them (``IndexScatter``), whose adjoint is a gather (``IndexGather``);
* average pooling sums the strided slices and divides by a separable divisor; its backward is
  the adjoint scatter (``AvgPoolGrad``), whose adjoint is average pooling again;
* adaptive average pooling and the linear / bilinear / bicubic / trilinear modes of
  ``interpolate`` are separable linear maps: one small (out, in) matrix per axis applied by
  GEMM (``SepLinear``; its backward applies the transposed matrices).
"""
import builtins
import math

import numpy as np

from ..autograd.function import _StandIn
from ._util import Primitive, over_batch
from ..backend import kernels
from ..amp._policy import on as _ac, run as _ac_run

__all__ = ['max_pool1d', 'max_pool2d', 'max_pool3d', 'max_pool1d_with_indices',
           'max_pool2d_with_indices', 'max_pool3d_with_indices', 'avg_pool1d', 'avg_pool2d',
           'avg_pool3d', 'adaptive_avg_pool1d', 'adaptive_avg_pool2d', 'adaptive_avg_pool3d',
           'adaptive_max_pool1d', 'adaptive_max_pool2d', 'adaptive_max_pool3d',
           'adaptive_max_pool1d_with_indices', 'adaptive_max_pool2d_with_indices',
           'adaptive_max_pool3d_with_indices', 'max_unpool1d', 'max_unpool2d', 'max_unpool3d',
           'lp_pool1d', 'lp_pool2d', 'lp_pool3d', 'interpolate', 'upsample', 'upsample_nearest',
           'upsample_bilinear', 'pixel_shuffle', 'pixel_unshuffle', 'channel_shuffle',
           'native_channel_shuffle']

_WORDS = {1: 'one', 2: 'two', 3: 'three'}


# ----------------------------------------------------------------------------- helpers

def _tup(v, n, fn, name, allow_none=False):
    """PyTorch's int-or-tuple argument parsing for pooling (``kernel_size``, ``stride``...)."""
    if isinstance(v, (tuple, list)):
        if len(v) == 1:
            return (builtins.int(v[0]),) * n
        if len(v) != n:
            omitted = 'omitted, ' if allow_none else ''
            raise RuntimeError(f'{fn}: {name} must either be {omitted}a single int, or a tuple of '
                               f'{_WORDS.get(n, n)} ints')
        return tuple(builtins.int(i) for i in v)
    return (builtins.int(v),) * n


def _out_len(s, k, st, p, d, ceil):
    o = (s + 2 * p - d * (k - 1) - 1 + (st - 1 if ceil else 0)) // st + 1
    if ceil and (o - 1) * st >= s + p:
        o -= 1
    return o


def _xp_of(arr):
    if type(arr) is np.ndarray:
        return np
    from ..backend import xp_of
    return xp_of(arr)


def _pad_to(xp, x, nd, pads, fill):
    """Pad the last ``nd`` axes by ``pads = ((left, right), ...)`` with ``fill``."""
    if not any(a or b for a, b in pads):
        return x
    widths = ((0, 0),) * (x.ndim - nd) + tuple(pads)
    return xp.pad(x, widths, constant_values=fill)


def _kslices(nd, K, st, dil, O):
    """(k_flat, slice tuple over the padded input) for each kernel position."""
    for k, kidx in enumerate(np.ndindex(*K)):
        yield k, (Ellipsis,) + tuple(slice(i * d, i * d + s * (o - 1) + 1, s)
                                     for i, d, s, o in zip(kidx, dil, st, O))


def _geometry(S, K, st, pad, dil, ceil):
    O = tuple(_out_len(s, k, t, p, d, c) for s, k, t, p, d, c in zip(S, K, st, pad, dil, ceil))
    right = tuple(builtins.max(p, (o - 1) * t + d * (k - 1) + 1 - s - p)
                  for s, k, t, p, d, o in zip(S, K, st, pad, dil, O))
    return O, tuple(zip(pad, right))


def _lowest(dt):
    if dt.kind in 'fV':
        return -np.inf
    if dt.kind == 'b':
        return False
    return np.iinfo(dt).min


def _plane_strides(S):
    r, acc = [], 1
    for s in reversed(S):
        r.append(acc)
        acc *= s
    return tuple(reversed(r))


def _grid(xp, parts):
    """Sum of per-axis 1-D int64 arrays broadcast into one array of their outer shape."""
    nd = len(parts)
    total = None
    for j, a in enumerate(parts):
        a = xp.asarray(a, dtype=np.int64).reshape((-1,) + (1,) * (nd - 1 - j))
        total = a if total is None else total + a
    return total


# ----------------------------------------------------------------------------- index scatter

class IndexScatter(Primitive):
    """Place ``x`` (lead + O) at flat per-plane ``idx`` (same shape) of zero planes ``plane``.

    ``accumulate`` sums colliding entries (the gradient of pooling); otherwise assignment
    (``max_unpool``). Gradient: a gather at the same indices.
    """
    _name = 'MaxUnpool2DBackward0'

    def forward(ctx, xp, x, idx, plane, accumulate=False, overlap=True):
        nd = len(plane)
        lead = x.shape[:x.ndim - nd]
        B, P = math.prod(lead), math.prod(plane)
        ctx.save_for_backward(idx)
        ctx.nd = nd
        flat = (idx.reshape(B, -1) + (xp.arange(B, dtype=np.int64) * P)[:, None]).reshape(-1)
        xf = x.reshape(-1)
        if accumulate and overlap:
            if x.dtype.kind in 'fV':
                out = xp.bincount(flat, weights=xf, minlength=B * P).astype(x.dtype, copy=False)
            else:
                out = xp.zeros(B * P, x.dtype)
                if xp is np:
                    np.add.at(out, flat, xf)
                else:
                    import cupyx
                    cupyx.scatter_add(out, flat, xf)
        else:
            out = xp.zeros(B * P, x.dtype)
            out[flat] = xf
        return out.reshape(lead + tuple(plane))

    def backward(ctx, g):
        idx, = ctx.saved_tensors
        return IndexGather.apply(g, idx, ctx.nd), None, None, None, None


class IndexGather(Primitive):
    """``g`` planes (last ``nd`` axes) read at flat per-plane ``idx`` -> shape of ``idx``."""
    _name = 'MaxPoolGatherBackward0'

    def forward(ctx, xp, g, idx, nd):
        lead = g.shape[:g.ndim - nd]
        plane = g.shape[g.ndim - nd:]
        B, P = math.prod(lead), math.prod(plane)
        ctx.save_for_backward(idx)
        ctx.plane = tuple(plane)
        out = xp.take_along_axis(g.reshape(B, P), idx.reshape(B, -1), axis=1)
        return out.reshape(idx.shape)

    def backward(ctx, gg):
        idx, = ctx.saved_tensors
        return IndexScatter.apply(gg, idx, ctx.plane, True), None, None


# ----------------------------------------------------------------------------- max pooling

def _fast_masks(xp, x, out, nd, K):
    """(slice, mask) per kernel position: where each window's first maximum lies."""
    O = out.shape[out.ndim - nd:]
    taken = None
    last = math.prod(K) - 1
    for k, sl in _kslices(nd, K, K, (1,) * nd, O):
        m = x[sl] == out
        if taken is None:
            taken = m.copy() if k != last else m
        else:
            m = xp.greater(m, taken, out=m)       # m & ~taken
            if k != last:
                taken |= m
        yield sl, m


def _max_scan(xp, x, nd, K, st, pad, dil, ceil, want_idx):
    """General max pooling: (out, flat per-plane indices or None)."""
    S = x.shape[x.ndim - nd:]
    O, pads = _geometry(S, K, st, pad, dil, (ceil,) * nd)
    low = _lowest(x.dtype)
    xpad = _pad_to(xp, x, nd, pads, low)
    lead = x.shape[:x.ndim - nd]
    if not want_idx:        # values only: maximum over the slices (NaN propagates)
        out = None
        for k, sl in _kslices(nd, K, st, dil, O):
            if out is None:
                out = xpad[sl].copy()
            else:
                xp.maximum(out, xpad[sl], out=out)
        return out, None
    out = xp.full(lead + O, low, x.dtype)
    nk = math.prod(K)
    it = np.int8 if nk < 126 else np.int32
    kidx = xp.zeros(lead + O, it)          # 1 + kernel position of the max so far; 0: none
    tmp = xp.empty(lead + O, it)
    better = xp.empty(lead + O, bool)
    nan = x.dtype.kind in 'fV' and bool(xp.isnan(x).any())
    for k, sl in _kslices(nd, K, st, dil, O):
        s = xpad[sl]
        xp.greater(s, out, out=better)     # strict: the first maximum keeps its index
        if nan:
            better |= xp.isnan(s)          # as PyTorch: a NaN always takes over (the last wins)
        # branch-free masked update (k grows, so a max does it): kidx = k + 1 where better
        xp.multiply(better, it(k + 1), out=tmp)
        xp.maximum(kidx, tmp, out=kidx)
        xp.maximum(out, s, out=out)
    ps = _plane_strides(S)
    # flat index of each window's kernel position k, and of its first in-bounds element
    base = _grid(xp, [(np.arange(o) * t - p) * q for o, t, p, q in zip(O, st, pad, ps)])
    first = _grid(xp, [np.maximum(np.arange(o) * t - p, 0) % builtins.max(s, 1) * q
                       for o, t, p, q, s in zip(O, st, pad, ps, S)])
    koff = xp.asarray(np.array([0] + [sum(i * d * q for i, d, q in zip(kk, dil, ps))
                                      for kk in np.ndindex(*K)], np.int64))
    idx = base + xp.take(koff, kidx)
    return out, xp.where(kidx == 0, first, idx)


class MaxPoolFast(Primitive):
    """Max pooling over non-overlapping windows (kernel == stride, no padding, no dilation)."""
    _name = 'MaxPool2DWithIndicesBackward0'

    def forward(ctx, xp, x, nd, K):
        S = x.shape[x.ndim - nd:]
        O = tuple(s // k for s, k in zip(S, K))
        ctx.cfg = (nd, K)
        if K == (2, 2) and x.dtype.kind == 'f' and not isinstance(ctx, _StandIn):
            out, code = _pool2x2_code(xp, x, O)
            ctx.save_for_backward(x, out)
            ctx.code = code
            return out
        out = None
        for k, sl in _kslices(nd, K, K, (1,) * nd, O):
            s = x[sl]
            if k == 0:
                first = s
            elif k == 1:
                out = xp.maximum(first, s)
            else:
                xp.maximum(out, s, out=out)
        if out is None:
            out = first.copy()
        ctx.save_for_backward(x, out)
        ctx.code = None
        return out

    def backward(ctx, g):
        x, out = ctx.saved_tensors
        code, ctx.code = ctx.code, None
        return MaxPoolFastGrad.apply(g, x, out, *ctx.cfg, code=code), None, None


def _pool2x2_code(xp, x, O):
    """2x2/stride-2 max pooling of (..., H, W) -> (out, code), ``code`` = (rsel, csel) bools
    locating each window's first maximum in row-major order (PyTorch's tie rule), or None
    when the output holds a NaN. Rows first (their slices keep a contiguous inner axis):
    ``m = max(row0, row1)`` with ``rsel = row1 > row0`` per column, then ``csel = m1 > m0``,
    corrected on ties ``m0 == m1`` to column 1 when only column 1's maximum sits in row 0.
    Chunks of the leading axis run on the CPU threads.
    """
    Ho, Wo = O
    lead = x.shape[:-2]
    # the kernel writes C-contiguous results: other layouts keep NumPy's code, whose
    # gradient takes the input's layout
    k = kernels.get('pool2x2_fwd', x) if x.ndim >= 3 and x.flags.c_contiguous else None
    if k is not None:                 # one compiled pass; code = the window position 0-3
        out = np.empty(lead + (Ho, Wo), x.dtype)
        code = np.empty(lead + (Ho, Wo), np.uint8)
        _chunks(xp, x, lambda s, e: k(_b3(x[s:e]), _b3(out[s:e]), _b3(code[s:e])), x.size)
        return out, code
    out = xp.empty(lead + (Ho, Wo), x.dtype)
    rsel = xp.empty(lead + (Ho, 2 * Wo), bool)
    csel = xp.empty(lead + (Ho, Wo), bool)

    def run(s, e):
        xs = x[s:e][..., :2 * Ho, :2 * Wo]
        r0, r1 = xs[..., 0::2, :], xs[..., 1::2, :]
        m = xp.maximum(r0, r1)                      # (..., Ho, 2 Wo)
        rs, cs, o = rsel[s:e], csel[s:e], out[s:e]
        xp.greater(r1, r0, out=rs)
        m0, m1 = m[..., 0::2], m[..., 1::2]
        xp.maximum(m0, m1, out=o)
        if xp.isnan(o).any():
            return True
        xp.greater(m1, m0, out=cs)
        tie = xp.equal(m1, m0)
        tie &= xp.greater(rs[..., 0::2], rs[..., 1::2])  # row 1 in column 0, row 0 in column 1
        cs |= tie
        return False
    nan = any(_chunks(xp, x, run, 2 * x.size))
    return out, (None if nan else (rsel, csel))


def _b3(a):
    """A C-contiguous (..., H, W) array as (B, H, W)."""
    return a.reshape((-1,) + a.shape[-2:])


def _chunks(xp, x, fn, work):
    """``fn(start, stop)`` over chunks of x's leading axis (threads), or once for a 2-D x."""
    if x.ndim < 3:
        return [fn(None, None)]           # x[None:None] is all of x
    return over_batch(xp, x.shape[0], fn, work)


def _pool2x2_grad(xp, g, x, code):
    """Route ``g`` (..., Ho, Wo) through ``_pool2x2_code``'s choices into x's shape: columns
    into an (..., Ho, 2 Wo) buffer, then rows into the result (two products each)."""
    if not isinstance(code, tuple):             # the compiled kernel's positions
        k = kernels.get('pool2x2_bwd')
        g = np.ascontiguousarray(g, dtype=x.dtype)
        gx = np.empty(x.shape, x.dtype)
        if k is not None:
            _chunks(xp, x, lambda s, e: k(_b3(g[s:e]), _b3(code[s:e]), _b3(gx[s:e])), 2 * x.size)
            return gx
        Ho, Wo = g.shape[-2:]                   # kernels turned off since the forward
        gx[...] = 0
        for p in range(4):
            xp.multiply(g, code == p, out=gx[..., p // 2:2 * Ho:2, p % 2:2 * Wo:2])
        return gx
    rsel, csel = code
    Ho, Wo = g.shape[-2:]
    gx = xp.empty_like(x, dtype=g.dtype)           # the input's memory layout

    def run(s, e):
        gs, rs, cs, r = g[s:e], rsel[s:e], csel[s:e], gx[s:e]
        if x.shape[-2] != 2 * Ho:
            r[..., 2 * Ho:, :] = 0
        if x.shape[-1] != 2 * Wo:
            r[..., :, 2 * Wo:] = 0
        gm = xp.empty(rs.shape, g.dtype)
        xp.multiply(gs, cs, out=gm[..., 1::2])
        xp.multiply(gs, xp.logical_not(cs), out=gm[..., 0::2])
        xp.multiply(gm, rs, out=r[..., 1:2 * Ho:2, :2 * Wo])
        xp.multiply(gm, xp.logical_not(rs), out=r[..., 0:2 * Ho:2, :2 * Wo])
    _chunks(xp, x, run, 2 * x.size)
    return gx


class MaxPoolFastGrad(Primitive):
    """Gradient of ``MaxPoolFast``: ``g`` routed to each window's first maximum."""
    _name = 'MaxPool2DWithIndicesBackwardBackward0'

    def forward(ctx, xp, g, x, out, nd, K, code=None):
        ctx.save_for_backward(x, out)
        ctx.cfg = (nd, K)
        if code is not None:
            return _pool2x2_grad(xp, g, x, code)
        if out.dtype.kind in 'fV' and xp.isnan(out).any():
            _, idx = _max_scan(xp, x, nd, K, K, (0,) * nd, (1,) * nd, False, True)
            return IndexScatter.forward(IndexScatter._noctx, xp, g, idx, x.shape[x.ndim - nd:],
                                        True, False)
        gx = xp.empty_like(x)
        S = x.shape[x.ndim - nd:]
        O = out.shape[out.ndim - nd:]
        if any(s != o * k for s, o, k in zip(S, O, K)):
            for j, (o, k) in enumerate(zip(O, K)):   # zero the rows/cols no window covers
                gx[(Ellipsis, slice(o * k, None)) + (slice(None),) * (nd - 1 - j)] = 0
        for sl, m in _fast_masks(xp, x, out, nd, K):
            xp.multiply(g, m, out=gx[sl])
        return gx

    def backward(ctx, gg):
        x, out = ctx.saved_tensors
        return MaxPoolFastGather.apply(gg, x, out, *ctx.cfg), None, None, None, None


class MaxPoolFastGather(Primitive):
    """``gg`` read at each window's first maximum (adjoint of ``MaxPoolFastGrad``)."""
    _name = 'MaxPool2DWithIndicesBackwardBackward1'

    def forward(ctx, xp, gg, x, out, nd, K):
        ctx.save_for_backward(x, out)
        ctx.cfg = (nd, K)
        r = xp.zeros(out.shape, gg.dtype)
        if out.dtype.kind in 'fV' and xp.isnan(out).any():
            _, idx = _max_scan(xp, x, nd, K, K, (0,) * nd, (1,) * nd, False, True)
            return IndexGather.forward(IndexGather._noctx, xp, gg, idx, nd)
        for sl, m in _fast_masks(xp, x, out, nd, K):
            xp.copyto(r, gg[sl], where=m)
        return r

    def backward(ctx, h):
        x, out = ctx.saved_tensors
        return MaxPoolFastGrad.apply(h, x, out, *ctx.cfg), None, None, None, None


class MaxPool(Primitive):
    """General max pooling -> (values, int64 flat indices within each input plane)."""
    _name = 'MaxPool2DWithIndicesBackward0'

    def forward(ctx, xp, x, nd, K, st, pad, dil, ceil, want_idx):
        need = want_idx or not isinstance(ctx, _StandIn)
        out, idx = _max_scan(xp, x, nd, K, st, pad, dil, ceil, need)
        if idx is None:
            return out
        ctx.save_for_backward(idx)
        ctx.plane = tuple(x.shape[x.ndim - nd:])
        ctx.overlap = any(t < d * (k - 1) + 1 for k, t, d in zip(K, st, dil))
        return (out, idx) if want_idx else out

    def backward(ctx, g, *_):
        idx, = ctx.saved_tensors
        gx = IndexScatter.apply(g, idx, ctx.plane, True, ctx.overlap)
        return gx, None, None, None, None, None, None, None


def _pool_check_input(input, nd, fn):
    d = input.dim()
    if d not in (nd + 1, nd + 2) or any(s == 0 for s in input.shape[-nd - 1:]):
        if nd == 1:
            raise RuntimeError(f'{fn}: Expected 2D or 3D (batch mode) tensor with optional 0 dim '
                               f'batch size for input, but got:{list(input.shape)}')
        raise RuntimeError(f'non-empty {nd + 1}D or {nd + 2}D (batch mode) tensor expected for '
                           'input')


def _pool_args(input, nd, fn, kernel_size, stride, padding, dilation=1):
    K = _tup(kernel_size, nd, fn, 'kernel_size')
    st = K if stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0) \
        else _tup(stride, nd, fn, 'stride', True)
    pad = _tup(padding, nd, fn, 'padding')
    dil = _tup(dilation, nd, fn, 'dilation')
    if any(k <= 0 for k in K):
        axes = 'HW' if nd == 2 else 'TDHW'[-nd:]
        raise RuntimeError('kernel size should be greater than zero, but got ' +
                           ' '.join(f'k{a}: {k}' for a, k in zip(axes, K)))
    if any(s <= 0 for s in st):
        raise RuntimeError('stride should not be zero')
    if any(d <= 0 for d in dil):
        axes = 'HW' if nd == 2 else 'TDHW'[-nd:]
        raise RuntimeError('dilation should be greater than zero, but got ' +
                           ' '.join(f'dilation{a}: {d}' for a, d in zip(axes, dil)))
    for p, k, d in zip(pad, K, dil):
        if p < 0:
            raise RuntimeError('pad must be non-negative, but got pad: ' + str(p))
        if p > (d * (k - 1) + 1) // 2:
            raise RuntimeError(f'pad should be at most half of effective kernel size, but got '
                               f'pad={p}, kernel_size={k} and dilation={d}')
    return K, st, pad, dil


def _check_out(input, nd, O):
    if any(o < 1 for o in O):
        S = input.shape[-nd - 1:]
        raise RuntimeError(f'Given input size: ({"x".join(map(str, S))}). Calculated output size: '
                           f'({"x".join(map(str, (S[0],) + tuple(O)))}). Output size is too small')


_MAXPOOL = {}


def _max_pool_impl(input, nd, kernel_size, stride, padding, dilation, ceil_mode, return_indices,
                   fn):
    _pool_check_input(input, nd, fn)
    K, st, pad, dil = _pool_args(input, nd, fn, kernel_size, stride, padding, dilation)
    S = tuple(input.shape[-nd:])
    O = tuple(_out_len(s, k, t, p, d, ceil_mode) for s, k, t, p, d in zip(S, K, st, pad, dil))
    _check_out(input, nd, O)
    if input._data.dtype.kind == 'b':
        raise RuntimeError(f'"{fn}" not implemented for \'Bool\'')
    fast, gen = _MAXPOOL.get(nd) or _MAXPOOL.setdefault(nd, (
        type(f'MaxPool{nd}DFast', (MaxPoolFast,), {'_name': f'MaxPool{nd}DWithIndicesBackward0'}),
        type(f'MaxPool{nd}D', (MaxPool,), {'_name': f'MaxPool{nd}DWithIndicesBackward0'})))
    if (not return_indices and st == K and not any(pad) and all(d == 1 for d in dil)
            and (not ceil_mode or all(s % k == 0 for s, k in zip(S, K)))):
        return fast.apply(input, nd, K)
    r = gen.apply(input, nd, K, st, pad, dil, bool(ceil_mode), bool(return_indices))
    return r


def _max_pool_fn(nd):
    name = f'max_pool{nd}d'

    def max_pool(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                 return_indices=False):
        if _ac[0]:
            return _ac_run(name, max_pool, input, kernel_size, stride, padding, dilation,
                           ceil_mode, return_indices)
        return _max_pool_impl(input, nd, kernel_size, stride, padding, dilation, ceil_mode,
                              return_indices, name)

    def with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                     return_indices=True):
        return _max_pool_impl(input, nd, kernel_size, stride, padding, dilation, ceil_mode,
                              True, name)

    max_pool.__name__ = name
    max_pool.__doc__ = (
        f'{nd}-D max pooling over (N, C, *S) or (C, *S) (``F.{name}``).\n\n'
        '    Args:\n        kernel_size, stride (default: kernel_size), padding (implicit -inf, '
        'at most half the kernel),\n        dilation, ceil_mode (windows may run off the right '
        'edge if they start inside),\n        return_indices (also return int64 flat positions '
        'within each input plane; ties\n        pick the first maximum, NaN propagates).')
    with_indices.__name__ = name + '_with_indices'
    with_indices.__doc__ = f'``{name}`` returning (values, indices).'
    return max_pool, with_indices


max_pool1d, max_pool1d_with_indices = _max_pool_fn(1)
max_pool2d, max_pool2d_with_indices = _max_pool_fn(2)
max_pool3d, max_pool3d_with_indices = _max_pool_fn(3)


# ----------------------------------------------------------------------------- average pooling

def _avg_divisor(xp, S, K, st, pad, O, count_include_pad, divisor_override, dt):
    if divisor_override:
        return dt.type(divisor_override)
    parts = []
    for s, k, t, p, o in zip(S, K, st, pad, O):
        start = np.arange(o) * t - p
        end = np.minimum(start + k, s + p)
        if count_include_pad:
            parts.append(end - start)
        else:
            parts.append(np.minimum(end, s) - np.maximum(start, 0))
    div = parts[0]
    for q in parts[1:]:
        div = np.multiply.outer(div, q)
    return xp.asarray(div.astype(dt if dt.kind in 'fV' else np.int64))


def _div(xp, a, div):
    if a.dtype.kind in 'fV':
        return a / div
    q = xp.trunc(a / div)       # C++ integer division truncates toward zero
    return q.astype(a.dtype)


class AvgPool(Primitive):
    """Average pooling over the last ``nd`` axes (zero padding, separable divisor)."""
    _name = 'AvgPool2DBackward0'

    def forward(ctx, xp, x, nd, K, st, pad, ceil, count_include_pad, divisor_override):
        S = x.shape[x.ndim - nd:]
        O, pads = _geometry(S, K, st, pad, (1,) * nd, (ceil,) * nd)
        xpad = _pad_to(xp, x, nd, pads, 0)
        out = None
        for k, sl in _kslices(nd, K, st, (1,) * nd, O):
            if out is None:
                out = xpad[sl].copy()
            else:
                out += xpad[sl]
        div = _avg_divisor(xp, S, K, st, pad, O, count_include_pad, divisor_override, x.dtype)
        ctx.cfg = (nd, K, st, pad, ceil, count_include_pad, divisor_override)
        ctx.shape = x.shape
        if x.dtype.kind in 'fV':
            out /= div
            return out
        return _div(xp, out, div)

    def backward(ctx, g):
        return (_AVGGRAD[ctx.cfg[0]].apply(g, ctx.shape, *ctx.cfg),) + (None,) * 7


class AvgPoolGrad(Primitive):
    """Adjoint of average pooling: ``g / divisor`` spread over each window."""
    _name = 'AvgPool2DBackwardBackward0'

    def forward(ctx, xp, g, shape, nd, K, st, pad, ceil, count_include_pad, divisor_override):
        S = shape[len(shape) - nd:]
        O, pads = _geometry(S, K, st, pad, (1,) * nd, (ceil,) * nd)
        ctx.cfg = (nd, K, st, pad, ceil, count_include_pad, divisor_override)
        div = _avg_divisor(xp, S, K, st, pad, O, count_include_pad, divisor_override, g.dtype)
        gd = g / div
        padded = tuple(shape[:len(shape) - nd]) + tuple(s + a + b for s, (a, b) in zip(S, pads))
        overlap = any(t < k for t, k in zip(st, K)) or any(a or b for a, b in pads) or \
            any(o * t != s for o, t, s in zip(O, st, S))
        gx = (xp.zeros if overlap else xp.empty)(padded, g.dtype)
        for k, sl in _kslices(nd, K, st, (1,) * nd, O):
            if overlap:
                gx[sl] += gd
            else:
                gx[sl] = gd
        if any(a or b for a, b in pads):
            gx = xp.ascontiguousarray(gx[(Ellipsis,) + tuple(slice(a, a + s)
                                                         for (a, b), s in zip(pads, S))])
        return gx

    def backward(ctx, gg):
        nd = ctx.cfg[0]
        return (_AVG[nd].apply(gg, *ctx.cfg),) + (None,) * 9


_AVG = {n: type(f'AvgPool{n}D', (AvgPool,), {'_name': f'AvgPool{n}DBackward0'}) for n in (1, 2, 3)}
_AVGGRAD = {n: type(f'AvgPool{n}DGrad', (AvgPoolGrad,),
                    {'_name': f'AvgPool{n}DBackwardBackward0'}) for n in (1, 2, 3)}


def _avg_pool_impl(input, nd, fn, kernel_size, stride, padding, ceil_mode, count_include_pad,
                   divisor_override):
    _pool_check_input(input, nd, fn)
    K, st, pad, _ = _pool_args(input, nd, fn, kernel_size, stride, padding)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError('divisor must be not zero')
    S = tuple(input.shape[-nd:])
    O = tuple(_out_len(s, k, t, p, 1, ceil_mode) for s, k, t, p in zip(S, K, st, pad))
    _check_out(input, nd, O)
    if input._data.dtype.kind == 'b':
        raise RuntimeError(f'"{fn}" not implemented for \'Bool\'')
    return _AVG[nd].apply(input, nd, K, st, pad, bool(ceil_mode), bool(count_include_pad),
                          divisor_override)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    """1-D average pooling over (N, C, L) or (C, L) (``F.avg_pool1d``).

    Args:
        kernel_size, stride (default: kernel_size), padding (implicit zeros), ceil_mode,
        count_include_pad (count the zero padding in the divisor).
    """
    return _avg_pool_impl(input, 1, 'avg_pool1d', kernel_size, stride, padding, ceil_mode,
                          count_include_pad, None)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """2-D average pooling over (N, C, H, W) or (C, H, W) (``F.avg_pool2d``).

    Args:
        kernel_size, stride (default: kernel_size), padding (implicit zeros), ceil_mode,
        count_include_pad, divisor_override (divide every window sum by this instead).
    """
    return _avg_pool_impl(input, 2, 'avg_pool2d', kernel_size, stride, padding, ceil_mode,
                          count_include_pad, divisor_override)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """3-D average pooling over (N, C, D, H, W) or (C, D, H, W) (``F.avg_pool3d``)."""
    if _ac[0]:
        return _ac_run('avg_pool3d', avg_pool3d, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)
    return _avg_pool_impl(input, 3, 'avg_pool3d', kernel_size, stride, padding, ceil_mode,
                          count_include_pad, divisor_override)


# ----------------------------------------------------------------------------- separable maps

def _apply_mats(xp, x, mats):
    """Apply ``mats[j]`` (out_j, in_j) along the last ``len(mats)`` axes of ``x``."""
    nd = len(mats)
    for j, M in enumerate(mats):
        if M is None:
            continue
        ax = x.ndim - nd + j
        lead, s, tail = x.shape[:ax], x.shape[ax], x.shape[ax + 1:]
        if math.prod(tail) == 1:          # one product over every leading index, not a stack
            x2 = x.reshape(-1, s)
            if M.shape[0] == 1:           # a weighted sum (e.g. global average): one GEMV
                y = xp.matmul(x2, M[0])
            elif s == 1:                  # a broadcast (its adjoint): one multiply
                col = M[:, 0]
                if bool((col == col[0]).all()):   # equal weights: a repeat, ~5x faster
                    y = xp.repeat(x2, M.shape[0], axis=1)
                    y *= col[0]
                else:
                    y = x2 * col
            else:
                y = xp.matmul(x2, M.T)
            x = y.reshape(lead + (M.shape[0],) + tail)
        else:
            x3 = x.reshape(math.prod(lead), s, math.prod(tail))
            x = xp.matmul(M, x3).reshape(lead + (M.shape[0],) + tail)
    return x


class SepLinear(Primitive):
    """``x`` times one (out, in) matrix per trailing axis; gradient: the transposed matrices."""
    _name = 'UpsampleBilinear2DBackward0'

    def forward(ctx, xp, x, mats):
        ctx.mats = mats
        ctx.cls = type(ctx)
        out = _apply_mats(xp, x, mats)
        return out.copy() if out is x else out      # never alias the input

    def backward(ctx, g):
        return ctx.cls.apply(g, tuple(None if m is None else m.T for m in ctx.mats)), None


_SEP = {}


def _sep(name):
    c = _SEP.get(name)
    if c is None:
        c = _SEP[name] = type(name.replace('Backward0', ''), (SepLinear,), {'_name': name})
    return c


def _mats_to(xp, mats, dt):
    return tuple(None if m is None else xp.asarray(m.astype(dt, copy=False)) for m in mats)


# ----------------------------------------------------------------------------- adaptive pooling

def _adaptive_bounds(s, o):
    i = np.arange(o)
    return (i * s) // o, -((-(i + 1) * s) // o)


def _adaptive_sizes(input, nd, output_size, fn):
    d = input.dim()
    if d not in (nd + 1, nd + 2):
        raise RuntimeError(f'{fn}(): Expected {nd + 1}D or {nd + 2}D tensor, but got: '
                           f'{list(input.shape)}')
    if isinstance(output_size, (tuple, list)):
        if len(output_size) != nd:
            raise RuntimeError(f'{fn}: output_size must be {nd}')
        osz = output_size
    else:
        osz = (output_size,) * nd
    S = tuple(input.shape[-nd:])
    O = tuple(s if o is None else builtins.int(o) for o, s in zip(osz, S))
    for i, s in enumerate(input.shape[-nd - 1:]):
        if s == 0 and not (d == nd + 2 and i == 0):
            raise RuntimeError(f'{fn}(): Expected input to have non-zero size for non-batch '
                               f'dimensions, but input has sizes {list(input.shape)} with '
                               f'dimension {i + d - nd - 1} being empty')
    if any(o < 0 for o in O):
        raise RuntimeError(f'{fn}: elements of output_size must be greater than or equal to 0 '
                           f'but received {list(O)}')
    return S, O


def _adaptive_avg_fn(nd):
    name = f'adaptive_avg_pool{nd}d'

    def adaptive_avg_pool(input, output_size):
        if _ac[0]:
            return _ac_run(name, adaptive_avg_pool, input, output_size)
        S, O = _adaptive_sizes(input, nd, output_size, name)
        if input._data.dtype.kind not in 'fV':
            raise RuntimeError(f'"{name}" not implemented for \'{_tn(input)}\'')
        mats = []
        for s, o in zip(S, O):
            if s == o:
                mats.append(None)
                continue
            a, b = _adaptive_bounds(s, o)
            j = np.arange(s)
            m = (j >= a[:, None]) & (j < b[:, None])
            mats.append(m / (b - a)[:, None])
        if all(m is None for m in mats):
            return _sep(f'AdaptiveAvgPool{nd}DBackward0').apply(input, tuple(mats))
        xp = _xp_of(input._data)
        return _sep(f'AdaptiveAvgPool{nd}DBackward0').apply(
            input, _mats_to(xp, mats, input._data.dtype))

    adaptive_avg_pool.__name__ = name
    adaptive_avg_pool.__doc__ = (
        f'{nd}-D adaptive average pooling to ``output_size`` (``F.{name}``): output i averages '
        'input\n    [floor(i*S/O), ceil((i+1)*S/O)); ``None`` in output_size keeps that size.')
    return adaptive_avg_pool


def _tn(t):
    from ._util import _tname
    return _tname(t.dtype)


adaptive_avg_pool1d = _adaptive_avg_fn(1)
adaptive_avg_pool2d = _adaptive_avg_fn(2)
adaptive_avg_pool3d = _adaptive_avg_fn(3)


class AdaptiveMaxPool(Primitive):
    """Adaptive max pooling -> (values, flat per-plane indices)."""
    _name = 'AdaptiveMaxPool2DBackward0'

    def forward(ctx, xp, x, O, want_idx):
        nd = len(O)
        S = x.shape[x.ndim - nd:]
        bounds = [_adaptive_bounds(s, o) for s, o in zip(S, O)]
        L = tuple(builtins.int((b - a).max()) if o else 1 for (a, b), o in zip(bounds, O))
        lead = x.shape[:x.ndim - nd]
        ps = _plane_strides(S)
        low = _lowest(x.dtype)
        out = xp.full(lead + tuple(O), low, x.dtype)
        idx = _grid(xp, [a * q for (a, b), q in zip(bounds, ps)]) + \
            xp.zeros(lead + tuple(O), np.int64)
        better = xp.empty(lead + tuple(O), bool)
        isfloat = x.dtype.kind in 'fV'
        for kk in np.ndindex(*L):
            pos = [np.minimum(a + k, b - 1) for (a, b), k in zip(bounds, kk)]
            ix = tuple(xp.asarray(p.reshape((-1,) + (1,) * (nd - 1 - j)))
                       for j, p in enumerate(pos))
            s = x[(Ellipsis,) + ix]
            xp.greater(s, out, out=better)
            if isfloat:
                better |= xp.isnan(s)
            xp.copyto(out, s, where=better)
            xp.copyto(idx, _grid(xp, [p * q for p, q in zip(pos, ps)]), where=better)
        ctx.save_for_backward(idx)
        ctx.plane = tuple(S)
        return out, idx

    def backward(ctx, g, *_):
        idx, = ctx.saved_tensors
        return IndexScatter.apply(g, idx, ctx.plane, True), None, None


_AMAX = {n: type(f'AdaptiveMaxPool{n}D', (AdaptiveMaxPool,),
                 {'_name': f'AdaptiveMaxPool{n}DBackward0'}) for n in (1, 2, 3)}


def _adaptive_max_fn(nd):
    name = f'adaptive_max_pool{nd}d'

    def adaptive_max_pool(input, output_size, return_indices=False):
        if _ac[0]:
            return _ac_run(name, adaptive_max_pool, input, output_size, return_indices)
        S, O = _adaptive_sizes(input, nd, output_size, name)
        out, idx = _AMAX[nd].apply(input, O, return_indices)
        return (out, idx) if return_indices else out

    def with_indices(input, output_size, return_indices=True):
        return adaptive_max_pool(input, output_size, True)

    adaptive_max_pool.__name__ = name
    adaptive_max_pool.__doc__ = (
        f'{nd}-D adaptive max pooling to ``output_size`` (``F.{name}``); windows as in '
        'adaptive average pooling;\n    ``return_indices`` also returns int64 flat positions '
        'within each input plane.')
    with_indices.__name__ = name + '_with_indices'
    with_indices.__doc__ = f'``{name}`` returning (values, indices).'
    return adaptive_max_pool, with_indices


adaptive_max_pool1d, adaptive_max_pool1d_with_indices = _adaptive_max_fn(1)
adaptive_max_pool2d, adaptive_max_pool2d_with_indices = _adaptive_max_fn(2)
adaptive_max_pool3d, adaptive_max_pool3d_with_indices = _adaptive_max_fn(3)


# ----------------------------------------------------------------------------- unpooling

_UNPOOL = {n: type(f'MaxUnpool{n}D', (IndexScatter,), {'_name': f'MaxUnpool{n}DBackward0'})
           for n in (1, 2, 3)}


def _max_unpool_impl(nd, input, indices, kernel_size, stride, padding, output_size):
    name = f'max_unpool{nd}d'
    K = _tup(kernel_size, nd, name, 'kernel_size')
    st = K if stride is None else _tup(stride, nd, name, 'stride')
    pad = _tup(padding, nd, name, 'padding')
    default = [(input.shape[-nd + d] - 1) * st[d] + K[d] - 2 * pad[d] for d in range(nd)]
    if output_size is None:
        O = default
    else:
        if len(output_size) == nd + 2:
            output_size = output_size[2:]
        if len(output_size) != nd:
            raise ValueError(f'output_size should be a sequence containing {nd} or {nd + 2} '
                             f"elements, but it has a length of '{len(output_size)}'")
        for d in range(nd):
            lo, hi = default[d] - st[d], default[d] + st[d]
            if not lo < output_size[d] < hi:
                raise ValueError(f'invalid output_size "{output_size}" (dim {d} must be between '
                                 f'{lo} and {hi})')
        O = [builtins.int(o) for o in output_size]
    for d in range(nd):
        if O[d] < 0:
            raise ValueError('max_unpooling: output_size must contain non-negative spatial '
                             f'dimensions, but got output_size[{d}]={O[d]}')
    if input.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(f'{name}(): Expected {nd + 1}D or {nd + 2}D tensor, but got: '
                           f'{list(input.shape)}')
    if indices._data.dtype != np.int64:
        raise RuntimeError(f'elements in indices should be type int64 but got: '
                           f'{_tn(indices)}')
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(f'Expected shape of indices to be same as that of the input tensor '
                           f'({list(input.shape)}) but got indices tensor with shape: '
                           f'{list(indices.shape)}')
    P = math.prod(O)
    i = indices._data
    if i.size and (builtins.int(i.min()) < 0 or builtins.int(i.max()) >= P):
        bad = builtins.int(i.max()) if builtins.int(i.max()) >= P else builtins.int(i.min())
        raise RuntimeError(f'Found an invalid max index: {bad} (output volumes are of size '
                           f'{"x".join(map(str, O))})')
    return _UNPOOL[nd].apply(input, indices, tuple(O), False)


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of ``max_pool1d``: values placed at ``indices``, zeros elsewhere."""
    return _max_unpool_impl(1, input, indices, kernel_size, stride, padding, output_size)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of ``max_pool2d`` (``F.max_unpool2d``): each value goes to its flat
    index within the output plane, zeros elsewhere; output size from the pooling arguments
    or ``output_size``."""
    return _max_unpool_impl(2, input, indices, kernel_size, stride, padding, output_size)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of ``max_pool3d``."""
    return _max_unpool_impl(3, input, indices, kernel_size, stride, padding, output_size)


# ----------------------------------------------------------------------------- Lp pooling

def _lp_pool(nd, input, norm_type, kernel_size, stride, ceil_mode):
    from .pointwise import relu, sign
    maxp, avgp = ((max_pool1d, avg_pool1d), (max_pool2d, avg_pool2d),
                  (max_pool3d, avg_pool3d))[nd - 1]
    K = _tup(kernel_size, nd, f'lp_pool{nd}d', 'kernel_size')
    if isinstance(norm_type, (int, float)):
        if norm_type == float('inf'):
            return maxp(input.abs(), kernel_size, stride, 0, 1, ceil_mode)
        if norm_type == -float('inf'):
            return -maxp(-input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    out = avgp(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return (sign(out) * relu(out.abs())).mul(math.prod(K)).pow(1.0 / norm_type)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """1-D power-average pooling ``(sum x^p)^(1/p)`` over each window (``F.lp_pool1d``)."""
    return _lp_pool(1, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """2-D power-average pooling ``(sum x^p)^(1/p)`` over each window (``F.lp_pool2d``)."""
    return _lp_pool(2, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """3-D power-average pooling ``(sum x^p)^(1/p)`` over each window (``F.lp_pool3d``)."""
    return _lp_pool(3, input, norm_type, kernel_size, stride, ceil_mode)


# ----------------------------------------------------------------------------- interpolation

def _float_scale(ft, s, o, align_corners, sf):
    """PyTorch's ``area_pixel_compute_scale`` in the op's math precision ``ft``."""
    if align_corners:
        return ft(s - 1) / ft(o - 1) if o > 1 else ft(0)
    if sf is not None and sf > 0:
        return ft(1.0 / sf)
    return ft(s) / ft(o)


def _nearest_index(s, o, sf, exact):
    i = np.arange(o)
    scale = _float_scale(np.float32, s, o, False, sf)
    if exact:
        src = np.floor(((i + 0.5) * np.float64(scale)).astype(np.float32))
    else:
        src = np.floor(i.astype(np.float32) * scale)
    return np.minimum(src.astype(np.int64), s - 1)


def _linear_matrix(s, o, align_corners, sf, ft, cubic):
    """(o, s) interpolation matrix of PyTorch's linear (2 taps) or cubic (4 taps) kernel."""
    i = np.arange(o).astype(ft)
    scale = _float_scale(ft, s, o, align_corners, sf)
    if align_corners:
        src = scale * i
    else:
        src = scale * (i + ft(0.5)) - ft(0.5)
        if not cubic:
            src = np.maximum(src, ft(0))
    i0 = np.minimum(np.floor(src).astype(np.int64), s - 1)
    lam = np.clip(src - i0.astype(ft), ft(0), ft(1)).astype(ft)
    M = np.zeros((o, s), ft)
    rows = np.arange(o)
    if not cubic:
        i1 = i0 + (i0 < s - 1)
        np.add.at(M, (rows, i0), ft(1) - lam)
        np.add.at(M, (rows, i1), lam)
        return M
    A = ft(-0.75)

    def cc1(x):
        return ((A + 2) * x - (A + 3)) * x * x + 1

    def cc2(x):
        return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A

    coeffs = (cc2(lam + 1), cc1(lam), cc1(1 - lam), cc2(2 - lam))
    for j, c in enumerate(coeffs):
        np.add.at(M, (rows, np.clip(i0 - 1 + j, 0, s - 1)), c.astype(ft))
    return M


class Nearest(Primitive):
    """Nearest-neighbour resampling: a gather along each trailing axis."""
    _name = 'UpsampleNearest2DBackward0'

    def forward(ctx, xp, x, idxs):
        nd = len(idxs)
        ctx.idxs = idxs
        ctx.S = x.shape[x.ndim - nd:]
        ctx.bname = type(ctx)._name
        x0 = x
        for j, ix in enumerate(idxs):
            if ix is not None:
                x = xp.take(x, xp.asarray(ix), axis=x.ndim - nd + j)
        return x.copy() if x is x0 else x

    def backward(ctx, g):
        xp = _xp_of(g._data)
        mats = []
        for ix, s in zip(ctx.idxs, ctx.S):
            if ix is None:
                mats.append(None)
                continue
            m = np.zeros((s, len(ix)), g._data.dtype)
            m[ix, np.arange(len(ix))] = 1
            mats.append(xp.asarray(m))
        return _sep(ctx.bname.replace('Backward0', 'BackwardBackward0')).apply(g, tuple(mats)), None


_NEAREST = {}


def interpolate(input, size=None, scale_factor=None, mode='nearest', align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resample (N, C, *S) to ``size`` or ``S * scale_factor`` (``F.interpolate``).

    Args:
        mode: 'nearest', 'nearest-exact', 'linear' (3-D), 'bilinear' / 'bicubic' (4-D),
            'trilinear' (5-D) or 'area' (adaptive average pooling).
        align_corners: for the interpolating modes, map corner pixel centres onto each other.
        recompute_scale_factor: compute the output size from scale_factor, then use the
            scale implied by the sizes (otherwise the given scale_factor drives sampling).
    Source coordinates are computed in the input's precision as PyTorch's CPU kernels do.
    """
    if _ac[0]:
        return _ac_run('interpolate', interpolate, input, size, scale_factor, mode, align_corners, recompute_scale_factor, antialias)
    if mode in ('nearest', 'area', 'nearest-exact'):
        if align_corners is not None:
            raise ValueError('align_corners option can only be set with the interpolating modes: '
                             'linear | bilinear | bicubic | trilinear')
    elif align_corners is None:
        align_corners = False
    dim = input.dim() - 2
    if size is not None and scale_factor is not None:
        raise ValueError('only one of size or scale_factor should be defined')
    elif size is not None:
        scale_factors = None
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise ValueError(
                    'Input and output must have the same number of spatial dimensions, but got '
                    f'input with spatial dimensions of {list(input.shape[2:])} and output size of '
                    f'{size}. Please provide input tensor in (N, C, d1, d2, ...,dK) format and '
                    'output size in (o1, o2, ...,oK) format.')
            if not all(isinstance(x, (int, np.integer)) for x in size):
                raise TypeError('expected size to be one of int or Tuple[int] or Tuple[int, int] '
                                'or Tuple[int, int, int], but got size with types '
                                f'{[type(x) for x in size]}')
            output_size = [builtins.int(s) for s in size]
        else:
            output_size = [builtins.int(size)] * dim
    elif scale_factor is not None:
        output_size = None
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != dim:
                raise ValueError(
                    'Input and scale_factor must have the same number of spatial dimensions, but '
                    f'got input with spatial dimensions of {list(input.shape[2:])} and '
                    f'scale_factor of shape {scale_factor}. Please provide input tensor in (N, C, '
                    'd1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) format.')
            scale_factors = [float(f) for f in scale_factor]
        else:
            scale_factors = [float(scale_factor)] * dim
    else:
        raise ValueError('either size or scale_factor should be defined')
    if recompute_scale_factor and size is not None:
        raise ValueError('recompute_scale_factor is not meaningful with an explicit size.')
    if mode == 'area' and output_size is None:
        recompute_scale_factor = True
    if recompute_scale_factor:
        output_size = [math.floor(input.shape[i + 2] * scale_factors[i]) for i in range(dim)]
        scale_factors = None
    if antialias and not (mode in ('bilinear', 'bicubic') and input.dim() == 4):
        raise ValueError('Anti-alias option is restricted to bilinear, bicubic, and lanczos modes '
                         'and requires a 4-D tensor as input')
    ok = {'nearest': (3, 4, 5), 'nearest-exact': (3, 4, 5), 'area': (3, 4, 5), 'linear': (3,),
          'bilinear': (4,), 'bicubic': (4,), 'trilinear': (5,)}
    if mode not in ok or input.dim() not in ok[mode]:
        need = {'linear': 3, 'bilinear': 4, 'trilinear': 5, 'bicubic': 4}.get(mode)
        if need is not None and input.dim() in (3, 4, 5):
            raise NotImplementedError(f'Got {input.dim()}D input, but {mode} mode needs {need}D '
                                      'input')
        raise NotImplementedError(
            f'Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.dim()}D) for '
            'the modes: nearest | linear | bilinear | bicubic | trilinear | lanczos | area | '
            f'nearest-exact (got {mode})')
    if antialias:
        raise NotImplementedError('interpolate: antialias=True is not supported by ember')
    S = tuple(input.shape[2:])
    if output_size is None:
        output_size = [math.floor(s * f) for s, f in zip(S, scale_factors)]
        sfs = scale_factors
    else:
        sfs = [None] * dim
    if mode == 'area':
        return (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d)[dim - 1](
            input, output_size)
    if any(o <= 0 for o in output_size) or any(s <= 0 for s in S):
        raise RuntimeError(f'Input and output sizes should be greater than 0, but got input '
                           f'({", ".join(f"{k}: {s}" for k, s in zip("DHW"[-dim:], S))})'
                           f'{" and" if dim == 1 else ""} output '
                           f'({", ".join(f"{k}: {o}" for k, o in zip("DHW"[-dim:], output_size))})')
    dt = input._data.dtype
    if mode in ('nearest', 'nearest-exact'):
        exact = mode == 'nearest-exact'
        idxs = tuple(None if (o == s and f is None) else _nearest_index(s, o, f, exact)
                     for s, o, f in zip(S, output_size, sfs))
        tag = 'NearestExact' if exact else 'Nearest'
        cls = _NEAREST.get((tag, dim))
        if cls is None:
            cls = _NEAREST[(tag, dim)] = type(f'Upsample{tag}{dim}D', (Nearest,),
                                              {'_name': f'Upsample{tag}{dim}DBackward0'})
        return cls.apply(input, idxs)
    if dt.kind not in 'fV':
        raise NotImplementedError(f'"upsample_{mode}{dim}d_out_frame" not implemented for '
                                  f"'{_tn(input)}'")
    ft = np.float64 if dt == np.float64 else np.float32
    cubic = mode == 'bicubic'
    mats = tuple(None if s == o and not cubic else _linear_matrix(s, o, align_corners, f, ft, cubic)
                 for s, o, f in zip(S, output_size, sfs))
    xp = _xp_of(input._data)
    name = {'linear': 'UpsampleLinear1D', 'bilinear': 'UpsampleBilinear2D',
            'bicubic': 'UpsampleBicubic2D', 'trilinear': 'UpsampleTrilinear3D'}[mode]
    return _sep(name + 'Backward0').apply(input, _mats_to(xp, mats, dt))


def upsample(input, size=None, scale_factor=None, mode='nearest', align_corners=None):
    """Deprecated alias of ``interpolate``."""
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    """Deprecated: ``interpolate(..., mode='nearest')``."""
    return interpolate(input, size, scale_factor, mode='nearest')


def upsample_bilinear(input, size=None, scale_factor=None):
    """Deprecated: ``interpolate(..., mode='bilinear', align_corners=True)``."""
    return interpolate(input, size, scale_factor, mode='bilinear', align_corners=True)


# ----------------------------------------------------------------------------- shuffles

def _shuffle_factor(input, factor, name, what):
    """``factor`` as an int, after PyTorch's checks of (un)shuffle's input rank and factor."""
    r = builtins.int(factor)
    if input.dim() < 3:
        raise RuntimeError(f"{name} expects input to have at least 3 dimensions, but got "
                           f"input with {input.dim()} dimension(s)")
    if r <= 0:
        raise RuntimeError(f'{name} expects a positive {what}, but got {r}')
    return r


def pixel_shuffle(input, upscale_factor):
    """(*, C*r^2, H, W) -> (*, C, H*r, W*r) (``F.pixel_shuffle``); a reshape and a permute."""
    r = _shuffle_factor(input, upscale_factor, 'pixel_shuffle', 'upscale_factor')
    *lead, C, H, W = input.shape
    if C % (r * r):
        raise RuntimeError("pixel_shuffle expects its input's 'channel' dimension to be divisible "
                           f"by the square of upscale_factor, but input.size(-3)={C} is not "
                           f"divisible by {r * r}")
    n = len(lead)
    x = input.reshape(*lead, C // (r * r), r, r, H, W)
    perm = list(range(n)) + [n, n + 3, n + 1, n + 4, n + 2]
    return x.permute(*perm).reshape(*lead, C // (r * r), H * r, W * r)


def pixel_unshuffle(input, downscale_factor):
    """(*, C, H*r, W*r) -> (*, C*r^2, H, W) (``F.pixel_unshuffle``), the inverse shuffle."""
    r = _shuffle_factor(input, downscale_factor, 'pixel_unshuffle', 'downscale_factor')
    *lead, C, H, W = input.shape
    if H % r:
        raise RuntimeError('pixel_unshuffle expects height to be divisible by downscale_factor, '
                           f'but input.size(-2)={H} is not divisible by {r}')
    if W % r:
        raise RuntimeError('pixel_unshuffle expects width to be divisible by downscale_factor, '
                           f'but input.size(-1)={W} is not divisible by {r}')
    n = len(lead)
    x = input.reshape(*lead, C, H // r, r, W // r, r)
    perm = list(range(n)) + [n, n + 2, n + 4, n + 1, n + 3]
    return x.permute(*perm).reshape(*lead, C * r * r, H // r, W // r)


def channel_shuffle(input, groups):
    """Split channels (dim 1) into ``groups`` and interleave them (``F.channel_shuffle``)."""
    g = builtins.int(groups)
    if g <= 0:
        raise RuntimeError(f'Number of groups to divide channels in must be positive. Value of '
                           f'groups:{g}')
    if input.dim() < 3:
        raise RuntimeError(f'channel_shuffle expects input to have at least 3 dimensions, but got '
                           f'input with {input.dim()} dimension(s)')
    N, C, *rest = input.shape
    if C % g:
        raise RuntimeError(f'Number of channels must be divisible by groups. Got {C} channels and '
                           f'{g} groups.')
    return input.reshape(N, g, C // g, *rest).transpose(1, 2).reshape(N, C, *rest)


native_channel_shuffle = channel_shuffle
