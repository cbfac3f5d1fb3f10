"""Adadelta."""
from .optimizer import (Optimizer, _value, _closure_loss, _scalar_state, _check_lr, _check_nonneg,
                        _grads, _zeros_like, _FLAG_DEFAULTS)
from ..backend import xp_of

__all__ = ['Adadelta']


class Adadelta(Optimizer):
    """Adadelta (``torch.optim.Adadelta``)::

        v = rho v + (1 - rho) g^2;  delta = sqrt(u + eps) / sqrt(v + eps) * g
        u = rho u + (1 - rho) delta^2;  p -= lr * delta

    Args:
        params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0 (L2), foreach=None, capturable=False,
        maximize=False, differentiable=False.
    """

    _setstate_defaults = _FLAG_DEFAULTS

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *,
                 capturable=False, maximize=False, differentiable=False):
        _check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f'Invalid rho value: {rho}')
        _check_nonneg(eps, 'epsilon')
        _check_nonneg(weight_decay, 'weight_decay')
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        capturable=capturable, foreach=foreach, differentiable=differentiable)
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One Adadelta update of every parameter that has a gradient."""
        loss = _closure_loss(closure)
        for group in self.param_groups:
            lr, rho, eps, wd = _value(group['lr']), group['rho'], group['eps'], \
                group['weight_decay']
            for p, g in _grads(group, 'Adadelta'):
                d = p._data
                xp = xp_of(d)
                t = d.dtype.type
                state = self.state[p]
                if len(state) == 0:
                    state['step'] = _scalar_state(0.0)
                    state['square_avg'] = _zeros_like(d)
                    state['acc_delta'] = _zeros_like(d)
                state['step']._data += 1
                if group['maximize']:
                    g = -g
                if wd != 0:
                    g = g + t(wd) * d
                sq, acc = state['square_avg']._data, state['acc_delta']._data
                sq *= t(rho)
                sq += t(1 - rho) * g * g
                std = sq + t(eps)
                xp.sqrt(std, out=std)
                delta = acc + t(eps)
                xp.sqrt(delta, out=delta)
                delta /= std
                delta *= g
                acc *= t(rho)
                acc += t(1 - rho) * delta * delta
                d -= t(lr) * delta
                p._vc[0] += 1
        return loss
