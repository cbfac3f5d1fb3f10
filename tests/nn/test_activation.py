"""Activation modules and functionals against PyTorch: values, gradients (incl. at the kinks),
dtypes, in-place variants, reprs, softmax family with dim/dtype, finite differences and double
backward, errors."""
import numpy as np
import pytest

import ember
from ember.autograd import gradcheck, gradgradcheck
from tests.helpers import assert_same, compare, needs_torch, torch
from tests.nn.modcheck import check_module, same_error

pytestmark = needs_torch
R = np.random.RandomState(0)


def f32(*s, scale=3.0):
    return (R.standard_normal(s) * scale).astype(np.float32)


def kinky():
    """Values around and at the kinks (0, +-0.5, +-1, +-3, 6, 20)."""
    v = np.array([-25, -6, -3.5, -3, -2.9, -1, -0.7, -0.5, -0.3, 0, 0.3, 0.5, 0.7, 1, 2.9, 3,
                  3.5, 6, 6.5, 19.9, 20, 21, 25], np.float32)
    return np.concatenate([v, f32(17)]).reshape(5, 8)


MODULES = [
    ('ReLU', {}), ('ReLU6', {}), ('LeakyReLU', {}), ('LeakyReLU', dict(negative_slope=0.2)),
    ('PReLU', {}), ('ELU', {}), ('ELU', dict(alpha=0.5)), ('SELU', {}), ('CELU', {}),
    ('CELU', dict(alpha=2.0)), ('GELU', {}), ('GELU', dict(approximate='tanh')), ('SiLU', {}),
    ('Mish', {}), ('Sigmoid', {}), ('Tanh', {}), ('Softplus', {}),
    ('Softplus', dict(beta=2.0, threshold=5.0)), ('Softsign', {}), ('Hardtanh', {}),
    ('Hardtanh', dict(min_val=-2.0, max_val=3.0)), ('Hardswish', {}), ('Hardsigmoid', {}),
    ('Threshold', dict(threshold=0.5, value=-1.0)), ('Tanhshrink', {}), ('Softshrink', {}),
    ('Softshrink', dict(lambd=1.0)), ('Hardshrink', {}), ('Hardshrink', dict(lambd=1.0)),
    ('LogSigmoid', {}), ('Softmax', dict(dim=1)), ('Softmax', dict(dim=0)),
    ('LogSoftmax', dict(dim=-1)), ('Softmin', dict(dim=1)), ('GLU', {}), ('GLU', dict(dim=-1)),
    ('Softmax2d', {}),
]


@pytest.mark.parametrize('name,kw', MODULES)
def test_activation_module(device, name, kw):
    x = kinky() if name != 'Softmax2d' else f32(2, 3, 4, 5)
    check_module(lambda lib: getattr(lib.nn, name)(**kw), x, device=device, rtol=1e-5,
                 atol=1e-6)


@pytest.mark.parametrize('name,kw', MODULES)
def test_activation_float64_gradcheck(device, name, kw):
    if name == 'Softmax2d':
        x = R.randn(1, 3, 2, 2)
    else:
        x = np.random.RandomState(1).permutation(np.linspace(-3.9, 3.9, 20)).reshape(4, 5)
        if name == 'GLU':
            x = x[:, :4]
    m = getattr(ember.nn, name)(**kw).double()
    xt = ember.tensor(x, device=device, requires_grad=True)
    m.to(device)
    assert gradcheck(lambda a: m(a), (xt,))
    if name not in ('ReLU', 'ReLU6', 'Hardtanh', 'Threshold', 'Hardshrink', 'LeakyReLU', 'PReLU'):
        assert gradgradcheck(lambda a: m(a), (xt,))


def test_prelu_per_channel(device):
    check_module(lambda lib: lib.nn.PReLU(3, init=0.1), f32(2, 3, 4), device=device)
    check_module(lambda lib: lib.nn.PReLU(3), f32(2, 3), device=device)
    check_module(lambda lib: lib.nn.PReLU(), f32(5), device=device)


