"""Neural-network ops that are not activations, convolutions, pooling, norms or losses:
``linear``, ``bilinear``, dropout, ``embedding``, ``one_hot``, ``pad``."""
import builtins
import math
import numbers

import numpy as np

from .. import _dtype
from .._tensor import Tensor, _wrap
from ._util import Primitive, wrap_dim, mm2
from ..amp._policy import on as _ac, run as _ac_run

__all__ = ['linear', 'bilinear', 'dropout', 'dropout1d', 'dropout2d', 'dropout3d', 'alpha_dropout',
           'feature_alpha_dropout', 'embedding', 'embedding_bag', 'one_hot', 'pad',
           'gumbel_softmax']


class Linear(Primitive):
    """``y = x @ W^T + b`` for x of shape (*, in), one GEMM with the bias added in place."""
    _name = 'AddmmBackward0'

    def forward(ctx, xp, x, w, b):
        ctx.save_for_backward(x, w)
        ctx.has_b = b is not None
        if x.ndim > 2 and x.flags.c_contiguous:    # one big GEMM beats a batch of small ones
            out = mm2(xp, x.reshape(math.prod(x.shape[:-1]), x.shape[-1]), w.T).reshape(
                x.shape[:-1] + (w.shape[0],))
        elif x.ndim == 2:
            out = mm2(xp, x, w.T)
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
        _renorm_(weight, i, max_norm, norm_type)
    return Embedding.apply(input, weight, padding_idx)


def _renorm_(weight, i, max_norm, norm_type):
    """Rows of ``weight`` named in index array ``i`` rescaled in place to norm <= max_norm
    (``embedding_renorm_``; no autograd record, the version counter moves)."""
    rows = np.unique(i.reshape(-1)) if type(i) is np.ndarray else i.reshape(-1)
    wr = weight._data[rows]
    norms = (np.abs(wr) ** norm_type).sum(-1) ** (1.0 / norm_type)
    scale = np.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0).astype(wr.dtype)
    weight._data[rows] = wr * scale[:, None]
    weight._vc[0] += 1


class _Bags:
    """How the first ``E`` entries of a flat index array split into ``B`` contiguous bags:
    fixed length ``L`` (2-D input) or ``starts`` / ``lens`` (offsets)."""

    def __init__(self, xp, B, E, L=None, starts=None, lens=None):
        self.xp, self.B, self.E, self.L = xp, B, E, L
        self.starts, self.lens = starts, lens
        self._bag = None

    def bag(self):
        """The bag of each entry (E,)."""
        if self._bag is None:
            xp = self.xp
            if self.L is not None:
                self._bag = xp.repeat(xp.arange(self.B), self.L)
            else:
                self._bag = xp.repeat(xp.arange(self.B), self.lens)
        return self._bag

    def rows(self, w, idx):
        """``w[idx]`` (E, D) with one spare zero row on the general NumPy path (reduceat)."""
        xp = self.xp
        if self.L is not None or xp is not np:
            return w[idx]
        r = np.empty((self.E + 1, w.shape[1]), w.dtype)
        np.take(w, idx, axis=0, out=r[:self.E])
        r[self.E] = 0
        return r

    def sum(self, rows):
        """Per-bag sums of (E[+1], D) rows: (B, D)."""
        xp, B, E = self.xp, self.B, self.E
        D = rows.shape[1]
        if self.L is not None:
            return rows.reshape(B, self.L, D).sum(1)
        if B == 0:
            return xp.zeros((0, D), rows.dtype)
        if xp is np:
            out = np.add.reduceat(rows, self.starts, axis=0)
            out[self.lens == 0] = 0
            return out
        import cupyx
        out = xp.zeros((B, D), rows.dtype)
        cupyx.scatter_add(out, self.bag(), rows[:E])
        return out

    def max(self, rows):
        """Per-bag maxima of (E[+1], D) rows (padding rows are -inf) and the entry holding
        each (the first on ties): (B, D), (B, D)."""
        xp, B, E = self.xp, self.B, self.E
        D = rows.shape[1]
        if self.L is not None:
            r = rows.reshape(B, self.L, D)
            if self.L == 0:
                return xp.zeros((B, D), rows.dtype), xp.zeros((B, D), xp.intp)
            first = r.argmax(1)
            mx = xp.take_along_axis(r, first[:, None, :], 1)[:, 0]
            return mx, first + (xp.arange(B) * self.L)[:, None]
        if B == 0:
            return xp.zeros((0, D), rows.dtype), xp.zeros((0, D), xp.intp)
        bag = self.bag()
        if xp is np:
            rows[E] = -np.inf
            mx = np.maximum.reduceat(rows, self.starts, axis=0)
            pos = np.where(rows[:E] == mx[bag], np.arange(E)[:, None], E)
            pos = np.concatenate([pos, np.full((1, D), E)], 0)
            first = np.minimum.reduceat(pos, self.starts, axis=0)
        else:
            import cupyx
            mx = xp.full((B, D), -xp.inf, rows.dtype)
            cupyx.scatter_max(mx, bag, rows[:E])
            pos = xp.where(rows[:E] == mx[bag], xp.arange(E)[:, None], E)
            first = xp.full((B, D), E, pos.dtype)
            cupyx.scatter_min(first, bag, pos)
        return mx, xp.minimum(first, max(E - 1, 0))

    def expand(self, g):
        """Each entry's bag row of (B, D) ``g``: (E, D)."""
        if self.L is not None:
            return self.xp.repeat(g, self.L, axis=0)
        return g[self.bag()]


