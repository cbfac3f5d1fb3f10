"""Tensor.backward / autograd.backward / autograd.grad, hooks, retain_grad, detach, .data,
grad_fn names and graph structure, all checked against real PyTorch."""
import warnings

import numpy as np
import pytest

import ember
from tests.helpers import torch, needs_torch, assert_same, to_np
from tests.autograd.common import both, raises_both, leaf

pytestmark = needs_torch


# ----------------------------------------------------------------------------- backward()

def test_backward_scalar_accumulates(device):
    def f(lib, dev):
        x = leaf(lib, dev, [1., 2., 3.])
        y = (x * x).sum()
        y.backward(retain_graph=True)
        g1 = x.grad.clone()
        y.backward()
        return g1, x.grad, x.grad.dtype == x.dtype
    both(f, device)


def test_backward_gradient_argument(device):
    def f(lib, dev):
        x = leaf(lib, dev, [[1., 2.], [3., 4.]])
        y = x * 3 + x.exp()
        y.backward(gradient=lib.tensor([[1., 10.], [-1., 0.5]], device=dev))
        return x.grad
    both(f, device)


def test_autograd_backward_several_roots(device):
    def f(lib, dev):
        x = leaf(lib, dev, [1., 2.])
        w = leaf(lib, dev, [0.5, -1.])
        a = x * w
        b = (x + w).sin()
        lib.autograd.backward([a, b], [lib.ones(2, device=dev), lib.tensor([2., 3.], device=dev)])
        return x.grad, w.grad
    both(f, device)


def test_backward_twice_raises(device):
    def f(lib, dev):
        x = leaf(lib, dev, [1., 2.])
        y = (x.exp() * x).sum()
        y.backward()
        y.backward()
    raises_both(f, device, RuntimeError, 'Trying to backward through the graph a second time')


def test_implicit_grad_only_for_scalars(device):
    def f(lib, dev):
        (leaf(lib, dev, [1., 2.]) * 2).backward()
    raises_both(f, device, RuntimeError, 'grad can be implicitly created only for scalar outputs')


def test_backward_without_grad_raises(device):
    def f(lib, dev):
        lib.tensor([1., 2.], device=dev).sum().backward()
    raises_both(f, device, RuntimeError,
                'element 0 of tensors does not require grad and does not have a grad_fn')


def test_backward_gradient_shape_mismatch(device):
    def f(lib, dev):
        (leaf(lib, dev, [1., 2.]) * 2).backward(lib.ones(3, device=dev))
    raises_both(f, device, RuntimeError, 'Mismatch in shape')


def test_backward_inputs(device):
    def f(lib, dev):
        a = leaf(lib, dev, [1., 2.])
        c = leaf(lib, dev, [3., 4.])
        b = a * c
        y = (b * b).sum()
        y.backward(inputs=[a], retain_graph=True)
        ga, gc = a.grad.clone(), c.grad
        y.backward(inputs=[b])
        return ga, gc, b.grad, b.retains_grad, a.grad
    both(f, device)


def test_backward_create_graph_then_second_order(device):
    def f(lib, dev):
        x = leaf(lib, dev, [1., 2., -0.5])
        (x ** 3).sum().backward(create_graph=True)
        g = x.grad
        assert g.requires_grad and g.grad_fn is not None
        x.grad = None
        g.sum().backward()
        return g.detach(), x.grad
    for lib, dev in ((torch, 'cpu'), (ember, device)):
        with pytest.warns(UserWarning, match='Using backward\\(\\) with create_graph=True will '
                                             'create a reference cycle'):
            f(lib, dev)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        both(f, device)


def test_backward_broadcast_and_dtype_restored(device):
    def f(lib, dev):
        x = leaf(lib, dev, [[1.], [2.]])                  # (2, 1) broadcast against (3,)
        w = leaf(lib, dev, [1., 2., 3.], dtype='float64')  # promotes to float64
        y = (x * w).sum()
        y.backward()
        return x.grad, w.grad
    both(f, device)


def test_shared_subexpression_diamond(device):
    def f(lib, dev):
        x = leaf(lib, dev, [0.3, -1.2])
        h = x.tanh()
        y = (h * h + h.exp() - h).sum()
        y.backward()
        return x.grad
    both(f, device)


def test_accumulation_never_writes_into_callers_tensors(device):
    def f(lib, dev):
        x = leaf(lib, dev, [1., 2.])
        G = lib.ones(2, device=dev)
        (x + 1).backward(G)            # the identity gradient is G itself
        (x + 1).backward(G)
        y = x * 1
        y.retain_grad()
        (y * 1).sum().backward()       # y.grad and x.grad must not alias
        x.grad.mul_(0)
        return G, y.grad, x.grad
    both(f, device)


