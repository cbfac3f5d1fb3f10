"""Convolutions (1-3 spatial dims, strided, padded, dilated, grouped) and their transposes.

Lowering, per image (PyTorch's own CPU fallback does the same): im2col columns
``(n, C*K, P)`` (``F.unfold``'s layout; one clipped slice copy per kernel position, the input's
contiguous axis innermost), then a GEMM ``W (O, C*K) @ cols`` per image whose result is the
NCHW output itself (no layout copy). The batch is cut into chunks that the CPU threads take
whole (im2col + GEMM + bias, or GEMM + col2im), OpenBLAS on one thread meanwhile, so the copies
run on every core as the GEMMs do and each chunk's columns stay in cache. Three primitives
close under differentiation, so double backward works:

    y  = Conv(x, w)          dx = ConvData(g, w)       dw = ConvWeight(x, g)
"""
import builtins
import math

import numpy as np

from .._tensor import Tensor
from ._util import Primitive, over_batch as _over_batch
from ..amp._policy import on as _ac, run as _ac_run

__all__ = ['conv1d', 'conv2d', 'conv3d', 'conv_transpose1d', 'conv_transpose2d',
           'conv_transpose3d', 'unfold', 'fold']


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


def _as(a, shape):
    """``a`` reshaped as a view (raises rather than copy, so writes through it land in ``a``)."""
    if isinstance(a, np.ndarray):
        v = a.view()
        v.shape = shape                   # NumPy raises AttributeError if it would copy
        return v
    v = a.reshape(shape)                  # CuPy: a view when possible, else a copy
    if v.size and v.data.ptr != a.data.ptr:
        raise RuntimeError(f'internal: reshaping {a.shape} to {shape} would copy')
    return v


def _im2col(xp, x, K, stride, padding, dilation, out=None):
    """(n, C, *S) -> columns (n, C*prod(K), prod(O)) (``F.unfold``'s layout), and O.

    One strided slice copy per kernel position, clipped to the unpadded input (no padded copy
    of the input; only the border cells that read padding are zeroed). Written into ``out``
    when given: any (n, C*prod(K), prod(O)) view whose middle axis splits without a copy,
    e.g. a slice of a (C*prod(K), N, prod(O)) array with the first two axes swapped.
    """
    N, C = x.shape[:2]
    S = x.shape[2:]
    O = tuple(_out_size(s, k, st, p, d) for s, k, st, p, d in zip(S, K, stride, padding, dilation))
    shape = (N, C * math.prod(K), math.prod(O))
    if out is None:
        out = xp.empty(shape, x.dtype)
    if _flat_ok(S, O, stride):
        _im2col_flat(x, out, K, padding, dilation)
        return out, O
    plans = _plans(K, S, O, stride, padding, dilation)
    cols = _as(out, (N, C) + tuple(K) + O)
    covered = len(plans) == math.prod(K) and all(
        all(sl.start == 0 and sl.stop == o for sl, o in zip(src, O)) for _, _, src, _ in plans)
    if not covered:
        cols[...] = 0
    both = (slice(None), slice(None))
    for kidx, dst, src, _ in plans:
        cols[both + kidx + src] = x[both + dst]
    return out, O


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


def _im2col_flat(x, out, K, padding, dilation):
    """``_im2col`` for :func:`_flat_ok` shapes: one flat-shifted plane copy per kernel position
    (zeros where the shift leaves the plane), then the wrapped border columns zeroed."""
    N, C, H, W = x.shape
    HW = H * W
    cols = _as(out, (N, C, K[0], K[1], HW))
    xf = x.reshape(N, C, HW)
    for (i, j), dh, dw in _shifts(K, padding, dilation):
        off = dh * W + dw
        dst = cols[:, :, i, j]
        lo, hi = builtins.max(0, -off), builtins.min(HW, HW - off)
        if hi > lo:
            dst[..., lo:hi] = xf[..., lo + off:hi + off]
            dst[..., :lo] = 0
            dst[..., hi:] = 0
        else:
            dst[...] = 0
        _zero_wrapped(_as(dst, (N, C, H, W)), dw, W)


