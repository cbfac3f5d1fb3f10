"""ember.distributions transforms, TransformedDistribution and the newer distributions
(StudentT, Chi2, Gumbel, HalfNormal, VonMises, Multinomial, MixtureSameFamily, relaxed
distributions) against torch.distributions: values, gradients, shapes, validation, KL and
(statistically) samples and rsample gradients."""
import math

import numpy as np
import pytest

import ember
from tests.helpers import compare, torch, needs_torch, to_np
from tests._dist_common import (TOL, Draws, check_log_prob_float64, check_log_prob_stats,
                                check_moments, check_same_error, check_sample_shapes, err,
                                seeded_samples)

pytestmark = needs_torch
_D = Draws(7)
_pos, _real, _unit, _simplex = _D.pos, _D.real, _D.unit, _D.simplex


# ---------------------------------------------------------------------------------- transforms

def _T(L):
    return L.distributions.transforms


TRANSFORMS = {
    'Exp': (lambda L: _T(L).ExpTransform(), _real(2, 3)),
    'Affine': (lambda L: _T(L).AffineTransform(0.5, -2.0), _real(2, 3)),
    'AffineT': (lambda L: _T(L).AffineTransform(L.tensor([0.5, 1., -1.]),
                                                L.tensor([2., -0.5, 3.])), _real(2, 3)),
    'AffineEv': (lambda L: _T(L).AffineTransform(L.tensor([0.5, 1., -1.]),
                                                 L.tensor([2., -0.5, 3.]), event_dim=1),
                 _real(2, 3)),
    'Sigmoid': (lambda L: _T(L).SigmoidTransform(), _real(2, 3)),
    'Tanh': (lambda L: _T(L).TanhTransform(), _real(2, 3)),
    'Softplus': (lambda L: _T(L).SoftplusTransform(), _real(2, 3)),
    'Power': (lambda L: _T(L).PowerTransform(L.tensor([2.0, 0.5, -1.5])), _pos(2, 3)),
    'Abs': (lambda L: _T(L).AbsTransform(), _real(2, 3)),
    'Softmax': (lambda L: _T(L).SoftmaxTransform(), _real(2, 3)),
    'StickBreaking': (lambda L: _T(L).StickBreakingTransform(), _real(2, 3)),
    'Compose': (lambda L: _T(L).ComposeTransform([_T(L).AffineTransform(1., 2.),
                                                  _T(L).SigmoidTransform(),
                                                  _T(L).PowerTransform(L.tensor(3.))]),
                _real(2, 3)),
    'ComposeEv': (lambda L: _T(L).ComposeTransform([_T(L).ExpTransform(),
                                                    _T(L).StickBreakingTransform()]),
                  _real(2, 3) * 0.3),
    'InvExp': (lambda L: _T(L).ExpTransform().inv, _pos(2, 3)),
    'Independent': (lambda L: _T(L).IndependentTransform(_T(L).SigmoidTransform(), 1),
                    _real(2, 3)),
}
NOT_BIJECTIVE = {'Abs', 'Softmax'}


@pytest.mark.parametrize('name', list(TRANSFORMS))
def test_transform_values_and_grads(name, device):
    ctor, x = TRANSFORMS[name]

    def fn(L, x):
        t = ctor(L)
        y = t(x)
        out = [y, t.inv(y)]
        if name not in NOT_BIJECTIVE:
            out.append(t.log_abs_det_jacobian(x, y))
        return tuple(out)
    compare(fn, x, device=device, **TOL)


@pytest.mark.parametrize('name', list(TRANSFORMS))
def test_transform_attributes(name, device):
    ctor, x = TRANSFORMS[name]
    e, t = ctor(ember), ctor(torch)
    assert e.bijective == t.bijective
    assert repr(e.domain) == repr(t.domain) and repr(e.codomain) == repr(t.codomain)
    assert e.domain.event_dim == t.domain.event_dim
    assert e.codomain.event_dim == t.codomain.event_dim
    assert repr(e.inv.domain) == repr(t.inv.domain)
    assert e.inv.inv is e and t.inv.inv is t
    assert repr(e) == repr(t)
    for shape in ((2, 3), (4, 1, 3)):
        es_, ts_ = ember.Size(shape), torch.Size(shape)
        assert tuple(e.forward_shape(es_)) == tuple(t.forward_shape(ts_))
        assert tuple(e.inverse_shape(es_)) == tuple(t.inverse_shape(ts_))
    try:
        ts = t.sign
    except NotImplementedError:
        with pytest.raises(NotImplementedError):
            e.sign
        return
    es = e.sign
    assert type(es).__name__ == type(ts).__name__ or isinstance(ts, torch.Tensor)
    np.testing.assert_array_equal(to_np(es), to_np(ts))


