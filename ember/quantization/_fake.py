"""Fake quantization primitives: ``(clamp(rint(x / s) + z, qmin, qmax) - z) * s`` with the
straight-through gradient (``g`` where the rounded value is inside [qmin, qmax], else 0)."""
from ..ops._util import Primitive


class _FakeQuant(Primitive):
    def forward(ctx, xp, x, scale, zp, qmin, qmax):
        # scale/zp: python numbers or arrays already shaped to broadcast against x
        dt = x.dtype
        inv = xp.asarray(1.0, dtype=xp.float32) / xp.asarray(scale, dtype=xp.float32)
        q = xp.rint(x * inv.astype(dt)) + xp.asarray(zp, dtype=dt)
        mask = (q >= qmin) & (q <= qmax)
        out = (xp.clip(q, qmin, qmax) - xp.asarray(zp, dtype=dt)) * \
            xp.asarray(scale, dtype=xp.float32).astype(dt)
        ctx.save_for_backward(mask)
        return out.astype(dt, copy=False)

    def backward(ctx, g):
        mask, = ctx.saved_tensors
        return g * mask.to(g.dtype), None, None, None, None


def fake_quant_per_tensor(input, scale, zero_point, quant_min, quant_max):
    from .._tensor import Tensor
    s = float(scale.item()) if isinstance(scale, Tensor) else float(scale)
    z = int(zero_point.item()) if isinstance(zero_point, Tensor) else int(zero_point)
    return _FakeQuant.apply(input, s, z, quant_min, quant_max)


def fake_quant_per_channel(input, scale, zero_point, axis, quant_min, quant_max):
    shape = [1] * input.dim()
    shape[axis] = -1
    s = scale.detach()._data.reshape(shape)
    z = zero_point.detach()._data.reshape(shape)
    return _FakeQuant.apply(input, s, z, quant_min, quant_max)
