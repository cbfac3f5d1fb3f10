"""Loss functions (``nn.functional``'s losses).

``cross_entropy`` with class-index targets is one fused primitive (log-softmax, pick and
reduce in one forward; ``softmax - onehot`` scaled in one backward pass); ``nll_loss``,
``binary_cross_entropy(_with_logits)`` and ``ctc_loss`` are primitives too; the other losses
are composites of differentiable ops, written as PyTorch writes them.
"""
import math
import numbers
import warnings

import numpy as np

from .._tensor import Tensor, _wrap, Size
from ..autograd.grad_mode import no_grad
from ._util import Primitive
from . import pointwise as P
from .activation import log_softmax, logsigmoid, softmax
from ..amp._policy import on as _ac, run as _ac_run

__all__ = ['nll_loss', 'cross_entropy', 'mse_loss', 'l1_loss', 'smooth_l1_loss', 'huber_loss',
           'binary_cross_entropy', 'binary_cross_entropy_with_logits', 'kl_div',
           'poisson_nll_loss', 'gaussian_nll_loss', 'cosine_embedding_loss',
           'margin_ranking_loss', 'hinge_embedding_loss', 'soft_margin_loss',
           'multilabel_soft_margin_loss', 'multilabel_margin_loss', 'multi_margin_loss',
           'triplet_margin_loss', 'triplet_margin_with_distance_loss', 'ctc_loss',
           'pairwise_distance', 'cosine_similarity']

_NP = np.ndarray


# ---------------------------------------------------------------------------- reductions

def _legacy_reduction(size_average, reduce, reduction='mean', emit_warning=True):
    """PyTorch's ``_Reduction.legacy_get_string``: the reduction named by the deprecated
    ``size_average`` / ``reduce`` flags (with its deprecation warning)."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    ret = 'mean' if size_average and reduce else 'sum' if reduce else 'none'
    if emit_warning:
        warnings.warn("size_average and reduce args will be deprecated, please use "
                      f"reduction='{ret}' instead.", stacklevel=3)
    return ret


def _check_reduction(reduction):
    if reduction == 'elementwise_mean':
        warnings.warn("reduction='elementwise_mean' is deprecated. Please use reduction='mean' "
                      'instead.', stacklevel=3)
        return 'mean'
    if reduction not in ('mean', 'sum', 'none'):
        raise ValueError(f'{reduction} is not a valid value for reduction')
    return reduction


def _reduction(size_average, reduce, reduction):
    return _check_reduction(_legacy_reduction(size_average, reduce, reduction, True))


def _reduce(loss, reduction):
    if reduction == 'mean':
        return loss.mean()
    if reduction == 'sum':
        return loss.sum()
    return loss


def _warn_size(input, target):
    if tuple(target.shape) != tuple(input.shape):
        _broadcast_check(input, target)
        warnings.warn(f'Using a target size ({Size(target.shape)}) that is different to the input '
                      f'size ({Size(input.shape)}). This will likely lead to incorrect results due '
                      'to broadcasting. Please ensure they have the same size.', stacklevel=3)


def _broadcast_check(a, b):
    """PyTorch's ``infer_size`` error for shapes that do not broadcast."""
    sa, sb = tuple(a.shape), tuple(b.shape)
    if sa == sb:
        return
    n = max(len(sa), len(sb))
    for i in range(n - 1, -1, -1):
        da = sa[i - n + len(sa)] if i - n + len(sa) >= 0 else 1
        db = sb[i - n + len(sb)] if i - n + len(sb) >= 0 else 1
        if da != db and da != 1 and db != 1:
            raise RuntimeError(f'The size of tensor a ({da}) must match the size of tensor b '
                               f'({db}) at non-singleton dimension {i}')


def _xp(arr):
    if type(arr) is _NP:
        return np
    from ..backend import xp_of
    return xp_of(arr)


def _tname(dt):
    return {'float32': 'Float', 'float64': 'Double', 'float16': 'Half', 'int64': 'Long',
            'int32': 'Int', 'int16': 'Short', 'int8': 'Char', 'uint8': 'Byte', 'bool': 'Bool',
            'complex64': 'ComplexFloat', 'complex128': 'ComplexDouble'}.get(np.dtype(dt).name,
                                                                            str(dt))


# ---------------------------------------------------------------------------- class targets

def _row_weights(xp, t, C, ignore_index, w, dtype):
    """Validate class indices ``t`` (M,) and return (safe indices, per-row weights or None).

    Per-row weight is ``w[t] * (t != ignore_index)``; None means every row counts 1. Raises
    PyTorch's ``IndexError('Target 7 is out of bounds.')``. Costs two reductions over the
    targets in the common case (all in range, nothing ignored).
    """
    if t.dtype != np.int64:
        t = t.astype(np.int64)
    valid = None
    if t.size:
        lo, hi = int(t.min()), int(t.max())
        if lo < 0 or hi >= C:
            valid = t != ignore_index
            bad = valid & ((t < 0) | (t >= C))
            if bad.any():
                raise IndexError(f'Target {int(t[bad][0])} is out of bounds.')
        elif 0 <= ignore_index < C and lo <= ignore_index <= hi:
            valid = t != ignore_index
    if valid is not None:
        t = xp.where(valid, t, 0)
    if w is not None:
        wt = w[t]
        if valid is not None:
            wt = wt * valid
        return t, wt.astype(dtype, copy=False)
    return t, (valid.astype(dtype) if valid is not None else None)


def _reduce_rows(xp, rowloss, wt, reduction, dtype):
    """Reduce per-row losses (already weighted) as nll_loss does; returns (out, scale)
    where the gradient of ``out`` w.r.t. ``rowloss[i]`` is ``scale * wt[i]``
    (``wt`` None meaning 1)."""
    if reduction == 'none':
        return rowloss, None
    s = rowloss.sum()
    if reduction == 'sum':
        return xp.asarray(s, dtype), 1.0
    denom = float(wt.sum(dtype=np.float64)) if wt is not None else float(rowloss.shape[0])
    if denom == 0:      # nothing counted: nan, as PyTorch; gradients stay 0
        return xp.asarray(np.nan, dtype), 0.0
    return xp.asarray(s / dtype.type(denom), dtype), 1.0 / denom