def _col2im_flat(d, out, K, padding, dilation):
    """``_col2im`` for :func:`_flat_ok` shapes (overwrites ``d``'s wrapped columns): one
    flat-shifted plane add per kernel position."""
    N, C, H, W = out.shape
    HW = H * W
    d = d.reshape(N, C, K[0], K[1], HW)
    of = out.reshape(N, C, HW)
    shifts = _shifts(K, padding, dilation)
    init = next((s for s in shifts if s[1] == 0 and s[2] == 0), None)
    if init is not None:
        of[...] = d[:, :, init[0][0], init[0][1]]
    else:
        of[...] = 0
    for (i, j), dh, dw in shifts:
        if init is not None and (i, j) == init[0]:
            continue
        off = dh * W + dw                         # cols[q] = x[q + off]: dx[p] += d[p - off]
        lo, hi = builtins.max(0, off), builtins.min(HW, HW + off)
        if hi <= lo:
            continue
        src = d[:, :, i, j]
        _zero_wrapped(src.reshape(N, C, H, W), dw, W)
        of[..., lo:hi] += src[..., lo - off:hi - off]


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


def _col2im(xp, cols, out, K, O, stride, padding, dilation):
    """Adjoint of :func:`_im2col`: scatter-add columns (n, C*prod(K), prod(O)) into ``out``
    (n, C, *S), overwriting it (``cols`` may be overwritten too).

    One strided add per kernel position, clipped to the unpadded input (no padded buffer and
    no crop copy); a kernel position that covers the whole input initialises the output.
    """
    if _flat_ok(out.shape[2:], O, stride):
        _col2im_flat(cols, out, K, padding, dilation)
        return out
    N, C = out.shape[:2]
    c = cols.reshape((N, C) + tuple(K) + tuple(O))
    plans = _plans(K, out.shape[2:], O, stride, padding, dilation)
    init = next((pl for pl in plans if pl[3]), None)
    both = (slice(None), slice(None))
    if init is not None:
        out[...] = c[both + init[0] + init[2]]
    else:
        out[...] = 0
    for pl in plans:
        if pl is not init:
            kidx, dst, src, _ = pl
            out[both + dst] += c[both + kidx + src]
    return out


