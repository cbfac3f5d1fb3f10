"""Neural-network ops that are not activations, convolutions, pooling, norms or losses:
``linear``, ``bilinear``, dropout, ``embedding``, ``one_hot``, ``pad``."""
import builtins
import math
import numbers

import numpy as np

from .. import _dtype
from .._tensor import Tensor, _wrap
from ._util import Primitive, wrap_dim
from ..amp._policy import on as _ac, run as _ac_run

__all__ = ['linear', 'bilinear', 'dropout', 'dropout1d', 'dropout2d', 'dropout3d', 'alpha_dropout',
           'feature_alpha_dropout', 'embedding', 'one_hot', 'pad']


class Linear(Primitive):
    """``y = x @ W^T + b`` for x of shape (*, in), one GEMM with the bias added in place."""
    _name = 'AddmmBackward0'

    def forward(ctx, xp, x, w, b):
        ctx.save_for_backward(x, w)
        ctx.has_b = b is not None
        if x.ndim > 2 and x.flags.c_contiguous:    # one big GEMM beats a batch of small ones
            out = xp.matmul(x.reshape(math.prod(x.shape[:-1]), x.shape[-1]), w.T).reshape(
                x.shape[:-1] + (w.shape[0],))
        else:
            out = xp.matmul(x, w.T)
        if b is not None:
            out += b
        return out

    def backward(ctx, g):
        x, w = ctx.saved_tensors
        gx = gw = gb = None
        if ctx._next[0] is not None:
            if g.dim() <= 2:
                gx = g.matmul(w)
            else:       # one 2-D GEMM
                gx = g.reshape(math.prod(g.shape[:-1]), g.shape[-1]).mm(w).view(
                    *g.shape[:-1], w.shape[-1])
        if ctx._next[1] is not None:
            if g.dim() == 2:
                gw = g.t().mm(x)
            else:
                n = math.prod(g.shape[:-1])
                gw = g.reshape(n, g.shape[-1]).t().mm(x.reshape(n, x.shape[-1]))
        if ctx.has_b and ctx._next[2] is not None:
            gb = g.sum(tuple(range(g.dim() - 1))) if g.dim() > 1 else g
        return gx, gw, gb


def linear(input, weight, bias=None):
    """``input @ weight.T + bias`` (``F.linear``); input (*, in), weight (out, in)."""
    if _ac[0]:
        return _ac_run('linear', linear, input, weight, bias)
    if input.dim() == 0 or weight.dim() not in (1, 2):
        from .linalg import matmul
        out = matmul(input, weight.t())
        return out if bias is None else out + bias
    if input.shape[-1] != weight.shape[-1]:
        a = input.shape if input.dim() == 2 else (math.prod(input.shape[:-1]), input.shape[-1])
        raise RuntimeError(f'mat1 and mat2 shapes cannot be multiplied ({a[0]}x{a[1]} and '
                           f'{weight.shape[-1]}x{weight.shape[0] if weight.dim() == 2 else 1})')
    if input._data.dtype != weight._data.dtype:
        raise RuntimeError(f'mat1 and mat2 must have the same dtype, but got {_tn(input)} and '
                           f'{_tn(weight)}')
    if weight.dim() == 1:
        from .linalg import matmul
        out = matmul(input, weight)
        return out if bias is None else out + bias
    return Linear.apply(input, weight, bias)


def _tn(t):
    from ._util import _tname
    return _tname(t.dtype)


def bilinear(input1, input2, weight, bias=None):
    """``y_k = x1^T A_k x2 + b_k`` with weight (out, in1, in2)."""
    if _ac[0]:
        return _ac_run('bilinear', bilinear, input1, input2, weight, bias)
    from .linalg import einsum
    out = einsum('...i,kij,...j->...k', input1, weight, input2)
    return out if bias is None else out + bias


class DropoutMask(Primitive):
    """``x * mask`` with a precomputed scaled mask (gradient ``g * mask``)."""
    _name = 'NativeDropoutBackward0'

    def forward(ctx, xp, x, mask):
        ctx.save_for_backward(mask)
        return x * mask

    def backward(ctx, g):
        m, = ctx.saved_tensors
        return g * m, None