def test_transform_misc(device):
    T = ember.distributions.transforms
    assert T.ExpTransform() == T.ExpTransform() and T.ExpTransform() != T.SigmoidTransform()
    assert T.AffineTransform(1., 2.) == T.AffineTransform(1., 2.)
    assert T.AffineTransform(1., 2.) != T.AffineTransform(1., 3.)
    assert T.ExpTransform().inv == T.ExpTransform().inv
    c = T.ComposeTransform([T.ExpTransform(), T.AffineTransform(0., 2.)])
    assert c == T.ComposeTransform([T.ExpTransform(), T.AffineTransform(0., 2.)])
    assert isinstance(c.inv, T.ComposeTransform) and c.inv.inv is c
    assert c.bijective and c.sign == 1
    assert not T.ComposeTransform([T.AbsTransform(), T.ExpTransform()]).bijective
    assert T.identity_transform(ember.tensor(2.)).item() == 2.
    assert T.ExpTransform().event_dim == 0
    assert T.SoftmaxTransform().event_dim == 1
    assert T.ComposeTransform([T.ExpTransform(), T.StickBreakingTransform()]).event_dim == 1
    # caching: the inverse of a cached output is the very input
    t = T.ExpTransform(cache_size=1)
    x = ember.tensor([1., 2.])
    y = t(x)
    assert t(x) is y and t.inv(y) is x
    assert T.ExpTransform().with_cache(1)._cache_size == 1
    assert T.AffineTransform(1., 2.).with_cache(1)._cache_size == 1
    for bad in (lambda L: _T(L).ExpTransform(cache_size=2),
                lambda L: _T(L).SoftmaxTransform().forward_shape(L.Size(())),
                lambda L: L.distributions.TransformedDistribution(
                    L.distributions.Normal(0., 1.), 'exp'),
                lambda L: L.distributions.TransformedDistribution(
                    L.distributions.Normal(0., 1.), [_T(L).ExpTransform(), 3]),
                lambda L: L.distributions.TransformedDistribution(
                    L.distributions.Normal(0., 1.), _T(L).StickBreakingTransform())):
        check_same_error(bad)


# ----------------------------------------------------------------------------- distributions

STATS = ('mean', 'variance', 'stddev', 'mode')


def _TD(L, loc, scale, transforms):
    return L.distributions.TransformedDistribution(L.distributions.Normal(loc, scale),
                                                   transforms(L))