class CrossEntropy(Primitive):
    """Fused cross entropy of logits ``x`` (M, C) at class indices: ``lse(x_i) - x_i[t_i]``
    per row, weighted, reduced. Forward: max, subtract, exp (in place), sum: four passes over
    (M, C); the backward is one pass (:class:`CrossEntropyGrad`)."""
    _name = 'NllLossBackward0'

    def forward(ctx, xp, x, t, w, ignore_index, reduction):
        dt = x.dtype
        tc, wt = _row_weights(xp, t, x.shape[1], ignore_index, w, dt)
        M = x.shape[0]
        ar = xp.arange(M)
        m = x.max(axis=1, keepdims=True) if x.shape[1] else xp.zeros((M, 1), dt)
        e = x - m
        picked = e[ar, tc] if x.shape[1] else xp.zeros(M, dt)
        xp.exp(e, out=e)
        se = e.sum(axis=1)
        nlp = xp.log(se) - picked
        rowloss = nlp * wt if wt is not None else nlp
        out, scale = _reduce_rows(xp, rowloss, wt, reduction, dt)
        ctx.e, ctx.se, ctx.tc, ctx.wt, ctx.scale, ctx.ar = e, se, tc, wt, scale, ar
        return out

    def backward(ctx, g):
        return (CrossEntropyGrad.apply(g, ctx.x, e=ctx.e, se=ctx.se, tc=ctx.tc, wt=ctx.wt,
                                       scale=ctx.scale, ar=ctx.ar),
                None, None, None, None)


def _row_coef(xp, g, wt, scale, dtype):
    """Per-row (or scalar) gradient coefficient ``g * scale * wt``."""
    c = g * dtype.type(scale) if scale is not None else g
    return c * wt if wt is not None else c


class CrossEntropyGrad(Primitive):
    """``c_i * (softmax(x_i) - onehot(t_i))``, ``c_i = g * scale * w_i``: the gradient of
    :class:`CrossEntropy`; differentiable in ``g`` and ``x`` (double backward)."""
    _name = 'NllLossBackwardBackward0'

    def forward(ctx, xp, g, x, *, e, se, tc, wt, scale, ar):
        dt = e.dtype
        c = _row_coef(xp, g.astype(dt, copy=False), wt, scale, dt)
        cr = c / se if c.ndim else dt.type(c) / se
        out = e * cr[:, None]
        if e.shape[1]:
            out[ar, tc] -= c
        ctx.tc, ctx.wt, ctx.scale = tc, wt, scale
        ctx.save_for_backward(g, x)
        return out

    def backward(ctx, gg):
        g, x = ctx.saved_tensors
        p = softmax(x, 1)
        tc = _wrap(ctx.tc.reshape(-1, 1))
        gp = (gg * p).sum(1, keepdim=True)
        r = gp.reshape(-1) - gg.gather(1, tc).reshape(-1)      # d grad / d c_i
        wt = _wrap(ctx.wt) if ctx.wt is not None else None
        ggrad = gx = None
        if ctx._next[0] is not None:
            rr = r * wt if wt is not None else r
            ggrad = rr * ctx.scale if ctx.scale is not None else rr
            if ctx.scale is not None:
                ggrad = ggrad.sum()
        if ctx._next[1] is not None:
            c = g * ctx.scale if ctx.scale is not None else g
            if wt is not None:
                c = c * wt
            c = c.reshape(-1, 1) if c.dim() else c
            gx = c * p * (gg - gp)
        return ggrad, gx


class NllLoss(Primitive):
    """``-w[t_i] * x_i[t_i]`` per row of a (M, C) input; 'mean' divides by the total weight."""
    _name = 'NllLossBackward0'

    def forward(ctx, xp, x, t, w, ignore_index, reduction):
        dt = x.dtype
        tc, wt = _row_weights(xp, t, x.shape[1], ignore_index, w, dt)
        M = x.shape[0]
        ar = xp.arange(M)
        picked = x[ar, tc] if x.shape[1] else xp.zeros(M, dt)
        rowloss = -(picked * wt) if wt is not None else -picked
        out, scale = _reduce_rows(xp, rowloss, wt, reduction, dt)
        ctx.tc, ctx.wt, ctx.scale, ctx.ar, ctx.shape = tc, wt, scale, ar, x.shape
        return out

    def backward(ctx, g):
        return (NllLossGrad.apply(g, tc=ctx.tc, wt=ctx.wt, scale=ctx.scale, ar=ctx.ar,
                                  shape=ctx.shape), None, None, None, None)


class NllLossGrad(Primitive):
    """The (M, C) gradient of :class:`NllLoss`: ``-c_i`` at ``(i, t_i)``, zero elsewhere;
    linear in ``g`` (its own gradient gathers ``gg`` back)."""

    def forward(ctx, xp, g, *, tc, wt, scale, ar, shape):
        dt = np.dtype(g.dtype)
        c = _row_coef(xp, g, wt, scale, dt)
        out = xp.zeros(shape, dt)
        if shape[1]:
            out[ar, tc] = -c
        ctx.tc, ctx.wt, ctx.scale, ctx.ar = tc, wt, scale, ar
        return out

    def backward(ctx, gg):
        r = -gg[_wrap(ctx.ar), _wrap(ctx.tc)]
        if ctx.wt is not None:
            r = r * _wrap(ctx.wt)
        if ctx.scale is not None:
            r = (r * ctx.scale).sum()
        return r


def _check_class_target(input, target, weight):
    """PyTorch's nll_loss_nd checks; returns the number of classes."""
    nd = input.dim()
    if nd < 1:
        raise ValueError(f'Expected 1 or more dimensions (got {nd})')
    if (nd == 1 or nd == 2) and target.dim() > 1:
        raise RuntimeError('0D or 1D target tensor expected, multi-target not supported')
    tdt = target._data.dtype
    if tdt != np.int64 and tdt != np.uint8:
        raise RuntimeError(f'expected target dtype to be Long or Byte, but got {_tname(tdt)}')
    if nd == 1 or nd == 2:
        if nd == 2 and input.shape[0] != (target.shape[0] if target.dim() else 1):
            raise ValueError(f'Expected input batch_size ({input.shape[0]}) to match target '
                             f'batch_size ({target.shape[0] if target.dim() else 1}).')
    else:
        if input.shape[0] != (target.shape[0] if target.dim() else 1):
            raise ValueError(f'Expected input batch_size ({input.shape[0]}) to match target '
                             f'batch_size ({target.shape[0] if target.dim() else 1}).')
        want = [input.shape[0]] + list(input.shape[2:])
        if list(target.shape) != want:
            raise RuntimeError(f'Expected target size {want}, got {list(target.shape)}')
    C = input.shape[1] if nd > 1 else input.shape[0]
    if weight is not None:
        if weight.numel() != C:
            raise RuntimeError(f'weight tensor should be defined either for all {C} classes or '
                               f'no classes but got weight tensor of shape: '
                               f'{list(weight.shape)}')
        if weight._data.dtype != input._data.dtype:
            raise RuntimeError(f'expected scalar type {_tname(input._data.dtype)} but found '
                               f'{_tname(weight._data.dtype)}')
    return C


