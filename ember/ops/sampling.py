"""Spatial sampling: ``grid_sample`` and ``affine_grid`` (spatial transformer networks).

``grid_sample`` is a sum over *taps*: each output point reads a few input points (4 for 2-D
bilinear, 8 for trilinear, 1 for nearest, 16 for bicubic) with separable weights
``w = prod_k phi_k(c_k)`` of the unnormalised source coordinates ``c_k``. Every tap is one
gather over flat input indices; the input gradient is the adjoint scatter (one ``bincount`` per
tap on NumPy, ``cupyx.scatter_add`` on CuPy); the grid gradient uses the weights' derivatives.
Three primitives close the op under two differentiations, as in PyTorch:

    y = GridSample(x, grid)     (gx, ggrid) = GridSampleBackward(g, x, grid)
    (dg, dx, dgrid) = GridSampleDoubleBackward(g, x, grid, ggx, gggrid)

Coordinates are unnormalised, padded (``border`` clips, ``reflection`` reflects then clips)
and bounds-checked exactly as PyTorch's CPU kernels do; the gradient through clipping and
reflection is PyTorch's (zero on and beyond the border, sign flips on reflection).
"""
import builtins
import itertools
import math
import warnings

import numpy as np

from .._tensor import _wrap
from ._util import Primitive
from ..amp._policy import on as _ac, run as _ac_run

__all__ = ['grid_sample', 'affine_grid']

_A = -0.75      # PyTorch's bicubic convolution constant

_MODES = ('bilinear', 'nearest', 'bicubic')
_PADS = ('zeros', 'border', 'reflection')


def _pad_coord(xp, c, size, padding_mode, align, want_grad):
    """Border / reflection padding of source coordinates: (coords, gradient multiplier)."""
    if padding_mode == 'zeros':
        return c, None
    c = xp.where(xp.isfinite(c), c, 0)      # PyTorch's CPU kernel maps NaN / inf to 0 here
    sign = None
    if padding_mode == 'reflection':
        span2 = 2 * (size - 1) if align else 2 * size
        if span2 == 0:
            return xp.zeros_like(c), (0.0 if want_grad else None)
        u = c if align else c + 0.5
        extra = xp.fmod(xp.abs(u), span2)
        refl = span2 - extra
        flip = extra > refl
        c = xp.where(flip, refl, extra)
        if not align:
            c = c - 0.5
        if want_grad:
            sign = xp.where(flip ^ (u < 0), -1, 1).astype(c.dtype)
    hi = size - 1
    out = xp.clip(c, 0, hi)
    if not want_grad:
        return out, None
    m = ((c > 0) & (c < hi)).astype(c.dtype)
    return out, (m if sign is None else m * sign)


def _index(xp, ip, size):
    """(clipped integer index, validity as float) of float tap coordinates ``ip``."""
    valid = (ip >= 0) & (ip <= size - 1)          # NaN is never valid
    return xp.where(valid, ip, 0).astype(xp.intp), valid.astype(ip.dtype)


def _cc1(x):
    return ((_A + 2) * x - (_A + 3)) * x * x + 1


def _cc2(x):
    return ((_A * x - 5 * _A) * x + 8 * _A) * x - 4 * _A


def _dcc1(x):
    return (3 * (_A + 2) * x - 2 * (_A + 3)) * x


def _dcc2(x):
    return (3 * _A * x - 10 * _A) * x + 8 * _A


def _d2cc1(x):
    return 6 * (_A + 2) * x - 2 * (_A + 3)


def _d2cc2(x):
    return 6 * _A * x - 10 * _A


