"""Normalisation: batch, layer, group, instance and local-response norms, ``normalize``.

Batch and layer norm are fused primitives: statistics are accumulated in float64 (as PyTorch
does for float32 on CPU), the output stays in the input's dtype, and the backward is one
fused array pass. Their double backward differentiates a composite re-statement of the same
formula, so it is exact but slower.
"""
import math

import numpy as np

from .._tensor import Tensor, _wrap
from ._util import Primitive, over_batch
from ..backend import kernels
from ..amp._policy import on as _ac, run as _ac_run

__all__ = ['batch_norm', 'layer_norm', 'group_norm', 'instance_norm', 'local_response_norm',
           'normalize', 'rms_norm']


def _bshape(ndim, axes, n):
    """Shape that broadcasts a per-channel vector against the non-reduced dims."""
    return tuple(n if i not in axes else 1 for i in range(ndim))


def _bn_layout(x, axes):
    """True for batch norm's reduction (every dim but 1) over a C-contiguous (N, C, ...) array:
    then per-channel sums reduce a contiguous (N, C, L) view, first over L then over N."""
    return (x.ndim >= 2 and axes == (0,) + tuple(range(2, x.ndim)) and x.flags.c_contiguous)


def _rowsum(a3):
    """Sums of each (n, c) row of an (n, C, L) array.

    A float32 row is summed in float32: NumPy sums a contiguous axis pairwise (error ~log2(L)
    ulp, not L ulp), and without a cast buffer that pass is ~3.5x faster than
    ``sum(dtype=float64)``; :func:`_csums` adds the rows in float64."""
    if a3.dtype == np.float32 and a3.shape[2] >= 16:
        return a3.sum(axis=2)
    return a3.sum(axis=2, dtype=np.float64)


def _ksums(k, x3, m):
    """Per-row float64 sums (``m`` None) or squared deviations from ``m`` of (n, C, L) x3
    through the compiled kernel, as a chunk function for :func:`_csums`."""
    def run(s, e):
        out = np.empty((e - s, x3.shape[1]))
        k(x3[s:e], m, out)
        return (out,)
    return run


def _csums(xp, n, fn, work):
    """Per-channel float64 totals of the row sums ``fn(start, stop)`` returns, chunk by chunk
    of the batch on the CPU threads: a tuple of (C,) arrays, one per array fn sums."""
    parts = over_batch(xp, n, fn, work)
    return tuple(xp.concatenate([p[i] for p in parts]).sum(axis=0, dtype=np.float64)
                 for i in range(len(parts[0])))


def _bn_affine(xp, x3, a, b, g3=None, ga=None):
    """``x * a + b`` (``+ g * ga`` when given) per channel of (N, C, L) arrays, one fused pass
    per chunk of the batch on the CPU threads."""
    dt = x3.dtype
    k = kernels.get('bn_affine', x3, *([g3] if g3 is not None else []))
    if k is not None:
        a, b = a.astype(dt).reshape(-1), b.astype(dt).reshape(-1)
        ga = ga.astype(dt).reshape(-1) if g3 is not None else None
        out3 = np.empty(x3.shape, dt)
        over_batch(xp, x3.shape[0], lambda s, e: k(
            x3[s:e], a, b, g3[s:e] if g3 is not None else None, ga, out3[s:e]),
            (2 if g3 is None else 3) * x3.size)
        return out3
    a = a.astype(dt).reshape(-1, 1)
    b = b.astype(dt).reshape(-1, 1)
    ga = ga.astype(dt).reshape(-1, 1) if g3 is not None else None
    out3 = xp.empty(x3.shape, dt)

    def run(s, e):
        r = out3[s:e]
        xp.multiply(x3[s:e], a, out=r)
        r += b
        if g3 is not None:
            t = g3[s:e] * ga
            r += t
    over_batch(xp, x3.shape[0], run, (2 if g3 is None else 3) * x3.size)
    return out3