# name -> (constructor(lib, *params), params, value, properties, has entropy)
CASES = {
    'StudentT': (lambda L, df, a, b: L.distributions.StudentT(df, a, b),
                 [np.array([0.8, 1.5, 3.0, 7.0], np.float32), _real(4), _pos(4)], _real(2, 4),
                 STATS, True),
    'StudentTdf': (lambda L, df: L.distributions.StudentT(df), [_pos(3) * 4], _real(2, 3),
                   STATS, True),
    'Chi2': (lambda L, df: L.distributions.Chi2(df), [_pos(3) * 3], _pos(2, 3), STATS, True),
    'Gumbel': (lambda L, a, b: L.distributions.Gumbel(a, b), [_real(3), _pos(3)], _real(2, 3),
               STATS, True),
    'HalfNormal': (lambda L, s: L.distributions.HalfNormal(s), [_pos(3)], _pos(2, 3), STATS, True),
    'VonMises': (lambda L, a, k: L.distributions.VonMises(a, k),
                 [_real(4), np.array([0.3, 1.0, 3.0, 8.0], np.float32)], _real(2, 4),
                 ('mean', 'mode', 'variance'), False),
    'LogNormal': (lambda L, a, b: L.distributions.LogNormal(a, b), [_real(3) * 0.3, _pos(3) * 0.5],
                  _pos(2, 3), STATS, True),
    'MultinomialP': (lambda L, p: L.distributions.Multinomial(5, probs=p), [_simplex(2, 3)],
                     np.array([[[0, 2, 3], [5, 0, 0]], [[1, 1, 3], [2, 2, 1]]], np.float32),
                     ('mean', 'variance'), True),
    'MultinomialL': (lambda L, lg: L.distributions.Multinomial(4, logits=lg), [_real(3)],
                     np.array([[0, 2, 2], [4, 0, 0]], np.float32), ('mean', 'variance'), True),
    'Mixture': (lambda L, lg, a, b: L.distributions.MixtureSameFamily(
        L.distributions.Categorical(logits=lg), L.distributions.Normal(a, b)),
        [_real(2, 3), _real(2, 3), _pos(2, 3)], _real(4, 2), ('mean', 'variance'), False),
    'MixtureBcast': (lambda L, lg, a, b: L.distributions.MixtureSameFamily(
        L.distributions.Categorical(logits=lg), L.distributions.Normal(a, b)),
        [_real(3), _real(2, 3), _pos(2, 3)], _real(4, 2), ('mean', 'variance'), False),
    'MixtureEvent': (lambda L, lg, a, b: L.distributions.MixtureSameFamily(
        L.distributions.Categorical(logits=lg),
        L.distributions.Independent(L.distributions.Normal(a, b), 1)),
        [_real(2, 3), _real(2, 3, 4), _pos(2, 3, 4)], _real(5, 2, 4), ('mean', 'variance'), False),
    'MixtureMVN': (lambda L, p, m: L.distributions.MixtureSameFamily(
        L.distributions.Categorical(probs=p),
        L.distributions.MultivariateNormal(m, L.eye(2) * 0.7)),
        [_simplex(3), _real(3, 2)], _real(5, 2), ('mean', 'variance'), False),
    'RelaxedBernoulliP': (lambda L, t, p: L.distributions.RelaxedBernoulli(t, probs=p),
                          [np.array(0.7, np.float32), _unit(3)], _unit(2, 3), (), False),
    'RelaxedBernoulliL': (lambda L, t, lg: L.distributions.RelaxedBernoulli(t, logits=lg),
                          [_pos(3), _real(3)], _unit(2, 3), (), False),
    'LogitRelaxedBernoulli': (lambda L, t, lg: L.distributions.relaxed_bernoulli
                              .LogitRelaxedBernoulli(t, logits=lg),
                              [_pos(3), _real(3)], _real(2, 3), (), False),
    'RelaxedOneHot': (lambda L, t, lg: L.distributions.RelaxedOneHotCategorical(t, logits=lg),
                      [np.array(0.5, np.float32), _real(2, 4)], _simplex(3, 2, 4), (), False),
    'RelaxedOneHotP': (lambda L, t, p: L.distributions.RelaxedOneHotCategorical(t, probs=p),
                       [np.array(0.8, np.float32), _simplex(2, 4)], _simplex(3, 2, 4), (), False),
    'ExpRelaxedCategorical': (lambda L, t, lg: L.distributions.relaxed_categorical
                              .ExpRelaxedCategorical(t, logits=lg),
                              [np.array(1.3, np.float32), _real(2, 4)],
                              np.log(_simplex(3, 2, 4)), (), False),
    'TD_affine_sigmoid': (lambda L, a, b: _TD(L, a, b, lambda L: [
        _T(L).AffineTransform(0.5, 2.), _T(L).SigmoidTransform()]), [_real(3), _pos(3)],
        _unit(2, 3), (), False),
    'TD_tanh': (lambda L, a, b: _TD(L, a, b, lambda L: _T(L).TanhTransform()),
                [_real(3), _pos(3)], _unit(2, 3) * 2 - 1, (), False),
    'TD_power': (lambda L, a, b: _TD(L, a, b, lambda L: [
        _T(L).ExpTransform(), _T(L).PowerTransform(L.tensor([2., 0.5, -1.]))]),
        [_real(3), _pos(3)], _pos(2, 3), (), False),
    'TD_stick': (lambda L, a, b: _TD(L, a, b, lambda L: _T(L).StickBreakingTransform()),
                 [_real(2, 3), _pos(2, 3)], _simplex(5, 2, 4), (), False),
    'TD_affine_ev': (lambda L, a, b, s: _TD(L, a, b, lambda L: _T(L).AffineTransform(
        1., s, event_dim=1)), [_real(3), _pos(3), _pos(3)], _real(2, 3), (), False),
}