def _scatter_rows(xp, n, idx, rows):
    """(n, D) sums of (E, D) ``rows`` by row index ``idx`` (sorted segments: in-order float
    sums, as PyTorch's CPU kernel)."""
    D = rows.shape[1]
    out = xp.zeros((n, D), rows.dtype)
    if idx.size == 0:
        return out
    if xp is np:
        o = np.argsort(idx, kind='stable')
        si = idx[o]
        st = np.flatnonzero(np.r_[True, si[1:] != si[:-1]])
        out[si[st]] = np.add.reduceat(rows[o], st, axis=0)
    else:
        import cupyx
        cupyx.scatter_add(out, idx, rows)
    return out


class EmbeddingBagSum(Primitive):
    """``out[b] = Σ_{e in b} psw_e c_e w[idx_e] / div_b``: sum / mean bags (padding entries
    have c_e = 0). ``gc`` is the per-entry factor of the weight gradient (c_e / div_b, over
    the index frequency with scale_grad_by_freq)."""
    _name = 'EmbeddingBagBackward0'

    def forward(ctx, xp, w, psw, idx, bags, c, div, gc):
        ctx.save_for_backward(w, psw)
        ctx.idx, ctx.bags, ctx.c, ctx.gc, ctx.n = idx, bags, c, gc, w.shape[0]
        rows = bags.rows(w, idx)
        E = bags.E
        if psw is not None:
            rows[:E] *= psw[:, None]
        if c is not None:
            rows[:E] *= c[:, None]
        out = bags.sum(rows)
        if div is not None:
            out /= div[:, None]
        return out

    def backward(ctx, g):
        w, psw = ctx.saved_tensors
        gw = gp = None
        if ctx._next[0] is not None:
            gw = EmbeddingBagSumGrad.apply(g, psw, ctx.idx, ctx.bags, ctx.gc, ctx.n)
        if psw is not None and ctx._next[1] is not None:
            gp = _psw_grad(g, w, ctx.idx, ctx.bags, ctx.c)
        return gw, gp, None, None, None, None, None


def _psw_grad(g, w, idx, bags, c):
    """d out / d per_sample_weights: ``<g[bag_e], w[idx_e]> c_e``."""
    r = (g[_wrap(bags.bag())] * w[_wrap(idx)]).sum(1)
    return r if c is None else r * _wrap(c)