class _Taps:
    """The taps of one grid over an input of spatial size ``S``.

    ``dims[k]`` lists, for spatial axis k (D, H, W order), tuples ``(idx, valid, phi, dphi,
    d2phi)`` (``None`` derivatives are zero); ``m[k]`` is d(source coord)/d(grid value).
    """

    def __init__(self, xp, S, grid, mode, padding_mode, align, want_grad):
        nd = len(S)
        N = grid.shape[0]
        self.out_sp = grid.shape[1:-1]
        P = math.prod(self.out_sp)
        g = grid.reshape(N, P, nd)
        self.xp, self.S, self.N, self.P, self.nd = xp, S, N, P, nd
        self.strides = [math.prod(S[k + 1:]) for k in range(nd)]
        self.dims, self.m = [], []
        for k in range(nd):
            size = S[k]
            c = g[:, :, nd - 1 - k]
            scale = (size - 1) / 2 if align else size / 2
            c = (c + 1) * scale if align else (c + 1) * scale - 0.5
            if mode == 'bicubic':
                i0 = xp.floor(c)
                t = c - i0
                taps = []
                for a in range(4):
                    ip, _ = _pad_coord(xp, i0 + (a - 1), size, padding_mode, align, False)
                    idx, valid = _index(xp, ip, size)
                    taps.append([idx, valid, None, None, None])
                u = (t + 1, t, 1 - t, 2 - t)
                taps[0][2], taps[1][2], taps[2][2], taps[3][2] = \
                    _cc2(u[0]), _cc1(u[1]), _cc1(u[2]), _cc2(u[3])
                if want_grad:
                    taps[0][3], taps[1][3], taps[2][3], taps[3][3] = \
                        _dcc2(u[0]), _dcc1(u[1]), -_dcc1(u[2]), -_dcc2(u[3])
                    taps[0][4], taps[1][4], taps[2][4], taps[3][4] = \
                        _d2cc2(u[0]), _d2cc1(u[1]), _d2cc1(u[2]), _d2cc2(u[3])
                self.m.append(scale)
            else:
                c, pm = _pad_coord(xp, c, size, padding_mode, align, want_grad)
                self.m.append(scale if pm is None else pm * scale)
                if mode == 'nearest':
                    idx, valid = _index(xp, xp.rint(c), size)
                    taps = [[idx, valid, None, None, None]]
                else:
                    i0 = xp.floor(c)
                    f = c - i0
                    idx0, v0 = _index(xp, i0, size)
                    idx1, v1 = _index(xp, i0 + 1, size)
                    taps = [[idx0, v0, 1 - f, -1.0 if want_grad else None, None],
                            [idx1, v1, f, 1.0 if want_grad else None, None]]
            self.dims.append(taps)

    def combos(self):
        """Each combined tap: (flat index (N, P), per-axis tuples)."""
        for combo in itertools.product(*self.dims):
            flat = None
            for k, tap in enumerate(combo):
                st = self.strides[k]
                v = tap[0] if st == 1 else tap[0] * st
                flat = v if flat is None else flat + v
            yield flat, combo

    @staticmethod
    def weight(combo, dk=None, dj=None):
        """The tap's weight (times validity), or its first (dk) / second (dk, dj) derivative."""
        w = None
        for k, tap in enumerate(combo):
            order = (k == dk) + (k == dj)
            f = tap[2 + order]
            if f is None:
                if order == 0:      # phi None: weight 1 (nearest)
                    continue
                return None         # a zero derivative
            w = f if w is None else w * f
        valid = combo[0][1]
        for tap in combo[1:]:
            valid = valid * tap[1]
        return valid if w is None else w * valid


def _gather(xp, xf, flat):
    """xf (N, C, Pin) at flat (N, P) -> (N, C, P)."""
    return xp.take_along_axis(xf, flat[:, None, :], axis=2)


class _Scatter:
    """Accumulates (N, C, P) values at flat (N, P) input positions into (N, C, Pin)."""

    def __init__(self, xp, N, C, Pin, dtype):
        self.xp, self.N, self.C, self.Pin, self.dtype = xp, N, C, Pin, dtype
        self.acc = None
        self.base = xp.arange(N * C, dtype=xp.intp).reshape(N, C, 1) * Pin

    def add(self, flat, vals):
        xp = self.xp
        gidx = (flat[:, None, :] + self.base).ravel()
        n = self.N * self.C * self.Pin
        if xp is np:
            r = np.bincount(gidx, weights=vals.ravel(), minlength=n)
            if self.acc is None:
                self.acc = r
            else:
                self.acc += r
        else:
            import cupyx
            if self.acc is None:
                self.acc = xp.zeros(n, self.dtype)
            cupyx.scatter_add(self.acc, gidx, vals.ravel().astype(self.dtype, copy=False))

    def result(self):
        xp = self.xp
        if self.acc is None:
            return xp.zeros((self.N, self.C, self.Pin), self.dtype)
        return self.acc.astype(self.dtype, copy=False).reshape(self.N, self.C, self.Pin)