def test_rrelu(device):
    x = kinky()
    check_module(lambda lib: lib.nn.RReLU(), x, device=device, train=False)
    check_module(lambda lib: lib.nn.RReLU(0.1, 0.3), x, device=device, train=False)
    m = ember.nn.RReLU(0.1, 0.3).to(device)
    xe = ember.tensor(x, device=device, requires_grad=True)
    y = m(xe)
    y.sum().backward()
    ratio = (y.detach().numpy() / x)[x < 0]
    assert ((ratio >= 0.1 - 1e-6) & (ratio <= 0.3 + 1e-6)).all() and ratio.std() > 0
    np.testing.assert_array_equal(y.detach().numpy()[x >= 0], x[x >= 0])
    g = xe.grad.numpy()
    np.testing.assert_allclose(g[x < 0], ratio, rtol=1e-5)
    np.testing.assert_array_equal(g[x >= 0], 1)


@pytest.mark.parametrize('name,args', [
    ('relu', ()), ('relu6', ()), ('leaky_relu', (0.3,)), ('elu', (0.7,)), ('selu', ()),
    ('celu', (1.5,)), ('silu', ()), ('mish', ()), ('hardtanh', (-0.5, 0.5)), ('hardswish', ()),
    ('hardsigmoid', ()), ('threshold', (0.2, 3.0)), ('rrelu', ()),
])
def test_inplace_functional(device, name, args):
    x = kinky()

    def f(lib, a):
        b = a * 1
        r = getattr(lib.nn.functional, name)(b, *args, inplace=True)
        assert r is b
        return r * 2
    compare(f, x, device=device)
    mod = {'relu': 'ReLU', 'relu6': 'ReLU6', 'silu': 'SiLU', 'selu': 'SELU', 'mish': 'Mish',
           'hardswish': 'Hardswish', 'hardsigmoid': 'Hardsigmoid', 'elu': 'ELU'}.get(name)
    if mod:
        def g(lib, a):
            b = a * 1
            r = getattr(lib.nn, mod)(inplace=True)(b)
            assert r is b
            return r
        compare(g, x, device=device)


def test_inplace_on_leaf_errors():
    same_error(lambda lib: lib.nn.functional.relu(lib.ones(2, requires_grad=True), inplace=True),
               match=False)
    same_error(lambda lib: lib.nn.functional.elu(lib.ones(2, requires_grad=True), inplace=True),
               match=False)


@pytest.mark.parametrize('fn', ['softmax', 'log_softmax', 'softmin'])
def test_softmax_family(device, fn):
    F = lambda lib: getattr(lib.nn.functional, fn)
    for dim in (0, 1, -1, 2):
        compare(lambda lib, x: F(lib)(x, dim=dim), f32(2, 3, 4), device=device)
    compare(lambda lib, x: F(lib)(x, dim=1, dtype=lib.float64), f32(2, 3), device=device)
    compare(lambda lib, x: F(lib)(x.t(), dim=0), f32(3, 4), device=device)
    compare(lambda lib, x: F(lib)(x, dim=0), np.array(2.5, np.float32), device=device)
    compare(lambda lib, x: F(lib)(x, 1), (f32(2, 5) * 30).astype(np.float32), device=device)
    compare(lambda lib, x: F(lib)(x, dim=-1), R.randn(3, 4), device=device)
    compare(lambda lib: F(lib)(lib.tensor([[1, 2], [3, 4]]), dim=1, dtype=lib.float32),
            device=device)
    same_error(lambda lib: F(lib)(lib.ones(2, 3), dim=2))
    with pytest.warns(UserWarning):
        getattr(ember.nn.functional, fn)(ember.ones(2, 3))
    x = ember.tensor(R.randn(3, 4), device=device, requires_grad=True)
    assert gradcheck(lambda a: F(ember)(a, dim=1), (x,))
    assert gradgradcheck(lambda a: F(ember)(a, dim=0), (x,))


