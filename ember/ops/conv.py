"""Convolutions (1-3 spatial dims, strided, padded, dilated, grouped) and their transposes.

Lowering: im2col columns ``(C*K, N*P)`` from one sliding-window copy (the input's contiguous
axis stays innermost), then one GEMM ``W (O, C*K) @ cols``; the weight gradient is one GEMM
``g (O, N*P) @ cols^T`` on the saved columns and the data gradient one GEMM plus a col2im of
one clipped strided add per kernel position. Three primitives close under differentiation, so double backward works:

    y  = Conv(x, w)          dx = ConvData(g, w)       dw = ConvWeight(x, g)
"""
import builtins
import math
import os

import numpy as np

from .._tensor import Tensor
from ._util import Primitive
from ..amp._policy import on as _ac, run as _ac_run

__all__ = ['conv1d', 'conv2d', 'conv3d', 'conv_transpose1d', 'conv_transpose2d',
           'conv_transpose3d', 'unfold', 'fold']


_EXEC = [None, None, 0]          # executor, owning pid, thread count


def _nthreads():
    """Threads for the memory-bound passes: ``EMBER_NUM_THREADS`` (default 1).

    Measured here: right after a GEMM, OpenBLAS's idle workers spin for ~0.1 s on the other
    cores, so a copy split over two Python threads ran 2x *slower* than on one (col2im of
    128x32x16x16: 4.7 ms split and alone, 9.3 ms split right after a GEMM, ~9 ms serial). In a
    training step a GEMM is never far, hence the default; it pays where OpenBLAS's threads
    sleep (``OPENBLAS_THREAD_TIMEOUT`` small, set before NumPy loads) or use one thread.
    """
    if not _EXEC[2]:
        try:
            n = builtins.int(os.environ.get('EMBER_NUM_THREADS', '1'))
        except ValueError:
            n = 1
        _EXEC[2] = builtins.max(1, builtins.min(n, 8))
    return _EXEC[2]


