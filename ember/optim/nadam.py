"""NAdam (Adam with Nesterov momentum)."""
from .optimizer import (Optimizer, _value, _closure_loss, _scalar_state, _check_adam_options,
                        _check_nonneg, _grads, _lerp_, _zeros_like)
from ..backend import xp_of

__all__ = ['NAdam']


class NAdam(Optimizer):
    """NAdam (``torch.optim.NAdam``)::

        mu_t = b1 (1 - 0.5 * 0.96^(t psi));  m = lerp(m, g, 1 - b1);  v = b2 v + (1 - b2) g^2
        p -= lr (1 - mu_t) / (1 - prod mu) * g / d + lr mu_{t+1} / (1 - prod mu mu_{t+1}) * m / d
        with d = sqrt(v / (1 - b2^t)) + eps

    Args:
        params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
        momentum_decay=4e-3 (psi), decoupled_weight_decay=False (AdamW-style decay),
        foreach=None, maximize=False, capturable=False, differentiable=False.
    """

    _setstate_defaults = dict(maximize=False, foreach=None, capturable=False, differentiable=False,
                              decoupled_weight_decay=False)

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 momentum_decay=4e-3, decoupled_weight_decay=False, *, foreach=None,
                 maximize=False, capturable=False, differentiable=False):
        _check_adam_options(lr, betas, eps, weight_decay)
        _check_nonneg(momentum_decay, 'momentum_decay')
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize,
                        foreach=foreach, capturable=capturable, differentiable=differentiable)
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One NAdam update of every parameter that has a gradient."""
        loss = _closure_loss(closure)
        for group in self.param_groups:
            b1, b2 = (_value(b) for b in group['betas'])
            lr, eps, wd = _value(group['lr']), group['eps'], group['weight_decay']
            psi, decoupled = group['momentum_decay'], group['decoupled_weight_decay']
            for p, g in _grads(group, 'NAdam'):
                d = p._data
                xp = xp_of(d)
                t = d.dtype.type
                state = self.state[p]
                if len(state) == 0:
                    state['step'] = _scalar_state(0.0)
                    state['mu_product'] = _scalar_state(1.0)
                    state['exp_avg'] = _zeros_like(d)
                    state['exp_avg_sq'] = _zeros_like(d)
                if group['maximize']:
                    g = -g
                step_t = state['step']._data
                step_t += 1
                step = float(step_t)
                bc2 = 1 - b2 ** step
                if wd != 0:
                    if decoupled:
                        d *= t(1 - lr * wd)
                    else:
                        g = g + t(wd) * d
                mu = b1 * (1.0 - 0.5 * (0.96 ** (step * psi)))
                mu_next = b1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * psi)))
                mp = state['mu_product']._data
                mp *= mp.dtype.type(mu)              # a float32 0-dim tensor, as in PyTorch
                mu_product = float(mp)
                m = _lerp_(state['exp_avg']._data, g, 1 - b1)
                v = state['exp_avg_sq']._data
                v *= t(b2)
                v += t(1 - b2) * g * g
                denom = v / t(bc2)
                xp.sqrt(denom, out=denom)
                denom += t(eps)
                d += t(-lr * (1.0 - mu) / (1.0 - mu_product)) * g / denom
                d += t((-lr * mu_next) / (1.0 - mu_product * mu_next)) * m / denom
                p._vc[0] += 1
        return loss