def _flat(x):
    N, C = x.shape[:2]
    return x.reshape(N, C, math.prod(x.shape[2:]))


def _sample(xp, T, x):
    """Σ_t w_t · x[tap t]: (N, C, P)."""
    xf = _flat(x)
    out = None
    for flat, combo in T.combos():
        v = _gather(xp, xf, flat) * T.weight(combo)[:, None, :]
        out = v if out is None else out + v
    if out is None:
        out = xp.zeros((x.shape[0], x.shape[1], T.P), x.dtype)
    return out


def _grid_grad(xp, T, x, g, dtype):
    """d<g, sample(x)>/d grid: (N, P, nd) (grid layout: last axis x, y[, z])."""
    xf = _flat(x)
    gc = [None] * T.nd
    for flat, combo in T.combos():
        ws = [T.weight(combo, k) for k in range(T.nd)]
        if all(w is None for w in ws):
            continue
        s = (g * _gather(xp, xf, flat)).sum(1)
        for k, w in enumerate(ws):
            if w is not None:
                gc[k] = s * w if gc[k] is None else gc[k] + s * w
    out = xp.zeros((T.N, T.P, T.nd), dtype)
    for k in range(T.nd):
        if gc[k] is not None:
            out[:, :, T.nd - 1 - k] = gc[k] * T.m[k]
    return out


class GridSample(Primitive):
    """``grid_sample`` of (N, C, *S) at grid (N, *O, nd): (N, C, *O)."""
    _name = 'GridSampler2DBackward0'

    def forward(ctx, xp, x, grid, mode, padding_mode, align):
        ctx.save_for_backward(x, grid)
        ctx.cfg = (mode, padding_mode, align)
        T = _Taps(xp, x.shape[2:], grid, mode, padding_mode, align, False)
        return _sample(xp, T, x).reshape(x.shape[:2] + T.out_sp)

    def backward(ctx, g):
        x, grid = ctx.saved_tensors
        nx, ng = ctx._next[0] is not None, ctx._next[1] is not None
        cls = GridSampleBackward3D if x.dim() == 5 else GridSampleBackward
        gx, gg = cls.apply(g, x, grid, *ctx.cfg, nx, ng)
        return (gx if nx else None), (gg if ng else None), None, None, None


class GridSample3D(GridSample):
    _name = 'GridSampler3DBackward0'


class GridSampleBackward(Primitive):
    """(d/dx, d/dgrid) of ``<g, grid_sample(x, grid)>``; unneeded parts come back as zeros."""
    _name = 'GridSampler2DBackwardBackward0'

    def forward(ctx, xp, g, x, grid, mode, padding_mode, align, need_x, need_grid):
        ctx.save_for_backward(g, x, grid)
        ctx.cfg = (mode, padding_mode, align)
        T = _Taps(xp, x.shape[2:], grid, mode, padding_mode, align, need_grid)
        N, C = x.shape[:2]
        gf = g.reshape(N, C, T.P)
        if need_x:
            sc = _Scatter(xp, N, C, math.prod(x.shape[2:]), x.dtype)
            for flat, combo in T.combos():
                sc.add(flat, gf * T.weight(combo)[:, None, :])
            gx = sc.result().reshape(x.shape)
        else:
            gx = xp.zeros(x.shape, x.dtype)
        if need_grid:
            gg = _grid_grad(xp, T, x, gf, grid.dtype).reshape(grid.shape)
        else:
            gg = xp.zeros(grid.shape, grid.dtype)
        return gx, gg

    def backward(ctx, ggx, gggrid):
        g, x, grid = ctx.saved_tensors
        need = tuple(ctx._next[i] is not None for i in range(3))
        dg, dx, dgrid = GridSampleDoubleBackward.apply(g, x, grid, ggx, gggrid, *ctx.cfg, need)
        return ((dg if need[0] else None), (dx if need[1] else None),
                (dgrid if need[2] else None)) + (None,) * 5


