"""Recurrent layers: one fused primitive per (layer, direction) of an RNN, LSTM or GRU.

The input projection ``x @ W_ih^T + b_ih`` for all time steps is one GEMM (``F.linear``, in
``rnn_layer``); the primitives below run the recurrence over time on raw arrays: per step one
small GEMM ``h @ W_hh^T`` and a handful of fused in-place array ops for the gates. Backward is
backpropagation through time on arrays with the weight gradients as single GEMMs over all
steps (``dW_hh = dG^T @ H_prev``).

Sequences are in *packed* layout: ``gi`` is ``(N, G)`` with the rows of time step ``t`` at
``offsets[t]:offsets[t] + batch_sizes[t]`` (``batch_sizes`` non-increasing, as in a
``PackedSequence``); a padded ``(T, B, *)`` input is the special case ``batch_sizes = (B,) * T``.
A row that is not active at step ``t`` keeps its state, which gives each sequence's last
state (forward direction) and starts the reverse direction of a sequence at its own end.

Gate order and formulas are PyTorch's: LSTM (i, f, g, o); GRU (r, z, n) with
``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``; RNN ``tanh`` or ``relu``.

When a backward is itself recorded (``create_graph=True``), the layer is recomputed with
composed ember ops and differentiated through them, so higher-order gradients are exact.
"""
from .._tensor import _wrap
from ..autograd.function import _StandIn
from ..autograd.grad_mode import _state
from ._util import Primitive, mm2

__all__ = []


def _offsets(bs):
    offs = [0] * len(bs)
    o = 0
    for t, b in enumerate(bs):
        offs[t] = o
        o += b
    return offs


def _order(T, reverse):
    return range(T - 1, -1, -1) if reverse else range(T)


def _init_state(xp, s, B, width, dt):
    return xp.zeros((B, width), dt) if s is None else s.astype(dt, copy=True)


class _Layer(Primitive):
    """Shared backward plumbing: fast array BPTT, or a composed recomputation when the
    backward pass is being recorded (double backward)."""

    def backward(ctx, *grads):
        if _state[0]:
            return _composed_backward(ctx, grads)
        return ctx._bptt(grads)


# ------------------------------------------------------------------------------------ LSTM


