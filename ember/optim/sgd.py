"""Stochastic gradient descent with momentum, dampening, Nesterov and weight decay."""
from .._tensor import _wrap
from .optimizer import Optimizer, required, _value, _closure_loss

__all__ = ['SGD']


class SGD(Optimizer):
    """SGD (``torch.optim.SGD``)::

        g = grad (+ weight_decay * p);  b = momentum * b + (1 - dampening) * g
        p -= lr * (g + momentum * b if nesterov else b)

    Args:
        params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False,
        maximize=False (ascend instead).
    """

    _setstate_defaults = dict(nesterov=False, maximize=False)

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False,
                 *, maximize=False, foreach=None, differentiable=False, fused=None):
        if lr is not required and _value(lr) < 0.0:
            raise ValueError(f'Invalid learning rate: {lr}')
        if momentum < 0.0:
            raise ValueError(f'Invalid momentum value: {momentum}')
        if _value(weight_decay) < 0.0:
            raise ValueError(f'Invalid weight_decay value: {weight_decay}')
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize, foreach=foreach,
                        differentiable=differentiable, fused=fused)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError('Nesterov momentum requires a momentum and zero dampening')
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns the closure's loss."""
        loss = _closure_loss(closure)
        for group in self.param_groups:
            lr, mom, damp = _value(group['lr']), group['momentum'], group['dampening']
            wd, nesterov, maximize = _value(group['weight_decay']), group['nesterov'], \
                group['maximize']
            for p in group['params']:
                if p._grad is None:
                    continue
                d = p._data
                g = p._grad._data
                if maximize:
                    g = -g
                if wd != 0:
                    g = g + d * d.dtype.type(wd)
                if mom != 0:
                    state = self.state[p]
                    buf = state.get('momentum_buffer')
                    if buf is None:
                        buf = state['momentum_buffer'] = _wrap(g.copy())
                    else:
                        b = buf._data
                        b *= b.dtype.type(mom)
                        b += g * g.dtype.type(1 - damp) if damp else g
                    g = g + buf._data * g.dtype.type(mom) if nesterov else buf._data
                d -= g * d.dtype.type(lr)
                p._vc[0] += 1
        return loss