class EmbeddingBagSumGrad(Primitive):
    """The weight gradient of ``EmbeddingBagSum``: rows ``g[bag_e] psw_e gc_e`` summed into
    row ``idx_e``; its adjoint is ``EmbeddingBagSum`` again."""
    _name = 'EmbeddingBagBackwardBackward0'

    def forward(ctx, xp, g, psw, idx, bags, gc, n):
        ctx.save_for_backward(g, psw)
        ctx.idx, ctx.bags, ctx.gc = idx, bags, gc
        rows = bags.expand(g)
        if psw is not None:
            rows = rows * psw[:, None]
        if gc is not None:
            rows = rows * gc[:, None]
        return _scatter_rows(xp, n, idx, rows)

    def backward(ctx, gg):
        g, psw = ctx.saved_tensors
        dg = dp = None
        if ctx._next[0] is not None:
            dg = EmbeddingBagSum.apply(gg, psw, ctx.idx, ctx.bags, ctx.gc, None, ctx.gc)
        if psw is not None and ctx._next[1] is not None:
            dp = _psw_grad(g, gg, ctx.idx, ctx.bags, ctx.gc)
        return dg, dp, None, None, None, None


class EmbeddingBagMax(Primitive):
    """Per-bag, per-column maxima of ``w[idx]`` (padding entries excluded, empty bags 0)."""
    _name = 'EmbeddingBagBackward0'

    def forward(ctx, xp, w, idx, bags, keep, nonempty):
        rows = bags.rows(w, idx)
        E = bags.E
        if keep is not None:
            rows[:E] = xp.where(keep[:, None], rows[:E], -xp.inf)
        mx, first = bags.max(rows)
        valid = nonempty[:, None]
        widx = idx[first] if idx.size else xp.zeros(first.shape, idx.dtype)
        ctx.widx = widx
        ctx.valid = xp.broadcast_to(valid, mx.shape).astype(w.dtype)
        ctx.n = w.shape[0]
        return xp.where(valid, mx, 0).astype(w.dtype, copy=False)

    def backward(ctx, g):
        if ctx._next[0] is None:
            return None, None, None, None, None
        return EmbeddingBagMaxGrad.apply(g, ctx.widx, ctx.valid, ctx.n), None, None, None, None


class EmbeddingBagMaxGrad(Primitive):
    """``g`` (B, D) summed into (n, D) at rows ``widx`` (B, D) per column; adjoint: a gather."""
    _name = 'EmbeddingBagBackwardBackward0'

    def forward(ctx, xp, g, widx, valid, n):
        ctx.widx, ctx.valid = widx, valid
        D = g.shape[1]
        out = xp.zeros((n, D), g.dtype)
        if g.size == 0:
            return out
        v = g * valid
        if xp is np:
            flat = (widx * D + np.arange(D)).ravel()
            out = np.bincount(flat, weights=v.ravel(), minlength=n * D)
            return out.astype(g.dtype, copy=False).reshape(n, D)
        import cupyx
        cupyx.scatter_add(out, (widx, xp.arange(D)[None, :]), v)
        return out

    def backward(ctx, gg):
        return gg.gather(0, _wrap(ctx.widx)) * _wrap(ctx.valid), None, None, None