class LSTMLayer(_Layer):
    """One LSTM layer in one direction over a packed sequence.

    Inputs: ``gi`` (N, 4H) input projection incl. ``b_ih``; ``h0`` (B, P) or None; ``c0``
    (B, H) or None; ``w_hh`` (4H, P); ``b_hh`` (4H,) or None; ``w_hr`` (P, H) or None.
    Outputs: ``out`` (N, P), ``h_n`` (B, P), ``c_n`` (B, H).
    """
    _name = 'LstmLayerBackward0'

    def forward(ctx, xp, gi, h0, c0, w, b, whr, batch_sizes=(), reverse=False):
        N, G = gi.shape
        H = G // 4
        P = w.shape[1]
        B = batch_sizes[0]
        dt = gi.dtype
        rec = not isinstance(ctx, _StandIn)
        offs = _offsets(batch_sizes)
        wT = xp.ascontiguousarray(w.T)
        gib = gi + b if b is not None else gi
        h = _init_state(xp, h0, B, P, dt)
        c = _init_state(xp, c0, B, H, dt)
        out = xp.empty((N, P), dt)
        proj = whr is not None
        if proj:
            whrT = xp.ascontiguousarray(whr.T)
        acts = xp.empty((N, G), dt) if rec else xp.empty((B, G), dt)
        tcs = xp.empty((N, H), dt) if rec else xp.empty((B, H), dt)
        hu = (xp.empty((N, H), dt) if rec else xp.empty((B, H), dt)) if proj else None
        if rec:
            hprev = xp.empty((N, P), dt)
            cprev = xp.empty((N, H), dt)
        # sigmoid(x) = 0.5 * tanh(0.5 x) + 0.5 on the i, f, o columns; tanh on g: one pass
        scale = xp.full(G, 0.5, dt)
        scale[2 * H:3 * H] = 1
        shift = scale.copy()
        shift[2 * H:3 * H] = 0
        mul, tanh = xp.multiply, xp.tanh
        for t in _order(len(batch_sizes), reverse):
            bt, o = batch_sizes[t], offs[t]
            sl = slice(o, o + bt)
            hp, cp = h[:bt], c[:bt]
            if rec:
                hprev[sl] = hp
                cprev[sl] = cp
                a, tc = acts[sl], tcs[sl]
                u = hu[sl] if proj else None
            else:
                a, tc = acts[:bt], tcs[:bt]
                u = hu[:bt] if proj else None
            xp.matmul(hp, wT, out=a)
            a += gib[sl]
            a *= scale
            tanh(a, out=a)
            a *= scale
            a += shift
            i, f, g, og = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]
            cp *= f
            cp += i * g
            tanh(cp, out=tc)
            if proj:
                mul(og, tc, out=u)
                xp.matmul(u, whrT, out=out[sl])
            else:
                mul(og, tc, out=out[sl])
            hp[...] = out[sl]
        if rec:
            ctx.H, ctx.bs, ctx.offs, ctx.reverse = H, batch_sizes, offs, reverse
            ctx.arrays = (acts, tcs, hprev, cprev, hu)
            ctx.save_for_backward(gi, h0, c0, w, b, whr)
        return out, h, c

    def _bptt(ctx, grads):
        gout, ghT, gcT = (g._data for g in grads)
        gi, h0, c0, w, b, whr = ctx.saved_tensors
        acts, tcs, hprev, cprev, hu = ctx.arrays
        H, bs, offs = ctx.H, ctx.bs, ctx.offs
        w = w._data
        whr = whr._data if whr is not None else None
        proj = whr is not None
        xp = _xp(gout)
        N, G = acts.shape
        dG = xp.empty_like(acts)
        dh = ghT.copy()
        dc = gcT.copy()
        dhs = xp.empty_like(gout) if proj else None
        mul = xp.multiply
        vcol = xp.zeros(G, acts.dtype)
        vcol[2 * H:3 * H] = 1
        for t in reversed(_order(len(bs), ctx.reverse)):
            bt, o = bs[t], offs[t]
            sl = slice(o, o + bt)
            dht = dh[:bt]
            dht += gout[sl]
            if proj:
                dhs[sl] = dht
                dhu = dht @ whr
            else:
                dhu = dht
            a, tc, cp = acts[sl], tcs[sl], cprev[sl]
            i, f, g, og = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]
            d = dG[sl]
            dct = dc[:bt]
            # dc_t += dh_t * o * (1 - tanh(c_t)^2)
            tmp = tc * tc
            xp.subtract(1, tmp, out=tmp)
            tmp *= og
            tmp *= dhu
            dct += tmp
            mul(dct, g, out=d[:, :H])
            mul(dct, cp, out=d[:, H:2 * H])
            mul(dct, i, out=d[:, 2 * H:3 * H])
            mul(dhu, tc, out=d[:, 3 * H:])
            # activation derivatives: s (1 - s) for sigmoid, (1 - g)(1 + g) for tanh
            dact = 1 - a
            dact *= a + vcol
            d *= dact
            dct *= f
            xp.matmul(d, w, out=dht)
        nx = ctx._next
        r = [None] * 6
        r[0] = _wrap(dG) if nx[0] is not None else None
        r[1] = _wrap(dh) if nx[1] is not None else None
        r[2] = _wrap(dc) if nx[2] is not None else None
        if nx[3] is not None:
            r[3] = _wrap(mm2(xp, dG.T, hprev))
        if nx[4] is not None:
            r[4] = _wrap(dG.sum(0))
        if proj and nx[5] is not None:
            r[5] = _wrap(mm2(xp, dhs.T, hu))
        return tuple(r)


# ------------------------------------------------------------------------------------- GRU