@pytest.mark.parametrize('name', list(CASES))
def test_log_prob_entropy_stats(name, device):
    ctor, params, value, props, has_entropy = CASES[name]
    check_log_prob_stats(ctor, params, value, props, has_entropy, device)


@pytest.mark.parametrize('name', ['StudentT', 'Chi2', 'Gumbel', 'VonMises', 'MultinomialL',
                                  'MixtureEvent', 'RelaxedOneHot', 'TD_stick'])
def test_log_prob_float64(name, device):
    ctor, params, value, _, _ = CASES[name]
    check_log_prob_float64(ctor, params, value, device)


def test_cdf_icdf(device):
    def fn(L, a, b, u, v):
        D = L.distributions
        mix = D.MixtureSameFamily(D.Categorical(logits=a), D.Normal(a, b))
        neg = D.TransformedDistribution(D.Normal(a, b), [_T(L).AffineTransform(1., -2.)])
        ex = D.TransformedDistribution(D.Normal(a, b), [_T(L).ExpTransform(),
                                                        _T(L).AffineTransform(0., 3.)])
        return (D.Gumbel(a, b).cdf(v), D.Gumbel(a, b).icdf(u),
                D.HalfNormal(b).cdf(v.abs()), D.HalfNormal(b).icdf(u),
                D.LogNormal(a, b).cdf(v.abs()), D.LogNormal(a, b).icdf(u),
                neg.cdf(v), neg.icdf(u), ex.cdf(v.abs()), ex.icdf(u), mix.cdf(v[0]))
    compare(fn, _real(3), _pos(3), _unit(2, 3), _real(2, 3), device=device, **TOL)


def test_gradcheck_new(device):
    dt = np.float64
    df = ember.tensor(_pos(3).astype(dt) * 3, device=device, requires_grad=True)
    loc = ember.tensor(_real(3).astype(dt), device=device, requires_grad=True)
    v = ember.tensor(_pos(3).astype(dt), device=device)
    D = ember.distributions

    def f(d, a):
        return (D.StudentT(d, a, 1.5).log_prob(v) + D.StudentT(d, a, 1.5).entropy()
                + D.Gumbel(a, d).log_prob(v) + D.HalfNormal(d).log_prob(v)
                + D.VonMises(a, d).log_prob(v)
                + D.RelaxedBernoulli(d, logits=a).log_prob(v / 3))
    assert ember.autograd.gradcheck(f, (df, loc))
    assert ember.autograd.gradgradcheck(f, (df, loc))


# ---------------------------------------------------------------------------- KL divergences

KL_CASES = [
    ('Gumbel', 'Gumbel'), ('HalfNormal', 'HalfNormal'), ('Chi2', 'Chi2'),
    ('Exponential', 'Gumbel'), ('Gamma', 'Gumbel'), ('Gumbel', 'Normal'), ('Normal', 'Gumbel'),
    ('Uniform', 'Gumbel'), ('Gumbel', 'Gamma'), ('Gumbel', 'Uniform'), ('TD', 'TD'),
    ('RelaxedBernoulli', 'RelaxedBernoulli'),
]
_KL_CTORS = {
    'Gumbel': lambda L, a, b: L.distributions.Gumbel(a, b),
    'HalfNormal': lambda L, a, b: L.distributions.HalfNormal(b),
    'Chi2': lambda L, a, b: L.distributions.Chi2(b * 2),
    'Exponential': lambda L, a, b: L.distributions.Exponential(b),
    'Gamma': lambda L, a, b: L.distributions.Gamma(b * 2, b),
    'Normal': lambda L, a, b: L.distributions.Normal(a, b),
    'Uniform': lambda L, a, b: L.distributions.Uniform(a, a + b),
    'TD': lambda L, a, b: _TD(L, a, b, lambda L: [_T(L).AffineTransform(1., 2.),
                                                  _T(L).ExpTransform()]),
    'RelaxedBernoulli': lambda L, a, b: L.distributions.RelaxedBernoulli(b, logits=a),
}


@pytest.mark.parametrize('pq', KL_CASES, ids=['-'.join(c) for c in KL_CASES])
def test_kl_divergence(pq, device):
    p, q = pq
    kl = lambda L, a, b, c, d: L.distributions.kl_divergence(_KL_CTORS[p](L, a, b),
                                                             _KL_CTORS[q](L, c, d))
    args = (_real(3), _pos(3), _real(3), _pos(3))
    te, ee = err(lambda: kl(torch, *[torch.tensor(x) for x in args])), \
        err(lambda: kl(ember, *[ember.tensor(x, device=device) for x in args]))
    if te[0] is not None:       # no KL for the pair (base distributions without one)
        assert ee[0] is te[0], (ee, te)
        return
    compare(kl, *args, device=device, **TOL)


