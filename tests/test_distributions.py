"""ember.distributions against torch.distributions: values, gradients, shapes, validation,
KL divergences and (statistically) samples."""
import math

import numpy as np
import pytest

import ember
from tests.helpers import compare, torch, needs_torch, to_np
from tests._dist_common import (Draws, check_log_prob_float64, check_log_prob_stats,
                                check_moments, check_same_error, check_sample_shapes,
                                seeded_samples)

pytestmark = needs_torch
_D = Draws(0)
R = _D.R
_pos, _real, _unit, _simplex = _D.pos, _D.real, _D.unit, _D.simplex


def _spd_factor(n):
    return (R.randn(n, n) * 0.3 + np.eye(n) * 1.5).astype(np.float32)


# name -> (constructor(lib, *params), params, value, properties to compare)
STATS = ('mean', 'variance', 'stddev', 'mode')
CASES = {
    'Normal': (lambda L, a, b: L.distributions.Normal(a, b), [_real(3), _pos(3)], _real(2, 3), STATS),
    'LogNormal': (lambda L, a, b: L.distributions.LogNormal(a, b), [_real(3) * 0.3, _pos(3) * 0.5],
                  _pos(2, 3), STATS),
    'Uniform': (lambda L, a, b: L.distributions.Uniform(a, a + b), [_real(3), _pos(3) + 3],
                None, ('mean', 'variance', 'stddev')),
    'Laplace': (lambda L, a, b: L.distributions.Laplace(a, b), [_real(3), _pos(3)], _real(2, 3), STATS),
    'Cauchy': (lambda L, a, b: L.distributions.Cauchy(a, b), [_real(3), _pos(3)], _real(2, 3), ('mode',)),
    'Exponential': (lambda L, r: L.distributions.Exponential(r), [_pos(3)], _pos(2, 3), STATS),
    'Gamma': (lambda L, c, r: L.distributions.Gamma(c, r), [_pos(3) * 2, _pos(3)], _pos(2, 3), STATS),
    'Beta': (lambda L, a, b: L.distributions.Beta(a, b), [_pos(3) * 2, _pos(3) * 2],
             _unit(2, 3), STATS),
    'Dirichlet': (lambda L, c: L.distributions.Dirichlet(c), [_pos(2, 4) * 2], _simplex(3, 2, 4), STATS),
    'BernoulliP': (lambda L, p: L.distributions.Bernoulli(probs=p), [_simplex(3) * 0.9],
                   np.array([[0, 1, 1], [1, 0, 0]], np.float32), ('mean', 'variance', 'mode')),
    'BernoulliL': (lambda L, lg: L.distributions.Bernoulli(logits=lg), [_real(3)],
                   np.array([[0, 1, 1], [1, 0, 0]], np.float32), ('mean', 'variance')),
    'CategoricalP': (lambda L, p: L.distributions.Categorical(probs=p), [_pos(2, 4)],
                     np.array([[0, 3], [2, 1], [1, 1]]), ('mode',)),
    'CategoricalL': (lambda L, lg: L.distributions.Categorical(logits=lg), [_real(2, 4)],
                     np.array([[0, 3], [2, 1], [1, 1]]), ('mode',)),
    'OneHotCategorical': (lambda L, lg: L.distributions.OneHotCategorical(logits=lg), [_real(2, 4)],
                          np.eye(4, dtype=np.float32)[[[0, 3], [2, 1]]], ('mean', 'variance', 'mode')),
    'Binomial': (lambda L, p: L.distributions.Binomial(L.tensor([3., 5., 5.]), probs=p),
                 [_simplex(3)], np.array([[0, 2, 5], [3, 1, 0]], np.float32), ('mean', 'variance', 'mode')),
    'BinomialL': (lambda L, lg: L.distributions.Binomial(4, logits=lg), [_real(3)],
                  np.array([[0, 2, 4], [3, 1, 0]], np.float32), ('mean', 'variance', 'mode')),
    'Poisson': (lambda L, r: L.distributions.Poisson(r), [_pos(3) * 3],
                np.array([[0, 2, 5], [3, 1, 0]], np.float32), STATS),
    'Geometric': (lambda L, p: L.distributions.Geometric(p), [_simplex(3)],
                  np.array([[0, 2, 5], [3, 1, 0]], np.float32), ('mean', 'variance', 'mode')),
    'MVN_tril': (lambda L, m, A: L.distributions.MultivariateNormal(m, scale_tril=A.tril()),
                 [_real(2, 3), _spd_factor(3)], _real(4, 2, 3), ('mean', 'variance', 'mode')),
    'MVN_cov': (lambda L, m, A: L.distributions.MultivariateNormal(
        m, covariance_matrix=A @ A.mT + L.eye(3)), [_real(3), _real(3, 3)], _real(4, 3),
        ('mean', 'variance')),
    'MVN_prec': (lambda L, m, A: L.distributions.MultivariateNormal(
        m, precision_matrix=A @ A.mT + L.eye(3)), [_real(3), _real(3, 3)], _real(4, 3),
        ('mean', 'variance')),
    'Independent': (lambda L, a, b: L.distributions.Independent(L.distributions.Normal(a, b), 1),
                    [_real(2, 3), _pos(2, 3)], _real(4, 2, 3), STATS),
}
NO_ENTROPY = {'Poisson', 'Binomial'}