class GRULayer(_Layer):
    """One GRU layer in one direction over a packed sequence.

    Inputs: ``gi`` (N, 3H) incl. ``b_ih``; ``h0`` (B, H) or None; ``c0`` unused (None);
    ``w_hh`` (3H, H); ``b_hh`` (3H,) or None; ``w_hr`` unused (None).
    Outputs: ``out`` (N, H), ``h_n`` (B, H).
    """
    _name = 'GruLayerBackward0'

    def forward(ctx, xp, gi, h0, c0, w, b, whr, batch_sizes=(), reverse=False):
        N, G = gi.shape
        H = G // 3
        B = batch_sizes[0]
        dt = gi.dtype
        rec = not isinstance(ctx, _StandIn)
        offs = _offsets(batch_sizes)
        wT = xp.ascontiguousarray(w.T)
        h = _init_state(xp, h0, B, H, dt)
        out = xp.empty((N, H), dt)
        acts = xp.empty((N, G), dt) if rec else xp.empty((B, G), dt)
        if rec:
            ghn = xp.empty((N, H), dt)
            hprev = xp.empty((N, H), dt)
        gh = xp.empty((B, G), dt)
        tanh = xp.tanh
        H2 = 2 * H
        for t in _order(len(batch_sizes), reverse):
            bt, o = batch_sizes[t], offs[t]
            sl = slice(o, o + bt)
            hp = h[:bt]
            a = acts[sl] if rec else acts[:bt]
            g = gh[:bt]
            xp.matmul(hp, wT, out=g)
            if b is not None:
                g += b
            rz = a[:, :H2]
            xp.add(gi[sl, :H2], g[:, :H2], out=rz)
            rz *= 0.5
            tanh(rz, out=rz)
            rz *= 0.5
            rz += 0.5
            r, z, n = a[:, :H], a[:, H:H2], a[:, H2:]
            xp.multiply(r, g[:, H2:], out=n)
            n += gi[sl, H2:]
            tanh(n, out=n)
            if rec:
                hprev[sl] = hp
                ghn[sl] = g[:, H2:]
            hn = out[sl]
            xp.subtract(hp, n, out=hn)
            hn *= z
            hn += n
            hp[...] = hn
        if rec:
            ctx.H, ctx.bs, ctx.offs, ctx.reverse = H, batch_sizes, offs, reverse
            ctx.arrays = (acts, ghn, hprev)
            ctx.save_for_backward(gi, h0, c0, w, b, whr)
        return out, h

    def _bptt(ctx, grads):
        gout, ghT = (g._data for g in grads)
        gi, h0, c0, w, b, whr = ctx.saved_tensors
        acts, ghn, hprev = ctx.arrays
        H, bs, offs = ctx.H, ctx.bs, ctx.offs
        H2 = 2 * H
        w = w._data
        xp = _xp(gout)
        DI = xp.empty_like(acts)
        DH = xp.empty_like(acts)
        dh = ghT.copy()
        mul = xp.multiply
        for t in reversed(_order(len(bs), ctx.reverse)):
            bt, o = bs[t], offs[t]
            sl = slice(o, o + bt)
            dht = dh[:bt]
            dht += gout[sl]
            a, hp = acts[sl], hprev[sl]
            r, z, n = a[:, :H], a[:, H:H2], a[:, H2:]
            di, dhh = DI[sl], DH[sl]
            dr, dz, dn = di[:, :H], di[:, H:H2], di[:, H2:]
            # dn_pre = dh * (1 - z) * (1 - n^2)
            xp.subtract(1, z, out=dn)
            dn *= dht
            tmp = n * n
            xp.subtract(1, tmp, out=tmp)
            dn *= tmp
            # dz_pre = dh * (h_prev - n) * z (1 - z)
            xp.subtract(hp, n, out=dz)
            dz *= dht
            tmp = 1 - z
            tmp *= z
            dz *= tmp
            # dr_pre = dn_pre * gh_n * r (1 - r)
            mul(dn, ghn[sl], out=dr)
            tmp = 1 - r
            tmp *= r
            dr *= tmp
            dhh[:, :H2] = di[:, :H2]
            mul(dn, r, out=dhh[:, H2:])
            dht *= z
            dht += dhh @ w
        nx = ctx._next
        r = [None] * 6
        r[0] = _wrap(DI) if nx[0] is not None else None
        r[1] = _wrap(dh) if nx[1] is not None else None
        if nx[3] is not None:
            r[3] = _wrap(mm2(xp, DH.T, hprev))
        if nx[4] is not None:
            r[4] = _wrap(DH.sum(0))
        return tuple(r)


# ------------------------------------------------------------------------------------- RNN


