"""Loss functions. ``nll_loss`` is a primitive; ``cross_entropy`` is ``log_softmax`` (fused)
plus ``nll_loss``; the pointwise losses are composites of differentiable ops."""
import warnings

import numpy as np

from .._tensor import Tensor, _wrap, Size
from ._util import Primitive
from . import pointwise as P
from .activation import log_softmax, logsigmoid

__all__ = ['nll_loss', 'cross_entropy', 'mse_loss', 'l1_loss', 'smooth_l1_loss', 'huber_loss',
           'binary_cross_entropy', 'binary_cross_entropy_with_logits', 'kl_div']


def _legacy_reduction(size_average, reduce, reduction):
    if size_average is None and reduce is None:
        return reduction
    warnings.warn("size_average and reduce args will be deprecated, please use reduction='mean' "
                  'instead.' if (size_average is None or size_average) and
                  (reduce is None or reduce) else
                  "size_average and reduce args will be deprecated, please use reduction='sum' "
                  'instead.' if reduce is None or reduce else
                  "size_average and reduce args will be deprecated, please use reduction='none' "
                  'instead.', stacklevel=3)
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if not reduce:
        return 'none'
    return 'mean' if size_average else 'sum'


def _reduce(loss, reduction):
    if reduction == 'mean':
        return loss.mean()
    if reduction == 'sum':
        return loss.sum()
    if reduction == 'none':
        return loss
    raise ValueError(f'{reduction} is not a valid value for reduction')


def _check_reduction(reduction):
    if reduction not in ('mean', 'sum', 'none'):
        raise ValueError(f'{reduction} is not a valid value for reduction')


def _warn_size(input, target, name):
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn(f'Using a target size ({Size(target.shape)}) that is different to the input '
                      f'size ({Size(input.shape)}). This will likely lead to incorrect results due '
                      'to broadcasting. Please ensure they have the same size.', stacklevel=3)


class NllLoss(Primitive):
    """``-w[t] * x[i, t]`` per row of a (M, C) input; mean divides by the total weight."""
    _name = 'NllLossBackward0'

    def forward(ctx, xp, x, t, w, ignore_index, reduction):
        M = x.shape[0]
        valid = t != ignore_index
        tc = xp.where(valid, t, 0)
        picked = x[xp.arange(M), tc]
        wt = w[tc] * valid if w is not None else valid.astype(x.dtype)
        wt = wt.astype(x.dtype, copy=False)
        loss = -picked * wt
        if reduction == 'none':
            out = loss
            ctx.coef = -wt
        else:
            s = loss.sum(dtype=np.float64 if x.dtype != np.float64 else None)
            if reduction == 'mean':
                denom = wt.sum(dtype=np.float64)
                out = xp.asarray(s / denom, x.dtype)
                ctx.coef = -wt / x.dtype.type(denom) if denom else -wt * x.dtype.type(np.nan)
            else:
                out = xp.asarray(s, x.dtype)
                ctx.coef = -wt
        ctx.tc, ctx.C = tc, x.shape[1]
        return out

    def backward(ctx, g):
        coef = _wrap(ctx.coef)
        tc = _wrap(ctx.tc.reshape(-1, 1))
        src = (coef * g).reshape(-1, 1) if g.dim() else (coef * g).reshape(-1, 1)
        z = g.new_zeros((ctx.tc.shape[0], ctx.C))
        return z.scatter(1, tc, src), None, None, None, None


def _nll(input, target, weight, ignore_index, reduction):
    """nll over (N, C, *) input and (N, *) target: move classes last and flatten."""
    if input.dim() == 1:
        x2, t1 = input.unsqueeze(0), target.reshape(1)
        out = NllLoss.apply(x2, t1, weight, ignore_index, reduction)
        return out.reshape(()) if reduction == 'none' else out
    if input.dim() == 2:
        return NllLoss.apply(input, target, weight, ignore_index, reduction)
    C = input.shape[1]
    x2 = input.movedim(1, -1).reshape(-1, C)
    out = NllLoss.apply(x2, target.reshape(-1), weight, ignore_index, reduction)
    return out.reshape(target.shape) if reduction == 'none' else out