@pytest.mark.parametrize('name', list(CASES))
def test_log_prob_entropy_stats(name, device):
    ctor, params, value, props = CASES[name]
    if value is None:           # Uniform: a value inside the support of every batch element
        value = (params[0] + 0.5 * params[1]).astype(np.float32)[None]
    check_log_prob_stats(ctor, params, value, props, name not in NO_ENTROPY, device)


@pytest.mark.parametrize('name', ['Normal', 'Gamma', 'Dirichlet', 'CategoricalL', 'MVN_cov',
                                  'Binomial'])
def test_log_prob_float64(name, device):
    ctor, params, value, _ = CASES[name]
    check_log_prob_float64(ctor, params, value, device)


def test_gradcheck_log_prob(device):
    loc = ember.tensor(_real(3).astype(np.float64), device=device, requires_grad=True)
    conc = ember.tensor(_pos(3).astype(np.float64) * 2, device=device, requires_grad=True)
    v = ember.tensor(_pos(3).astype(np.float64), device=device)
    f = lambda a, c: (ember.distributions.Normal(a, c).log_prob(v)
                      + ember.distributions.Gamma(c, 1.5).log_prob(v)
                      + ember.distributions.Beta(c, 2.0).entropy())
    assert ember.autograd.gradcheck(f, (loc, conc))
    assert ember.autograd.gradgradcheck(f, (loc, conc))


KL_CASES = {
    'Normal': (lambda L, a, b: L.distributions.Normal(a, b), [_real(3), _pos(3)]),
    'LogNormal': (lambda L, a, b: L.distributions.LogNormal(a, b), [_real(3), _pos(3)]),
    'Uniform': (lambda L, a, b: L.distributions.Uniform(a, a + b), None),
    'Laplace': (lambda L, a, b: L.distributions.Laplace(a, b), [_real(3), _pos(3)]),
    'Exponential': (lambda L, r: L.distributions.Exponential(r), [_pos(3)]),
    'Gamma': (lambda L, c, r: L.distributions.Gamma(c, r), [_pos(3), _pos(3)]),
    'Beta': (lambda L, a, b: L.distributions.Beta(a, b), [_pos(3), _pos(3)]),
    'Dirichlet': (lambda L, c: L.distributions.Dirichlet(c), [_pos(2, 4)]),
    'Bernoulli': (lambda L, p: L.distributions.Bernoulli(probs=p), [_simplex(3)]),
    'Categorical': (lambda L, lg: L.distributions.Categorical(logits=lg), [_real(2, 4)]),
    'OneHotCategorical': (lambda L, p: L.distributions.OneHotCategorical(probs=p), [_pos(2, 4)]),
    'Binomial': (lambda L, p: L.distributions.Binomial(5, probs=p), [_simplex(3)]),
    'Poisson': (lambda L, r: L.distributions.Poisson(r), [_pos(3)]),
    'Geometric': (lambda L, p: L.distributions.Geometric(p), [_simplex(3)]),
    'MVN': (lambda L, m, A: L.distributions.MultivariateNormal(m, scale_tril=A.tril()),
            [_real(2, 3), _spd_factor(3)]),
    'Independent': (lambda L, a, b: L.distributions.Independent(L.distributions.Normal(a, b), 1),
                    [_real(2, 3), _pos(2, 3)]),
}