def _tensor_str0(v, dt):
    """A 0-dim tensor as PyTorch's C++ error messages print it."""
    return f'{v}\n[ torch.{ {"int64": "Long", "int32": "Int"}.get(str(dt), "Long")}Tensor{{}} ]'


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2,
                  scale_grad_by_freq=False, mode='mean', sparse=False, per_sample_weights=None,
                  include_last_offset=False, padding_idx=None):
    """Sums, means or maxima of bags of embedding rows, without materialising them
    (``F.embedding_bag``).

    Args:
        input: 2-D (B, L) fixed-length bags, or 1-D indices cut into bags by ``offsets``
            (bag i starts at offsets[i]; with ``include_last_offset`` the last offset ends the
            last bag).
        mode: 'sum', 'mean' or 'max'; empty bags give zeros.
        per_sample_weights: weights of the entries (mode 'sum' only), same shape as input.
        padding_idx: entries equal to it are left out (and not counted by 'mean').
        max_norm, norm_type: renormalise the rows looked up in place, as ``F.embedding``.
    PyTorch's errors; ``sparse`` gradients are returned dense. The weight gradient (scaled by
    the inverse index frequency with ``scale_grad_by_freq``) and the per-sample-weight gradient
    are vectorised scatters; unlike PyTorch, double backward works too.
    """
    if weight._data.dtype == np.int64 and input.is_floating_point():
        import warnings
        warnings.warn('Argument order of nn.functional.embedding_bag was changed. Usage '
                      '`embedding_bag(weight, input, ...)` is deprecated, and should now be '
                      '`embedding_bag(input, weight, ...)`.', stacklevel=2)
        weight, input = input, weight
    psw = per_sample_weights
    if psw is not None and tuple(input.shape) != tuple(psw.shape):
        raise ValueError(f'embedding_bag: If per_sample_weights ({psw.shape!r}) is not None, then '
                         f'it must have the same shape as the input ({input.shape!r})')
    if weight.dim() != 2:
        raise ValueError(f'weight has to be a 2D Tensor, but got Tensor of dimension '
                         f'{weight.dim()}')
    L = None
    if input.dim() == 2:
        if offsets is not None:
            raise ValueError('if input is 2D, then offsets has to be None, as input is treated is '
                             'a mini-batch of fixed length sequences. However, found offsets of '
                             f'type {type(offsets)}')
        B, L = input.shape
        if L == 0:
            raise RuntimeError('step must be nonzero')
        include_last_offset = False
    elif input.dim() == 1:
        if offsets is None:
            raise ValueError('offsets has to be a 1D Tensor but got None')
        if offsets.dim() != 1:
            raise ValueError('offsets has to be a 1D Tensor')
    else:
        raise ValueError(f'input has to be 1D or 2D Tensor, but got Tensor of dimension '
                         f'{input.dim()}')
    if mode == 'max':
        if scale_grad_by_freq:
            raise ValueError('max mode does not support scaling the gradient by the frequency')
        if sparse:
            raise ValueError('max mode does not support sparse weights')
    elif mode not in ('sum', 'mean'):
        raise ValueError('mode has to be one of sum, mean or max')
    i = input._data
    if i.dtype.kind not in 'iu':
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the "
                           f'following scalar types: Long, Int; but got {input.type()} instead '
                           '(while checking arguments for embedding_bag)')
    wd = weight._data
    if wd.dtype.kind not in 'fV':
        raise RuntimeError("Expected tensor for argument #1 'weight' to have one of the following "
                           f'scalar types: Half, BFloat16, Float, Double; but got {weight.type()} '
                           'instead (while checking arguments for embedding_bag)')
    if max_norm is not None:
        _renorm_(weight, i, max_norm, norm_type)
    if psw is not None and mode != 'sum':
        raise NotImplementedError("embedding_bag: per_sample_weights was not None. "
                                  "per_sample_weights is only supported for mode='sum' "
                                  f"(got mode='{mode}'). Please open a feature request on GitHub.")
    if psw is not None and psw._data.dtype != wd.dtype:
        raise RuntimeError("Expected tensor for argument #1 'weight' to have the same type as "
                           "tensor for argument #1 'per_sample_weights'; but type "
                           f'{weight.type()} does not equal {psw.type()} (while checking '
                           'arguments for embedding_bag)')
    n = wd.shape[0]
    if padding_idx is not None:
        if not isinstance(padding_idx, (int, np.integer)) or isinstance(padding_idx, bool):
            raise TypeError("embedding_bag(): argument 'padding_idx' (position 9) must be int, "
                            f'not {type(padding_idx).__name__}')
        if not -n <= padding_idx < n:
            raise RuntimeError(f'padding_idx must be within the number of embeddings, {-n} '
                               f'through {n - 1}, but got {padding_idx}')
        padding_idx = builtins.int(padding_idx) % n
    from ..backend import xp_of
    xp = xp_of(wd)
    idx = i.reshape(-1).astype(np.int64, copy=False)
    E = idx.size
    if E:
        bad = (idx < 0) | (idx >= n)
        if bad.any():
            k = builtins.int(xp.argmax(bad))
            raise RuntimeError(f'Index {k} of input takes value {builtins.int(idx[k])} which is '
                               f'not in the valid range [0, {n})')
    if L is not None:
        bags = _Bags(xp, B, E, L=L)
        lens = None
    else:
        off = offsets._data.astype(np.int64, copy=False)
        if include_last_offset and off.size == 0:
            raise RuntimeError('include_last_offset: number of offset should be at least 1')
        if off.size:
            if builtins.int(off[0]) != 0:
                raise RuntimeError('offsets[0] has to be 0, i.e., the first sequence in the '
                                   'mini-batch has to start from position 0. However, got '
                                   + _tensor_str0(builtins.int(off[0]), np.promote_types(
                                       offsets._data.dtype, i.dtype)))
            if builtins.int(off[-1]) > E:
                raise RuntimeError(f"offsets[-1] can not be greater than input's length {E} but "
                                   f'got offsets[-1] of {builtins.int(off[-1])}')
        if include_last_offset:
            starts, end = off[:-1], builtins.int(off[-1])
        else:
            starts, end = off, E
        B = starts.size
        ends = xp.concatenate([starts[1:], xp.asarray([end], dtype=np.int64)]) if B else starts
        lens = ends - starts
        if B and bool((lens < 0).any()):
            if include_last_offset and bool((starts > end).any()) and \
                    not bool((starts[1:] < starts[:-1]).any()):
                raise RuntimeError('Your input appears to be incorrect: the last offset value '
                                   'should be the size of the indices tensor, but it seems not '
                                   'to be the case.')
            raise RuntimeError('Expected i < index_size to be true, but got false.  (Could this '
                               'error message be improved?  If so, please report an enhancement '
                               'request to PyTorch.)')
        idx = idx[:end]
        E = end
        bags = _Bags(xp, B, E, starts=starts, lens=lens)
        if psw is not None:
            psw = psw.reshape(-1)[:end] if end != psw.shape[0] else psw
    if psw is not None and psw.dim() != 1:
        psw = psw.reshape(-1)
    keep = None if padding_idx is None else idx != padding_idx
    if mode == 'max':
        if keep is None:
            nonempty = (xp.full(B, L > 0) if L is not None else lens > 0)
        else:
            cnt = keep.reshape(B, L).sum(1) if L is not None else \
                _seg_count(xp, keep, bags)
            nonempty = cnt > 0
        return EmbeddingBagMax.apply(weight, idx, bags, keep, nonempty)
    dt = wd.dtype
    c = None if keep is None else keep.astype(dt)
    div = None
    gc = c
    if mode == 'mean':
        if keep is None:
            cnt = xp.full(B, L, dt) if L is not None else lens.astype(dt)
        else:
            cnt = c.reshape(B, L).sum(1) if L is not None else _seg_count(xp, c, bags)
        div = xp.maximum(cnt, 1).astype(dt)
        inv = (1 / div).astype(dt)
        e_inv = bags.expand(inv[:, None])[:, 0] if E else xp.zeros(0, dt)
        gc = e_inv if c is None else c * e_inv
    if scale_grad_by_freq and E:
        cnt_i = xp.bincount(idx, minlength=n)[idx].astype(dt)
        gc = (1 / cnt_i).astype(dt) if gc is None else gc / cnt_i
    return EmbeddingBagSum.apply(weight, psw, idx, bags, c, div, gc)