def test_zero_dim_gradients(device):
    def f(lib, dev):
        s = leaf(lib, dev, 2., dtype='float64')
        x = leaf(lib, dev, [1., 2.], dtype='float64')
        y = s * s + (x * s).sum() + s.exp()
        y.backward()
        g = s.grad
        return g, type(g).__name__, g.shape, lib.autograd.grad(s * s, s)[0]
    e, t = both(f, device)
    assert isinstance(e[0]._data, np.ndarray) or device != 'cpu'


# ----------------------------------------------------------------------------- hooks

def test_hooks_leaf_and_nonleaf(device):
    def f(lib, dev):
        seen = []
        x = leaf(lib, dev, [1., 2.])
        y = x * 3
        h1 = y.register_hook(lambda g: seen.append(g.clone()))
        h2 = y.register_hook(lambda g: g * 10)           # replacement
        x.register_hook(lambda g: g + 1)
        y.exp().sum().backward(retain_graph=True)
        g1 = x.grad.clone()
        h2.remove()
        h1.remove()
        x.grad = None
        y.exp().sum().backward()
        return seen, g1, x.grad
    both(f, device)


def test_hooks_apply_to_autograd_grad(device):
    def f(lib, dev):
        x = leaf(lib, dev, [1., 2.])
        x.register_hook(lambda g: g * 10)
        y = x * 1
        y.register_hook(lambda g: g * 100)
        return lib.autograd.grad((y * 3).sum(), x)
    both(f, device)


def test_hook_on_tensor_without_grad_raises(device):
    def f(lib, dev):
        lib.tensor([1.], device=dev).register_hook(lambda g: g)
    raises_both(f, device, RuntimeError, "cannot register a hook on a tensor that doesn't require")


def test_post_accumulate_grad_hook(device):
    def f(lib, dev):
        seen = []
        x = leaf(lib, dev, [1., 2.])
        x.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.clone()))
        (x * 3).sum().backward()
        (x * 2).sum().backward()
        return seen
    both(f, device)


def test_node_hooks(device):
    def f(lib, dev):
        seen = []
        x = leaf(lib, dev, [1., 2.])
        y = x.exp()
        y.grad_fn.register_prehook(lambda go: (go[0] * 2,))
        y.grad_fn.register_hook(lambda gi, go: seen.append((gi[0].clone(), go[0].clone())))
        y.sum().backward()
        return seen, x.grad
    both(f, device)


# ----------------------------------------------------------------------------- retain_grad etc.

def test_retain_grad(device):
    def f(lib, dev):
        x = leaf(lib, dev, [1., 2.])
        y = x * x
        r0 = y.retains_grad
        y.retain_grad()
        y.register_hook(lambda g: g * 2)     # retained grad is the hooked one
        (y * 3).sum().backward()
        x.retain_grad()                       # no-op on a leaf
        return r0, y.retains_grad, y.grad, x.retains_grad, y.is_leaf
    both(f, device)


def test_nonleaf_grad_warns(device):
    for lib, dev in ((torch, 'cpu'), (ember, device)):
        y = leaf(lib, dev, [1., 2.]) * 2
        with pytest.warns(UserWarning, match='is not a leaf Tensor is being accessed'):
            assert y.grad is None


def test_retain_grad_without_grad_raises(device):
    raises_both(lambda lib, dev: lib.ones(2, device=dev).retain_grad(), device, RuntimeError,
                "can't retain_grad on Tensor that has requires_grad=False")


def test_requires_grad_(device):
    def f(lib, dev):
        x = lib.tensor([1., 2.], device=dev)
        r = x.requires_grad_()
        y = x * 2
        x.requires_grad = False
        return r is x, y.requires_grad, x.requires_grad, y.is_leaf, x.is_leaf
    both(f, device)
    raises_both(lambda lib, dev: lib.tensor([1, 2], device=dev).requires_grad_(), device,
                RuntimeError, 'only Tensors of floating point dtype can require gradients')
    raises_both(lambda lib, dev: (leaf(lib, dev, [1.]) * 2).requires_grad_(False), device,
                RuntimeError, 'you can only change requires_grad flags of leaf variables')


def test_detach_shares_memory_and_version(device):
    def f(lib, dev):
        x = leaf(lib, dev, [1., 2.])
        y = x * 2
        d = y.detach()
        d.add_(1)                              # same memory and version counter as y
        return d.requires_grad, d.is_leaf, d.grad_fn is None, y.detach(), y._version
    both(f, device)

    def g(lib, dev):
        x = leaf(lib, dev, [1., 2.])
        y = x.exp()                           # saves its output
        y.detach().mul_(2)
        y.sum().backward()
    raises_both(g, device, RuntimeError, 'modified by an inplace operation')