@pytest.mark.parametrize('name', list(KL_CASES))
def test_kl_divergence(name, device):
    ctor, params = KL_CASES[name]
    if params is None:
        pp, qp = [_real(3), _pos(3)], [_real(3) - 3, _pos(3) + 6]
    else:
        pp = params
        qp = [p + (_pos(*p.shape) * 0.1 if name != 'Geometric' else 0) if p.dtype.kind == 'f' else p
              for p in params]
        if name in ('Bernoulli', 'Binomial', 'Geometric'):
            qp = [_simplex(3) * 0.8 + 0.05]
        if name == 'Geometric':
            pp = [_simplex(3) * 0.8 + 0.05]
    n = len(pp)
    compare(lambda L, *a: L.distributions.kl_divergence(ctor(L, *a[:n]), ctor(L, *a[n:])),
            *pp, *qp, device=device, rtol=1e-4, atol=1e-5)


def test_kl_uniform_normal_and_inf(device):
    compare(lambda L, a, b, m, s: L.distributions.kl_divergence(
        L.distributions.Uniform(a, a + b), L.distributions.Normal(m, s)),
        _real(3), _pos(3), _real(3), _pos(3), device=device, rtol=1e-4, atol=1e-5)
    compare(lambda L, a, b, m, s: L.distributions.kl_divergence(
        L.distributions.Normal(a, b), L.distributions.Laplace(m, s)),
        _real(3), _pos(3), _real(3), _pos(3), device=device, rtol=1e-4, atol=1e-5)
    # q does not cover p: infinite
    compare(lambda L, a: L.distributions.kl_divergence(
        L.distributions.Uniform(a, a + 2), L.distributions.Uniform(a + 1, a + 5)),
        _real(3), device=device, grad=False)
    compare(lambda L, p: L.distributions.kl_divergence(
        L.distributions.Categorical(probs=p), L.distributions.Categorical(
            probs=L.tensor([0.5, 0.5, 0.0, 0.0]))), _pos(2, 4), device=device, grad=False)


def test_kl_registry_errors(device):
    D = ember.distributions
    with pytest.raises(NotImplementedError, match='No KL\\(p \\|\\| q\\) is implemented for '
                                                  'Normal x Gamma'):
        D.kl_divergence(D.Normal(0., 1.), D.Gamma(1., 1.))

    class MyNormal(D.Normal):
        pass

    @D.register_kl(MyNormal, D.Normal)
    def _kl(p, q):
        return ember.tensor(42.)
    assert float(D.kl_divergence(MyNormal(0., 1.), D.Normal(0., 1.))) == 42.
    assert float(D.kl_divergence(D.Normal(0., 1.), D.Normal(0., 1.))) == 0.
    # a subclass without its own entry uses its base's
    assert float(D.kl_divergence(D.Normal(0., 1.), MyNormal(0., 2.))) > 0
    with pytest.raises(TypeError):
        D.register_kl(int, D.Normal)


SHAPES = [
    ('Normal', lambda L: L.distributions.Normal(L.zeros(2, 3), L.ones(2, 3))),
    ('NormalScalar', lambda L: L.distributions.Normal(0., 1.)),
    ('Uniform', lambda L: L.distributions.Uniform(L.zeros(3), 2.)),
    ('Bernoulli', lambda L: L.distributions.Bernoulli(logits=L.zeros(2, 3))),
    ('Categorical', lambda L: L.distributions.Categorical(probs=L.ones(2, 5))),
    ('OneHot', lambda L: L.distributions.OneHotCategorical(logits=L.zeros(2, 5))),
    ('Dirichlet', lambda L: L.distributions.Dirichlet(L.ones(3, 4))),
    ('Beta', lambda L: L.distributions.Beta(L.ones(3), 2.)),
    ('Gamma', lambda L: L.distributions.Gamma(L.ones(3), L.ones(2, 1))),
    ('MVN', lambda L: L.distributions.MultivariateNormal(L.zeros(3), L.eye(3).expand(2, 3, 3))),
    ('Independent', lambda L: L.distributions.Independent(
        L.distributions.Normal(L.zeros(2, 3, 4), 1.), 2)),
    ('Binomial', lambda L: L.distributions.Binomial(5, L.full((3,), 0.5))),
    ('Poisson', lambda L: L.distributions.Poisson(L.ones(3))),
    ('Exponential', lambda L: L.distributions.Exponential(L.ones(3))),
    ('Laplace', lambda L: L.distributions.Laplace(0., L.ones(3))),
    ('LogNormal', lambda L: L.distributions.LogNormal(0., L.ones(3))),
    ('Geometric', lambda L: L.distributions.Geometric(L.full((3,), 0.3))),
]