def _apply_rows(prim, input, target, weight, ignore_index, reduction):
    """Run a (M, C)-rows primitive on an (N, C, *) / (C,) input: classes moved last."""
    nd = input.dim()
    w = weight._data if weight is not None else None
    if nd == 2:
        return _keep_x(prim.apply(input, target._data, w, ignore_index, reduction), input)
    if nd == 1:
        x2 = input.unsqueeze(0)
        out = _keep_x(prim.apply(x2, target._data.reshape(1), w, ignore_index, reduction), x2)
        return out.reshape(()) if reduction == 'none' else out
    C = input.shape[1]
    x2 = input.movedim(1, -1).reshape(-1, C)
    out = _keep_x(prim.apply(x2, target._data.reshape(-1), w, ignore_index, reduction), x2)
    return out.reshape(target.shape) if reduction == 'none' else out


def _keep_x(out, x):
    """Give the node the input Tensor (for a double backward) without saving it: like
    PyTorch's log_softmax, the loss does not object to later in-place changes of the logits."""
    node = out.grad_fn
    if node is not None:
        node.x = x
    return out


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction='mean'):
    """Negative log-likelihood of log-probabilities ``input`` (N, C, *) or (C,) at class
    indices ``target`` (N, *) (``F.nll_loss``): ``-weight[t] * input[n, t]``.

    Args:
        weight: per-class weights (C,).
        ignore_index: target value that contributes nothing (nor to the mean's denominator).
        reduction: 'none' | 'mean' (divided by the summed weights of the counted targets;
            nan when every target is ignored, as PyTorch) | 'sum'.
    """
    if _ac[0]:
        return _ac_run('nll_loss', nll_loss, input, target, weight, size_average, ignore_index, reduce, reduction)
    reduction = _reduction(size_average, reduce, reduction)
    _check_class_target(input, target, weight)
    return _apply_rows(NllLoss, input, target, weight, ignore_index, reduction)


def _ce_probs(input, target, weight, reduction, label_smoothing, cdim, C):
    if target._data.dtype.kind not in 'fV':     # 'V': bfloat16 (ml_dtypes)
        raise RuntimeError('Expected floating point type for target with class probabilities, '
                           f'got {_tname(target._data.dtype)}')
    logp = log_softmax(input, cdim)
    t = target
    if label_smoothing > 0:
        t = t * (1 - label_smoothing) + label_smoothing / C
    prod = logp * t
    if weight is not None:
        prod = prod * weight.reshape([C] + [1] * (input.dim() - cdim - 1))
    loss = -prod.sum(cdim)
    if reduction == 'mean':
        return loss.sum() / (input.numel() // C if input.dim() > 1 and C else 1)
    return _reduce(loss, reduction)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction='mean', label_smoothing=0.0):
    """Cross entropy of logits ``input`` (N, C, *) or (C,) against class indices (N, *) or
    class probabilities (same shape as ``input``) (``F.cross_entropy``).

    Args:
        weight: per-class weights (C,).
        ignore_index: ignored target value (index targets only).
        reduction: 'none' | 'mean' | 'sum'; with index targets 'mean' divides by the summed
            weights of the counted targets, with probabilities by the number of positions.
        label_smoothing: mix ``label_smoothing / C`` of uniform mass into the targets.
    """
    if _ac[0]:
        return _ac_run('cross_entropy', cross_entropy, input, target, weight, size_average, ignore_index, reduce, reduction, label_smoothing)
    reduction = _reduction(size_average, reduce, reduction)
    if input._data.dtype.kind not in 'fV':      # 'V': bfloat16 (ml_dtypes)
        raise NotImplementedError('"log_softmax_lastdim_kernel_impl" not implemented for '
                                  f"'{_tname(input._data.dtype)}'")
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f'label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}')
    cdim = 0 if input.dim() == 1 else 1
    if input.dim() and tuple(target.shape) == tuple(input.shape):
        C = input.shape[cdim]
        if weight is not None and weight.numel() != C:
            raise RuntimeError(f'weight tensor should be defined either for all {C} classes or '
                               f'no classes but got weight tensor of shape: '
                               f'{list(weight.shape)}')
        return _ce_probs(input, target, weight, reduction, label_smoothing, cdim, C)
    if input.dim() == 0:
        raise RuntimeError('Expected floating point type for target with class probabilities, '
                           f'got {_tname(target._data.dtype)}')
    C = _check_class_target(input, target, weight)
    if label_smoothing <= 0:
        return _apply_rows(CrossEntropy, input, target, weight, ignore_index, reduction)
    logp = log_softmax(input, cdim)
    nll = _apply_rows(NllLoss, logp, target, weight, ignore_index, reduction)
    ignore = target == ignore_index
    if weight is not None:
        smooth = -(logp * weight.reshape([C] + [1] * (input.dim() - cdim - 1))).sum(cdim)
    else:
        smooth = -logp.sum(cdim)
    smooth = smooth.masked_fill(ignore, 0.0)
    if reduction == 'mean':
        keep = ~ignore
        if weight is not None:
            smooth = smooth.sum() / weight.gather(0, target.masked_select(keep).reshape(-1)
                                                  .long()).sum()
        else:
            smooth = smooth.sum() / keep.sum()
    elif reduction == 'sum':
        smooth = smooth.sum()
    return (1 - label_smoothing) * nll + smooth * (label_smoothing / C)


# ---------------------------------------------------------------------------- regression

def _weighted(loss, weight, input, reduction, mean_by_weight):
    if weight.shape != input.shape:
        raise ValueError('Weights and input must have the same size.')
    loss = loss * weight
    if reduction == 'mean':
        return loss.sum() / weight.sum() if mean_by_weight else loss.mean()
    return _reduce(loss, reduction)