class _Norm(Primitive):
    """``y = (x - mean) * invstd * w + b`` with mean/var over ``axes`` (batch or layer norm).

    ``stats`` given (eval-mode batch norm): (mean, var) arrays are used instead of batch
    statistics and the op is affine in x.
    """

    def forward(ctx, xp, x, w, b, axes, eps, wshape, stats=None):
        ctx.wshape = wshape
        keep = tuple(1 if i in axes else s for i, s in enumerate(x.shape))
        bn = _bn_layout(x, axes)
        if stats is None and bn:
            x3 = x.reshape(x.shape[0], x.shape[1], -1)
            n = x.size // x.shape[1]
            k = kernels.get('bn_sums', x)
            mean, = _csums(xp, x3.shape[0], _ksums(k, x3, None) if k is not None else
                           (lambda s, e: (_rowsum(x3[s:e]),)), x.size)
            mean /= n
            m32 = mean.astype(x.dtype).reshape(-1, 1)

            def sq(s, e):
                d = x3[s:e] - m32
                xp.multiply(d, d, out=d)
                return (_rowsum(d),)
            var, = _csums(xp, x3.shape[0], _ksums(k, x3, m32.reshape(-1).astype(np.float64))
                          if k is not None else sq, 2 * x.size)
            mean, var = mean.reshape(keep), (var / n).reshape(keep)
            ctx.batch_stats = (mean.reshape(-1), var.reshape(-1))
        elif stats is None:
            mean = x.mean(axis=axes, dtype=np.float64, keepdims=True)
            d = x - mean.astype(x.dtype)
            var = xp.mean(xp.square(d, dtype=np.float64), axis=axes, keepdims=True) \
                if x.dtype != np.float64 else xp.mean(d * d, axis=axes, keepdims=True)
            ctx.batch_stats = (mean.reshape(-1), var.reshape(-1))
        else:
            mean = stats[0].astype(np.float64).reshape(keep)
            var = stats[1].astype(np.float64).reshape(keep)
        invstd = 1.0 / xp.sqrt(var + eps)
        wb = w.reshape(wshape).astype(np.float64) if w is not None else 1.0
        alpha = invstd * wb
        beta = -mean * alpha
        if b is not None:
            beta = beta + b.reshape(wshape)
        if bn:
            out = _bn_affine(xp, x.reshape(x.shape[0], x.shape[1], -1), alpha, beta
                             ).reshape(x.shape)
        else:
            out = x * alpha.astype(x.dtype)
            out += beta.astype(x.dtype)
        ctx.save_for_backward(x, w)
        ctx.mean, ctx.invstd = mean, invstd
        ctx.axes, ctx.eps, ctx.train = axes, eps, stats is None
        ctx.has_b = b is not None
        return out

    def backward(ctx, g):
        x, w = ctx.saved_tensors
        return _NormBackward.apply(g, x, w, ctx.mean, ctx.invstd, ctx.axes, ctx.eps, ctx.train,
                                   ctx.wshape, ctx.has_b) + (None, None, None, None)