@pytest.mark.parametrize('name,ctor', SHAPES, ids=[s[0] for s in SHAPES])
@pytest.mark.parametrize('sample_shape', [(), (5,), (2, 3)])
def test_sample_shapes(name, ctor, sample_shape, device):
    check_sample_shapes(ctor, sample_shape)


def test_enumerate_support(device):
    for ctor in (lambda L: L.distributions.Categorical(logits=L.zeros(2, 3)),
                 lambda L: L.distributions.Bernoulli(L.full((2,), 0.3)),
                 lambda L: L.distributions.OneHotCategorical(logits=L.zeros(2, 3)),
                 lambda L: L.distributions.Binomial(3, L.full((2,), 0.3))):
        for expand in (True, False):
            a, b = ctor(ember).enumerate_support(expand), ctor(torch).enumerate_support(expand)
            assert tuple(a.shape) == tuple(b.shape) and str(a.dtype) == str(b.dtype)
            np.testing.assert_array_equal(to_np(a), to_np(b))
    compare(lambda L, p: L.distributions.Binomial(4, probs=p).entropy(), _simplex(3),
            device=device, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize('bad', [
    lambda L: L.distributions.Normal(L.tensor([0., 1.]), L.tensor([1., -1.])),
    lambda L: L.distributions.Normal(0., 1.).log_prob(L.tensor([float('nan')])),
    lambda L: L.distributions.Normal(L.zeros(3), 1.).log_prob(L.zeros(2)),
    lambda L: L.distributions.Normal(0., 1.).log_prob(0.5),
    lambda L: L.distributions.Bernoulli(L.tensor([0.2, 1.5])),
    lambda L: L.distributions.Bernoulli(L.tensor([0.2])).log_prob(L.tensor([0.5])),
    lambda L: L.distributions.Bernoulli(),
    lambda L: L.distributions.Bernoulli(probs=L.tensor(0.2), logits=L.tensor(0.1)),
    lambda L: L.distributions.Categorical(probs=L.tensor(0.2)),
    lambda L: L.distributions.Categorical(logits=L.zeros(3)).log_prob(L.tensor([3])),
    lambda L: L.distributions.Uniform(L.tensor([1.]), L.tensor([0.])),
    lambda L: L.distributions.Uniform(0., 1.).log_prob(L.tensor([2.])),
    lambda L: L.distributions.Gamma(L.tensor([-1.]), 1.),
    lambda L: L.distributions.Dirichlet(L.tensor(1.)),
    lambda L: L.distributions.Dirichlet(L.ones(3)).log_prob(L.tensor([0.5, 0.6, 0.1])),
    lambda L: L.distributions.Beta(L.tensor([1.]), 1.).log_prob(L.tensor([1.5])),
    lambda L: L.distributions.MultivariateNormal(L.tensor(0.), L.eye(1)),
    lambda L: L.distributions.MultivariateNormal(L.zeros(2)),
    lambda L: L.distributions.MultivariateNormal(L.zeros(2), L.tensor([[1., 2.], [2., 1.]])),
    lambda L: L.distributions.MultivariateNormal(L.zeros(2), scale_tril=L.tensor([[1., 1.], [0., 1.]])),
    lambda L: L.distributions.Independent(L.distributions.Normal(L.zeros(2), 1.), 2),
    lambda L: L.distributions.Poisson(L.tensor([-1.])),
    lambda L: L.distributions.Binomial(L.tensor([2.5]), L.tensor([0.5])),
    lambda L: L.distributions.Binomial(L.tensor([2., 3.]), L.tensor([0.5, 0.5])).entropy(),
    lambda L: L.distributions.Exponential(L.tensor([1.])).log_prob(L.tensor([-1.])),
    lambda L: L.distributions.OneHotCategorical(logits=L.zeros(3)).log_prob(L.tensor([1., 1., 0.])),
])
def test_validation_errors(bad, device):
    check_same_error(bad)


def test_validate_args_switch(device):
    D = ember.distributions
    D.Normal(0., -1., validate_args=False)          # no error
    d = D.Normal(0., 1., validate_args=False)
    d.log_prob(ember.tensor([float('nan')]))
    try:
        D.Distribution.set_default_validate_args(False)
        D.Normal(0., -1.)
    finally:
        D.Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError):
        D.Normal(0., -1.)
    with pytest.raises(ValueError):
        D.Distribution.set_default_validate_args(3)


