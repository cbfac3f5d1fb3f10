"""ASGD (averaged stochastic gradient descent)."""
from .optimizer import (Optimizer, _value, _closure_loss, _scalar_state, _check_lr, _check_nonneg,
                        _grads, _zeros_like, _FLAG_DEFAULTS)

__all__ = ['ASGD']


class ASGD(Optimizer):
    """ASGD (``torch.optim.ASGD``)::

        p = p (1 - lambd eta) - eta g;  ax = p if mu == 1 else ax + mu (p - ax)
        eta = lr / (1 + lambd lr t)^alpha;  mu = 1 / max(1, t - t0)

    ``state['ax']`` is the running average of the parameter.

    Args:
        params, lr=1e-2, lambd=1e-4 (decay), alpha=0.75 (power for the eta update),
        t0=1e6 (step at which averaging starts), weight_decay=0 (L2), foreach=None,
        maximize=False, differentiable=False, capturable=False.
    """

    _setstate_defaults = _FLAG_DEFAULTS

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0,
                 foreach=None, maximize=False, differentiable=False, capturable=False):
        _check_lr(lr)
        _check_nonneg(weight_decay, 'weight_decay')
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay,
                        foreach=foreach, maximize=maximize, differentiable=differentiable,
                        capturable=capturable)
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One ASGD update of every parameter that has a gradient."""
        loss = _closure_loss(closure)
        for group in self.param_groups:
            lr, lambd, alpha, t0 = _value(group['lr']), group['lambd'], group['alpha'], group['t0']
            wd = group['weight_decay']
            for p, g in _grads(group, 'ASGD'):
                d = p._data
                t = d.dtype.type
                state = self.state[p]
                if len(state) == 0:
                    state['step'] = _scalar_state(0.0)
                    state['eta'] = _scalar_state(lr)
                    state['mu'] = _scalar_state(1.0)
                    state['ax'] = _zeros_like(d)
                if group['maximize']:
                    g = -g
                step_t = state['step']._data
                step_t += 1
                if wd != 0:
                    g = g + t(wd) * d
                eta_t, mu_t = state['eta']._data, state['mu']._data
                eta = float(eta_t)
                d *= t(1 - lambd * eta)
                d -= t(eta) * g
                ax = state['ax']._data
                mu = float(mu_t)
                if mu != 1:
                    ax += (d - ax) * t(mu)
                else:
                    ax[...] = d
                step = float(step_t)
                eta_t[...] = lr / ((1 + lambd * lr * step) ** alpha)
                mu_t[...] = 1 / max(1, step - t0)
                p._vc[0] += 1
        return loss