def test_kl_not_implemented(device):
    D = ember.distributions
    with pytest.raises(NotImplementedError):        # different transforms
        D.kl_divergence(D.HalfNormal(ember.ones(2)), D.LogNormal(0., ember.ones(2)))
    with pytest.raises(NotImplementedError):
        D.kl_divergence(D.StudentT(3.), D.StudentT(4.))


# ---------------------------------------------------------------------------- shapes, samples

SHAPES = [
    ('StudentT', lambda L: L.distributions.StudentT(L.full((2, 3), 4.), 0., 1.)),
    ('StudentTScalar', lambda L: L.distributions.StudentT(3.)),
    ('Chi2', lambda L: L.distributions.Chi2(L.full((3,), 2.))),
    ('Gumbel', lambda L: L.distributions.Gumbel(L.zeros(2, 3), 1.)),
    ('GumbelScalar', lambda L: L.distributions.Gumbel(0., 1.)),
    ('HalfNormal', lambda L: L.distributions.HalfNormal(L.ones(3))),
    ('VonMises', lambda L: L.distributions.VonMises(L.zeros(3), L.full((2, 1), 2.))),
    ('Multinomial', lambda L: L.distributions.Multinomial(6, probs=L.ones(2, 4))),
    ('Mixture', lambda L: L.distributions.MixtureSameFamily(
        L.distributions.Categorical(logits=L.zeros(2, 3)),
        L.distributions.Normal(L.zeros(2, 3), 1.))),
    ('MixtureEvent', lambda L: L.distributions.MixtureSameFamily(
        L.distributions.Categorical(logits=L.zeros(2, 3)),
        L.distributions.Independent(L.distributions.Normal(L.zeros(2, 3, 4), 1.), 1))),
    ('RelaxedBernoulli', lambda L: L.distributions.RelaxedBernoulli(L.tensor(0.5),
                                                                    probs=L.full((2, 3), 0.3))),
    ('RelaxedOneHot', lambda L: L.distributions.RelaxedOneHotCategorical(
        L.tensor(0.5), logits=L.zeros(2, 4))),
    ('LogNormal', lambda L: L.distributions.LogNormal(L.zeros(3), 1.)),
    ('TD_stick', lambda L: L.distributions.TransformedDistribution(
        L.distributions.Normal(L.zeros(2, 3), 1.), L.distributions.StickBreakingTransform())),
]


@pytest.mark.parametrize('name,ctor', SHAPES, ids=[s[0] for s in SHAPES])
@pytest.mark.parametrize('sample_shape', [(), (5,), (2, 3)])
def test_sample_shapes(name, ctor, sample_shape, device):
    e, t, big_e, big_t = check_sample_shapes(ctor, sample_shape)
    assert repr(e.support) == repr(t.support)
    assert sorted(e.arg_constraints) == sorted(t.arg_constraints)
    assert type(big_e).__name__ == type(big_t).__name__
    assert tuple(big_e.batch_shape) == tuple(big_t.batch_shape)


def test_sample_moments_and_seed(device):
    n = 60000
    cases = [
        (lambda L: L.distributions.StudentT(L.tensor([5., 9.]), L.tensor([1., -1.]),
                                            L.tensor([0.5, 2.])), 0.08),
        (lambda L: L.distributions.Chi2(L.tensor([1., 4.])), 0.06),
        (lambda L: L.distributions.Gumbel(L.tensor([1., -2.]), L.tensor([0.5, 2.])), 0.05),
        (lambda L: L.distributions.HalfNormal(L.tensor([0.5, 2.])), 0.05),
        (lambda L: L.distributions.Multinomial(10, probs=L.tensor([0.2, 0.3, 0.5])), 0.05),
        (lambda L: L.distributions.MixtureSameFamily(
            L.distributions.Categorical(probs=L.tensor([0.3, 0.7])),
            L.distributions.Normal(L.tensor([-2., 3.]), L.tensor([1., 0.5]))), 0.05),
        (lambda L: L.distributions.MixtureSameFamily(
            L.distributions.Categorical(probs=L.tensor([0.3, 0.7])),
            L.distributions.Independent(L.distributions.Normal(
                L.tensor([[-2., 0.], [3., 1.]]), L.tensor([[1., 0.2], [0.5, 1.]])), 1)), 0.05),
        (lambda L: L.distributions.LogNormal(L.tensor([0.]), L.tensor([0.5])), 0.05),
    ]
    for ctor, tol in cases:
        e, t = ctor(ember), ctor(torch)
        check_moments(e, t, seeded_samples(e, n), tol, 0.5)