def test_softmax_tensor_methods(device):
    compare(lambda lib, x: x.softmax(1), f32(2, 3), device=device)
    compare(lambda lib, x: x.log_softmax(dim=0, dtype=lib.float64), f32(2, 3), device=device)
    compare(lambda lib, x: lib.softmax(x, 1), f32(2, 3), device=device)
    compare(lambda lib, x: lib.log_softmax(x, -1), f32(2, 3), device=device)


@pytest.mark.parametrize('fn,args', [
    ('gelu', ()), ('elu', ()), ('selu', ()), ('celu', ()), ('leaky_relu', ()), ('relu6', ()),
    ('hardtanh', ()), ('softplus', (2.0, 10.0)), ('silu', ()), ('mish', ()), ('hardswish', ()),
    ('hardsigmoid', ()), ('logsigmoid', ()), ('softsign', ()), ('tanhshrink', ()),
    ('softshrink', (0.3,)), ('hardshrink', (0.3,)), ('threshold', (0.1, 20.0)), ('glu', (0,)),
    ('relu', ()), ('sigmoid', ()), ('tanh', ())])
def test_functional_dtypes_and_noncontiguous(device, fn, args):
    F = lambda lib: getattr(lib.nn.functional, fn)
    compare(lambda lib, x: F(lib)(x.t(), *args), f32(4, 6), device=device)
    compare(lambda lib, x: F(lib)(x[:, ::2], *args), R.randn(4, 8), device=device)


def test_gelu_approximate_error_and_glu_odd():
    same_error(lambda lib: lib.nn.functional.gelu(lib.ones(2), approximate='fast'))
    same_error(lambda lib: lib.nn.functional.glu(lib.ones(2, 3)))
    same_error(lambda lib: lib.nn.Hardtanh(1.0, 0.5))


@pytest.mark.parametrize('make', [
    lambda lib: lib.nn.ReLU(), lambda lib: lib.nn.ReLU(inplace=True),
    lambda lib: lib.nn.LeakyReLU(0.2, inplace=True), lambda lib: lib.nn.PReLU(3, init=0.1),
    lambda lib: lib.nn.ELU(alpha=0.5), lambda lib: lib.nn.CELU(), lambda lib: lib.nn.SELU(True),
    lambda lib: lib.nn.GELU(), lambda lib: lib.nn.GELU('tanh'), lambda lib: lib.nn.SiLU(),
    lambda lib: lib.nn.Mish(), lambda lib: lib.nn.Softplus(2, 10), lambda lib: lib.nn.Hardtanh(),
    lambda lib: lib.nn.Hardtanh(-2, 2, True), lambda lib: lib.nn.ReLU6(inplace=True),
    lambda lib: lib.nn.Threshold(0.1, 20), lambda lib: lib.nn.Softmax(dim=1),
    lambda lib: lib.nn.Softmax(), lambda lib: lib.nn.LogSoftmax(1), lambda lib: lib.nn.Softmin(0),
    lambda lib: lib.nn.Softmax2d(), lambda lib: lib.nn.GLU(), lambda lib: lib.nn.Softshrink(),
    lambda lib: lib.nn.Hardshrink(0.3), lambda lib: lib.nn.RReLU(), lambda lib: lib.nn.RReLU(0.1, 0.2, True),
    lambda lib: lib.nn.Hardswish(), lambda lib: lib.nn.Hardsigmoid(), lambda lib: lib.nn.LogSigmoid(),
    lambda lib: lib.nn.Sigmoid(), lambda lib: lib.nn.Tanh(), lambda lib: lib.nn.Tanhshrink(),
    lambda lib: lib.nn.Softsign(),
])
def test_activation_repr(make):
    e, t = make(ember), make(torch)
    assert repr(e) == repr(t)
    assert list(e.state_dict()) == list(t.state_dict())


def test_prelu_init_and_dtype():
    for lib in (ember, torch):
        m = lib.nn.PReLU(4, init=0.3)
        assert m.weight.dtype == lib.float32 and tuple(m.weight.shape) == (4,)
        np.testing.assert_allclose(m.weight.detach().numpy(), 0.3, rtol=1e-6)
        assert lib.nn.PReLU(dtype=lib.float64).weight.dtype == lib.float64