def _check_nll(input, target, weight):
    if input.dim() < 1:
        raise ValueError(f'Expected 1 or more dimensions (got {input.dim()})')
    if target._data.dtype.kind not in 'iu' or target._data.dtype != np.int64:
        kind = {'i': 'Int', 'f': 'Float', 'u': 'Byte', 'b': 'Bool'}.get(target._data.dtype.kind, '')
        if target._data.dtype == np.float64:
            kind = 'Double'
        raise RuntimeError(f'expected scalar type Long but found {kind}')
    if input.dim() > 1 and input.shape[0] != (target.shape[0] if target.dim() else 1):
        raise ValueError(f'Expected input batch_size ({input.shape[0]}) to match target batch_size '
                         f'({target.shape[0] if target.dim() else 1}).')
    if input.dim() > 2 and tuple(input.shape[2:]) != tuple(target.shape[1:]):
        raise RuntimeError(f'size mismatch (got input: {list(input.shape)}, target: '
                           f'{list(target.shape)})')
    C = input.shape[1] if input.dim() > 1 else input.shape[0]
    if weight is not None and weight.numel() != C:
        raise RuntimeError(f'weight tensor should be defined either for all {C} classes or no '
                           f'classes but got weight tensor of shape: {list(weight.shape)}')
    return C


def _check_targets(target, C, ignore_index):
    t = target._data
    if t.size:
        bad = (t != ignore_index) & ((t < 0) | (t >= C))
        if bad.any():
            v = int(t[bad].reshape(-1)[0])
            raise IndexError(f'Target {v} is out of bounds.')


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction='mean'):
    """Negative log-likelihood of log-probabilities ``input`` (N, C, *) at class indices
    ``target`` (N, *) (``F.nll_loss``).

    Args:
        weight: per-class weights (C,).
        ignore_index: target value that contributes nothing (nor to the mean's denominator).
        reduction: 'none' | 'mean' (weighted mean) | 'sum'.
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    C = _check_nll(input, target, weight)
    _check_targets(target, C, ignore_index)
    return _nll(input, target, weight, ignore_index, reduction)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction='mean', label_smoothing=0.0):
    """Cross entropy of logits ``input`` (N, C, *) against class indices or class
    probabilities ``target`` (``F.cross_entropy``).

    Args:
        weight: per-class weights (C,).
        ignore_index: ignored target value (index targets only).
        reduction: 'none' | 'mean' | 'sum'.
        label_smoothing: mix ``label_smoothing / C`` uniform mass into the targets.
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f'label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}')
    cdim = 0 if input.dim() == 1 else 1
    logp = log_softmax(input, cdim)
    C = input.shape[cdim]
    if target._data.dtype.kind == 'f':
        if tuple(target.shape) != tuple(input.shape):
            raise RuntimeError(f'Expected target size {list(input.shape)}, got '
                               f'{list(target.shape)}')
        t = target
        if label_smoothing > 0:
            t = t * (1 - label_smoothing) + label_smoothing / C
        prod = logp * t
        if weight is not None:
            prod = prod * weight.reshape([C] + [1] * (input.dim() - cdim - 1))
        loss = -prod.sum(cdim)
        if reduction == 'mean':
            n = input.numel() // C if input.dim() > 1 else 1
            return loss.sum() / n
        return _reduce(loss, reduction)
    _check_nll(input, target, weight)
    _check_targets(target, C, ignore_index)
    nll = _nll(logp, target, weight, ignore_index, reduction)
    if label_smoothing <= 0:
        return nll
    mask = target != ignore_index
    if weight is not None:
        smooth = -(logp * weight.reshape([C] + [1] * (input.dim() - cdim - 1))).sum(cdim)
    else:
        smooth = -logp.sum(cdim)
    smooth = smooth * mask
    if reduction == 'mean':
        if weight is not None:
            tsel = target.masked_select(mask).reshape(-1)
            smooth = smooth.sum() / weight.gather(0, tsel).sum()
        else:
            smooth = smooth.sum() / mask.sum()
    elif reduction == 'sum':
        smooth = smooth.sum()
    return (1 - label_smoothing) * nll + smooth * (label_smoothing / C)