class RNNLayer(_Layer):
    """One Elman RNN layer (``nonlinearity`` 'tanh' or 'relu') in one direction.

    Inputs: ``gi`` (N, H) incl. ``b_ih``; ``h0`` (B, H) or None; ``c0`` None; ``w_hh``
    (H, H); ``b_hh`` (H,) or None; ``w_hr`` None. Outputs: ``out`` (N, H), ``h_n`` (B, H).
    """
    _name = 'RnnLayerBackward0'

    def forward(ctx, xp, gi, h0, c0, w, b, whr, batch_sizes=(), reverse=False,
                nonlinearity='tanh'):
        N, H = gi.shape
        B = batch_sizes[0]
        dt = gi.dtype
        offs = _offsets(batch_sizes)
        wT = xp.ascontiguousarray(w.T)
        gib = gi + b if b is not None else gi
        h = _init_state(xp, h0, B, H, dt)
        rec = not isinstance(ctx, _StandIn)
        out = xp.empty((N, H), dt)      # the states; a private copy is returned when recording
        relu = nonlinearity == 'relu'
        for t in _order(len(batch_sizes), reverse):
            bt, o = batch_sizes[t], offs[t]
            sl = slice(o, o + bt)
            hp = h[:bt]
            a = out[sl]
            xp.matmul(hp, wT, out=a)
            a += gib[sl]
            if relu:
                xp.maximum(a, 0, out=a)
            else:
                xp.tanh(a, out=a)
            hp[...] = a
        if rec:
            ctx.bs, ctx.offs, ctx.reverse, ctx.relu = batch_sizes, offs, reverse, relu
            ctx.nonlinearity = nonlinearity
            ctx.arrays = (out,)
            ctx.save_for_backward(gi, h0, c0, w, b, whr)
            out = out.copy()
        return out, h

    def _bptt(ctx, grads):
        gout, ghT = (g._data for g in grads)
        gi, h0, c0, w, b, whr = ctx.saved_tensors
        out, = ctx.arrays
        bs, offs = ctx.bs, ctx.offs
        w = w._data
        xp = _xp(gout)
        D = xp.empty_like(out)
        hprev = xp.empty_like(out) if ctx._next[3] is not None else None
        dh = ghT.copy()
        h0a = h0._data if h0 is not None else None
        T = len(bs)
        order = list(_order(T, ctx.reverse))
        for k in range(T - 1, -1, -1):
            t = order[k]
            bt, o = bs[t], offs[t]
            sl = slice(o, o + bt)
            dht = dh[:bt]
            dht += gout[sl]
            y = out[sl]
            d = D[sl]
            if ctx.relu:
                xp.multiply(dht, y > 0, out=d)
            else:
                xp.multiply(y, y, out=d)
                xp.subtract(1, d, out=d)
                d *= dht
            xp.matmul(d, w, out=dht)
            if hprev is not None:
                # the state before step t: the previous step's output rows, else h0
                if k > 0:
                    tp = order[k - 1]
                    bp = bs[tp]
                    m = min(bt, bp)
                    hprev[o:o + m] = out[offs[tp]:offs[tp] + m]
                else:
                    m = 0
                if m < bt:
                    hprev[o + m:o + bt] = 0 if h0a is None else h0a[m:bt]
        nx = ctx._next
        r = [None] * 6
        r[0] = _wrap(D) if nx[0] is not None else None
        r[1] = _wrap(dh) if nx[1] is not None else None
        if nx[3] is not None:
            r[3] = _wrap(mm2(xp, D.T, hprev))
        if nx[4] is not None:
            r[4] = _wrap(D.sum(0))
        return tuple(r)


def _xp(a):
    import numpy as np
    return np if isinstance(a, np.ndarray) else __import__('cupy')


# ---------------------------------------------------------------- composed (differentiable)