def mse_loss(input, target, size_average=None, reduce=None, reduction='mean', weight=None):
    """Mean squared error ``(input - target) ** 2``, broadcast (with PyTorch's warning when
    the sizes differ) (``F.mse_loss``).

    Args:
        weight: elementwise weights of ``input``'s size; 'mean' then divides by their sum.
    """
    if _ac[0]:
        return _ac_run('mse_loss', mse_loss, input, target, size_average, reduce, reduction, weight)
    _warn_size(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    d = input - target
    loss = d * d
    if weight is not None:
        return _weighted(loss, weight, input, reduction, True)
    return _reduce(loss, reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction='mean', weight=None):
    """Mean absolute error ``|input - target|`` (``F.l1_loss``); ``weight`` as in
    :func:`mse_loss`."""
    if _ac[0]:
        return _ac_run('l1_loss', l1_loss, input, target, size_average, reduce, reduction, weight)
    _warn_size(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    loss = P.abs(input - target)
    if weight is not None:
        return _weighted(loss, weight, input, reduction, True)
    return _reduce(loss, reduction)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction='mean', beta=1.0):
    """``0.5 d**2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 beta`` (``F.smooth_l1_loss``);
    ``beta=0`` is the L1 loss."""
    if _ac[0]:
        return _ac_run('smooth_l1_loss', smooth_l1_loss, input, target, size_average, reduce, reduction, beta)
    _warn_size(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    if beta < 0:
        raise RuntimeError('smooth_l1_loss does not support negative values for beta.')
    d = P.abs(input - target)
    if beta == 0:
        return _reduce(d, reduction)
    loss = P.where(d < beta, (0.5 / beta) * (d * d), d - 0.5 * beta)
    return _reduce(loss, reduction)


def huber_loss(input, target, reduction='mean', delta=1.0, weight=None):
    """``0.5 d**2`` where ``|d| < delta``, else ``delta (|d| - 0.5 delta)``
    (``F.huber_loss``); with ``weight``, 'mean' is the plain mean of the weighted loss."""
    if _ac[0]:
        return _ac_run('huber_loss', huber_loss, input, target, reduction, delta, weight)
    _warn_size(input, target)
    reduction = _check_reduction(reduction)
    if delta <= 0:
        raise RuntimeError('huber_loss does not support non-positive values for delta.')
    d = P.abs(input - target)
    loss = P.where(d < delta, 0.5 * (d * d), delta * (d - 0.5 * delta))
    if weight is not None:
        return _weighted(loss, weight, input, reduction, False)
    return _reduce(loss, reduction)


# ---------------------------------------------------------------------------- binary

class BinaryCrossEntropy(Primitive):
    """``-w (t log x + (1 - t) log(1 - x))``, logs clamped at -100; backward as PyTorch's:
    ``(x - t) / max(x (1 - x), 1e-12)``."""

    def forward(ctx, xp, x, t, w):
        if x.size and ((x < 0) | (x > 1)).any():
            raise RuntimeError('all elements of input should be between 0 and 1')
        with np.errstate(divide='ignore'):
            lx = xp.maximum(xp.log(x), -100)
            l1x = xp.maximum(xp.log1p(-x), -100)
        loss = -(t * lx + (1 - t) * l1x)
        if w is not None:
            loss = loss * w
        ctx.save_for_backward(x, t, w)
        return loss.astype(x.dtype, copy=False)

    def backward(ctx, g):
        x, t, w = ctx.saved_tensors
        gw = g * w if w is not None else g
        gx = gt = gwt = None
        if ctx._next[0] is not None:
            gx = gw * (x - t) / P.clamp_min((1 - x) * x, 1e-12)
        if ctx._next[1] is not None:
            gt = gw * (P.clamp_min(P.log1p(-x), -100) - P.clamp_min(P.log(x), -100))
        if ctx._next[2] is not None:
            gwt = g * -(t * P.clamp_min(P.log(x), -100) +
                        (1 - t) * P.clamp_min(P.log1p(-x), -100))
        return gx, gt, gwt


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction='mean'):
    """``-w (t log x + (1 - t) log(1 - x))`` for probabilities ``input``; the logs are clamped
    at -100 as in PyTorch (``F.binary_cross_entropy``).

    Raises ValueError when ``target``'s size differs from ``input``'s and RuntimeError when an
    input lies outside [0, 1].
    """
    if _ac[0]:
        return _ac_run('binary_cross_entropy', binary_cross_entropy, input, target, weight, size_average, reduce, reduction)
    reduction = _reduction(size_average, reduce, reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f'Using a target size ({Size(target.shape)}) that is different to the '
                         f'input size ({Size(input.shape)}) is deprecated. Please ensure they '
                         'have the same size.')
    if weight is not None and tuple(weight.shape) != tuple(input.shape):
        weight = weight.expand(np.broadcast_shapes(tuple(target.shape), tuple(weight.shape)))
    loss = BinaryCrossEntropy.apply(input, target, weight)
    return _reduce(loss, reduction)


class BCEWithLogits(Primitive):
    """``(1 - t) x + lw * softplus(-x)``, ``lw = 1 + (pos_weight - 1) t``, times ``weight``."""
    _name = 'BinaryCrossEntropyWithLogitsBackward0'

    def forward(ctx, xp, x, t, w, pw):
        sp = xp.log1p(xp.exp(-xp.abs(x))) + xp.maximum(-x, 0)      # softplus(-x)
        if pw is not None:
            loss = (1 - t) * x + (1 + (pw - 1) * t) * sp
        else:
            loss = (1 - t) * x + sp
        if w is not None:
            loss = loss * w
        ctx.save_for_backward(x, t, w, pw)
        return loss.astype(x.dtype, copy=False)

    def backward(ctx, g):
        x, t, w, pw = ctx.saved_tensors
        gw = g * w if w is not None else g
        nx = ctx._next
        gx = gt = gwt = gpw = None
        sig = P.sigmoid(x)
        if nx[0] is not None:
            if pw is not None:
                gx = gw * ((1 - t) - (1 + (pw - 1) * t) * (1 - sig))
            else:
                gx = gw * (sig - t)
        need_sp = nx[1] is not None or (w is not None and nx[2] is not None) or \
            (pw is not None and nx[3] is not None)
        if need_sp:
            sp = P.log1p(P.exp(-P.abs(x))) + P.clamp_min(-x, 0)
            if nx[1] is not None:
                gt = gw * (-x + (pw - 1) * sp) if pw is not None else gw * -x
            if w is not None and nx[2] is not None:
                lw = 1 + (pw - 1) * t if pw is not None else 1
                gwt = g * ((1 - t) * x + lw * sp)
            if pw is not None and nx[3] is not None:
                gpw = gw * t * sp
        return gx, gt, gwt, gpw


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction='mean', pos_weight=None):
    """Sigmoid + binary cross entropy in one stable expression
    (``F.binary_cross_entropy_with_logits``):
    ``(1 - t) x + (1 + (pos_weight - 1) t) log(1 + exp(-x))``, times ``weight``.

    Args:
        weight: broadcastable elementwise weights.
        pos_weight: weight of positive examples, broadcast over the class (last) dim.
    """
    if _ac[0]:
        return _ac_run('binary_cross_entropy_with_logits', binary_cross_entropy_with_logits, input, target, weight, size_average, reduce, reduction, pos_weight)
    reduction = _reduction(size_average, reduce, reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f'Target size ({Size(target.shape)}) must be the same as input size '
                         f'({Size(input.shape)})')
    loss = BCEWithLogits.apply(input, target, weight, pos_weight)
    return _reduce(loss, reduction)


