"""Adagrad."""
from .._tensor import _wrap
from .optimizer import (Optimizer, _value, _closure_loss, _scalar_state, _check_lr, _check_nonneg,
                        _grads)
from ..backend import xp_of

__all__ = ['Adagrad']


class Adagrad(Optimizer):
    """Adagrad (``torch.optim.Adagrad``)::

        clr = lr / (1 + (t - 1) lr_decay);  s += g^2;  p -= clr * g / (sqrt(s) + eps)

    State is created for every parameter at construction (``step`` and ``sum`` filled with
    ``initial_accumulator_value``), as PyTorch does.

    Args:
        params, lr=1e-2, lr_decay=0, weight_decay=0 (L2), initial_accumulator_value=0,
        eps=1e-10, foreach=None, maximize=False, differentiable=False, fused=None.
    """

    _setstate_defaults = dict(foreach=None, maximize=False, differentiable=False, fused=None)

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10, foreach=None, *, maximize=False, differentiable=False, fused=None):
        _check_lr(lr)
        _check_nonneg(lr_decay, 'lr_decay')
        _check_nonneg(weight_decay, 'weight_decay')
        _check_nonneg(initial_accumulator_value, 'initial_accumulator_value')
        _check_nonneg(eps, 'epsilon')
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        if fused:
            if differentiable:
                raise RuntimeError('`fused` does not support `differentiable`')
            if foreach:
                raise RuntimeError('`fused` and `foreach` cannot be `True` together.')
        for group in self.param_groups:
            for p in group['params']:
                self._init_state(p)

    def _init_state(self, p):
        state = self.state[p]
        state['step'] = _scalar_state(0.0)
        d = p._data
        state['sum'] = _wrap(xp_of(d).full_like(d, self.defaults['initial_accumulator_value']))
        return state

    def share_memory(self):
        """A no-op kept for API compatibility (NumPy state lives in this process)."""

    def step(self, closure=None):
        """One Adagrad update of every parameter that has a gradient; returns the closure's loss."""
        loss = _closure_loss(closure)
        for group in self.param_groups:
            lr, lr_decay, eps = _value(group['lr']), group['lr_decay'], group['eps']
            wd = group['weight_decay']
            for p, g in _grads(group, 'Adagrad'):
                d = p._data
                xp = xp_of(d)
                t = d.dtype.type
                state = self.state[p]
                if len(state) == 0:
                    state = self._init_state(p)
                step_t = state['step']._data
                step_t += 1
                step = float(step_t)
                if group['maximize']:
                    g = -g
                if wd != 0:
                    g = g + t(wd) * d
                clr = lr / (1 + (step - 1) * lr_decay)
                s = state['sum']._data
                s += g * g
                std = xp.sqrt(s)
                std += t(eps)
                d -= t(clr) * g / std
                p._vc[0] += 1
        return loss