def test_detach_(device):
    def f(lib, dev):
        x = leaf(lib, dev, [1., 2.])
        y = x * 2
        r = y.detach_()
        return r is y, y.requires_grad, y.grad_fn is None, y.is_leaf
    both(f, device)


def test_detach_on_view_raises(device):
    def f(lib, dev):
        (leaf(lib, dev, [1., 2.]) * 2)[:1].detach_()
    raises_both(f, device, RuntimeError, r"Can't detach views in-place. Use detach\(\) instead.")
    raises_both(lambda lib, dev: lib.ones(3, device=dev)[1:].detach_(), device, RuntimeError,
                "Can't detach views in-place")


def test_data(device):
    def f(lib, dev):
        x = leaf(lib, dev, [1., 2.])
        d = x.data
        d.mul_(3)                            # shares memory, not the version counter
        v = x._version
        x.data = lib.tensor([5., 6., 7.], device=dev)
        (x * x).sum().backward()
        return d.requires_grad, v, x.detach(), x.grad, x.requires_grad
    both(f, device)


def test_is_leaf(device):
    def f(lib, dev):
        a = lib.tensor([1.], device=dev)
        b = leaf(lib, dev, [1.])
        return (a.is_leaf, (a * 2).is_leaf, b.is_leaf, (b * 2).is_leaf, b.detach().is_leaf,
                (a * 2).grad_fn is None)
    both(f, device)


# ----------------------------------------------------------------------------- graph structure

NAMES = ['x + y', 'x * y', 'x - y', 'x / y', '-x', 'x.exp()', 'x.sin()', 'x.tanh()',
         'x.sigmoid()', 'x ** 3', 'x.pow(y)', '2 ** x', 'x.sum()',
         'x.sum(0)', 'x.mean()', 'x @ W',
         'x.view(4)', 'x.t()', 'x[0]', 'x[0:1]', 'x[None]',
         'x[:, 1]', 'x.reshape(4)', 'x.unsqueeze(0)', 'x.log()',
         'x.sqrt()', 'x.abs()', 'x.relu()', 'x.clone()', 'x.expand(3, 2, 2)',
         'x.transpose(0, 1)', 'x.permute(1, 0)']


@pytest.mark.parametrize('expr', NAMES)
def test_grad_fn_names(expr, device):
    def f(lib, dev):
        x = leaf(lib, dev, [[1., 2.], [3., 4.]])
        y = lib.tensor([1., 2.], device=dev)
        W = lib.ones(2, 2, device=dev)
        fn = eval(expr).grad_fn
        return type(fn).__name__, fn.name(), repr(fn).split(' object')[0]
    both(f, device)


def test_next_functions(device):
    def f(lib, dev):
        x = leaf(lib, dev, [1., 2.])
        c = lib.tensor([3., 4.], device=dev)
        y = x * c
        z = (y + x).sum()
        nf = z.grad_fn.next_functions          # ((AddBackward0, 0),)
        add = nf[0][0]
        mul = add.next_functions[0][0]
        acc = mul.next_functions[0][0]
        return (len(nf), type(add).__name__, [type(n).__name__ if n is not None else None
                                               for n, _ in add.next_functions],
                mul.next_functions[1], type(acc).__name__, acc.variable is x,
                acc.name(), x.sum(0).grad_fn.next_functions[0][0] is acc)
    both(f, device)


def test_multi_output_next_functions(device):
    def f(lib, dev):
        x = leaf(lib, dev, [[1., 2.], [3., 4.]])
        a, b = x.unbind(0)
        y = b * 2
        return y.grad_fn.next_functions[0][1], type(y.grad_fn.next_functions[0][0]).__name__
    both(f, device)


# ----------------------------------------------------------------------------- grad modes

def test_no_grad_results_have_no_graph(device):
    def f(lib, dev):
        x = leaf(lib, dev, [[1., 2.], [3., 4.]])
        with lib.no_grad():
            outs = [x * 2, x.exp().sum(), x @ x, x + 1, (x * x).mean(0)]
        return [(o.requires_grad, o.grad_fn is None, o.is_leaf) for o in outs]
    both(f, device)


