"""Attention: ``scaled_dot_product_attention`` (one fused primitive) and
``multi_head_attention_forward`` (the functional form of ``nn.MultiheadAttention``).

The attention core ``softmax(q k^T * scale + mask) v`` is a single primitive: its forward runs
two batched GEMMs and an in-place, numerically stable softmax; its backward is written with
ember ops (so double backward works) and, when a graph is being built through it
(``create_graph=True``), recomputes the attention weights from the inputs with ember ops.
"""
import math
import warnings

import numpy as np

from .. import _dtype
from .._tensor import Tensor, _wrap
from ..autograd.grad_mode import _state
from ._util import Primitive, mm2
from ..amp._policy import on as _ac, run as _ac_run

__all__ = ['scaled_dot_product_attention', 'multi_head_attention_forward']

_CNAME = {'float32': 'float', 'float64': 'double', 'float16': 'c10::Half',
          'bfloat16': 'c10::BFloat16', 'int64': 'long int', 'int32': 'int', 'int16': 'short int',
          'int8': 'signed char', 'uint8': 'unsigned char', 'bool': 'bool',
          'complex64': 'c10::complex<float>', 'complex128': 'c10::complex<double>'}


def _cname(t):
    return _CNAME.get(t.dtype.name, t.dtype.name)


def _xp(arr):
    from ..backend import xp_of
    return xp_of(arr)


def _causal_bias(xp, L, S, dt):
    """(L, S) additive mask: -inf above the main diagonal (top-left aligned, as PyTorch)."""
    return xp.triu(xp.full((L, S), -xp.inf, dtype=dt), 1)


def _safe_softmax_(xp, s):
    """Softmax over the last axis of ``s`` in place; rows that are all -inf give zeros
    (PyTorch's SDPA convention) instead of NaN."""
    m = s.max(axis=-1, keepdims=True)
    bad = ~xp.isfinite(m)
    masked_rows = bool(bad.any())
    if masked_rows:
        m[bad & (m < 0)] = 0
    s -= m
    xp.exp(s, out=s)
    d = s.sum(axis=-1, keepdims=True)
    if masked_rows:
        d[d == 0] = 1
    s /= d
    return s


class Attention(Primitive):
    """``softmax(q @ k^T * scale + mask [+ causal]) * drop @ v``.

    ``mask`` is an additive float mask (broadcastable to the weights) or None; ``drop`` the
    scaled keep-mask of dropout (an array) or None.
    """
    _name = 'ScaledDotProductFlashAttentionForCpuBackward0'

    def forward(ctx, xp, q, k, v, mask, drop, scale, causal):
        s = mm2(xp, q, xp.swapaxes(k, -1, -2))
        s *= s.dtype.type(scale)
        if mask is not None:
            if s.shape == _bcast(s.shape, mask.shape):
                s += mask
            else:
                s = s + mask
        if causal:
            s += _causal_bias(xp, s.shape[-2], s.shape[-1], s.dtype)
        p = _safe_softmax_(xp, s)
        pd = p if drop is None else p * drop
        out = mm2(xp, pd, v)
        ctx.scale, ctx.causal = scale, causal
        ctx.save_for_backward(q, k, v, mask, drop, p)
        return out

    def backward(ctx, g):
        q, k, v, mask, drop, p = ctx.saved_tensors
        nq, nk, nv, nm = (ctx._next[i] is not None for i in range(4))
        scale = ctx.scale
        if _state[0]:       # building a graph: weights as a function of the inputs
            p = _attn_weights(q, k, mask, scale, ctx.causal)
        pd = p if drop is None else p * drop
        gq = gk = gv = gm = None
        if nv:
            gv = pd.mT.matmul(g)
        if nq or nk or nm:
            dp = g.matmul(v.mT)
            if drop is not None:
                dp = dp * drop
            ds = p * (dp - (dp * p).sum(-1, keepdim=True))
            if nm:
                gm = ds
            if nq or nk:
                ds = ds * scale
                if nq:
                    gq = ds.matmul(k)
                if nk:
                    gk = ds.mT.matmul(q)
        return gq, gk, gv, gm, None, None, None