def mse_loss(input, target, size_average=None, reduce=None, reduction='mean', weight=None):
    """Mean squared error ``(input - target) ** 2`` (``F.mse_loss``)."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    _warn_size(input, target, 'mse_loss')
    d = input - target
    loss = d * d
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction='mean', weight=None):
    """Mean absolute error ``|input - target|`` (``F.l1_loss``)."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    _warn_size(input, target, 'l1_loss')
    loss = P.abs(input - target)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction='mean', beta=1.0):
    """``0.5 d**2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 beta`` (``F.smooth_l1_loss``)."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if beta < 0:
        raise RuntimeError('smooth_l1_loss does not support negative values for beta.')
    _warn_size(input, target, 'smooth_l1_loss')
    d = P.abs(input - target)
    if beta == 0:
        return _reduce(d, reduction)
    loss = P.where(d < beta, 0.5 * d * d / beta, d - 0.5 * beta)
    return _reduce(loss, reduction)


def huber_loss(input, target, reduction='mean', delta=1.0, weight=None):
    """``0.5 d**2`` where ``|d| < delta``, else ``delta (|d| - 0.5 delta)`` (``F.huber_loss``)."""
    _check_reduction(reduction)
    if delta <= 0:
        raise RuntimeError('huber_loss does not support non-positive values for delta.')
    _warn_size(input, target, 'huber_loss')
    d = P.abs(input - target)
    loss = P.where(d < delta, 0.5 * d * d, delta * (d - 0.5 * delta))
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction='mean'):
    """``-(t log x + (1 - t) log(1 - x))`` for probabilities ``input``; logs are clamped at
    -100 as in PyTorch (``F.binary_cross_entropy``)."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f'Using a target size ({Size(target.shape)}) that is different to the '
                         f'input size ({Size(input.shape)}) is deprecated. Please ensure they '
                         'have the same size.')
    d = input._data
    if d.size and ((d < 0) | (d > 1)).any():
        raise RuntimeError('all elements of input should be between 0 and 1')
    logx = P.clamp(P.log(input), min=-100)
    log1mx = P.clamp(P.log(1 - input), min=-100)
    loss = -(target * logx + (1 - target) * log1mx)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction='mean', pos_weight=None):
    """Sigmoid + binary cross entropy in one stable expression
    (``F.binary_cross_entropy_with_logits``).

    Args:
        pos_weight: weight of positive examples, broadcast over the class dim.
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f'Target size ({Size(target.shape)}) must be the same as input size '
                         f'({Size(input.shape)})')
    # (1 - t) x - log_weight * logsigmoid(x), log_weight = 1 + (pos_weight - 1) t
    ls = logsigmoid(input)
    if pos_weight is not None:
        lw = 1 + (pos_weight - 1) * target
        loss = (1 - target) * input - lw * ls
    else:
        loss = (1 - target) * input - ls
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def kl_div(input, target, size_average=None, reduce=None, reduction='mean', log_target=False):
    """KL divergence with log-probabilities ``input``: ``target * (log target - input)``
    (``F.kl_div``); ``reduction='batchmean'`` divides the sum by the batch size."""
    if reduction == 'mean':
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the "
                      "support size.'batchmean' divides only by the batch size, and aligns with "
                      "the KL div math definition.'mean' will be changed to behave the same as "
                      "'batchmean' in the next major release.", stacklevel=2)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if log_target:
        loss = P.exp(target) * (target - input)
    else:
        safe = P.where(target > 0, target, 1.0)
        loss = P.where(target > 0, target * (P.log(safe) - input), 0.0 * input)
    if reduction == 'batchmean':
        return loss.sum() / (input.shape[0] if input.dim() else 1)
    return _reduce(loss, reduction)