def test_von_mises_samples(device):
    loc = np.array([0.5, -2.5, 3.0], np.float32)
    kappa = np.array([0.5, 2.0, 10.0], np.float32)
    d = ember.distributions.VonMises(ember.tensor(loc), ember.tensor(kappa))
    ember.manual_seed(0)
    s = to_np(d.sample((50000,))).astype(np.float64)
    assert s.dtype == np.float64 and np.all(s >= -math.pi) and np.all(s < math.pi)
    # E[cos(x - loc)] = I1(k)/I0(k) = 1 - circular variance; E[sin(x - loc)] = 0
    np.testing.assert_allclose(np.cos(s - loc).mean(0), 1 - to_np(d.variance), atol=0.015)
    np.testing.assert_allclose(np.sin(s - loc).mean(0), 0, atol=0.015)
    assert d.sample().dtype == ember.float32


def test_relaxed_samples(device):
    D = ember.distributions
    ember.manual_seed(0)
    p = np.array([0.2, 0.5, 0.9], np.float32)
    s = to_np(D.RelaxedBernoulli(ember.tensor(0.05), probs=ember.tensor(p)).sample((40000,)))
    assert np.all((s >= 0) & (s <= 1))
    np.testing.assert_allclose((s > 0.5).mean(0), p, atol=0.015)   # P(x > 1/2) = p exactly
    probs = np.array([0.1, 0.3, 0.6], np.float32)
    s = to_np(D.RelaxedOneHotCategorical(ember.tensor(0.1), probs=ember.tensor(probs))
              .sample((40000,)))
    np.testing.assert_allclose(s.sum(-1), 1, atol=1e-5)
    # argmax of a Gumbel-softmax sample is Categorical(probs) at any temperature
    np.testing.assert_allclose(np.bincount(s.argmax(-1), minlength=3) / len(s), probs, atol=0.015)


def test_multinomial_samples(device):
    D = ember.distributions
    ember.manual_seed(1)
    d = D.Multinomial(7, logits=ember.tensor([[0., 1., 2.], [2., 0., -1.]]))
    s = to_np(d.sample((1000,)))
    assert s.dtype == np.float32 and np.all(s.sum(-1) == 7) and np.all(s >= 0)
    assert bool(d.support.check(ember.tensor(s)).all())


# ------------------------------------------------------------------ rsample gradients (MC)

def _mc_grad(L, make, f, params, n, seed):
    ps = [L.tensor(p, requires_grad=True) for p in params]
    (L.manual_seed if L is ember else torch.manual_seed)(seed)
    f(L, make(L, *ps).rsample((n,))).backward()
    return [to_np(p.grad) for p in ps]


RSAMPLE_CASES = {
    'StudentT': (lambda L, df, a, s: L.distributions.StudentT(df, a, s),
                 [np.array([9., 12.], np.float32), np.array([0.5, -1.], np.float32),
                  np.array([1.5, 0.7], np.float32)], lambda L, x: (x ** 2).mean(0).sum(), 0.05),
    'Gumbel': (lambda L, a, s: L.distributions.Gumbel(a, s),
               [np.array([0.5, -1.], np.float32), np.array([1.5, 0.7], np.float32)],
               lambda L, x: (x ** 2).mean(0).sum(), 0.04),
    'HalfNormal': (lambda L, s: L.distributions.HalfNormal(s), [np.array([1.5, 0.7], np.float32)],
                   lambda L, x: x.mean(0).sum(), 0.03),
    'LogNormal': (lambda L, a, s: L.distributions.LogNormal(a, s),
                  [np.array([0.5, -1.], np.float32), np.array([0.5, 0.3], np.float32)],
                  lambda L, x: x.mean(0).sum(), 0.03),
    'RelaxedBernoulli': (lambda L, lg: L.distributions.RelaxedBernoulli(L.tensor(0.5), logits=lg),
                         [np.array([0.5, -1., 2.], np.float32)],
                         lambda L, x: (x * L.tensor([1., 2., -1.])).mean(0).sum(), 0.03),
    'RelaxedOneHot': (lambda L, lg: L.distributions.RelaxedOneHotCategorical(
        L.tensor(0.7), logits=lg), [np.array([[0.5, -1., 2.], [0., 0.3, -0.2]], np.float32)],
        lambda L, x: (x * L.tensor([1., 2., -1.])).pow(2).mean(0).sum(), 0.03),
    'TD_tanh_affine': (lambda L, a, s: _TD(L, a, s, lambda L: [
        _T(L).TanhTransform(), _T(L).AffineTransform(1., L.tensor([2., -3.]))]),
        [np.array([0.5, -1.], np.float32), np.array([1.5, 0.7], np.float32)],
        lambda L, x: (x ** 2).mean(0).sum(), 0.03),
}