def _bernoulli_mask(input, shape, p, generator=None):
    """Keep-mask scaled by ``1/(1-p)``, drawn on the input's device, in its dtype."""
    from .random import _gen, uniform_array
    dt = input._data.dtype
    u = uniform_array(_gen(generator, input.device), tuple(shape), dt)
    if p >= 1:
        return u * 0
    return (u >= p).astype(dt) * dt.type(1.0 / (1.0 - p))


def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f'dropout probability has to be between 0 and 1, but got {p}')


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability ``p`` and scale the rest by ``1/(1-p)`` in training."""
    _check_p(p)
    if not training or p == 0:
        return input
    mask = _wrap(_bernoulli_mask(input, input.shape, p))
    out = DropoutMask.apply(input, mask)
    if inplace:
        from ._util import inplace_fn
        return inplace_fn(input, lambda s: out)
    return out


def _feature_mask_dropout(input, p, inplace):
    """Zero whole channels: one Bernoulli draw per (N, C), PyTorch's ``feature_dropout``."""
    shape = tuple(input.shape[:2]) + (1,) * (input.dim() - 2)
    mask = _wrap(_bernoulli_mask(input, shape, p))
    if inplace:
        from ._util import inplace_fn
        return inplace_fn(input, lambda s: DropoutMask.apply(s, mask))
    return DropoutMask.apply(input, mask)


def _feature_dropout(nd, name):
    def fn(input, p=0.5, training=True, inplace=False):
        _check_p(p)
        dim = input.dim()
        if nd == 1 and dim not in (2, 3):
            raise RuntimeError(f'dropout1d: Expected 2D or 3D input, but received a {dim}D input. '
                               'Note that dropout1d exists to provide channel-wise dropout on '
                               'inputs with 1 spatial dimension, a channel dimension, and an '
                               'optional batch dimension (i.e. 2D or 3D inputs).')
        if nd > 1 and dim not in (nd + 1, nd + 2):
            import warnings
            warnings.warn(f'{name}: Received a {dim}-D input to {name}, which is deprecated and '
                          'will result in an error in a future release. To retain the behavior '
                          f'and silence this warning, please use dropout instead. Note that {name} '
                          f'exists to provide channel-wise dropout on inputs with {nd} spatial '
                          'dimensions, a channel dimension, and an optional batch dimension (i.e. '
                          f'{nd + 1}D or {nd + 2}D inputs).', stacklevel=2)
        if nd == 2 and dim == 3:
            import warnings
            warnings.warn('dropout2d: Received a 3D input to dropout2d and assuming that '
                          'channel-wise 1D dropout behavior is desired - input is interpreted as '
                          'shape (N, C, L), where C is the channel dim. This behavior will change '
                          'in a future release to interpret the input as one without a batch '
                          'dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise dropout '
                          'behavior, please switch to using dropout1d instead.', stacklevel=2)
        if not training or p == 0:
            return input
        if nd != 2 and dim == nd + 1:        # unbatched (C, *S): one draw per channel
            x = input.unsqueeze(0)
            out = _feature_mask_dropout(x, p, False).squeeze(0)
            if inplace:
                from ._util import inplace_fn
                return inplace_fn(input, lambda s: out)
            return out
        return _feature_mask_dropout(input, p, inplace)
    fn.__name__ = name
    fn.__doc__ = (f'Zero whole channels with probability ``p`` and scale the rest by '
                  f'``1/(1-p)`` (``F.{name}``); 3-D inputs to dropout2d are read as (N, C, L), '
                  'as PyTorch does.')
    return fn


dropout1d = _feature_dropout(1, 'dropout1d')
dropout2d = _feature_dropout(2, 'dropout2d')
dropout3d = _feature_dropout(3, 'dropout3d')

_ALPHA = -1.7580993408473766


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Dropout that keeps the mean and variance of SELU activations."""
    return _alpha(input, p, training, tuple(input.shape))


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Alpha dropout of whole channels (one draw per (N, C))."""
    return _alpha(input, p, training, tuple(input.shape[:2]) + (1,) * (input.dim() - 2))