def _seg_count(xp, v, bags):
    """Per-bag sums of entry values ``v`` (E,)."""
    return bags.sum(xp.concatenate([v, xp.zeros(1, v.dtype)])[:, None] if xp is np
                    else v[:, None])[:, 0]


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


def gumbel_softmax(logits, tau=1, hard=False, eps=1e-10, dim=-1):
    """Samples from the Gumbel-Softmax distribution (``F.gumbel_softmax``).

    ``softmax((logits + g) / tau, dim)`` with ``g = -log(Exponential(1))`` Gumbel noise drawn
    from ember's RNG. With ``hard=True`` the result is the one-hot of its argmax along ``dim``,
    with the soft sample's gradient (straight-through: ``y_hard - y_soft.detach() + y_soft``).
    ``eps`` is deprecated and unused, as in PyTorch.
    """
    if eps != 1e-10:
        import warnings
        warnings.warn('`eps` parameter is deprecated and has no effect.')
    from .creation import empty_like, zeros_like
    from .activation import softmax
    from .pointwise import log
    gumbels = -log(empty_like(logits, memory_format='torch.legacy_contiguous_format')
                   .exponential_())
    y_soft = softmax((logits + gumbels) / tau, dim)
    if not hard:
        return y_soft
    index = y_soft.max(dim, keepdim=True)[1]
    y_hard = zeros_like(logits, memory_format='torch.legacy_contiguous_format').scatter_(
        dim, index, 1.0)
    return y_hard - y_soft.detach() + y_soft