def test_no_grad_views_require_grad(device):
    # PyTorch quirk: a view made under no_grad still requires grad, as a leaf
    def f(lib, dev):
        x = leaf(lib, dev, [[1., 2.], [3., 4.]])
        with lib.no_grad():
            v = [x[0], x.view(4), x.t()]
        return [(t.requires_grad, t.grad_fn is None, t.is_leaf) for t in v]
    both(f, device)

    def g(lib, dev):
        x = leaf(lib, dev, [1., 2.]) * 1
        with lib.no_grad():
            v = x[:1]
        v.mul_(2)
    raises_both(g, device, RuntimeError, 'A view was created in no_grad mode and is being modified')


def test_grad_mode_nesting(device):
    def f(lib, dev):
        x = leaf(lib, dev, [1., 2.])
        with lib.no_grad():
            a = x * 2
            with lib.enable_grad():
                b = x * 2
            c = x * 2
            inner = lib.is_grad_enabled()
        try:
            with lib.no_grad():
                raise ValueError
        except ValueError:
            pass
        return a.requires_grad, b.requires_grad, c.requires_grad, inner, lib.is_grad_enabled()
    both(f, device)


def test_grad_mode_decorators(device):
    def f(lib, dev):
        x = leaf(lib, dev, [1., 2.])

        @lib.no_grad()
        def f1():
            return lib.is_grad_enabled(), (x * 2).requires_grad

        @lib.no_grad
        def f2():
            """doc"""
            return lib.is_grad_enabled()

        @lib.enable_grad()
        def f3():
            return lib.is_grad_enabled()

        @lib.enable_grad
        def f4():
            return lib.is_grad_enabled()

        @lib.set_grad_enabled(False)
        def f5():
            return lib.is_grad_enabled()

        after_def = lib.is_grad_enabled()
        with lib.no_grad():
            r34 = f3(), f4()
        return f1(), f2(), r34, f5(), after_def, lib.is_grad_enabled(), f2.__name__, f2.__doc__
    both(f, device)


def test_grad_mode_generator(device):
    def f(lib, dev):
        @lib.no_grad()
        def gen():
            for i in range(3):
                got = yield lib.is_grad_enabled()
                assert got == i

        out = []
        g = gen()
        v = next(g)
        for i in range(3):
            out.append((v, lib.is_grad_enabled()))
            try:
                v = g.send(i)
            except StopIteration:
                break
        return out
    both(f, device)


def test_set_grad_enabled(device):
    def f(lib, dev):
        x = leaf(lib, dev, [1.])
        lib.set_grad_enabled(False)
        a = lib.is_grad_enabled(), (x * 2).requires_grad
        lib.set_grad_enabled(True)
        with lib.set_grad_enabled(False):
            b = lib.is_grad_enabled()
        with lib.autograd.set_grad_enabled(True):
            c = (x * 2).requires_grad
        return a, b, c, lib.is_grad_enabled(), lib.autograd.grad_mode.set_grad_enabled is \
            lib.set_grad_enabled
    both(f, device)


def test_inference_mode(device):
    def f(lib, dev):
        x = leaf(lib, dev, [1., 2.])
        with lib.inference_mode():
            a = x * 2
            r = lib.is_grad_enabled(), lib.is_inference_mode_enabled(), a.requires_grad

        @lib.inference_mode
        def f1():
            return lib.is_grad_enabled(), lib.is_inference_mode_enabled()

        @lib.inference_mode()
        def f2():
            return lib.is_grad_enabled()

        @lib.inference_mode(False)
        def f3():
            return lib.is_grad_enabled()

        with lib.inference_mode(False):
            b = lib.is_grad_enabled()
        return r, f1(), f2(), f3(), b, lib.is_inference_mode_enabled()
    both(f, device)


# ----------------------------------------------------------------------------- autograd.grad

def test_grad_basic_and_grad_outputs(device):
    def f(lib, dev):
        x = leaf(lib, dev, [1., 2.])
        w = leaf(lib, dev, [[0.5, -1.], [2., 1.]])
        y = w @ x
        gx, gw = lib.autograd.grad(y, (x, w), grad_outputs=lib.tensor([1., -2.], device=dev))
        single = lib.autograd.grad((x * x).sum(), x)
        return gx, gw, single, x.grad, gx.requires_grad
    both(f, device)


