"""Custom ``autograd.Function``: ctx API, multiple inputs/outputs, non-tensor args, mark_dirty,
mark_non_differentiable, set_materialize_grads, setup_context, once_differentiable."""
import numpy as np
import pytest

import ember
from tests.helpers import torch, needs_torch
from tests.autograd.common import both, raises_both, leaf

pytestmark = needs_torch


def _once_differentiable(lib):
    if lib is ember:
        return ember.autograd.once_differentiable
    from torch.autograd.function import once_differentiable
    return once_differentiable


_CACHE = {}


def fns(lib):
    """The same custom Functions, defined against ``lib``."""
    if lib in _CACHE:
        return _CACHE[lib]
    once = _once_differentiable(lib)

    class Exp(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            r = x.exp()
            ctx.save_for_backward(r)
            return r

        @staticmethod
        def backward(ctx, g):
            r, = ctx.saved_tensors
            return g * r

    class MulAdd(lib.autograd.Function):
        """Two tensor inputs, a float and a flag; two outputs."""
        @staticmethod
        def forward(ctx, a, b, alpha, flag=True):
            ctx.alpha = alpha
            ctx.save_for_backward(a, b)
            return a * b * alpha, a + b

        @staticmethod
        def backward(ctx, g1, g2):
            a, b = ctx.saved_tensors
            na, nb = ctx.needs_input_grad[:2]
            ctx.seen_needs = ctx.needs_input_grad
            return (g1 * b * ctx.alpha + g2 if na else None,
                    g1 * a * ctx.alpha + g2 if nb else None, None, None)

    class Dirty(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 2

    class ArgMaxed(lib.autograd.Function):
        """Values and an index output marked non-differentiable."""
        @staticmethod
        def forward(ctx, x):
            idx = x.argmax(0, keepdim=True)
            v = x * 2
            ctx.mark_non_differentiable(idx)
            ctx.save_for_backward(idx)
            return v, idx

        @staticmethod
        def backward(ctx, gv, gi):
            idx, = ctx.saved_tensors
            return gv * 2 + idx.to(gv.dtype)

    class Split2(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x.clone(), x.clone()

        @staticmethod
        def backward(ctx, g1, g2):
            ctx.got = (g1 is None, g2 is None)
            if g1 is None and g2 is None:
                return None
            out = 0
            if g1 is not None:
                out = out + g1
            if g2 is not None:
                out = out + 10 * g2
            return out

    class Split2Mat(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x.clone(), x.clone()

        @staticmethod
        def backward(ctx, g1, g2):
            ctx.got = (g1 is None, g2 is None)
            return g1 + 10 * g2

    class Scale(lib.autograd.Function):
        """New style: forward without ctx plus setup_context."""
        @staticmethod
        def forward(x, k):
            return x * k

        @staticmethod
        def setup_context(ctx, inputs, output):
            x, k = inputs
            ctx.k = k
            ctx.save_for_backward(x, output)

        @staticmethod
        def backward(ctx, g):
            x, out = ctx.saved_tensors
            return g * ctx.k, None

    class Square(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 2

        @staticmethod
        @once
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return g * 2 * x

    class Ident(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 5

    class BadCount(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            return x + y

        @staticmethod
        def backward(ctx, g):
            return g

    class Cube(lib.autograd.Function):
        """Double-differentiable: backward written with differentiable ops."""
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return g * 3 * x * x

    class TwoOutSaveSecond(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            a, b = x * 2, x.exp()
            ctx.save_for_backward(b)        # an output, not the first
            return a, b

        @staticmethod
        def backward(ctx, ga, gb):
            b, = ctx.saved_tensors
            return ga * 2 + gb * b

    ns = dict(locals())
    _CACHE[lib] = ns
    return ns


def test_save_for_backward_and_names(device):
    def f(lib, dev):
        x = leaf(lib, dev, [0., 1.])
        y = fns(lib)['Exp'].apply(x)
        n = len(y.grad_fn.saved_tensors)
        y.sum().backward()
        return y, type(y.grad_fn).__name__, y.grad_fn.name(), x.grad, n, y.is_leaf
    both(f, device)


def test_saved_tensors_freed(device):
    def f(lib, dev):
        y = fns(lib)['Exp'].apply(leaf(lib, dev, [0., 1.]))
        y.sum().backward()
        y.grad_fn.saved_tensors
    raises_both(f, device, RuntimeError, 'Trying to backward through the graph a second time')


def test_multiple_inputs_outputs_non_tensor_args(device):
    def f(lib, dev):
        F = fns(lib)['MulAdd']
        a = leaf(lib, dev, [1., 2.])
        b = lib.tensor([3., 4.], device=dev)
        o1, o2 = F.apply(a, b, 2.0)
        (o1.sum() + (o2 * 3).sum()).backward()
        nf = o1.grad_fn.next_functions
        return (o1, o2, a.grad, b.grad, len(nf), nf[1], o1.grad_fn is o2.grad_fn,
                o2.grad_fn.seen_needs)
    both(f, device)


def test_multiple_outputs_one_used(device):
    def f(lib, dev):
        a = leaf(lib, dev, [1., 2.])
        b = leaf(lib, dev, [3., 4.])
        o1, o2 = fns(lib)['MulAdd'].apply(a, b, 0.5, False)
        o1.sum().backward()                    # o2's gradient is materialised as zeros
        return a.grad, b.grad
    both(f, device)


def test_mark_dirty(device):
    def f(lib, dev):
        a = leaf(lib, dev, [1., 2.])
        b = a * 1
        c = fns(lib)['Dirty'].apply(b)
        c.sum().backward()
        return c is b, b._version, a.grad, c.grad_fn.name()
    both(f, device)

    def g(lib, dev):
        fns(lib)['Dirty'].apply(leaf(lib, dev, [1., 2.]))
    raises_both(g, device, RuntimeError,
                'a leaf Variable that requires grad has been used in an in-place operation')


def test_mark_non_differentiable(device):
    def f(lib, dev):
        a = leaf(lib, dev, [[3., 1.], [2., 5.]])
        v, i = fns(lib)['ArgMaxed'].apply(a)
        (v * lib.tensor([[1., 2.], [3., 4.]], device=dev)).sum().backward()
        return v.requires_grad, i.requires_grad, i.grad_fn is None, a.grad, i
    both(f, device)


def test_set_materialize_grads(device):
    def f(lib, dev):
        a = leaf(lib, dev, [3., 1.])
        F = fns(lib)['Split2']
        p, q = F.apply(a)
        p.sum().backward()
        got = p.grad_fn.got
        b = leaf(lib, dev, [3., 1.])
        p, q = fns(lib)['Split2Mat'].apply(b)
        (q * 2).sum().backward()
        return a.grad, got, b.grad, p.grad_fn.got
    both(f, device)


def test_setup_context(device):
    def f(lib, dev):
        a = leaf(lib, dev, [3., 1.])
        y = fns(lib)['Scale'].apply(a, 3)
        y.sum().backward()
        return y, a.grad, y.grad_fn.name(), len(y.grad_fn.next_functions)
    both(f, device)


def test_once_differentiable(device):
    def f(lib, dev):
        a = leaf(lib, dev, [3., 1.])
        y = fns(lib)['Square'].apply(a)
        g, = lib.autograd.grad(y.sum(), a, create_graph=True)
        return g, g.requires_grad
    both(f, device)

    def h(lib, dev):
        a = leaf(lib, dev, [3., 1.])
        g, = lib.autograd.grad(fns(lib)['Square'].apply(a).sum(), a, create_graph=True)
        g.sum().backward()
    raises_both(h, device, RuntimeError, 'element 0 of tensors does not require grad')


def test_input_returned_as_is(device):
    def f(lib, dev):
        a = leaf(lib, dev, [3., 1.])
        y = fns(lib)['Ident'].apply(a)
        y.sum().backward()
        return y is a, a.grad, y.is_leaf, y.requires_grad
    both(f, device)


def test_no_graph_without_grad(device):
    def f(lib, dev):
        E = fns(lib)['Exp']
        y1 = E.apply(lib.tensor([3., 1.], device=dev))
        with lib.no_grad():
            y2 = E.apply(leaf(lib, dev, [3., 1.]))
        return y1.requires_grad, y1.grad_fn, y2.requires_grad, y2.grad_fn, y2
    both(f, device)


def test_wrong_number_of_gradients(device):
    def f(lib, dev):
        a = leaf(lib, dev, [3., 1.])
        fns(lib)['BadCount'].apply(a, a).sum().backward()
    raises_both(f, device, RuntimeError, r'function BadCountBackward returned an incorrect number '
                                         r'of gradients \(expected 2, got 1\)')


def test_custom_function_double_backward(device):
    def f(lib, dev):
        a = leaf(lib, dev, [0.5, -2.], dtype='float64')
        g, = lib.autograd.grad(fns(lib)['Cube'].apply(a).sum(), a, create_graph=True)
        h, = lib.autograd.grad(g.sum(), a)
        return g, h
    both(f, device)
    x = ember.tensor([0.5, -2., 1.5], dtype=ember.float64, device=device, requires_grad=True)
    assert ember.autograd.gradcheck(fns(ember)['Cube'].apply, (x,))
    assert ember.autograd.gradgradcheck(fns(ember)['Cube'].apply, (x,))
    assert ember.autograd.gradcheck(lambda a, b: fns(ember)['MulAdd'].apply(a, b, 1.5),
                                    (x, x.detach().clone().requires_grad_()))


def test_instantiation_warns(device):
    with pytest.warns(DeprecationWarning):
        fns(ember)['Exp']()


def test_saved_output(device):
    def f(lib, dev):
        x = leaf(lib, dev, [1., 2.])
        a, b = fns(lib)['TwoOutSaveSecond'].apply(x)
        (a + b * b).sum().backward()
        return x.grad, a, b
    both(f, device)

    def g(lib, dev):
        x = leaf(lib, dev, [1., 2.])
        a, b = fns(lib)['TwoOutSaveSecond'].apply(x)
        b.mul_(2)
        (a + b).sum().backward()
    raises_both(g, device, RuntimeError, 'modified by an inplace operation')
