"""Adam and AdamW."""
import math

import numpy as np

from .._tensor import _wrap
from ..backend import kernels
from ..backend.cpu import parallel
from .optimizer import Optimizer, _value, _closure_loss, _scalar_state, _check_adam_options

__all__ = ['Adam', 'AdamW']


class Adam(Optimizer):
    """Adam (``torch.optim.Adam``)::

        m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
        p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)

    Args:
        params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0 (L2, or decoupled as
        AdamW with ``decoupled_weight_decay=True``), amsgrad=False, maximize=False.
    """

    _setstate_defaults = dict(amsgrad=False, maximize=False, decoupled_weight_decay=False)

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False, fused=None, decoupled_weight_decay=False):
        _check_adam_options(lr, betas, eps, weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize, foreach=foreach, capturable=capturable,
                        differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One Adam update of every parameter that has a gradient."""
        loss = _closure_loss(closure)
        for group in self.param_groups:
            b1, b2 = (_value(b) for b in group['betas'])
            lr, eps, wd = _value(group['lr']), group['eps'], group['weight_decay']
            amsgrad, maximize = group['amsgrad'], group['maximize']
            decoupled = group.get('decoupled_weight_decay', False)
            for p in group['params']:
                if p._grad is None:
                    continue
                d = p._data
                g = p._grad._data
                t = d.dtype.type
                if maximize:
                    g = -g
                state = self.state[p]
                if len(state) == 0:
                    state['step'] = _scalar_state(0.0)
                    state['exp_avg'] = _wrap(np.zeros_like(d))
                    state['exp_avg_sq'] = _wrap(np.zeros_like(d))
                    if amsgrad:
                        state['max_exp_avg_sq'] = _wrap(np.zeros_like(d))
                step_t = state['step']._data
                step_t += 1
                step = float(step_t)
                mx = state['max_exp_avg_sq']._data if amsgrad else None
                bc1, bc2_sqrt = 1 - b1 ** step, math.sqrt(1 - b2 ** step)
                args = (b1, b2, lr, wd, eps, decoupled, bc1, bc2_sqrt, t)
                arrays = (d, g, state['exp_avg']._data, state['exp_avg_sq']._data, mx)
                flat_ok = type(d) is np.ndarray and all(
                    a is None or (a.flags.c_contiguous and a.dtype == d.dtype) for a in arrays)
                if flat_ok:
                    flat = [a.reshape(-1) if a is not None else None for a in arrays]

                    def part(s, e, flat=flat):
                        return [f[s:e] if f is not None else None for f in flat]
                k = kernels.get('adam', *[a for a in arrays if a is not None]) \
                    if flat_ok else None
                if k is not None:                     # one compiled pass, chunks on the threads
                    mode = 0 if wd == 0 else (2 if decoupled else 1)
                    consts = (mode, t(1 - lr * wd) if decoupled else t(wd), t(1 - b1), t(b2),
                              t(1 - b2), t(bc2_sqrt), t(eps), t(lr / bc1))
                    parallel(d.size, lambda s, e: k(*part(s, e), *consts), work=6 * d.size)
                elif flat_ok and d.size >= _CHUNK:
                    # cache-sized chunks, one fused pass each, on the CPU threads
                    parallel(d.size, lambda s, e: _update(*part(s, e), *args),
                             work=6 * d.size, grain=_CHUNK // 4, chunks=d.size // (_CHUNK // 4))
                else:
                    _update(*arrays, *args)
                p._vc[0] += 1
        return loss


_CHUNK = 1 << 16        # parameters from which Adam's update runs in chunks of _CHUNK / 4


def _update(d, g, m, v, mx, b1, b2, lr, wd, eps, decoupled, bc1, bc2_sqrt, t):
    """Adam's update of one parameter (or a slice of it) in place."""
    if wd != 0:
        if decoupled:
            d *= t(1 - lr * wd)
        else:
            g = g + d * t(wd)
    m += (g - m) * t(1 - b1)              # lerp(m, g, 1 - b1)
    v *= t(b2)
    v += g * g * t(1 - b2)
    if mx is not None:
        np.maximum(mx, v, out=mx)
        denom = np.sqrt(mx) / t(bc2_sqrt)
    else:
        denom = np.sqrt(v) / t(bc2_sqrt)
    denom += t(eps)
    d -= t(lr / bc1) * m / denom


class AdamW(Adam):
    """Adam with decoupled weight decay (``torch.optim.AdamW``): ``p *= 1 - lr * wd``."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False, foreach=None, capturable=False,
                 differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach,
                         maximize=maximize, capturable=capturable, differentiable=differentiable,
                         fused=fused, decoupled_weight_decay=True)