def _alpha(input, p, training, shape):
    _check_p(p)
    if not training or p == 0:
        return input
    if p == 1:
        return input * 0
    a = ((1 - p) * (1 + p * _ALPHA ** 2)) ** -0.5
    b = -a * _ALPHA * p
    keep = _wrap(_bernoulli_mask(input, shape, p) * input._data.dtype.type(1 - p))
    return input * (keep * a) + ((1 - keep) * (_ALPHA * a) + b)


class Embedding(Primitive):
    """Row lookup ``weight[indices]``; the gradient scatter-adds rows (padding_idx gets none)."""
    _name = 'EmbeddingBackward0'

    def forward(ctx, xp, idx, w, padding_idx):
        ctx.save_for_backward(idx)
        ctx.n, ctx.padding_idx = w.shape[0], padding_idx
        return w[idx]

    def backward(ctx, g):
        idx, = ctx.saved_tensors
        return None, EmbeddingGrad.apply(g, idx, ctx.n, ctx.padding_idx), None


class EmbeddingGrad(Primitive):
    _name = 'EmbeddingDenseBackward0'

    def forward(ctx, xp, g, idx, n, padding_idx):
        ctx.save_for_backward(idx)
        d = g.shape[-1]
        flat = idx.reshape(-1)
        out = xp.zeros((n, d), g.dtype)
        if xp is np:
            np.add.at(out, flat, g.reshape(-1, d))
        else:
            import cupyx
            cupyx.scatter_add(out, flat, g.reshape(-1, d))
        if padding_idx is not None:
            out[padding_idx] = 0
        return out

    def backward(ctx, gg):
        idx, = ctx.saved_tensors
        return gg[idx], None, None, None


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    """Rows of ``weight`` at integer ``input`` (``F.embedding``)."""
    if input._data.dtype.kind not in 'iu':
        raise RuntimeError('Expected tensor for argument #1 \'indices\' to have one of the following '
                           'scalar types: Long, Int; but got ' + input.type() + ' instead (while '
                           'checking arguments for embedding)')
    n = weight.shape[0]
    if padding_idx is not None:
        if padding_idx > 0:
            assert padding_idx < n, 'Padding_idx must be within num_embeddings'
        elif padding_idx < 0:
            assert padding_idx >= -n, 'Padding_idx must be within num_embeddings'
            padding_idx = n + padding_idx
    i = input._data
    if i.size and (i.min() < 0 or i.max() >= n):
        raise IndexError('index out of range in self')
    if max_norm is not None:
        from ..autograd.grad_mode import no_grad
        with no_grad():
            rows = np.unique(i.reshape(-1)) if type(i) is np.ndarray else i.reshape(-1)
            wr = weight._data[rows]
            norms = (np.abs(wr) ** norm_type).sum(-1) ** (1.0 / norm_type)
            scale = np.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0).astype(wr.dtype)
            weight._data[rows] = wr * scale[:, None]
            weight._vc[0] += 1
    return Embedding.apply(input, weight, padding_idx)


def one_hot(tensor, num_classes=-1):
    """Int64 one-hot encoding with a trailing class dim (``F.one_hot``)."""
    if tensor._data.dtype != np.int64:
        raise RuntimeError('one_hot is only applicable to index tensor of type LongTensor.')
    d = tensor._data
    if num_classes == -1:
        num_classes = builtins.int(d.max()) + 1 if d.size else 0
    if d.size and (d.min() < 0):
        raise RuntimeError('Class values must be non-negative.')
    if d.size and d.max() >= num_classes:
        raise RuntimeError('Class values must be smaller than num_classes.')
    xp = np if type(d) is np.ndarray else __import__('cupy')
    return _wrap((d[..., None] == xp.arange(num_classes)).astype(np.int64))


class Pad(Primitive):
    """Constant padding; the gradient crops."""
    _name = 'ConstantPadNdBackward0'

    def forward(ctx, xp, x, widths, value):
        ctx.widths = widths
        neg = any(a < 0 or b < 0 for a, b in widths)
        if neg:
            sl = tuple(slice(max(-a, 0), s - max(-b, 0)) for (a, b), s in zip(widths, x.shape))
            x = x[sl]
            widths = tuple((max(a, 0), max(b, 0)) for a, b in widths)
        return xp.pad(x, widths, constant_values=value)

    def backward(ctx, g):
        sl = tuple(slice(a, g.shape[i] - b) for i, (a, b) in enumerate(ctx.widths))
        pos = all(a >= 0 and b >= 0 for a, b in ctx.widths)
        if pos:
            return g[sl], None, None
        return Pad.apply(g, tuple((-a, -b) for a, b in ctx.widths), 0), None, None


