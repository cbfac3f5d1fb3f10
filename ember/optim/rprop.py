"""Rprop (resilient backpropagation)."""
from .._tensor import _wrap
from .optimizer import (Optimizer, _value, _closure_loss, _scalar_state, _check_lr, _grads,
                        _zeros_like, _FLAG_DEFAULTS)
from ..backend import xp_of

__all__ = ['Rprop']


class Rprop(Optimizer):
    """Rprop (``torch.optim.Rprop``): a per-element step size grows by ``etas[1]`` while the
    gradient keeps its sign and shrinks by ``etas[0]`` when it flips (that step is skipped),
    clamped to ``step_sizes``; ``p -= sign(g) * step_size``.

    Args:
        params, lr=1e-2 (initial step size), etas=(0.5, 1.2), step_sizes=(1e-6, 50),
        capturable=False, foreach=None, maximize=False, differentiable=False.
    """

    _setstate_defaults = _FLAG_DEFAULTS

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        _check_lr(lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f'Invalid eta values: {etas[0]}, {etas[1]}')
        defaults = dict(lr=lr, etas=etas, step_sizes=step_sizes, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One Rprop update of every parameter that has a gradient."""
        loss = _closure_loss(closure)
        for group in self.param_groups:
            etaminus, etaplus = group['etas']
            smin, smax = group['step_sizes']
            for p, g in _grads(group, 'Rprop'):
                d = p._data
                xp = xp_of(d)
                t = d.dtype.type
                state = self.state[p]
                if len(state) == 0:
                    state['step'] = _scalar_state(0.0)
                    state['prev'] = _zeros_like(d)
                    state['step_size'] = _wrap(xp.full_like(g, _value(group['lr'])))
                if group['maximize']:
                    g = -g
                state['step']._data += 1
                prev, size = state['prev']._data, state['step_size']._data
                s = xp.sign(g * prev)
                factor = xp.where(s > 0, t(etaplus), xp.where(s < 0, t(etaminus), t(1)))
                size *= factor
                xp.clip(size, t(smin), t(smax), out=size)
                g = xp.where(s < 0, t(0), g)
                d -= xp.sign(g) * size
                prev[...] = g
                p._vc[0] += 1
        return loss
