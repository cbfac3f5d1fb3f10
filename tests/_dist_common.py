"""Checks shared by the ember.distributions test modules (test_distributions.py and
test_distributions_more.py): seeded inputs, and ember-against-PyTorch comparisons of
log_prob/statistics, sample shapes, errors and sample moments."""
import numpy as np

import ember
from tests.helpers import compare, torch, to_np

TOL = dict(rtol=1e-4, atol=1e-5)


class Draws:
    """Random float32 inputs drawn from one seeded stream (``R``), one per test module."""

    def __init__(self, seed):
        self.R = np.random.RandomState(seed)

    def pos(self, *shape):
        return (self.R.rand(*shape) * 1.5 + 0.5).astype(np.float32)

    def real(self, *shape):
        return self.R.randn(*shape).astype(np.float32)

    def unit(self, *shape):
        return (self.R.rand(*shape) * 0.8 + 0.1).astype(np.float32)

    def simplex(self, *shape):
        x = self.R.rand(*shape).astype(np.float32) + 0.1
        return (x / x.sum(-1, keepdims=True)).astype(np.float32)


def err(fn):
    """``(type, message)`` of the exception ``fn()`` raises, ``(None, None)`` if none."""
    try:
        fn()
    except Exception as ex:  # noqa: BLE001
        return type(ex), str(ex)
    return None, None


def check_same_error(bad, may_pass=False):
    """``bad(torch)`` and ``bad(ember)`` raise the same exception type with the same first
    message line (or, with ``may_pass``, both raise nothing)."""
    te, tm = err(lambda: bad(torch))
    ee, em = err(lambda: bad(ember))
    if may_pass and te is None:
        assert ee is None, (ee, em)
        return
    assert te is not None and ee is te, (ee, em, te, tm)
    # the message up to the printed values matches PyTorch's
    assert em.split('\n')[0] == tm.split('\n')[0]


def check_log_prob_stats(ctor, params, value, props, entropy, device):
    """``log_prob(value)``, ``entropy()`` (when ``entropy``) and the properties ``props`` of
    ``ctor(lib, *params)`` match PyTorch's, with gradients."""
    def fn(L, *args):
        *ps, v = args
        d = ctor(L, *ps)
        out = [d.log_prob(v)]
        if entropy:
            out.append(d.entropy())
        out += [getattr(d, p) for p in props]
        return tuple(out)
    compare(fn, *params, value, device=device, **TOL)


def check_log_prob_float64(ctor, params, value, device):
    """``log_prob`` of ``ctor(lib, *params)`` matches PyTorch's in float64."""
    p64 = [p.astype(np.float64) for p in params]
    v = value.astype(np.float64) if value.dtype.kind == 'f' else value
    compare(lambda L, *a: ctor(L, *a[:-1]).log_prob(a[-1]), *p64, v, device=device)


def check_sample_shapes(ctor, sample_shape):
    """Shapes, flags and sample dtype of ``ctor(lib)`` and of its expansion by a leading 7
    match PyTorch's; returns the ember and torch distributions and their expansions."""
    e, t = ctor(ember), ctor(torch)
    assert tuple(e.batch_shape) == tuple(t.batch_shape)
    assert tuple(e.event_shape) == tuple(t.event_shape)
    assert e.has_rsample == t.has_rsample
    assert e.has_enumerate_support == t.has_enumerate_support
    es, ts = e.sample(sample_shape), t.sample(sample_shape)
    assert tuple(es.shape) == tuple(ts.shape)
    assert str(es.dtype) == str(ts.dtype)
    assert not es.requires_grad
    if t.has_rsample:
        assert tuple(e.rsample(sample_shape).shape) == tuple(ts.shape)
    # samples are in the support and score with the right shape
    assert tuple(e.log_prob(es).shape) == tuple(t.log_prob(ts).shape)
    big_e = e.expand((7,) + tuple(e.batch_shape))
    big_t = t.expand((7,) + tuple(t.batch_shape))
    assert tuple(big_e.sample(sample_shape).shape) == tuple(big_t.sample(sample_shape).shape)
    return e, t, big_e, big_t


def seeded_samples(d, n, seed=3):
    """``d.sample((n,))`` after ``manual_seed(seed)``, checked to repeat under the same seed,
    as a float64 array."""
    ember.manual_seed(seed)
    s = d.sample((n,))
    ember.manual_seed(seed)
    np.testing.assert_array_equal(to_np(s), to_np(d.sample((n,))))
    return to_np(s).astype(np.float64)


def check_moments(e, t, s, tol, mean_atol_per_sd):
    """The samples ``s`` of ``e`` have ``t``'s mean and variance (relative ``tol``; the mean's
    absolute slack is ``tol * mean_atol_per_sd`` standard deviations + 0.01) and lie in
    ``e``'s support."""
    mean, var = to_np(t.mean), to_np(t.variance)
    np.testing.assert_allclose(s.mean(0), mean, rtol=tol,
                               atol=tol * mean_atol_per_sd * np.sqrt(var).max() + 0.01)
    np.testing.assert_allclose(s.var(0), var, rtol=3 * tol, atol=0.02)
    assert bool(e.support.check(ember.tensor(s.astype(np.float32))).all())