class GridSampleBackward3D(GridSampleBackward):
    _name = 'GridSampler3DBackwardBackward0'


class GridSampleDoubleBackward(Primitive):
    """Gradients of ``<ggx, gx> + <gggrid, ggrid>`` w.r.t. (g, x, grid), where
    ``(gx, ggrid) = GridSampleBackward(g, x, grid)``."""
    def forward(ctx, xp, g, x, grid, ggx, gggrid, mode, padding_mode, align, need):
        T = _Taps(xp, x.shape[2:], grid, mode, padding_mode, align, True)
        N, C = x.shape[:2]
        nd, P = T.nd, T.P
        gf = g.reshape(N, C, P)
        xf = _flat(x)
        ggxf = _flat(ggx)
        gg2 = gggrid.reshape(N, P, nd)
        # upstream of each source coordinate: u_k = gggrid_k * d c_k / d grid_k
        u = [gg2[:, :, nd - 1 - k] * T.m[k] for k in range(nd)]
        dg = xp.zeros((N, C, P), g.dtype) if need[0] else None
        sc = _Scatter(xp, N, C, xf.shape[2], x.dtype) if need[1] else None
        dc = [None] * nd
        for flat, combo in T.combos():
            w = T.weight(combo)
            dws = [T.weight(combo, k) for k in range(nd)]
            # Σ_k u_k dw_k: the tap's weight in d ggrid / d (g or x)
            a = None
            for k in range(nd):
                if dws[k] is not None:
                    a = u[k] * dws[k] if a is None else a + u[k] * dws[k]
            xv = _gather(xp, xf, flat) if (a is not None and need[0]) or need[2] else None
            if need[0]:
                dg += _gather(xp, ggxf, flat) * w[:, None, :]
                if a is not None:
                    dg += xv * a[:, None, :]
            if need[1] and a is not None:
                sc.add(flat, gf * a[:, None, :])
            if need[2]:
                gv = None
                for j in range(nd):
                    # <g, D_j ggx> + Σ_k u_k <g, D_kj x>
                    acc = None
                    if dws[j] is not None:
                        if gv is None:
                            gv = (gf * _gather(xp, ggxf, flat)).sum(1)
                        acc = gv * dws[j]
                    for k in range(nd):
                        d2 = T.weight(combo, k, j)
                        if d2 is None:
                            continue
                        s = (gf * xv).sum(1) * (u[k] * d2)
                        acc = s if acc is None else acc + s
                    if acc is not None:
                        dc[j] = acc if dc[j] is None else dc[j] + acc
        outs = []
        outs.append(dg.reshape(g.shape) if need[0] else xp.zeros(g.shape, g.dtype))
        outs.append(sc.result().reshape(x.shape) if need[1] else xp.zeros(x.shape, x.dtype))
        dgrid = xp.zeros((N, P, nd), grid.dtype)
        if need[2]:
            for j in range(nd):
                if dc[j] is not None:
                    dgrid[:, :, nd - 1 - j] = dc[j] * T.m[j]
        outs.append(dgrid.reshape(grid.shape))
        return tuple(outs)

    def backward(ctx, *grads):
        raise NotImplementedError("the derivative for 'grid_sampler_backward_backward' is not "
                                  'implemented.')


def _sizes(t):
    return list(t.shape)


_TYPE = {'float32': 'Float', 'float64': 'Double', 'float16': 'Half', 'bfloat16': 'BFloat16',
         'int64': 'Long', 'int32': 'Int', 'int16': 'Short', 'int8': 'Char', 'uint8': 'Byte',
         'bool': 'Bool'}


def _type_name(t):
    return _TYPE.get(str(t.dtype).replace('torch.', '').replace('ember.', ''), str(t.dtype))