def kl_div(input, target, size_average=None, reduce=None, reduction='mean', log_target=False):
    """Pointwise KL divergence with log-probabilities ``input``:
    ``target * (log target - input)`` (or ``exp(target) * (target - input)`` with
    ``log_target``) (``F.kl_div``). ``reduction='batchmean'`` divides the sum by the batch
    size; 'mean' (the default) by the number of elements, with PyTorch's warning."""
    if _ac[0]:
        return _ac_run('kl_div', kl_div, input, target, size_average, reduce, reduction, log_target)
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    else:
        if reduction == 'mean':
            warnings.warn("reduction: 'mean' divides the total loss by both the batch size and "
                          "the support size.'batchmean' divides only by the batch size, and "
                          "aligns with the KL div math definition.'mean' will be changed to "
                          "behave the same as 'batchmean' in the next major release.",
                          stacklevel=2)
        if reduction != 'batchmean':
            reduction = _check_reduction(reduction)
    if log_target:
        loss = P.exp(target) * (target - input)
    else:
        ts = P.where(target == 0, 1.0, target)
        loss = target * P.log(ts) - target * input        # xlogy(t, t) - t * input
    if reduction == 'batchmean':
        s = loss.sum()
        return s / input.shape[0] if input.dim() else s
    return _reduce(loss, reduction)


# ---------------------------------------------------------------------------- likelihoods

def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8,
                     reduce=None, reduction='mean'):
    """Poisson negative log-likelihood (``F.poisson_nll_loss``): ``exp(input) - target *
    input`` when ``log_input``, else ``input - target * log(input + eps)``; ``full`` adds the
    Stirling term ``t log t - t + 0.5 log(2 pi t)`` where ``t > 1``."""
    if _ac[0]:
        return _ac_run('poisson_nll_loss', poisson_nll_loss, input, target, log_input, full, size_average, eps, reduce, reduction)
    reduction = _reduction(size_average, reduce, reduction)
    if log_input:
        loss = P.exp(input) - target * input
    else:
        loss = input - target * P.log(input + eps)
    if full:
        big = target > 1
        ts = P.where(big, target, 2.0)
        st = ts * P.log(ts) - ts + 0.5 * P.log(2 * math.pi * ts)
        loss = loss + P.where(big, st, 0.0)
    return _reduce(loss, reduction)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction='mean'):
    """Gaussian negative log-likelihood (``F.gaussian_nll_loss``):
    ``0.5 (log var + (input - target)**2 / var)`` (+ ``0.5 log(2 pi)`` with ``full``).

    ``var`` may have ``input``'s shape, lack its last dim, or have size 1 in one dim
    (homoscedastic); it is clamped at ``eps`` without blocking its gradient, as in PyTorch.
    """
    if isinstance(var, numbers.Real) and not isinstance(var, Tensor):
        if var < 0:
            raise ValueError('var has negative entry/entries')
        from .creation import ones_like
        var = var * ones_like(input)
    elif bool((var < 0).any()):
        raise ValueError('var has negative entry/entries')
    if tuple(var.shape) != tuple(input.shape):
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = var.unsqueeze(-1)
        elif input.dim() == var.dim() and sum(y for x, y in zip(input.shape, var.shape)
                                              if x != y) == 1:
            pass
        else:
            raise ValueError('var is of incorrect size')
    if reduction not in ('none', 'mean', 'sum'):
        raise ValueError(reduction + ' is not valid')
    var = var.clone()
    with no_grad():
        var.clamp_(min=eps)
    d = input - target
    loss = 0.5 * (P.log(var) + d * d / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


# ---------------------------------------------------------------------------- margins

def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                          reduction='mean'):
    """``1 - cos(x1, x2)`` where ``target == 1``, ``max(0, cos - margin)`` where
    ``target == -1`` (``F.cosine_embedding_loss``); cos over the last dim of (N, D) or (D,)."""
    if _ac[0]:
        return _ac_run('cosine_embedding_loss', cosine_embedding_loss, input1, input2, target, margin, size_average, reduce, reduction)
    reduction = _reduction(size_average, reduce, reduction)
    td = target.dim()
    if td not in (0, 1):
        raise RuntimeError('0D or 1D target tensor expected, multi-target not supported')
    if td == 1 and not (input1.dim() == 2 and input2.dim() == 2):
        raise RuntimeError('1D target tensor expects 2D input tensors, but found inputs with '
                           f'sizes {list(input1.shape)} and {list(input2.shape)}.')
    if td == 0 and not (input1.dim() == 1 and input2.dim() == 1):
        raise RuntimeError('0D target tensor expects 1D input tensors, but found inputs with '
                           f'sizes {list(input1.shape)} and {list(input2.shape)}.')
    prod = (input1 * input2).sum(td)
    m1 = (input1 * input1).sum(td) + 1e-12
    m2 = (input2 * input2).sum(td) + 1e-12
    cos = prod / P.sqrt(m1 * m2)
    pos = P.where(target == 1, 1 - cos, 0.0)
    neg = P.where(target == -1, P.clamp_min(cos - margin, 0), 0.0)
    return _reduce(pos + neg, reduction)