class PadMode(Primitive):
    """Reflect / replicate / circular padding; the gradient scatter-adds back."""
    _name = 'ReflectionPadBackward0'

    def forward(ctx, xp, x, widths, mode):
        ctx.widths, ctx.mode, ctx.shape = widths, mode, x.shape
        m = {'reflect': 'reflect', 'replicate': 'edge', 'circular': 'wrap'}[mode]
        # index map: which input element each output element copies (for the backward)
        return xp.pad(x, widths, mode=m)

    def backward(ctx, g):
        return PadModeGrad.apply(g, ctx.widths, ctx.mode, ctx.shape), None, None


class PadModeGrad(Primitive):
    def forward(ctx, xp, g, widths, mode, shape):
        ctx.widths, ctx.mode = widths, mode
        m = {'reflect': 'reflect', 'replicate': 'edge', 'circular': 'wrap'}[mode]
        out = g
        for ax, (a, b) in enumerate(widths):
            if a == 0 and b == 0:
                continue
            n = shape[ax]
            src = np.pad(np.arange(n), (a, b), mode=m)
            moved = xp.moveaxis(out, ax, 0)
            acc = xp.zeros((n,) + moved.shape[1:], g.dtype)
            if xp is np:
                np.add.at(acc, src, moved)
            else:
                import cupyx
                cupyx.scatter_add(acc, xp.asarray(src), moved)
            out = xp.moveaxis(acc, 0, ax)
        return xp.ascontiguousarray(out)

    def backward(ctx, gg):
        return PadMode.apply(gg, ctx.widths, ctx.mode), None, None, None


def pad(input, pad, mode='constant', value=None):
    """Pad the last ``len(pad) // 2`` dims: ``pad = (left_last, right_last, left_prev, ...)``.

    Args:
        mode: 'constant', 'reflect', 'replicate' or 'circular'.
        value: fill value for 'constant' (default 0).
    """
    if len(pad) % 2:
        raise RuntimeError('Padding length must be divisible by 2')
    n = len(pad) // 2
    if n > input.dim():
        raise RuntimeError('Padding length should be less than or equal to two times the input '
                           'dimension but got padding length ' + str(len(pad)) + ' and input of '
                           'dimension ' + str(input.dim()))
    widths = [(0, 0)] * input.dim()
    for i in range(n):
        widths[input.dim() - 1 - i] = (builtins.int(pad[2 * i]), builtins.int(pad[2 * i + 1]))
    widths = tuple(widths)
    if mode == 'constant':
        return Pad.apply(input, widths, 0 if value is None else value)
    if mode not in ('reflect', 'replicate', 'circular'):
        raise NotImplementedError(f'Unrecognised padding mode {mode}')
    if value:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    if input.dim() not in (n + 1, n + 2) or not 1 <= n <= 3:
        raise NotImplementedError(
            f'Padding size {len(pad)} is not supported for {input.dim()}D input tensor.\n'
            'Supported combinations for non-constant padding:\n'
            '  - 2D or 3D input: padding size = 2 (pads last dimension)\n'
            '  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n'
            '  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)')
    if any(a < 0 or b < 0 for a, b in widths):     # negative pads crop first (as PyTorch)
        input = input[tuple(slice(max(-a, 0), s - max(-b, 0))
                            for (a, b), s in zip(widths, input.shape))]
        widths = tuple((max(a, 0), max(b, 0)) for a, b in widths)
    if mode == 'reflect':
        for ax, (a, b) in enumerate(widths):
            if a >= input.shape[ax] or b >= input.shape[ax]:
                raise RuntimeError(f'Argument #4: Padding size should be less than the corresponding '
                                   f'input dimension, but got: padding ({a}, {b}) at dimension {ax} '
                                   f'of input {list(input.shape)}')
    return PadMode.apply(input, widths, mode)