def test_sample_moments_and_seed(device):
    D = ember.distributions
    n = 40000
    cases = [
        (lambda L: L.distributions.Normal(L.tensor([1., -2.]), L.tensor([0.5, 2.])), 0.05),
        (lambda L: L.distributions.Uniform(L.tensor([0., 1.]), L.tensor([1., 5.])), 0.05),
        (lambda L: L.distributions.Laplace(L.tensor([1.]), L.tensor([2.])), 0.05),
        (lambda L: L.distributions.Exponential(L.tensor([0.5, 3.])), 0.05),
        (lambda L: L.distributions.Gamma(L.tensor([0.3, 2., 9.]), L.tensor([1., 2., 0.5])), 0.06),
        (lambda L: L.distributions.Beta(L.tensor([0.5, 3.]), L.tensor([2., 1.])), 0.05),
        (lambda L: L.distributions.Dirichlet(L.tensor([0.5, 2., 4.])), 0.05),
        (lambda L: L.distributions.Bernoulli(L.tensor([0.1, 0.7])), 0.05),
        (lambda L: L.distributions.Categorical(L.tensor([0.2, 0.3, 0.5])), None),
        (lambda L: L.distributions.OneHotCategorical(L.tensor([0.2, 0.3, 0.5])), 0.05),
        (lambda L: L.distributions.Binomial(L.tensor([10., 3.]), L.tensor([0.3, 0.9])), 0.05),
        (lambda L: L.distributions.Poisson(L.tensor([0.5, 7.])), 0.05),
        (lambda L: L.distributions.Geometric(L.tensor([0.3, 0.8])), 0.06),
        (lambda L: L.distributions.LogNormal(L.tensor([0.]), L.tensor([0.5])), 0.05),
        (lambda L: L.distributions.MultivariateNormal(
            L.tensor([1., 2.]), L.tensor([[2., 0.6], [0.6, 1.]])), 0.05),
    ]
    for ctor, tol in cases:
        e, t = ctor(ember), ctor(torch)
        s = seeded_samples(e, n)
        if tol is None:         # Categorical: frequencies
            freq = np.bincount(s.astype(np.int64), minlength=3) / n
            np.testing.assert_allclose(freq, to_np(t.probs), atol=0.02)
            continue
        check_moments(e, t, s, tol, 0.4)
    if isinstance(e, D.MultivariateNormal):
        np.testing.assert_allclose(np.cov(s.T), to_np(t.covariance_matrix), atol=0.06)


def test_rsample_gradients(device):
    D = ember.distributions
    n = 40000
    ember.manual_seed(0)
    # d/dparam E[f(x)] through rsample against the analytic derivative
    loc = ember.tensor([0.5], requires_grad=True)
    scale = ember.tensor([2.], requires_grad=True)
    x = D.Normal(loc, scale).rsample((n,))
    (x ** 2).mean().backward()        # E[x^2] = loc^2 + scale^2
    np.testing.assert_allclose(to_np(loc.grad), [1.0], atol=0.05)
    np.testing.assert_allclose(to_np(scale.grad), [4.0], rtol=0.03)

    conc = ember.tensor([0.7, 3.0], requires_grad=True)
    rate = ember.tensor([1.5, 0.5], requires_grad=True)
    x = D.Gamma(conc, rate).rsample((n,))
    x.mean(0).sum().backward()        # d(c/r)/dc = 1/r, d(c/r)/dr = -c/r^2
    np.testing.assert_allclose(to_np(conc.grad), [1 / 1.5, 2.0], rtol=0.05)
    np.testing.assert_allclose(to_np(rate.grad), [-0.7 / 1.5 ** 2, -12.0], rtol=0.05)

    a = ember.tensor([2.0], requires_grad=True)
    b = ember.tensor([3.0], requires_grad=True)
    D.Beta(a, b).rsample((n,)).mean().backward()   # d(a/(a+b))
    np.testing.assert_allclose(to_np(a.grad), [3 / 25], rtol=0.1)
    np.testing.assert_allclose(to_np(b.grad), [-2 / 25], rtol=0.1)

    c = ember.tensor([1.0, 2.0, 3.0], requires_grad=True)
    D.Dirichlet(c).rsample((n,))[:, 0].mean().backward()   # d(c0/sum c)
    np.testing.assert_allclose(to_np(c.grad), [5 / 36, -1 / 36, -1 / 36], rtol=0.1, atol=0.005)

    m = ember.tensor([1.0, 2.0], requires_grad=True)
    A = ember.tensor([[1.0, 0.0], [0.5, 2.0]], requires_grad=True)
    for d in (D.MultivariateNormal(m, scale_tril=A), D.Uniform(m, m + 1), D.Laplace(m, 1.),
              D.Exponential(m), D.LogNormal(m, 0.3), D.Cauchy(m, 1.),
              D.OneHotCategoricalStraightThrough(logits=m)):
        m.grad = None
        d.rsample((3,)).sum().backward()
        assert m.grad is not None and np.all(np.isfinite(to_np(m.grad)))


