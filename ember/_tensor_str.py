"""Tensor printing in PyTorch's format."""
import numpy as np


def tensor_repr(t):
    d = t._data if type(t._data) is np.ndarray else t._data.get()
    body = np.array2string(d, separator=', ', prefix='tensor(')
    extras = []
    if t.grad_fn is not None:
        extras.append(f'grad_fn=<{t.grad_fn.name()}>')
    elif t._rg:
        extras.append('requires_grad=True')
    s = 'tensor(' + body
    return s + (', ' + ', '.join(extras) if extras else '') + ')'