def _split(xp, n, fn, work):
    """Run ``fn(slice)`` over chunks of ``range(n)``, one per CPU thread, and return the list of
    results. NumPy releases the GIL in copies and ufunc loops, so the large memory-bound passes
    around the GEMMs (im2col, col2im, layout copies, pooling, batch-norm passes) use every core
    as OpenBLAS does. Runs inline for small ``work`` (elements), one thread, or non-NumPy xp."""
    t = _nthreads()
    if t < 2 or n < 2 or work < (1 << 19) or xp is not np:
        return [fn(slice(0, n))]
    k = builtins.min(t, n)
    ex = _EXEC[0]
    if ex is None or _EXEC[1] != os.getpid():        # fresh pool after a fork
        from concurrent.futures import ThreadPoolExecutor
        ex = _EXEC[0] = ThreadPoolExecutor(t - 1, thread_name_prefix='ember-cpu')
        _EXEC[1] = os.getpid()
    b = [n * i // k for i in range(k + 1)]
    futs = [ex.submit(fn, slice(b[i], b[i + 1])) for i in range(1, k)]
    try:
        first = fn(slice(b[0], b[1]))
    finally:
        rest = [f.result() for f in futs]
    return [first] + rest


def _tuple(v, n, name='value'):
    if isinstance(v, (tuple, list)):
        if len(v) == 1 and n > 1:
            return tuple(v) * n
        if len(v) != n:
            raise RuntimeError(f'expected {name} to be a single integer value or a list of {n} '
                               f'values to match the convolution dimensions, but got '
                               f'{name}={list(v)}')
        return tuple(builtins.int(i) for i in v)
    return (builtins.int(v),) * n


def _out_size(s, k, st, p, d):
    return (s + 2 * p - d * (k - 1) - 1) // st + 1


def _windows(xp, x, K, stride, padding, dilation):
    """All kernel windows of (N, C, *S) as a strided view (N, C, *O, *K), and O."""
    nd = len(K)
    if any(padding):
        x = xp.pad(x, ((0, 0), (0, 0)) + tuple((p, p) for p in padding))
    eff = tuple(d * (k - 1) + 1 for k, d in zip(K, dilation))
    w = xp.lib.stride_tricks.sliding_window_view(x, eff, axis=tuple(range(2, 2 + nd)))
    sl = (slice(None), slice(None)) + tuple(slice(None, None, s) for s in stride) + \
        tuple(slice(None, None, d) for d in dilation)
    w = w[sl]
    return w, w.shape[2:2 + nd]


def _im2col(xp, x, K, stride, padding, dilation):
    """(N, C, *S) -> columns (C*prod(K), N*prod(O)), and O.

    One strided slice copy per kernel position, clipped to the unpadded input (no padded copy
    of the input; only the border cells that read padding stay zero). The (C*K, N*P) layout
    makes the forward, the data gradient and the weight gradient each a single GEMM.
    """
    N, C = x.shape[:2]
    S = x.shape[2:]
    O = tuple(_out_size(s, k, st, p, d) for s, k, st, p, d in zip(S, K, stride, padding, dilation))
    if _flat_ok(S, O, stride) and x.flags.c_contiguous:
        return _im2col_flat(xp, x, K, padding, dilation), O
    plans = _plans(K, S, O, stride, padding, dilation)
    covered = len(plans) == math.prod(K) and all(
        all(sl.start == 0 and sl.stop == o for sl, o in zip(src, O)) for _, _, src, _ in plans)
    cols = (xp.empty if covered else xp.zeros)((C,) + tuple(K) + (N,) + O, x.dtype)
    xt = x.swapaxes(0, 1)                                               # (C, N, *S) view

    def run(c):
        for kidx, dst, src, _ in plans:
            cols[(c,) + kidx + (slice(None),) + src] = xt[(c, slice(None)) + dst]
    _split(xp, C, run, cols.size)
    return cols.reshape(C * math.prod(K), N * math.prod(O)), O


def _flat_ok(S, O, stride):
    """2-D, stride 1 and output size == input size ('same' padding, e.g. 3x3 pad 1): then a
    kernel position is one shift of the flattened (H*W) plane, so im2col/col2im move whole
    planes (inner loops of H*W, not W) and fix the few wrapped border columns afterwards."""
    return len(S) == 2 and tuple(S) == tuple(O) and all(s == 1 for s in stride)


def _shifts(K, padding, dilation):
    """Per kernel position (kh, kw): row and column offsets of the input read by output (h, w)."""
    return [((i, j), i * dilation[0] - padding[0], j * dilation[1] - padding[1])
            for i in range(K[0]) for j in range(K[1])]


def _zero_wrapped(a, dw, W):
    """Zero the columns of a (..., H, W) view whose shifted partner column lies outside."""
    if dw > 0:
        a[..., builtins.max(W - dw, 0):] = 0
    elif dw < 0:
        a[..., :-dw] = 0


def _im2col_flat(xp, x, K, padding, dilation):
    """``_im2col`` for :func:`_flat_ok` shapes: one flat-shifted plane copy per kernel position
    (zeros where the shift leaves the plane), then the wrapped border columns zeroed."""
    N, C, H, W = x.shape
    HW = H * W
    cols = xp.empty((C, K[0], K[1], N, HW), x.dtype)
    xf = x.reshape(N, C, HW).swapaxes(0, 1)                            # (C, N, HW) view
    for (i, j), dh, dw in _shifts(K, padding, dilation):
        off = dh * W + dw
        dst = cols[:, i, j]
        lo, hi = builtins.max(0, -off), builtins.min(HW, HW - off)
        if hi > lo:
            dst[:, :, lo:hi] = xf[:, :, lo + off:hi + off]
        dst[:, :, :builtins.max(lo, 0) if hi > lo else HW] = 0
        if hi > lo and hi < HW:
            dst[:, :, hi:] = 0
        _zero_wrapped(dst.reshape(C, N, H, W), dw, W)
    return cols.reshape(C * K[0] * K[1], N * HW)


def _col2im_flat(xp, dcols, xshape, K, padding, dilation):
    """``_cols_to_image`` for :func:`_flat_ok` shapes (overwrites ``dcols``' wrapped columns):
    per block of channels (~256 KiB of output, kept in cache), one flat-shifted plane add per
    kernel position."""
    N, C, H, W = xshape
    HW = H * W
    d = dcols.reshape(C, K[0], K[1], N, HW)
    out = xp.empty(tuple(xshape), dcols.dtype)
    of = out.reshape(N, C, HW).swapaxes(0, 1)                          # (C, N, HW) view
    shifts = _shifts(K, padding, dilation)
    init = next((s for s in shifts if s[1] == 0 and s[2] == 0), None)
    cb = builtins.max(1, (1 << 18) // builtins.max(1, N * HW * dcols.itemsize))
    for c0 in range(0, C, cb):
        cs = slice(c0, c0 + cb)
        o = of[cs]
        if init is not None:
            o[...] = d[cs, init[0][0], init[0][1]]
        else:
            o[...] = 0
        for (i, j), dh, dw in shifts:
            if init is not None and (i, j) == init[0]:
                continue
            off = dh * W + dw                         # cols[q] = x[q + off]: dx[p] += d[p - off]
            lo, hi = builtins.max(0, off), builtins.min(HW, HW + off)
            if hi <= lo:
                continue
            src = d[cs, i, j]
            _zero_wrapped(src.reshape(-1, N, H, W), dw, W)
            o[:, :, lo:hi] += src[:, :, lo - off:hi - off]
    return out


def _plans(K, S, O, stride, padding, dilation):
    """For each kernel position: the strided input slices it touches and the output range,
    clipped to the unpadded input; ``full`` when the input slices cover the whole input."""
    plans = []
    for kidx in np.ndindex(*K):
        dst, src, full = [], [], True
        for i, d, s, p, o, n in zip(kidx, dilation, stride, padding, O, S):
            lo = max(0, -((i * d - p) // s))                   # ceil((p - i*d) / s)
            hi = min(o, (n - 1 + p - i * d) // s + 1)
            if hi <= lo:
                break
            start = lo * s + i * d - p
            dst.append(slice(start, start + (hi - lo - 1) * s + 1, s))
            src.append(slice(lo, hi))
            full = full and s == 1 and start == 0 and hi - lo == n
        else:
            plans.append((kidx, tuple(dst), tuple(src), full))
    return plans


def _im2col_batched(xp, x, K, stride, padding, dilation):
    """(N, C, *S) -> columns (N, C*prod(K), prod(O)) (``F.unfold``'s layout), and O."""
    nd = len(K)
    w, O = _windows(xp, x, K, stride, padding, dilation)
    perm = (0, 1) + tuple(range(2 + nd, 2 + 2 * nd)) + tuple(range(2, 2 + nd))
    N, C = x.shape[:2]
    return w.transpose(perm).reshape(N, C * math.prod(K), math.prod(O)), O


def _col2im(xp, c, shape, K, O, stride, padding, dilation, out=None):
    """Adjoint of im2col: scatter-add ``c`` (*K, A, B, *O) into ``out`` (A, B, *S), a new
    array unless given (it may be a strided view, e.g. of an (B, A, *S) result).

    One strided add per kernel position, clipped to the unpadded input (no padded buffer and
    no crop copy); a kernel position that covers the whole input initialises the output.
    Chunks of axis A run on the CPU threads.
    """
    plans = _plans(K, shape[2:], O, stride, padding, dilation)
    init = next((pl for pl in plans if pl[3]), None)
    if out is None:
        out = xp.empty(tuple(shape), c.dtype)

    def run(a):
        if init is not None:
            out[a] = c[init[0]][(a, slice(None)) + init[2]]
        else:
            out[a] = 0
        for pl in plans:
            if pl is init:
                continue
            kidx, dst, src, _ = pl
            out[(a, slice(None)) + dst] += c[kidx][(a, slice(None)) + src]
    _split(xp, shape[0], run, c.size)
    return out


def _gT(xp, g):
    """(N, O, *O') gradient -> (O, N*P) (one transposing copy, chunks of O on the threads)."""
    N, C = g.shape[:2]
    g3 = g.reshape(N, C, -1)
    out = xp.empty((C, N, g3.shape[2]), g.dtype)

    def run(c):
        out[c] = g3[:, c].swapaxes(0, 1)
    _split(xp, C, run, out.size)
    return out.reshape(C, -1)


def _cols_to_image(xp, dcols, xshape, K, OS, stride, padding, dilation):
    """(C*K, N*P) column gradients -> (N, C, *S) image gradient, contiguous."""
    N, C = xshape[:2]
    nd = len(K)
    if _flat_ok(xshape[2:], OS, stride):
        return _col2im_flat(xp, dcols, xshape, K, padding, dilation)
    c = dcols.reshape((C,) + tuple(K) + (N,) + tuple(OS))
    c = c.transpose(tuple(range(1, 1 + nd)) + (0, nd + 1) + tuple(range(nd + 2, 2 * nd + 2)))
    res = xp.empty(tuple(xshape), dcols.dtype)
    _col2im(xp, c, (C, N) + tuple(xshape[2:]), K, OS, stride, padding, dilation,
            out=res.swapaxes(0, 1))
    return res


class Conv(Primitive):
    """``y = conv(x, w) + b`` for N-d inputs (N, C, *S) and weights (O, C/groups, *K)."""
    _name = 'ConvolutionBackward0'

    def forward(ctx, xp, x, w, b, stride, padding, dilation, groups):
        K = w.shape[2:]
        cols, OS = _im2col(xp, x, K, stride, padding, dilation)        # (CK, N*P)
        Oc = w.shape[0]
        if groups == 1:
            out = xp.matmul(w.reshape(Oc, -1), cols)
        else:
            out = xp.matmul(w.reshape(groups, Oc // groups, -1),
                            cols.reshape(groups, cols.shape[0] // groups, -1)).reshape(Oc, -1)
        N = x.shape[0]
        res = xp.empty((N, Oc) + tuple(OS), out.dtype)
        src = out.reshape(Oc, N, -1).swapaxes(0, 1)
        r3 = res.reshape(N, Oc, -1)
        b3 = b.reshape(1, -1, 1) if b is not None else None

        def run(n):
            if b3 is not None:
                xp.add(src[n], b3, out=r3[n])
            else:
                r3[n] = src[n]
        _split(xp, N, run, res.size)
        ctx.save_for_backward(x, w)
        ctx.cfg = (stride, padding, dilation, groups)
        ctx.cols = cols
        ctx.has_b = b is not None
        return res

    def backward(ctx, g):
        x, w = ctx.saved_tensors
        stride, padding, dilation, groups = ctx.cfg
        gx = gw = gb = None
        if ctx._next[0] is not None:
            gx = ConvData.apply(g, w, tuple(x.shape), stride, padding, dilation, groups)
        if ctx._next[1] is not None:
            gw = ConvWeight.apply(x, g, tuple(w.shape), stride, padding, dilation, groups,
                                  cols=ctx.cols)
        if ctx.has_b and ctx._next[2] is not None:
            gb = g.sum([0] + list(range(2, g.dim())))
        ctx.cols = None
        return gx, gw, gb, None, None, None, None


class ConvData(Primitive):
    """Gradient of conv w.r.t. its input: ``col2im(W^T g)`` (also conv_transpose)."""
    _name = 'ConvolutionBackward0'

    def forward(ctx, xp, g, w, xshape, stride, padding, dilation, groups):
        K = w.shape[2:]
        Oc = g.shape[1]
        gT = _gT(xp, g)                                                     # (O, N*P)
        if groups == 1:
            dcols = xp.matmul(w.reshape(Oc, -1).T, gT)                  # (CK, N*P)
        else:
            wg = w.reshape(groups, Oc // groups, -1).transpose(0, 2, 1)
            dcols = xp.matmul(wg, gT.reshape(groups, Oc // groups, -1)).reshape(-1, gT.shape[1])
        ctx.save_for_backward(g, w)
        ctx.cfg = (xshape, stride, padding, dilation, groups)
        return _cols_to_image(xp, dcols, xshape, K, g.shape[2:], stride, padding, dilation)

    def backward(ctx, gg):
        g, w = ctx.saved_tensors
        xshape, stride, padding, dilation, groups = ctx.cfg
        dg = dw = None
        if ctx._next[0] is not None:
            dg = Conv.apply(gg, w, None, stride, padding, dilation, groups)
        if ctx._next[1] is not None:
            dw = ConvWeight.apply(gg, g, tuple(w.shape), stride, padding, dilation, groups)
        return dg, dw, None, None, None, None, None


class ConvWeight(Primitive):
    """Gradient of conv w.r.t. its weight: ``g (O, N*P) @ cols(x)^T``."""
    _name = 'ConvolutionBackward0'

    def forward(ctx, xp, x, g, wshape, stride, padding, dilation, groups, cols=None):
        K = wshape[2:]
        if cols is None:
            cols, _ = _im2col(xp, x, K, stride, padding, dilation)
        gT = _gT(xp, g)
        if groups == 1 and cols.shape[0] >= gT.shape[0]:
            # (cols @ g^T)^T: measured 10-20% faster with OpenBLAS for these skinny-K shapes
            # (e.g. 288 x 32768 @ 32768 x 64); the plain order wins when C*K < O (first layer)
            dw = xp.matmul(cols, gT.T).T
        elif groups == 1:
            dw = xp.matmul(gT, cols.T)
        else:
            O, NP = gT.shape
            dw = xp.matmul(gT.reshape(groups, O // groups, NP),
                           cols.reshape(groups, -1, NP).transpose(0, 2, 1))
        ctx.save_for_backward(x, g)
        ctx.cfg = (stride, padding, dilation, groups)
        return dw.reshape(wshape).astype(x.dtype, copy=False)

    def backward(ctx, gw):
        x, g = ctx.saved_tensors
        stride, padding, dilation, groups = ctx.cfg
        dx = dg = None
        if ctx._next[0] is not None:
            dx = ConvData.apply(g, gw, tuple(x.shape), stride, padding, dilation, groups)
        if ctx._next[1] is not None:
            dg = Conv.apply(x, gw, None, stride, padding, dilation, groups)
        return dx, dg, None, None, None, None, None, None


def _check(input, weight, bias, nd, groups, name):
    if input.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(f'Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to '
                           f'{name}, but got input of size: {list(input.shape)}')
    if weight.dim() != nd + 2:
        raise RuntimeError(f'weight should have at least three dimensions')
    C = input.shape[-nd - 1]
    if C != weight.shape[1] * groups:
        raise RuntimeError(f'Given groups={groups}, weight of size {list(weight.shape)}, expected '
                           f'input{list(input.shape)} to have {weight.shape[1] * groups} channels, '
                           f'but got {C} channels instead')
    if weight.shape[0] % groups:
        raise RuntimeError('Given groups=%d, expected weight to be divisible by %d at dimension 0, '
                           'but got weight of size %s instead' % (groups, groups, list(weight.shape)))
    if bias is not None and bias._data.dtype != input._data.dtype:
        raise RuntimeError(f'Input type ({_cname(input)}) and bias type ({_cname(bias)}) should '
                           'be the same')
    if input._data.dtype != weight._data.dtype:
        raise RuntimeError(f'expected scalar type {_sname(input)} but found {_sname(weight)}')
    if type(input._data) is not type(weight._data):
        raise RuntimeError(f'Input type ({input.type()}) and weight type ({weight.type()}) should '
                           'be the same or input should be a MKLDNN tensor and weight is a dense '
                           'tensor')


_SCALAR = {'float64': ('double', 'Double'), 'float32': ('float', 'Float'),
           'float16': ('c10::Half', 'Half'), 'bfloat16': ('c10::BFloat16', 'BFloat16')}


def _cname(t):
    n = str(t.dtype).replace('torch.', '')
    return _SCALAR.get(n, (n, n))[0]


def _sname(t):
    n = str(t.dtype).replace('torch.', '')
    return _SCALAR.get(n, (n, n.capitalize()))[1]


def _convnd(nd, name):
    def conv(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
        if _ac[0]:
            return _ac_run(name, conv, input, weight, bias, stride, padding, dilation, groups)
        _check(input, weight, bias, nd, groups, name)
        unbatched = input.dim() == nd + 1
        x = input.unsqueeze(0) if unbatched else input
        stride = _tuple(stride, nd, 'stride')
        dilation = _tuple(dilation, nd, 'dilation')
        K = tuple(weight.shape[2:])
        if isinstance(padding, str):
            if padding == 'valid':
                padding = (0,) * nd
            elif padding == 'same':
                if any(s != 1 for s in stride):
                    raise RuntimeError("padding='same' is not supported for strided convolutions")
                total = [d * (k - 1) for k, d in zip(K, dilation)]
                left = [t // 2 for t in total]
                if any(t % 2 for t in total):
                    from .nn import pad
                    widths = []
                    for t, l in zip(reversed(total), reversed(left)):
                        widths += [l, t - l]
                    x = pad(x, widths)
                    padding = (0,) * nd
                else:
                    padding = tuple(left)
            else:
                raise RuntimeError(f"Invalid padding string: '{padding}'")
        padding = _tuple(padding, nd, 'padding')
        for s, k, p, d in zip(x.shape[2:], K, padding, dilation):
            if s + 2 * p < d * (k - 1) + 1:
                raise RuntimeError(f'Calculated padded input size per channel: '
                                   f'({" x ".join(str(a + 2 * b) for a, b in zip(x.shape[2:], padding))}). '
                                   f'Kernel size: ({" x ".join(str(d * (k - 1) + 1) for k, d in zip(K, dilation))}). '
                                   'Kernel size can\'t be greater than actual input size')
        out = Conv.apply(x, weight, bias, stride, padding, dilation, groups)
        return out.squeeze(0) if unbatched else out
    conv.__name__ = name
    conv.__doc__ = (f'{nd}-D convolution (cross-correlation) of input (N, C, *S) with weight '
                    f'(O, C/groups, *K), as ``F.{name}``.\n\n    Args:\n        stride, padding '
                    "(int, tuple, 'same' or 'valid'), dilation, groups.")
    return conv


conv1d = _convnd(1, 'conv1d')
conv2d = _convnd(2, 'conv2d')
conv3d = _convnd(3, 'conv3d')


def _conv_transpose_nd(nd, name):
    def conv_transpose(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                       dilation=1):
        if _ac[0]:
            return _ac_run(name, conv_transpose, input, weight, bias, stride, padding,
                           output_padding, groups, dilation)
        unbatched = input.dim() == nd + 1
        x = input.unsqueeze(0) if unbatched else input
        if x.dim() != nd + 2:
            raise RuntimeError(f'Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to '
                               f'{name}, but got input of size: {list(input.shape)}')
        if x.shape[1] != weight.shape[0]:
            raise RuntimeError(f'Given transposed=1, weight of size {list(weight.shape)}, expected '
                               f'input{list(input.shape)} to have {weight.shape[0]} channels, but '
                               f'got {x.shape[1]} channels instead')
        stride, padding = _tuple(stride, nd), _tuple(padding, nd)
        output_padding, dilation = _tuple(output_padding, nd), _tuple(dilation, nd)
        K = weight.shape[2:]
        S = tuple((i - 1) * s - 2 * p + d * (k - 1) + op + 1 for i, s, p, d, k, op in
                  zip(x.shape[2:], stride, padding, dilation, K, output_padding))
        xshape = (x.shape[0], weight.shape[1] * groups) + S
        out = ConvData.apply(x, weight, xshape, stride, padding, dilation, groups)
        if bias is not None:
            out = out + bias.reshape([1, -1] + [1] * nd)
        return out.squeeze(0) if unbatched else out
    conv_transpose.__name__ = name
    conv_transpose.__doc__ = (f'{nd}-D transposed convolution (the gradient of conv{nd}d w.r.t. '
                              f'its input), weight (C_in, C_out/groups, *K), as ``F.{name}``.')
    return conv_transpose


conv_transpose1d = _conv_transpose_nd(1, 'conv_transpose1d')
conv_transpose2d = _conv_transpose_nd(2, 'conv_transpose2d')
conv_transpose3d = _conv_transpose_nd(3, 'conv_transpose3d')


class Unfold(Primitive):
    """im2col: sliding blocks of (N, C, H, W) as columns (N, C*kh*kw, L)."""
    _name = 'Im2ColBackward0'

    def forward(ctx, xp, x, K, dilation, padding, stride):
        cols, O = _im2col_batched(xp, x, K, stride, padding, dilation)
        ctx.cfg = (tuple(x.shape), K, O, stride, padding, dilation)
        return cols

    def backward(ctx, g):
        xshape, K, O, stride, padding, dilation = ctx.cfg
        return Fold.apply(g, xshape[2:], K, dilation, padding, stride), None, None, None, None


class Fold(Primitive):
    """col2im: sum overlapping columns (N, C*kh*kw, L) back into (N, C, H, W)."""
    _name = 'Col2ImBackward0'

    def forward(ctx, xp, cols, output_size, K, dilation, padding, stride):
        N, CK, L = cols.shape
        C = CK // math.prod(K)
        O = tuple(_out_size(s, k, st, p, d) for s, k, st, p, d in
                  zip(output_size, K, stride, padding, dilation))
        ctx.cfg = (K, dilation, padding, stride)
        nd = len(K)
        c = cols.reshape((N, C) + tuple(K) + tuple(O))
        c = c.transpose(tuple(range(2, 2 + nd)) + (0, 1) + tuple(range(2 + nd, 2 + 2 * nd)))
        return _col2im(xp, c, (N, C) + tuple(output_size), K, O, stride, padding, dilation)

    def backward(ctx, g):
        K, dilation, padding, stride = ctx.cfg
        return Unfold.apply(g, K, dilation, padding, stride), None, None, None, None, None


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Extract sliding local blocks (``F.unfold``): (N, C, H, W) -> (N, C*kh*kw, L)."""
    if input.dim() != 4:
        raise NotImplementedError('Input Error: Only 4D input Tensors are supported (got '
                                  f'{input.dim()}D)')
    return Unfold.apply(input, _tuple(kernel_size, 2), _tuple(dilation, 2), _tuple(padding, 2),
                        _tuple(stride, 2))


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Combine sliding blocks into a tensor, summing overlaps (``F.fold``)."""
    if input.dim() != 3:
        raise NotImplementedError('Input Error: Only unbatched (2D) or batched (3D) input Tensors '
                                  f'are supported (got {input.dim()}D)')
    return Fold.apply(input, _tuple(output_size, 2), _tuple(kernel_size, 2), _tuple(dilation, 2),
                      _tuple(padding, 2), _tuple(stride, 2))