def test_standard_gamma_pathwise_grad_matches_torch(device):
    alpha = ember.tensor(np.array([0.2, 0.8, 1.0, 2.5, 10.0, 50.0], np.float64), requires_grad=True)
    ember.manual_seed(1)
    x = ember.distributions.Gamma(alpha, 1.0).rsample((50,))
    x.sum().backward()
    xt = torch.tensor(to_np(x))
    at = torch.tensor(to_np(alpha)).expand_as(xt)
    ref = torch._standard_gamma_grad(at, xt).sum(0)
    np.testing.assert_allclose(to_np(alpha.grad), ref.numpy(), rtol=2e-3)


def test_misc_api(device):
    D = ember.distributions
    d = D.Normal(ember.zeros(2), ember.ones(2))
    assert repr(d) == repr(torch.distributions.Normal(torch.zeros(2), torch.ones(2)))
    assert repr(D.constraints.integer_interval(0, 3)) == repr(
        torch.distributions.constraints.integer_interval(0, 3))
    assert repr(D.Categorical(logits=ember.zeros(3)).support) == repr(
        torch.distributions.Categorical(logits=torch.zeros(3)).support)
    from ember.distributions.normal import Normal  # PyTorch's module path
    assert Normal is D.Normal
    import ember.distributions.categorical as cat_mod
    assert cat_mod.Categorical is D.Categorical
    e = D.Independent(d, 1)
    assert repr(e) == repr(torch.distributions.Independent(
        torch.distributions.Normal(torch.zeros(2), torch.ones(2)), 1))
    for con in ('real', 'positive', 'unit_interval', 'simplex', 'boolean', 'nonnegative_integer',
                'real_vector', 'lower_cholesky', 'positive_definite'):
        assert repr(getattr(D.constraints, con)) == repr(getattr(torch.distributions.constraints, con))
    v = np.array([[0.5, 0.5], [0.2, 0.9]], np.float32)
    np.testing.assert_array_equal(to_np(D.constraints.simplex.check(ember.tensor(v))),
                                  torch.distributions.constraints.simplex.check(torch.tensor(v)).numpy())
    assert float(d.perplexity()[0]) == pytest.approx(math.exp(0.5 + 0.5 * math.log(2 * math.pi)), rel=1e-6)
    compare(lambda L, a, b, v: (L.distributions.Normal(a, b).cdf(v),
                                L.distributions.Normal(a, b).icdf(L.sigmoid(v)),
                                L.distributions.Laplace(a, b).cdf(v),
                                L.distributions.Exponential(b).cdf(v.abs())),
            _real(3), _pos(3), _real(3), device=device, rtol=1e-4, atol=1e-5)
    mt = torch.distributions.MultivariateNormal(torch.zeros(2), precision_matrix=torch.tensor([[2., .5], [.5, 1.]]))
    me = D.MultivariateNormal(ember.zeros(2), precision_matrix=ember.tensor([[2., .5], [.5, 1.]]))
    for attr in ('scale_tril', 'covariance_matrix', 'precision_matrix'):
        np.testing.assert_allclose(to_np(getattr(me, attr)), getattr(mt, attr).numpy(), rtol=1e-5, atol=1e-6)