def grid_sample(input, grid, mode='bilinear', padding_mode='zeros', align_corners=None):
    """Sample ``input`` (N, C, H, W) or (N, C, D, H, W) at the normalised ``grid`` locations
    (N, H_out, W_out, 2) or (N, D_out, H_out, W_out, 3), in [-1, 1] (``F.grid_sample``).

    Args:
        mode: 'bilinear' (trilinear for 5-D), 'nearest' (round half to even) or 'bicubic'
            (4-D only; A = -0.75).
        padding_mode: 'zeros' (outside points read 0), 'border' (clamp to the edge) or
            'reflection' (reflect at the borders).
        align_corners: -1 and 1 name the centres (True) or outer edges (False) of the corner
            pixels; None warns and means False, as in PyTorch.
    Gradients flow to ``input`` and ``grid`` (zero grid gradient for 'nearest'); double
    backward is supported, as in PyTorch.
    """
    if _ac[0]:
        return _ac_run('grid_sample', grid_sample, input, grid, mode, padding_mode,
                       align_corners)
    if mode not in _MODES:
        raise ValueError("nn.functional.grid_sample(): expected mode to be 'bilinear', "
                         f"'nearest' or 'bicubic', but got: '{mode}'")
    if padding_mode not in _PADS:
        raise ValueError("nn.functional.grid_sample(): expected padding_mode to be 'zeros', "
                         f"'border', or 'reflection', but got: '{padding_mode}'")
    if align_corners is None:
        warnings.warn('Default grid_sample and affine_grid behavior has changed to '
                      'align_corners=False since 1.3.0. Please specify align_corners=True if '
                      'the old behavior is desired. See the documentation of grid_sample for '
                      'details.', stacklevel=2)
        align_corners = False
    xd = input._data
    if xd.dtype.kind not in 'fV':
        kern = 'grid_sampler_2d_cpu_kernel_impl' if input.dim() == 4 else 'grid_sampler3d_cpu'
        raise NotImplementedError(f'"{kern}" not implemented for \'{_type_name(input)}\'')
    if grid._data.dtype != xd.dtype:
        raise RuntimeError(f'expected scalar type {_type_name(input)} but found '
                           f'{_type_name(grid)}')
    if input.device != grid.device:
        raise RuntimeError('grid_sampler(): expected input and grid to be on same device, but '
                           f'input is on {input.device} and grid is on {grid.device}')
    if input.dim() < 1 or grid.dim() < 1 or input.shape[0] != grid.shape[0]:
        raise RuntimeError('grid_sampler(): expected grid and input to have same batch size, '
                           f'but got input with sizes {_sizes(input)} and grid with sizes '
                           f'{_sizes(grid)}')
    nd = input.dim() - 2
    if grid.shape[-1] != nd:
        raise RuntimeError(f'grid_sampler(): expected grid to have size {nd} in last dimension, '
                           f'but got grid with sizes {_sizes(grid)}')
    for i in range(2, input.dim()):
        if input.shape[i] <= 0:
            raise RuntimeError('grid_sampler(): expected input to have non-empty spatial '
                               f'dimensions, but input has sizes {_sizes(input)} with dimension '
                               f'{i} being empty')
    if input.dim() == 4:
        if grid.dim() != 4:
            raise RuntimeError('grid_sampler(): expected 4D input and grid with same number of '
                               f'dimensions, but got input with sizes {_sizes(input)} and grid '
                               f'with sizes {_sizes(grid)}')
        return GridSample.apply(input, grid, mode, padding_mode, bool(align_corners))
    if input.dim() == 5 and mode == 'bicubic':
        raise RuntimeError('grid_sampler(): bicubic interpolation only supports 4D input')
    if input.dim() != 5 or grid.dim() != 5:
        raise RuntimeError('grid_sampler(): expected 5D input and grid with same number of '
                           f'dimensions, but got input with sizes {_sizes(input)} and grid with '
                           f'sizes {_sizes(grid)}')
    return GridSample3D.apply(input, grid, mode, padding_mode, bool(align_corners))