def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                        reduction='mean'):
    """``max(0, -target * (input1 - input2) + margin)`` (``F.margin_ranking_loss``)."""
    if _ac[0]:
        return _ac_run('margin_ranking_loss', margin_ranking_loss, input1, input2, target, margin, size_average, reduce, reduction)
    reduction = _reduction(size_average, reduce, reduction)
    if input1.dim() != input2.dim() or input1.dim() != target.dim():
        raise RuntimeError('margin_ranking_loss : All input tensors should have same dimension '
                           f'but got sizes: input1: {Size(input1.shape)}, input2: '
                           f'{Size(input2.shape)}, target: {Size(target.shape)} ')
    return _reduce(P.clamp_min(-target * (input1 - input2) + margin, 0), reduction)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None,
                         reduction='mean'):
    """``x`` where ``target == 1``, ``max(0, margin - x)`` where ``target == -1``
    (``F.hinge_embedding_loss``)."""
    if _ac[0]:
        return _ac_run('hinge_embedding_loss', hinge_embedding_loss, input, target, margin, size_average, reduce, reduction)
    reduction = _reduction(size_average, reduce, reduction)
    out_m = P.where(target != 1, P.clamp_min(margin - input, 0), 0.0)
    out_s = P.where(target != -1, input, 0.0)
    return _reduce(out_m + out_s, reduction)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction='mean'):
    """``log(1 + exp(-target * input))`` (``F.soft_margin_loss``)."""
    if _ac[0]:
        return _ac_run('soft_margin_loss', soft_margin_loss, input, target, size_average, reduce, reduction)
    reduction = _reduction(size_average, reduce, reduction)
    bs = np.broadcast_shapes(tuple(input.shape), tuple(target.shape)) \
        if _broadcastable(input.shape, target.shape) else None
    if bs is not None and bs != tuple(input.shape):
        raise RuntimeError(f"output with shape {list(input.shape)} doesn't match the broadcast "
                           f'shape {list(bs)}')
    return _reduce(P.log1p(P.exp(-input * target)), reduction)