def _attn_weights(q, k, mask, scale, causal):
    """The attention weights with ember ops (differentiable; all-masked rows give zeros)."""
    from .activation import softmax
    from .pointwise import where
    s = q.matmul(k.mT) * scale
    if mask is not None:
        s = s + mask
    if causal:
        xp = _xp(s._data)
        s = s + _wrap(_causal_bias(xp, s.shape[-2], s.shape[-1], s._data.dtype))
    xp = _xp(s._data)
    rowmax = s._data.max(axis=-1, keepdims=True)
    dead = xp.isneginf(rowmax)
    if bool(dead.any()):
        keep = _wrap((~dead).astype(s._data.dtype))
        s = where(_wrap(dead), _wrap(xp.zeros((), s._data.dtype)), s)
        return softmax(s, -1) * keep
    return softmax(s, -1)


def _bcast(*shapes):
    return tuple(np.broadcast_shapes(*shapes))


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None, enable_gqa=False):
    """``softmax(query @ key^T * scale + mask) @ value`` (``F.scaled_dot_product_attention``).

    Args:
        query: (..., L, E); key: (..., S, E); value: (..., S, Ev); batch dims broadcast.
        attn_mask: a bool mask (True = may attend) or an additive float mask broadcastable
            to (..., L, S).
        dropout_p: dropout probability applied to the attention weights (always, as in
            PyTorch: pass 0.0 in evaluation).
        is_causal: mask out keys after each query (top-left aligned); excludes ``attn_mask``.
        scale: defaults to ``1 / sqrt(E)``.
        enable_gqa: grouped-query attention: key/value heads (dim -3) are repeated to match
            the query's.

    Rows whose keys are all masked give zeros, as PyTorch's math kernel does.
    """
    if _ac[0]:
        return _ac_run('scaled_dot_product_attention', scaled_dot_product_attention, query, key, value, attn_mask, dropout_p, is_causal, scale, enable_gqa)
    if query.dim() < 2 or key.dim() < 2 or value.dim() < 2:
        raise RuntimeError('Expected query, key, and value to all be  at least 2 dimensional, but '
                           f'got query.dim: {query.dim()} key.dim: {key.dim()} and value.dim: '
                           f'{value.dim()} instead.')
    qd, kd, vd = query._data.dtype, key._data.dtype, value._data.dtype
    if not (qd == kd == vd):
        raise RuntimeError('Expected query, key, and value to have the same dtype, but got '
                           f'query.dtype: {_cname(query)} key.dtype: {_cname(key)} and '
                           f'value.dtype: {_cname(value)} instead.')
    if attn_mask is not None:
        md = attn_mask._data.dtype
        if not (md.kind == 'b' or md == qd or attn_mask.dtype is _dtype.float32):
            raise RuntimeError('Expected attn_mask dtype to be bool or float or to match query '
                               f'dtype, but got attn_mask.dtype: {_cname(attn_mask)} and  '
                               f'query.dtype: {_cname(query)} instead.')
        if is_causal:
            raise RuntimeError('_scaled_dot_product_attention: Explicit attn_mask should not be '
                               'set when is_causal=True')
    if qd.kind not in 'fV':
        raise RuntimeError(f'expected scalar type Float but found {_tname(query)}')
    if not 0.0 <= dropout_p <= 1.0:
        raise RuntimeError(f'dropout probability has to be between 0 and 1, but got {dropout_p}')
    if enable_gqa and query.dim() >= 3 and key.dim() >= 3:
        hq, hk, hv = query.shape[-3], key.shape[-3], value.shape[-3]
        if hq % hk or hq % hv:
            raise RuntimeError('Number of heads in key and value must divide the number of heads '
                               'in ')
        if hk != hq:
            key = key.repeat_interleave(hq // hk, dim=-3)
        if hv != hq:
            value = value.repeat_interleave(hq // hv, dim=-3)
    L, E = query.shape[-2:]
    S, Ek = key.shape[-2:]
    try:
        batch = _bcast(query.shape[:-2], key.shape[:-2], value.shape[:-2])
    except ValueError:
        from .linalg import _bcast_error
        raise _bcast_error(query.shape[:-2], key.shape[:-2]) from None
    nb = math.prod(batch)
    if Ek != E:
        raise RuntimeError(f'Expected size for first two dimensions of batch2 tensor to be: '
                           f'[{nb}, {E}] but got: [{nb}, {Ek}].')
    if value.shape[-2] != S:
        raise RuntimeError(f'Expected size for first two dimensions of batch2 tensor to be: '
                           f'[{nb}, {S}] but got: [{nb}, {value.shape[-2]}].')
    mask = None
    if attn_mask is not None:
        wshape = batch + (L, S)
        try:
            _bcast(wshape, attn_mask.shape)
        except ValueError:
            from .linalg import _bcast_error
            raise _bcast_error(wshape, attn_mask.shape) from None
        if attn_mask._data.dtype.kind == 'b':
            xp = _xp(attn_mask._data)
            mask = _wrap(xp.where(attn_mask._data, qd.type(0), qd.type(-math.inf)))
        else:
            mask = attn_mask if attn_mask._data.dtype == qd else attn_mask.to(query.dtype)
    scale = 1.0 / math.sqrt(E) if scale is None else float(scale)
    drop = None
    if dropout_p > 0.0:
        from .nn import _bernoulli_mask
        shape = batch + (L, S)
        if mask is not None:
            shape = _bcast(shape, mask.shape)
        drop = _bernoulli_mask(query, shape, dropout_p)
    return Attention.apply(query, key, value, mask, drop, scale, bool(is_causal))


def _tname(t):
    from ._util import _tname as tn
    return tn(t._data.dtype)


# ----------------------------------------------------------------------------- multi-head


def _none_or_dtype(input):
    if input is None:
        return None
    if isinstance(input, Tensor):
        return input.dtype
    raise RuntimeError('input to _none_or_dtype() must be None or torch.Tensor')


def _canonical_mask(mask, mask_name, other_type, other_name, target_type, check_other=True):
    """A bool mask (True = masked) as an additive float mask of ``target_type`` (-inf where
    True); float masks pass through (PyTorch's ``F._canonical_mask``)."""
    if mask is None:
        return None
    dk = mask._data.dtype.kind
    if dk != 'b' and dk not in 'fV':
        raise AssertionError(f'only bool and floating types of {mask_name} are supported')
    if check_other and other_type is not None and mask.dtype != other_type:
        warnings.warn(f'Support for mismatched {mask_name} and {other_name} is deprecated. Use '
                      'same type for both instead.', stacklevel=3)
    if dk == 'b':
        xp = _xp(mask._data)
        dt = target_type.np
        return _wrap(xp.where(mask._data, dt.type(-math.inf), dt.type(0)))
    return mask


def _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads):
    if query.dim() == 3:
        if key.dim() != 3 or value.dim() != 3:
            raise AssertionError('For batched (3-D) `query`, expected `key` and `value` to be 3-D'
                                 f' but found {key.dim()}-D and {value.dim()}-D tensors '
                                 'respectively')
        if key_padding_mask is not None and key_padding_mask.dim() != 2:
            raise AssertionError('For batched (3-D) `query`, expected `key_padding_mask` to be '
                                 f'`None` or 2-D but found {key_padding_mask.dim()}-D tensor '
                                 'instead')
        if attn_mask is not None and attn_mask.dim() not in (2, 3):
            raise AssertionError('For batched (3-D) `query`, expected `attn_mask` to be `None`, '
                                 f'2-D or 3-D but found {attn_mask.dim()}-D tensor instead')
        return True
    if query.dim() == 2:
        if key.dim() != 2 or value.dim() != 2:
            raise AssertionError('For unbatched (2-D) `query`, expected `key` and `value` to be '
                                 f'2-D but found {key.dim()}-D and {value.dim()}-D tensors '
                                 'respectively')
        if key_padding_mask is not None and key_padding_mask.dim() != 1:
            raise AssertionError('For unbatched (2-D) `query`, expected `key_padding_mask` to be '
                                 f'`None` or 1-D but found {key_padding_mask.dim()}-D tensor '
                                 'instead')
        if attn_mask is not None:
            if attn_mask.dim() not in (2, 3):
                raise AssertionError('For unbatched (2-D) `query`, expected `attn_mask` to be '
                                     f'`None`, 2-D or 3-D but found {attn_mask.dim()}-D tensor '
                                     'instead')
            if attn_mask.dim() == 3:
                expected = (num_heads, query.shape[0], key.shape[0])
                if tuple(attn_mask.shape) != expected:
                    raise AssertionError(f'Expected `attn_mask` shape to be {expected} but got '
                                         f'{attn_mask.shape}')
        return False
    raise AssertionError('query should be unbatched 2D or batched 3D tensor but received '
                         f'{query.dim()}-D query tensor')


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads,
                                 in_proj_weight, in_proj_bias, bias_k, bias_v, add_zero_attn,
                                 dropout_p, out_proj_weight, out_proj_bias, training=True,
                                 key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None,
                                 k_proj_weight=None, v_proj_weight=None, static_k=None,
                                 static_v=None, average_attn_weights=True, is_causal=False):
    """Multi-head attention on (L, N, E) / unbatched (L, E) inputs
    (``F.multi_head_attention_forward``): in-projection, per-head scaled dot-product
    attention with optional masks, extra key/value bias rows and zero attention, and the
    out-projection. Returns ``(attn_output, attn_weights or None)`` as PyTorch does.
    """
    return _mha(query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias,
                bias_k, bias_v, add_zero_attn, dropout_p, out_proj_weight, out_proj_bias,
                training, key_padding_mask, need_weights, attn_mask, use_separate_proj_weight,
                q_proj_weight, k_proj_weight, v_proj_weight, static_k, static_v,
                average_attn_weights, is_causal, batch_first=False)


