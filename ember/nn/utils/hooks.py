"""Full backward hooks of modules: identity autograd nodes around a module's inputs and
outputs that see the gradients flowing through."""
from ..._tensor import Tensor
from ...autograd.function import Function


class _Identity(Function):
    @staticmethod
    def forward(ctx, fn, *tensors):
        ctx.fn = fn
        return tuple(t.view_as(t) for t in tensors)

    @staticmethod
    def backward(ctx, *grads):
        r = ctx.fn(grads)
        return (None,) + tuple(r if r is not None else grads)


class BackwardHook:
    """Calls ``hook(module, grad_input, grad_output)`` when the gradients w.r.t. the module's
    inputs are ready, and ``pre_hook(module, grad_output)`` before the module's backward."""

    def __init__(self, module, hooks, pre_hooks):
        self.module, self.hooks, self.pre_hooks = module, hooks, pre_hooks
        self.grad_outputs = None
        self.n_in = 0

    def _wrap(self, values, fn):
        idx = [i for i, a in enumerate(values) if isinstance(a, Tensor) and a.requires_grad]
        if not idx:
            return values, False
        new = _Identity.apply(fn, *[values[i] for i in idx])
        values = list(values)
        for i, t in zip(idx, new):
            values[i] = t
        return values, True

    def setup_input_hook(self, args):
        self.n_in = sum(1 for a in args if isinstance(a, Tensor))
        args, self.has_inputs = self._wrap(args, self._on_grad_input)
        return tuple(args)

    def setup_output_hook(self, out):
        single = isinstance(out, Tensor)
        vals, _ = self._wrap([out] if single else list(out) if isinstance(out, tuple) else [out],
                             self._on_grad_output)
        return vals[0] if single or not isinstance(out, tuple) else tuple(vals)

    def _on_grad_output(self, grads):
        for h in self.pre_hooks:
            r = h(self.module, grads)
            if r is not None:
                grads = tuple(r) if isinstance(r, (tuple, list)) else (r,)
        self.grad_outputs = grads
        if not self.has_inputs:
            for h in self.hooks:
                h(self.module, (None,) * max(self.n_in, 1), grads)
        return grads

    def _on_grad_input(self, grads):
        res = None
        for h in self.hooks:
            r = h(self.module, grads if res is None else res, self.grad_outputs)
            if r is not None:
                res = tuple(r) if isinstance(r, (tuple, list)) else (r,)
        return res