def _broadcastable(a, b):
    try:
        np.broadcast_shapes(tuple(a), tuple(b))
        return True
    except ValueError:
        return False


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,
                                reduction='mean'):
    """Per-class logistic loss averaged over the classes (last dim)
    (``F.multilabel_soft_margin_loss``)."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    cd = input.dim() - 1
    C = input.shape[cd]
    loss = loss.sum(cd) / C
    if reduction not in ('none', 'mean', 'sum'):
        raise ValueError(reduction + ' is not valid')
    return _reduce(loss, reduction)


def _margin_shape(input, name):
    nd = input.dim()
    if not ((nd == 2 and input.shape[1] != 0) or (nd == 1 and input.shape[0] != 0) or nd == 0):
        raise RuntimeError('Expected non-empty vector or matrix with optional 0-dim batch size, '
                           f'but got: {list(input.shape)}')
    if nd <= 1:
        return 1, (1 if nd == 0 else input.shape[0])
    return input.shape[0], input.shape[1]


def _long_target(target):
    if target._data.dtype != np.int64:
        raise RuntimeError(f'expected scalar type Long but found {_tname(target._data.dtype)}')


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None, reduce=None,
                      reduction='mean'):
    """Multi-class hinge loss (``F.multi_margin_loss``): per sample
    ``sum_{i != y} w[y] max(0, margin - x[y] + x[i])**p / C``, ``p`` 1 or 2."""
    if _ac[0]:
        return _ac_run('multi_margin_loss', multi_margin_loss, input, target, p, margin, weight, size_average, reduce, reduction)
    reduction = _reduction(size_average, reduce, reduction)
    if p != 1 and p != 2:
        raise ValueError('only p == 1 and p == 2 supported')
    if weight is not None and weight.dim() != 1:
        raise ValueError('weight must be one-dimensional')
    nframe, dim = _margin_shape(input, 'multi_margin_loss')
    if not (target.dim() <= 1 and target.numel() == nframe):
        raise RuntimeError('multi_margin_loss: target tensor should be 1-D with size equal to the '
                           'number of input samples (batch size). Expected target size '
                           f'[{nframe}], but got {list(target.shape)}. Input has shape '
                           f'{list(input.shape)}.')
    if weight is not None and not (weight.dim() <= 1 and weight.numel() == dim):
        raise RuntimeError(f'inconsistent weight size, expected {dim} but got '
                           f'{list(weight.shape)}')
    _long_target(target)
    t = target._data.reshape(-1)
    if t.size and (int(t.min()) < 0 or int(t.max()) >= dim):
        raise RuntimeError('target out of range')
    x = input.reshape(nframe, dim)
    tt = target.reshape(nframe, 1)
    xy = x.gather(1, tt)
    z = P.relu(margin - xy + x)
    if p == 2:
        z = z * z
    xp = _xp(t)
    other = _wrap(xp.arange(dim)[None, :] != t[:, None])
    z = z * other
    if weight is not None:
        z = z * weight.gather(0, target.reshape(-1)).reshape(nframe, 1)
    loss = z.sum(1) / dim
    if input.dim() <= 1:
        loss = loss.reshape(target.shape) if target.dim() == 0 or input.dim() < 1 else loss
    return _reduce(loss, reduction)


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction='mean'):
    """Multi-label hinge loss (``F.multilabel_margin_loss``): ``target`` holds class indices,
    ended by the first -1; per sample ``sum_{j in targets, i not in targets}
    max(0, 1 - (x[j] - x[i])) / C``."""
    if _ac[0]:
        return _ac_run('multilabel_margin_loss', multilabel_margin_loss, input, target, size_average, reduce, reduction)
    reduction = _reduction(size_average, reduce, reduction)
    nframe, dim = _margin_shape(input, 'multilabel_margin_loss')
    if input.dim() <= 1:
        ok = target.dim() <= 1 and target.numel() == dim
    else:
        ok = target.dim() == 2 and tuple(target.shape) == (nframe, dim)
    if not ok:
        raise RuntimeError(f'inconsistent target size: {list(target.shape)} for input of size: '
                           f'{list(input.shape)}')
    _long_target(target)
    t = target._data.reshape(nframe, dim)
    xp = _xp(t)
    # the targets are the prefix before the first negative entry
    live = xp.cumprod(t >= 0, axis=1).astype(bool)
    if bool((live & (t >= dim)).any()):
        raise RuntimeError("argument #2 'target' is out of range")
    tc = xp.where(live, t, 0)
    is_t = xp.zeros((nframe, dim), bool)
    rows = xp.broadcast_to(xp.arange(nframe)[:, None], t.shape)
    is_t[rows[live], tc[live]] = True
    x = input.reshape(nframe, dim)
    xj = x.gather(1, _wrap(tc))                                   # (n, dim) target scores
    z = P.relu(1 - xj.unsqueeze(2) + x.unsqueeze(1))              # (n, j, i)
    mask = _wrap((live[:, :, None] & ~is_t[:, None, :]).astype(x._data.dtype))
    loss = (z * mask).sum((1, 2)) / dim
    if input.dim() <= 1:
        loss = loss.reshape(())
    return _reduce(loss, reduction)


# ---------------------------------------------------------------------------- distances

def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """``||x1 - x2 + eps||_p`` over the last dim (``F.pairwise_distance``)."""
    from .linalg import vector_norm
    od = max(x1.dim(), x2.dim())
    return vector_norm(x1 - x2 + eps, p, od - 1 if od else None, keepdim)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """``(x1 / max(||x1||, eps)) . (x2 / max(||x2||, eps))`` along ``dim``
    (``F.cosine_similarity``, each norm clamped as PyTorch does)."""
    if _ac[0]:
        return _ac_run('cosine_similarity', cosine_similarity, x1, x2, dim, eps)
    from .linalg import vector_norm
    n1 = P.clamp_min(vector_norm(x1, 2, dim, True), eps)
    n2 = P.clamp_min(vector_norm(x2, 2, dim, True), eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def _triplet_dims(anchor, positive, negative):
    a, p, n = anchor.dim(), positive.dim(), negative.dim()
    if not (a == p and p == n):
        raise RuntimeError('The anchor, positive, and negative tensors are expected to have the '
                           f'same number of dimensions, but got: anchor {a}D, positive {p}D, and '
                           f'negative {n}D inputs')


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
                        size_average=None, reduce=None, reduction='mean'):
    """``max(0, margin + d(a, p) - d(a, n))`` with ``d`` the p-norm pairwise distance
    (``F.triplet_margin_loss``); ``swap`` uses ``min(d(a, n), d(p, n))``."""
    if _ac[0]:
        return _ac_run('triplet_margin_loss', triplet_margin_loss, anchor, positive, negative, margin, p, eps, swap, size_average, reduce, reduction)
    reduction = _reduction(size_average, reduce, reduction)
    if margin <= 0:
        raise ValueError(f'margin must be greater than 0, got {margin}')
    _triplet_dims(anchor, positive, negative)
    dp = pairwise_distance(anchor, positive, p, eps)
    dn = pairwise_distance(anchor, negative, p, eps)
    if swap:
        dn = P.minimum(dn, pairwise_distance(positive, negative, p, eps))
    return _reduce(P.clamp_min(margin + dp - dn, 0), reduction)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None,
                                      margin=1.0, swap=False, reduction='mean'):
    """:func:`triplet_margin_loss` with any ``distance_function(x1, x2)`` (default
    :func:`pairwise_distance`) (``F.triplet_margin_with_distance_loss``)."""
    if reduction not in ('mean', 'sum', 'none'):
        raise ValueError(f'{reduction} is not a valid value for reduction')
    if margin <= 0:
        raise ValueError(f'margin must be greater than 0, got {margin}')
    _triplet_dims(anchor, positive, negative)
    dist = distance_function if distance_function is not None else pairwise_distance
    dp = dist(anchor, positive)
    dn = dist(anchor, negative)
    if swap:
        dn = P.minimum(dn, dist(positive, negative))
    return _reduce(P.clamp_min(margin + dp - dn, 0), reduction)


# ---------------------------------------------------------------------------- CTC

_CTC = ' (while checking arguments for ctc_loss_allocate_outputs)'


def _lengths(v, name):
    """input/target lengths given as a Tensor, tuple or list: a host int64 array."""
    if isinstance(v, Tensor):
        d = v._data
        if d.dtype.kind not in 'iu':
            raise RuntimeError(f'{name} must be integral')
        d = d if type(d) is _NP else d.get()
        return np.asarray(d, np.int64).reshape(-1)
    if isinstance(v, numbers.Integral):
        return np.asarray([v], np.int64)
    return np.asarray(list(v), np.int64).reshape(-1)


class CtcLoss(Primitive):
    """Per-sample CTC negative log-likelihood of ``lp`` (T, N, C) by the forward (alpha)
    recursion in log space: vectorised over the batch and the extended labels, a loop over
    time. Padded positions stay -inf."""

    def forward(ctx, xp, lp, *, tgt, il, tl, blank, zero_infinity):
        T, N, C = lp.shape
        S = tgt.shape[1] * 2 + 1
        ext = xp.full((N, S), blank, np.int64)
        ext[:, 1::2] = tgt
        ninf = lp.dtype.type(-np.inf)
        ar = xp.arange(S)
        valid = ar[None, :] < (2 * tl + 1)[:, None]
        pad = xp.where(valid, 0, ninf).astype(lp.dtype)
        lpe = lp[:, xp.arange(N)[:, None], ext] + pad              # (T, N, S)
        skip = xp.zeros((N, S), bool)                              # s-2 -> s allowed
        if S > 2:
            skip[:, 2:] = (ext[:, 2:] != blank) & (ext[:, 2:] != ext[:, :-2])
        skip_pad = xp.where(skip, 0, ninf).astype(lp.dtype)
        alpha = xp.full((T, N, S), ninf, lp.dtype)
        if T:
            alpha[0, :, :2] = lpe[0, :, :2]
        for t in range(1, T):
            a = alpha[t - 1]
            r = alpha[t]
            r[:, 1:] = xp.logaddexp(a[:, 1:], a[:, :-1])
            r[:, 0] = a[:, 0]
            if S > 2:
                r[:, 2:] = xp.logaddexp(r[:, 2:], a[:, :-2] + skip_pad[:, 2:])
            r += lpe[t]
        n_ = xp.arange(N)
        ti = xp.maximum(il - 1, 0)
        last = alpha[ti, n_, 2 * tl]
        prev = xp.where(tl > 0, alpha[ti, n_, xp.maximum(2 * tl - 1, 0)], ninf)
        nll = -xp.logaddexp(last, prev)
        nll = xp.where(il > 0, nll, xp.where(tl > 0, lp.dtype.type(np.inf), 0)).astype(lp.dtype)
        ctx.st = (lpe, ext, skip_pad, alpha, nll, il, tl, zero_infinity)
        return nll

    def backward(ctx, g):
        return CtcLossGrad.apply(g, ctx.x, st=ctx.st)


class CtcLossGrad(Primitive):
    """PyTorch's CTC gradient ``exp(lp) - exp(log(sum alpha beta) + nll - lp)`` (the gradient
    through a log_softmax), 0 after each input's length; the beta recursion runs here.
    Not differentiable, as in PyTorch."""

    def forward(ctx, xp, g, lp, *, st):
        lpe, ext, skip_pad, alpha, nll, il, tl, zero_inf = st
        T, N, C = lp.shape
        S = ext.shape[1]
        ninf = lp.dtype.type(-np.inf)
        beta = xp.full((T, N, S), ninf, lp.dtype)
        ends = xp.arange(S)[None, :]
        endmask = (ends == 2 * tl[:, None]) | ((ends == 2 * tl[:, None] - 1) & (tl[:, None] > 0))
        init_pad = xp.where(endmask, 0, ninf).astype(lp.dtype)
        nxt = xp.full((N, S), ninf, lp.dtype)
        for t in range(T - 1, -1, -1):
            r = beta[t]
            r[:, :-1] = xp.logaddexp(nxt[:, :-1], nxt[:, 1:])
            r[:, -1] = nxt[:, -1]
            if S > 2:
                r[:, :-2] = xp.logaddexp(r[:, :-2], nxt[:, 2:] + skip_pad[:, 2:])
            r += lpe[t]
            init = lpe[t] + init_pad
            r[...] = xp.where((il - 1 == t)[:, None], init,
                              xp.where((t < il - 1)[:, None], r, ninf))
            nxt = r
        ab = alpha + beta
        M = ab.max(axis=2, keepdims=True)
        M = xp.where(xp.isfinite(M), M, 0)
        with np.errstate(invalid='ignore', over='ignore'):
            ex = xp.exp(ab - M)
        idx = ((xp.arange(T)[:, None, None] * N + xp.arange(N)[None, :, None]) * C
               + ext[None, :, :])
        acc = xp.bincount(idx.reshape(-1), weights=ex.reshape(-1).astype(np.float64),
                          minlength=T * N * C).reshape(T, N, C).astype(lp.dtype)
        with np.errstate(divide='ignore', invalid='ignore', over='ignore'):
            lcab = xp.log(acc) + M
            grad = xp.exp(lp) - xp.exp(lcab + nll[None, :, None] - lp)
        live = xp.arange(T)[:, None] < il[None, :]
        if zero_inf:
            live = live & (nll != np.inf)[None, :]
        grad = xp.where(live[:, :, None], grad, 0)
        return (grad * g.astype(lp.dtype, copy=False)[None, :, None]).astype(lp.dtype, copy=False)

    def backward(ctx, gg):
        raise RuntimeError('derivative for aten::_ctc_loss_backward is not implemented')




def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction='mean',
             zero_infinity=False):
    """Connectionist Temporal Classification loss (``F.ctc_loss``).

    Args:
        log_probs: (T, N, C) or unbatched (T, C) log-probabilities (log_softmax outputs).
        targets: (N, S) padded or 1-D concatenated class indices (never ``blank``).
        input_lengths, target_lengths: per-sample lengths, Tensors or tuples/lists of ints.
        blank: the blank label.
        reduction: 'mean' (each loss divided by its target length, then the batch mean) |
            'sum' | 'none'.
        zero_infinity: zero infinite losses (impossible alignments) and their gradients.

    The gradient is PyTorch's (taken through the log_softmax that produced ``log_probs``).
    """
    if _ac[0]:
        return _ac_run('ctc_loss', ctc_loss, log_probs, targets, input_lengths, target_lengths, blank, reduction, zero_infinity)
    reduction = _check_reduction(reduction)
    unbatched = log_probs.dim() == 2
    lp = log_probs.unsqueeze(1) if unbatched else log_probs
    if lp.dim() != 3:
        raise RuntimeError(f'Expected 3-dimensional tensor, but got {lp.dim()}-dimensional tensor '
                           f"for argument #1 'log_probs'{_CTC}")
    T, N, C = lp.shape
    if not 0 <= blank < C:
        raise RuntimeError('blank must be in label range')
    il = _lengths(input_lengths, 'input_lengths')
    tl = _lengths(target_lengths, 'target_lengths')
    if il.shape[0] != N:
        raise RuntimeError('input_lengths must be of size batch_size')
    if tl.shape[0] != N:
        raise RuntimeError('target_lengths must be of size batch_size')
    td = targets._data
    tdh = td if type(td) is _NP else td.get()
    tdh = tdh.astype(np.int64, copy=False)
    if unbatched and tdh.ndim == 1 and N == 1 and tdh.shape[0] >= (tl[0] if tl.size else 0):
        tdh = tdh[None, :]
    for name, v in (('target_lengths', tl), ('input_lengths', il)):
        if v.size and v.min() < 0:
            raise RuntimeError(f'Expected {name} to have value at least 0, but got value '
                               f'{int(v.min())}{_CTC}')
    L = int(tl.max()) if tl.size else 0
    if tdh.ndim == 1:
        need = int(tl.sum())
        if tdh.shape[0] < need:
            raise RuntimeError(f'Expected tensor to have size {need} at dimension 0, but got size '
                               f"{tdh.shape[0]} for argument #2 'targets'{_CTC}")
        off = np.concatenate([[0], np.cumsum(tl)[:-1]]).astype(np.int64)
        j = np.arange(L)
        pos = off[:, None] + j[None, :]
        tgt = np.where(j[None, :] < tl[:, None], tdh[np.minimum(pos, max(tdh.shape[0] - 1, 0))]
                       if tdh.shape[0] else 0, blank)
    else:
        if tdh.shape[0] != N:
            raise RuntimeError(f'Expected tensor to have size {N} at dimension 0, but got size '
                               f"{tdh.shape[0]} for argument #2 'targets'{_CTC}")
        if tdh.shape[1] < L:
            raise RuntimeError(f'Expected tensor to have size at least {L} at dimension 1, but got '
                               f"size {tdh.shape[1]} for argument #2 'targets'{_CTC}")
        j = np.arange(L)
        tgt = np.where(j[None, :] < tl[:, None], tdh[:, :L], blank)
    if il.size and il.max() > T:
        raise RuntimeError(f'Expected input_lengths to have value at most {T}, but got value '
                           f'{int(il.max())}{_CTC}')
    xp = _xp(lp._data)
    if xp is not np:
        tgt, il_x, tl_x = xp.asarray(tgt), xp.asarray(il), xp.asarray(tl)
    else:
        il_x, tl_x = il, tl
    nll = _keep_x(CtcLoss.apply(lp, tgt=tgt.astype(np.int64, copy=False), il=il_x, tl=tl_x,
                                blank=blank, zero_infinity=zero_infinity), lp)
    if zero_infinity:
        nll = P.where(nll == float('inf'), 0.0, nll)
    if reduction == 'mean':
        tlt = _wrap(xp.asarray(np.maximum(tl, 1), dtype=lp._data.dtype))
        return (nll / tlt).mean()
    if reduction == 'sum':
        return nll.sum()
    return nll.reshape(()) if unbatched else nll