class _NormBackward(Primitive):
    """Fused gradients of ``_Norm``: (dx, dw, db)."""
    _name = 'NativeBatchNormBackwardBackward0'

    def forward(ctx, xp, g, x, w, mean, invstd, axes, eps, train, wshape, has_b):
        ctx.save_for_backward(g, x, w)
        ctx.cfg = (mean, invstd, axes, eps, train, wshape, has_b)
        if _bn_layout(x, axes) and g.flags.c_contiguous:
            return _bn_backward(xp, g, x, w, mean, invstd, train, has_b)
        xhat = (x - mean.astype(x.dtype)) * invstd.astype(x.dtype)
        wb = w.reshape(wshape) if w is not None else None
        gw = g * wb if wb is not None else g
        outs = []
        if train:
            # dx = invstd / n * (n * gw - sum(gw) - xhat * sum(gw * xhat)),  gw = g * w
            sum_g = gw.sum(axis=axes, keepdims=True, dtype=np.float64)
            sum_gx = (gw * xhat).sum(axis=axes, keepdims=True, dtype=np.float64)
            n = x.size // sum_g.size
            k = invstd / n
            gx = (gw * (k * n).astype(x.dtype) - (k * sum_g).astype(x.dtype)
                  - xhat * (k * sum_gx).astype(x.dtype))
        else:
            gx = gw * invstd.astype(x.dtype)
        outs.append(gx)
        # parameter grads reduce over every dim that is not a parameter dim
        paxes = tuple(i for i, s in enumerate(wshape) if s == 1)
        if w is not None:
            gw = (g * xhat).sum(axis=paxes, dtype=np.float64).astype(x.dtype).reshape(w.shape)
            outs.append(gw)
        else:
            outs.append(None)
        outs.append(g.sum(axis=paxes, dtype=np.float64).astype(x.dtype).reshape(w.shape)
                    if has_b and w is not None else
                    (g.sum(axis=paxes, dtype=np.float64).astype(x.dtype).reshape(-1)
                     if has_b else None))
        return tuple(o if o is not None else xp.zeros(0, x.dtype) for o in outs)

    def backward(ctx, ggx, ggw, ggb):
        g, x, w = ctx.saved_tensors
        mean, invstd, axes, eps, train, wshape, has_b = ctx.cfg
        # differentiate a composite statement of the same gradient formula
        from ..autograd.engine import grad as autograd_grad
        from ..autograd.grad_mode import enable_grad
        with enable_grad():
            gd, xd = g.detach().requires_grad_(), x.detach().requires_grad_()
            wd = w.detach().requires_grad_() if w is not None else None
            y = _composite(xd, wd, None, axes, eps, train, wshape, mean, invstd)
            inputs = [t for t in (xd, wd) if t is not None]
            gi = autograd_grad(y, inputs, gd, create_graph=True)
            total = (gi[0] * ggx).sum()
            if wd is not None and ggw.numel():
                total = total + (gi[1] * ggw).sum()
            ins = [gd, xd] + ([wd] if wd is not None else [])
            res = autograd_grad(total, ins, allow_unused=True, materialize_grads=True)
        gg_g = res[0]
        if has_b and ggb.numel():
            gg_g = gg_g + ggb.reshape(wshape)
        return (gg_g, res[1], res[2] if w is not None else None) + (None,) * 7


def _bn_backward(xp, g, x, w, mean, invstd, train, has_b):
    """Batch norm's gradients without materialising x-hat: with per-channel sums
    s_g = sum(g), s_gd = sum(g (x - mean)) (float64 totals) and A = w * invstd,

        sum(g * xhat) = invstd s_gd
        dx = A g - K x + (K mean - A s_g / n),   K = A invstd sum(g * xhat) / n   (training)
        dx = A g                                                                  (eval)
    """
    N, c = x.shape[:2]
    n = x.size // c
    x3, g3 = x.reshape(N, c, -1), g.reshape(N, c, -1)
    mean1, inv1 = mean.reshape(-1), invstd.reshape(-1)
    m32 = mean1.astype(x.dtype)
    mc = m32.reshape(-1, 1)

    k = kernels.get('bn_grad_sums', g, x)
    if k is not None:                           # one compiled pass
        m64 = m32.astype(np.float64)

        def sums(s, e):
            sg, sgd = np.empty((e - s, c)), np.empty((e - s, c))
            k(g3[s:e], x3[s:e], m64, sg, sgd)
            return sg, sgd
    else:
        def sums(s, e):
            gs = g3[s:e]
            d = x3[s:e] - mc                    # centred: no cancellation in sum(g (x - mean))
            d *= gs
            return _rowsum(gs), _rowsum(d)
    s_g, s_gd = _csums(xp, N, sums, 2 * x.size)
    sum_gxhat = inv1 * (s_gd + (m32 - mean1) * s_g)
    a = inv1 * (w.astype(np.float64) if w is not None else 1.0)
    if train:      # dx = A g - K x + (K mean - A s_g / n)
        k = a * inv1 * sum_gxhat / n
        dx3 = _bn_affine(xp, x3, -k, k * mean1 - a * s_g / n, g3, a)
    else:
        dx3 = _bn_affine(xp, g3, a, np.zeros_like(a))
    dx = dx3.reshape(x.shape)
    dt = x.dtype
    gw = sum_gxhat.astype(dt) if w is not None else xp.zeros(0, dt)
    gb = s_g.astype(dt) if has_b else xp.zeros(0, dt)
    return dx, gw, gb