def _composed(kind, gi, h0, c0, w, b, whr, bs, reverse, nonlinearity='tanh'):
    """The layer written with ember ops (differentiable to any order); same results as the
    fused primitives. Used to record the backward pass under ``create_graph=True``."""
    from . import pointwise as pw
    from .shape import cat
    from .creation import zeros
    from .nn import linear
    B = bs[0]
    offs = _offsets(bs)
    P = w.shape[1]
    kw = dict(dtype=gi.dtype, device=gi.device)
    h = h0 if h0 is not None else zeros(B, P, **kw)
    c = None
    if kind == 'lstm':
        H = w.shape[0] // 4
        c = c0 if c0 is not None else zeros(B, H, **kw)
    outs = [None] * len(bs)
    for t in _order(len(bs), reverse):
        bt, o = bs[t], offs[t]
        hp = h[:bt] if bt < B else h
        x = gi[o:o + bt]
        if kind == 'lstm':
            cp = c[:bt] if bt < B else c
            gates = x + linear(hp, w, b)
            i, f, g, og = gates.chunk(4, 1)
            i, f, g, og = pw.sigmoid(i), pw.sigmoid(f), pw.tanh(g), pw.sigmoid(og)
            cn = f * cp + i * g
            hn = og * pw.tanh(cn)
            if whr is not None:
                hn = linear(hn, whr)
            c = cat([cn, c[bt:]]) if bt < B else cn
        elif kind == 'gru':
            gh = linear(hp, w, b)
            xr, xz, xn = x.chunk(3, 1)
            hr, hz, hn_ = gh.chunk(3, 1)
            r = pw.sigmoid(xr + hr)
            z = pw.sigmoid(xz + hz)
            n = pw.tanh(xn + r * hn_)
            hn = n + z * (hp - n)
        else:
            pre = x + linear(hp, w, b)
            hn = pw.relu(pre) if nonlinearity == 'relu' else pw.tanh(pre)
        outs[t] = hn
        h = cat([hn, h[bt:]]) if bt < B else hn
    out = cat(outs) if len(outs) > 1 else outs[0]
    return (out, h, c) if kind == 'lstm' else (out, h)


def _composed_backward(ctx, grads):
    from ..autograd.engine import grad as _grad
    gi, h0, c0, w, b, whr = ctx.saved_tensors
    kind = {LSTMLayer: 'lstm', GRULayer: 'gru'}.get(type(ctx), 'rnn')
    args = [gi, h0, c0, w, b, whr]
    idx = [k for k, a in enumerate(args) if a is not None and ctx._next[k] is not None]
    # a fresh view per input: autograd.grad stops there instead of running the node below
    ins = list(args)
    for k in idx:
        ins[k] = args[k].view_as(args[k])
    outs = _composed(kind, *ins, ctx.bs, ctx.reverse, getattr(ctx, 'nonlinearity', 'tanh'))
    got = _grad(outs, [ins[k] for k in idx], grads, create_graph=True, allow_unused=True)
    r = [None] * 6
    for k, g in zip(idx, got):
        r[k] = g
    return tuple(r)


_LAYERS = {'LSTM': LSTMLayer, 'GRU': GRULayer, 'RNN_TANH': RNNLayer, 'RNN_RELU': RNNLayer}


def rnn_layer(mode, x, w_ih, b_ih, h0, c0, w_hh, b_hh, w_hr, batch_sizes, reverse):
    """Run one layer/direction over packed rows ``x`` (N, in): the input projection for all
    steps is one GEMM, then the fused recurrence. Returns ``(out, h_n)`` or, for LSTM,
    ``(out, h_n, c_n)``.

    For LSTM and RNN the two biases only ever appear summed, so ``b_ih + b_hh`` is added once
    inside the projection GEMM (both get the same gradient, as in PyTorch)."""
    from .nn import linear
    bs = tuple(batch_sizes)
    if mode == 'GRU':
        gi = linear(x, w_ih, b_ih)
        return GRULayer.apply(gi, h0, None, w_hh, b_hh, None, batch_sizes=bs, reverse=reverse)
    b = b_ih if b_hh is None else (b_hh if b_ih is None else b_ih + b_hh)
    gi = linear(x, w_ih, b)
    if mode == 'LSTM':
        return LSTMLayer.apply(gi, h0, c0, w_hh, None, w_hr, batch_sizes=bs, reverse=reverse)
    return RNNLayer.apply(gi, h0, None, w_hh, None, None, batch_sizes=bs, reverse=reverse,
                          nonlinearity='relu' if mode == 'RNN_RELU' else 'tanh')