def _linspace(xp, n, align, dtype):
    """PyTorch's ``linspace(-1, 1, n)`` (scaled by (n-1)/n unless align_corners) in ``dtype``."""
    if n <= 1:
        return xp.zeros(max(n, 1), dtype)
    dt = np.dtype(dtype)
    step = dt.type(2) / dt.type(n - 1)
    i = xp.arange(n)
    half = n // 2
    r = xp.where(i < half, dt.type(-1) + step * i.astype(dt),
                 dt.type(1) - step * (n - 1 - i).astype(dt)).astype(dt)
    if not align:
        r = (r * dt.type(n - 1)) / dt.type(n)
    return r


def affine_grid(theta, size, align_corners=None):
    """The sampling grid (N, H, W, 2) or (N, D, H, W, 3) of the affine maps ``theta`` (N, 2, 3)
    or (N, 3, 4) for an output of ``size`` (N, C, H, W) or (N, C, D, H, W) (``F.affine_grid``).

    Each output point's normalised coordinates (x, y[, z], 1) are multiplied by ``theta``; with
    ``align_corners=False`` the base coordinates are pixel centres, ``(2i + 1) / n - 1``.
    Differentiable w.r.t. ``theta``; None for align_corners warns and means False.
    """
    if align_corners is None:
        warnings.warn('Default grid_sample and affine_grid behavior has changed to '
                      'align_corners=False since 1.3.0. Please specify align_corners=True if '
                      'the old behavior is desired. See the documentation of grid_sample for '
                      'details.', stacklevel=2)
        align_corners = False
    if not theta.is_floating_point():
        raise ValueError(f'Expected theta to have floating point type, but got {theta.dtype}')
    size = tuple(builtins.int(s) for s in size)
    if len(size) == 4:
        if theta.dim() != 3 or theta.shape[-2] != 2 or theta.shape[-1] != 3:
            raise ValueError('Expected a batch of 2D affine matrices of shape Nx2x3 for size '
                             f'{size}. Got {theta.shape!r}.')
        spatial = size[-2:]
    elif len(size) == 5:
        if theta.dim() != 3 or theta.shape[-2] != 3 or theta.shape[-1] != 4:
            raise ValueError('Expected a batch of 3D affine matrices of shape Nx3x4 for size '
                             f'{size}. Got {theta.shape!r}.')
        spatial = size[-3:]
    else:
        raise NotImplementedError('affine_grid only supports 4D and 5D sizes, for 2D and 3D '
                                  f'affine transforms, respectively. Got size {size}.')
    if align_corners and min(spatial) == 1:
        warnings.warn('Since version 1.3.0, affine_grid behavior has changed for unit-size grids '
                      'when align_corners=True. This is not an intended use case of affine_grid. '
                      'See the documentation of affine_grid for details.', stacklevel=2)
    elif min(size) <= 0:
        raise ValueError(f'Expected non-zero, positive output size. Got {size}')
    N = size[0]
    k = len(spatial) + 1
    if theta.shape[0] != N:
        raise RuntimeError('Expected size for first two dimensions of batch2 tensor to be: '
                           f'[{N}, {k}] but got: [{theta.shape[0]}, {theta.shape[2]}].')
    from ..backend import xp_of
    d = theta._data
    xp = xp_of(d)
    axes = [_linspace(xp, n, align_corners, d.dtype) for n in spatial]   # (D,) H, W
    base = xp.empty(tuple(spatial) + (k,), d.dtype)
    nsp = len(spatial)
    for j in range(nsp):    # channel j reads spatial axis nsp-1-j (x is W)
        sh = [1] * nsp
        sh[nsp - 1 - j] = spatial[nsp - 1 - j]
        base[..., j] = axes[nsp - 1 - j].reshape(sh)
    base[..., nsp] = 1
    from .linalg import matmul
    P = math.prod(spatial)
    grid = matmul(_wrap(base.reshape(P, k)), theta.transpose(1, 2))
    return grid.reshape((N,) + tuple(spatial) + (nsp,))