@pytest.mark.parametrize('name', list(RSAMPLE_CASES))
def test_rsample_gradients_match_torch(name, device):
    """The gradient of an rsample-based Monte Carlo loss estimates the same derivative of an
    expectation in both libraries (different random numbers, so to MC accuracy)."""
    make, params, f, tol = RSAMPLE_CASES[name]
    n = 200000
    ge = _mc_grad(ember, make, f, params, n, 0)
    gt = _mc_grad(torch, make, f, params, n, 0)
    for a, b in zip(ge, gt):
        assert np.all(np.isfinite(a))
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol * (np.abs(b).max() + 0.1))


def test_rsample_gradients_analytic(device):
    D = ember.distributions
    n = 200000
    ember.manual_seed(0)
    df = ember.tensor([9.], requires_grad=True)
    scale = ember.tensor([2.], requires_grad=True)
    x = D.StudentT(df, 0., scale).rsample((n,))
    (x ** 2).mean().backward()      # E[x^2] = s^2 df / (df - 2)
    np.testing.assert_allclose(to_np(scale.grad), [2 * 2 * 9 / 7], rtol=0.05)
    np.testing.assert_allclose(to_np(df.grad), [-2 * 4 / 49], rtol=0.1)
    loc = ember.tensor([0.3], requires_grad=True)
    scale = ember.tensor([1.7], requires_grad=True)
    D.Gumbel(loc, scale).rsample((n,)).mean().backward()   # E = loc + scale * euler
    np.testing.assert_allclose(to_np(loc.grad), [1.0], rtol=1e-5)
    np.testing.assert_allclose(to_np(scale.grad), [0.5772157], rtol=0.02)
    assert not D.VonMises(0., 1.).has_rsample and not D.Multinomial(3, ember.ones(2)).has_rsample
    with pytest.raises(NotImplementedError):
        D.MixtureSameFamily(D.Categorical(logits=ember.zeros(2)),
                            D.Normal(ember.zeros(2), 1.)).rsample()


# ---------------------------------------------------------------------------- validation