def _mha(query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias,
         bias_k, bias_v, add_zero_attn, dropout_p, out_proj_weight, out_proj_bias, training,
         key_padding_mask, need_weights, attn_mask, use_separate_proj_weight, q_proj_weight,
         k_proj_weight, v_proj_weight, static_k, static_v, average_attn_weights, is_causal,
         batch_first):
    """``multi_head_attention_forward`` on token layout (L, N, E), or (N, L, E) when
    ``batch_first``: the projections run on the inputs as laid out (no transposes), heads are
    strided views, and the output comes back in the input's layout."""
    from .nn import linear, pad, dropout
    from .shape import cat
    is_batched = _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not is_batched:
        batch_first = False
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    sa, ba = (1, 0) if batch_first else (0, 1)        # sequence and batch axes
    tgt_len, bsz, embed_dim = query.shape[sa], query.shape[ba], query.shape[2]
    src_len = key.shape[sa]

    key_padding_mask = _canonical_mask(key_padding_mask, 'key_padding_mask',
                                       _none_or_dtype(attn_mask), 'attn_mask', query.dtype)
    if is_causal and attn_mask is None:
        raise RuntimeError('Need attn_mask if specifying the is_causal hint. You may use the '
                           'Transformer module method `generate_square_subsequent_mask` to '
                           'create this mask.')
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None
    else:
        attn_mask = _canonical_mask(attn_mask, 'attn_mask', None, '', query.dtype,
                                    check_other=False)
        if key_padding_mask is not None:
            is_causal = False
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f'was expecting embedding dimension of {embed_dim_to_check}, but '
                             f'got {embed_dim}')
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f'embed_dim {embed_dim} not divisible by num_heads {num_heads}')
    if use_separate_proj_weight:
        kv = (key.shape[0], key.shape[1])
        if kv != (value.shape[0], value.shape[1]):
            raise AssertionError(f"key's sequence and batch dims {_size(key.shape[:2])} do not "
                                 f"match value's {_size(value.shape[:2])}")
    elif tuple(key.shape) != tuple(value.shape):
        raise AssertionError(f'key shape {key.shape} does not match value shape {value.shape}')

    # in-projection, in the inputs' own layout
    E = embed_dim
    if not use_separate_proj_weight:
        if in_proj_weight is None:
            raise AssertionError('use_separate_proj_weight is False but in_proj_weight is None')
        if key is value and query is key:
            proj = linear(query, in_proj_weight, in_proj_bias)
            q, k, v = proj[..., :E], proj[..., E:2 * E], proj[..., 2 * E:]
        elif key is value:
            b_q = b_kv = None
            if in_proj_bias is not None:
                b_q, b_kv = in_proj_bias[:E], in_proj_bias[E:]
            q = linear(query, in_proj_weight[:E], b_q)
            kvp = linear(key, in_proj_weight[E:], b_kv)
            k, v = kvp[..., :E], kvp[..., E:]
        else:
            b = (None,) * 3 if in_proj_bias is None else in_proj_bias.chunk(3)
            w = in_proj_weight.chunk(3)
            q, k, v = (linear(x, wi, bi) for x, wi, bi in zip((query, key, value), w, b))
    else:
        for nm, w in (('q', q_proj_weight), ('k', k_proj_weight), ('v', v_proj_weight)):
            if w is None:
                raise AssertionError(f'use_separate_proj_weight is True but {nm}_proj_weight is '
                                     'None')
        b_q = b_k = b_v = None
        if in_proj_bias is not None:
            b_q, b_k, b_v = in_proj_bias.chunk(3)
        Ek, Ev = key.shape[-1], value.shape[-1]
        for what, w, want in (('query', q_proj_weight, (E, E)), ('key', k_proj_weight, (E, Ek)),
                              ('value', v_proj_weight, (E, Ev))):
            if tuple(w.shape) != want:
                raise AssertionError(f'expecting {what} weights shape of {want}, but got '
                                     f'{w.shape}')
        for what, b in (('query', b_q), ('key', b_k), ('value', b_v)):
            if b is not None and tuple(b.shape) != (E,):
                raise AssertionError(f'expecting {what} bias shape of {(E,)}, but got {b.shape}')
        q = linear(query, q_proj_weight, b_q)
        k = linear(key, k_proj_weight, b_k)
        v = linear(value, v_proj_weight, b_v)

    # masks, as (N or 1, H or 1, L, S) additive float tensors
    if attn_mask is not None:
        if attn_mask.dim() == 2:
            if tuple(attn_mask.shape) != (tgt_len, src_len):
                raise RuntimeError(f'The shape of the 2D attn_mask is {attn_mask.shape}, but '
                                   f'should be {(tgt_len, src_len)}.')
            attn_mask = attn_mask.reshape(1, 1, tgt_len, src_len)
        elif attn_mask.dim() == 3:
            want = (bsz * num_heads, tgt_len, src_len)
            if tuple(attn_mask.shape) != want:
                raise RuntimeError(f'The shape of the 3D attn_mask is {attn_mask.shape}, but '
                                   f'should be {want}.')
            attn_mask = attn_mask.reshape(bsz, num_heads, tgt_len, src_len)
        else:
            raise RuntimeError(f"attn_mask's dimension {attn_mask.dim()} is not supported")

    if bias_k is not None and bias_v is not None:
        if static_k is not None:
            raise AssertionError('bias cannot be added to static key.')
        if static_v is not None:
            raise AssertionError('bias cannot be added to static value.')
        shp = (bsz, 1, E) if batch_first else (1, bsz, E)
        k = cat([k, bias_k.expand(*shp)], dim=sa)
        v = cat([v, bias_v.expand(*shp)], dim=sa)
        if attn_mask is not None:
            attn_mask = pad(attn_mask, (0, 1))
        if key_padding_mask is not None:
            key_padding_mask = pad(key_padding_mask, (0, 1))
    else:
        if bias_k is not None:
            raise AssertionError('bias_k is set but bias_v is None')
        if bias_v is not None:
            raise AssertionError('bias_v is set but bias_k is None')

    # heads: (N, H, len, D) strided views of the projections
    perm = (0, 2, 1, 3) if batch_first else (1, 2, 0, 3)
    q = q.unflatten(-1, (num_heads, head_dim)).permute(*perm)
    if static_k is None:
        k = k.unflatten(-1, (num_heads, head_dim)).permute(*perm)
    else:
        if static_k.size(0) != bsz * num_heads:
            raise AssertionError(f'expecting static_k.size(0) of {bsz * num_heads}, but got '
                                 f'{static_k.size(0)}')
        if static_k.size(2) != head_dim:
            raise AssertionError(f'expecting static_k.size(2) of {head_dim}, but got '
                                 f'{static_k.size(2)}')
        k = static_k.reshape(bsz, num_heads, -1, head_dim)
    if static_v is None:
        v = v.unflatten(-1, (num_heads, head_dim)).permute(*perm)
    else:
        if static_v.size(0) != bsz * num_heads:
            raise AssertionError(f'expecting static_v.size(0) of {bsz * num_heads}, but got '
                                 f'{static_v.size(0)}')
        if static_v.size(2) != head_dim:
            raise AssertionError(f'expecting static_v.size(2) of {head_dim}, but got '
                                 f'{static_v.size(2)}')
        v = static_v.reshape(bsz, num_heads, -1, head_dim)

    if add_zero_attn:
        from .creation import zeros
        z = zeros((bsz, num_heads, 1, head_dim), dtype=k.dtype, device=k.device)
        k = cat([k, z], dim=2)
        v = cat([v, z.to(v.dtype)], dim=2)
        if attn_mask is not None:
            attn_mask = pad(attn_mask, (0, 1))
        if key_padding_mask is not None:
            key_padding_mask = pad(key_padding_mask, (0, 1))
    src_len = k.shape[2]

    if key_padding_mask is not None:
        if key_padding_mask.shape[0] != bsz:
            raise AssertionError(f'Expected key_padded_mask.shape[0] to be {bsz}, but got '
                                 f'{key_padding_mask.shape[0]}')
        if key_padding_mask.shape[1] != src_len:
            raise AssertionError(f'Expected key_padded_mask.shape[1] to be {src_len}, but got '
                                 f'{key_padding_mask.shape[1]}')
        kpm = key_padding_mask.reshape(bsz, 1, 1, src_len)
        attn_mask = kpm if attn_mask is None else attn_mask + kpm

    if not training:
        dropout_p = 0.0

    if need_weights:
        q_scaled = q * math.sqrt(1.0 / float(head_dim))
        w = q_scaled.matmul(k.mT)
        if attn_mask is not None:
            w = attn_mask + w
        from .activation import softmax
        w = softmax(w, dim=-1)
        if dropout_p > 0.0:
            w = dropout(w, p=dropout_p)
        out = w.matmul(v)
        if w.shape[0] != bsz or w.shape[1] != num_heads:
            w = w.expand(bsz, num_heads, tgt_len, src_len)
        if average_attn_weights:
            w = w.mean(dim=1)
    else:
        w = None
        out = scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal)

    # (N, H, L, D) -> token layout -> out-projection
    shape = (bsz, tgt_len) if batch_first else (tgt_len, bsz)
    out = out.permute(*((0, 2, 1, 3) if batch_first else (2, 0, 1, 3))).reshape(
        shape[0] * shape[1], embed_dim)
    out = linear(out, out_proj_weight, out_proj_bias)
    out = out.view(shape[0], shape[1], out.shape[1])
    if not is_batched:
        out = out.squeeze(1)
        if w is not None:
            w = w.squeeze(0)
    return out, w


def _size(s):
    from .._tensor import Size
    return Size(tuple(s))
