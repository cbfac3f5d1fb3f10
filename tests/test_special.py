"""``ember.special`` against ``torch.special``: values, dtypes, gradients, special points,
error kinds, one implementation per op, and the SciPy extra's error when SciPy is absent."""
import sys

import numpy as np
import pytest

import ember
from tests.helpers import assert_same, compare, fd_check, needs_torch, to_np, torch

pytestmark = needs_torch

R = np.random.RandomState


def u(lo, hi, shape=(3, 4), seed=0):
    return R(seed).uniform(lo, hi, shape)


# name -> (low, high) of a domain where the function and its derivative are finite
UNARY = {
    'expit': (-5, 5), 'erf': (-2, 2), 'erfc': (-2, 2), 'erfinv': (-0.9, 0.9),
    'erfcx': (-2, 5), 'gammaln': (0.2, 5), 'digamma': (0.2, 5), 'psi': (0.2, 5),
    'i0': (-3, 3), 'i0e': (-3, 3), 'i1': (-3, 3), 'i1e': (-3, 3), 'ndtr': (-3, 3),
    'ndtri': (0.05, 0.95), 'log_ndtr': (-6, 4), 'log1p': (-0.5, 3), 'expm1': (-2, 2),
    'exp2': (-2, 2), 'sinc': (-2, 2), 'entr': (0.1, 3), 'logit': (0.05, 0.95),
    'bessel_j0': (-10, 10), 'bessel_j1': (-10, 10),
}
NO_GRAD = {'bessel_j0', 'bessel_j1'}
FULL_ONLY = {'erfcx', 'ndtri', 'log_ndtr', 'bessel_j0', 'bessel_j1'}   # no half kernels


@pytest.mark.parametrize('name', sorted(UNARY))
@pytest.mark.parametrize('dtype', [np.float32, np.float64])
def test_unary_values_and_grads(name, dtype, device):
    lo, hi = UNARY[name]
    x = u(lo, hi).astype(dtype)
    # torch's own bessel_j0/j1 kernels are accurate to ~1e-6 only (SciPy's to ~1e-15)
    loose = dtype == np.float32 or name in NO_GRAD
    e, t = compare(lambda L, a: getattr(L.special, name)(a), x, device=device,
                   rtol=1e-4 if loose else 1e-9, atol=1e-5 if loose else 1e-10)
    assert e.requires_grad == t.requires_grad == (name not in NO_GRAD)


@pytest.mark.parametrize('name', sorted(UNARY))
def test_unary_integer_inputs(name, device):
    x = np.array([0, 1, 2, 3]) if name not in ('ndtri', 'logit', 'erfinv') else np.array([0, 1])
    compare(lambda L, a: getattr(L.special, name)(a), x, device=device, grad=False)


@pytest.mark.parametrize('name', sorted(UNARY))
def test_unary_half(name, device):
    lo, hi = UNARY[name]
    x = torch.tensor(u(lo, hi)).half()
    e = ember.tensor(u(lo, hi), device=device).half()
    f_t, f_e = getattr(torch.special, name), getattr(ember.special, name)
    if name in FULL_ONLY:
        with pytest.raises(NotImplementedError) as te:
            f_t(x)
        with pytest.raises(NotImplementedError) as ee:
            f_e(e)
        assert str(ee.value) == str(te.value)
        return
    assert_same(f_e(e), f_t(x), rtol=2e-2, atol=2e-2)


def test_special_values(device):
    def both(name, vals, *args):
        x = np.array(vals, np.float64)
        r = compare(lambda L, a: getattr(L.special, name)(a, *args), x, device=device, grad=False)
        return r

    inf, nan = np.inf, np.nan
    both('entr', [-1., 0., 0.5, inf, nan])
    both('erfcx', [-30., -1., 0., 30., 1e5, inf])
    both('log_ndtr', [-40., -10., 0., 10., inf, -inf])
    both('ndtri', [0., 0.5, 1., 1.5, -0.1])
    both('ndtr', [-inf, 0., inf])
    both('i0e', [0., -50., 50., inf])
    both('i1e', [0., -50., 50.])
    both('logit', [0., 0.3, 1.], 1e-6)
    both('bessel_j0', [0., 1e3, -inf, inf])
    both('bessel_j1', [0., 1e3])


def test_grads_at_special_points(device):
    compare(lambda L, a: L.special.entr(a), np.array([-1., 0., 1., 2.]), device=device)
    compare(lambda L, a: L.special.i1e(a), np.array([0., -1., 2.]), device=device)
    compare(lambda L, a: L.special.i0e(a), np.array([0., -1., 2.]), device=device)
    compare(lambda L, a: L.special.logit(a, eps=0.1), np.array([0., 0.05, 0.5, 0.99]),
            device=device)
    compare(lambda L, a, b: L.special.xlog1py(a, b), np.array([0., 0., 1., 2.]),
            np.array([-1., 3., -1., 0.5]), device=device)
    compare(lambda L, a, b: L.special.xlogy(a, b), np.array([0., 0., 1.]),
            np.array([0., 3., 2.]), device=device)