def _wmat(w, groups, transpose=False):
    """Weight (O, C/g, *K) as GEMM operand: (O, CK) or (g, O/g, CK/g); transposed for dx."""
    Oc = w.shape[0]
    if groups == 1:
        m = w.reshape(Oc, -1)
        return m.T if transpose else m
    m = w.reshape(groups, Oc // groups, -1)
    return m.transpose(0, 2, 1) if transpose else m


def _bmm(xp, a, b, groups, out):
    """Per image ``a @ b[i]`` (a: (R, Q) or per group (g, R/g, Q/g); b: (n, Q, P)) into out
    (n, R, P)."""
    if groups == 1:
        return xp.matmul(a, b, out=out)
    n, Q, P = b.shape
    xp.matmul(a, _as(b, (n, groups, Q // groups, P)),
              out=out.reshape(n, groups, out.shape[1] // groups, P))
    return out


class Conv(Primitive):
    """``y = conv(x, w) + b`` for N-d inputs (N, C, *S) and weights (O, C/groups, *K)."""
    _name = 'ConvolutionBackward0'

    def forward(ctx, xp, x, w, b, stride, padding, dilation, groups):
        K = w.shape[2:]
        N, C = x.shape[:2]
        Oc = w.shape[0]
        OS = tuple(_out_size(s, k, st, p, d) for s, k, st, p, d in
                   zip(x.shape[2:], K, stride, padding, dilation))
        P = math.prod(OS)
        cols = xp.empty((C * math.prod(K), N, P), x.dtype)    # per image a (CK, P) view
        res = xp.empty((N, Oc) + OS, xp.result_type(x, w))
        r3 = res.reshape(N, Oc, P)
        wm = _wmat(w, groups)
        bc = b.reshape(-1, 1) if b is not None else None

        def run(s, e):
            c = cols[:, s:e].transpose(1, 0, 2)
            _im2col(xp, x[s:e], K, stride, padding, dilation, out=c)
            _bmm(xp, wm, c, groups, r3[s:e])
            if bc is not None:
                r3[s:e] += bc
        _over_batch(xp, N, run, cols.size + res.size)
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
    """Gradient of conv w.r.t. its input: ``col2im(W^T g)`` per image (also conv_transpose)."""
    _name = 'ConvolutionBackward0'

    def forward(ctx, xp, g, w, xshape, stride, padding, dilation, groups):
        K = w.shape[2:]
        N, Oc = g.shape[:2]
        OS = tuple(g.shape[2:])
        g3 = xp.ascontiguousarray(g).reshape(N, Oc, -1)
        wt = _wmat(w, groups, transpose=True)
        CK = xshape[1] * math.prod(K)
        dx = xp.empty(tuple(xshape), xp.result_type(g, w))

        def run(s, e):
            dcols = _bmm(xp, wt, g3[s:e], groups, xp.empty((e - s, CK, g3.shape[2]), dx.dtype))
            _col2im(xp, dcols, dx[s:e], K, OS, stride, padding, dilation)
        _over_batch(xp, N, run, N * CK * g3.shape[2] + dx.size)
        ctx.save_for_backward(g, w)
        ctx.cfg = (xshape, stride, padding, dilation, groups)
        return dx

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
    """Gradient of conv w.r.t. its weight: ``g (O, N*P) @ cols(x)^T``, one GEMM per chunk of
    the batch on columns kept as (C*K, N, P) (the chunk's gradient transposed in cache)."""
    _name = 'ConvolutionBackward0'

    def forward(ctx, xp, x, g, wshape, stride, padding, dilation, groups, cols=None):
        K = wshape[2:]
        N, Oc = g.shape[:2]
        g3 = g.reshape(N, Oc, -1)
        P = g3.shape[2]
        CK = math.prod(wshape[1:]) * groups
        dt = xp.result_type(x, g)

        def run(s, e):
            n = e - s
            if cols is not None:
                c = cols[:, s:e]
            else:
                c = xp.empty((CK, n, P), x.dtype)
                _im2col(xp, x[s:e], K, stride, padding, dilation, out=c.transpose(1, 0, 2))
            if groups == 1 and CK < 64:     # tiny C*K (first layers): per-image GEMMs, summed
                return xp.matmul(g3[s:e], c.transpose(1, 2, 0)).sum(0)
            c = _as(c, (CK, n * P))
            gT = xp.ascontiguousarray(g3[s:e].transpose(1, 0, 2)).reshape(Oc, n * P)
            if groups > 1:
                return xp.matmul(gT.reshape(groups, Oc // groups, -1),
                                 _as(c, (groups, CK // groups, n * P)).transpose(0, 2, 1))
            if CK >= Oc:       # (cols @ g^T)^T: 10-20% faster with OpenBLAS when C*K >= O
                return xp.matmul(c, gT.T).T
            return xp.matmul(gT, c.T)
        parts = _over_batch(xp, N, run, g3.size + CK * N * P)
        dw = parts[0].astype(dt, copy=True) if len(parts) > 1 else parts[0]
        for p in parts[1:]:
            dw += p
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
        cols, O = _im2col(xp, x, K, stride, padding, dilation)
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
        out = xp.empty((N, C) + tuple(output_size), cols.dtype)
        src = cols.copy() if _flat_ok(output_size, O, stride) else cols   # flat col2im writes
        return _col2im(xp, src, out, K, O, stride, padding, dilation)

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
