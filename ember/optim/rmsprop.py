"""RMSprop, with momentum and the centered variant."""
from .optimizer import (Optimizer, _value, _closure_loss, _scalar_state, _check_lr, _check_nonneg,
                        _grads, _lerp_, _zeros_like, _FLAG_DEFAULTS)
from ..backend import xp_of

__all__ = ['RMSprop']


class RMSprop(Optimizer):
    """RMSprop (``torch.optim.RMSprop``)::

        v = alpha v + (1 - alpha) g^2;  (centered: m = lerp(m, g, 1 - alpha), v~ = v - m^2)
        a = sqrt(v~) + eps;  b = momentum b + g / a;  p -= lr * (b if momentum > 0 else g / a)

    Args:
        params, lr=1e-2, alpha=0.99 (smoothing constant), eps=1e-8, weight_decay=0 (L2),
        momentum=0, centered=False (normalise by the estimated variance), capturable=False,
        foreach=None, maximize=False, differentiable=False (accepted for compatibility).
    """

    _setstate_defaults = dict(momentum=0, centered=False, **_FLAG_DEFAULTS)

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, capturable=False, foreach=None, maximize=False,
                 differentiable=False):
        _check_lr(lr)
        _check_nonneg(eps, 'epsilon')
        _check_nonneg(momentum, 'momentum')
        _check_nonneg(weight_decay, 'weight_decay')
        _check_nonneg(alpha, 'alpha')
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, capturable=capturable, foreach=foreach,
                        maximize=maximize, differentiable=differentiable)
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One RMSprop update of every parameter that has a gradient; returns the closure's loss."""
        loss = _closure_loss(closure)
        for group in self.param_groups:
            lr, alpha, eps = _value(group['lr']), group['alpha'], group['eps']
            wd, mom, centered = group['weight_decay'], group['momentum'], group['centered']
            for p, g in _grads(group, 'RMSprop'):
                d = p._data
                xp = xp_of(d)
                t = d.dtype.type
                state = self.state[p]
                if len(state) == 0:
                    state['step'] = _scalar_state(0.0)
                    state['square_avg'] = _zeros_like(d)
                    if mom > 0:
                        state['momentum_buffer'] = _zeros_like(d)
                    if centered:
                        state['grad_avg'] = _zeros_like(d)
                if group['maximize']:
                    g = -g
                state['step']._data += 1
                if wd != 0:
                    g = g + t(wd) * d
                sq = state['square_avg']._data
                sq *= t(alpha)
                sq += t(1 - alpha) * g * g
                if centered:
                    ga = _lerp_(state['grad_avg']._data, g, 1 - alpha)
                    avg = sq - ga * ga
                    xp.sqrt(avg, out=avg)
                else:
                    avg = xp.sqrt(sq)
                avg += t(eps)
                if mom > 0:
                    buf = state['momentum_buffer']._data
                    buf *= t(mom)
                    buf += g / avg
                    d -= t(lr) * buf
                else:
                    d -= t(lr) * g / avg
                p._vc[0] += 1
        return loss