def _composite(x, w, b, axes, eps, train, wshape, mean, invstd):
    """The normalisation written with differentiable ember ops."""
    if train:
        m = x.mean(axes, keepdim=True)
        v = ((x - m) ** 2).mean(axes, keepdim=True)
        y = (x - m) / (v + eps).sqrt()
    else:
        y = (x - _wrap(mean.astype(x._data.dtype))) * _wrap(invstd.astype(x._data.dtype))
    if w is not None:
        y = y * w.reshape(wshape)
    if b is not None:
        y = y + b.reshape(wshape)
    return y


class BatchNorm(_Norm):
    _name = 'NativeBatchNormBackward0'


class LayerNorm(_Norm):
    _name = 'NativeLayerNormBackward0'


def _apply_norm(x, w, b, axes, eps, wshape, stats):
    cls = BatchNorm if stats is not None or 0 in axes else LayerNorm
    return cls.apply(x, w, b, axes, eps, wshape, stats=stats)


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-05):
    """Normalise each channel (dim 1) by batch statistics (training) or the running ones.

    In training the running statistics are updated in place:
    ``running = (1 - momentum) * running + momentum * batch`` (unbiased variance).
    """
    if input.dim() < 2:
        raise ValueError(f'expected 2D or 3D input (got {input.dim()}D input)')
    C = input.shape[1]
    for name, t in (('running_mean', running_mean), ('running_var', running_var),
                    ('weight', weight), ('bias', bias)):
        if t is not None and t.numel() != C:
            raise RuntimeError(f'{name} should contain {C} elements not {t.numel()}')
    axes = (0,) + tuple(range(2, input.dim()))
    n = input.numel() // C if C else 0
    if training and n <= 1:
        raise ValueError(f'Expected more than 1 value per channel when training, got input size '
                         f'{input.size()}')
    wshape = _bshape(input.dim(), axes, C)
    if training:
        out, node = _train_norm(input, weight, bias, axes, eps, wshape)
        if running_mean is not None or running_var is not None:
            mean, var = node.batch_stats if node is not None else _last_stats[0]
            _update_running(running_mean, running_var, mean, var, n, momentum)
        return out
    if running_mean is None or running_var is None:
        raise RuntimeError('running_mean and running_var must be defined in evaluation mode')
    return _apply_norm(input, weight, bias, axes, eps, wshape,
                       (running_mean._data, running_var._data))


_last_stats = [None]


def _train_norm(input, weight, bias, axes, eps, wshape):
    out = _apply_norm(input, weight, bias, axes, eps, wshape, None)
    node = out.grad_fn
    if node is None:
        # no graph was recorded: recompute the batch statistics for the running update
        d = input._data
        xp = np if type(d) is np.ndarray else __import__('cupy')
        mean = d.mean(axis=axes, dtype=np.float64)
        var = d.var(axis=axes, dtype=np.float64)
        _last_stats[0] = (mean, var)
    return out, node