def test_grad_allow_unused_and_materialize(device):
    def f(lib, dev):
        a = leaf(lib, dev, [1., 2.])
        c = leaf(lib, dev, [3., 4., 5.])
        y = (a * 2).sum()
        r1 = lib.autograd.grad(y, [a, c], allow_unused=True, retain_graph=True)
        r2 = lib.autograd.grad(y, [a, c], materialize_grads=True)
        return r1, r2
    both(f, device)

    def g(lib, dev):
        a, c = leaf(lib, dev, [1.]), leaf(lib, dev, [2.])
        lib.autograd.grad((a * 2).sum(), [a, c])
    raises_both(g, device, RuntimeError, 'The differentiated Tensor at index 1 appears to not '
                                         'have been used in the graph')

    def h(lib, dev):
        a = leaf(lib, dev, [1.])
        lib.autograd.grad((a * 2).sum(), [a], allow_unused=False, materialize_grads=True)
    raises_both(h, device, ValueError, 'Expected allow_unused to be True')

    def k(lib, dev):
        a = leaf(lib, dev, [1.])
        lib.autograd.grad((a * 2).sum(), [lib.ones(1, device=dev)])
    raises_both(k, device, RuntimeError, 'One of the differentiated Tensors does not require grad')


def test_grad_is_grads_batched(device):
    def f(lib, dev):
        x = leaf(lib, dev, [0.5, -1., 2.])
        y = x.sin() * x
        jac, = lib.autograd.grad(y, x, lib.eye(3, device=dev), is_grads_batched=True)
        return jac
    both(f, device)


def test_grad_create_graph(device):
    def f(lib, dev):
        x = leaf(lib, dev, [0.5, -1.5, 2.])
        g, = lib.autograd.grad((x ** 3).sum(), x, create_graph=True)
        g2, = lib.autograd.grad(g.sum(), x, create_graph=True)
        g3, = lib.autograd.grad(g2.sum(), x)
        return g, g2, g3, g.requires_grad, x.grad
    both(f, device)


def test_grad_does_not_free_other_graph(device):
    def f(lib, dev):
        x = leaf(lib, dev, [1., 2.])
        h = x.exp()
        y = (h * h).sum()
        g, = lib.autograd.grad(y, h, retain_graph=True)
        y.backward()
        return g, x.grad
    both(f, device)


# ----------------------------------------------------------------------------- double backward

SECOND = {
    'cube': lambda lib, x: x ** 3,
    'sin': lambda lib, x: x.sin(),
    'exp': lambda lib, x: x.exp(),
    'tanh': lambda lib, x: x.tanh(),
    'sigmoid': lambda lib, x: x.sigmoid(),
    'matmul': lambda lib, x: (x @ x.t()) @ x,
    'sum_mean': lambda lib, x: (x * x.sum(1, keepdim=True)) * x.mean(),
    'softmax': lambda lib, x: x.exp() / x.exp().sum(1, keepdim=True),
    'logsumexp_like': lambda lib, x: (x - x.exp().sum(1, keepdim=True).log()) * x,
}


@pytest.mark.parametrize('name', list(SECOND))
def test_second_derivatives(name, device):
    fn = SECOND[name]
    rng = np.random.RandomState(3)
    xv = rng.uniform(-1, 1, (2, 3))
    wv = rng.standard_normal((2, 3))

    def f(lib, dev):
        x = lib.tensor(xv, device=dev, requires_grad=True)
        w = lib.tensor(wv, device=dev)
        g, = lib.autograd.grad((fn(lib, x) * w).sum(), x, create_graph=True)
        h, = lib.autograd.grad((g * g).sum(), x)
        return g, h
    both(f, device)
    x = ember.tensor(xv, device=device, requires_grad=True)
    assert ember.autograd.gradgradcheck(lambda t: fn(ember, t), (x,))


def _mlp(lib, x, w1, b1, w2, b2, norm):
    h = (x @ w1.t() + b1).tanh()
    out = h @ w2.t() + b2
    g, = lib.autograd.grad(out, x, grad_outputs=lib.ones_like(out), create_graph=True)
    n = g.norm(2, dim=1) if norm else ((g * g).sum(1) + 1e-12).sqrt()
    gp = ((n - 1) ** 2).mean()
    loss = out.mean() + 10 * gp
    loss.backward()
    return loss, g, x.grad, w1.grad, b1.grad, w2.grad, b2.grad


@pytest.mark.parametrize('norm', [False, True], ids=['sqrt_sum', 'norm'])
def test_wgan_gp_gradient_penalty(norm, device):
    if norm and not hasattr(ember.Tensor, 'norm'):
        pytest.skip('Tensor.norm not implemented yet')
    rng = np.random.RandomState(0)
    arrs = [rng.standard_normal(s).astype(np.float32)
            for s in [(8, 5), (16, 5), (16,), (1, 16), (1,)]]

    def f(lib, dev):
        x, w1, b1, w2, b2 = [lib.tensor(a, device=dev, requires_grad=True) for a in arrs]
        return _mlp(lib, x, w1, b1, w2, b2, norm)
    both(f, device, rtol=1e-4, atol=1e-5)