@pytest.mark.parametrize('n', [0, 1, 2, 3])
def test_polygamma(n, device):
    compare(lambda L, a: L.special.polygamma(n, a), u(0.5, 4), device=device,
            rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize('p', [1, 2, 3, 5])
def test_multigammaln(p, device):
    compare(lambda L, a: L.special.multigammaln(a, p), u(p, p + 4), device=device,
            rtol=1e-9, atol=1e-9)
    compare(lambda L, a: L.special.multigammaln(a, p), np.arange(p, p + 4), device=device,
            grad=False)
    compare(lambda L, a: L.special.multigammaln(a, p), u(p, p + 4).astype(np.float32),
            device=device)


def test_multigammaln_errors(device):
    for p in (0, -1):
        with pytest.raises(RuntimeError):
            torch.special.multigammaln(torch.tensor([3.]), p)
        with pytest.raises(RuntimeError, match='p has to be greater than or equal to 1'):
            ember.special.multigammaln(ember.tensor([3.], device=device), p)


def test_softmax_family(device):
    x = R(0).standard_normal((3, 5)).astype(np.float32)
    for dim in (0, 1, -1):
        compare(lambda L, a: L.special.softmax(a, dim), x, device=device)
        compare(lambda L, a: L.special.log_softmax(a, dim=dim), x, device=device)
        compare(lambda L, a: L.special.logsumexp(a, dim), x, device=device)
        compare(lambda L, a: L.special.logsumexp(a, (0, 1), keepdim=True), x, device=device)
    compare(lambda L, a: L.special.softmax(a, 1, dtype=L.float64), x, device=device)
    compare(lambda L, a: L.special.log_softmax(a, 0, dtype=L.float64), x, device=device)


def test_round_and_exp_family(device):
    x = np.array([1.2345, -2.5, 0.5, 1.5, 123.456], np.float32)
    for d in (0, 1, 2, -1):
        compare(lambda L, a: L.special.round(a, decimals=d), x, device=device)
    compare(lambda L, a: L.special.exp2(a), np.array([1, 2, 3]), device=device, grad=False)


def test_xlog1py_operands(device):
    a, b = u(-1, 2, (2, 3)), u(-0.5, 2, (3,), seed=1)
    compare(lambda L, x, y: L.special.xlog1py(x, y), a, b, device=device)
    compare(lambda L, x, y: L.special.xlog1py(x, y), a.astype(np.float32), b, device=device)
    compare(lambda L, x: L.special.xlog1py(x, 3), a, device=device)
    compare(lambda L, x: L.special.xlog1py(2., x), b, device=device)
    compare(lambda L, x: L.special.xlog1py(x, 1), np.array([2, 0]), device=device, grad=False)
    compare(lambda L, x, y: L.special.xlog1py(x, y), np.array([0., 1.]),
            np.array([np.nan, np.nan]), device=device, grad=False)
    with pytest.raises(TypeError):
        ember.special.xlog1py(1.0, 2.0)


def test_zeta(device):
    compare(lambda L, x, q: L.special.zeta(x, q), u(1.5, 5), u(0.5, 3, seed=1), device=device,
            grad=False, rtol=1e-9)
    compare(lambda L, x: L.special.zeta(x, 1), u(1.5, 5).astype(np.float32), device=device,
            grad=False)
    compare(lambda L, q: L.special.zeta(2, q), u(0.5, 3), device=device, grad=False)
    compare(lambda L, x, q: L.special.zeta(x, q), np.array([2, 3]), np.array([1, 2]),
            device=device, grad=False)
    compare(lambda L, x, q: L.special.zeta(x, q), np.array([2.], np.float32), np.array([1.]),
            device=device, grad=False)
    compare(lambda L, x: L.special.zeta(x, 1.), np.array([1.]), device=device, grad=False)


def test_zeta_has_no_derivative(device):
    x = ember.tensor([2., 3.], device=device, requires_grad=True)
    tx = torch.tensor([2., 3.], requires_grad=True)
    with pytest.raises(NotImplementedError) as te:
        torch.special.zeta(tx, 2.).sum().backward()
    with pytest.raises(NotImplementedError) as ee:
        ember.special.zeta(x, 2.).sum().backward()
    assert str(ee.value) == str(te.value)
    with pytest.raises(NotImplementedError):
        ember.special.zeta(ember.tensor([1.], dtype=ember.float16, device=device), 1.)
    with pytest.raises(TypeError):
        ember.special.zeta(2., 1.)


def test_bessel_outputs_do_not_require_grad(device):
    x = ember.tensor([0.5, 1.5], device=device, requires_grad=True)
    for f in (ember.special.bessel_j0, ember.special.bessel_j1):
        y = f(x)
        assert not y.requires_grad and y.grad_fn is None


def test_out(device):
    x = u(0.1, 0.9)
    for name in ('erfcx', 'i0e', 'i1e', 'ndtri', 'log_ndtr', 'entr', 'ndtr', 'bessel_j0', 'i1'):
        out = ember.empty(3, 4, dtype=ember.float64, device=device)
        r = getattr(ember.special, name)(ember.tensor(x, device=device), out=out)
        assert r is out
        assert_same(out, getattr(torch.special, name)(torch.tensor(x)))
    out = ember.empty(3, 4, dtype=ember.float64, device=device)
    ember.special.xlog1py(ember.tensor(x, device=device), 2., out=out)
    assert_same(out, torch.special.xlog1py(torch.tensor(x), 2.))
    out = ember.empty(3, 4, dtype=ember.float64, device=device)
    ember.special.zeta(ember.tensor(x + 1.5, device=device), 2., out=out)
    assert_same(out, torch.special.zeta(torch.tensor(x + 1.5), 2.))


def test_complex_inputs_refused_like_torch(device):
    for name in ('erfcx', 'ndtri', 'log_ndtr'):
        with pytest.raises(NotImplementedError) as te:
            getattr(torch.special, name)(torch.tensor([1 + 1j]))
        with pytest.raises(NotImplementedError) as ee:
            getattr(ember.special, name)(ember.tensor([1 + 1j], device=device))
        assert str(ee.value) == str(te.value)


@pytest.mark.parametrize('fn', [
    lambda x: ember.special.erfcx(x), lambda x: ember.special.i0e(x),
    lambda x: ember.special.i1e(x), lambda x: ember.special.i1(x),
    lambda x: ember.special.log_ndtr(x), lambda x: ember.special.ndtr(x),
    lambda x: ember.special.ndtri(ember.special.expit(x)), lambda x: ember.special.entr(x.abs() + 0.1),
    lambda x: ember.special.multigammaln(x + 4, 3),
], ids=['erfcx', 'i0e', 'i1e', 'i1', 'log_ndtr', 'ndtr', 'ndtri', 'entr', 'multigammaln'])
def test_finite_differences(fn, device):
    fd_check(fn, R(2).uniform(-2, 2, (3, 4)), device=device, rtol=1e-5, atol=1e-6)


def test_finite_differences_xlog1py(device):
    fd_check(lambda a, b: ember.special.xlog1py(a, b), R(2).uniform(-2, 2, (3, 4)),
             R(3).uniform(-0.5, 2, (3, 4)), device=device, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize('name', ['erfcx', 'i0e', 'i1e', 'log_ndtr', 'ndtri', 'entr', 'ndtr'])
def test_double_backward(name, device):
    lo, hi = UNARY[name]
    x = u(lo, hi)

    def run(L, t):
        y = getattr(L.special, name)(t)
        g, = L.autograd.grad((y * y).sum(), t, create_graph=True)
        gg, = L.autograd.grad(g.sum(), t)
        return g, gg
    e = ember.tensor(x, device=device, requires_grad=True)
    t = torch.tensor(x, requires_grad=True)
    assert_same(run(ember, e), run(torch, t), 1e-8, 1e-8)


def test_one_implementation_per_op():
    S = ember.special
    assert S.expit is ember.sigmoid and S.gammaln is ember.lgamma and S.psi is ember.digamma
    assert S.erf is ember.erf and S.erfinv is ember.erfinv and S.logit is ember.logit
    assert S.i0 is ember.i0 and S.sinc is ember.sinc and S.xlogy is ember.xlogy
    assert S.logsumexp is ember.logsumexp and S.round is ember.round
    assert S.log1p is ember.log1p and S.polygamma is ember.polygamma


def test_missing_name_raises_not_implemented():
    with pytest.raises(NotImplementedError, match='torch.special.airy_ai'):
        ember.special.airy_ai
    assert not hasattr(ember.special, 'airy_ai')


def test_without_scipy_names_the_extra(monkeypatch, device):
    if device != 'cpu':
        pytest.skip('the SciPy extra is for the CPU')
    monkeypatch.setitem(sys.modules, 'scipy', None)
    monkeypatch.setitem(sys.modules, 'scipy.special', None)
    x = ember.tensor([0.5])
    for f in (ember.special.erfcx, ember.special.i0e, ember.special.i1, ember.special.ndtri,
              ember.special.bessel_j0, lambda t: ember.special.zeta(t + 1, 1.)):
        with pytest.raises(RuntimeError, match=r"pip install 'ember\[special\]'"):
            f(x)
    # functions with a NumPy fallback keep working
    np.testing.assert_allclose(to_np(ember.special.i0(x)), np.i0(0.5), rtol=1e-6)
    np.testing.assert_allclose(to_np(ember.special.entr(x)), -0.5 * np.log(0.5), rtol=1e-6)