def _update_running(rm, rv, mean, var, n, momentum):
    m = momentum
    if rm is not None:
        d = rm._data
        d *= (1 - m)
        d += (m * mean).astype(d.dtype)
        rm._vc[0] += 1
    if rv is not None:
        d = rv._data
        d *= (1 - m)
        d += (m * var * n / max(n - 1, 1)).astype(d.dtype)
        rv._vc[0] += 1


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-05):
    """Normalise over the last ``len(normalized_shape)`` dims, then scale and shift."""
    if _ac[0]:
        return _ac_run('layer_norm', layer_norm, input, normalized_shape, weight, bias, eps)
    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    normalized_shape = tuple(normalized_shape)
    k = len(normalized_shape)
    if tuple(input.shape[input.dim() - k:]) != normalized_shape:
        raise RuntimeError(f'Given normalized_shape={list(normalized_shape)}, expected input with '
                           f'shape [*, {", ".join(str(s) for s in normalized_shape)}], but got '
                           f'input of size{list(input.shape)}')
    axes = tuple(range(input.dim() - k, input.dim()))
    wshape = (1,) * (input.dim() - k) + normalized_shape
    return _apply_norm(input, weight, bias, axes, eps, wshape, None)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-05):
    """Normalise over groups of channels, then a per-channel affine."""
    if _ac[0]:
        return _ac_run('group_norm', group_norm, input, num_groups, weight, bias, eps)
    N, C = input.shape[:2]
    if C % num_groups:
        raise RuntimeError(f'Expected number of channels in input to be divisible by num_groups, '
                           f'but got input of shape {list(input.shape)} and num_groups={num_groups}')
    x = input.reshape(N, num_groups, -1)
    y = _apply_norm(x, None, None, (2,), eps, (1, 1, 1), None).reshape(input.shape)
    shape = [1, C] + [1] * (input.dim() - 2)
    if weight is not None:
        y = y * weight.reshape(shape)
    if bias is not None:
        y = y + bias.reshape(shape)
    return y


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-05):
    """Normalise each (sample, channel) plane over its spatial dims."""
    N, C = input.shape[:2]
    if use_input_stats:
        axes = tuple(range(2, input.dim()))
        y = _apply_norm(input, None, None, axes, eps, (1,) * input.dim(), None)
        if running_mean is not None or running_var is not None:
            d = input._data
            mean = d.mean(axis=axes, dtype=np.float64).mean(0)
            n = math.prod(input.shape[2:])
            var = d.var(axis=axes, dtype=np.float64).mean(0)
            _update_running(running_mean, running_var, mean, var, n, momentum)
    else:
        y = _apply_norm(input, None, None, (0,) + tuple(range(2, input.dim())), eps,
                        _bshape(input.dim(), (0,) + tuple(range(2, input.dim())), C),
                        (running_mean._data, running_var._data))
    shape = [1, C] + [1] * (input.dim() - 2)
    if weight is not None:
        y = y * weight.reshape(shape)
    if bias is not None:
        y = y + bias.reshape(shape)
    return y


def local_response_norm(input, size, alpha=0.0001, beta=0.75, k=1.0):
    """Normalise each element by a window of ``size`` neighbouring channels."""
    from .nn import pad
    from .pool import avg_pool2d, avg_pool3d
    dim = input.dim()
    if dim < 3:
        raise ValueError(f'Expected 3D or higher dimensionality                          input '
                         f'(got {dim} dimensions)')   # PyTorch's message, spaces included
    if input.numel() == 0:
        return input
    div = (input * input).unsqueeze(1)
    if dim == 3:
        div = pad(div, (0, 0, size // 2, (size - 1) // 2))
        div = avg_pool2d(div, (size, 1), stride=1).squeeze(1)
    else:
        sizes = input.shape
        div = div.reshape(sizes[0], 1, sizes[1], sizes[2], -1)
        div = pad(div, (0, 0, 0, 0, size // 2, (size - 1) // 2))
        div = avg_pool3d(div, (size, 1, 1), stride=1).squeeze(1)
        div = div.reshape(sizes)
    div = (div * alpha + k) ** beta
    return input / div


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """``input / max(||input||_p, eps)`` along ``dim``."""
    if _ac[0]:
        return _ac_run('normalize', normalize, input, p, dim, eps, out)
    n = input.norm(p, dim, keepdim=True).clamp_min(eps)
    return input / n.expand_as(input)


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """``input / sqrt(mean(input**2) + eps) * weight`` over the last dims."""
    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    axes = tuple(range(input.dim() - len(normalized_shape), input.dim()))
    if eps is None:
        from .. import _dtype
        eps = _dtype.finfo(input.dtype).eps
    y = input * ((input * input).mean(axes, keepdim=True) + eps).rsqrt()
    return y * weight if weight is not None else y