@pytest.mark.parametrize('bad', [
    lambda L: L.distributions.StudentT(L.tensor([-1.])),
    lambda L: L.distributions.StudentT(L.tensor([1.]), 0., L.tensor([-1.])),
    lambda L: L.distributions.StudentT(1.).log_prob(L.tensor([float('nan')])),
    lambda L: L.distributions.Chi2(L.tensor([-1.])),
    lambda L: L.distributions.Chi2(L.tensor([2.])).log_prob(L.tensor([-1.])),
    lambda L: L.distributions.Gumbel(L.tensor([0.]), L.tensor([-1.])),
    lambda L: L.distributions.Gumbel(0., 1.).log_prob(L.tensor([float('nan')])),
    lambda L: L.distributions.HalfNormal(L.tensor([-1.])),
    lambda L: L.distributions.HalfNormal(L.tensor([1.])).log_prob(L.tensor([-1.])),
    lambda L: L.distributions.LogNormal(0., 1.).log_prob(L.tensor([-1.])),
    lambda L: L.distributions.VonMises(L.tensor([0.]), L.tensor([-1.])),
    lambda L: L.distributions.Multinomial(2.5, probs=L.ones(3)),
    lambda L: L.distributions.Multinomial(3, probs=L.tensor(0.5)),
    lambda L: L.distributions.Multinomial(3, probs=L.tensor([0.5, -0.5, 1.0])),
    lambda L: L.distributions.Multinomial(3),
    lambda L: L.distributions.Multinomial(3, probs=L.ones(3)).log_prob(L.tensor([2., 2., 0.])),
    lambda L: L.distributions.Multinomial(3, probs=L.ones(3)).log_prob(L.tensor([2., 1.])),
    lambda L: L.distributions.MixtureSameFamily(L.distributions.Normal(0., 1.),
                                                L.distributions.Normal(L.zeros(2), 1.)),
    lambda L: L.distributions.MixtureSameFamily(L.distributions.Categorical(logits=L.zeros(2)),
                                                'normal'),
    lambda L: L.distributions.MixtureSameFamily(L.distributions.Categorical(logits=L.zeros(3)),
                                                L.distributions.Normal(L.zeros(2), 1.)),
    lambda L: L.distributions.MixtureSameFamily(L.distributions.Categorical(logits=L.zeros(3, 2)),
                                                L.distributions.Normal(L.zeros(4, 2), 1.)),
    lambda L: L.distributions.MixtureSameFamily(
        L.distributions.Categorical(logits=L.zeros(2)),
        L.distributions.Gamma(L.ones(2), 1.)).log_prob(L.tensor([-1.])),
    lambda L: L.distributions.RelaxedBernoulli(L.tensor(0.5)),
    lambda L: L.distributions.RelaxedBernoulli(L.tensor(0.5), probs=L.tensor([1.5])),
    lambda L: L.distributions.RelaxedBernoulli(L.tensor(0.5), probs=L.tensor([0.5])).log_prob(
        L.tensor([1.5])),
    lambda L: L.distributions.RelaxedOneHotCategorical(L.tensor(0.5), probs=L.tensor([-0.5, 1.5])),
    lambda L: L.distributions.RelaxedOneHotCategorical(L.tensor(0.5), logits=L.zeros(3)).log_prob(
        L.tensor([0.5, 0.6, 0.1])),
])
def test_validation_errors(bad, device):
    check_same_error(bad, may_pass=True)


def test_misc_api(device):
    D = ember.distributions
    for name in ('StudentT', 'Chi2', 'Gumbel', 'HalfNormal', 'VonMises', 'Multinomial',
                 'MixtureSameFamily', 'RelaxedBernoulli', 'RelaxedOneHotCategorical',
                 'TransformedDistribution',
                 'ExpTransform', 'AffineTransform', 'ComposeTransform'):
        assert name in D.__all__ and hasattr(torch.distributions, name)
    from ember.distributions.studentT import StudentT
    from ember.distributions.relaxed_categorical import RelaxedOneHotCategorical
    from ember.distributions.transforms import TanhTransform  # noqa: F401
    assert StudentT is D.StudentT and RelaxedOneHotCategorical is D.RelaxedOneHotCategorical
    assert isinstance(D.LogNormal(0., 1.), D.TransformedDistribution)
    assert isinstance(D.Chi2(2.), D.Gamma)
    for ctor in (lambda L: L.distributions.StudentT(L.tensor([3.]), 1., 2.),
                 lambda L: L.distributions.Gumbel(0., 1.),
                 lambda L: L.distributions.HalfNormal(L.ones(2)),
                 lambda L: L.distributions.MixtureSameFamily(
                     L.distributions.Categorical(logits=L.zeros(2)),
                     L.distributions.Normal(L.zeros(2), 1.)),
                 lambda L: L.distributions.RelaxedBernoulli(L.tensor(0.5), probs=L.ones(2) / 2)):
        assert repr(ctor(ember)) == repr(ctor(torch))
    m = D.MixtureSameFamily(D.Categorical(logits=ember.zeros(2)), D.Normal(ember.zeros(2), 1.))
    assert isinstance(m.mixture_distribution, D.Categorical)
    assert isinstance(m.component_distribution, D.Normal)
    mt = D.Multinomial(4, probs=ember.ones(3))
    assert mt.total_count == 4 and tuple(mt.param_shape) == (3,)
    np.testing.assert_allclose(to_np(mt.probs), np.ones(3) / 3, rtol=1e-6)
    assert float(D.StudentT(3.).df) == 3.
    np.testing.assert_allclose(to_np(D.Chi2(ember.tensor([3.])).df), [3.])
