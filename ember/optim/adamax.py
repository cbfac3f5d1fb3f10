"""Adamax (Adam with the infinity norm)."""
from .optimizer import (Optimizer, _value, _closure_loss, _scalar_state, _check_adam_options,
                        _grads, _lerp_, _zeros_like, _FLAG_DEFAULTS)
from ..backend import xp_of

__all__ = ['Adamax']


class Adamax(Optimizer):
    """Adamax (``torch.optim.Adamax``)::

        m = lerp(m, g, 1 - b1);  u = max(b2 u, |g| + eps);  p -= lr / (1 - b1^t) * m / u

    Args:
        params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0 (L2), foreach=None,
        maximize=False, differentiable=False, capturable=False.
    """

    _setstate_defaults = _FLAG_DEFAULTS

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 foreach=None, *, maximize=False, differentiable=False, capturable=False):
        _check_adam_options(lr, betas, eps, weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One Adamax update of every parameter that has a gradient."""
        loss = _closure_loss(closure)
        for group in self.param_groups:
            b1, b2 = (_value(b) for b in group['betas'])
            lr, eps, wd = _value(group['lr']), group['eps'], group['weight_decay']
            for p, g in _grads(group, 'Adamax'):
                d = p._data
                xp = xp_of(d)
                t = d.dtype.type
                state = self.state[p]
                if len(state) == 0:
                    state['step'] = _scalar_state(0.0)
                    state['exp_avg'] = _zeros_like(d)
                    state['exp_inf'] = _zeros_like(d)
                if group['maximize']:
                    g = -g
                step_t = state['step']._data
                step_t += 1
                if wd != 0:
                    g = g + t(wd) * d
                m = _lerp_(state['exp_avg']._data, g, 1 - b1)
                u = state['exp_inf']._data
                u *= t(b2)
                norm = xp.abs(g)
                norm += t(eps)
                xp.maximum(u, norm, out=u)
                clr = lr / (1 - b1 ** float(step_t))
                d -= t(clr) * m / u
                p._vc[0] += 1
        return loss
