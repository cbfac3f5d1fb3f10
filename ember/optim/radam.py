"""RAdam (rectified Adam)."""
from .optimizer import (Optimizer, _value, _closure_loss, _scalar_state, _check_adam_options,
                        _grads, _lerp_, _zeros_like)
from ..backend import xp_of

__all__ = ['RAdam']


class RAdam(Optimizer):
    """RAdam (``torch.optim.RAdam``)::

        m = lerp(m, g, 1 - b1);  v = b2 v + (1 - b2) g^2;  m^ = m / (1 - b1^t)
        rho_t = rho_inf - 2 t b2^t / (1 - b2^t)
        p -= lr * m^ * r_t * sqrt(1 - b2^t) / (sqrt(v) + eps)   if rho_t > 5, else lr * m^

    Args:
        params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
        decoupled_weight_decay=False (AdamW-style decay), foreach=None, maximize=False,
        capturable=False, differentiable=False.
    """

    _setstate_defaults = dict(foreach=None, maximize=False, differentiable=False,
                              decoupled_weight_decay=False, capturable=False)

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False,
                 capturable=False, differentiable=False):
        _check_adam_options(lr, betas, eps, weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        maximize=maximize, foreach=foreach, capturable=capturable,
                        decoupled_weight_decay=decoupled_weight_decay,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One RAdam update of every parameter that has a gradient."""
        loss = _closure_loss(closure)
        for group in self.param_groups:
            b1, b2 = (_value(b) for b in group['betas'])
            lr, eps, wd = _value(group['lr']), group['eps'], group['weight_decay']
            decoupled = group['decoupled_weight_decay']
            for p, g in _grads(group, 'RAdam'):
                d = p._data
                xp = xp_of(d)
                t = d.dtype.type
                state = self.state[p]
                if len(state) == 0:
                    state['step'] = _scalar_state(0.0)
                    state['exp_avg'] = _zeros_like(d)
                    state['exp_avg_sq'] = _zeros_like(d)
                if group['maximize']:
                    g = -g
                step_t = state['step']._data
                step_t += 1
                step = float(step_t)
                if wd != 0:
                    if decoupled:
                        d *= t(1 - lr * wd)
                    else:
                        g = g + t(wd) * d
                m = _lerp_(state['exp_avg']._data, g, 1 - b1)
                v = state['exp_avg_sq']._data
                v *= t(b2)
                v += t(1 - b2) * g * g
                bc1 = 1 - b1 ** step
                bc2 = 1 - b2 ** step
                upd = m / t(bc1)
                rho_inf = 2 / (1 - b2) - 1
                rho_t = rho_inf - 2 * step * (b2 ** step) / bc2
                upd *= t(lr)
                if rho_t > 5.0:
                    rect = ((rho_t - 4) * (rho_t - 2) * rho_inf
                            / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
                    ada = xp.sqrt(v)
                    ada += t(eps)
                    xp.reciprocal(ada, out=ada)      # PyTorch's scalar / tensor
                    ada *= t(bc2 ** 0.5)
                    upd *= ada
                    upd *= t(rect)
                d -= upd
                p._vc[0] += 1
        return loss
